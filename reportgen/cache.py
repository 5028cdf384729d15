"""Content-hash cache of per-run results, so a rebuild skips reading, analysing and drawing
every run whose inputs did not change.

A run's key hashes everything its result depends on: the validated spec (manifest fields, the
site's analysis settings, paths), the manifest's bytes, each log's path, size and modification
time (every file inside a log folder), the runs folder and working directory (paths in
messages are shown relative to them), and the code: reportgen's version and source files,
numpy's and matplotlib's versions. Pages are always re-rendered from the cached records, which
is cheap and keeps every page that depends on a run (index, groups, comparisons) right.

Each entry is one file: magic, SHA-256 of the payload, payload (a pickle of plain builtins,
loaded with an unpickler that refuses every class). An entry that fails any check is treated
as missing and rebuilt, never served. Entries are written to a temporary file and renamed, so
a killed build or a concurrent reader never sees half an entry.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path

import matplotlib
import numpy as np

import reportgen
from reportgen.model import RunSpec

MAGIC = b"RGCACHE1"
CACHE_DIR = ".reportgen-cache"
_DIGEST = 32


def cache_dir_for(out: Path) -> Path:
    """The cache of the site at `out`: `.reportgen-cache/<out name>/` beside it."""
    return out.parent / CACHE_DIR / (out.name or "site")


def code_fingerprint() -> str:
    """Hash of everything in the code that can change a run's result."""
    h = hashlib.sha256()
    h.update(f"reportgen {reportgen.__version__}\0".encode())
    h.update(f"numpy {np.__version__}\0matplotlib {matplotlib.__version__}\0".encode())
    h.update(f"python {sys.version_info[:2]}\0".encode())
    package = Path(reportgen.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def _stat_line(path: Path) -> str:
    try:
        st = path.stat()
    except OSError as exc:
        return f"{path}\0missing {exc.errno}\n"
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n"


def _log_fingerprint(path: Path) -> str:
    if not path.is_dir():
        return _stat_line(path)
    lines = []
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs.sort()
        lines.extend(_stat_line(Path(root) / f) for f in sorted(files))
    return f"{path}\0dir\n" + "".join(lines)


def balance_fingerprint(balance: object | None) -> str:
    """Repr and file stats of a class_balance spec (BalanceSpec) or dataset (DatasetSpec)."""
    if balance is None:
        return ""
    inner = getattr(balance, "balance", balance)
    paths = [src.path for src in getattr(inner, "sources", ()) if getattr(src, "path", None) is not None]
    return repr(balance) + "".join(_stat_line(Path(p)) for p in paths)


def run_key(spec: RunSpec, runs_dir: Path, code: str, extra: str = "") -> str:
    """The cache key of one run (hex SHA-256); `extra` covers inputs outside the run's own
    manifest and logs (the dataset it refers to)."""
    h = hashlib.sha256()
    h.update(code.encode())
    h.update(f"\0{runs_dir.resolve()}\0{Path.cwd().resolve()}\0".encode())
    h.update(repr(spec).encode())
    try:
        h.update(spec.path.read_bytes())
    except OSError:
        h.update(b"\0unreadable manifest")
    for log in spec.logs:
        h.update(_log_fingerprint(log.path).encode())
    h.update(balance_fingerprint(getattr(spec, "class_balance", None)).encode())
    h.update(extra.encode())
    return h.hexdigest()


class _PlainUnpickler(pickle.Unpickler):
    """Loads only builtins (dict, list, str, bytes, numbers, None): a tampered entry cannot
    make us run code."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"cache entries hold plain data only, not {module}.{name}")


class _ModelUnpickler(pickle.Unpickler):
    """Loads a run's data (RunData, RunAnalysis): reportgen's own dataclasses, paths and numpy
    arrays, nothing else, so even a tampered entry cannot name a function to call."""

    ALLOWED = frozenset({
        ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "PurePosixPath"),
        ("pathlib", "PureWindowsPath"), ("copyreg", "_reconstructor"), ("builtins", "object"),
        ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    })

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        if module.startswith("reportgen."):  # our own classes (dataclasses, errors), never functions
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        if module.startswith("numpy.dtypes"):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"not allowed in a run's data: {module}.{name}")


def dump_model(obj: object) -> bytes:
    return pickle.dumps(obj, protocol=4)


def load_model(blob: bytes) -> object:
    """Inverse of dump_model; raises pickle.UnpicklingError for anything but a run's data."""
    return _ModelUnpickler(io.BytesIO(blob)).load()


def encode_entry(data: dict) -> bytes:
    payload = pickle.dumps(data, protocol=4)
    return MAGIC + hashlib.sha256(payload).digest() + payload


def decode_entry(blob: bytes) -> dict | None:
    """The entry's data, or None when the blob is not an intact entry."""
    head = len(MAGIC) + _DIGEST
    if len(blob) < head or not blob.startswith(MAGIC):
        return None
    digest, payload = blob[len(MAGIC):head], blob[head:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        data = _PlainUnpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - any failure to load means "not a usable entry"
        return None
    return data if isinstance(data, dict) else None


class RunCache:
    """Entries by key under `root`. `root=None` is a cache that never hits and stores nothing."""

    def __init__(self, root: Path | None):
        self.root = root
        self.used: set[str] = set()

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.bin"

    def load(self, key: str) -> dict | None:
        if self.root is None:
            return None
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        data = decode_entry(blob)
        if data is None:
            # corrupt or truncated: drop it so it is rebuilt
            path.unlink(missing_ok=True)
            return None
        self.used.add(key)
        return data

    def store(self, key: str, data: dict) -> None:
        if self.root is None:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".bin")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(encode_entry(data))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.used.add(key)

    def mark(self, key: str) -> None:
        """Keep `key` at the next prune (an entry a worker process stored)."""
        self.used.add(key)

    def prune(self) -> int:
        """Remove entries (and stray temporary files) this build did not use; returns how many.
        Only files this cache names are touched."""
        if self.root is None or not self.root.is_dir():
            return 0
        removed = 0
        for sub in sorted(self.root.iterdir()):
            if not (sub.is_dir() and len(sub.name) == 2):
                continue
            for entry in sorted(sub.iterdir()):
                stem = entry.name.removesuffix(".bin")
                is_ours = entry.name.endswith(".bin") and (entry.name.startswith(".tmp-") or len(stem) == 64)
                if is_ours and stem not in self.used:
                    entry.unlink(missing_ok=True)
                    removed += 1
        return removed
