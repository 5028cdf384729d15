"""Lightning, Hugging Face Trainer, Keras and MLflow readers, and the registry that picks them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from reportgen.errors import ReadError
from reportgen.readers import REGISTRY, detect_format, read_log

# ---- registry --------------------------------------------------------------------------------


def test_registry_order_specific_before_generic() -> None:
    # auto takes the first sniffer that accepts: MLflow before TensorBoard (run folders hold
    # event files under artifacts/), every specific reader before csv and jsonl.
    assert list(REGISTRY) == [
        "mlflow",
        "hf_trainer",
        "lightning",
        "keras",
        "tensorboard",
        "csv",
        "jsonl",
    ]


def test_unknown_format_lists_what_was_tried(tmp_path: Path) -> None:
    path = tmp_path / "train.md"
    path.write_text("| epoch 1 | loss 2.3 |\n", encoding="utf-8")
    with pytest.raises(ReadError) as info:
        read_log(path)
    assert str(info.value) == (
        f"{path}: not a supported log format (tried mlflow, hf_trainer, lightning, keras, "
        "tensorboard, csv, jsonl); set `format:` in the manifest if it is one of these"
    )


# ---- Lightning ---------------------------------------------------------------------------------


def _lightning_csv(folder: Path) -> Path:
    folder.mkdir(parents=True)
    rows = [
        {"epoch": "", "lr-Adam": "0.001", "step": "49"},
        {"epoch": "0", "step": "49", "train_loss_step": "2.0"},
        {"epoch": "0", "step": "99", "train_loss_step": "1.5"},
        {"epoch": "0", "step": "99", "val_loss": "1.8"},
        {"epoch": "0", "step": "99", "train_loss_epoch": "1.75"},
        {"epoch": "", "lr-Adam": "0.0005", "step": "149"},
        {"epoch": "1", "step": "149", "train_loss_step": "1.0"},
        {"epoch": "1", "step": "199", "train_loss_step": "nan"},
        {"epoch": "1", "step": "199", "val_loss": "1.2"},
        {"epoch": "1", "step": "199", "train_loss_epoch": "1.1"},
    ]
    names = ["epoch", "lr-Adam", "step", "train_loss_epoch", "train_loss_step", "val_loss"]
    with open(folder / "metrics.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    (folder / "hparams.yaml").write_text("lr: 0.001\nlayers: 4\n", encoding="utf-8")
    return folder


def test_lightning_version_folder(tmp_path: Path) -> None:
    folder = _lightning_csv(tmp_path / "lightning_logs" / "version_0")
    assert detect_format(folder) == "lightning"
    assert detect_format(folder / "metrics.csv") == "lightning"
    data = read_log(folder)
    assert data.hparams == {"lr": 0.001, "layers": 4}
    assert sorted(data.series) == ["lr-Adam", "train_loss_epoch", "train_loss_step", "val_loss"]
    step = data.series["train_loss_step"]
    assert_array_equal(step.steps, [49, 99, 149, 199])
    assert_array_equal(step.values, [2.0, 1.5, 1.0, np.nan])
    assert_array_equal(step.epoch, [0, 0, 1, 1])
    assert_array_equal(data.series["train_loss_epoch"].steps, [99, 199])
    lr = data.series["lr-Adam"]
    assert_array_equal(lr.steps, [49, 149])
    assert np.isnan(lr.epoch).all()  # the lr monitor rows have no epoch


def test_lightning_csv_without_header(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text("0,49,2.0\n0,99,1.5\n", encoding="utf-8")
    with pytest.raises(ReadError) as info:
        read_log(path, "lightning")
    assert str(info.value) == (
        f"{path}:1: the Lightning metrics.csv has no header row: expected column names "
        "(e.g. epoch,step,train_loss) on the first line"
    )


def test_lightning_folder_without_metrics_csv(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as info:
        read_log(tmp_path, "lightning")
    assert str(info.value) == (
        f"{tmp_path}: no metrics.csv in this folder: expected a Lightning CSVLogger version folder "
        "(lightning_logs/version_N/)"
    )


# ---- Hugging Face Trainer ---------------------------------------------------------------------


def _trainer_state() -> dict:
    return {
        "best_global_step": 20,
        "best_metric": 0.9,
        "best_model_checkpoint": "out/checkpoint-20",
        "epoch": 2.0,
        "global_step": 20,
        "log_history": [
            {"epoch": 0.5, "grad_norm": 3.0, "learning_rate": 5e-05, "loss": 2.5, "step": 5},
            {
                "epoch": 1.0,
                "grad_norm": float("nan"),
                "learning_rate": 4e-05,
                "loss": 2.0,
                "step": 10,
            },
            {"epoch": 1.0, "eval_loss": 1.9, "eval_accuracy": 0.8, "eval_runtime": 1.5, "step": 10},
            {"epoch": 2.0, "loss": 1.5, "learning_rate": 3e-05, "step": 20},
            {"epoch": 2.0, "eval_loss": 1.7, "eval_accuracy": 0.9, "step": 20},
            {"epoch": 2.0, "predict_loss": 1.75},
            {
                "epoch": 2.0,
                "step": 20,
                "total_flos": 1e12,
                "train_loss": 2.0,
                "train_runtime": 12.5,
            },
        ],
        "max_steps": 20,
        "train_batch_size": 8,
    }


def test_trainer_state_in_a_checkpoint_folder(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoint-20"
    folder.mkdir()
    # Python's json writes NaN bare, as the Trainer does
    (folder / "trainer_state.json").write_text(
        json.dumps(_trainer_state(), indent=2), encoding="utf-8"
    )
    assert detect_format(folder) == "hf_trainer"
    data = read_log(folder)
    assert sorted(data.series) == [
        "eval_accuracy",
        "eval_loss",
        "eval_runtime",
        "grad_norm",
        "learning_rate",
        "loss",
        "predict_loss",
    ]
    assert_array_equal(data.series["loss"].steps, [5, 10, 20])
    assert_array_equal(data.series["loss"].epoch, [0.5, 1.0, 2.0])
    assert_array_equal(data.series["grad_norm"].values, [3.0, np.nan])
    assert_array_equal(data.series["eval_loss"].steps, [10, 20])
    assert_array_equal(data.series["predict_loss"].steps, [20])  # no step: the one before it
    assert "train_loss" not in data.series  # the summary record is not a curve point
    assert data.meta["summary"]["train_runtime"] == 12.5
    assert data.meta["best_model_checkpoint"] == "out/checkpoint-20"
    assert data.meta["best_global_step"] == 20
    assert data.hparams == {"max_steps": 20, "train_batch_size": 8}


def test_json_that_is_not_trainer_state(tmp_path: Path) -> None:
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps({"eval_loss": 0.5, "epoch": 3.0}), encoding="utf-8")
    with pytest.raises(ReadError) as info:
        read_log(path, "hf_trainer")
    assert str(info.value) == (
        f'{path}: not a Trainer trainer_state.json: expected a JSON object with a "log_history" list'
    )


# ---- Keras ------------------------------------------------------------------------------------


def test_keras_csvlogger_epochs_count_from_one(tmp_path: Path) -> None:
    path = tmp_path / "training.log"
    # what keras.callbacks.CSVLogger writes: epoch first (from 0), other keys sorted
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(["epoch", "accuracy", "loss", "val_accuracy", "val_loss"])
        for epoch in range(3):
            writer.writerow([epoch, 0.5 + epoch / 10, 1.0 / (epoch + 1), 0.4, 1.5 - epoch / 10])
    assert detect_format(path) == "keras"
    data = read_log(path)
    assert data.x_is_epoch
    assert_array_equal(data.series["loss"].steps, [1, 2, 3])
    assert_array_equal(data.series["loss"].epoch, [1, 2, 3])
    assert_array_equal(data.series["val_loss"].values, [1.5, 1.4, 1.3])


def test_keras_history_json_and_pandas_outputs(tmp_path: Path) -> None:
    import pandas as pd  # test dependency (comes with tbparse): the real writer of these forms

    history = {"loss": [0.9, 0.6, 0.4], "val_loss": [1.0, 0.8, None], "accuracy": [0.5, 0.6, 0.7]}
    as_json = tmp_path / "history.json"
    as_json.write_text(json.dumps(history), encoding="utf-8")
    frame = pd.DataFrame(history)
    with_index = tmp_path / "history.csv"
    frame.to_csv(with_index)
    without_index = tmp_path / "history_noindex.csv"
    frame.to_csv(without_index, index=False)
    dict_of_dicts = tmp_path / "history_df.json"
    frame.to_json(dict_of_dicts)
    for path in (as_json, with_index, without_index, dict_of_dicts):
        assert detect_format(path) == "keras", path.name
        data = read_log(path)
        assert_array_equal(data.series["loss"].steps, [1, 2, 3])
        assert_array_equal(data.series["loss"].values, [0.9, 0.6, 0.4])
        assert_array_equal(data.series["val_loss"].steps, [1, 2])
        assert sorted(data.series) == ["accuracy", "loss", "val_loss"]


# ---- MLflow -----------------------------------------------------------------------------------


def _mlflow_run(root: Path) -> Path:
    run = root / "mlruns" / "3" / "0123abcd"
    (run / "metrics" / "train").mkdir(parents=True)
    (run / "params").mkdir()
    (run / "tags").mkdir()
    (run / "metrics" / "train" / "loss").write_text(
        "1700000000000 0.9 0\n1700000001000 0.7 1\n1700000002500 nan 2\n", encoding="utf-8"
    )
    (run / "metrics" / "val_loss").write_text(
        "1700000001500 1.0 1\n1700000003000 0.8 3\n", encoding="utf-8"
    )
    # logged without a step: every point at step 0
    (run / "metrics" / "epoch_time").write_text(
        "1700000001000 10.5 0\n1700000002000 10.0 0\n1700000003000 9.5 0\n", encoding="utf-8"
    )
    (run / "params" / "lr").write_text("0.01", encoding="utf-8")
    (run / "tags" / "mlflow.runName").write_text("baseline", encoding="utf-8")
    (run / "meta.yaml").write_text(
        "run_id: 0123abcd\nexperiment_id: '3'\nstatus: 3\n", encoding="utf-8"
    )
    return run


def test_mlflow_run_folder(tmp_path: Path) -> None:
    run = _mlflow_run(tmp_path)
    assert detect_format(run) == "mlflow"
    data = read_log(run)
    assert sorted(data.series) == ["epoch_time", "train/loss", "val_loss"]
    loss = data.series["train/loss"]
    assert_array_equal(loss.steps, [0, 1, 2])
    assert_array_equal(loss.values, [0.9, 0.7, np.nan])
    assert_array_equal(loss.wall_time, [1700000000.0, 1700000001.0, 1700000002.5])
    assert_array_equal(data.series["epoch_time"].steps, [0, 1, 2])
    assert data.meta["steps_from_write_order"] == ["epoch_time"]
    assert data.hparams == {"lr": "0.01"}
    assert data.meta["run_name"] == "baseline" and data.meta["run_id"] == "0123abcd"


def test_mlflow_empty_metrics_folder(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "metrics").mkdir(parents=True)
    (run / "meta.yaml").write_text("run_id: x\n", encoding="utf-8")
    with pytest.raises(ReadError) as info:
        read_log(run)
    assert str(info.value) == (
        f"{run / 'metrics'}: the MLflow run has no metric files: expected metrics/<name> files "
        "with '<timestamp_ms> <value> <step>' lines"
    )


def test_mlflow_bad_metric_line(tmp_path: Path) -> None:
    run = _mlflow_run(tmp_path)
    bad = run / "metrics" / "val_loss"
    bad.write_text("1700000001500 1.0 1\nnot a line\n", encoding="utf-8")
    with pytest.raises(ReadError) as info:
        read_log(run)
    assert str(info.value) == (
        f"{bad}:2: expected '<timestamp_ms> <value> <step>' (MLflow metric line), got 'not a line'"
    )


def test_keras_csvlogger_with_appended_runs_keeps_each_restart(tmp_path: Path) -> None:
    # CSVLogger(append=True) across three fits: epochs 0-4, then 0-1, then 0-2
    path = tmp_path / "training.log"
    lines = ["epoch,loss,val_loss"]
    for run, epochs in enumerate((5, 2, 3)):
        lines += [f"{e},{run + 1 / (e + 1)},{run + 2 / (e + 1)}" for e in range(epochs)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = read_log(path)
    assert data.format == "keras"
    assert [(r.step, r.dropped) for r in data.restarts] == [(1, 5), (1, 2)]
    # the last fit supersedes every earlier epoch from its first one on: only it remains
    loss = data.series["loss"]
    assert_array_equal(loss.steps, [1, 2, 3])
    assert_array_equal(loss.values, [3.0, 2.5, 2 + 1 / 3])


def test_keras_history_json_with_loss_far_from_the_start(tmp_path: Path) -> None:
    epochs = 600
    history = {
        "accuracy": [i / epochs for i in range(epochs)],
        "loss": [1 / (i + 1) for i in range(epochs)],
    }
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history, indent=4), encoding="utf-8")
    assert path.read_text(encoding="utf-8").index('"loss"') > 8192
    assert detect_format(path) == "keras"
    assert len(read_log(path).series["loss"]) == epochs


def test_mlflow_meta_yaml_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    # a meta.yaml is user input like any YAML: the hardened loader refuses the expansion (the
    # plain safe_load took minutes), so the metadata is skipped and the metrics still read
    run = _mlflow_run(tmp_path)
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefgh"):
        prev = "a" if i == 0 else "bcdefgh"[i - 1]
        bomb.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    bomb.append("run_name: *h")
    (run / "meta.yaml").write_text("\n".join(bomb) + "\n", encoding="utf-8")
    data = read_log(run)
    assert "run_id" not in data.meta  # meta.yaml skipped (run_name still comes from the tags)
    assert sorted(data.series) == ["epoch_time", "train/loss", "val_loss"]
