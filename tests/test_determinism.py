"""Same inputs, same bytes, whatever the scheduling: every figure is encoded alike in the parent
and in workers, first or hundredth in a process (issue 12, point 24)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_run

ROOT = Path(__file__).resolve().parents[1]


def site_digests(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def labels(path: Path, counts: dict[str, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = ["image,label"] + [f"img{i}_{c}.png,{c}" for c, n in counts.items() for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs of every kind of figure: groups and comparisons, a shared dataset's class balance
    (hatched bars, drawn by the parent) and a run's own, an overfitting run."""
    runs = tmp_path_factory.mktemp("mixed") / "runs"
    labels(runs / "data" / "train.csv", {str(c): 5 + 9 * c for c in range(10)})
    (runs / "data" / "ds.yaml").write_text(
        "kind: dataset\nname: digits-imbalanced\nclass_balance:\n  train: train.csv\n"
        "  test: {0: 10, 1: 30, 2: 3, 3: 40, 4: 7, 5: 12, 6: 9, 7: 33, 8: 21, 9: 18}\n",
        encoding="utf-8",
    )
    for i in range(14):
        make_run(runs, f"r{i:02d}", steps=200 + 40 * i, group=f"g{i % 3}", tags=[f"t{i % 2}"], overfit=i % 4 == 0,
                 class_balance="digits-imbalanced" if i % 2 else {"train": {"cat": 10 + i, "dog": 40}})
    return runs


def cold_build(runs: Path, out: Path, jobs: int) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "reportgen", "build", str(runs), "-o", str(out), "-q", "--no-cache", "-j", str(jobs)],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr
    return site_digests(out)


def test_one_worker_two_workers_and_the_parent_alone_write_the_same_bytes(mixed: Path, tmp_path: Path) -> None:
    alone = cold_build(mixed, tmp_path / "one", jobs=1)  # the parent draws every figure, in one Painter
    assert "datasets/digits-imbalanced/class-balance.svg" in alone
    assert any(path.startswith("groups/") and path.endswith(".svg") for path in alone)
    for attempt in range(3):
        assert cold_build(mixed, tmp_path / f"two-{attempt}", jobs=2) == alone
    assert cold_build(mixed, tmp_path / "three", jobs=3) == alone
