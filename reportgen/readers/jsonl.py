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
from reportgen.readers.base import (
    EPOCH_COLUMNS,
    HF_SUMMARY_MARKERS,
    STEP_COLUMNS,
    Reader,
    decode_text,
    head_text,
    json_problem,
    read_bytes,
    step_error,
)
from reportgen.readers.tabular import columns_to_logdata, find_column

NAME = "jsonl"
SUFFIXES = (".jsonl", ".ndjson")
# bare nan/inf tokens (not valid JSON) in value position, outside strings
_BARE = re.compile(r"(?<=[:\[,])(\s*)([+-]?)(nan|inf|infinity)(?=\s*[,}\]])", re.IGNORECASE)
_CONSTANTS = {"nan": "NaN", "inf": "Infinity", "infinity": "Infinity"}


def _flatten(obj: dict, prefix: str, out: dict[str, float], odd: dict[str, tuple[int, object]], line: int) -> None:
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                out[name] = float(value)
            except OverflowError:  # an integer past 1e308: not a float
                out[name] = float("inf") if value > 0 else float("-inf")
        elif isinstance(value, dict):
            _flatten(value, name + "/", out, odd, line)
        elif name not in odd and not isinstance(value, list):
            odd[name] = (line, value)


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
    text = head_text(head)
    if text is None:
        return False
    lines = [
        ln.strip()
        for ln in text.splitlines()
        if ln.strip() and not ln.lstrip().startswith(("#", "//"))
    ]
    full = len(head) >= 8192 and not text.endswith("\n")
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
    text = decode_text(read_bytes(path), path)
    rows_of: dict[str, array] = {}
    values_of: dict[str, array] = {}
    # the first non-numeric value of each field (a string step, a null), for the step check
    odd: dict[str, tuple[int, object]] = {}
    lines = array("q")  # the line of each row, for messages
    rows = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        try:
            obj = _loads(stripped)
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else json_problem(exc)
            raise ReadError(
                f"not a JSON object on this line ({reason}): expected one object per line",
                Location(path, number),
            ) from None
        if not isinstance(obj, dict):
            raise ReadError("expected a JSON object on each line", Location(path, number))
        flat: dict[str, float] = {}
        try:
            _flatten(obj, "", flat, odd, number)
        except RecursionError:
            raise ReadError(
                "this JSON object is nested too deeply to be a metrics record", Location(path, number)
            ) from None
        for key, value in flat.items():
            if key not in values_of:
                rows_of[key] = array("q")
                values_of[key] = array("d")
            rows_of[key].append(rows)
            values_of[key].append(value)
        lines.append(number)
        rows += 1
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
    step_col = find_column(list(columns), STEP_COLUMNS)
    if step_col in odd:
        number, value = odd[step_col]
        raise step_error(step_col, _shown(value), path, number)
    line_of = np.frombuffer(lines, dtype=np.int64)
    meta: dict = {}
    summary = _hf_summary(columns, present)
    if summary:
        meta["summary"] = summary
    if _mmengine(columns, present):
        meta["layout"] = "mmengine"
    data = columns_to_logdata(
        columns, present, path, NAME, line_of=lambda row: int(line_of[row]), meta=meta
    )
    if not data.series:
        raise ReadError(
            'no numeric fields in the JSON Lines log: expected objects such as {"step": 1, "loss": 0.5}',
            Location(path),
        )
    return data


def _hf_summary(columns: dict[str, np.ndarray], present: dict[str, np.ndarray]) -> dict[str, float]:
    """The Hugging Face Trainer's end-of-training record (`train_runtime`, `train_loss`, ...), as
    its callbacks copy it into JSON Lines: metadata, not one-point curves. Its cells are taken
    out of the columns (in place) and returned."""
    rows = np.zeros(len(next(iter(present.values()))), dtype=bool) if present else None
    for marker in HF_SUMMARY_MARKERS:
        if marker in present:
            rows |= present[marker]
    if rows is None or not rows.any():
        return {}
    keep = set(STEP_COLUMNS) | set(EPOCH_COLUMNS)
    summary: dict[str, float] = {}
    for key in list(columns):
        taken = present[key] & rows
        if key.lower() in keep or not taken.any():
            continue
        summary[key] = float(columns[key][np.flatnonzero(taken)[-1]])
        present[key] = present[key] & ~rows
        if not present[key].any():
            del columns[key], present[key]
    return summary


def _mmengine(columns: dict[str, np.ndarray], present: dict[str, np.ndarray]) -> bool:
    """mmengine's `scalars.json`: training records carry `iter`, `epoch` and `step` (= iter);
    validation records carry only `step`, which counts epochs in an epoch-based loop. Those
    records are placed at the training iteration logged last before them (their epoch is kept
    as `epoch`), so two x units never read as a restart. mmengine's `time` is seconds per
    iteration, not a clock: it stays a series, `time_per_iter`. Changes the dicts in place;
    True when the log has this layout."""
    if not {"iter", "step", "epoch"} <= set(columns) or "time" not in columns:
        return False
    train = present["iter"]
    other = present["step"] & ~train
    if not train.any() or not other.any():
        return False
    step = columns["step"]
    max_epoch = np.nanmax(np.where(present["epoch"], columns["epoch"], np.nan))
    if np.nanmax(step[other]) <= max_epoch + 1:  # validation steps count epochs
        rows = np.arange(step.shape[0])
        last_train = np.maximum.accumulate(np.where(train, rows, -1))
        mapped = np.where(last_train >= 0, step[np.clip(last_train, 0, None)], 0.0)
        columns["epoch"] = np.where(other, step, columns["epoch"])
        present["epoch"] = present["epoch"] | other
        columns["step"] = np.where(other, mapped, step)
    del columns["iter"], present["iter"]  # the same number as `step` on training records
    columns["time_per_iter"] = columns.pop("time")
    present["time_per_iter"] = present.pop("time")
    # fields both kinds of record carry (time, data_time) are the validation loop's own on its
    # records: a series of their own, or they would overwrite the training point at that step
    for key in [k for k in columns if k not in ("step", "epoch")]:
        if (present[key] & train).any() and (present[key] & other).any():
            columns[f"val/{key}"] = np.where(other, columns[key], np.nan)
            present[f"val/{key}"] = present[key] & other
            present[key] = present[key] & ~other
    return True


def _shown(value: object) -> str:
    if value is None:
        return "null"
    text = json.dumps(value) if isinstance(value, (str, bool)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


READER = Reader(
    name=NAME,
    sniff=sniff,
    read=read,
)
