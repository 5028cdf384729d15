"""Turning rows of named cells (from CSV or JSON Lines) into series. Shared by the csv, keras,
lightning and jsonl readers so all treat step/epoch/time columns, empty cells, bad cells and
restarts the same way; also the sniffing helpers the table formats share."""

from __future__ import annotations

import csv as _csv
from collections.abc import Callable
from pathlib import Path

import numpy as np

from reportgen.errors import Location, ReadError, display_path
from reportgen.model import LogData, Restart, Series
from reportgen.readers.base import (
    EPOCH_COLUMNS,
    STEP_COLUMNS,
    TIME_COLUMNS,
    bad_steps,
    clean_series,
    head_text,
    head_with_lines,
    parse_float,
    step_error,
)
from reportgen.readers.delimited import Table, delimiter_of, is_skipped

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".log")


def head_rows(head: bytes, limit: int = 3, path: Path | None = None) -> list[list[str]] | None:
    """The first few non-comment rows of a text head split on its delimiter, or None when the
    head is not text. With `path`, a head too short for `limit` lines is extended."""
    if path is not None:
        head = head_with_lines(path, head, limit + 2)
    text = head_text(head)
    if text is None:
        return None
    every = text.splitlines()
    if len(head) >= 8192 and every and not text.endswith("\n"):
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
    try:
        return [[c.strip() for c in row] for row in _csv.reader(lines, delimiter=delim)]
    except _csv.Error:
        return None


def numeric(cell: str) -> bool:
    try:
        return parse_float(cell) is not None
    except ValueError:
        return False


def table_to_logdata(table: Table, path: Path, fmt: str, **kwargs) -> LogData:
    """LogData from a parsed table; ReadError when there are no data rows, no column holds
    numbers, or a step cell is not a number. Bad cells elsewhere become one warning."""
    if table.rows == 0:
        raise ReadError(
            "the log has a header row but no data rows: expected one row per logged step",
            Location(path, table.header_line),
        )
    step_col = find_column(list(table.values), STEP_COLUMNS)
    for cell in table.bad:
        if table.header[cell.column] == step_col:
            raise step_error(step_col, repr(cell.text), path, table.line_of(cell.row))
    meta = {"text_columns": list(table.text_columns), **kwargs.pop("meta", {})}
    if table.bad:
        first = table.bad[0]
        line = table.line_of(first.row)
        at = f"line {line}, " if line is not None else ""
        meta["bad_cells"] = len(table.bad)
        meta["warnings"] = [
            *meta.get("warnings", []),
            f"{display_path(path)}: {len(table.bad)} cell(s) are not numbers and were skipped "
            f"(the rest of their columns is kept); the first at {at}column {first.column + 1} "
            f"({table.header[first.column]!r}): {first.text[:40]!r}",
        ]
    data = columns_to_logdata(table.values, table.present, path, fmt, meta=meta, line_of=table.line_of, **kwargs)
    if not data.series:
        raise ReadError(
            "no numeric metric columns: expected columns of numbers (e.g. step,loss,val_loss)",
            Location(path, table.header_line),
        )
    return data


def find_column(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    for cand in candidates:
        if cand in lowered:
            return lowered[cand]
    return None


def columns_to_logdata(
    columns: dict[str, np.ndarray],
    present: dict[str, np.ndarray],
    path: Path,
    fmt: str,
    *,
    epoch_offset: int = 0,
    rows_are_epochs: bool = False,
    meta: dict | None = None,
    hparams: dict | None = None,
    line_of: Callable[[int], int | None] = lambda row: None,
) -> LogData:
    """Build LogData from float64 columns of equal length in write order.

    `present[name]` marks the rows where the cell was written: an empty cell is "not logged on
    that row", while a written NaN or inf is data and is kept. The x of each point is the step
    column when there is one, else the epoch column (the log then counts epochs, shifted by
    `epoch_offset`), else pandas' unnamed index column, else the row number (both shifted by
    `epoch_offset` and counted as epochs when `rows_are_epochs`). The unnamed index column is
    never a series. A written step (or epoch, when it is the x) that is not a finite number
    within int64 is a ReadError naming its line (`line_of(row)`).
    """
    names = [name for name in columns if name != ""]
    present_masks = present
    step_col = find_column(names, STEP_COLUMNS)
    epoch_col = find_column(names, EPOCH_COLUMNS)
    time_col = find_column(names, TIME_COLUMNS)
    if time_col is not None and not _is_clock(columns[time_col], present_masks.get(time_col)):
        time_col = None  # e.g. seconds per iteration: a metric of its own, not a clock
    n = len(next(iter(columns.values()))) if columns else 0
    x_is_epoch = False
    if step_col is not None:
        x = columns[step_col]
        x_present = present_masks.get(step_col, np.isfinite(x))
    elif epoch_col is not None:
        x = columns[epoch_col] + epoch_offset
        x_present = present_masks.get(epoch_col, np.isfinite(x))
        x_is_epoch = True
    else:
        index = columns.get("")
        x = (np.arange(n, dtype=np.float64) if index is None else index) + epoch_offset
        x_present = np.ones(n, dtype=bool) if index is None else present_masks[""]
        x_is_epoch = rows_are_epochs
    x_name = step_col or epoch_col
    if x_name is not None:
        wrong = bad_steps(x, x_present, whole=step_col is not None)
        if wrong.shape[0]:
            row = int(wrong[0])
            raise step_error(x_name, float(x[row]), path, line_of(row))
    x_present = x_present & np.isfinite(x)
    # Rows without an x (e.g. Lightning's lr-monitor rows with an empty epoch) take the x of
    # the previous row that had one, so they still land in write order.
    if n and not x_present.all():
        idx = np.where(x_present, np.arange(n), -1)
        np.maximum.accumulate(idx, out=idx)
        x = np.where(idx >= 0, x[np.clip(idx, 0, None)], 0.0)
    epoch = columns.get(epoch_col) if epoch_col is not None else None
    if epoch is not None and epoch_offset:
        epoch = epoch + epoch_offset
    if epoch is None and x_is_epoch:
        epoch = x
    wall = columns.get(time_col) if time_col is not None else None
    source = display_path(path)
    series: dict[str, Series] = {}
    restarts: list[list[Restart]] = []
    for name in names:
        if name in (step_col, time_col) or (name == epoch_col and step_col is None):
            continue
        if name == epoch_col:
            continue
        vals = columns[name]
        present = present_masks.get(name, ~np.isnan(vals))
        if not present.any():
            continue
        sel = slice(None) if present.all() else np.nonzero(present)[0]
        s, found = clean_series(
            name,
            np.rint(x[sel]).astype(np.int64),
            vals[sel],
            source=source,
            epoch=None if epoch is None else epoch[sel],
            wall_time=None if wall is None else wall[sel],
        )
        series[name] = s
        restarts.append(found)
    return LogData(
        series=series,
        format=fmt,
        hparams=hparams or {},
        restarts=_row_restarts(x, x_present, source) if any(restarts) else (),
        x_is_epoch=x_is_epoch,
        meta=meta or {},
    )


def _is_clock(values: np.ndarray, written: np.ndarray | None) -> bool:
    """A wall-clock column never goes back (a resumed run restarts its steps, not the clock)."""
    v = values if written is None else values[written]
    v = v[np.isfinite(v)]
    return bool((np.diff(v) >= 0).all())


def _row_restarts(x: np.ndarray, x_present: np.ndarray, source: str) -> tuple[Restart, ...]:
    """Restarts of a row-based log, read from its x column in write order. Its series restart
    together, but a sparse one (validation every epoch) first repeats a step later than the
    dense ones, so per-series restarts would report one resume as several."""
    rows = np.rint(x[x_present]).astype(np.int64)
    _, found = clean_series("x", rows, np.zeros(rows.shape[0]), source=source)
    return tuple(found)
