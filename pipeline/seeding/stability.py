"""Plan stability: re-run seed selection on bootstrap resamples of the RR pool.

A plan chosen on one RR collection is one draw: with a near tie between two
creators, another collection of the same size could have picked the other one.
Resampling the collection's sets with replacement (Efron's bootstrap) and
re-running the same selection shows how much of the plan is settled by the data:
per plan creator, *picked in b of B* re-runs; the *stand-ins* (creators the
re-runs pick instead) with their counts; and the mean Jaccard similarity of the
re-run plans with the plan. The caller evaluates each re-run plan on an
independent estimate and reports the KPI spread (:func:`kpi_spread`).

- :func:`resample_sets`: one bootstrap resample of an :class:`RRSets`
  (``theta`` set indices drawn with replacement, gathered by a numba kernel);
- :func:`resample_weights`: the same resample as multiplicities per set;
- :func:`bootstrap_plans`: ``B`` resamples, each the original :class:`CoverIndex`
  with its candidate parts' multiplicities drawn at once
  (:meth:`~pipeline.seeding.cover_index.CoverIndex.resampled`: multinomial, the law of
  the per-set draw summed per part; no copy, no re-indexing), each given to the
  caller's ``select``;
- :func:`plan_stability`: the :class:`Stability` of a plan against the re-run plans.

Cost: each re-run of :func:`bootstrap_plans` draws one multiplicity per distinct
candidate part (O(parts), far fewer than ``theta`` sets); its greedy is the caller's.
:func:`resample_sets` copies the pool instead (``theta + 1`` offsets and ``total_size`` entries in
expectation), for a caller that needs the sets themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.errors import InputError, param
from pipeline.seeding.max_cover import CoverIndex
from pipeline.seeding.rrsets import RRSets

__all__ = [
    "DEFAULT_RESAMPLES",
    "Stability",
    "bootstrap_plans",
    "kpi_spread",
    "plan_stability",
    "resample_seed",
    "resample_sets",
    "resample_weights",
]

DEFAULT_RESAMPLES = 5  # re-runs per plan: cheap next to sampling, enough for "5 of 5"


@njit(nogil=True, cache=True)
def _gather(
    ptr: NDArray[np.int64], nodes: NDArray[np.int32], pick: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """The CSR collection whose set i is set ``pick[i]`` of (ptr, nodes), members in
    the same order. O(len(pick) + entries written)."""
    m = pick.shape[0]
    out_ptr = np.empty(m + 1, dtype=np.int64)
    out_ptr[0] = 0
    for i in range(m):
        j = pick[i]
        out_ptr[i + 1] = out_ptr[i] + (ptr[j + 1] - ptr[j])
    out_nodes = np.empty(out_ptr[m], dtype=np.int32)
    for i in range(m):
        j = pick[i]
        a = ptr[j]
        d = out_ptr[i]
        for q in range(ptr[j + 1] - a):
            out_nodes[d + q] = nodes[a + q]
    return out_ptr, out_nodes


def resample_seed(seed: int, b: int) -> np.random.SeedSequence:
    """The seed sequence of re-run ``b`` of ``seed``: child ``b`` of ``SeedSequence(seed)``
    (as ``spawn`` makes it), so the re-runs' streams are independent of each other
    and of the RR streams (``SeedSequence([seed, stream])``). O(1)."""
    return np.random.SeedSequence(seed, spawn_key=(b,))


def resample_sets(rr: RRSets, seed: int | np.random.SeedSequence) -> RRSets:
    """A bootstrap resample of ``rr``: ``theta = len(rr)`` set indices drawn uniformly
    with replacement from ``Generator(PCG64(seed))``, the sets copied in draw order.

    Same ``n`` and ``theta``, so ``n * covered / theta`` (or ``W * ...`` for
    node-weighted sets) keeps its meaning; each set is an exact copy of one of
    ``rr``'s. A new, standalone collection (no growth store): ``extend`` copies it.
    Reproducible: the same ``seed`` gives identical arrays. Time and memory
    O(theta + entries copied), ``total_size`` entries in expectation.
    """
    theta = len(rr)
    if theta == 0:
        return RRSets(rr.n, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32))
    pick = _draws(theta, seed)
    ptr, nodes = _gather(
        np.ascontiguousarray(rr.ptr, dtype=np.int64),
        np.ascontiguousarray(rr.nodes, dtype=np.int32),
        pick,
    )
    return RRSets(rr.n, ptr, nodes)


def bootstrap_plans(
    index: CoverIndex,
    select: Callable[[CoverIndex], NDArray[np.int32]],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int,
) -> list[NDArray[np.int32]]:
    """The plans ``select`` makes on ``resamples`` bootstrap resamples of ``index.rr``.

    Re-run ``b`` draws the multiplicities of ``index``'s parts in a bootstrap resample
    of its sets with :func:`resample_seed` ``(seed, b)``
    (:meth:`~pipeline.seeding.cover_index.CoverIndex.resampled`) and calls ``select``
    on the reweighted index (e.g.
    ``lambda ix: select_cover(ix, k=k, ...)[0]``, the rule that made the plan, with
    the same forced seeds, which are then picked in every re-run).
    Returns the plans as int32 arrays, in re-run order. Reproducible for a
    deterministic ``select``. InputError unless ``resamples >= 1``. Time
    ``resamples`` x (O(parts) + one ``select``); extra memory one weight per part.
    """
    if isinstance(resamples, bool) or not isinstance(resamples, int | np.integer):
        raise InputError(f"{param('resamples')} must be a whole number, got {resamples!r}")
    if resamples < 1:
        raise InputError(f"{param('resamples')} must be at least 1, got {resamples}")
    plans: list[NDArray[np.int32]] = []
    for b in range(int(resamples)):
        ix = index.resampled(resample_seed(seed, b))
        plans.append(np.asarray(select(ix), dtype=np.int32))
    return plans


def resample_weights(theta: int, seed: int | np.random.SeedSequence) -> NDArray[np.int64]:
    """How many times each of ``theta`` sets is drawn in the bootstrap resample
    :func:`resample_sets` makes with ``seed`` (the same draws): greedy runs on an index
    reweighted by these (:meth:`~pipeline.seeding.max_cover.CoverIndex.reweighted`)
    pick what they pick on the copied resample, without copying a set. O(theta)."""
    if theta == 0:
        return np.zeros(0, dtype=np.int64)
    return np.bincount(_draws(theta, seed), minlength=theta).astype(np.int64, copy=False)


def _draws(theta: int, seed: int | np.random.SeedSequence) -> NDArray[np.int64]:
    """The ``theta`` set indices a bootstrap resample draws with ``seed``, uniform with
    replacement from ``Generator(PCG64(seed))``: the one definition the copied resample
    and its weights share. O(theta)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.integers(0, theta, size=theta, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Stability:
    """How a plan fares when selection is re-run on resampled RR pools.

    ``picked_in[i]``: in how many of the ``resamples`` re-runs creator ``plan[i]``
    was picked (aligned with the plan). ``stand_ins``: nodes picked in at least one
    re-run but not in the plan, ``stand_in_counts`` their re-run counts, ordered by
    count (descending) then node. ``jaccard``: mean over re-runs of
    ``|plan ∩ re-run| / |plan ∪ re-run|`` (1 for two empty plans), in [0, 1].
    """

    picked_in: NDArray[np.int64]
    resamples: int
    stand_ins: NDArray[np.int32]
    stand_in_counts: NDArray[np.int64]
    jaccard: float

    def share_stable(self) -> float:
        """Share of plan creators picked in every re-run, in [0, 1] (1 for an empty
        plan: nothing in it moved). O(plan)."""
        if self.picked_in.shape[0] == 0:
            return 1.0
        return float(np.mean(self.picked_in == self.resamples))


def plan_stability(plan: NDArray[np.int32], plans: Sequence[NDArray[np.int32]]) -> Stability:
    """The :class:`Stability` of ``plan`` against the re-run ``plans`` (from
    :func:`bootstrap_plans`). A node listed twice in one plan counts once. Pure
    numpy; InputError when ``plans`` is empty. O(P log P), P the total size of
    ``plan`` and ``plans``.
    """
    if len(plans) == 0:
        raise InputError("plan stability needs at least one re-run plan")
    base = np.unique(np.asarray(plan, dtype=np.int64))
    runs = [np.unique(np.asarray(p, dtype=np.int64)) for p in plans]
    nodes, counts = np.unique(np.concatenate(runs), return_counts=True)
    # per plan creator, its count among the re-runs' picks (0 if never picked)
    order = np.asarray(plan, dtype=np.int64)
    at = np.searchsorted(nodes, order)
    found = at < nodes.shape[0]
    found[found] = nodes[at[found]] == order[found]
    picked_in = np.zeros(order.shape[0], dtype=np.int64)
    picked_in[found] = counts[at[found]]
    outside = ~np.isin(nodes, base)
    s_nodes, s_counts = nodes[outside], counts[outside].astype(np.int64)
    rank = np.lexsort((s_nodes, -s_counts))
    sims = []
    for r in runs:
        union = np.union1d(base, r).shape[0]
        inter = np.intersect1d(base, r, assume_unique=True).shape[0]
        sims.append(1.0 if union == 0 else inter / union)
    return Stability(
        picked_in=picked_in,
        resamples=len(plans),
        stand_ins=s_nodes[rank].astype(np.int32),
        stand_in_counts=s_counts[rank],
        jaccard=float(np.mean(sims)),
    )


def kpi_spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(min, median, max) of a KPI over the re-run plans, in the KPI's unit (NaN if any
    value is NaN). InputError when ``values`` is empty. O(B log B)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise InputError("a KPI spread needs at least one value")
    return float(np.min(v)), float(np.median(v)), float(np.max(v))
