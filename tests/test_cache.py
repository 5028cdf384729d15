"""Incremental builds: unchanged runs come from the cache, changed ones are rebuilt, and the
site is byte-identical to a cold build either way. A damaged entry is rebuilt, never served."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from conftest import make_run

from reportgen.build import build
from reportgen.build.cache import CACHE_DIR, MAGIC, RunCache, decode_entry, encode_entry


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def entries(out: Path) -> list[Path]:
    return sorted((out.parent / CACHE_DIR / out.name).glob("*/*.bin"))


@pytest.fixture
def three(runs_dir: Path) -> Path:
    for name in ("a", "b", "c"):
        make_run(runs_dir, name, group="g", notes=f"run {name}")
    return runs_dir


def test_rebuild_reuses_unchanged_runs_and_matches_a_cold_build(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = build(three, out, jobs=1)
    assert first.cached == 0 and len(entries(out)) == 3 + 1  # one per run, one for group/comparison pages
    again = build(three, out, jobs=1)
    assert again.cached == 3
    # touching one log changes no input: runs are keyed by their logs' contents
    log = three / "logs" / "b.csv"
    st = log.stat()
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    touched = build(three, out, jobs=1)
    assert touched.cached == 3 and touched.cross_cached
    # editing one manifest's notes redraws nothing (notes are only text on pages), and every
    # page showing them changes
    manifest = three / "c.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("run c", "run c, edited"), encoding="utf-8")
    warm = build(three, out, jobs=1)
    assert warm.cached == 3
    assert warm.cross_cached  # no group or comparison page shows notes: nothing to redraw there
    # new data in one run redraws the group and comparison pages
    with open(three / "logs" / "a.csv", "a", encoding="utf-8") as fh:
        fh.write("200,0.1,0.2\n")
    changed = build(three, out, jobs=1)
    assert changed.cached == 2 and not changed.cross_cached
    cold = build(three, tmp_path / "cold", cache=False)
    assert cold.cached == 0
    assert site_bytes(out) == site_bytes(tmp_path / "cold")
    assert "run c, edited" in (out / "runs" / "c" / "index.html").read_text(encoding="utf-8")
    assert len(entries(out)) == 3 + 1  # entries no build uses any more are pruned


def test_changing_a_shared_setting_rebuilds_every_run(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(three, out, jobs=1)
    (three / "reportgen.yaml").write_text("analysis:\n  smoothing: 0.9\n", encoding="utf-8")
    assert build(three, out, jobs=1).cached == 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated (a build killed while writing, a full disk)
        lambda b: b[:-1] + bytes([b[-1] ^ 0x01]),  # one flipped bit
        lambda b: b"",  # empty
        lambda b: b"not a cache entry at all",
    ],
    ids=["truncated", "bitflip", "empty", "garbage"],
)
def test_corrupt_entries_are_rebuilt_not_served(three: Path, tmp_path: Path, damage) -> None:
    out = tmp_path / "site"
    build(three, out, jobs=1)
    expected = site_bytes(out)
    for entry in entries(out):
        entry.write_bytes(damage(entry.read_bytes()))
    report = build(three, out, jobs=1)
    assert report.cached == 0
    assert site_bytes(out) == expected
    assert all(decode_entry(e.read_bytes()) is not None for e in entries(out))  # rewritten whole


def test_entry_that_would_run_code_is_refused() -> None:
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo owned",))

    import hashlib

    # a pickle with a valid checksum where the header goes: not an entry
    header = pickle.dumps({"data": {"x": Evil()}, "blobs": []})
    blob = MAGIC + hashlib.sha256(header).digest() + len(header).to_bytes(8, "big") + header
    assert decode_entry(blob) is None
    assert decode_entry(blob.replace(b"echo owned", b"echo OWNED")) is None  # and a bad checksum
    assert decode_entry(encode_entry({"record": {"a": [1, 2.5, None]}, "images": {"x.png": b"\x89PNG"}})) == {
        "record": {"a": [1, 2.5, None]},
        "images": {"x.png": b"\x89PNG"},
    }


def test_disabled_cache_stores_nothing(three: Path, tmp_path: Path) -> None:
    build(three, tmp_path / "site", cache=False)
    assert not (tmp_path / CACHE_DIR).exists()
    assert RunCache(None).load("0" * 64) is None


def test_parallel_build_matches_serial_build(three: Path, tmp_path: Path) -> None:
    make_run(three, "d")
    make_run(three, "e", overfit=True, steps=300)
    serial = build(three, tmp_path / "one", jobs=1, cache=False)
    parallel = build(three, tmp_path / "two", jobs=2, cache=False)
    assert serial.runs == parallel.runs and serial.flags == parallel.flags
    assert site_bytes(tmp_path / "one") == site_bytes(tmp_path / "two")


def test_a_log_is_hashed_again_only_when_its_stat_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reportgen.build.cache_keys as keys

    log = tmp_path / "a.csv"
    log.write_text("step,loss\n1,0.5\n", encoding="utf-8")
    old = log.stat().st_mtime_ns - 10**10  # well before now: not a "racy" file
    os.utime(log, ns=(old, old))
    hashed: list[Path] = []
    real = keys._hash_file
    monkeypatch.setattr(keys, "_hash_file", lambda p: hashed.append(p) or real(p))
    first = keys.FileDigests()
    line = first.line(log)
    again = keys.FileDigests(first.used)
    assert again.line(log) == line and hashed == [log]
    log.write_text("step,loss\n1,0.7\n", encoding="utf-8")  # same size, new contents
    os.utime(log, ns=(old, old + 1))
    changed = keys.FileDigests(again.used).line(log)
    assert changed != line and hashed == [log, log]
    # just written: its stat could miss another write within the same clock tick, so not kept
    log.write_text("step,loss\n1,0.9\n", encoding="utf-8")
    fresh = keys.FileDigests()
    fresh.line(log)
    assert fresh.used == {}


def test_an_entry_is_read_as_far_as_needed_and_each_part_is_checked(tmp_path: Path) -> None:
    cache = RunCache(tmp_path)
    key = "ab" * 32
    cache.store(key, {"record": {"name": "a"}, "images": {"a.png": b"\x89PNG one", "b.png": b"\x89PNG two"}, "cross": b"xx"})
    entry = cache.open(key)
    assert entry.data == {"record": {"name": "a"}, "images": {"a.png": None, "b.png": None}, "cross": None}
    assert entry.read(("images", "b.png")) == b"\x89PNG two" and entry.read(("cross",)) == b"xx"
    path = next(tmp_path.glob("*/*.bin"))
    blob = entry.blobs[("images", "a.png")]
    data = bytearray(path.read_bytes())
    data[blob.offset] ^= 0x01
    path.write_bytes(bytes(data))
    assert cache.open(key).read(("images", "a.png")) is None  # the damaged part only
    assert cache.open(key).read(("images", "b.png")) == b"\x89PNG two"
    assert cache.load(key) is None and not path.exists()  # a full load drops the damaged entry
