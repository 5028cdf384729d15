"""The output folder and the cache beside it meet the system's limits: a full disk, a cache that
cannot be written, an output that is the working directory, a symbolic link. Each ends in a
site or in a message saying what to do, never in a traceback; the cache never holds a failed
build's writes."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_run
from privileges import without_root_powers

from reportgen.build import build
from reportgen.build.cache import CACHE_DIR, RunCache
from reportgen.build.writer import MARKER

ROOT = Path(__file__).resolve().parents[1]


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def reportgen(*args: str, cwd: Path, limit: int | None = None, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def small_files() -> None:
        # no file can grow past `limit` bytes: writes fail with EFBIG (Python ignores SIGXFSZ),
        # the unprivileged stand-in for a full disk (ENOSPC), handled alike
        assert limit is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [*prefix, sys.executable, "-m", "reportgen", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=600, preexec_fn=small_files if limit is not None else None,
    )


@pytest.fixture
def two(runs_dir: Path) -> Path:
    make_run(runs_dir, "a", group="g")
    make_run(runs_dir, "b", group="g")
    return runs_dir


def test_a_full_disk_is_a_message_and_leaves_the_site_and_the_cache_as_they_were(two: Path, tmp_path: Path) -> None:
    first = reportgen("build", "runs", "-o", "site", "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before, cache_before = site_bytes(tmp_path / "site"), listing(tmp_path / CACHE_DIR)
    make_run(two, "c", group="g", steps=400)  # new figures to write
    full = reportgen("build", "runs", "-o", "site", "-q", "-j", "1", cwd=tmp_path, limit=30_000)
    assert full.returncode == 1
    assert full.stderr == (
        "error: site: no space left to write the site (File too large); free some space on that disk or choose "
        "another output with -o, then build again (the previous site is unchanged, and .reportgen-cache holds "
        "only results that can be made again: it may be deleted)\n"
    )
    assert site_bytes(tmp_path / "site") == before
    # no entry of the failed build, no temporary file, no half site beside the output
    assert listing(tmp_path / CACHE_DIR) == cache_before
    assert sorted(p.name for p in tmp_path.iterdir()) == [CACHE_DIR, "runs", "site"]
    again = reportgen("build", "runs", "-o", "site", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "site" / "runs" / "c" / "index.html").is_file()


def test_a_full_disk_under_the_single_file_report_is_a_message(two: Path, tmp_path: Path) -> None:
    full = reportgen("build", "runs", "-o", "site", "-q", "--single-file", "report.html", cwd=tmp_path, limit=200_000)
    assert full.returncode == 1
    assert full.stderr == (
        "error: report.html: no space left to write the single-file report (File too large); free some space "
        "on that disk or choose another file with --single-file, then build again\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [CACHE_DIR, "runs", "site"]  # no half report


def test_a_failed_build_takes_back_the_entries_it_wrote(tmp_path: Path) -> None:
    cache = RunCache(tmp_path)
    cache.store("aa" * 32, {"record": {"name": "kept"}})
    earlier = listing(tmp_path)
    later = RunCache(tmp_path)
    later.store("bb" * 32, {"record": {"name": "new"}, "images": {"x.png": b"\x89PNG" * 1000}})
    later.mark("cc" * 32)  # a worker's entry
    (tmp_path / "cc").mkdir()
    (tmp_path / "cc" / f"{'cc' * 32}.bin").write_bytes(b"stored by a worker")
    later.discard_new()
    assert listing(tmp_path) == earlier


@pytest.mark.parametrize("blocker", ["file", "file inside"])
def test_a_cache_that_cannot_be_written_is_a_warning_and_the_build_goes_on(
    two: Path, tmp_path: Path, blocker: str
) -> None:
    if blocker == "file":
        (tmp_path / CACHE_DIR).write_text("not a folder\n", encoding="utf-8")
    else:
        (tmp_path / CACHE_DIR).mkdir()
        (tmp_path / CACHE_DIR / "site").write_text("not a folder\n", encoding="utf-8")
    root = f"{CACHE_DIR}/site"
    for _ in range(2):
        done = reportgen("build", "runs", "-o", "site", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        reason = "Not a directory" if blocker == "file" else "File exists"
        assert done.stderr.splitlines()[0] == (
            f"warning: {root}: cannot write the build cache ({reason}); building without it. "
            "Make the folder writable or remove what is in its way to speed up rebuilds"
        )
        assert sum("cache" in line for line in done.stderr.splitlines()) == 1  # said once
    build(two, tmp_path / "cold", cache=False)
    assert site_bytes(tmp_path / "site") == site_bytes(tmp_path / "cold")


def test_a_read_only_cache_is_a_warning(two: Path, tmp_path: Path) -> None:
    (tmp_path / CACHE_DIR).mkdir()
    (tmp_path / CACHE_DIR).chmod(0o555)
    try:
        done = reportgen("build", "runs", "-o", "site", cwd=tmp_path, prefix=tuple(without_root_powers()))
    finally:
        (tmp_path / CACHE_DIR).chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert "cannot write the build cache (Permission denied); building without it" in done.stderr


def test_building_into_the_working_directory_replaces_its_contents(two: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert reportgen("build", "runs", "-o", "site", "-q", cwd=tmp_path).returncode == 0
    (two / "a.yaml").write_text((two / "a.yaml").read_text(encoding="utf-8") + "notes: edited\n", encoding="utf-8")
    inode = site.stat().st_ino
    done = reportgen("build", "../runs", "-o", ".", "-q", "--fail-on", "divergence", cwd=site)
    assert (done.returncode, done.stderr) == (0, "")
    assert site.stat().st_ino == inode  # the same folder: a shell inside it still sees the site
    assert "edited" in (site / "runs" / "a" / "index.html").read_text(encoding="utf-8")
    # no lock, cache or temporary folder inside the site; they stay beside it
    assert not [p.name for p in site.iterdir() if p.name.startswith(".") and p.name not in (MARKER, ".nojekyll")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [CACHE_DIR, "runs", "site"]
    build(two, tmp_path / "cold", cache=False)
    assert site_bytes(site) == site_bytes(tmp_path / "cold")
    again = reportgen("build", "../runs", "-o", ".", "-q", cwd=site)  # and from its own cache
    assert (again.returncode, again.stderr) == (0, "")
    assert site_bytes(site) == site_bytes(tmp_path / "cold")


@pytest.mark.parametrize("target_exists", [True, False])
def test_an_output_that_is_a_symlink_is_followed(two: Path, tmp_path: Path, target_exists: bool) -> None:
    target = tmp_path / "published" / "report"
    if target_exists:
        build(two, target, cache=False)
        make_run(two, "c", group="g")
    link = tmp_path / "site"
    link.symlink_to(target)
    done = reportgen("build", "runs", "-o", "site", "-q", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert link.is_symlink() and os.readlink(link) == str(target)  # the link is kept...
    assert (target / "runs" / "c" / "index.html").is_file() == target_exists  # ...and its target is the new site
    build(two, tmp_path / "cold", cache=False)
    assert site_bytes(target) == site_bytes(tmp_path / "cold")
    # lock and cache go beside the folder written, not beside the link
    assert sorted(p.name for p in target.parent.iterdir()) == [CACHE_DIR, "report"]
