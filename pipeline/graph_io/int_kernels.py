"""The numba kernels of the streaming integer reader (:mod:`~pipeline.graph_io.int_edges`):
parsing a chunk of ``<id><sep><id>`` lines, marking the IDs seen, building edge keys.
Kept apart so that a file the stream declines never imports numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["BAD", "edge_keys", "mark_ids", "parse_rows"]

#: What :func:`parse_rows` returns as the row count for a line outside the grammar.
BAD = -1


@njit(nogil=True, cache=True)
def parse_rows(
    buf: NDArray[np.uint8], size: int, sep: int, final: bool,
    a: NDArray[np.int64], b: NDArray[np.int64], row: int,
) -> tuple[int, int]:  # fmt: skip
    """Parse the complete lines of ``buf[:size]`` into ``a``/``b`` from ``row`` on.
    Returns (rows now filled, bytes consumed); rows is ``BAD`` for a line outside
    the grammar. Without ``final`` a line cut by the chunk's end is left unconsumed;
    with it the last line may lack its newline. O(size)."""
    i = 0
    while i < size:
        start = i
        v = np.int64(0)
        j = i
        while j < size and 48 <= buf[j] <= 57:
            v = v * 10 + (buf[j] - 48)
            j += 1
        if j >= size:
            return (row, start) if not final else (BAD, start)
        digits = j - i
        if digits == 0 or digits > 18 or (digits > 1 and buf[i] == 48) or buf[j] != sep:
            return BAD, start
        i = j + 1
        w = np.int64(0)
        j = i
        while j < size and 48 <= buf[j] <= 57:
            w = w * 10 + (buf[j] - 48)
            j += 1
        digits = j - i
        if j >= size and not final:
            return row, start
        if digits == 0 or digits > 18 or (digits > 1 and buf[i] == 48):
            return BAD, start
        if j < size:
            if buf[j] == 13:
                j += 1
                if j >= size:
                    return (row, start) if not final else (BAD, start)
            if buf[j] != 10:
                return BAD, start
        if row >= a.size:
            return BAD, start
        a[row] = v
        b[row] = w
        row += 1
        i = j + 1
    return row, i


@njit(nogil=True, cache=True)
def mark_ids(a: NDArray[np.int64], b: NDArray[np.int64], lo: int, lut: NDArray[np.int64]) -> None:
    """``lut[v - lo] = 1`` for every ID ``v`` in ``a`` and ``b``. O(rows)."""
    for i in range(a.size):
        lut[a[i] - lo] = 1
        lut[b[i] - lo] = 1


@njit(nogil=True, cache=True)
def edge_keys(
    a: NDArray[np.int64], b: NDArray[np.int64], lo: int, lut: NDArray[np.int64], n: int,
    flip: bool,
) -> int:  # fmt: skip
    """Edge keys ``source * n + target`` of the rows that are not self-loops, written
    over ``a`` from its start (rows ``a[i] -> b[i]``, or ``b[i] -> a[i]`` with
    ``flip``; IDs mapped through ``lut``, or taken as indices when ``lut`` is empty).
    Returns how many. O(rows)."""
    kept = 0
    mapped = lut.size > 0
    for i in range(a.size):
        s = lut[a[i] - lo] if mapped else a[i]
        t = lut[b[i] - lo] if mapped else b[i]
        if s == t:
            continue
        a[kept] = t * n + s if flip else s * n + t
        kept += 1
    return kept
