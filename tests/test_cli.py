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


def test_output_below_a_file_is_refused(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "a")
    Path("notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["build", "runs", "-o", "notes.txt/sub"]) == 1
    assert capsys.readouterr().err == "error: notes.txt/sub: notes.txt is a file, not a folder; choose another output with -o\n"
    assert Path("notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_single_file_overwrites_only_an_earlier_report(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "a")
    manifest = Path("runs/a.yaml").read_bytes()
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "runs/a.yaml"]) == 1
    assert capsys.readouterr().err == (
        "error: runs/a.yaml: exists and is not a single-file report reportgen wrote; refusing to overwrite it. "
        "Give a new file name or remove the file first\n"
    )
    assert Path("runs/a.yaml").read_bytes() == manifest
    assert not Path("site").exists()  # refused before building
    # nor a page of the site, though reportgen wrote it
    assert main(["build", "runs", "-o", "site", "-q"]) == 0
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "site/index.html"]) == 1
    assert capsys.readouterr().err.startswith("error: site/index.html: exists and is not a single-file report")
    # a new path, then the same path again: an earlier report is replaced
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "report.html"]) == 0
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "report.html"]) == 0
    assert b'<meta name="reportgen-report" content="single-file">' in Path("report.html").read_bytes()[:4096]


def test_single_file_that_cannot_be_written(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "a")
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "/proc/report.html"]) == 1
    assert capsys.readouterr().err == (
        "error: /proc/report.html: cannot write the single-file report: No such file or directory; choose another path\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "runs", "-p", "99999"], "error: -p/--port: expected a port from 0 to 65535, got 99999\n"),
        (["serve", "runs", "-p", "-1"], "error: -p/--port: expected a port from 0 to 65535, got -1\n"),
        (["serve", "runs", "--interval", "nan"], "error: --interval: expected seconds above 0 and at most 3600, got nan\n"),
        (["build", "runs", "-j", "0"], "error: -j/--jobs: expected a whole number of at least 1\n"),
    ],
)
def test_bad_numbers_on_the_command_line_are_usage_errors(
    runs_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(args) == 2
    assert capsys.readouterr().err == message


def test_serve_on_a_port_in_use(runs_dir: Path, tmp_path: Path) -> None:
    import socket

    make_run(runs_dir, "a")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "reportgen", "serve", "runs", "-p", str(port)],
            capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
        )
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"error: port {port} is in use (another server?); choose another with -p, or -p 0 for any free port"
    )
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["check", "build"])
def test_internal_errors_name_the_run_and_ask_for_a_report(
    runs_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    import reportgen.readers.run

    make_run(runs_dir, "a")
    make_run(runs_dir, "b")

    def crash(path: Path, fmt: str):
        if path.name == "b.csv":
            raise OverflowError("Python int too large to convert to C long")
        return real(path, fmt)

    real = reportgen.readers.run.read_log
    monkeypatch.setattr(reportgen.readers.run, "read_log", crash)
    args = [command, "runs", "-q"] + (["-o", "site", "-j", "1"] if command == "build" else [])
    assert main(args) == 1
    doing = "checking" if command == "check" else "building"
    assert capsys.readouterr().err == (
        f"error: runs/b.yaml: internal error while {doing} this run (OverflowError: Python int too large to "
        "convert to C long); please report it\n"
    )


def test_an_unexpected_error_is_one_line_and_a_traceback_only_with_v(
    runs_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import reportgen.build.check

    def broken(*args, **kwargs):
        raise KeyError("positions")

    monkeypatch.setattr(reportgen.build.check, "load_manifests", broken)
    assert main(["check", "runs"]) == 1
    assert capsys.readouterr().err == (
        "error: internal error during check (KeyError: 'positions'); please report it with the command you ran "
        "(-v shows the traceback)\n"
    )
    assert main(["check", "runs", "-v"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err
