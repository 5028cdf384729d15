"""Page weight of the interactive figures (issue 16): build the bench corpus (bench/corpus.py
csv_sweep: RUNS runs of STEPS steps, train loss every step, validation every 100) and print the
bytes of the index page and of the run pages, raw and gzipped, and how much of a run page is the
figures' inline JSON. Not a test: it prints numbers, it asserts nothing.

    python bench/page_weight.py                       # 1,000 runs x 10,000 steps
    python bench/page_weight.py --runs 50 --steps 2000
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import csv_sweep  # noqa: E402 - corpus.py sits beside this script

JSON = re.compile(rb'<script type="application/json" class="fig-json">(.*?)</script>', re.S)


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def weigh(page: Path) -> tuple[int, int, int]:
    """(bytes, gzipped bytes, bytes of inline figure JSON) of one page."""
    data = page.read_bytes()
    return len(data), len(gzip.compress(data, 6, mtime=0)), sum(len(m) for m in JSON.findall(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/reportgen-page-weight"))
    args = parser.parse_args()
    corpus = csv_sweep(args.work / f"corpus-{args.runs}x{args.steps}", args.runs, args.steps)
    site = args.work / "site"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "reportgen", "build", str(corpus), "-o", str(site), "-q", "--no-cache"],
                   check=False)
    print(f"corpus: {args.runs} runs x {args.steps} steps; cold build {time.perf_counter() - start:.1f} s")
    index = weigh(site / "index.html")
    print(f"index.html: {kb(index[0])} ({kb(index[1])} gzipped), figure JSON {kb(index[2])}")
    runs = [weigh(p) for p in sorted((site / "runs").glob("*/index.html"))]
    for label, k in (("bytes", 0), ("gzipped", 1), ("figure JSON", 2)):
        values = [r[k] for r in runs]
        print(f"run pages ({len(values)}), {label}: median {kb(statistics.median(values))}, max {kb(max(values))}")
    static = site / "static"
    # the figure scripts: one figures.js before issue 15 split it into static/figures/*.js
    parts = sorted(static.glob("figures/*.js")) or sorted(static.glob("figures.js"))
    if parts:  # none when measuring a build from before issue 16
        print(f"static figure scripts ({len(parts)} files): {kb(sum(p.stat().st_size for p in parts))} (loaded once, cached)")
    for name in ("vendor/uplot/uPlot.iife.min.js", "vendor/uplot/uPlot.min.css"):
        if (static / name).is_file():
            print(f"static/{name}: {kb((static / name).stat().st_size)} (loaded once, cached)")


if __name__ == "__main__":
    main()
