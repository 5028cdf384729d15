"""Arithmetic that gives the same bits on every machine, so the example logs regenerate
byte-identical anywhere, not just on the machine that wrote them.

BLAS picks its matrix-product kernel by CPU, numpy picks SIMD loops for sums and for exp/log/tanh
by CPU, and libm's exp/log/cos differ between C libraries: each may change the last bit of a
result, and training amplifies last bits (a diverging run turns them into different numbers).
Element-wise +, -, *, /, sqrt and comparisons are correctly rounded IEEE operations everywhere,
so everything here is built from those alone, in a fixed order: products sum over the inner
dimension one term at a time, sums run row by row or through math.fsum (exact), and exp, log and
cos are polynomials after an exact range reduction.
"""

from __future__ import annotations

import math

import numpy as np

# ln 2 split so that n * LN2_HI is exact for |n| < 2**11 (the fdlibm constants)
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
INV_LN2 = 1.44269504088896338700e00
SQRT_HALF = 0.7071067811865476
LN10 = 2.302585092994046
PI = 3.141592653589793

# 1/k! for k = 0..13: |r| <= ln2/2 after reduction, so the first term left out is < 5e-18
_EXP_COEFFS = [1.0 / math.factorial(k) for k in range(14)]
# 1/(2k+1) for the series of atanh: s**2 <= 0.0295 after reduction, terms left out < 1e-18
_ATANH_COEFFS = [1.0 / (2 * k + 1) for k in range(12)]
# (-1)**k/(2k)! for cos on [0, pi/2]: the first term left out is < 1e-19
_COS_COEFFS = [(-1.0) ** k / math.factorial(2 * k) for k in range(12)]


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b, summing the inner dimension in order k = 0, 1, ... with separate multiplies and
    adds (no BLAS, no fused multiply-add)."""
    acc = a[:, 0:1] * b[0:1, :]
    term = np.empty_like(acc)
    for k in range(1, a.shape[1]):
        np.multiply(a[:, k : k + 1], b[k : k + 1, :], out=term)
        acc += term
    return acc


def sum_rows(a: np.ndarray) -> np.ndarray:
    """a.sum(axis=0), adding the rows in order."""
    acc = a[0].copy()
    for row in a[1:]:
        acc += row
    return acc


def sum_cols(a: np.ndarray) -> np.ndarray:
    """a.sum(axis=1), adding the columns in order."""
    acc = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        acc += a[:, j]
    return acc


def mean(values) -> float:
    """The mean of floats, summed exactly (math.fsum), as a Python float; NaN/inf propagate."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    try:
        return math.fsum(flat.tolist()) / len(flat)
    except (ValueError, OverflowError):
        # fsum refuses inf - inf and overflowing partial sums; a left-to-right sum gives
        # IEEE's answer (inf or NaN) in a fixed order
        total = 0.0
        for v in flat.tolist():
            total += v
        return total / len(flat)


def sum_squares(a: np.ndarray) -> float:
    """sum(a**2) of a 1-D or 2-D array, rows added in order, the last row summed exactly."""
    sq = a * a
    if sq.ndim == 2:
        sq = sum_rows(sq)
    return math.fsum(sq.tolist())


def exp(x: np.ndarray) -> np.ndarray:
    """e**x for float64 arrays: x = n ln2 + r exactly, e**r by Taylor series, times 2**n."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    xc = np.where(finite, np.clip(x, -745.1, 709.78), 0.0)
    n = np.rint(xc * INV_LN2)
    r = (xc - n * LN2_HI) - n * LN2_LO
    p = np.full_like(r, _EXP_COEFFS[-1])
    for c in reversed(_EXP_COEFFS[:-1]):
        p = p * r + c
    out = np.ldexp(p, n.astype(np.int64))
    out = np.where(x > 709.78, np.inf, out)
    out = np.where(x < -745.1, 0.0, out)
    out = np.where(np.isnan(x), np.nan, out)
    return np.where(np.isposinf(x), np.inf, np.where(np.isneginf(x), 0.0, out))


def log(x: np.ndarray) -> np.ndarray:
    """Natural log for float64 arrays: x = m 2**e exactly with m in [sqrt(1/2), sqrt(2)),
    log m = 2 atanh((m - 1)/(m + 1)) by its series."""
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x) & (x > 0)
    m, e = np.frexp(np.where(ok, x, 1.0))
    low = m < SQRT_HALF
    m = np.where(low, m * 2.0, m)
    e = (e - low).astype(np.float64)
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    p = np.full_like(z, _ATANH_COEFFS[-1])
    for c in reversed(_ATANH_COEFFS[:-1]):
        p = p * z + c
    out = e * LN2_HI + (e * LN2_LO + 2.0 * s * p)
    out = np.where(x == 0, -np.inf, out)
    out = np.where(np.isposinf(x), np.inf, out)
    return np.where(np.isnan(x) | (x < 0), np.nan, out)


def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) = sign(x) (1 - 2 / (e**(2|x|) + 1)): absolute error ~1e-16, enough to train."""
    ax = np.abs(x)
    t = 1.0 - 2.0 / (exp(2.0 * ax) + 1.0)
    return np.where(x < 0, -t, t)


def cos_pi(u: float) -> float:
    """cos(pi * u) for u in [0, 1], by its Taylor series on [0, pi/2] (a Python float)."""
    sign = 1.0
    if u > 0.5:
        u, sign = 1.0 - u, -1.0
    x = PI * u
    z = x * x
    p = _COS_COEFFS[-1]
    for c in reversed(_COS_COEFFS[:-1]):
        p = p * z + c
    return sign * p
