"""Numbers for the JSON a page ships (figure data), made from numpy arrays in one vectorised pass.

Each function returns exactly what the obvious per-value Python gives (`round(v, n)`,
`float(f"{v:.{n}g}")`, `float(v)`), bit for bit, with None for NaN and infinities (a gap in a
line): a page's bytes do not depend on which of the two made them. numpy's rounding
(multiply, rint, divide) agrees with Python's correctly rounded decimal rounding except when the
scaled value sits within a few ulps of a half or the decimal exponent is in doubt; those few
values are done the Python way. tests/test_json_numbers.py compares both on hard cases.
"""

from __future__ import annotations

import numpy as np

_EXACT_POWERS = 22  # 10.0**k is exact for 0 <= k <= 22
_EXACT_INTS = 2.0**52  # below this a float64's integer part is exact, and rint's result too


def floats(a: np.ndarray) -> list[float | None]:
    """[float(v)], non-finite values as None."""
    a = np.asarray(a, dtype=np.float64)
    out = a.tolist()
    return out if bool(np.isfinite(a).all()) else _gaps(out, a)


def ints(a: np.ndarray) -> list[int]:
    """[int(v)] of an integer array."""
    return np.asarray(a).astype(np.int64, copy=False).tolist()


def rounded(a: np.ndarray, decimals: int) -> list[float | None]:
    """[round(v, decimals)] (Python's correctly rounded decimal rounding), non-finite as None."""
    a = np.asarray(a)
    if a.dtype.kind in "iu":
        return a.tolist()  # round(an int, decimals >= 0) is that int
    a = a.astype(np.float64, copy=False)
    scale = 10.0**decimals
    with np.errstate(all="ignore"):
        scaled = a * scale
        out = np.rint(scaled) / scale
    doubt = _near_half(scaled)
    return _finish(out, a, doubt, lambda v: round(v, decimals))


def significant(a: np.ndarray, digits: int) -> list[float | None]:
    """[float(f"{v:.{digits}g}")] (v to `digits` significant digits), non-finite as None."""
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(all="ignore"):
        mag = np.abs(a)
        lg = np.log10(mag)
        # k: the power of ten that makes the kept digits the integer part
        k = (digits - 1) - np.floor(lg)
        k = np.where(np.isfinite(k), k, 0.0)
        up = k >= 0
        power = 10.0 ** np.abs(k)
        # an exact power of ten either way, so each step is one correctly rounded operation
        scaled = np.where(up, a * power, a / power)
        m = np.rint(scaled)
        out = np.where(up, m / power, m * power)
        doubt = (
            _near_half(scaled)
            | (np.abs(k) > _EXACT_POWERS)
            | (np.abs(lg - np.rint(lg)) < 1e-9)  # near a power of ten: the exponent may be off by one
        )
    out = np.where(a == 0.0, a, out)  # 0.0 and -0.0 stay as they are
    return _finish(out, a, doubt & (a != 0.0), lambda v: float(f"{v:.{digits}g}"))


def _near_half(scaled: np.ndarray) -> np.ndarray:
    """Where rint of the (rounded) product may differ from rounding the exact one: within a few
    ulps of a half, or too large for the integer to be exact."""
    with np.errstate(all="ignore"):
        frac = np.abs(scaled - np.floor(scaled) - 0.5)
        return ~(frac > 4.0 * np.spacing(np.abs(scaled))) | ~(np.abs(scaled) < _EXACT_INTS)


def _finish(out: np.ndarray, a: np.ndarray, doubt: np.ndarray, one) -> list[float | None]:
    values = out.tolist()
    finite = np.isfinite(a)
    for i in np.flatnonzero(doubt & finite).tolist():
        values[i] = one(float(a[i]))
    return values if bool(finite.all()) else _gaps(values, a)


def _gaps(values: list, a: np.ndarray) -> list:
    for i in np.flatnonzero(~np.isfinite(a)).tolist():
        values[i] = None
    return values
