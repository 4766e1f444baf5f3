"""Test helper: action logs simulated from known diffusion parameters (recovery tests).

Slow pure-Python simulators, independent of the numba kernels under test: continuous-time
Independent Cascade (each live edge transmits after an exponential delay; Dijkstra over
the live edges) and discrete-time IC (one step per hop, Saito et al.'s setting).
"""

from __future__ import annotations

import heapq

import numpy as np
import polars as pl

from pipeline.graph_io import FollowerGraph


def continuous_ic_log(
    g: FollowerGraph,
    edge_p: np.ndarray,
    *,
    items: int,
    initiators: int,
    mean_delay: float,
    seed: int,
    gap: float = 1000.0,
    start_nodes: list[list[int]] | None = None,
) -> pl.DataFrame:
    """``items`` cascades, item i starting at ``i * gap`` from ``initiators`` random nodes
    (or from the nodes ``start_nodes[i]``); columns account (graph ID), item, time
    (seconds)."""
    rng = np.random.default_rng(seed)
    rows_a, rows_i, rows_t = [], [], []
    for it in range(items):
        t_start = it * gap
        starts = (
            rng.choice(g.n, size=initiators, replace=False)
            if start_nodes is None
            else np.asarray(start_nodes[it])
        )
        best: dict[int, float] = {}
        heap = [(t_start + float(k) * 1e-3, int(s)) for k, s in enumerate(starts)]
        while heap:
            t, u = heapq.heappop(heap)
            if u in best:
                continue
            best[u] = t
            lo, hi = g.out_ptr[u], g.out_ptr[u + 1]
            live = rng.random(hi - lo) < edge_p[lo:hi]
            for e in np.flatnonzero(live):
                v = int(g.out_idx[lo + e])
                if v not in best:
                    heapq.heappush(heap, (t + rng.exponential(mean_delay), v))
        for u, t in best.items():
            rows_a.append(u)
            rows_i.append(it)
            rows_t.append(t)
    ids = g.ids.to_numpy()
    return pl.DataFrame({"account": ids[np.array(rows_a)], "item": rows_i, "time": rows_t})


def discrete_ic_log(
    g: FollowerGraph, p: float, *, items: int, initiators: int, seed: int
) -> pl.DataFrame:
    """Discrete-time IC: an account activated at step t tries each follower once at
    step t + 1; time = item * 1000 + step."""
    rng = np.random.default_rng(seed)
    rows_a, rows_i, rows_t = [], [], []
    for it in range(items):
        frontier = [int(s) for s in rng.choice(g.n, size=initiators, replace=False)]
        active = set(frontier)
        step = 0
        while frontier:
            for u in frontier:
                rows_a.append(u)
                rows_i.append(it)
                rows_t.append(it * 1000.0 + step)
            nxt = []
            for u in frontier:
                lo, hi = g.out_ptr[u], g.out_ptr[u + 1]
                hit = g.out_idx[lo:hi][rng.random(hi - lo) < p]
                for v in hit.tolist():
                    if v not in active:
                        active.add(v)
                        nxt.append(v)
            frontier = nxt
            step += 1
    ids = g.ids.to_numpy()
    return pl.DataFrame({"account": ids[np.array(rows_a)], "item": rows_i, "time": rows_t})
