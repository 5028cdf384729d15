"""The axis limits of a drawn panel, decided from its data before anything is drawn (so a
frame, figures/draw.py, can be drawn without the ink): x spans the data with matplotlib's 5%
margins; y is widened to round numbers, which also lets a sweep's runs share one frame. The
limits a page asks for (a diverged run's healthy range, figures/axis_rules.py) come in as a
panel's xlim and ylim and are kept."""

from __future__ import annotations

import numpy as np

from reportgen.figures.plan import Panel

# Matplotlib's axis arithmetic (span, margins, ticks) overflows near the float64 limit, so
# values beyond this are drawn at it: no reader can tell 1e300 from 1e308 on a plot anyway.
PLOT_LIMIT = 1e300
NICE = np.log10([1.0, 2.0, 5.0])


def drawable(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.clip(v, -PLOT_LIMIT, PLOT_LIMIT)  # NaN stays NaN (a gap)


def panel_limits(panel: Panel) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The panel's axis limits, decided from its data before anything is drawn (so a frame can
    be drawn without the ink): x spans the data with matplotlib's 5% margins; y is widened to
    round numbers, which also lets runs with similar curves share one frame. None for bar
    charts, which matplotlib lays out itself."""
    if panel.bars:
        return None
    xs, ys = [], []
    for line in panel.lines:
        x, y = drawable(line.x), drawable(line.y)
        both = np.isfinite(x) & np.isfinite(y)
        xs.append(x[both])
        ys.append(y[both])
    for band in panel.bands:
        x, lower, upper = drawable(band.x), drawable(band.lower), drawable(band.upper)
        shown = np.isfinite(x) & np.isfinite(lower) & np.isfinite(upper)
        xs.append(x[shown])
        ys.extend([lower[shown], upper[shown]])
    for m in panel.markers:
        if np.isfinite(m.x) and np.isfinite(m.y):
            xs.append(drawable(np.array([m.x])))
            ys.append(drawable(np.array([m.y])))
    for ref in panel.reflines:
        (ys if ref.orientation == "h" else xs).append(drawable(np.array([ref.value])))
    x = np.concatenate(xs) if xs else np.zeros(0)
    y = np.concatenate(ys) if ys else np.zeros(0)
    if panel.xscale == "log":
        x = x[x > 0]
    xlim = panel.xlim or span(x[np.isfinite(x)], panel.xscale, rounded=False)
    if panel.yscale == "log":
        y = y[y > 0]
    ylim = panel.ylim or span(y[np.isfinite(y)], panel.yscale, rounded=not panel.bare)
    return xlim, ylim


def span(values: np.ndarray, scale: str, rounded: bool) -> tuple[float, float]:
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
        return unlog(max(lo - 0.05 * span, -PLOT_LIMIT), min(hi + 0.05 * span, PLOT_LIMIT), scale)
    floor = 0.0 if scale == "linear" and lo >= 0 else -PLOT_LIMIT
    # no margin before rounding: a margin would push an accuracy that reaches 1.0 to 1.2, and a
    # loss down to 1.1e-4 to 1e-5 (matplotlib's round_numbers mode does the same)
    lo, hi = max(lo, floor), min(hi, PLOT_LIMIT)
    if scale == "log":
        # out to the next 1, 2 or 5 times a power of ten: never a whole empty decade of padding
        # (ticks between decades are labelled, see _log_ticks), and still round enough that
        # runs with similar curves share one frame
        return nice_log(lo, hi)
    ticks = MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    if ticks.size >= 2 and np.isfinite(ticks).all() and ticks[0] <= lo and ticks[-1] >= hi:
        lo, hi = max(float(ticks[0]), floor), float(ticks[-1])
    return (float(lo), float(hi))


def nice_log(lo: float, hi: float) -> tuple[float, float]:
    """(low, high) limits from log10 values: low down and high up to 1, 2 or 5 times a power of
    ten."""
    def snap(v: float, up: bool) -> float:
        decade = np.floor(v)
        marks = np.r_[decade + NICE, decade + 1.0]
        return float(marks[marks >= v - 1e-9].min() if up else marks[marks <= v + 1e-9].max())

    return float(10.0 ** snap(lo, False)), float(10.0 ** snap(hi, True))


def unlog(lo: float, hi: float, scale: str) -> tuple[float, float]:
    return (float(10.0**lo), float(10.0**hi)) if scale == "log" else (float(lo), float(hi))
