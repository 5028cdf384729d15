"""The running median's fast paths (blocks of a strided view; scipy's rank filter when
installed) give exactly the medians of the clipped centred windows."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from reportgen.analysis import smoothing
from reportgen.analysis.smoothing import running_median


def reference(values: np.ndarray, window: int) -> np.ndarray:
    """One np.median per point over the finite values, window clipped at the ends."""
    out = np.full(values.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(values))
    xs = values[finite]
    half = max(window // 2, 0)
    for j in range(xs.shape[0]):
        out[finite[j]] = np.median(xs[max(0, j - half): j + half + 1])
    return out


@pytest.mark.parametrize("accelerated", [True, False])
@pytest.mark.parametrize("n,window", [(0, 5), (1, 5), (4, 7), (7, 7), (50, 3), (333, 51), (400, 2), (1000, 101)])
def test_running_median_is_exact(n: int, window: int, accelerated: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not accelerated:
        monkeypatch.setattr(smoothing, "_median_filter", lambda: None)
    rng = np.random.default_rng(n + window)
    x = rng.normal(size=n)
    if n > 10:
        x[rng.integers(0, n, 4)] = np.nan
        x[rng.integers(0, n, 2)] = np.inf
        x[5] = 1e6  # a spike the median must ignore
    assert_array_equal(running_median(x, window), reference(x, window))
