"""Forecasting cascades item by item: many seed sets, many runs, several parameter draws.

:func:`forecast_runs` simulates Independent Cascade runs for each item's seed set on
per-edge probabilities, where run ``r`` uses probability row ``run_row[r]`` (the
bootstrap refits of a calibration, or one row for a fixed model). The coin of edge
``e`` in run ``r`` of item ``i`` is ``unit(hash(hash(key, item_key[i]), r), e)``: the same
for every probability row and every subset of items (common random numbers), and
independent of the thread count. A run stops once ``cap`` accounts are active (the
documented guard against supercritical rows). Cost: O(items · runs · cascade edges).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from pipeline.diffusion.rng import edge_coin, hash2
from pipeline.graph_io import FollowerGraph

__all__ = ["Forecast", "forecast_runs"]


@njit(parallel=True, nogil=True, cache=True)
def _forecast_kernel(out_ptr, out_idx, edge_p, run_row, seed_ptr, seeds, item_key, key, cap,
                     n, nchunks):  # fmt: skip
    n_items = seed_ptr.shape[0] - 1
    runs = run_row.shape[0]
    total = n_items * runs
    act = np.zeros((n_items, runs), dtype=np.int64)
    deep = np.zeros((n_items, runs), dtype=np.int64)
    for c in prange(nchunks):
        u0 = c * total // nchunks
        u1 = (c + 1) * total // nchunks
        stamp = np.full(n, -1, dtype=np.int64)
        queue = np.empty(n, dtype=np.int32)
        depth = np.zeros(n, dtype=np.int32)
        for unit_id in range(u0, u1):
            i = unit_id // runs
            r = unit_id - i * runs
            rk = hash2(hash2(key, np.uint64(item_key[i])), np.uint64(r))
            row = run_row[r]
            hi = 0
            for j in range(seed_ptr[i], seed_ptr[i + 1]):
                s = seeds[j]
                if stamp[s] != unit_id:
                    stamp[s] = unit_id
                    queue[hi] = s
                    depth[s] = 0
                    hi += 1
            head = 0
            d2 = 0
            while head < hi and hi < cap:
                u = queue[head]
                head += 1
                for e in range(out_ptr[u], out_ptr[u + 1]):
                    v = out_idx[e]
                    if stamp[v] == unit_id:
                        continue
                    if edge_coin(rk, e) < edge_p[row, e]:
                        stamp[v] = unit_id
                        queue[hi] = v
                        depth[v] = depth[u] + 1
                        if depth[v] >= 2:
                            d2 += 1
                        hi += 1
                        if hi >= cap:
                            break
            act[i, r] = hi
            deep[i, r] = d2
    return act, deep


class Forecast:
    """Simulated outcomes per item and run.

    ``activated[i, r]``: accounts active at the end of run r of item i (seeds
    included, at most ``cap``); ``earned`` = activated minus the item's seeds;
    ``capped``: runs that hit the cap; ``deep[i, r]``: activations at depth >= 2
    (for :meth:`offspring`).
    """

    def __init__(
        self, activated: NDArray[np.int64], n_seeds: NDArray[np.int64], cap: int,
        deep: NDArray[np.int64] | None = None,
    ):  # fmt: skip
        self.deep = deep
        self.activated = activated
        self.n_seeds = n_seeds
        self.cap = cap

    @property
    def earned(self) -> NDArray[np.int64]:
        return self.activated - self.n_seeds[:, None]

    @property
    def capped(self) -> int:
        return int((self.activated >= self.cap).sum())

    def offspring(self) -> float:
        """Mean number of accounts activated by each non-seed activation: activations at
        depth >= 2 over activations at depth >= 1 (truncated where runs hit the cap)."""
        first = float(self.earned.sum())
        return float(self.deep.sum()) / first if self.deep is not None and first > 0 else 0.0

    def mean(self) -> NDArray[np.float64]:
        return self.earned.mean(axis=1)

    def mean_log2(self) -> NDArray[np.float64]:
        """Per item, the mean over runs of ``log2(1 + earned)``."""
        return np.log2(1.0 + self.earned).mean(axis=1)

    def quantiles(self, q: tuple[float, ...]) -> NDArray[np.float64]:
        """Per item and q, the inclusive quantile of earned reach (items x len(q))."""
        return np.quantile(self.earned, q, axis=1, method="inverted_cdf").T


def forecast_runs(
    graph: FollowerGraph,
    seed_sets: list[NDArray[np.int32]],
    edge_p: NDArray[np.floating],
    run_row: NDArray[np.integer],
    *,
    item_key: NDArray[np.integer],
    seed: int,
    cap: int,
) -> Forecast:
    """Simulate every seed set ``len(run_row)`` times (see the module docstring).

    ``edge_p``: float32 ``(rows, m)`` probabilities; ``run_row[r]``: the row run r uses;
    ``item_key[i]``: a stable key of item i (its position in the log); ``cap``: the most
    accounts a run may activate. O(items · runs · cascade edges)."""
    p = np.ascontiguousarray(np.atleast_2d(edge_p), dtype=np.float32)
    sizes = np.array([s.size for s in seed_sets], dtype=np.int64)
    ptr = np.zeros(len(seed_sets) + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    flat = np.concatenate(seed_sets).astype(np.int32) if seed_sets else np.zeros(0, np.int32)
    key = np.random.SeedSequence([seed, 0x0FCA]).generate_state(1, np.uint64)[0]
    rows = np.asarray(run_row, dtype=np.int32)
    nchunks = max(1, min(len(seed_sets) * rows.size, 8 * numba.get_num_threads()))
    act, deep = _forecast_kernel(graph.out_ptr, graph.out_idx, p, rows, ptr, flat,
                           np.asarray(item_key, dtype=np.int64), key, int(cap), graph.n,
                           nchunks)  # fmt: skip
    return Forecast(act, sizes, int(cap), deep)
