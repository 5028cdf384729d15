"""Hugging Face Trainer `trainer_state.json`, or a `checkpoint-*` folder holding one.

`log_history` mixes train records (`loss`, `grad_norm`, `learning_rate`), eval records
(`eval_loss`, `eval_*`), `predict_*` records (which carry no `step`: they take the step of the
record before them) and one final summary record (`train_loss`, `train_runtime`, ...) that is
not a curve point: it goes to `meta["summary"]`. x is `step`; each point keeps its `epoch`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.errors import Location, ReadError, display_path
from reportgen.model import LogData, Restart, Series
from reportgen.readers.base import (
    HF_SUMMARY_MARKERS,
    Reader,
    bad_steps,
    clean_series,
    decode_text,
    load_json,
    merge_restarts,
    read_bytes,
    step_error,
)

NAME = "hf_trainer"
FILE = "trainer_state.json"
# Header keys that describe how the run was configured.
HPARAM_KEYS = (
    "eval_steps",
    "logging_steps",
    "max_steps",
    "num_train_epochs",
    "save_steps",
    "train_batch_size",
)
META_KEYS = (
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
    "global_step",
    "epoch",
    "total_flos",
)


def _state_file(path: Path) -> Path | None:
    if path.is_dir():
        candidate = path / FILE
        return candidate if candidate.is_file() else None
    return path


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir():
        return (path / FILE).is_file()
    return path.name.endswith(FILE) or (path.suffix.lower() == ".json" and b'"log_history"' in head)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _step(value: Any, file: Path, index: int) -> int:
    """A record's step as an int64-sized int; ReadError naming the record otherwise."""
    number = _number(value)
    if number is not None and isinstance(value, int):
        ok = -(2**63) <= value < 2**63
    else:
        ok = number is not None and bad_steps(np.array([number]), np.ones(1, dtype=bool)).shape[0] == 0
    if not ok:
        shown = json.dumps(value) if not isinstance(value, int) else repr(value)
        raise step_error("step", shown[:40], file, None, where=f"log_history[{index}]: ")
    return int(value)


def read(path: Path) -> LogData:
    file = _state_file(path)
    if file is None:
        raise ReadError(
            f"no {FILE} in this folder: expected a Hugging Face Trainer checkpoint folder (checkpoint-N/)",
            Location(path),
        )
    text = decode_text(read_bytes(file), file)
    state = load_json(text, file, f"a Trainer {FILE}")
    history = state.get("log_history") if isinstance(state, dict) else None
    if not isinstance(history, list):
        raise ReadError(
            f'not a Trainer {FILE}: expected a JSON object with a "log_history" list',
            Location(file),
        )
    points: dict[str, tuple[list[int], list[float], list[float]]] = {}
    summary: dict[str, float] = {}
    step = 0
    for index, entry in enumerate(history):
        if not isinstance(entry, dict):
            continue
        if "step" in entry:
            step = _step(entry["step"], file, index)
        epoch = _number(entry.get("epoch"))
        if any(k in entry for k in HF_SUMMARY_MARKERS):
            summary.update({k: v for k, v in entry.items() if _number(v) is not None})
            continue
        for key, value in entry.items():
            number = _number(value)
            if key in ("step", "epoch") or number is None:
                continue
            s, v, e = points.setdefault(key, ([], [], []))
            s.append(step)
            v.append(number)
            e.append(np.nan if epoch is None else epoch)
    source = display_path(file)
    series: dict[str, Series] = {}
    restarts: list[list[Restart]] = []
    for name in sorted(points):
        s, v, e = points[name]
        series[name], found = clean_series(
            name, np.array(s), np.array(v), source=source, epoch=np.array(e)
        )
        restarts.append(found)
    if not series:
        raise ReadError(
            "the Trainer log_history holds no metric records: expected entries such as "
            '{"loss": ..., "step": ...}',
            Location(file),
        )
    meta = {k: state[k] for k in META_KEYS if k in state}
    meta["summary"] = summary
    hparams = {k: state[k] for k in HPARAM_KEYS if k in state and state[k] is not None}
    return LogData(
        series=series, format=NAME, hparams=hparams, restarts=merge_restarts(restarts), meta=meta
    )


READER = Reader(
    name=NAME,
    sniff=sniff,
    read=read,
)
