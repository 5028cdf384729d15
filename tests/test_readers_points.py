"""Reader points from the adversarial pass (issue 12): a bad cell costs that cell, steps are
int64 or a clear error, and `format: auto` shows the same precise problem an explicit format
does. Every log here is a real file written by the test."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import write_manifest
from numpy.testing import assert_array_equal

from reportgen.cli import main
from reportgen.errors import ReadError
from reportgen.readers import read_log
from reportgen.readers.delimited import read_table

BAD_CELLS = "step,train_loss,val_loss\n0,1.0,2.0\n1,0.8,#DIV/0!\n2,0.6,1.5\n3,oops,1.4\n4,0.4,1.3\n"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _error(path: Path, fmt: str = "auto") -> str:
    with pytest.raises(ReadError) as info:
        read_log(path, fmt)
    return str(info.value)


@pytest.mark.parametrize("comment", ["", "# a comment line sends the file to the csv-module path\n"])
def test_a_bad_cell_costs_that_cell_not_the_column(tmp_path: Path, comment: str) -> None:
    header, rest = BAD_CELLS.split("\n", 1)
    path = _write(tmp_path / "log.csv", header + "\n" + comment + rest)
    assert read_table(path).fast is not bool(comment)
    data = read_log(path)
    assert_array_equal(data.series["val_loss"].steps, [0, 2, 3, 4])
    assert_array_equal(data.series["val_loss"].values, [2.0, 1.5, 1.4, 1.3])
    assert_array_equal(data.series["train_loss"].steps, [0, 1, 2, 4])
    assert data.meta["bad_cells"] == 2
    line = 3 + bool(comment)
    assert data.meta["warnings"] == [
        f"{path}: 2 cell(s) are not numbers and were skipped (the rest of their columns is kept); "
        f"the first at line {line}, column 3 ('val_loss'): '#DIV/0!'"
    ]


def test_a_column_of_text_is_still_left_out_without_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "step,loss,when\n0,1.0,monday\n1,0.5,tuesday\n2,0.4,3\n")
    data = read_log(path)
    assert sorted(data.series) == ["loss"] and "warnings" not in data.meta
    assert data.meta["text_columns"] == ["when"]


def test_the_build_warns_about_bad_cells_and_keeps_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    (runs / "logs").mkdir(parents=True)
    _write(runs / "logs" / "log.csv", BAD_CELLS)
    write_manifest(runs, "r.yaml", name="r", logs="logs/log.csv")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "runs", "-o", "site"]) == 0
    warnings = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("warning:")]
    assert warnings == [
        "warning: runs/logs/log.csv: 2 cell(s) are not numbers and were skipped (the rest of their "
        "columns is kept); the first at line 3, column 3 ('val_loss'): '#DIV/0!'"
    ]


# ---- steps --------------------------------------------------------------------------------------

STEP_HINT = "is not a whole number within the 64-bit range: steps count training updates (0, 1, 2, ...); fix or remove this record"


@pytest.mark.parametrize(
    ("cell", "shown"),
    [("1e19", "1e+19"), ("9223372036854775808", "9.223372036854776e+18"), ("nan", "NaN"), ("inf", "inf"), ("2.5", "2.5")],
)
def test_a_step_beyond_int64_or_not_whole_is_an_error_naming_the_line(tmp_path: Path, cell: str, shown: str) -> None:
    path = _write(tmp_path / "log.csv", f"step,loss\n0,1.0\n{cell},0.5\n2,0.4\n")
    assert _error(path) == f"{path}:3: step {shown} {STEP_HINT}"


def test_a_text_step_is_an_error_not_an_overwrite(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "step,loss\n0,1.0\n1,0.9\nten,0.5\n3,0.4\n")
    assert _error(path) == f"{path}:4: step '#ten' {STEP_HINT}".replace("#", "")


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1000000000000000000000000000000", "1e+30"), ('"ten"', '"ten"'), ("null", "null"), ("NaN", "NaN")],
)
def test_jsonl_steps_are_checked(tmp_path: Path, value: str, shown: str) -> None:
    path = _write(tmp_path / "log.jsonl", f'{{"step": 0, "loss": 1}}\n{{"step": {value}, "loss": 0.5}}\n')
    assert _error(path) == f"{path}:2: step {shown} {STEP_HINT}"


def test_jsonl_number_with_thousands_of_digits_says_so_in_plain_words(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.jsonl", '{"step": 0, "loss": 1}\n{"step": ' + "9" * 5000 + ', "loss": 0.5}\n')
    assert _error(path) == (
        f"{path}:2: not a JSON object on this line (a number with thousands of digits): expected one object per line"
    )


def test_trainer_state_step_of_ten_to_the_thirty_is_a_clear_error(tmp_path: Path) -> None:
    state = {"log_history": [{"step": 10, "loss": 1.0}, {"step": 10**30, "loss": 0.5}]}
    path = _write(tmp_path / "trainer_state.json", json.dumps(state))
    assert _error(path) == f"{path}: log_history[1]: step {10**30!r} {STEP_HINT}"


def test_mlflow_step_beyond_int64_is_an_error(tmp_path: Path) -> None:
    run = tmp_path / "mlruns" / "0" / "abc"
    (run / "metrics").mkdir(parents=True)
    (run / "params").mkdir()
    _write(run / "metrics" / "loss", "1700000000000 1.0 0\n1700000000001 0.5 1e19\n")
    assert _error(run) == f"{run / 'metrics' / 'loss'}:2: step 1e+19 {STEP_HINT}"


def test_steps_up_to_int64_range_still_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", f"step,loss\n0,1.0\n{2**53},0.5\n")
    assert_array_equal(read_log(path).series["loss"].steps, [0, 2**53])


# ---- auto detection gives the precise error -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("empty.csv", b"", "csv"),
        ("latin1.csv", "step,loss,notes\n0,1.0,ok\n1,0.5,caf\u00e9\n".encode("latin-1"), "csv"),
        ("header.csv", b"step,loss\n", "csv"),
        ("empty.jsonl", b"", "jsonl"),
        ("broken.jsonl", b'{"step": 0, "loss": 1}\n{"step": 1, "loss": \n', "jsonl"),
        ("latin1.jsonl", '{"step": 0, "loss": 1, "n": "caf\u00e9"}\n'.encode("latin-1"), "jsonl"),
    ],
)
def test_auto_gives_the_error_the_named_format_gives(tmp_path: Path, name: str, data: bytes, fmt: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    named = _error(path, fmt)
    assert _error(path, "auto") == named
    assert "not a supported log format (tried" not in named and "universal" not in named


def test_latin1_csv_error_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "step,loss,notes\n0,1.0,ok\n1,0.5,caf\u00e9\n", "latin-1")
    assert _error(path) == (
        f"{path}:3: not a supported log format: this line is not UTF-8 text (is this a binary file, "
        "or text saved as Latin-1? save the log as UTF-8)"
    )


def test_utf16_jsonl_and_csv_read_like_utf8(tmp_path: Path) -> None:
    text = '{"step": 0, "loss": 1.0}\n{"step": 1, "loss": 0.5}\n'
    path = _write(tmp_path / "log.jsonl", "\ufeff" + text, "utf-16")
    assert read_log(path).format == "jsonl"
    assert_array_equal(read_log(path).series["loss"].values, [1.0, 0.5])
    csv_path = _write(tmp_path / "log.csv", "\ufeffstep,loss\n0,1.0\n1,0.5\n", "utf-16")
    assert_array_equal(read_log(csv_path).series["loss"].values, [1.0, 0.5])


def test_short_rows_read_with_auto_as_with_csv(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "step,loss,val_loss\n0,1.0\n1,0.5,0.7\n2\n3,0.25,0.6\n")
    auto, named = read_log(path), read_log(path, "csv")
    assert auto.format == "csv"
    for name in ("loss", "val_loss"):
        assert_array_equal(auto.series[name].steps, named.series[name].steps)
    assert_array_equal(auto.series["val_loss"].steps, [1, 3])
    assert_array_equal(auto.series["loss"].steps, [0, 1, 3])


def test_nested_json_past_the_recursion_limit_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.jsonl", '{"step": 0, "loss": 1}\n' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "\n")
    assert _error(path) == f"{path}:2: not a JSON object on this line (nested too deeply): expected one object per line"


def test_step_values_in_np_int64_are_exact(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.jsonl", "".join(json.dumps({"step": s, "loss": 1.0}) + "\n" for s in (0, 7, 2**40)))
    assert read_log(path).series["loss"].steps.dtype == np.int64
    assert_array_equal(read_log(path).series["loss"].steps, [0, 7, 2**40])


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("history.json", '{"loss": [1, ' + "9" * 5000 + "]}", ": not valid JSON (a number with thousands of digits): expected a Keras history"),
        ("history.json", '{"loss": ' + "[" * 100_000 + "]" * 100_000 + "}", ": not valid JSON (nested too deeply): expected a Keras history"),
        ("trainer_state.json", '{"log_history": [\n{"step": 1,}]}', ":2:12: not valid JSON (Expecting property name enclosed in double quotes): expected a Trainer trainer_state.json"),
        ("log.csv", "step,lo\rss\n0,1\n", ":1: the CSV log header row cannot be read (a carriage return inside the line?)"),
    ],
)
def test_messages_carry_no_python_internals(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = _write(tmp_path / name, text)
    assert _error(path) == f"{path}{message}"
