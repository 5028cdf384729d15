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
    # accelerated: scipy's filter even for small inputs (normally only for big ones)
    fast = smoothing._median_filter() if accelerated else None
    monkeypatch.setattr(smoothing, "_median_filter", lambda: fast)
    rng = np.random.default_rng(n + window)
    x = rng.normal(size=n)
    if n > 10:
        x[rng.integers(0, n, 4)] = np.nan
        x[rng.integers(0, n, 2)] = np.inf
        x[5] = 1e6  # a spike the median must ignore
    assert_array_equal(running_median(x, window), reference(x, window))


def ema_reference(values: np.ndarray, w: float) -> np.ndarray:
    """TensorBoard's debiased EMA, one Python step per finite point."""
    out = np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    last, decay, sm = 0.0, 1.0, []
    for v in values[finite].tolist():
        last = last * w + (1.0 - w) * v
        decay *= w
        sm.append(last / (1.0 - decay))
    out[finite] = sm
    return out


def plateau_reference(values: np.ndarray, threshold: float, patience: int) -> list[tuple[int, int]]:
    """ReduceLROnPlateau's rule, one Python step per point."""
    best, last, out = np.inf, 0, []
    for i, v in enumerate(values.tolist()):
        if (not np.isfinite(best)) or v < best - abs(best) * threshold:
            if i - last - 1 > patience:
                out.append((last, i - 1))
            best, last = v, i
    if len(values) - 1 - last > patience:
        out.append((last, len(values) - 1))
    return out


@pytest.mark.parametrize("accelerated", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_vectorised_ema_and_plateaus_match_the_step_by_step_rules(
    seed: int, accelerated: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.analysis import plateau

    fast = smoothing._lfilter() if accelerated else None
    monkeypatch.setattr(smoothing, "_lfilter", lambda: fast)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4000))
    x = np.cumsum(rng.normal(size=n)) * [1e-3, 1.0, 1e6][seed % 3] + 5.0
    x[rng.integers(0, n, 3)] = [np.nan, np.inf, -np.inf][seed % 3]
    for w in (0.3, 0.6, 0.999):
        assert_array_equal(smoothing.ema(x, w), ema_reference(x, w))
    for threshold in (0.0, 1e-3, 0.05):
        for patience in (0, 3, 20):
            assert plateau.plateau_windows(x, threshold, patience) == plateau_reference(x, threshold, patience)


@pytest.mark.parametrize("seed", range(8))
def test_plateaus_of_finite_curves_match_the_step_by_step_rule(seed: int) -> None:
    # finite curves take the record-low pass: walks across zero, ties from rounding, flat runs
    from reportgen.analysis import plateau

    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 3000))
    x = np.cumsum(rng.normal(size=n)) * [1e-3, 1.0, 1e6, 0.1][seed % 4] + [5.0, 0.0][seed % 2]
    if seed % 3 == 0:
        x = np.round(x, 1)
    for threshold in (0.0, 1e-3, 0.05):
        for patience in (0, 3, 20):
            assert plateau.plateau_windows(x, threshold, patience) == plateau_reference(x, threshold, patience)


@pytest.mark.parametrize("window", [3, 7, 51])
def test_running_median_edges_are_bit_for_bit_np_median(window: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # the shrinking edge windows are taken all at once; bitwise, so a -0.0 would show (numpy's
    # own full windows here: scipy's filter may keep a -0.0 that np.median turns into 0.0)
    monkeypatch.setattr(smoothing, "_median_filter", lambda: None)
    rng = np.random.default_rng(window)
    for _ in range(50):
        n = int(rng.integers(2, 3 * window))
        x = rng.normal(size=n) * 10.0 ** float(rng.integers(-200, 200))
        if rng.random() < 0.3:
            x = np.round(rng.normal(size=n)) * rng.choice([0.0, -0.0, 1.0], size=n)
        elif rng.random() < 0.3:
            x = rng.choice([1e308, -1e308, 1.7e308, 3.0], size=n)  # a + b overflows
        with np.errstate(over="ignore"):
            got, want = running_median(x, window), reference(x, window)
        assert_array_equal(got.view(np.int64), want.view(np.int64))
