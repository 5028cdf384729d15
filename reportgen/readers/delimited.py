"""Delimited text logs (CSV/TSV) parsed into float64 columns, shared by the csv, keras and
lightning readers.

pyarrow's CSV reader parses the file (docs/measurements.md says why pyarrow, and not pandas or
our former numpy parser). What it cannot take exactly (`#` comment lines, whitespace-only lines,
rows with another number of cells than the header, text that is not UTF-8, UTF-16) is re-read
by the robust path built on the csv module; both give the same result (tests compare them).

A cell that is not a number in a column of numbers costs that cell, not the column: it is
counted, and reported with its line and column (`Table.bad`). A column with more such cells than
numbers is a text column (a timestamp, a file name) and is left out.
"""

from __future__ import annotations

import csv as _csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from reportgen.errors import Location, ReadError
from reportgen.readers.base import decode_text, not_utf8, parse_float, read_bytes

DELIMITERS = (",", "\t", ";")
# Cells meaning "not logged on this row" (parse_float's words, in the spellings pyarrow can match
# exactly; other spellings reach parse_float through the text-column path).
EMPTY_TOKENS = ["", "None", "none", "NONE", "null", "Null", "NULL", "NA", "na", "N/A", "n/a"]

# pyarrow's complaint about a cell that does not fit the type it guessed for the column
_CONVERSION = re.compile(r"In CSV column #(\d+): .*conversion error", re.S)


@dataclass(frozen=True)
class BadCell:
    row: int  # 0-based data row
    column: int  # 0-based column
    text: str


@dataclass(frozen=True)
class Table:
    """Columns of a delimited log in row order. `present[name]` marks the written cells (an
    empty cell is "not logged on that row"; a written NaN is data). Text columns are listed
    apart and have no values. `bad` lists the cells that were not numbers in number columns
    (their value is NaN and they are not present)."""

    header: tuple[str, ...]
    values: dict[str, np.ndarray]
    present: dict[str, np.ndarray]
    text_columns: tuple[str, ...]
    rows: int
    header_line: int
    fast: bool  # which path read it (for tests and the benchmark)
    bad: tuple[BadCell, ...] = ()
    # 1-based line of each data row; computed when a message needs one
    line_of: Callable[[int], int | None] = field(default=lambda row: None, compare=False)


class _Fallback(Exception):
    """The fast path met something it does not handle exactly."""


def delimiter_of(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def is_skipped(line: str) -> bool:
    """Blank lines and `#` comment lines carry no data."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _header(data: bytes, path: Path) -> tuple[str, int, int]:
    """(header text, its 1-based line number, byte offset of the next line) of UTF-8 data."""
    offset = 0
    number = 0
    while offset < len(data):  # line by line: the header is near the top of a large file
        end = data.find(b"\n", offset)
        end = len(data) if end < 0 else end + 1
        raw = data[offset:end]
        number += 1
        offset = end
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise not_utf8(path, number) from None
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not is_skipped(line):
            return line.rstrip("\r\n"), number, offset
    return "", 0, offset


def split_header(text: str, delim: str) -> list[str]:
    return [h.strip() for h in next(_csv.reader([text], delimiter=delim))]


def read_table(path: Path, *, what: str = "CSV log", example: str = "step,loss,val_loss") -> Table:
    """Read a delimited log. Raises ReadError for an empty file, a missing header, a duplicate
    column name, text that is not UTF-8, or a row with more cells than the header."""
    data = read_bytes(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _robust(decode_text(data, path), path, what, example)
    header_text, header_line, data_start = _header(data, path)
    if not header_text:
        raise ReadError(f"the {what} is empty: expected a header row and data rows", Location(path))
    delim = delimiter_of(header_text)
    header = _check_header(_split(header_text, delim, path, header_line, what), path, header_line, what, example)
    try:
        values, present, bad = _fast(data, data_start, delim, len(header))
    except _Fallback:
        return _robust(decode_text(data, path), path, what, example)
    return _table(header, values, present, bad, header_line, fast=True,
                  line_of=_lazy_lines(data, data_start, header_line))


def _split(text: str, delim: str, path: Path, line: int, what: str) -> list[str]:
    try:
        return split_header(text, delim)
    except _csv.Error:  # e.g. a stray carriage return inside the line: not a header
        raise ReadError(
            f"the {what} header row cannot be read (a carriage return inside the line?)", Location(path, line)
        ) from None


def _check_header(header: list[str], path: Path, line: int, what: str, example: str) -> list[str]:
    if all(_is_number(h) for h in header if h) and any(header):
        raise ReadError(
            f"the {what} has no header row: expected column names (e.g. {example}) on the first line",
            Location(path, line),
        )
    seen: set[str] = set()
    out = []
    for i, h in enumerate(header):
        # pandas writes its index column with an empty name; name other empty cells by position
        name = h if h else ("" if i == 0 else f"column_{i + 1}")
        if name in seen:
            raise ReadError(f"column {name!r} appears twice in the header", Location(path, line))
        seen.add(name)
        out.append(name)
    return out


def _fast(data: bytes, start: int, delim: str, width: int) -> tuple[list[np.ndarray], list[np.ndarray], list[BadCell]]:
    names = [f"c{i}" for i in range(width)]
    types: dict[str, pa.DataType] = {}
    while True:
        try:
            table = pacsv.read_csv(
                pa.BufferReader(pa.py_buffer(data)[start:]),  # no copy of the file
                # one thread: a build already runs one reader per worker process
                read_options=pacsv.ReadOptions(use_threads=False, column_names=names),
                parse_options=pacsv.ParseOptions(delimiter=delim),
                convert_options=pacsv.ConvertOptions(
                    column_types=types, null_values=EMPTY_TOKENS, strings_can_be_null=True
                ),
            )
            break
        except pa.ArrowInvalid as exc:
            if str(exc).startswith("Empty CSV file"):  # a header and no rows
                return [np.zeros(0)] * width, [np.zeros(0, dtype=bool)] * width, []
            # a text cell after the rows pyarrow guessed the column's type from: read that
            # column as text (bad cells are counted there); anything else goes to the robust path
            found = _CONVERSION.search(str(exc))
            if found is None or names[int(found.group(1))] in types:
                raise _Fallback from None
            types[names[int(found.group(1))]] = pa.string()
    values: list[np.ndarray] = []
    present: list[np.ndarray] = []
    bad: list[BadCell] = []
    for col in range(width):
        column = table.column(col)
        if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
            present.append(np.asarray(column.is_valid()))
            values.append(np.asarray(column.cast(pa.float64()).to_numpy(), dtype=np.float64))
            continue
        try:
            cells = column.cast(pa.string()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise _Fallback from None  # bytes that are not UTF-8: the robust path names the line
        if col == 0 and any(isinstance(c, str) and c.lstrip().startswith("#") for c in cells):
            raise _Fallback  # a comment line that happened to have as many cells as the header
        v, p, found_bad = _text_cells(cells, col)
        values.append(v)
        present.append(p)
        bad.extend(found_bad)
    return values, present, bad


def _text_cells(cells: np.ndarray, col: int) -> tuple[np.ndarray, np.ndarray, list[BadCell]]:
    """A column pyarrow read as text: numbers where parse_float takes the cell, the rest bad."""
    n = cells.shape[0]
    values = np.full(n, np.nan)
    present = np.zeros(n, dtype=bool)
    bad: list[BadCell] = []
    for row, cell in enumerate(cells.tolist()):
        if cell is None:
            continue
        text = cell if isinstance(cell, str) else str(cell)
        try:
            value = parse_float(text)
        except ValueError:
            bad.append(BadCell(row, col, text.strip()))
            continue
        if value is not None:
            values[row] = value
            present[row] = True
    return values, present, bad


def _table(
    header: list[str],
    values: list[np.ndarray],
    present: list[np.ndarray],
    bad: list[BadCell],
    header_line: int,
    *,
    fast: bool,
    line_of: Callable[[int], int | None],
) -> Table:
    """The table, with columns holding more bad cells than numbers set apart as text."""
    bad_per_column = np.bincount([b.column for b in bad], minlength=len(header))
    text = {c for c in range(len(header)) if bad_per_column[c] and bad_per_column[c] >= np.count_nonzero(present[c])}
    return Table(
        header=tuple(header),
        values={h: values[c] for c, h in enumerate(header) if c not in text},
        present={h: present[c] for c, h in enumerate(header) if c not in text},
        text_columns=tuple(header[c] for c in sorted(text)),
        rows=values[0].shape[0] if values else 0,
        header_line=header_line,
        fast=fast,
        bad=tuple(sorted((b for b in bad if b.column not in text), key=lambda b: (b.row, b.column))),
        line_of=line_of,
    )


def _lazy_lines(data: bytes, start: int, header_line: int) -> Callable[[int], int | None]:
    """row -> 1-based line, for the fast path (pyarrow skips empty lines only)."""
    cache: list[np.ndarray] = []

    def line_of(row: int) -> int | None:
        if not cache:
            lines = data[start:].split(b"\n")
            written = np.array([bool(ln.strip(b"\r")) for ln in lines], dtype=bool)
            cache.append(np.flatnonzero(written) + header_line + 1)
        lines_of = cache[0]
        return int(lines_of[row]) if 0 <= row < lines_of.shape[0] else None

    return line_of


def _robust(text: str, path: Path, what: str, example: str) -> Table:
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if not is_skipped(line)]
    if not lines:
        raise ReadError(f"the {what} is empty: expected a header row and data rows", Location(path))
    header_line, header_text = lines[0]
    delim = delimiter_of(header_text)
    header = _check_header(_split(header_text, delim, path, header_line, what), path, header_line, what, example)
    width = len(header)
    values = [np.full(len(lines) - 1, np.nan) for _ in range(width)]
    present = [np.zeros(len(lines) - 1, dtype=bool) for _ in range(width)]
    bad: list[BadCell] = []
    body = io.StringIO("\n".join(line for _, line in lines[1:]))
    index = -1
    try:
        for index, row in enumerate(_csv.reader(body, delimiter=delim)):
            if len(row) > width and any(c.strip() for c in row[width:]):
                raise ReadError(
                    f"row has {len(row)} cells but the header names {width} columns",
                    Location(path, lines[1 + index][0]),
                )
            for col, cell in enumerate(row[:width]):
                try:
                    value = parse_float(cell)
                except ValueError:
                    bad.append(BadCell(index, col, cell.strip()))
                    continue
                if value is not None:
                    values[col][index] = value
                    present[col][index] = True
    except _csv.Error:
        raise ReadError(
            f"the {what} has a quoted cell that never ends: check the quotes on the lines after this one",
            Location(path, lines[1 + index + 1][0] if index + 2 < len(lines) else header_line),
        ) from None
    row_lines = [n for n, _ in lines[1:]]
    return _table(header, values, present, bad, header_line, fast=False,
                  line_of=lambda row: row_lines[row] if 0 <= row < len(row_lines) else None)


def _is_number(text: str) -> bool:
    try:
        return parse_float(text) is not None
    except ValueError:
        return False


