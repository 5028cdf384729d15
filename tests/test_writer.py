"""The writer swaps a complete site in, never leaves a half-written one, and never clobbers a
folder it did not write."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import OutputError
from reportgen.writer import MARKER, write_site


def test_writes_files_and_marker(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site({"index.html": b"<p>hi</p>", "runs/a/index.html": b"a"}, out)
    assert (out / "index.html").read_bytes() == b"<p>hi</p>"
    assert (out / "runs" / "a" / "index.html").read_bytes() == b"a"
    assert (out / MARKER).is_file()


def test_rebuild_replaces_old_files(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site({"index.html": b"1", "old.html": b"x"}, out)
    write_site({"index.html": b"2"}, out)
    assert (out / "index.html").read_bytes() == b"2"
    assert not (out / "old.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temporary folders left


def test_failed_write_leaves_previous_site_intact(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site({"index.html": b"good"}, out)
    # "a" as a file and "a/b" beneath it cannot both be written: the write fails half-way
    with pytest.raises(OSError):
        write_site({"a": b"file", "a/b": b"child", "index.html": b"new"}, out)
    assert (out / "index.html").read_bytes() == b"good"
    assert not any(p.name.startswith(".site.tmp") for p in tmp_path.iterdir())


def test_refuses_folder_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(OutputError) as err:
        write_site({"index.html": b"x"}, out)
    assert "refusing to replace a folder that reportgen did not write" in err.value.message
    assert (out / "thesis.tex").read_text(encoding="utf-8") == "precious"


def test_refuses_output_that_holds_the_runs(tmp_path: Path) -> None:
    runs = tmp_path / "proj" / "runs"
    runs.mkdir(parents=True)
    with pytest.raises(OutputError) as err:
        write_site({"index.html": b"x"}, tmp_path / "proj", runs_dir=runs)
    assert err.value.message == "the output folder holds the runs folder; choose another output with -o"
    assert runs.is_dir()


def test_empty_existing_folder_is_used(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    write_site({"index.html": b"x"}, out)
    assert (out / "index.html").read_bytes() == b"x"
