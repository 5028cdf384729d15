"""Exact, vectorised parsing of plain decimal cells (`-12.5`, `0.00031`, `7`).

A C number parser called once per cell (`np.fromstring`, `np.loadtxt`, `float`) spends most of
its time on per-cell overhead; a log of millions of rows is mostly such cells. Here each block is
parsed with a few whole-array numpy passes instead: the digits of a cell form an integer M and
the digits after its point count f, and M / 10**f is the cell's value. While M has at most 15
digits it is exact in a float64, as is 10**f, so the one division rounds correctly: the same
float `float(cell)` gives (Clinger's fast path). Anything else (exponents, NaN tokens, longer
numbers, blanks, stray characters) returns None and the caller parses the block another way.
"""

from __future__ import annotations

import numpy as np

MAX_DIGITS = 15  # 10**15 < 2**53: every integer M up to that is exact in a float64
_POW10 = 10.0 ** np.arange(MAX_DIGITS + 1)
_DOT, _MINUS, _PLUS = ord("."), ord("-"), ord("+")
_PLAIN = b"0123456789.-+\n"


def parse_cells(chunk: bytes, seps: np.ndarray, delim: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, present) of the cells of a block, or None when some cell is not a plain decimal.

    Cell i of `chunk` ends at the separator byte `seps[i]` (the delimiter `delim` or a newline)
    and starts after the previous one. An empty cell is not present and reads as NaN.
    """
    if chunk.translate(None, _PLAIN + bytes([delim])):
        return None  # letters (nan, 1e-5), blanks, quotes: not for this parser
    arr = np.frombuffer(chunk, dtype=np.uint8)
    n = seps.shape[0]
    starts = np.empty_like(seps)
    starts[:1] = 0
    starts[1:] = seps[:-1] + 1
    digits = seps - starts  # the cell's bytes, less its sign and point below
    present = digits > 0
    first = arr[starts[present]]  # the first byte of every written cell
    negative = first == _MINUS
    signed = negative | (first == _PLUS)
    if int(np.count_nonzero(signed)) != chunk.count(b"-") + chunk.count(b"+"):
        return None  # a sign inside a cell (1-2): not a plain decimal
    points = np.flatnonzero(arr == _DOT)
    cell_of_point = np.searchsorted(seps, points)
    if points.shape[0] > 1 and not (np.diff(cell_of_point) > 0).all():
        return None  # two points in one cell
    # Now every other byte of a cell is a digit.
    digits[present] -= signed
    digits[cell_of_point] -= 1
    if digits.max(initial=0) > MAX_DIGITS or not (digits[present] > 0).all():
        return None  # too long for the exact path, or a lone sign or point
    # digits after the point: all the cell's bytes after it
    fraction = np.zeros(n, dtype=np.intp)
    fraction[cell_of_point] = seps[cell_of_point] - points - 1
    values = np.full(n, np.nan)
    long_cells = np.flatnonzero(seps - starts > 8)
    if 0 < long_cells.shape[0] <= n // 8:
        # a few cells too long for one 8-byte word (0.0957816 among 0.25, 1.5): the rest by
        # words, these one by one (float() gives the same float, see above)
        short = present.copy()
        short[long_cells] = False
        points_short = cell_of_point[seps[cell_of_point] - starts[cell_of_point] <= 8]
        _fill(values, short, arr[starts[short]] == _MINUS, fraction,
              _short_mantissas(chunk, seps, short, digits, fraction, points_short))
        for i in long_cells.tolist():
            values[i] = float(chunk[starts[i] : seps[i]])
    elif long_cells.shape[0] == 0:
        _fill(values, present, negative, fraction, _short_mantissas(chunk, seps, present, digits, fraction, cell_of_point))
    else:
        _fill(values, present, negative, fraction, _mantissas(arr, digits, present))
    return values, present


def _fill(values: np.ndarray, cells: np.ndarray, negative: np.ndarray, fraction: np.ndarray, mantissa: np.ndarray) -> None:
    """values[cells] = ±mantissa / 10**fraction: one correctly rounded division (see above)."""
    magnitude = mantissa / _POW10[fraction[cells]]
    values[cells] = np.where(negative, -magnitude, magnitude)


def _mantissas(arr: np.ndarray, digits: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The integer M of each written cell (its digits without sign and point), as float64,
    from one weighted digit per byte. `digits[i]` is the number of digits of cell i."""
    # Exponent of each digit within its cell's M: digits after it in the same cell.
    at_end = np.cumsum(digits)  # digits up to the end of each cell
    total = int(at_end[-1])
    if total == 0:
        return np.zeros(0)
    exponent = np.repeat(at_end - 1, digits) - np.arange(total)
    weighted = (arr[(arr - 48) < 10] - 48) * _POW10[exponent]
    # every partial sum is an integer below 2**53, so the sums are exact in any order
    return np.add.reduceat(weighted, (at_end - digits)[present])


_BYTE_MASK = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
_ASCII_ZEROS = _BYTE_MASK & np.uint64(0x3030303030303030)


def _short_mantissas(
    chunk: bytes,
    seps: np.ndarray,
    present: np.ndarray,
    digits: np.ndarray,
    fraction: np.ndarray,
    cell_of_point: np.ndarray,
) -> np.ndarray:
    """_mantissas for blocks whose cells are at most 8 bytes long, a cell at a time: the 8
    bytes before each separator read as one big-endian integer (the cell's last digit in the
    low byte), the point squeezed out, the bytes before the cell's digits masked off, and the
    digits combined in pairs, fours and eights (SWAR). Integer arithmetic: exact."""
    padded = bytes(8) + chunk  # so every cell has 8 bytes before its separator
    words = np.ndarray((len(padded) - 7,), dtype=">u8", buffer=padded, strides=(1,))
    w = words[seps].astype(np.uint64)  # in padded offsets, seps[i] is where its 8 bytes start
    if cell_of_point.shape[0]:
        wp = w[cell_of_point]
        f = (fraction[cell_of_point] * 8).astype(np.uint64)
        # the bytes above the point moved down one byte onto it; shifts stay below 64 bits
        w[cell_of_point] = (((wp >> f) >> np.uint64(8)) << f) | (wp & _BYTE_MASK[fraction[cell_of_point]])
    w = w[present]
    d = digits[present]
    w = (w & _BYTE_MASK[d]) - _ASCII_ZEROS[d]  # one digit 0-9 per byte, 10**i in byte i
    w = (w & np.uint64(0x00FF00FF00FF00FF)) + ((w >> np.uint64(8)) & np.uint64(0x00FF00FF00FF00FF)) * np.uint64(10)
    w = (w & np.uint64(0x0000FFFF0000FFFF)) + ((w >> np.uint64(16)) & np.uint64(0x0000FFFF0000FFFF)) * np.uint64(100)
    w = (w & np.uint64(0xFFFFFFFF)) + (w >> np.uint64(32)) * np.uint64(10000)
    return w.astype(np.float64)
