"""YAML that would hang or crash a build (alias bombs, deep or self-containing structures),
keys given twice, and values a page or JSON cannot hold (dates, binary, huge numbers): each is
a one-line error naming the file and line, in manifests, reportgen.yaml and hparams.yaml alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_run

from reportgen.build.check import check
from reportgen.cli import main
from reportgen.readers.yamlmeta import read_hparams_yaml

LAUGHS = """\
name: lol
logs: logs/a.csv
hparams:
  a: &a [x, x, x, x, x, x, x, x, x, x]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
"""

BAD = {
    "lol.yaml": LAUGHS,
    "self.yaml": "name: self\nlogs: logs/a.csv\nhparams: &h {self: *h}\n",
    "dup.yaml": "name: dup\nlogs: logs/a.csv\nhparams:\n  lr: 1\n  lr: 2\n",
    "deep.yaml": "name: deep\nlogs: logs/a.csv\nhparams: " + "[" * 101 + "]" * 101 + "\n",
    # deep enough to overflow libyaml's composer, which recurses in C
    "deeper.yaml": "name: deeper\nlogs: logs/a.csv\nhparams: " + "{a: " * 200_000 + "}" * 200_000 + "\n",
    "bin.yaml": "name: bin\nlogs: logs/a.csv\nhparams: {blob: !!binary aGVsbG8=}\n",
    "big.yaml": "name: big\nlogs: logs/a.csv\nhparams: {n: " + "9" * 5000 + "}\n",
}

EXPECTED = [
    "error: runs/big.yaml:3:14: invalid YAML: a whole number with too many digits; write it as text in quotes",
    "error: runs/bin.yaml:3:17: invalid YAML: binary values (!!binary) are not supported; write the value as text",
    "error: runs/deep.yaml:3:109: nested deeper than 100 levels; flatten the structure",
    "error: runs/deeper.yaml:3:406: nested deeper than 100 levels; flatten the structure",
    "error: runs/dup.yaml:5:3: duplicate key 'lr' (first given on line 4); keep one of them",
    "error: runs/lol.yaml:11:6: aliases (*name) expand to 1,234,567,880 more values, past the limit of 10,000; "
    "write the values out or use fewer aliases",
    "error: runs/self.yaml:3:10: a value contains itself through an alias (&anchor ... *anchor inside it); "
    "write the value out instead",
]


@pytest.fixture
def hostile(runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_run(runs_dir, "a")
    for name, text in BAD.items():
        (runs_dir / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return runs_dir


@pytest.mark.parametrize("command", ["build", "check"])
def test_hostile_yaml_is_one_line_each_and_the_good_run_builds(
    hostile: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [command, "runs"] + (["-o", "site", "-j", "1"] if command == "build" else [])
    assert main(args) == 1
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("error:")] == EXPECTED
    assert "Traceback" not in err
    if command == "build":
        assert Path("site/runs/a/index.html").is_file()


def test_yaml_files_that_are_not_manifests_are_checked_too(runs_dir: Path, tmp_path: Path, monkeypatch) -> None:
    # any *.yaml under the runs folder is parsed to learn whether it is a manifest
    make_run(runs_dir, "a")
    (runs_dir / "notes").mkdir()
    (runs_dir / "notes" / "bomb.yaml").write_text(LAUGHS.replace("name: lol\nlogs: logs/a.csv\n", ""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = check(Path("runs"))
    assert [p.format_message() for p in report.problems] == [
        "runs/notes/bomb.yaml:9:6: aliases (*name) expand to 1,234,567,880 more values, past the limit of 10,000; "
        "write the values out or use fewer aliases"
    ]
    assert report.runs == ("a",)


def test_site_config_duplicate_key(runs_dir: Path, tmp_path: Path, monkeypatch) -> None:
    make_run(runs_dir, "a")
    (runs_dir / "reportgen.yaml").write_text("title: One\ntitle: Two\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert [p.format_message() for p in check(Path("runs")).problems] == [
        "runs/reportgen.yaml:2:1: duplicate key 'title' (first given on line 1); keep one of them"
    ]


def test_dates_in_hparams_are_iso_text_in_check_build_and_summary(
    runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_run(runs_dir, "a")
    (runs_dir / "a.yaml").write_text(
        "name: a\nlogs: logs/a.csv\nhparams: {started: 2020-01-02, at: 2020-01-02 10:30:00, "
        "zoned: 2020-01-02T10:30:00+02:00}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert check(Path("runs")).problems == ()
    assert main(["build", "runs", "-o", "site", "-q", "-j", "1"]) == 0
    import json

    summary = json.loads(Path("site/summary.json").read_text(encoding="utf-8"))
    assert summary["runs"][0]["hparams"] == {
        "started": "2020-01-02",
        "at": "2020-01-02T10:30:00",
        "zoned": "2020-01-02T10:30:00+02:00",
    }
    page = Path("site/runs/a/index.html").read_text(encoding="utf-8")
    assert "2020-01-02T10:30:00+02:00" in page


def test_hparams_yaml_beside_a_log_is_held_to_the_same_limits(tmp_path: Path) -> None:
    bomb = tmp_path / "hparams.yaml"
    bomb.write_text(LAUGHS.replace("name: lol\nlogs: logs/a.csv\nhparams:\n", "hparams:\n"), encoding="utf-8")
    data, warning = read_hparams_yaml(bomb)
    assert data == {}
    assert warning == (
        f"{bomb}:9:6: aliases (*name) expand to 1,234,567,880 more values, past the limit of 10,000; "
        "write the values out or use fewer aliases (hparams not read)"
    )
    dated = tmp_path / "dated.yaml"
    dated.write_text("started: 2020-01-02\nns: !!python/object:argparse.Namespace {lr: 1}\n", encoding="utf-8")
    assert read_hparams_yaml(dated) == ({"started": "2020-01-02", "ns": "<tag:yaml.org,2002:python/object:argparse.Namespace>"}, None)


def test_escaped_surrogate_pairs_are_joined_and_a_lone_one_is_an_error(runs_dir: Path, tmp_path: Path, monkeypatch) -> None:
    make_run(runs_dir, "a")
    (runs_dir / "a.yaml").write_text('name: a\nlogs: logs/a.csv\nhparams: {rocket: "\\ud83d\\ude80"}\n', encoding="utf-8")
    (runs_dir / "b.yaml").write_text('name: b\nlogs: logs/a.csv\nhparams: {half: "x\\ud957"}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = check(Path("runs"))
    assert [p.format_message() for p in report.problems] == [
        "runs/b.yaml:3:17: invalid YAML: text with an unpaired \\u escape (d800 to dfff); write the character itself"
    ]
    assert main(["build", "runs", "-o", "site", "-q", "-j", "1"]) == 1
    assert "\U0001f680" in Path("site/runs/a/index.html").read_text(encoding="utf-8")
