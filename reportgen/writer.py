"""The only module that writes the site. The new site is written in full to a temporary sibling
folder and then swapped in, so a build that fails or is killed leaves the previous site as it was.
An existing output folder is replaced only when it is empty or carries reportgen's marker file,
and never when it holds the runs folder."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from reportgen.errors import Location, OutputError

MARKER = ".reportgen-site"
MARKER_TEXT = b"This folder was written by reportgen and is replaced on every build.\n"


def check_output_dir(out: Path, runs_dir: Path | None = None) -> None:
    """Raise OutputError when `out` must not be replaced."""
    out_r = out.resolve()
    if runs_dir is not None:
        runs_r = runs_dir.resolve()
        if out_r == runs_r or out_r in runs_r.parents:
            raise OutputError(
                "the output folder holds the runs folder; choose another output with -o",
                Location(out),
            )
    if out.exists() and not out.is_dir():
        raise OutputError("the output path exists and is not a folder; choose another output with -o", Location(out))
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        raise OutputError(
            "refusing to replace a folder that reportgen did not write (no "
            f"{MARKER} marker inside); empty it or choose another output with -o",
            Location(out),
        )


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Serialise builds into the same output folder (a lock file beside it)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.lock"
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; builds still swap atomically
        yield
        return
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def write_site(files: dict[str, bytes], out: Path, runs_dir: Path | None = None) -> None:
    """Write `files` (site path -> bytes) as the folder `out`, replacing the previous site."""
    check_output_dir(out, runs_dir)
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{out.name}.tmp-{os.getpid()}"
    old = parent / f".{out.name}.old-{os.getpid()}"
    for leftover in (tmp, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    try:
        tmp.mkdir()
        for rel in sorted(files):
            target = tmp / rel
            if not target.resolve().is_relative_to(tmp.resolve()):
                raise OutputError(f"refusing to write outside the site: {rel}", Location(out))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[rel])
        (tmp / MARKER).write_bytes(MARKER_TEXT)
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_file(path: Path, data: bytes) -> None:
    """Write one file (e.g. the --single-file report) atomically: a temporary sibling, then a
    rename, so a reader never sees half a file."""
    if path.is_dir():
        raise OutputError("is a folder; give a file name such as report.html", Location(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_site(out: Path) -> dict[str, bytes]:
    """A written site back as path -> bytes (sorted), without reportgen's marker file."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
