"""Keras: `CSVLogger` output, and `History.history` saved as JSON (or through pandas).

CSVLogger writes `epoch` first, counted from 0; Keras prints epochs from 1 ("Epoch 1/10"), so x
is `epoch + 1`. A history saved without an epoch column (`pd.DataFrame(history.history)
.to_csv()`, `json.dump(history.history)`) has one row per epoch: x is the row number + 1.
The JSON reader accepts a dict of per-epoch lists (`{"loss": [...], "val_loss": [...]}`), and
pandas' `to_json()` dict of dicts keyed by row index; other lists and scalars in the same object
(hand-written histories keep e.g. `phase_starts`, `test_acc`) go to `meta`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.errors import Location, ReadError
from reportgen.model import LogData
from reportgen.readers.base import (
    STEP_COLUMNS,
    Reader,
    decode_text,
    load_json,
    read_bytes,
    read_head,
)
from reportgen.readers.delimited import read_table
from reportgen.readers.tabular import CSV_SUFFIXES as SUFFIXES
from reportgen.readers.tabular import columns_to_logdata, head_rows, numeric, table_to_logdata

NAME = "keras"
_LOSS_KEY = re.compile(rb'"[^"\n]*loss[^"\n]*"\s*:\s*[\[{]', re.IGNORECASE)


def _sniff_csv(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in SUFFIXES:
        return False
    rows = head_rows(head, limit=2, path=path)
    if not rows or len(rows) < 2:
        return False
    header = [h.lower() for h in rows[0]]
    if "loss" not in header or any(h in STEP_COLUMNS for h in header):
        return False
    if len(rows[1]) != len(header) or not all(numeric(c) for c in rows[1] if c):
        return False
    if "epoch" in header:
        # CSVLogger counts from 0; an epoch column starting elsewhere is some other tool's
        return header[0] == "epoch" and numeric(rows[1][0]) and float(rows[1][0]) == 0.0
    return True


def _sniff_json(path: Path, head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{") or b'"log_history"' in head:
        return False
    if _LOSS_KEY.search(head) is None and len(head) >= 8192:
        # a long pretty-printed history can list `accuracy` for many KiB before `loss`
        try:
            with open(path, "rb") as fh:
                head = fh.read(1 << 22)
        except OSError:
            return False
    return _LOSS_KEY.search(head) is not None


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir():
        return False
    return _sniff_json(path, head) or _sniff_csv(path, head)


def read(path: Path) -> LogData:
    head = read_head(path, 16)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _read_json(path)
    table = read_table(path, what="Keras CSV log", example="epoch,loss,val_loss")
    return table_to_logdata(table, path, NAME, epoch_offset=1, rows_are_epochs=True)


def _per_epoch(value: Any) -> list[float | None] | None:
    """A per-epoch list of numbers (None for a missing one), or None if `value` is not one."""
    if isinstance(value, dict):
        if not value or not all(isinstance(k, str) and k.isdigit() for k in value):
            return None
        value = [value[k] for k in sorted(value, key=int)]
    if not isinstance(value, list) or not value:
        return None
    out: list[float | None] = []
    for item in value:
        if item is None:
            out.append(None)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            out.append(float(item))
        else:
            return None
    return out


def _read_json(path: Path) -> LogData:
    obj = load_json(decode_text(read_bytes(path), path), path, "a Keras history")
    if not isinstance(obj, dict):
        raise ReadError(
            'expected a JSON object of per-epoch lists, e.g. {"loss": [...]}', Location(path)
        )
    lists = {k: v for k, v in ((k, _per_epoch(v)) for k, v in obj.items()) if v is not None}
    loss_lengths = [len(v) for k, v in lists.items() if "loss" in k.lower()]
    if not loss_lengths:
        raise ReadError(
            'no per-epoch loss list: expected a Keras history such as {"loss": [...], "val_loss": [...]}',
            Location(path),
        )
    epochs = max(loss_lengths)
    columns: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    other: dict[str, Any] = {}
    for key, values in lists.items():
        if len(values) != epochs:
            other[key] = obj[key]  # e.g. phase_starts: not one value per epoch
            continue
        present[key] = np.array([v is not None for v in values], dtype=bool)
        columns[key] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    scalars = {
        k: v for k, v in obj.items() if k not in lists and isinstance(v, (int, float, str, bool))
    }
    return columns_to_logdata(
        columns,
        present,
        path,
        NAME,
        epoch_offset=1,
        rows_are_epochs=True,
        meta={"other_lists": other, "scalars": scalars},
    )


READER = Reader(
    name=NAME,
    sniff=sniff,
    read=read,
)
