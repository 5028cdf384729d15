"""Curves cut down to what a figure's pixel columns can show (M4 decimation, envelopes), and a
series' x values in the unit its run counts. Pure numpy; figures/plan.py and figures/plan_groups.py use it."""

from __future__ import annotations

import numpy as np

from reportgen.model import RunData, Series

# Pixel columns of a default figure (7 in at 110 dpi): curves are decimated to what this many
# columns can show; the thumbnail passes its own width.
PLOT_COLUMNS = 770
THUMB_COLUMNS = 160  # 1.6 in at 100 dpi


def x_values(series: Series, x: str) -> np.ndarray:
    """The series' x axis: its epochs when the run counts epochs and they are known, else steps."""
    if x == "epoch" and series.epoch is not None and np.isfinite(series.epoch).all():
        return series.epoch
    return series.steps.astype(np.float64)


def run_x(run: RunData, series: Series) -> np.ndarray:
    """The series' x in the run's unit (x_values); epochs from steps per epoch where an epoch
    run's series knows its epochs only in part. Figures and the data shipped with them use it."""
    if run.x == "epoch" and series.epoch is not None and not np.isfinite(series.epoch).all() and run.steps_per_epoch:
        return series.steps / float(run.steps_per_epoch)
    return x_values(series, run.x)


def decimate(x: np.ndarray, y: np.ndarray, columns: int = PLOT_COLUMNS) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a curve to what `columns` pixel columns can show (M4: per column the first, last,
    lowest and highest point), so a spike of one step still reaches its pixel. A column that held
    a NaN or inf keeps one NaN at that point's x, so the line shows a gap there as it would with
    every point. Curves with at most 4 points per column are returned with non-finite values as
    NaN and nothing dropped. Runs in O(n) numpy; no Python loop over points."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    finite = np.isfinite(y)
    if not finite.all():
        y = np.where(finite, y, np.nan)
    n = y.shape[0]
    columns = max(1, int(columns))
    if n <= 4 * columns:
        return x, y
    starts = _column_starts(x, columns)
    ends = np.r_[starts[1:], n] - 1
    keep = [starts, ends]
    seg_of = np.repeat(np.arange(starts.shape[0]), np.diff(np.r_[starts, n]))
    if finite.any():
        lo = np.where(finite, y, np.inf)
        hi = np.where(finite, y, -np.inf)
        seg_min = np.minimum.reduceat(lo, starts)
        seg_max = np.maximum.reduceat(hi, starts)
        # the first index in each segment holding its min (max); segments without a finite
        # point have seg_min = inf and match nothing finite
        keep.append(first_per_segment(finite & (lo == seg_min[seg_of]), seg_of))
        keep.append(first_per_segment(finite & (hi == seg_max[seg_of]), seg_of))
    if not finite.all():
        keep.append(first_per_segment(~finite, seg_of))
    chosen = np.zeros(n, dtype=bool)  # a mask, not np.unique: O(n), no sort
    for k in keep:
        chosen[k] = True
    return x[chosen], y[chosen]


def _column_starts(x: np.ndarray, columns: int) -> np.ndarray:
    """Index of the first point of each pixel column that holds points."""
    col = pixel_columns(x, columns)
    return np.flatnonzero(np.r_[True, col[1:] != col[:-1]])


def pixel_columns(x: np.ndarray, columns: int) -> np.ndarray:
    """Pixel column of each point, by x value when x ascends (steps, epochs), else by index."""
    n = x.shape[0]
    ok = np.isfinite(x).all() and (n < 2 or bool((np.diff(x) >= 0).all()))
    if ok and x[-1] > x[0]:
        scaled = (x - x[0]) * (columns / (x[-1] - x[0]))
    else:
        scaled = np.arange(n, dtype=np.float64) * (columns / max(n, 1))
    return np.minimum(scaled.astype(np.int64), columns - 1)


def first_per_segment(mask: np.ndarray, seg_of: np.ndarray) -> np.ndarray:
    hits = np.flatnonzero(mask)
    if hits.size == 0:
        return hits
    # hits ascend and segments ascend with them: a hit is its segment's first when the
    # segment differs from the previous hit's
    seg = seg_of[hits]
    return hits[np.r_[True, seg[1:] != seg[:-1]]]




def envelope(x: np.ndarray, y: np.ndarray, columns: int = PLOT_COLUMNS) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(x, lowest, highest) per pixel column, for a curve denser than its pixels: at least two
    points in every column and more than `decimate` keeps. At that density a faint line of
    the raw values is a solid zigzag anyway; as a filled band it shows the same envelope (every
    extreme point reaches its column) at a fifth of the cost to draw. A column holding a
    non-finite value is a gap (NaN), as on a line. None for sparser curves: draw them as lines."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = y.shape[0]
    if n <= 4 * columns:
        return None
    starts = _column_starts(x, columns)
    if int(np.diff(np.r_[starts, n]).min()) < 2:
        return None
    finite = np.isfinite(y)
    low = np.minimum.reduceat(np.where(finite, y, np.inf), starts)
    high = np.maximum.reduceat(np.where(finite, y, -np.inf), starts)
    gap = ~np.logical_and.reduceat(finite, starts)
    low[gap] = np.nan
    high[gap] = np.nan
    # each column from its first point; the last one also to the curve's last point
    return np.r_[x[starts], x[-1]], np.r_[low, low[-1]], np.r_[high, high[-1]]
