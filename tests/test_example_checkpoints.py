"""The example runs with checkpoints (runs/example_checkpoints.py) show what they are there to
show, on the committed files and on a fresh run of the generator: the clean run keeps its update
direction and has weight and gradient histograms; the run with a learning rate too high flips
direction at almost every step."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from reportgen.build.model_job import read_model_views
from reportgen.manifest.load import load_manifests
from reportgen.readers.run import read_run

RUNS = Path(__file__).resolve().parents[1] / "runs"


def views_of(runs: Path, name: str):
    spec = next(s for s in load_manifests(runs).runs if s.name == name)
    views, warnings = read_model_views(read_run(spec, runs))
    assert warnings == []
    return views


def check_examples(runs: Path) -> None:
    clean = views_of(runs, "digits-mlp-inside")
    traj = clean.trajectory
    assert traj.positions.size == 13 and traj.layers == ("fc1", "fc2")
    assert np.nanmean(traj.update_cos) > 0.3
    assert "update_oscillation" not in {f.kind for f in clean.flags}
    assert sorted(h.kind for h in clean.histograms) == ["gradient", "gradient", "weight", "weight"]
    assert traj.loss_name == "val_loss" and np.isfinite(traj.loss[1:]).all()
    bouncing = views_of(runs, "digits-mlp-lr-too-high")
    t = bouncing.trajectory
    assert t.positions.size == 41 and t.params == 64 * 16 + 16 * 10  # biases excluded in its manifest
    assert np.nanmean(t.update_cos) < -0.5
    assert "update_oscillation" in {f.kind for f in bouncing.flags}
    # the loss still falls: the run is unstable, not broken
    assert t.loss[-1] < 0.5 * t.loss[1]


def test_committed_examples() -> None:
    check_examples(RUNS)


def test_committed_examples_are_small() -> None:
    total = sum(p.stat().st_size for name in ("digits-mlp-inside", "digits-mlp-lr-too-high")
                for p in (RUNS / name).rglob("*") if p.is_file())
    assert total < 400 * 1024


def test_regenerated_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn")  # the generator loads scikit-learn's bundled digits
    monkeypatch.syspath_prepend(str(RUNS))
    from example_checkpoints import checkpoint_examples
    from example_training import load_digits_split

    files = checkpoint_examples(load_digits_split())
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    check_examples(tmp_path)
    for module in ("example_checkpoints", "example_training", "example_frameworks"):
        sys.modules.pop(module, None)
