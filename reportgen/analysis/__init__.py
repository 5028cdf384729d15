"""Analysis stage: RunData -> RunAnalysis. Pure numpy, no I/O.

`analyse` is the entry point; each finding comes from a small module (smoothing, summary,
convergence, overfitting, underfitting, divergence, plateau, endings). docs/analysis.md gives
every formula and default; reportgen/analysis/glossary.py explains every flag kind to a reader.

Also here: class_balance.py (pure class-balance tables), glossary.py (every flag kind in plain
words), gate.py (`--fail-on`: which flag kinds fail a build), scalar_groups.py (which group a
logged series belongs to: losses, accuracy-like, optimisation, system, other), pace.py (wall-clock
duration and throughput, with their sources).
May import: reportgen.errors, reportgen.model. No I/O.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reportgen.analysis.convergence import convergence
from reportgen.analysis.divergence import explosion, merge_divergence, non_finite, spikes, thrashing
from reportgen.analysis.endings import generalisation_gap, got_worse, still_improving
from reportgen.analysis.overfitting import generalisation_gap_curve, overfitting
from reportgen.analysis.plateau import plateaus
from reportgen.analysis.summary import summarise
from reportgen.analysis.trends import Trends
from reportgen.analysis.underfitting import chance_baseline, underfitting
from reportgen.analysis.util import epoch_at, epoch_of_step, num, where_text
from reportgen.model import (
    AnalysisConfig,
    Best,
    Convergence,
    Flag,
    RunAnalysis,
    RunData,
    Series,
)

__all__ = ["analyse", "sort_flags"]

LOSS_ROLES = ("train_loss", "train_loss_epoch", "val_loss", "test_loss")
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def sort_flags(flags: list[Flag]) -> tuple[Flag, ...]:
    """Flags in a stable order: errors first, then warnings, then info; within a severity by
    step (flags without a step last), then kind, metric and message."""
    return tuple(
        sorted(
            flags,
            key=lambda f: (
                SEVERITY_ORDER.get(f.severity, 3),
                f.step is None,
                f.step if f.step is not None else 0,
                f.kind,
                f.metric or "",
                f.message,
            ),
        )
    )


def _best(run: RunData, x_is_epoch: bool) -> Best | None:
    for role in ("val_loss", "train_loss", "train_loss_epoch"):
        s = run.role(role)
        if s is None:
            continue
        fin = np.nonzero(np.isfinite(s.values))[0]
        if fin.shape[0] == 0:
            continue
        i = int(fin[int(np.argmin(s.values[fin]))])
        return Best(
            metric=s.name,
            role=role,
            value=float(s.values[i]),
            step=int(s.steps[i]),
            epoch=epoch_at(s, i, x_is_epoch),
        )
    return None


def _before(s: Series | None, step: int) -> Series | None:
    """The part of a series logged before `step`."""
    if s is None:
        return None
    keep = s.steps < step
    return Series(
        name=s.name,
        steps=s.steps[keep],
        values=s.values[keep],
        epoch=None if s.epoch is None else s.epoch[keep],
        wall_time=None if s.wall_time is None else s.wall_time[keep],
    )


def _goes_negative(s: Series | None) -> bool:
    """True when a loss has a finite value below zero."""
    if s is None:
        return False
    v = s.values[np.isfinite(s.values)]
    return bool(v.shape[0] and float(np.min(v)) < 0)


def _loss_series(run: RunData) -> list[tuple[str, Series]]:
    """(role, series) for each loss role present, each series once (first role wins)."""
    out: list[tuple[str, Series]] = []
    seen: set[str] = set()
    for role in LOSS_ROLES:
        s = run.role(role)
        if s is not None and s.name not in seen:
            seen.add(s.name)
            out.append((role, s))
    return out


def analyse(run: RunData, config: AnalysisConfig | None = None) -> RunAnalysis:
    """Summaries, smoothed curves, best point, convergence fits and flags for one run.

    `config` defaults to the run's own `spec.analysis`. Never raises on odd data: empty,
    all-NaN or one-point series give None fields and no flags.
    """
    cfg = config if config is not None else run.spec.analysis
    x_is_epoch = run.x == "epoch"
    role_of = {name: role for role, name in sorted(run.roles.items())}
    names = sorted(run.series)
    summaries = {n: summarise(run.series[n], role_of.get(n), cfg.last_window) for n in names}
    trends = Trends()  # curves several detectors share, each worked out once
    smoothed = {n: trends.ema(run.series[n], cfg.smoothing) for n in names}
    baseline, baseline_text = chance_baseline(run.spec, cfg)

    flags: list[Flag] = []
    extra: dict[str, Any] = {}
    losses = _loss_series(run)
    train = run.role("train_loss") or run.role("train_loss_epoch")
    val = run.role("val_loss")
    if baseline is not None and cfg.baseline is None and _goes_negative(train):
        # a loss below zero is no cross-entropy (a log-likelihood, an ELBO): ln K means nothing
        baseline, baseline_text = None, None

    # Divergence and instability on every loss; explosions only on training losses (or the
    # only loss there is), because a validation loss that climbs while training loss falls is
    # overfitting, not divergence. One divergence is one finding, all its evidence merged.
    train_names = {s.name for r, s in losses if r.startswith("train")}
    found: list[Flag] = []
    for role, s in losses:
        if s.name not in train_names and train_names:
            continue
        found += [f for f in (non_finite(s, role, x_is_epoch), explosion(s, role, cfg, x_is_epoch, trends)) if f]
    diverged_at = min((f.step for f in found), default=None)  # first step a training loss diverged
    for role, s in losses:
        if s.name in train_names or not train_names:
            continue
        f = non_finite(s, role, x_is_epoch)
        if f is not None:
            found.append(f)
    merged = merge_divergence(found)
    if merged is not None:
        flags.append(merged)
    # Spikes only before the run diverged: after that every point is "abnormal".
    for role, s in losses:
        sp = spikes(s, role, cfg, x_is_epoch, diverged_at, trends)
        if sp is None and diverged_at is None and (s.name in train_names or not train_names):
            # (a validation loss climbing back while training loss falls is overfitting)
            sp = thrashing(s, role, cfg, x_is_epoch, baseline, trends)
        if sp is not None:
            flags.append(sp)

    of = overfitting(val, train, cfg, x_is_epoch, trends)
    if of is not None and diverged_at is not None:
        # In a diverged run only the part before the divergence can show overfitting (a rise
        # measured against inf reads as an absurd percentage), and only while training loss was
        # still falling: validation rising with a flat or rising training loss is the same
        # instability that ended in divergence.
        of = overfitting(_before(val, diverged_at), _before(train, diverged_at), cfg, x_is_epoch, trends)
        if of is not None and not of.evidence.get("train_still_falling"):
            of = None
    if of is not None:
        flags.append(of)
    gap = generalisation_gap_curve(val, train, trends)
    if gap is not None:
        extra["generalisation"] = gap  # plotted by figures/plan.py, the one computation of it

    # A diverged run is not "underfitting": its loss going flat or up is the divergence.
    uf = (
        underfitting(train, run.spec, cfg, baseline, baseline_text, trends) if diverged_at is None else None
    )
    if uf is not None:
        flags.append(uf)

    # ...nor on a plateau: "no improvement" is what divergence looks like to that rule.
    if train is not None and diverged_at is None:
        pl = plateaus(train, "train_loss", cfg, trends, x_is_epoch)
        if pl is not None:
            flags.append(pl)

    # How the run ended; each only where no stronger finding already says it.
    if diverged_at is None:
        worse = got_worse(train, val, cfg, x_is_epoch, trends)
        if worse is not None:
            flags.append(worse)
        if of is None and worse is None and uf is None:
            gap = generalisation_gap(train, val, cfg, baseline, x_is_epoch, trends)
            if gap is not None:
                flags.append(gap)
        if of is None and worse is None:
            still = still_improving(train, val, cfg, x_is_epoch, trends)
            if still is not None:
                flags.append(still)

    def _where(step: int) -> str:
        # the run's own x words: epoch and step when the train loss logs epochs
        return where_text(step, epoch_of_step(train, step, x_is_epoch) if train is not None else None)

    def _times(times: int) -> str:
        return f"{times} times " if times > 1 else ""

    for r in run.restarts:
        flags.append(
            Flag(
                kind="restart",
                severity="info",
                message=f"Training resumed {_times(r.times)}at {_where(r.step)}; {r.dropped} earlier "
                f"point{'s' if r.dropped != 1 else ''} from {r.source} were replaced.",
                step=int(r.step),
                evidence={
                    "resumed_step": int(r.step),
                    "source": r.source,
                    "dropped": int(r.dropped),
                    "times": int(r.times),
                },
            )
        )

    conv: list[Convergence] = []
    for s in (train, val):
        if s is not None:
            conv.append(convergence(s, cfg, trends))

    best = _best(run, x_is_epoch)
    extra["baseline"] = {"value": num(baseline), "source": baseline_text}
    return RunAnalysis(
        name=run.spec.name,
        summaries=summaries,
        smoothed=smoothed,
        best=best,
        convergence=tuple(conv),
        flags=sort_flags(flags),
        baseline=baseline,
        extra=extra,
    )
