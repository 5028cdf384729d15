"""Axis rules: how a figure's axes are chosen from what its page must show (docs/figures.md).

- A sparse series (fewer than SPARSE_POINTS finite points, e.g. validation evaluated tens of
  times) is drawn raw, as points and line; only denser series get a smoothed line.
- A run that diverges is drawn on the range of its healthy phase (the values before the first
  divergence finding); what lies off that range is marked at the edge with its largest value.
- A log axis only where a positive series spans more than two decades.
- A reference line (chance level) far outside the data is not drawn across the plot: its value
  is named at the edge instead, so it never stretches the axis.

Pure: numbers in, limits and marks out; figures/plan.py and figures/plan_groups.py use them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SPARSE_POINTS = 60  # fewer finite points than this: raw values, no smoothing
HEADROOM = 0.08  # share of the healthy range added above and below it
OFF_SCALE_COLOR = "#000000"
# Values are clipped to this before limits are computed, as drawing clips what it draws: the
# headroom of a range from -1e308 to 1e308 would overflow to inf.
LIMIT = 1e300


def is_sparse(values: np.ndarray) -> bool:
    """True when a series has too few finite points for smoothing to help."""
    return int(np.count_nonzero(np.isfinite(values))) < SPARSE_POINTS


def loss_scale(values: Sequence[np.ndarray]) -> str:
    """"log" when positive finite values span more than two decades, else "linear"."""
    finite = [v[np.isfinite(v)] for v in values]
    allv = np.concatenate(finite) if finite else np.zeros(0)
    if allv.size == 0 or (allv <= 0).any():
        return "linear"
    return "log" if allv.max() / allv.min() > 100 else "linear"


def healthy_range(
    curves: Sequence[tuple[np.ndarray, np.ndarray]], until_x: float | None, scale: str
) -> tuple[float, float] | None:
    """(low, high) limits of the finite values at x < `until_x` (the healthy phase), with a
    little headroom (in log space on a log axis); None when nothing is cut off, so the usual
    limits apply."""
    if until_x is None:
        return None
    kept, beyond = [], False
    for x, y in curves:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        before = (x < until_x) & np.isfinite(y)
        kept.append(y[before])
        beyond |= bool((x >= until_x).any())
    if not beyond:
        return None
    return padded(kept, scale)


def padded(kept: Sequence[np.ndarray], scale: str) -> tuple[float, float] | None:
    """(low, high) of the finite values in `kept` with HEADROOM added (in log space on a log
    axis, and never below zero for values that are not); None for fewer than two values."""
    values = np.concatenate([np.asarray(v, dtype=np.float64) for v in kept]) if kept else np.zeros(0)
    values = np.clip(values[np.isfinite(values)], -LIMIT, LIMIT)
    if scale == "log":
        values = values[values > 0]
    if values.size < 2:
        return None
    lo, hi = float(values.min()), float(values.max())
    if scale == "log":
        llo, lhi = np.log10(lo), np.log10(hi)
        pad = HEADROOM * max(lhi - llo, 0.1)
        return float(10 ** (llo - pad)), float(10 ** (lhi + pad))
    pad = HEADROOM * max(hi - lo, abs(hi) * 0.05, 1e-12)
    return _round_out((max(0.0, lo - pad) if lo >= 0 else lo - pad), hi + pad)


def _round_out(lo: float, hi: float) -> tuple[float, float]:
    """(lo, hi) widened to the nearest tick-like numbers (steps of 1, 2, 2.5 or 5 times a power of
    ten, about 10 per range, as the ticks drawn there, so the widening is under a tenth of it): an axis ends on a readable
    value, and runs of a sweep with similar curves get the same limits, so figures/draw.py draws
    their axes once (a limit from raw data gave each run's figure a frame of its own)."""
    span = hi - lo
    if not (np.isfinite(span) and span > 0):
        return lo, hi
    step = 10.0 ** np.floor(np.log10(span / 10))
    step *= next((k for k in (1.0, 2.0, 2.5, 5.0, 10.0) if span / (k * step) <= 10), 10.0)
    digits = max(0, 1 - int(np.floor(np.log10(step))))  # 1.2, not 1.2000000000000002
    rlo, rhi = round(float(np.floor(lo / step) * step), digits), round(float(np.ceil(hi / step) * step), digits)
    # never below zero for values that are not
    return (max(rlo, 0.0) if lo >= 0 else rlo), rhi


def off_scale(x: np.ndarray, y: np.ndarray, limits: tuple[float, float]) -> tuple[float, float, float] | None:
    """(x where the curve first leaves the range upwards or becomes inf, the largest value
    there, or inf) for a curve that leaves `limits` above; None when it stays inside."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        above = (y > limits[1]) | np.isposinf(y)
    if not above.any():
        return None
    first = int(np.flatnonzero(above)[0])
    finite = y[above & np.isfinite(y)]
    peak = float(finite.max()) if finite.size else float("inf")
    return float(x[first]), limits[1], peak


def clamp(value: float, limits: tuple[float, float]) -> float:
    """`value` moved onto the edge of `limits` when it lies outside them."""
    return float(min(max(value, limits[0]), limits[1]))
