"""Long series reach group and comparison pages thinned to what a figure can draw, as real
logged points; ordinary ones untouched."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_array_equal

from reportgen.figures.thinned_curves import KEEP_ALL_UP_TO, drawable
from reportgen.model import Series


def test_short_series_are_kept_whole() -> None:
    s = Series("loss", np.arange(KEEP_ALL_UP_TO, dtype=np.int64), np.ones(KEEP_ALL_UP_TO))
    smooth = np.ones(KEEP_ALL_UP_TO)
    assert drawable(s, smooth) == (s, smooth)


def test_long_series_keep_real_points_spikes_gaps_and_ends() -> None:
    n = 1_000_003
    rng = np.random.default_rng(5)
    steps = np.arange(n, dtype=np.int64) * 3 + 7
    values = np.exp(-np.arange(n) / 2e5) + 0.01 * rng.random(n)
    values[123_457] = 50.0  # one-step spike of the raw loss
    values[600_001] = np.nan
    smooth = np.convolve(values, np.ones(5) / 5, mode="same")
    smooth[987_654] = -3.0  # and a dip only the smoothed curve has
    epoch = np.arange(n) / 1000.0
    thin, thin_smooth = drawable(Series("loss", steps, values, epoch=epoch), smooth)
    assert 40_000 < len(thin) <= KEEP_ALL_UP_TO
    idx = np.searchsorted(steps, thin.steps)
    assert_array_equal(steps[idx], thin.steps)
    assert_array_equal(thin.values, values[idx])
    assert_array_equal(thin.epoch, epoch[idx])
    assert_array_equal(thin_smooth, smooth[idx])
    assert thin.wall_time is None
    for i in (0, n - 1, 123_457, 600_001, 987_654):
        assert steps[i] in thin.steps
