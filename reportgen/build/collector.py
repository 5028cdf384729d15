"""How often Python's cyclic garbage collector runs while a build's work runs.

A build allocates millions of short-lived container objects (each figure's matplotlib artists,
each page's figure data), so at the default thresholds (a young-generation pass every 700
allocations) the collector runs thousands of times and every tenth-of-a-tenth pass walks the whole
heap, which by then holds every run's results: 1.9 CPU-s of a 200-run build (bench/build_stages.py,
row "gc"; docs/measurements.md). Fewer, larger young passes free the same garbage (matplotlib's
reference cycles) a little later: 0.6 CPU-s, for about 6% more peak memory.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# (young, middle, old): a young pass every 10,000 net allocations instead of 700
THRESHOLDS = (10_000, 10, 10)


def collect_less() -> None:
    """Set this process's thresholds for the rest of its life (a build's worker process)."""
    gc.set_threshold(*THRESHOLDS)


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """This process collects at THRESHOLDS inside the block (forked workers inherit them), and
    as before after it (a library caller's or `reportgen serve`'s process is left as it was)."""
    before = gc.get_threshold()
    collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*before)
