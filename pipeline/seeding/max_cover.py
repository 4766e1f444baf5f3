"""Greedy maximum coverage over RR sets: the lazy greedy and prefixes.

:class:`~pipeline.seeding.cover_index.CoverIndex` (re-exported here) inverts a
collection (per node, the sets it belongs to) for the candidate pool only;
:func:`greedy_cover` picks seeds by marginal coverage (or
coverage per cost under a budget) with a binary heap built in O(n) and lazy
updates, the (1 - 1/e) greedy of Nemhauser, Wolsey and Fisher (1978) and its
budgeted variant; :func:`prefix_coverage` counts what each prefix of a seed
list covers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.seeding.cover_index import CoverIndex, candidate_mask
from pipeline.seeding.heap import _heap_pop, _heap_push, _heapify

__all__ = ["CoverIndex", "candidate_mask", "greedy_cover", "prefix_coverage"]


@njit(inline="always")
def _cover(
    u: int,
    ptr: NDArray[np.int64],
    nodes: NDArray[np.int32],
    nptrs: Any,
    parts: Any,
    covered: NDArray[np.bool_],
    deg: NDArray[np.int64],
    weight: NDArray[np.int64],
) -> int:
    """Mark u's uncovered sets covered (its lists in every segment of the index, in
    order), lower their members' counts by each set's weight (1 when ``weight`` is
    empty); return the weight covered."""
    g = 0
    weighted = weight.shape[0] > 0
    for s in range(len(parts)):
        nptr = nptrs[s]
        sets = parts[s]
        for q in range(nptr[u], nptr[u + 1]):
            j = sets[q]
            if not covered[j]:
                covered[j] = True
                wj = weight[j] if weighted else 1
                g += wj
                for r in range(ptr[j], ptr[j + 1]):
                    deg[nodes[r]] -= wj
    return g


@njit(nogil=True, cache=True)
def _greedy(
    n: int,
    ptr: NDArray[np.int64],
    nodes: NDArray[np.int32],
    nptrs: Any,
    parts: Any,
    eligible: NDArray[np.bool_],
    forced: NDArray[np.int32],
    cost: NDArray[np.float64],
    k: int,
    budget: float,
    per_cost: bool,
    penalty: float,
    key_cost: NDArray[np.float64],
    weight: NDArray[np.int64],
    deg0: NDArray[np.int64],
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Lazy greedy maximum coverage: forced nodes first, then up to k nodes (k < 0:
    no count limit) of total cost <= budget (budget < 0: no budget); the key is the
    number of uncovered sets hit minus ``penalty``, divided by cost when ``per_cost``;
    with ``penalty > 0`` greedy stops when no key is positive. ``key_cost`` is the
    divisor of the key (``cost`` itself, or another weight). ``weight``: a whole
    number per set, what covering it counts (a bootstrap's multiplicities; empty: 1
    each), so the picks equal those on the collection with each set repeated
    ``weight`` times. Returns the chosen nodes and the (weighted) sets each newly
    covered. ``deg0``: each node's (weighted) number of sets, :meth:`CoverIndex.degrees`.
    O(size of the sets covered + n + picks x log n)."""
    deg = deg0.copy()
    covered = np.zeros(ptr.shape[0] - 1, dtype=np.bool_)
    chosen = np.zeros(n, dtype=np.bool_)
    limit = n if k < 0 else k
    out = np.empty(min(n, limit + forced.shape[0]), dtype=np.int32)
    gains = np.empty(out.shape[0], dtype=np.int64)
    taken = 0
    left = budget
    # forced seeds (must-includes) first, in the order given
    for f in forced:
        g = _cover(f, ptr, nodes, nptrs, parts, covered, deg, weight)
        chosen[f] = True
        out[taken] = f
        gains[taken] = g
        taken += 1
        if budget >= 0:
            left -= cost[f]
    # Candidates of key exactly 0 (in no set, no penalty) wait outside the heap until
    # no positive key is left, then join it: the order is the same as if they had
    # been in it all along (ties go to the smaller node), and a heap of the nodes that
    # cover something is much smaller than n on a big graph with few sets.
    lazy = penalty == 0.0
    where = np.zeros(n, dtype=np.int8)  # 1: in the heap, 2: waiting
    size = 0
    waiting = 0
    for u in range(n):
        if eligible[u] and not chosen[u] and (budget < 0 or cost[u] <= left):
            key = (deg[u] - penalty) / key_cost[u] if per_cost else deg[u] - penalty
            if lazy and deg[u] == 0 and key == 0.0:
                where[u] = 2
                waiting += 1
            else:
                where[u] = 1
                size += 1
    hk = np.empty(size, dtype=np.float64)
    hv = np.empty(size, dtype=np.int64)
    size = 0
    for u in range(n):
        if where[u] == 1:
            hk[size] = (deg[u] - penalty) / key_cost[u] if per_cost else deg[u] - penalty
            hv[size] = u
            size += 1
    _heapify(hk, hv, size)
    picked = 0
    while picked < limit:
        if waiting > 0 and (size == 0 or hk[0] <= 0.0):
            # the zero-key candidates join (once): keys of the waiting ones are still 0
            hk2 = np.empty(size + waiting, dtype=np.float64)
            hv2 = np.empty(size + waiting, dtype=np.int64)
            hk2[:size] = hk[:size]
            hv2[:size] = hv[:size]
            for u in range(n):
                if where[u] == 2:
                    hk2[size] = 0.0
                    hv2[size] = u
                    size += 1
            hk, hv = hk2, hv2
            waiting = 0
            _heapify(hk, hv, size)
        if size == 0:
            break
        key = hk[0]
        if penalty > 0 and key <= 0:
            break  # keys are upper bounds: no candidate gains more than it costs
        u = hv[0]
        size = _heap_pop(hk, hv, size)
        if budget >= 0 and cost[u] > left:
            continue  # can never fit again: the budget only shrinks
        net = deg[u] - penalty
        cur = net / key_cost[u] if per_cost else net
        if cur < key:
            size = _heap_push(hk, hv, size, cur, u)  # stale key: re-insert, lazily
            continue
        g = _cover(u, ptr, nodes, nptrs, parts, covered, deg, weight)
        chosen[u] = True
        out[taken] = u
        gains[taken] = g
        taken += 1
        picked += 1
        if budget >= 0:
            left -= cost[u]
    return out[:taken].copy(), gains[:taken].copy()


def greedy_cover(
    index: CoverIndex,
    *,
    k: int | None,
    budget: float | None = None,
    cost: NDArray[np.float64] | None = None,
    eligible: NDArray[np.bool_] | None = None,
    forced: NDArray[np.int32] | None = None,
    per_cost: bool = False,
    penalty: float = 0.0,
    key_cost: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Greedy maximum coverage over ``index``: (chosen nodes in order, sets newly covered).

    ``key_cost`` replaces ``cost`` as the divisor of the ``per_cost`` key (the budget
    still counts ``cost``): e.g. the share of the budget plus the share of the
    creator cap a node uses.

    ``penalty`` (sets) is subtracted from every candidate's gain: the earned
    objective, where a seed must cover more than ``penalty`` sets to be worth it.

    ``k`` bounds the number of chosen nodes besides ``forced``; ``budget`` bounds
    their total ``cost`` (forced included); ``per_cost`` ranks by coverage per unit
    cost (the cost-effective rule of budgeted maximum coverage, Khuller et al. 1999).
    Ties go to the smaller node index.
    """
    n = index.rr.n
    elig = np.ones(n, dtype=np.bool_) if eligible is None else eligible
    c = np.ones(n, dtype=np.float64) if cost is None else cost
    f = np.zeros(0, dtype=np.int32) if forced is None else forced.astype(np.int32)
    return _greedy(
        n,
        *index.kernel_sets,
        *index.kernel_lists,
        elig,
        f,
        c,
        -1 if k is None else int(k),
        -1.0 if budget is None else float(budget),
        per_cost,
        float(penalty),
        c if key_cost is None else np.asarray(key_cost, dtype=np.float64),
        index.kernel_weight,
        index.degrees,
    )


@njit(nogil=True, cache=True)
def _prefix(
    ptr: NDArray[np.int64],
    nptrs: Any,
    parts: Any,
    seeds: NDArray[np.int32],
    weight: NDArray[np.int64],
) -> NDArray[np.int64]:
    covered = np.zeros(ptr.shape[0] - 1, dtype=np.bool_)
    gains = np.zeros(seeds.shape[0], dtype=np.int64)
    weighted = weight.shape[0] > 0
    for i in range(seeds.shape[0]):
        u = seeds[i]
        for s in range(len(parts)):
            nptr = nptrs[s]
            sets = parts[s]
            for q in range(nptr[u], nptr[u + 1]):
                j = sets[q]
                if not covered[j]:
                    covered[j] = True
                    gains[i] += weight[j] if weighted else 1
    return gains


def prefix_coverage(index: CoverIndex, seeds: NDArray[np.int32]) -> NDArray[np.int64]:
    """Sets newly covered by each seed of an ordered list, given the ones before it.

    Times ``n / len(rr)`` this is each seed's marginal gain in expected spread.
    O(sum of the seeds' set memberships).
    """
    w = index.kernel_weight
    seeds = np.ascontiguousarray(seeds, np.int32)
    return _prefix(index.kernel_sets[0], *index.kernel_lists, seeds, w)
