"""Cross-run pages for `build`: group statistics, comparisons, their figures and pages, gathered
in one call so build/pipeline.py stays glue. Nothing is written here; figures come back as bytes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reportgen.analysis.groups import GroupSummary, summarise_group
from reportgen.errors import ReportgenError
from reportgen.figures.comparability import comparable_sets
from reportgen.figures.data_table import figure_entry
from reportgen.figures.draw import draw_many
from reportgen.figures.plan import FigureSpec
from reportgen.figures.plan_groups import (
    count_segments,
    group_curves,
    plan_comparison_figure,
    plan_group_curve_figure,
    plan_group_strip,
)
from reportgen.figures.run_styles import Style, run_colors
from reportgen.model import RunAnalysis, RunData, SiteConfig
from reportgen.site.comparisons import check_comparisons
from reportgen.site.figure_data import figure_data, live_figure
from reportgen.site.pages import (
    comparison_record,
    group_record,
    group_slugs,
    plan_comparison_context,
    plan_group_context,
    run_navigation,
    set_record,
)
from reportgen.site.paths import figure_beside, group_page_path, link
from reportgen.site.render import Page
from reportgen.site.sweep_pages import gather_sweeps, link_sweeps

# Defaults until reportgen.yaml grows a setting for them (analysis.groups.CENTERS / BANDS).
CENTER = "mean"
BAND = "ci95"


@dataclass(frozen=True)
class CrossRun:
    groups: list[dict[str, Any]]  # group records (summary.json "groups")
    comparisons: list[dict[str, Any]]  # comparison records (summary.json "comparisons")
    pages: list[Page]
    files: dict[str, Any]  # figures: whatever `draw_all` returned for each (PNG bytes by default)
    nav: dict[str, dict[str, Any]]  # run name -> group page and comparisons
    problems: list[ReportgenError]  # bad `compare:` declarations
    sweeps: list[dict[str, Any]] = field(default_factory=list)  # sweep records (summary.json "sweeps")


def _entry(spec: FigureSpec, file: str, page: str) -> dict[str, Any]:
    return dict(figure_entry(spec, file), src=link(page, file), live=live_figure(figure_data(spec)))


def gather_cross_run(
    site: SiteConfig,
    runs: Sequence[RunData],
    analyses: Sequence[RunAnalysis],
    records: Sequence[dict[str, Any]],
    *,
    center: str = CENTER,
    band: str = BAND,
    draw_all: Callable[[list[FigureSpec]], list[bytes]] = draw_many,
) -> CrossRun:
    """Groups with at least two runs get a group page; every comparison (declared, per group,
    per tag) a comparison page. Bad declarations are returned as problems, never raised.
    `center` (mean | median) and `band` (ci95 | std | sem) shape the group curves; `draw_all`
    draws planned figures, called with each group's and comparison's as soon as they are planned
    (build passes one that hands them to the workers and returns at once, so they are drawn
    while the next group is planned)."""
    by_name = {run.spec.name: (run, analysis) for run, analysis in zip(runs, analyses)}
    rec_by_name = {r["name"]: r for r in records}
    styles = run_colors(list(by_name))
    planned, errors = check_comparisons([run.spec for run in runs], site.compare)
    comparisons = [comparison_record(c, rec_by_name) for c in planned]
    # A group's comparison may be renamed on a name clash, so find it by its runs.
    group_comparison = {plan.runs: comp["page"] for comp, plan in zip(comparisons, planned) if plan.kind == "group"}

    members_of: dict[str, list[str]] = {}
    for run in runs:
        if run.spec.group:
            members_of.setdefault(run.spec.group, []).append(run.spec.name)
    names = sorted(g for g, m in members_of.items() if len(m) >= 2)
    slugs = group_slugs(names)
    files: dict[str, FigureSpec] = {}  # planned here, each group's handed to draw_all at once
    drawn: dict[str, Any] = {}

    def draw_new() -> None:
        new = [path for path in files if path not in drawn]
        drawn.update(zip(new, draw_all([files[path] for path in new])))

    groups: list[dict[str, Any]] = []
    pages: list[Page] = []
    contexts = []
    for name in names:
        members = [by_name[r] for r in sorted(members_of[name])]
        page = group_page_path(slugs[name])
        split = comparable_sets([run for run, _ in members])
        if len(split) == 1:
            summary, figs, coverage = _plan_group_set(
                name, members, page, styles, files, center, band, unit=split[0].unit
            )
            sets, set_figs = [set_record(split[0])], []
        else:
            # Runs of different kinds or x units are never pooled: each comparable set gets its
            # own statistics and curves, and the group's own stats stay empty.
            summary = summarise_group(name, [(run.spec.name, analysis) for run, analysis in members])
            summary = replace(summary, stats=())
            figs, coverage, sets = [], {}, []
            set_figs = []
            for i, part in enumerate(split, 1):
                chosen = [m for m in members if any(m[0] is run for run in part.runs)]
                part_summary, part_figs, part_coverage = _plan_group_set(
                    name, chosen, page, styles, files, center, band, title=part.label, suffix=f"-set{i}",
                    unit=part.unit,
                )
                sets.append(set_record(part, part_summary, part_coverage))
                set_figs.append(part_figs)
        draw_new()
        record = group_record(summary, slugs[name], coverage, center, band, group_comparison.get(summary.runs), sets)
        groups.append(record)
        contexts.append((record, figs, set_figs))
    # sweeps (site/sweep_pages.py) before the group and comparison pages, which link to them
    sweeps, sweep_errors = gather_sweeps(site, runs, analyses, records, comparisons, groups)
    link_sweeps(sweeps.records, comparisons, groups)
    files.update(sweeps.specs)
    draw_new()
    pages.extend(Page(path, "sweep.html", context) for path, context in sweeps.pages)
    errors = [*errors, *sweep_errors]
    for record, figs, set_figs in contexts:
        context = plan_group_context(record, rec_by_name, styles, figs, comparisons, set_figs)
        pages.append(Page(record["page"], "group.html", context))
    for comp in comparisons:
        page = comp["page"]
        members = [by_name[r] for r in comp["runs"]]
        spec = plan_comparison_figure(members, styles)
        figs = [_plan(spec, page, files)] if spec is not None else []
        draw_new()
        pages.append(Page(page, "compare.html", plan_comparison_context(comp, rec_by_name, styles, figs, groups)))
    nav = run_navigation(records, groups, comparisons)
    return CrossRun(groups, comparisons, pages, {path: drawn[path] for path in files}, nav, list(errors), sweeps.records)


def _plan_group_set(
    name: str,
    members: Sequence[tuple[RunData, RunAnalysis]],
    page: str,
    styles: Mapping[str, Style],
    files: dict[str, FigureSpec],
    center: str,
    band: str,
    *,
    title: str | None = None,
    suffix: str = "",
    unit: str = "step",
) -> tuple[GroupSummary, list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Seed statistics, curve and strip figures (planned into `files`) and coverage of comparable runs.
    `unit` is the set's x unit: an epoch set whose runs count steps in different units (some log
    by epoch, some by step with an epoch column) is aggregated on epochs."""
    mixed = unit == "epoch" and len({run.x == "epoch" for run, _ in members}) > 1
    # the position rows in the set's own unit; none where epochs and steps would be pooled
    position_unit = None if mixed else ("epoch" if members and all(run.x == "epoch" for run, _ in members) else "step")
    summary = summarise_group(name, [(run.spec.name, analysis) for run, analysis in members], position_unit)
    figs: list[dict[str, Any]] = []
    coverage = {}
    for role in ("val_loss", "train_loss"):
        rc = group_curves(members, role, center=center, band=band, by_epoch=mixed)
        if rc is None:
            continue
        coverage[role] = {"min_runs": max(2, rc.curve.min_runs), "segments": count_segments(rc.curve)}
        xlabel = "epoch" if mixed else _steps_count(members, role)
        spec = plan_group_curve_figure(rc, styles, xlabel, title=title, suffix=suffix)
        figs.append(_plan(spec, page, files))
    # one run alone has no spread to show: its values are in the tables
    strip = plan_group_strip(summary, styles, title=title, suffix=suffix) if len(members) >= 2 else None
    if strip is not None:
        figs.append(_plan(strip, page, files))
    return summary, figs, coverage


def _steps_count(members: Sequence[tuple[RunData, RunAnalysis]], role: str) -> str:
    """What the aggregated steps count: epochs when every run's log counts epochs as its steps
    (epoch-only logs carry no separate epoch column), else steps."""
    series = [(run, run.role(role)) for run, _ in members if run.role(role) is not None]
    return "epoch" if series and all(run.x == "epoch" and s.epoch is None for run, s in series) else "step"


def _plan(spec: FigureSpec, page: str, files: dict[str, FigureSpec]) -> dict[str, Any]:
    """Plan `spec` for drawing into the page's folder; returns its figure entry."""
    file = figure_beside(page, spec.name)
    files[file] = spec
    return _entry(spec, file, page)
