"""Seeding for the platform KPIs a marketer buys: engagements, impressions, people.

Node-weighted RR sets (:mod:`pipeline.seeding.rrsets`) estimate ``Σ_v w_v Pr[v
activated]`` (or exposed), so a KPI that is a sum over the accounts a cascade reaches
becomes a root weight (:func:`kpi_weights`, per account, from
:meth:`pipeline.profiles.audience.Audience.kernel_rows`; formulas in
``docs/projection.md``):

- ``engagements``: a poster v adds ``ER_v q_v A_v``: activation RR sets, that weight;
  their estimate *is* the expected engagements of the simulation;
- ``impressions``: a poster adds ``r_v q_v A_v``: the same, with that weight;
- ``people`` are not a sum over posters (followers shared by posters count once), so
  IMM and OPIM-C maximise a *weighted-exposure proxy*: exposure RR sets (each follow
  real with the sender's ``q``), account v weighted by the platform people it stands
  for, the mean of ``ratio_u r_u`` over the accounts u it follows (``q_u`` is left out
  of the weight because the realness coins already apply it: one poster alone is
  then exact, ``A_u r_u q_u`` people). Under LT there are no exposure RR sets; the
  poster's impressions are the weight instead (people never exceed impressions, equal
  when audiences do not overlap).

CELF maximises all three on its simulated cascades exactly as the simulation projects
them (:mod:`pipeline.seeding.celf`). :func:`paid_value` is what the seeds' own posts
are worth in the estimate's unit (the "earned" part is the rest). Everything here is
O(n + m) numpy.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.graph_io import FollowerGraph
from pipeline.profiles.audience import Audience
from pipeline.profiles.kpis import KPIS

__all__ = ["KPIS", "kpi_weights", "optimised_label", "paid_prefix", "paid_value"]


def kpi_weights(
    graph: FollowerGraph, aud: Audience, objective: str, *, lt: bool = False
) -> tuple[NDArray[np.float64], bool]:
    """``(root weight per account (float64, length n, KPI units), exposure RR sets?)``
    for the KPI ``objective`` (module docstring); ``lt`` selects the people weight
    without exposure RR sets. O(n + m): the people weight is one ``np.bincount`` over
    the in-edges (v's followees are its in-neighbours ``in_idx[in_ptr[v]:in_ptr[v+1]]``).
    """
    rows = aud.kernel_rows()
    if objective == "engagements":
        return np.ascontiguousarray(rows[1]), False
    if objective == "impressions" or (objective == "people" and lt):
        return np.ascontiguousarray(rows[0]), False
    if objective != "people":
        raise ValueError(f"{objective!r} is not a KPI; expected one of {', '.join(KPIS)}")
    n = graph.n
    deg = np.diff(graph.in_ptr)
    owner = np.repeat(np.arange(n), deg)  # the follower of each in-edge slot
    share = (aud.ratio * aud.reach)[graph.in_idx]  # people per follower the followee reaches
    total = np.bincount(owner, weights=share, minlength=n)
    weight = np.divide(total, deg, out=np.zeros(n), where=deg > 0)
    return weight, True


def optimised_label(objective: str, strategy: str, *, lt: bool) -> str:
    """What ``strategy`` maximises for the KPI ``objective`` (``info["optimised"]``)."""
    if strategy == "celf":  # on its simulated cascades, exactly as they are projected
        return objective
    if objective != "people":
        return objective
    if lt:
        return "people (impressions proxy: LT has no exposure RR sets)"
    return "people (weighted-exposure proxy)"


def paid_value(
    graph: FollowerGraph,
    weight: NDArray[np.float64],
    seeds: NDArray[np.integer],
    expose: NDArray[np.float32] | None,
) -> float:
    """What the seeds' own posts are worth in the estimate's unit: ``Σ_S w`` for
    activation weights (exact: seeds always post); with exposure (``expose``, per-edge
    realness), ``Σ_v w_v Pr[v is a seed or really follows one]``. O(n + out-edges of
    the seeds)."""
    s = np.unique(np.asarray(seeds, dtype=np.int64))
    if expose is None or s.size == 0:
        return float(weight[s].sum())
    n = graph.n
    deg = (graph.out_ptr[s + 1] - graph.out_ptr[s]).astype(np.int64)
    first = np.repeat(graph.out_ptr[s], deg)
    eids = first + (np.arange(int(deg.sum())) - np.repeat(np.cumsum(deg) - deg, deg))
    # Pr[no real follow of a seed] = Π (1 - realness), through sums of logs
    with np.errstate(divide="ignore"):  # a sure follow: log 0 = -inf, a sure hit
        fake = np.log1p(-np.minimum(expose[eids].astype(np.float64), 1.0))
    log_miss = np.bincount(graph.out_idx[eids], weights=fake, minlength=n)
    hit = 1.0 - np.exp(log_miss)
    hit[s] = 1.0
    return float((weight * hit).sum())


@njit(cache=True, nogil=True)
def _paid_prefix_kernel(
    out_ptr: NDArray[np.int64],
    out_idx: NDArray[np.int32],
    seeds: NDArray[np.int64],
    weight: NDArray[np.float64],
    expose: NDArray[np.float32],
) -> NDArray[np.float64]:
    """``out[i]``: what seeds ``0..i`` alone are worth, ``Σ_v w_v Pr[v is one of them or
    really follows one]`` (just ``Σ w`` over them with an empty ``expose``). One pass
    over the seeds' out-edges: O(n + their out-degrees)."""
    n = out_ptr.shape[0] - 1
    miss = np.ones(n)  # Pr[v follows none of the seeds so far through a real follow]
    seeded = np.zeros(n, dtype=np.bool_)
    out = np.empty(seeds.shape[0])
    total = 0.0
    use = expose.shape[0] > 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        if not seeded[s]:
            seeded[s] = True
            total += weight[s] * (miss[s] if use else 1.0)  # from w (1 - miss) to w
        if use:
            for e in range(out_ptr[s], out_ptr[s + 1]):
                v = out_idx[e]
                if seeded[v]:
                    continue
                left = miss[v] * (1.0 - min(1.0, float(expose[e])))
                total += weight[v] * (miss[v] - left)
                miss[v] = left
        out[i] = total
    return out


def paid_prefix(
    graph: FollowerGraph,
    weight: NDArray[np.floating],
    seeds: NDArray[np.integer],
    expose: NDArray[np.float32] | None,
) -> NDArray[np.float64]:
    """What the first 1, 2, ... of ``seeds`` alone are worth in a KPI estimate's unit
    (the floor of :attr:`~pipeline.seeding.base.SeedSet.cumulative_reach`): entry ``i``
    is :func:`pipeline.seeding.kpi.paid_value` of ``seeds[:i + 1]``, all prefixes in one
    pass. O(n + the seeds' out-degrees)."""
    ex = np.zeros(0, np.float32) if expose is None else np.asarray(expose, np.float32)
    return _paid_prefix_kernel(graph.out_ptr, graph.out_idx, np.asarray(seeds, np.int64),
                               np.asarray(weight, dtype=np.float64), ex)  # fmt: skip
