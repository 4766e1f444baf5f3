"""The evidence behind each creator of a plan: why it is in, in the KPI's units.

Per creator of a plan (ranked in selection order), from the projection rows of
:mod:`pipeline.profiles.audience` (``docs/projection.md``):

- ``own_engagements`` and ``own_impressions``: what its own post makes
  (``ER q A`` and ``r q A``);
- ``marginal_people``: the people its own post adds to those the creators ranked above
  reach with theirs, ``people(S_1..i) - people(S_1..i-1)`` of the creators' own posts
  (the overlap of audiences counted once);
- ``alternative`` and ``alternative_cost_per_engagement``: among the candidates the
  plan could have contracted instead (the brand-fit pool, not chosen, costing no more
  than this creator), the one with the lowest cost per engagement of its own post.

Time O(n + out-degrees of the plan) for the people (one pass), O(n log n) for the
alternatives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.graph_io import FollowerGraph

__all__ = ["creator_evidence"]


def creator_evidence(
    graph: FollowerGraph,
    nodes: NDArray[np.integer],
    proj: NDArray[np.float64],
    cost: NDArray[np.float64],
    pool: NDArray[np.bool_],
    handles: pl.Series,
) -> dict[str, Any]:
    """The evidence columns (module docstring) of the plan ``nodes``: a dict of column
    name -> list or array, one entry per creator. ``proj`` is the 4 x n projection,
    ``cost`` per node (currency, NaN unknown), ``pool`` the candidates a strategy could
    choose."""
    from pipeline.diffusion.project_kernel import paid_people_prefix

    seeds = np.asarray(nodes, dtype=np.int32)
    k = seeds.shape[0]
    own_eng = proj[1][seeds].astype(np.float64)
    own_imp = proj[0][seeds].astype(np.float64)
    cumulative = paid_people_prefix(graph.out_ptr, graph.out_idx, seeds, proj)
    marginal_people = np.diff(cumulative, prepend=0.0)
    # the best alternative not chosen: candidates sorted by cost, running minimum of cost
    # per own engagement, looked up at each creator's cost
    cand = pool & np.isfinite(cost) & (proj[1] > 0)
    cand[seeds] = False
    idx = np.flatnonzero(cand)
    alt_handle: list[str | None] = [None] * k
    alt_cpe = np.full(k, np.nan)
    if idx.size and k:
        order = idx[np.argsort(cost[idx], kind="stable")]
        cpe = cost[order] / proj[1][order]
        best_at = np.minimum.accumulate(cpe)
        arg = np.zeros(order.size, dtype=np.int64)
        better = np.flatnonzero(np.r_[True, cpe[1:] < best_at[:-1]])
        arg[better] = better
        arg = np.maximum.accumulate(arg)  # where the running minimum was reached
        upto = np.searchsorted(cost[order], cost[seeds], side="right") - 1
        for i in np.flatnonzero(upto >= 0).tolist():
            at = int(upto[i])
            alt_handle[i] = str(handles[int(order[arg[at]])])
            alt_cpe[i] = float(best_at[at])
    return {
        "own_engagements": own_eng,
        "own_impressions": own_imp,
        "marginal_people": marginal_people,
        "alternative": alt_handle,
        "alternative_cost_per_engagement": alt_cpe,
    }
