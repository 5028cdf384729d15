"""The command line: exit codes and what is printed, for success, bad input and bad usage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_run

from reportgen import __version__
from reportgen.cli import main


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_build_success(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "a")
    assert main(["build", "runs", "-o", "out"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("built 1 run(s) into out (")
    assert Path("out/index.html").is_file()


def test_quiet_prints_nothing_on_success(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "a")
    assert main(["build", "runs", "-o", "out", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_input_error_exits_1_and_still_builds_good_runs(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "a")
    (runs_dir / "b.yaml").write_text("name: b\nlogs: missing.csv\n", encoding="utf-8")
    assert main(["build", "runs", "-o", "out", "-q"]) == 1
    assert capsys.readouterr().err == (
        "error: runs/b.yaml:2:7: logs: log file not found: missing.csv (paths are relative to the manifest)\n"
    )
    assert Path("out/runs/a/index.html").is_file()


def test_strict_fails_on_warnings(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "a")
    Path("runs/logs/t.csv").write_text("step,loss\n0,1.0\n1,0.5\n2,0.4\n", encoding="utf-8")
    Path("runs/t.yaml").write_text("name: t\nlogs: logs/t.csv\n", encoding="utf-8")
    assert main(["build", "runs", "-o", "out", "-q"]) == 0
    assert main(["build", "runs", "-o", "out", "-q", "--strict"]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "warning: run 't': no validation loss logged, so overfitting cannot be judged",
        "error: --strict: 1 warning(s)",
    ]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build"]) == 2
    assert "the following arguments are required: DIR" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_missing_runs_dir_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "nope"]) == 1
    assert capsys.readouterr().err == "error: nope: not a folder: give the folder that holds your run manifests\n"


def test_unsafe_output_is_refused(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "a")
    Path("mine").mkdir()
    Path("mine/keep.txt").write_text("x", encoding="utf-8")
    assert main(["build", "runs", "-o", "mine"]) == 1
    assert capsys.readouterr().err == (
        "error: mine: refusing to replace a folder that reportgen did not write (no .reportgen-site "
        "marker inside); empty it or choose another output with -o\n"
    )
    assert Path("mine/keep.txt").read_text(encoding="utf-8") == "x"


def test_version_as_module() -> None:
    done = subprocess.run([sys.executable, "-m", "reportgen", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.strip() == f"reportgen {__version__}"
