"""Drawing: a FigureSpec becomes PNG bytes, with matplotlib's object API (never pyplot: no global
state, safe in worker processes). What to draw is decided in figures.py; this module only paints.

Two costs dominate a plot this size, and neither is the plot itself: making a Figure with its
axes (every tick, spine and text object), and a general layout engine that measures everything
twice. So a `Painter` keeps one Figure per geometry and reuses it, clearing only what a spec
added, and lays the axes out in one measured pass (`_fit_margins`): the overhang of each axes'
tick labels, axis labels, title and outside legend decides the margins. A reused figure gives
the same bytes as a fresh one (tests/test_drawing.py draws specs in every order to check).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.figures import FigureSpec, Panel

# Empty space around the decorations, in points: at the figure's edge and between panels.
EDGE_PAD_PT = 4.0
PANEL_GAP_PT = 10.0
# Matplotlib's axis arithmetic (span, margins, ticks) overflows near the float64 limit, so
# values beyond this are drawn at it: no reader can tell 1e300 from 1e308 on a plot anyway.
PLOT_LIMIT = 1e300


@dataclass
class _Canvas:
    fig: object  # matplotlib.figure.Figure
    axes: np.ndarray  # (nrows, ncols) of Axes


class Painter:
    """Draws FigureSpecs, reusing one matplotlib Figure per geometry (size, dpi, grid). One
    Painter per process or batch of work; it is not thread-safe."""

    def __init__(self) -> None:
        self._canvases: dict[tuple, _Canvas] = {}

    def draw(self, spec: FigureSpec) -> bytes:
        """PNG bytes of `spec` (no timestamp or software metadata: the same spec gives the same
        bytes, whatever was drawn before)."""
        canvas = self._canvas(spec)
        try:
            return _paint(canvas, spec)
        except Exception:
            # a figure left half-drawn must not be reused
            self._canvases.pop(_geometry(spec), None)
            raise
        finally:
            _clear(canvas)

    def _canvas(self, spec: FigureSpec) -> _Canvas:
        key = _geometry(spec)
        canvas = self._canvases.get(key)
        if canvas is None:
            canvas = self._canvases[key] = _new_canvas(spec)
        return canvas


def draw(spec: FigureSpec) -> bytes:
    """PNG bytes of `spec`, on a figure of its own (a Painter is faster for many figures)."""
    return Painter().draw(spec)


def draw_many(specs: Sequence[FigureSpec]) -> list[bytes]:
    """PNG bytes of each spec, in order, sharing one Painter."""
    painter = Painter()
    return [painter.draw(spec) for spec in specs]


def _geometry(spec: FigureSpec) -> tuple:
    return (spec.width, spec.height, spec.dpi, _nrows(spec), spec.ncols, spec.height_ratios, _bare(spec))


def _nrows(spec: FigureSpec) -> int:
    return (len(spec.panels) + spec.ncols - 1) // spec.ncols


def _bare(spec: FigureSpec) -> bool:
    return all(p.bare for p in spec.panels)


def _new_canvas(spec: FigureSpec) -> _Canvas:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(spec.width, spec.height), dpi=spec.dpi)
    FigureCanvasAgg(fig)
    ratios = {"height_ratios": list(spec.height_ratios)} if spec.height_ratios else None
    axes = fig.subplots(_nrows(spec), spec.ncols, squeeze=False, gridspec_kw=ratios)
    return _Canvas(fig, axes)


def _clear(canvas: _Canvas) -> None:
    """Undo everything `_paint` may have changed, so the next spec starts as on a new figure."""
    from matplotlib.transforms import Bbox

    for ax in canvas.axes.flat:
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images]:
            artist.remove()
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


def _paint(canvas: _Canvas, spec: FigureSpec) -> bytes:
    fig = canvas.fig
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.14, top=0.95, wspace=0.3, hspace=0.45)
    for i, ax in enumerate(canvas.axes.flat):
        if i >= len(spec.panels):
            ax.set_visible(False)
            continue
        _draw_panel(ax, spec.panels[i], small=len(spec.panels) > 1)
    if _bare(spec):
        fig.subplots_adjust(0.02, 0.05, 0.98, 0.95)
    else:
        _fit_margins(canvas, spec)
    return _png(fig, transparent=_bare(spec))


def _png(fig, transparent: bool) -> bytes:
    """PNG bytes of the drawn figure, without metadata. An opaque figure is stored as RGB at zlib
    level 3: the same pixels as matplotlib's RGBA at level 6, in less than two thirds of the time
    and about the same size."""
    from PIL import Image

    if transparent:
        fig.patch.set_alpha(0.0)
    fig.canvas.draw()
    image = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    if not transparent:
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=3)
    if transparent:
        fig.patch.set_alpha(1.0)
    return buf.getvalue()


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


def _draw_panel(ax, panel: Panel, small: bool) -> None:
    for band in panel.bands:
        shown = np.isfinite(band.lower) & np.isfinite(band.upper)
        ax.fill_between(band.x, np.where(shown, band.lower, 0.0), np.where(shown, band.upper, 0.0), where=shown,
                        color=band.color, alpha=band.alpha, linewidth=0, label=band.label, interpolate=False)
    for line in panel.lines:
        ax.plot(_drawable(line.x), _drawable(line.y), color=line.color, linestyle=line.linestyle, linewidth=line.linewidth,
                alpha=line.alpha, label=line.label, marker=line.marker, markersize=4, markevery=line.markevery,
                drawstyle=line.drawstyle)
    for ref in panel.reflines:
        draw_ref = ax.axhline if ref.orientation == "h" else ax.axvline
        draw_ref(ref.value, color=ref.color, linestyle=ref.linestyle, linewidth=1.0, label=ref.label or None)
    if panel.bars:
        n = len(panel.bars)
        width = 0.8 / n
        centers = np.arange(len(panel.categories), dtype=float)
        for i, group in enumerate(panel.bars):
            ax.bar(centers + (i - (n - 1) / 2) * width, group.values, width, label=group.label,
                   color=group.color, hatch=group.hatch, edgecolor="white", linewidth=0.5)
        crowded = sum(len(c) for c in panel.categories) > 40  # long names would overlap
        ax.set_xticks(centers, panel.categories, rotation=40 if crowded else 0, ha="right" if crowded else "center")
    for m in panel.markers:
        # a one-point Line2D, not a scatter: the same mark (size is an area in pt², as
        # scatter's) at a fraction of a PathCollection's cost to make, draw and put in a legend
        ax.plot(_drawable(np.array([m.x])), _drawable(np.array([m.y])), linestyle="none", marker=m.marker,
                markersize=float(np.sqrt(m.size)), color=m.color, markeredgecolor="white", markeredgewidth=0.6,
                label=m.label or None, zorder=5)
    if panel.yscale == "log":
        ax.set_yscale("log")
    if panel.bare:
        ax.set_axis_off()
        return
    fontsize = 8 if small else 9
    if panel.title:
        _shorten(ax.set_title(panel.title, fontsize=fontsize + 1, loc="left"), ax)
    ax.set_xlabel(panel.xlabel, fontsize=fontsize)
    ax.set_ylabel(panel.ylabel, fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 1)
    ax.grid(True, axis="y" if panel.bars else "both", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if panel.xticks is not None:
        ax.set_xticks([t for t, _ in panel.xticks], [label for _, label in panel.xticks])
        ax.grid(False, axis="x")
    if panel.xlim is not None:
        ax.set_xlim(*panel.xlim)
    if panel.ylim is not None:
        ax.set_ylim(*panel.ylim)
    if panel.legend and any(h.get_label() and not h.get_label().startswith("_") for h in ax.get_legend_handles_labels()[0]):
        if panel.legend_outside:
            ax.legend(fontsize=fontsize - 1, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                      ncols=panel.legend_cols, borderaxespad=0.0, handlelength=2.6)
        else:
            ax.legend(fontsize=fontsize - 1, frameon=False, loc="best")
