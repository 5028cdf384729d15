"""JSON Lines logs: one JSON object per line, metrics as numeric fields (nested objects are
flattened with '/'). Python's json writes bare NaN/Infinity, which we accept."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from reportgen.errors import Location, ReadError
from reportgen.model import LogData
from reportgen.readers.base import Reader, decode_text
from reportgen.readers.tabular import columns_to_logdata

NAME = "jsonl"


def _flatten(obj: dict, prefix: str, out: dict[str, float]) -> None:
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            out[name] = float(value)
        elif isinstance(value, dict):
            _flatten(value, name + "/", out)


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir():
        return False
    try:
        text = head.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return False
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 1:
        return False
    complete = lines[:-1] if len(head) >= 8192 else lines
    if not complete:
        return False
    for line in complete[:3]:
        if not (line.startswith("{") and line.endswith("}")):
            return False
        try:
            if not isinstance(json.loads(line), dict):
                return False
        except ValueError:
            return False
    return True


def read(path: Path) -> LogData:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read log file: {exc.strerror}", Location(path)) from exc
    text = decode_text(data, path)
    rows: list[dict[str, float]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith("//"):
            continue
        try:
            obj = json.loads(stripped)
        except ValueError as exc:
            raise ReadError(
                f"not a JSON object on this line ({exc.msg}): expected one object per line",
                Location(path, number),
            ) from exc
        if not isinstance(obj, dict):
            raise ReadError("expected a JSON object on each line", Location(path, number))
        flat: dict[str, float] = {}
        _flatten(obj, "", flat)
        rows.append(flat)
    if not rows:
        raise ReadError("the JSON Lines log is empty: expected one JSON object per line", Location(path))
    names: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for key in row:
            if key not in seen:
                seen.add(key)
                names.append(key)
    columns: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for name in names:
        columns[name] = np.fromiter((row.get(name, np.nan) for row in rows), dtype=np.float64, count=len(rows))
        present[name] = np.fromiter((name in row for row in rows), dtype=bool, count=len(rows))
    return columns_to_logdata(columns, present, path, NAME)


READER = Reader(
    name=NAME,
    description="JSON Lines, one object per line",
    sniff=sniff,
    read=read,
)
