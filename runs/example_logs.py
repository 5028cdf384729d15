"""Writing a training History as log files: value formatting shared by every layout, and the
plain CSV / JSON Lines layouts that hand-written training loops produce."""

from __future__ import annotations

import json

import numpy as np
from example_training import History

# Logs carry wall times derived from this instant, never from the clock (2023-11-14 22:13:20 UTC).
START_TIME = 1_700_000_000.0
SECONDS_PER_STEP = 0.0125
SECONDS_PER_EVAL = 0.35


def wall_time_at(step: int, evals_done: int) -> float:
    """Seconds since the Unix epoch when `step` finished, after `evals_done` validations."""
    return round(START_TIME + step * SECONDS_PER_STEP + evals_done * SECONDS_PER_EVAL, 4)


# ---------------------------------------------------------------- value formatting


def f32(value: float) -> float:
    """A value as a framework logs it: computed in float32, written as the Python float of
    that (what `tensor.item()` gives). NaN and inf stay NaN and inf; values beyond float32's
    range become inf, as they would in float32 training."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


def cell(value: float) -> str:
    """A CSV cell: repr of the float32 value; 'nan' / 'inf' tokens as Python writes them."""
    return repr(f32(value))


def csv_bytes(header: list[str], rows: list[dict[str, str]], newline: str = "\n") -> bytes:
    lines = [",".join(header)]
    lines += [",".join(row.get(h, "") for h in header) for row in rows]
    return (newline.join(lines) + newline).encode("utf-8")


def jsonl_bytes(records: list[dict]) -> bytes:
    # json writes NaN / Infinity for non-finite floats, as Python loggers do
    return "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")


# ---------------------------------------------------------------- plain log layouts


def steps_csv(h: History, *, log_every: int = 1, task: str = "classification") -> bytes:
    """A hand-written PyTorch-style logger: one row per logged step (train loss), validation
    metrics on the row of the last step of each epoch, empty cells where nothing was logged."""
    metric = "val_acc" if task == "classification" else "val_mae"
    header = ["step", "epoch", "train_loss", "val_loss", metric]
    if task == "classification":
        header.insert(3, "train_acc")
    ends = {int(s): i for i, s in enumerate(h.epoch_end_step)}
    rows = []
    for t in range(len(h.step_loss)):
        step = t + 1
        if step % log_every and step not in ends:
            continue
        row = {
            "step": str(step),
            "epoch": str(int(h.step_epoch[t])),
            "train_loss": cell(h.step_loss[t]),
        }
        if step in ends:
            e = ends[step]
            row["val_loss"] = cell(h.val_loss[e])
            row[metric] = cell(h.val_metric[e])
            if task == "classification":
                row["train_acc"] = cell(h.train_acc[e])
        rows.append(row)
    return csv_bytes(header, rows)


def epochs_csv(h: History) -> bytes:
    """One row per epoch (1-based), as a Keras-less regression script writes it."""
    header = ["epoch", "train_loss", "val_loss", "val_mae"]
    rows = [
        {
            "epoch": str(e + 1),
            "train_loss": cell(h.train_loss[e]),
            "val_loss": cell(h.val_loss[e]),
            "val_mae": cell(h.val_metric[e]),
        }
        for e in range(len(h.train_loss))
    ]
    return csv_bytes(header, rows)


def steps_jsonl(h: History, *, log_every: int = 1, wall_time: bool = False) -> bytes:
    """One JSON object per logged step ({step, epoch, train_loss, lr}) and one per validation
    ({step, epoch, val_loss, val_acc}), in the order they were written."""
    ends = {int(s): i for i, s in enumerate(h.epoch_end_step)}
    records: list[dict] = []
    for t in range(len(h.step_loss)):
        step = t + 1
        if step % log_every == 0 or step in ends:
            rec: dict = {"step": step, "epoch": int(h.step_epoch[t])}
            if wall_time:
                rec["wall_time"] = wall_time_at(step, evals_done=int(h.step_epoch[t]))
            rec["train_loss"] = f32(h.step_loss[t])
            rec["lr"] = float(h.step_lr[t])
            records.append(rec)
        if step in ends:
            e = ends[step]
            rec = {"step": step, "epoch": e}
            if wall_time:
                rec["wall_time"] = wall_time_at(step, evals_done=e + 1)
            rec["val_loss"] = f32(h.val_loss[e])
            rec["val_acc"] = f32(h.val_metric[e])
            records.append(rec)
    return jsonl_bytes(records)


def labels_csv(labels: np.ndarray) -> bytes:
    return csv_bytes(["label"], [{"label": str(int(v))} for v in labels])


def resumed_csv(log: bytes, *, crashed_after: int, resumed_from: int) -> bytes:
    """A CSV log of a run that crashed after step `crashed_after` and was resumed from its
    checkpoint at step `resumed_from`, the logger appending to the same file: rows up to the
    crash, then the rows the resumed run wrote from `resumed_from + 1` on (the training loop is
    deterministic, so resuming reproduces them exactly)."""
    lines = log.decode("utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    step = [int(r.split(",", 1)[0]) for r in rows]
    before = [r for r, s in zip(rows, step) if s <= crashed_after]
    after = [r for r, s in zip(rows, step) if s > resumed_from]
    return ("\n".join([header, *before, *after]) + "\n").encode("utf-8")
