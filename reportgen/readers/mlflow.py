"""MLflow file store: one run folder, `mlruns/<experiment>/<run>/`.

`metrics/<name>` files hold `<timestamp_ms> <value> [<step>]` lines (nested metric names such as
`train/loss` are sub-folders); `params/<name>` files become hparams; `tags/mlflow.runName` and
`meta.yaml` go to `meta`. x is the step; a metric whose points all share one step (mlflow's
default step is 0) is laid out by write order instead. wall_time is the timestamp in seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from reportgen.errors import Location, ManifestError, ReadError, display_path
from reportgen.model import LogData, Restart, Series
from reportgen.readers.base import (
    Reader,
    bad_steps,
    clean_series,
    decode_text,
    merge_restarts,
    parse_float,
    read_bytes,
    step_error,
)
from reportgen.readers.yamlmeta import read_metadata_yaml

NAME = "mlflow"


def sniff(path: Path, head: bytes) -> bool:
    return (
        path.is_dir()
        and (path / "metrics").is_dir()
        and (
            (path / "meta.yaml").is_file() or (path / "params").is_dir() or (path / "tags").is_dir()
        )
    )


def _files(folder: Path) -> list[tuple[str, Path]]:
    """(name with '/' for nesting, file) for every file below `folder`, sorted."""
    if not folder.is_dir():
        return []
    return [(p.relative_to(folder).as_posix(), p) for p in sorted(folder.rglob("*")) if p.is_file()]


def _parse_metric(file: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(timestamps ms, values, steps) in write order."""
    text = decode_text(read_bytes(file), file)
    fast = _parse_fast(text)
    if fast is not None:
        _check_steps(fast[2], None, file)
        return fast
    lines: list[int] = []
    stamps: list[float] = []
    values: list[float] = []
    steps: list[float] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            if len(parts) not in (2, 3):
                raise ValueError
            value = parse_float(parts[1])
            stamps.append(float(parts[0]))
            values.append(np.nan if value is None else value)
            steps.append(float(parts[2]) if len(parts) == 3 else 0.0)
            lines.append(number)
        except ValueError:
            raise ReadError(
                f"expected '<timestamp_ms> <value> <step>' (MLflow metric line), got {line.strip()[:60]!r}",
                Location(file, number),
            ) from None
    _check_steps(np.array(steps), lines, file)
    return np.array(stamps), np.array(values, dtype=np.float64), np.array(steps)


def _check_steps(steps: np.ndarray, lines: list[int] | None, file: Path) -> None:
    wrong = bad_steps(steps, np.ones(steps.shape[0], dtype=bool))
    if wrong.shape[0]:
        row = int(wrong[0])
        raise step_error("step", float(steps[row]), file, row + 1 if lines is None else lines[row])


def _parse_fast(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """All lines `<timestamp> <value> <step>` parsed by numpy at once; None when the text has
    anything else (2-token lines, blank lines, bad tokens), for the line-by-line parser."""
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if not lines or "\n\n" in text or text.startswith("\n"):
        return None
    try:
        flat = np.fromstring(text.replace("\n", " "), sep=" ")
    except ValueError:
        return None
    if flat.shape[0] != 3 * lines:
        return None
    table = flat.reshape(lines, 3)
    steps = table[:, 2]
    return table[:, 0].copy(), table[:, 1].copy(), steps.copy()


def read(path: Path) -> LogData:
    metrics_dir = path / "metrics"
    if not path.is_dir() or not metrics_dir.is_dir():
        raise ReadError(
            "not an MLflow run folder: expected mlruns/<experiment>/<run>/ with a metrics/ folder",
            Location(path),
        )
    metric_files = _files(metrics_dir)
    if not metric_files:
        raise ReadError(
            "the MLflow run has no metric files: expected metrics/<name> files with "
            "'<timestamp_ms> <value> <step>' lines",
            Location(metrics_dir),
        )
    source = display_path(path)
    series: dict[str, Series] = {}
    restarts: list[list[Restart]] = []
    by_order: list[str] = []
    for name, file in metric_files:
        stamps, values, steps = _parse_metric(file)
        if values.shape[0] == 0:
            continue
        if values.shape[0] > 1 and (steps == steps[0]).all():
            steps = np.arange(values.shape[0], dtype=np.float64)
            by_order.append(name)
        series[name], found = clean_series(
            name, steps.astype(np.int64), values, source=source, wall_time=stamps / 1000.0
        )
        restarts.append(found)
    if not series:
        raise ReadError(
            "every MLflow metric file is empty: expected '<timestamp_ms> <value> <step>' lines",
            Location(metrics_dir),
        )
    hparams = {name: _text(file) for name, file in _files(path / "params")}
    tags = {name: _text(file) for name, file in _files(path / "tags")}
    meta: dict[str, Any] = {"tags": tags, "steps_from_write_order": by_order}
    if "mlflow.runName" in tags:
        meta["run_name"] = tags["mlflow.runName"]
    meta.update(_meta_yaml(path / "meta.yaml"))
    return LogData(
        series=series, format=NAME, hparams=hparams, restarts=merge_restarts(restarts), meta=meta
    )


def _text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _meta_yaml(file: Path) -> dict[str, Any]:
    """run_id, experiment_id, name, status, start/end time from meta.yaml (metadata only)."""
    try:
        # the manifests' hardened loader: a meta.yaml is user input like any YAML (alias bombs)
        data = read_metadata_yaml(file) if file.is_file() else None
    except (OSError, UnicodeDecodeError, ManifestError):
        return {}
    if not isinstance(data, dict):
        return {}
    keys = ("run_id", "experiment_id", "run_name", "status", "start_time", "end_time")
    out = {k: data[k] for k in keys if k in data and data[k] not in (None, "")}
    if data.get("name") and "run_name" not in out:
        out["run_name"] = data["name"]
    return out


READER = Reader(
    name=NAME,
    sniff=sniff,
    read=read,
)
