"""Decimation for plotting: what a curve can show in a figure's pixel columns survives it."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from reportgen.figures.plan import decimate


def _column_extremes(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel column, the lowest and highest finite value (the slow, obvious way)."""
    col = np.minimum(((x - x[0]) * columns / (x[-1] - x[0])).astype(int), columns - 1)
    lows, highs = [], []
    for c in np.unique(col):
        seg = y[col == c]
        seg = seg[np.isfinite(seg)]
        if seg.size:
            lows.append(seg.min())
            highs.append(seg.max())
    return np.array(lows), np.array(highs)


def test_every_column_keeps_its_min_and_max() -> None:
    rng = np.random.default_rng(0)
    x = np.arange(200_000, dtype=float)
    y = np.cumsum(rng.normal(size=x.size))
    dx, dy = decimate(x, y, 300)
    assert dx.size <= 4 * 300
    lows, highs = _column_extremes(x, y, 300)
    got_lows, got_highs = _column_extremes(dx, dy, 300)
    assert_array_equal(got_lows, lows)
    assert_array_equal(got_highs, highs)
    # kept points are real points of the curve, in order
    assert (np.diff(dx) > 0).all()
    assert_array_equal(dy, y[dx.astype(int)])


def test_single_step_spikes_and_non_finite_points_survive() -> None:
    x = np.arange(10_000_000, dtype=float)  # a 10M-step log
    y = np.exp(-x / 3e6)
    y[4_321_987] = 1e308
    y[7_000_001] = -5.0
    y[9_999_998] = np.inf
    y[1_234_567] = np.nan
    dx, dy = decimate(x, y, 770)
    assert dx.size <= 4 * 770 + 2
    assert dx[dy == 1e308].tolist() == [4_321_987.0]
    assert dx[dy == -5.0].tolist() == [7_000_001.0]
    # non-finite points become NaN gaps at their own x
    assert dx[np.isnan(dy)].tolist() == [1_234_567.0, 9_999_998.0]
    assert dx[0] == 0 and dx[-1] == 9_999_999


def test_all_nan_and_tiny_series() -> None:
    x = np.arange(50_000, dtype=float)
    dx, dy = decimate(x, np.full(x.size, np.nan), 100)
    assert np.isnan(dy).all() and 1 <= dx.size <= 200
    one_x, one_y = decimate(np.array([3.0]), np.array([2.5]), 100)
    assert_allclose(one_x, [3.0]) and assert_allclose(one_y, [2.5])
    empty_x, empty_y = decimate(np.zeros(0), np.zeros(0), 100)
    assert empty_x.size == 0 and empty_y.size == 0


def test_uneven_steps_are_binned_by_x_not_by_index() -> None:
    # dense early logging, sparse later: columns follow x, so the sparse tail is not merged away
    x = np.concatenate([np.linspace(0, 1, 100_000), np.linspace(1.01, 100, 99)])
    y = np.concatenate([np.zeros(100_000), np.arange(99, dtype=float)])
    dx, dy = decimate(x, y, 100)
    assert_allclose(dx[-99:], x[-99:])
    assert_allclose(dy[-99:], y[-99:])


def test_non_monotonic_x_falls_back_to_index_columns() -> None:
    x = np.tile(np.arange(1000, dtype=float), 10)  # epochs that restart: not ascending
    y = np.sin(np.arange(x.size) / 50.0)
    y[5555] = 9.0
    dx, dy = decimate(x, y, 100)
    assert dx.size <= 400 and 9.0 in dy


def test_envelope_holds_every_columns_extremes_and_gaps_where_a_value_is_not_finite() -> None:
    from reportgen.figures.plan import envelope

    rng = np.random.default_rng(5)
    x = np.arange(50_000, dtype=float)
    y = np.exp(-x / 20_000) + rng.normal(0, 0.05, x.size)
    y[12_345] = 40.0  # a one-step spike
    y[30_000] = np.nan  # a lost point
    found = envelope(x, y, 500)
    assert found is not None
    bx, low, high = found
    lows, highs = _column_extremes(x, np.where(np.isfinite(y), y, np.nan), 500)
    col = np.minimum(((x - x[0]) * 500 / (x[-1] - x[0])).astype(int), 499)
    gap = col[30_000]
    assert np.isnan(low[gap]) and np.isnan(high[gap])  # a gap, as a line would show
    keep = np.arange(500) != gap
    assert_array_equal(low[:-1][keep], lows[keep])
    assert_array_equal(high[:-1][keep], highs[keep])
    assert np.nanmax(high) == 40.0
    assert bx[0] == x[0] and bx[-1] == x[-1]


def test_sparse_curves_get_no_envelope() -> None:
    from reportgen.figures.plan import envelope

    x = np.arange(1_000, dtype=float)
    assert envelope(x, np.sin(x), 500) is None  # two points per column at most: a line
    steps = np.r_[np.arange(0, 4_000), np.arange(4_000, 400_000, 2_000)]  # dense, then one per column
    assert envelope(steps.astype(float), np.cos(steps / 1e4), 500) is None
