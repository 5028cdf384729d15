"""TensorBoard event files: one file, a run folder, or a log dir of run sub-folders.

Scalars come from `add_scalar` (simple_value) and from TF2 tensor summaries. A run's event
files are merged in file-name order (TensorBoard's order; the names start with the creation
time), then TensorBoard's restart rule applies per tag. Series from a sub-folder are named
`<sub-folder>/<tag>`, as TensorBoard names runs. Parsing is our own (tfrecord.py, tfevents.py):
no TensorFlow, protobuf or tensorboard needed at run time.
"""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path

import numpy as np

from reportgen.errors import Location, ReadError, display_path
from reportgen.model import LogData, Restart, Series
from reportgen.readers.base import (
    HF_SUMMARY_MARKERS,
    Reader,
    clean_series,
    merge_restarts,
    read_bytes,
)
from reportgen.readers.crc32c import crc32c, mask
from reportgen.readers.tfevents import decode_scalars
from reportgen.readers.tfrecord import frame_records
from reportgen.readers.yamlmeta import read_hparams_yaml

NAME = "tensorboard"


def _looks_like_records(head: bytes) -> bool:
    """A TFRecord header with a valid length checksum and an Event inside (wall_time first)."""
    if len(head) < 13:
        return False
    (length,) = struct.unpack_from("<Q", head, 0)
    (want,) = struct.unpack_from("<I", head, 8)
    return mask(crc32c(head[:8])) == want and length > 0 and head[12] == 0x09


def event_runs(folder: Path) -> dict[str, list[Path]]:
    """Event files under `folder` grouped by run (the sub-folder path, "" for the folder
    itself), each run's files in name order; sorted so the result is stable."""
    runs: dict[str, list[Path]] = {}
    for path in sorted(folder.rglob("*")):
        if ".tfevents." in path.name and path.is_file():
            run = path.parent.relative_to(folder).as_posix()
            runs.setdefault("" if run == "." else run, []).append(path)
    return {run: sorted(files, key=lambda p: p.name) for run, files in sorted(runs.items())}


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir():
        return bool(event_runs(path))
    return ".tfevents." in path.name or _looks_like_records(head)


def read(path: Path) -> LogData:
    if path.is_dir():
        runs = event_runs(path)
        if not runs:
            raise ReadError(
                "no TensorBoard event files (events.out.tfevents.*) in this folder or below",
                Location(path),
            )
    else:
        runs = {"": [path]}
    source = display_path(path)
    series: dict[str, Series] = {}
    restarts: list[list[Restart]] = []
    warnings: list[str] = []
    other: set[str] = set()
    for run, files in runs.items():
        per_tag: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        plugins: dict[bytes, str | None] = {}  # a tag's plugin, from its first metadata in the run
        for file in files:
            data = read_bytes(file)
            records = frame_records(data, file)
            if records.truncated:
                warnings.append(f"{display_path(file)}: {records.truncated}")
            scalars = decode_scalars(records, plugins)
            other.update(f"{run}/{t}" if run else t for t in scalars.other_tags)
            for tag, arrays in scalars.tags.items():
                per_tag.setdefault(tag, []).append(arrays)
        in_run: dict[str, Series] = {}
        for tag in sorted(per_tag):
            parts = per_tag[tag]
            name = f"{run}/{tag}" if run else tag
            in_run[tag], found = clean_series(
                name,
                np.concatenate([p[0] for p in parts]),
                np.concatenate([p[1] for p in parts]),
                source=source,
                wall_time=np.concatenate([p[2] for p in parts]),
            )
            restarts.append(found)
        series.update((s.name, s) for s in _with_epochs(in_run).values())
    if not series:
        shown = ", ".join(sorted(other)[:5]) or "none"
        raise ReadError(
            f"no scalar summaries in the TensorBoard log (other tags: {shown}); "
            "expected add_scalar or tf.summary.scalar values",
            Location(path),
        )
    summary = _hf_summary(series)
    hparams: dict = {}
    if path.is_dir():
        hparams, warning = read_hparams_yaml(path / "hparams.yaml")
        if warning:
            warnings.append(warning)
    return LogData(
        series=series,
        format=NAME,
        hparams=hparams,
        restarts=merge_restarts(restarts),
        meta={"runs": sorted(runs), "warnings": warnings, "non_scalar_tags": sorted(other)}
        | ({"summary": summary} if summary else {}),
    )


# What the Hugging Face Trainer logs once, at the end, next to its train_runtime
_HF_SUMMARY_TAGS = ("train_loss", "total_flos", *HF_SUMMARY_MARKERS)


def _hf_summary(series: dict[str, Series]) -> dict[str, float]:
    """The Trainer's end-of-training record (`train/train_runtime`, `train/train_loss`, ...): one
    point each, metadata rather than curves. Taken out of `series` (in place) and returned."""
    summary: dict[str, float] = {}
    for name in [n for n in series if n.rsplit("/", 1)[-1] in HF_SUMMARY_MARKERS]:
        prefix = name[: len(name) - len(name.rsplit("/", 1)[-1])]
        for tag in _HF_SUMMARY_TAGS:
            s = series.get(prefix + tag)
            if s is not None and len(s) == 1:
                summary[prefix + tag] = float(s.values[0])
                del series[prefix + tag]
    return summary


def _with_epochs(in_run: dict[str, Series]) -> dict[str, Series]:
    """Lightning logs an `epoch` scalar and the HF Trainer `train/epoch` at the steps where it
    logs: give every series of the run the epoch in force at each of its steps (NaN before the
    first), so TensorBoard logs too can be drawn against epochs."""
    epoch = in_run.get("epoch") or in_run.get("train/epoch")
    if epoch is None or len(epoch) == 0:
        return in_run
    out = {}
    for tag, s in in_run.items():
        at = np.searchsorted(epoch.steps, s.steps, side="right") - 1
        values = np.where(at >= 0, epoch.values[np.clip(at, 0, None)], np.nan)
        out[tag] = replace(s, epoch=values)
    return out


READER = Reader(
    name=NAME,
    sniff=sniff,
    read=read,
)
