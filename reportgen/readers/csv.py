"""CSV/TSV logs with a header row: one column per metric, empty cell = not logged on that row."""

from __future__ import annotations

from pathlib import Path

from reportgen.model import LogData
from reportgen.readers.base import Reader
from reportgen.readers.delimited import read_table
from reportgen.readers.tabular import CSV_SUFFIXES as SUFFIXES
from reportgen.readers.tabular import head_rows, numeric, table_to_logdata

NAME = "csv"


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


def read(path: Path) -> LogData:
    return table_to_logdata(read_table(path), path, NAME)


READER = Reader(
    name=NAME,
    sniff=sniff,
    read=read,
)
