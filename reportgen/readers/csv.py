"""CSV/TSV logs with a header row: one column per metric, empty cell = not logged on that row."""

from __future__ import annotations

import csv as _csv
from pathlib import Path

from reportgen.errors import Location, ReadError
from reportgen.model import LogData
from reportgen.readers.base import Reader, head_with_lines, parse_float
from reportgen.readers.csvparse import Table, delimiter_of, is_skipped, read_table
from reportgen.readers.tabular import columns_to_logdata

NAME = "csv"
SUFFIXES = (".csv", ".tsv", ".txt", ".log")


def head_rows(head: bytes, limit: int = 3, path: Path | None = None) -> list[list[str]] | None:
    """The first few non-comment rows of a text head split on its delimiter, or None when the
    head is not UTF-8 text. With `path`, a head too short for `limit` lines is extended."""
    if path is not None:
        head = head_with_lines(path, head, limit + 2)
    try:
        text = head.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None
    every = text.splitlines()
    if len(head) >= 8192 and every and not head.endswith(b"\n"):
        every.pop()  # the last line of a full head may be cut
    lines = []
    for ln in every:  # the first `limit` rows, not every line of the head: sniffing is per file
        if not is_skipped(ln):
            lines.append(ln)
            if len(lines) == limit:
                break
    if not lines:
        return []
    delim = delimiter_of(lines[0])
    return [[c.strip() for c in row] for row in _csv.reader(lines, delimiter=delim)]


def numeric(cell: str) -> bool:
    try:
        return parse_float(cell) is not None
    except ValueError:
        return False


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir() or path.suffix.lower() not in SUFFIXES:
        return False
    rows = head_rows(head, path=path)
    if not rows:
        return False
    header = rows[0]
    if header[0].startswith(("{", "[")):
        return False  # JSON split on its commas is not a table
    if len(header) < 2 or all(numeric(h) for h in header if h):
        return False
    if len(rows) == 1:
        return path.suffix.lower() in (".csv", ".tsv")
    row = rows[1]
    return len(row) == len(header) and any(numeric(c) for c in row)


def table_to_logdata(table: Table, path: Path, fmt: str, **kwargs) -> LogData:
    """LogData from a parsed table; ReadError when there are no data rows or no column holds
    numbers."""
    if table.rows == 0:
        raise ReadError(
            "the log has a header row but no data rows: expected one row per logged step",
            Location(path, table.header_line),
        )
    data = columns_to_logdata(
        table.values,
        table.present,
        path,
        fmt,
        meta={"text_columns": list(table.text_columns), **kwargs.pop("meta", {})},
        **kwargs,
    )
    if not data.series:
        raise ReadError(
            "no numeric metric columns: expected columns of numbers (e.g. step,loss,val_loss)",
            Location(path, table.header_line),
        )
    return data


def read(path: Path) -> LogData:
    return table_to_logdata(read_table(path), path, NAME)


READER = Reader(
    name=NAME,
    description="CSV/TSV with a header row (empty cell = not logged on that row)",
    sniff=sniff,
    read=read,
)
