"""The index workbench's data: each run's overlay.js (decimated curves, exact best and final
points, what the comparability rule needs) and the index's column table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from analysis_factories import make_run, series
from conftest import make_run as make_run_files

from reportgen.build import build
from reportgen.manifest.load import load_manifests
from reportgen.readers.run import read_run
from reportgen.site.overlay_data import (
    OVERLAY_COLUMNS,
    SINK,
    overlay_curve,
    overlay_payload,
    overlay_script,
    script_json,
)
from reportgen.site.workbench import plan_workbench


def _payload_of(script: bytes) -> dict:
    text = script.decode("ascii")
    head = f"(window.{SINK} = window.{SINK} || []).push("
    assert text.startswith(head) and text.endswith(");\n")
    return json.loads(text[len(head) : -3])


def test_a_long_curve_is_cut_to_the_budget_and_keeps_exact_values_best_and_final() -> None:
    n = 20_000
    steps = np.arange(n) * 5
    rng = np.random.default_rng(3)
    values = 2.0 * np.exp(-steps / 30_000) + rng.normal(0, 0.05, n)
    values[12_345] = -1.0  # a single-step dip: the best point, wherever it falls
    values[-3:] = np.nan  # the last logged values are not finite: "final" is the last finite one
    run = make_run(train_loss=series("loss", values, steps))
    curve = overlay_curve(run, "train_loss")
    assert curve is not None
    assert curve["points"] == n
    assert curve["kept"] == len(curve["step"]) <= 4 * OVERLAY_COLUMNS + 2
    # every kept point is the logged value at its step
    at = {int(s): i for i, s in enumerate(steps)}
    for s, v in zip(curve["step"], curve["value"]):
        want = values[at[s]]
        assert (v is None and not np.isfinite(want)) or v == want
    assert curve["best"] == {"step": 12_345 * 5, "epoch": None, "value": -1.0}
    assert curve["final"] == {"step": int(steps[n - 4]), "epoch": None, "value": float(values[n - 4])}
    assert curve["best"]["step"] in curve["step"] and curve["final"]["step"] in curve["step"]
    assert curve["epoch"] is None


def test_accuracy_is_best_when_highest_and_epochs_come_along() -> None:
    acc = [0.5, 0.9, 0.7, 0.8]
    run = make_run(val_acc=series("val_accuracy", acc, [10, 20, 30, 40], epoch=[1, 2, 3, 4]))
    curve = overlay_curve(run, "val_acc")
    assert curve is not None
    assert curve["best"] == {"step": 20, "epoch": 2.0, "value": 0.9}
    assert curve["final"] == {"step": 40, "epoch": 4.0, "value": 0.8}
    assert curve["epoch"] == [1.0, 2.0, 3.0, 4.0] and curve["value"] == acc


def test_payload_carries_what_the_comparability_rule_needs() -> None:
    by_epoch = make_run(name="e", loss="mse", x="epoch", val_loss=series("val_loss", [3.0, 2.0, 1.0], [1, 2, 3]))
    payload = overlay_payload(by_epoch)
    assert payload["kind"] == {"task": None, "loss": "mse", "label": "task unstated, mse loss"}
    assert payload["x"] == "epoch" and payload["epochs"] is True
    assert [c["role"] for c in payload["curves"]] == ["val_loss"]
    assert payload["curves"][0]["epoch"] == [1.0, 2.0, 3.0]  # a run counted in epochs: steps are epochs
    by_step = make_run(name="s", train_loss=series("loss", [1.0, 0.5]))
    assert overlay_payload(by_step)["epochs"] is False
    assert overlay_payload(make_run(name="none", train_loss=series("loss", [np.nan, np.nan])))["curves"] == []


def test_overlay_script_is_inert_inside_a_script_element() -> None:
    name = "</script><!--<script>alert(1)</script> & é\u2028"
    script = overlay_script(make_run(name=name, train_loss=series("loss", [1.0, 0.5])))
    text = script.decode("ascii")  # ASCII only: no U+2028 line terminator in a string
    assert "<" not in text and ">" not in text and "&" not in text
    assert _payload_of(script)["name"] == name
    assert json.loads(script_json({"k": "</script>"})) == {"k": "</script>"}


def test_the_build_writes_one_overlay_per_run_equal_to_its_log(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    make_run_files(runs, "alpha", steps=300, hparams={"lr": 0.1, "seed": 1}, notes="Wide <b>net</b>")
    make_run_files(runs, "beta", steps=300, hparams={"lr": 0.01, "seed": 1}, tags=["x"])
    site = tmp_path / "site"
    build(runs, site, jobs=1, cache=False)
    payload = _payload_of((site / "runs" / "alpha" / "overlay.js").read_bytes())
    spec = next(s for s in load_manifests(runs).runs if s.name == "alpha")
    logged = read_run(spec, runs).role("val_loss")
    val = next(c for c in payload["curves"] if c["role"] == "val_loss")
    # the make_run log: validation loss every 10th step; 30 points fit the budget whole
    assert val["step"] == [int(s) for s in logged.steps] == list(range(9, 300, 10))
    assert val["value"] == [float(v) for v in logged.values]
    assert val["best"]["value"] == float(np.min(logged.values)) and val["final"]["step"] == 299
    assert (site / "runs" / "beta" / "overlay.js").is_file()


def _record(name: str, hparams: dict, **metrics: dict) -> dict:
    return {"name": name, "title": name.upper(), "tags": ["T"], "hparams": hparams,
            "notes": "Some [Notes](https://example.invalid/x) ![](https://example.invalid/y.png)",
            "metrics": metrics}


def test_columns_show_differing_hparams_and_offer_every_metric() -> None:
    records = [
        _record("a", {"lr": 0.1, "seed": 1, "opt": "sgd"}, val_loss={"final": 0.5, "min": 0.4, "max": 2.000000123}),
        _record("b", {"lr": 0.01, "seed": 1, "opt": "adam"}, val_loss={"final": 0.7, "min": 0.6, "max": None}),
    ]
    wb = plan_workbench(records)
    # the differing ones under each name (seed is the same in both)
    assert wb["rows"]["a"]["hparams"] == [{"key": "lr", "text": "0.1"}, {"key": "opt", "text": "sgd"}]
    assert [(c["id"], c["sort"]) for c in wb["columns"]] == [
        ("h:lr", "num"), ("h:opt", "text"), ("h:seed", "num"),
        ("m:final:val_loss", "num"), ("m:min:val_loss", "num"), ("m:max:val_loss", "num"),
    ]
    data = json.loads(str(wb["data"]))
    assert data["columns"] == wb["columns"]
    assert data["values"]["h:seed"] == [1, 1]
    assert data["values"]["h:opt"] == ["sgd", "adam"]
    assert data["values"]["m:max:val_loss"] == [2.0, None]  # 7 significant digits
    assert wb["rows"]["a"]["search"] == "a a t some notes  lr=0.1 opt=sgd"  # link text, never its target
    assert wb["rows"]["a"]["color"] != wb["rows"]["b"]["color"]
