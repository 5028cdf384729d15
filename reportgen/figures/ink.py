"""A panel's ink: its bands, curves, reference lines, marks and notes, as matplotlib artists
ready to draw over a finished frame (figures/draw.py), and how each kind of ink looks (the
same style for the artist and for its legend key)."""

from __future__ import annotations

import numpy as np

from reportgen.figures.axis_limits import drawable
from reportgen.figures.plan import Band, Bars, Line, Marker, Panel, RefLine


def ink(ax, panel: Panel) -> list:
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
        x, lower, upper = drawable(band.x), drawable(band.lower), drawable(band.upper)
        shown = np.isfinite(x) & np.isfinite(lower) & np.isfinite(upper)
        edges = np.flatnonzero(np.diff(np.r_[0, shown.astype(np.int8), 0]))
        for start, stop in zip(edges[::2], edges[1::2]):
            xs = x[start:stop]
            outline = np.concatenate([np.c_[xs, upper[start:stop]], np.c_[xs[::-1], lower[start:stop][::-1]]])
            artists.append(ready(Polygon(outline, closed=True, **band_style(band))))
    for ln in panel.lines:
        artists.append(line(drawable(ln.x), drawable(ln.y), markevery=ln.markevery, **line_style(ln)))
    for ref in panel.reflines:
        # as Axes.axhline / axvline: across the whole axes, whatever the limits
        if ref.orientation == "h":
            xy, transform = ([0.0, 1.0], [ref.value, ref.value]), ax.get_yaxis_transform(which="grid")
        else:
            xy, transform = ([ref.value, ref.value], [0.0, 1.0]), ax.get_xaxis_transform(which="grid")
        artists.append(line(*xy, transform=transform, **ref_style(ref)))
    for m in panel.markers:
        # a one-point line, not a scatter: the same mark (size is an area in pt², as
        # scatter's) at a fraction of a PathCollection's cost to make and draw
        artists.append(line(drawable(np.array([m.x])), drawable(np.array([m.y])), zorder=5, **mark_style(m)))
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
def line_style(ln: Line) -> dict:
    return dict(color=ln.color, linestyle=ln.linestyle, linewidth=ln.linewidth, alpha=ln.alpha, marker=ln.marker,
                markersize=4, drawstyle=ln.drawstyle)


def ref_style(ref: RefLine) -> dict:
    return dict(color=ref.color, linestyle=ref.linestyle, linewidth=1.0)


def mark_style(m: Marker) -> dict:
    return dict(linestyle="none", marker=m.marker, markersize=float(np.sqrt(m.size)), color=m.color,
                markeredgecolor="white", markeredgewidth=0.6)


def band_style(band: Band) -> dict:
    return dict(facecolor=band.color, alpha=band.alpha, linewidth=0)


def bar_style(group: Bars) -> dict:
    return dict(facecolor=group.color, hatch=group.hatch, edgecolor="white", linewidth=0.5)
