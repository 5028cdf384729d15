"""How a finished new site takes the previous one's place, and what a killed build left behind.

The new site is written in full to a temporary sibling folder (build/writer.py) and then swapped
in here. The swap is one atomic exchange of the two folders where the system has one (Linux
renameat2 RENAME_EXCHANGE): there is no moment at which the output folder is missing. Elsewhere
it is two renames; a build killed between them leaves the previous site in `.<name>.old-<pid>`,
which the next build puts back (`recover`) before doing anything else. An output folder that
must stay the folder it is (a mount point, the working directory) is built inside itself and
its contents are exchanged instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
from pathlib import Path

# The file that makes a folder a finished reportgen site, which a build may replace.
MARKER = ".reportgen-site"
MARKER_TEXT = b"This folder was written by reportgen and is replaced on every build.\n"

# The folders of a site built inside its own output folder (`fixed_folder`), suffixed with a pid
IN_PLACE_NEW = ".reportgen-new-"
IN_PLACE_OLD = ".reportgen-old-"


def staging_folders(out: Path) -> tuple[Path, Path, bool]:
    """(the new site's temporary folder, where the previous site goes while they swap, whether
    the site is built inside `out` because `out` cannot be swapped for another folder)."""
    pid = os.getpid()
    if fixed_folder(out):  # built inside it, on its file system, then its contents are exchanged
        return out / f"{IN_PLACE_NEW}{pid}", out / f"{IN_PLACE_OLD}{pid}", True
    return out.parent / f".{out.name}.tmp-{pid}", out.parent / f".{out.name}.old-{pid}", False


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
    if out.is_dir() and (out / MARKER).is_file():  # a site written in place (swap_contents)
        for inside in sorted(out.iterdir()):
            if inside.name.startswith((IN_PLACE_NEW, IN_PLACE_OLD)) and inside.name.split("-")[-1].isdigit():
                shutil.rmtree(inside, ignore_errors=True)


def exchange(a: Path, b: Path) -> bool:
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


def fixed_folder(out: Path) -> bool:
    """Whether `out` must stay the folder it is rather than be swapped for another: a mount point
    (a CI volume cannot be renamed: EBUSY), or the working directory or one of its parents (a
    shell and this process would be left in the replaced site)."""
    if not out.is_dir():
        return False
    if os.path.ismount(out):
        return True
    here, target = Path.cwd().resolve(), out.resolve()
    return here == target or target in here.parents


def swap_contents(new: Path, out: Path, old: Path) -> None:
    """Replace what `out` holds by what `new` (a folder inside it) holds, one rename per entry.
    Not atomic, unlike the swap of two folders: the marker stays in `out` throughout, so a build
    killed halfway leaves a folder the next build replaces whole."""
    old.mkdir()
    for entry in sorted(out.iterdir()):
        if entry not in (new, old) and entry.name != MARKER:
            os.replace(entry, old / entry.name)
    for entry in sorted(new.iterdir()):
        os.replace(entry, out / entry.name)
    new.rmdir()


def discard(site: Path, spare: Path | None) -> None:
    """Delete a replaced site, or keep it as the spare for the next build."""
    if spare is not None:
        try:
            spare.parent.mkdir(parents=True, exist_ok=True)
            if spare.exists():
                shutil.rmtree(spare)
            os.replace(site, spare)
            return
        except OSError:  # cannot keep it (read-only cache, another file system): delete it
            pass
    shutil.rmtree(site, ignore_errors=True)
