"""The only module that writes the site. The new site is written in full to a temporary sibling
folder and then swapped in (site_swap.py), so a build that fails or is killed leaves the previous
site as it was. An existing output folder is replaced only when it is empty or carries reportgen's
marker file, and never when it holds the runs folder. Files the previous site holds unchanged are
linked, not written again (file_reuse.py).
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

from reportgen.build.file_reuse import (
    Known,
    Later,
    SiteIndex,
    Stale,
    file_bytes,
    make_dirs,
    place,
    reusable,
    take_spare,
)
from reportgen.build.site_swap import (
    MARKER,
    MARKER_TEXT,
    discard,
    exchange,
    recover,
    staging_folders,
    swap_contents,
)
from reportgen.errors import Location, OutputError

# Known, Later, SiteIndex, reusable, MARKER and recover are imported from here by the rest of
# the build: the writer is the one door to the output folder
__all__ = [
    "MARKER",
    "Known",
    "Later",
    "SiteIndex",
    "check_output_dir",
    "disk_error",
    "read_site",
    "recover",
    "reusable",
    "site_path",
    "write_file",
    "write_site",
]


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


def _safe_relative(rel: str) -> bool:
    """A site path stays inside the site: relative, no '..', no backslash or NUL tricks."""
    if not rel or "\\" in rel or "\0" in rel or rel.startswith("/"):
        return False
    parts = PurePosixPath(rel).parts
    return all(part not in ("..", ".", "") for part in parts) and parts[0] != MARKER


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
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp, old, in_place = staging_folders(out)
    for leftover in (tmp, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    try:
        index = _fill(tmp, files, out, previous, spare, on_file)
        # the marker goes in last: a folder without it was never a finished site
        (tmp / MARKER).write_bytes(MARKER_TEXT)
        if in_place:
            swap_contents(tmp, out, old)
            shutil.rmtree(old, ignore_errors=True)
            return index
        if out.exists() and exchange(tmp, out):
            discard(tmp, spare)  # now the previous site
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
    discard(old, spare)
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
    stale = take_spare(spare, tmp) if previous is not None else None
    if stale is None:
        tmp.mkdir()
        stale = Stale({}, set())
    made: set[Path] = {tmp}
    # files still being made last: the rest is written while they are
    for rel in sorted(files, key=lambda r: (isinstance(files[r], Later), r)):
        target = tmp / rel
        if target.parent not in made:
            make_dirs(target.parent, tmp, stale, made)
        value = files[rel]
        if previous is None:
            target.write_bytes(file_bytes(value))
        else:
            index[rel] = place(value, target, out, rel, previous, stale.files.pop(rel, None))
        if on_file is not None:
            on_file()
    stale.remove(tmp, made)
    return index


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
