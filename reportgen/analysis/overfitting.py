"""Overfitting: Prechelt's generalisation loss GL and UP_s criteria on the validation loss, the
generalisation gap curve (the run page plots it), and a flag when validation loss ends well
above its minimum.

L. Prechelt, "Early Stopping - But When?", Neural Networks: Tricks of the Trade, 1998:
GL(t) = 100 * (E_va(t) / min_{t' <= t} E_va(t') - 1); UP_s stops when the validation error rose
at the end of s successive strips of k evaluations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reportgen.analysis.smoothing import diff_sigma, trend_window
from reportgen.analysis.trends import Trends
from reportgen.analysis.util import epoch_at, num, nums, where_text
from reportgen.model import AnalysisConfig, Flag, Series


def val_window(n: int) -> int:
    """Odd running-median window for validation curves: about 10% of the points, 3 to 21
    (long, noisy validation series need the width, or the trend's minimum is a lucky dip)."""
    w = min(max(round(n / 10), 3), 21)
    return w if w % 2 == 1 else w + 1


def generalisation_loss(trend: np.ndarray) -> np.ndarray:
    """Prechelt's GL(t) in percent on a (positive) validation curve."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (trend / np.minimum.accumulate(trend) - 1.0)


def up_criterion(y: np.ndarray, strips: int, strip_len: int) -> int | None:
    """Index of the first strip end where y rose over `strips` successive strips of
    `strip_len` points (Prechelt's UP_s), or None."""
    k = max(int(strip_len), 1)
    ends = np.arange(k - 1, y.shape[0], k)
    run = 0
    for j in range(1, ends.shape[0]):
        run = run + 1 if y[ends[j]] > y[ends[j - 1]] else 0
        if run >= strips:
            return int(ends[j])
    return None


def _interp_trend(train: Series | None, at_steps: np.ndarray, trends: Trends) -> np.ndarray | None:
    """Training-loss trend (running median) interpolated at `at_steps`; None without a train
    loss or when the val steps lie outside the train steps' range."""
    if train is None:
        return None
    fin = np.isfinite(train.values)
    if np.count_nonzero(fin) < 3:
        return None
    ts = train.steps[fin].astype(np.float64)
    tv = trends.median(train, trend_window(int(ts.shape[0])))
    if at_steps[0] > ts[-1] or at_steps[-1] < ts[0]:
        return None
    return np.interp(at_steps.astype(np.float64), ts, tv)


def generalisation_gap_curve(
    val: Series | None, train: Series | None, trends: Trends | None = None
) -> dict[str, Any] | None:
    """The generalisation gap the run page plots: at each finite validation point inside the
    training steps' range, the validation loss minus the training loss's trend (the running
    median the overfitting and gap flags compare against). A plain-JSON record: `metric`,
    `steps`, `gap`; None without both losses or with fewer than two such points."""
    if val is None or train is None:
        return None
    fin = np.isfinite(val.values)
    t_fin = train.steps[np.isfinite(train.values)]
    if t_fin.shape[0] < 3:
        return None
    inside = fin & (val.steps >= t_fin[0]) & (val.steps <= t_fin[-1])
    if np.count_nonzero(inside) < 2:
        return None
    steps = val.steps[inside]
    train_at = _interp_trend(train, steps, trends if trends is not None else Trends())
    if train_at is None:
        return None
    return {"metric": val.name, "steps": [int(s) for s in steps.tolist()], "gap": nums(val.values[inside] - train_at, 6)}


def overfitting(
    val: Series | None,
    train: Series | None,
    config: AnalysisConfig,
    x_is_epoch: bool,
    trends: Trends | None = None,
) -> Flag | None:
    """The overfitting flag, or None.

    Flags when, on a running-median trend of the validation loss, GL at the end exceeds
    config.overfit_gl, the rise exceeds config.noise_z noise sigmas, the minimum lies at least
    config.overfit_min_after evaluations before the end, and training loss rose by less than
    half as much as validation loss (otherwise the whole run got worse: that is divergence,
    not overfitting).
    """
    if val is None:
        return None
    fin = np.isfinite(val.values)
    idx = np.nonzero(fin)[0]
    n = idx.shape[0]
    if n < config.overfit_min_points:
        return None
    steps = val.steps[idx]
    v = val.values[idx]
    trends = trends if trends is not None else Trends()
    trend = trends.median(val, val_window(n))
    if not np.all(trend > 0):
        return None  # GL is a ratio: only defined for positive losses
    gl = generalisation_loss(trend)
    train_at = _interp_trend(train, steps, trends)
    i_min = int(np.argmin(trend))
    v_min = float(trend[i_min])
    v_end = float(trend[-1])
    gl_end = float(gl[-1])
    rise = v_end - v_min
    sigma = diff_sigma(v)
    if (
        i_min > n - 1 - config.overfit_min_after
        or gl_end <= config.overfit_gl
        or rise <= config.noise_z * sigma
    ):
        return None
    train_rise = None
    train_falling = None
    if train_at is not None:
        train_rise = float(train_at[-1] - train_at[i_min])
        if train_rise >= 0.5 * rise:
            return None
        train_falling = bool(train_at[-1] < train_at[i_min])
    # Best: the raw minimum, the checkpoint a "keep best" callback would have saved. Onset:
    # where the sustained rise starts (trend minimum), never before the best (a rise that
    # starts before the best value contradicts itself).
    i_best = int(np.argmin(v))
    i_min = max(i_min, i_best)
    crossing = np.nonzero(gl > config.overfit_gl)[0]
    i_cross = int(crossing[crossing > i_min][0]) if np.any(crossing > i_min) else n - 1
    i_up = up_criterion(trend, config.overfit_strips, config.overfit_strip_len)
    onset_epoch = epoch_at(val, int(idx[i_min]), x_is_epoch)
    best_epoch = epoch_at(val, int(idx[i_best]), x_is_epoch)
    end_epoch = epoch_at(val, int(idx[-1]), x_is_epoch)
    gap_best = gap_end = gap_slope = None
    if train_at is not None:
        gap = v - train_at
        gap_best, gap_end = float(trend[i_min] - train_at[i_min]), float(trend[-1] - train_at[-1])
        after = slice(i_min, n)
        if n - i_min >= 2:
            gap_slope = float(np.polyfit(steps[after].astype(np.float64), gap[after], 1)[0])
    if train_falling is None:
        tail = " (training loss was not logged)"
    elif train_falling:
        tail = " while training loss kept falling"
    else:
        tail = " while training loss stayed about level"
    # the smoothed levels GL is taken on, so the percentage matches the two numbers given
    w_onset = where_text(int(steps[i_min]), onset_epoch)
    w_best = where_text(int(steps[i_best]), best_epoch)
    w_end = where_text(int(steps[-1]), end_epoch)
    message = (
        f"Validation loss rose {gl_end:.0f}% from its low of {v_min:.3g} at {w_onset} to "
        f"{v_end:.3g} at {w_end}{tail}."
    )
    evidence: dict[str, Any] = {
        "criterion": "GL",
        "gl_threshold": num(config.overfit_gl),
        "gl_end": num(gl_end, 4),
        "gl_max": num(float(np.nanmax(gl)), 4),
        "onset_step": int(steps[i_min]),
        "onset_epoch": num(onset_epoch),
        "best_step": int(steps[i_best]),
        "best_epoch": num(best_epoch),
        "best_value": num(v[i_best]),
        "min_trend_value": num(v_min),
        "final_trend_value": num(v_end),
        "rise": num(rise),
        "rise_pct": num(gl_end, 4),
        "gl_crossing_step": int(steps[i_cross]),
        "up_strips": int(config.overfit_strips),
        "up_strip_len": int(config.overfit_strip_len),
        "up_stop_step": int(steps[i_up]) if i_up is not None else None,
        "noise_sigma": num(sigma),
        "noise_z": num(config.noise_z),
        "train_change_since_onset": num(train_rise),
        "train_still_falling": train_falling,
        "gap_at_onset": num(gap_best),
        "gap_at_end": num(gap_end),
        "gap_slope_per_step": num(gap_slope),
        "evaluations_since_best": int(n - 1 - i_best),
        "epochs_since_best": (
            num(end_epoch - best_epoch)
            if end_epoch is not None and best_epoch is not None
            else None
        ),
        "trend_window": val_window(n),
    }
    flag = Flag(
        kind="overfitting",
        severity="warning",
        message=message,
        metric=val.name,
        step=int(steps[i_min]),
        epoch=onset_epoch,
        evidence=evidence,
        facts=(
            ("rise", f"{gl_end:.0f}%"),
            ("low (smoothed)", f"{v_min:.3g} at {w_onset}"),
            ("end (smoothed)", f"{v_end:.3g} at {w_end}"),
            ("best single value", f"{v[i_best]:.4g} at {w_best}"),
        ),
    )
    return flag
