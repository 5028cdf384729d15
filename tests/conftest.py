"""Factories for tests: small logs and manifests written to tmp_path. No logic under test here."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import yaml

# ../shared/realogs beside the repository; REPORTGEN_REALOGS points elsewhere (a git worktree)
REALOGS = Path(
    os.environ.get("REPORTGEN_REALOGS") or Path(__file__).resolve().parents[1].parent / "shared" / "realogs"
)


REALOGS2 = Path(os.environ.get("REPORTGEN_REALOGS2") or REALOGS.parent / "realogs2")


def need_corpus(root: Path) -> Path:
    """A shared real-world corpus (../shared/realogs or realogs2): a failure in CI when it is
    missing, a skip with the reason elsewhere."""
    if root.is_dir():
        return root
    if os.environ.get("CI"):
        pytest.fail(f"the real-log corpus is missing at {root}; CI must have ../shared/{root.name}")
    pytest.skip(f"the real-log corpus is not at {root} (it is in CI)")


def realogs_dir() -> Path:
    """The first shared corpus, ../shared/realogs."""
    return need_corpus(REALOGS)


def realogs2_dir() -> Path:
    """The second shared corpus, ../shared/realogs2."""
    return need_corpus(REALOGS2)


def write_csv(path: Path, columns: dict[str, list | np.ndarray]) -> Path:
    """A CSV log; None or NaN-as-None cells are written empty (not logged on that row)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    n = max(len(v) for v in columns.values())
    lines = [",".join(names)]
    for i in range(n):
        cells = []
        for name in names:
            col = columns[name]
            v = col[i] if i < len(col) else None
            cells.append("" if v is None else repr(float(v)) if not isinstance(v, str) else v)
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def exp_curve(steps: np.ndarray, a: float = 2.0, r: float = 0.01, c: float = 0.2) -> np.ndarray:
    return c + a * np.exp(-r * steps)


def write_manifest(runs: Path, file: str, **fields) -> Path:
    path = runs / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(fields, sort_keys=False), encoding="utf-8")
    return path


def make_run(runs: Path, name: str, *, steps: int = 200, overfit: bool = False, **fields) -> Path:
    """A run with per-step train loss and validation loss every 10 steps, and its manifest."""
    s = np.arange(0, steps)
    train = exp_curve(s)
    val = exp_curve(s, c=0.3) + (0.002 * np.maximum(0, s - steps // 2) if overfit else 0)
    log = write_csv(
        runs / "logs" / f"{name}.csv",
        {
            "step": list(s),
            "train_loss": list(train),
            "val_loss": [v if i % 10 == 9 else None for i, v in enumerate(val)],
        },
    )
    fields.setdefault("logs", f"logs/{log.name}")
    return write_manifest(runs, f"{name}.yaml", name=name, **fields)


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    d = tmp_path / "runs"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def chrome(tmp_path_factory: pytest.TempPathFactory):
    """One headless Chromium for the whole session (starting one costs about a second)."""
    from browser_support import start_chrome

    driver = start_chrome(tmp_path_factory.mktemp("chrome-profile"))
    yield driver
    driver.quit()
