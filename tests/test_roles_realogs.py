"""Every `read` entry of both real-log corpora (../shared/realogs, ../shared/realogs2), read as a
manifest with `format: auto` would read it, gets its train and validation loss picked, and the
picked series equal an independent reading of the file (tests/independent_reading.py: the csv and
json modules, MLflow's metric lines, TensorBoard's EventAccumulator), summed here when the loss is
logged as parts. What each entry's losses are is written down below by hand, from the file: the
labels, not the code under test, say which series is the loss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import REALOGS, REALOGS2, need_corpus
from independent_reading import last_written, reference

from reportgen.errors import Location
from reportgen.model import LogSpec, RunSpec
from reportgen.readers.run import read_run

CORPORA = {"realogs": REALOGS, "realogs2": REALOGS2}

# entry -> (train loss, validation loss): a logged name, a tuple of logged parts whose sum is the
# loss (no total is logged), or None when the log holds no such loss. Hugging Face's one-point
# summary `train_loss` and per-epoch duplicates are never the train loss (see the notes).
LOSSES: dict[str, tuple[str | tuple[str, ...] | None, str | tuple[str, ...] | None]] = {
    # ../shared/realogs
    "realogs/hf_trainer/Checkpoint-of-CPT__trainer_state.json": ("loss", "eval_loss"),
    "realogs/hf_trainer/DNABERT-2__trainer_state.json": ("loss", "eval_loss"),
    "realogs/hf_trainer/Whisper_Finetune__trainer_state.json": ("loss", "eval_loss"),
    "realogs/hf_trainer/falcon-lora-imdb-sentiment__trainer_state.json": ("loss", None),
    "realogs/hf_trainer/lora-imdb-distilbert__trainer_state.json": ("loss", "eval_loss"),
    "realogs/hf_trainer/mT5-based-azerbaijani-news-summarize__trainer_state.json": (
        "loss",
        "eval_loss",
    ),
    "realogs/hf_trainer/serial-lain-ai__trainer_state.json": ("loss", None),
    "realogs/hf_trainer/tinyLlama-finetune__trainer_state.json": ("loss", "eval_loss"),
    "realogs/hf_trainer/trainer_state_viz__trainer_state.json": ("loss", None),
    "realogs/hf_trainer/whisper-large-v2-japanese-5k-steps__trainer_state.json": (
        "loss",
        "eval_loss",
    ),
    "realogs/keras/BrainTumorClassification__training_history.json": ("loss", "val_loss"),
    "realogs/keras/COVID-CNN-CLASSIFIER__training_history.json": ("loss", "val_loss"),
    "realogs/keras/Car-Prediction-CNN-Model__training.log": ("loss", "val_loss"),
    "realogs/keras/Deteksi-Huruf-Hijaiyah---CNN__history.csv": ("loss", "val_loss"),
    "realogs/keras/Emotion-Detection-Resnet50__training.log": ("loss", "val_loss"),
    "realogs/keras/Pneumonia-Detection-Using-EfficientNetB0__fine_tuning_history.csv": (
        "loss",
        "val_loss",
    ),
    "realogs/keras/Pneumonia-Detection-Using-EfficientNetB0__training_history.csv": (
        "loss",
        "val_loss",
    ),
    "realogs/keras/dogbreedai__history.csv": ("loss", "val_loss"),
    "realogs/keras/dogbreedai__history.json": ("loss", "val_loss"),
    "realogs/keras/irfanet-10__training.log": ("loss", "val_loss"),
    "realogs/keras/irfanet-10__training_logs191017_5_.log": ("loss", "val_loss"),
    "realogs/keras/irfanet-10__training_logs221017.log": ("loss", "val_loss"),
    "realogs/lightning/Contact-Point-Detection__hall_of_fame__20200205__lightning_logs__metrics.csv": (
        "train_loss",
        None,
    ),
    "realogs/lightning/Contact-Point-Detection__hall_of_fame__20200218__lightning_logs__metrics.csv": (
        "train_loss",
        None,
    ),
    "realogs/lightning/Gaussian-Mixture-Neural-Network__lightning_logs__version_0__metrics.csv": (
        "train_loss",
        "val_loss",
    ),
    "realogs/lightning/cv-image-classification__lightning_logs__version_0__metrics.csv": (
        "train_loss",
        "val_loss",
    ),
    "realogs/lightning/genrisk__lightning_logs__version_0__metrics.csv": (
        ("train_disc_loss", "train_gen_loss"),
        None,
    ),
    "realogs/lightning/genrisk__lightning_logs__version_10__metrics.csv": (
        ("train_disc_loss", "train_gen_loss"),
        None,
    ),
    "realogs/lightning/opal-v2__lightning_logs__version_0__metrics.csv": (
        "train/nll_loss",
        "val/rmse_loss",
    ),
    "realogs/lightning/slm_training__lightning_logs__version_0__metrics.csv": (
        "train_loss_step",
        "val_loss",
    ),
    "realogs/mlflow/AprendizajeProfundo__mlruns/2/6b4cd1fe891a4fea9d2ce37bfd9f028a": (
        "train_loss",
        "validation_loss",
    ),
    "realogs/mlflow/AprendizajeProfundo__mlruns/2/6c64ac90eecd48428b6d443b305cef8e": (
        "train_loss",
        "validation_loss",
    ),
    "realogs/mlflow/AprendizajeProfundo__mlruns/2/b0afb0275a4b4208bee6085f23b6c4ea": (
        "train_loss",
        "validation_loss",
    ),
    "realogs/mlflow/AprendizajeProfundo__mlruns/2/eaa72819a13140e3a591621ee34415d7": (
        "train_loss",
        "validation_loss",
    ),
    "realogs/mlflow/GlobalWheatDetection__mlruns/7/fb8648a8b8e843e79de5d13d04cd2d2d": (
        "tr_ls",
        "val_ls",
    ),
    "realogs/mlflow/cracks_defect__mlruns/0/db71d7088d5642929471582e3a7f10bf": ("loss", "val_loss"),
    "realogs/mlflow/hydro-ml__mlruns/7/43063544e622472595c6899ad2287cd7": (
        "train_loss",
        "val_loss",
    ),
    "realogs/plain/EFFICIENTNET_B0-for-emotion-recognition-of-FER-2013-dataset__training_history.json": (
        "train_loss",
        "val_loss",
    ),
    "realogs/plain/EFFICIENTNET_B0-for-emotion-recognition-of-FER-2013-dataset__v7_2026-04-30_20-28__face_training_history.json": (
        "train_loss",
        "val_loss",
    ),
    "realogs/plain/Emotion-detection-system__training_history.csv": ("train_loss", "val_loss"),
    "realogs/plain/Pothole_Detection_Model_RCNNs__output__metrics.json": ("total_loss", None),
    "realogs/plain/detectron2_detection__output__metrics.json": ("total_loss", None),
    "realogs/plain/detectron2_training__output__metrics.json": ("total_loss", None),
    "realogs/plain/detr_custom_dcmha__detr-r50_log.txt": ("train_loss", None),
    "realogs/plain/detr_custom_dcmha__output__log.txt": ("train_loss", None),
    "realogs/plain/fastai-sportsball-classifier__history.csv": ("train_loss", "valid_loss"),
    "realogs/plain/helmet-detection-yolov5__runs__train__exp2__results.csv": (
        ("train/box_loss", "train/cls_loss", "train/obj_loss"),
        ("val/box_loss", "val/cls_loss", "val/obj_loss"),
    ),
    "realogs/tensorboard/Contact-Point-Detection__hall_of_fame__20200218__lightning_logs__tf__events.out.tfevents.1581707986.Joon-Development.6496.1": (
        "train_loss",
        None,
    ),
    "realogs/tensorboard/cracks_defect__mlruns__0__db71d7088d5642929471582e3a7f10bf__artifacts__tensorboard_logs__train__events.out.tfevents.1610232762.pc.17504.5639.v2": (
        "epoch_loss",
        None,
    ),
    "realogs/tensorboard/cracks_defect__mlruns__0__db71d7088d5642929471582e3a7f10bf__artifacts__tensorboard_logs__validation__events.out.tfevents.1610232777.pc.17504.17205.v2": (
        "epoch_loss",
        None,
    ),
    "realogs/tensorboard/cv-image-classification__lightning_logs__mnist_cnn__version_1__events.out.tfevents.1785443425.squirrels-iMac.local.1798.6": (
        "train_loss",
        "val_loss",
    ),
    "realogs/tensorboard/cv-image-classification__lightning_logs__mnist_cnn__version_1__events.out.tfevents.1785443602.squirrels-iMac.local.1798.7": (
        None,
        "val_loss",
    ),
    "realogs/tensorboard/cv-image-classification__lightning_logs__mnist_cnn__version_1__events.out.tfevents.1785443606.squirrels-iMac.local.1798.8": (
        None,
        None,
    ),
    "realogs/tensorboard/detectron2_training__output__events.out.tfevents.1737378888.LAPTOP-1BH8GF02.2695.0": (
        "total_loss",
        None,
    ),
    "realogs/tensorboard/helmet-detection-yolov5__runs__train__exp2__events.out.tfevents.1671637532.gakko.30470.0": (
        ("train/box_loss", "train/cls_loss", "train/obj_loss"),
        ("val/box_loss", "val/cls_loss", "val/obj_loss"),
    ),
    "realogs/tensorboard/irfanet-10__logs221017__events.out.tfevents.1508627367.brain": (
        "loss",
        "val_loss",
    ),
    "realogs/tensorboard/serial-lain-ai__runs__Jun29_06-31-19_6a29ce405cda__events.out.tfevents.1719642696.6a29ce405cda.1269.0": (
        "train/loss",
        None,
    ),
    "realogs/tensorboard/serial-lain-ai__runs__Jun29_06-31-19_6a29ce405cda__events.out.tfevents.1719645922.6a29ce405cda.1269.2": (
        None,
        "eval/loss",
    ),
    "realogs/tensorboard/tensorboard__log_tayo__test__events.out.tfevents.1515280094.tayo-glaptop": (
        "cross_entropy_1",
        None,
    ),
    "realogs/tensorboard/tensorboard__log_tayo__train__events.out.tfevents.1515280092.tayo-glaptop": (
        "cross_entropy_1",
        None,
    ),
    "realogs/tensorboard/tensorboard__tensorboard__functionaltests__testdata__eval__events.out.tfevents.1476472058.localhost": (
        "loss",
        None,
    ),
    "realogs/tensorboard/tensorboard__tensorboard__functionaltests__testdata__events.out.tfevents.1476472047.localhost": (
        "loss",
        None,
    ),
    # ../shared/realogs2
    "realogs2/hf_trainer/Whisper_small_hi__trainer_state.json": ("loss", "eval_loss"),
    "realogs2/hf_trainer/t5-summarization-demo__trainer_state.json": ("loss", None),
    "realogs2/hf_trainer/whisper-tiny-nbaiLab__trainer_state.json": ("loss", "eval_loss"),
    "realogs2/hf_trainer/OpenAi-Whisper-small-Braj__trainer_state.json": ("loss", "eval_loss"),
    "realogs2/hf_trainer/canine-model__trainer_state.json": ("loss", "eval_loss"),
    "realogs2/hf_trainer/BERT_Weibo_Rumor__trainer_state.json": ("loss", None),
    "realogs2/lightning/trash-project__lightning_logs__version_0__metrics.csv": (
        "train_loss",
        "val_loss",
    ),
    "realogs2/lightning/LSTM-Implementation__lightning_logs__version_2__metrics.csv": (
        "train_loss",
        None,
    ),
    "realogs2/lightning/LSTM-Implementation__lightning_logs__version_11__metrics.csv": (
        "train_loss",
        None,
    ),
    "realogs2/lightning/Simple-Pendulum-PINN__lightning_logs__version_24__metrics.csv": (
        "train_loss_epoch",
        None,
    ),
    "realogs2/lightning/AIOPS_learning_mnist__lightning_logs__version_18__metrics.csv": (
        "train_loss_step",
        None,
    ),
    "realogs2/lightning/nlp2-probing-lms__lightning_logs__version_0__metrics.csv": (
        "train_loss",
        None,
    ),
    "realogs2/keras/Detection-of-Tomato-Leaf-Diseases-Using-CNN__training_log.csv": (
        "loss",
        "val_loss",
    ),
    "realogs2/keras/Handwritten-Digit-Recognition---CNN-with-99.65-Accuracy__training_log.csv": (
        "loss",
        "val_loss",
    ),
    "realogs2/keras/Brain_Tumor_Image_Classification_using_CNN__training_log.csv": (
        "loss",
        "val_loss",
    ),
    "realogs2/keras/Plant-disease-detection__Non-Augmented__DeeperCNN__history_metrics.json": (
        "train_loss",
        "val_loss",
    ),
    "realogs2/tensorboard/t5-summarization-demo__runs__Mar24_22-23-40_DESKTOP-41L2EO3__events.out.tfevents.1742826235.DESKTOP-41L2EO3.107869.0": (
        "train/loss",
        None,
    ),
    "realogs2/tensorboard/YOLOv8-Fire-and-Smoke-Detection__runs__detect__train__events.out.tfevents.1675348815.43529bab29be.37247.0": (
        ("train/box_loss", "train/cls_loss", "train/dfl_loss"),
        ("val/box_loss", "val/cls_loss", "val/dfl_loss"),
    ),
    "realogs2/tensorboard/yolov5-rubbish__runs__train__exp__events.out.tfevents.1729208098.b2d73219bbfe.2274.0": (
        ("train/box_loss", "train/cls_loss", "train/obj_loss"),
        ("val/box_loss", "val/cls_loss", "val/obj_loss"),
    ),
    "realogs2/tensorboard/TensorBoard-Tutorial__archive__experiments__Exp_2_sgd_200_0.2": (
        "train/epoch_loss",
        "validation/epoch_loss",
    ),
    "realogs2/tensorboard/TensorBoard-Tutorial__archive__MNIST-extra-metrics1690486849": (
        "train/epoch_loss",
        "validation/epoch_loss",
    ),
    "realogs2/tensorboard/detectron_mine__output": ("total_loss", None),
    "realogs2/mlflow/AIOPS_learning_mnist__mlruns/0/00e2ba8f3b404a6abced114ac6b51ff8": (
        "train_loss",
        None,
    ),
    "realogs2/mlflow/Swahili-Speech-To-Text__mlruns/1/ed05f9cd599442fe9a0c9222184710b8": (
        "loss",
        None,
    ),
    "realogs2/plain/YOLOv8-Fire-and-Smoke-Detection__runs__detect__train__results.csv": (
        ("train/box_loss", "train/cls_loss", "train/dfl_loss"),
        ("val/box_loss", "val/cls_loss", "val/dfl_loss"),
    ),
    "realogs2/plain/yolov5-rubbish__runs__train__exp__results.csv": (
        ("train/box_loss", "train/cls_loss", "train/obj_loss"),
        ("val/box_loss", "val/cls_loss", "val/obj_loss"),
    ),
    "realogs2/plain/Medical_Waste_Detection_Detectron2__output__metrics.json": ("total_loss", None),
    "realogs2/plain/detectron_mine__output__metrics.json": ("total_loss", None),
    "realogs2/plain/Fruit-Classification__Fruit-Classification__scalars.json": ("loss", None),
    "realogs2/plain/mmdetection__vis_data__scalars.json": ("loss", None),
    "realogs2/plain/Netra-NMT__results__train_log.jsonl": ("loss", "val_loss"),
    "realogs2/plain/spur_xmc__train_log.jsonl": ("train_loss", "val_loss"),
    "realogs2/plain/LoRA_Medical_QA_Finetune__logs__metrics.jsonl": ("loss", "eval_loss"),
    "realogs2/plain/cs229-chess__logs__metrics.jsonl": ("train_loss", "val_loss"),
}

# The only read entries with no train loss, each a side file of a run whose training loss is in a
# sibling event file; docs/metric-roles.md ("Real logs with no training loss") says the same.
NO_TRAIN_LOSS = {
    "realogs/tensorboard/cv-image-classification__lightning_logs__mnist_cnn__version_1__events.out.tfevents"
    ".1785443602.squirrels-iMac.local.1798.7": "a separate validate() call: one validation point",
    "realogs/tensorboard/cv-image-classification__lightning_logs__mnist_cnn__version_1__events.out.tfevents"
    ".1785443606.squirrels-iMac.local.1798.8": "a separate test() call: one test point",
    "realogs/tensorboard/serial-lain-ai__runs__Jun29_06-31-19_6a29ce405cda__events.out.tfevents"
    ".1719645922.6a29ce405cda.1269.2": "the Trainer's final evaluate(): one eval/loss point",
}


def _read_entries() -> list[tuple[str, str]]:
    """(corpus/entry, kind) of every read entry; one placeholder when a corpus is missing, so its
    absence fails in CI and skips elsewhere instead of silently testing nothing."""
    out = []
    for corpus, root in CORPORA.items():
        index = root / "INDEX.tsv"
        if not index.is_file():
            out.append((f"{corpus}/<corpus missing>", ""))
            continue
        for line in index.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            path, kind, expect = line.split("\t")[:3]
            if expect == "read":
                out.append((f"{corpus}/{path}", kind))
    return out


def _corpus_path(entry: str) -> Path:
    corpus, _, rest = entry.partition("/")
    root = CORPORA[corpus]
    return need_corpus(root) / rest


def _expected(
    points: dict[str, list[tuple[float, float]]], names: str | tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """x and value of a logged loss, or of the sum of its parts on the x's where all are logged."""
    parts = [dict(last_written(points[n])) for n in ((names,) if isinstance(names, str) else names)]
    xs = sorted(set.intersection(*(set(p) for p in parts)))
    return np.array(xs, dtype=np.float64), np.array(
        [sum(p[x] for p in parts) for x in xs], dtype=np.float64
    )


def _spec(path: Path, tmp_path: Path) -> RunSpec:
    manifest = tmp_path / "run.yaml"
    return RunSpec(name="run", path=manifest, logs=(LogSpec(path, "auto", Location(manifest, 2)),))


def _check(run, role: str, names: str | tuple[str, ...], points: dict) -> None:
    series = run.role(role)
    assert series is not None, f"no {role} picked; expected {names}"
    if isinstance(names, tuple):
        assert run.derived[run.roles[role]] == tuple(sorted(names))
    else:
        assert run.roles[role] == names
    x, values = _expected(points, names)
    np.testing.assert_array_equal(series.steps.astype(np.float64), x, err_msg=role)
    # TensorBoard stores float32: compare at its precision
    np.testing.assert_allclose(series.values, values, rtol=1e-6, equal_nan=True, err_msg=role)


@pytest.mark.parametrize(("entry", "kind"), _read_entries())
def test_read_entry_picks_its_losses_as_an_independent_reading_does(
    entry: str, kind: str, tmp_path: Path
) -> None:
    path = _corpus_path(entry)
    assert entry in LOSSES, (
        f"{entry}: a new read entry; write down its train and validation loss in LOSSES"
    )
    train, val = LOSSES[entry]
    assert (train is None) == (entry in NO_TRAIN_LOSS)
    run = read_run(_spec(path, tmp_path))
    points = reference(path, kind)
    if train is None:
        assert "train_loss" not in run.roles
    else:
        _check(run, "train_loss", train, points)
    if val is None:
        assert "val_loss" not in run.roles
    else:
        _check(run, "val_loss", val, points)


def test_every_labelled_entry_is_in_a_corpus_index() -> None:
    entries = {e for e, _ in _read_entries()}
    if any(e.endswith("<corpus missing>") for e in entries):
        _corpus_path(next(e for e in entries if e.endswith("<corpus missing>")))
    assert sorted(set(LOSSES) - entries) == []


def test_tensorflow_tutorial_folder_tells_train_from_test(tmp_path: Path) -> None:
    # the folder the two tayo event files came from: train/ and test/ sub-runs
    tb = _corpus_path("realogs/tensorboard")
    for split, stamp in (("train", "1515280092"), ("test", "1515280094")):
        name = f"events.out.tfevents.{stamp}.tayo-glaptop"
        (tmp_path / "log_tayo" / split).mkdir(parents=True)
        (tmp_path / "log_tayo" / split / name).symlink_to(
            tb / f"tensorboard__log_tayo__{split}__{name}"
        )
    run = read_run(_spec(tmp_path / "log_tayo", tmp_path))
    assert run.roles == {"train_loss": "train/cross_entropy_1", "test_loss": "test/cross_entropy_1"}
    assert (len(run.role("train_loss")), len(run.role("test_loss"))) == (9, 1)
