"""Scalars out of TensorBoard `Event` protobufs, decoded by hand (no protobuf dependency).

Wire format used (field numbers from tensorboard's event.proto / summary.proto / tensor.proto):
Event{wall_time=1 double, step=2 int64, summary=5 Summary}; Summary{value=1 repeated Value};
Value{tag=1 string, simple_value=2 float, tensor=8 TensorProto, metadata=9 SummaryMetadata};
SummaryMetadata{plugin_data=1 {plugin_name=1}, data_class=4}; TensorProto{dtype=1,
tensor_shape=2, tensor_content=4, float_val=5, double_val=6, int_val=7, int64_val=10,
bool_val=11, half_val=13}.

Most scalar events (tensorboardX / torch `add_scalar`) have one fixed layout: wall_time, step,
one summary value with a tag and a simple_value. Those are decoded for all records at once with
numpy; every other record (TF2 tensor scalars, several values per event, images, graphs) goes
through a small general decoder.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from reportgen.readers.tfrecord import Records

_BLOCK = 1 << 18  # records decoded together in the vectorised path (bounds temporary memory)

# TensorProto dtype enum -> numpy dtype for numeric scalars
_DTYPES = {
    1: np.dtype("<f4"),
    2: np.dtype("<f8"),
    3: np.dtype("<i4"),
    4: np.dtype("u1"),
    5: np.dtype("<i2"),
    6: np.dtype("i1"),
    9: np.dtype("<i8"),
    10: np.dtype("?"),
    17: np.dtype("<u2"),
    19: np.dtype("<f2"),
    22: np.dtype("<u4"),
    23: np.dtype("<u8"),
}
_DATA_CLASS_SCALAR = 1


@dataclass(frozen=True)
class Scalars:
    """The scalar points of one event file in write order, grouped by tag."""

    tags: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # tag -> (steps, values, wall_time)
    records: int
    other_tags: tuple[str, ...]  # tags seen that are not scalars (images, text, hparams, ...)


def decode_scalars(records: Records, plugins: dict[bytes, str | None] | None = None) -> Scalars:
    """Every scalar summary value in the records: simple_value ones, and tensor ones whose tag's
    plugin is `scalars` (TF2 `tf.summary.scalar`) or that carry no plugin and hold one number."""
    data = records.data
    buf = np.frombuffer(data, dtype=np.uint8)
    n = records.offsets.shape[0]
    # fast path: (record index, tag start, tag end, step, wall, value) arrays per block
    fast_rec: list[np.ndarray] = []
    fast_ts: list[np.ndarray] = []
    fast_te: list[np.ndarray] = []
    fast_step: list[np.ndarray] = []
    fast_wall: list[np.ndarray] = []
    fast_val: list[np.ndarray] = []
    slow: list[int] = []
    for start in range(0, n, _BLOCK):
        rec = np.arange(start, min(n, start + _BLOCK), dtype=np.int64)
        ok, ts, te, step, wall, val = _fast_block(buf, records.offsets[rec], records.lengths[rec])
        fast_rec.append(rec[ok])
        fast_ts.append(ts)
        fast_te.append(te)
        fast_step.append(step)
        fast_wall.append(wall)
        fast_val.append(val)
        slow.extend(rec[~ok].tolist())
    rec_f = np.concatenate(fast_rec) if fast_rec else np.zeros(0, np.int64)
    tag_index: dict[bytes, int] = {}
    setdefault = tag_index.setdefault
    codes_f = _tag_codes(
        buf,
        np.concatenate(fast_ts) if fast_ts else np.zeros(0, np.int64),
        np.concatenate(fast_te) if fast_te else np.zeros(0, np.int64),
        tag_index,
    )
    # general decoder for the rest
    plugins = {} if plugins is None else plugins
    other: set[str] = set()
    s_rec: list[int] = []
    s_code: list[int] = []
    s_step: list[int] = []
    s_wall: list[float] = []
    s_val: list[float] = []
    offs = records.offsets
    lens = records.lengths
    for i in slow:
        o = int(offs[i])
        for tag, step, wall, value in _decode_event(data, o, o + int(lens[i]), plugins, other):
            s_rec.append(i)
            s_code.append(setdefault(tag, len(tag_index)))
            s_step.append(step)
            s_wall.append(wall)
            s_val.append(value)
    all_rec = np.concatenate([rec_f, np.array(s_rec, dtype=np.int64)])
    all_code = np.concatenate([codes_f, np.array(s_code, dtype=np.int64)])
    all_step = np.concatenate([*fast_step, np.array(s_step, dtype=np.int64)])
    all_wall = np.concatenate([*fast_wall, np.array(s_wall, dtype=np.float64)])
    all_val = np.concatenate([*fast_val, np.array(s_val, dtype=np.float64)])
    order = np.argsort(all_rec, kind="stable")  # back to write order
    all_code = all_code[order]
    by_code = np.argsort(all_code, kind="stable")
    bounds = np.flatnonzero(np.diff(all_code[by_code])) + 1
    names = {code: tag.decode("utf-8", errors="replace") for tag, code in tag_index.items()}
    tags: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for group in np.split(by_code, bounds) if by_code.shape[0] else []:
        sel = order[group]
        tags[names[int(all_code[group[0]])]] = (all_step[sel], all_val[sel], all_wall[sel])
    return Scalars(tags=tags, records=n, other_tags=tuple(sorted(other - set(tags))))


def _tag_codes(
    buf: np.ndarray, ts: np.ndarray, te: np.ndarray, tag_index: dict[bytes, int]
) -> np.ndarray:
    """A code per record for its tag bytes `buf[ts:te]`, grouping equal tags with numpy (tags
    of one length are compared as fixed-size byte rows), adding new tags to `tag_index`."""
    codes = np.empty(ts.shape[0], dtype=np.int64)
    lengths = te - ts
    for length in np.unique(lengths).tolist():
        sel = np.flatnonzero(lengths == length)
        if length == 0:
            codes[sel] = tag_index.setdefault(b"", len(tag_index))
            continue
        for start in range(0, sel.shape[0], max(1, (1 << 22) // length)):
            part = sel[start : start + max(1, (1 << 22) // length)]
            rows = buf[ts[part, None] + np.arange(length, dtype=np.int64)[None, :]]
            keys = np.ascontiguousarray(rows).view(f"V{length}").reshape(-1)
            unique, inverse = np.unique(keys, return_inverse=True)
            # first appearance order, so codes follow the file (stable output)
            first = np.full(unique.shape[0], keys.shape[0], dtype=np.int64)
            np.minimum.at(first, inverse.reshape(-1), np.arange(keys.shape[0]))
            mapping = np.empty(unique.shape[0], dtype=np.int64)
            for u in np.argsort(first, kind="stable").tolist():
                mapping[u] = tag_index.setdefault(unique[u].tobytes(), len(tag_index))
            codes[part] = mapping[inverse.reshape(-1)]
    return codes


def _varints(
    buf: np.ndarray, pos: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode one varint at each position: (value as uint64, byte length, complete?).

    One byte column at a time, stopping when no varint continues (steps below 2**21 take three
    passes, not ten)."""
    last = buf.shape[0] - 1
    value = np.zeros(pos.shape[0], dtype=np.uint64)
    length = np.zeros(pos.shape[0], dtype=np.int64)
    going = np.ones(pos.shape[0], dtype=bool)
    for k in range(width):
        b = buf[np.minimum(pos + k, last)]
        value |= np.where(going, (b & 0x7F).astype(np.uint64) << np.uint64(7 * k), np.uint64(0))
        length += going
        going &= b >= 0x80
        if not going.any():
            break
    return value, length, ~going


def _gather(buf: np.ndarray, pos: np.ndarray, dtype: str, size: int) -> np.ndarray:
    idx = pos[:, None] + np.arange(size, dtype=np.int64)[None, :]
    return buf[idx].view(dtype).reshape(-1)


def _fast_block(buf: np.ndarray, o: np.ndarray, n: np.ndarray):
    """Decode records laid out as wall_time, step, summary{value{tag, simple_value}}.

    Returns (ok mask, tag starts, tag ends, steps, wall times, values) for the ok records."""
    e = o + n
    last = buf.shape[0] - 1
    ok = (n >= 20) & (buf[np.minimum(o, last)] == 0x09)
    idx = np.flatnonzero(ok)
    p = o[idx] + 9
    end = e[idx]
    wall = _gather(buf, o[idx] + 1, "<f8", 8)
    has_step = buf[p] == 0x10
    step_u, step_len, step_ok = _varints(buf, p + 1, 10)
    step = np.where(has_step, step_u, np.uint64(0)).view(np.int64)
    p = p + np.where(has_step, 1 + step_len, 0)
    good = (~has_step | step_ok) & (p < end) & (buf[np.minimum(p, last)] == 0x2A)
    slen, sl_len, sl_ok = _varints(buf, p + 1, 5)
    p = p + 1 + sl_len
    good &= sl_ok & (p + slen.astype(np.int64) == end) & (buf[np.minimum(p, last)] == 0x0A)
    vlen, vl_len, vl_ok = _varints(buf, p + 1, 5)
    p = p + 1 + vl_len
    good &= vl_ok & (p + vlen.astype(np.int64) == end) & (buf[np.minimum(p, last)] == 0x0A)
    tlen, tl_len, tl_ok = _varints(buf, p + 1, 5)
    ts = p + 1 + tl_len
    te = ts + tlen.astype(np.int64)
    good &= tl_ok & (te + 5 == end) & (buf[np.minimum(te, last)] == 0x15)
    value = _gather(buf, np.where(good, te + 1, 0), "<f4", 4).astype(np.float64)
    ok_full = np.zeros(o.shape[0], dtype=bool)
    ok_full[idx[good]] = True
    return ok_full, ts[good], te[good], step[good], wall[good], value[good]


# ---- general decoder -------------------------------------------------------------------------

_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes, pos: int, end: int):
    """(field number, wire type, value or (start, end) of a length-delimited field)."""
    while pos < end:
        key, pos = _varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield field, wire, value
        elif wire == 1:
            yield field, wire, data[pos : pos + 8]
            pos += 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            yield field, wire, (pos, pos + size)
            pos += size
        elif wire == 5:
            yield field, wire, data[pos : pos + 4]
            pos += 4
        else:  # groups (3, 4) are not used by these messages
            raise ValueError(f"unsupported wire type {wire}")


def event_header(data: bytes, start: int, end: int) -> tuple[float, int, tuple[int, int] | None]:
    """An Event's wall time, step (int64) and the (start, end) of its Summary, if it has one."""
    wall = 0.0
    step = 0
    summary: tuple[int, int] | None = None
    for field, wire, value in _fields(data, start, end):
        if field == 1 and wire == 1:
            wall = _F64.unpack(value)[0]
        elif field == 2 and wire == 0:
            step = value - (1 << 64) if value >= 1 << 63 else value
        elif field == 5 and wire == 2:
            summary = value
    return wall, step, summary


def _decode_event(
    data: bytes, start: int, end: int, plugins: dict[bytes, str | None], other: set[str]
):
    """Yield (tag bytes, step, wall_time, value) for each scalar in one Event."""
    try:
        wall, step, summary = event_header(data, start, end)
        if summary is None:
            return
        for field, wire, value in _fields(data, summary[0], summary[1]):
            if field == 1 and wire == 2:
                found = _decode_value(data, value[0], value[1], plugins, other)
                if found is not None:
                    yield found[0], step, wall, found[1]
    except (ValueError, IndexError, struct.error):
        return  # not an Event we understand (TensorBoard skips these too)


def _decode_value(
    data: bytes, start: int, end: int, plugins: dict[bytes, str | None], other: set[str]
):
    tag = b""
    simple: float | None = None
    tensor: tuple[int, int] | None = None
    meta: tuple[int, int] | None = None
    for field, wire, value in _fields(data, start, end):
        if field == 1 and wire == 2:
            tag = data[value[0] : value[1]]
        elif field == 2 and wire == 5:
            simple = _F32.unpack(value)[0]
        elif field == 8 and wire == 2:
            tensor = value
        elif field == 9 and wire == 2:
            meta = value
    if meta is not None and tag not in plugins:
        # TensorBoard keys a tag's plugin on the first metadata it sees for that tag
        plugins[tag] = _plugin_name(data, meta[0], meta[1])
    if simple is not None:
        return tag, float(simple)
    plugin = plugins.get(tag)
    if tensor is not None and plugin in (None, "scalars"):
        number = _tensor_scalar(data, tensor[0], tensor[1])
        if number is not None:
            return tag, number
    other.add(tag.decode("utf-8", errors="replace"))
    return None


def _plugin_name(data: bytes, start: int, end: int) -> str | None:
    name = None
    for field, wire, value in _fields(data, start, end):
        if field == 1 and wire == 2:
            for f2, w2, v2 in _fields(data, value[0], value[1]):
                if f2 == 1 and w2 == 2:
                    name = data[v2[0] : v2[1]].decode("utf-8", errors="replace")
        elif field == 4 and wire == 0 and value == _DATA_CLASS_SCALAR and name is None:
            name = "scalars"
    return name


def _tensor_scalar(data: bytes, start: int, end: int) -> float | None:
    """The single number a TensorProto holds, or None (strings, several elements, no data)."""
    dtype = 0
    count = 1
    values: list[float] = []
    for field, wire, value in _fields(data, start, end):
        if field == 1 and wire == 0:
            dtype = value
        elif field == 2 and wire == 2:
            for f2, w2, v2 in _fields(data, value[0], value[1]):
                if f2 == 2 and w2 == 2:  # dim {size=1}
                    for f3, w3, v3 in _fields(data, v2[0], v2[1]):
                        if f3 == 1 and w3 == 0:
                            count *= v3
        elif field == 4 and wire == 2:
            np_dtype = _DTYPES.get(dtype)
            raw = data[value[0] : value[1]]
            if np_dtype is None or len(raw) % np_dtype.itemsize:
                return None
            values.extend(np.frombuffer(raw, dtype=np_dtype).astype(np.float64).tolist())
        elif field == 5:  # float_val, packed or not
            values.extend(_packed(data, wire, value, "<f4"))
        elif field == 6:
            values.extend(_packed(data, wire, value, "<f8"))
        elif field in (7, 10, 11):  # int_val, int64_val, bool_val: varints
            values.extend(_packed_varints(data, wire, value))
        elif field == 13:  # half_val: float16 bits in varints
            bits = _packed_varints(data, wire, value)
            values.extend(np.array(bits, dtype=np.uint16).view("<f2").astype(np.float64).tolist())
    if dtype not in _DTYPES or count != 1 or len(values) != 1:
        return None
    return float(values[0])


def _packed(data: bytes, wire: int, value, dtype: str) -> list[float]:
    if wire == 2:
        return np.frombuffer(data[value[0] : value[1]], dtype=dtype).astype(np.float64).tolist()
    return np.frombuffer(value, dtype=dtype).astype(np.float64).tolist()


def _packed_varints(data: bytes, wire: int, value) -> list[float]:
    if wire == 0:
        return [float(value - (1 << 64) if value >= 1 << 63 else value)]
    out = []
    pos, end = value
    while pos < end:
        v, pos = _varint(data, pos)
        out.append(float(v - (1 << 64) if v >= 1 << 63 else v))
    return out
