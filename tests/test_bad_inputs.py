"""The bad-input matrix: every kind of broken run gives one clear line naming the file (no
traceback), and the good runs beside it still build."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import make_run, write_csv
from privileges import without_root_powers

from reportgen.cli import main

LONG = "ü" * 300 + "🚀"
TRIED = "tried mlflow, hf_trainer, lightning, keras, tensorboard, csv, jsonl"


def bad_corpus(runs: Path) -> None:
    make_run(runs, "good")
    (runs / "malformed.yaml").write_text("name: [\nlogs: x.csv\n", encoding="utf-8")
    make_run(runs, "unknown-key", nmae="x")
    make_run(runs, "wrong-type", tags={"a": 1}, num_classes="ten")
    (runs / "missing.yaml").write_text("name: missing\nlogs: logs/nope.csv\n", encoding="utf-8")
    (runs / "logs" / "dir.csv").mkdir()  # unreadable as a file (root can read any mode bits)
    (runs / "unreadable.yaml").write_text("name: unreadable\nlogs: {path: logs/dir.csv, format: csv}\n", encoding="utf-8")
    noise = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)
    (runs / "logs" / "garbage.csv").write_bytes(bytes(noise))
    (runs / "garbage.yaml").write_text("name: garbage\nlogs: logs/garbage.csv\n", encoding="utf-8")
    (runs / "logs" / "empty.csv").write_bytes(b"")
    (runs / "empty.yaml").write_text("name: empty\nlogs: logs/empty.csv\n", encoding="utf-8")
    write_csv(runs / "logs" / "allnan.csv", {"step": [0, 1, 2, 3], "train_loss": [float("nan")] * 4})
    (runs / "allnan.yaml").write_text("name: allnan\nlogs: logs/allnan.csv\n", encoding="utf-8")
    write_csv(runs / "logs" / "one.csv", {"step": [0], "train_loss": [0.5]})
    (runs / "one.yaml").write_text("name: one\nlogs: logs/one.csv\n", encoding="utf-8")
    write_csv(
        runs / "logs" / "huge.csv",
        {"step": list(range(50)), "train_loss": [1e308 if i % 2 else -1e308 for i in range(50)], "val_loss": [1e308] * 50},
    )
    (runs / "huge.yaml").write_text("name: huge\nlogs: logs/huge.csv\n", encoding="utf-8")
    make_run(runs, "uni", title="Ünïcødé 🚀 " * 40)
    (runs / "longname.yaml").write_text(f"name: '{LONG}'\nlogs: logs/good.csv\n", encoding="utf-8")
    (runs / "clash1.yaml").write_text("name: a b\nlogs: logs/good.csv\n", encoding="utf-8")
    (runs / "clash2.yaml").write_text("name: a-b\nlogs: logs/good.csv\n", encoding="utf-8")
    os.symlink(runs, runs / "loop")  # a link back to the runs folder
    (runs / "sub").mkdir()
    os.symlink(runs / "sub", runs / "sub" / "self")


EXPECTED_ERRORS = [
    "error: runs/clash2.yaml:1:1: name: run name 'a-b' gives the same page address (a-b) as 'a b' in runs/clash1.yaml:1; rename one of them",
    "error: runs/malformed.yaml:3:1: invalid YAML: expected ',' or ']', but got '<stream end>'",
    "error: runs/missing.yaml:2:7: logs: log file not found: logs/nope.csv (paths are relative to the manifest)",
    "error: runs/unknown-key.yaml:2:1: nmae: unknown key (did you mean 'name'?); see docs/manifest.md",
    "error: runs/wrong-type.yaml:3:3: tags: expected a list of words, got a mapping",
    "error: runs/wrong-type.yaml:4:14: num_classes: expected a whole number of at least 2, got text ('ten')",
    "error: runs/logs/empty.csv: the CSV log is empty: expected a header row and data rows",
    "error: runs/logs/garbage.csv:1: not a supported log format: this line is not UTF-8 text (is this a binary file, or text saved as Latin-1? save the log as UTF-8)",
    "error: runs/logs/dir.csv: cannot read log file: Is a directory",
]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bad_runs_get_one_clear_line_each_and_good_runs_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    bad_corpus(tmp_path / "runs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CI", "1")
    assert main(["build", "runs", "-o", "site", "-j", jobs]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Warning" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == EXPECTED_ERRORS
    built = sorted(p.name for p in (tmp_path / "site" / "runs").iterdir())
    assert built == sorted(["a-b", "allnan", "good", "huge", "one", "uni", "u" * 80])
    last = err.splitlines()[-1]
    # (the ±1e308 run no longer gets a plateau: its "drop" overflows, so no stall is measured)
    assert last.startswith("built 7 run(s) into site (") and last.endswith("files); flags: divergence 1")
    for page in ("huge", "one", "allnan"):
        assert (tmp_path / "site" / "runs" / page / "index.html").is_file()


def test_datasets_whose_names_give_one_page_address_are_an_error(
    runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_run(runs_dir, "a")
    for file, name in (("d1.yaml", "Digits"), ("d2.yaml", "digits")):
        (runs_dir / file).write_text(f"kind: dataset\nname: {name}\nclass_balance:\n  train: {{a: 1, b: 2}}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "runs", "-o", "site", "-q", "-j", "1"]) == 1
    assert capsys.readouterr().err == (
        "error: runs/d2.yaml:2:1: name: dataset name 'digits' gives the same page address (digits) as 'Digits' "
        "in runs/d1.yaml; rename one of them\n"
    )


@pytest.mark.parametrize("command", ["check", "build"])
def test_an_unreadable_folder_is_reported_not_skipped(runs_dir: Path, tmp_path: Path, command: str) -> None:
    import subprocess
    import sys

    make_run(runs_dir, "a")
    locked = runs_dir / "locked"
    locked.mkdir()
    (locked / "b.yaml").write_text("name: b\nlogs: ../logs/a.csv\n", encoding="utf-8")
    locked.chmod(0)
    try:
        args = [command, "runs"] + (["-o", "site", "-j", "1"] if command == "build" else [])
        done = subprocess.run(
            [*without_root_powers(), sys.executable, "-m", "reportgen", *args],
            capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False,
        )
    finally:
        locked.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        "warning: runs/locked: folder not read (Permission denied), so no manifest in it is built; "
        "make it readable or move it out of the runs folder"
    )
