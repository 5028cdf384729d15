"""Reader quirks of real logs (issue 14): the Hugging Face end-of-training summary record, mmengine's
mixed iteration/epoch steps and per-iteration `time`, restart counts, Git LFS pointers and other
known non-logs. Logs are written here the way the libraries write them; the real corpora under
../shared are read when present."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REALOGS2, realogs2_dir, write_manifest
from numpy.testing import assert_array_equal

from reportgen.errors import ReadError
from reportgen.manifest.load import load_manifests
from reportgen.readers import read_log
from reportgen.readers.run import read_run


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _error(path: Path, fmt: str = "auto") -> str:
    with pytest.raises(ReadError) as info:
        read_log(path, fmt)
    return str(info.value)


def test_hf_summary_record_in_jsonl_is_metadata_not_a_series(tmp_path: Path) -> None:
    records = [{"step": s, "epoch": s / 40, "loss": 2.0 / (1 + s), "learning_rate": 1e-4} for s in range(10, 80, 10)]
    records.append({"step": 78, "epoch": 2.0, "eval_loss": 1.1, "eval_runtime": 56.8})
    records.append(
        {"step": 78, "epoch": 2.0, "train_runtime": 6406.1, "train_samples_per_second": 3.88,
         "train_steps_per_second": 0.121, "total_flos": 6.3e16, "train_loss": 1.17}
    )
    data = read_log(_jsonl(tmp_path / "metrics.jsonl", records))
    assert sorted(data.series) == ["eval_loss", "eval_runtime", "learning_rate", "loss"]
    assert data.meta["summary"] == {
        "train_runtime": 6406.1, "train_samples_per_second": 3.88, "train_steps_per_second": 0.121,
        "total_flos": 6.3e16, "train_loss": 1.17,
    }
    assert len(data.series["loss"]) == 7


def _mmengine_scalars(path: Path, epochs: int = 3, iters: int = 4) -> Path:
    """As mmengine's LocalVisBackend writes vis_data/scalars.json for an epoch-based loop: training
    records every iteration (step = iter), one validation record per epoch (step = epoch)."""
    records = []
    it = 0
    for epoch in range(1, epochs + 1):
        for _ in range(iters):
            it += 1
            records.append({"lr": 0.08, "data_time": 0.0003, "loss": 3.0 / it, "time": 0.07 + 0.001 * (it % 3),
                            "epoch": epoch, "iter": it, "memory": 2965, "step": it})
        records.append({"accuracy/top1": 20.0 + epoch, "data_time": 0.03, "time": 0.05, "step": epoch})
    return _jsonl(path, records)


def test_mmengine_validation_records_are_not_restarts(tmp_path: Path) -> None:
    data = read_log(_mmengine_scalars(tmp_path / "scalars.json"))
    assert data.restarts == ()
    top1 = data.series["accuracy/top1"]
    assert_array_equal(top1.steps, [4, 8, 12])  # the last training iteration of each epoch
    assert_array_equal(top1.epoch, [1, 2, 3])
    assert_array_equal(data.series["loss"].steps, range(1, 13))
    assert "iter" not in data.series


def test_mmengine_time_is_seconds_per_iteration_not_wall_clock(tmp_path: Path) -> None:
    data = read_log(_mmengine_scalars(tmp_path / "scalars.json"))
    assert "time" not in data.series and data.series["loss"].wall_time is None
    assert_array_equal(data.series["time_per_iter"].values[:4], [0.07 + 0.001 * (i % 3) for i in range(1, 5)])
    # the validation loop's own timing is its own series, not an overwrite of a training point
    assert_array_equal(data.series["val/time_per_iter"].values, [0.05] * 3)
    assert_array_equal(data.series["val/data_time"].steps, [4, 8, 12])


def test_every_restart_at_one_step_keeps_its_dropped_points(tmp_path: Path) -> None:
    """Five runs appended to one file, each starting again at step 1."""
    runs = tmp_path / "runs"
    (runs / "logs").mkdir(parents=True)
    lengths = [2, 150, 75, 31, 11, 40]
    records = [{"step": s, "loss": 1.0 / s} for n in lengths for s in range(1, n + 1)]
    _jsonl(runs / "logs" / "log.jsonl", records)
    write_manifest(runs, "r.yaml", name="r", logs="logs/log.jsonl")
    data = read_log(runs / "logs" / "log.jsonl")
    assert [(r.step, r.dropped) for r in data.restarts] == [(1, 2), (1, 150), (1, 75), (1, 31), (1, 11)]
    spec = load_manifests(runs).runs[0]
    run = read_run(spec, runs)
    # the run keeps one place of restarts at step 1: five resumes there, every dropped point counted
    assert [(r.step, r.times, r.dropped) for r in run.restarts] == [(1, 5, 269)]


def test_git_lfs_pointer_says_to_pull_whatever_the_format(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1672375864.host.1.0"
    path.write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "7a" * 32 + "\nsize 124479\n", encoding="utf-8"
    )
    message = (
        f"{path}: not a supported log format: this is a Git LFS pointer (the real file, 124479 bytes, "
        "was never downloaded): run `git lfs pull` in the repository it came from, then build again"
    )
    assert _error(path) == message
    assert _error(path, "tensorboard") == message
    csv_path = tmp_path / "results.csv"
    csv_path.write_bytes(path.read_bytes())
    assert _error(csv_path, "csv") == message.replace(str(path), str(csv_path))


def test_hf_results_summary_is_named(tmp_path: Path) -> None:
    path = tmp_path / "all_results.json"
    path.write_text(json.dumps({"epoch": 3.0, "eval_loss": 0.45, "train_loss": 0.06, "train_runtime": 16800.4}), encoding="utf-8")
    assert _error(path) == (
        f"{path}: not a supported log format: this is a Hugging Face results summary (final numbers only, "
        "no curve): point `logs:` at trainer_state.json in the run's last checkpoint-N/ folder"
    )


def test_console_logs_are_named(tmp_path: Path) -> None:
    mm = tmp_path / "20230605_200941.log"
    mm.write_text("2023/06/05 20:09:42 - mmengine - INFO - \nSystem environment:\n    sys.platform: linux\n", encoding="utf-8")
    assert _error(mm) == (
        f"{mm}: not a supported log format: this is an mmengine console log (text, not metrics): point "
        "`logs:` at the vis_data/scalars.json written in the same timestamped folder"
    )
    console = tmp_path / "training.log"
    console.write_bytes(
        "2026-05-08 22:39:24 | INFO | Seed 42\n2026-05-08 22:39:25 | INFO | Epoch 1 loss 2.3 \u2014 ok\n".encode("cp1252")
    )
    assert _error(console) == (
        f"{console}: not a supported log format: this looks like a training script's console output (lines "
        "of text, not a table of numbers or JSON records): log metrics with a CSV or JSON Lines writer, "
        "TensorBoard or MLflow, and point `logs:` at that file"
    )


# ---- the real corpora -----------------------------------------------------------------------------


def _index(root: Path) -> list[tuple[str, str]]:
    rows = []
    for line in (root / "INDEX.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            path, _, expect = line.split("\t")[:3]
            rows.append((path, expect))
    return rows


REJECTS = {
    "hf_trainer/Whisper_small_hi__all_results.json": "this is a Hugging Face results summary",
    "tensorboard/whisper-tiny-nbaiLab__runs__Dec30_05-50-47_ficino__events.out.tfevents.1672375864.ficino.2745717.0":
        "this is a Git LFS pointer (the real file, 124479 bytes, was never downloaded)",
    "plain/openmmlab_camp__20230605_200941__20230605_200941.log": "this is an mmengine console log",
}


def test_realogs2_every_entry_with_format_auto() -> None:
    realogs2_dir()
    entries = _index(REALOGS2)
    assert sorted(p for p, e in entries if e == "reject") == sorted(REJECTS)
    for entry, expect in entries:
        path = REALOGS2 / entry
        if expect == "read":
            data = read_log(path)
            assert data.series, entry
            assert not any(n in data.series for n in ("train_runtime", "train_samples_per_second")), entry
        else:
            assert _error(path).startswith(f"{path}: not a supported log format: {REJECTS[entry]}")


def test_realogs2_mmengine_and_hf_quirks() -> None:
    realogs2_dir()
    fruit = read_log(REALOGS2 / "plain/Fruit-Classification__Fruit-Classification__scalars.json")
    assert fruit.restarts == () and "time_per_iter" in fruit.series
    assert len(fruit.series["accuracy/top1"]) == 100 and len(fruit.series["loss"]) == 100
    mmdet = read_log(REALOGS2 / "plain/mmdetection__vis_data__scalars.json")
    assert [r.dropped for r in mmdet.restarts] == [2, 150, 75, 31, 11]
    lora = read_log(REALOGS2 / "plain/LoRA_Medical_QA_Finetune__logs__metrics.jsonl")
    assert "train_loss" not in lora.series and lora.meta["summary"]["train_loss"] == pytest.approx(1.1678760683015563)
    assert len(lora.series["loss"]) == 77


def test_a_time_column_that_goes_back_is_a_metric_not_a_clock(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("step,loss,time\n0,1.0,0.31\n1,0.8,0.29\n2,0.6,0.30\n", encoding="utf-8")
    data = read_log(path)
    assert_array_equal(data.series["time"].values, [0.31, 0.29, 0.30])
    assert data.series["loss"].wall_time is None
    clock = tmp_path / "clock.csv"
    clock.write_text("step,loss,time\n0,1.0,1700000000\n1,0.8,1700000010\n", encoding="utf-8")
    assert_array_equal(read_log(clock).series["loss"].wall_time, [1700000000, 1700000010])


def test_hf_summary_scalars_in_tensorboard_are_metadata(tmp_path: Path) -> None:
    """As the Trainer's TensorBoard callback logs them: per-step train/loss, then one point each
    of train/train_runtime, train/train_loss, ... at the last step."""
    from tensorboardX import SummaryWriter

    with SummaryWriter(logdir=str(tmp_path)) as writer:
        for step in range(10, 80, 10):
            writer.add_scalar("train/loss", 2.0 / step, step)
        for tag, value in [("train_runtime", 640.5), ("train_samples_per_second", 3.5),
                           ("train_steps_per_second", 0.25), ("total_flos", 6e16), ("train_loss", 0.09)]:
            writer.add_scalar(f"train/{tag}", value, 70)
    data = read_log(tmp_path)
    assert sorted(data.series) == ["train/loss"]
    assert data.meta["summary"] == pytest.approx(
        {"train/train_runtime": 640.5, "train/train_samples_per_second": 3.5, "train/train_steps_per_second": 0.25,
         "train/total_flos": 6e16, "train/train_loss": 0.09}, rel=1e-6
    )
