import numpy as np
from numpy.testing import assert_allclose

from reportgen.analysis.smoothing import diff_sigma, ema, robust_sigma, running_median


def closed_form_ema(x: np.ndarray, w: float) -> np.ndarray:
    """s_n = sum_k (1-w) w^(n-k) x_k / (1 - w^(n+1)) for n = 0.., the debiased EMA."""
    n = x.shape[0]
    out = np.empty(n)
    for i in range(n):
        k = np.arange(i + 1)
        out[i] = np.sum((1 - w) * w ** (i - k) * x[: i + 1]) / (1 - w ** (i + 1))
    return out


def test_ema_matches_closed_form_and_first_point_is_raw():
    x = np.random.default_rng(1).normal(size=50).cumsum()
    for w in (0.0, 0.3, 0.6, 0.95):
        got = ema(x, w)
        assert_allclose(got, closed_form_ema(x, w), rtol=1e-12)
        assert got[0] == x[0]


def test_ema_two_points_by_hand():
    # w = 0.5 on [1, 0]: 0.5/0.5 = 1, then 0.25/0.75 = 1/3
    assert_allclose(ema(np.array([1.0, 0.0]), 0.5), [1.0, 1.0 / 3.0])


def test_constant_series_unchanged():
    x = np.full(30, 0.731)
    assert_allclose(ema(x, 0.9), x, rtol=0, atol=0)


def test_non_finite_points_are_nan_and_skipped():
    x = np.array([1.0, np.nan, 0.0, np.inf, -np.inf])
    got = ema(x, 0.5)
    assert_allclose(got[[0, 2]], [1.0, 1.0 / 3.0])
    assert np.isnan(got[[1, 3, 4]]).all()
    assert got.shape == x.shape


def test_all_nan_and_empty():
    assert np.isnan(ema(np.array([np.nan, np.nan]), 0.6)).all()
    assert ema(np.array([]), 0.6).shape == (0,)


def test_weight_is_capped_at_0999():
    # an uncapped weight of 1 would divide by zero; capped: 0.999*0.001 / (1 - 0.999**2)
    got = ema(np.array([1.0, 0.0]), 1.0)
    assert_allclose(got, [1.0, 0.999 * 0.001 / (1 - 0.999**2)])
    assert_allclose(ema(np.array([1.0, 0.0]), 5.0), got)


def test_running_median_ignores_a_lone_outlier_and_has_no_lag():
    x = np.arange(20, dtype=float)
    x[10] = 1000.0
    got = running_median(x, 5)
    assert got[10] < 20
    assert_allclose(got[3:8], x[3:8])  # a straight line is its own median: zero lag


def test_noise_scales_recover_sigma():
    rng = np.random.default_rng(2)
    t = np.linspace(0, 1, 4000)
    y = np.exp(-3 * t) + rng.normal(0, 0.05, t.size)
    assert_allclose(diff_sigma(y), 0.05, rtol=0.1)
    assert_allclose(robust_sigma(rng.normal(0, 2.0, 20000)), 2.0, rtol=0.05)


def test_running_median_matches_naive_reference_across_chunks(monkeypatch):
    import reportgen.analysis.smoothing as sm

    monkeypatch.setattr(sm, "MEDIAN_CHUNK", 7)  # force several chunks
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 30, 101):
        x = rng.normal(size=n)
        for w in (1, 3, 7, 51):
            h = w // 2
            ref = np.array([np.median(x[max(0, i - h) : i + h + 1]) for i in range(n)])
            assert_allclose(sm.running_median(x, w), ref)
    x = np.array([1.0, np.nan, 3.0, 2.0])
    got = sm.running_median(x, 3)
    # NaN is skipped: the finite points are [1, 3, 2]
    assert np.isnan(got[1])
    assert_allclose(got[[0, 2, 3]], [2.0, 2.0, 2.5])


def test_local_sigma_follows_shrinking_noise():
    from reportgen.analysis.smoothing import local_sigma

    rng = np.random.default_rng(4)
    sd = np.linspace(0.2, 0.02, 20000)
    y = 1.0 + sd * rng.standard_normal(sd.shape[0])
    got = local_sigma(y, 201)
    assert_allclose(got[[1000, 10000, 19000]], sd[[1000, 10000, 19000]], rtol=0.2)
