"""Drawing: a reused figure gives the same bytes as a fresh one, and the one-pass layout keeps every
label inside the image, on every kind of figure the example site draws and on awkward ranges."""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reportgen import drawing
from reportgen.build import build
from reportgen.drawing import Painter, draw, draw_many
from reportgen.figures import FigureSpec, Line, Marker, Panel

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site_specs(tmp_path_factory: pytest.TempPathFactory) -> list[FigureSpec]:
    """Every FigureSpec the example site draws (runs, datasets, groups, comparisons), recorded
    from a real build."""
    seen: list[FigureSpec] = []
    original = Painter.draw

    def record(self: Painter, spec: FigureSpec) -> bytes:
        seen.append(spec)
        return original(self, spec)

    Painter.draw = record  # type: ignore[method-assign]
    try:
        build(ROOT / "runs", tmp_path_factory.mktemp("site") / "site", jobs=1, cache=False)
    finally:
        Painter.draw = original  # type: ignore[method-assign]
    return seen


def awkward_specs() -> list[FigureSpec]:
    """Ranges and names that stretch the layout: tiny, huge, negative, log, long titles."""
    x = np.arange(200, dtype=float)
    specs = []
    for i, (scale, shift) in enumerate([(1e-7, 0.0), (1e7, 0.0), (1.0, -12345.678), (1e-3, 1000.0), (1e300, 0.0)]):
        y = shift + scale * np.exp(-x / 50)
        panel = Panel(None, "step", "a loss with a long axis label", (Line("train (loss)", x, y, "#0072B2"),),
                      markers=(Marker(50.0, float(y[50]), "best", "*", "#E69F00"),))
        specs.append(FigureSpec(f"awkward{i}", "awkward", (panel,)))
    log_panel = Panel(None, "epoch", "loss", (Line("v", x + 1, 10.0 ** (-x / 20), "#D55E00"),), yscale="log")
    specs.append(FigureSpec("log", "log", (log_panel,), height=2.8))
    grid = tuple(
        Panel(name, "step", "", (Line(None, x, np.sin(x / (k + 3)) * 10**k, "#009E73"),), legend=False)
        for k, name in enumerate(["lr", "grad_norm", "a/very/long/metric/name/from/tensorboard/logs_x", "w", "b"])
    )
    specs.append(FigureSpec("metrics", "metrics", grid, ncols=3, height=4.5))
    return specs


def test_reused_figures_give_the_same_bytes_as_fresh_ones(site_specs: list[FigureSpec]) -> None:
    specs = site_specs + awkward_specs()
    kinds = {s.name for s in specs}
    # the example site draws every kind of figure: the check covers them all
    assert {"loss", "gap", "accuracy", "metrics", "thumb", "class-balance", "group-val-loss", "group-final", "curves"} <= kinds
    fresh = [draw(s) for s in specs]
    order = list(range(len(specs)))
    for seed in (1, 2):
        random.Random(seed).shuffle(order)
        painter = Painter()
        again = {i: painter.draw(specs[i]) for i in order}
        changed = [specs[i].name for i in order if again[i] != fresh[i]]
        assert changed == [], f"a reused figure drew differently: {changed}"
    assert draw_many(specs[:5]) == fresh[:5]


def test_every_label_stays_inside_the_image(site_specs: list[FigureSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    outside: list[str] = []
    real_png = drawing._png

    def check(fig, transparent: bool) -> bytes:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        frame = fig.bbox
        # what is drawn of each panel: tick labels in view, axis labels, titles, legend
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            box = ax.get_tightbbox(renderer)
            if box.x0 < frame.x0 - 1 or box.y0 < frame.y0 - 1 or box.x1 > frame.x1 + 1 or box.y1 > frame.y1 + 1:
                outside.append(f"{ax.get_title(loc='left') or ax.get_ylabel()}: {box.bounds} outside {frame.bounds}")
        return real_png(fig, transparent)

    monkeypatch.setattr(drawing, "_png", check)
    painter = Painter()
    for spec in site_specs + awkward_specs():
        painter.draw(spec)
    assert outside == []


def test_panels_do_not_overlap_their_neighbours_labels() -> None:
    spec = awkward_specs()[-1]
    canvas = drawing._new_canvas(spec)
    for ax, panel in zip(canvas.axes.flat, spec.panels):
        drawing._draw_panel(ax, panel, small=True)
    canvas.axes.flat[-1].set_visible(False)
    drawing._fit_margins(canvas, spec)
    canvas.fig.canvas.draw()
    renderer = canvas.fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in canvas.axes.flat if ax.get_visible()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap_w = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_h = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_w <= 0 or overlap_h <= 0


def test_opaque_figures_are_rgb_and_thumbnails_transparent() -> None:
    x = np.arange(50, dtype=float)
    plot = FigureSpec("loss", "loss", (Panel(None, "step", "loss", (Line("a", x, x, "#000000"),)),))
    thumb = FigureSpec("thumb", "t", (Panel(None, "", "", (Line(None, x, x, "#000000"),), legend=False, bare=True),),
                       width=1.6, height=0.45, dpi=100)
    with Image.open(io.BytesIO(draw(plot))) as im:
        assert im.mode == "RGB" and im.size == (770, 396)
        assert im.info.keys() <= {"dpi"}  # no software or date metadata
    with Image.open(io.BytesIO(draw(thumb))) as im:
        assert im.mode == "RGBA" and im.size == (160, 45)
        assert im.getpixel((0, 0))[3] == 0


def test_a_failed_draw_does_not_leave_a_broken_figure_for_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.arange(50, dtype=float)
    good = FigureSpec("loss", "loss", (Panel(None, "step", "loss", (Line("a", x, x, "#000000"),)),))
    bad = FigureSpec("loss", "loss", (Panel(None, "step", "loss", (Line("a", x, x, "not a colour"),)),))
    painter = Painter()
    with pytest.raises(ValueError):
        painter.draw(bad)
    assert painter.draw(good) == draw(good)
