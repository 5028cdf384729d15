"""Where a run's build time goes, in one process: read, analyse, plan, then each figure rendition
(PNG, SVG) drawn by its own Painter over the same specs, and how many distinct frames (axes drawn
once and reused, figures/draw.py) each figure kind needs. Not a test: prints, asserts nothing.

    python bench/figure_costs.py RUNS_DIR [--runs 100]

RUNS_DIR is a folder of manifests, e.g. the held-out sweep bench/heldout.py writes
(/tmp/reportgen-heldout/runs) or bench/run.py's (/tmp/reportgen-bench/sweep).
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path

from reportgen.analysis import analyse
from reportgen.figures import axis_limits, draw
from reportgen.figures.plan import plan_run_figures, plan_thumbnail
from reportgen.manifest.load import load_manifests
from reportgen.readers.run import read_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs_dir", type=Path)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    import scipy.ndimage  # noqa: F401 - imported before timing, as a build's preload does
    import scipy.signal  # noqa: F401

    specs = load_manifests(args.runs_dir).runs[: args.runs]
    n = len(specs)

    def timed(label: str, work):
        start = time.process_time()
        out = work()
        print(f"  {label:<10} {(time.process_time() - start) / n * 1000:7.1f} ms/run")
        return out

    runs = timed("read", lambda: [read_run(s, args.runs_dir) for s in specs])
    analyses = timed("analyse", lambda: [analyse(r) for r in runs])
    figs = timed("plan", lambda: [f for r, a in zip(runs, analyses) for f in plan_run_figures(r, a)])
    thumbs = [t for r, a in zip(runs, analyses) if (t := plan_thumbnail(r, a)) is not None]
    print(f"  {len(figs) / n:.1f} figures and {len(thumbs) / n:.1f} thumbnail per run")
    for kind in ("png", "svg"):
        painter = draw.Painter(kind)
        start = time.process_time()
        sizes = [len(painter.draw(f)) for f in figs]
        took = time.process_time() - start
        print(f"  {kind:<10} {took / n * 1000:7.1f} ms/run, {took / len(figs) * 1000:.1f} ms and "
              f"{sum(sizes) / len(sizes) / 1000:.0f} KB a figure")
    frames: dict[str, set] = collections.defaultdict(set)
    count: collections.Counter = collections.Counter()
    for f in figs:
        frames[f.name].add(draw._frame_key(f, [axis_limits.panel_limits(p) for p in f.panels]))
        count[f.name] += 1
    for name in sorted(count):
        print(f"  {name:<12} {count[name]:4d} figures, {len(frames[name]):4d} distinct frames")


if __name__ == "__main__":
    main()
