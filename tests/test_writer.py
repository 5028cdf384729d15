"""The writer swaps a complete site in, never leaves a half-written one, and never clobbers a
folder it did not write."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from reportgen.build.writer import MARKER, MARKER_TEXT, Known, write_site
from reportgen.errors import OutputError


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


def _site(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_unchanged_files_are_linked_from_the_previous_site(tmp_path: Path) -> None:
    out, spare = tmp_path / "site", tmp_path / "spare"
    first = write_site({"a/x.png": b"x1", "b/y.png": b"y1"}, out, previous={}, spare=spare)
    ino = (out / "a" / "x.png").stat().st_ino
    second = write_site({"a/x.png": b"x1", "b/y.png": b"y2"}, out, previous=first, spare=spare)
    assert (out / "a" / "x.png").stat().st_ino == ino  # the same file, not a copy
    assert _site(out) == {".reportgen-site": MARKER_TEXT, "a/x.png": b"x1", "b/y.png": b"y2"}
    assert second["a/x.png"] == first["a/x.png"] and second["b/y.png"][0] != first["b/y.png"][0]


def test_a_known_file_is_made_only_when_the_previous_site_lacks_it(tmp_path: Path) -> None:
    out, spare = tmp_path / "site", tmp_path / "spare"
    made: list[str] = []

    def known(name: str, data: bytes) -> Known:
        def make() -> bytes:
            made.append(name)
            return data

        return Known(hashlib.sha256(data).hexdigest(), make)

    first = write_site({"a.html": b"A", "b.html": b"B"}, out, previous={}, spare=spare)
    (out / "b.html").unlink()  # a site file removed by hand
    write_site({"a.html": known("a", b"A"), "b.html": known("b", b"B")}, out, previous=first, spare=spare)
    assert made == ["b"]
    assert _site(out) == {".reportgen-site": MARKER_TEXT, "a.html": b"A", "b.html": b"B"}


def test_a_site_file_edited_by_hand_is_written_again_not_linked(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = write_site({"a.html": b"original"}, out, previous={})
    (out / "a.html").write_bytes(b"editedXX")  # in place: same inode, new mtime
    os.utime(out / "a.html", ns=(0, first["a.html"][4] + 1))
    write_site({"a.html": b"original"}, out, previous=first)
    assert (out / "a.html").read_bytes() == b"original"


def test_the_live_site_is_never_written_in_place(tmp_path: Path) -> None:
    """The spare folder is the site before last, whose files are links to the live site's: a
    file that changes must be replaced there, never written through the shared inode."""
    out, spare = tmp_path / "site", tmp_path / "spare"
    index = write_site({"p/a.html": b"one", "p/b.html": b"same"}, out, previous={}, spare=spare)
    index = write_site({"p/a.html": b"one", "p/b.html": b"same"}, out, previous=index, spare=spare)
    keep = tmp_path / "kept-link"
    os.link(out / "p" / "a.html", keep)  # a second name for the live site's file
    index = write_site({"p/a.html": b"two", "p/b.html": b"same"}, out, previous=index, spare=spare)
    assert keep.read_bytes() == b"one"
    write_site({"p/a.html": b"three", "p/b.html": b"same"}, out, previous=index, spare=spare)
    assert keep.read_bytes() == b"one"
    assert _site(out) == {".reportgen-site": MARKER_TEXT, "p/a.html": b"three", "p/b.html": b"same"}


def test_the_spare_folder_is_emptied_of_what_the_new_site_does_not_have(tmp_path: Path) -> None:
    out, spare = tmp_path / "site", tmp_path / "spare"
    index = write_site({"gone/a.html": b"a", "x": b"file", "keep/b.html": b"b"}, out, previous={}, spare=spare)
    index = write_site({"keep/b.html": b"b", "x/inner.html": b"now a folder"}, out, previous=index, spare=spare)
    index = write_site({"keep/b.html": b"b", "x": b"a file again"}, out, previous=index, spare=spare)
    assert _site(out) == {".reportgen-site": MARKER_TEXT, "keep/b.html": b"b", "x": b"a file again"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "spare"]
    # the replaced site is kept whole as the spare
    assert _site(spare) == {".reportgen-site": MARKER_TEXT, "keep/b.html": b"b", "x/inner.html": b"now a folder"}
