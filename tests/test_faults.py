"""Faults a real build meets: killed by a signal at any moment, two builds into one folder at
once, a previous build that died mid-swap. Real subprocesses, real signals."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_run

from reportgen.build.writer import MARKER, recover, write_site

ROOT = Path(__file__).resolve().parents[1]


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def start_build(runs: Path, out: Path, *extra: str, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("SOURCE_DATE_EPOCH", None)
    cmd = [sys.executable, "-m", "reportgen", "build", str(runs), "-o", str(out), *extra]
    return subprocess.Popen(cmd, cwd=runs.parent, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def run_build(runs: Path, out: Path, *extra: str) -> None:
    proc = start_build(runs, out, *extra)
    assert proc.wait(timeout=300) == 0


def wait_for(predicate, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


@pytest.fixture
def sweep(runs_dir: Path) -> Path:
    for i in range(8):
        make_run(runs_dir, f"r{i}", steps=300, notes="version one")
    return runs_dir


def _edit_notes(runs: Path, text: str) -> None:
    for manifest in sorted(runs.glob("*.yaml")):
        manifest.write_text(manifest.read_text(encoding="utf-8").replace("version one", text), encoding="utf-8")


@pytest.mark.parametrize("moment", ["while writing", "after 0.2 s", "after 1 s"])
def test_killed_build_leaves_the_previous_site_whole(sweep: Path, tmp_path: Path, moment: str) -> None:
    out = tmp_path / "site"
    run_build(sweep, out)
    before = site_bytes(out)
    _edit_notes(sweep, "version two")
    proc = start_build(sweep, out, "--no-cache", "-j", "1")
    if moment == "while writing":
        tmp = out.parent / f".{out.name}.tmp-{proc.pid}"
        assert wait_for(lambda: tmp.is_dir() or proc.poll() is not None)
    else:
        time.sleep(float(moment.split()[1]))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    after = site_bytes(out)
    if after != before:  # the kill came after the swap: then it is the whole new site
        assert proc.returncode == 0 or MARKER in after
        fresh = tmp_path / "fresh"
        run_build(sweep, fresh, "--no-cache")
        assert after == site_bytes(fresh)
    # the next build cleans up whatever the killed one left beside the site
    run_build(sweep, out)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")) == []  # not even the lock
    assert "version two" in (out / "runs" / "r0" / "index.html").read_text(encoding="utf-8")


def test_a_second_build_waits_for_the_first(sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_build(sweep, out)
    log = tmp_path / "stderr.txt"
    lock = open(tmp_path / ".site.lock", "a+b")  # noqa: SIM115 - held across the wait below
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        with open(log, "wb") as err:
            proc = start_build(sweep, out, "-v", stderr=err)
            assert wait_for(lambda: b"waiting for another build" in log.read_bytes(), timeout=60)
            time.sleep(0.5)
            assert proc.poll() is None  # still waiting: it has not touched the site
    finally:
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        lock.close()
    assert proc.wait(timeout=300) == 0


def test_concurrent_builds_into_one_folder_do_not_interleave(sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    procs = [start_build(sweep, out, "--no-cache", "-j", "1") for _ in range(3)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    run_build(sweep, tmp_path / "alone", "--no-cache")
    assert site_bytes(out) == site_bytes(tmp_path / "alone")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")) == []  # not even the lock


def test_recover_puts_back_a_site_cut_off_mid_swap(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site({"index.html": b"previous"}, out)
    os.replace(out, tmp_path / ".site.old-4242")  # killed between the two renames
    (tmp_path / ".site.tmp-4242").mkdir()
    (tmp_path / ".site.tmp-4242" / "index.html").write_bytes(b"half")
    recover(out)
    assert (out / "index.html").read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_recover_leaves_folders_it_did_not_name_alone(tmp_path: Path) -> None:
    (tmp_path / ".site.old-notapid").mkdir()
    (tmp_path / ".site.tmp-12x").mkdir()
    (tmp_path / "site.old-1").mkdir()
    recover(tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.old-notapid", ".site.tmp-12x", "site.old-1"]


def test_output_holding_the_runs_is_never_cleaned(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    runs = project / "runs"
    make_run(runs, "a")
    (project / MARKER).write_bytes(b"")  # even with a marker inside
    proc = start_build(runs, project, stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert err.decode().strip() == "error: .: the output folder holds the runs folder; choose another output with -o"
    assert (runs / "a.yaml").is_file()


def test_write_site_rejects_paths_leaving_the_site(tmp_path: Path) -> None:
    from reportgen.errors import OutputError

    for bad in ("../evil.html", "/etc/x", "a/../../b", "a\\b", MARKER):
        with pytest.raises(OutputError):
            write_site({bad: b"x"}, tmp_path / "site")
    assert not (tmp_path / "evil.html").exists() and not (tmp_path / "site").exists()
