"""What an action log says about each follow edge: successes, failures and censoring.

Definitions (``docs/calibration.md`` gives them with examples):

- An item's **window** is ``[t0, t0 + horizon]`` with ``t0`` its first adoption; only
  adoptions inside it count. "Earlier" means strictly earlier: accounts stamped with
  one time are simultaneous and neither explains the other.
- An adopter v's **parents** are its in-neighbours (accounts v follows, edges ``u -> v``
  in influence direction) that adopted the item strictly earlier inside the window.
  When the log records ``via`` for v, only that account is credited (and v is an
  initiator when it is not one of v's parents, e.g. an account outside the graph). An
  adopter with no parent is an **initiator** (exogenous): no success term.
- Every adopter u exposes each follower v: a **failure** when v did not adopt inside
  the window (whether or not v is in the log), a **success exposure** when v adopted
  later (u is then one of v's parents), nothing when v adopted at or before u.
- An item whose window runs past ``boundary`` (the end of the usable data) is
  **censored**: neither its successes nor its failures enter the likelihood, since
  the followers who had not adopted yet might still do so.
- Step-aware mode (``step > 0``, Saito, Nakano and Kimura 2008): times fall in bins
  ``floor((t - t0) / step)``; a node adopting in bin b has as parents only the
  in-neighbours that adopted in bin ``b - 1`` (each exposure is one trial, one step
  later), and an exposure whose follower adopted two or more bins later, or never,
  is a failure.

:func:`gather_evidence` makes one linear pass over the log in numba:
O(Σ over adopters of in-degree + out-degree).
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

__all__ = ["Evidence", "gather_evidence", "item_rows", "item_windows"]


@dataclass(frozen=True, eq=False)
class Evidence:
    """Sufficient statistics of the diffusion likelihood over a set of items.

    Attributes
    ----------
    items : int32, the item positions (in the log's order) that entered the likelihood.
    succ_item, succ_k, succ_node : per adopter with at least one parent: its item, its
        number of parents k, its node.
    par_item, par_edge, par_credit : per parent edge ``u -> v`` of such an adopter: the
        item, the edge id and the credit ``1 / k``.
    fail_item, fail_edge : per failed exposure: the item and the edge id.
    adoptions : in-graph adoptions inside the windows of ``items``.
    initiators : those of them with no parent.
    censored_items : items left out because their window runs past the boundary.
    """

    items: NDArray[np.int32]
    succ_item: NDArray[np.int32]
    succ_k: NDArray[np.int32]
    succ_node: NDArray[np.int32]
    par_item: NDArray[np.int32]
    par_edge: NDArray[np.int64]
    par_credit: NDArray[np.float64]
    fail_item: NDArray[np.int32]
    fail_edge: NDArray[np.int64]
    adoptions: int
    initiators: int
    censored_items: int
    step: float

    @property
    def n_items(self) -> int:
        return int(self.items.shape[0])

    @property
    def failures(self) -> int:
        return int(self.fail_edge.shape[0])

    def item_weights(self, weights: NDArray[np.float64] | None) -> NDArray[np.float64]:
        """Per-item weights indexed by item position (1 for every used item when None)."""
        top = int(self.items.max()) + 1 if self.items.size else 0
        w = np.zeros(top, dtype=np.float64)
        w[self.items] = 1.0 if weights is None else weights
        return w


def item_rows(
    item_ptr: NDArray[np.int64], items: NDArray[np.integer]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The log rows of ``items`` (in that order) and, per row, its position in ``items``.
    O(rows of the items), no Python loop."""
    items = np.asarray(items, dtype=np.int64)
    counts = item_ptr[items + 1] - item_ptr[items]
    group = np.repeat(np.arange(items.size, dtype=np.int64), counts)
    rows = item_ptr[items][group] + (
        np.arange(int(counts.sum()), dtype=np.int64) - (np.cumsum(counts) - counts)[group]
    )
    return rows, group


def item_windows(
    cascades: Cascades, horizon: float, boundary: float
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Each item's window end ``t0 + horizon`` and whether the window fits before
    ``boundary`` (the item is usable without censoring). O(items)."""
    end = cascades.start + horizon
    return end, end <= boundary


@njit(nogil=True, cache=True)
def _evidence_kernel(
    out_ptr, out_idx, in_ptr, in_idx, in_eid, item_ptr, node, time, via, has_via,
    items, starts, horizon, step, n, succ_cap, par_cap, fail_cap,
):  # fmt: skip
    stamp = np.full(n, -1, dtype=np.int64)
    ntime = np.zeros(n, dtype=np.float64)
    succ_item = np.empty(succ_cap, dtype=np.int32)
    succ_k = np.empty(succ_cap, dtype=np.int32)
    succ_node = np.empty(succ_cap, dtype=np.int32)
    par_item = np.empty(par_cap, dtype=np.int32)
    par_edge = np.empty(par_cap, dtype=np.int64)
    par_credit = np.empty(par_cap, dtype=np.float64)
    fail_item = np.empty(fail_cap, dtype=np.int32)
    fail_edge = np.empty(fail_cap, dtype=np.int64)
    ns = 0
    npar = 0
    nf = 0
    adoptions = 0
    initiators = 0
    for ii in range(items.shape[0]):
        it = items[ii]
        t0 = starts[it]
        end = t0 + horizon
        lo, hi = item_ptr[it], item_ptr[it + 1]
        # stamp the in-graph adopters inside the window (first time kept)
        for r in range(lo, hi):
            v = node[r]
            if v < 0 or time[r] > end or stamp[v] == it:
                continue
            stamp[v] = it
            ntime[v] = time[r]
        for r in range(lo, hi):
            v = node[r]
            if v < 0 or time[r] > end or ntime[v] != time[r] or stamp[v] != it:
                continue
            tv = time[r]
            adoptions += 1
            bv = np.floor((tv - t0) / step) if step > 0 else 0.0
            k = 0
            start_par = npar
            rec = via[r] if has_via else -1
            for j in range(in_ptr[v], in_ptr[v + 1]):
                u = in_idx[j]
                if stamp[u] != it:
                    continue
                tu = ntime[u]
                if step > 0:
                    if np.floor((tu - t0) / step) != bv - 1:
                        continue
                elif not tu < tv:
                    continue
                if rec == -2 or (rec >= 0 and u != rec):
                    continue  # credit the recorded parent only (-2: outside the graph)
                par_item[npar] = it
                par_edge[npar] = in_eid[j]
                npar += 1
                k += 1
            if k == 0:
                initiators += 1
            else:
                for q in range(start_par, npar):
                    par_credit[q] = 1.0 / k
                succ_item[ns] = it
                succ_k[ns] = k
                succ_node[ns] = v
                ns += 1
            # v's exposures of its followers
            for e in range(out_ptr[v], out_ptr[v + 1]):
                w = out_idx[e]
                failed = stamp[w] != it
                if not failed and step > 0:
                    bw = np.floor((ntime[w] - t0) / step)
                    failed = bw > bv + 1
                if failed:
                    fail_item[nf] = it
                    fail_edge[nf] = e
                    nf += 1
    return (succ_item[:ns], succ_k[:ns], succ_node[:ns], par_item[:npar], par_edge[:npar],
            par_credit[:npar], fail_item[:nf], fail_edge[:nf], adoptions, initiators)  # fmt: skip


def gather_evidence(
    graph: FollowerGraph,
    cascades: Cascades,
    items: NDArray[np.integer],
    *,
    horizon: float,
    boundary: float,
    step: float = 0.0,
) -> Evidence:
    """The likelihood's statistics over ``items`` (positions in the log's order).

    ``horizon`` and ``step`` are seconds (``step = 0``: timing-free parents, any
    earlier adopter; ``step > 0``: step-aware bins). Items whose window ends after
    ``boundary`` (seconds) are censored (counted, not used). O(Σ adopters' degrees).
    """
    if not horizon > 0:
        raise InputError(f"the horizon must be positive, got {horizon:g} seconds")
    if step < 0:
        raise InputError(f"«step» must be positive, got {step:g} seconds")
    items = np.asarray(items, dtype=np.int32)
    _, fits = item_windows(cascades, horizon, boundary)
    used = items[fits[items]]
    censored = int(items.size - used.size)
    node = cascades.node
    rows = np.zeros(node.shape[0], dtype=bool)
    ptr = cascades.item_ptr
    rows[item_rows(ptr, used)[0]] = True
    in_graph = node[rows & (node >= 0)]
    indeg = np.diff(graph.in_ptr)
    outdeg = np.diff(graph.out_ptr)
    via = cascades.via if cascades.via is not None else np.zeros(1, dtype=np.int32)
    res = _evidence_kernel(
        graph.out_ptr, graph.out_idx, graph.in_ptr, graph.in_idx, graph.in_eid,
        ptr, node, cascades.time, via, cascades.via is not None,
        used, cascades.start, float(horizon), float(step), graph.n,
        int(in_graph.size), int(indeg[in_graph].sum()), int(outdeg[in_graph].sum()),
    )  # fmt: skip
    return Evidence(
        used, res[0], res[1], res[2], res[3], res[4], res[5], res[6], res[7],
        adoptions=int(res[8]), initiators=int(res[9]), censored_items=censored,
        step=float(step),
    )  # fmt: skip
