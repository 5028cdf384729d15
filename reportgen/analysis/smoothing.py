"""Curve smoothing: TensorBoard's debiased EMA (what users see in TensorBoard) and a centred,
lag-free robust trend used by the flag detectors."""

from __future__ import annotations

import math

import numpy as np

# TensorBoard's smoothing slider stops at 0.999; a weight of 1 would freeze the curve.
MAX_WEIGHT = 0.999


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
    padded = np.concatenate([np.full(half, np.nan), xs, np.full(half, np.nan)])
    view = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    # nanmedian warns only for all-NaN rows, which cannot happen: the centre is always finite.
    out[finite] = np.nanmedian(view, axis=1)
    return out


def trend_window(n: int) -> int:
    """Odd window for the robust trend: about 5% of the points, between 3 and 51."""
    w = int(round(n * 0.05))
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
    """Noise scale around each point: diff_sigma computed over a centred running window (the
    whole curve when it is shorter than the window). Training-loss noise shrinks as the loss
    falls, so one global scale would make early noise look like spikes."""
    n = y.shape[0]
    if n < 4:
        return np.zeros(n)
    if n <= window:
        return np.full(n, diff_sigma(y))
    d2 = np.diff(y, 2)
    d2 = np.concatenate([d2[:1], d2, d2[-1:]])  # align second differences with their centres
    dev = np.abs(d2 - running_median(d2, window))
    return 1.4826 * running_median(dev, window) / math.sqrt(6.0)
