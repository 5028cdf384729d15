"""CSV/TSV logs with a header row: one column per metric, empty cell = not logged on that row."""

from __future__ import annotations

import csv as _csv
import io
from pathlib import Path

import numpy as np

from reportgen.errors import Location, ReadError
from reportgen.model import LogData
from reportgen.readers.base import Reader, decode_text, parse_float
from reportgen.readers.tabular import columns_to_logdata

NAME = "csv"


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _data_lines(text: str) -> list[tuple[int, str]]:
    """Lines with their 1-based numbers, skipping blank lines and `#` comments."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        out.append((number, line))
    return out


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir() or path.suffix.lower() not in (".csv", ".tsv", ".txt", ".log"):
        return False
    try:
        text = head.decode("utf-8", errors="strict").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return False
    lines = [ln for _, ln in _data_lines(text)][:3]
    if len(lines) < 2:
        return path.suffix.lower() in (".csv", ".tsv") and len(lines) == 1
    delim = _delimiter(lines[0])
    header = next(_csv.reader([lines[0]], delimiter=delim))
    row = next(_csv.reader([lines[1]], delimiter=delim))
    if len(header) < 2 or len(row) != len(header):
        return False
    numeric = 0
    for cell in row:
        try:
            if parse_float(cell) is not None:
                numeric += 1
        except ValueError:
            pass
    return numeric >= 1


def read(path: Path) -> LogData:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read log file: {exc.strerror}", Location(path)) from exc
    text = decode_text(data, path)
    lines = _data_lines(text)
    if not lines:
        raise ReadError("the CSV log is empty: expected a header row and data rows", Location(path))
    header_line, header_text = lines[0]
    delim = _delimiter(header_text)
    header = [h.strip() for h in next(_csv.reader([header_text], delimiter=delim))]
    if all(_is_number(h) for h in header if h):
        raise ReadError(
            "the CSV log has no header row: expected column names (e.g. step,loss,val_loss) "
            "on the first line",
            Location(path, header_line),
        )
    seen: set[str] = set()
    for i, h in enumerate(header):
        if not h:
            header[i] = f"column_{i + 1}"
        if header[i] in seen:
            raise ReadError(f"column {header[i]!r} appears twice in the header", Location(path, header_line))
        seen.add(header[i])
    width = len(header)
    body = io.StringIO("\n".join(line for _, line in lines[1:]))
    cells: list[list[float | None]] = [[] for _ in range(width)]
    text_columns: set[int] = set()
    for index, row in enumerate(_csv.reader(body, delimiter=delim)):
        line_no = lines[1 + index][0]
        if len(row) > width and any(c.strip() for c in row[width:]):
            raise ReadError(
                f"row has {len(row)} cells but the header names {width} columns",
                Location(path, line_no),
            )
        for col in range(width):
            cell = row[col] if col < len(row) else ""
            if col in text_columns:
                cells[col].append(None)
                continue
            try:
                cells[col].append(parse_float(cell))
            except ValueError:
                # A text column (a timestamp string, a file name): not a metric.
                text_columns.add(col)
                cells[col].append(None)
    columns: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for col, name in enumerate(header):
        if col in text_columns:
            continue
        raw = cells[col]
        mask = np.fromiter((v is not None for v in raw), dtype=bool, count=len(raw))
        values = np.fromiter((np.nan if v is None else v for v in raw), dtype=np.float64, count=len(raw))
        columns[name] = values
        present[name] = mask
    return columns_to_logdata(
        columns, present, path, NAME, meta={"text_columns": sorted(header[c] for c in text_columns)}
    )


def _is_number(text: str) -> bool:
    try:
        return parse_float(text) is not None
    except ValueError:
        return False


READER = Reader(
    name=NAME,
    description="CSV/TSV with a header row (empty cell = not logged on that row)",
    sniff=sniff,
    read=read,
)
