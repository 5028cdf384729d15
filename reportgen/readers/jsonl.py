"""JSON Lines logs: one JSON object per line, metrics as numeric fields (nested objects are
flattened with '/'). Python's json writes bare NaN/Infinity, which we accept, as well as the
lower-case nan/inf some loggers print. The file is read line by line into typed arrays (no
Python object kept per row)."""

from __future__ import annotations

import json
import re
from array import array
from pathlib import Path

import numpy as np

from reportgen.errors import Location, ReadError
from reportgen.model import LogData
from reportgen.readers.base import Reader
from reportgen.readers.tabular import columns_to_logdata

NAME = "jsonl"
SUFFIXES = (".jsonl", ".ndjson")
# bare nan/inf tokens (not valid JSON) in value position, outside strings
_BARE = re.compile(r"(?<=[:\[,])(\s*)([+-]?)(nan|inf|infinity)(?=\s*[,}\]])", re.IGNORECASE)
_CONSTANTS = {"nan": "NaN", "inf": "Infinity", "infinity": "Infinity"}


def _flatten(obj: dict, prefix: str, out: dict[str, float]) -> None:
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            out[name] = float(value)
        elif isinstance(value, dict):
            _flatten(value, name + "/", out)


def _loads(line: str):
    try:
        return json.loads(line)
    except ValueError:
        fixed = _BARE.sub(
            lambda m: (
                m.group(1) + ("-" if m.group(2) == "-" else "") + _CONSTANTS[m.group(3).lower()]
            ),
            line,
        )
        if fixed == line:
            raise
        return json.loads(fixed)


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir() or path.suffix.lower() in (".yaml", ".yml"):
        return False
    try:
        text = head.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return False
    lines = [
        ln.strip()
        for ln in text.splitlines()
        if ln.strip() and not ln.lstrip().startswith(("#", "//"))
    ]
    full = len(head) >= 8192
    complete = lines[:-1] if full else lines
    # a long last line cut by the head still counts when it starts like an object
    seen = len(complete) + (1 if full and lines and lines[-1].startswith("{") else 0)
    # one object alone is more likely a metadata file than a log, unless the name says JSONL
    if not complete or seen < (1 if path.suffix.lower() in SUFFIXES else 2):
        return False
    # the first line must be a whole object; later ones need only look like one (a broken
    # line further down is then reported with its line number by `read`)
    if not all(line.startswith("{") for line in complete[:3]):
        return False
    try:
        return isinstance(_loads(complete[0]), dict)
    except ValueError:
        return False


def read(path: Path) -> LogData:
    rows_of: dict[str, array] = {}
    values_of: dict[str, array] = {}
    rows = 0
    try:
        with open(path, encoding="utf-8-sig", newline=None) as fh:
            for number, line in enumerate(fh, start=1):
                stripped = line.strip()
                if not stripped or stripped.startswith(("#", "//")):
                    continue
                try:
                    obj = _loads(stripped)
                except ValueError as exc:
                    raise ReadError(
                        f"not a JSON object on this line ({getattr(exc, 'msg', exc)}): expected one object per line",
                        Location(path, number),
                    ) from exc
                if not isinstance(obj, dict):
                    raise ReadError("expected a JSON object on each line", Location(path, number))
                flat: dict[str, float] = {}
                _flatten(obj, "", flat)
                for key, value in flat.items():
                    if key not in values_of:
                        rows_of[key] = array("q")
                        values_of[key] = array("d")
                    rows_of[key].append(rows)
                    values_of[key].append(value)
                rows += 1
    except OSError as exc:
        raise ReadError(f"cannot read log file: {exc.strerror}", Location(path)) from exc
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"not a supported log format: byte {exc.start} is not UTF-8 text (is this a binary file?)",
            Location(path),
        ) from exc
    if not rows:
        raise ReadError(
            "the JSON Lines log is empty: expected one JSON object per line", Location(path)
        )
    columns: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for key, written in values_of.items():  # first-seen order
        idx = np.frombuffer(rows_of[key], dtype=np.int64)
        col = np.full(rows, np.nan)
        col[idx] = np.frombuffer(written, dtype=np.float64)
        mask = np.zeros(rows, dtype=bool)
        mask[idx] = True
        columns[key] = col
        present[key] = mask
    data = columns_to_logdata(columns, present, path, NAME)
    if not data.series:
        raise ReadError(
            'no numeric fields in the JSON Lines log: expected objects such as {"step": 1, "loss": 0.5}',
            Location(path),
        )
    return data


READER = Reader(
    name=NAME,
    description="JSON Lines, one object per line",
    sniff=sniff,
    read=read,
)
