"""Stages 2-4 for every run: read, analyse, plan and draw its figures. A run whose inputs hash as
in an earlier build comes from the run cache (build/incremental.py decides); the others are built
by the worker processes (build/parallel.py), each with run_job.build_runs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.analysis.class_balance import BalanceTable
from reportgen.build.cache import load_model
from reportgen.build.datacodec import Undecodable
from reportgen.build.parallel import WorkerPool
from reportgen.build.run_job import RunFailure, RunResult, build_runs
from reportgen.build.writer import Known
from reportgen.errors import ReportgenError
from reportgen.model import RunAnalysis, RunData, RunSpec

if TYPE_CHECKING:  # only for annotations: incremental.py imports Built from here
    from reportgen.build.incremental import Incremental


@dataclass(frozen=True)
class Built:
    """One run's result, with its images and cross-run payload kept apart: for a run taken from
    the cache they are read only when needed (`result.images` and `result.cross` are empty)."""

    result: RunResult
    images: dict[str, bytes | Known]
    cross_digest: bytes  # SHA-256 of the cross-run payload
    cross: Callable[[], bytes | None]  # the payload; None when its cache entry is damaged


def computed(result: RunResult) -> Built:
    return Built(result, dict(result.images), hashlib.sha256(result.cross).digest(), lambda: result.cross)


@dataclass
class Runs:
    """Every run that built, in manifest order, and the problems of those that did not."""

    done: list[Built]
    failures: list[ReportgenError]
    cached: int  # runs taken from the cache (less any whose cross-run payload had to be rebuilt)
    _positions: list[int]  # each done run's position in the manifest order, to rebuild it
    _rebuild: Callable[[list[int]], list[RunResult | RunFailure]]

    @property
    def records(self) -> list[dict]:
        """Each run's summary record (summary_json.run_record)."""
        return [r.result.record for r in self.done]

    @property
    def figures(self) -> dict[str, list[dict]]:
        """Run name -> the figure entries of its page, in page order."""
        return {r.result.name: list(r.result.figures) for r in self.done}

    @property
    def thumbs(self) -> dict[str, str]:
        """Run name -> its index thumbnail's site path, for the runs that have one."""
        return {r.result.name: r.result.thumb for r in self.done if r.result.thumb is not None}

    @property
    def problems(self) -> list[ReportgenError]:
        """Problems that did not stop the runs that built (their class-balance files)."""
        return [e for r in self.done for e in r.result.problem_errors()]

    def payloads(self) -> list[tuple[RunData, RunAnalysis]]:
        """Every run's cross-run data (its curves and analysis, for group and comparison pages);
        a run whose cached payload is damaged is built again."""
        found = [_cross_data(r.cross()) for r in self.done]
        damaged = [i for i, pair in enumerate(found) if pair is None]
        if damaged:
            for d, result in zip(damaged, self._rebuild([self._positions[i] for i in damaged])):
                if not isinstance(result, RunResult):  # its logs changed under the running build
                    raise result.error()
                found[d] = load_model(result.cross)
            self.cached -= len(damaged)
        return [pair for pair in found if pair is not None]


def gather_runs(
    specs: list[RunSpec],
    runs_dir: Path,
    tables: dict[str, BalanceTable],
    books: Incremental,
    pool: WorkerPool,
    tick: Callable[[], None] | None,
) -> Runs:
    """Each run from the cache when its inputs are unchanged, else built by the pool's workers.
    `tables`: class-balance tables by dataset name, read once and handed to the runs that use them."""
    refs = [spec.class_balance.dataset if spec.class_balance else None for spec in specs]
    keys = books.run_keys(specs, runs_dir, refs)
    built: list[Built | RunFailure | None] = [books.cached_run(key, spec) for key, spec in zip(keys, specs)]
    todo = [i for i, hit in enumerate(built) if hit is None]
    if tick is not None:
        for _ in range(len(specs) - len(todo)):
            tick()

    def run_all(indices: list[int], on_done: Callable[[int], None] | None = None) -> list[RunResult | RunFailure]:
        args = [(specs[i], keys[i], tables.get(refs[i]) if refs[i] else None) for i in indices]
        results = pool.map_batched(build_runs, args, (runs_dir, books.run_cache.root), on_done=on_done)
        for i, result in zip(indices, results):
            if isinstance(result, RunResult):
                books.run_cache.mark(keys[i])
        return results

    def rebuild(indices: list[int]) -> list[RunResult | RunFailure]:
        for i in indices:
            books.run_cache.forget(keys[i])
        return run_all(indices)

    for i, result in zip(todo, run_all(todo, tick)):
        built[i] = computed(result) if isinstance(result, RunResult) else result
    done = [(i, item) for i, item in enumerate(built) if isinstance(item, Built)]
    failures = [item.error() for item in built if isinstance(item, RunFailure)]
    return Runs([item for _, item in done], failures, len(specs) - len(todo), [i for i, _ in done], rebuild)


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
