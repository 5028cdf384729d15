"""Figures are checked by what they plot (the FigureSpec), and drawing is deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.testing import assert_allclose

from reportgen.analysis.overfitting import generalisation_gap_curve
from reportgen.figures.draw import draw
from reportgen.figures.plan import decimate, plan_run_figures, plan_thumbnail
from reportgen.model import Best, Flag, RunAnalysis, RunData, RunSpec, Series


def make(series: dict[str, tuple[np.ndarray, np.ndarray]], roles: dict[str, str], flags=(), best=None, baseline=None):
    spec = RunSpec(name="r", path=Path("r.yaml"), logs=())
    data = {n: Series(n, s.astype(np.int64), v.astype(float)) for n, (s, v) in series.items()}
    run = RunData(spec=spec, series=data, roles=roles, hparams={}, sources=())
    gap = generalisation_gap_curve(run.role("val_loss"), run.role("train_loss"))  # as analyse() does
    analysis = RunAnalysis(
        name="r", summaries={}, smoothed={n: s.values.copy() for n, s in data.items()},
        best=best, convergence=(), flags=tuple(flags), baseline=baseline,
        extra={"generalisation": gap} if gap else {},
    )
    return run, analysis


def test_loss_figure_tells_train_from_validation_without_colour() -> None:
    s = np.arange(100)
    run, an = make({"loss": (s, 1 / (s + 1.0)), "val_loss": (s[::10], 1.2 / (s[::10] + 1.0))},
                   {"train_loss": "loss", "val_loss": "val_loss"},
                   best=Best("val_loss", "val_loss", 1.2 / 91, 90, None), baseline=2.3)
    figs = plan_run_figures(run, an)
    assert [f.name for f in figs] == ["loss", "gap"]
    (panel,) = figs[0].panels
    labelled = {ln.label: ln for ln in panel.lines if ln.label}
    assert set(labelled) == {"train (loss)", "validation (val_loss)"}
    assert labelled["train (loss)"].linestyle != labelled["validation (val_loss)"].linestyle
    raw = [ln for ln in panel.lines if ln.label is None]
    assert len(raw) == 1 and raw[0].alpha < 0.5  # the dense train loss: raw faint behind the smoothed
    # the sparse validation loss (10 points) is drawn raw, as points on a line
    assert labelled["validation (val_loss)"].marker == "o"
    assert panel.yscale == "log"  # 1 .. 0.01 spans two decades
    assert [(m.label, m.x) for m in panel.markers] == [("best val loss", 90.0)]
    assert [r.value for r in panel.reflines] == [2.3]
    assert panel.xlabel == "step" and panel.ylabel == "loss"


def test_linear_scale_when_loss_spans_little() -> None:
    s = np.arange(50)
    run, an = make({"loss": (s, 1.0 - s / 100)}, {"train_loss": "loss"})
    (fig,) = plan_run_figures(run, an)
    assert fig.panels[0].yscale == "linear"


def test_divergence_marker_at_last_finite_value() -> None:
    s = np.arange(10)
    v = np.array([1, 0.9, 0.8, 0.7, 5, 50, np.inf, np.nan, np.nan, np.nan])
    flag = Flag("divergence", "error", "Loss became non-finite at step 6.", metric="loss", step=6)
    run, an = make({"loss": (s, v)}, {"train_loss": "loss"}, flags=[flag])
    (fig,) = plan_run_figures(run, an)
    (marker,) = [m for m in fig.panels[0].markers if m.label == "divergence"]
    assert (marker.x, marker.y) == (6.0, 50.0)


def test_other_metrics_get_small_multiples_and_accuracy_its_own_figure() -> None:
    s = np.arange(20)
    run, an = make({"loss": (s, 1 / (s + 1.0)), "acc": (s, s / 20), "grad_norm": (s, 1.0 + np.sin(s)), "lr": (s, s * 0 + 0.1)},
                   {"train_loss": "loss", "train_acc": "acc", "learning_rate": "lr"})
    figs = {f.name: f for f in plan_run_figures(run, an)}
    assert set(figs) == {"loss", "accuracy", "scalars-optimisation"}
    assert [p.title for p in figs["scalars-optimisation"].panels] == ["grad_norm"]
    # a constant learning rate gets no panel under the loss, only its value in words
    assert len(figs["loss"].panels) == 1 and figs["loss"].alt.endswith("learning rate constant throughout (lr = 0.1)")


def test_decimate_keeps_extremes_and_marks_non_finite() -> None:
    x = np.arange(1_000_000, dtype=float)
    y = np.sin(x / 1000)
    y[123_457] = 50.0
    y[765_431] = -40.0
    y[5] = np.nan
    dx, dy = decimate(x, y, 500)
    assert dx.size <= 4 * 500 + 1
    assert 50.0 in dy and -40.0 in dy
    assert np.isnan(dy).sum() == 1 and dx[np.isnan(dy)][0] == 5.0  # the gap stays where it was
    assert dx[0] == 0 and dx[-1] == 999_999
    _small_x, small_y = decimate(x[:100], np.ones(100))
    assert_allclose(small_y, np.ones(100))


def test_draw_is_deterministic_png() -> None:
    s = np.arange(30)
    run, an = make({"loss": (s, np.exp(-s / 10))}, {"train_loss": "loss"})
    (fig,) = plan_run_figures(run, an)
    a, b = draw(fig), draw(fig)
    assert a.startswith(b"\x89PNG") and a == b
    thumb = plan_thumbnail(run, an)
    assert thumb is not None and draw(thumb).startswith(b"\x89PNG")


# ----------------------------------------------------------------------------- issue 13: axes


def _diverging(extra: bool = True):
    """60 healthy steps near 0.5, then an explosion to 1e31 and inf; a divergence finding at 60."""
    s = np.arange(100)
    loss = np.where(s < 60, 0.5 + 0.5 * np.exp(-s / 10), 0.5 * 10.0 ** ((s - 59) * 0.9))
    loss[95:] = np.inf
    val_steps = s[::5]
    series = {"loss": (s, loss), "val_loss": (val_steps, loss[::5] * 1.1)}
    if extra:
        series["val_mae"] = (val_steps, np.sqrt(loss[::5]))
    flag = Flag("divergence", "error", "Training loss exploded at step 60.", metric="loss", step=60)
    return make(series, {"train_loss": "loss", "val_loss": "val_loss"}, flags=[flag],
                best=Best("val_loss", "val_loss", float(loss[55] * 1.1), 55, None))


def test_a_diverging_run_is_drawn_on_its_healthy_range_with_off_scale_marks() -> None:
    run, an = _diverging()
    figs = {f.name: f for f in plan_run_figures(run, an)}
    (panel,) = figs["loss"].panels
    assert panel.yscale == "linear"  # the healthy phase spans 0.5 .. 1, not 40 decades
    lo, hi = panel.ylim
    # the healthy range with its headroom, widened to round numbers (axis_rules._round_out)
    assert 0.0 <= lo < 0.5 and 1.0 < hi <= 1.2
    off = [m for m in panel.markers if m.marker == "^"]
    assert off and off[0].label == "off scale above" and all(m.y == hi for m in off)
    assert all(lo <= m.y <= hi for m in panel.markers)  # the divergence ✖ too, at the edge
    peak = run.series["loss"].values[np.isfinite(run.series["loss"].values)].max()
    assert figs["loss"].alt.endswith(f"values off the scale above are marked ▲ at the top edge (they reach {peak:.2g})")
    # the gap and the other metric: the healthy range, never a flat line under a 1e34 scale
    (gap,) = figs["gap"].panels
    assert gap.ylim is not None and gap.ylim[1] < 1.0
    (mae,) = figs["scalars-accuracy"].panels
    assert mae.ylim is not None and mae.ylim[1] < 1.2 and [m.marker for m in mae.markers] == ["^"]


def test_a_healthy_run_keeps_the_usual_limits() -> None:
    s = np.arange(100)
    run, an = make({"loss": (s, 1 / (s + 1.0))}, {"train_loss": "loss"})
    (fig,) = plan_run_figures(run, an)
    assert fig.panels[0].ylim is None and not [m for m in fig.panels[0].markers if m.marker == "^"]


def _overfitting():
    s = np.arange(200)
    train = 2.3 * np.exp(-s / 8) + 1e-4
    vs = s[::5]
    val = 0.5 + 1.8 * np.exp(-vs / 8) + 0.0015 * vs  # 2.3 at first, lowest near step 40, then a slow rise
    i_best = int(np.argmin(val))
    flag = Flag("overfitting", "warning", "Validation loss rose.", metric="val_loss", step=int(vs[i_best]), epoch=None)
    return make({"loss": (s, train), "val_loss": (vs, val)}, {"train_loss": "loss", "val_loss": "val_loss"}, flags=[flag],
                best=Best("val_loss", "val_loss", float(val[i_best]), int(vs[i_best]), None), baseline=2.3)


def test_overfitting_gets_a_linear_validation_panel_and_markers_never_cover_each_other() -> None:
    run, an = _overfitting()
    figs = {f.name: f for f in plan_run_figures(run, an)}
    assert figs["loss"].panels[0].yscale == "log"  # the train loss falls by four decades...
    (zoom,) = figs["overfitting"].panels  # ...so the validation rise gets its own linear axis
    assert zoom.yscale == "linear" and zoom.ylabel == "validation loss"
    val = run.series["val_loss"].values
    assert zoom.ylim[0] <= val.min() and zoom.ylim[1] >= val[np.argmin(val):].max()
    assert zoom.ylim[1] < val.max()  # the descent before the minimum runs off the top
    for panel in (figs["loss"].panels[0], zoom):
        # the onset is a vertical line, never a mark on top of the best-value star
        assert [r.orientation for r in panel.reflines if r.label.startswith("overfitting onset")] == ["v"]
        spots = [(m.x, m.y) for m in panel.markers]
        assert len(spots) == len(set(spots))


def test_a_chance_level_far_above_the_data_is_named_at_the_edge() -> None:
    s = np.arange(100)
    run, an = make({"loss": (s, 0.1 + 0.05 * np.exp(-s / 20))}, {"train_loss": "loss"}, baseline=40.0)
    (panel,) = plan_run_figures(run, an)[0].panels
    assert panel.reflines == ()
    (mark,) = [m for m in panel.markers if m.label.startswith("chance level")]
    assert mark.label == "chance level (40), above the plot" and mark.y == panel.ylim[1] < 0.2


def test_sparse_validation_is_drawn_raw_so_best_and_final_sit_on_the_line() -> None:
    s = np.arange(400)
    vs = s[::10]  # 40 evaluations
    val = 1.0 + 0.5 * np.cos(vs / 30.0)
    run, an = make({"loss": (s, 1.2 + 0.1 * np.sin(s)), "val_loss": (vs, val)}, {"train_loss": "loss", "val_loss": "val_loss"},
                   best=Best("val_loss", "val_loss", float(val.min()), int(vs[np.argmin(val)]), None))
    an = RunAnalysis(name="r", summaries={}, smoothed={"loss": run.series["loss"].values, "val_loss": np.full(40, 9.0)},
                     best=an.best, convergence=(), flags=())
    (panel,) = plan_run_figures(run, an)[0].panels
    (line,) = [ln for ln in panel.lines if ln.label == "validation (val_loss)"]
    assert_allclose(line.y, val)  # the raw values, not the (here absurd) smoothed ones
    star = next(m for m in panel.markers if m.marker == "*")
    assert star.y == line.y[np.argmin(line.y)] and line.y[-1] == val[-1]


def test_a_flat_sparkline_is_drawn_flat_and_says_its_range() -> None:
    from reportgen.figures.plan import plan_sparkline

    s = np.arange(50)
    run, an = make({"loss": (s, 2.30265 + 0.00002 * s / 49)}, {"train_loss": "loss"})
    spark = plan_sparkline(run, an)
    assert (spark.low, spark.high) == (2.30265, 2.30267)
    # on its own axis this change filled the thumbnail's height; now it is a flat line
    assert (spark.high - spark.low) / (spark.ylim[1] - spark.ylim[0]) < 0.01
    (panel,) = plan_thumbnail(run, an).panels
    assert panel.ylim == spark.ylim


def test_a_figure_drawn_all_raw_never_speaks_of_smoothed_lines() -> None:
    e = np.arange(1, 31)  # an epoch log: 30 points each
    run, an = make({"loss": (e, 2.0 / e), "val_loss": (e, 2.1 / e)}, {"train_loss": "loss", "val_loss": "val_loss"})
    (fig,) = [f for f in plan_run_figures(run, an) if f.name == "loss"]
    assert fig.alt == "Loss by step: train (loss) raw points, validation (val_loss) raw points"


def test_the_plotted_gap_is_the_analysis_gap() -> None:
    # One computation (issue 15): analyse() works the gap out, the figure plots exactly that.
    # A constant train loss has itself as trend, so the gap is validation minus that constant.
    from analysis_factories import make_run, series

    from reportgen.analysis import analyse

    steps = np.arange(200)
    vs = steps[10::10]  # inside the training range, so every validation point has a gap
    run = make_run(
        train_loss=series("train_loss", np.full(200, 0.5), steps),
        val_loss=series("val_loss", 0.6 + 0.001 * vs, vs),
    )
    an = analyse(run)
    record = an.extra["generalisation"]
    val = run.series["val_loss"]
    assert record["steps"] == val.steps.tolist()
    assert_allclose(record["gap"], val.values - 0.5, rtol=1e-6)
    (gap_fig,) = [f for f in plan_run_figures(run, an) if f.name == "gap"]
    (line,) = gap_fig.panels[0].lines
    assert line.y.tolist() == record["gap"] and line.x.tolist() == val.steps.tolist()
