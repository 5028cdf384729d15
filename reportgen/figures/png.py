"""PNG encoding of a drawn figure's pixels.

Pillow's encoder tries every PNG row filter on every row to pick the best; on plots (flat
colour, thin lines) that search costs more than it saves: unfiltered rows deflate smaller
(43 KB against 46 KB for a run's loss figure). Deflate is zlib's, at level 3, and nothing else:
the same pixels must give the same bytes in every process (issue 12, point 24). ISA-L (`isal`),
used here before, deflates about five times faster, but under heavy load a worker once wrote
a different stream for identical rows (same length, both valid, from byte 33,835 of 41,081;
docs/builds.md), which no deterministic setting of it reproduces. Written here: signature,
IHDR, one IDAT, IEND, no timestamp or software tag.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

_deflate = zlib
LEVEL = 3  # as small as ISA-L's level 1 on our figures, at about 1.6 ms a figure

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode(rgba: np.ndarray, alpha: bool) -> bytes:
    """PNG bytes of an (height, width, 4) uint8 RGBA image: 8-bit RGBA when `alpha`, else RGB
    (the alpha channel is dropped, so pass opaque pixels)."""
    return _png(rgba, alpha, _deflate, LEVEL)


def _png(rgba: np.ndarray, alpha: bool, deflate, level: int) -> bytes:
    from PIL import Image

    height, width, _ = rgba.shape
    channels = 4 if alpha else 3
    pixels = np.ascontiguousarray(rgba)
    if not alpha:
        # Pillow drops the alpha channel in a third of the time numpy's strided copy takes
        image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1).convert("RGB")
        pixels = np.frombuffer(image.tobytes(), dtype=np.uint8)
    rows = np.empty((height, 1 + width * channels), dtype=np.uint8)
    rows[:, 0] = 0  # each row's filter byte: none
    rows[:, 1:] = pixels.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    data = deflate.compress(rows, level)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
