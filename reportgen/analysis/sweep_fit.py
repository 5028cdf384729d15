"""The fits behind a sweep page: the objective against one hyper-parameter (a slice) and against
two (a surface). Pure numpy/scipy, no I/O; docs/analysis.md ("Sweeps") documents the rules.

A slice is a least-squares quadratic in u, where u is log10(value) when the hparam spans a
decade or more, else the value, given at least 3 distinct values and 5 runs (2 residual degrees
of freedom); with fewer there is no trend. Every healthy run is one point (seeds are
replicates, not averaged first, so their scatter sets the band). The objective is fitted as
log(objective) when every value is positive: across a sweep losses differ by orders of
magnitude and the spread of a seed grows with its level, which a log scale makes even. The band
is the 95% confidence interval of the fitted mean (t with n - p degrees of freedom).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.util import t_quantile

GRID = 101  # points on which a slice's trend is evaluated
MIN_RUNS = 5  # a quadratic (3 coefficients) with 2 residual degrees of freedom
SURFACE_GRID = 25  # per side of a surface


@dataclass(frozen=True)
class SliceFit:
    """The objective's trend against one numeric hparam, or why none is given (`method` None).

    `grid`, `mean`, `lower`, `upper`: the trend in the hparam's own units and the objective's.
    `optimum`: where the fitted trend is best inside the searched range; `edge` "below" or
    "above" when that is the range's end (the true optimum may lie beyond it), else None.
    `region`: the hparam range where the band reaches the optimum's band (best region).
    """

    hparam: str
    method: str | None
    reason: str | None = None
    log_x: bool = False
    log_y: bool = False
    grid: np.ndarray | None = None
    mean: np.ndarray | None = None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    optimum: float | None = None
    optimum_value: float | None = None
    edge: str | None = None
    region: tuple[float, float] | None = None
    r2: float | None = None
    n: int = 0

    @property
    def description(self) -> str:
        if self.method is None:
            return f"no trend: {self.reason}"
        x = f"log10({self.hparam})" if self.log_x else self.hparam
        y = "log(objective)" if self.log_y else "the objective"
        return f"{self.method} in {x}, least squares on {y} over {self.n} runs; band: 95% CI of the fitted mean"


def transform(values: np.ndarray, log: bool) -> np.ndarray:
    return np.log10(values) if log else values


def _design(u: np.ndarray, degree: int) -> np.ndarray:
    return np.vander(u, degree + 1, increasing=True)


def _ols(design: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, int]:
    """(coefficients, their covariance, R^2, residual dof)."""
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = len(y) - design.shape[1]
    s2 = float(resid @ resid) / dof if dof > 0 else 0.0
    cov = s2 * np.linalg.pinv(design.T @ design)
    total = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / total if total > 0 else 1.0
    return coef, cov, r2, dof


def _band(design: np.ndarray, coef: np.ndarray, cov: np.ndarray, dof: int) -> tuple[np.ndarray, np.ndarray]:
    mean = design @ coef
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", design, cov, design), 0.0))
    half = float(t_quantile(dof, 0.975)) * se if dof > 0 else np.full_like(mean, np.nan)
    return mean, half


def fit_slice(hparam: str, x: Sequence[float], y: Sequence[float], *, log_x: bool, goal: str = "min") -> SliceFit:
    """Trend of objective `y` against hparam values `x` (healthy runs only), see the module doc."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(xs) & np.isfinite(ys) & ((xs > 0) if log_x else True)
    xs, ys = xs[keep], ys[keep]
    levels = np.unique(xs).size
    if levels < 2:
        return SliceFit(hparam, None, "fewer than 2 distinct values with a healthy run", log_x=log_x, n=int(xs.size))
    # a quadratic with fewer than 2 residual degrees of freedom has a band so wide (t = 12.7 for
    # one) that it says nothing; a straight line cannot place an optimum: no trend then
    if levels < 3 or xs.size < MIN_RUNS:
        return SliceFit(hparam, None, f"a trend needs {MIN_RUNS} healthy runs over 3 or more values", log_x=log_x,
                        n=int(xs.size))
    degree = 2
    log_y = bool((ys > 0).all())
    target = np.log(ys) if log_y else ys
    u = transform(xs, log_x)
    # centred and scaled so the normal equations stay well conditioned whatever the units
    centre, scale = float(u.mean()), float(u.std()) or 1.0
    coef, cov, r2, dof = _ols(_design((u - centre) / scale, degree), target)
    grid_u = np.linspace(u.min(), u.max(), GRID)
    mean, half = _band(_design((grid_u - centre) / scale, degree), coef, cov, dof)
    lower, upper = mean - half, mean + half
    best = int(np.argmin(mean) if goal == "min" else np.argmax(mean))
    # best region: where the band reaches the optimum's band (the data cannot rule it out)
    near = lower <= upper[best] if goal == "min" else upper >= lower[best]
    if not np.isfinite(half).all():
        near = np.zeros_like(mean, dtype=bool)
        near[best] = True
    # the contiguous stretch around the optimum
    lo_i = hi_i = best
    while lo_i - 1 >= 0 and near[lo_i - 1]:
        lo_i -= 1
    while hi_i + 1 < GRID and near[hi_i + 1]:
        hi_i += 1
    back = (lambda v: np.exp(v)) if log_y else (lambda v: v)
    grid = 10.0**grid_u if log_x else grid_u
    # at an end of the range, and the band rules out the other end: the optimum may lie beyond
    edge = "below" if best == 0 else "above" if best == GRID - 1 else None
    if lo_i == 0 and hi_i == GRID - 1:
        edge = None
    return SliceFit(
        hparam,
        "quadratic",
        log_x=log_x,
        log_y=log_y,
        grid=grid,
        mean=back(mean),
        lower=back(lower),
        upper=back(upper),
        optimum=float(grid[best]),
        optimum_value=float(back(mean[best])),
        edge=edge,
        region=(float(grid[lo_i]), float(grid[hi_i])),
        r2=r2,
        n=int(xs.size),
    )


@dataclass(frozen=True)
class Surface:
    """The fitted objective over two numeric hparams on a SURFACE_GRID x SURFACE_GRID grid:
    `z[i, j]` at (x[j], y[i]); a full quadratic in (u, v) with the u*v term when there are
    enough runs, else additive (no interaction)."""

    x_name: str
    y_name: str
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    log_x: bool
    log_y: bool
    method: str


def fit_surface(
    names: tuple[str, str], x: np.ndarray, y: np.ndarray, obj: np.ndarray, logs: tuple[bool, bool]
) -> Surface | None:
    """Surface fit of `obj` over hparams x and y (healthy runs only); None with < 2 levels each."""
    x, y, obj = (np.asarray(a, dtype=np.float64) for a in (x, y, obj))
    if np.unique(x).size < 2 or np.unique(y).size < 2:
        return None
    u, v = transform(x, logs[0]), transform(y, logs[1])
    su, sv = (float(u.mean()), float(u.std()) or 1.0), (float(v.mean()), float(v.std()) or 1.0)
    log_obj = bool((obj > 0).all())
    target = np.log(obj) if log_obj else obj

    def terms(a: np.ndarray, b: np.ndarray, full: bool) -> np.ndarray:
        a, b = (a - su[0]) / su[1], (b - sv[0]) / sv[1]
        cols = [np.ones_like(a), a, b]
        if np.unique(x).size >= 3:
            cols.append(a * a)
        if np.unique(y).size >= 3:
            cols.append(b * b)
        if full:
            cols.append(a * b)
        return np.column_stack(cols)

    full = len(obj) > terms(u, v, True).shape[1] + 1
    if len(obj) <= terms(u, v, False).shape[1]:
        return None
    coef, *_ = _ols(terms(u, v, full), target)
    gu = np.linspace(u.min(), u.max(), SURFACE_GRID)
    gv = np.linspace(v.min(), v.max(), SURFACE_GRID)
    mu, mv = np.meshgrid(gu, gv)
    z = (terms(mu.ravel(), mv.ravel(), full) @ coef).reshape(mu.shape)
    z = np.exp(z) if log_obj else z
    back = [(lambda g: 10.0**g) if lg else (lambda g: g) for lg in logs]
    method = "quadratic with interaction" if full else "additive quadratic"
    return Surface(names[0], names[1], back[0](gu), back[1](gv), z, logs[0], logs[1], method)
