"""Plateaus: stretches where the smoothed loss stops improving, by ReduceLROnPlateau's rule."""

from __future__ import annotations

import numpy as np

from reportgen.analysis.smoothing import running_median, trend_window
from reportgen.analysis.util import num
from reportgen.model import AnalysisConfig, Flag, Series


def plateau_windows(values: np.ndarray, threshold: float, patience: int) -> list[tuple[int, int]]:
    """(start, end) index pairs of stretches with no improvement for more than `patience`
    points. As in torch's ReduceLROnPlateau(mode="min", threshold_mode="rel"), a point improves
    when it is below best * (1 - threshold) (best - |best| * threshold for negative bests); the
    window runs from the last improving point to the point before the next one (or the end)."""
    best = np.inf
    last = 0
    out: list[tuple[int, int]] = []
    vals = values.tolist()
    for i, v in enumerate(vals):
        improved = (not np.isfinite(best)) or v < best - abs(best) * threshold
        if improved:
            if i - last - 1 > patience:
                out.append((last, i - 1))
            best, last = v, i
    if len(vals) - 1 - last > patience:
        out.append((last, len(vals) - 1))
    return out


def plateaus(series: Series | None, role: str, config: AnalysisConfig) -> Flag | None:
    """One info flag listing every plateau of the loss trend (a running median, so minibatch
    noise neither fakes nor hides improvements); a plateau must last more than
    max(config.plateau_patience, config.plateau_min_fraction * points) points."""
    if series is None:
        return None
    idx = np.nonzero(np.isfinite(series.values))[0]
    n = idx.shape[0]
    patience = max(int(config.plateau_patience), int(config.plateau_min_fraction * n))
    if n <= patience + 1:
        return None
    smoothed = np.full(series.values.shape, np.nan)
    # A median as wide as the patience (at most 101 points): narrower ones leave enough noise
    # for a chance dip to count as an improvement, or to hide a slow real one.
    window = min(max(trend_window(n), patience | 1), 101)
    smoothed[idx] = running_median(series.values[idx], window)
    wins = plateau_windows(smoothed[idx], config.plateau_threshold, patience)
    if not wins:
        return None
    steps = series.steps[idx]
    windows = [[int(steps[a]), int(steps[b])] for a, b in wins]
    longest = max(windows, key=lambda w: (w[1] - w[0], -w[0]))
    label = "Training loss" if role.startswith("train") else "Validation loss"
    pct = f"{100 * config.plateau_threshold:g}%"
    if len(windows) == 1:
        msg = (
            f"{label} stopped improving by more than {pct} from step {longest[0]} to step "
            f"{longest[1]}."
        )
    else:
        msg = (
            f"{label} stalled (no improvement above {pct}) {len(windows)} times; the longest "
            f"stretch ran from step {longest[0]} to step {longest[1]}."
        )
    levels = [num(smoothed[idx[a]]) for a, _ in wins]
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
        },
    )
