"""A frame's decorations: everything of a panel but its ink (scales, limits, titles, labels,
ticks, grid, bars) and its legend, decided from the spec rather than from drawn artists, so a
frame can be drawn once and shared by every figure whose key matches (figures/draw.py)."""

from __future__ import annotations

import numpy as np

from reportgen.figures.ink import band_style, bar_style, line_style, mark_style, ref_style
from reportgen.figures.layout import shorten
from reportgen.figures.plan import Panel


def decorate(ax, panel: Panel, limits, small: bool) -> None:
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
            ax.bar(centers + (i - (n - 1) / 2) * width, group.values, width, label=group.label, **bar_style(group))
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
        shorten(ax.set_title(panel.title, fontsize=fontsize + 1, loc="left"), ax)
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


def legend_entries(panel: Panel) -> tuple[tuple, ...]:
    """(kind, label, style items) of each labelled thing in the panel, in the order they are
    drawn: kind "patch" or "line", the style as the artist is drawn."""
    if panel.bare or not panel.legend:
        return ()
    entries = (
        [("patch", band.label, band_style(band)) for band in panel.bands]
        + [("line", ln.label, line_style(ln)) for ln in panel.lines]
        + [("line", ref.label, ref_style(ref)) for ref in panel.reflines]
        + [("line", m.label, mark_style(m)) for m in panel.markers]
        + [("patch", group.label, bar_style(group)) for group in panel.bars]
    )
    return tuple((kind, label, tuple(style.items())) for kind, label, style in entries if label and not label.startswith("_"))


def _proxy(kind: str, style: tuple):
    """A stand-in that the legend draws exactly as it would draw the real artist's key."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return Patch(**dict(style)) if kind == "patch" else Line2D([], [], **dict(style))


def legend(ax, panel: Panel, small: bool) -> None:
    """The panel's legend, from the spec rather than from drawn artists, so it belongs to the
    frame: above the axes in as many columns as fit (never over a curve, and in the same place
    on every run of a sweep); to the right for many entries or beside a title."""
    entries = legend_entries(panel)
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
