"""Statistics across the seeds of a group: curves on a common step grid, and scalar spreads.

Pure numpy, no I/O. A run contributes to a step only between its own first and last logged step
(no extrapolation), so runs of different lengths never fake agreement where one of them stopped;
the count of contributing runs is returned with every curve so pages can show it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.util import t_quantile
from reportgen.model import MetricSummary, RunAnalysis

__all__ = [
    "BANDS",
    "CENTERS",
    "STAT_KEYS",
    "GroupCurve",
    "GroupStat",
    "GroupSummary",
    "Spread",
    "aggregate_curves",
    "aggregate_scalars",
    "summarise_group",
]

CENTERS = ("mean", "median")
BANDS = ("ci95", "std", "sem")


@dataclass(frozen=True)
class GroupCurve:
    """Runs aggregated on the union of their steps.

    `center`, `lower` and `upper` are NaN where fewer than `min_runs` runs cover a step; `n`
    (int64) is how many runs do. With `log_space` the statistics were taken on log(values), so
    `center` is a geometric mean (or median) and the band is multiplicative.
    """

    steps: np.ndarray
    center: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n: np.ndarray
    center_kind: str
    band_kind: str
    log_space: bool
    min_runs: int


@dataclass(frozen=True)
class Spread:
    """Summary of one scalar across runs; NaN fields where too few values exist (std needs 2)."""

    n: int
    excluded: int  # non-finite values left out
    mean: float
    std: float  # ddof=1
    sem: float
    ci95_low: float  # mean -/+ t(0.975, n-1) * sem
    ci95_high: float
    min: float
    max: float
    median: float


def _interpolate_onto(steps: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Values of one run on `grid`: NaN outside its own step range and next to non-finite points.

    Linear between the two neighbouring logged steps; a grid step that is a logged step takes the
    logged value. An interval touching a non-finite value is not bridged: the run is left out there.
    """
    out = np.full(grid.shape, np.nan)
    if steps.size == 0:
        return out
    inside = (grid >= steps[0]) & (grid <= steps[-1])
    g = grid[inside]
    right = np.searchsorted(steps, g, side="left")  # first logged step >= g
    exact = steps[right] == g
    left = np.where(exact, right, right - 1)
    x0, x1 = steps[left].astype(np.float64), steps[right].astype(np.float64)
    y0, y1 = values[left], values[right]
    ok = np.isfinite(y0) & np.isfinite(y1)
    span = np.where(exact, 1.0, x1 - x0)
    frac = np.where(exact, 0.0, (g.astype(np.float64) - x0) / span)
    with np.errstate(invalid="ignore"):
        interp = np.where(exact, y1, y0 + frac * (y1 - y0))
    out[inside] = np.where(
        exact, np.where(np.isfinite(y1), y1, np.nan), np.where(ok, interp, np.nan)
    )
    return out


def _check_curve(i: int, steps: np.ndarray, values: np.ndarray) -> None:
    if steps.ndim != 1 or values.shape != steps.shape:
        raise ValueError(f"curve {i}: steps and values must be 1-D arrays of the same length")
    if steps.size > 1 and not np.all(np.diff(steps) > 0):
        raise ValueError(f"curve {i}: steps must be strictly increasing")


def _stack(
    curves: Sequence[tuple[np.ndarray, np.ndarray]], log_space: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(grid, matrix runs x grid) with NaN where a run does not cover a step."""
    prepared = []
    for i, (steps, values) in enumerate(curves):
        steps = np.asarray(steps)
        values = np.asarray(values, dtype=np.float64)
        _check_curve(i, steps, values)
        if log_space:
            # Non-positive values cannot sit on a log axis: treat them like non-finite ones.
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)
        prepared.append((steps, values))
    if not prepared:
        return np.array([], np.int64), np.empty((0, 0))
    first = prepared[0][0]
    if all(s.shape == first.shape and np.array_equal(s, first) for s, _ in prepared[1:]):
        # a sweep's runs log the same steps: the grid is those steps and each row the run's
        # values (what interpolating onto its own steps gives), without the union and search
        matrix = np.vstack([v for _, v in prepared])
        return first, np.where(np.isfinite(matrix), matrix, np.nan)
    grid = np.unique(np.concatenate([s for s, _ in prepared]))
    return grid, np.vstack([_interpolate_onto(s, v, grid) for s, v in prepared])


def _shifted_moments(
    matrix: np.ndarray, mask: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Column mean and ddof=1 std over masked entries, NaN where undefined.

    Moments are taken about the column minimum, so identical values give a mean equal to them
    and a std of exactly zero (a plain mean of k copies can be off by an ulp).
    """
    filled = np.where(mask, matrix, np.inf)
    base = np.min(filled, axis=0) if matrix.shape[0] else np.full(matrix.shape[1], np.inf)
    base = np.where(np.isfinite(base), base, 0.0)
    dev = np.where(mask, matrix - base, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_dev = dev.sum(axis=0) / n
        resid = np.where(mask, dev - mean_dev, 0.0)
        var = (resid * resid).sum(axis=0) / (n - 1)
    mean = np.where(n > 0, base + mean_dev, np.nan)
    std = np.where(n > 1, np.sqrt(np.where(n > 1, var, 0.0)), np.nan)
    return mean, std


def _column_median(matrix: np.ndarray, n: np.ndarray) -> np.ndarray:
    out = np.full(matrix.shape[1], np.nan)
    cols = n > 0
    if np.any(cols):
        # NaNs sort last, so the k finite entries of a column are its first k after sorting.
        ordered = np.sort(matrix[:, cols], axis=0)
        k = n[cols]
        idx = np.arange(ordered.shape[1])
        lo = ordered[(k - 1) // 2, idx]
        hi = ordered[k // 2, idx]
        out[cols] = np.where(lo == hi, lo, 0.5 * (lo + hi))
    return out


def _t975(n: np.ndarray) -> np.ndarray:
    """t(0.975, n-1) per entry, NaN where n < 2; one quantile per distinct n."""
    out = np.full(n.shape, np.nan)
    for k in np.unique(n[n >= 2]):
        out[n == k] = t_quantile(float(k - 1), 0.975)
    return out


def aggregate_curves(
    curves: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    log_space: bool = False,
    min_runs: int = 2,
    center: str = "mean",
    band: str = "ci95",
) -> GroupCurve:
    """Aggregate (steps, values) curves onto the union of their steps.

    Each run is linearly interpolated (in log space when `log_space`, where values <= 0 are left
    out) between its own first and last step; non-finite values drop that run at that point.
    `band` is "std" (center -/+ std), "sem" (-/+ std/sqrt(n)) or "ci95" (-/+ t(0.975, n-1) * sem,
    a t interval for the actual n). The band is placed around the chosen center. Where fewer than
    `min_runs` runs (and never fewer than 2 for the band) cover a step, center and band are NaN.

    Raises ValueError for an unknown center/band, min_runs < 1, or malformed curves.
    """
    if center not in CENTERS:
        raise ValueError(f"center must be one of {', '.join(CENTERS)}, got {center!r}")
    if band not in BANDS:
        raise ValueError(f"band must be one of {', '.join(BANDS)}, got {band!r}")
    if min_runs < 1:
        raise ValueError(f"min_runs must be at least 1, got {min_runs!r}")
    grid, matrix = _stack(curves, log_space)
    mask = np.isfinite(matrix)
    n = mask.sum(axis=0).astype(np.int64)
    mean, std = _shifted_moments(matrix, mask, n)
    mid = mean if center == "mean" else _column_median(matrix, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        if band == "std":
            half = std
        else:
            half = std / np.sqrt(n)
            if band == "ci95":
                half = half * _t975(n)
    enough = n >= min_runs
    mid = np.where(enough, mid, np.nan)
    banded = enough & (n >= 2)
    lower = np.where(banded, mid - np.where(banded, half, 0.0), np.nan)
    upper = np.where(banded, mid + np.where(banded, half, 0.0), np.nan)
    if log_space:
        mid, lower, upper = np.exp(mid), np.exp(lower), np.exp(upper)
    return GroupCurve(
        steps=grid,
        center=mid,
        lower=lower,
        upper=upper,
        n=n,
        center_kind=center,
        band_kind=band,
        log_space=log_space,
        min_runs=min_runs,
    )


def aggregate_scalars(values: Iterable[float | None]) -> Spread:
    """Spread of one number across runs; None and non-finite values are excluded and counted."""
    raw = [math.nan if v is None else float(v) for v in values]
    arr = np.asarray(raw, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    n = int(finite.size)
    excluded = int(arr.size - n)
    nan = math.nan
    if n == 0:
        return Spread(0, excluded, nan, nan, nan, nan, nan, nan, nan, nan)
    column = finite.reshape(-1, 1)
    mean_a, std_a = _shifted_moments(column, np.ones_like(column, dtype=bool), np.array([n]))
    mean, std = float(mean_a[0]), float(std_a[0])
    median = float(_column_median(column, np.array([n]))[0])
    if n >= 2:
        sem = std / math.sqrt(n)
        half = float(t_quantile(n - 1, 0.975)) * sem
        low, high = mean - half, mean + half
    else:
        sem = low = high = nan
    return Spread(
        n=n,
        excluded=excluded,
        mean=mean,
        std=std,
        sem=sem,
        ci95_low=low,
        ci95_high=high,
        min=float(finite.min()),
        max=float(finite.max()),
        median=median,
    )


# ----------------------------------------------------------------------------- group summary


@dataclass(frozen=True)
class GroupStat:
    """One row of a group's table: a quantity, each run's value (None when missing), its spread."""

    key: str
    label: str
    values: tuple[tuple[str, float | None], ...]  # (run name, value), runs sorted by name
    spread: Spread


@dataclass(frozen=True)
class GroupSummary:
    name: str
    runs: tuple[str, ...]  # sorted
    monitored: str  # "val_loss" when any run has one, else "train_loss": whose best step is shown
    stats: tuple[GroupStat, ...]  # fixed order: see STAT_KEYS

    def stat(self, key: str) -> GroupStat:
        for s in self.stats:
            if s.key == key:
                return s
        raise KeyError(key)


# Row order on the group page.
STAT_KEYS = (
    "final_val_loss",
    "best_val_loss",
    "final_train_loss",
    "best_train_loss",
    "best_step",
    "last_step",
)
_LABELS = {
    "final_val_loss": "Final validation loss",
    "best_val_loss": "Best validation loss",
    "final_train_loss": "Final train loss",
    "best_train_loss": "Best train loss",
    "last_step": "Last step",
}
_BEST_STEP_LABELS = {
    "val_loss": "Step of best validation loss",
    "train_loss": "Step of best train loss",
}


def _summary_for_role(analysis: RunAnalysis, role: str) -> MetricSummary | None:
    # Several series may claim a role in odd logs; the name order makes the choice stable.
    for name in sorted(analysis.summaries):
        summary = analysis.summaries[name]
        if summary.role == role:
            return summary
    return None


def _best_of(analysis: RunAnalysis, role: str) -> tuple[float | None, float | None]:
    """(best value, its step) of the series playing `role`; the analysis' Best when it is that."""
    best = analysis.best
    if best is not None and best.role == role:
        return best.value, float(best.step)
    summary = _summary_for_role(analysis, role)
    if summary is None or summary.min is None:
        return None, None
    step = summary.step_at_min
    return summary.min, None if step is None else float(step)


def _run_values(analysis: RunAnalysis, monitored: str) -> dict[str, float | None]:
    val = _summary_for_role(analysis, "val_loss")
    train = _summary_for_role(analysis, "train_loss")
    best_val, _ = _best_of(analysis, "val_loss")
    best_train, _ = _best_of(analysis, "train_loss")
    _, best_step = _best_of(analysis, monitored)
    last_steps = [s.last_step for s in (val, train) if s is not None and s.last_step is not None]
    return {
        "final_val_loss": val.final if val is not None else None,
        "best_val_loss": best_val,
        "final_train_loss": train.final if train is not None else None,
        "best_train_loss": best_train,
        "best_step": best_step,
        "last_step": float(max(last_steps)) if last_steps else None,
    }


def summarise_group(
    name: str, members: Iterable[tuple[str, RunAnalysis]], unit: str | None = "step"
) -> GroupSummary:
    """Final and best values across a group's runs, each as a Spread with per-run values.

    `best_step` is where each run's validation loss was best; when no run of the group has a
    validation loss, where its train loss was (one metric for the whole group, so the steps
    compare like with like). A run lacking a value counts as excluded in that row's Spread.
    `unit` is what the runs' steps count ("step" or "epoch", which names the position rows);
    None when they count different things, and then no position row is given (one spread of
    40 epochs and 800 steps would mean nothing).
    Raises ValueError when two members share a run name.
    """
    analyses: dict[str, RunAnalysis] = {}
    for run_name, analysis in members:
        if run_name in analyses:
            raise ValueError(f"group {name!r}: run {run_name!r} listed twice")
        analyses[run_name] = analysis
    runs = tuple(sorted(analyses))
    has_val = any(_summary_for_role(analyses[r], "val_loss") is not None for r in runs)
    monitored = "val_loss" if has_val else "train_loss"
    per_run = {r: _run_values(analyses[r], monitored) for r in runs}
    stats = []
    for key in STAT_KEYS:
        if key in ("best_step", "last_step") and unit is None:
            continue
        label = _BEST_STEP_LABELS[monitored] if key == "best_step" else _LABELS[key]
        if unit == "epoch":
            label = label.replace("Step of", "Epoch of").replace("Last step", "Last epoch")
        values = tuple((r, per_run[r][key]) for r in runs)
        stats.append(GroupStat(key, label, values, aggregate_scalars(v for _, v in values)))
    return GroupSummary(name=name, runs=runs, monitored=monitored, stats=tuple(stats))
