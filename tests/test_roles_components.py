"""Losses logged as parts (YOLO, detectron2, GANs) add up to the run's loss, and epoch-stepped
series join the iteration axis (readers/loss_components.py, readers/xunits.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tensorboardX  # the real writer whose files the build reads
from conftest import exp_curve, write_csv, write_manifest
from numpy.testing import assert_allclose, assert_array_equal

from reportgen.build import build
from reportgen.figures.plan_loss_components import plan_components_figure
from reportgen.manifest.load import load_manifests
from reportgen.model import Series
from reportgen.readers.loss_components import find_components, sum_components
from reportgen.readers.run import read_run
from reportgen.readers.xunits import align_epoch_series, steps_per_epoch


def _series(
    name: str, steps: list[int], values: list[float], epoch: list[float] | None = None
) -> Series:
    return Series(
        name,
        np.asarray(steps, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
        None if epoch is None else np.asarray(epoch, dtype=np.float64),
    )


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        # YOLOv5 results.csv
        (
            [
                "epoch",
                "train/box_loss",
                "train/obj_loss",
                "train/cls_loss",
                "metrics/mAP_0.5",
                "val/box_loss",
                "val/obj_loss",
                "val/cls_loss",
                "x/lr0",
            ],
            {
                "train": ("train/", ["train/box_loss", "train/cls_loss", "train/obj_loss"]),
                "val": ("val/", ["val/box_loss", "val/cls_loss", "val/obj_loss"]),
            },
        ),
        # YOLOv8
        (
            [
                "train/box_loss",
                "train/cls_loss",
                "train/dfl_loss",
                "val/box_loss",
                "val/cls_loss",
                "val/dfl_loss",
            ],
            {
                "train": ("train/", ["train/box_loss", "train/cls_loss", "train/dfl_loss"]),
                "val": ("val/", ["val/box_loss", "val/cls_loss", "val/dfl_loss"]),
            },
        ),
        # detectron2 parts (total_loss is a total, never a part)
        (
            [
                "loss_box_reg",
                "loss_cls",
                "loss_rpn_cls",
                "loss_rpn_loc",
                "total_loss",
                "fast_rcnn/cls_accuracy",
            ],
            {"train": ("", ["loss_box_reg", "loss_cls", "loss_rpn_cls", "loss_rpn_loc"])},
        ),
        # GANs, three spellings
        (["d_loss", "g_loss"], {"train": ("", ["d_loss", "g_loss"])}),
        (
            ["train_disc_loss", "train_gen_loss"],
            {"train": ("train_", ["train_disc_loss", "train_gen_loss"])},
        ),
        (["errD", "errG", "D_x"], {"train": ("", ["errD", "errG"])}),
        # DETR: unscaled copies and per-layer auxiliary losses are not terms
        (
            [
                "loss_ce",
                "loss_bbox",
                "loss_giou",
                "loss_ce_0",
                "loss_bbox_0",
                "loss_ce_unscaled",
                "loss_bbox_unscaled",
            ],
            {"train": ("", ["loss_bbox", "loss_ce", "loss_giou"])},
        ),
        # one loss measured on six groups: not a sum
        ([f"eval_g{i}_loss" for i in range(6)], {}),
        # a single part is not a split of anything
        (["train/box_loss", "val/box_loss"], {}),
        # parts under two spellings of one split: which belong together is a guess
        (["train/box_loss", "train/cls_loss", "train_obj_loss", "train_dfl_loss"], {}),
        # more than eight parts: a breakdown, not a few terms
        ([f"loss_{c}" for c in "abcdefghi"], {}),
    ],
)
def test_component_names(names: list[str], expected: dict) -> None:
    assert find_components(names) == expected


def test_the_sum_is_taken_where_every_part_is_logged() -> None:
    box = _series("train/box_loss", [0, 1, 2, 3, 4], [0.5, 0.4, 0.3, 0.2, 0.1], [0, 0, 1, 1, 2])
    obj = _series("train/obj_loss", [0, 2, 3, 4], [0.2, 0.2, np.nan, 0.1])
    total = sum_components("train/loss_sum", [box, obj])
    assert total is not None and total.name == "train/loss_sum"
    assert_array_equal(total.steps, [0, 2, 3, 4])
    assert_allclose(
        total.values, [0.7, 0.5, np.nan, 0.2], equal_nan=True
    )  # a NaN part: a NaN total
    assert_array_equal(total.epoch, [0, 1, 1, 2])


def test_parts_that_share_few_steps_are_not_summed() -> None:
    a = _series("loss_a", list(range(10)), [1.0] * 10)
    b = _series("loss_b", [8, 9, 10, 11], [1.0] * 4)
    assert sum_components("loss_sum", [a, b]) is None


def test_steps_per_epoch_from_records_at_epoch_ends() -> None:
    # mmengine: training records at iterations 96, 192, ... carry epochs 1, 2, ...
    loss = _series("loss", [96, 192, 288], [2.8, 2.6, 2.4], [1, 2, 3])
    acc = _series("accuracy/top1", [1, 2, 3], [24.4, 27.7, 32.8], [1, 2, 3])
    series = {"loss": loss, "accuracy/top1": acc}
    assert steps_per_epoch(series) == 96
    aligned = align_epoch_series(series, 96)
    assert_array_equal(aligned["accuracy/top1"].steps, [96, 192, 288])
    assert aligned["loss"] is loss


@pytest.mark.parametrize(
    "series",
    [
        # Hugging Face: fractional epochs, records within an epoch
        {"loss": _series("loss", [50, 100, 150], [1.0, 0.9, 0.8], [0.5, 1.0, 1.5])},
        # Lightning: epoch 0 ends at step 99, epoch 1 at 199: no whole constant ratio
        {
            "train_loss_epoch": _series(
                "train_loss_epoch", [99, 199, 299], [1.0, 0.9, 0.8], [0, 1, 2]
            )
        },
        # two series that disagree
        {
            "a": _series("a", [10, 20], [1.0, 0.9], [1, 2]),
            "b": _series("b", [12, 24], [1.0, 0.9], [1, 2]),
        },
        # no epochs at all
        {"loss": _series("loss", [1, 2, 3], [1.0, 0.9, 0.8])},
    ],
)
def test_no_steps_per_epoch_when_the_logs_do_not_give_one(series: dict[str, Series]) -> None:
    assert steps_per_epoch(series) is None
    assert align_epoch_series(series, None) is series


def test_an_epoch_only_log_is_left_as_it_is() -> None:
    series = {"loss": _series("loss", [1, 2, 3], [1.0, 0.9, 0.8], [1, 2, 3])}
    assert align_epoch_series(series, 96) is series


def _summary(site: Path) -> dict:
    return json.loads((site / "summary.json").read_text(encoding="utf-8"))


def test_a_yolo_event_file_builds_with_summed_losses_and_overfitting_analysed(
    runs_dir: Path, tmp_path: Path
) -> None:
    epochs = np.arange(60)
    train = {
        "box": exp_curve(epochs, 0.08, 0.05, 0.03),
        "obj": exp_curve(epochs, 0.02, 0.05, 0.01),
        "cls": exp_curve(epochs, 0.05, 0.08, 0.005),
    }
    # validation falls, then rises from epoch 30: the run overfits
    rise = 0.0015 * np.maximum(0, epochs - 30)
    val = {k: v + 0.01 + rise for k, v in train.items()}
    writer = tensorboardX.SummaryWriter(str(runs_dir / "logs" / "yolo"), flush_secs=3600)
    for i in epochs:
        for part in ("box", "obj", "cls"):
            writer.add_scalar(f"train/{part}_loss", float(train[part][i]), int(i))
            writer.add_scalar(f"val/{part}_loss", float(val[part][i]), int(i))
        writer.add_scalar("metrics/mAP_0.5", float(i) / 60, int(i))
    writer.close()
    write_manifest(runs_dir, "yolo.yaml", name="yolo", logs="logs/yolo")
    report = build(runs_dir, tmp_path / "site", jobs=1, cache=False)
    assert report.problems == () and report.warnings == ()
    (run,) = _summary(tmp_path / "site")["runs"]
    assert run["roles"] == {"train_loss": "train/loss_sum", "val_loss": "val/loss_sum"}
    assert run["derived"] == {
        "train/loss_sum": ["train/box_loss", "train/cls_loss", "train/obj_loss"],
        "val/loss_sum": ["val/box_loss", "val/cls_loss", "val/obj_loss"],
    }
    assert run["role_notes"] == [
        "train loss: 'train/loss_sum', the sum of train/box_loss + train/cls_loss + train/obj_loss (no total train loss is logged)",
        "val loss: 'val/loss_sum', the sum of val/box_loss + val/cls_loss + val/obj_loss (no total val loss is logged)",
    ]
    final = float(sum(np.float32(train[p][-1]) for p in ("box", "obj", "cls")))
    assert run["metrics"]["train/loss_sum"]["final"] == pytest.approx(final, rel=1e-6)
    assert run["best"]["metric"] == "val/loss_sum"
    assert "overfitting" in {f["kind"] for f in run["flags"]}
    # the parts get their own figure, right after the loss figure
    assert (tmp_path / "site" / "runs" / "yolo" / "components.svg").is_file()
    figure = plan_components_figure(read_run(load_manifests(runs_dir).runs[0], runs_dir))
    assert figure is not None and figure.name == "components"
    assert figure.alt == (
        "Loss parts and their sum: train/loss_sum = train/box_loss + train/cls_loss + train/obj_loss; "
        "val/loss_sum = val/box_loss + val/cls_loss + val/obj_loss"
    )
    assert [p.title for p in figure.panels] == ["train/loss_sum", "val/loss_sum"]
    train_panel = figure.panels[0]
    assert [ln.label for ln in train_panel.lines] == [
        "train/box_loss",
        "train/cls_loss",
        "train/obj_loss",
        "train/loss_sum (sum)",
    ]
    assert_allclose(train_panel.lines[-1].y, sum(ln.y for ln in train_panel.lines[:-1]), rtol=1e-12)


def test_a_gan_csv_builds_with_its_two_losses_summed(runs_dir: Path, tmp_path: Path) -> None:
    steps = np.arange(100)
    d = 0.7 + 0.05 * np.cos(steps / 7)
    g = 2.0 - 0.5 * (1 - np.exp(-steps / 30))
    write_csv(
        runs_dir / "logs" / "gan.csv", {"step": list(steps), "d_loss": list(d), "g_loss": list(g)}
    )
    write_manifest(runs_dir, "gan.yaml", name="gan", logs="logs/gan.csv")
    report = build(runs_dir, tmp_path / "site", jobs=1, cache=False)
    assert report.warnings == (
        "run 'gan': no validation loss logged, so overfitting cannot be judged",
    )
    (run,) = _summary(tmp_path / "site")["runs"]
    assert run["roles"] == {"train_loss": "loss_sum"}
    assert run["derived"] == {"loss_sum": ["d_loss", "g_loss"]}
    assert run["metrics"]["loss_sum"]["points"] == 100
    assert run["metrics"]["loss_sum"]["first"] == pytest.approx(d[0] + g[0])


def test_a_jsonl_log_with_a_summary_line_analyses_the_per_step_loss(
    runs_dir: Path, tmp_path: Path
) -> None:
    # what a Hugging Face callback writing every `logs` dict to JSONL leaves: per-step loss,
    # evaluations, and the end-of-training summary line
    steps = np.arange(10, 780, 10)
    lines = [
        {"step": int(s), "epoch": round(float(s) / 390, 4), "loss": float(v)}
        for s, v in zip(steps, exp_curve(steps, r=0.005))
    ]
    lines.insert(40, {"step": 390, "epoch": 1.0, "eval_loss": 0.9})
    lines.append({"step": 770, "epoch": 2.0, "eval_loss": 0.8})
    lines.append({"step": 770, "epoch": 2.0, "train_loss": 0.61, "train_runtime": 512.3})
    log = runs_dir / "logs" / "metrics.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    write_manifest(runs_dir, "hf.yaml", name="hf", logs="logs/metrics.jsonl")
    build(runs_dir, tmp_path / "site", jobs=1, cache=False)
    (run,) = _summary(tmp_path / "site")["runs"]
    assert run["roles"]["train_loss"] == "loss" and run["roles"]["val_loss"] == "eval_loss"
    # the reader keeps the summary line as metadata, so it is never a candidate curve at all
    assert "train_loss" not in run["metrics"] and "role_notes" not in run
    assert run["metrics"]["loss"]["points"] == 77
