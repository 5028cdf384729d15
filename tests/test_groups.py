"""Seed-group statistics: analytic inputs, references computed independently (scipy only here)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from reportgen.analysis.groups import (
    aggregate_curves,
    aggregate_scalars,
    summarise_group,
)
from reportgen.model import Best, MetricSummary, RunAnalysis

# ----------------------------------------------------------------------------- curves


@pytest.mark.parametrize("band", ["ci95", "std", "sem"])
@pytest.mark.parametrize("center", ["mean", "median"])
@pytest.mark.parametrize("log_space", [False, True])
def test_identical_runs_give_a_band_of_zero_width(band, center, log_space):
    steps = np.arange(0, 500, 7, dtype=np.int64)
    values = 2.3 * np.exp(-steps / 90.0) + 0.1 + 0.013 * np.sin(steps)
    curve = aggregate_curves([(steps, values)] * 5, band=band, center=center, log_space=log_space)
    assert_array_equal(curve.upper - curve.lower, 0.0)
    assert_allclose(curve.center, values, rtol=1e-13)
    assert_array_equal(curve.n, 5)


def test_mean_std_sem_and_ci_match_references_at_every_step():
    steps = np.arange(0, 50, dtype=np.int64)
    rng = np.random.default_rng(7)
    runs = [1.0 / (1 + steps) + rng.normal(0, 0.05, steps.size) for _ in range(4)]
    matrix = np.vstack(runs)
    mean = matrix.mean(axis=0)
    std = matrix.std(axis=0, ddof=1)
    sem = std / 2.0
    t = stats.t.ppf(0.975, 3)  # n = 4, not the normal 1.96
    curves = [(steps, r) for r in runs]
    for band, half in (("std", std), ("sem", sem), ("ci95", t * sem)):
        got = aggregate_curves(curves, band=band)
        assert_allclose(got.center, mean, rtol=1e-12)
        assert_allclose(got.upper - got.center, half, rtol=1e-9)
        assert_allclose(got.center - got.lower, half, rtol=1e-9)
    median = aggregate_curves(curves, center="median", band="std")
    assert_allclose(median.center, np.median(matrix, axis=0), rtol=1e-12)
    assert_allclose(median.upper - median.center, std, rtol=1e-9)


def test_disjoint_step_ranges_give_no_band_and_no_center():
    a = (np.arange(0, 10, dtype=np.int64), np.linspace(1.0, 0.5, 10))
    b = (np.arange(20, 30, dtype=np.int64), np.linspace(0.5, 0.2, 10))
    curve = aggregate_curves([a, b])
    assert_array_equal(curve.steps, np.concatenate([a[0], b[0]]))
    assert_array_equal(curve.n, 1)
    assert np.all(np.isnan(curve.center))
    assert np.all(np.isnan(curve.lower)) and np.all(np.isnan(curve.upper))


def test_runs_of_different_lengths_band_only_where_they_overlap():
    short = (np.array([0, 10, 20]), np.array([3.0, 2.0, 1.0]))
    long = (np.array([0, 10, 20, 30, 40]), np.array([5.0, 4.0, 3.0, 2.0, 1.0]))
    curve = aggregate_curves([short, long], band="std")
    assert_array_equal(curve.n, [2, 2, 2, 1, 1])
    assert_allclose(curve.center[:3], [4.0, 3.0, 2.0])
    assert_allclose(curve.upper[:3] - curve.lower[:3], 2 * math.sqrt(2.0))
    assert np.all(np.isnan(curve.center[3:])) and np.all(np.isnan(curve.upper[3:]))
    # With min_runs=1 the long run alone is the line past step 20, still without a band.
    alone = aggregate_curves([short, long], band="std", min_runs=1)
    assert_allclose(alone.center[3:], [2.0, 1.0])
    assert np.all(np.isnan(alone.lower[3:]))


def test_min_runs_threshold():
    runs = [(np.arange(0, n), np.full(n, float(n))) for n in (2, 3, 4)]
    curve = aggregate_curves(runs, min_runs=3, band="std")
    assert_array_equal(curve.n, [3, 3, 2, 1])
    assert_allclose(curve.center[:2], 3.0)
    assert np.all(np.isnan(curve.center[2:]))


def test_linear_interpolation_onto_union_of_steps():
    # y = 1 + 0.5 s sampled every 10 steps and y = 2 s sampled every 4: both exact under linear
    # interpolation, so the mean on the union is (1 + 2.5 s) / 2 at every union step.
    a = (np.arange(0, 41, 10), 1 + 0.5 * np.arange(0, 41, 10))
    b = (np.arange(0, 41, 4), 2.0 * np.arange(0, 41, 4))
    curve = aggregate_curves([a, b], band="std")
    union = np.union1d(a[0], b[0])
    assert_array_equal(curve.steps, union)
    assert_allclose(curve.center, (1 + 2.5 * union) / 2, rtol=1e-12)
    assert_allclose(curve.upper - curve.center, np.abs(1 - 1.5 * union) / math.sqrt(2), rtol=1e-9)


def test_log_space_interpolates_exponentials_exactly_and_uses_geometric_mean():
    def run(step_every, amp):
        s = np.arange(0, 301, step_every)
        return s, amp * np.exp(-s / 50.0)

    curve = aggregate_curves([run(30, 1.0), run(20, 4.0)], log_space=True, band="std")
    s = curve.steps.astype(float)
    # Geometric mean of 1 e^{-s/50} and 4 e^{-s/50} is 2 e^{-s/50}.
    assert_allclose(curve.center, 2.0 * np.exp(-s / 50.0), rtol=1e-12)
    # The log-space std of log(1), log(4) is ln(4)/sqrt(2): a multiplicative band.
    factor = math.exp(math.log(4.0) / math.sqrt(2.0))
    assert_allclose(curve.upper / curve.center, factor, rtol=1e-9)
    assert_allclose(curve.center / curve.lower, factor, rtol=1e-9)
    linear = aggregate_curves([run(30, 1.0), run(20, 4.0)], band="std")
    assert not np.allclose(linear.center, curve.center)


def test_non_finite_values_drop_that_run_at_that_point_only():
    steps = np.arange(0, 6)
    good = np.array([6.0, 5.0, 4.0, 3.0, 2.0, 1.0])
    bad = good.copy()
    bad[2] = np.nan
    bad[4] = np.inf
    other = (np.array([0, 1, 2, 3, 4, 5]), good + 1.0)
    # A third, sparser run covers steps 1..3 only.
    sparse = (np.array([1, 3]), np.array([10.0, 10.0]))
    curve = aggregate_curves([(steps, bad), other, sparse], min_runs=1, band="std")
    assert_array_equal(curve.steps, steps)
    assert_array_equal(curve.n, [2, 3, 2, 3, 1, 2])
    assert_allclose(curve.center, [6.5, 7.0, 7.5, 17 / 3, 3.0, 1.5])


def test_interval_next_to_a_non_finite_point_is_not_bridged():
    a = (np.array([0, 10, 20]), np.array([1.0, np.nan, 3.0]))
    b = (np.arange(0, 21, 5), np.zeros(5))
    curve = aggregate_curves([a, b], min_runs=1, band="std")
    assert_array_equal(curve.steps, [0, 5, 10, 15, 20])
    assert_array_equal(curve.n, [2, 1, 1, 1, 2])


def test_log_space_leaves_out_non_positive_values():
    a = (np.array([0, 1, 2]), np.array([1.0, 0.0, 1.0]))
    b = (np.array([0, 1, 2]), np.array([4.0, 4.0, 4.0]))
    curve = aggregate_curves([a, b], log_space=True, min_runs=1, band="std")
    assert_array_equal(curve.n, [2, 1, 2])
    assert_allclose(curve.center, [2.0, 4.0, 2.0], rtol=1e-12)


def test_bad_arguments_are_refused():
    ok = (np.arange(3), np.ones(3))
    with pytest.raises(ValueError, match="center must be one of mean, median"):
        aggregate_curves([ok], center="mode")
    with pytest.raises(ValueError, match="band must be one of"):
        aggregate_curves([ok], band="iqr")
    with pytest.raises(ValueError, match="min_runs"):
        aggregate_curves([ok], min_runs=0)
    with pytest.raises(ValueError, match="curve 1: steps must be strictly increasing"):
        aggregate_curves([ok, (np.array([0, 2, 1]), np.ones(3))])


def test_no_curves_gives_empty_result():
    curve = aggregate_curves([])
    assert curve.steps.size == 0 and curve.center.size == 0 and curve.n.size == 0


# ----------------------------------------------------------------------------- scalars


def test_aggregate_scalars_known_values():
    values = [0.31, 0.29, 0.35, 0.27, 0.33]
    spread = aggregate_scalars(values)
    arr = np.array(values)
    sem = arr.std(ddof=1) / math.sqrt(5)
    half = stats.t.ppf(0.975, 4) * sem
    assert spread.n == 5 and spread.excluded == 0
    assert_allclose(
        [spread.mean, spread.std, spread.sem, spread.ci95_low, spread.ci95_high],
        [arr.mean(), arr.std(ddof=1), sem, arr.mean() - half, arr.mean() + half],
        rtol=1e-12,
    )
    assert (spread.min, spread.max, spread.median) == (0.27, 0.35, 0.31)


def test_aggregate_scalars_excludes_and_counts_non_finite():
    spread = aggregate_scalars([1.0, None, math.nan, 3.0, math.inf])
    assert (spread.n, spread.excluded) == (2, 3)
    assert_allclose([spread.mean, spread.std, spread.median], [2.0, math.sqrt(2.0), 2.0])
    one = aggregate_scalars([5.0, math.nan])
    assert (one.n, one.mean, one.min, one.max) == (1, 5.0, 5.0, 5.0)
    assert math.isnan(one.std) and math.isnan(one.ci95_low)
    none = aggregate_scalars([])
    assert none.n == 0 and math.isnan(none.mean)


def test_aggregate_scalars_identical_values_have_zero_spread():
    spread = aggregate_scalars([0.1] * 7)
    assert spread.mean == 0.1 and spread.std == 0.0
    assert spread.ci95_low == spread.ci95_high == 0.1


# ----------------------------------------------------------------------------- group summary


def _summary(name, role, final, minimum, last_step, step_at_min=None):
    return MetricSummary(
        name=name,
        role=role,
        points=10,
        finite_points=10,
        first=2.0,
        final=final,
        min=minimum,
        max=2.0,
        step_at_min=step_at_min,
        step_at_max=0,
        last_window_mean=final,
        pct_change=None,
        first_step=0,
        last_step=last_step,
    )


def _analysis(name, val_final, val_best, best_step, train_final, last_step=100):
    summaries = {
        "loss": _summary("loss", "train_loss", train_final, train_final, last_step),
        "val_loss": _summary("val_loss", "val_loss", val_final, val_best, last_step),
    }
    best = Best(metric="val_loss", role="val_loss", value=val_best, step=best_step, epoch=None)
    return RunAnalysis(name, summaries, {}, best, (), ())


def test_summarise_group_spreads_and_per_run_values():
    members = [
        ("seed-2", _analysis("seed-2", 0.40, 0.35, 80, 0.20, last_step=120)),
        ("seed-0", _analysis("seed-0", 0.30, 0.25, 60, 0.10)),
        ("seed-1", _analysis("seed-1", 0.50, 0.45, 70, 0.30)),
    ]
    summary = summarise_group("lr=1e-3", members)
    assert summary.runs == ("seed-0", "seed-1", "seed-2")
    assert [s.key for s in summary.stats] == [
        "final_val_loss",
        "best_val_loss",
        "final_train_loss",
        "best_train_loss",
        "best_step",
        "last_step",
    ]
    final = summary.stat("final_val_loss")
    assert final.values == (("seed-0", 0.30), ("seed-1", 0.50), ("seed-2", 0.40))
    assert_allclose([final.spread.mean, final.spread.std], [0.4, 0.1], rtol=1e-12)
    assert (final.spread.min, final.spread.max) == (0.30, 0.50)
    assert_allclose(summary.stat("best_val_loss").spread.mean, 0.35, rtol=1e-12)
    assert_allclose(summary.stat("best_step").spread.mean, 70.0)
    assert summary.stat("last_step").spread.max == 120.0


def test_summarise_group_counts_runs_without_validation():
    no_val = RunAnalysis(
        "b",
        {"loss": _summary("loss", "train_loss", 0.5, 0.4, 50)},
        {},
        Best("loss", "train_loss", 0.4, 40, None),
        (),
        (),
    )
    summary = summarise_group("g", [("a", _analysis("a", 0.3, 0.2, 10, 0.1)), ("b", no_val)])
    final = summary.stat("final_val_loss")
    assert final.values == (("a", 0.3), ("b", None))
    assert (final.spread.n, final.spread.excluded) == (1, 1)
    # The group has validation losses, so every run's best step is its best validation step:
    # b's best train step would not compare like with like.
    assert summary.monitored == "val_loss"
    assert summary.stat("best_step").label == "Step of best validation loss"
    assert summary.stat("best_step").values == (("a", 10.0), ("b", None))
    assert summary.stat("best_train_loss").values == (("a", 0.1), ("b", 0.4))
    train_only = summarise_group("t", [("b", no_val), ("c", no_val)])
    assert train_only.monitored == "train_loss"
    assert train_only.stat("best_step").label == "Step of best train loss"
    assert train_only.stat("best_step").values == (("b", 40.0), ("c", 40.0))
    assert train_only.stat("best_val_loss").spread.n == 0
    with pytest.raises(ValueError, match="run 'a' listed twice"):
        summarise_group("g", [("a", no_val), ("a", no_val)])


def test_summarise_group_falls_back_to_summaries_without_a_best():
    summaries = {"v": _summary("v", "val_loss", 0.6, 0.5, 90, step_at_min=33)}
    lone = RunAnalysis("x", summaries, {}, None, (), ())
    summary = summarise_group("g", [("x", lone), ("y", _analysis("y", 0.4, 0.3, 50, 0.2))])
    assert summary.stat("best_step").values == (("x", 33.0), ("y", 50.0))
    assert summary.stat("best_val_loss").values == (("x", 0.5), ("y", 0.3))
    assert summary.stat("last_step").values == (("x", 90.0), ("y", 100.0))


@pytest.mark.parametrize("log_space", [False, True])
def test_runs_sharing_their_steps_stack_as_interpolation_would(log_space):
    from reportgen.analysis.groups import _interpolate_onto, _stack

    rng = np.random.default_rng(3)
    steps = np.arange(0, 500, 5)
    curves = []
    for _ in range(6):
        v = rng.uniform(-0.5, 3.0, steps.size)
        v[rng.integers(0, steps.size, 4)] = [np.nan, np.inf, -np.inf, np.nan]
        curves.append((steps.copy(), v))
    grid, matrix = _stack(curves, log_space)
    assert np.array_equal(grid, steps)
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = [np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan) if log_space else v for _, v in curves]
    expected = np.vstack([_interpolate_onto(steps, v, steps) for v in logged])
    assert np.array_equal(matrix, expected, equal_nan=True)
    # one run off the shared steps takes the union-and-interpolate path, and agrees where defined
    grid2, matrix2 = _stack(curves[:-1] + [(steps[::2], curves[-1][1][::2])], log_space)
    assert np.array_equal(grid2, steps)
    assert np.array_equal(matrix2[:-1], expected[:-1], equal_nan=True)
