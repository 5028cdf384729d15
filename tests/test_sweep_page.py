"""The example sweep (runs/sweep, issue 17) built into a site: its page names the best
configuration, its CI, the importance ranking and advice, checked against values computed here
from the logs themselves (csv + yaml, numpy, scipy), not from reportgen's reading of them. Also
the `sweeps:` setting of reportgen.yaml: a declared sweep, and its errors."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose
from scipy import stats
from sitecheck import parse

from reportgen.build import build
from reportgen.manifest.site_config import load_site_config


def only_sweep_tag(folder: Path) -> None:
    """Drop the tag `adam` from the copied manifests: alone, the sweep's runs are all of tag adam,
    and that comparison (first by name) would name the one sweep page over them."""
    for manifest in folder.glob("*/run.yaml"):
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(text.replace("tags: [adam, lr-x-batch]", "tags: [lr-x-batch]"), encoding="utf-8")


SWEEP = Path(__file__).resolve().parents[1] / "runs" / "sweep"
CHANCE = math.log(10)  # the digits runs have 10 classes


def _column(path: Path, name: str) -> np.ndarray:
    with path.open(encoding="utf-8", newline="") as f:
        return np.array([float(row[name]) for row in csv.DictReader(f) if row[name] not in ("", None)])


@pytest.fixture(scope="module")
def independent() -> dict:
    """Per run: (lr, batch size, best val loss, failed) read straight from run.yaml and the CSV."""
    out = {}
    for folder in sorted(SWEEP.iterdir()):
        manifest = yaml.safe_load((folder / "run.yaml").read_text(encoding="utf-8"))
        log = folder / manifest["logs"][0]["path"]
        blew_up = _column(log, "train_loss").max() > 3 * CHANCE
        hp = manifest["hparams"]
        out[manifest["name"]] = (hp["lr"], hp["batch_size"], _column(log, "val_loss").min(), blew_up)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    runs = tmp_path_factory.mktemp("sweep") / "runs"
    shutil.copytree(SWEEP, runs / "sweep")
    only_sweep_tag(runs / "sweep")
    (runs / "reportgen.yaml").write_text(
        "title: sweep\nsweeps:\n  - name: accuracy\n    runs: [\"sweep-*\"]\n    objective: val_acc\n    goal: max\n",
        encoding="utf-8")
    out = runs.parent / "site"
    build(runs, out)
    return out, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _page_text(path: Path) -> str:
    return " ".join(" ".join(parse(path).text).split())


def test_example_sweep_names_best_configuration_ci_importance_and_advice(site, independent) -> None:
    out, summary = site
    sweep = next(s for s in summary["sweeps"] if s["name"] == "lr-x-batch")
    healthy = {k: v for k, v in independent.items() if not v[3]}
    assert sorted(r["run"] for r in sweep["failed"]) == sorted(k for k, v in independent.items() if v[3])
    # configurations: geometric mean and t interval on log values of the seeds' best val loss
    configs: dict[tuple, list[float]] = {}
    for lr, bs, best, _ in healthy.values():
        configs.setdefault((lr, bs), []).append(best)
    geo = {k: math.exp(np.mean(np.log(v))) for k, v in configs.items()}
    best = min(geo, key=geo.get)
    logs = np.log(configs[best])
    half = stats.t.ppf(0.975, len(logs) - 1) * logs.std(ddof=1) / math.sqrt(len(logs))
    low, high = math.exp(logs.mean() - half), math.exp(logs.mean() + half)
    assert sweep["best"]["setting"] == {"lr": best[0], "batch_size": best[1]}
    assert_allclose([sweep["best"]["mean"], sweep["best"]["ci95_low"], sweep["best"]["ci95_high"]],
                    [geo[best], low, high], rtol=1e-5)
    # importance: eta^2 of each hparam over the healthy runs, ranked
    y = np.array([v[2] for v in healthy.values()])
    eta = {}
    for i, name in ((0, "lr"), (1, "batch_size")):
        keys = np.array([v[i] for v in healthy.values()])
        eta[name] = sum((keys == k).sum() * (y[keys == k].mean() - y.mean()) ** 2 for k in np.unique(keys)) / (
            (y - y.mean()) ** 2).sum()
    ranking = sorted(eta, key=lambda n: -eta[n])
    assert [i["hparam"] for i in sweep["importance"]] == ranking
    assert_allclose([i["eta2"] for i in sweep["importance"]], [eta[n] for n in ranking], rtol=1e-5)

    text = _page_text(out / sweep["page"])
    label = f"batch_size = {best[1]}, lr = {best[0]:g}"
    assert f"Best configuration (lowest geometric mean best validation loss): {label}: {geo[best]:.3g} " \
           f"(95% CI {low:.3g} to {high:.3g}, 2 runs)." in text
    # the importance table lists the hparams in ranking order, with eta^2 in percent
    rows = [f"{n} {eta[n] * 100:.0f}%" for n in ranking]
    assert all(r in text for r in rows) and text.index(rows[0]) < text.index(rows[1])
    # advice: every lr = 1 run blew up and no lower one did
    failed_lrs = {v[0] for v in independent.values() if v[3]}
    assert failed_lrs == {1.0} and all(not v[3] for v in independent.values() if v[0] < 1.0)
    assert "Runs start to diverge at lr = 1: 4 of the 4 runs at or above it failed, none of the 20 below it" in text


def test_example_sweep_page_is_linked_from_index_and_comparison(site) -> None:
    # (a group's link to its sweep page is in the golden site: tests/golden, groups/mlp)
    out, summary = site
    sweep = next(s for s in summary["sweeps"] if s["name"] == "lr-x-batch")
    comparison = next(c for c in summary["comparisons"] if c["name"] == "lr-x-batch")
    assert comparison["sweep"] == sweep["page"] == "sweeps/lr-x-batch/index.html"
    assert sweep["comparison"] == comparison["page"]
    for page, href in (("index.html", "sweeps/lr-x-batch/index.html"),
                       (comparison["page"], "../../sweeps/lr-x-batch/index.html")):
        assert ("a", "href", href) in parse(out / page).refs, page
    # the declared sweep over the same runs has its own objective (accuracy), so it is a page of
    # its own; the tag "adam" holds the same runs too, so it gets no second page
    same = [s["name"] for s in summary["sweeps"] if set(s["runs"]) == set(sweep["runs"])]
    assert same == ["accuracy", "lr-x-batch"]


def test_declared_sweep_maximises_validation_accuracy(site, independent) -> None:
    out, summary = site
    sweep = summary["sweeps"][0]  # declared sweeps come first
    assert (sweep["name"], sweep["kind"], sweep["objective"]["goal"]) == ("accuracy", "sweep", "max")
    best_acc = {}
    for folder in sorted(SWEEP.iterdir()):
        name = folder.name
        if not independent[name][3]:
            best_acc.setdefault(independent[name][:2], []).append(_column(folder / "training_log.csv", "val_acc").max())
    geo = {k: math.exp(np.mean(np.log(v))) for k, v in best_acc.items()}
    best = max(geo, key=geo.get)
    assert sweep["best"]["setting"] == {"lr": best[0], "batch_size": best[1]}
    assert "highest geometric mean best validation accuracy" in sweep["advice"][0]
    assert (out / sweep["page"]).is_file()


def test_sweeps_setting_errors_name_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "reportgen.yaml").write_text(
        "sweeps:\n  - name: lr\n    runs: [a]\n    goal: mni\n  - name: b\n    sumary: final\n  - 3\n", encoding="utf-8")
    _, problems = load_site_config(tmp_path)
    where = tmp_path / "reportgen.yaml"
    got = [f"{p.where}: {p.message}" for p in problems]
    # a malformed entry stops there: once it is fixed, what else is missing is reported
    assert got == [
        f"{where}:7:5: expected a mapping with name, runs, tags, objective, summary and goal",
        f"{where}:4:11: expected one of min, max, got 'mni' (did you mean 'min'?)",
        f"{where}:6:5: unknown setting (did you mean 'summary'?); a sweep takes name, runs, tags, objective, summary and goal",
    ]


def test_a_declared_sweep_naming_no_run_is_an_error_at_its_line(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    shutil.copytree(SWEEP / "sweep-lr-1e-2-bs-32-seed-0", runs / "one")
    (runs / "reportgen.yaml").write_text("sweeps:\n  - name: typo\n    runs: [sweep-lr-1e-2-bs-32-seed-9]\n",
                                         encoding="utf-8")
    report = build(runs, tmp_path / "site")
    messages = [f"{p.where}: {p.message}" for p in report.problems]
    assert f"{runs / 'reportgen.yaml'}:2:5: sweep 'typo': no run named 'sweep-lr-1e-2-bs-32-seed-9'" in messages
