import math

import numpy as np
from analysis_factories import series
from numpy.testing import assert_allclose

from reportgen.analysis.convergence import convergence
from reportgen.model import AnalysisConfig

CFG = AnalysisConfig()


def test_exponential_rate_recovered_with_noise():
    rng = np.random.default_rng(3)
    for seed_noise in (0.01, 0.03):
        t = np.arange(0, 20000, 10)
        y = 0.3 + 2.0 * np.exp(-4e-4 * t) + rng.normal(0, seed_noise, t.size)
        c = convergence(series("train_loss", y, steps=t), CFG)
        assert c.model == "exponential", c.reason
        assert_allclose(c.rate, 4e-4, rtol=0.1)
        assert_allclose(c.asymptote, 0.3, atol=0.02)
        assert_allclose(c.half_life, math.log(2) / 4e-4, rtol=0.1)
        assert c.r2 > 0.9


def test_power_law_rate_recovered_with_noise():
    rng = np.random.default_rng(4)
    t = np.arange(1, 3001)
    y = 0.5 + 3.0 * t**-0.7 + rng.normal(0, 0.005, t.size)
    c = convergence(series("train_loss", y, steps=t), CFG)
    assert c.model == "power", c.reason
    assert_allclose(c.rate, 0.7, rtol=0.1)
    assert_allclose(c.asymptote, 0.5, atol=0.03)
    assert c.half_life is None


def test_steps_to_within_5_and_1_percent_of_asymptote():
    t = np.arange(0, 1000)
    y = 1.0 + 2.0 * np.exp(-0.01 * t)
    c = convergence(series("train_loss", y, steps=t), CFG)
    assert_allclose(c.steps_to_5pct, math.log(2.0 / 0.05) / 0.01, rtol=1e-3)
    assert_allclose(c.steps_to_1pct, math.log(2.0 / 0.01) / 0.01, rtol=1e-3)


def test_empirical_90_and_99_percent_drop_steps():
    t = np.arange(0, 1000)
    y = 1.0 + 2.0 * np.exp(-0.01 * t)
    c = convergence(series("train_loss", y, steps=t), CFG.replace(smoothing=0.0))
    drop = y[0] - y[-1]
    for frac, got in ((0.9, c.steps_to_90pct_drop), (0.99, c.steps_to_99pct_drop)):
        target = y[0] - frac * drop
        expected = math.ceil(-math.log((target - 1.0) / 2.0) / 0.01)
        assert got == expected


def test_warmup_rise_is_skipped():
    t = np.arange(0, 2000)
    y = 0.2 + 2.0 * np.exp(-3e-3 * (t - 100))
    y[:100] = np.linspace(1.0, y[100], 100)  # loss rises during a warm-up
    c = convergence(series("train_loss", y, steps=t), CFG)
    assert 100 <= c.fit_start_step <= 105  # the smoothed peak lags the raw one slightly
    assert_allclose(c.rate, 3e-3, rtol=0.02)


def test_refuses_with_too_few_points():
    c = convergence(series("val_loss", [3.0, 2.0, 1.5, 1.3, 1.2]), CFG)
    assert c.model is None and c.reason.startswith("too few points after warm-up")
    assert c.rate is None


def test_refuses_pure_noise_and_linear_fall():
    rng = np.random.default_rng(5)
    noise = convergence(series("train_loss", 1.0 + rng.normal(0, 0.1, 500)), CFG)
    assert noise.model is None and noise.reason
    line = convergence(series("train_loss", np.linspace(3.0, 1.0, 500)), CFG)
    assert line.model is None
    assert "linearly" in line.reason


def test_validation_fit_stops_at_its_minimum_when_it_rises_again():
    e = np.arange(60)
    y = 0.5 + 1.5 * np.exp(-e / 6.0) + 0.002 * np.maximum(e - 30, 0) ** 2
    c = convergence(series("val_loss", y, steps=e), CFG)
    assert c.model == "exponential", c.reason
    assert_allclose(c.rate, 1 / 6.0, rtol=0.1)


def test_refuses_a_negative_asymptote_for_a_loss_that_never_went_negative():
    t = np.arange(500)
    y = 1.2 * np.exp(-t / 400) - 0.2  # 1.0 down to 0.14: fits best with c = -0.2
    c = convergence(series("train_loss", y, steps=t), CFG)
    assert c.model is None
    assert c.reason.startswith("the loss has not levelled off enough")
    # the same shape shifted up is fine
    ok = convergence(series("train_loss", y + 0.5, steps=t), CFG)
    assert ok.model == "exponential"
    assert_allclose(ok.asymptote, 0.3, atol=1e-3)


def test_extreme_magnitudes_fit_without_overflow():
    t = np.arange(0, 1000)
    for scale in (1e300, 1e-300):
        y = scale * (0.2 + 2.0 * np.exp(-0.01 * t))
        c = convergence(series("train_loss", y, steps=t), CFG)
        assert c.model == "exponential", c.reason
        assert_allclose(c.rate, 0.01, rtol=1e-3)
        assert_allclose(c.asymptote, 0.2 * scale, rtol=1e-3)
