"""Every logged scalar on the run page (issue 16): a run whose logs are a real TensorBoard event file
(tensorboardX) and a real Lightning-style metrics.csv gets the LR schedule under the loss on the same
x range, one small-multiples figure per group with the right series, and its wall time and
throughput in the facts, computed here from the values the test wrote."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from conftest import write_csv, write_manifest

from reportgen.build import build
from reportgen.figures.plan import plan_run_figures
from reportgen.figures.plan_scalars import MAX_PANELS, plan_scalars, scalar_overview, schedule_scale
from reportgen.model import RunAnalysis, RunData, RunSpec, Series

STEPS = np.arange(0, 300)
T0 = 1_700_000_000.0
SECONDS_PER_STEP = 0.25


def _lr(steps: np.ndarray) -> np.ndarray:
    """Linear warm-up over 30 steps, then cosine decay: the usual transformer schedule."""
    warm = np.minimum(1.0, (steps + 1) / 30)
    return 3e-4 * warm * 0.5 * (1 + np.cos(np.pi * np.clip(steps - 30, 0, None) / 270))


def _write_tensorboard(folder: Path, throughput: np.ndarray | None) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(logdir=str(folder)) as writer:
        for i, step in enumerate(STEPS):
            wall = T0 + SECONDS_PER_STEP * float(step)
            writer.add_scalar("train/loss", float(0.3 + 2.0 * np.exp(-step / 60)), int(step), walltime=wall)
            writer.add_scalar("train/lr", float(_lr(step)), int(step), walltime=wall)
            writer.add_scalar("train/grad_norm", float(1.0 + 0.5 * np.sin(step / 7)), int(step), walltime=wall)
            if throughput is not None:
                writer.add_scalar("train/samples_per_second", float(throughput[i]), int(step), walltime=wall)
            writer.add_scalar("epoch", float(step // 50), int(step), walltime=wall)


def _write_lightning(path: Path) -> None:
    """Validation every 50 steps, as Lightning's CSVLogger writes it (epoch and step columns)."""
    steps = np.arange(49, 300, 50)
    write_csv(
        path,
        {
            "epoch": list(steps // 50),
            "step": list(steps),
            "val_loss": list(0.4 + 2.0 * np.exp(-steps / 60)),
            "val_acc": list(1 - np.exp(-steps / 80)),
            "val_f1": list(0.9 - 0.8 * np.exp(-steps / 70)),
            "seed": [7.0] * steps.size,
        },
    )


def _site(tmp_path: Path, throughput: np.ndarray | None) -> tuple[Path, dict]:
    runs = tmp_path / "runs"
    _write_tensorboard(runs / "logs" / "tb", throughput)
    _write_lightning(runs / "logs" / "metrics.csv")
    write_manifest(runs, "run.yaml", name="run", task="classification", loss="cross_entropy", num_classes=10,
                   logs=["logs/tb", "logs/metrics.csv"])
    out = tmp_path / "site"
    build(runs, out, cache=False)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (record,) = summary["runs"]
    return out, record


def _planned(tmp_path: Path, throughput: np.ndarray | None) -> dict:
    from reportgen.analysis import analyse
    from reportgen.manifest.load import load_manifests
    from reportgen.readers.run import read_run

    runs = tmp_path / "runs"
    run = read_run(load_manifests(runs).runs[0], runs)
    return {f.name: f for f in plan_run_figures(run, analyse(run))}


def _page_text(out: Path) -> str:
    html = (out / "runs" / "run" / "index.html").read_text(encoding="utf-8")
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html.replace("<wbr>", ""))).split())


def test_lr_grad_norm_and_throughput_get_the_right_figures(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    throughput = 400 + 20 * rng.standard_normal(STEPS.size)
    out, record = _site(tmp_path, throughput)
    figs = _planned(tmp_path, throughput)
    assert set(figs) == {"loss", "gap", "accuracy", "scalars-accuracy", "scalars-optimisation", "scalars-system"}
    # the learning rate under the loss, on the same x range; the range holds both curves
    loss, lr = figs["loss"].panels
    assert [line.label for line in lr.lines] == ["train/lr"]
    np.testing.assert_allclose(lr.lines[0].y, _lr(STEPS), rtol=1e-6)
    assert lr.xlim is not None and loss.xlim == lr.xlim
    assert lr.xlim[0] < 0 and lr.xlim[1] > 299
    assert lr.yscale == "linear"  # a cosine to zero is not a geometric decay
    assert figs["loss"].height_ratios is not None and figs["loss"].height_ratios[0] > figs["loss"].height_ratios[1]
    # each group its own series, none drawn twice; counters and constants are named, not drawn
    assert [p.title for p in figs["scalars-optimisation"].panels] == ["train/grad_norm"]
    assert [p.title for p in figs["scalars-system"].panels] == ["train/samples_per_second"]
    assert [p.title for p in figs["scalars-accuracy"].panels] == ["val_f1"]
    (f1,) = figs["scalars-accuracy"].panels
    np.testing.assert_allclose(f1.lines[0].y, 0.9 - 0.8 * np.exp(-np.arange(49, 300, 50) / 70), rtol=1e-6)
    assert record["scalars"]["counters"] == ["epoch"]
    assert record["scalars"]["constant"] == [{"name": "seed", "value": 7.0}]
    assert record["scalars"]["schedule"] == ["train/lr"]
    # wall time and throughput, worked out here from what was written
    seconds = SECONDS_PER_STEP * 299
    assert record["pace"]["seconds"] == pytest.approx(seconds)
    assert record["pace"]["duration"] == "1 min 15 s"
    median = float(np.median(throughput.astype(np.float32)))  # TensorBoard stores float32
    assert record["pace"]["rate"] == pytest.approx(median, rel=1e-6)
    text = _page_text(out)
    assert "Trained for 1 min 15 s (wall time of the TensorBoard events, first to last logged point)" in text
    assert f"Throughput {median:.3g} samples/s (median of the logged train/samples_per_second)" in text
    for name in ("scalars-accuracy", "scalars-optimisation", "scalars-system"):
        assert (out / "runs" / "run" / f"{name}.svg").read_bytes().startswith(b"<?xml")
    assert "Constant throughout, not drawn: seed = 7" in text and "Counters, not drawn: epoch" in text


def test_throughput_from_wall_time_per_step_when_none_is_logged(tmp_path: Path) -> None:
    out, record = _site(tmp_path, None)
    assert record["pace"]["unit"] == "steps/s"
    assert record["pace"]["rate"] == pytest.approx(299 / (SECONDS_PER_STEP * 299))
    assert "Throughput 4 steps/s (wall time per step, over 299 steps)" in _page_text(out)
    assert not (out / "runs" / "run" / "scalars-system.svg").exists()


def _run(series: dict[str, np.ndarray], roles: dict[str, str]) -> tuple[RunData, RunAnalysis]:
    steps = np.arange(100, dtype=np.int64)
    data = {n: Series(n, steps, np.asarray(v, dtype=float)) for n, v in series.items()}
    run = RunData(spec=RunSpec(name="r", path=Path("r.yaml"), logs=()), series=data, roles=roles, hparams={}, sources=())
    analysis = RunAnalysis(name="r", summaries={}, smoothed={n: s.values for n, s in data.items()}, best=None,
                           convergence=(), flags=())
    return run, analysis


def test_panels_are_capped_per_group_and_the_rest_named() -> None:
    s = np.arange(100.0)
    extra = {f"layer{i:02d}/weights/mean": np.sin(s / (i + 3)) for i in range(MAX_PANELS + 3)}
    run, analysis = _run({"loss": 1 / (s + 1), **extra}, {"train_loss": "loss"})
    figs = {f.name: f for f in plan_run_figures(run, analysis)}
    other = figs["scalars-other"]
    names = sorted(extra)
    assert [p.title for p in other.panels] == names[:MAX_PANELS]
    assert other.alt.endswith(f"3 more not drawn (in the Metrics table): {', '.join(names[MAX_PANELS:])}")
    assert scalar_overview(run)["groups"] == [
        {"key": "other", "title": "Other", "drawn": names[:MAX_PANELS], "not_drawn": names[MAX_PANELS:]}
    ]
    xlims = {p.xlim for p in other.panels}
    assert xlims == {(-4.95, 103.95)}  # one x range for the whole figure


def test_each_panel_gets_its_own_y_scale_log_where_positive_values_span_decades() -> None:
    s = np.arange(100.0)
    run, analysis = _run({"loss": 1 / (s + 1), "grad_norm": 10 ** (-s / 20), "momentum": 0.9 + 0.05 * np.sin(s)},
                         {"train_loss": "loss"})
    (fig,) = [f for f in plan_run_figures(run, analysis) if f.name == "scalars-optimisation"]
    assert {p.title: p.yscale for p in fig.panels} == {"grad_norm": "log", "momentum": "linear"}


def test_geometric_decay_is_drawn_on_a_log_axis_under_the_loss() -> None:
    s = np.arange(100.0)
    run, analysis = _run({"loss": 1 / (s + 1), "lr": 0.1 * 0.1 ** (s // 25)}, {"train_loss": "loss",
                                                                             "learning_rate": "lr"})
    loss = plan_run_figures(run, analysis)[0]
    assert loss.panels[1].yscale == "log"
    assert schedule_scale([(s, 1e-3 * (1 + np.cos(np.pi * s / 99)) / 2 + 1e-9)]) == "linear"


def test_series_of_the_loss_and_accuracy_figures_are_not_drawn_again() -> None:
    s = np.arange(100.0)
    run, _ = _run({"loss": 1 / (s + 1), "val_loss": 1.1 / (s + 1), "acc": s / 100, "val_acc": s / 110,
                   "train_loss_epoch": 1 / (s + 1.5)},
                  {"train_loss": "loss", "val_loss": "val_loss", "train_acc": "acc", "val_acc": "val_acc",
                   "train_loss_epoch": "train_loss_epoch"})
    plan = plan_scalars(run)
    assert plan.shown_above == ("acc", "loss", "val_acc", "val_loss")
    # the per-epoch train loss is not in the loss figure when the per-step one is: drawn here
    assert plan.groups == {"losses": ("train_loss_epoch",)}


def test_the_trainer_end_record_gives_wall_time_and_throughput_whatever_its_prefix(tmp_path: Path) -> None:
    """As the Trainer's TensorBoard callback logs them: `train/train_runtime` and friends, one point
    each at the last step; they win over the event times, which miss the time before the first log."""
    from tensorboardX import SummaryWriter

    runs = tmp_path / "runs"
    with SummaryWriter(logdir=str(runs / "tb")) as writer:
        for step in range(10, 80, 10):
            writer.add_scalar("train/loss", 2.0 / step, step, walltime=T0 + step)
        for tag, value in [("train_runtime", 8040.0), ("train_samples_per_second", 412.25),
                           ("train_steps_per_second", 3.1), ("train_loss", 0.09)]:
            writer.add_scalar(f"train/{tag}", value, 70, walltime=T0 + 70)
    write_manifest(runs, "run.yaml", name="run", logs="tb")
    out = tmp_path / "site"
    build(runs, out, cache=False)
    text = _page_text(out)
    assert "Trained for 2 h 14 min (train/train_runtime logged by the Hugging Face Trainer)" in text
    assert "Throughput 412 samples/s (train/train_samples_per_second logged by the Hugging Face Trainer)" in text


def test_a_series_logged_by_step_never_lands_on_an_epoch_axis() -> None:
    """Lightning's LearningRateMonitor rows carry no epoch; in a run drawn by epoch the learning
    rate is converted with steps per epoch when that is known, and left out (and said) when not."""
    from dataclasses import replace

    steps = np.arange(0, 100, 10, dtype=np.int64)
    loss = Series("train_loss", steps, 1 / (steps + 1.0), epoch=steps / 10.0)
    lr = Series("lr-Adam", steps, 1e-3 * (1 - steps / 100), epoch=np.full(steps.size, np.nan))
    grad = Series("grad_norm", steps, 1 + np.sin(steps / 10), epoch=np.full(steps.size, np.nan))
    run = RunData(spec=RunSpec(name="r", path=Path("r.yaml"), logs=()),
                  series={s.name: s for s in (loss, lr, grad)},
                  roles={"train_loss": "train_loss", "learning_rate": "lr-Adam"}, hparams={}, sources=(), x="epoch")
    analysis = RunAnalysis(name="r", summaries={}, smoothed={}, best=None, convergence=(), flags=())
    figs = {f.name: f for f in plan_run_figures(run, analysis)}
    assert set(figs) == {"loss"} and len(figs["loss"].panels) == 1
    assert scalar_overview(run)["off_axis"] == ["grad_norm", "lr-Adam"]
    known = replace(run, steps_per_epoch=10)
    figs = {f.name: f for f in plan_run_figures(known, analysis)}
    np.testing.assert_allclose(figs["loss"].panels[1].lines[0].x, steps / 10)
    np.testing.assert_allclose(figs["scalars-optimisation"].panels[0].lines[0].x, steps / 10)


def test_series_names_on_the_page_are_text_never_markup(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    steps = np.arange(50)
    write_csv(runs / "log.csv", {"step": list(steps), "loss": list(1 / (steps + 1.0)),
                                 "<b>x</b> lr": list(1e-3 * (1 - steps / 50)),
                                 "<i>k</i>": [3.0] * 50, "<script>s</script>": list(np.sin(steps))})
    write_manifest(runs, "run.yaml", name="run", logs="log.csv")
    out = tmp_path / "site"
    build(runs, out, cache=False)
    html = (out / "runs" / "run" / "index.html").read_text(encoding="utf-8")
    assert "<b>" not in html and "<i>" not in html and "<script>s" not in html
    assert "&lt;i&gt;k&lt;/<wbr>i&gt;</code> = 3" in html  # the constant, named with its value
    assert "the learning rate (&lt;b&gt;x&lt;/b&gt; lr)" in html  # under the loss, in the caption
    assert (out / "runs" / "run" / "scalars-other.svg").is_file()


def test_logged_running_total_and_epoch_times_give_duration_and_seconds_per_epoch() -> None:
    from reportgen.analysis.pace import pace_record

    epoch_time = np.array([61.0, 59.0, 60.5, 62.0, 58.2])
    run, _ = _run({"loss": np.linspace(1, 0.1, 100)}, {"train_loss": "loss"})
    steps = np.arange(5, dtype=np.int64)
    extra = {"time_total_s": Series("time_total_s", steps, np.cumsum(epoch_time)),
             "epoch_time": Series("epoch_time", steps, epoch_time)}
    from dataclasses import replace

    record = pace_record(replace(run, series={**run.series, **extra}))
    assert record["seconds"] == pytest.approx(epoch_time.sum())
    assert record["duration"] == "5 min 1 s" and record["duration_source"] == "last value of the logged time_total_s"
    assert record["rate"] == pytest.approx(60.5) and record["throughput"] == "1 min 0 s per epoch"
    assert record["throughput_source"] == "median of the logged epoch_time"


def test_slow_steps_read_as_time_per_step() -> None:
    from reportgen.analysis.pace import rate_text

    assert rate_text(1 / 69.0, "steps/s") == "1 min 9 s per step"
    assert rate_text(3.14159, "steps/s") == "3.14 steps/s" and rate_text(0.511, "samples/s") == "0.511 samples/s"
    assert rate_text(2418.4, "s/epoch") == "40 min 18 s per epoch"
