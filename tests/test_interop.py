"""Graphs in and out of networkx, igraph, scipy, data frames, GraphML and GML."""

from __future__ import annotations

from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph, load_graph
from pipeline.interop import (
    from_frame,
    from_igraph,
    from_networkx,
    from_scipy,
    read_graph,
    to_igraph,
    to_networkx,
    to_scipy,
    write_gml,
    write_graphml,
)

ROOT = Path(__file__).resolve().parents[1]
# "a follows b" rows: b's posts reach a. Influence edges: b->a, c->a, c->b, a->d.
FOLLOWS = "follower,followed,probability\na,b,0.5\na,c,0.25\nb,c,1.0\nd,a,0.125\n"


def same(a: FollowerGraph, b: FollowerGraph) -> None:
    assert a.ids.to_list() == b.ids.to_list()
    assert np.array_equal(a.out_ptr, b.out_ptr) and np.array_equal(a.out_idx, b.out_idx)
    assert np.array_equal(a.in_eid, b.in_eid)
    for x, y in ((a.probability, b.probability), (a.weight, b.weight)):
        assert (x is None) == (y is None)
        if x is not None and y is not None:
            assert np.array_equal(x, y)


@pytest.fixture()
def csv_graph(tmp_path: Path) -> FollowerGraph:
    p = tmp_path / "f.csv"
    p.write_text(FOLLOWS)
    return load_graph(p)


def test_frames_of_every_kind_read_like_the_file(csv_graph: FollowerGraph) -> None:
    df = pl.read_csv(FOLLOWS.encode())
    same(from_frame(df), csv_graph)
    same(read_graph(df.lazy()), csv_graph)
    same(read_graph(df.to_pandas()), csv_graph)
    same(read_graph(df.to_arrow()), csv_graph)
    bad = df.with_columns(pl.Series("probability", [0.5, 2.0, 1.0, 0.1]))
    with pytest.raises(InputError, match=r"row 2, column 'probability': expected a number"):
        from_frame(bad)


def test_networkx_round_trip_keeps_labels_attributes_and_isolated_nodes(
    csv_graph: FollowerGraph,
) -> None:
    g = to_networkx(csv_graph)
    assert set(g.edges) == {("b", "a"), ("c", "a"), ("c", "b"), ("a", "d")}
    assert g.edges["c", "a"]["probability"] == 0.25
    same(from_networkx(g), csv_graph)
    g.add_node("loner")
    back = from_networkx(g)
    assert back.n == 5 and "loner" in back.ids.to_list()
    # "follows" reads each networkx edge u -> v as u follows v
    rev = from_networkx(g.reverse(), edge_meaning="follows")
    same(rev, back)


def test_networkx_undirected_mixed_labels_and_partial_attributes() -> None:
    u = nx.Graph([(1, 2), (2, 3)])
    g = from_networkx(u)
    assert g.m == 4 and g.ids.to_list() == [1, 2, 3]  # each edge both ways
    mixed = nx.DiGraph([(1, "x")])
    assert sorted(from_networkx(mixed).ids.to_list()) == ["1", "x"]
    part = nx.DiGraph()
    part.add_edge(1, 2, probability=0.5)
    part.add_edge(2, 3)
    with pytest.raises(InputError, match="has no 'probability' attribute but others do"):
        from_networkx(part)
    with pytest.raises(InputError, match="expected a networkx graph"):
        from_networkx([(1, 2)])


def test_node_data_becomes_node_attributes(csv_graph: FollowerGraph) -> None:
    table = pl.DataFrame({"id": ["a", "c", "zz"], "tier": ["micro", "macro", "nano"]})
    g = csv_graph.to_networkx(node_data=table)
    assert g.nodes["a"]["tier"] == "micro" and g.nodes["c"]["tier"] == "macro"
    assert "tier" not in g.nodes["b"] and "zz" not in g


def test_igraph_round_trip(csv_graph: FollowerGraph) -> None:
    g = to_igraph(csv_graph)
    assert g.is_directed() and g.vs["name"] == ["a", "b", "c", "d"]
    assert g.es["probability"] == pytest.approx(csv_graph.probability.tolist())
    same(from_igraph(g), csv_graph)
    same(read_graph(g), csv_graph)
    plain = ig.Graph([(0, 1), (1, 2)], directed=True)  # no names: vertex indices
    assert from_igraph(plain).ids.to_list() == [0, 1, 2]


def test_scipy_round_trip(csv_graph: FollowerGraph) -> None:
    m = to_scipy(csv_graph)
    assert m.shape == (4, 4) and m.nnz == 4
    ids = csv_graph.ids.to_list()
    assert m[ids.index("c"), ids.index("a")] == pytest.approx(0.25)
    same(from_scipy(m, ids=csv_graph.ids), csv_graph)
    assert read_graph(m).ids.to_list() == [0, 1, 2, 3]  # no ids given: the row numbers
    w = from_scipy(m * 8, ids=ids)  # values above 1: weights, not probabilities
    assert w.probability is None and w.weight is not None
    with pytest.raises(InputError, match="square"):
        from_scipy(m[:, :3])


@pytest.mark.parametrize("kind", ["graphml", "gml"])
@pytest.mark.parametrize("labels", ["text", "int"])
def test_graphml_and_gml_round_trip(tmp_path: Path, kind: str, labels: str) -> None:
    body = FOLLOWS if labels == "text" else FOLLOWS.translate(str.maketrans("abcd", "1234"))
    p = tmp_path / "f.csv"
    p.write_text(body)
    g = load_graph(p)
    out = tmp_path / f"g.{kind}"
    (write_graphml if kind == "graphml" else write_gml)(g, out)
    back = read_graph(out)
    same(back, g)


def test_bundled_graph_through_networkx_simulates_identically() -> None:
    from pipeline.diffusion import simulate

    g = load_graph(ROOT / "data" / "follows.csv")
    back = from_networkx(to_networkx(g))
    same(back, g)
    seeds = g.index_of([1336, 1755])
    a = simulate(g, seeds, "wc", runs=200, seed=3)
    b = simulate(back, back.index_of([1336, 1755]), "wc", runs=200, seed=3)
    assert np.array_equal(a.activated, b.activated)


def test_read_graph_names_what_it_accepts() -> None:
    with pytest.raises(InputError, match="cannot read a graph from a dict; expected a path"):
        read_graph({"a": "b"})


def test_readme_interop_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "docs" / "file-formats.md").read_text(encoding="utf-8")
    section = text.split("## Graphs from other tools (Python)", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "docs/file-formats.md", "exec"), {})  # the page's own example
    out = capsys.readouterr().out
    assert out.startswith("4 accounts, 4 follows; ana reaches ")
    # exact: P(ben) = 1/2, P(cy) = 1 - (1 - 1/2)(1 - 1/4) = 5/8, P(dee) = 5/16
    mean = float(out.split("reaches ")[1].split()[0])
    assert abs(mean - (1 + 0.5 + 0.625 + 0.3125)) < 0.06


def test_igraph_attributes_are_checked() -> None:
    g = ig.Graph([(0, 1), (1, 2)], directed=True)
    g.es["probability"] = [0.5, None]
    with pytest.raises(InputError, match="edge 1 has no 'probability' attribute"):
        from_igraph(g)
    g.es["probability"] = [0.5, 1.5]
    with pytest.raises(InputError, match=r"edge 1: 'probability' = 1.5; expected probability"):
        from_igraph(g)
    g.es["probability"] = [0.5, 0.25]
    g.vs["name"] = ["x", "y", "x"]
    with pytest.raises(InputError, match="repeats a name"):
        from_igraph(g)
    u = ig.Graph([(0, 1)], directed=False)
    u.es["weight"] = [2.0]
    back = from_igraph(u)
    assert back.m == 2 and back.weight.tolist() == [2.0, 2.0] and back.probability is None
