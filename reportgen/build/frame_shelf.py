"""The frames a build's workers share (figures/draw.py FrameShelf): each worker draws its own
figures, and a frame (axes, ticks, labels, legend: the costly part of a figure) that one worker
has drawn is taken by the others instead of drawn again. Kept as one file per frame in a folder
of the build's cache, written whole (a rename), and removed when the build ends; a build that
was killed leaves its folder to the next build of the same site, which removes it."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

PREFIX = "frames-"


class FrameFolder:
    """A FrameShelf in `folder`. Picklable, so a fork server's or spawned worker gets it too."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except OSError:  # not drawn yet (or the folder is gone): the worker draws it
            return None

    def put(self, name: str, data: bytes) -> None:
        tmp = self.folder / f".{name}.{os.getpid()}"
        try:
            # made by the first frame drawn: a build that draws nothing leaves no folder
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, self.folder / name)
        except OSError:  # a frame not shared is only drawn again
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def frame_folder(cache_root: Path | None) -> Iterator[FrameFolder | None]:
    """A FrameFolder of its own in `cache_root` for one build (None without a cache), with the
    folders earlier killed builds left there removed. Call it holding the site's output lock,
    so no other build of this site is using one."""
    if cache_root is None:
        yield None
        return
    for stale in sorted(cache_root.glob(PREFIX + "*")):
        shutil.rmtree(stale, ignore_errors=True)
    folder = cache_root / f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        yield FrameFolder(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
