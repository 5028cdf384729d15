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


# ---- structured but odd logs (issue 12): every reader, odd cells, odd steps, odd encodings --------

FUZZ = settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
odd_cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64).map(_num),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", " ", "#DIV/0!", "nan", "NULL", "None", "1e999", "-0", "0x1F", '"3"', '"1,5"', "\u0669", "inf ", "N/A"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
)
json_value = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**80), 2**80),
        st.text(max_size=5),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["loss", "a", "step"]), inner, max_size=3)),
    max_leaves=8,
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])
odd_step = st.one_of(
    st.integers(0, 100),
    st.sampled_from([10**30, 2**63, 2**63 - 1, -(2**63) - 1, float("nan"), float("inf"), 1.5, "ten", None, True]),
)
record = st.fixed_dictionaries(
    {"step": odd_step},
    optional={k: json_value for k in ("loss", "val_loss", "epoch", "iter", "time", "train_runtime")},
)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def _read_every_way(path: Path, names: list[str]) -> None:
    for name in names:
        read_or_our_error(REGISTRY[name].read, path)
    read_or_our_error(lambda p: read_log(p, "auto"), path)


@FUZZ
@given(
    rows=st.lists(st.lists(odd_cell, min_size=0, max_size=4), max_size=12),
    header=st.sampled_from(["step,loss,val_loss", "epoch,loss,val_loss", "iter,train_loss", ",loss,acc", "loss"]),
    delim=st.sampled_from([",", "\t", ";"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    comment=st.booleans(),
    encoding=encodings,
)
def test_odd_delimited_logs_never_crash(rows: list, header: str, delim: str, newline: str, comment: bool, encoding: str) -> None:
    lines = [header.replace(",", delim)] + [delim.join(r) for r in rows]
    if comment:
        lines.insert(len(lines) // 2, "# resumed")
    text = newline.join(lines) + newline
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("log.csv", "metrics.csv", "history.csv"):
            path = Path(tmp) / name
            path.write_bytes(_encode(text, encoding))
        _read_every_way(Path(tmp) / "log.csv", ["csv", "keras"])
        _read_every_way(Path(tmp) / "metrics.csv", ["lightning"])


@FUZZ
@given(records=st.lists(record, max_size=8), encoding=encodings)
def test_odd_jsonl_and_trainer_states_never_crash(records: list, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lines = "\n".join(json.dumps(r) for r in records) + "\n"
        (Path(tmp) / "log.jsonl").write_bytes(_encode(lines, encoding))
        _read_every_way(Path(tmp) / "log.jsonl", ["jsonl"])
        state = json.dumps({"log_history": records, "global_step": 3})
        (Path(tmp) / "trainer_state.json").write_bytes(_encode(state, encoding))
        _read_every_way(Path(tmp) / "trainer_state.json", ["hf_trainer"])
        history = json.dumps({k: [r.get(k) for r in records] for r in records for k in r})
        (Path(tmp) / "history.json").write_bytes(_encode(history, encoding))
        _read_every_way(Path(tmp) / "history.json", ["keras"])


@FUZZ
@given(lines=st.lists(st.lists(odd_cell, min_size=0, max_size=4), max_size=8))
def test_odd_mlflow_metric_files_never_crash(lines: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        (run / "metrics").mkdir(parents=True)
        (run / "params").mkdir()
        (run / "metrics" / "loss").write_text("\n".join(" ".join(c) for c in lines), encoding="utf-8")
        _read_every_way(run, ["mlflow"])
