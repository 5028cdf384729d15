"""What a build remembers for the next one, beside its run cache: the files of the site it wrote
(content digest and stat, so unchanged files are hard-linked from that site instead of written
again), the digest of each page or file it made under the hash of that file's inputs (so an
unchanged page is not rendered again), parsed manifests and log digests.

Everything here is a hint that saves work, never a source of content: a site file is reused
only when its stat still matches what was written, and an input hash only names the digest the
file must have. A missing or damaged record is an empty one (the build does the work).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.build.cache import decode_entry, encode_entry
from reportgen.build.datacodec import Unencodable

FILE = "last-build.bin"
SPARE = "replaced-site"
VERSION = 3  # 3: datacodec, not pickle


@dataclass(frozen=True)
class LastBuild:
    # site path -> (hex SHA-256, device, inode, size, mtime_ns) of the file the build wrote there
    site: dict[str, tuple] = field(default_factory=dict)
    # input hash of a page or file -> hex SHA-256 of what was made from those inputs
    made: dict[str, str] = field(default_factory=dict)
    manifests: dict[str, tuple] = field(default_factory=dict)  # yamlpos.ParsedYaml.known
    logs: dict[str, tuple] = field(default_factory=dict)  # keys.FileDigests.known
    records: dict[str, str] = field(default_factory=dict)  # summary.dump_summary's record JSON


def spare_dir(cache_root: Path) -> Path:
    """Where the site a build replaced is kept, for the next build to fill again (build/writer.py)."""
    return cache_root / SPARE


def load_last_build(cache_root: Path | None) -> LastBuild:
    """The record beside the run cache at `cache_root`, or an empty one."""
    if cache_root is None:
        return LastBuild()
    try:
        data = decode_entry((cache_root / FILE).read_bytes())
    except OSError:
        return LastBuild()
    if data is None or data.get("version") != VERSION:
        return LastBuild()
    try:
        return LastBuild(
            site=dict(data["site"]),
            made=dict(data["made"]),
            manifests=dict(data["manifests"]),
            logs=dict(data["logs"]),
            records=dict(data["records"]),
        )
    except (KeyError, TypeError, ValueError):
        return LastBuild()


def save_last_build(cache_root: Path | None, last: LastBuild) -> None:
    """Replace the record at once (a temporary file renamed), so a reader never sees half of it."""
    if cache_root is None:
        return
    data = {
        "version": VERSION,
        "site": last.site,
        "made": last.made,
        "manifests": last.manifests,
        "logs": last.logs,
        "records": last.records,
    }
    try:
        blob = encode_entry(data)
    except Unencodable:  # a manifest holding what the format cannot: the next build parses again
        return
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=cache_root, prefix=".tmp-", suffix=".state")
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, cache_root / FILE)
    except OSError:  # only a hint for the next build: not worth failing this one
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
