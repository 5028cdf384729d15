"""Group pages follow the comparability rule (docs/figures.md): runs of a group that cannot share an
axis (epochs beside steps) or a statistic (MSE beside cross-entropy) are never pooled into one
mean curve or one spread; a group whose runs are all comparable is built as before."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import exp_curve, make_run, write_csv

from reportgen.build import build

CE = {"task": "classification", "loss": "cross_entropy"}


def _epoch_run(runs: Path, name: str, **fields) -> None:
    """A Keras CSVLogger-style run: one row per epoch, no step column."""
    epochs = np.arange(0, 40)
    write_csv(runs / "logs" / f"{name}.csv", {"epoch": list(epochs), "loss": list(exp_curve(epochs, r=0.2)),
                                               "val_loss": list(exp_curve(epochs, r=0.2, c=0.3))})
    body = {"name": name, "logs": f"logs/{name}.csv", **fields}
    (runs / f"{name}.yaml").write_text(json.dumps(body), encoding="utf-8")


def _group(out: Path, name: str = "g") -> tuple[dict, str]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    group = next(g for g in summary["groups"] if g["name"] == name)
    return group, (out / group["page"]).read_text(encoding="utf-8")


def _figure_names(out: Path, group: dict) -> list[str]:
    return sorted(p.stem for p in (out / group["page"]).parent.glob("*.svg"))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path / "site"


def test_epoch_and_step_runs_of_a_group_are_not_pooled_on_one_axis(runs_dir: Path, site: Path) -> None:
    make_run(runs_dir, "s0", steps=800, group="g", **CE)
    make_run(runs_dir, "s1", steps=800, group="g", **CE)
    _epoch_run(runs_dir, "k0", group="g", **CE)
    build(runs_dir, site)
    group, page = _group(site)
    # no statistic and no curve of the whole group: the 40-epoch run is no seed of the 800-step ones
    assert "group-val-loss" not in _figure_names(site, group)
    assert group["stats"] == [] and group["coverage"] == {}
    assert [(s["label"], s["runs"]) for s in group["sets"]] == [
        ("classification, cross-entropy loss, by epoch", ["k0"]),
        ("classification, cross-entropy loss, by step", ["s0", "s1"]),
    ]
    step_set = group["sets"][1]
    final = next(s for s in step_set["stats"] if s["key"] == "final_val_loss")
    assert final["n"] == 2 and sorted(final["values"]) == ["s0", "s1"]
    assert set(step_set["coverage"]) == {"train_loss", "val_loss"}
    assert "group-val-loss-set2" in _figure_names(site, group)
    assert "cannot all share an axis or a statistic" in page
    assert "Classification, cross-entropy loss, by epoch</h2>" in page


def test_mse_and_cross_entropy_runs_of_a_group_get_no_common_mean_or_spread(runs_dir: Path, site: Path) -> None:
    for name in ("ce0", "ce1", "ce2"):
        make_run(runs_dir, name, group="g", **CE)
    make_run(runs_dir, "mse0", group="g", task="regression", loss="mse")
    build(runs_dir, site)
    group, page = _group(site)
    assert "group-val-loss" not in _figure_names(site, group)  # no mean curve of CE and MSE losses
    assert group["stats"] == []  # and no spread of them
    assert [(s["label"], s["runs"]) for s in group["sets"]] == [
        ("classification, cross-entropy loss, by step", ["ce0", "ce1", "ce2"]),
        ("regression, mse loss, by step", ["mse0"]),
    ]
    ce, mse = group["sets"]
    best = next(s for s in ce["stats"] if s["key"] == "best_val_loss")
    assert best["n"] == 3 and "mse0" not in best["values"]
    # one run alone has no mean curve; three cross-entropy runs do, without the MSE run
    assert "val_loss" in ce["coverage"] and mse["coverage"] == {}
    assert all(seg["n"] <= 3 for seg in ce["coverage"]["val_loss"]["segments"])
    names = _figure_names(site, group)
    assert "group-val-loss-set1" in names and "group-val-loss-set2" not in names
    assert "group-final-set2" not in names  # no mean bar and spread of a single run
    assert "regression, mse loss, by step: 1 run" in page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "not pooled: 2 sets" in index


def test_a_comparable_group_is_one_set_and_keeps_its_pooled_statistics(runs_dir: Path, site: Path) -> None:
    for name in ("a", "b", "c"):
        make_run(runs_dir, name, group="g", **CE)
    build(runs_dir, site)
    group, page = _group(site)
    assert group["sets"] == [
        {"label": "classification, cross-entropy loss, by step", "loss": "cross_entropy", "runs": ["a", "b", "c"],
         "task": "classification", "unit": "step"}
    ]
    assert next(s for s in group["stats"] if s["key"] == "final_val_loss")["n"] == 3
    assert _figure_names(site, group) == ["group-final", "group-train-loss", "group-val-loss"]
    assert "cannot all share" not in page and 'id="stats-h"' in page


def _step_run_with_epochs(runs: Path, name: str, **fields) -> None:
    """A run logged by step (20 steps an epoch) that also writes its epoch: epochs are known."""
    s = np.arange(0, 800)
    write_csv(runs / "logs" / f"{name}.csv", {
        "step": list(s), "epoch": list(s // 20), "train_loss": list(exp_curve(s / 20, r=0.2)),
        "val_loss": [v if i % 20 == 19 else None for i, v in enumerate(exp_curve(s / 20, r=0.2, c=0.3))],
    })
    body = {"name": name, "logs": f"logs/{name}.csv", **fields}
    (runs / f"{name}.yaml").write_text(json.dumps(body), encoding="utf-8")


def test_an_epoch_set_mixing_epoch_and_step_logs_is_aggregated_on_epochs(runs_dir: Path, site: Path) -> None:
    # Keras-style runs (steps are epochs) and step-logged runs with an epoch column share one
    # "by epoch" set: the group curve runs over 40 epochs, not over 800 "steps" where the Keras
    # runs' epochs would sit in the first 5% as if they were steps
    _epoch_run(runs_dir, "k0", group="g", **CE)
    _epoch_run(runs_dir, "k1", group="g", **CE)
    _step_run_with_epochs(runs_dir, "s0", group="g", **CE)
    _step_run_with_epochs(runs_dir, "s1", group="g", **CE)
    build(runs_dir, site)
    group, _ = _group(site)
    assert [(s["label"], s["runs"]) for s in group["sets"]] == [
        ("classification, cross-entropy loss, by epoch", ["k0", "k1", "s0", "s1"]),
    ]
    segments = group["coverage"]["val_loss"]["segments"]
    assert max(seg["last"] for seg in segments) <= 40
    assert [seg["n"] for seg in segments if seg["first"] >= 1 and seg["last"] <= 39] == [4]


def test_group_positions_are_in_the_set_unit(runs_dir: Path, site: Path) -> None:
    # an epoch-logged group says "epoch"; a mixed epoch set pools no positions of two units
    _epoch_run(runs_dir, "k0", group="keras", **CE)
    _epoch_run(runs_dir, "k1", group="keras", **CE)
    _epoch_run(runs_dir, "k2", group="mixed", **CE)
    _step_run_with_epochs(runs_dir, "s0", group="mixed", **CE)
    build(runs_dir, site)
    keras, page = _group(site, "keras")
    labels = {st["key"]: st["label"] for st in keras["stats"]}
    assert labels["best_step"] == "Epoch of best validation loss" and labels["last_step"] == "Last epoch"
    assert "Step of best" not in page
    mixed, _ = _group(site, "mixed")
    assert {st["key"] for st in mixed["stats"]} & {"best_step", "last_step"} == set()
