"""Bytes for reportgen's data (a run's result, its series and analysis, a build's record) that
decode into data only: JSON for the structure, numpy arrays and byte strings as raw
little-endian buffers after it. Unlike pickle, decoding never calls a function named by the
input: it builds builtins, numpy arrays of numeric or text dtypes, paths and dates, and
reportgen's own dataclasses and errors, looked up by exact name among modules already imported,
filled field by field without running their code. The cache is untrusted input (a CI cache is
shared across branches): see docs/threat-model.md.

Layout: 8 bytes (big-endian) giving the JSON's length, the JSON (UTF-8), then the buffers.
`encode` raises Unencodable for a value it cannot represent (the caller then does not cache
it); `decode` raises Undecodable for anything that is not what `encode` writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np

MAX_DEPTH = 200  # nesting deeper than any data reportgen makes; refused, not a RecursionError
_LENGTH = 8
_TAG = "$"  # key of a tagged value; a mapping that has it is written as pairs
_ARRAY_KINDS = "biufcUS"  # bool, integers, floats, complex, text: no objects, no records
_PLAIN = frozenset({type(None), bool, int, float, str})


class Unencodable(ValueError):
    """A value this format has no representation for (or nested too deep, or a cycle)."""


class Undecodable(ValueError):
    """Bytes that are not an encoding of data."""


def encode(value: Any) -> bytes:
    """The bytes of `value`; raises Unencodable."""
    buffers: list[bytes] = []
    try:
        tree = _enc(value, buffers, 0)
        text = json.dumps(tree, ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode("utf-8")
    except (RecursionError, ValueError) as exc:  # ValueError: ints past str's digit limit
        raise Unencodable(str(exc)) from None
    return b"".join([len(text).to_bytes(_LENGTH, "big"), text, *buffers])


def decode(blob: bytes) -> Any:
    """The value `encode` made `blob` from; raises Undecodable."""
    try:
        end = _LENGTH + int.from_bytes(blob[:_LENGTH], "big")
        if len(blob) < end:
            raise Undecodable("truncated")
        decoder = _Decoder(memoryview(blob), end)
        # json's C parser calls the hook on each object as it closes, innermost first and
        # leaves in document order: the order `encode` wrote the buffers in
        return json.loads(blob[_LENGTH:end].decode("utf-8"), object_hook=decoder.hook)
    except Undecodable:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError) as exc:
        raise Undecodable(f"{type(exc).__name__}: {exc}") from None


def _type_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _enc(v: Any, buffers: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise Unencodable(f"nested deeper than {MAX_DEPTH} levels (or refers to itself)")
    t = type(v)
    if v is None or t is bool or t is int or t is float or t is str:
        return v
    d = depth + 1
    if t is list:
        # a list of plain numbers and strings (a figure's data: thousands of floats) is its
        # own tree; telling so from its set of types is a C loop, not a call per item
        if _PLAIN.issuperset(map(type, v)):
            return v
        return [_enc(x, buffers, d) for x in v]
    if t is dict:
        if all(type(k) is str for k in v) and _TAG not in v:
            return {k: _enc(x, buffers, d) for k, x in v.items()}
        return {_TAG: "dict", "v": [[_enc(k, buffers, d), _enc(x, buffers, d)] for k, x in v.items()]}
    if t is tuple:
        return {_TAG: "tuple", "v": [_enc(x, buffers, d) for x in v]}
    if t is set or t is frozenset:
        # sorted, so equal sets encode alike in every process (string hashing is randomised)
        # each item with its own buffers, so they stay in document order once sorted
        parts = []
        for x in v:
            own: list[bytes] = []
            parts.append((_enc(x, own, d), own))
        parts.sort(key=lambda part: (json.dumps(part[0], sort_keys=True), part[1]))
        for _, own in parts:
            buffers.extend(own)
        return {_TAG: t.__name__, "v": [tree for tree, _ in parts]}
    if t is bytes or t is bytearray:
        buffers.append(bytes(v))
        return {_TAG: "bytes", "n": len(v)}
    if isinstance(v, np.ndarray):
        if v.dtype.kind not in _ARRAY_KINDS or v.dtype.fields is not None:
            raise Unencodable(f"an array of {v.dtype}")
        little = v.astype(v.dtype.newbyteorder("<"), copy=False)
        data = np.ascontiguousarray(little).tobytes()
        buffers.append(data)
        return {_TAG: "array", "dtype": little.dtype.str, "shape": list(v.shape), "n": len(data)}
    if isinstance(v, np.generic):
        if v.dtype.kind not in _ARRAY_KINDS:
            raise Unencodable(f"a numpy {v.dtype}")
        return {_TAG: "scalar", "dtype": v.dtype.newbyteorder("<").str, "v": _enc(v.item(), buffers, d)}
    if t is complex:
        return {_TAG: "complex", "v": [v.real, v.imag]}
    if isinstance(v, (PurePosixPath, PureWindowsPath)):
        return {_TAG: "path", "v": str(v), "windows": isinstance(v, PureWindowsPath)}
    if t in (dt.date, dt.datetime, dt.time):
        if getattr(v, "tzinfo", None) is not None and type(v.tzinfo) is not dt.timezone:
            raise Unencodable(f"a time zone of type {type(v.tzinfo).__name__}")
        return {_TAG: t.__name__, "v": v.isoformat(), "fold": getattr(v, "fold", 0)}
    if t is dt.timedelta:
        return {_TAG: "timedelta", "v": [v.days, v.seconds, v.microseconds]}
    if dataclasses.is_dataclass(v) and _our_class(t):
        fields = {f.name: _enc(getattr(v, f.name), buffers, d) for f in dataclasses.fields(v)}
        return {_TAG: "dataclass", "type": _type_name(t), "fields": fields}
    from reportgen.errors import ReportgenError

    if isinstance(v, ReportgenError) and _our_class(t):
        return {
            _TAG: "error", "type": _type_name(t), "message": v.message,
            "where": _enc(v.where, buffers, d), "key": v.key,
        }
    raise Unencodable(f"a value of type {t.__module__}.{t.__qualname__}")


def _our_class(cls: type) -> bool:
    return cls.__module__.startswith("reportgen.") and "." not in cls.__qualname__


def _find_class(name: str) -> type:
    """reportgen's own class `module:Name`, from a module already imported; no attribute
    chains, no imports, nothing but a dataclass or an error class defined right there."""
    module_name, _, cls_name = name.partition(":")
    module = sys.modules.get(module_name)
    if not module_name.startswith("reportgen.") or module is None or not cls_name.isidentifier():
        raise Undecodable(f"not one of reportgen's classes: {name}")
    found = vars(module).get(cls_name)
    if not isinstance(found, type) or found.__module__ != module_name or found.__qualname__ != cls_name:
        raise Undecodable(f"not one of reportgen's classes: {name}")
    return found


class _Decoder:
    def __init__(self, blob: memoryview, start: int) -> None:
        self.blob = blob
        self.at = start

    def _take(self, n: Any) -> memoryview:
        if type(n) is not int or n < 0 or self.at + n > len(self.blob):
            raise Undecodable("a buffer runs past the end")
        part = self.blob[self.at : self.at + n]
        self.at += n
        return part

    def hook(self, v: dict) -> Any:
        """A JSON object as read, what it holds already decoded (json calls this innermost
        first): a tagged value made real, any other object kept as the dict it is."""
        if _TAG not in v:
            return v
        tag = v[_TAG]
        if tag == "dict":
            return {k: x for k, x in v["v"]}
        if tag in ("tuple", "set", "frozenset"):
            return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](v["v"])
        if tag == "bytes":
            return bytes(self._take(v["n"]))
        if tag == "array":
            dtype = np.dtype(str(v["dtype"]))
            if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None:
                raise Undecodable(f"an array of {dtype}")
            shape = tuple(int(n) for n in v["shape"])
            # a writable copy in native byte order, like the array that was stored
            arr = np.frombuffer(self._take(v["n"]), dtype=dtype).reshape(shape)
            return arr.astype(dtype.newbyteorder("="), copy=True)
        if tag == "scalar":
            dtype = np.dtype(str(v["dtype"]))
            if dtype.kind not in _ARRAY_KINDS:
                raise Undecodable(f"a numpy {dtype}")
            return dtype.newbyteorder("=").type(v["v"])
        if tag == "complex":
            return complex(float(v["v"][0]), float(v["v"][1]))
        if tag == "path":
            return (PureWindowsPath if v["windows"] else Path)(str(v["v"]))
        if tag == "date":
            return dt.date.fromisoformat(str(v["v"]))
        if tag in ("datetime", "time"):
            return getattr(dt, tag).fromisoformat(str(v["v"])).replace(fold=int(v["fold"]))
        if tag == "timedelta":
            days, seconds, micro = (int(x) for x in v["v"])
            return dt.timedelta(days=days, seconds=seconds, microseconds=micro)
        if tag == "dataclass":
            return self._dataclass(v)
        if tag == "error":
            return self._error(v)
        raise Undecodable(f"unknown tag {tag!r}")

    def _dataclass(self, v: dict) -> Any:
        cls = _find_class(str(v["type"]))
        if not dataclasses.is_dataclass(cls):
            raise Undecodable(f"not a dataclass: {v['type']}")
        names = [f.name for f in dataclasses.fields(cls)]
        given = v["fields"]
        if type(given) is not dict or sorted(given) != sorted(names):
            raise Undecodable(f"the fields of {v['type']} do not match")
        # filled directly: no __init__ or __post_init__ of the class runs
        obj = object.__new__(cls)
        for name in names:
            object.__setattr__(obj, name, given[name])
        return obj

    def _error(self, v: dict) -> Any:
        from reportgen.errors import Location, ReportgenError

        cls = _find_class(str(v["type"]))
        where = v["where"]
        message, key = v["message"], v["key"]
        if not issubclass(cls, ReportgenError) or type(where) is not Location or type(message) is not str:
            raise Undecodable(f"not an error of reportgen: {v['type']}")
        if key is not None and type(key) is not str:
            raise Undecodable("an error's key is not text")
        return cls(message, where, key=key)
