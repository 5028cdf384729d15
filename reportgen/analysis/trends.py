"""The smoothed curves of one analysis, each worked out once.

Several detectors look at the same curve: explosion, spikes, the convergence fit and the
overfitting check all take the running-median trend of the training loss, and the convergence
fit re-smooths the loss the summary already smoothed. On a 10M-point log each of these costs a
pass of a second or so; `analyse` makes one Trends per call and hands it to them.
"""

from __future__ import annotations

import numpy as np

from reportgen.analysis.smoothing import diff_sigma, ema, running_median
from reportgen.model import Series


class Trends:
    """Memo of running medians and EMAs of series, for one analysis. Entries hold their series,
    so an id is never reused while it is a key. The arrays returned are shared: read only."""

    def __init__(self) -> None:
        self._memo: dict[tuple, tuple[Series, np.ndarray]] = {}

    def median(self, series: Series, window: int, count: int | None = None) -> np.ndarray:
        """running_median(finite values of `series`, window), on the first `count` finite
        values when given."""
        key = ("median", id(series), int(window), count)
        hit = self._memo.get(key)
        if hit is None:
            y = self._finite(series)
            hit = self._memo[key] = (series, running_median(y if count is None else y[:count], window))
        return hit[1]

    def noise(self, series: Series) -> float:
        """diff_sigma of the finite values of `series`."""
        key = ("noise", id(series))
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = (series, diff_sigma(self._finite(series)))
        return hit[1]

    @staticmethod
    def _finite(series: Series) -> np.ndarray:
        """The finite values of `series`: the values themselves (read only) when all are."""
        finite = np.isfinite(series.values)
        return series.values if finite.all() else series.values[finite]

    def ema(self, series: Series, weight: float) -> np.ndarray:
        """ema(series.values, weight): full length, NaN at the non-finite points."""
        key = ("ema", id(series), float(weight))
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = (series, ema(series.values, weight))
        return hit[1]
