"""CSV and JSON Lines readers: non-finite tokens, messy text, wide and sparse files, and the
fast (numpy) path agreeing with the robust (csv module) path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from reportgen.errors import ReadError
from reportgen.readers import csvparse, decimals, read_log
from reportgen.readers.csvparse import _robust, read_table


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _same_tables(a: csvparse.Table, b: csvparse.Table) -> None:
    assert a.header == b.header
    assert sorted(a.values) == sorted(b.values)
    for name in a.values:
        assert_array_equal(a.values[name], b.values[name])
        assert_array_equal(a.present[name], b.present[name])


def test_nonfinite_tokens_are_data(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "log.csv",
        "step,loss\n0,NaN\n1,nan\n2,inf\n3,Infinity\n4,-Infinity\n5,-inf\n6,0.5\n",
    )
    s = read_log(path).series["loss"]
    assert_array_equal(s.steps, np.arange(7))
    assert_array_equal(s.values, [np.nan, np.nan, np.inf, np.inf, -np.inf, -np.inf, 0.5])


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r\r\n"])
def test_bom_line_endings_blank_and_comment_lines(tmp_path: Path, newline: str) -> None:
    lines = [
        "# written by a script",
        "step,loss,val_loss",
        "",
        "0,1.0,2.0",
        "# resumed",
        "1,0.5,",
        "",
        "2,0.25,1.5",
        "",
    ]
    path = _write(tmp_path / "log.csv", "\ufeff" + newline.join(lines))
    data = read_log(path)
    assert_array_equal(data.series["loss"].values, [1.0, 0.5, 0.25])
    assert_array_equal(data.series["val_loss"].steps, [0, 2])
    assert_array_equal(data.series["val_loss"].values, [2.0, 1.5])


def test_metric_that_appears_late_and_sparse_rows(tmp_path: Path) -> None:
    rows = ["step,loss,val_loss"] + [f"{i},{1 / (i + 1)}," for i in range(1000)]
    rows += [f"{i},{1 / (i + 1)},{2 / (i + 1)}" for i in range(1000, 1003)]
    path = _write(tmp_path / "log.csv", "\n".join(rows) + "\n")
    data = read_log(path)
    assert_array_equal(data.series["val_loss"].steps, [1000, 1001, 1002])
    assert len(data.series["loss"]) == 1003


def test_thousands_of_columns(tmp_path: Path) -> None:
    width = 3000
    header = "step," + ",".join(f"m{i}" for i in range(width))
    rows = [f"{s}," + ",".join(str(s * width + i) for i in range(width)) for s in range(5)]
    path = _write(tmp_path / "wide.csv", header + "\n" + "\n".join(rows) + "\n")
    data = read_log(path)
    assert len(data.series) == width
    assert_array_equal(data.series["m2999"].values, [2999 + s * width for s in range(5)])


def test_pandas_index_column_is_not_a_metric(tmp_path: Path) -> None:
    path = _write(tmp_path / "results.csv", ",train_loss,valid_loss\n0,1.5,1.6\n1,1.0,1.2\n")
    data = read_log(path, "csv")
    assert sorted(data.series) == ["train_loss", "valid_loss"]
    assert_array_equal(data.series["train_loss"].steps, [0, 1])


def test_decreasing_steps_are_a_restart_keeping_the_last_written(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "step,loss\n0,9\n10,8\n20,7\n30,6\n20,5.5\n30,5\n40,4\n")
    data = read_log(path)
    s = data.series["loss"]
    assert_array_equal(s.steps, [0, 10, 20, 30, 40])
    assert_array_equal(s.values, [9, 8, 5.5, 5, 4])
    assert [(r.step, r.dropped) for r in data.restarts] == [(20, 2)]


def test_text_columns_are_left_out(tmp_path: Path) -> None:
    path = _write(tmp_path / "history.csv", "epoch,train_loss,time\n0,0.8,00:12\n1,0.5,00:11\n")
    table = read_table(path)
    assert not table.fast and table.text_columns == ("time",)
    data = read_log(path)
    assert sorted(data.series) == ["train_loss"] and data.x_is_epoch


@pytest.mark.parametrize("block", [7, 64, 1 << 23])
def test_fast_path_matches_the_robust_path_across_block_boundaries(
    tmp_path: Path, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    lines = ["epoch,lr-Adam,step,train_loss_step,val_loss"]
    for i in range(300):
        lines.append(f",{rng.random():.6g},{i},,")  # lr monitor row: empty epoch
        lines.append(f"{i // 50},,{i},{rng.random():.17g},")
        if i % 50 == 49:
            lines.append(f"{i // 50},,{i},,{'nan' if i == 99 else f'{rng.random():.6g}'}")
    path = _write(tmp_path / "metrics.csv", "\r\n".join(lines) + "\r\n")
    monkeypatch.setattr(csvparse, "BLOCK", block)
    fast = read_table(path)
    assert fast.fast
    _same_tables(fast, _robust(path, "CSV log", ""))


def test_columns_grow_when_later_rows_are_shorter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path sizes its columns from the rows per byte seen so far: long rows first, then
    short ones, make it grow them, and nothing is lost or moved."""
    rng = np.random.default_rng(8)
    lines = ["step,train_loss,val_loss"]
    lines += [f"{i},{rng.random():.17g},{rng.random():.17g}" for i in range(400)]
    lines += [f"{i},{rng.integers(0, 9)}," for i in range(400, 3000)]
    path = _write(tmp_path / "log.csv", "\n".join(lines) + "\n")
    monkeypatch.setattr(csvparse, "BLOCK", 256)
    fast = read_table(path)
    assert fast.fast and fast.rows == 3000
    _same_tables(fast, _robust(path, "CSV log", ""))


def test_padded_cells_as_yolov5_writes_them(tmp_path: Path) -> None:
    text = (
        "               epoch,      train/box_loss,     val/box_loss\n"
        "                   0,            0.10321,    0.07\n"
        "                   1,           0.082019,    0.06\n"
    )
    path = _write(tmp_path / "results.csv", text)
    table = read_table(path)
    assert table.fast and table.header == ("epoch", "train/box_loss", "val/box_loss")
    assert_array_equal(read_log(path).series["train/box_loss"].values, [0.10321, 0.082019])


def test_csv_without_header_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "0,1.0\n1,0.5\n")
    with pytest.raises(ReadError) as info:
        read_log(path, "csv")
    assert str(info.value) == (
        f"{path}:1: the CSV log has no header row: expected column names (e.g. step,loss,val_loss) on the first line"
    )


def test_row_longer_than_header_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "step,loss\n0,1.0\n1,0.5,7\n")
    with pytest.raises(ReadError) as info:
        read_log(path, "csv")
    assert str(info.value) == f"{path}:3: row has 3 cells but the header names 2 columns"


def test_csv_with_no_numeric_column_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "tags.csv", "key,value\nmodel,resnet\n")
    with pytest.raises(ReadError) as info:
        read_log(path, "csv")
    assert str(info.value) == (
        f"{path}:1: no numeric metric columns: expected columns of numbers (e.g. step,loss,val_loss)"
    )


# ---- JSON Lines ----------------------------------------------------------------------------------


def test_jsonl_nonfinite_tokens_nested_fields_and_late_metrics(tmp_path: Path) -> None:
    records = [{"iteration": i, "loss": 1.0 / (i + 1), "lr": {"group0": 0.1}} for i in range(3)]
    records[1]["loss"] = float("nan")  # json.dumps writes a bare NaN
    records.append({"iteration": 3, "loss": float("inf"), "eval": {"loss": 0.5}})
    text = "\ufeff# header comment\r\n" + "\r\n\r\n".join(json.dumps(r) for r in records)
    text += '\r\n{"iteration": 4, "loss": nan, "eval": {"loss": -Infinity}}\r\n'
    path = _write(tmp_path / "metrics.json", text)
    data = read_log(path)
    assert data.format == "jsonl"
    assert_array_equal(data.series["loss"].values, [1.0, np.nan, 1 / 3, np.inf, np.nan])
    assert_array_equal(data.series["eval/loss"].steps, [3, 4])
    assert_array_equal(data.series["eval/loss"].values, [0.5, -np.inf])
    assert_array_equal(data.series["lr/group0"].steps, [0, 1, 2])


def test_jsonl_bad_line_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.jsonl", '{"step": 0, "loss": 1}\n{"step": 1, "loss": \n')
    with pytest.raises(ReadError) as info:
        read_log(path)
    assert str(info.value) == (
        f"{path}:2: not a JSON object on this line (Expecting value): expected one object per line"
    )


def test_header_without_rows_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "step,loss\r\n\r\n")
    with pytest.raises(ReadError) as info:
        read_log(path)
    assert str(info.value) == (
        f"{path}:1: the log has a header row but no data rows: expected one row per logged step"
    )


def _cells(texts: list[str], delim: str = ",") -> tuple[bytes, np.ndarray]:
    chunk = "".join(t + ("\n" if i % 3 == 2 else delim) for i, t in enumerate(texts)).encode()
    arr = np.frombuffer(chunk, dtype=np.uint8)
    return chunk, np.flatnonzero((arr == ord(delim)) | (arr == 10))


def test_vectorised_decimals_equal_python_float_bit_for_bit() -> None:
    rng = np.random.default_rng(11)
    texts = ["0", "-0", "+7", ".5", "5.", "-.25", "007.500", "123456789012345", "0.00000000000001", ""]
    for _ in range(20000):
        whole = str(rng.integers(0, 10 ** int(rng.integers(0, 8))))
        frac = str(rng.integers(0, 10 ** int(rng.integers(0, 8)))).zfill(int(rng.integers(0, 8)))
        sign = rng.choice(["", "-", "+"])
        texts.append(rng.choice([f"{sign}{whole}.{frac}", f"{sign}{whole}", "", f"{sign}.{frac or '0'}"]))
    texts += [".1234567", "-.123456", "12345678", "-1234567", "+9.99999", "0000000."]
    # blocks of cells of at most 8 bytes go through the SWAR path, those with a few longer cells
    # (at most one in eight) too, with the long ones one by one, the others digit by digit
    short = [t for t in texts if len(t) <= 8]
    few_long = short + [t for t in texts if len(t) > 8][: len(short) // 10]
    assert any(len(t) > 8 for t in few_long)
    for subset in (texts, short, few_long):
        subset = subset + [""] * (-len(subset) % 3)
        for delim in (",", "\t", ";"):
            chunk, seps = _cells(subset, delim)
            parsed = decimals.parse_cells(chunk, seps, ord(delim))
            assert parsed is not None
            values, present = parsed
            expected = [float(t) if t else np.nan for t in subset]
            assert_array_equal(present, [bool(t) for t in subset])
            # bitwise: -0.0 keeps its sign, and every value is the correctly rounded float
            assert_array_equal(values.view(np.int64)[present], np.array(expected).view(np.int64)[present])


@pytest.mark.parametrize(
    "cell", ["1e-5", "nan", "inf", "1-2", "-", ".", "+", "1.2.3", " 1", "1234567890123456", '"1"', "0x1"]
)
def test_vectorised_decimals_leave_other_cells_to_the_general_parser(cell: str) -> None:
    chunk, seps = _cells(["1", cell, "2.5"])
    assert decimals.parse_cells(chunk, seps, ord(",")) is None
