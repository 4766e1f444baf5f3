"""Numba kernels of the robust (max-min) seeding: the truncated-sum greedy of SATURATE
over several models' RR sets at once, and the per-model coverage of a plan.

The models' RR collections are concatenated into one CSR collection (:func:`concat_sets`)
with ``model[s]``, the model of set ``s``; its inverted index
(:class:`~pipeline.seeding.max_cover.CoverIndex`) lists, per candidate, its sets of
every model. :func:`truncated_greedy` maximises
``F_c(S) = Σ_m min(cov_m(S) / opt_m, c)`` (``cov_m``: sets of model ``m`` that ``S``
covers, ``opt_m``: the model's reference coverage), a monotone submodular function,
by lazy greedy (Krause, McMahan, Guestrin, Gupta 2008; Minoux 1978).
See :mod:`pipeline.seeding.robust` for the algorithm around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.seeding.cover_index import _segment
from pipeline.seeding.heap import _heap_pop, _heap_push, _heapify
from pipeline.seeding.max_cover import CoverIndex
from pipeline.seeding.rrsets import RRSets

__all__ = [
    "Joint",
    "concat_sets",
    "joint_index",
    "joint_weights",
    "model_degrees",
    "plan_coverage",
    "truncated_greedy",
]


def concat_sets(collections: list[RRSets]) -> tuple[RRSets, NDArray[np.int32]]:
    """One collection holding every set of ``collections`` in order, and the index of
    the collection each set came from (int32). All on the same ``n``. O(total size)."""
    n = collections[0].n
    sizes = [np.diff(rr.ptr) for rr in collections]
    ptr = np.zeros(sum(len(s) for s in sizes) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(sizes), out=ptr[1:])
    nodes = np.concatenate([rr.nodes for rr in collections]).astype(np.int32, copy=False)
    model = np.repeat(np.arange(len(collections), dtype=np.int32), [len(s) for s in sizes])
    return RRSets(n, ptr, nodes), model


@dataclass(frozen=True, eq=False)
class Joint:
    """The models' distinct candidate parts in one collection (``ptr``, ``nodes``; part
    ``s`` of model ``model[s]``) and its inverted index for the pool (``nptr``,
    ``sets``): what SATURATE's truncated greedy runs on, the same for a bootstrap
    re-run (only the weights change)."""

    ptr: NDArray[np.int64]
    nodes: NDArray[np.int32]
    nptr: NDArray[np.int64]
    sets: NDArray[np.int32]
    model: NDArray[np.int32]
    keep: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.ptr.shape[0] - 1)


def joint_index(indexes: Sequence[CoverIndex], pool: NDArray[np.bool_]) -> Joint:
    """The :class:`Joint` of the models' indexes (one per model, same nodes): their
    parts (:attr:`CoverIndex.kernel_sets`) concatenated in order, indexed for ``pool``.
    O(n + the parts' size)."""
    n = indexes[0].rr.n
    rr, model = concat_sets([RRSets(n, *ix.kernel_sets) for ix in indexes])
    ptr, nodes = rr.ptr, rr.nodes
    nptr, sets = _segment(n, ptr, nodes, pool, 0)
    return Joint(ptr, nodes, nptr, sets, model, pool)


def joint_weights(indexes: Sequence[CoverIndex]) -> NDArray[np.int64]:
    """Each part's weight in the joint collection: the indexes' weights in order
    (:attr:`CoverIndex.kernel_weight`). O(parts)."""
    return np.concatenate([ix.kernel_weight for ix in indexes]).astype(np.int64, copy=False)


@njit(inline="always")
def _gain(
    u: int, deg: NDArray[np.int64], cov: NDArray[np.int64], cap: NDArray[np.float64],
    opt: NDArray[np.float64],
) -> float:  # fmt: skip
    """``F_c(S + u) - F_c(S)``: per model, the coverage u adds below the cap, over opt."""
    g = 0.0
    for m in range(cov.shape[0]):
        d = deg[u, m]
        if d > 0 and cov[m] < cap[m]:
            g += (min(cov[m] + d, cap[m]) - cov[m]) / opt[m]
    return g


@njit(inline="always")
def _take(
    u: int, ptr: NDArray[np.int64], nodes: NDArray[np.int32], nptr: NDArray[np.int64],
    sets: NDArray[np.int32], model: NDArray[np.int32], covered: NDArray[np.bool_],
    deg: NDArray[np.int64], cov: NDArray[np.int64], weight: NDArray[np.int64],
) -> None:  # fmt: skip
    """Cover u's uncovered sets: count them per model (each ``weight[s]``, empty: 1),
    lower their members' counts."""
    for q in range(nptr[u], nptr[u + 1]):
        s = sets[q]
        if not covered[s]:
            covered[s] = True
            m = model[s]
            w = weight[s] if weight.shape[0] > 0 else 1
            cov[m] += w
            for r in range(ptr[s], ptr[s + 1]):
                deg[nodes[r], m] -= w


@njit(nogil=True, cache=True)
def truncated_greedy(
    ptr: NDArray[np.int64],
    nodes: NDArray[np.int32],
    nptr: NDArray[np.int64],
    sets: NDArray[np.int32],
    model: NDArray[np.int32],
    opt: NDArray[np.float64],
    c: float,
    eligible: NDArray[np.bool_],
    forced: NDArray[np.int32],
    cost: NDArray[np.float64],
    k: int,
    budget: float,
    per_cost: bool,
    key_cost: NDArray[np.float64],
    weight: NDArray[np.int64],
    deg0: NDArray[np.int64],
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Lazy greedy on ``F_c(S) = Σ_m min(cov_m(S) / opt[m], c)`` over the concatenated
    collection (``ptr``, ``nodes``; set ``s`` of model ``model[s]``) and its inverted
    index (``nptr``, ``sets``).

    ``forced`` first, in order; then up to ``k`` eligible nodes (``k < 0``: no count
    limit) of total ``cost`` (forced included) <= ``budget`` (``budget < 0``: none),
    each the candidate of largest gain (divided by ``key_cost`` when ``per_cost``),
    ties to the smaller node. Stops when every model reaches its cap ``c opt[m]`` (then
    ``F_c = J c``) or no candidate that fits adds anything. A model with
    ``opt[m] == 0`` counts as reached. Lazy evaluation is exact: gains only fall as S
    grows (``F_c`` is submodular), so a popped key that is still current is the
    largest. ``weight``: what covering each set counts (a bootstrap's multiplicities;
    empty: 1 each), so the picks equal those on the collection with set s repeated
    ``weight[s]`` times; ``deg0``: :func:`model_degrees` of the same index and weights
    (the same for every ``c``, so computed once). Returns (chosen nodes in order, sets
    of each model covered).
    Time O(n J + total size + picks x J log n) plus the lazy re-evaluations (J each);
    memory O(n J + sets).
    """
    n = nptr.shape[0] - 1
    n_models = opt.shape[0]
    cap = np.zeros(n_models)
    for m in range(n_models):
        if opt[m] > 0:
            cap[m] = c * opt[m]
    deg = deg0.copy()
    covered = np.zeros(ptr.shape[0] - 1, dtype=np.bool_)
    cov = np.zeros(n_models, dtype=np.int64)
    chosen = np.zeros(n, dtype=np.bool_)
    limit = n if k < 0 else k
    out = np.empty(min(n, limit + forced.shape[0]), dtype=np.int32)
    taken = 0
    left = budget
    for f in forced:
        _take(f, ptr, nodes, nptr, sets, model, covered, deg, cov, weight)
        chosen[f] = True
        out[taken] = f
        taken += 1
        if budget >= 0:
            left -= cost[f]
    size = 0
    hk = np.empty(n, dtype=np.float64)
    hv = np.empty(n, dtype=np.int64)
    for u in range(n):
        if eligible[u] and not chosen[u] and (budget < 0 or cost[u] <= left):
            g = _gain(u, deg, cov, cap, opt)
            if g > 0:  # gains never rise: a node adding nothing now never will
                hk[size] = g / key_cost[u] if per_cost else g
                hv[size] = u
                size += 1
    _heapify(hk, hv, size)
    picked = 0
    while picked < limit and size > 0:
        done = True
        for m in range(n_models):
            if cov[m] < cap[m]:
                done = False
        if done:
            break
        key = hk[0]
        u = hv[0]
        size = _heap_pop(hk, hv, size)
        if budget >= 0 and cost[u] > left:
            continue  # never fits again: the budget only shrinks
        g = _gain(u, deg, cov, cap, opt)
        if g <= 0:
            continue
        cur = g / key_cost[u] if per_cost else g
        if cur < key:
            size = _heap_push(hk, hv, size, cur, u)  # stale: re-insert with its gain
            continue
        _take(u, ptr, nodes, nptr, sets, model, covered, deg, cov, weight)
        chosen[u] = True
        out[taken] = u
        taken += 1
        picked += 1
        if budget >= 0:
            left -= cost[u]
    return out[:taken].copy(), cov


@njit(nogil=True, cache=True)
def _model_degrees(n, ptr, nodes, model, n_models, keep, weight):
    deg = np.zeros((n, n_models), dtype=np.int64)
    weighted = weight.shape[0] > 0
    for j in range(ptr.shape[0] - 1):
        w = weight[j] if weighted else 1
        if w != 0:
            m = model[j]
            for r in range(ptr[j], ptr[j + 1]):
                deg[nodes[r], m] += w
    for u in range(n):
        if not keep[u]:
            deg[u, :] = 0
    return deg


def model_degrees(joint: Joint, n_models: int, weight: NDArray[np.int64]) -> NDArray[np.int64]:
    """Per node (rows) and model (columns), the (weighted: ``weight[s]``, empty: 1) number
    of the joint collection's sets it is in; 0 for the nodes outside the pool. It
    walks the parts in order (sequential reads of the weights), once per SATURATE call
    rather than once per truncated greedy. O(n J + the parts' size)."""
    n = joint.keep.shape[0]
    return _model_degrees(n, joint.ptr, joint.nodes, joint.model, n_models, joint.keep, weight)


@njit(nogil=True, cache=True)
def plan_coverage(
    n_sets: int,
    nptr: NDArray[np.int64],
    sets: NDArray[np.int32],
    model: NDArray[np.int32],
    n_models: int,
    plan: NDArray[np.int32],
    weight: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Sets of each model that ``plan`` covers (each counting ``weight[s]``; empty: 1),
    from the concatenated collection's inverted index. O(sets + the plan's memberships)."""
    covered = np.zeros(n_sets, dtype=np.bool_)
    cov = np.zeros(n_models, dtype=np.int64)
    for u in plan:
        for q in range(nptr[u], nptr[u + 1]):
            s = sets[q]
            if not covered[s]:
                covered[s] = True
                cov[model[s]] += weight[s] if weight.shape[0] > 0 else 1
    return cov
