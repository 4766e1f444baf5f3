"""What happened to each item: its seeds and the reach it earned beyond them.

An item's **seeds** are, by rule, its initiators (in-graph adopters inside the window
with no in-neighbour that adopted strictly earlier), its first ``k`` in-graph adopters,
or the rows the log's ``seed`` column flags (``auto``: the seed column when the log has
one, else initiators). Its **earned reach** is the number of
in-graph adopters inside the window that are not seeds. Accounts absent from the
graph are exogenous: they neither seed a simulation nor count as earned reach
(:attr:`Outcomes.outside` counts them). O(Σ adopters' in-degrees), in numba.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.calibration.evidence import item_rows
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

if TYPE_CHECKING:
    from pipeline.calibration.actions import Cascades

__all__ = ["Outcomes", "item_outcomes", "parse_seed_rule"]


@dataclass(frozen=True, eq=False)
class Outcomes:
    """Per item (in the order given): its seeds, earned reach and counts.

    ``items`` are the item positions kept (items without an in-graph seed are
    dropped and counted in ``no_seed``).
    """

    items: NDArray[np.int32]
    seeds: list[NDArray[np.int32]]
    earned: NDArray[np.int64]
    adopters: NDArray[np.int64]
    outside: NDArray[np.int64]
    no_seed: int

    @property
    def n_seeds(self) -> NDArray[np.int64]:
        return np.array([s.size for s in self.seeds], dtype=np.int64)


def parse_seed_rule(rule: str) -> tuple[str, int]:
    """``auto``, ``initiators``, ``log`` or ``first:K`` as ``(kind, K)``."""
    if rule in ("auto", "initiators", "log"):
        return rule, 0
    if rule.startswith("first:"):
        try:
            k = int(rule[6:])
        except ValueError:
            k = 0
        if k >= 1:
            return "first", k
    raise InputError(f"«seeds» must be initiators, log, first:K (K >= 1) or auto, got {rule!r}")


@njit(nogil=True, cache=True)
def _roles(in_ptr, in_idx, item_ptr, node, time, items, starts, horizon, n, via, has_via):
    """Per row: 0 outside the window or the graph, 1 in-graph adopter with a parent,
    2 initiator (a recorded ``via`` is the only possible parent, as in the evidence)."""
    role = np.zeros(node.shape[0], dtype=np.int8)
    stamp = np.full(n, -1, dtype=np.int64)
    ntime = np.zeros(n, dtype=np.float64)
    for ii in range(items.shape[0]):
        it = items[ii]
        end = starts[it] + horizon
        for r in range(item_ptr[it], item_ptr[it + 1]):
            v = node[r]
            if v >= 0 and time[r] <= end and stamp[v] != it:
                stamp[v] = it
                ntime[v] = time[r]
        for r in range(item_ptr[it], item_ptr[it + 1]):
            v = node[r]
            if v < 0 or time[r] > end:
                continue
            role[r] = 2
            rec = via[r] if has_via else -1
            for j in range(in_ptr[v], in_ptr[v + 1]):
                u = in_idx[j]
                if rec == -2 or (rec >= 0 and u != rec):
                    continue
                if stamp[u] == it and ntime[u] < time[r]:
                    role[r] = 1
                    break
    return role


def item_outcomes(
    graph: FollowerGraph,
    cascades: Cascades,
    items: NDArray[np.integer],
    *,
    horizon: float,
    seeds: str = "auto",
) -> Outcomes:
    """Seeds and earned reach of ``items`` under the seed rule ``seeds`` (see module)."""
    kind, k = parse_seed_rule(seeds)
    if kind == "auto":  # the log's seed column when it has one
        kind = "log" if cascades.seed is not None else "initiators"
    if kind == "log" and cascades.seed is None:
        raise InputError("«seeds» log needs a 'seed' column in the action log")
    items = np.asarray(items, dtype=np.int32)
    via = cascades.via if cascades.via is not None else np.zeros(1, dtype=np.int32)
    role = _roles(
        graph.in_ptr,
        graph.in_idx,
        cascades.item_ptr,
        cascades.node,
        cascades.time,
        items,
        cascades.start,
        float(horizon),
        graph.n,
        via,
        cascades.via is not None,
    )
    rows, group = item_rows(cascades.item_ptr, items)
    rr = role[rows]
    in_win = rr > 0
    nodes = cascades.node[rows]
    if kind == "initiators":
        is_seed = rr == 2
    elif kind == "log":
        assert cascades.seed is not None
        is_seed = in_win & cascades.seed[rows]
    else:  # the first k in-window adopters of each item
        csum = np.cumsum(in_win)
        before = np.concatenate([[0], csum])[np.searchsorted(group, group, side="left")]
        is_seed = in_win & (csum - before <= k)
    n_items = items.size
    n_seeds = np.bincount(group[is_seed], minlength=n_items)
    n_adopt = np.bincount(group[in_win], minlength=n_items)
    window = cascades.time[rows] <= (cascades.start[items] + horizon)[group]
    n_out = np.bincount(group[window & (nodes < 0)], minlength=n_items)
    keep = n_seeds > 0
    seed_sets = np.split(nodes[is_seed].astype(np.int32), np.cumsum(n_seeds)[:-1])[:n_items]
    return Outcomes(
        items=items[keep].astype(np.int32),
        seeds=[s for s, ok in zip(seed_sets, keep, strict=True) if ok],
        earned=(n_adopt - n_seeds)[keep].astype(np.int64),
        adopters=n_adopt[keep].astype(np.int64),
        outside=n_out[keep].astype(np.int64),
        no_seed=int((~keep).sum()),
    )
