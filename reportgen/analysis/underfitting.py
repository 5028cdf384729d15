"""Underfitting: the training loss stays near the chance baseline of the declared loss, or
stays flat over the whole run."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reportgen.analysis.trends import Trends
from reportgen.analysis.util import num
from reportgen.model import AnalysisConfig, Flag, RunSpec, Series


def chance_baseline(spec: RunSpec, config: AnalysisConfig) -> tuple[float | None, str | None]:
    """(chance-level loss, how it was derived) for the run's declared loss.

    A loss that predicts the class prior of K balanced classes scores ln K in cross-entropy and
    ln 2 in binary cross-entropy; predicting the mean scores the target variance in MSE, which
    only the user knows (config.baseline). config.baseline, when set, wins.
    """
    if config.baseline is not None:
        return float(config.baseline), "configured baseline"
    if spec.loss == "cross_entropy" and spec.num_classes is not None and spec.num_classes >= 2:
        return math.log(
            spec.num_classes
        ), f"ln {spec.num_classes} (cross-entropy, {spec.num_classes} classes)"
    if spec.loss == "bce":
        return math.log(2.0), "ln 2 (binary cross-entropy)"
    return None, None


def _levels(y: np.ndarray, sigma: float) -> tuple[float, float, int, float] | None:
    """(start level, end level, finite points, standard error of the relative drop) of a loss's
    finite values `y` with noise scale `sigma` (diff_sigma): the highest median of the blocks
    (10% of the points each) in the first quarter (skips warm-up) and the median of the last
    block."""
    n = y.shape[0]
    if n < 3:
        return None
    # medians of blocks of 10% of the points, so noise cannot inflate the early peak
    width = max(5, n // 10)
    full = n // width  # the whole blocks, all medianed in one call
    blocks = np.median(y[: full * width].reshape(full, width), axis=1).tolist() if full else [float(np.median(y))]
    head = max(1, (n // 4) // width)
    start = max(blocks[:head])
    end = blocks[-1] if n >= 2 * width else float(np.median(y[-width:]))
    # standard error of the relative drop: two medians of `width` points (1.25 sigma/sqrt(w) each)
    scale = abs(start) if start else 1.0
    se = math.sqrt(2.0) * 1.25 * sigma / math.sqrt(width) / scale
    return start, end, n, se


def _fell_early(y: np.ndarray, end: float, sigma: float) -> bool:
    """True when the first few of a loss's finite values `y` sit well above the end level: the
    loss fell fast before the first block and then levelled off, which is learning, not a flat
    loss."""
    k = max(3, y.shape[0] // 50)
    early = float(np.median(y[:k]))
    margin = max(0.1 * abs(end), 3.0 * 1.25 * sigma / math.sqrt(k))
    return early > end + margin


def underfitting(
    train: Series | None,
    spec: RunSpec,
    config: AnalysisConfig,
    baseline: float | None,
    baseline_text: str | None,
    trends: Trends | None = None,
) -> Flag | None:
    """Flag when the training loss ends at or above config.underfit_ratio of the chance
    baseline, or (no baseline needed) when it fell by less than config.underfit_flat_drop
    over at least 20 points (by more than two standard errors of the measured drop, so noise
    alone cannot make a flat curve look like it learned) and its first points were not well
    above its end (a fast early drop followed by a level loss is learning)."""
    if train is None:
        return None
    finite = np.isfinite(train.values)
    y = train.values if finite.all() else train.values[finite]  # read only
    sigma = (trends if trends is not None else Trends()).noise(train)  # diff_sigma(y)
    lv = _levels(y, sigma)
    if lv is None:
        return None
    start, end, n, se = lv
    drop = (start - end) / abs(start) if start != 0 else 0.0
    ev: dict[str, Any] = {
        "role": "train_loss",
        "start_level": num(start),
        "end_level": num(end),
        "relative_drop": num(drop, 4),
        "baseline": num(baseline),
        "baseline_source": baseline_text,
        "ratio_threshold": num(config.underfit_ratio),
        "flat_drop_threshold": num(config.underfit_flat_drop),
        "drop_standard_error": num(se, 4),
    }
    if baseline is not None and baseline > 0 and end >= config.underfit_ratio * baseline:
        ev["criterion"] = "near_chance"
        ev["end_to_baseline"] = num(end / baseline, 4)
        msg = (
            f"Training loss ended at {end:.3g}, {100 * end / baseline:.0f}% of the chance level "
            f"{baseline:.3g} ({baseline_text}): the model learned little."
        )
    elif n >= 20 and abs(drop) < config.underfit_flat_drop + 2.0 * se and not _fell_early(y, end, sigma):
        # flat in both directions: a loss that rose (e.g. a log-likelihood going -5 -> -1.1)
        # did not stay flat; that is "got worse", judged by direction, not a floor at zero
        ev["criterion"] = "flat"
        msg = (
            f"Training loss stayed flat around {end:.3g}, falling only {100 * max(drop, 0):.1f}% "
            "over the whole run."
        )
    else:
        return None
    return Flag(
        kind="underfitting",
        severity="warning",
        message=msg,
        metric=train.name,
        step=int(train.steps[-1]),
        evidence=ev,
        facts=(
            (("start", f"{start:.3g}"), ("end", f"{end:.3g}"), ("chance level", f"{baseline:.3g}"))
            if ev["criterion"] == "near_chance"
            else (("start", f"{start:.3g}"), ("end", f"{end:.3g}"), ("drop", f"{100 * max(drop, 0):.1f}%"))
        ),
    )
