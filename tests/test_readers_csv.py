"""CSV and JSON Lines readers: non-finite tokens, messy text, wide and sparse files, and the
fast (pyarrow) path agreeing with the robust (csv module) path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from reportgen.errors import ReadError
from reportgen.readers import delimited, read_log
from reportgen.readers.delimited import _robust, read_table


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _same_tables(a: delimited.Table, b: delimited.Table) -> None:
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
    assert table.fast and table.text_columns == ("time",)
    assert _robust(path.read_text(encoding="utf-8"), path, "CSV log", "").text_columns == ("time",)
    data = read_log(path)
    assert sorted(data.series) == ["train_loss"] and data.x_is_epoch


def test_fast_path_matches_the_robust_path(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    lines = ["epoch,lr-Adam,step,train_loss_step,val_loss"]
    for i in range(3000):
        lines.append(f",{rng.random():.6g},{i},,")  # lr monitor row: empty epoch
        lines.append(f"{i // 50},,{i},{rng.random():.17g},")
        if i % 50 == 49:
            lines.append(f"{i // 50},,{i},,{'nan' if i == 99 else f'{rng.random():.6g}'}")
    path = _write(tmp_path / "metrics.csv", "\r\n".join(lines) + "\r\n")
    fast = read_table(path)
    assert fast.fast
    _same_tables(fast, _robust(path.read_text(encoding="utf-8"), path, "CSV log", ""))


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


def test_fast_path_gives_python_floats_bit_for_bit(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    texts = ["0", "-0", "+7", ".5", "5.", "-.25", "007.500", "123456789012345", "0.00000000000001", "1e-5"]
    texts += ["4.9e-324", "1.7976931348623157e308", "2.2250738585072011e-308", "123456789012345678901"]
    for _ in range(20000):
        whole = str(rng.integers(0, 10 ** int(rng.integers(0, 8))))
        frac = str(rng.integers(0, 10 ** int(rng.integers(0, 8)))).zfill(int(rng.integers(0, 8)))
        sign = rng.choice(["", "-", "+"])
        texts.append(rng.choice([f"{sign}{whole}.{frac}", f"{sign}{whole}", f"{sign}.{frac or '0'}"]))
    texts += [repr(float(v)) for v in rng.standard_normal(20000) * 10.0 ** rng.integers(-300, 300, 20000)]
    path = _write(tmp_path / "log.csv", "step,loss\n" + "".join(f"{i},{t}\n" for i, t in enumerate(texts)))
    table = read_table(path)
    assert table.fast
    expected = np.array([float(t) for t in texts])
    # bitwise: -0.0 keeps its sign, and every value is the correctly rounded float
    assert_array_equal(table.values["loss"].view(np.int64), expected.view(np.int64))


def test_a_text_cell_after_the_rows_pyarrow_guesses_types_from_costs_only_that_cell(tmp_path: Path) -> None:
    rows = [f"{i},{1 / (i + 1)!r}" for i in range(200_000)]  # > pyarrow's 1 MiB type-guessing block
    rows[150_000] = "150000,#DIV/0!"
    path = _write(tmp_path / "log.csv", "step,loss\n" + "\n".join(rows) + "\n")
    table = read_table(path)
    assert table.fast and [(b.row, b.text) for b in table.bad] == [(150_000, "#DIV/0!")]
    assert table.line_of(150_000) == 150_002
    loss = read_log(path).series["loss"]
    assert len(loss) == 199_999 and 150_000 not in loss.steps
