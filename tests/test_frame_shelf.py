"""The build's shelf of frames shared by its workers (build/frame_shelf.py): what one worker
puts, another gets; a frame not there is None; the folder is the build's own, removed when the
build ends, and one a killed build left is removed by the next; no cache, no shelf."""

from __future__ import annotations

from pathlib import Path

from conftest import make_run

from reportgen.build import build
from reportgen.build.frame_shelf import PREFIX, FrameFolder, frame_folder


def test_what_one_worker_puts_another_gets(tmp_path: Path) -> None:
    with frame_folder(tmp_path / "cache") as shelf:
        assert isinstance(shelf, FrameFolder)
        assert shelf.get("a" * 64) is None
        shelf.put("a" * 64, b'{"head": "<svg>"}')
        other = FrameFolder(shelf.folder)
        assert other.get("a" * 64) == b'{"head": "<svg>"}'
        assert [p.name for p in shelf.folder.iterdir()] == ["a" * 64]  # no temporary file left
        folder = shelf.folder
    assert not folder.exists()
    assert other.get("a" * 64) is None  # gone with the build: the worker would draw it


def test_a_killed_builds_folder_is_removed_by_the_next(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    left = cache / f"{PREFIX}killed"
    left.mkdir(parents=True)
    (left / ("b" * 64)).write_bytes(b"x")
    (cache / "ab").mkdir()  # a cache entry folder: not the shelf's
    with frame_folder(cache) as shelf:
        assert shelf is not None and shelf.folder.parent == cache
        assert not left.exists() and (cache / "ab").is_dir()
    assert sorted(p.name for p in cache.iterdir()) == ["ab"]


def test_no_cache_no_shelf() -> None:
    with frame_folder(None) as shelf:
        assert shelf is None


def test_a_build_with_two_workers_leaves_no_shelf_and_the_same_site(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for i in range(6):
        make_run(runs, f"r{i}", group="g", overfit=i % 2 == 1)
    sites = {}
    for jobs in (1, 2):
        out = tmp_path / f"site{jobs}"
        build(runs, out, jobs=jobs)
        cache = out.parent / ".reportgen-cache" / out.name
        assert not list(cache.glob(PREFIX + "*"))
        sites[jobs] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert sites[1] == sites[2]
