"""site/json_numbers.py must give exactly what the per-value Python it replaced gives, bit for
bit, on the values where numpy's rounding is most likely to differ: halves, values next to
halves and next to powers of ten, the extremes of float64, and non-finite values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reportgen.site.json_numbers import floats, ints, rounded, significant


def _hard_values() -> np.ndarray:
    rng = np.random.default_rng(20261203)
    powers = 10.0 ** np.arange(-300, 300)
    with np.errstate(over="ignore"):
        everywhere = rng.standard_normal(50_000) * 10.0 ** rng.uniform(-310, 308, 50_000)
    halves = (np.arange(-20_000, 20_000) + 0.5) / 1000.0  # x.xxx5: ties at 3 decimals
    parts = [
        everywhere,  # every magnitude
        rng.uniform(0.0, 5.0, 50_000),  # losses
        rng.uniform(1.7e9, 1.8e9, 20_000) - 1.7e9,  # wall-clock seconds since the first point
        halves, np.nextafter(halves, np.inf), np.nextafter(halves, -np.inf),
        (np.arange(-20_000, 20_000) + 0.5) / 1e6,  # ties at 6 decimals
        0.5 + np.arange(1, 2_000) * 1e-7,  # ties at 7 significant digits (x.xxxxxx5)
        powers, np.nextafter(powers, 0.0), np.nextafter(powers, np.inf),
        [9.9999995, 9.99999949999, 99999995.0, 0.5, 1.5, 2.5, -2.5, 1e22, 1e23, 2.0**52, 2.0**53 + 2],
        [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308],
        [math.nan, math.inf, -math.inf],
    ]
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts])


def _bits(values: list) -> list:
    return [None if v is None else (type(v), v.hex() if isinstance(v, float) else v) for v in values]


@pytest.mark.parametrize("decimals", [0, 3, 6])
def test_rounded_is_pythons_round(decimals: int) -> None:
    a = _hard_values()
    want = [None if not math.isfinite(v) else round(v, decimals) for v in a.tolist()]
    assert _bits(rounded(a, decimals)) == _bits(want)


@pytest.mark.parametrize("digits", [2, 3, 7, 15])
def test_significant_is_the_g_format(digits: int) -> None:
    a = _hard_values()
    want = [None if not math.isfinite(v) else float(f"{v:.{digits}g}") for v in a.tolist()]
    assert _bits(significant(a, digits)) == _bits(want)


def test_floats_and_ints() -> None:
    a = _hard_values()
    assert _bits(floats(a)) == _bits([v if math.isfinite(v) else None for v in a.tolist()])
    assert floats(np.array([1.0, 2.5])) == [1.0, 2.5]
    steps = np.array([0, 7, 2**62], dtype=np.int64)
    assert _bits(ints(steps)) == _bits([0, 7, 2**62])


def test_integer_arrays_round_to_themselves() -> None:
    # round(int, n) is the int: an integer column must not turn into floats ("3" vs "3.0" in JSON)
    assert _bits(rounded(np.array([3, -4], dtype=np.int64), 6)) == _bits([3, -4])
