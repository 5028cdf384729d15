"""`build`: glue only. Gather everything first (manifests, logs, analysis, figures, pages), then
write the site in one step, so nothing is written unless the whole site could be made.

Each run's work (read, analyse, draw) is a pure function of its inputs (runwork.py): it runs on
every core (parallel.py) and its result is cached by content hash (cache.py), so a rebuild only
redoes the runs that changed; pages are always rendered from all runs' records."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from reportgen.balance import balance_view, collect_balance, plan_balance_figure
from reportgen.cache import (
    RunCache,
    balance_fingerprint,
    cache_dir_for,
    code_fingerprint,
    dump_model,
    load_model,
    run_key,
)
from reportgen.crossrun import CrossRun, gather_cross_run
from reportgen.errors import ReportgenError
from reportgen.figure_table import figure_entry
from reportgen.drawing import draw, draw_many
from reportgen.manifest import load_manifests
from reportgen.model import SiteConfig
from reportgen.parallel import run_batched
from reportgen.progress import Progress
from reportgen.render import build_time, dataset_page_path, make_env, plan_site, render
from reportgen.runwork import RunFailure, RunResult, build_runs, preload
from reportgen.slug import slugify
from reportgen.summary import build_summary, dump_json, plain
from reportgen.summary_md import render_summary_md
from reportgen.writer import check_output_dir, output_lock, write_site


def _cross_run(
    site: SiteConfig, done: list[RunResult], records: list[dict], run_cache: RunCache, code: str, jobs: int | None
) -> tuple[CrossRun, bool]:
    """Group and comparison pages (crossrun.gather_cross_run), from the cache when no run and
    no setting changed since the last build: drawing them is the one cross-run cost. Returns
    them and whether they came from the cache."""
    h = hashlib.sha256(f"cross-run\0{code}\0{site!r}\0".encode())
    for r in done:
        h.update(hashlib.sha256(r.cross).digest())
    # every record field but the notes, which no cross-run page shows
    h.update(dump_json([{k: v for k, v in rec.items() if k != "notes"} for rec in records]))
    key = h.hexdigest()
    hit = run_cache.load(key)
    cached = _load_cross(hit)
    if cached is not None:
        return cached, True
    # groups and comparisons need the runs' curves: each worker sent the few it needs
    pairs = [r.cross_data() for r in done]
    cross = gather_cross_run(
        site, [p[0] for p in pairs], [p[1] for p in pairs], records,
        draw_all=lambda specs: run_batched(draw_many, specs, (), workers=jobs, preload=preload),
    )
    run_cache.store(key, {"blob": dump_model(cross)})
    return cross, False


def _load_cross(hit: dict | None) -> CrossRun | None:
    """A cached CrossRun, or None when there is none or it cannot be used (then it is rebuilt)."""
    if hit is None:
        return None
    try:
        found = load_model(hit["blob"])
    except Exception:  # noqa: BLE001 - any failure means "not usable", never a crash
        return None
    return found if isinstance(found, CrossRun) else None


@dataclass(frozen=True)
class BuildReport:
    out: Path
    runs: tuple[str, ...]
    files: int
    problems: tuple[ReportgenError, ...]
    warnings: tuple[str, ...]
    flags: dict[str, int]  # flag kind -> number of runs carrying it
    cached: int = 0  # runs taken from the cache
    cross_cached: bool = False  # group and comparison pages taken from the cache


def build(
    runs_dir: Path,
    out: Path,
    *,
    progress: Callable[[str], None] | None = None,
    bar: Progress | None = None,
    jobs: int | None = None,
    cache: bool = True,
    site_url: str | None = None,
) -> BuildReport:
    """Build the site for `runs_dir` into `out`. Problems with single runs are collected in the
    report (the other runs still build); raises ReportgenError only when no site can be written.
    `jobs`: worker processes (default every core); `cache`: reuse unchanged runs' results;
    `site_url` (where the site will be published) makes summary.md's links absolute."""
    say = progress or (lambda _msg: None)
    check_output_dir(out, runs_dir)
    try:
        with output_lock(out, on_wait=lambda: say(f"waiting for another build into {out} to finish")):
            return _build_locked(runs_dir, out, say, bar, jobs, cache, site_url)
    finally:
        if bar is not None:
            bar.close()


def _build_locked(
    runs_dir: Path,
    out: Path,
    say: Callable[[str], None],
    bar: Progress | None,
    jobs: int | None,
    cache: bool,
    site_url: str | None,
) -> BuildReport:
    loaded = load_manifests(runs_dir)
    problems: list[ReportgenError] = list(loaded.problems)
    specs = loaded.runs
    say(f"found {len(specs)} run manifest(s)")
    # datasets are few and shared by many runs: read once here, handed to each run's worker
    balance = collect_balance(loaded.datasets, [])
    datasets = {ds.name: ds for ds in loaded.datasets}
    refs = [spec.class_balance.dataset if spec.class_balance else None for spec in specs]
    run_cache = RunCache(cache_dir_for(out) if cache else None)
    code = code_fingerprint()
    keys = [run_key(spec, runs_dir, code, balance_fingerprint(datasets.get(ref))) for spec, ref in zip(specs, refs)]
    if bar is not None:
        bar.stage("runs", len(specs))
    tick = bar.advance if bar is not None else None
    results: list[RunResult | RunFailure | None] = []
    todo: list[int] = []
    for i, key in enumerate(keys):
        hit = run_cache.load(key)
        results.append(RunResult.from_plain(hit) if hit is not None else None)
        if hit is None:
            todo.append(i)
        elif tick:
            tick()
    cached = len(specs) - len(todo)
    computed = run_batched(
        build_runs,
        [(specs[i], keys[i], balance.datasets.get(refs[i]) if refs[i] else None) for i in todo],
        (runs_dir, run_cache.root),
        workers=jobs,
        on_done=bar.advance if bar is not None else None,
        preload=preload,
    )
    for i, result in zip(todo, computed):
        results[i] = result
        if isinstance(result, RunResult):
            run_cache.mark(keys[i])
    say(f"built {len(todo)} run(s), {cached} unchanged from the cache")

    done: list[RunResult] = []
    for result in results:
        if isinstance(result, RunFailure):
            problems.append(result.error())
        elif result is not None:
            done.append(result)
    # same order as reading them all first: log problems, then class-balance problems
    problems.extend(balance.problems)
    for result in done:
        problems.extend(result.problem_errors())
    files: dict[str, bytes] = {}
    for result in done:
        files.update(result.images)
    records = [r.record for r in done]
    dataset_records = []
    for ds in loaded.datasets:
        table = balance.datasets.get(ds.name)
        if table is None:
            continue
        slug = slugify(ds.name)
        fig = plan_balance_figure(table, ds.display_title)
        file = f"datasets/{slug}/{fig.name}.png"
        files[file] = draw(fig)
        dataset_records.append(plain({
            "name": ds.name,
            "title": ds.display_title,
            "notes": ds.notes,
            "page": dataset_page_path(slug),
            "class_balance": balance_view(table),
            "flags": [asdict(f) for f in table.flags],
            "runs": sorted(r.name for r in done if r.record.get("dataset") and r.record["dataset"]["name"] == ds.name),
            "figure": figure_entry(fig, file),
        }))
    cross, cross_cached = _cross_run(loaded.site, done, records, run_cache, code, jobs)
    problems.extend(cross.problems)
    files.update(cross.files)
    plan = plan_site(
        loaded.site,
        records,
        {r.name: list(r.figures) for r in done},
        {r.name: r.thumb for r in done if r.thumb is not None},
        problems,
        built_at=build_time(os.environ.get("SOURCE_DATE_EPOCH")),
        datasets=dataset_records,
        groups=cross.groups,
        comparisons=cross.comparisons,
        nav=cross.nav,
        extra_pages=cross.pages,
    )
    if bar is not None:
        bar.stage("pages", len(plan.pages))
    files.update(render(plan, make_env()))
    summary = build_summary(records, problems, loaded.site.title, groups=cross.groups, comparisons=cross.comparisons)
    summary["datasets"] = dataset_records
    files["summary.json"] = dump_json(summary)
    files["summary.md"] = render_summary_md(plain(summary), site_url=site_url).encode("utf-8")
    if bar is not None:
        bar.advance(len(plan.pages))
        bar.stage("writing", len(files))
    write_site(files, out, runs_dir, on_file=tick)
    run_cache.prune()
    say(f"wrote {len(files)} file(s) to {out}")
    flag_counts: dict[str, int] = {}
    for r in done:
        for kind in r.flag_kinds:
            flag_counts[kind] = flag_counts.get(kind, 0) + 1
    return BuildReport(
        out=out,
        runs=tuple(r.name for r in done),
        files=len(files),
        problems=tuple(problems),
        warnings=tuple(w for r in done for w in r.warnings),
        flags=dict(sorted(flag_counts.items())),
        cached=cached,
        cross_cached=cross_cached,
    )
