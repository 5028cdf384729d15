"""`build`: glue only. Gather everything first (manifests, logs, analysis, figures, pages), then
write the site in one step, so nothing is written unless the whole site could be made.

Each run's work (read, analyse, draw) is a pure function of its inputs (build/run_job.py): it runs on
every core (build/parallel.py) and its result is cached by content hash (build/cache.py), so a rebuild only
redoes the runs that changed. Pages are planned from all runs' records on every build; a page,
summary or figure whose inputs hash as in the last build is not made again, and files the
previous site holds unchanged are linked into the new one (build/last_build.py, build/writer.py)."""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from reportgen.build.cache import (
    Entry,
    RunCache,
    cache_dir_for,
    dump_model,
    load_model,
    writable_cache,
)
from reportgen.build.cache_keys import (
    FileDigests,
    balance_fingerprint,
    code_fingerprint,
    input_hash,
    run_key,
)
from reportgen.build.datacodec import Undecodable
from reportgen.build.last_build import LastBuild, load_last_build, save_last_build, spare_dir
from reportgen.build.parallel import WorkerPool
from reportgen.build.progress import Progress
from reportgen.build.run_job import RunFailure, RunResult, build_runs, preload
from reportgen.build.writer import (
    Known,
    Later,
    SiteIndex,
    check_output_dir,
    disk_error,
    output_lock,
    reusable,
    site_path,
    write_site,
)
from reportgen.errors import Location, OutputError, ReportgenError
from reportgen.figures.class_balance import balance_view, collect_balance, plan_balance_figure
from reportgen.figures.data_table import figure_entry
from reportgen.figures.draw import SvgOf, draw, draw_many, svg_path
from reportgen.manifest.load import load_manifests
from reportgen.manifest.yaml_positions import ParsedYaml
from reportgen.model import RunAnalysis, RunData, RunSpec, SiteConfig
from reportgen.site.cross_run_pages import CrossRun, gather_cross_run
from reportgen.site.render import (
    SitePlan,
    build_time,
    dataset_page_path,
    make_env,
    plan_site,
    render_site,
    templates_fingerprint,
)
from reportgen.site.slug import slugify
from reportgen.site.summary_json import build_summary, dump_summary, plain
from reportgen.site.summary_md import render_summary_md


@dataclass(frozen=True)
class _Built:
    """One run's result, with its images and cross-run payload kept apart: for a run taken from
    the cache they are read only when needed (`result.images` and `result.cross` are empty)."""

    result: RunResult
    images: dict[str, bytes | Known]
    cross_digest: bytes  # SHA-256 of the cross-run payload
    cross: Callable[[], bytes | None]  # the payload; None when its cache entry is damaged


def _computed(result: RunResult) -> _Built:
    return _Built(result, dict(result.images), hashlib.sha256(result.cross).digest(), lambda: result.cross)


def _from_cache(entry: Entry, spec: RunSpec, out: Path, previous: Mapping[str, tuple]) -> _Built | None:
    """A run from its cache entry, with the notes of its manifest (the key leaves them out).
    Images the previous site holds unchanged stay unread; None when one that must be read, or
    the entry itself, is damaged."""
    data = entry.data
    cross = entry.blobs.get(("cross",))
    try:
        names = list(data["images"])
        record = dict(data["record"])
        if "notes" in record:
            record["notes"] = spec.notes
        result = RunResult.from_plain({**data, "record": record, "images": {}, "cross": b""})
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if cross is None:
        return None
    images: dict[str, bytes | Known] = {}
    for name in names:
        blob = entry.blobs.get(("images", name))
        if blob is None:
            return None
        digest = blob.digest.hex()
        if reusable(out, previous, name, digest):
            images[name] = Known(digest, functools.partial(_read_or_fail, entry, ("images", name)))
        else:
            value = entry.read(("images", name))
            if value is None:
                return None
            images[name] = value
    return _Built(result, images, cross.digest, functools.partial(entry.read, ("cross",)))


def _read_or_fail(entry: Entry, where: tuple[str, ...]) -> bytes:
    value = entry.read(where)
    if value is None:  # only when the previous site's copy changed during the build, too
        raise OutputError("a cache entry is damaged and the site changed during the build; build again", Location(entry.path))
    return value


def _made(key: str, made: Mapping[str, str], make: Callable[[], bytes]) -> bytes | Known:
    """The file made from inputs hashing to `key`: Known when the last build made it."""
    digest = made.get(key)
    return Known(digest, make) if digest is not None else make()


def _cross_run(
    site: SiteConfig,
    done: list[_Built],
    records: list[dict],
    run_cache: RunCache,
    code: str,
    pool: WorkerPool,
    payloads: Callable[[], list[tuple]],
    last: LastBuild,
    out: Path,
) -> tuple[CrossRun, bool, dict[str, str], Callable[[SiteIndex], None]]:
    """Group and comparison pages (crossrun.gather_cross_run), from the cache when no run and
    no setting changed since the last build. Otherwise they are planned again, and only the
    figures whose spec changed are drawn (a changed run redraws its group and comparisons, not
    every group's), by the pool's workers while this process goes on (those figures come back
    as writer.Later). Returns them, whether they came from the cache, each figure's input hash
    (site path -> hash, for the next build), and what to call with the written site's index to
    cache them. `payloads` gives every run's cross-run payload, read only when the pages must
    be planned."""
    h = hashlib.sha256(f"cross-run\0{code}\0{site!r}\0".encode())
    for r in done:
        h.update(r.cross_digest)
    # every record field but the notes, which no cross-run page shows
    h.update(input_hash([{k: v for k, v in rec.items() if k != "notes"} for rec in records]).encode())
    key = h.hexdigest()
    hit = run_cache.load(key)
    cached = _load_cross(hit)
    if cached is not None:
        return cached[0], True, cached[1], lambda _index: None
    fig_keys: list[str] = []

    def draw_all(specs: list) -> list[bytes | Known | Later]:
        keys = [input_hash(code, "figure", spec) for spec in specs]
        fig_keys.extend(keys)
        todo = [i for i, k in enumerate(keys) if k not in last.made]
        drawn = dict(zip(todo, pool.submit_batched(draw_many, [specs[i] for i in todo], ())))
        return [Later(drawn[i]) if i in drawn else Known(last.made[k], functools.partial(draw, specs[i])) for i, k in enumerate(keys)]

    # groups and comparisons need the runs' curves: each worker sent the few it needs
    pairs = payloads()
    cross = gather_cross_run(site, [p[0] for p in pairs], [p[1] for p in pairs], records, draw_all=draw_all)
    keys = dict(zip(cross.files, fig_keys))

    def store(index: SiteIndex) -> None:
        # the cache holds bytes: a figure kept from the last build is read back from the site
        stored = {path: _bytes_of(out, index, path, data) for path, data in cross.files.items()}
        run_cache.store(key, {"blob": dump_model(replace(cross, files=stored)), "keys": keys})

    return cross, False, keys, store


def _bytes_of(out: Path, index: Mapping[str, tuple], path: str, data: bytes | Known | Later) -> bytes:
    """The bytes of a site file: read from the site `out` when its `index` says it holds them."""
    if isinstance(data, Later):
        return data.make()
    if isinstance(data, bytes):
        return data
    if reusable(out, index, path, data.digest):
        try:
            found = (out / path).read_bytes()
        except OSError:
            found = b""
        if hashlib.sha256(found).hexdigest() == data.digest:
            return found
    return data.make()


def _cross_data(blob: bytes | None) -> tuple[RunData, RunAnalysis] | None:
    """A run's cross-run payload decoded, or None when it is damaged or not a run's data."""
    if blob is None:
        return None
    try:
        pair = load_model(blob)
    except Undecodable:
        return None
    ok = type(pair) is tuple and len(pair) == 2 and isinstance(pair[0], RunData) and isinstance(pair[1], RunAnalysis)
    return pair if ok else None


def _load_cross(hit: dict | None) -> tuple[CrossRun, dict[str, str]] | None:
    """A cached CrossRun and its figures' input hashes, or None when there is none or it cannot
    be used (then it is rebuilt)."""
    if hit is None:
        return None
    try:
        found = load_model(hit["blob"])
        keys = dict(hit.get("keys") or {})
    except Exception:  # noqa: BLE001 - any failure means "not usable", never a crash
        return None
    return (found, keys) if isinstance(found, CrossRun) else None


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
    # `-o .` names the folder, not "": its lock and cache go beside it, never inside
    out = site_path(out)
    check_output_dir(out, runs_dir)

    def waiting(pid: int | None) -> None:
        # always said (not only with -v): a build that waits silently looks hung
        holder = f" (pid {pid})" if pid is not None else ""
        print(f"reportgen: waiting for another build{holder} into {out} to finish", file=sys.stderr, flush=True)

    try:
        with output_lock(out, on_wait=waiting) as lock_fd:
            # one pool for the build: warm workers from the runs to the comparisons' figures
            run_cache = RunCache(cache_dir_for(out) if cache else None)
            try:
                with WorkerPool(jobs, preload, close_fd=lock_fd) as pool:
                    return _build_locked(runs_dir, out, say, bar, pool, run_cache, site_url, allow_outside)
            except BaseException:
                # a failed build (a full disk, most likely) must not leave its entries filling it
                run_cache.discard_new()
                raise
    except OSError as exc:
        raise disk_error(exc, out) from exc
    finally:
        if bar is not None:
            bar.close()


def _build_locked(
    runs_dir: Path,
    out: Path,
    say: Callable[[str], None],
    bar: Progress | None,
    pool: WorkerPool,
    run_cache: RunCache,
    site_url: str | None,
    allow_outside: tuple[Path, ...] = (),
) -> BuildReport:
    cache_root = run_cache.root
    last = load_last_build(cache_root)
    parsed = ParsedYaml(last.manifests)
    loaded = load_manifests(runs_dir, parsed, allow_outside)
    # probed only once there is something to build, so a failed start leaves no cache folder
    cache_warning = writable_cache(cache_root) if cache_root is not None else None
    if cache_warning is not None:
        cache_root, last = None, LastBuild()
        run_cache.root = None
    problems: list[ReportgenError] = list(loaded.problems)
    specs = loaded.runs
    say(f"found {len(specs)} run manifest(s)")
    # datasets are few and shared by many runs: read once here, handed to each run's worker
    balance = collect_balance(loaded.datasets, [])
    datasets = {ds.name: ds for ds in loaded.datasets}
    refs = [spec.class_balance.dataset if spec.class_balance else None for spec in specs]
    code = code_fingerprint()
    digests = FileDigests(last.logs)
    keys = [
        run_key(spec, runs_dir, code, balance_fingerprint(datasets.get(ref)), digests) if cache_root is not None else ""
        for spec, ref in zip(specs, refs)
    ]
    if bar is not None:
        bar.stage("runs", len(specs))
    tick = bar.advance if bar is not None else None
    built: list[_Built | RunFailure | None] = []
    todo: list[int] = []
    for i, key in enumerate(keys):
        entry = run_cache.open(key)
        hit = _from_cache(entry, specs[i], out, last.site) if entry is not None else None
        if entry is not None and hit is None:
            run_cache.forget(key)
        built.append(hit)
        if hit is None:
            todo.append(i)
        elif tick:
            tick()

    def run_all(indices: list[int], on_done: Callable[[int], None] | None) -> list[RunResult | RunFailure]:
        args = [(specs[i], keys[i], balance.datasets.get(refs[i]) if refs[i] else None) for i in indices]
        results = pool.map_batched(build_runs, args, (runs_dir, run_cache.root), on_done=on_done)
        for i, result in zip(indices, results):
            if isinstance(result, RunResult):
                run_cache.mark(keys[i])
        return results

    for i, result in zip(todo, run_all(todo, tick)):
        built[i] = _computed(result) if isinstance(result, RunResult) else result
    cached = len(specs) - len(todo)
    say(f"built {len(todo)} run(s), {cached} unchanged from the cache")

    done: list[_Built] = []
    for item in built:
        if isinstance(item, RunFailure):
            problems.append(item.error())
        elif item is not None:
            done.append(item)

    def payloads() -> list[tuple]:
        """Every run's cross-run data; a run whose cached payload is damaged is rebuilt."""
        nonlocal cached
        found = [_cross_data(r.cross()) for r in done]
        damaged = [i for i, pair in enumerate(found) if pair is None]
        if damaged:
            index = {id(item): i for i, item in enumerate(built)}
            runs = [index[id(done[i])] for i in damaged]
            for i in runs:
                run_cache.forget(keys[i])
            for d, result in zip(damaged, run_all(runs, None)):
                if not isinstance(result, RunResult):  # its logs changed under the running build
                    raise result.error()
                found[d] = load_model(result.cross)
            cached -= len(damaged)
        return [pair for pair in found if pair is not None]

    # same order as reading them all first: log problems, then class-balance problems
    problems.extend(balance.problems)
    for item in done:
        problems.extend(item.result.problem_errors())
    files: dict[str, bytes | Known] = {}
    for item in done:
        files.update(item.images)
    records = [r.result.record for r in done]
    salt = f"{code}\0{templates_fingerprint()}"
    input_keys: dict[str, str] = {}  # site path -> hash of its inputs, for the next build
    dataset_records = []
    for ds in loaded.datasets:
        table = balance.datasets.get(ds.name)
        if table is None:
            continue
        slug = slugify(ds.name)
        fig = plan_balance_figure(table, ds.display_title)
        file = f"datasets/{slug}/{fig.name}.png"
        input_keys[file] = input_hash(code, "figure", fig)
        files[file] = _made(input_keys[file], last.made, functools.partial(draw, fig))
        input_keys[svg_path(file)] = input_hash(code, "figure", SvgOf(fig))
        files[svg_path(file)] = _made(input_keys[svg_path(file)], last.made, functools.partial(draw, SvgOf(fig)))
        dataset_records.append(plain({
            "name": ds.name,
            "title": ds.display_title,
            "notes": ds.notes,
            "page": dataset_page_path(slug),
            "class_balance": balance_view(table),
            "flags": [asdict(f) for f in table.flags],
            "runs": sorted(r.result.name for r in done if r.result.record.get("dataset") and r.result.record["dataset"]["name"] == ds.name),
            "figure": figure_entry(fig, file),
        }))
    cross, cross_cached, cross_keys, store_cross = _cross_run(
        loaded.site, done, records, run_cache, code, pool, payloads, last, out
    )
    input_keys.update(cross_keys)
    problems.extend(cross.problems)
    files.update(cross.files)
    plan = plan_site(
        loaded.site,
        records,
        {r.result.name: list(r.result.figures) for r in done},
        {r.result.name: r.result.thumb for r in done if r.result.thumb is not None},
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
    rendered = render_site(plan, make_env(), last.made, salt if cache_root is not None else "")
    files.update(rendered.files)
    input_keys.update(rendered.keys)
    summary = build_summary(records, problems, loaded.site.title, groups=cross.groups, comparisons=cross.comparisons)
    summary["datasets"] = dataset_records
    input_keys["summary.json"] = input_hash(code, "summary.json", summary)
    records_json: dict[str, str] = {}  # filled only when summary.json is made
    files["summary.json"] = _made(
        input_keys["summary.json"],
        last.made,
        functools.partial(dump_summary, summary, last.records, records_json),
    )
    input_keys["summary.md"] = input_hash(code, "summary.md", site_url, summary)
    files["summary.md"] = _made(
        input_keys["summary.md"],
        last.made,
        lambda: render_summary_md(plain(summary), site_url=site_url).encode("utf-8"),
    )
    if bar is not None:
        bar.advance(len(plan.pages))
        bar.stage("writing", len(files))
    index = write_site(
        files,
        out,
        runs_dir,
        on_file=tick,
        previous=last.site if cache_root is not None else None,
        spare=spare_dir(cache_root) if cache_root is not None else None,
    )
    if cache_root is not None:
        store_cross(index)
        made = {key: index[path][0] for path, key in input_keys.items() if path in index}
        remembered = LastBuild(
            site=index,
            made=made,
            manifests=parsed.used,
            logs=digests.used,
            records=records_json or last.records,  # empty when summary.json was linked, not made
        )
        save_last_build(cache_root, remembered)
    run_cache.prune()
    say(f"wrote {len(files)} file(s) to {out}")
    flag_counts: dict[str, int] = {}
    for r in done:
        for kind in r.result.flag_kinds:
            flag_counts[kind] = flag_counts.get(kind, 0) + 1
    return BuildReport(
        out=out,
        runs=tuple(r.result.name for r in done),
        files=len(files),
        problems=tuple(problems),
        warnings=(
            *([cache_warning] if cache_warning else []),
            *loaded.warnings,
            *(w for r in done for w in r.result.warnings),
        ),
        flags=dict(sorted(flag_counts.items())),
        cached=cached,
        cross_cached=cross_cached,
        plan=plan,
    )
