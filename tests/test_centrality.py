"""Centrality against networkx oracles on small graphs, and the sampled estimators."""

from __future__ import annotations

import networkx as nx
import numpy as np
import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.graph_io import from_edges
from pipeline.graph_io.centrality import centrality


def _random_graph(n: int, m: int, seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    return from_edges(src, dst, pl.Series(np.arange(n) * 10))


def test_small_graph_matches_networkx() -> None:
    g = _random_graph(60, 240, 1)
    res = centrality(g)
    nxg = g.to_networkx()
    t = {r["id"]: r for r in res.table.iter_rows(named=True)}
    followers = dict(nxg.out_degree())  # influence direction: out-degree = followers
    pr = nx.pagerank(nxg.reverse(copy=True), alpha=0.85, tol=1e-12)
    core = nx.core_number(nx.Graph(nxg.to_undirected()))
    bet = nx.betweenness_centrality(nxg, normalized=False)
    harm = nx.harmonic_centrality(nxg.reverse(copy=True))  # networkx uses distances *to* a node
    for node in nxg.nodes:
        assert t[node]["followers"] == followers[node]
        assert t[node]["pagerank"] == pytest.approx(pr[node], abs=1e-6)
        assert t[node]["coreness"] == core[node]
        assert t[node]["betweenness"] == pytest.approx(bet[node], abs=1e-9)
        assert t[node]["harmonic"] == pytest.approx(harm[node] / (g.n - 1), abs=1e-9)
    assert res.methods["betweenness"] == "exact"
    assert set(res.table["betweenness_method"].to_list()) == {"exact"}


def test_sampled_estimators_are_close_and_stated() -> None:
    g = _random_graph(400, 2400, 2)
    exact = centrality(g, ["harmonic", "betweenness"]).table
    est = centrality(g, ["harmonic", "betweenness"], exact_max_nodes=100, samples=200, seed=3)
    assert est.methods["betweenness"].startswith("sampled (200 nodes, seed 3)")
    h_err = np.abs(est.table["harmonic"].to_numpy() - exact["harmonic"].to_numpy()).mean()
    assert h_err < 0.1 * exact["harmonic"].mean()
    b_exact, b_est = exact["betweenness"].to_numpy(), est.table["betweenness"].to_numpy()
    assert np.corrcoef(b_exact, b_est)[0, 1] > 0.9
    assert b_est.sum() == pytest.approx(b_exact.sum(), rel=0.15)
    again = centrality(g, ["betweenness"], exact_max_nodes=100, samples=200, seed=3)
    assert again.table["betweenness"].equals(est.table["betweenness"])


def test_hub_points_at_the_broadcaster() -> None:
    # Node 0 reaches everyone; nobody else reaches anyone but 0's audience.
    src = np.array([0, 0, 0, 0, 1, 2])
    dst = np.array([1, 2, 3, 4, 3, 4])
    g = from_edges(src, dst, pl.Series(["hub", "x", "y", "p", "q"]))
    t = centrality(g, ["hub", "followers"]).table
    assert t.sort("hub", descending=True)["id"][0] == "hub"
    assert t["followers"].to_list() == [4, 1, 1, 0, 0]


def test_unknown_measure() -> None:
    g = _random_graph(10, 20, 0)
    with pytest.raises(InputError, match="unknown centrality measure"):
        centrality(g, ["closeness"])
