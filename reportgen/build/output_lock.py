"""One build at a time into an output folder: `output_lock`, a flock on a file beside the folder.
Taking it also undoes what a killed build left there (site_swap.recover)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from reportgen.build.site_swap import recover


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextlib.contextmanager
def output_lock(out: Path, on_wait: Callable[[int | None], None] | None = None) -> Iterator[int | None]:
    """Serialise builds into the same output folder: flock on a file beside it, which the kernel
    releases when the holding process dies, however it dies. Yields the lock's file descriptor,
    which worker processes must close (parallel.WorkerPool does) so that no orphaned worker can
    hold it. `on_wait(pid)` is called once, with the holder's pid when known, when another build
    holds the lock and this one has to wait. The lock file is removed when the lock is released,
    so none is left behind, not even by a build that failed at once."""
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; builds still swap atomically
        yield None
        return
    path = _lock_path(out)
    waited = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait is not None and not waited:
                    on_wait(_holder(fd))
                waited = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            # the holder removes the file as it lets go: a lock on a removed file locks nothing
            if _same_inode(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        recover(out)
        yield fd
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)  # closing releases the lock


def _holder(fd: int) -> int | None:
    """The pid the lock's holder wrote into it, when it did."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _same_inode(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (held.st_dev, held.st_ino)
