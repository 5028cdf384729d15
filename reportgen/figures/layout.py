"""Where a frame's axes go: margins measured from what the decorations (tick labels, axis
labels, titles, an outside legend) need, in one pass, and titles too wide for their panel
shortened."""

from __future__ import annotations

import numpy as np

# Empty space around the decorations, in points: at the figure's edge and between panels.
EDGE_PAD_PT = 4.0
PANEL_GAP_PT = 10.0


def start(fig) -> None:
    """The margins a frame is first laid out with, before fit_margins measures it."""
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.14, top=0.95, wspace=0.3, hspace=0.45)


def finish(fig, axes: np.ndarray, dpi: float, bare: bool) -> None:
    """The final margins: a bare figure (a thumbnail) all but fills its canvas."""
    if bare:
        fig.subplots_adjust(0.02, 0.05, 0.98, 0.95)
    else:
        fit_margins(fig, axes, dpi)


def fit_margins(fig, axes: np.ndarray, dpi: float) -> None:
    """Place the axes so every panel's decorations (tick labels, axis labels, title, an outside
    legend) fit inside the figure and beside each other, measured once from the margins _paint
    starts with (close to the usual result; the new size may move a tick, the pads leave room
    for that)."""
    _apply(fig, axes, dpi, _overhangs(fig, axes))


def shorten(text, ax) -> None:
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


def _overhangs(fig, axes: np.ndarray) -> dict[str, float]:
    """Pixels the decorations reach beyond the axes: at the figure's four sides and, the worst
    case, between neighbouring columns and rows."""
    renderer = fig.canvas.get_renderer()
    nrows, ncols = axes.shape
    out = dict(left=0.0, right=0.0, bottom=0.0, top=0.0, wgap=0.0, hgap=0.0)
    reach: dict[tuple[int, int], tuple[float, float, float, float]] = {}
    for (r, c), ax in np.ndenumerate(axes):
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


def _apply(fig, axes: np.ndarray, dpi: float, need: dict[str, float]) -> None:
    nrows, ncols = axes.shape
    width, height = fig.bbox.width, fig.bbox.height
    px = dpi / 72.0
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
