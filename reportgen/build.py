"""`build`: glue only. Gather everything first (manifests, logs, analysis, figures, pages), then
write the site in one step, so nothing is written unless the whole site could be made."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from reportgen.analysis import analyse
from reportgen.balance import balance_view, collect_balance, per_class_metrics, plan_balance_figure, with_balance_flags
from reportgen.crossrun import gather_cross_run
from reportgen.errors import ReportgenError
from reportgen.figure_table import figure_tables
from reportgen.figures import FigureSpec, draw, plan_run_figures, plan_thumbnail
from reportgen.manifest import load_manifests
from reportgen.model import RunAnalysis, RunData
from reportgen.render import build_time, dataset_page_path, make_env, plan_site, render, run_page_path
from reportgen.runs import LOSS_ROLES, loss_like, read_runs
from reportgen.slug import slugify
from reportgen.summary import build_summary, dump_json, plain, run_record
from reportgen.summary_md import render_summary_md
from reportgen.writer import check_output_dir, output_lock, write_site


@dataclass(frozen=True)
class BuildReport:
    out: Path
    runs: tuple[str, ...]
    files: int
    problems: tuple[ReportgenError, ...]
    warnings: tuple[str, ...]
    flags: dict[str, int]  # flag kind -> number of runs carrying it


def figure_entry(spec: FigureSpec, file: str) -> dict:
    return {
        "file": file,
        "name": spec.name,
        "alt": spec.alt,
        "width": round(spec.width * spec.dpi),
        "height": round(spec.height * spec.dpi),
        "tables": figure_tables(spec),
    }


def run_warnings(run: RunData) -> list[str]:
    found = []
    if not any(role in run.roles for role in LOSS_ROLES):
        candidates = loss_like(list(run.series))
        found.append(
            f"run {run.spec.name!r}: {len(candidates)} loss series ({', '.join(candidates[:6])}) but none is "
            "clearly the training or validation loss; name them in the manifest, "
            "e.g. metrics: {train_loss: <name>, val_loss: <name>}"
        )
    elif "val_loss" not in run.roles:
        found.append(f"run {run.spec.name!r}: no validation loss logged, so overfitting cannot be judged")
    return found


def build(
    runs_dir: Path,
    out: Path,
    *,
    progress: Callable[[str], None] | None = None,
    site_url: str | None = None,
) -> BuildReport:
    """Build the site for `runs_dir` into `out`. Problems with single runs are collected in the
    report (the other runs still build); raises ReportgenError only when no site can be written.
    `site_url` (where the site will be published) makes summary.md's links absolute."""
    say = progress or (lambda _msg: None)
    check_output_dir(out, runs_dir)
    loaded = load_manifests(runs_dir)
    problems: list[ReportgenError] = list(loaded.problems)
    say(f"found {len(loaded.runs)} run manifest(s)")
    runs, read_problems = read_runs(loaded.runs, runs_dir)
    problems.extend(read_problems)
    balance = collect_balance(loaded.datasets, runs)
    problems.extend(balance.problems)
    analyses: list[RunAnalysis] = [with_balance_flags(analyse(run), balance.runs.get(run.spec.name)) for run in runs]
    say(f"read and analysed {len(runs)} run(s)")

    files: dict[str, bytes] = {}
    records = []
    figures: dict[str, list[dict]] = {}
    thumbs: dict[str, str] = {}
    warnings: list[str] = []
    for run, analysis in zip(runs, analyses):
        slug = slugify(run.spec.name)
        page = run_page_path(slug)
        record = run_record(run, analysis, page)
        records.append(record)
        warnings.extend(run_warnings(run))
        entries = []
        table = balance.runs.get(run.spec.name)
        ref = run.spec.class_balance.dataset if run.spec.class_balance else None
        record["dataset"] = {"name": ref, "page": dataset_page_path(slugify(ref))} if ref else None
        record["class_balance"] = plain(balance_view(table, per_class_metrics(run, table))) if table else None
        if table is not None and ref is None:
            spec = plan_balance_figure(table, run.spec.display_title)
            file = f"runs/{slug}/{spec.name}.png"
            files[file] = draw(spec)
            entries.append(figure_entry(spec, file))
        for spec in plan_run_figures(run, analysis):
            file = f"runs/{slug}/{spec.name}.png"
            files[file] = draw(spec)
            entries.append(figure_entry(spec, file))
        figures[run.spec.name] = entries
        thumb = plan_thumbnail(run, analysis)
        if thumb is not None:
            file = f"runs/{slug}/{thumb.name}.png"
            files[file] = draw(thumb)
            thumbs[run.spec.name] = file
    dataset_records = []
    for ds in loaded.datasets:
        table = balance.datasets.get(ds.name)
        if table is None:
            continue
        slug = slugify(ds.name)
        spec = plan_balance_figure(table, ds.display_title)
        file = f"datasets/{slug}/{spec.name}.png"
        files[file] = draw(spec)
        dataset_records.append(plain({
            "name": ds.name,
            "title": ds.display_title,
            "notes": ds.notes,
            "page": dataset_page_path(slug),
            "class_balance": balance_view(table),
            "flags": [asdict(f) for f in table.flags],
            "runs": sorted(r.spec.name for r in runs if r.spec.class_balance and r.spec.class_balance.dataset == ds.name),
            "figure": figure_entry(spec, file),
        }))
    say(f"drew {len(files)} figure(s)")

    cross = gather_cross_run(loaded.site, runs, analyses, records)
    problems.extend(cross.problems)
    files.update(cross.files)
    plan = plan_site(
        loaded.site, records, figures, thumbs, problems, built_at=build_time(os.environ.get("SOURCE_DATE_EPOCH")),
        datasets=dataset_records,
        groups=cross.groups, comparisons=cross.comparisons, nav=cross.nav, extra_pages=cross.pages,
    )
    files.update(render(plan, make_env()))
    summary = build_summary(records, problems, loaded.site.title, groups=cross.groups, comparisons=cross.comparisons)
    summary["datasets"] = dataset_records
    files["summary.json"] = dump_json(summary)
    files["summary.md"] = render_summary_md(plain(summary), site_url=site_url).encode("utf-8")
    with output_lock(out):
        write_site(files, out, runs_dir)
    say(f"wrote {len(files)} file(s) to {out}")
    flag_counts: dict[str, int] = {}
    for analysis in analyses:
        for kind in sorted({f.kind for f in analysis.flags}):
            flag_counts[kind] = flag_counts.get(kind, 0) + 1
    return BuildReport(
        out=out,
        runs=tuple(r.spec.name for r in runs),
        files=len(files),
        problems=tuple(problems),
        warnings=tuple(warnings),
        flags=dict(sorted(flag_counts.items())),
    )
