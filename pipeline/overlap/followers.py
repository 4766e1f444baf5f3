"""Follower overlap of candidate influencers: shared followers, pairwise overlap and each
candidate's overlap with the creators above it. Numba kernels over the out-CSR,
O(sum of the candidates' follower counts x k) and O(n + sum of follower counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

__all__ = ["follower_overlap", "overlap_with_above", "shared_followers"]


@njit(nogil=True, cache=True)
def _shared_counts(out_ptr, out_idx, nodes):
    """``|F_a ∩ F_b|`` for every pair of ``nodes`` (int64, k x k; diagonal ``|F_a|``).

    One stamp array: mark the followers of candidate i, then count the marked
    followers of every later candidate. O(n + k x sum of follower counts).
    """
    n = out_ptr.shape[0] - 1
    k = nodes.shape[0]
    mark = np.zeros(n, dtype=np.int64)
    shared = np.zeros((k, k), dtype=np.int64)
    for i in range(k):
        u = nodes[i]
        stamp = i + 1
        for e in range(out_ptr[u], out_ptr[u + 1]):
            mark[out_idx[e]] = stamp
        shared[i, i] = out_ptr[u + 1] - out_ptr[u]
        for j in range(i + 1, k):
            w = nodes[j]
            c = 0
            for e in range(out_ptr[w], out_ptr[w + 1]):
                if mark[out_idx[e]] == stamp:
                    c += 1
            shared[i, j] = c
            shared[j, i] = c
    return shared


@njit(nogil=True, cache=True)
def _above_kernel(out_ptr, out_idx, nodes):
    """Share of each node's followers already marked by the nodes before it. O(n + sum deg)."""
    n = out_ptr.shape[0] - 1
    k = nodes.shape[0]
    covered = np.zeros(n, dtype=np.bool_)
    out = np.zeros(k, dtype=np.float64)
    for i in range(k):
        u = nodes[i]
        a = out_ptr[u]
        b = out_ptr[u + 1]
        if b == a:
            continue
        c = 0
        for e in range(a, b):
            if covered[out_idx[e]]:
                c += 1
        out[i] = c / (b - a)
        for e in range(a, b):
            covered[out_idx[e]] = True
    return out


def node_array(graph: FollowerGraph, nodes: NDArray[np.integer] | Sequence[int]) -> NDArray[Any]:
    """Dense node indices as int32 (order and duplicates kept); InputError when invalid."""
    arr = np.asarray(nodes)
    if arr.size == 0:
        return np.empty(0, dtype=np.int32)
    arr = arr.reshape(-1)
    if not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"nodes must be integer node indices, got dtype {arr.dtype}")
    bad = (arr < 0) | (arr >= graph.n)
    if bad.any():
        raise InputError(
            f"node index {int(arr[bad][0])} is out of range; the graph has {graph.n} nodes"
        )
    return np.ascontiguousarray(arr, dtype=np.int32)


def shared_followers(
    graph: FollowerGraph, nodes: NDArray[np.integer] | Sequence[int]
) -> NDArray[np.int64]:
    """``|F_a ∩ F_b|`` for every pair of ``nodes`` (k x k, diagonal ``|F_a|``).

    ``F_u`` is the set of u's direct followers in the graph. O(n + k x sum of
    the candidates' follower counts).
    """
    idx = node_array(graph, nodes)
    return np.asarray(_shared_counts(graph.out_ptr, graph.out_idx, idx), dtype=np.int64)


def overlap_ratio(shared: NDArray[Any], sizes: NDArray[Any]) -> NDArray[np.float64]:
    """``shared[a, b] / min(sizes[a], sizes[b])``, 0 where the minimum is 0."""
    low = np.minimum.outer(sizes, sizes).astype(np.float64)
    out = np.zeros(low.shape, dtype=np.float64)
    np.divide(shared, low, out=out, where=low > 0)
    return out


def follower_overlap(
    graph: FollowerGraph, nodes: NDArray[np.integer] | Sequence[int]
) -> NDArray[np.float64]:
    """Pairwise follower overlap ``|F_a ∩ F_b| / min(|F_a|, |F_b|)`` (k x k, float64).

    0 when either node has no follower; the diagonal is 1 for a node with
    followers. O(n + k x sum of the candidates' follower counts).

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from pipeline.graph_io import from_edges
    >>> # a -> x, a -> y, b -> y: a's followers {x, y}, b's {y}
    >>> g = from_edges(np.array([0, 0, 1]), np.array([2, 3, 3]), pl.Series(list("abxy")))
    >>> follower_overlap(g, [0, 1]).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    idx = node_array(graph, nodes)
    shared = shared_followers(graph, idx)
    return overlap_ratio(shared, np.diag(shared).copy())


def overlap_with_above(
    graph: FollowerGraph, nodes: NDArray[np.integer] | Sequence[int]
) -> NDArray[np.float64]:
    """For a ranked list, each node's share of followers who already follow a node above it.

    ``overlap_above(u_i) = |F_{u_i} ∩ (F_{u_1} ∪ ... ∪ F_{u_{i-1}})| / |F_{u_i}|``:
    0 for the first node and for a node without followers; a node listed a
    second time scores 1 (if it has followers). O(n + sum of follower counts)
    with one marker array.

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from pipeline.graph_io import from_edges
    >>> g = from_edges(np.array([0, 0, 1, 1]), np.array([2, 3, 3, 4]), pl.Series(list("abxyz")))
    >>> overlap_with_above(g, [0, 1]).tolist()  # b's followers {y, z}: y follows a
    [0.0, 0.5]
    """
    idx = node_array(graph, nodes)
    return np.asarray(_above_kernel(graph.out_ptr, graph.out_idx, idx), dtype=np.float64)
