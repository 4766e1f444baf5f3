"""Centrality of every account, keyed by external ID, computed by igraph.

Measures (influence direction: ``u -> v`` means u's posts reach v):

- ``followers``: in-graph follower count (in-degree of the follows graph). O(n).
- ``pagerank``: PageRank of the follows graph (damping 0.85): an account is
  important when important accounts follow it. O(m) per iteration (PRPACK).
- ``coreness``: k-core index of the undirected graph. O(m).
- ``hub``: Kleinberg hub score in influence direction (reaching accounts that
  good hubs also reach), scaled to max 1. O(m) per iteration (ARPACK).
- ``harmonic``: mean of 1/d(u, v) over all other v, following influence
  edges: how close u's posts are to everyone. Exact (O(n m)) up to
  ``exact_max_nodes`` nodes; above, estimated from ``samples`` random targets
  (BFS from each target along reversed edges, O(samples * m)).
- ``betweenness``: directed shortest-path betweenness; exact (Brandes, O(n m))
  up to ``exact_max_nodes`` nodes, above it estimated from ``samples`` random
  sources and scaled by n / samples (Brandes and Pich 2007).

The method actually used is stated per measure in ``CentralityResult.methods``
and in the ``*_method`` columns of the table.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import igraph as ig
import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

__all__ = ["MEASURES", "CentralityResult", "centrality", "follows_graph", "follows_pagerank"]

MEASURES: tuple[str, ...] = ("followers", "pagerank", "coreness", "hub", "harmonic", "betweenness")


@dataclass(frozen=True, eq=False)
class CentralityResult:
    """``table``: one row per node (``id`` then one column per measure); ``methods``: how each
    measure was computed (``exact`` or ``sampled (k sources, seed s)``)."""

    table: pl.DataFrame
    methods: dict[str, str]


def follows_graph(graph: FollowerGraph) -> ig.Graph:
    """The igraph graph with edges reversed to the follows direction (``v -> u``: v follows u)."""
    g = ig.Graph(graph.n, directed=True)
    g.add_edges(np.column_stack((graph.out_idx, graph.edge_sources)))
    return g


_PAGERANK: weakref.WeakKeyDictionary[FollowerGraph, NDArray[np.float64]] = (
    weakref.WeakKeyDictionary()
)


def follows_pagerank(graph: FollowerGraph) -> NDArray[np.float64]:
    """PageRank of the follows graph (igraph PRPACK, directed), computed once per graph
    and kept while the graph lives (read-only). O(m) per iteration the first time."""
    pr = _PAGERANK.get(graph)
    if pr is None:
        pr = np.asarray(follows_graph(graph).pagerank(directed=True), dtype=np.float64)
        pr.setflags(write=False)
        _PAGERANK[graph] = pr
    return pr


def _sample(n: int, k: int, seed: int) -> NDArray[np.int64]:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return np.sort(rng.choice(n, size=min(k, n), replace=False)).astype(np.int64)


def _harmonic(g: ig.Graph, n: int, exact: bool, samples: int, seed: int) -> NDArray[np.float64]:
    if exact:
        return np.asarray(g.harmonic_centrality(mode="out", normalized=True), dtype=np.float64)
    targets = _sample(n, samples, seed)
    total = np.zeros(n, dtype=np.float64)
    for start in range(0, targets.size, 16):
        chunk = targets[start : start + 16].tolist()
        # distances(mode="in") from t gives d(u -> t) for every u.
        d = np.asarray(g.distances(source=chunk, mode="in"), dtype=np.float64)
        with np.errstate(divide="ignore"):
            inv = np.where(np.isfinite(d) & (d > 0), 1.0 / d, 0.0)
        total += inv.sum(axis=0)
    # Each target stands for n / |targets| nodes; normalise by n - 1 as igraph does.
    return total * (n / targets.size) / max(n - 1, 1)


def centrality(
    graph: FollowerGraph,
    measures: Sequence[str] = MEASURES,
    *,
    exact_max_nodes: int = 5_000,
    samples: int = 256,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> CentralityResult:
    """Compute ``measures`` for every node; returns a table keyed by external ``id``.

    ``samples`` random sources/targets (reproducible from ``seed``) are used
    for betweenness and harmonic centrality when ``n > exact_max_nodes``.
    ``progress(name)`` is called before each measure starts.
    """
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise InputError(
            f"unknown centrality measure(s) {', '.join(map(repr, unknown))}; "
            f"expected any of {', '.join(MEASURES)}"
        )
    if samples < 1:
        raise InputError(f"samples must be >= 1, got {samples}")
    n = graph.n
    g = graph.graph
    exact = n <= exact_max_nodes
    cols: dict[str, object] = {"id": graph.ids}
    methods: dict[str, str] = {}
    sampled = f"sampled ({min(samples, n)} nodes, seed {seed})"
    for m in measures:
        if progress is not None:
            progress(m)
        if m == "followers":
            cols[m] = graph.follower_count
            methods[m] = "exact"
        elif m == "pagerank":
            cols[m] = np.asarray(follows_graph(graph).pagerank(directed=True), dtype=np.float64)
            methods[m] = "exact (PRPACK, damping 0.85)"
        elif m == "coreness":
            cols[m] = np.asarray(g.coreness(mode="all"), dtype=np.int64)
            methods[m] = "exact"
        elif m == "hub":
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                hub = np.asarray(g.hub_score(scale=True), dtype=np.float64)
            cols[m] = np.where(np.abs(hub) < 1e-12, 0.0, hub)  # ARPACK leaves -0 and 1e-16
            # igraph warns when many scores are 0 (the leading eigenvector is not unique).
            methods[m] = "exact (ARPACK)" + (", not unique: many zeros" if caught else "")
        elif m == "harmonic":
            cols[m] = _harmonic(g, n, exact, samples, seed)
            methods[m] = "exact" if exact else sampled
        elif m == "betweenness":
            if exact:
                cols[m] = np.asarray(g.betweenness(directed=True), dtype=np.float64)
                methods[m] = "exact"
            else:
                src = _sample(n, samples, seed).tolist()
                est = np.asarray(g.betweenness(directed=True, sources=src), dtype=np.float64)
                cols[m] = est * (n / len(src))
                methods[m] = sampled
    table = pl.DataFrame(cols)
    for m in ("harmonic", "betweenness"):
        if m in methods:
            table = table.with_columns(pl.lit(methods[m]).alias(f"{m}_method"))
    return CentralityResult(table=table, methods=methods)
