import math

import numpy as np
from analysis_factories import make_run, series
from numpy.testing import assert_allclose

from reportgen.analysis import analyse
from reportgen.analysis.plateau import plateau_windows
from reportgen.model import AnalysisConfig, Restart


def kinds(a):
    return sorted(f.kind for f in a.flags)


def flag(a, kind):
    found = [f for f in a.flags if f.kind == kind]
    assert len(found) == 1, [f.message for f in a.flags]
    return found[0]


def healthy(rng, n=3000, epochs=30, noise=0.02):
    t = np.arange(n)
    train = 0.4 + 2.0 * np.exp(-t / 500) + rng.normal(0, noise, n) * (0.4 + np.exp(-t / 500))
    e = np.arange(1, epochs + 1)
    val = 0.5 + 1.8 * np.exp(-e / 6) + rng.normal(0, 0.01, e.size)
    return t, train, e, val


def overfit_run(rng, k=12, epochs=40, noise=0.01):
    """Validation loss with its minimum at epoch k, rising afterwards; training keeps falling."""
    e = np.arange(1, epochs + 1)
    val = 0.6 + 1.5 * np.exp(-e / 3.0) + 0.03 * np.maximum(e - k, 0) + rng.normal(0, noise, e.size)
    steps = e * 100
    t = np.arange(1, epochs * 100 + 1)
    train = 0.05 + 2.0 * np.exp(-t / 800.0) + rng.normal(0, 0.02, t.size)
    return make_run(
        train_loss=series("train_loss", train, steps=t),
        val_loss=series("val_loss", val, steps=steps, epoch=e),
    )


def test_overfitting_onset_near_validation_minimum():
    for seed, k in ((0, 12), (1, 20), (2, 8)):
        a = analyse(overfit_run(np.random.default_rng(seed), k=k))
        f = flag(a, "overfitting")
        assert f.severity == "warning"
        assert abs(f.evidence["onset_epoch"] - k) <= 2
        assert abs(f.evidence["best_epoch"] - k) <= 3
        assert f.evidence["train_still_falling"] is True
        assert f.evidence["gl_end"] > 10
        assert f.message.startswith("Validation loss rose ")
        assert f.message.endswith(" while training loss kept falling.")
        assert f"at epoch {int(f.evidence['onset_epoch'])}" in f.message


def test_overfitting_gl_value_matches_definition():
    e = np.arange(1, 31)
    val = np.where(e <= 10, 2.0 - 0.1 * e, 1.0 + 0.02 * (e - 10))  # min 1.0 at epoch 10, ends 1.4
    train = np.linspace(2.0, 0.1, 30)
    a = analyse(
        make_run(
            train_loss=series("train_loss", train, steps=e),
            val_loss=series("val_loss", val, steps=e, epoch=e),
            x="epoch",
        )
    )
    f = flag(a, "overfitting")
    # GL is taken on the 3-point running median: its minimum is median(1.1, 1.0, 1.02) = 1.02
    # and its last value is median(1.38, 1.40) = 1.39
    assert_allclose(
        f.evidence["gl_end"], 100 * (1.39 / 1.02 - 1), rtol=1e-3
    )  # evidence keeps 4 digits
    assert f.evidence["onset_step"] == 10 and f.evidence["best_step"] == 10
    assert f.evidence["epochs_since_best"] == 20.0
    assert f.message == (
        "Validation loss rose 36% from its low of 1.02 at epoch 10 to 1.39 at epoch 30 while "
        "training loss kept falling."
    )


def test_no_overfitting_on_healthy_noisy_curves():
    for seed in range(20):
        t, train, e, val = healthy(np.random.default_rng(seed))
        a = analyse(
            make_run(
                train_loss=series("train_loss", train, steps=t),
                val_loss=series("val_loss", val, steps=e * 100, epoch=e),
                loss="cross_entropy",
                num_classes=10,
            )
        )
        assert not [f for f in a.flags if f.severity != "info"], [f.message for f in a.flags]


def test_rising_train_and_val_is_not_overfitting():
    e = np.arange(1, 41)
    up = 1.0 + 0.05 * np.maximum(e - 15, 0)
    a = analyse(
        make_run(
            train_loss=series("train_loss", up - 0.1, steps=e),
            val_loss=series("val_loss", up, steps=e),
        )
    )
    assert "overfitting" not in kinds(a)


def test_first_non_finite_step_is_exact():
    t = np.arange(0, 5000, 5)
    y = 1.0 + np.exp(-t / 1000.0)
    y[437] = np.nan
    y[500:] = np.inf
    a = analyse(make_run(train_loss=series("train_loss", y, steps=t)))
    f = [f for f in a.flags if f.evidence.get("criterion") == "non_finite"]
    assert len(f) == 1 and f[0].severity == "error" and f[0].kind == "divergence"
    ev = f[0].evidence
    assert ev["first_nonfinite_step"] == 2185 == f[0].step
    assert ev["last_finite_step"] == 2180
    assert_allclose(ev["last_finite_value"], y[436], rtol=1e-6)
    assert ev["nonfinite_points"] == 1 + 500
    assert f[0].message == (
        f"Training loss became NaN at step 2185; the last finite value was {y[436]:.4g} at step 2180."
    )


def test_explosion_flagged_near_its_step_and_near_zero_wobble_is_not():
    rng = np.random.default_rng(7)
    t = np.arange(2000)
    y = 0.3 + 2 * np.exp(-t / 200) + rng.normal(0, 0.01, t.size)
    y[1500:] = 4.0 + rng.normal(0, 0.05, 500)
    a = analyse(make_run(train_loss=series("train_loss", y)))
    f = flag(a, "divergence")
    assert f.evidence["criterion"] == "explosion"
    assert 1500 <= f.step <= 1530
    assert "overfitting" not in kinds(a)

    # a loss that reaches 1e-3 and wobbles to 4e-3 has not diverged
    z = 1e-3 + 2 * np.exp(-t / 100)
    z[1500:] = 4e-3
    assert "divergence" not in kinds(analyse(make_run(train_loss=series("train_loss", z))))


def test_spikes_found_at_their_steps():
    rng = np.random.default_rng(8)
    t = np.arange(0, 20000, 10)
    y = 0.3 + 2 * np.exp(-t / 3000) + rng.normal(0, 0.01, t.size)
    where = [300, 900, 1400]
    y[where] *= 3.0
    a = analyse(make_run(train_loss=series("train_loss", y, steps=t)))
    f = flag(a, "instability")
    assert f.severity == "warning"
    assert f.evidence["spike_steps"] == [int(t[i]) for i in where]
    assert f.evidence["spike_count"] == 3
    assert f.message.startswith("Training loss spiked 3 times; the largest spike reached ")


def test_underfitting_against_chance_baseline():
    rng = np.random.default_rng(9)
    y = math.log(10) - 0.02 * (1 - np.exp(-np.arange(500) / 50)) + rng.normal(0, 0.02, 500)
    a = analyse(make_run(train_loss=series("train_loss", y), loss="cross_entropy", num_classes=10))
    assert_allclose(a.baseline, math.log(10))
    f = flag(a, "underfitting")
    assert f.evidence["criterion"] == "near_chance"
    assert f.evidence["baseline_source"] == "ln 10 (cross-entropy, 10 classes)"
    assert "of the chance level 2.3" in f.message


def test_bce_baseline_and_flat_loss_without_baseline():
    a = analyse(make_run(train_loss=series("train_loss", np.full(100, 0.2)), loss="bce"))
    assert_allclose(a.baseline, math.log(2))
    f = flag(a, "underfitting")
    assert f.evidence["criterion"] == "flat"
    mse = analyse(
        make_run(
            train_loss=series("train_loss", 4.0 * np.exp(-np.arange(100) / 20) + 1.9),
            loss="mse",
            analysis=AnalysisConfig(baseline=2.0),
        )
    )
    assert mse.baseline == 2.0
    assert flag(mse, "underfitting").evidence["criterion"] == "near_chance"


def test_plateau_windows_follow_reduce_lr_on_plateau():
    y = np.array([5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0])
    # three non-improving points (indices 2-4): more than patience 2, not more than 3
    assert plateau_windows(y, 1e-3, 2) == [(1, 4)]
    assert plateau_windows(y, 1e-3, 3) == []
    # a gain smaller than the relative threshold is no improvement
    assert plateau_windows(np.array([1.0, 0.9995, 0.9993, 0.9991, 0.5]), 1e-3, 2) == [(0, 3)]


def test_plateau_flag_has_its_window():
    t = np.arange(1000)
    y = np.where(t < 300, 3 - 0.005 * t, 1.5)
    y = np.where(t >= 700, 1.5 - 0.002 * (t - 700), y)
    a = analyse(
        make_run(train_loss=series("train_loss", y), analysis=AnalysisConfig(smoothing=0.0))
    )
    f = flag(a, "plateau")
    assert f.severity == "info"
    # last improvement at t=300 (1.5); next at t=701 (1.498 < 1.5 * 0.999)
    assert f.evidence["windows"] == [[300, 700]]


def test_restart_flags():
    y = np.linspace(2, 1, 50)
    a = analyse(
        make_run(
            train_loss=series("train_loss", y),
            restarts=(Restart(step=20, source="logs/a.csv", dropped=7),),
        )
    )
    f = flag(a, "restart")
    assert f.severity == "info" and f.step == 20
    assert f.evidence == {"resumed_step": 20, "source": "logs/a.csv", "dropped": 7, "times": 1}
    assert f.message.startswith("Training resumed at step 20")


def test_heavy_tailed_multiplicative_noise_is_not_instability():
    # per-batch losses of a converged model spread over two orders of magnitude
    rng = np.random.default_rng(12)
    y = 0.02 * np.exp(rng.normal(0, 1.0, 400))
    a = analyse(make_run(train_loss=series("train_loss", y)))
    assert "instability" not in kinds(a)
    assert "divergence" not in kinds(a)


def test_one_high_last_validation_point_is_not_overfitting():
    e = np.arange(1, 31)
    val = 0.5 + 1.5 * np.exp(-e / 4.0)
    val[-1] *= 1.5  # one high last point: GL at the end is about 25%, but it is not a trend
    a = analyse(
        make_run(
            train_loss=series("train_loss", np.linspace(2, 0.2, 30), steps=e),
            val_loss=series("val_loss", val, steps=e, epoch=e),
        )
    )
    assert "overfitting" not in kinds(a)


def test_overfitting_without_training_loss():
    e = np.arange(1, 41)
    val = 0.6 + 1.5 * np.exp(-e / 3.0) + 0.03 * np.maximum(e - 15, 0)
    a = analyse(make_run(val_loss=series("val_loss", val, steps=e * 10, epoch=e)))
    f = flag(a, "overfitting")
    assert f.message.endswith("(training loss was not logged).")
    assert f.evidence["train_still_falling"] is None
    assert abs(f.evidence["onset_epoch"] - 15) <= 2


def test_validation_nan_is_divergence_and_explosion_only_on_training_loss():
    e = np.arange(1, 41)
    val = 0.6 + 1.5 * np.exp(-e / 3.0)
    val[30] = np.inf
    a = analyse(
        make_run(
            train_loss=series("train_loss", np.linspace(2, 0.2, 40), steps=e),
            val_loss=series("val_loss", val, steps=e, epoch=e),
            x="epoch",
        )
    )
    f = flag(a, "divergence")
    assert f.metric == "val_loss" and f.step == 31 and f.epoch == 31.0
    assert f.message.startswith("Validation loss became infinite at epoch 31;")


def test_flat_noisy_loss_is_underfitting_but_noisy_learning_is_not():
    rng = np.random.default_rng(13)
    t = np.arange(300)
    flat = 1.3 * (1 + 0.05 * rng.standard_normal(300))
    f = flag(analyse(make_run(train_loss=series("train_loss", flat))), "underfitting")
    assert f.evidence["criterion"] == "flat"
    learning = (0.6 + 0.7 * np.exp(-t / 60)) * (1 + 0.05 * rng.standard_normal(300))
    assert "underfitting" not in kinds(analyse(make_run(train_loss=series("train_loss", learning))))


def test_spikes_after_divergence_are_not_reported():
    rng = np.random.default_rng(14)
    t = np.arange(1000)
    y = 0.3 + 2 * np.exp(-t / 100) + rng.normal(0, 0.005, t.size)
    y[800:] = np.nan
    y[[850, 900]] = [50.0, 60.0]  # garbage after the NaN: not "spikes"
    a = analyse(make_run(train_loss=series("train_loss", y)))
    assert "instability" not in kinds(a)
    assert [f.evidence["criterion"] for f in a.flags if f.kind == "divergence"] == ["non_finite"]


def test_a_diverged_run_is_neither_overfitting_nor_on_a_plateau():
    # learning rate warms up past the stable limit: both losses fall, stall, then blow up to inf;
    # validation rises long before training explodes, but that is the divergence, not overfitting
    e = np.arange(1, 31)
    steps = e * 10
    t = np.arange(1, 301)
    train = np.where(t < 150, 0.5 + np.exp(-t / 20), 0.5 * np.exp((t - 150) / 8.0))
    train = np.where(t > 280, np.inf, train)
    val = np.where(e < 6, 0.6 + np.exp(-e), 0.6 + 0.05 * np.maximum(e - 5, 0) ** 2.5)
    val = np.where(e > 28, np.inf, val)
    a = analyse(make_run(train_loss=series("train_loss", train, steps=t),
                         val_loss=series("val_loss", val, steps=steps, epoch=e)))
    assert "divergence" in kinds(a)
    assert "overfitting" not in kinds(a)
    assert "plateau" not in kinds(a)
    assert "underfitting" not in kinds(a)
