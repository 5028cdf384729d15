"""Content-hash cache of per-run results, so a rebuild skips reading, analysing and drawing
every run whose inputs did not change.

A run's key (build/cache_keys.py) hashes everything its result depends on.

Each entry is one file: magic, SHA-256 and length of a header (datacodec: JSON and raw arrays,
which decode into data only, never into a call), then the entry's byte strings (images, the
cross-run payload), each named in the header with its own SHA-256. A build reads the header
of every entry and a byte string only when it needs one, so an unchanged run costs a few
kilobytes of reading, not its figures. Anything that fails a check is treated as missing and
rebuilt, never served. Entries are written to a temporary file and renamed, so a killed build
or a concurrent reader never sees half an entry.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reportgen.build import datacodec

MAGIC = b"RGCACHE3"  # 3: no pickle; entries of older versions are rebuilt
CACHE_DIR = ".reportgen-cache"
_DIGEST = 32
_LENGTH = 8  # bytes of the header's length, big-endian


def cache_dir_for(out: Path) -> Path:
    """The cache of the site at `out`: `.reportgen-cache/<out name>/` beside it."""
    return out.parent / CACHE_DIR / (out.name or "site")


def writable_cache(root: Path) -> str | None:
    """None when the cache folder `root` can be created and written; else the warning to give
    once (the build then goes on without a cache, which only saves work)."""
    probe: str | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=root, prefix=".tmp-", suffix=".probe")
        os.close(fd)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return f"{root}: cannot write the build cache ({reason}); building without it. Make the folder writable or remove what is in its way to speed up rebuilds"
    finally:
        if probe is not None:
            Path(probe).unlink(missing_ok=True)
    return None


def dump_model(obj: object) -> bytes:
    """A run's data (RunData, RunAnalysis, CrossRun) as bytes; raises datacodec.Unencodable."""
    return datacodec.encode(obj)


def load_model(blob: bytes) -> object:
    """Inverse of dump_model; raises datacodec.Undecodable for anything else."""
    return datacodec.decode(blob)


def _byte_strings(data: dict) -> Iterator[tuple[tuple[str, ...], bytes]]:
    """The byte strings of an entry kept out of its header: values of `data` and of the
    mappings inside it (a run's images), with where they sit."""
    for key, value in data.items():
        if isinstance(value, bytes):
            yield (key,), value
        elif isinstance(value, dict):
            for sub, inner in value.items():
                if isinstance(inner, bytes):
                    yield (key, sub), inner


def _put(data: dict, where: tuple[str, ...], value: object) -> None:
    for key in where[:-1]:
        data = data[key]
    data[where[-1]] = value


def encode_entry(data: dict) -> bytes:
    """An entry: magic, header digest and length, header, then the byte strings in order.
    Raises datacodec.Unencodable for data the format cannot hold (then it is not cached)."""
    skeleton = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    blobs = []
    offset = 0
    for where, value in list(_byte_strings(data)):
        _put(skeleton, where, None)
        blobs.append([list(where), offset, len(value), hashlib.sha256(value).hexdigest()])
        offset += len(value)
    header = datacodec.encode({"data": skeleton, "blobs": blobs})
    parts = [MAGIC, hashlib.sha256(header).digest(), len(header).to_bytes(_LENGTH, "big"), header]
    parts.extend(value for _, value in _byte_strings(data))
    return b"".join(parts)


@dataclass(frozen=True)
class Blob:
    """One byte string of an entry, read on demand."""

    offset: int  # from the start of the entry file
    length: int
    digest: bytes  # SHA-256 of the bytes


@dataclass(frozen=True)
class Entry:
    """A cache entry's header: `data` with its byte strings left as None, and where they are."""

    path: Path | None
    data: dict
    blobs: dict[tuple[str, ...], Blob]
    raw: bytes | None = None  # the whole entry, when it was decoded from bytes

    def read(self, where: tuple[str, ...]) -> bytes | None:
        """The byte string at `where`, or None when it is damaged or gone."""
        blob = self.blobs[where]
        try:
            if self.raw is not None:
                value = self.raw[blob.offset : blob.offset + blob.length]
            else:
                assert self.path is not None
                with open(self.path, "rb") as fh:
                    fh.seek(blob.offset)
                    value = fh.read(blob.length)
        except OSError:
            return None
        return value if hashlib.sha256(value).digest() == blob.digest else None

    def full(self) -> dict | None:
        """The data with every byte string read back, or None when any is damaged."""
        data = {k: dict(v) if isinstance(v, dict) else v for k, v in self.data.items()}
        for where in self.blobs:
            value = self.read(where)
            if value is None:
                return None
            _put(data, where, value)
        return data


def _decode_header(head: bytes, path: Path | None) -> tuple[Entry, int] | None:
    """The entry whose first bytes are `head`, and the header's end; None when `head` is too
    short to hold the header (the caller reads more) or not an intact entry (then `head` is
    the whole entry, so it does not grow)."""
    start = len(MAGIC) + _DIGEST + _LENGTH
    if len(head) < start or not head.startswith(MAGIC):
        return None
    digest = head[len(MAGIC) : len(MAGIC) + _DIGEST]
    end = start + int.from_bytes(head[start - _LENGTH : start], "big")
    if len(head) < end:
        return None
    header = head[start:end]
    if hashlib.sha256(header).digest() != digest:
        return None
    try:
        loaded = datacodec.decode(header)
        blobs = {
            tuple(where): Blob(end + offset, length, bytes.fromhex(sha))
            for where, offset, length, sha in loaded["blobs"]
        }
        data = loaded["data"]
    except Exception:  # noqa: BLE001 - any failure to load means "not a usable entry"
        return None
    if not isinstance(data, dict):
        return None
    return Entry(path, data, blobs), end


def decode_entry(blob: bytes) -> dict | None:
    """The entry's data, or None when the blob is not an intact entry."""
    found = _decode_header(blob, None)
    if found is None:
        return None
    entry = Entry(None, found[0].data, found[0].blobs, raw=blob)
    if any(b.offset + b.length > len(blob) for b in entry.blobs.values()):
        return None
    return entry.full()


_HEAD_GUESS = 1 << 16  # most headers (a run's record and figure list) fit in one read


class RunCache:
    """Entries by key under `root`. `root=None` is a cache that never hits and stores nothing."""

    def __init__(self, root: Path | None):
        self.root = root
        self.used: set[str] = set()
        self.new: set[str] = set()  # entries this build wrote (or its workers did)

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.bin"

    def open(self, key: str) -> Entry | None:
        """The entry's header (its byte strings are read on demand), or None when there is no
        intact one. A damaged entry is removed, so it is rebuilt."""
        if self.root is None:
            return None
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                head = fh.read(_HEAD_GUESS)
                found = _decode_header(head, path)
                if found is None and len(head) == _HEAD_GUESS:
                    head += fh.read()
                    found = _decode_header(head, path)
                size = os.fstat(fh.fileno()).st_size
        except OSError:
            return None
        if found is None or any(b.offset + b.length > size for b in found[0].blobs.values()):
            path.unlink(missing_ok=True)
            return None
        self.used.add(key)
        return found[0]

    def load(self, key: str) -> dict | None:
        """The entry's data with every byte string, or None when there is no intact entry."""
        entry = self.open(key)
        if entry is None:
            return None
        data = entry.full()
        if data is None:
            self.forget(key)
        return data

    def forget(self, key: str) -> None:
        """Remove a damaged entry (found so when reading one of its byte strings)."""
        if self.root is None:
            return
        self._path(key).unlink(missing_ok=True)
        self.used.discard(key)
    def store(self, key: str, data: dict) -> None:
        """Keep `data` under `key`. Data the format cannot hold is not cached, and a cache that
        cannot be written (full disk, read-only) is skipped: the cache only saves work."""
        if self.root is None:
            return
        try:
            blob = encode_entry(data)
        except datacodec.Unencodable:
            return
        path = self._path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".bin")
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, path)
        except OSError:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            _remove_if_empty(path.parent)
            return
        except BaseException:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise
        self.used.add(key)
        self.new.add(key)

    def mark(self, key: str) -> None:
        """Keep `key` at the next prune (an entry a worker process stored)."""
        self.used.add(key)
        self.new.add(key)

    def discard_new(self) -> None:
        """Remove the entries this build wrote: called when the build fails, so a build that
        ran out of disk space does not leave the next one even less."""
        for key in sorted(self.new):
            try:
                self.forget(key)
            except OSError:
                pass
            else:
                _remove_if_empty(self._path(key).parent)
        self.new.clear()

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


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:  # not empty (other entries), or gone
        pass
