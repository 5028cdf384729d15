"""Drawing: a reused figure gives the same bytes as a fresh one, and the one-pass layout keeps every
label inside the image, on every kind of figure the example site draws and on awkward ranges."""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reportgen.build import build
from reportgen.figures import axis_limits, decorations, ink, layout, svg
from reportgen.figures import draw as drawing
from reportgen.figures.draw import Painter, draw, draw_many, draw_svg
from reportgen.figures.plan import FigureSpec, Line, Marker, Panel

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
    assert draw_many(specs[:5], "png") == fresh[:5]


class _Shelf(dict):
    """A FrameShelf in memory, as the build's FrameFolder is on disk between workers."""

    def put(self, name: str, data: bytes) -> None:
        self[name] = data


def test_frames_from_a_shelf_give_the_same_svg_bytes_as_frames_drawn_here(site_specs, monkeypatch) -> None:
    specs = site_specs + awkward_specs()
    fresh = [draw_svg(s) for s in specs]
    shelf = _Shelf()
    assert [Painter("svg", shelf).draw(s) for s in specs] == fresh
    assert len(shelf) >= 10  # one per distinct frame
    drawn = []
    real = svg.render_frame
    monkeypatch.setattr(svg, "render_frame", lambda fig: drawn.append(fig) or real(fig))
    other = Painter("svg", shelf)  # another worker: every frame is on the shelf already
    changed = [s.name for s, again, before in zip(specs[::-1], map(other.draw, specs[::-1]), fresh[::-1]) if again != before]
    assert changed == [], f"ink over a frame from the shelf drew differently: {changed}"
    assert drawn == []


def test_every_label_stays_inside_the_image(site_specs: list[FigureSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    outside: list[str] = []
    real_encode = drawing._encode

    def check(fig, transparent: bool) -> bytes:
        png = real_encode(fig, transparent)
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
        return png

    monkeypatch.setattr(drawing, "_encode", check)
    # each on a figure of its own: a reused frame is only pixels, its artists may be another
    # frame's by then (that reuse gives the same bytes is the test above)
    for spec in site_specs + awkward_specs():
        draw(spec)
    assert outside == []


def test_panels_do_not_overlap_their_neighbours_labels() -> None:
    spec = awkward_specs()[-1]
    canvas = drawing._new_canvas(spec)
    for ax, panel in zip(canvas.axes.flat, spec.panels):
        decorations.decorate(ax, panel, axis_limits.panel_limits(panel), small=True)
        ink.ink(ax, panel)
    canvas.axes.flat[-1].set_visible(False)
    layout.fit_margins(canvas.fig, canvas.axes, spec.dpi)
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


def _sweep_spec(seed: int) -> FigureSpec:
    """A run's loss figure as a sweep draws it: same steps and labels, different curves."""
    rng = np.random.default_rng(seed)
    x = np.arange(2000, dtype=float)
    train = 2.3 * np.exp(-x / rng.uniform(200, 600)) + rng.uniform(0.05, 0.3) + rng.normal(0, 0.02, x.size)
    val_x = x[::100]
    val = train[::100] + rng.uniform(0.0, 0.1)
    best = int(np.argmin(val))
    panel = Panel(None, "step", "loss",
                  (Line("train (loss)", x, train, "#0072B2", "--"), Line("validation (val_loss)", val_x, val, "#D55E00")),
                  markers=(Marker(float(val_x[best]), float(val[best]), "best val loss", "*", "#E69F00", 160),))
    return FigureSpec("loss", "loss", (panel,))


def test_runs_that_share_a_frame_draw_as_if_alone() -> None:
    specs = [_sweep_spec(seed) for seed in range(12)]
    painter = Painter()
    shared = [painter.draw(s) for s in specs]
    frames = len(next(iter(painter._canvases.values())).frames)
    assert frames < len(specs)  # the sweep's runs did share frames
    assert len(set(shared)) == len(specs)  # and each still shows its own curves
    assert shared == [draw(s) for s in specs]
    assert [painter.draw(s) for s in reversed(specs)] == shared[::-1]


def test_limits_hold_every_point_and_end_on_round_numbers() -> None:
    for spec in awkward_specs() + [_sweep_spec(seed) for seed in range(5)]:
        for panel in spec.panels:
            (x0, x1), (y0, y1) = axis_limits.panel_limits(panel)
            for line in panel.lines:
                y = axis_limits.drawable(line.y)
                shown = np.isfinite(y) & ((y > 0) if panel.yscale == "log" else True)
                assert x0 < line.x[shown].min() and line.x[shown].max() < x1, spec.name
                assert y0 <= y[shown].min() and y[shown].max() <= y1, spec.name
            if panel.yscale == "linear" and panel.ylim is None:
                assert _round_ends(y0, y1), (spec.name, y0, y1)
                data = np.concatenate([axis_limits.drawable(ln.y) for ln in panel.lines])
                data = data[np.isfinite(data)]
                if data.min() >= 0:  # a loss axis starts at zero, not below it
                    assert y0 >= 0, (spec.name, y0)


def _round_ends(lo: float, hi: float) -> bool:
    """Both ends are whole multiples of one tick step (1, 2, 2.5 or 5 times a power of ten), at
    most ten steps apart."""
    for k in range(int(np.floor(np.log10(hi - lo))) - 2, int(np.ceil(np.log10(hi - lo))) + 1):
        for m in (1.0, 2.0, 2.5, 5.0):
            step = m * 10.0**k
            n0, n1 = lo / step, hi / step
            if abs(n0 - round(n0)) < 1e-6 and abs(n1 - round(n1)) < 1e-6 and round(n1 - n0) <= 10:
                return True
    return False


def test_legend_sits_above_the_plot_and_never_over_a_curve() -> None:
    spec = _sweep_spec(0)
    canvas = drawing._new_canvas(spec)
    ax = canvas.axes.flat[0]
    panel = spec.panels[0]
    layout.start(canvas.fig)
    decorations.decorate(ax, panel, axis_limits.panel_limits(panel), small=False)
    decorations.legend(ax, panel, small=False)
    layout.finish(canvas.fig, canvas.axes, spec.dpi, bare=False)
    canvas.fig.canvas.draw()
    renderer = canvas.fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    plot = ax.get_window_extent(renderer)
    assert legend.y0 >= plot.y1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train (loss)", "validation (val_loss)", "best val loss"]
    assert legend.x1 <= canvas.fig.bbox.x1


def test_png_encoder_round_trips_pixels() -> None:
    import zlib

    from reportgen.figures import png

    module, level = zlib, 3
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    rgba[5:20, 10:40] = 255  # a flat patch, as plots have
    with Image.open(io.BytesIO(png._png(rgba, True, module, level))) as im:
        assert im.mode == "RGBA" and im.size == (53, 37)
        assert np.array_equal(np.asarray(im), rgba)
    with Image.open(io.BytesIO(png._png(rgba, False, module, level))) as im:
        assert im.mode == "RGB"
        assert np.array_equal(np.asarray(im), rgba[:, :, :3])


def test_png_encoder_deflates_with_zlib_so_bytes_never_depend_on_the_process() -> None:
    """One deflater, deterministic in every process: ISA-L once gave a different stream for
    identical rows in a worker under load (issue 12, point 24)."""
    import zlib

    from reportgen.figures import png

    assert png._deflate is zlib and png.LEVEL == 3
    rows = np.zeros((3, 5, 4), dtype=np.uint8)
    assert png.encode(rows, alpha=False) == png._png(rows, False, zlib, 3)


def _decorated(panel: Panel):
    spec = FigureSpec("x", "x", (panel,))
    canvas = drawing._new_canvas(spec)
    ax = canvas.axes.flat[0]
    decorations.decorate(ax, panel, axis_limits.panel_limits(panel), small=False)
    canvas.fig.canvas.draw()
    return ax


def test_a_log_axis_has_no_empty_decade_of_padding_and_labels_ticks_between_decades() -> None:
    x = np.arange(50, dtype=float)
    y = np.geomspace(0.9, 40.0, 50)  # not quite two decades
    ax = _decorated(Panel(None, "step", "loss", (Line("a", x, y, "#000000"),), yscale="log"))
    lo, hi = ax.get_ylim()
    assert 0.49 < lo <= 0.9 and 40.0 <= hi < 51.0  # 0.5 .. 50, was 0.1 .. 100
    labels = [t.get_text() for t in ax.get_yticklabels(minor=True) if t.get_text() and lo <= t.get_position()[1] <= hi]
    assert len(labels) >= 3  # 2, 5, 20 between the decade labels


def test_a_linear_axis_never_uses_an_offset() -> None:
    x = np.arange(50, dtype=float)
    ax = _decorated(Panel(None, "step", "count", (Line("a", x, 1e6 + x / 100, "#000000"),)))
    assert ax.yaxis.get_major_formatter().get_offset() == ""
