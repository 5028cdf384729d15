"""`build`: glue only, the pipeline of STYLE.md as a list of stage calls. Gather everything first
(manifests, runs, figures, pages), then write the site in one step, so nothing is written unless
the whole site could be made.

Each run's work (read, analyse, draw) is a pure function of its inputs (build/run_job.py) done on
every core (build/runs.py, build/parallel.py). What a rebuild may skip is decided by one object,
build/incremental.py's `Incremental`: the stages return data and bytes and never see a cache."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.build.frame_shelf import frame_folder
from reportgen.build.incremental import Incremental
from reportgen.build.output_lock import output_lock
from reportgen.build.parallel import WorkerPool
from reportgen.build.progress import Progress
from reportgen.build.run_job import preload
from reportgen.build.runs import Runs, gather_runs
from reportgen.build.writer import (
    Known,
    Later,
    check_output_dir,
    disk_error,
    site_path,
)
from reportgen.errors import ReportgenError
from reportgen.figures.class_balance import collect_balance
from reportgen.figures.draw import draw_svg, share_frames
from reportgen.manifest.load import LoadResult, load_manifests
from reportgen.site.dataset_pages import DatasetPage, plan_dataset_pages
from reportgen.site.paths import SUMMARY_JSON, SUMMARY_MD
from reportgen.site.render import SitePlan, build_time, make_env, plan_site, static_contents
from reportgen.site.summary_json import build_summary, plain
from reportgen.site.summary_md import render_summary_md


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
    plan: SitePlan | None = field(default=None, repr=False, compare=False)  # for --single-file


def build(
    runs_dir: Path,
    out: Path,
    *,
    progress: Callable[[str], None] | None = None,
    bar: Progress | None = None,
    jobs: int | None = None,
    cache: bool = True,
    site_url: str | None = None,
    allow_outside: tuple[Path, ...] = (),
) -> BuildReport:
    """Build the site for `runs_dir` into `out`. Problems with single runs are collected in the
    report (the other runs still build); raises ReportgenError only when no site can be written.
    `jobs`: worker processes (default every core); `cache`: reuse unchanged runs' results;
    `site_url` (where the site will be published) makes summary.md's links absolute;
    `allow_outside`: folders outside `runs_dir` whose files manifests may name."""
    say = progress or (lambda _msg: None)
    stage = bar.stage if bar is not None else (lambda _name, _count: None)
    tick = bar.advance if bar is not None else None
    out = site_path(out)  # `-o .` names the folder, not "": its lock and cache go beside it
    check_output_dir(out, runs_dir)
    with _session(out, jobs, cache, bar) as (books, pool):
        loaded = load_manifests(runs_dir, books.manifests, allow_outside)
        cache_warning = books.start(loaded.datasets)
        say(f"found {len(loaded.runs)} run manifest(s)")
        # datasets are few and shared by many runs: read once here, handed to each run's worker
        balance = collect_balance(loaded.datasets, [])
        stage("runs", len(loaded.runs))
        runs = gather_runs(loaded.runs, runs_dir, balance.datasets, books, pool, tick)
        say(f"built {len(loaded.runs) - runs.cached} run(s), {runs.cached} unchanged from the cache")
        # same order as reading them all first: log problems, then class-balance problems
        problems = [*loaded.problems, *runs.failures, *balance.problems, *runs.problems]
        datasets = plan_dataset_pages(loaded.datasets, balance.datasets, runs.records)
        files = _figures(runs, datasets, books)
        cross, cross_cached = books.cross_run(loaded.site, runs, pool)
        problems.extend(cross.problems)
        files.update(cross.files)
        plan = plan_site(
            loaded.site, runs.records, runs.figures, runs.thumbs, problems,
            built_at=build_time(os.environ.get("SOURCE_DATE_EPOCH")), datasets=[ds.record for ds in datasets],
            groups=cross.groups, comparisons=cross.comparisons, nav=cross.nav, extra_pages=cross.pages,
            sweeps=cross.sweeps,
        )
        stage("pages", len(plan.pages))
        files.update(_render(plan, books, tick))
        summary = build_summary(
            runs.records, problems, loaded.site.title, groups=cross.groups, comparisons=cross.comparisons,
            sweeps=cross.sweeps,
        )
        summary["datasets"] = [ds.record for ds in datasets]
        files[SUMMARY_JSON] = books.summary_json(summary)
        make_md = functools.partial(_summary_md, summary, site_url)
        files[SUMMARY_MD] = books.file(SUMMARY_MD, make_md, "summary.md", site_url, summary)
        stage("writing", len(files))
        books.write(files, runs_dir, on_file=tick)
        say(f"wrote {len(files)} file(s) to {out}")
        return _report(out, loaded, runs, files, problems, cache_warning, cross_cached, plan)


@contextlib.contextmanager
def _session(out: Path, jobs: int | None, cache: bool, bar: Progress | None) -> Iterator[tuple[Incremental, WorkerPool]]:
    """Hold the output lock for the whole build, with its books and one pool of workers (warm
    from the runs to the comparisons' figures). A failed build leaves no new cache entries."""

    def waiting(pid: int | None) -> None:
        # always said (not only with -v): a build that waits silently looks hung
        holder = f" (pid {pid})" if pid is not None else ""
        print(f"reportgen: waiting for another build{holder} into {out} to finish", file=sys.stderr, flush=True)

    try:
        with output_lock(out, on_wait=waiting) as lock_fd:
            books = Incremental(out, cache)
            try:
                with frame_folder(books.run_cache.root) as frames, \
                        WorkerPool(jobs, preload, close_fd=lock_fd, setup=functools.partial(share_frames, frames)) as pool:
                    yield books, pool
            except BaseException:
                books.discard_new()  # a full disk, most likely: do not fill it further
                raise
    except OSError as exc:
        raise disk_error(exc, out) from exc
    finally:
        if bar is not None:
            bar.close()


def _figures(runs: Runs, datasets: list[DatasetPage], books: Incremental) -> dict[str, bytes | Known | Later]:
    """The runs' figures (drawn by their workers) and the datasets' (drawn here unless known)."""
    files: dict[str, bytes | Known | Later] = {name: image for r in runs.done for name, image in r.images.items()}
    for ds in datasets:
        files[ds.file] = books.file(ds.file, functools.partial(draw_svg, ds.figure), "figure", ds.figure)
    return files


def _render(plan: SitePlan, books: Incremental, tick: Callable[[int], None] | None) -> dict[str, bytes | Known]:
    """Every page (rendered unless the last build rendered it from equal inputs), and the static files."""
    env = make_env()
    files: dict[str, bytes | Known] = {page.path: books.page(page, plan, env) for page in plan.pages}
    files.update(static_contents(plan))
    if tick is not None:
        tick(len(plan.pages))
    return files


def _summary_md(summary: dict, site_url: str | None) -> bytes:
    return render_summary_md(plain(summary), site_url=site_url).encode("utf-8")


def _report(
    out: Path,
    loaded: LoadResult,
    runs: Runs,
    files: dict,
    problems: list[ReportgenError],
    cache_warning: str | None,
    cross_cached: bool,
    plan: SitePlan,
) -> BuildReport:
    flag_counts: dict[str, int] = {}
    for r in runs.done:
        for kind in r.result.flag_kinds:
            flag_counts[kind] = flag_counts.get(kind, 0) + 1
    return BuildReport(
        out=out,
        runs=tuple(r.result.name for r in runs.done),
        files=len(files),
        problems=tuple(problems),
        warnings=(
            *([cache_warning] if cache_warning else []),
            *loaded.warnings,
            *(w for r in runs.done for w in r.result.warnings),
        ),
        flags=dict(sorted(flag_counts.items())),
        cached=runs.cached,
        cross_cached=cross_cached,
        plan=plan,
    )
