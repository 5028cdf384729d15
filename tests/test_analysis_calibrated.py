"""The calibrated flags (issue 14, item 2; issue 12, point 18) on analytic and purpose-built
curves: converged is not plateau, still improving, generalisation gap, got worse, instability
that needs repeated or unrecovered spikes, one divergence per event, overfitting onset never
before the best, negative losses judged by direction, and the facts behind every message."""

import math

import numpy as np
from analysis_factories import make_run, series
from numpy.testing import assert_allclose

from reportgen.analysis import analyse
from reportgen.analysis.plateau import plateau_windows, stalled_windows
from reportgen.model import AnalysisConfig

CFG = AnalysisConfig()


def kinds(a):
    return sorted(f.kind for f in a.flags)


def only(a, kind):
    found = [f for f in a.flags if f.kind == kind]
    assert len(found) == 1, [f.message for f in a.flags]
    return found[0]


# ---- plateau vs converged ---------------------------------------------------------------------


def test_a_converged_loss_is_not_a_plateau():
    # y = 0.1 + 2 exp(-t/50): flat after t ~ 300, i.e. after 99.7% of its drop
    t = np.arange(1000)
    y = 0.1 + 2.0 * np.exp(-t / 50)
    assert plateau_windows(y, CFG.plateau_threshold, 100) != []  # torch's rule alone finds one
    assert stalled_windows(y, plateau_windows(y, CFG.plateau_threshold, 100), CFG) == []
    assert "plateau" not in kinds(analyse(make_run(train_loss=series("train_loss", y))))


def test_a_stall_before_progress_then_a_drop_is_a_plateau():
    # at ln 10 for 400 steps, then y = 0.2 + 2.1 exp(-(t-400)/100)
    t = np.arange(1000)
    y = np.where(t < 400, math.log(10), 0.2 + (math.log(10) - 0.2) * np.exp(-(t - 400) / 100))
    f = only(analyse(make_run(train_loss=series("train_loss", y))), "plateau")
    assert f.evidence["windows"] == [[0, 400]]  # y(400) = ln 10 still
    # measured on the running-median trend, whose last value lags the curve slightly
    assert_allclose(f.evidence["later_drop"], math.log(10) - y[-1], rtol=1e-3)
    assert f.message == (
        "Training loss stalled near 2.3 (no improvement above 0.1%) from step 0 to step 400, "
        "then fell a further 2.1."
    )


def test_a_long_stall_after_most_of_the_drop_followed_by_a_later_drop_is_a_plateau():
    # falls 3 -> 1 (2/2.5 = 80% of the whole drop), stalls, then falls 1 -> 0.5 (20%)
    t = np.arange(1200)
    y = np.where(t < 300, 1 + 2 * np.exp(-t / 40), 1.0)
    y = np.where(t >= 800, 0.5 + 0.5 * np.exp(-(t - 800) / 30), y)
    f = only(analyse(make_run(train_loss=series("train_loss", y))), "plateau")
    (start, end) = f.evidence["windows"][0]
    assert 300 <= start <= 560 and end == 800  # y(800) = 1.0 still


# ---- still improving --------------------------------------------------------------------------


def test_a_loss_still_falling_at_the_end_is_still_improving():
    # y = 1 + exp(-t/2000) over 1000 steps: the last 200 steps fall by
    # exp(-0.4) - exp(-0.5) = 0.0638, 16% of the whole drop 1 - exp(-0.5) = 0.393
    t = np.arange(1000)
    y = 1 + np.exp(-t / 2000)
    f = only(analyse(make_run(train_loss=series("train_loss", y))), "still_improving")
    assert f.severity == "info"
    assert_allclose(f.evidence["fall_in_window"], np.exp(-0.4) - np.exp(-0.5), rtol=0.02)
    assert_allclose(f.evidence["share_of_drop"], (np.exp(-0.4) - np.exp(-0.5)) / (1 - np.exp(-0.5)), rtol=0.03)
    assert f.step == 999 and f.evidence["window_start_step"] == 800


def test_still_falling_training_loss_with_rising_validation_is_not_still_improving():
    t = np.arange(1000)
    e = np.arange(100, 1001, 100)
    val = 1.0 + 0.02 * np.arange(10)  # rising: training longer is not the advice
    a = analyse(make_run(train_loss=series("train_loss", 1 + np.exp(-t / 2000)), val_loss=series("val_loss", val, steps=e)))
    assert "still_improving" not in kinds(a)


def test_a_converged_loss_is_not_still_improving():
    t = np.arange(1000)
    assert kinds(analyse(make_run(train_loss=series("train_loss", 0.1 + 2.0 * np.exp(-t / 50))))) == []


# ---- generalisation gap -----------------------------------------------------------------------


def test_validation_far_above_training_at_the_end_is_a_generalisation_gap():
    # cross-entropy over 10 classes: training -> 0.02, validation levels at 1.4 (no rise)
    t = np.arange(1, 301)
    train = 0.02 + (math.log(10) - 0.02) * np.exp(-t / 20)
    e = np.arange(10, 301, 10)
    val = 1.4 + (math.log(10) - 1.4) * np.exp(-e / 20)
    a = analyse(
        make_run(
            train_loss=series("train_loss", train, steps=t),
            val_loss=series("val_loss", val, steps=e),
            loss="cross_entropy",
            num_classes=10,
        )
    )
    f = only(a, "generalisation_gap")
    assert f.severity == "warning" and "overfitting" not in kinds(a)
    assert_allclose(f.evidence["val_end"], val[-1], rtol=1e-6)
    assert_allclose(f.evidence["train_end"], train[-1], rtol=1e-3)
    assert_allclose(f.evidence["scale"], math.log(10))
    assert f.evidence["scale_source"] == "the chance level"


def test_a_small_gap_is_not_flagged():
    t = np.arange(1, 301)
    e = np.arange(10, 301, 10)
    a = analyse(
        make_run(
            train_loss=series("train_loss", 0.3 + 2 * np.exp(-t / 20), steps=t),
            val_loss=series("val_loss", 0.5 + 2 * np.exp(-e / 20), steps=e),
        )
    )
    assert kinds(a) == []


# ---- training got worse -----------------------------------------------------------------------


def _fall_then_rise(n, best, start, back):
    """Falls from `start` to `best` by mid-run, then climbs back `back` of the way, linearly."""
    half = n // 2
    down = best + (start - best) * np.exp(-np.arange(half) / (half / 8))
    up = best + back * (start - best) * np.linspace(0, 1, n - half)
    return np.concatenate([down, up])


def test_train_and_validation_both_ending_above_their_best_is_got_worse():
    train = _fall_then_rise(400, 0.5, 2.5, 0.35)
    val = _fall_then_rise(40, 0.7, 2.6, 0.35)
    a = analyse(
        make_run(
            train_loss=series("train_loss", train),
            val_loss=series("val_loss", val, steps=np.arange(9, 400, 10)),
        )
    )
    f = only(a, "got_worse")
    assert kinds(a) == ["got_worse"]
    assert_allclose(f.evidence["train_best"], 0.5, rtol=0.02)
    # end levels are running medians of a rising line: they lag its last value a little
    assert_allclose(f.evidence["train_end"], 0.5 + 0.35 * 2.0, rtol=0.03)
    assert_allclose(f.evidence["val_end"], 0.7 + 0.35 * 1.9, rtol=0.03)


def test_training_loss_rising_while_validation_falls_is_not_got_worse():
    train = _fall_then_rise(400, 0.5, 2.5, 0.35)
    val = 2.6 * np.exp(-np.arange(40) / 10) + 0.6
    a = analyse(make_run(train_loss=series("train_loss", train), val_loss=series("val_loss", val, steps=np.arange(9, 400, 10))))
    assert "got_worse" not in kinds(a)


# ---- negative losses (issue 12, point 18) -----------------------------------------------------


def test_a_negative_loss_rising_from_minus_5_to_minus_1_1_got_worse_and_is_not_flat():
    t = np.arange(200)
    y = -5.0 + 3.9 * (t / 199) ** 1.5
    a = analyse(make_run(train_loss=series("train_loss", y), loss="cross_entropy", num_classes=10))
    assert kinds(a) == ["got_worse"]
    f = only(a, "got_worse")
    # (the end level is the running-median trend, which lags the steepening rise a little)
    assert_allclose([f.evidence["train_best"], f.evidence["train_end"]], [-5.0, -1.1], atol=0.1)
    # ln 10 is no chance level for a loss below zero
    assert a.baseline is None and a.extra["baseline"] == {"value": None, "source": None}


def test_a_negative_loss_falling_from_minus_1_to_minus_5_is_healthy():
    t = np.arange(200)
    y = -1.0 - 4.0 * (1 - np.exp(-t / 30))
    a = analyse(make_run(train_loss=series("train_loss", y), loss="cross_entropy", num_classes=10))
    assert kinds(a) == []


# ---- instability ------------------------------------------------------------------------------


def _noisy_decay(rng, n=600):
    t = np.arange(n)
    clean = 0.3 + 2 * np.exp(-t / 100)
    return t, clean, clean * np.exp(0.02 * rng.standard_normal(n))


def test_a_single_recovered_blip_is_not_instability():
    rng = np.random.default_rng(3)
    t, clean, y = _noisy_decay(rng)
    y[300] = 1.3 * clean[300]
    assert kinds(analyse(make_run(train_loss=series("train_loss", y)))) == []
    y[300] = 4.0 * clean[300]  # even a large one: a bad batch the run shrugged off
    assert kinds(analyse(make_run(train_loss=series("train_loss", y)))) == []


def test_repeated_spikes_are_instability():
    rng = np.random.default_rng(3)
    t, clean, y = _noisy_decay(rng)
    y[[250, 400]] = 4.0 * clean[[250, 400]]
    f = only(analyse(make_run(train_loss=series("train_loss", y))), "instability")
    assert f.evidence["spike_steps"] == [250, 400] and f.evidence["spike_count"] == 2
    assert f.message == "Training loss spiked 2 times; the largest spike reached 4.0\u00d7 the local level at step 400."


def test_a_loss_thrashing_back_towards_chance_is_instability():
    # cross-entropy over 10 classes: falls to about 0.8, creeps up to 1.0 and jumps to ~2.3
    rng = np.random.default_rng(5)
    t = np.arange(100)
    lnk = math.log(10)
    trend = 0.8 + 0.8 * np.exp(-t / 5) + 0.2 * np.clip((t - 30) / 30, 0, 1)
    y = trend * np.exp(0.15 * rng.standard_normal(100))
    y[[45, 60, 75]] = [2.2, 2.25, 2.1]
    a = analyse(make_run(train_loss=series("train_loss", y), loss="cross_entropy", num_classes=10))
    f = only(a, "instability")
    assert f.evidence["criterion"] == "regress_towards_start"
    assert f.evidence["spike_steps"] == [45, 60, 75]
    assert_allclose(f.evidence["start_level"], lnk)


# ---- overfitting onset, divergence ------------------------------------------------------------


def test_overfitting_onset_is_never_before_the_best_epoch():
    # the 3-point running median bottoms out at epoch 5 (1.01); the raw best is epoch 7 (0.95)
    val = [2.0, 1.5, 1.2, 1.0, 1.02, 1.01, 0.95, 1.05] + [1.1 + 0.06 * k for k in range(12)]
    e = np.arange(1, len(val) + 1)
    train = 1.0 * np.exp(-e / 5)
    a = analyse(
        make_run(
            train_loss=series("train_loss", train, steps=e, epoch=e),
            val_loss=series("val_loss", val, steps=e, epoch=e),
            x="epoch",
        )
    )
    f = only(a, "overfitting")
    assert f.evidence["best_epoch"] == 7.0
    assert f.evidence["onset_epoch"] >= f.evidence["best_epoch"]
    assert f.epoch >= 7.0


def test_one_divergence_is_one_finding_with_both_pieces_of_evidence():
    t = np.arange(200)
    train = 0.5 + np.exp(-t / 20)
    train[120:160] = 0.5 * np.geomspace(2, 1e30, 40)
    train[160:] = np.inf
    e = np.arange(10, 200, 10)
    val = 0.6 + np.exp(-e / 20)
    val[e >= 160] = np.inf
    a = analyse(make_run(train_loss=series("train_loss", train), val_loss=series("val_loss", val, steps=e)))
    f = only(a, "divergence")
    events = f.evidence["events"]
    later = sorted((ev["criterion"], ev["metric"], ev["step"]) for ev in events[1:])
    assert later == [("non_finite", "train_loss", 160), ("non_finite", "val_loss", 160)]
    assert events[0]["criterion"] == "explosion" and 120 <= events[0]["step"] < 160
    assert f.step == events[0]["step"]


# ---- facts ------------------------------------------------------------------------------------


def test_every_finding_carries_two_to_four_labelled_facts():
    rng = np.random.default_rng(3)
    t, clean, y = _noisy_decay(rng)
    y[[250, 400]] = 4.0 * clean[[250, 400]]
    runs = [
        make_run(train_loss=series("train_loss", y)),
        make_run(train_loss=series("train_loss", 1 + np.exp(-np.arange(1000) / 2000))),
        make_run(
            train_loss=series("train_loss", math.log(10) + 1e-4 * np.sin(np.arange(300))),
            loss="cross_entropy",
            num_classes=10,
        ),
    ]
    seen = set()
    for run in runs:
        for f in analyse(run).flags:
            seen.add(f.kind)
            assert 2 <= len(f.facts) <= 4, f
            assert all(isinstance(label, str) and isinstance(text, str) and text for label, text in f.facts)
    assert {"instability", "still_improving", "underfitting", "plateau"} <= seen
