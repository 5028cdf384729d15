"""Plateaus: stretches where the smoothed loss stops improving, by ReduceLROnPlateau's rule,
kept only when they are stalls rather than convergence: before most of the drop was made, or
followed by a later drop. A loss that is flat after most of its drop has converged."""

from __future__ import annotations

import numpy as np

from reportgen.analysis.smoothing import trend_window
from reportgen.analysis.trends import Trends
from reportgen.analysis.util import epoch_of_step, num, where_text
from reportgen.model import AnalysisConfig, Flag, Series


def plateau_windows(values: np.ndarray, threshold: float, patience: int) -> list[tuple[int, int]]:
    """(start, end) index pairs of stretches with no improvement for more than `patience`
    points. As in torch's ReduceLROnPlateau(mode="min", threshold_mode="rel"), a point improves
    when it is below best * (1 - threshold) (best - |best| * threshold for negative bests); the
    window runs from the last improving point to the point before the next one (or the end)."""
    vals = np.asarray(values, dtype=np.float64)
    n = vals.shape[0]
    out: list[tuple[int, int]] = []
    if n == 0:
        return out
    # The first point always improves (the best starts at +inf). With finite values and a
    # threshold >= 0 an improving point lies below every point before it, so only those
    # record lows need the comparison, one pass in plain floats; otherwise jump from one
    # improving point to the next with a vectorised search ahead of it. Both make torch's
    # comparisons, so both give its windows.
    last = 0
    if threshold >= 0 and np.isfinite(vals).all():
        bound = _bound(float(vals[0]), threshold)
        lows = np.flatnonzero(vals[1:] < np.minimum.accumulate(vals)[:-1]) + 1
        for i, v in zip(lows.tolist(), vals[lows].tolist()):
            if v < bound:
                if i - last - 1 > patience:
                    out.append((last, i - 1))
                last, bound = i, _bound(v, threshold)
    else:
        while (nxt := _next_improvement(vals, last, threshold)) is not None:
            if nxt - last - 1 > patience:
                out.append((last, nxt - 1))
            last = nxt
    if n - 1 - last > patience:
        out.append((last, n - 1))
    return out


def _bound(best: float, threshold: float) -> float:
    """What a point must go below to improve on `best` (ReduceLROnPlateau, mode min, rel)."""
    return best - abs(best) * threshold


def _next_improvement(vals: np.ndarray, last: int, threshold: float) -> int | None:
    """The first index after `last` that improves on vals[last] (ReduceLROnPlateau's rule)."""
    n = vals.shape[0]
    if last + 1 >= n:
        return None
    best = float(vals[last])
    if not np.isfinite(best):
        return last + 1  # nothing finite to beat: the next point counts as an improvement
    bound = _bound(best, threshold)
    start, block = last + 1, 256
    while start < n:
        chunk = vals[start:start + block]
        hits = np.flatnonzero(chunk < bound)
        if hits.size:
            return start + int(hits[0])
        start += block
        block = min(block * 4, 1 << 20)
    return None


def stalled_windows(
    trend: np.ndarray, windows: list[tuple[int, int]], config: AnalysisConfig
) -> list[tuple[int, int]]:
    """The windows of `trend` that are stalls, not convergence: those starting before
    config.plateau_max_progress of the total drop (highest early level to the lowest level)
    was made, or followed by a further drop of at least config.plateau_later_drop of it. When
    the loss never dropped, every window is a stall."""
    n = trend.shape[0]
    if not windows or n == 0:
        return []
    # the highest early level, so a warm-up that rises first does not shrink the drop
    start = float(np.max(trend[: max(1, n // 10)]))
    drop = start - float(np.min(trend))
    if not drop > abs(start) * config.plateau_threshold:
        return list(windows)
    kept = []
    for a, b in windows:
        level = float(trend[a])
        progress = (start - level) / drop
        later = (level - float(np.min(trend[b:]))) / drop
        if progress < config.plateau_max_progress or later >= config.plateau_later_drop:
            kept.append((a, b))
    return kept


def plateaus(
    series: Series | None,
    role: str,
    config: AnalysisConfig,
    trends: Trends | None = None,
    x_is_epoch: bool = False,
) -> Flag | None:
    """One info flag listing every plateau of the loss trend (a running median, so minibatch
    noise neither fakes nor hides improvements); a plateau must last more than
    max(config.plateau_patience, config.plateau_min_fraction * points) points and be a stall,
    not convergence (see stalled_windows)."""
    if series is None:
        return None
    idx = np.nonzero(np.isfinite(series.values))[0]
    n = idx.shape[0]
    patience = max(int(config.plateau_patience), int(config.plateau_min_fraction * n))
    if n <= patience + 1:
        return None
    # A median as wide as the patience (at most 101 points): narrower ones leave enough noise
    # for a chance dip to count as an improvement, or to hide a slow real one.
    window = min(max(trend_window(n), patience | 1), 101)
    trend = (trends if trends is not None else Trends()).median(series, window)  # at idx
    wins = stalled_windows(trend, plateau_windows(trend, config.plateau_threshold, patience), config)
    if not wins:
        return None
    steps = series.steps[idx]
    windows = [[int(steps[a]), int(steps[b])] for a, b in wins]
    k = max(range(len(wins)), key=lambda j: (windows[j][1] - windows[j][0], -windows[j][0]))
    longest = windows[k]
    a, b = wins[k]
    level = float(trend[a])
    later = level - float(np.min(trend[b:]))
    label = "Training loss" if role.startswith("train") else "Validation loss"
    pct = f"{100 * config.plateau_threshold:g}%"
    # positions in the words every page uses ("epoch 11 (step 55)")
    start, end = (where_text(st, epoch_of_step(series, st, x_is_epoch)) for st in longest)
    after = (
        f"then fell a further {later:.3g}"
        if later > abs(level) * config.plateau_threshold
        else "and did not fall again"
    )
    if len(windows) == 1:
        msg = (
            f"{label} stalled near {level:.3g} (no improvement above {pct}) from "
            f"{start} to {end}, {after}."
        )
    else:
        msg = (
            f"{label} stalled (no improvement above {pct}) {len(windows)} times; the longest "
            f"stretch, near {level:.3g}, ran from {start} to {end}, {after}."
        )
    levels = [num(trend[a]) for a, _ in wins]
    return Flag(
        kind="plateau",
        severity="info",
        message=msg,
        metric=series.name,
        step=longest[0],
        evidence={
            "criterion": "reduce_lr_on_plateau",
            "role": role,
            "threshold": num(config.plateau_threshold),
            "patience_points": patience,
            "median_window": window,
            "windows": windows,
            "levels": levels,
            "ends_at_last_point": bool(wins[-1][1] == n - 1),
            "later_drop": num(later),
        },
        facts=(
            ("stalled from", start),
            ("to", end),
            ("level", f"{level:.3g}"),
            ("later drop", f"{max(later, 0.0):.3g}"),
        ),
    )
