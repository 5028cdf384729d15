"""Curve smoothing: TensorBoard's debiased EMA (what users see in TensorBoard) and a centred,
lag-free robust trend used by the flag detectors."""

from __future__ import annotations

import math

import numpy as np

# TensorBoard's smoothing slider stops at 0.999; a weight of 1 would freeze the curve.
MAX_WEIGHT = 0.999
MEDIAN_CHUNK = 32768  # rows of the sliding window medianed at once (bounds memory)


def ema(values: np.ndarray, weight: float = 0.6) -> np.ndarray:
    """TensorBoard's debiased exponential moving average of `values`.

    Follows TensorBoard's classic smoothing: last = last*w + (1-w)*x over the finite points,
    divided by 1 - w**n (n = finite points seen so far) so the first point equals the raw value;
    a constant series is returned unchanged. Unlike TensorBoard (which copies NaN/inf through),
    non-finite points come out as NaN, so a figure draws a gap rather than an infinite line; they
    do not reset or disturb the average. `weight` is clipped to [0, 0.999].
    Returns a new float64 array of the same length.
    """
    x = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(x)
    if not finite.any():
        return np.full(x.shape, np.nan)
    w = float(min(max(weight, 0.0), MAX_WEIGHT))
    xs = _finite_part(x, finite)
    if w == 0.0 or np.all(xs == xs[0]):
        return _scatter(xs.copy(), finite)
    one_minus = 1.0 - w
    lfilter = _lfilter()
    if lfilter is not None:
        # the same recurrence in C: y[n] = w*y[n-1] + (1-w)*x[n], the same two products and
        # one addition per point, so the same bits as the loop below; w**n as a running product.
        # In place: on a 10M-point log every fresh array is a costly allocation.
        sm = lfilter([one_minus], [1.0, -w], xs)
        decay = np.multiply.accumulate(np.full(xs.shape[0], w))
        return _scatter(np.divide(sm, np.subtract(1.0, decay, out=decay), out=sm), finite)
    sm = np.empty_like(xs)
    last = 0.0
    decay = 1.0  # w**n, kept as a running product
    for i, v in enumerate(xs.tolist()):
        last = last * w + one_minus * v
        decay *= w
        sm[i] = last / (1.0 - decay)
    return _scatter(sm, finite)


def _finite_part(x: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """x[finite], or x itself (not a copy: read only) when every point is finite."""
    return x if finite.all() else x[finite]


def _scatter(values: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """`values` (one per finite point) at the finite points, NaN elsewhere; `values` itself
    when every point is finite."""
    if values.shape[0] == finite.shape[0]:
        return values
    out = np.full(finite.shape, np.nan)
    out[finite] = values
    return out


def _lfilter():
    """scipy.signal.lfilter (scipy is a dependency; the loop stays for an install without it).
    Used for every series: a build imports scipy once (build/run_job.py preload), and on a
    sweep of 10k-step runs the Python loop cost more than everything else in `analyse`
    (docs/measurements.md)."""
    try:
        from scipy.signal import lfilter
    except ImportError:
        return None
    return lfilter



def running_median(values: np.ndarray, window: int) -> np.ndarray:
    """Centred running median over the finite points (window shrinks at the edges).

    Non-finite inputs are skipped (output NaN there). Zero lag, and a lone outlier never moves
    it, which is why the detectors use it rather than the EMA.
    """
    x = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(x)
    xs = _finite_part(x, finite)
    n = xs.shape[0]
    if n == 0:
        return np.full(x.shape, np.nan)
    half = max(int(window) // 2, 0)
    if half == 0 or n == 1:
        return _scatter(xs.copy(), finite)
    return _scatter(_centred_median(xs, half), finite)


# Elements per block of windows: bounds the memory of a long series (10M steps) to ~32 MB.
_BLOCK = 1 << 22


def _centred_median(xs: np.ndarray, half: int) -> np.ndarray:
    """Median of xs[i-half : i+half+1] clipped to the array, for every i. Full windows go through
    np.median on blocks of a strided view (C partition, no Python loop per point, bounded
    memory) or scipy's rank filter; the 2*half edge windows, which shrink, are taken at once."""
    n = xs.shape[0]
    width = 2 * half + 1
    fast = _median_filter() if n >= width else None
    if fast is not None:
        # scipy's rank filter picks the same middle element np.median does (odd window):
        # equal results, O(n log w) instead of O(n w). Its output is kept (one 10M-point array
        # fewer); its edge windows, filled by repeating the end points, are replaced below.
        res = fast(xs, size=width, mode="nearest")
    else:
        res = np.empty(n)
        if n >= width:
            view = np.lib.stride_tricks.sliding_window_view(xs, width)  # row j centres on j + half
            rows = max(1, min(MEDIAN_CHUNK, _BLOCK // width))
            for start in range(0, view.shape[0], rows):
                block = view[start:start + rows]
                res[half + start: half + start + block.shape[0]] = np.median(block, axis=1)
    edge = min(half, n)
    head = np.arange(edge)
    tail = np.arange(max(edge, n - half), n)
    if (xs[: 2 * half] == 0).any() or (xs[-2 * half:] == 0).any():
        # np.median may return either zero of a window holding 0.0 and -0.0: ask it
        for i in head.tolist():
            res[i] = np.median(xs[: min(n, i + half + 1)])
        for i in tail.tolist():
            res[i] = np.median(xs[max(0, i - half):])
    else:
        res[:edge] = _window_medians(xs, np.zeros(edge, dtype=np.int64), np.minimum(n, head + half + 1))
        res[tail] = _window_medians(xs, np.maximum(0, tail - half), np.full(tail.shape[0], n))
    return res


def _window_medians(xs: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """np.median(xs[a:b]) for each pair, all at once: the windows are padded with NaN (sorted
    last) into one array, sorted row by row, and the middle element (or the mean of the two
    middle ones, added then halved as np.median does) is picked. `xs` must be finite."""
    if starts.shape[0] == 0:
        return np.zeros(0)
    lengths = stops - starts
    cols = np.arange(int(lengths.max()))
    index = starts[:, None] + cols
    inside = cols < lengths[:, None]
    rows = np.sort(np.where(inside, xs[np.where(inside, index, 0)], np.nan), axis=1)
    low = (lengths - 1) // 2
    high = lengths // 2
    pick = np.arange(starts.shape[0])
    # an odd window's median is its middle element itself (a + a could overflow to inf)
    mid = rows[pick, high]
    even = low != high
    mid[even] = (rows[pick[even], low[even]] + mid[even]) / 2.0
    return mid


def _median_filter():
    """scipy.ndimage.median_filter (see _lfilter: the same measurement)."""
    try:
        from scipy.ndimage import median_filter
    except ImportError:
        return None
    return median_filter


def trend_window(n: int) -> int:
    """Odd window for the robust trend: about 5% of the points, between 3 and 51."""
    w = round(n * 0.05)
    w = min(max(w, 3), 51)
    return w if w % 2 == 1 else w + 1


def robust_sigma(x: np.ndarray) -> float:
    """1.4826 * median absolute deviation of the finite values (a noise scale that ignores
    outliers); 0.0 when there are fewer than two."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.shape[0] < 2:
        return 0.0
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def diff_sigma(y: np.ndarray) -> float:
    """Noise scale of a smooth curve plus noise: robust sigma of second differences / sqrt(6)
    (second differences cancel any locally linear trend; white noise gives variance 6*sigma^2)."""
    if y.shape[0] < 4:
        return 0.0
    # in place on the fresh differences (a median's partition reorders them, which changes
    # neither median): three fewer copies of a 10M-point curve
    d2 = np.diff(y, 2)
    centre = np.median(d2, overwrite_input=True)
    dev = np.abs(np.subtract(d2, centre, out=d2), out=d2)
    return float(1.4826 * np.median(dev, overwrite_input=True) / math.sqrt(6.0))


def local_sigma(y: np.ndarray, window: int) -> np.ndarray:
    """Noise scale around each point: diff_sigma over consecutive blocks of `window` points,
    interpolated between block centres (the whole curve when it is shorter than a block).
    Training-loss noise shrinks as the loss falls, so one global scale would make early noise
    look like spikes; blocks keep this linear-time on million-point logs."""
    n = y.shape[0]
    if n < 4:
        return np.zeros(n)
    window = max(int(window), 4)
    if n <= 2 * window:
        return np.full(n, diff_sigma(y))
    d2 = np.diff(y, 2)
    nb = d2.shape[0] // window
    blocks = d2[: nb * window].reshape(nb, window)  # a view: worked in place, as in diff_sigma
    centre = np.median(blocks, axis=1, keepdims=True, overwrite_input=True)
    dev = np.abs(np.subtract(blocks, centre, out=blocks), out=blocks)
    sig = 1.4826 * np.median(dev, axis=1, overwrite_input=True) / math.sqrt(6.0)
    centres = (np.arange(nb) + 0.5) * window + 1.0  # d2[i] is centred on y[i + 1]
    return np.interp(np.arange(n, dtype=np.float64), centres, sig)
