"""The cache is untrusted input (a CI cache is shared across branches): whatever an entry holds,
decoding it builds data and never runs code, and anything that fails a check is rebuilt. Every
value a run's result can hold round-trips, or is simply not cached."""

from __future__ import annotations

import datetime as dt
import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest
from conftest import make_run
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.build import build, datacodec
from reportgen.build.cache import CACHE_DIR, RunCache, decode_entry, encode_entry
from reportgen.errors import Location, ReadError
from reportgen.model import Flag


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def entries(out: Path) -> list[Path]:
    return sorted((out.parent / CACHE_DIR / out.name).glob("*/*.bin"))


def _short(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw  # SHORT_BINUNICODE


def popen_pickle(marker: Path) -> bytes:
    """The exploit of issue 12: a pickle whose STACK_GLOBAL reaches subprocess.Popen through
    reportgen.build.site_swap's imports (it uses ctypes), called with a command that creates `marker`."""
    command = str(marker).encode()
    return b"".join([
        b"\x80\x04",
        _short("reportgen.build.site_swap"),
        _short("ctypes.util.subprocess.Popen"),
        b"\x93",  # STACK_GLOBAL
        b"](",  # EMPTY_LIST, MARK
        _short("touch"),
        b"\x8c" + bytes([len(command)]) + command,
        b"e",  # APPENDS
        b"\x85R.",  # TUPLE1, REDUCE, STOP
    ])


def _plant(value: object, exploit: bytes, images: bool) -> object:
    """`value` with every byte string replaced by the exploit (images too, when `images`)."""
    if isinstance(value, bytes):
        return exploit
    if isinstance(value, dict):
        return {k: _plant(v, exploit, images) for k, v in value.items() if images or k != "images"} | (
            {} if images or "images" not in value else {"images": value["images"]}
        )
    return value


def test_the_exploit_is_a_working_pickle(tmp_path: Path) -> None:
    # the planted bytes do run the command when unpickled: what the cache must never do
    import pickle
    import subprocess

    marker = tmp_path / "ran"
    proc = pickle.loads(popen_pickle(marker))
    assert isinstance(proc, subprocess.Popen) and proc.wait() == 0 and marker.exists()


@pytest.mark.parametrize("images", [False, True])
def test_a_tampered_cache_never_runs_code_and_is_rebuilt(runs_dir: Path, tmp_path: Path, images: bool) -> None:
    for name in ("a", "b", "c"):
        make_run(runs_dir, name, group="g")
    out = tmp_path / "site"
    build(runs_dir, out, jobs=1)
    expected = site_bytes(out)
    marker = tmp_path / "owned"
    exploit = popen_pickle(marker)
    found = entries(out)
    assert len(found) == 4  # three runs, one for the group and comparison pages
    for entry in found:
        data = decode_entry(entry.read_bytes())
        assert data is not None
        # checksums recomputed with the cache's own encoder: the entry is "intact"
        entry.write_bytes(encode_entry(_plant(data, exploit, images)))
    report = build(runs_dir, out, jobs=1)
    assert not marker.exists()
    assert not report.problems and report.runs == ("a", "b", "c")
    assert report.cached == 0 and not report.cross_cached  # each run's payload was refused: rebuilt
    if not images:
        assert site_bytes(out) == expected
    # whoever can write the cache can change the pictures it holds (docs/threat-model.md), but
    # those bytes are only ever copied into the site, never decoded here
    build(runs_dir, out, jobs=1, cache=False)
    assert site_bytes(out) == expected and not marker.exists()


def test_a_header_naming_a_function_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    tree = {
        "$": "dataclass",
        "type": "reportgen.build.site_swap:ctypes.util.subprocess.Popen",
        "fields": {"args": ["touch", str(marker)]},
    }
    text = json.dumps(tree).encode()
    with pytest.raises(datacodec.Undecodable, match="not one of reportgen's classes"):
        datacodec.decode(len(text).to_bytes(8, "big") + text)
    for name in ("reportgen.build.writer:subprocess", "reportgen.build.writer:write_file", "os:system", "reportgen.build.cache:RunCache"):
        tree = {"$": "dataclass", "type": name, "fields": {}}
        text = json.dumps(tree).encode()
        with pytest.raises(datacodec.Undecodable):
            datacodec.decode(len(text).to_bytes(8, "big") + text)
    assert not marker.exists()


def test_object_arrays_are_neither_written_nor_read() -> None:
    with pytest.raises(datacodec.Unencodable, match="an array of object"):
        datacodec.encode(np.array([object()]))
    tree = json.dumps({"$": "array", "dtype": "|O", "shape": [1], "n": 8}).encode()
    with pytest.raises(datacodec.Undecodable, match="an array of object"):
        datacodec.decode(len(tree).to_bytes(8, "big") + tree + struct.pack("<q", 0))


HPARAMS = {
    "started": dt.date(2020, 1, 1),
    "at": dt.datetime(2020, 1, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    "naive": dt.datetime(2021, 5, 6, 7, 8, 9, 10),
    "nested": {"a": {"b": [1, {"c": None}]}, 3: "int key", (1, 2): "tuple key", None: 0.5},
    "big": 10**30,
    "negative_big": -(2**70),
    "floats": [math.nan, math.inf, -math.inf, -0.0, 5e-324],
    "set": {"x", "y"},
    "set of bytes": {b"\x01", b"\x02\x03", (b"a", 1)},
    "frozen": frozenset({1, 2}),
    "bytes": b"\x00\xff",
    "$": "a key that looks like a tag",
    "tuple": (1, "two", 3.0),
    "complex": 1 + 2j,
}


def test_every_value_a_result_can_hold_round_trips() -> None:
    back = datacodec.decode(datacodec.encode(HPARAMS))
    assert back.keys() == HPARAMS.keys()
    for key, value in HPARAMS.items():
        if key == "floats":
            assert [repr(x) for x in back[key]] == [repr(x) for x in value]
        else:
            assert back[key] == value and type(back[key]) is type(value)
    arrays = {
        "f8": np.array([1.5, np.nan, np.inf]), "i8": np.arange(5, dtype=np.int64),
        "u1": np.array([[1, 2], [3, 4]], dtype=np.uint8), "big-endian": np.array([1.0, 2.0], dtype=">f8"),
        "bool": np.array([True, False]), "text": np.array(["cat", "dog"]), "empty": np.zeros((0, 3)),
        "scalar": np.float32(1.25), "int scalar": np.int64(-7),
    }
    back = datacodec.decode(datacodec.encode(arrays))
    for key, value in arrays.items():
        np.testing.assert_array_equal(back[key], value)
        assert back[key].dtype == value.dtype.newbyteorder("=") and type(back[key]) is type(value)
    assert back["u1"].flags.writeable


def test_reportgen_classes_round_trip_without_running_their_code() -> None:
    flag = Flag("overfitting", "warning", "val rises", metric="val_loss", step=10, evidence={"gl": 12.5})
    error = ReadError("bad cell", Location(Path("runs/a.csv"), 3, 4), key="logs[0]")
    back_flag, back_error = datacodec.decode(datacodec.encode([flag, error]))
    assert back_flag == flag
    assert type(back_error) is ReadError and back_error.format_message() == error.format_message()


def test_values_it_cannot_hold_are_not_cached_never_a_crash(tmp_path: Path) -> None:
    looped: dict = {}
    looped["self"] = looped
    deep: list = []
    for _ in range(datacodec.MAX_DEPTH + 5):
        deep = [deep]
    cache = RunCache(tmp_path)
    for bad in (object(), looped, deep, dt.datetime.now().astimezone().replace(tzinfo=_Zone()), 10**5000):
        with pytest.raises(datacodec.Unencodable):
            datacodec.encode(bad)
        cache.store("ab" * 32, {"record": {"hparams": {"x": bad}}})
        assert cache.open("ab" * 32) is None
    assert list(tmp_path.rglob("*")) == []


class _Zone(dt.tzinfo):
    def utcoffset(self, _when: object) -> dt.timedelta:
        return dt.timedelta(0)


def test_a_run_with_dates_in_its_hparams_builds_and_is_cached(runs_dir: Path, tmp_path: Path) -> None:
    make_run(runs_dir, "a", group="g")
    make_run(runs_dir, "b", group="g")
    manifest = runs_dir / "a.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "hparams: {started: 2020-01-01, seen: 2020-01-01 10:00:00}\n", encoding="utf-8")
    out = tmp_path / "site"
    first = build(runs_dir, out, jobs=1)
    assert not first.problems and first.runs == ("a", "b")
    again = build(runs_dir, out, jobs=1)
    assert again.cached == 2 and again.cross_cached
    assert site_bytes(out) == site_bytes(out)  # read twice: nothing moved under us
    build(runs_dir, tmp_path / "cold", cache=False)
    assert site_bytes(out) == site_bytes(tmp_path / "cold")


_plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary() | st.dates() | st.datetimes(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text() | st.integers() | st.dates(), inner, max_size=4)
    | st.tuples(inner, inner),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_plain)
def test_any_yaml_like_value_round_trips(value: object) -> None:
    back = datacodec.decode(datacodec.encode(value))
    assert repr(back) == repr(value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_are_refused(blob: bytes) -> None:
    try:
        datacodec.decode(blob)
    except datacodec.Undecodable:
        pass
