"""Group and comparison figures are checked by what they plot (their FigureSpecs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.testing import assert_allclose

from reportgen.analysis.groups import summarise_group
from reportgen.figures.draw import draw
from reportgen.figures.plan import PLOT_COLUMNS
from reportgen.figures.plan_groups import (
    CROWDED_RUNS,
    MAX_LEGEND_RUNS,
    count_segments,
    group_curves,
    plan_comparison_figure,
    plan_group_curve_figure,
    plan_group_strip,
)
from reportgen.figures.run_styles import run_colors
from reportgen.model import MetricSummary, RunAnalysis, RunData, RunSpec, Series


def member(name: str, steps: np.ndarray, val: np.ndarray, train: np.ndarray | None = None) -> tuple[RunData, RunAnalysis]:
    series = {"val_loss": Series("val_loss", steps.astype(np.int64), val.astype(float))}
    roles = {"val_loss": "val_loss"}
    if train is not None:
        series["loss"] = Series("loss", steps.astype(np.int64), train.astype(float))
        roles["train_loss"] = "loss"
    run = RunData(RunSpec(name=name, path=Path(f"{name}.yaml"), logs=()), series, roles, {}, ())
    summaries = {
        "val_loss": MetricSummary("val_loss", "val_loss", len(steps), len(steps), float(val[0]), float(val[-1]),
                                  float(val.min()), float(val.max()), int(steps[np.argmin(val)]), int(steps[np.argmax(val)]),
                                  None, None, int(steps[0]), int(steps[-1]))
    }
    # smoothed train = raw + 1, so a test can tell which one a figure used
    smoothed = {"loss": train + 1.0} if train is not None else {}
    return run, RunAnalysis(name, summaries, smoothed, None, (), ())


def test_identical_runs_give_a_band_of_zero_width_on_the_figure() -> None:
    s = np.arange(0, 50, 5)
    v = 1.0 + 1.0 / (s + 1.0)
    members = [member(n, s, v) for n in ("a", "b", "c")]
    rc = group_curves(members, "val_loss")
    fig = plan_group_curve_figure(rc, run_colors(["a", "b", "c"]))
    top, bottom = fig.panels
    (band,) = top.bands
    assert_allclose(band.lower, v, rtol=1e-12)
    assert_allclose(band.upper, v, rtol=1e-12)
    center = [ln for ln in top.lines if ln.label and ln.label.startswith("mean")]
    assert len(center) == 1 and center[0].color == "#000000"
    assert_allclose(center[0].y, v, rtol=1e-12)
    faint = [ln for ln in top.lines if ln.label is None]
    assert len(faint) == 3 and all(ln.alpha < 0.5 for ln in faint)
    assert_allclose(bottom.lines[0].y, np.full(s.size, 3.0))


def test_disjoint_runs_give_no_band_where_one_run_has_data() -> None:
    a = member("a", np.arange(0, 10), np.linspace(2, 1, 10))
    b = member("b", np.arange(20, 30), np.linspace(2, 1, 10))
    rc = group_curves([a, b], "val_loss")
    (band,) = plan_group_curve_figure(rc, run_colors(["a", "b"])).panels[0].bands
    assert not np.isfinite(band.lower).any() and not np.isfinite(band.upper).any()
    assert count_segments(rc.curve) == [{"first": 0, "last": 29, "n": 1}]  # one run at every logged step


def test_mean_of_known_curves_and_t_interval_on_the_group_figure() -> None:
    s = np.arange(0, 4)
    values = [np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 3.0, 4.0, 5.0]), np.array([3.0, 4.0, 5.0, 6.0]),
              np.array([6.0, 7.0, 8.0, 9.0])]
    members = [member(f"r{i}", s, v) for i, v in enumerate(values)]
    rc = group_curves(members, "val_loss")
    top = plan_group_curve_figure(rc, run_colors([f"r{i}" for i in range(4)])).panels[0]
    stacked = np.vstack(values)
    mean = stacked.mean(axis=0)
    half = 3.182446305284263 * stacked.std(axis=0, ddof=1) / 2.0  # t(0.975, df=3), sqrt(4)
    assert_allclose(top.bands[0].lower, mean - half, rtol=1e-9)
    assert_allclose(top.bands[0].upper, mean + half, rtol=1e-9)


def test_two_survivors_of_a_longer_group_get_no_center_line() -> None:
    short = [member(n, np.arange(0, 10), np.linspace(2, 1, 10)) for n in ("a", "b")]
    long = [member(n, np.arange(0, 20), np.linspace(2, 0.5, 20)) for n in ("c", "d")]
    rc = group_curves(short + long, "val_loss")
    assert rc.curve.min_runs == 3
    center = rc.curve.center
    assert np.isfinite(center[:10]).all() and not np.isfinite(center[10:]).any()
    assert count_segments(rc.curve) == [{"first": 0, "last": 9, "n": 4}, {"first": 10, "last": 19, "n": 2}]


def test_group_train_curve_is_the_smoothed_one_and_validation_the_raw_one() -> None:
    s = np.arange(0, 5)
    members = [member(n, s, np.full(5, 2.0), train=np.full(5, 1.0)) for n in ("a", "b")]
    assert_allclose(group_curves(members, "train_loss").curve.center, np.full(5, 2.0))  # smoothed = raw + 1
    assert_allclose(group_curves(members, "val_loss").curve.center, np.full(5, 2.0))
    assert group_curves(members[:1], "val_loss") is None  # one run is no group


def test_strip_plot_shows_each_run_and_the_spread() -> None:
    s = np.arange(0, 3)
    members = [member(n, s, np.array([3.0, 2.0, f])) for n, f in (("a", 1.0), ("b", 1.5), ("c", 2.5))]
    summary = summarise_group("g", [(run.spec.name, an) for run, an in members])
    styles = run_colors(["a", "b", "c"])
    fig = plan_group_strip(summary, styles)
    (panel,) = fig.panels
    assert [label for _, label in panel.xticks] == ["Final validation loss", "Best validation loss"]
    points = [ln for ln in panel.lines if ln.linestyle == "none"]
    assert sorted(float(ln.y[0]) for ln in points[:3]) == [1.0, 1.5, 2.5]
    assert [ln.color for ln in points[:3]] == [styles[n].color for n in ("a", "b", "c")]
    finals = np.array([1.0, 1.5, 2.5])
    band = panel.bands[0]
    assert_allclose(band.upper - band.lower, np.full(2, 2 * finals.std(ddof=1)))
    assert draw(fig).startswith(b"\x89PNG")


def test_comparison_figure_train_dashed_validation_solid_in_site_colours() -> None:
    s = np.arange(0, 30)
    names = [f"run{i:02d}" for i in range(10)]
    members = [member(n, s, 2.0 / (s + 1.0) + i * 0.01, train=1.5 / (s + 1.0) + i * 0.01) for i, n in enumerate(names)]
    styles = run_colors(names + ["other"])
    fig = plan_comparison_figure(members, styles)
    (panel,) = fig.panels
    per_run = [ln for ln in panel.lines if ln.x.size]
    assert len(per_run) == 20
    for name, (val, train) in zip(names, zip(per_run[::2], per_run[1::2])):
        assert val.linestyle == "-" and train.linestyle == "--"
        assert val.color == train.color == styles[name].color
        assert val.marker == styles[name].marker
    assert [ln.label for ln in per_run[::2]] == names  # one legend entry per run
    assert panel.legend_outside and panel.legend_cols == 1
    assert [ln.label for ln in panel.lines if not ln.x.size] == ["validation", "train"]
    assert draw(fig).startswith(b"\x89PNG")


def test_comparison_legend_gives_way_to_the_table_past_its_limit() -> None:
    s = np.arange(0, 10)
    names = [f"r{i:03d}" for i in range(MAX_LEGEND_RUNS + 1)]
    members = [member(n, s, np.linspace(2, 1, 10)) for n in names]
    fig = plan_comparison_figure(members, run_colors(names))
    assert [ln.label for ln in fig.panels[0].lines if ln.label] == ["validation", "train"]
    assert "table below" in fig.alt


def test_a_crowded_group_draws_fewer_points_per_run_but_keeps_each_spike() -> None:
    s = np.arange(10_000)
    names = [f"r{i:02d}" for i in range(CROWDED_RUNS + 1)]
    members = []
    for i, name in enumerate(names):
        v = 1.0 + np.sin(s / 7.0 + i) * 0.1
        v[1234 + i] = 9.0 + i  # one spike per run
        members.append(member(name, s, v))
    styles = run_colors(names)
    crowded = plan_group_curve_figure(group_curves(members, "val_loss"), styles)
    few = plan_group_curve_figure(group_curves(members[:CROWDED_RUNS], "val_loss"), styles)
    crowded_faint = [ln for ln in crowded.panels[0].lines if ln.label is None]
    few_faint = [ln for ln in few.panels[0].lines if ln.label is None]
    assert max(ln.y.size for ln in crowded_faint) <= 4 * (PLOT_COLUMNS // 2) + 1
    assert max(ln.y.size for ln in crowded_faint) < min(ln.y.size for ln in few_faint)
    assert [float(ln.y.max()) for ln in crowded_faint] == [9.0 + i for i in range(len(names))]


# ----------------------------------------------------------------------------- issue 13: comparability


def kinded(name: str, steps: np.ndarray, val: np.ndarray, *, task: str | None = "classification",
           loss: str | None = "cross_entropy", x: str = "step", epoch: np.ndarray | None = None, flags=()):
    """A member with a task, loss kind and x unit; `epoch` gives each point's epoch."""
    s = Series("val_loss", steps.astype(np.int64), val.astype(float), epoch=epoch)
    spec = RunSpec(name=name, path=Path(f"{name}.yaml"), logs=(), task=task, loss=loss)
    run = RunData(spec, {"val_loss": s}, {"val_loss": "val_loss"}, {}, (), x=x)
    return run, RunAnalysis(name, {}, {}, None, (), tuple(flags))


def test_epoch_logged_and_step_logged_runs_never_share_an_x_axis() -> None:
    """Keras logs 40 epochs, another run 800 steps without epochs: two panels, each labelled."""
    keras = kinded("keras", np.arange(1, 41), np.linspace(2.0, 0.1, 40), x="epoch")
    steps = kinded("steps", np.arange(0, 800, 20), np.linspace(2.0, 0.1, 40))
    fig = plan_comparison_figure([keras, steps], run_colors(["keras", "steps"]))
    assert [(p.xlabel, p.title) for p in fig.panels] == [
        ("epoch", "classification, cross-entropy loss, by epoch"),
        ("step", "classification, cross-entropy loss, by step"),
    ]
    assert [ln.label for ln in fig.panels[0].lines if ln.x.size] == ["keras"]
    assert [ln.label for ln in fig.panels[1].lines if ln.x.size] == ["steps"]


def test_a_step_run_whose_epochs_are_known_joins_the_epoch_runs_in_epochs() -> None:
    keras = kinded("keras", np.arange(1, 41), np.linspace(2.0, 0.1, 40), x="epoch")
    steps = np.arange(0, 800, 20)
    hf = kinded("hf", steps, np.linspace(2.0, 0.1, 40), epoch=steps / 20.0)  # 20 steps per epoch
    (panel,) = plan_comparison_figure([keras, hf], run_colors(["keras", "hf"])).panels
    assert panel.xlabel == "epoch" and panel.title is None
    (hf_line,) = [ln for ln in panel.lines if ln.label == "hf"]
    assert_allclose(hf_line.x, steps / 20.0)  # aligned on epochs, not drawn at steps 0..780


def test_mse_and_cross_entropy_runs_get_their_own_panels() -> None:
    ce = kinded("ce", np.arange(0, 400, 10), np.linspace(2.3, 0.1, 40))
    mse = kinded("mse", np.arange(0, 400, 10), np.linspace(3000.0, 2500.0, 40), task="regression", loss="mse")
    fig = plan_comparison_figure([ce, mse], run_colors(["ce", "mse"]))
    assert [p.title for p in fig.panels] == ["classification, cross-entropy loss, by step", "regression, mse loss, by step"]
    assert fig.alt.startswith("Loss of 2 runs, 2 panels that cannot share an axis: ")


def test_an_exploding_run_does_not_flatten_the_others_and_is_marked_off_scale() -> None:
    s = np.arange(0, 400, 10)
    boom = np.where(s < 200, np.linspace(2.0, 0.6, 40), 10.0 ** (s / 10.0 - 18))
    from reportgen.model import Flag

    flag = Flag("divergence", "error", "exploded", metric="val_loss", step=200)
    members = [kinded("a", s, np.linspace(2.0, 0.3, 40)), kinded("boom", s, boom, flags=[flag])]
    (panel,) = plan_comparison_figure(members, run_colors(["a", "boom"])).panels
    assert panel.yscale == "linear" and panel.ylim[1] < 2.5  # not 1e22
    (mark,) = [m for m in panel.markers if m.marker == "^"]
    assert mark.y == panel.ylim[1] and mark.x >= 200
