"""`--fail-on` (exit 3 after the whole site is written) and `reportgen check` (same messages as
build, no output written)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_run

from reportgen.analysis.gate import parse_fail_on
from reportgen.build.check import check
from reportgen.cli import main
from reportgen.errors import UsageError


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def flagged(runs_dir: Path) -> Path:
    make_run(runs_dir, "fine")
    make_run(runs_dir, "late", overfit=True, steps=400)
    return runs_dir


def test_fail_on_matching_flag_exits_3_after_writing_everything(flagged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["build", "runs", "-o", "out", "-q", "--fail-on", "divergence,overfitting", "--single-file", "r.html"])
    assert code == 3
    assert capsys.readouterr().err == (
        "error: --fail-on: run 'late' is flagged overfitting\n"
        "error: --fail-on: 1 flag(s) matched divergence,overfitting\n"
    )
    for rel in ("index.html", "runs/late/index.html", "runs/fine/index.html", "summary.md", "summary.json"):
        assert Path("out", rel).is_file(), rel
    assert Path("r.html").is_file()


def test_fail_on_other_kind_passes(flagged: Path) -> None:
    assert main(["build", "runs", "-o", "out", "-q", "--fail-on", "divergence"]) == 0


@pytest.mark.parametrize("words, code", [("warning", 3), ("error", 0), ("any", 3), ("Overfitting", 3)])
def test_fail_on_shorthands(flagged: Path, words: str, code: int) -> None:
    assert main(["build", "runs", "-o", "out", "-q", "--fail-on", words]) == code


def test_input_problems_win_over_flags(flagged: Path) -> None:
    Path("runs/bad.yaml").write_text("name: bad\nlogs: nope.csv\n", encoding="utf-8")
    assert main(["build", "runs", "-o", "out", "-q", "--fail-on", "overfitting"]) == 1


def test_unknown_kind_is_a_usage_error_before_building(flagged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "runs", "-o", "out", "--fail-on", "overfiting"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --fail-on: unknown flag kind 'overfiting' (did you mean 'overfitting'?); known kinds: ")
    assert not Path("out").exists()


def test_parse_fail_on() -> None:
    assert parse_fail_on("divergence, overfitting,divergence") == ("divergence", "overfitting")
    with pytest.raises(UsageError):
        parse_fail_on("divergence,,")


def test_check_reports_the_same_messages_as_build(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "good")
    Path("runs/missing.yaml").write_text("name: missing\nlogs: nope.csv\ncolour: red\n", encoding="utf-8")
    Path("runs/logs/noloss.csv").write_text("step,accuracy\n0,0.1\n1,0.2\n", encoding="utf-8")
    Path("runs/noloss.yaml").write_text("name: noloss\nlogs: logs/noloss.csv\n", encoding="utf-8")
    assert main(["check", "runs"]) == 1
    checked = capsys.readouterr().err.splitlines()
    assert checked == [
        "error: runs/missing.yaml:3:1: colour: unknown key; see docs/manifest.md",
        "error: runs/missing.yaml:2:7: logs: log file not found: nope.csv (paths are relative to the manifest)",
        ("error: runs/noloss.yaml:2: logs: no loss column found (the logs have: accuracy); name it in the "
        "manifest, e.g. metrics: {train_loss: <column>}"),
        "checked 1 valid run(s) in runs; 3 problem(s)",
    ]
    assert not Path("site").exists()  # check writes nothing
    assert main(["build", "runs", "-o", "out"]) == 1
    built = capsys.readouterr().err.splitlines()
    assert [line for line in built if line.startswith("error:")] == checked[:-1]


def test_check_passes_on_good_input(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(runs_dir, "a")
    make_run(runs_dir, "b")
    assert main(["check", "runs"]) == 0
    assert capsys.readouterr().err == "checked 2 valid run(s) in runs; 0 problem(s)\n"
    assert check(runs_dir).runs == ("a", "b")
    assert main(["check", "runs", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_check_of_a_missing_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "nope"]) == 1
    assert capsys.readouterr().err == "error: nope: not a folder: give the folder that holds your run manifests\n"


def test_every_kind_the_analysis_raises_can_be_gated() -> None:
    """A new flag kind in the analysis must be added to --fail-on's list (else it is a usage error)."""
    import re

    from reportgen.analysis.gate import FLAG_KINDS

    source = Path(__file__).resolve().parents[1] / "reportgen" / "analysis"
    raised = {k for p in sorted(source.glob("*.py")) for k in re.findall(r'\bkind="([a-z_]+)"', p.read_text(encoding="utf-8"))}
    assert raised >= {"divergence", "overfitting"}  # the scan finds them at all
    assert raised <= set(FLAG_KINDS), raised - set(FLAG_KINDS)
