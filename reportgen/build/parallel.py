"""Run independent jobs on every core. Jobs are pure functions of their arguments (one run's
read, analysis and figures), so their order of completion cannot change the output: results
come back in submission order."""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import multiprocessing.forkserver
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

import reportgen
from reportgen.build.collector import collect_less, collecting_less

T = TypeVar("T")

# Worth a process pool only when there is this much work: starting workers costs about a second.
MIN_JOBS_FOR_POOL = 4
# Items handed out without waiting (figures) worth starting workers for, when none run yet.
MIN_ITEMS_TO_SUBMIT = 12
# Modules the fork server imports once, so workers start with matplotlib and numpy loaded.
PRELOAD = [
    "reportgen.build.run_job", "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg", "PIL.PngImagePlugin",
    "scipy.signal", "scipy.ndimage",
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


class WorkerPool:
    """The worker processes of one build, started on first use and kept until the build ends:
    the runs' work and then the comparisons' figures go to the same warm workers, and figures can
    be handed out (`submit_batched`) while this process goes on planning and writing pages.
    With one worker, or too little work for a pool, everything runs here, in order."""

    def __init__(
        self, workers: int | None = None, preload: Callable[[], None] | None = None, close_fd: int | None = None,
        setup: Callable[[], None] | None = None,
    ) -> None:
        """`close_fd`: a descriptor workers must not hold (the output lock): each closes its copy.
        `setup`: run in each worker as it starts (picklable, for a fork server's workers)."""
        self.workers = available_cores() if workers is None else max(1, workers)
        self._preload = preload
        self._close_fd = close_fd
        self._setup = setup
        self._pool: ProcessPoolExecutor | None = None
        self._submitted = 0  # items handed to submit_batched so far
        self._settings = contextlib.ExitStack()  # this process's, restored on exit

    def __enter__(self) -> WorkerPool:
        # the build's work, here and in the workers, makes garbage at a rate the collector's
        # default thresholds make costly (build/collector.py)
        self._settings.enter_context(collecting_less())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
        finally:
            self._settings.close()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            if self._preload is not None:
                self._preload()
            ctx = _context()
            # a forked worker's parent is this process; a fork server's worker's is the server
            parent = os.getpid() if ctx.get_start_method() == "fork" else None
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=ctx, initializer=_worker_start,
                initargs=(self._close_fd, parent, self._setup)
            )
        return self._pool

    def _serial(self, jobs: int, least: int = MIN_JOBS_FOR_POOL) -> bool:
        """Whether to do `jobs` here: one worker, or too few jobs to be worth starting workers
        (once they run, any job goes to them)."""
        return self.workers == 1 or (self._pool is None and jobs < least)

    def map(self, fn: Callable[..., T], jobs: list[tuple[Any, ...]], on_done: Callable[[], None] | None = None) -> list[T]:
        """[fn(*args) for args in jobs], in the order of `jobs`; `on_done` after each job."""
        tick = on_done or (lambda: None)
        if self._serial(len(jobs)):
            out = []
            for args in jobs:
                out.append(fn(*args))
                tick()
            return out
        results: list[Any] = [None] * len(jobs)
        for index, value in _bounded_map(self._executor(), fn, jobs, limit=4 * self.workers):
            results[index] = value
            tick()
        return results

    def map_batched(
        self, fn: Callable[..., list[T]], items: list[Any], args: tuple[Any, ...], on_done: Callable[[int], None] | None = None
    ) -> list[T]:
        """[*fn(batch, *args) for batch in batches of `items`], flattened, in the order of
        `items`: for jobs with a setup worth sharing (a Painter's figures). `on_done(n)` after
        each batch of n items."""
        groups = _batches(items, self.workers)
        done = on_done or (lambda _n: None)
        ticks = iter([len(g) for g in groups])
        results = self.map(fn, [(g, *args) for g in groups], on_done=lambda: done(next(ticks)))
        return [r for batch in results for r in batch]

    def submit_batched(self, fn: Callable[..., list[T]], items: list[Any], args: tuple[Any, ...]) -> list[Callable[[], T]]:
        """Like map_batched, without waiting: one callable per item that returns its result,
        waiting for it if need be (raising what the job raised)."""
        groups = _batches(items, self.workers)
        # a few figures (a rebuild's changed group) draw here sooner than workers start; they
        # come a group at a time, so it is the build's count so far that starts the workers
        self._submitted += len(items)
        if self._serial(self._submitted, least=MIN_ITEMS_TO_SUBMIT):
            done = [r for g in groups for r in fn(g, *args)]
            return [functools.partial(_given, r) for r in done]
        pool = self._executor()
        out: list[Callable[[], T]] = []
        for g in groups:
            future = pool.submit(fn, g, *args)
            out.extend(functools.partial(_part_of, future, i) for i in range(len(g)))
        return out


def _worker_start(close_fd: int | None, parent: int | None, setup: Callable[[], None] | None = None) -> None:
    """First thing in every worker: let go of the output lock and die with the parent, so a
    build killed with SIGKILL leaves no worker behind to hold the lock or the CPU."""
    if close_fd is not None:
        try:
            os.close(close_fd)
        except OSError:  # not inherited (fork server, spawn)
            pass
    die_with_parent()
    collect_less()  # a fork server's or spawned worker does not inherit the thresholds
    if parent is not None and os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    if setup is not None:
        setup()


def die_with_parent() -> None:
    """Have the kernel send SIGKILL to this process when its parent dies (Linux
    PR_SET_PDEATHSIG); a no-op elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _given(value: T) -> T:
    return value


def _part_of(future: Future, index: int) -> Any:
    return future.result()[index]


def _batches(items: list[Any], workers: int) -> list[list[Any]]:
    size = batch_size(len(items), workers)
    return [items[i : i + size] for i in range(0, len(items), size)]


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
