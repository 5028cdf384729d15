"""Turning rows of named cells (from CSV or JSON Lines) into series. Shared by the csv and jsonl
readers so both treat step/epoch/time columns, empty cells and restarts the same way."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reportgen.errors import display_path
from reportgen.model import LogData, Restart, Series
from reportgen.readers.base import (
    EPOCH_COLUMNS,
    STEP_COLUMNS,
    TIME_COLUMNS,
    clean_series,
)


def _find(columns: list[str], candidates: tuple[str, ...]) -> str | None:
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
) -> LogData:
    """Build LogData from float64 columns of equal length in write order.

    `present[name]` marks the rows where the cell was written: an empty cell is "not logged on
    that row", while a written NaN or inf is data and is kept. The x of each point is the step
    column when there is one, else the epoch column (the log then counts epochs, shifted by
    `epoch_offset`), else pandas' unnamed index column, else the row number (both shifted by
    `epoch_offset` and counted as epochs when `rows_are_epochs`). The unnamed index column is
    never a series.
    """
    names = [name for name in columns if name != ""]
    present_masks = present
    step_col = _find(names, STEP_COLUMNS)
    epoch_col = _find(names, EPOCH_COLUMNS)
    time_col = _find(names, TIME_COLUMNS)
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


def _row_restarts(x: np.ndarray, x_present: np.ndarray, source: str) -> tuple[Restart, ...]:
    """Restarts of a row-based log, read from its x column in write order. Its series restart
    together, but a sparse one (validation every epoch) first repeats a step later than the
    dense ones, so per-series restarts would report one resume as several."""
    rows = np.rint(x[x_present]).astype(np.int64)
    _, found = clean_series("x", rows, np.zeros(rows.shape[0]), source=source)
    return tuple(found)
