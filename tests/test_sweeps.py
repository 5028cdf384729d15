"""Sweep analysis (analysis/sweeps.py) on synthetic objectives with known answers: the fitted
optimum of a parabola in log-lr, the edge and divergence advice, importance against eta^2 and
Spearman computed here, and the seed statistics of a configuration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from reportgen.analysis.sweeps import SweepPoint, analyse_sweep, varying_hparams

LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
# docs/analysis.md, "Sweeps": the documented tolerance of the fitted optimum, in decades of lr
TOLERANCE_DECADES = 0.15


def parabola(optimum_log_lr: float, *, seed: int, noise: float = 0.05, bs_effect: float = 0.0) -> list[SweepPoint]:
    """y = 0.3 (log10 lr - optimum)^2 + 1 + noise, lr x batch size (32, 128) x 3 seeds."""
    rng = np.random.default_rng(seed)
    points = []
    for lr in LRS:
        for bs in (32, 128):
            for s in range(3):
                y = 0.3 * (math.log10(lr) - optimum_log_lr) ** 2 + 1 + bs_effect * (bs == 128) + rng.normal(0, noise)
                points.append(SweepPoint(f"lr{lr:g}-bs{bs}-s{s}", {"lr": lr, "batch_size": bs, "seed": s, "opt": "adam"},
                                         float(y)))
    return points


@pytest.mark.parametrize("seed", range(5))
def test_fitted_optimum_of_a_parabola_in_log_lr_is_within_tolerance(seed: int) -> None:
    a = analyse_sweep(parabola(-2.5, seed=seed))
    fit = next(f for f in a.slices if f.hparam == "lr")
    assert fit.method == "quadratic" and fit.log_x
    assert abs(math.log10(fit.optimum) - (-2.5)) <= TOLERANCE_DECADES
    assert fit.edge is None
    # the best region holds the fitted optimum and the true one
    assert fit.region[0] <= 10**-2.5 <= fit.region[1]
    assert not any("extend the search" in line for line in a.advice)
    assert f"Along lr the fitted trend is lowest at about lr = {fit.optimum:.2g};" in " ".join(a.advice)


def test_optimum_below_the_range_says_extend_the_search_below() -> None:
    a = analyse_sweep(parabola(-5.0, seed=1))
    fit = next(f for f in a.slices if f.hparam == "lr")
    assert fit.edge == "below"
    assert fit.optimum == pytest.approx(1e-4)
    assert ("The fitted optimum of lr lies at the edge of the searched range (0.0001 to 0.1): extend the search "
            "below 0.0001.") in a.advice


def test_optimum_above_the_range_says_extend_the_search_above() -> None:
    a = analyse_sweep(parabola(0.5, seed=2))
    assert any(line.endswith("extend the search above 0.1.") for line in a.advice)


def test_goal_max_finds_the_top_of_an_inverted_parabola() -> None:
    points = [SweepPoint(p.run, p.hparams, 3.0 - p.value) for p in parabola(-2.0, seed=3)]
    fit = next(f for f in analyse_sweep(points, goal="max").slices if f.hparam == "lr")
    assert abs(math.log10(fit.optimum) + 2.0) <= TOLERANCE_DECADES


def test_seeds_are_replicates_and_constant_hparams_are_not_swept() -> None:
    hparams = varying_hparams(parabola(-2.5, seed=0))
    assert [(h.name, h.kind, h.log) for h in hparams] == [("batch_size", "numeric", False), ("lr", "numeric", True)]


def test_importance_matches_eta_squared_and_spearman_computed_here() -> None:
    points = parabola(-2.5, seed=4, bs_effect=0.4)
    a = analyse_sweep(points)
    y = np.array([p.value for p in points])
    for name in ("lr", "batch_size"):
        keys = np.array([p.hparams[name] for p in points])
        between = sum((keys == k).sum() * (y[keys == k].mean() - y.mean()) ** 2 for k in np.unique(keys))
        eta2 = between / ((y - y.mean()) ** 2).sum()
        imp = next(i for i in a.importance if i.hparam == name)
        assert_allclose(imp.eta2, eta2, rtol=1e-12)
        assert_allclose(imp.p, stats.f_oneway(*[y[keys == k] for k in np.unique(keys)]).pvalue, rtol=1e-9)
        assert_allclose(imp.spearman, stats.spearmanr(keys, y).statistic, rtol=1e-12)
    assert [i.hparam for i in a.importance] == sorted(("lr", "batch_size"), key=lambda n: -next(
        i.eta2 for i in a.importance if i.hparam == n))


def test_a_batch_size_without_effect_is_called_negligible() -> None:
    a = analyse_sweep(parabola(-2.5, seed=0))
    imp = next(i for i in a.importance if i.hparam == "batch_size")
    assert imp.eta2 < 0.05
    assert f"batch_size explains < 5% of the variance of the objective (eta² = {imp.eta2:.2f}): in this range its " \
           "value hardly matters." in a.advice


def test_diverged_runs_are_kept_out_of_the_fit_and_the_onset_is_named() -> None:
    points = [
        SweepPoint(p.run, p.hparams, None, "divergence") if p.hparams["lr"] >= 3e-2 else p
        for p in parabola(-2.5, seed=0)
    ]
    a = analyse_sweep(points)
    assert a.failed == 12 and a.healthy == 30
    fit = next(f for f in a.slices if f.hparam == "lr")
    assert fit.n == 30 and fit.grid.max() == pytest.approx(1e-2)  # the fit spans healthy runs only
    assert a.onset is not None and a.onset.value == 3e-2
    assert ("Runs start to diverge at lr = 0.03: 12 of the 12 runs at or above it failed, none of the 30 below it; "
            "search below 0.03.") in a.advice


def test_best_configuration_and_its_ci_are_the_seed_statistics_in_log_space() -> None:
    points = parabola(-2.5, seed=0)
    a = analyse_sweep(points)
    by_config: dict[tuple, list[float]] = {}
    for p in points:
        by_config.setdefault((p.hparams["lr"], p.hparams["batch_size"]), []).append(p.value)
    geo = {k: math.exp(np.mean(np.log(v))) for k, v in by_config.items()}
    best = min(geo, key=geo.get)
    assert dict(a.best.setting) == {"batch_size": best[1], "lr": best[0]}
    logs = np.log(by_config[best])
    half = stats.t.ppf(0.975, len(logs) - 1) * logs.std(ddof=1) / math.sqrt(len(logs))
    assert_allclose([a.best.spread.mean, a.best.spread.ci95_low, a.best.spread.ci95_high],
                    [geo[best], math.exp(logs.mean() - half), math.exp(logs.mean() + half)], rtol=1e-12)


def test_one_run_per_value_makes_importance_not_estimable() -> None:
    points = [SweepPoint(f"r{i}", {"lr": lr, "epochs": 10 * (i + 1)}, 1.0 + i * 0.1) for i, lr in enumerate((1e-3, 1e-2, 1e-1))]
    a = analyse_sweep(points)
    assert not any(i.estimable for i in a.importance)
    assert a.confounded == (("epochs", "lr"),)
    assert "epochs and lr change together in every run: the sweep cannot tell their effects apart" in " ".join(a.advice)
    assert any(line.startswith("Every configuration has at most one healthy run") for line in a.advice)


def test_categorical_hparams_get_no_trend_but_importance() -> None:
    points = [SweepPoint(f"{o}-{s}", {"optimizer": o, "seed": s}, (1.0 if o == "adam" else 2.0) + 0.01 * s)
              for o in ("adam", "sgd") for s in range(3)]
    a = analyse_sweep(points)
    assert a.slices == () and a.hparams[0].kind == "categorical"
    assert a.importance[0].eta2 > 0.99
    assert dict(a.best.setting) == {"optimizer": "adam"}


def test_four_single_runs_get_no_trend_and_no_extend_advice() -> None:
    # the example lr-sweep's shape: one run per lr, a valley; a quadratic through 4 points has one
    # residual degree of freedom and a band spanning everything, so no trend is drawn or advised
    points = [SweepPoint(f"r{lr:g}", {"lr": lr}, y) for lr, y in ((1e-3, 1.0), (1e-2, 0.15), (1e-1, 0.05), (1.0, 0.8))]
    a = analyse_sweep(points)
    (fit,) = a.slices
    assert fit.method is None and fit.reason == "a trend needs 5 healthy runs over 3 or more values"
    assert not any("extend the search" in line or "fitted trend" in line for line in a.advice)


def test_three_hparams_moving_together_are_named_once_and_never_called_negligible() -> None:
    # two configurations, tried by 3 and 1 runs: activation, batch_size and epochs always move together
    settings = [("relu", 64, 25)] * 3 + [("tanh", 32, 10)]
    points = [SweepPoint(f"r{i}", {"activation": a, "batch_size": b, "epochs": e, "seed": i}, 1.0 + 0.01 * i)
              for i, (a, b, e) in enumerate(settings)]
    a = analyse_sweep(points)
    assert a.confounded == (("activation", "batch_size", "epochs"),)
    assert "activation, batch_size and epochs change together in every run" in " ".join(a.advice)
    assert not any("explains < 5%" in line for line in a.advice)


def test_hparam_text_with_dollar_signs_is_drawn_as_text() -> None:
    # "$...$" would be matplotlib mathtext, and "\foo" inside it an error that stops the build
    from reportgen.figures.draw import draw
    from reportgen.figures.plan_sweeps import plan_parallel, plan_strip

    name = "$x^{\\bad"
    points = [SweepPoint(f"r{i}-{s}", {name: v, "seed": s}, 1.0 + i * 0.1 + s * 0.01)
              for i, v in enumerate(["$a$", "b_$\\foo$"]) for s in range(2)]
    a = analyse_sweep(points)
    strip = plan_strip(a, a.hparams[0], points, "loss", "linear")
    assert strip.panels[0].xlabel == "\\$x^{\\bad"
    assert [t for _, t in strip.panels[0].xticks] == ["\\$a\\$", "b_\\$\\foo\\$"]
    for spec in (strip, plan_parallel(a, points, "loss", "linear")[0]):
        assert draw(spec).startswith(b"\x89PNG")
