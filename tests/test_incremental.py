"""The build's books (build/incremental.py `Incremental`), through the real writer and the record
a build leaves for the next: a file is handed back as writer.Known only when the last build made
it from equal inputs, and made otherwise; without a cache nothing is skipped or remembered."""

from __future__ import annotations

import hashlib
from pathlib import Path

from reportgen.build.incremental import Incremental
from reportgen.build.writer import Known, read_site


class Maker:
    """A file's maker that counts its calls."""

    def __init__(self, data: bytes) -> None:
        self.data, self.calls = data, 0

    def __call__(self) -> bytes:
        self.calls += 1
        return self.data


def first_build(out: Path, runs: Path, cache: bool = True) -> None:
    books = Incremental(out, cache)
    assert books.start([]) is None
    files = {"a.txt": books.file("a.txt", Maker(b"alpha"), "a", 1), "b.txt": books.file("b.txt", Maker(b"beta"), "b", 1)}
    assert files == {"a.txt": b"alpha", "b.txt": b"beta"}  # nothing known yet: both made
    books.write(files, runs, on_file=None)


def test_a_file_made_from_equal_inputs_is_known_and_not_made_again(tmp_path: Path) -> None:
    runs, out = tmp_path / "runs", tmp_path / "site"
    runs.mkdir()
    first_build(out, runs)
    books = Incremental(out, cache=True)
    books.start([])
    same, changed = Maker(b"alpha"), Maker(b"beta 2")
    a = books.file("a.txt", same, "a", 1)
    b = books.file("b.txt", changed, "b", 2)  # other inputs: made again
    assert isinstance(a, Known) and a.digest == hashlib.sha256(b"alpha").hexdigest()
    assert same.calls == 0
    assert b == b"beta 2" and changed.calls == 1
    books.write({"a.txt": a, "b.txt": b}, runs, on_file=None)
    assert same.calls == 0  # linked from the previous site, never made
    assert read_site(out) == {"a.txt": b"alpha", "b.txt": b"beta 2"}


def test_a_file_the_previous_site_lost_is_made_again(tmp_path: Path) -> None:
    runs, out = tmp_path / "runs", tmp_path / "site"
    runs.mkdir()
    first_build(out, runs)
    (out / "a.txt").unlink()  # the record says it was made; the site no longer holds it
    books = Incremental(out, cache=True)
    books.start([])
    again = Maker(b"alpha")
    files = {"a.txt": books.file("a.txt", again, "a", 1), "b.txt": books.file("b.txt", Maker(b"beta"), "b", 1)}
    books.write(files, runs, on_file=None)
    assert again.calls == 1
    assert read_site(out) == {"a.txt": b"alpha", "b.txt": b"beta"}


def test_without_a_cache_every_file_is_made_and_nothing_is_remembered(tmp_path: Path) -> None:
    runs, out = tmp_path / "runs", tmp_path / "site"
    runs.mkdir()
    first_build(out, runs, cache=False)
    books = Incremental(out, cache=False)
    books.start([])
    assert not books.keeping
    maker = Maker(b"alpha")
    assert books.file("a.txt", maker, "a", 1) == b"alpha" and maker.calls == 1
    assert not (tmp_path / ".reportgen-cache").exists()
