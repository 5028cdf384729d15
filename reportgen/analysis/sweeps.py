"""Hyper-parameter sweeps: which settings win, how sure we are, and where to search next.

Pure numpy/scipy, no I/O. In: one SweepPoint per run of one comparable set (its hparams, its
objective, why it failed if it did). Out: a SweepAnalysis with the configurations (seeds of one
setting pooled, with the seed-group statistics of analysis/groups.py), the importance of each
varying hparam, the slice and surface fits (analysis/sweep_fit.py) and advice in words. The
rules are documented in docs/analysis.md, "Sweeps".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.analysis.groups import Spread, aggregate_scalars
from reportgen.analysis.sweep_advice import SMALL_SHARE, advise
from reportgen.analysis.sweep_fit import SliceFit, Surface, fit_slice, fit_surface

__all__ = ["SMALL_SHARE", "SweepAnalysis", "SweepPoint", "analyse_sweep"]
# Names read as "the learning rate" for the divergence-onset advice.
LR_NAMES = ("lr", "learning_rate", "learning-rate", "learningrate", "base_lr", "max_lr")


@dataclass(frozen=True)
class SweepPoint:
    """One run: its hparams, its objective (None when it has none) and, when it failed (diverged,
    blew up, non-finite), why: a failed run is shown but kept out of every statistic and fit."""

    run: str
    hparams: Mapping[str, Any]
    value: float | None
    failure: str | None = None


@dataclass(frozen=True)
class HParam:
    name: str
    kind: str  # "numeric" | "categorical"
    log: bool  # numeric and spans a decade or more (all values > 0)
    values: tuple[Any, ...]  # distinct values, sorted


@dataclass(frozen=True)
class Configuration:
    """The runs sharing one setting of the varying hparams (they differ only by seed)."""

    setting: tuple[tuple[str, Any], ...]  # (hparam, value), hparams in name order
    runs: tuple[str, ...]
    failed: tuple[str, ...]
    spread: Spread  # of the healthy runs' objective; see `seed_spread` for log space

    def value(self, name: str) -> Any:
        return dict(self.setting)[name]


@dataclass(frozen=True)
class Importance:
    """How much of the objective's variance (healthy runs) one hparam explains.

    eta2: one-way ANOVA eta squared, SS_between / SS_total with the hparam's values as groups;
    p: the ANOVA F-test p-value (None with one run per level); spearman: rank correlation of the
    value with the objective (numeric hparams)."""

    hparam: str
    eta2: float
    p: float | None
    spearman: float | None
    levels: int
    # False when no value of the hparam has two healthy runs: then every run is its own group
    # and eta^2 is 1 whatever the data, so it says nothing
    estimable: bool = True
    smallest: int = 0  # healthy runs at the hparam's least-tried value


@dataclass(frozen=True)
class Onset:
    """Where runs start to fail along the learning rate: every run at or above `value` that
    failed, none below."""

    hparam: str
    value: float
    failed: int
    total: int  # runs at or above value
    below: int  # healthy runs below value


@dataclass(frozen=True)
class SweepAnalysis:
    goal: str  # "min" | "max"
    hparams: tuple[HParam, ...]  # varying, by name
    configurations: tuple[Configuration, ...]  # in setting order
    best: Configuration | None
    ties: tuple[Configuration, ...]  # other configurations whose CI overlaps the best's
    importance: tuple[Importance, ...]  # most important first
    slices: tuple[SliceFit, ...]  # numeric hparams, in importance order
    surface: Surface | None  # the two most important hparams, when both numeric
    onset: Onset | None
    advice: tuple[str, ...]
    healthy: int
    failed: int
    log_space: bool = False  # configuration statistics on log(objective): geometric means
    confounded: tuple[tuple[str, ...], ...] = ()  # hparams that always change together


def is_seed(name: str) -> bool:
    """Seed keys make replicates, not settings."""
    low = name.lower()
    return low == "seed" or low.endswith("seed") or low.endswith("_seed")


def _numeric(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _key(v: Any) -> tuple:
    """A sort and group key where 1 == 1.0 and strings sort after numbers."""
    return (0, float(v), "") if _numeric(v) else (1, 0.0, repr(v))


def varying_hparams(points: Sequence[SweepPoint]) -> tuple[HParam, ...]:
    """Hparams (not seeds) that every run sets, taking at least two values; sorted by name."""
    if len(points) < 2:
        return ()
    names = set.intersection(*(set(map(str, p.hparams)) for p in points))
    out = []
    for name in sorted(n for n in names if not is_seed(n)):
        values = [p.hparams[name] for p in points]
        if any(isinstance(v, (dict, list)) for v in values):
            values = [repr(v) for v in values]
        distinct = sorted({_key(v): v for v in values}.values(), key=_key)
        if len(distinct) < 2:
            continue
        numeric = all(_numeric(v) for v in distinct)
        log = numeric and min(distinct) > 0 and max(distinct) / min(distinct) >= 10
        out.append(HParam(name, "numeric" if numeric else "categorical", bool(log), tuple(distinct)))
    return tuple(out)


def _setting_value(point: SweepPoint, name: str) -> Any:
    v = point.hparams[name]
    return repr(v) if isinstance(v, (dict, list)) else v


def seed_spread(values: Sequence[float], log_space: bool) -> Spread:
    """The seed-group statistics (groups.aggregate_scalars) of one configuration's runs. In log
    space (a positive objective such as a loss) they are taken on log(values) and mapped back:
    `mean` is the geometric mean and the 95% CI multiplicative, so it never reaches below zero
    (a t interval from two seeds on the raw values easily does); `std` and `sem` then stay in
    log units (natural log)."""
    if not log_space:
        return aggregate_scalars(values)
    s = aggregate_scalars([math.log(v) for v in values])
    back = math.exp
    return Spread(s.n, s.excluded, back(s.mean) if s.n else math.nan, s.std, s.sem,
                  back(s.ci95_low) if math.isfinite(s.ci95_low) else math.nan,
                  back(s.ci95_high) if math.isfinite(s.ci95_high) else math.nan,
                  back(s.min) if s.n else math.nan, back(s.max) if s.n else math.nan,
                  back(s.median) if s.n else math.nan)


def configurations(points: Sequence[SweepPoint], hparams: Sequence[HParam],
                   log_space: bool = False) -> tuple[Configuration, ...]:
    groups: dict[tuple, list[SweepPoint]] = {}
    for p in points:
        setting = tuple((h.name, _setting_value(p, h.name)) for h in hparams)
        groups.setdefault(tuple(_key(v) for _, v in setting), []).append(p)
    out = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda p: p.run)
        setting = tuple((h.name, _setting_value(members[0], h.name)) for h in hparams)
        healthy = [p.value for p in members if p.failure is None]
        out.append(
            Configuration(
                setting,
                tuple(p.run for p in members),
                tuple(p.run for p in members if p.failure is not None),
                seed_spread(healthy, log_space),
            )
        )
    return tuple(out)


def importance(points: Sequence[SweepPoint], hparams: Sequence[HParam]) -> tuple[Importance, ...]:
    """Per hparam, eta^2 and the ANOVA p over healthy runs; most important first (ties by name)."""
    from scipy import stats  # here: a build with nothing to redo never loads scipy

    healthy = [p for p in points if p.failure is None and p.value is not None and math.isfinite(p.value)]
    y = np.array([p.value for p in healthy], dtype=np.float64)
    out = []
    for h in hparams:
        levels: dict[tuple, list[float]] = {}
        for p, v in zip(healthy, y):
            levels.setdefault(_key(_setting_value(p, h.name)), []).append(float(v))
        total = float(((y - y.mean()) ** 2).sum()) if y.size else 0.0
        between = sum(len(g) * (float(np.mean(g)) - float(y.mean())) ** 2 for g in levels.values()) if y.size else 0.0
        eta2 = between / total if total > 0 else 0.0
        groups = [g for g in levels.values()]
        p_value = None
        if len(groups) >= 2 and y.size > len(groups) and total > 0:
            within = total - between
            if within > 0:
                p_value = float(stats.f_oneway(*groups).pvalue)
            else:
                p_value = 0.0
        rho = None
        if h.kind == "numeric" and len(levels) >= 2 and y.size >= 3 and np.ptp(y) > 0:
            x = np.array([float(p.hparams[h.name]) for p in healthy])
            rho = float(stats.spearmanr(x, y).statistic)
        estimable = any(len(g) >= 2 for g in groups)
        out.append(Importance(h.name, float(eta2), p_value, rho, len(levels), estimable,
                              min((len(g) for g in groups), default=0)))
    return tuple(sorted(out, key=lambda i: (not i.estimable, -i.eta2, i.hparam)))


def confounded(points: Sequence[SweepPoint], hparams: Sequence[HParam]) -> tuple[tuple[str, ...], ...]:
    """Sets of hparams that change together in every run (each one's value fixes the others'),
    in name order: the sweep cannot tell their effects apart."""
    together: dict[str, set[str]] = {h.name: {h.name} for h in hparams}
    for i, a in enumerate(hparams):
        for b in hparams[i + 1:]:
            pairs = {(_key(_setting_value(p, a.name)), _key(_setting_value(p, b.name))) for p in points}
            if len({x for x, _ in pairs}) == len(pairs) == len({y for _, y in pairs}):
                merged = together[a.name] | together[b.name]
                for name in merged:
                    together[name] = merged
    return tuple(sorted({tuple(sorted(g)) for g in together.values() if len(g) > 1}))


def _better(a: float, b: float, goal: str) -> bool:
    return a < b if goal == "min" else a > b


def best_configuration(configs: Sequence[Configuration], goal: str) -> tuple[Configuration | None, tuple[Configuration, ...]]:
    """The configuration with the best mean objective (ties: more runs, then setting order), and
    the others whose 95% CI overlaps its CI (the data cannot separate them)."""
    scored = [c for c in configs if c.spread.n > 0]
    if not scored:
        return None, ()
    sign = 1.0 if goal == "min" else -1.0
    best = min(scored, key=lambda c: (sign * c.spread.mean, -c.spread.n))
    lo, hi = best.spread.ci95_low, best.spread.ci95_high
    ties = []
    if math.isfinite(lo) and math.isfinite(hi):
        for c in scored:
            if c is best or not math.isfinite(c.spread.ci95_low):
                continue
            if c.spread.ci95_low <= hi and c.spread.ci95_high >= lo:
                ties.append(c)
    return best, tuple(ties)


def onset(points: Sequence[SweepPoint], hparams: Sequence[HParam]) -> Onset | None:
    """The lowest learning rate at which a run failed, when every failure is at or above it and
    a healthy run lies below it (so there is a threshold to name)."""
    lr = next((h for h in hparams if h.kind == "numeric" and h.name.lower() in LR_NAMES), None)
    if lr is None:
        return None
    failed = [float(p.hparams[lr.name]) for p in points if p.failure is not None]
    if not failed:
        return None
    start = min(failed)
    above = [p for p in points if float(p.hparams[lr.name]) >= start]
    below = [p for p in points if float(p.hparams[lr.name]) < start and p.failure is None]
    if not below:
        return None
    return Onset(lr.name, start, sum(p.failure is not None for p in above), len(above), len(below))


def analyse_sweep(points: Sequence[SweepPoint], goal: str = "min", objective: str = "objective") -> SweepAnalysis:
    """Everything the sweep page and summary.json say about one sweep; `objective` names it in
    the advice. Raises ValueError for an unknown goal."""
    if goal not in ("min", "max"):
        raise ValueError(f"goal must be min or max, got {goal!r}")
    points = sorted(points, key=lambda p: p.run)
    hparams = varying_hparams(points)
    values = [p.value for p in points if p.failure is None and p.value is not None and math.isfinite(p.value)]
    log_space = bool(values) and min(values) > 0
    configs = configurations(points, hparams, log_space)
    best, ties = best_configuration(configs, goal)
    ranked = importance(points, hparams)
    healthy = [p for p in points if p.failure is None and p.value is not None and math.isfinite(p.value)]
    by_name = {h.name: h for h in hparams}
    slices = []
    for imp in ranked:
        h = by_name[imp.hparam]
        if h.kind == "numeric" and len(h.values) >= 3:  # two values: a strip plot says all there is
            slices.append(
                fit_slice(h.name, [float(p.hparams[h.name]) for p in healthy], [p.value for p in healthy],
                          log_x=h.log, goal=goal)
            )
    surface = None
    top = [by_name[i.hparam] for i in ranked[:2]]
    if len(top) == 2 and all(h.kind == "numeric" for h in top) and healthy:
        surface = fit_surface(
            (top[0].name, top[1].name),
            np.array([float(p.hparams[top[0].name]) for p in healthy]),
            np.array([float(p.hparams[top[1].name]) for p in healthy]),
            np.array([p.value for p in healthy]),
            (top[0].log, top[1].log),
        )
    start = onset(points, hparams)
    partial = SweepAnalysis(goal, hparams, configs, best, ties, ranked, tuple(slices), surface, start, (),
                            len(healthy), len(points) - len(healthy), log_space, confounded(points, hparams))
    return SweepAnalysis(**{**partial.__dict__, "advice": advise(partial, objective)})
