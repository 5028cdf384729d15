"""Figures are checked by what they plot (the FigureSpec), and drawing is deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.testing import assert_allclose

from reportgen.drawing import draw
from reportgen.figures import decimate, plan_run_figures, plan_thumbnail
from reportgen.model import Best, Flag, RunAnalysis, RunData, RunSpec, Series


def make(series: dict[str, tuple[np.ndarray, np.ndarray]], roles: dict[str, str], flags=(), best=None, baseline=None):
    spec = RunSpec(name="r", path=Path("r.yaml"), logs=())
    data = {n: Series(n, s.astype(np.int64), v.astype(float)) for n, (s, v) in series.items()}
    run = RunData(spec=spec, series=data, roles=roles, hparams={}, sources=())
    analysis = RunAnalysis(
        name="r", summaries={}, smoothed={n: s.values.copy() for n, s in data.items()},
        best=best, convergence=(), flags=tuple(flags), baseline=baseline,
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
    assert len(raw) == 2 and all(ln.alpha < 0.5 for ln in raw)  # raw faint behind the smoothed
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
    run, an = make({"loss": (s, 1 / (s + 1.0)), "acc": (s, s / 20), "grad_norm": (s, s * 0 + 1.0), "lr": (s, s * 0 + 0.1)},
                   {"train_loss": "loss", "train_acc": "acc", "learning_rate": "lr"})
    figs = {f.name: f for f in plan_run_figures(run, an)}
    assert set(figs) == {"loss", "accuracy", "metrics"}
    assert [p.title for p in figs["metrics"].panels] == ["grad_norm"]


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
