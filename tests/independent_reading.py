"""An independent reading of real logs, for tests: the csv / json modules, MLflow's metric lines,
TensorBoard's own EventAccumulator. Each reader returns {name: [(x, value), ...]} in write order for
every loss-like name; `last_written` applies TensorBoard's resume rule."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

# loss-like names, including the corpus' abbreviations (tr_ls, val_ls) and TF1's cross_entropy
LOSSY = re.compile(r"loss|(^|_)ls(_|$)|cross_entropy", re.IGNORECASE)


def lossy(name: str) -> bool:
    return LOSSY.search(name) is not None


STEP_KEYS = ("step", "global_step", "iteration", "iter", "it", "batch", "n_iter", "steps")


def last_written(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """TensorBoard's rule: a point at x supersedes every earlier point at x or later."""
    kept: list[tuple[float, float]] = []
    for x, v in points:
        while kept and kept[-1][0] >= x:
            kept.pop()
        kept.append((x, v))
    return kept


def csv_reference(path: Path, kind: str) -> dict[str, list[tuple[float, float]]]:
    text = path.read_bytes().decode("utf-8-sig")
    lines = [
        ln for ln in text.replace("\r", "").split("\n") if ln.strip() and not ln.startswith("#")
    ]
    rows = list(csv.reader(lines))
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    x_col = next((lower.index(k) for k in STEP_KEYS if k in lower), None)
    epoch_based = x_col is None and "epoch" in lower
    if epoch_based:
        x_col = lower.index("epoch")
    elif x_col is None and header[0] == "":
        x_col = 0  # pandas index
    shift = 1 if kind == "keras" else 0
    out: dict[str, list[tuple[float, float]]] = {}
    last_x = 0.0
    for number, row in enumerate(rows[1:]):
        row = [c.strip() for c in row]
        if x_col is None:
            x = number + shift
        elif row[x_col]:
            x = float(row[x_col]) + (
                shift if x_col is not None and (epoch_based or header[0] == "") else 0
            )
            last_x = x
        else:
            x = last_x
        for name, cell in zip(header, row):
            if lossy(name) and cell:
                out.setdefault(name, []).append((x, float(cell)))
    return out


def hf_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
    state = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[tuple[float, float]]] = {}
    step = 0
    for entry in state["log_history"]:
        step = entry.get("step", step)
        if "train_runtime" in entry:
            continue
        for key, value in entry.items():
            if lossy(key) and isinstance(value, (int, float)):
                out.setdefault(key, []).append((step, float(value)))
    return out


def history_json_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
    obj = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[tuple[float, float]]] = {}
    for key, values in obj.items():
        if not lossy(key):
            continue
        if isinstance(values, dict):
            values = [values[k] for k in sorted(values, key=int)]
        out[key] = [(i + 1, float(v)) for i, v in enumerate(values) if v is not None]
    return out


def jsonl_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    records = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    keys = {k for r in records for k in r}
    x_key = next((k for k in STEP_KEYS if k in keys), "epoch" if "epoch" in keys else None)
    last_x = 0.0
    for number, record in enumerate(records):
        if x_key is None:
            x = number
        elif x_key in record:
            x = last_x = float(record[x_key])
        else:
            x = last_x
        for key, value in record.items():
            if lossy(key) and isinstance(value, (int, float)) and not isinstance(value, bool):
                out.setdefault(key, []).append((x, float(value)))
    return out


def mlflow_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for file in sorted((path / "metrics").rglob("*")):
        name = file.relative_to(path / "metrics").as_posix()
        if not file.is_file() or not lossy(name):
            continue
        rows = [ln.split() for ln in file.read_text(encoding="utf-8").splitlines() if ln.strip()]
        steps = [int(r[2]) if len(r) > 2 else 0 for r in rows]
        if len(set(steps)) == 1 and len(steps) > 1:
            steps = list(range(len(steps)))  # every point at one step: laid out in write order
        out[name] = [(s, float(r[1])) for s, r in zip(steps, rows)]
    return out


def tensorboard_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
    """A file, or a folder of event files; sub-folders (Keras' train/ and validation/) are runs
    whose tags are prefixed with the sub-folder's path."""
    if path.is_file():
        return _event_scalars(path)
    out: dict[str, list[tuple[float, float]]] = {}
    folders = sorted({f.parent for f in path.rglob("*tfevents*") if f.is_file()})
    for folder in folders:
        prefix = "" if folder == path else folder.relative_to(path).as_posix() + "/"
        out.update({prefix + tag: points for tag, points in _event_scalars(folder).items()})
    return out


def _event_scalars(path: Path) -> dict[str, list[tuple[float, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(path), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    out: dict[str, list[tuple[float, float]]] = {}
    for tag in acc.Tags()["scalars"]:
        if lossy(tag):
            out[tag] = [(e.step, e.value) for e in acc.Scalars(tag)]
    # the HF Trainer's end-of-training record (one point beside train_runtime) is not a curve
    for tag in [t for t in acc.Tags()["scalars"] if t.endswith("train_runtime")]:
        out.pop(tag.removesuffix("train_runtime") + "train_loss", None)
    for tag in acc.Tags()["tensors"]:
        if lossy(tag) and acc.SummaryMetadata(tag).plugin_data.plugin_name == "scalars":
            out[tag] = [
                (e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)
            ]
    return out


def reference(path: Path, kind: str) -> dict[str, list[tuple[float, float]]]:
    if kind == "tensorboard":
        return tensorboard_reference(path)
    if kind == "mlflow":
        return mlflow_reference(path)
    if kind == "hf_trainer":
        return hf_reference(path)
    head = path.read_bytes()[:1].strip()
    if head == b"{" or path.suffix in (".json", ".txt"):
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return jsonl_reference(path)
        return (
            history_json_reference(path)
            if isinstance(obj, dict) and "log_history" not in obj
            else {}
        )
    return csv_reference(path, kind)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b
