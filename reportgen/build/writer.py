"""The only module that writes the site. The new site is written in full to a temporary sibling
folder and then swapped in, so a build that fails or is killed leaves the previous site as it was.
An existing output folder is replaced only when it is empty or carries reportgen's marker file,
and never when it holds the runs folder.

The swap is one atomic exchange of the two folders where the system has one (Linux
renameat2 RENAME_EXCHANGE): there is no moment at which the output folder is missing. Elsewhere
it is two renames; a build killed between them leaves the previous site in `.<name>.old-<pid>`,
which the next build puts back before doing anything else.

A file whose content the previous site already holds (same SHA-256, and the file's stat as that
build wrote it, so it was not edited since) is hard-linked into the new folder instead of being
written again. The previous site is never changed in place: a link is a second name for the
same bytes, and the previous folder is only ever swapped out and removed whole.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reportgen.errors import Location, OutputError

MARKER = ".reportgen-site"
MARKER_TEXT = b"This folder was written by reportgen and is replaced on every build.\n"


def site_path(out: Path) -> Path:
    """The output folder as the writer uses it. `-o .` or `-o ..` becomes the folder's own path,
    so that its lock and cache go beside it, not inside. A symbolic link is followed: the site
    is written where the link points (the link stays and shows the new site), rather than the
    link being replaced by a folder that leaves its target stale."""
    if out.is_symlink():
        return Path(os.path.realpath(out))
    if out.name in ("", ".", ".."):
        return Path(os.path.abspath(out))
    return out


def disk_error(exc: OSError, out: Path, single_file: bool = False) -> OutputError:
    """What to tell the user when writing the site (or its cache), or the single-file report
    when `single_file`, failed at the system level."""
    where = Location(out)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) and single_file:
        return OutputError(
            f"no space left to write the single-file report ({exc.strerror}); free some space on that "
            "disk or choose another file with --single-file, then build again",
            where,
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return OutputError(
            f"no space left to write the site ({exc.strerror}); free some space on that disk or "
            "choose another output with -o, then build again (the previous site is unchanged, and "
            f"{out.parent / '.reportgen-cache'} holds only results that can be made again: it may be deleted)",
            where,
        )
    if single_file:
        return OutputError(f"cannot write the single-file report: {exc.strerror}; choose another path", where)
    if exc.errno == errno.EROFS:
        return OutputError("the output folder is on a read-only file system; choose another output with -o", where)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return OutputError(
            f"permission denied writing {exc.filename}; make the folder writable or choose another output with -o",
            where,
        )
    return OutputError(
        f"cannot write the site ({exc.strerror}: {exc.filename}); check the output folder or choose another with -o",
        where,
    )


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
    if out.is_dir() and (out / MARKER).is_file():  # a site written in place (_swap_contents)
        for inside in sorted(out.iterdir()):
            if inside.name.startswith((_IN_PLACE_NEW, _IN_PLACE_OLD)) and inside.name.split("-")[-1].isdigit():
                shutil.rmtree(inside, ignore_errors=True)


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


def _bytes(value: bytes | Known | Later) -> bytes:
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


def write_site(
    files: Mapping[str, bytes | Known | Later],
    out: Path,
    runs_dir: Path | None = None,
    on_file: Callable[[], None] | None = None,
    previous: Mapping[str, tuple] | None = None,
    spare: Path | None = None,
) -> SiteIndex:
    """Write `files` (site path -> bytes, or Known) as the folder `out`, replacing the previous
    site. `on_file` is called after each file is written (for progress). With `previous` (the
    index the build that wrote `out` returned), files `out` holds unchanged are linked, not
    written, and the new site's index is returned; without it nothing is linked and the index
    is empty. With `spare`, the replaced site is kept there instead of being deleted, and the
    next build fills its folders again: on disks that discard freed blocks, removing a thousand
    folders takes seconds, and the new site's files are mostly links to the same inodes."""
    check_output_dir(out, runs_dir)
    for rel in files:
        if not _safe_relative(rel):
            raise OutputError(f"refusing to write outside the site: {rel}", Location(out))
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    in_place = _fixed_folder(out)
    if in_place:  # built inside it, on its file system, then its contents are exchanged
        tmp, old = out / f"{_IN_PLACE_NEW}{os.getpid()}", out / f"{_IN_PLACE_OLD}{os.getpid()}"
    else:
        tmp, old = parent / f".{out.name}.tmp-{os.getpid()}", parent / f".{out.name}.old-{os.getpid()}"
    for leftover in (tmp, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    try:
        index = _fill(tmp, files, out, previous, spare, on_file)
        # the marker goes in last: a folder without it was never a finished site
        (tmp / MARKER).write_bytes(MARKER_TEXT)
        if in_place:
            _swap_contents(tmp, out, old)
            shutil.rmtree(old, ignore_errors=True)
            return index
        if out.exists() and _exchange(tmp, out):
            _discard(tmp, spare)  # now the previous site
            return index
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if in_place:
            shutil.rmtree(old, ignore_errors=True)
        if old.exists() and not out.exists():
            os.replace(old, out)
        raise
    _discard(old, spare)
    return index


def _fill(
    tmp: Path,
    files: Mapping[str, bytes | Known | Later],
    out: Path,
    previous: Mapping[str, tuple] | None,
    spare: Path | None,
    on_file: Callable[[], None] | None,
) -> SiteIndex:
    """Write `files` into the new site's folder `tmp` (the spare folder taken over, when there is
    one); returns the new site's index (empty without `previous`)."""
    index: SiteIndex = {}
    stale = _take_spare(spare, tmp) if previous is not None else None
    if stale is None:
        tmp.mkdir()
        stale = _Stale({}, set())
    made: set[Path] = {tmp}
    # files still being made last: the rest is written while they are
    for rel in sorted(files, key=lambda r: (isinstance(files[r], Later), r)):
        target = tmp / rel
        if target.parent not in made:
            _make_dirs(target.parent, tmp, stale, made)
        value = files[rel]
        if previous is None:
            target.write_bytes(_bytes(value))
        else:
            index[rel] = _place(value, target, out, rel, previous, stale.files.pop(rel, None))
        if on_file is not None:
            on_file()
    stale.remove(tmp, made)
    return index


_IN_PLACE_NEW = ".reportgen-new-"
_IN_PLACE_OLD = ".reportgen-old-"


def _fixed_folder(out: Path) -> bool:
    """Whether `out` must stay the folder it is rather than be swapped for another: a mount point
    (a CI volume cannot be renamed: EBUSY), or the working directory or one of its parents (a
    shell and this process would be left in the replaced site)."""
    if not out.is_dir():
        return False
    if os.path.ismount(out):
        return True
    here, target = Path.cwd().resolve(), out.resolve()
    return here == target or target in here.parents


def _swap_contents(new: Path, out: Path, old: Path) -> None:
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


@dataclass(frozen=True)
class _Stale:
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


def _take_spare(spare: Path | None, tmp: Path) -> _Stale | None:
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
    return _Stale(files, dirs)


def _make_dirs(folder: Path, tmp: Path, stale: _Stale, made: set[Path]) -> None:
    """Create `folder` and its parents inside `tmp`, reusing the spare's folders."""
    if folder in made:
        return
    _make_dirs(folder.parent, tmp, stale, made)
    rel = folder.relative_to(tmp).as_posix()
    if rel in stale.dirs:
        made.add(folder)
        return
    if stale.files.pop(rel, None) is not None:  # a file where a folder goes now
        folder.unlink()
    folder.mkdir()
    made.add(folder)


def _discard(site: Path, spare: Path | None) -> None:
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


def _place(
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


def write_file(path: Path, data: bytes) -> None:
    """Write one file (e.g. the --single-file report) atomically: a temporary sibling, then a
    rename, so a reader never sees half a file."""
    if path.is_dir():
        raise OutputError("is a folder; give a file name such as report.html", Location(path))
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise disk_error(exc, path, single_file=True) from exc
        raise


def read_site(out: Path) -> dict[str, bytes]:
    """A written site back as path -> bytes (sorted), without reportgen's marker file."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
