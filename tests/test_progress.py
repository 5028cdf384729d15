"""The progress bar: on a terminal after a moment, never in CI, pipes or with -q."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import make_run

from reportgen.build.progress import DELAY, Progress, wants_bar

ROOT = Path(__file__).resolve().parents[1]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bar_waits_a_moment_then_counts_and_clears() -> None:
    out, clock = Tty(), Clock()
    bar = Progress(out, clock=clock, width=10)
    bar.stage("runs", 4)
    bar.advance()
    assert out.getvalue() == ""  # a quick build prints nothing
    clock.now = DELAY + 0.01
    bar.advance()
    assert out.getvalue().endswith("\rruns             [#####.....] 2/4")
    bar.advance(2)
    assert out.getvalue().endswith("[##########] 4/4")
    bar.close()
    assert out.getvalue().endswith("\r\x1b[2K")


def test_bar_only_on_an_interactive_terminal() -> None:
    assert wants_bar(Tty(), quiet=False, environ={})
    assert not wants_bar(Tty(), quiet=True, environ={})
    assert not wants_bar(Tty(), quiet=False, environ={"CI": "true"})
    assert not wants_bar(Tty(), quiet=False, environ={"TERM": "dumb"})
    assert not wants_bar(io.StringIO(), quiet=False, environ={})


def test_cli_in_a_pipe_prints_no_bar(runs_dir: Path, tmp_path: Path) -> None:
    for i in range(5):
        make_run(runs_dir, f"r{i}")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CI", None)
    done = subprocess.run(
        [sys.executable, "-m", "reportgen", "build", str(runs_dir), "-o", str(tmp_path / "site")],
        capture_output=True, env=env, cwd=tmp_path, check=False, timeout=300,
    )
    assert done.returncode == 0
    assert b"\r" not in done.stderr and b"[" not in done.stderr
    assert re.fullmatch(rf"built 5 run\(s\) into {re.escape(str(tmp_path / 'site'))} \(\d+ files\); flags: none\n", done.stderr.decode())
