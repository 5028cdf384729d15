"""Drawing: a FigureSpec becomes PNG bytes, with matplotlib's object API (never pyplot: no global
state, safe in worker processes). What to draw is decided in figures/plan.py; this module only paints.

Three costs dominate a plot this size, and none is the plot itself: making a Figure with its
axes, the ticks and text of the axes, and a layout engine that measures everything twice. So a
`Painter` keeps one Figure per geometry, and draws each distinct *frame* (axes, ticks, labels,
titles, grid, legend, laid out in one measured pass, figures/layout.py) once: a spec's *ink*
(curves, bands, marks, reference lines) is drawn over a copy of its frame's pixels. Axis limits
and legends are decided from the spec before anything is drawn, so a frame never depends on
ink, and a sweep's runs share a handful of frames. A reused figure or frame gives the same
bytes as a fresh one (tests/test_drawing.py draws specs in every order to check).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from reportgen.figures import axis_limits, layout, png, svg
from reportgen.figures.decorations import decorate, legend, legend_entries
from reportgen.figures.ink import ink
from reportgen.figures.plan import FigureSpec

# Frames kept per figure geometry: a PNG frame is the figure's pixels (about 1 MB), an SVG
# frame its text (about 30 KB), so an SVG painter keeps every frame a large sweep draws.
MAX_FRAMES = {"png": 32, "svg": 1024}


@dataclass
class _Frame:
    """A drawn frame (see `_frame_key`): its pixels and where it put each axes, so ink can be
    drawn over it again later."""

    region: object  # matplotlib BufferRegion of the whole figure (PNG); svg.Frame (SVG)
    state: tuple  # _frame_state


@dataclass
class _Canvas:
    fig: object  # matplotlib.figure.Figure
    axes: np.ndarray  # (nrows, ncols) of Axes
    frames: dict = field(default_factory=dict)  # frame key -> _Frame, oldest first
    current: tuple | None = None  # key of the frame the axes are set up for now


class FrameShelf(Protocol):
    """Where SVG frames are shared between processes drawing one build's figures: one worker
    draws a frame, the others take it (figures only name frames; the build keeps the shelf)."""

    def get(self, name: str) -> bytes | None: ...

    def put(self, name: str, data: bytes) -> None: ...


class Painter:
    """Draws FigureSpecs, reusing one matplotlib Figure per geometry (size, dpi, grid) and the
    frames drawn on it. One Painter per process or batch of work; it is not thread-safe.
    `kind` "png" gives PNG bytes; "svg" the themed SVG rendition (drawn at 72 dpi, an SVG's
    point, on figures of its own), taking frames other processes drew from `shelf` when given."""

    def __init__(self, kind: str = "png", shelf: FrameShelf | None = None) -> None:
        self.kind = kind
        self.shelf = shelf if kind == "svg" else None
        self._canvases: dict[tuple, _Canvas] = {}

    def draw(self, spec: FigureSpec) -> bytes:
        """PNG (or SVG) bytes of `spec` (no timestamp or software metadata: the same spec gives
        the same bytes, whatever was drawn before)."""
        canvas = self._canvas(spec)
        try:
            return _paint(canvas, spec, self.kind == "svg", self.shelf)
        except Exception:
            # a figure left half-drawn must not be reused
            self._canvases.pop(_geometry(spec), None)
            raise

    def _canvas(self, spec: FigureSpec) -> _Canvas:
        key = _geometry(spec)
        canvas = self._canvases.get(key)
        if canvas is None:
            canvas = self._canvases[key] = _new_canvas(spec, 72.0 if self.kind == "svg" else spec.dpi)
        return canvas


def draw(spec: FigureSpec) -> bytes:
    """PNG bytes of a FigureSpec, on a figure of its own (a Painter is faster for many figures).
    The site shows figures as SVG (draw_svg); PNG is for thumbnails and raster checks."""
    return Painter().draw(spec)


def draw_svg(spec: FigureSpec) -> bytes:
    """The themed SVG of a FigureSpec (figures/svg.py): the one rendition of a figure the site
    holds, on a figure of its own."""
    return Painter("svg").draw(spec)


def draw_many(specs: Sequence[FigureSpec], kind: str = "svg") -> list[bytes]:
    """SVG (kind "png": PNG) bytes of each spec, in order, with this thread's Painter (shared_painter)."""
    painter = shared_painter(kind)
    return [painter.draw(s) for s in specs]


_local = threading.local()
_shelf: FrameShelf | None = None


def shared_painter(kind: str = "png") -> Painter:
    """One Painter of each kind per thread for the life of the process: a worker keeps its
    figures and frames from one batch of work to the next (a sweep's batches share most frames)."""
    painters = getattr(_local, "painters", None)
    if painters is None:
        painters = _local.painters = {}
    if kind not in painters:
        painters[kind] = Painter(kind, _shelf)
    return painters[kind]


def share_frames(shelf: FrameShelf | None) -> None:
    """Let this process's shared SVG painters take frames from `shelf` and put theirs there
    (None: stop sharing)."""
    global _shelf
    _shelf = shelf
    for painter in getattr(_local, "painters", {}).values():
        if painter.kind == "svg":
            painter.shelf = shelf


def _geometry(spec: FigureSpec) -> tuple:
    return (spec.width, spec.height, spec.dpi, _nrows(spec), spec.ncols, spec.height_ratios, _bare(spec))


def _nrows(spec: FigureSpec) -> int:
    return (len(spec.panels) + spec.ncols - 1) // spec.ncols


def _bare(spec: FigureSpec) -> bool:
    return all(p.bare for p in spec.panels)


def _small(spec: FigureSpec) -> bool:
    return len(spec.panels) > 1


def _new_canvas(spec: FigureSpec, dpi: float | None = None) -> _Canvas:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(spec.width, spec.height), dpi=dpi or spec.dpi)
    FigureCanvasAgg(fig)
    ratios = {"height_ratios": list(spec.height_ratios)} if spec.height_ratios else None
    axes = fig.subplots(_nrows(spec), spec.ncols, squeeze=False, gridspec_kw=ratios)
    return _Canvas(fig, axes)


def _clear(canvas: _Canvas) -> None:
    """Undo everything a paint may have changed, so the next spec starts as on a new figure."""
    from matplotlib.transforms import Bbox

    canvas.current = None
    for ax in canvas.axes.flat:
        for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images]:
            artist.remove()  # a frame's bars
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        ax.set_xscale("linear")
        ax.set_yscale("linear")
        ax.dataLim.set_points(Bbox.null().get_points())
        ax.ignore_existing_data_limits = True
        ax.set_xlim(0.0, 1.0)  # a new Axes' limits, which a panel without data keeps
        ax.set_ylim(0.0, 1.0)
        ax.autoscale(True)
        ax.set_title("", loc="left")
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.set_axis_on()
        ax.set_visible(True)
        ax.tick_params(labelrotation=0)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("center")


def _paint(canvas: _Canvas, spec: FigureSpec, vector: bool = False, shelf: FrameShelf | None = None) -> bytes:
    """The frame (axes, ticks, labels, titles, grid, legend, bars), drawn once per distinct
    frame and kept, then the spec's ink (curves, bands, marks, reference lines) drawn over a
    copy of it. A sweep's runs share a handful of frames, so most figures skip the costly part:
    ticks, text and layout. The result depends only on the spec: a frame is drawn from a
    cleared figure and ink always goes over a finished frame, whichever drew it."""
    fig = canvas.fig
    limits = [axis_limits.panel_limits(p) for p in spec.panels]
    key = _frame_key(spec, limits)
    frame = canvas.frames.get(key)
    name = _frame_name(key) if frame is None and shelf is not None else None
    if name is not None and (shared := shelf.get(name)) is not None:
        # drawn by another process: set the axes where that frame has them, for the ink
        frame = _keep(canvas, key, _frame_from_bytes(shared), vector)
        _set_frame_state(canvas, frame.state)
    elif frame is None:
        _clear(canvas)
        layout.start(fig)
        for ax, panel, lim in _panels(canvas, spec, limits):
            decorate(ax, panel, lim, _small(spec))
            legend(ax, panel, _small(spec))
        layout.finish(fig, canvas.axes, spec.dpi, _bare(spec))
        if _bare(spec):
            fig.patch.set_alpha(0.0)
        if vector:
            frame = _Frame(svg.render_frame(fig), _frame_state(canvas))
        else:
            fig.canvas.draw()
            frame = _Frame(fig.canvas.copy_from_bbox(fig.bbox), _frame_state(canvas))
        fig.patch.set_alpha(1.0)
        _keep(canvas, key, frame, vector)
        if name is not None:
            shelf.put(name, _frame_bytes(frame))
    elif canvas.current != key:
        _set_frame_state(canvas, frame.state)
    canvas.current = key
    artists = []
    for ax, panel, lim in _panels(canvas, spec, limits):
        if panel.bare:  # a bare frame is the same whatever the limits: set them for the ink
            ax.set_xlim(*lim[0])
            ax.set_ylim(*lim[1])
        artists += ink(ax, panel)  # drawn, never added to the axes: nothing to undo
    if vector:
        return svg.combine(frame.region, svg.render(fig, artists))
    fig.canvas.restore_region(frame.region)
    renderer = fig.canvas.get_renderer()
    for artist in artists:
        artist.draw(renderer)
    return _encode(fig, transparent=_bare(spec))


def _keep(canvas: _Canvas, key: tuple, frame: _Frame, vector: bool) -> _Frame:
    """Keep `frame` for figures to come, the oldest one going when the canvas holds its most."""
    if len(canvas.frames) >= MAX_FRAMES["svg" if vector else "png"]:
        del canvas.frames[next(iter(canvas.frames))]
    canvas.frames[key] = frame
    return frame


def _panels(canvas: _Canvas, spec: FigureSpec, limits: list):
    """(axes, panel, limits) of each drawn panel; axes beyond the last panel are hidden."""
    for i, ax in enumerate(canvas.axes.flat):
        if i >= len(spec.panels):
            ax.set_visible(False)
            continue
        yield ax, spec.panels[i], limits[i]


def _frame_key(spec: FigureSpec, limits: list) -> tuple:
    """Everything a frame's pixels depend on; two specs with the same key have the same frame."""
    panels = tuple(
        (p.title, p.xlabel, p.ylabel, p.yscale, p.bare, p.xticks, legend_entries(p), p.legend_outside,
         p.legend_cols, p.categories, tuple((b.label, tuple(b.values.tolist()), b.color, b.hatch) for b in p.bars),
         None if p.bare else lim, p.xscale, p.yticks)
        for p, lim in zip(spec.panels, limits)
    )
    return (_geometry(spec), panels)


def _frame_state(canvas: _Canvas) -> tuple:
    """Where a frame put its axes (the figure's subplot parameters) and each axes' visibility,
    scales and limits: what ink needs to land where the frame drew its axes."""
    sp = canvas.fig.subplotpars
    axes = tuple((ax.get_visible(), ax.get_xscale(), ax.get_yscale(), ax.get_xlim(), ax.get_ylim()) for ax in canvas.axes.flat)
    return (sp.left, sp.right, sp.bottom, sp.top, sp.wspace, sp.hspace), axes


def _set_frame_state(canvas: _Canvas, state: tuple) -> None:
    """Put the axes back where a frame had them; what already matches is left alone (a scale
    change resets the axis' tick machinery, the costly part). Positions go through the figure's
    subplot parameters, not Axes.set_position, which would take the axes out of the layout."""
    (left, right, bottom, top, wspace, hspace), axes = state
    canvas.fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top, wspace=wspace, hspace=hspace)
    for ax, (visible, xscale, yscale, xlim, ylim) in zip(canvas.axes.flat, axes):
        ax.set_visible(visible)
        if ax.get_xscale() != xscale:
            ax.set_xscale(xscale)
        if ax.get_yscale() != yscale:
            ax.set_yscale(yscale)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)


def _frame_name(key: tuple) -> str:
    """A frame's name on a shelf: the digest of its key (plain numbers, strings and tuples,
    whose repr is the same in every process)."""
    return hashlib.sha256(repr(key).encode("utf-8")).hexdigest()


def _frame_bytes(frame: _Frame) -> bytes:
    """An SVG frame as JSON: text and numbers only, read back by _frame_from_bytes."""
    region: svg.Frame = frame.region
    (params, axes) = frame.state
    plain = {"head": region.head, "style_at": region.style_at, "colors": sorted(region.colors),
             "params": [float(v) for v in params],
             "axes": [[bool(v), xs, ys, [float(a) for a in xl], [float(a) for a in yl]] for v, xs, ys, xl, yl in axes]}
    return json.dumps(plain).encode("utf-8")


def _frame_from_bytes(data: bytes) -> _Frame:
    plain = json.loads(data)
    axes = tuple((v, xs, ys, tuple(xl), tuple(yl)) for v, xs, ys, xl, yl in plain["axes"])
    region = svg.Frame(plain["head"], plain["style_at"], frozenset(plain["colors"]))
    return _Frame(region, (tuple(plain["params"]), axes))


def _encode(fig, transparent: bool) -> bytes:
    """PNG bytes of what the figure's canvas holds (figures/png.py): RGB for an opaque figure, RGBA for a
    transparent one."""
    return png.encode(np.asarray(fig.canvas.buffer_rgba()), alpha=transparent)


