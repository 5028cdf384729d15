"""Sweep pages (issue 17): which sweeps exist, each one's record (summary.json "sweeps", also
what the page shows) and its figures. Pure: no I/O; figures come back as specs to draw.

A sweep is every `sweeps:` entry of reportgen.yaml, then every comparison (per group, per tag,
declared) whose comparable runs vary in at least one hparam other than a seed, without
repeating a set of runs already shown. A sweep spans one comparable set (figures/comparability.py):
the largest; the runs of the others, and runs without the objective, are listed as left out.
"""

from __future__ import annotations

import fnmatch
import math
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from reportgen.analysis.sweep_advice import value_text
from reportgen.analysis.sweeps import SweepAnalysis, SweepPoint, analyse_sweep
from reportgen.errors import ManifestError
from reportgen.figures.comparability import comparable_sets
from reportgen.figures.data_table import figure_entry
from reportgen.figures.plan import FigureSpec
from reportgen.figures.plan_sweeps import (
    ColorBar,
    objective_scale,
    plan_parallel,
    plan_slice,
    plan_strip,
    plan_surface,
    plan_sweep_curves,
)
from reportgen.manifest.slug import slugify
from reportgen.model import ROLES, RunAnalysis, RunData, SiteConfig, SweepSpec
from reportgen.site.paths import figure_beside
from reportgen.site.summary_json import plain

IMPORTANCE_METHOD = (
    "one-way ANOVA eta² per hyper-parameter (the share of the objective's variance across healthy runs "
    "explained by grouping the runs by that hyper-parameter's value; other hyper-parameters vary too, so "
    "shares need not add up to 1), with the ANOVA F-test p-value, and Spearman's rank correlation for "
    "numeric ones"
)
ROLE_WORDS = {
    "val_loss": "validation loss",
    "train_loss": "train loss",
    "train_loss_epoch": "train loss (per epoch)",
    "test_loss": "test loss",
    "train_acc": "train accuracy",
    "val_acc": "validation accuracy",
    "learning_rate": "learning rate",
}


def sweep_page_path(slug: str) -> str:
    return f"sweeps/{slug}/index.html"


@dataclass(frozen=True)
class Candidate:
    name: str
    kind: str  # "declared" | "group" | "tag" (a comparison's kind) | "sweep" (reportgen.yaml sweeps:)
    runs: tuple[str, ...]
    comparison: str | None  # the comparison page the sweep comes from
    objective: str | None = None
    summary: str = "best"
    goal: str = "min"


def declared_candidates(site: SiteConfig, specs: Sequence[Any]) -> tuple[list[Candidate], list[ManifestError]]:
    """`sweeps:` entries matched against the runs; one that matches nothing is an error at its line."""
    names = sorted(s.name for s in specs)
    tags_of = {s.name: set(s.tags) for s in specs}
    out, errors = [], []
    for sweep in site.sweeps:
        chosen = set()
        for pattern in sweep.runs:
            hits = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
            if not hits and not any(ch in pattern for ch in "*?["):
                errors.append(ManifestError(f"sweep '{sweep.name}': no run named '{pattern}'", sweep.where, "sweeps"))
            chosen.update(hits)
        for tag in sweep.tags:
            hits = [n for n in names if tag in tags_of[n]]
            if not hits:
                errors.append(ManifestError(f"sweep '{sweep.name}': no run has the tag '{tag}'", sweep.where, "sweeps"))
            chosen.update(hits)
        if chosen:
            out.append(_from_spec(sweep, tuple(sorted(chosen))))
        elif not errors:
            errors.append(ManifestError(f"sweep '{sweep.name}' matches no run; check its runs and tags", sweep.where, "sweeps"))
    return out, errors


def _from_spec(sweep: SweepSpec, runs: tuple[str, ...]) -> Candidate:
    return Candidate(sweep.name, "sweep", runs, None, sweep.objective, sweep.summary, sweep.goal)


def objective_of(run: RunData, analysis: RunAnalysis, c: Candidate) -> tuple[str | None, float | None]:
    """(series name, the run's objective value) for the candidate's objective; (None, None) when
    the run does not log it."""
    wanted = c.objective or "val_loss"
    name = run.roles.get(wanted) if wanted in ROLES else (wanted if wanted in run.series else None)
    summary = analysis.summaries.get(name) if name else None
    if summary is None:
        return None, None
    if c.summary == "final":
        return name, summary.final
    return name, summary.min if c.goal == "min" else summary.max


def objective_label(c: Candidate) -> str:
    wanted = c.objective or "val_loss"
    return f"{c.summary} {ROLE_WORDS.get(wanted, wanted)}"


def failure_of(run: RunData, analysis: RunAnalysis, value: float | None) -> str | None:
    """Why a run is kept out of the fit: an error finding (it diverged, its loss became
    non-finite), a non-finite objective, or a training loss that blew up to more than
    `diverge_factor` times the chance-level loss (docs/analysis.md, "Sweeps")."""
    errors = sorted({f.kind for f in analysis.flags if f.severity == "error"})
    if errors:
        return ", ".join(k.replace("_", " ") for k in errors)
    if value is None or not math.isfinite(value):
        return "objective not finite"
    train = run.role("train_loss")
    if analysis.baseline and train is not None and len(train):
        finite = train.values[np.isfinite(train.values)]
        factor = run.spec.analysis.diverge_factor
        if finite.size and float(finite.max()) > factor * analysis.baseline:
            peak = float(finite.max())
            return (f"blew up: train loss reached {peak:.3g}, {peak / analysis.baseline:.0f}× the chance level "
                    f"{analysis.baseline:.3g}")
    return None


@dataclass(frozen=True)
class PlannedSweep:
    record: dict[str, Any]
    figures: tuple[tuple[FigureSpec, ColorBar | None, str], ...]  # (figure, its colour bar, its heading)


def plan_sweep(c: Candidate, slug: str, by_name: Mapping[str, tuple[RunData, RunAnalysis]]) -> PlannedSweep | None:
    """One sweep's record and figures; None when its comparable runs vary in no hparam but seeds
    or have fewer than two configurations with a healthy objective."""
    left_out: list[dict[str, str]] = []
    having = []
    series_of: dict[str, str] = {}
    values: dict[str, float | None] = {}
    for name in c.runs:
        run, analysis = by_name[name]
        series, value = objective_of(run, analysis, c)
        if series is None:
            left_out.append({"run": name, "reason": f"does not log the {ROLE_WORDS.get(c.objective or 'val_loss', c.objective)}"})
            continue
        series_of[name], values[name] = series, value
        having.append(run)
    sets = comparable_sets(having)
    if not sets:
        return None
    chosen = max(sets, key=lambda s: len(s.runs))  # the first of the largest (sets come in name order)
    for part in sets:
        if part is not chosen:
            left_out += [{"run": r.spec.name, "reason": f"{part.label}: not comparable with the sweep's {chosen.label}"}
                         for r in part.runs]
    points = []
    for run in chosen.runs:
        name = run.spec.name
        value = values[name]
        failure = failure_of(run, by_name[name][1], value)
        points.append(SweepPoint(name, run.hparams, value if value is not None and math.isfinite(value) else None, failure))
    label = objective_label(c)
    a = analyse_sweep(points, c.goal, label)
    if not a.hparams or sum(1 for cfg in a.configurations if cfg.spread.n > 0) < 2:
        return None
    yscale = objective_scale(points)
    ylabel = label + (" (log scale)" if yscale == "log" else "")
    figures = _figures(a, points, {r.spec.name: r for r in chosen.runs}, series_of, chosen.unit, label, ylabel, yscale)
    record = sweep_record(c, slug, a, points, left_out, chosen.label, label)
    return PlannedSweep(record, figures)


def _figures(a: SweepAnalysis, points: Sequence[SweepPoint], runs: Mapping[str, RunData], series_of: Mapping[str, str],
             unit: str, label: str, ylabel: str, yscale: str) -> tuple[tuple[FigureSpec, ColorBar | None, str], ...]:
    out: list[tuple[FigureSpec, ColorBar | None, str]] = []
    fits = {f.hparam: f for f in a.slices}
    for imp in a.importance:
        h = next(h for h in a.hparams if h.name == imp.hparam)
        spec = plan_slice(a, h, fits[h.name], points, ylabel, yscale) if h.name in fits else plan_strip(a, h, points, ylabel, yscale)
        out.append((spec, None, f"{label[0].upper()}{label[1:]} against {h.name}"))
    if a.surface is not None:
        out.append((*plan_surface(a, a.surface, points, label, yscale),
                    f"The two most important together: {a.surface.x_name} and {a.surface.y_name}"))
    out.append((*plan_parallel(a, points, label, yscale), "Every run across every hyper-parameter"))
    curves = plan_sweep_curves(a, runs, series_of, unit, ylabel.replace("best ", "").replace("final ", ""), yscale)
    if curves is not None:
        out.append((*curves, f"Curves coloured by {curves[1].label}"))
    return tuple(out)


def sweep_record(c: Candidate, slug: str, a: SweepAnalysis, points: Sequence[SweepPoint],
                 left_out: Sequence[Mapping[str, str]], set_label: str, label: str) -> dict[str, Any]:
    """One sweep as plain data: summary.json's "sweeps" entry and what its page shows."""

    def config(cfg) -> dict[str, Any]:
        return {"setting": {k: v for k, v in cfg.setting}, "label": ", ".join(f"{k} = {value_text(v)}" for k, v in cfg.setting),
                "runs": list(cfg.runs), "failed": list(cfg.failed), **asdict(cfg.spread)}

    return plain({
        "name": c.name,
        "slug": slug,
        "page": sweep_page_path(slug),
        "kind": c.kind,
        "comparison": c.comparison,
        "objective": {"metric": c.objective or "val_loss", "summary": c.summary, "goal": c.goal, "label": label},
        "set": set_label,
        "runs": sorted(p.run for p in points),
        "left_out": sorted(left_out, key=lambda r: r["run"]),
        "failed": [{"run": p.run, "reason": p.failure} for p in points if p.failure is not None],
        "hparams": [{"name": h.name, "kind": h.kind, "log": h.log, "values": list(h.values)} for h in a.hparams],
        "configurations": [config(cfg) for cfg in a.configurations],
        "best": config(a.best) if a.best is not None else None,
        "ties": [config(cfg)["label"] for cfg in a.ties],
        "importance": [asdict(i) for i in a.importance],
        "importance_method": IMPORTANCE_METHOD,
        "fits": [{"hparam": f.hparam, "method": f.method, "description": f.description, "optimum": f.optimum,
                  "optimum_value": f.optimum_value, "edge": f.edge, "region": list(f.region) if f.region else None,
                  "r2": f.r2, "n": f.n, "log_x": f.log_x} for f in a.slices],
        "surface": {"x": a.surface.x_name, "y": a.surface.y_name, "method": a.surface.method} if a.surface else None,
        "onset": asdict(a.onset) if a.onset else None,
        "advice": list(a.advice),
        "healthy": a.healthy,
        "log_space": a.log_space,
    })


def plan_all_sweeps(site: SiteConfig, runs: Sequence[RunData], analyses: Sequence[RunAnalysis],
                    comparisons: Sequence[Mapping[str, Any]]) -> tuple[list[PlannedSweep], list[ManifestError]]:
    """Declared sweeps first (their names and URLs win clashes), then one per comparison; a set of
    runs already shown with the same objective is not shown again."""
    by_name = {run.spec.name: (run, analysis) for run, analysis in zip(runs, analyses)}
    declared, errors = declared_candidates(site, [run.spec for run in runs])
    automatic = [Candidate(comp["name"], comp["kind"], tuple(comp["runs"]), comp["page"]) for comp in comparisons]
    seen: set[tuple] = set()
    slugs: set[str] = set()
    out = []
    for c in declared + automatic:
        key = (frozenset(c.runs), c.objective, c.summary, c.goal)
        if key in seen:
            continue
        seen.add(key)
        base = slugify(c.name)
        slug, k = base, 2
        while slug in slugs:
            slug, k = f"{base}-{k}", k + 1
        planned = plan_sweep(c, slug, by_name)
        if planned is not None:
            slugs.add(slug)
            out.append(planned)
    return out, errors


# ----------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Sweeps:
    records: list[dict[str, Any]]  # summary.json "sweeps"
    pages: list[tuple[str, dict[str, Any]]]  # (site path, context of templates/sweep.html)
    specs: dict[str, FigureSpec]  # site path -> figure to draw


def gather_sweeps(site: SiteConfig, runs: Sequence[RunData], analyses: Sequence[RunAnalysis],
                  records: Sequence[Mapping[str, Any]], comparisons: Sequence[Mapping[str, Any]],
                  groups: Sequence[Mapping[str, Any]] = ()) -> tuple[Sweeps, list[ManifestError]]:
    """Every sweep's record, page and figure specs (drawn by the caller)."""
    planned, errors = plan_all_sweeps(site, runs, analyses, comparisons)
    rec_by_name = {r["name"]: r for r in records}
    pages, specs, out = [], {}, []
    for sweep in planned:
        record = sweep.record
        page = record["page"]
        figures = []
        for spec, bar, heading in sweep.figures:
            file = figure_beside(page, spec.name)
            specs[file] = spec
            entry = dict(figure_entry(spec, file), src=posixpath.relpath(file, posixpath.dirname(page)))
            entry["colorbar"] = None if bar is None else {"label": bar.label, "discrete": bar.discrete,
                                                          "stops": [{"color": c, "label": t} for c, t in bar.stops]}
            entry["heading"] = heading
            figures.append(entry)
        group = next((g for g in groups if set(g["runs"]) == set(record["runs"]) | {r["run"] for r in record["left_out"]}), None)
        context = {
            "sweep": record,
            "figures": figures,
            "run_pages": {name: rec_by_name[name]["page"] for name in record["runs"] + [r["run"] for r in record["left_out"]]
                          if name in rec_by_name},
            "group_page": group["page"] if group else None,
        }
        pages.append((page, context))
        out.append(record)
    return Sweeps(out, pages, specs), errors


def link_sweeps(sweeps: Sequence[Mapping[str, Any]], comparisons: Sequence[dict[str, Any]],
                groups: Sequence[dict[str, Any]]) -> None:
    """Give each comparison and group record the page of the sweep over its runs ("sweep", None
    when there is none), so their pages and summary.json link to it."""
    def spanned(s: Mapping[str, Any]) -> frozenset[str]:
        return frozenset(s["runs"]) | {r["run"] for r in s["left_out"]}

    automatic = [s for s in sweeps if s["kind"] != "sweep"]
    for comp in comparisons:
        comp["sweep"] = next((s["page"] for s in automatic if spanned(s) == frozenset(comp["runs"])), None)
    for group in groups:
        group["sweep"] = next((s["page"] for s in automatic if spanned(s) == frozenset(group["runs"])), None)

