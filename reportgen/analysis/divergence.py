"""Divergence (a loss went non-finite or exploded) and instability (isolated loss spikes)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reportgen.analysis.smoothing import local_sigma, trend_window
from reportgen.analysis.trends import Trends
from reportgen.analysis.util import epoch_at, num, where_text
from reportgen.model import AnalysisConfig, Flag, Series

MAX_REPORTED_SPIKES = 50


def _label(role: str) -> str:
    return {
        "train_loss": "Training loss",
        "train_loss_epoch": "Per-epoch training loss",
        "val_loss": "Validation loss",
        "test_loss": "Test loss",
    }.get(role, "Loss")


def _quantum(y: np.ndarray) -> float:
    """Smallest gap between distinct values: the logging resolution when values were rounded
    (for full-precision floats it is tiny and changes nothing)."""
    u = np.unique(y)
    return float(np.min(np.diff(u))) if u.shape[0] > 1 else 0.0


def _points(series: Series, idx: np.ndarray) -> np.ndarray:
    """series.values[idx]; the values themselves (read only) when idx takes every point."""
    return series.values if idx.shape[0] == len(series) else series.values[idx]


def non_finite(series: Series, role: str, x_is_epoch: bool) -> Flag | None:
    """Flag at the first NaN/inf value of a loss, with the last finite value before it."""
    bad = np.nonzero(~np.isfinite(series.values))[0]
    if bad.shape[0] == 0:
        return None
    i = int(bad[0])
    raw = float(series.values[i])
    token = "NaN" if math.isnan(raw) else ("infinite" if raw > 0 else "negative infinite")
    step = int(series.steps[i])
    epoch = epoch_at(series, i, x_is_epoch)
    before = np.nonzero(np.isfinite(series.values[:i]))[0]
    last_i = int(before[-1]) if before.shape[0] else None
    after_finite = int(np.count_nonzero(np.isfinite(series.values[i:])))
    if last_i is None:
        tail = "; no finite value was logged before it"
    else:
        tail = (
            f"; the last finite value was {series.values[last_i]:.4g} at "
            f"{where_text(int(series.steps[last_i]), epoch_at(series, last_i, x_is_epoch))}"
        )
    return Flag(
        kind="divergence",
        severity="error",
        message=f"{_label(role)} became {token} at {where_text(step, epoch)}{tail}.",
        metric=series.name,
        step=step,
        epoch=epoch,
        evidence={
            "criterion": "non_finite",
            "role": role,
            "value": "nan" if math.isnan(raw) else ("inf" if raw > 0 else "-inf"),
            "first_nonfinite_step": step,
            "last_finite_step": int(series.steps[last_i]) if last_i is not None else None,
            "last_finite_value": num(series.values[last_i]) if last_i is not None else None,
            "nonfinite_points": int(bad.shape[0]),
            "finite_points_after": after_finite,
        },
        facts=(
            ("first non-finite value", f"{token} at {where_text(step, epoch)}"),
            (
                "last finite value",
                "none"
                if last_i is None
                else f"{series.values[last_i]:.4g} at "
                f"{where_text(int(series.steps[last_i]), epoch_at(series, last_i, x_is_epoch))}",
            ),
        ),
    )


def explosion(
    series: Series, role: str, config: AnalysisConfig, x_is_epoch: bool, trends: Trends | None = None
) -> Flag | None:
    """Flag where the loss trend (running median, so one spike cannot trigger it) first either
    rises above config.diverge_factor times its running minimum while also giving back at
    least config.diverge_progress of the decrease made so far (a loss near zero that doubles
    has not diverged), or climbs back above its starting level after having fallen by at least
    a third."""
    idx = np.nonzero(np.isfinite(series.values))[0]
    if idx.shape[0] < 5:
        return None
    trends = trends if trends is not None else Trends()
    trend = trends.median(series, trend_window(idx.shape[0]))
    runmin = np.minimum.accumulate(trend)
    if not runmin[-1] > 0:
        return None  # ratios mean nothing for losses that reach zero or go negative
    y0 = float(trend[0])
    # (one scratch array for the products: on a 10M-point log each fresh array costs)
    gap = trend - runmin
    scratch = np.multiply(config.diverge_factor, runmin)
    far_above_min = trend > scratch
    far_above_min &= gap >= np.multiply(config.diverge_progress, np.subtract(y0, runmin, out=scratch), out=scratch)
    # back above where it started after having fallen by at least a third
    back_to_start = (trend > y0) & (np.multiply(runmin, 1.5, out=scratch) <= y0)
    # and in every case clearly out of the noise of single points (a converged loss wobbling
    # between 0.0005 and 0.003 has not exploded)
    sigma = trends.noise(series)  # diff_sigma(y)
    hit = (far_above_min | back_to_start) & (gap > config.noise_z * sigma)
    where = np.nonzero(hit)[0]
    if where.shape[0] == 0:
        return None
    j = int(where[0])
    i = int(idx[j])
    step = int(series.steps[i])
    epoch = epoch_at(series, i, x_is_epoch)
    j_min = int(np.argmin(trend[: j + 1]))
    ratio = float(trend[j] / runmin[j])
    return Flag(
        kind="divergence",
        severity="error",
        message=(
            f"{_label(role)} exploded at {where_text(step, epoch)}: it rose to "
            f"{ratio:.1f}\u00d7 its best level so far ({runmin[j]:.4g} \u2192 {trend[j]:.4g})."
        ),
        metric=series.name,
        step=step,
        epoch=epoch,
        evidence={
            "criterion": "explosion",
            "rule": "above_start" if not far_above_min[j] else "factor_over_running_min",
            "role": role,
            "factor": num(config.diverge_factor),
            "progress_lost_min": num(config.diverge_progress),
            "explosion_step": step,
            "level": num(trend[j]),
            "running_min": num(runmin[j]),
            "running_min_step": int(series.steps[idx[j_min]]),
            "initial": num(y0),
            "ratio": num(ratio, 4),
            "final": num(trend[-1]),
            "noise_sigma": num(sigma),
        },
        facts=(
            ("best level before", f"{runmin[j]:.4g}"),
            ("level at the explosion", f"{trend[j]:.4g} at {where_text(step, epoch)}"),
            ("factor", f"{ratio:.1f}\u00d7"),
        ),
    )


def spikes(
    series: Series,
    role: str,
    config: AnalysisConfig,
    x_is_epoch: bool,
    before_step: int | None,
    trends: Trends | None = None,
) -> Flag | None:
    """Flag isolated upward spikes: points whose residual from the running-median trend has
    a robust z-score above config.spike_z and that rise at least config.spike_min_rise above
    the local level. For a positive loss the residual is taken in log space, because minibatch
    noise is multiplicative: a loss hovering near 0.01 routinely shows batches at 0.1.
    Consecutive spike points count as one spike. Points at or after `before_step` (where the
    loss diverged) are ignored."""
    idx = np.nonzero(np.isfinite(series.values))[0]
    finite = idx.shape[0]
    if before_step is not None:
        idx = idx[series.steps[idx] < before_step]  # steps ascend: a prefix of the finite points
    n = idx.shape[0]
    if n < config.spike_min_points:
        return None
    y = _points(series, idx)
    trends = trends if trends is not None else Trends()
    trend = trends.median(series, max(trend_window(n), 7), None if n == finite else n)
    relative = bool(np.all(y > 0))  # ratios to the local level only mean something then
    u = np.log(y) if relative else y
    u_trend = np.log(trend) if relative else trend
    # Noise from second differences, locally: the residual from a running median is exactly
    # zero wherever the curve is locally monotone, so its own spread would understate it.
    sigma_at = local_sigma(u, min(max(41, (n // 10) | 1), 201))
    # in place where the array is this function's own (a 10M-point log: each copy counts)
    resid = np.subtract(u, u_trend, out=u_trend) if relative else u - u_trend
    positive = sigma_at > 0
    if not positive.any():
        return None
    floor = float(np.median(sigma_at[positive], overwrite_input=True)) * 1e-3  # locally noise-free
    sigma_at = np.maximum(sigma_at, floor, out=sigma_at)
    z = np.divide(resid, sigma_at, out=resid)
    sigma = float(np.median(sigma_at, overwrite_input=True))
    above = z > config.spike_z
    # Values logged with few digits (0.0001, 0.0002, ...) jump by whole quanta: a jump of one
    # or two quanta is rounding, not a spike. (A sort of every point: only when it can matter.)
    if above.any():
        above &= y - trend > 2.0 * _quantum(y)
    if relative:
        above &= y >= (1.0 + config.spike_min_rise) * trend
    # Near the ends the centred median sees only one side, so a steep first drop (or a final
    # rise) would look like a spike: only points with a full window on both sides count.
    half = max(trend_window(n), 7) // 2
    above[:half] = False
    above[n - half :] = False
    if not above.any():
        return None
    # one spike per run of consecutive points; report its peak
    pos = np.nonzero(above)[0]
    groups = np.split(pos, np.nonzero(np.diff(pos) > 1)[0] + 1)
    peaks = [int(g[np.argmax(z[g])]) for g in groups]
    k_big = max(peaks, key=lambda k: (z[k], -k))
    # One spike that the loss recovers from is a blip (a bad batch), not instability: it takes
    # spikes repeated, or a spike after which the loss stays above its level before it.
    before_level = float(trend[max(k_big - half, 0)])
    after_level = float(np.median(y[k_big + 1 : k_big + 1 + half])) if k_big + 1 < n else before_level
    recovered = after_level <= before_level + config.spike_min_rise * abs(before_level)
    if len(peaks) < config.instability_min_spikes and recovered:
        return None
    ratio_big = float(y[k_big] / trend[k_big]) if relative else None
    step_big = int(series.steps[idx[k_big]])
    epoch_big = epoch_at(series, int(idx[k_big]), x_is_epoch)
    count = len(peaks)
    size = (
        f"{ratio_big:.1f}\u00d7 the local level"
        if ratio_big is not None
        else (f"{y[k_big] - trend[k_big]:.4g} above the local level")
    )
    times = "once and did not recover" if count == 1 else f"{count} times"
    shown = peaks[:MAX_REPORTED_SPIKES]
    evidence: dict[str, Any] = {
        "criterion": "robust_z",
        "role": role,
        "z_threshold": num(config.spike_z),
        "noise": "local robust sigma of second differences" + (" of log(loss)" if relative else ""),
        "noise_sigma": num(sigma),
        "spike_count": count,
        "spike_steps": [int(series.steps[idx[k]]) for k in shown],
        "spike_values": [num(y[k]) for k in shown],
        "spike_z": [num(z[k], 4) for k in shown],
        "local_levels": [num(trend[k]) for k in shown],
        "largest_step": step_big,
        "min_spikes": int(config.instability_min_spikes),
        "recovered": bool(recovered),
    }
    return Flag(
        kind="instability",
        severity="warning",
        message=(
            f"{_label(role)} spiked {times}; the largest spike reached {size} at "
            f"{where_text(step_big, epoch_big)}."
        ),
        metric=series.name,
        step=step_big,
        epoch=epoch_big,
        evidence=evidence,
        facts=(
            ("spikes", str(count)),
            ("largest", f"{y[k_big]:.3g} at {where_text(step_big, epoch_big)}"),
            ("local level there", f"{trend[k_big]:.3g}"),
        ),
    )


def thrashing(
    series: Series,
    role: str,
    config: AnalysisConfig,
    x_is_epoch: bool,
    start_level: float | None,
    trends: Trends | None = None,
) -> Flag | None:
    """Flag a loss that repeatedly climbs back towards where it started: at least
    config.instability_min_spikes separate excursions that give back
    config.instability_regress of the progress made (from `start_level`, the chance level when
    known, else the first logged level, down to the trend's running minimum) and stand
    config.noise_z noise sigmas above the local trend, in a run whose total progress exceeds
    2 * noise_z sigmas and whose trend ends config.instability_unrecovered of it above its
    lowest level. Spikes measured against local noise miss this: a thrashing run is noisy
    everywhere."""
    idx = np.nonzero(np.isfinite(series.values))[0]
    n = idx.shape[0]
    if n < config.spike_min_points:
        return None
    y = _points(series, idx)
    trends = trends if trends is not None else Trends()
    trend = trends.median(series, max(trend_window(n), 7))
    # where the run started: its first logged points (a fast first drop leaves the trend's
    # start far below them), or the chance level when known
    first = max(float(np.median(y[:3])), float(trend[0]))
    top = max(first, start_level) if start_level is not None else first
    runmin = np.minimum.accumulate(trend)
    with np.errstate(over="ignore", invalid="ignore"):  # losses near 1e308: no flag, no warning
        return _thrash(series, role, config, x_is_epoch, idx, y, trend, top, runmin, trends, start_level)


def _thrash(
    series: Series,
    role: str,
    config: AnalysisConfig,
    x_is_epoch: bool,
    idx: np.ndarray,
    y: np.ndarray,
    trend: np.ndarray,
    top: float,
    runmin: np.ndarray,
    trends: Trends,
    start_level: float | None,
) -> Flag | None:
    """thrashing's test and flag, once its trend and levels are known."""
    n = idx.shape[0]
    progress = top - runmin
    sigma = trends.noise(series)
    total = top - float(runmin[-1])
    if not math.isfinite(total):
        return None
    # a run that made real progress (well out of its noise) and whose trend never got back down
    # to its lowest level: a noisy converged loss, or hard batches in a falling one, are neither
    if total <= 2.0 * config.noise_z * sigma or trend[-1] - runmin[-1] < config.instability_unrecovered * total:
        return None
    hit = (y - runmin >= config.instability_regress * progress) & (progress > config.noise_z * sigma)
    hit &= y - trend > config.noise_z * sigma
    # only once half of the run's eventual drop was made (early noise gives back a tiny
    # progress), and past the first half-window, where the trend has not caught up yet
    hit &= progress >= 0.5 * (top - float(runmin[-1]))
    hit[: max(trend_window(n), 7) // 2 + 1] = False
    pos = np.nonzero(hit)[0]
    if pos.shape[0] == 0:
        return None
    groups = np.split(pos, np.nonzero(np.diff(pos) > 1)[0] + 1)
    if len(groups) < config.instability_min_spikes:
        return None
    peaks = [int(g[np.argmax(y[g])]) for g in groups]
    k = max(peaks, key=lambda j: (y[j] - runmin[j], -j))
    step = int(series.steps[idx[k]])
    epoch = epoch_at(series, int(idx[k]), x_is_epoch)
    given_back = float((y[k] - runmin[k]) / progress[k])
    shown = peaks[:MAX_REPORTED_SPIKES]
    towards = f"the chance level {top:.3g}" if start_level is not None and top == start_level else "its starting level"
    return Flag(
        kind="instability",
        severity="warning",
        message=(
            f"{_label(role)} climbed back {len(peaks)} times towards {towards}; the "
            f"largest excursion reached {y[k]:.3g} at {where_text(step, epoch)}, giving back "
            f"{100 * given_back:.0f}% of the progress made down to {runmin[k]:.3g}."
        ),
        metric=series.name,
        step=step,
        epoch=epoch,
        evidence={
            "criterion": "regress_towards_start",
            "role": role,
            "start_level": num(top),
            "regress_threshold": num(config.instability_regress),
            "excursions": len(peaks),
            "spike_steps": [int(series.steps[idx[j]]) for j in shown],
            "spike_values": [num(y[j]) for j in shown],
            "running_min": [num(runmin[j]) for j in shown],
            "largest_step": step,
            "progress_given_back": num(given_back, 4),
            "noise_sigma": num(sigma),
        },
        facts=(
            ("excursions", str(len(peaks))),
            ("largest", f"{y[k]:.3g} at {where_text(step, epoch)}"),
            ("best level before it", f"{runmin[k]:.3g}"),
            ("progress given back", f"{100 * given_back:.0f}%"),
        ),
    )


def merge_divergence(flags: list[Flag]) -> Flag | None:
    """One finding for one divergence: the non-finite and explosion flags of a run's losses
    merged, in step order, into the earliest one's position, with every piece of evidence
    (`events`, one entry per detector and loss)."""
    if not flags:
        return None
    ordered = sorted(flags, key=lambda f: (f.step if f.step is not None else 0, f.evidence.get("criterion") != "explosion"))
    first = ordered[0]
    if len(ordered) == 1:
        return first
    rest = " ".join(f.message for f in ordered[1:])
    evidence = dict(first.evidence)
    evidence["events"] = [dict(f.evidence, metric=f.metric, step=f.step) for f in ordered]
    facts = list(first.facts)
    for f in ordered[1:]:
        label = "then " + ("non-finite" if f.evidence.get("criterion") == "non_finite" else "exploded")
        facts.append((f"{label} ({f.metric})", where_text(int(f.step or 0), f.epoch)))
    return Flag(
        kind="divergence",
        severity="error",
        message=f"{first.message} Then: {rest}",
        metric=first.metric,
        step=first.step,
        epoch=first.epoch,
        evidence=evidence,
        facts=tuple(facts[:4]),
    )
