"""What the "Inside the model" figures plot (figures/plan_model.py), checked on the FigureSpecs,
and user-named parameters kept as text on the page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import make_run

from reportgen.analysis.model_views import model_views, trajectory_of
from reportgen.build import build
from reportgen.figures.plan_model import plan_model_figures
from reportgen.model import HistogramSeries


def views(t: int, loss: np.ndarray | None = None, histograms=()):
    rng = np.random.default_rng(0)
    theta = np.cumsum(rng.standard_normal((t, 30)), axis=0)
    traj = trajectory_of([("a.w", theta[:, :20].copy()), ("b.w", theta[:, 20:].copy())], np.arange(t) * 10.0,
                         loss=loss, loss_name=None if loss is None else "val_loss")
    return model_views(traj, histograms)


def test_trajectory_has_one_scale_on_both_axes_and_labels_only_known_losses() -> None:
    loss = np.linspace(2.0, 0.5, 12)
    loss[0] = np.nan  # no validation before the first epoch
    figs = {f.name: f for f in plan_model_figures(views(12, loss))}
    assert list(figs) == ["model-trajectory", "model-updates", "model-weights"]
    path = figs["model-trajectory"].panels[0]
    (x0, x1), (y0, y1) = path.xlim, path.ylim
    assert np.isclose(x1 - x0, y1 - y0)
    assert path.notes and all(n.text != "nan" for n in path.notes)
    assert path.notes[-1].text == "0.5"  # the last snapshot is always labelled
    bars = figs["model-trajectory"].panels[1]
    assert bars.categories[0] == "PC1" and len(bars.categories) <= 6
    assert np.isclose(bars.bars[0].values.sum(), 100 * views(12).trajectory.explained[:6].sum())
    # loss against norm: one point per snapshot with a loss, and a fitted line
    scatter, fit = figs["model-weights"].panels[0].lines
    assert scatter.linestyle == "none" and scatter.x.size == 12
    assert fit.label.startswith("least-squares line (r = ")


def test_few_snapshots_draw_only_what_they_can_show() -> None:
    assert plan_model_figures(views(1)) == []
    names = [f.name for f in plan_model_figures(views(2))]
    assert names == ["model-trajectory", "model-weights"]  # no pair of updates to compare
    assert "loss" not in " ".join(p.title or "" for f in plan_model_figures(views(2)) for p in f.panels).lower()


def test_histograms_alone_make_one_figure_of_small_multiples() -> None:
    series = [HistogramSeries(tag, np.array([1, 2]), (np.array([0.0, 1.0]),) * 2, (np.array([5.0, 5.0]),) * 2,
                              np.zeros(2), np.ones(2)) for tag in ("w1/weight", "w2/weight", "g1/grad", "g2/grad")]
    (fig,) = plan_model_figures(model_views(None, series))
    assert fig.name == "model-histograms" and fig.ncols == 2 and len(fig.panels) == 4
    assert [p.title for p in fig.panels] == ["w1/weight", "w2/weight", "g1/grad", "g2/grad"]  # weights first
    assert {p.xlabel for p in fig.panels} == {"step"}  # what the histograms' steps count
    (by_epoch,) = plan_model_figures(model_views(None, series), "epoch")
    assert {p.xlabel for p in by_epoch.panels} == {"epoch"}


def test_parameter_names_stay_text_on_the_page(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    hostile = "<img src=x onerror=alert(1)>"
    (runs / "ckpt").mkdir(parents=True)
    for s in range(4):
        np.savez(runs / "ckpt" / f"step_{s}.npz", **{f"{hostile}.weight": np.full(3, float(s)) + np.arange(3) * s**2,
                                                    "ok.weight": np.ones(2) * s})
    make_run(runs, "a", checkpoints="ckpt")
    build(runs, tmp_path / "site", jobs=1)
    page = (tmp_path / "site" / "runs" / "a" / "index.html").read_text(encoding="utf-8")
    assert "Inside the model" in page
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
