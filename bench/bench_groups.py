"""Accuracy of the t quantile against scipy, and the cost of aggregating seed curves.

Run from the repo root: python -m bench.bench_groups  (or with reportgen installed)
(needs scipy, a test dependency, for the reference).
"""

from __future__ import annotations

import time

import numpy as np
from scipy import stats

from reportgen.analysis.groups import aggregate_curves
from reportgen.analysis.student_t import _hill_start, t_quantile

P_GRID = np.array(
    [1e-9, 1e-6, 1e-4, 1e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.4, 0.49, 0.4999,
     0.5001, 0.51, 0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9999, 1 - 1e-6]
)  # fmt: skip


def t_accuracy() -> None:
    worst = hill_worst = 0.0
    calls = 0
    start = time.perf_counter()
    for df in range(1, 201):
        ref = stats.t.ppf(P_GRID, df)
        mine = np.array([t_quantile(float(p), float(df)) for p in P_GRID])
        calls += P_GRID.size
        worst = max(worst, float(np.max(np.abs(mine - ref) / np.abs(ref))))
        hill = np.array([_hill_start(float(min(p, 1 - p)), float(df)) for p in P_GRID])
        hill_worst = max(hill_worst, float(np.max(np.abs(hill - np.abs(ref)) / np.abs(ref))))
    elapsed = time.perf_counter() - start
    ci = [t_quantile(0.975, df) for df in range(1, 31)]
    ci_err = max(abs(a - b) / b for a, b in zip(ci, stats.t.ppf(0.975, range(1, 31))))
    print(f"t_quantile vs scipy, df 1..200 x {P_GRID.size} p: max rel error {worst:.2e}")
    print(f"  t(0.975, df) for df 1..30: max rel error {ci_err:.2e}")
    print(f"  Hill (1970) start alone: max rel error {hill_worst:.2e}")
    print(f"  {elapsed / calls * 1e6:.0f} us per call (incl. the Hill-only pass)")


def curves_cost(runs: int = 20, points: int = 100_000) -> None:
    rng = np.random.default_rng(0)
    curves = []
    for i in range(runs):
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
    t_accuracy()
    curves_cost()
