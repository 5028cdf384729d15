"""TFRecord framing of TensorBoard event files, read without TensorFlow or protobuf.

Each record is: uint64 length, uint32 masked CRC-32C of the length bytes, `length` bytes of
data, uint32 masked CRC-32C of the data (all little-endian). We find every record's offset in
one tight pass over the lengths, then verify all the CRCs at once with numpy.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reportgen.errors import Location, ReadError
from reportgen.readers.crc32c import crc32c_many, mask

_U64 = struct.Struct("<Q")


@dataclass(frozen=True)
class Records:
    """The records of one file: `data` is the whole file, record i is
    `data[offsets[i]:offsets[i] + lengths[i]]`. `truncated` describes a cut-off last record
    (a writer still running or killed mid-write), which is skipped, or is None."""

    data: bytes
    offsets: np.ndarray  # int64
    lengths: np.ndarray  # int64
    truncated: str | None = None


def frame_records(data: bytes, path: Path) -> Records:
    """Split an event file into records; ReadError when it is not TFRecord framed or a CRC fails."""
    end = len(data)
    # typed arrays, not lists: no Python int kept per record
    offsets = array("q")
    lengths = array("q")
    pos = 0
    unpack = _U64.unpack_from
    append_offset = offsets.append
    append_length = lengths.append
    while pos + 12 <= end:
        (n,) = unpack(data, pos)
        if pos + 16 + n > end:
            break
        append_offset(pos + 12)
        append_length(n)
        pos += n + 16
    offs = np.frombuffer(offsets, dtype=np.int64) if offsets else np.zeros(0, np.int64)
    lens = np.frombuffer(lengths, dtype=np.int64) if lengths else np.zeros(0, np.int64)
    buf = np.frombuffer(data, dtype=np.uint8)
    if offs.shape[0]:
        _verify(buf, offs, lens, path)
    truncated = None
    if pos < end:
        tail = end - pos
        if tail >= 12 and not _header_ok(buf, pos):
            raise ReadError(
                f"corrupt event file: the record at byte {pos} has a bad length checksum "
                "(expected TFRecord framing as TensorBoard writes it)",
                Location(path),
            )
        if not offs.shape[0]:
            raise ReadError(
                f"truncated event file: {tail} bytes, not one complete record "
                "(expected TFRecord framing as TensorBoard writes it)",
                Location(path),
            )
        truncated = (
            f"last record truncated at byte {pos} ({tail} bytes of an incomplete record skipped; "
            "was the writer still running?)"
        )
    return Records(data=data, offsets=offs, lengths=lens, truncated=truncated)


def _header_ok(buf: np.ndarray, pos: int) -> bool:
    got = mask(crc32c_many(buf, np.array([pos], np.int64), np.array([8], np.int64)))
    want = buf[pos + 8 : pos + 12].view("<u4")
    return bool(got[0] == want[0])


def _verify(buf: np.ndarray, offs: np.ndarray, lens: np.ndarray, path: Path) -> None:
    heads = offs - 12
    want_head = _u32_at(buf, offs - 4)
    got_head = mask(crc32c_many(buf, heads, np.full(heads.shape[0], 8, np.int64)))
    bad = np.flatnonzero(got_head != want_head)
    if bad.shape[0]:
        raise ReadError(
            f"corrupt event file: the record at byte {int(heads[bad[0]])} has a bad length checksum "
            "(expected TFRecord framing as TensorBoard writes it)",
            Location(path),
        )
    want_data = _u32_at(buf, offs + lens)
    got_data = mask(crc32c_many(buf, offs, lens))
    bad = np.flatnonzero(got_data != want_data)
    if bad.shape[0]:
        raise ReadError(
            f"corrupt event file: the record at byte {int(heads[bad[0]])} fails its data checksum "
            "(the file was damaged after it was written)",
            Location(path),
        )


def _u32_at(buf: np.ndarray, positions: np.ndarray) -> np.ndarray:
    idx = positions[:, None] + np.arange(4, dtype=np.int64)[None, :]
    return buf[idx].view("<u4").reshape(-1)
