"""Run independent jobs on every core. Jobs are pure functions of their arguments (one run's
read, analysis and figures), so their order of completion cannot change the output: results
come back in submission order."""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

import reportgen

T = TypeVar("T")

# Worth a process pool only when there is this much work: starting workers costs about a second.
MIN_JOBS_FOR_POOL = 4
# Modules the fork server imports once, so workers start with matplotlib and numpy loaded.
PRELOAD = [
    "reportgen.runwork", "matplotlib.backends.backend_agg", "PIL.PngImagePlugin", "scipy.signal", "scipy.ndimage",
]


def available_cores() -> int:
    """Cores this process may use (the affinity mask in containers and CI, not the host's)."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return max(1, counter() or 1)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _context() -> multiprocessing.context.BaseContext:
    # Workers must run the very code this build runs (a checkout, not some installed copy).
    # fork gives them this process's modules as they are, and starts in milliseconds; from
    # Python 3.12 forking a process with threads (BLAS pools) warns, so there the fork server
    # is used, started with this reportgen's folder first on its path.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.version_info < (3, 12):
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        root = str(Path(reportgen.__file__).resolve().parent.parent)
        added = root not in sys.path
        if added:
            sys.path.insert(0, root)
        try:
            multiprocessing.forkserver.ensure_running()
        finally:
            if added:
                sys.path.remove(root)
        return ctx
    return multiprocessing.get_context("spawn")


def run_jobs(
    fn: Callable[..., T],
    jobs: list[tuple[Any, ...]],
    *,
    workers: int | None = None,
    on_done: Callable[[], None] | None = None,
    preload: Callable[[], None] | None = None,
) -> list[T]:
    """[fn(*args) for args in jobs], on up to `workers` processes (default: every core), in the
    order of `jobs`. `on_done` is called in this process after each job finishes; `preload`
    once before workers start, when a pool is used (imports the workers then share)."""
    tick = on_done or (lambda: None)
    workers = available_cores() if workers is None else max(1, workers)
    if workers == 1 or len(jobs) < MIN_JOBS_FOR_POOL:
        out = []
        for args in jobs:
            out.append(fn(*args))
            tick()
        return out
    if preload is not None:
        preload()
    results: list[Any] = [None] * len(jobs)
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=_context()) as pool:
        for index, value in _bounded_map(pool, fn, jobs, limit=4 * workers):
            results[index] = value
            tick()
    return results


def run_batched(
    fn: Callable[..., list[T]],
    items: list[Any],
    args: tuple[Any, ...],
    *,
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
    preload: Callable[[], None] | None = None,
) -> list[T]:
    """[*fn(batch, *args) for batch in batches of `items`], flattened, in the order of `items`.
    For jobs with a setup worth sharing (a Painter's figures): each call gets a batch.
    `on_done(n)` is called after each batch of n items."""
    workers = available_cores() if workers is None else max(1, workers)
    size = batch_size(len(items), workers)
    groups = [items[i : i + size] for i in range(0, len(items), size)]
    done = on_done or (lambda _n: None)
    ticks = iter([len(g) for g in groups])
    results = run_jobs(fn, [(g, *args) for g in groups], workers=workers, on_done=lambda: done(next(ticks)), preload=preload)
    return [r for batch in results for r in batch]


def batch_size(items: int, workers: int) -> int:
    """Items per batch: up to 16 (a Painter's first figure of each size costs several later ones),
    but at least four batches per worker, so every core stays busy to the end and a progress bar
    moves."""
    return max(1, min(16, -(-items // (4 * workers))))


def _bounded_map(
    pool: ProcessPoolExecutor, fn: Callable[..., T], jobs: Iterable[tuple[Any, ...]], limit: int
) -> Iterator[tuple[int, T]]:
    """Submit at most `limit` jobs ahead of the finished ones, so a large sweep never holds every
    pending result (figures of thousands of runs) in memory at once."""
    pending: dict[Future, int] = {}
    queue = iter(enumerate(jobs))
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < limit:
            try:
                index, args = next(queue)
            except StopIteration:
                exhausted = True
                break
            pending[pool.submit(fn, *args)] = index
        if not pending:
            break
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: pending[f]):
            yield pending.pop(future), future.result()
