"""The index's sparkline of a run: what it plots and the y range it is drawn on (docs/figures.md,
"Numbers and tables"). Pure; figures.plan_thumbnail draws it, summary.json records its range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reportgen.figures.axis_rules import LIMIT, is_sparse, loss_scale
from reportgen.figures.decimation import THUMB_COLUMNS, decimate, x_values
from reportgen.model import RunAnalysis, RunData

# A sparkline whose values move by less than this share of their size is drawn flat: on its own
# tiny axis a change of 0.001% would otherwise fill the whole height and look like a cliff.
FLAT_SHARE = 0.01


@dataclass(frozen=True)
class Sparkline:
    role: str
    metric: str
    x: np.ndarray
    y: np.ndarray
    low: float  # the range of the plotted values, printed beside the sparkline
    high: float
    ylim: tuple[float, float]
    scale: str


def plan_sparkline(run: RunData, analysis: RunAnalysis) -> Sparkline | None:
    """The index's trend of a run: validation loss (else train loss), smoothed where dense and
    raw where sparse, with the range it spans; flat when it barely moves."""
    for role in ("val_loss", "train_loss", "train_loss_epoch"):
        s = run.role(role)
        if s is None or len(s) < 2:
            continue
        y = s.values if is_sparse(s.values) else analysis.smoothed.get(s.name, s.values)
        x, y = decimate(x_values(s, run.x), y, THUMB_COLUMNS)
        finite = y[np.isfinite(y)]
        if finite.size < 2:
            continue
        low, high = float(finite.min()), float(finite.max())
        scale = loss_scale([y])
        lo, hi = max(low, -LIMIT), min(high, LIMIT)  # the drawable range; its middle never overflows
        mid = lo / 2 + hi / 2
        if hi - lo <= FLAT_SHARE * max(abs(lo), abs(hi)):
            ylim = (mid - 0.5 * abs(mid) - 1e-12, mid + 0.5 * abs(mid) + 1e-12) if scale == "linear" else (mid / 3, mid * 3)
        else:
            ylim = (lo, hi)
        return Sparkline(role, s.name, x, y, low, high, ylim, scale)
    return None
