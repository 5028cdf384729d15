"""CRC-32C: google-crc32c's C code and our numpy/pure-Python fallback give the same checksums,
for the long records the C code takes and the many short ones numpy takes."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from reportgen.readers import crc32c

# RFC 3720 B.4 test vectors
VECTORS = [(bytes(32), 0x8A9136AA), (b"\xff" * 32, 0x62A8AB43), (bytes(range(32)), 0x46DD794E)]


@pytest.mark.parametrize("accelerated", [True, False])
def test_known_vectors_and_both_paths_agree(monkeypatch: pytest.MonkeyPatch, accelerated: bool) -> None:
    assert crc32c._FAST is not None, "google-crc32c is a dependency: its C code must load"
    if not accelerated:
        monkeypatch.setattr(crc32c, "_FAST", None)
    for data, want in VECTORS:
        assert crc32c.crc32c(data) == want
    rng = np.random.default_rng(5)
    buf = rng.integers(0, 256, 300_000, dtype=np.uint8)
    lengths = np.array([0, 1, 7, 8, 13, 40, 40, 40, 127, 128, 129, 5000, 70_000] + [37] * 200, dtype=np.int64)
    offsets = rng.integers(0, buf.shape[0] - 70_000, lengths.shape[0]).astype(np.int64)
    got = crc32c.crc32c_many(buf, offsets, lengths)
    want = [crc32c._python_crc32c(buf[o : o + n].tobytes()) for o, n in zip(offsets.tolist(), lengths.tolist())]
    assert_array_equal(got, np.array(want, dtype=np.uint32))
