"""Files the new site need not write again: the writer's side of incremental builds.

A file whose content the previous site already holds (same SHA-256, and the file's stat as that
build wrote it, so it was not edited since) is hard-linked into the new folder instead of being
written again. The previous site is never changed in place: a link is a second name for the
same bytes, and the previous folder is only ever swapped out and removed whole. The site a
build replaced may be kept as a spare folder, which the next build takes over and fills again
(its folders and its links to unchanged files stay).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from reportgen.build.site_swap import MARKER


@dataclass(frozen=True)
class Known:
    """A file known by the SHA-256 of its content (hex) before its bytes are: linked from the
    previous site when that holds it unchanged, else made by `make` (a page rendered, an image
    read from the cache)."""

    digest: str
    make: Callable[[], bytes]


class Later:
    """A file whose bytes are still being made elsewhere (a figure a worker is drawing): `make`
    waits for them. The writer places these after every other file, so the site's pages are
    written while the figures are drawn. Made once; later calls return the same bytes."""

    def __init__(self, make: Callable[[], bytes]) -> None:
        self._make: Callable[[], bytes] | None = make
        self._data = b""

    def make(self) -> bytes:
        if self._make is not None:
            self._data = self._make()
            self._make = None
        return self._data


def file_bytes(value: bytes | Known | Later) -> bytes:
    return value.make() if isinstance(value, (Known, Later)) else value


# site path -> (hex SHA-256, device, inode, size, mtime_ns) of each file a build wrote
SiteIndex = dict[str, tuple]


def _stat_key(st: os.stat_result) -> tuple:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def reusable(out: Path, previous: Mapping[str, tuple], rel: str, digest: str) -> bool:
    """Whether the site at `out` holds `rel` with content `digest`, as the build that wrote it
    left it (a file edited since has another stat)."""
    seen = previous.get(rel)
    if seen is None or seen[0] != digest:
        return False
    try:
        st = os.lstat(out / rel)
    except OSError:
        return False
    return _stat_key(st) == tuple(seen[1:])


@dataclass(frozen=True)
class Stale:
    """What a spare folder held when it became the new site's temporary folder."""

    files: dict[str, os.DirEntry]  # site path -> entry (files and links)
    dirs: set[str]

    def remove(self, tmp: Path, needed: set[Path]) -> None:
        """Delete what the new site does not have."""
        for rel in self.files:
            (tmp / rel).unlink(missing_ok=True)
        for rel in sorted(self.dirs, key=lambda d: -d.count("/")):
            if tmp / rel not in needed:
                shutil.rmtree(tmp / rel, ignore_errors=True)


def take_spare(spare: Path | None, tmp: Path) -> Stale | None:
    """Move the spare folder to `tmp` and list it, or None when there is none to take."""
    if spare is None or spare.is_symlink() or not spare.is_dir():
        return None
    try:
        os.replace(spare, tmp)
    except OSError:  # on another file system: start from an empty folder
        return None
    (tmp / MARKER).unlink(missing_ok=True)
    files: dict[str, os.DirEntry] = {}
    dirs: set[str] = set()
    pending = [("", tmp)]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as it:
            for entry in it:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    dirs.add(rel)
                    pending.append((rel + "/", Path(entry.path)))
                else:
                    files[rel] = entry
    return Stale(files, dirs)


def make_dirs(folder: Path, tmp: Path, stale: Stale, made: set[Path]) -> None:
    """Create `folder` and its parents inside `tmp`, reusing the spare's folders."""
    if folder in made:
        return
    make_dirs(folder.parent, tmp, stale, made)
    rel = folder.relative_to(tmp).as_posix()
    if rel in stale.dirs:
        made.add(folder)
        return
    if stale.files.pop(rel, None) is not None:  # a file where a folder goes now
        folder.unlink()
    folder.mkdir()
    made.add(folder)


def place(
    value: bytes | Known | Later,
    target: Path,
    out: Path,
    rel: str,
    previous: Mapping[str, tuple],
    held: os.DirEntry | None,
) -> tuple:
    """Link `rel` from the previous site `out` when it holds the same content, else write it;
    returns the new file's index entry. `held` is what the spare folder has at `target`: kept
    when it is that very file of the previous site, else removed first (never written into, as
    it may be a link to a file of the live site)."""
    if isinstance(value, Later):
        value = value.make()
    if isinstance(value, Known):
        digest, data = value.digest, None
    else:
        digest, data = hashlib.sha256(value).hexdigest(), value
    if reusable(out, previous, rel, digest):
        seen = previous[rel]
        if held is not None and _same_file(held, seen):
            return (digest, *seen[1:])
        if held is not None:
            target.unlink()
            held = None
        try:
            os.link(out / rel, target, follow_symlinks=False)
            return (digest, *seen[1:])
        except OSError:  # another file system, no hard links here, too many links: write it
            pass
    if held is not None:
        target.unlink()
    if data is None:
        data = value.make()
        digest = hashlib.sha256(data).hexdigest()
    target.write_bytes(data)
    return (digest, *_stat_key(target.stat()))


def _same_file(entry: os.DirEntry, seen: tuple) -> bool:
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    return entry.is_file(follow_symlinks=False) and (st.st_dev, st.st_ino) == tuple(seen[1:3])
