"""A build killed with SIGKILL leaves nothing that holds the next one: its workers die with it,
and its lock is one the kernel frees. Real builds in subprocesses, real signals; the timeouts
are hang guards, not speed assertions."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_run

ROOT = Path(__file__).resolve().parents[1]


def start_build(runs: Path, out: Path, *extra: str, stderr: object = subprocess.DEVNULL) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "reportgen", "build", str(runs), "-o", str(out), *extra]
    return subprocess.Popen(cmd, cwd=runs.parent, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture(scope="module")
def slow_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("killed") / "runs"
    # about 6 s of work at -j 2 on an idle 2-core machine, so that every kill lands mid-build
    # (64 runs took 3.5 s once builds got faster, and the 2 s kill sometimes came too late)
    for i in range(160):
        make_run(runs, f"r{i:03d}", steps=4000, group=f"g{i % 4}", overfit=i % 3 == 0)
    return runs


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG are Linux's")
@pytest.mark.parametrize("after", [0.0, 0.5, 1.0, 2.0])
def test_after_a_kill_9_no_worker_lives_on_and_the_next_build_finishes(slow_runs: Path, tmp_path: Path, after: float) -> None:
    out = tmp_path / "site"
    proc = start_build(slow_runs, out, "-j", "2", "--no-cache")
    workers: set[int] = set()
    # the moments count from the first worker's start, so that there are workers to orphan
    assert wait_until(lambda: workers.update(children_of(proc.pid)) or bool(workers) or proc.poll() is not None, 300)
    deadline = time.monotonic() + after
    while time.monotonic() < deadline and proc.poll() is None:
        workers.update(children_of(proc.pid))
        time.sleep(0.02)
    workers.update(children_of(proc.pid))
    assert proc.poll() is None, "the build ended before the kill: the test needs a larger site"
    proc.kill()
    proc.wait(timeout=30)
    try:
        # the kernel kills every worker with its parent (hang guard: 30 s)
        assert wait_until(lambda: not any(alive(w) for w in workers), timeout=30), sorted(w for w in workers if alive(w))
        log = tmp_path / "next.txt"
        with open(log, "wb") as err:
            nxt = start_build(slow_runs, out, "-j", "2", stderr=err)
            try:
                code = nxt.wait(timeout=600)  # hang guard only
            finally:
                if nxt.poll() is None:
                    nxt.kill()
        text = log.read_text(encoding="utf-8")
        assert code == 0, text
        assert "waiting for another build" not in text
        assert (out / "index.html").is_file()
        assert sorted(p.name for p in tmp_path.iterdir()) == [".reportgen-cache", "next.txt", "site"]
    finally:
        for w in workers:  # when it fails, nothing of the killed build outlives the test
            if alive(w):
                os.kill(w, 9)


def test_a_waiting_build_says_whom_it_waits_for(tmp_path: Path, runs_dir: Path) -> None:
    make_run(runs_dir, "a")
    out = tmp_path / "site"
    with open(tmp_path / ".site.lock", "w+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        lock.write(b"4242\n")
        lock.flush()
        log = tmp_path / "stderr.txt"
        with open(log, "wb") as err:
            proc = start_build(runs_dir, out, "-q", stderr=err)
            try:
                assert wait_until(lambda: b"waiting" in log.read_bytes() or proc.poll() is not None, timeout=120)
                assert proc.poll() is None  # still waiting: it said so without -v
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        assert proc.wait(timeout=300) == 0
    assert log.read_text(encoding="utf-8") == f"reportgen: waiting for another build (pid 4242) into {out} to finish\n"
    assert not (tmp_path / ".site.lock").exists()  # the holder (this test) did not remove it: the build did


def test_a_build_that_fails_at_once_leaves_no_lock_and_no_cache(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "reportgen", "build", str(tmp_path / "nonexistent")],
        cwd=work, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert sorted(p.name for p in work.iterdir()) == []
