"""Certified approximation ratios for seed sets chosen on RR sets (the bounds of
OPIM-C, Tang, Tang, Xiao, Yuan, SIGMOD 2018; see :mod:`pipeline.seeding.opim`).

``upper_bound`` bounds the best plan's coverage of the collection that chose the
seeds; ``coverage`` counts the seeds' hits on an independent collection;
``certified_ratio`` turns both into a lower bound on the seeds' approximation
ratio that holds with probability ``1 - 2 exp(-a)``. ``weighted_floor`` is the lower
bound on the best plan's value that node-weighted RR sets need instead of "OPT >= 1".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.seeding.max_cover import CoverIndex
from pipeline.seeding.rrsets import RRSets

__all__ = ["certified_ratio", "coverage", "upper_bound", "weighted_floor"]

_CHECKPOINTS = 48  # prefixes of the greedy order at which the upper bound is evaluated


@njit(nogil=True, cache=True)
def _hits(ptr: NDArray[np.int64], nodes: NDArray[np.int32], mark: NDArray[np.bool_]) -> int:
    """How many RR sets hold a marked node. O(total size)."""
    hit = 0
    for j in range(ptr.shape[0] - 1):
        for q in range(ptr[j], ptr[j + 1]):
            if mark[nodes[q]]:
                hit += 1
                break
    return hit


def coverage(rr: RRSets, seeds: NDArray[np.integer]) -> int:
    """Number of sets of ``rr`` that ``seeds`` hit. O(total size)."""
    mark = np.zeros(rr.n, dtype=np.bool_)
    mark[np.asarray(seeds, dtype=np.int64)] = True
    return int(_hits(rr.ptr, rr.nodes, mark))


@njit(nogil=True, cache=True)
def _knapsack(deg: NDArray[np.int64], cand: NDArray[np.int64], cost: NDArray[np.float64],
              budget: float) -> float:  # fmt: skip
    """The fractional knapsack of the marginals ``deg`` of ``cand`` within ``budget``:
    an upper bound on the coverage a completion within the budget adds.
    O(|cand| log |cand|)."""
    m = deg[cand].astype(np.float64)
    c = cost[cand]
    free = c <= 0.0
    total = m[free].sum()
    paid = np.flatnonzero(~free)
    ratio = m[paid] / c[paid]
    order = paid[np.argsort(-ratio, kind="mergesort")]
    left = budget
    for i in order:
        if left <= 0.0:
            break
        if c[i] <= left:
            total += m[i]
            left -= c[i]
        else:
            total += m[i] * left / c[i]
            left = 0.0
    return total


@njit(nogil=True, cache=True)
def _top_k(hist: NDArray[np.int64], top: int, k: int) -> float:
    """Sum of the ``k`` largest marginals given their histogram (``hist[d]`` candidates
    have marginal d, none above ``top``). O(levels scanned)."""
    total = 0.0
    left = k
    d = top
    while d > 0 and left > 0:
        c = min(hist[d], left)
        total += c * d
        left -= c
        d -= 1
    return total


@njit(nogil=True, cache=True)
def _upper_bound(
    n: int,
    ptr: NDArray[np.int64],
    nodes: NDArray[np.int32],
    nptrs: Any,
    parts: Any,
    deg0: NDArray[np.int64],
    seeds: NDArray[np.int32],
    n_forced: int,
    eligible: NDArray[np.bool_],
    cost: NDArray[np.float64],
    k: int,
    budget: float,
    checks: NDArray[np.bool_],
    weight: NDArray[np.int64],
) -> float:
    # the k largest marginals come from a histogram of the candidates' marginals,
    # kept as covering lowers them; the knapsack (budget) sorts the candidates left
    deg = deg0.copy()
    top = 0
    for u in range(n):
        if eligible[u] and deg[u] > top:
            top = deg[u]
    hist = np.zeros(top + 1, dtype=np.int64)
    for u in range(n):
        if eligible[u]:
            hist[deg[u]] += 1
    covered = np.zeros(ptr.shape[0] - 1, dtype=np.bool_)
    cov = 0
    best = np.inf
    cand = np.flatnonzero(eligible & (deg > 0))  # shrinks: marginals only fall
    for i in range(seeds.shape[0] + 1):
        if i >= n_forced and checks[i]:
            add = np.inf
            if k >= 0:
                while top > 0 and hist[top] == 0:
                    top -= 1
                add = _top_k(hist, top, k)
            if budget >= 0:
                cand = cand[deg[cand] > 0]
                add = min(add, _knapsack(deg, cand, cost, budget))
            best = min(best, cov + add)
        if i == seeds.shape[0]:
            break
        u = seeds[i]
        for s in range(len(parts)):
            nptr = nptrs[s]
            sets = parts[s]
            for q in range(nptr[u], nptr[u + 1]):
                j = sets[q]
                if not covered[j]:
                    covered[j] = True
                    w = weight[j]
                    cov += w
                    for r in range(ptr[j], ptr[j + 1]):
                        x = nodes[r]
                        if eligible[x]:
                            hist[deg[x]] -= 1
                            hist[deg[x] - w] += 1
                        deg[x] -= w
    return best


def upper_bound(
    index: CoverIndex,
    seeds: NDArray[np.int32],
    *,
    n_forced: int,
    k: int | None,
    budget: float | None,
    cost: NDArray[np.float64] | None,
    eligible: NDArray[np.bool_] | None,
) -> float:
    """An upper bound on the coverage of ``index`` by the best plan that holds the
    first ``n_forced`` seeds plus at most ``k`` others of total ``cost`` within
    ``budget`` (forced included), from prefixes of the greedy order ``seeds``.
    O(total size + checkpoints x (marginal levels scanned + n log n with a budget))."""
    n = index.rr.n
    elig = np.ones(n, dtype=np.bool_) if eligible is None else eligible.copy()
    forced = np.asarray(seeds[:n_forced], dtype=np.int64)
    elig[forced] = False
    c = np.zeros(n, dtype=np.float64) if cost is None else np.nan_to_num(cost, nan=np.inf)
    rest = -1.0 if budget is None else max(0.0, budget - float(c[forced].sum()))
    steps = len(seeds) + 1
    checks = np.zeros(steps, dtype=np.bool_)
    at = np.unique(np.linspace(n_forced, steps - 1, min(_CHECKPOINTS, steps)).astype(np.int64))
    checks[at] = True
    checks[-1] = True
    plain = index.unweighted()  # each part counts its sets
    bound = _upper_bound(
        n, *plain.kernel_sets, *plain.kernel_lists, plain.degrees,
        np.ascontiguousarray(seeds, np.int32), n_forced, elig, c,
        -1 if k is None else int(k), rest, checks, plain.kernel_weight,
    )  # fmt: skip
    return float(bound)


def certified_ratio(
    n: int, theta1: int, upper_cov: float, theta2: int, lower_cov: int, a: float
) -> tuple[float, float, float]:
    """(ratio, sigma_l, sigma_u) of OPIM-C's bounds (see the module doc). O(1)."""
    lo = (math.sqrt(lower_cov + 2.0 * a / 9.0) - math.sqrt(a / 2.0)) ** 2 - a / 18.0
    sigma_l = max(0.0, lo) * n / theta2
    sigma_u = (math.sqrt(upper_cov + a / 2.0) + math.sqrt(a / 2.0)) ** 2 * n / theta1
    return (sigma_l / sigma_u if sigma_u > 0 else 0.0), sigma_l, sigma_u


def weighted_floor(
    root_weight: NDArray[np.floating],
    *,
    k: int | None,
    budget: float | None,
    cost: NDArray[np.float64] | None,
    eligible: NDArray[np.bool_] | None,
    forced: NDArray[np.int32] | None,
) -> float:
    """A lower bound on the best plan's value in *normalised* weights ``w' = w n / W``
    (mean 1, the scale IMM and OPIM-C work in): every seed is activated (exposed), so
    any feasible plan is worth at least its seeds' ``w'``; the bound is the forced
    seeds' plus the ``k`` largest ``w'`` among the other candidates (the single largest
    affordable one with a budget). Unweighted, it is at least 1 (today's "OPT >= 1").
    O(n)."""
    w = np.asarray(root_weight, dtype=np.float64)
    n = w.shape[0]
    wn = w * (n / float(np.cumsum(w)[-1]))
    cand = np.ones(n, dtype=np.bool_) if eligible is None else eligible.copy()
    fixed = np.zeros(0, np.int64) if forced is None else np.asarray(forced, np.int64)
    cand[fixed] = False
    base = float(wn[fixed].sum())
    if budget is not None and cost is not None:
        left = budget - float(np.nan_to_num(cost[fixed], nan=np.inf).sum())
        cand &= np.nan_to_num(cost, nan=np.inf) <= left
    vals = wn[cand]
    take = vals.shape[0] if k is None else min(int(k), vals.shape[0])
    if budget is not None:
        take = min(take, 1)
    if take <= 0:
        return base
    return base + float(np.partition(vals, vals.shape[0] - take)[vals.shape[0] - take :].sum())
