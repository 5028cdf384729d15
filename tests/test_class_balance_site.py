"""Class balance from manifests to pages: label files, inline counts, shared datasets, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_run
from sitecheck import broken_refs

from reportgen.build import build
from reportgen.manifest.load import load_manifests


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def labels(path: Path, counts: dict[str, int]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = ["image,label"] + [f"img{i}_{c}.png,{c}" for c, n in counts.items() for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path.name


def test_run_with_label_files_gets_table_figure_and_flags(runs_dir: Path, tmp_path: Path) -> None:
    labels(runs_dir / "train.csv", {"cat": 200, "dog": 10, "fox": 5})
    labels(runs_dir / "val.csv", {"cat": 20, "dog": 20})
    make_run(runs_dir, "a", class_balance={"train": "train.csv", "val": "val.csv"},
             class_names={"cat": "Cat", "dog": "Dog", "fox": "Fox"})
    report = build(runs_dir, tmp_path / "site")
    assert report.problems == ()
    summary = json.loads((tmp_path / "site" / "summary.json").read_text(encoding="utf-8"))
    (run,) = summary["runs"]
    cb = run["class_balance"]
    assert cb["splits"] == ["train", "val"]
    assert [r["name"] for r in cb["rows"]] == ["Cat", "Dog", "Fox"]
    assert [r["counts"] for r in cb["rows"]] == [[200, 20], [10, 20], [5, 0]]
    assert cb["imbalance_ratio"][0] == 40.0
    assert cb["missing"] == {"val": ["Fox"]}
    kinds = {f["kind"] for f in run["flags"]}
    assert {"class_imbalance", "class_missing", "distribution_shift"} <= kinds
    assert (tmp_path / "site" / "runs" / "a" / "class-balance.svg").is_file()
    page = (tmp_path / "site" / "runs" / "a" / "index.html").read_text(encoding="utf-8")
    assert "Imbalance ratio (max/min)" in page and "class-balance.svg" in page


def test_shared_dataset_gets_its_own_page_and_runs_link_to_it(runs_dir: Path, tmp_path: Path) -> None:
    labels(runs_dir / "data" / "train.csv", {"0": 50, "1": 50})
    (runs_dir / "data" / "ds.yaml").write_text(
        "kind: dataset\nname: toy\ntitle: Toy data\nclass_balance:\n  train: train.csv\n  test: {0: 10, 1: 30}\n",
        encoding="utf-8",
    )
    make_run(runs_dir, "a", class_balance="toy")
    make_run(runs_dir, "b", class_balance="toy")
    report = build(runs_dir, tmp_path / "site")
    assert report.problems == ()
    site = tmp_path / "site"
    assert (site / "datasets" / "toy" / "index.html").is_file()
    assert broken_refs(site) == []
    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    (ds,) = summary["datasets"]
    assert ds["runs"] == ["a", "b"] and ds["page"] == "datasets/toy/index.html"
    assert summary["runs"][0]["dataset"] == {"name": "toy", "page": "datasets/toy/index.html"}
    assert "datasets/toy/index.html" in (site / "index.html").read_text(encoding="utf-8")


def test_unknown_dataset_and_missing_label_file_are_reported(runs_dir: Path) -> None:
    make_run(runs_dir, "a", class_balance="nosuch")
    make_run(runs_dir, "b", class_balance={"train": "missing.csv"})
    assert [p.format_message() for p in load_manifests(runs_dir).problems] == [
        "runs/b.yaml:3:10: class_balance.train: label file not found: missing.csv (paths are relative to the manifest)",
        ("runs/a.yaml:2:16: class_balance: no dataset named 'nosuch' (datasets: none are defined); give a file "
        "path or define it in a YAML file with kind: dataset"),
    ]


def test_bad_label_file_is_a_problem_but_the_run_still_builds(runs_dir: Path, tmp_path: Path) -> None:
    (runs_dir / "labels.csv").write_text("image,other\nx,1\n", encoding="utf-8")
    make_run(runs_dir, "a", class_balance={"train": "labels.csv"})
    report = build(runs_dir, tmp_path / "site")
    assert report.runs == ("a",)
    (problem,) = report.problems
    assert problem.format_message().startswith("runs/labels.csv")
