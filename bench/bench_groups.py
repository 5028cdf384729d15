"""The cost of aggregating seed curves.

Run from the repo root: python -m bench.bench_groups  (or with reportgen installed)
"""

from __future__ import annotations

import time

import numpy as np

from reportgen.analysis.groups import aggregate_curves


def curves_cost(runs: int = 20, points: int = 100_000) -> None:
    rng = np.random.default_rng(0)
    curves = []
    for _ in range(runs):
        steps = np.sort(rng.choice(points * 2, size=points, replace=False)).astype(np.int64)
        curves.append((steps, np.exp(-steps / 5e4) + rng.normal(0, 0.01, points)))
    start = time.perf_counter()
    result = aggregate_curves(curves, band="ci95")
    elapsed = time.perf_counter() - start
    print(
        f"aggregate_curves: {runs} runs x {points} points -> {result.steps.size} union steps "
        f"in {elapsed:.2f} s"
    )


if __name__ == "__main__":
    curves_cost()
