"""CRC-32C (Castagnoli), as TFRecord framing uses it, with TensorFlow's masking.

Two ways in: `crc32c(data)` for one buffer, and `crc32c_many(buf, offsets, lengths)` for a whole
event file's records. `google-crc32c` (a dependency; its C code) takes single buffers and long
records; many short records (the scalar events that make up most event files) are checked
together with numpy (slicing-by-4 through two 16-bit tables), which beats a call per record
(docs/measurements.md). Without google-crc32c everything goes through the numpy and pure-Python
code here; results are identical.
"""

from __future__ import annotations

import numpy as np

_POLY = 0x82F63B78  # reflected Castagnoli polynomial


def _byte_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(_POLY), table >> 1).astype(np.uint32)
    return table


_T0 = _byte_table()
_T1 = (_T0 >> 8) ^ _T0[_T0 & 0xFF]
_T2 = (_T1 >> 8) ^ _T0[_T1 & 0xFF]
_T3 = (_T2 >> 8) ^ _T0[_T2 & 0xFF]
_LOW = np.arange(65536, dtype=np.uint32)
# After `crc ^= word`, the next crc is T3[b0] ^ T2[b1] ^ T1[b2] ^ T0[b3]; two 16-bit tables do
# that in two look-ups instead of four.
_TA = _T3[_LOW & 0xFF] ^ _T2[_LOW >> 8]
_TB = _T1[_LOW & 0xFF] ^ _T0[_LOW >> 8]
_TABLE = [int(v) for v in _T0]


def _python_crc32c(data: bytes | memoryview) -> int:
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _accelerated():
    """google-crc32c's C implementation, or None where it is not installed."""
    try:
        import google_crc32c as _g  # type: ignore[import-not-found]
    except ImportError:
        return None
    if _g.implementation != "c":
        return None  # its pure-Python fallback is slower than ours
    return lambda data: _g.value(bytes(data))


_FAST = _accelerated()
# Records at least this long, or in groups this small, are checked one call each by the C code;
# shorter ones in bulk by numpy (the crossover measured in docs/measurements.md).
C_MIN_LENGTH = 128
C_MAX_GROUP = 16


def crc32c(data: bytes | memoryview) -> int:
    """CRC-32C of `data` as an int."""
    if _FAST is not None:
        return int(_FAST(data))
    if len(data) >= 4096:
        arr = np.frombuffer(data, dtype=np.uint8)
        return int(crc32c_many(arr, np.zeros(1, np.int64), np.array([len(arr)], np.int64))[0])
    return _python_crc32c(data)


def mask(crc: int | np.ndarray) -> int | np.ndarray:
    """TensorFlow's masked CRC: rotate right by 15 bits and add a constant."""
    if isinstance(crc, np.ndarray):
        c = crc.astype(np.uint64)
        return (
            (((c >> np.uint64(15)) | (c << np.uint64(17))) + np.uint64(0xA282EAD8))
            & np.uint64(0xFFFFFFFF)
        ).astype(np.uint32)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def crc32c_many(
    buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, block: int = 1 << 22
) -> np.ndarray:
    """CRC-32C of every `buf[offsets[i]:offsets[i] + lengths[i]]` (buf: uint8 array), as uint32.

    Records of equal length are processed together, a block of bytes at a time, so memory stays
    bounded (about 9 x `block` bytes) whatever the file size.
    """
    out = np.empty(offsets.shape[0], dtype=np.uint32)
    if offsets.shape[0] == 0:
        return out
    order = np.argsort(lengths, kind="stable")
    sorted_len = lengths[order]
    bounds = np.flatnonzero(np.diff(sorted_len)) + 1
    for group in np.split(order, bounds):
        length = int(lengths[group[0]])
        if length == 0:
            out[group] = 0
            continue
        if _FAST is not None and (length >= C_MIN_LENGTH or group.shape[0] <= C_MAX_GROUP):
            data = buf.data
            out[group] = [_FAST(data[o : o + length]) for o in offsets[group].tolist()]
            continue
        rows = max(1, block // length)
        for start in range(0, group.shape[0], rows):
            idx = group[start : start + rows]
            out[idx] = _crc_equal_length(buf, offsets[idx], length)
    return out


def _crc_equal_length(buf: np.ndarray, offsets: np.ndarray, length: int) -> np.ndarray:
    """CRC-32C of records that all have `length` bytes."""
    crc = np.full(offsets.shape[0], 0xFFFFFFFF, dtype=np.uint32)
    if offsets.shape[0] == 1 and length > 1 << 16:
        return _crc_long(buf[int(offsets[0]) : int(offsets[0]) + length])
    words = length // 4
    if words:
        # (rows, words) little-endian uint32 words gathered from the buffer
        idx = offsets[:, None] + np.arange(words * 4, dtype=np.int64)[None, :]
        w = buf[idx].view("<u4").reshape(offsets.shape[0], words)
        for j in range(words):
            c = crc ^ w[:, j]
            crc = _TA[c & 0xFFFF] ^ _TB[c >> 16]
    for k in range(words * 4, length):
        crc = _T0[(crc ^ buf[offsets + k]) & 0xFF] ^ (crc >> 8)
    return crc ^ np.uint32(0xFFFFFFFF)


def _crc_long(data: np.ndarray) -> np.ndarray:
    """One long buffer (a graph_def, an image): word at a time, without a (1, n) gather copy."""
    n = data.shape[0]
    words = n // 4
    w = np.frombuffer(data[: words * 4].tobytes(), dtype="<u4")
    crc = 0xFFFFFFFF
    ta, tb = _TA.tolist(), _TB.tolist()
    for word in w.tolist():
        c = crc ^ word
        crc = ta[c & 0xFFFF] ^ tb[c >> 16]
    table = _TABLE
    for byte in data[words * 4 :].tolist():
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return np.array([crc ^ 0xFFFFFFFF], dtype=np.uint32)
