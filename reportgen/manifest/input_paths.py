"""Which files a manifest may name: the reads stay where they belong.

A manifest names logs and class-balance files. What it names must resolve (symbolic links
followed) to a regular file or a folder inside the runs folder, or inside a folder the user
allowed explicitly (`--allow-outside PATH`, `allow_outside:` in reportgen.yaml): a shared CI
runner must not publish `/etc/passwd` because a manifest asked for it. Devices, FIFOs, sockets
and the kernel's folders (/proc, /sys, /dev) are refused before anything opens them, since
the cache key hashes a log's contents and `/dev/zero` never ends. A folder of logs is hashed
whole, so it is bounded (MAX_FOLDER_FILES, MAX_FOLDER_BYTES; docs/manifest.md says so).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_FOLDER_FILES = 10_000
MAX_FOLDER_BYTES = 4 * 1024**3
SYSTEM_DIRS = (Path("/proc"), Path("/sys"), Path("/dev"))
ALLOW_HINT = "allow its folder with --allow-outside PATH or allow_outside: in reportgen.yaml"


@dataclass(frozen=True)
class InputRoots:
    """Resolved folders whose files manifests may name: the runs folder first."""

    roots: tuple[Path, ...]

    @classmethod
    def for_runs(cls, runs_dir: Path, allowed: tuple[Path, ...] | list[Path] = ()) -> InputRoots:
        return cls(tuple(dict.fromkeys(p.resolve() for p in (runs_dir, *allowed))))

    def allows(self, path: Path) -> bool:
        return any(path == root or path.is_relative_to(root) for root in self.roots)


class Refused(Exception):
    """Why a named path cannot be read; `missing` when nothing is there."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.message = message
        self.missing = missing


def resolve_input(raw: str, base: Path, roots: InputRoots, *, folder_ok: bool = True) -> Path:
    """`raw` (as written in a manifest in folder `base`) resolved. Raises Refused saying why it
    cannot be read: nothing there, a symbolic link loop, not a regular file or folder, a
    system folder, outside `roots`, a folder past the hashing bounds."""
    path = base / raw
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise Refused("not found", missing=True) from None
    except RuntimeError:  # Python before 3.13 reports a link loop this way
        raise Refused(f"{raw} is a symbolic link loop (it leads back to itself); fix or remove the link") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(f"{raw} is a symbolic link loop (it leads back to itself); fix or remove the link") from None
        raise Refused(f"{raw} cannot be read: {exc.strerror}") from None
    try:
        mode = resolved.stat().st_mode
    except OSError as exc:
        raise Refused(f"{raw} cannot be read: {exc.strerror}") from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise Refused(f"{raw} is {_kind(mode)}, not a file or a folder; name the log file itself")
    for system in SYSTEM_DIRS:
        if resolved.is_relative_to(system):
            raise Refused(f"{raw} is in {system}, which holds no logs; name the log file itself")
    if not roots.allows(resolved):
        shown = raw if str(resolved) == raw else f"{raw} ({resolved})"
        raise Refused(f"{shown} is outside the runs folder; move it into the runs folder, or {ALLOW_HINT}")
    if stat.S_ISDIR(mode):
        if not folder_ok:
            raise Refused(f"{raw} is a folder; name a file")
        _check_folder_size(raw, resolved)
    return resolved


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _check_folder_size(raw: str, folder: Path) -> None:
    """Refuse a log folder past MAX_FOLDER_FILES files or MAX_FOLDER_BYTES bytes: every file
    in it is hashed for the cache key. Stops counting at the bound, so `/usr` costs little."""
    files = 0
    size = 0
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        files += len(names)
        if files > MAX_FOLDER_FILES:
            raise Refused(
                f"{raw} holds more than {MAX_FOLDER_FILES:,} files, too many to read as one log; "
                "name the log file or a smaller folder inside it"
            )
        for name in names:
            try:
                size += os.stat(os.path.join(root, name)).st_size
            except OSError:
                continue  # gone or unreadable: the reader says so
        if size > MAX_FOLDER_BYTES:
            raise Refused(
                f"{raw} holds more than {_size(MAX_FOLDER_BYTES)}, too much to read as one log; "
                "name the log file or a smaller folder inside it"
            )


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"
