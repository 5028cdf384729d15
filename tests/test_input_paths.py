"""Reads stay where they belong: a manifest may name only regular files and folders under the
runs folder or a folder allowed explicitly; devices, FIFOs, /proc, link loops and folders too
big to hash are refused with the key, before anything opens them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import make_run, write_csv

import reportgen.manifest.input_paths as input_paths
from reportgen.build.cache_keys import FileDigests
from reportgen.build.check import check
from reportgen.cli import main

ALLOW = "allow its folder with --allow-outside PATH or allow_outside: in reportgen.yaml"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    runs = tmp_path / "runs"
    make_run(runs, "good")
    secret = tmp_path / "secret"
    secret.mkdir()
    write_csv(secret / "outside.csv", {"step": [0, 1, 2], "train_loss": [1.0, 0.5, 0.25]})
    (secret / "labels.txt").write_text("cat\ndog\n", encoding="utf-8")
    return tmp_path


def manifest(runs: Path, name: str, body: str) -> None:
    (runs / f"{name}.yaml").write_text(f"name: {name}\n{body}", encoding="utf-8")


def problems(runs: Path = Path("runs"), allow: tuple[Path, ...] = ()) -> list[str]:
    return [p.format_message() for p in check(runs, allow_outside=allow).problems]


def test_paths_outside_the_runs_folder_are_refused(work: Path) -> None:
    runs = work / "runs"
    outside = work / "secret" / "outside.csv"
    manifest(runs, "absolute", f"logs: {outside}\n")
    manifest(runs, "dotdot", "logs: ../secret/outside.csv\n")
    os.symlink(outside, runs / "logs" / "link.csv")
    manifest(runs, "link", "logs: logs/link.csv\n")
    manifest(runs, "balance", "logs: logs/good.csv\nclass_balance: {train: ../secret/labels.txt}\n")
    assert problems() == [
        f"runs/absolute.yaml:2:7: logs: {outside} is outside the runs folder; move it into the runs folder, or {ALLOW}",
        f"runs/balance.yaml:3:24: class_balance.train: ../secret/labels.txt ({work / 'secret' / 'labels.txt'}) "
        f"is outside the runs folder; move it into the runs folder, or {ALLOW}",
        f"runs/dotdot.yaml:2:7: logs: ../secret/outside.csv ({outside}) is outside the runs folder; "
        f"move it into the runs folder, or {ALLOW}",
        f"runs/link.yaml:2:7: logs: logs/link.csv ({outside}) is outside the runs folder; "
        f"move it into the runs folder, or {ALLOW}",
    ]
    assert problems(allow=(Path("secret"),)) == []


def test_allow_outside_on_the_command_line_and_in_reportgen_yaml(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = work / "runs"
    manifest(runs, "dotdot", "logs: ../secret/outside.csv\n")
    assert main(["build", "runs", "-o", "site", "-q", "-j", "1"]) == 1
    assert main(["build", "runs", "-o", "site", "-q", "-j", "1", "--allow-outside", "secret"]) == 0
    assert (work / "site" / "runs" / "dotdot" / "index.html").is_file()
    (runs / "reportgen.yaml").write_text("allow_outside: [../secret]\n", encoding="utf-8")
    assert main(["check", "runs", "-q"]) == 0
    (runs / "reportgen.yaml").write_text("allow_outside: [../nowhere, 3]\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["check", "runs", "-q"]) == 1
    assert capsys.readouterr().err.splitlines()[:2] == [
        "error: runs/reportgen.yaml:1:17: allow_outside[0]: folder not found: ../nowhere (paths are relative to the runs folder)",
        "error: runs/reportgen.yaml:1:29: allow_outside[1]: expected a folder path, got a number (3)",
    ]
    assert main(["check", "runs", "--allow-outside", "nowhere"]) == 2
    assert capsys.readouterr().err == "error: --allow-outside: not a folder: nowhere\n"


def test_devices_fifos_proc_and_link_loops_are_refused_before_reading(work: Path) -> None:
    runs = work / "runs"
    os.mkfifo(runs / "logs" / "pipe.csv")
    os.symlink("loop-b", runs / "logs" / "loop-a")
    os.symlink("loop-a", runs / "logs" / "loop-b")
    manifest(runs, "zero", "logs: /dev/zero\n")
    manifest(runs, "pipe", "logs: logs/pipe.csv\n")
    manifest(runs, "proc", "logs: /proc/self/status\n")
    manifest(runs, "loop", "logs: {path: logs/loop-a, format: csv}\n")
    manifest(runs, "loopbalance", "logs: logs/good.csv\nclass_balance: logs/loop-b\n")
    # even when every folder is allowed, the system's own are not logs
    assert problems(allow=(Path("/"),)) == [
        "runs/loop.yaml:2:14: logs.path: logs/loop-a is a symbolic link loop (it leads back to itself); fix or remove the link",
        "runs/loopbalance.yaml:3:16: class_balance: logs/loop-b is a symbolic link loop (it leads back to itself); "
        "fix or remove the link",
        "runs/pipe.yaml:2:7: logs: logs/pipe.csv is a FIFO (named pipe), not a file or a folder; name the log file itself",
        "runs/proc.yaml:2:7: logs: /proc/self/status is in /proc, which holds no logs; name the log file itself",
        "runs/zero.yaml:2:7: logs: /dev/zero is a device, not a file or a folder; name the log file itself",
    ]


def test_log_folders_are_bounded_for_hashing(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = work / "runs"
    big = runs / "logs" / "big"
    big.mkdir()
    for i in range(4):
        write_csv(big / f"part{i}.csv", {"step": [0, 1], "train_loss": [1.0, 0.5]})
    manifest(runs, "big", "logs: logs/big\n")
    monkeypatch.setattr(input_paths, "MAX_FOLDER_FILES", 3)
    assert problems() == [
        "runs/big.yaml:2:7: logs: logs/big holds more than 3 files, too many to read as one log; "
        "name the log file or a smaller folder inside it"
    ]
    monkeypatch.setattr(input_paths, "MAX_FOLDER_FILES", 10)
    monkeypatch.setattr(input_paths, "MAX_FOLDER_BYTES", 40)
    assert problems() == [
        "runs/big.yaml:2:7: logs: logs/big holds more than 40 bytes, too much to read as one log; "
        "name the log file or a smaller folder inside it"
    ]


def test_a_fifo_inside_a_log_folder_is_never_opened_for_the_cache_key(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    # opening a FIFO with no writer would block forever
    assert FileDigests().line(tmp_path / "pipe") == f"{tmp_path / 'pipe'}\0special 4096\n"
