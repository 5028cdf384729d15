"""The only module that writes the site. The new site is written in full to a temporary sibling
folder and then swapped in, so a build that fails or is killed leaves the previous site as it was.
An existing output folder is replaced only when it is empty or carries reportgen's marker file,
and never when it holds the runs folder.

The swap is one atomic exchange of the two folders where the system has one (Linux
renameat2 RENAME_EXCHANGE): there is no moment at which the output folder is missing. Elsewhere
it is two renames; a build killed between them leaves the previous site in `.<name>.old-<pid>`,
which the next build puts back before doing anything else.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

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


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextlib.contextmanager
def output_lock(out: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Serialise builds into the same output folder (an advisory lock on a file beside it,
    released by the system even when the holder is killed). `on_wait` is called once when
    another build holds the lock and this one has to wait."""
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; builds still swap atomically
        yield
        return
    with open(_lock_path(out), "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            recover(out)
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _siblings(out: Path, kind: str) -> list[Path]:
    prefix = f".{out.name}.{kind}-"
    if not out.parent.is_dir():
        return []
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(prefix) and p.name[len(prefix):].isdigit())


def recover(out: Path) -> None:
    """Undo what a killed build left beside `out`: put a previous site back if the swap was cut
    short, and remove temporary folders. Only folders named by this module are touched; call it
    holding the output lock, so no other build is using them."""
    olds = [p for p in _siblings(out, "old") if (p / MARKER).is_file()]
    if olds and not out.exists():
        os.replace(olds[-1], out)
    for leftover in _siblings(out, "tmp") + _siblings(out, "old"):
        shutil.rmtree(leftover, ignore_errors=True)


def _safe_relative(rel: str) -> bool:
    """A site path stays inside the site: relative, no '..', no backslash or NUL tricks."""
    if not rel or "\\" in rel or "\0" in rel or rel.startswith("/"):
        return False
    parts = PurePosixPath(rel).parts
    return all(part not in ("..", ".", "") for part in parts) and parts[0] != MARKER


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux renameat2 RENAME_EXCHANGE); False when the
    system cannot, so the caller falls back to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def write_site(
    files: dict[str, bytes],
    out: Path,
    runs_dir: Path | None = None,
    on_file: Callable[[], None] | None = None,
) -> None:
    """Write `files` (site path -> bytes) as the folder `out`, replacing the previous site.
    `on_file` is called after each file is written (for progress)."""
    check_output_dir(out, runs_dir)
    for rel in files:
        if not _safe_relative(rel):
            raise OutputError(f"refusing to write outside the site: {rel}", Location(out))
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{out.name}.tmp-{os.getpid()}"
    old = parent / f".{out.name}.old-{os.getpid()}"
    for leftover in (tmp, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    made: set[Path] = set()
    try:
        tmp.mkdir()
        for rel in sorted(files):
            target = tmp / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(files[rel])
            if on_file is not None:
                on_file()
        # the marker goes in last: a folder without it was never a finished site
        (tmp / MARKER).write_bytes(MARKER_TEXT)
        if out.exists() and _exchange(tmp, out):
            shutil.rmtree(tmp)  # now the previous site
            return
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
