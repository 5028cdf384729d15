"""Property-based: random bytes and random well-shaped logs fed to every registered reader.
A reader either returns clean series or raises our own error type; nothing else escapes."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.errors import ReportgenError
from reportgen.model import LogData
from reportgen.readers import REGISTRY, read_log

# A file name each reader looks for, so the bytes reach its parser rather than a name check.
FILE_NAMES = {
    "csv": "log.csv",
    "jsonl": "log.jsonl",
    "lightning": "metrics.csv",
    "hf_trainer": "trainer_state.json",
    "keras": "history.json",
    "tensorboard": "events.out.tfevents.1700000000.host",
    "mlflow": "metrics/loss",
}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check_logdata(data: LogData) -> None:
    for s in data.series.values():
        assert s.steps.dtype == np.int64 and s.values.dtype == np.float64
        assert s.steps.shape == s.values.shape
        assert (np.diff(s.steps) > 0).all()
        for extra in (s.epoch, s.wall_time):
            assert extra is None or extra.shape == s.steps.shape


def read_or_our_error(read, path: Path) -> None:
    try:
        data = read(path)
    except ReportgenError:
        return
    check_logdata(data)


def test_every_reader_has_a_file_name_here() -> None:
    assert set(REGISTRY) <= set(FILE_NAMES), "add the new reader to FILE_NAMES"


@SETTINGS
@given(blob=st.binary(max_size=3000), name=st.sampled_from(sorted(REGISTRY)))
def test_random_bytes_never_crash_a_reader(blob: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run" / FILE_NAMES[name]
        path.parent.mkdir(parents=True)
        path.write_bytes(blob)
        read_or_our_error(REGISTRY[name].read, path)
        read_or_our_error(lambda p: read_log(p, "auto"), path)
        if "/" in FILE_NAMES[name]:  # folder formats: hand them the folder too
            read_or_our_error(REGISTRY[name].read, Path(tmp) / "run")


cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([1e308, -1e308, 5e-324, 0.0]),
    st.none(),  # an empty cell: not logged on that row
)
rows = st.lists(st.tuples(st.integers(-5, 10**12), st.lists(cell, min_size=1, max_size=3)), min_size=0, max_size=40)


def _num(v: float) -> str:
    return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))


@SETTINGS
@given(table=rows)
def test_random_csv_logs_give_clean_series(table: list) -> None:
    width = max((len(r[1]) for r in table), default=1)
    lines = ["step," + ",".join(f"m{i}_loss" for i in range(width))]
    for step, cells in table:
        cells = cells + [None] * (width - len(cells))
        lines.append(f"{step}," + ",".join("" if c is None else _num(c) for c in cells))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        read_or_our_error(REGISTRY["csv"].read, path)


@SETTINGS
@given(table=rows)
def test_random_jsonl_logs_give_clean_series(table: list) -> None:
    out = []
    for step, cells in table:
        obj = {"step": step}
        obj.update({f"m{i}": c for i, c in enumerate(cells) if c is not None})
        out.append(json.dumps(obj))  # Python writes NaN/Infinity bare, as training scripts do
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.jsonl"
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        read_or_our_error(REGISTRY["jsonl"].read, path)


@settings(max_examples=15, deadline=None)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=60))
def test_random_tensorboard_scalars_read_back(values: list[float]) -> None:
    from tensorboardX import SummaryWriter

    with tempfile.TemporaryDirectory() as tmp:
        with SummaryWriter(logdir=tmp) as writer:
            for step, v in enumerate(values):
                writer.add_scalar("train/loss", v, step)
        data = REGISTRY["tensorboard"].read(Path(tmp))
        check_logdata(data)
        got = data.series["train/loss"].values
        with np.errstate(over="ignore"):  # event files store float32: huge values become inf
            expected = np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64)
        np.testing.assert_array_equal(got, expected)
