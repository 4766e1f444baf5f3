"""A binary max-heap over parallel key and value arrays, for numba kernels: the lazy
greedy of :mod:`pipeline.seeding.max_cover` and SATURATE's truncated greedy
(:mod:`pipeline.seeding.robust_kernel`). Ties go to the smaller value (node), so pops
come in one total order and greedy runs are reproducible. Push and pop O(log size);
:func:`_heapify` O(size).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["_heap_pop", "_heap_push", "_heapify", "_sift_down"]


@njit(inline="always")
def _heap_push(hk: NDArray[np.float64], hv: NDArray[np.int64], size: int, k: float, v: int) -> int:
    i = size
    hk[i] = k
    hv[i] = v
    while i > 0:
        p = (i - 1) >> 1
        # max-heap on key, ties: smaller node first (reproducible)
        if hk[p] > hk[i] or (hk[p] == hk[i] and hv[p] < hv[i]):
            break
        hk[p], hk[i] = hk[i], hk[p]
        hv[p], hv[i] = hv[i], hv[p]
        i = p
    return size + 1


@njit(inline="always")
def _heap_pop(hk: NDArray[np.float64], hv: NDArray[np.int64], size: int) -> int:
    size -= 1
    hk[0] = hk[size]
    hv[0] = hv[size]
    _sift_down(hk, hv, size, 0)
    return size


@njit(inline="always")
def _heapify(hk: NDArray[np.float64], hv: NDArray[np.int64], size: int) -> None:
    """Make ``hk[:size], hv[:size]`` a heap in O(size) (Floyd): pops then come in the
    same order as after ``size`` pushes, the order being total."""
    for i in range(size // 2 - 1, -1, -1):
        _sift_down(hk, hv, size, i)


@njit(inline="always")
def _sift_down(hk: NDArray[np.float64], hv: NDArray[np.int64], size: int, i: int) -> None:
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        best = left
        r = left + 1
        if r < size and (hk[r] > hk[left] or (hk[r] == hk[left] and hv[r] < hv[left])):
            best = r
        if hk[i] > hk[best] or (hk[i] == hk[best] and hv[i] < hv[best]):
            break
        hk[i], hk[best] = hk[best], hk[i]
        hv[i], hv[best] = hv[best], hv[i]
        i = best
