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
    ptr = cascades.item_ptr
    kept, seed_sets, earned, adopters, outside = [], [], [], [], []
    no_seed = 0
    for it in items.tolist():  # one step per item, vectorised within (items are few)
        lo, hi = int(ptr[it]), int(ptr[it + 1])
        rr = role[lo:hi]
        in_win = rr > 0
        nodes = cascades.node[lo:hi]
        window = cascades.time[lo:hi] <= cascades.start[it] + horizon
        if kind == "initiators":
            is_seed = rr == 2
        elif kind == "log":
            assert cascades.seed is not None
            is_seed = in_win & cascades.seed[lo:hi]
        else:
            is_seed = in_win & (np.cumsum(in_win) <= k)
        s = nodes[is_seed]
        if s.size == 0:
            no_seed += 1
            continue
        kept.append(it)
        seed_sets.append(s.astype(np.int32))
        earned.append(int(in_win.sum() - is_seed.sum()))
        adopters.append(int(in_win.sum()))
        outside.append(int((window & (nodes < 0)).sum()))
    return Outcomes(
        items=np.array(kept, dtype=np.int32),
        seeds=seed_sets,
        earned=np.array(earned, dtype=np.int64),
        adopters=np.array(adopters, dtype=np.int64),
        outside=np.array(outside, dtype=np.int64),
        no_seed=no_seed,
    )
