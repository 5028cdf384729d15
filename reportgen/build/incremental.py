"""`Incremental`: the one object that keeps a build's books, so a rebuild redoes only what changed.

It knows what the last build left (build/last_build.py: the files it wrote, the digest of each
file under the hash of its inputs, parsed manifests, log digests, summary records), the run
cache (build/cache.py) and the keys (build/cache_keys.py). The stages never see any of it: they
return data and bytes, and the build asks this object for each site file, which it hands back
either as bytes or as writer.Known (a digest the last build made from the same inputs, made
again only when the previous site cannot supply it).

With `cache=False`, or a cache folder that cannot be written, it keeps no books: every file is
made and nothing is remembered.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2

from reportgen import __version__
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
    templates_fingerprint,
)
from reportgen.build.last_build import LastBuild, load_last_build, save_last_build, spare_dir
from reportgen.build.parallel import WorkerPool
from reportgen.build.run_job import RunResult
from reportgen.build.runs import Built, Runs
from reportgen.build.writer import Known, Later, SiteIndex, reusable, write_site
from reportgen.errors import Location, OutputError
from reportgen.figures.draw import draw_many, draw_svg
from reportgen.manifest.yaml_positions import ParsedYaml
from reportgen.model import DatasetSpec, RunSpec, SiteConfig
from reportgen.site.cross_run_pages import CrossRun, gather_cross_run
from reportgen.site.paths import SUMMARY_JSON
from reportgen.site.render import Page, SitePlan, render_page
from reportgen.site.summary_json import dump_summary, record_json


class Incremental:
    """The books of one build into `out`: what the last build made, and what this one makes."""

    def __init__(self, out: Path, cache: bool) -> None:
        self.out = out
        self.run_cache = RunCache(cache_dir_for(out) if cache else None)
        self.last = load_last_build(self.run_cache.root)
        # manifests parsed by the last build are not parsed again (load_manifests takes this)
        self.manifests = ParsedYaml(self.last.manifests)
        self.code = code_fingerprint()
        self._digests = FileDigests(self.last.logs)
        self._inputs: dict[str, str] = {}  # site path -> hash of its inputs, for the next build
        self._records: dict[str, str] = {}  # summary record hash -> its JSON; filled when summary.json is made
        self._salt: str | None = None  # code and templates, part of every page's input hash
        self._datasets: dict[str, DatasetSpec] = {}  # by name, for the keys of runs that use one
        self._store_cross: Callable[[SiteIndex], None] = lambda _index: None

    @property
    def keeping(self) -> bool:
        """Whether this build keeps books (a cache folder it can write)."""
        return self.run_cache.root is not None

    def start(self, datasets: Sequence[DatasetSpec]) -> str | None:
        """Probe the cache folder, once there is something to build (so a failed start leaves no
        cache folder); returns the warning when it cannot be written, and keeps no books then."""
        root = self.run_cache.root
        warning = writable_cache(root) if root is not None else None
        if warning is not None:
            self.run_cache.root, self.last = None, LastBuild()
        self._datasets = {ds.name: ds for ds in datasets}
        return warning

    # runs

    def run_keys(self, specs: Sequence[RunSpec], runs_dir: Path, refs: Sequence[str | None]) -> list[str]:
        """Each run's cache key ("" when keeping no books)."""
        if not self.keeping:
            return ["" for _ in specs]
        return [
            run_key(spec, runs_dir, self.code, balance_fingerprint(self._datasets.get(ref)), self._digests)
            for spec, ref in zip(specs, refs)
        ]

    def cached_run(self, key: str, spec: RunSpec) -> Built | None:
        """The run from its cache entry, with the notes of its manifest (the key leaves them out),
        or None when there is none or it is damaged (then it is forgotten, and built again).
        Images the previous site holds unchanged stay unread."""
        entry = self.run_cache.open(key)
        if entry is None:
            return None
        hit = self._from_entry(entry, spec)
        if hit is None:
            self.run_cache.forget(key)
        return hit

    def _from_entry(self, entry: Entry, spec: RunSpec) -> Built | None:
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
            if self._site_holds(name, digest):
                images[name] = Known(digest, functools.partial(_read_or_fail, entry, ("images", name)))
            else:
                value = entry.read(("images", name))
                if value is None:
                    return None
                images[name] = value
        return Built(result, images, cross.digest, functools.partial(entry.read, ("cross",)))

    # site files

    def _site_holds(self, path: str, digest: str) -> bool:
        """Whether the previous site holds `path` with content `digest`, unchanged since written."""
        return reusable(self.out, self.last.site, path, digest)

    def file(self, path: str, make: Callable[[], bytes], *inputs: object) -> bytes | Known:
        """The site file `path`, made by `make` from `inputs`: Known when the last build made it
        from equal inputs."""
        key = input_hash(self.code, *inputs)
        self._inputs[path] = key
        return self._made(key, make)

    def _made(self, key: str, make: Callable[[], bytes]) -> bytes | Known:
        digest = self.last.made.get(key)
        return Known(digest, make) if digest is not None else make()

    def page(self, page: Page, plan: SitePlan, env: jinja2.Environment) -> bytes | Known:
        """A page's HTML, rendered only when the last build did not render it from equal inputs."""
        key = self._page_key(page, plan) if self.keeping else None
        if key is None:
            return render_page(page, plan, env)
        self._inputs[page.path] = key
        return self._made(key, functools.partial(render_page, page, plan, env))

    def _page_key(self, page: Page, plan: SitePlan) -> str | None:
        """Hash of everything the page's HTML is made from: the code, the templates and the
        libraries that render them, and what render_page passes to its template. None when the
        context cannot be hashed (then it is rendered)."""
        if self._salt is None:
            self._salt = f"{self.code}\0{templates_fingerprint()}"
        try:
            return input_hash(self._salt, page.template, page.path, plan.title, plan.built_at, __version__, page.context)
        except Exception:  # noqa: BLE001 - an unusual value in a context only costs a render
            return None

    def summary_json(self, summary: dict[str, Any]) -> bytes | Known:
        make = functools.partial(dump_summary, summary, self._record_json)
        return self.file(SUMMARY_JSON, make, "summary.json", summary)

    def _record_json(self, record: dict[str, Any]) -> str:
        """A summary record's JSON as the last build wrote it, when it wrote the same record."""
        key = input_hash(record)
        text = self.last.records.get(key)
        if text is None:
            text = record_json(record)
        self._records[key] = text
        return text

    # group and comparison pages

    def cross_run(self, site: SiteConfig, runs: Runs, pool: WorkerPool) -> tuple[CrossRun, bool]:
        """Group and comparison pages (site/cross_run_pages.py), and whether they came from the
        cache: they do when no run and no setting changed since the last build. Otherwise they
        are planned again, and only the figures whose spec changed are drawn (a changed run
        redraws its group and comparisons, not every group's), by the pool's workers while this
        process goes on (those come back as writer.Later)."""
        h = hashlib.sha256(f"cross-run\0{self.code}\0{site!r}\0".encode())
        for r in runs.done:
            h.update(r.cross_digest)
        # every record field but the notes, which no cross-run page shows
        h.update(input_hash([{k: v for k, v in rec.items() if k != "notes"} for rec in runs.records]).encode())
        key = h.hexdigest()
        cached = _load_cross(self.run_cache.load(key))
        if cached is not None:
            self._inputs.update(cached[1])
            return cached[0], True
        fig_keys: list[str] = []

        def draw_all(specs: list) -> list[bytes | Known | Later]:
            keys = [input_hash(self.code, "figure", spec) for spec in specs]
            fig_keys.extend(keys)
            made = self.last.made
            todo = [i for i, k in enumerate(keys) if k not in made]
            drawn = dict(zip(todo, pool.submit_batched(draw_many, [specs[i] for i in todo], ())))
            return [Later(drawn[i]) if i in drawn else Known(made[k], functools.partial(draw_svg, specs[i])) for i, k in enumerate(keys)]

        # groups and comparisons need the runs' curves: each worker sent the few it needs
        pairs = runs.payloads()
        cross = gather_cross_run(site, [p[0] for p in pairs], [p[1] for p in pairs], runs.records, draw_all=draw_all)
        keys = dict(zip(cross.files, fig_keys))
        self._inputs.update(keys)

        def store(index: SiteIndex) -> None:
            # the cache holds bytes: a figure kept from the last build is read back from the site
            stored = {path: _bytes_of(self.out, index, path, data) for path, data in cross.files.items()}
            self.run_cache.store(key, {"blob": dump_model(replace(cross, files=stored)), "keys": keys})

        self._store_cross = store
        return cross, False

    # the end

    def write(self, files: Mapping[str, bytes | Known | Later], runs_dir: Path, on_file: Callable[[], None] | None) -> None:
        """Write the site (linking what the previous site holds unchanged) and remember this
        build for the next."""
        root = self.run_cache.root
        index = write_site(
            files,
            self.out,
            runs_dir,
            on_file=on_file,
            previous=self.last.site if root is not None else None,
            spare=spare_dir(root) if root is not None else None,
        )
        if root is not None:
            self._store_cross(index)
            made = {key: index[path][0] for path, key in self._inputs.items() if path in index}
            remembered = LastBuild(
                site=index,
                made=made,
                manifests=self.manifests.used,
                logs=self._digests.used,
                records=self._records or self.last.records,  # empty when summary.json was linked, not made
            )
            save_last_build(root, remembered)
        self.run_cache.prune()

    def discard_new(self) -> None:
        """A failed build (a full disk, most likely) must not leave its cache entries filling it."""
        self.run_cache.discard_new()


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


def _read_or_fail(entry: Entry, where: tuple[str, ...]) -> bytes:
    value = entry.read(where)
    if value is None:  # only when the previous site's copy changed during the build, too
        raise OutputError("a cache entry is damaged and the site changed during the build; build again", Location(entry.path))
    return value


def _bytes_of(out: Path, index: Mapping[str, tuple], path: str, data: bytes | Known | Later) -> bytes:
    """The bytes of a site file: read from the written site when its `index` says it holds them."""
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
