"""CRC-32C (Castagnoli), as TFRecord framing uses it, with TensorFlow's masking.

google-crc32c's C code computes it, one call per record: as fast as our former numpy
slicing-by-4 on a million short scalar records and a hundred times faster on long ones (images,
graphs); docs/measurements.md has the figures. Where its C code is missing, a small table-driven
pure-Python loop gives the same results, slowly.
"""

from __future__ import annotations

import numpy as np

_POLY = 0x82F63B78  # reflected Castagnoli polynomial


def _table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


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
        return None  # its own pure-Python fallback is no faster than ours
    return _g.value


_FAST = _accelerated()


def crc32c(data: bytes | memoryview) -> int:
    """CRC-32C of `data` as an int."""
    if _FAST is not None:
        return int(_FAST(bytes(data)))
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


def crc32c_many(buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """CRC-32C of every `buf[offsets[i]:offsets[i] + lengths[i]]` (buf: uint8 array), as uint32."""
    data = buf.data.cast("B") if buf.ndim == 1 else memoryview(buf.tobytes())
    one = _FAST if _FAST is not None else _python_crc32c
    # a bytes copy per record: google-crc32c takes read-only buffers only
    return np.fromiter(
        (one(bytes(data[o : o + n])) for o, n in zip(offsets.tolist(), lengths.tolist())),
        dtype=np.uint32,
        count=offsets.shape[0],
    )
