"""Influence credit read off an action log: who moved people in the brand's own cascades
(credit distribution, Goyal, Bonchi and Lakshmanan, VLDB 2011, "A data-based approach
to social influence maximization"; per account only, not per seed set).

Definitions (those of :mod:`pipeline.calibration.evidence`): an adopter's **parents**
are its in-neighbours (accounts it follows) that adopted the item strictly earlier,
within the horizon of the item's first adoption (or only the recorded ``via`` account,
when the log has that column); an adopter without one is an **initiator**. Each
non-initiator adoption of ``v`` hands credit to its parents,

    gamma(v, u) = 1 / k_v                          (equal split: it hands out exactly 1)
    gamma(v, u) = exp(-(t_v - t_u) / tau) / k_v    (``decay``: less for a late response)

with ``k_v`` parents and one global ``tau``, the maximum-likelihood mean of the
exponential parent-to-child delays of the log (:func:`mean_parent_delay`); with decay
the credits of one adoption sum to less than 1. Credit flows back along chains: per
item, ``R(u) = 1 + sum over adopters x that credited u of gamma(x, u) R(x)``, so in the
chain a -> b -> c, ``R(c) = 1``, ``R(b) = 2``, ``R(a) = 3``. An account's **credit** is
``sum over its items of R(u) - 1``: the adoptions its posts led to, directly or down
the chain. One reverse-time pass per item in numba: O(sum over adopters of in-degree).
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

__all__ = ["Credit", "influence_credit", "mean_parent_delay"]


@dataclass(frozen=True, eq=False)
class Credit:
    """Per account (length n, by dense node index) of one log's items.

    Attributes
    ----------
    credit : float64, total credit (adoptions led to, down the chains).
    items : int64, items the account adopted (in-graph, inside the window).
    initiated : int64, of those, the ones it adopted without a parent.
    initiated_credit : float64, credit earned on the items it initiated.
    tau : the decay's mean delay in seconds (0: no decay).
    """

    credit: NDArray[np.float64]
    items: NDArray[np.int64]
    initiated: NDArray[np.int64]
    initiated_credit: NDArray[np.float64]
    tau: float

    def per_initiation(self) -> NDArray[np.float64]:
        """Credit per initiated item (NaN for an account that initiated none)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.initiated > 0, self.initiated_credit / self.initiated, np.nan)


@njit(nogil=True, cache=True)
def _parents(v, it, tv, in_ptr, in_idx, stamp, ntime, rec, out):
    """The parents of ``v`` (adopted ``it`` strictly before ``tv``) written to ``out``;
    their count. ``rec``: the recorded parent (-1: none recorded, -2: outside)."""
    k = 0
    for j in range(in_ptr[v], in_ptr[v + 1]):
        u = in_idx[j]
        if stamp[u] != it or not ntime[u] < tv:
            continue
        if rec == -2 or (rec >= 0 and u != rec):
            continue
        out[k] = u
        k += 1
    return k


@njit(nogil=True, cache=True)
def _delays(in_ptr, in_idx, item_ptr, node, time, via, has_via, starts, horizon, n):
    """Sum and count of parent-to-child delays over every parent edge. O(log + edges)."""
    stamp = np.full(n, -1, dtype=np.int64)
    ntime = np.zeros(n, dtype=np.float64)
    buf = np.empty(n, dtype=np.int32)
    total = 0.0
    count = 0
    for it in range(item_ptr.shape[0] - 1):
        end = starts[it] + horizon
        for r in range(item_ptr[it], item_ptr[it + 1]):
            v = node[r]
            if v >= 0 and time[r] <= end and stamp[v] != it:
                stamp[v] = it
                ntime[v] = time[r]
        for r in range(item_ptr[it], item_ptr[it + 1]):
            v = node[r]
            if v < 0 or time[r] > end or ntime[v] != time[r]:
                continue
            rec = via[r] if has_via else -1
            k = _parents(v, it, time[r], in_ptr, in_idx, stamp, ntime, rec, buf)
            for q in range(k):
                total += time[r] - ntime[buf[q]]
                count += 1
    return total, count


@njit(nogil=True, cache=True)
def _credit(in_ptr, in_idx, item_ptr, node, time, via, has_via, starts, horizon, tau, n, use):
    stamp = np.full(n, -1, dtype=np.int64)
    ntime = np.zeros(n, dtype=np.float64)
    acc = np.zeros(n, dtype=np.float64)
    done = np.full(n, -1, dtype=np.int64)
    buf = np.empty(n, dtype=np.int32)
    credit = np.zeros(n, dtype=np.float64)
    items = np.zeros(n, dtype=np.int64)
    initiated = np.zeros(n, dtype=np.int64)
    init_credit = np.zeros(n, dtype=np.float64)
    for ii in range(use.shape[0]):
        it = use[ii]
        lo, hi = item_ptr[it], item_ptr[it + 1]
        end = starts[it] + horizon
        for r in range(lo, hi):  # first in-window adoption of each account
            v = node[r]
            if v >= 0 and time[r] <= end and stamp[v] != it:
                stamp[v] = it
                ntime[v] = time[r]
                acc[v] = 0.0
        for r in range(hi - 1, lo - 1, -1):  # latest first: R(x) is final when x is reached
            v = node[r]
            if v < 0 or stamp[v] != it or ntime[v] != time[r] or done[v] == it:
                continue
            done[v] = it
            big_r = 1.0 + acc[v]
            rec = via[r] if has_via else -1
            k = _parents(v, it, time[r], in_ptr, in_idx, stamp, ntime, rec, buf)
            for q in range(k):
                u = buf[q]
                g = 1.0 / k
                if tau > 0.0:
                    g *= np.exp(-(time[r] - ntime[u]) / tau)
                acc[u] += g * big_r
            items[v] += 1
            credit[v] += acc[v]
            if k == 0:
                initiated[v] += 1
                init_credit[v] += acc[v]
    return credit, items, initiated, init_credit


def _arrays(graph: FollowerGraph, cascades: Cascades) -> tuple[NDArray[np.int32], bool]:
    via = cascades.via if cascades.via is not None else np.zeros(1, dtype=np.int32)
    return np.ascontiguousarray(via, dtype=np.int32), cascades.via is not None


def mean_parent_delay(graph: FollowerGraph, cascades: Cascades, *, horizon: float) -> float:
    """The maximum-likelihood mean (seconds) of exponential delays from each parent's
    adoption to its child's, over the log's parent edges; InputError when no adoption
    has a parent. O(sum over adopters of in-degree)."""
    via, has_via = _arrays(graph, cascades)
    total, count = _delays(
        graph.in_ptr, graph.in_idx, cascades.item_ptr, cascades.node, cascades.time, via,
        has_via, cascades.start, float(horizon), graph.n,
    )  # fmt: skip
    if count == 0:
        raise InputError(
            "no adoption in the log has a parent (an account it follows that adopted the "
            "item earlier), so there is no delay to decay by; check the edge direction"
        )
    return float(total) / count


def influence_credit(
    graph: FollowerGraph,
    cascades: Cascades,
    *,
    horizon: float,
    decay: bool = False,
    items: NDArray[np.integer] | None = None,
) -> Credit:
    """Each account's influence credit over the log's items (module doc): equal split, or
    decayed by ``exp(-delay / tau)`` with ``tau`` the mean parent-to-child delay when
    ``decay``. ``horizon`` in seconds (adoptions later than it after an item's first one
    are left out); ``items``: the item positions to read (default every item). O(sum over
    adopters of in-degree), one pass per item."""
    if not horizon > 0:
        raise InputError(f"the horizon must be positive, got {horizon:g} seconds")
    tau = mean_parent_delay(graph, cascades, horizon=horizon) if decay else 0.0
    if decay and tau <= 0.0:
        tau = 1e-9  # every parent adopted an instant before: decay by nothing measurable
    via, has_via = _arrays(graph, cascades)
    credit, adopted, initiated, init_credit = _credit(
        graph.in_ptr, graph.in_idx, cascades.item_ptr, cascades.node, cascades.time, via,
        has_via, cascades.start, float(horizon), float(tau), graph.n,
        np.arange(cascades.n_items, dtype=np.int64) if items is None
        else np.ascontiguousarray(items, dtype=np.int64),
    )  # fmt: skip
    return Credit(credit, adopted, initiated, init_credit, float(tau))
