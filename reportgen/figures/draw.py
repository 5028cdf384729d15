"""Drawing: a FigureSpec becomes PNG bytes, with matplotlib's object API (never pyplot: no global
state, safe in worker processes). What to draw is decided in figures/plan.py; this module only paints.

Three costs dominate a plot this size, and none is the plot itself: making a Figure with its
axes, the ticks and text of the axes, and a layout engine that measures everything twice. So a
`Painter` keeps one Figure per geometry, and draws each distinct *frame* (axes, ticks, labels,
titles, grid, legend, laid out in one measured pass, `_fit_margins`) once: a spec's *ink*
(curves, bands, marks, reference lines) is drawn over a copy of its frame's pixels. Axis limits
and legends are decided from the spec before anything is drawn, so a frame never depends on
ink, and a sweep's runs share a handful of frames. A reused figure or frame gives the same
bytes as a fresh one (tests/test_drawing.py draws specs in every order to check).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from reportgen.figures import png, svg
from reportgen.figures.plan import Band, Bars, FigureSpec, Line, Marker, Panel, RefLine

# Empty space around the decorations, in points: at the figure's edge and between panels.
EDGE_PAD_PT = 4.0
PANEL_GAP_PT = 10.0
# Matplotlib's axis arithmetic (span, margins, ticks) overflows near the float64 limit, so
# values beyond this are drawn at it: no reader can tell 1e300 from 1e308 on a plot anyway.
PLOT_LIMIT = 1e300
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


class Painter:
    """Draws FigureSpecs, reusing one matplotlib Figure per geometry (size, dpi, grid) and the
    frames drawn on it. One Painter per process or batch of work; it is not thread-safe.
    `kind` "png" gives PNG bytes; "svg" the themed SVG rendition (drawn at 72 dpi, an SVG's
    point, on figures of its own)."""

    def __init__(self, kind: str = "png") -> None:
        self.kind = kind
        self._canvases: dict[tuple, _Canvas] = {}

    def draw(self, spec: FigureSpec) -> bytes:
        """PNG (or SVG) bytes of `spec` (no timestamp or software metadata: the same spec gives
        the same bytes, whatever was drawn before)."""
        canvas = self._canvas(spec)
        try:
            return _paint(canvas, spec, self.kind == "svg")
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


def shared_painter(kind: str = "png") -> Painter:
    """One Painter of each kind per thread for the life of the process: a worker keeps its
    figures and frames from one batch of work to the next (a sweep's batches share most frames)."""
    painters = getattr(_local, "painters", None)
    if painters is None:
        painters = _local.painters = {}
    if kind not in painters:
        painters[kind] = Painter(kind)
    return painters[kind]


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


def _paint(canvas: _Canvas, spec: FigureSpec, vector: bool = False) -> bytes:
    """The frame (axes, ticks, labels, titles, grid, legend, bars), drawn once per distinct
    frame and kept, then the spec's ink (curves, bands, marks, reference lines) drawn over a
    copy of it. A sweep's runs share a handful of frames, so most figures skip the costly part:
    ticks, text and layout. The result depends only on the spec: a frame is drawn from a
    cleared figure and ink always goes over a finished frame, whichever drew it."""
    fig = canvas.fig
    limits = [_limits(p) for p in spec.panels]
    key = _frame_key(spec, limits)
    frame = canvas.frames.get(key)
    if frame is None:
        _clear(canvas)
        _start_layout(canvas)
        for ax, panel, lim in _panels(canvas, spec, limits):
            _decorate(ax, panel, lim, _small(spec))
            _legend(ax, panel, _small(spec))
        _finish_layout(canvas, spec)
        if _bare(spec):
            fig.patch.set_alpha(0.0)
        if vector:
            frame = _Frame(svg.render_frame(fig), _frame_state(canvas))
        else:
            fig.canvas.draw()
            frame = _Frame(fig.canvas.copy_from_bbox(fig.bbox), _frame_state(canvas))
        fig.patch.set_alpha(1.0)
        if len(canvas.frames) >= MAX_FRAMES["svg" if vector else "png"]:
            del canvas.frames[next(iter(canvas.frames))]
        canvas.frames[key] = frame
    elif canvas.current != key:
        _set_frame_state(canvas, frame.state)
    canvas.current = key
    ink = []
    for ax, panel, lim in _panels(canvas, spec, limits):
        if panel.bare:  # a bare frame is the same whatever the limits: set them for the ink
            ax.set_xlim(*lim[0])
            ax.set_ylim(*lim[1])
        ink += _ink(ax, panel)  # drawn, never added to the axes: nothing to undo
    if vector:
        return svg.combine(frame.region, svg.render(fig, ink))
    fig.canvas.restore_region(frame.region)
    renderer = fig.canvas.get_renderer()
    for artist in ink:
        artist.draw(renderer)
    return _encode(fig, transparent=_bare(spec))


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
        (p.title, p.xlabel, p.ylabel, p.yscale, p.bare, p.xticks, _legend_entries(p), p.legend_outside,
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


def _start_layout(canvas: _Canvas) -> None:
    canvas.fig.subplots_adjust(left=0.1, right=0.97, bottom=0.14, top=0.95, wspace=0.3, hspace=0.45)


def _finish_layout(canvas: _Canvas, spec: FigureSpec) -> None:
    if _bare(spec):
        canvas.fig.subplots_adjust(0.02, 0.05, 0.98, 0.95)
    else:
        _fit_margins(canvas, spec)


def _encode(fig, transparent: bool) -> bytes:
    """PNG bytes of what the figure's canvas holds (figures/png.py): RGB for an opaque figure, RGBA for a
    transparent one."""
    return png.encode(np.asarray(fig.canvas.buffer_rgba()), alpha=transparent)


def _fit_margins(canvas: _Canvas, spec: FigureSpec) -> None:
    """Place the axes so every panel's decorations (tick labels, axis labels, title, an outside
    legend) fit inside the figure and beside each other, measured once from the margins _paint
    starts with (close to the usual result; the new size may move a tick, the pads leave room
    for that)."""
    _apply(canvas, spec, _overhangs(canvas))


def _shorten(text, ax) -> None:
    """A panel title (a metric's name, user text) wider than its panel ends in an ellipsis: the
    whole name is in the figure's alt text and data table."""
    renderer = ax.figure.canvas.get_renderer()
    room = ax.get_window_extent(renderer).width
    title = text.get_text()
    if text.get_window_extent(renderer).width <= room:
        return
    lo, hi = 1, len(title)  # longest prefix that fits with its ellipsis
    while lo < hi:
        mid = (lo + hi + 1) // 2
        text.set_text(title[:mid] + "…")
        lo, hi = (mid, hi) if text.get_window_extent(renderer).width <= room else (lo, mid - 1)
    text.set_text(title[:lo] + "…")


def _overhangs(canvas: _Canvas) -> dict[str, float]:
    """Pixels the decorations reach beyond the axes: at the figure's four sides and, the worst
    case, between neighbouring columns and rows."""
    renderer = canvas.fig.canvas.get_renderer()
    nrows, ncols = canvas.axes.shape
    out = dict(left=0.0, right=0.0, bottom=0.0, top=0.0, wgap=0.0, hgap=0.0)
    reach: dict[tuple[int, int], tuple[float, float, float, float]] = {}
    for (r, c), ax in np.ndenumerate(canvas.axes):
        if not ax.get_visible():
            continue
        box = ax.get_window_extent(renderer)
        # tick labels, axis labels and titles; no plotted artist (they stay inside the axes)
        parts = [ax.get_tightbbox(renderer, bbox_extra_artists=[], for_layout_only=True)]
        legend = ax.get_legend()
        if legend is not None:
            parts.append(legend.get_window_extent(renderer))
        x0 = min([box.x0] + [p.x0 for p in parts if p is not None])
        x1 = max([box.x1] + [p.x1 for p in parts if p is not None])
        y0 = min([box.y0] + [p.y0 for p in parts if p is not None])
        y1 = max([box.y1] + [p.y1 for p in parts if p is not None])
        reach[(r, c)] = (box.x0 - x0, x1 - box.x1, box.y0 - y0, y1 - box.y1)
    for (r, c), (left, right, bottom, top) in reach.items():
        if c == 0:
            out["left"] = max(out["left"], left)
        if c == ncols - 1 or (r, c + 1) not in reach:
            out["right"] = max(out["right"], right)
        else:
            out["wgap"] = max(out["wgap"], right + reach[(r, c + 1)][0])
        if r == 0:
            out["top"] = max(out["top"], top)
        if r == nrows - 1 or (r + 1, c) not in reach:
            out["bottom"] = max(out["bottom"], bottom)
        else:
            out["hgap"] = max(out["hgap"], bottom + reach[(r + 1, c)][3])
    return out


def _apply(canvas: _Canvas, spec: FigureSpec, need: dict[str, float]) -> None:
    fig = canvas.fig
    nrows, ncols = canvas.axes.shape
    width, height = fig.bbox.width, fig.bbox.height
    px = spec.dpi / 72.0
    edge, gap = EDGE_PAD_PT * px, PANEL_GAP_PT * px
    left = (need["left"] + edge) / width
    right = 1 - (need["right"] + edge) / width
    bottom = (need["bottom"] + edge) / height
    top = 1 - (need["top"] + edge) / height
    # keep at least a fifth of the figure for the plot, whatever the labels ask for
    left, right = min(left, 0.4), max(right, 0.6)
    bottom, top = min(bottom, 0.4), max(top, 0.6)
    axes_w = ((right - left) * width - (ncols - 1) * (need["wgap"] + gap)) / ncols
    axes_h = ((top - bottom) * height - (nrows - 1) * (need["hgap"] + gap)) / nrows
    wspace = (need["wgap"] + gap) / max(axes_w, 1.0)
    hspace = (need["hgap"] + gap) / max(axes_h, 1.0)
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top, wspace=wspace, hspace=hspace)


def _drawable(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.clip(v, -PLOT_LIMIT, PLOT_LIMIT)  # NaN stays NaN (a gap)


def _limits(panel: Panel) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The panel's axis limits, decided from its data before anything is drawn (so a frame can
    be drawn without the ink): x spans the data with matplotlib's 5% margins; y is widened to
    round numbers, which also lets runs with similar curves share one frame. None for bar
    charts, which matplotlib lays out itself."""
    if panel.bars:
        return None
    xs, ys = [], []
    for line in panel.lines:
        x, y = _drawable(line.x), _drawable(line.y)
        both = np.isfinite(x) & np.isfinite(y)
        xs.append(x[both])
        ys.append(y[both])
    for band in panel.bands:
        x, lower, upper = _drawable(band.x), _drawable(band.lower), _drawable(band.upper)
        shown = np.isfinite(x) & np.isfinite(lower) & np.isfinite(upper)
        xs.append(x[shown])
        ys.extend([lower[shown], upper[shown]])
    for m in panel.markers:
        if np.isfinite(m.x) and np.isfinite(m.y):
            xs.append(_drawable(np.array([m.x])))
            ys.append(_drawable(np.array([m.y])))
    for ref in panel.reflines:
        (ys if ref.orientation == "h" else xs).append(_drawable(np.array([ref.value])))
    x = np.concatenate(xs) if xs else np.zeros(0)
    y = np.concatenate(ys) if ys else np.zeros(0)
    if panel.xscale == "log":
        x = x[x > 0]
    xlim = panel.xlim or _span(x[np.isfinite(x)], panel.xscale, rounded=False)
    if panel.yscale == "log":
        y = y[y > 0]
    ylim = panel.ylim or _span(y[np.isfinite(y)], panel.yscale, rounded=not panel.bare)
    return xlim, ylim


def _span(values: np.ndarray, scale: str, rounded: bool) -> tuple[float, float]:
    """Limits holding `values`: matplotlib's 5% margins when not `rounded`; else the data's range
    widened to the next round numbers (whole decades on a log axis), never below zero for data
    that is not (a loss axis starts at 0, not at -0.5)."""
    from matplotlib.ticker import MaxNLocator

    if values.size == 0:
        return (0.0, 1.0)  # a new Axes' limits
    lo, hi = float(values.min()), float(values.max())
    if scale == "log":
        lo, hi = np.log10(lo), np.log10(hi)
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi)):  # one value: a span around it, as matplotlib's
        lo, hi = (lo - 0.05 * abs(lo), hi + 0.05 * abs(hi)) if hi else (-0.05, 0.05)
    span = hi - lo if np.isfinite(hi - lo) else 0.0
    if not rounded:
        return _unlog(max(lo - 0.05 * span, -PLOT_LIMIT), min(hi + 0.05 * span, PLOT_LIMIT), scale)
    floor = 0.0 if scale == "linear" and lo >= 0 else -PLOT_LIMIT
    # no margin before rounding: a margin would push an accuracy that reaches 1.0 to 1.2, and a
    # loss down to 1.1e-4 to 1e-5 (matplotlib's round_numbers mode does the same)
    lo, hi = max(lo, floor), min(hi, PLOT_LIMIT)
    if scale == "log":
        # out to the next 1, 2 or 5 times a power of ten: never a whole empty decade of padding
        # (ticks between decades are labelled, see _log_ticks), and still round enough that
        # runs with similar curves share one frame
        return _nice_log(lo, hi)
    ticks = MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    if ticks.size >= 2 and np.isfinite(ticks).all() and ticks[0] <= lo and ticks[-1] >= hi:
        lo, hi = max(float(ticks[0]), floor), float(ticks[-1])
    return (float(lo), float(hi))


_NICE = np.log10([1.0, 2.0, 5.0])


def _nice_log(lo: float, hi: float) -> tuple[float, float]:
    """(low, high) limits from log10 values: low down and high up to 1, 2 or 5 times a power of
    ten."""
    def snap(v: float, up: bool) -> float:
        decade = np.floor(v)
        marks = np.r_[decade + _NICE, decade + 1.0]
        return float(marks[marks >= v - 1e-9].min() if up else marks[marks <= v + 1e-9].max())

    return float(10.0 ** snap(lo, False)), float(10.0 ** snap(hi, True))


def _unlog(lo: float, hi: float, scale: str) -> tuple[float, float]:
    return (float(10.0**lo), float(10.0**hi)) if scale == "log" else (float(lo), float(hi))


def _decorate(ax, panel: Panel, limits, small: bool) -> None:
    """Everything of a panel but its ink: scale, limits, titles, labels, ticks, grid (and bars,
    which set the ticks)."""
    if panel.yscale == "log":
        ax.set_yscale("log")
    if panel.xscale == "log":
        ax.set_xscale("log")
    if panel.bars:
        n = len(panel.bars)
        width = 0.8 / n
        centers = np.arange(len(panel.categories), dtype=float)
        for i, group in enumerate(panel.bars):
            ax.bar(centers + (i - (n - 1) / 2) * width, group.values, width, label=group.label, **_bar_style(group))
        crowded = sum(len(c) for c in panel.categories) > 40  # long names would overlap
        ax.set_xticks(centers, panel.categories, rotation=40 if crowded else 0, ha="right" if crowded else "center")
    if limits is not None:
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
    if panel.bare:
        ax.set_axis_off()
        return
    fontsize = 8 if small else 9
    if panel.title:
        _shorten(ax.set_title(panel.title, fontsize=fontsize + 1, loc="left"), ax)
    ax.set_xlabel(panel.xlabel, fontsize=fontsize)
    ax.set_ylabel(panel.ylabel, fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 1)
    if panel.yscale == "log":
        _log_ticks(ax, limits)
    elif not panel.bars and limits is not None:
        # never a "1e34" or "+1e6" above the axis with a flat line under it: tick labels carry
        # their own values; a shared power of ten only where the values really span its scale
        lo, hi = limits[1]
        size = max(abs(lo), abs(hi))
        spread = hi - lo >= 0.1 * size and (size >= 1e5 or size < 1e-3)
        ax.ticklabel_format(axis="y", style="sci" if spread else "plain", scilimits=(-3, 4), useOffset=False)
    ax.grid(True, axis="y" if panel.bars else "both", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if panel.xticks is not None:
        ax.set_xticks([t for t, _ in panel.xticks], [label for _, label in panel.xticks])
        ax.grid(False, axis="x")
        if limits is not None:
            ax.set_xlim(*limits[0])  # set_xticks may widen them
    _sweep_axes(ax, panel, limits)


def _sweep_axes(ax, panel: Panel, limits) -> None:
    """A log x axis labelled between decades when it spans few (as _log_ticks does for y), and
    named y positions: what sweep figures add to the frame."""
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

    if panel.xscale == "log" and limits is not None and limits[0][0] > 0:
        decades = np.log10(limits[0][1] / limits[0][0])
        ax.xaxis.set_major_locator(LogLocator(base=10.0))
        if decades < 2.5:
            ax.xaxis.set_minor_locator(LogLocator(base=10.0, subs=(2.0, 5.0)))
            ax.xaxis.set_minor_formatter(LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(3, 3)))
        else:
            ax.xaxis.set_minor_locator(LogLocator(base=10.0, subs=tuple(range(2, 10))))
            ax.xaxis.set_minor_formatter(NullFormatter())
    if panel.yticks is not None:
        ax.set_yticks([t for t, _ in panel.yticks], [label for _, label in panel.yticks])
        ax.set_yticks([], minor=True)
        if limits is not None:
            ax.set_ylim(*limits[1])


def _log_ticks(ax, limits) -> None:
    """On a log axis spanning few decades, label the ticks between the decades too (2, 5, ...),
    so a reader never has to guess a value from one or two decade labels."""
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

    decades = np.log10(limits[1][1] / limits[1][0]) if limits is not None and limits[1][0] > 0 else 99.0
    ax.yaxis.set_major_locator(LogLocator(base=10.0))
    if decades < 2.5:
        ax.yaxis.set_minor_locator(LogLocator(base=10.0, subs=(2.0, 5.0)))
        ax.yaxis.set_minor_formatter(LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(3, 3)))
    else:
        ax.yaxis.set_minor_locator(LogLocator(base=10.0, subs=tuple(range(2, 10))))
        ax.yaxis.set_minor_formatter(NullFormatter())


def _ink(ax, panel: Panel) -> list:
    """The panel's data: bands, curves, reference lines and marks, in drawing order, made
    ready to draw on `ax` but not added to it (Axes.plot's and fill_between's bookkeeping, data
    limits and legend handles, is not needed here and costs more than the drawing)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon

    def ready(artist, transform=None):
        artist.set_figure(ax.figure)
        artist.set_transform(transform or ax.transData)
        artist.axes = ax
        artist.set_clip_path(ax.patch)
        return artist

    def line(x, y, transform=None, **style) -> Line2D:
        return ready(Line2D(x, y, **style), transform)

    artists: list = []
    for band in panel.bands:
        # one polygon per stretch where both edges are known (as fill_between's `where`)
        x, lower, upper = _drawable(band.x), _drawable(band.lower), _drawable(band.upper)
        shown = np.isfinite(x) & np.isfinite(lower) & np.isfinite(upper)
        edges = np.flatnonzero(np.diff(np.r_[0, shown.astype(np.int8), 0]))
        for start, stop in zip(edges[::2], edges[1::2]):
            xs = x[start:stop]
            outline = np.concatenate([np.c_[xs, upper[start:stop]], np.c_[xs[::-1], lower[start:stop][::-1]]])
            artists.append(ready(Polygon(outline, closed=True, **_band_style(band))))
    for ln in panel.lines:
        artists.append(line(_drawable(ln.x), _drawable(ln.y), markevery=ln.markevery, **_line_style(ln)))
    for ref in panel.reflines:
        # as Axes.axhline / axvline: across the whole axes, whatever the limits
        if ref.orientation == "h":
            xy, transform = ([0.0, 1.0], [ref.value, ref.value]), ax.get_yaxis_transform(which="grid")
        else:
            xy, transform = ([ref.value, ref.value], [0.0, 1.0]), ax.get_xaxis_transform(which="grid")
        artists.append(line(*xy, transform=transform, **_ref_style(ref)))
    for m in panel.markers:
        # a one-point line, not a scatter: the same mark (size is an area in pt², as
        # scatter's) at a fraction of a PathCollection's cost to make and draw
        artists.append(line(_drawable(np.array([m.x])), _drawable(np.array([m.y])), zorder=5, **_mark_style(m)))
    if panel.notes:
        from matplotlib.text import Text
        from matplotlib.transforms import ScaledTranslation

        # a few points up and right of the point, so the text never sits on its mark
        shifted = ax.transData + ScaledTranslation(3 / 72, 3 / 72, ax.figure.dpi_scale_trans)
        for note in panel.notes:
            artists.append(ready(Text(note.x, note.y, note.text, color=note.color, fontsize=7, zorder=6), shifted))
    # the order Axes.draw uses: by zorder, then as added
    return sorted(artists, key=lambda artist: artist.get_zorder())


# How each kind of ink looks: one place for the artist drawn and for its legend key.
def _line_style(ln: Line) -> dict:
    return dict(color=ln.color, linestyle=ln.linestyle, linewidth=ln.linewidth, alpha=ln.alpha, marker=ln.marker,
                markersize=4, drawstyle=ln.drawstyle)


def _ref_style(ref: RefLine) -> dict:
    return dict(color=ref.color, linestyle=ref.linestyle, linewidth=1.0)


def _mark_style(m: Marker) -> dict:
    return dict(linestyle="none", marker=m.marker, markersize=float(np.sqrt(m.size)), color=m.color,
                markeredgecolor="white", markeredgewidth=0.6)


def _band_style(band: Band) -> dict:
    return dict(facecolor=band.color, alpha=band.alpha, linewidth=0)


def _bar_style(group: Bars) -> dict:
    return dict(facecolor=group.color, hatch=group.hatch, edgecolor="white", linewidth=0.5)


def _legend_entries(panel: Panel) -> tuple[tuple, ...]:
    """(kind, label, style items) of each labelled thing in the panel, in the order they are
    drawn: kind "patch" or "line", the style as the artist is drawn."""
    if panel.bare or not panel.legend:
        return ()
    entries = (
        [("patch", band.label, _band_style(band)) for band in panel.bands]
        + [("line", ln.label, _line_style(ln)) for ln in panel.lines]
        + [("line", ref.label, _ref_style(ref)) for ref in panel.reflines]
        + [("line", m.label, _mark_style(m)) for m in panel.markers]
        + [("patch", group.label, _bar_style(group)) for group in panel.bars]
    )
    return tuple((kind, label, tuple(style.items())) for kind, label, style in entries if label and not label.startswith("_"))


def _proxy(kind: str, style: tuple):
    """A stand-in that the legend draws exactly as it would draw the real artist's key."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return Patch(**dict(style)) if kind == "patch" else Line2D([], [], **dict(style))


def _legend(ax, panel: Panel, small: bool) -> None:
    """The panel's legend, from the spec rather than from drawn artists, so it belongs to the
    frame: above the axes in as many columns as fit (never over a curve, and in the same place
    on every run of a sweep); to the right for many entries or beside a title."""
    entries = _legend_entries(panel)
    if not entries:
        return
    handles = [_proxy(kind, style) for kind, _, style in entries]
    labels = [label for _, label, _ in entries]
    fontsize = (8 if small else 9) - 1
    if panel.legend_outside or panel.title:
        ax.legend(handles, labels, fontsize=fontsize, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  ncols=panel.legend_cols, borderaxespad=0.0, handlelength=2.6)
        return
    renderer = ax.figure.canvas.get_renderer()
    room = ax.get_window_extent(renderer).width
    for ncols in sorted({-(-len(entries) // rows) for rows in range(1, len(entries) + 1)}, reverse=True):
        legend = ax.legend(handles, labels, fontsize=fontsize, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.02),
                           ncols=ncols, borderaxespad=0.0, handlelength=2.6, columnspacing=1.6)
        if ncols == 1 or legend.get_window_extent(renderer).width <= room:
            return
