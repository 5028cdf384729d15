"""Convergence-rate estimate: fit y = c + a*exp(-r*t) and y = c + a*t**(-alpha) to a loss curve
after warm-up, keep the better model, or say why neither is reported.

Both models are linear in (c, a) once the rate is fixed, so the fit is a one-dimensional search
over the rate (variable projection: log-spaced grid, then golden-section refinement) with the
exact least-squares (c, a) at each candidate. No scipy needed, and no starting guess to get wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from reportgen.analysis.smoothing import diff_sigma, trend_window
from reportgen.analysis.trends import Trends
from reportgen.analysis.util import num
from reportgen.model import AnalysisConfig, Convergence, Series

MAX_FIT_POINTS = 1000  # longer curves are averaged into this many bins before fitting
GRID = 240
# Fitted parameters are reported to 6 significant digits: the search is not more precise than
# that, and stable digits keep reports byte-identical across tiny numeric changes.
FIT_DIGITS = 6
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class Fit:
    model: str
    rate: float
    asymptote: float
    amplitude: float
    sse: float
    r2: float
    at_low_edge: bool  # the best rate sat on the slow end of the search range
    at_high_edge: bool


def _ls(basis: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least squares y ~ c + a*b for each row b of `basis`: (c, a, sse) arrays. Overwrites
    `basis` (the callers' scratch: a fresh array per grid is a costly allocation)."""
    bm = basis.mean(axis=1, keepdims=True)
    bc = np.subtract(basis, bm, out=basis)
    yc = y - y.mean()
    sbb = np.einsum("ij,ij->i", bc, bc)
    sby = bc @ yc
    syy = float(yc @ yc)
    ok = sbb > 1e-300
    a = np.where(ok, sby / np.where(ok, sbb, 1.0), 0.0)
    c = y.mean() - a * bm[:, 0]
    sse = np.maximum(syy - a * sby, 0.0)
    return c, a, sse


def _basis(model: str, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """exp(-p t) (exponential) or t**-p (power, as exp(-p log t)): one row per rate in `p`,
    worked out in place."""
    basis = np.outer(p, t if model == "exponential" else np.log(t))
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(np.negative(basis, out=basis), out=basis)


def _one_rate_sse(model: str, t: np.ndarray, y: np.ndarray):
    """cost(q): the sse _ls gives for the single rate exp(q), the same operations on the same
    shapes (so the same bits), with what does not depend on the rate worked out once: the
    golden-section search asks for it 62 times per fit. Call it under np.errstate(over=
    "ignore", under="ignore"), as _basis does."""
    minus_x = -(t if model == "exponential" else np.log(t))
    n = minus_x.shape[0]
    yc = y - y.mean()
    syy = float(yc @ yc)

    def cost(q: float) -> float:
        basis = np.exp(minus_x * math.exp(q))  # -(np.outer's products): the sign is exact
        # the row's mean: one contiguous sum, as basis.mean(axis=1) does it
        bc = (basis - np.add.reduce(basis) / n)[None, :]
        sbb = float(np.einsum("ij,ij->i", bc, bc)[0])
        sby = float((bc @ yc)[0])
        a = sby / sbb if sbb > 1e-300 else 0.0
        return max(syy - a * sby, 0.0)

    return cost


def fit_model(model: str, t: np.ndarray, y: np.ndarray) -> Fit:
    """Best least-squares fit of one model. For "exponential" `t` counts steps from the fit
    start; for "power" `t` must be > 0. The rate search spans 0.01 to 3*n e-foldings over the
    data for the exponential, and alpha in [0.003, 6] for the power law."""
    n = t.shape[0]
    if model == "exponential":
        span = float(t[-1] - t[0]) or 1.0
        lo, hi = math.log(0.01 / span), math.log(3.0 * n / span)
    else:
        lo, hi = math.log(0.003), math.log(6.0)
    grid = np.linspace(lo, hi, GRID)
    _, _, sse = _ls(_basis(model, t, np.exp(grid)), y)
    k = int(np.argmin(sse))
    a_lo, a_hi = grid[max(k - 1, 0)], grid[min(k + 1, GRID - 1)]

    cost = _one_rate_sse(model, t, y)

    x1 = a_hi - GOLDEN * (a_hi - a_lo)
    x2 = a_lo + GOLDEN * (a_hi - a_lo)
    with np.errstate(over="ignore", under="ignore"):
        f1, f2 = cost(x1), cost(x2)
        for _ in range(60):
            if f1 <= f2:
                a_hi, x2, f2 = x2, x1, f1
                x1 = a_hi - GOLDEN * (a_hi - a_lo)
                f1 = cost(x1)
            else:
                a_lo, x1, f1 = x1, x2, f2
                x2 = a_lo + GOLDEN * (a_hi - a_lo)
                f2 = cost(x2)
    q = x1 if f1 <= f2 else x2
    if float(sse[k]) < min(f1, f2):
        q = float(grid[k])
    rate = math.exp(q)
    c, a, s = _ls(_basis(model, t, np.array([rate])), y)
    sst = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(s[0]) / sst if sst > 0 else 0.0
    return Fit(
        model=model,
        rate=rate,
        asymptote=float(c[0]),
        amplitude=float(a[0]),
        sse=float(s[0]),
        r2=r2,
        at_low_edge=k <= 1,
        at_high_edge=k >= GRID - 2,
    )


def _unscale(fit: Fit, mid: float, scale: float) -> Fit:
    """A fit made on (y - mid) / scale, expressed in the original units (R\u00b2 is unchanged)."""
    return replace(
        fit,
        asymptote=mid + scale * fit.asymptote,
        amplitude=scale * fit.amplitude,
        sse=fit.sse * scale * scale,
    )


def _bin(t: np.ndarray, y: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Average consecutive points into at most `size` bins (keeps long logs fast)."""
    n = t.shape[0]
    if n <= size:
        return t, y
    edges = np.linspace(0, n, size + 1).astype(np.int64)
    counts = np.diff(edges)
    tb = np.add.reduceat(t, edges[:-1]) / counts
    yb = np.add.reduceat(y, edges[:-1]) / counts
    return tb, yb


def _warmup_index(steps: np.ndarray, smoothed: np.ndarray, config: AnalysisConfig) -> int:
    """Index where the fit starts: the first step >= config.fit_warmup when set, else the peak
    of the smoothed loss within the first quarter (learning-rate warm-up can make the loss rise
    or stall before it falls)."""
    if config.fit_warmup is not None:
        return int(np.searchsorted(steps, config.fit_warmup, side="left"))
    head = max(1, math.ceil(smoothed.shape[0] * 0.25))
    return int(np.argmax(smoothed[:head]))


def _fit_end(y: np.ndarray, i0: int, trend: np.ndarray) -> int:
    """End (exclusive) of the fitted part: the whole curve, unless it clearly rises again
    (a validation loss that overfits), in which case it stops at the trend's minimum. `trend`
    is the running median of `y` over trend_window(len(y)) points."""
    i_min = i0 + int(np.argmin(trend[i0:])) if trend.shape[0] > i0 else i0
    rise = float(trend[-1] - trend[i_min])
    span = float(np.max(trend[i0:]) - trend[i_min]) if trend.shape[0] > i0 else 0.0
    if rise > 0.1 * span and rise > 3.0 * diff_sigma(y):
        return i_min + 1
    return y.shape[0]


def _steps_within(fit: Fit, frac: float, t0_step: float, spacing: float) -> float | None:
    """Step at which the fitted gap |y - c| falls to `frac` * |c|; None when c is ~0 or <= 0."""
    c, a, r = fit.asymptote, fit.amplitude, fit.rate
    if c <= 0 or a <= 0 or r <= 0:
        return None
    target = frac * c
    if fit.model == "exponential":
        t = math.log(a / target) / r if a > target else 0.0
        return t0_step + t
    t = (a / target) ** (1.0 / r)  # power-law t is step - t0_step + spacing
    return max(t + t0_step - spacing, t0_step)


def _empirical_drop(steps: np.ndarray, smoothed: np.ndarray, frac: float) -> int | None:
    """First step where the smoothed curve has covered `frac` of its total decrease (start to
    final value); None when it did not decrease."""
    drop = smoothed[0] - smoothed[-1]
    if not drop > 0:
        return None
    hit = np.nonzero(smoothed <= smoothed[0] - frac * drop)[0]
    return int(steps[hit[0]]) if hit.shape[0] else None


def convergence(series: Series, config: AnalysisConfig, trends: Trends | None = None) -> Convergence:
    """Fitted convergence model for one loss series, or a Convergence with `reason` set."""
    vals = np.asarray(series.values, dtype=np.float64)
    fin = np.isfinite(vals)
    steps = series.steps[fin].astype(np.float64)
    y = vals[fin]
    name = series.name
    if y.shape[0] < 2:
        return Convergence(metric=name, model=None, reason="too few finite points to fit")
    trends = trends if trends is not None else Trends()
    # the EMA of the finite points alone is the full curve's EMA at those points
    smoothed = trends.ema(series, config.smoothing)[fin]
    i0 = _warmup_index(series.steps[fin], smoothed, config)
    if i0 >= y.shape[0]:
        return Convergence(
            metric=name,
            model=None,
            reason=f"fit_warmup ({config.fit_warmup}) is past the last logged step ({int(steps[-1])})",
        )
    i1 = _fit_end(y, i0, trends.median(series, trend_window(y.shape[0])))
    s_steps, s_y, s_sm = steps[i0:i1], y[i0:i1], smoothed[i0:i1]
    base: dict[str, Any] = {
        "metric": name,
        "steps_to_90pct_drop": _empirical_drop(s_steps, s_sm, 0.9) if s_y.shape[0] else None,
        "steps_to_99pct_drop": _empirical_drop(s_steps, s_sm, 0.99) if s_y.shape[0] else None,
        "fit_start_step": int(s_steps[0]) if s_y.shape[0] else None,
    }
    n = s_y.shape[0]
    if n < config.fit_min_points:
        return Convergence(
            model=None,
            reason=f"too few points after warm-up to fit ({n}; need {config.fit_min_points})",
            **base,
        )
    if not s_sm[-1] < s_sm[0]:
        return Convergence(model=None, reason="the loss does not decrease after warm-up", **base)
    spacing = float(np.median(np.diff(s_steps))) if n > 1 else 1.0
    tb, yb = _bin(s_steps, s_y, MAX_FIT_POINTS)
    t0 = float(s_steps[0])
    # Fit on a rescaled copy (centre, then divide by the largest deviation) so losses near
    # 1e300 or 1e-300 neither overflow nor underflow in the sums of squares.
    mid = float(np.median(yb))
    with np.errstate(over="ignore", invalid="ignore"):
        scale = float(np.max(np.abs(yb - mid)))
    if not (math.isfinite(scale) and scale > 0):
        return Convergence(model=None, reason="the loss values are too extreme to fit", **base)
    yn = (yb - mid) / scale
    fits = [
        _unscale(fit_model("exponential", tb - t0, yn), mid, scale),
        _unscale(fit_model("power", tb - t0 + spacing, yn), mid, scale),
    ]
    span = float(yb.max() - yb.min())
    # an asymptote far below every observed value means the curve has not bent yet; and a
    # loss that was never negative cannot converge to a negative value
    floor = float(yb.min()) - 2.0 * span
    if float(yb.min()) >= 0:
        floor = max(floor, -0.01 * span)
    usable = [
        f
        for f in fits
        if f.amplitude > 0 and not f.at_low_edge and not f.at_high_edge and f.asymptote > floor
    ]
    best_r2 = max(fits, key=lambda f: f.r2)
    if not usable:
        if any(
            f.amplitude > 0 and f.asymptote <= floor and not (f.at_low_edge or f.at_high_edge)
            for f in fits
        ):
            reason = (
                "the loss has not levelled off enough to estimate where it converges "
                "(the fitted asymptote lies below any plausible value)"
            )
        elif any(f.at_low_edge for f in fits):
            reason = "the loss is still falling almost linearly: no asymptote can be estimated yet"
        elif any(f.at_high_edge for f in fits):
            reason = "the loss dropped within the first few points: too fast to fit a rate"
        else:
            reason = "neither model describes a decreasing curve with a plausible asymptote"
        return Convergence(model=None, reason=reason, r2=num(best_r2.r2, 4), **base)
    fit = max(usable, key=lambda f: (f.r2, f.model == "exponential"))
    if fit.r2 < config.fit_min_r2:
        return Convergence(
            model=None,
            reason=(
                f"poor fit: the best model ({fit.model}) explains R\u00b2 = {fit.r2:.2f} of the "
                f"variance, below {config.fit_min_r2:g}"
            ),
            r2=num(fit.r2, 4),
            **base,
        )
    s5 = _steps_within(fit, 0.05, t0, spacing)
    s1 = _steps_within(fit, 0.01, t0, spacing)
    return Convergence(
        model=fit.model,
        rate=num(fit.rate, FIT_DIGITS),
        asymptote=num(fit.asymptote, FIT_DIGITS),
        amplitude=num(fit.amplitude, FIT_DIGITS),
        r2=num(fit.r2, 4),
        half_life=num(math.log(2.0) / fit.rate, FIT_DIGITS) if fit.model == "exponential" else None,
        steps_to_5pct=num(s5, FIT_DIGITS),
        steps_to_1pct=num(s1, FIT_DIGITS),
        **base,
    )
