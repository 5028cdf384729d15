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
    out = np.full(x.shape, np.nan)
    finite = np.isfinite(x)
    if not finite.any():
        return out
    w = float(min(max(weight, 0.0), MAX_WEIGHT))
    xs = x[finite]
    if w == 0.0 or np.all(xs == xs[0]):
        out[finite] = xs
        return out
    sm = np.empty_like(xs)
    last = 0.0
    decay = 1.0  # w**n, kept as a running product
    one_minus = 1.0 - w
    for i, v in enumerate(xs.tolist()):
        last = last * w + one_minus * v
        decay *= w
        sm[i] = last / (1.0 - decay)
    out[finite] = sm
    return out


def running_median(values: np.ndarray, window: int) -> np.ndarray:
    """Centred running median over the finite points (window shrinks at the edges).

    Non-finite inputs are skipped (output NaN there). Zero lag, and a lone outlier never moves
    it, which is why the detectors use it rather than the EMA.
    """
    x = np.asarray(values, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    finite = np.isfinite(x)
    xs = x[finite]
    n = xs.shape[0]
    if n == 0:
        return out
    half = max(int(window) // 2, 0)
    if half == 0 or n == 1:
        out[finite] = xs
        return out
    med = np.empty(n)
    if 2 * half + 1 <= n:
        # full windows at once (a vectorised median), then the shrinking windows at the ends
        # in chunks, so a million-point log never materialises a (n, window) copy at once
        view = np.lib.stride_tricks.sliding_window_view(xs, 2 * half + 1)
        for a in range(0, view.shape[0], MEDIAN_CHUNK):
            med[half + a : half + min(a + MEDIAN_CHUNK, view.shape[0])] = np.median(
                view[a : a + MEDIAN_CHUNK], axis=1
            )
        edges = list(range(half)) + list(range(n - half, n))
    else:
        edges = list(range(n))
    for i in edges:
        med[i] = np.median(xs[max(0, i - half) : i + half + 1])
    out[finite] = med
    return out


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
    d2 = np.diff(y, 2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


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
    blocks = d2[: nb * window].reshape(nb, window)
    dev = np.abs(blocks - np.median(blocks, axis=1, keepdims=True))
    sig = 1.4826 * np.median(dev, axis=1) / math.sqrt(6.0)
    centres = (np.arange(nb) + 0.5) * window + 1.0  # d2[i] is centred on y[i + 1]
    return np.interp(np.arange(n, dtype=np.float64), centres, sig)
