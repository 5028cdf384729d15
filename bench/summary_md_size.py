"""How big summary.md gets for a large sweep: writes N runs (default 1,000) of CSV logs with
overfitting and diverging runs among them, runs the real pipeline up to the summary (manifests,
readers, analysis, summary records: the same code `build` uses, minus drawing figures), and
prints the digest's size against GitHub's limits.

    python bench/summary_md_size.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from reportgen.analysis import analyse
from reportgen.manifest.load import load_manifests
from reportgen.manifest.slug import slugify
from reportgen.readers.run import read_runs
from reportgen.site.paths import run_page_path
from reportgen.site.summary_json import build_summary, plain, run_record
from reportgen.site.summary_md import COMMENT_LIMIT, github_length, render_summary_md


def write_runs(runs: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    steps = np.arange(200)
    for i in range(n):
        lr, seed = (1e-1, 1e-2, 1e-3, 3e-4)[i % 4], i // 4
        name = f"sweep-mlp-width{64 * (1 + i % 8)}-lr{lr:g}-seed{seed}"
        train = 0.2 + 2.0 * np.exp(-0.02 * steps) + rng.normal(0, 0.01, steps.size)
        val = 0.3 + 2.0 * np.exp(-0.02 * steps) + (0.004 * np.maximum(0, steps - 100) if i % 5 == 0 else 0)
        if i % 17 == 0:
            train[150:] = np.nan
        lines = ["step,train_loss,val_loss"] + [
            f"{s},{float(t)!r},{float(v)!r}" if s % 10 == 9 else f"{s},{float(t)!r}," for s, t, v in zip(steps, train, val)
        ]
        (runs / "logs").mkdir(parents=True, exist_ok=True)
        (runs / "logs" / f"{i}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (runs / f"{i}.yaml").write_text(
            f"name: {name}\ngroup: width{64 * (1 + i % 8)}\ntags: [sweep]\nlogs: logs/{i}.csv\n", encoding="utf-8"
        )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp) / "runs"
        runs.mkdir()
        write_runs(runs, n)
        start = time.perf_counter()
        loaded = load_manifests(runs)
        data, problems = read_runs(loaded.runs, runs)
        records = [run_record(r, analyse(r), run_page_path(slugify(r.spec.name))) for r in data]
        summary = plain(build_summary(records, list(loaded.problems) + problems, "Big sweep"))
        md = render_summary_md(summary, site_url="https://user.github.io/repo/")
        took = time.perf_counter() - start
    rows = sum(1 for line in md.splitlines() if line.startswith("| ["))
    print(f"runs: {len(records)} (problems: {len(summary['problems'])})")
    print(f"summary.md: {len(md):,} characters, {github_length(md):,} UTF-16 units, {len(md.encode('utf-8')):,} bytes")
    print(f"limit: {COMMENT_LIMIT:,} (PR comment); 1,048,576 bytes (job summary)")
    print(f"rows shown: {rows} of {len(records)}; flagged runs: {sum(1 for r in records if r['flags'])}")
    print(f"pipeline to summary: {took:.1f}s")
    assert github_length(md) <= COMMENT_LIMIT


if __name__ == "__main__":
    main()
