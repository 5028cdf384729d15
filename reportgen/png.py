"""PNG encoding of a drawn figure's pixels.

Pillow's encoder tries every PNG row filter on every row to pick the best; on plots (flat
colour, thin lines) that search costs more than the compression and gains nothing: unfiltered
rows at zlib level 3 come out smaller (43 KB against 46 KB for a run's loss figure) in less
than half the time. So figures are written here: signature, IHDR, one IDAT, IEND (no
timestamp, no software tag: the same pixels give the same bytes).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPRESS_LEVEL = 3


def encode(rgba: np.ndarray, alpha: bool) -> bytes:
    """PNG bytes of an (height, width, 4) uint8 RGBA image: 8-bit RGBA when `alpha`, else RGB
    (the alpha channel is dropped, so pass opaque pixels)."""
    from PIL import Image

    height, width, _ = rgba.shape
    if alpha:
        pixels, stride = memoryview(np.ascontiguousarray(rgba)).cast("B"), width * 4
    else:
        # Pillow drops the alpha channel in a third of the time numpy's strided copy takes
        image = Image.frombuffer("RGBA", (width, height), np.ascontiguousarray(rgba), "raw", "RGBA", 0, 1)
        pixels, stride = memoryview(image.convert("RGB").tobytes()), width * 3
    # each row behind its filter byte (0: none), fed to zlib row by row: no joined copy
    packer = zlib.compressobj(COMPRESS_LEVEL)
    parts = []
    for row in range(height):
        parts.append(packer.compress(b"\x00"))
        parts.append(packer.compress(pixels[row * stride : (row + 1) * stride]))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
