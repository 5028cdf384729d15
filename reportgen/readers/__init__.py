"""Log readers behind one registry. Each reader module exposes `READER` (see base.Reader).

`format: auto` tries the readers' sniffers in REGISTRY order: specific formats (which recognise
their own file names or structure) come before the generic csv and jsonl, which would otherwise
claim e.g. a Lightning metrics.csv. When no sniffer accepts a file, its extension picks the
reader (`.csv` -> csv, `.jsonl` -> jsonl, ...), so the user gets that reader's precise problem
(an empty file, Latin-1 text, a broken line) and not a bare "not a supported log format".

Also here: run.py merges a run's logs into one RunData; roles.py picks which series is which role;
loss_components.py and xunits.py; class_balance.py reads class-label and class-count files.
May import: reportgen.errors, reportgen.model, reportgen.manifest.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.errors import Location, ReadError
from reportgen.model import LOG_FORMATS, LogData
from reportgen.readers import csv, hf_trainer, jsonl, keras, lightning, mlflow, tensorboard
from reportgen.readers.base import Reader, read_head
from reportgen.readers.nonlogs import lfs_pointer, what_it_is

_READERS: dict[str, Reader] = {
    module.NAME: module.READER for module in (csv, hf_trainer, jsonl, keras, lightning, mlflow, tensorboard)
}
if set(_READERS) != set(LOG_FORMATS[1:]):  # a reader added or renamed without model.LOG_FORMATS
    raise ImportError(f"model.LOG_FORMATS {LOG_FORMATS[1:]} does not name the readers {sorted(_READERS)}")
# Order matters for `auto`: the first sniffer that accepts a path wins (model.LOG_FORMATS says why).
REGISTRY: dict[str, Reader] = {name: _READERS[name] for name in LOG_FORMATS[1:]}
FORMATS = LOG_FORMATS
# The reader whose error is most useful for a file no sniffer accepted, by extension.
BY_SUFFIX = {".csv": csv.NAME, ".tsv": csv.NAME, ".jsonl": jsonl.NAME, ".ndjson": jsonl.NAME}


def detect_format(path: Path, head: bytes | None = None) -> str:
    """The name of the first reader whose sniffer accepts `path`, else the reader its extension
    names; ReadError saying what the file is, or listing the formats tried."""
    head = read_head(path) if head is None else head
    for name, reader in REGISTRY.items():
        if reader.sniff(path, head):
            return name
    what = what_it_is(path, head, generic=False)
    if what is None and path.suffix.lower() in BY_SUFFIX and not path.is_dir():
        return BY_SUFFIX[path.suffix.lower()]
    what = what or what_it_is(path, head)
    if what is not None:
        raise ReadError(f"not a supported log format: {what}", Location(path))
    tried = ", ".join(REGISTRY)
    raise ReadError(
        f"not a supported log format (tried {tried}); set `format:` in the manifest "
        "if it is one of these",
        Location(path),
    )


def read_log(path: Path, fmt: str = "auto") -> LogData:
    """Read one log file or folder with the named reader (or the detected one for "auto")."""
    if not path.exists():
        raise ReadError(
            "log file not found: check the path, which is relative to the manifest", Location(path)
        )
    head = read_head(path)
    pointer = lfs_pointer(head)
    if pointer is not None:
        raise ReadError(f"not a supported log format: {pointer}", Location(path))
    name = detect_format(path, head) if fmt == "auto" else fmt
    reader = REGISTRY.get(name)
    if reader is None:
        raise ReadError(
            f"unknown log format {name!r}; expected one of {', '.join(FORMATS)}", Location(path)
        )
    return reader.read(path)
