"""How a run ends: still improving (train longer), a large generalisation gap, or training that
got worse. Each looks at the running-median trends, so one noisy last point decides nothing.
Losses may be negative (log-likelihoods, ELBOs): every rule works on differences, not ratios,
except the gap ratio, which is skipped unless both losses are positive."""

from __future__ import annotations

import math

import numpy as np

from reportgen.analysis.overfitting import val_window
from reportgen.analysis.smoothing import trend_window
from reportgen.analysis.trends import Trends
from reportgen.analysis.util import epoch_at, num, where_text
from reportgen.model import AnalysisConfig, Flag, Series


def _finite(series: Series) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values) of the finite points of `series`; the values themselves (read only)
    when all are finite (a 10M-point log: each copy counts)."""
    fin = np.isfinite(series.values)
    if fin.all():
        return np.arange(fin.shape[0]), series.values
    idx = np.nonzero(fin)[0]
    return idx, series.values[idx]


def _start_level(trend: np.ndarray) -> float:
    """The highest early level of a trend (a warm-up may rise first)."""
    return float(np.max(trend[: max(1, trend.shape[0] // 10)]))


def _end_slope(series: Series, window: float, least: int) -> tuple[float, float, int] | None:
    """(slope per step, its t-statistic, points) of a least-squares line over the last `window`
    fraction of the finite points of `series` (at least `least`); None with too few points."""
    idx, y = _finite(series)
    k = max(least, int(round(window * idx.shape[0])))
    if idx.shape[0] < k + 3:
        return None
    x = series.steps[idx[-k:]].astype(np.float64)
    yy = y[-k:]
    xm = x - x.mean()
    sxx = float(np.dot(xm, xm))
    if sxx <= 0:
        return None
    with np.errstate(over="ignore", invalid="ignore"):  # losses near 1e308 give inf/NaN: no flag
        slope = float(np.dot(xm, yy - yy.mean()) / sxx)
        resid = yy - (yy.mean() + slope * xm)
        se = math.sqrt(float(np.dot(resid, resid)) / (k - 2) / sxx)
    if not (math.isfinite(slope) and math.isfinite(se)):
        return None
    t = slope / se if se > 0 else (-math.inf if slope < 0 else (math.inf if slope > 0 else 0.0))
    return slope, t, k


def still_improving(
    train: Series | None, val: Series | None, config: AnalysisConfig, x_is_epoch: bool, trends: Trends
) -> Flag | None:
    """Info flag when the training loss is still falling at the end: a least-squares line over
    the last config.still_window of its finite points (at least 5) has a slope whose
    t-statistic is below -config.still_t, and the line falls by at least
    config.still_min_drop of the run's total drop (highest early trend level to the end).
    Not when a logged validation loss is not falling over its own last stretch: then training
    longer is not the advice."""
    if train is None:
        return None
    fit = _end_slope(train, config.still_window, 5)
    if fit is None:
        return None
    slope, t, k = fit
    if val is not None:
        # validation must be falling too (a t-statistic below -0.5: a weak test, as validation
        # is logged sparsely), or training longer would only widen the gap
        vfit = _end_slope(val, config.still_window, 3)
        if vfit is not None and not vfit[1] < -0.5:
            return None
    idx, y = _finite(train)
    n = idx.shape[0]
    x = train.steps[idx[-k:]].astype(np.float64)
    trend = trends.median(train, trend_window(n))
    total = _start_level(trend) - float(trend[-1])
    fall = -slope * float(x[-1] - x[0])
    if not (t < -config.still_t and total > 0 and fall >= config.still_min_drop * total):
        return None
    i0, i1 = int(idx[-k]), int(idx[-1])
    e0, e1 = epoch_at(train, i0, x_is_epoch), epoch_at(train, i1, x_is_epoch)
    w0, w1 = where_text(int(train.steps[i0]), e0), where_text(int(train.steps[i1]), e1)
    share = fall / total
    return Flag(
        kind="still_improving",
        severity="info",
        message=(
            f"Training loss was still falling at the end: {fall:.3g} lower from {w0} to {w1} "
            f"({100 * share:.0f}% of its whole drop in the last {k} points); training longer "
            "would probably lower it further."
        ),
        metric=train.name,
        step=int(train.steps[i1]),
        epoch=e1,
        evidence={
            "criterion": "end_slope",
            "window_points": k,
            "window_start_step": int(train.steps[i0]),
            "slope_per_step": num(slope, 6),
            "slope_t": num(t, 4),
            "t_threshold": num(config.still_t),
            "fall_in_window": num(fall),
            "total_drop": num(total),
            "share_of_drop": num(share, 4),
            "min_share": num(config.still_min_drop),
        },
        facts=(
            ("fall over the last stretch", f"{fall:.3g}"),
            ("share of the whole drop", f"{100 * share:.0f}%"),
            ("from", w0),
            ("to", w1),
        ),
    )


def generalisation_gap(
    train: Series | None,
    val: Series | None,
    config: AnalysisConfig,
    baseline: float | None,
    x_is_epoch: bool,
    trends: Trends,
) -> Flag | None:
    """Warning when, at the end, the validation trend is config.gap_ratio times the training
    trend (both positive) and the gap is at least config.gap_fraction of the task's loss scale:
    the chance level when known, else the training loss's starting level (for a negative loss,
    its total drop)."""
    if train is None or val is None:
        return None
    ti, ty = _finite(train)
    vi, vy = _finite(val)
    if ti.shape[0] < 5 or vi.shape[0] < 3:
        return None
    t_trend = trends.median(train, trend_window(ti.shape[0]))
    v_trend = trends.median(val, max(3, min(trend_window(vi.shape[0]), 9)))
    v_end = float(v_trend[-1])
    v_step = int(val.steps[vi[-1]])
    # the training level where validation was last evaluated
    t_end = float(np.interp(v_step, train.steps[ti].astype(np.float64), t_trend))
    gap = v_end - t_end
    start = _start_level(t_trend)
    if baseline is not None and baseline > 0 and t_end >= 0:
        scale, scale_text = baseline, "the chance level"
    elif start > 0 and t_end >= 0:
        scale, scale_text = start, "the starting training loss"
    else:
        scale, scale_text = start - float(np.min(t_trend)), "the training loss's total drop"
    if not (scale > 0 and t_end > 0 and v_end >= config.gap_ratio * t_end and gap >= config.gap_fraction * scale):
        return None
    ratio = v_end / t_end
    epoch = epoch_at(val, int(vi[-1]), x_is_epoch)
    where = where_text(v_step, epoch)
    return Flag(
        kind="generalisation_gap",
        severity="warning",
        message=(
            f"Validation loss ended {ratio:.1f}\u00d7 the training loss ({v_end:.3g} against "
            f"{t_end:.3g} at {where}): the gap, {gap:.3g}, is {100 * gap / scale:.0f}% of "
            f"{scale_text} ({scale:.3g})."
        ),
        metric=val.name,
        step=v_step,
        epoch=epoch,
        evidence={
            "criterion": "end_gap",
            "val_end": num(v_end),
            "train_end": num(t_end),
            "gap": num(gap),
            "ratio": num(ratio, 4),
            "ratio_threshold": num(config.gap_ratio),
            "scale": num(scale),
            "scale_source": scale_text,
            "gap_share_of_scale": num(gap / scale, 4),
            "share_threshold": num(config.gap_fraction),
        },
        facts=(
            ("validation loss", f"{v_end:.3g}"),
            ("training loss", f"{t_end:.3g}"),
            ("ratio", f"{ratio:.1f}\u00d7"),
            ("gap against " + scale_text, f"{100 * gap / scale:.0f}%"),
        ),
    )


# Below this many points a running median eats the very points that matter (a first
# evaluation before fine-tuning, the last two epochs): short series are judged on raw values.
SHORT = 30


def _worsened(series: Series, config: AnalysisConfig, trends: Trends, window: int) -> dict | None:
    """(best index, best level, end level, rise, progress) of a loss that ends above its best
    by at least config.worse_fraction of the progress made before the best and by config.noise_z
    noise sigmas (for short series, sigmas of the end level, the median of the last quarter).
    Long series are judged on their running-median trend, short ones (under SHORT points) on
    raw values. None when it did not get worse."""
    idx, y = _finite(series)
    n = idx.shape[0]
    if n < 5:
        return None
    sigma = trends.noise(series)
    if n >= SHORT:
        # the trend's minimum is itself a low draw of the noise: a full noise_z sigmas
        level = trends.median(series, window)
        end, k, margin = float(level[-1]), window, config.noise_z * sigma
    else:
        level = y
        k = max(3, n // 4)
        end = float(np.median(y[-k:]))
        margin = config.noise_z * sigma / math.sqrt(k)
    i_best = int(np.argmin(level))
    best = float(level[i_best])
    start = float(np.max(level[: i_best + 1]))
    rise = end - best
    progress = start - best
    # (written so that worse_fraction: .inf silences the rule even when progress is 0)
    if i_best >= n - k or rise <= margin or not rise >= config.worse_fraction * progress:
        return None
    return {"i": int(idx[i_best]), "best": best, "end": end, "rise": rise, "progress": progress}


def got_worse(
    train: Series | None, val: Series | None, config: AnalysisConfig, x_is_epoch: bool, trends: Trends
) -> Flag | None:
    """Warning when the training loss and (when logged) the validation loss both end clearly
    above their best trend level (see _worsened), with no non-finite value in either: the whole
    run got worse, which is neither overfitting (training loss falls) nor divergence (no
    explosion, no NaN)."""
    if train is None:
        return None
    for s in (train, val):
        if s is not None and not np.isfinite(s.values).all():
            return None
    t = _worsened(train, config, trends, trend_window(int(np.isfinite(train.values).sum())))
    if t is None:
        return None
    v = None
    if val is not None:
        nv = int(np.isfinite(val.values).sum())
        v = _worsened(val, config, trends, val_window(nv))
        if v is None:
            return None
    i = t["i"]
    epoch = epoch_at(train, i, x_is_epoch)
    where = where_text(int(train.steps[i]), epoch)
    tail = (
        f"; validation loss also rose, from {v['best']:.3g} to {v['end']:.3g}"
        if v is not None
        else " (no validation loss was logged)"
    )
    evidence = {
        "criterion": "ends_above_best",
        "worse_fraction": num(config.worse_fraction),
        "train_best": num(t["best"]),
        "train_best_step": int(train.steps[i]),
        "train_end": num(t["end"]),
        "train_rise": num(t["rise"]),
        "train_progress_before_best": num(t["progress"]),
        "val_best": num(v["best"]) if v else None,
        "val_best_step": int(val.steps[v["i"]]) if v and val is not None else None,
        "val_end": num(v["end"]) if v else None,
        "val_rise": num(v["rise"]) if v else None,
    }
    facts = [("best training loss", f"{t['best']:.3g} at {where}"), ("training loss at the end", f"{t['end']:.3g}")]
    if v is not None:
        facts.append(("validation loss", f"{v['best']:.3g} \u2192 {v['end']:.3g}"))
    return Flag(
        kind="got_worse",
        severity="warning",
        message=(
            f"Training got worse: training loss rose from its best {t['best']:.3g} at {where} to "
            f"{t['end']:.3g} at the end{tail}."
        ),
        metric=train.name,
        step=int(train.steps[i]),
        epoch=epoch,
        evidence=evidence,
        facts=tuple(facts),
    )
