"""Histogram summaries (weights, gradients) out of TensorBoard event files, decoded with the
scalar reader's protobuf walker (tfevents.py).

Wire format (tensorboard summary.proto): Summary.Value{tag=1, histo=5 HistogramProto};
HistogramProto{min=1 double, max=2 double, num=3 double, sum=4 double, sum_squares=5 double,
bucket_limit=6 packed double, bucket=7 packed double}: what tensorboardX, PyTorch's
`add_histogram` and TF1 write. TF2 (`tf.summary.histogram`, Keras' `histogram_freq`) writes a
tensor of k rows (left edge, right edge, count) under the `histograms` plugin: read too.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from reportgen.errors import display_path
from reportgen.model import HistogramSeries
from reportgen.readers.base import read_bytes
from reportgen.readers.tensorboard import event_runs
from reportgen.readers.tfevents import _F64, _fields, _plugin_name, event_header
from reportgen.readers.tfrecord import frame_records

MIN_RECORD = 60  # bytes: wall time, step, tag and at least min, max and a bucket pair


def _histogram(data: bytes, start: int, end: int) -> tuple[float, float, np.ndarray, np.ndarray] | None:
    lo = hi = 0.0
    limits: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for field, wire, value in _fields(data, start, end):
        if field == 1 and wire == 1:
            lo = _F64.unpack(value)[0]
        elif field == 2 and wire == 1:
            hi = _F64.unpack(value)[0]
        elif field in (6, 7):
            arr = np.frombuffer(data[value[0] : value[1]], "<f8") if wire == 2 else np.frombuffer(value, "<f8")
            (limits if field == 6 else counts).append(arr)
    if not limits or not counts:
        return None
    lim, cnt = np.concatenate(limits), np.concatenate(counts)
    return (lo, hi, lim, cnt) if lim.shape == cnt.shape else None


def _tensor_histogram(data: bytes, start: int, end: int) -> tuple[float, float, np.ndarray, np.ndarray] | None:
    """TF2's histogram tensor: k rows of (left edge, right edge, count), float or double."""
    dtype = 0
    dims: list[int] = []
    values: np.ndarray | None = None
    for field, wire, value in _fields(data, start, end):
        if field == 1 and wire == 0:
            dtype = value
        elif field == 2 and wire == 2:
            for f2, w2, v2 in _fields(data, value[0], value[1]):
                if f2 == 2 and w2 == 2:
                    dims.extend(v3 for f3, w3, v3 in _fields(data, v2[0], v2[1]) if f3 == 1 and w3 == 0)
        elif field == 4 and wire == 2 and dtype in (1, 2):
            values = np.frombuffer(data[value[0] : value[1]], "<f4" if dtype == 1 else "<f8")
        elif field in (5, 6) and wire == 2:
            values = np.frombuffer(data[value[0] : value[1]], "<f4" if field == 5 else "<f8")
    if values is None or len(dims) != 2 or dims[1] != 3 or values.size != dims[0] * 3 or dims[0] == 0:
        return None
    rows = values.astype(np.float64).reshape(dims[0], 3)
    return float(rows[0, 0]), float(rows[-1, 1]), rows[:, 1].copy(), rows[:, 2].copy()


def _event_histograms(data: bytes, start: int, end: int, plugins: dict[bytes, str | None]):
    """(tag, step, histogram) for each histogram value in one Event: a HistogramProto, or a
    tensor whose tag's plugin (from its first metadata, as TensorBoard keys it) is histograms."""
    _wall, step, summary = event_header(data, start, end)
    if summary is None:
        return
    for field, wire, value in _fields(data, summary[0], summary[1]):
        if field != 1 or wire != 2:
            continue
        tag = b""
        histo = tensor = meta = None
        for f2, w2, v2 in _fields(data, value[0], value[1]):
            if f2 == 1 and w2 == 2:
                tag = data[v2[0] : v2[1]]
            elif f2 == 5 and w2 == 2:
                histo = v2
            elif f2 == 8 and w2 == 2:
                tensor = v2
            elif f2 == 9 and w2 == 2:
                meta = v2
        if meta is not None and tag not in plugins:
            plugins[tag] = _plugin_name(data, meta[0], meta[1])
        found = None
        if histo is not None:
            found = _histogram(data, histo[0], histo[1])
        elif tensor is not None and plugins.get(tag) == "histograms":
            found = _tensor_histogram(data, tensor[0], tensor[1])
        if found is not None:
            yield tag.decode("utf-8", errors="replace"), step, found


def read_histograms(path: Path) -> tuple[list[HistogramSeries], list[str]]:
    """Every histogram tag in the event file or log folder `path`, named as the scalars are
    (`<sub-folder>/<tag>`), each by ascending step (a step written twice keeps its last
    histogram, as TensorBoard's restart rule would). Also returns warnings (truncated files)."""
    runs = event_runs(path) if path.is_dir() else {"": [path]}
    per_tag: dict[str, dict[int, tuple]] = {}
    warnings: list[str] = []
    for run, files in runs.items():
        plugins: dict[bytes, str | None] = {}  # a tag's plugin, from its first metadata in the run
        for file in files:
            data = read_bytes(file)
            records = frame_records(data, file)
            if records.truncated:
                warnings.append(f"{display_path(file)}: {records.truncated}")
            # a histogram record carries its bucket arrays: the short records (scalars, most of
            # a long log) cannot hold one and are not walked in Python
            big = records.lengths >= MIN_RECORD
            for offset, length in zip(records.offsets[big].tolist(), records.lengths[big].tolist()):
                try:
                    for tag, step, histo in _event_histograms(data, offset, offset + length, plugins):
                        per_tag.setdefault(f"{run}/{tag}" if run else tag, {})[step] = histo
                except (ValueError, IndexError, struct.error):
                    continue  # not an Event we understand; the scalar reader skips it too
    out = []
    for tag in sorted(per_tag):
        points = per_tag[tag]
        steps = sorted(points)
        out.append(
            HistogramSeries(
                tag=tag,
                steps=np.array(steps, dtype=np.int64),
                limits=tuple(points[s][2] for s in steps),
                counts=tuple(points[s][3] for s in steps),
                minimum=np.array([points[s][0] for s in steps], dtype=np.float64),
                maximum=np.array([points[s][1] for s in steps], dtype=np.float64),
            )
        )
    return out, warnings
