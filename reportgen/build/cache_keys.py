"""Cache keys of runs: a hash of everything a run's result depends on; and the hashes of the
inputs of other site files (input_hash, templates_fingerprint).

That is the validated spec (manifest fields, the site's analysis settings, paths) but its notes;
each log's path and contents (every file inside a log folder); the class-balance files it uses;
the runs folder and working directory (paths in messages are shown relative to them); and the
code: reportgen's version and source files, numpy's and matplotlib's versions. Notes reach only
the run's record, which the build sets from the manifest on every hit, so editing a note never
redraws a run. A log's contents are hashed again only when its stat changes (FileDigests), so
touching a log costs one hash, not a rebuild.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import pickle
import stat
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

import reportgen
from reportgen.manifest.input_paths import MAX_FOLDER_FILES
from reportgen.model import RunSpec
from reportgen.site.templates_dir import templates_dir

# A file changed this recently may change again within the same clock tick, unseen by its stat:
# its digest is not remembered (git's "racy" index entries).
RACY_SECONDS = 2.0


def code_fingerprint() -> str:
    """Hash of everything in the code that can change a run's result."""
    h = hashlib.sha256()
    h.update(f"reportgen {reportgen.__version__}\0".encode())
    h.update(f"numpy {np.__version__}\0matplotlib {_matplotlib_version()}\0".encode())
    h.update(f"python {sys.version_info[:2]}\0".encode())
    package = Path(reportgen.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def _matplotlib_version() -> str:
    """matplotlib's version file, read without importing matplotlib (a third of a second that a
    rebuild drawing nothing should not pay)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return "missing"
    try:
        return (Path(spec.origin).parent / "_version.py").read_text(encoding="utf-8")
    except OSError:
        from importlib.metadata import version

        return version("matplotlib")


def _stat_line(path: Path) -> str:
    try:
        st = path.stat()
    except OSError as exc:
        return f"{path}\0missing {exc.errno}\n"
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n"


class FileDigests:
    """SHA-256 of files' contents, remembered by (device, inode, size, modification time), so a
    file is hashed again only when its stat changes. `known` is what an earlier build remembered
    (path -> (device, inode, size, mtime_ns, hex digest)); `used` collects this build's, to be
    remembered for the next one."""

    def __init__(self, known: dict[str, tuple] | None = None):
        self.known = known or {}
        self.used: dict[str, tuple] = {}

    def line(self, path: Path) -> str:
        """`path` and its contents' digest, or why it cannot be read, as one line of a key."""
        try:
            st = path.stat()
        except OSError as exc:
            return f"{path}\0missing {exc.errno}\n"
        if not stat.S_ISREG(st.st_mode):
            # a FIFO or device (here inside a log folder) would block or never end: never opened
            return f"{path}\0special {stat.S_IFMT(st.st_mode)}\n"
        name = str(path)
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        seen = self.known.get(name)
        if seen is not None and tuple(seen[:4]) == key:
            digest = seen[4]
        else:
            try:
                digest = _hash_file(path)
            except OSError as exc:
                return f"{path}\0unreadable {exc.errno}\n"
        if time.time() - st.st_mtime_ns / 1e9 >= RACY_SECONDS:
            self.used[name] = (*key, digest)
        return f"{path}\0{digest}\n"


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _log_fingerprint(path: Path, digests: FileDigests) -> str:
    if not path.is_dir():
        return digests.line(path)
    lines = []
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs.sort()
        lines.extend(digests.line(Path(root) / f) for f in sorted(files))
        if len(lines) > MAX_FOLDER_FILES:  # refused by the manifest check; grown since
            lines.append("too many files\n")
            break
    return f"{path}\0dir\n" + "".join(lines)


def balance_fingerprint(balance: object | None) -> str:
    """Repr and file stats of a class_balance spec (BalanceSpec) or dataset (DatasetSpec)."""
    if balance is None:
        return ""
    inner = getattr(balance, "balance", balance)
    paths = [src.path for src in getattr(inner, "sources", ()) if getattr(src, "path", None) is not None]
    return repr(balance) + "".join(_stat_line(Path(p)) for p in paths)


def run_key(
    spec: RunSpec, runs_dir: Path, code: str, extra: str = "", digests: FileDigests | None = None
) -> str:
    """The cache key of one run (hex SHA-256); `extra` covers inputs outside the run's own
    manifest and logs (the dataset it refers to). The notes are left out: the build takes them
    from the spec (see with_notes). `digests` remembers log digests between builds."""
    digests = digests if digests is not None else FileDigests()
    h = hashlib.sha256()
    h.update(code.encode())
    h.update(f"\0{runs_dir.resolve()}\0{Path.cwd().resolve()}\0".encode())
    h.update(repr(replace(spec, notes="")).encode())
    for log in spec.logs:
        h.update(_log_fingerprint(log.path, digests).encode())
    h.update(balance_fingerprint(getattr(spec, "class_balance", None)).encode())
    h.update(_checkpoints_fingerprint(spec, digests).encode())
    h.update(extra.encode())
    return h.hexdigest()


def _checkpoints_fingerprint(spec: RunSpec, digests: FileDigests) -> str:
    """Each snapshot file's path and digest (issue 18): a changed checkpoint rebuilds the run,
    an unchanged one is hashed once (FileDigests) and never read again."""
    from reportgen.build.model_job import checkpoint_files

    files = checkpoint_files(getattr(spec, "checkpoints", None), spec.path)
    return "".join(digests.line(path) for path in files)


def input_hash(*parts: object) -> str:
    """Hex SHA-256 of values (plain data, dataclasses, arrays) by what they are, not by how
    they are shared: equal values hash alike whether computed now or loaded from the cache.
    Raises for values that cannot be pickled or refer to themselves."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=4)
    # no memo: a string or list referenced twice is written twice, as an unshared copy would be
    pickler.fast = True
    pickler.dump(parts)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def templates_fingerprint() -> str:
    """Hash of every template and static file, and of the versions of the libraries that turn
    them into HTML: part of each page's input hash."""
    import jinja2
    import markdown
    import nh3

    base = templates_dir()
    libraries = f"jinja2 {jinja2.__version__}\0markdown {markdown.__version__}\0nh3 {nh3.__version__}\0"
    h = hashlib.sha256(libraries.encode())
    for path in sorted(base.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
