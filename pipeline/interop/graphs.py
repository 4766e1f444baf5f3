"""networkx and igraph graphs in and out, keeping account IDs as node names and
``probability`` / ``weight`` as edge attributes. networkx is walked in Python (a dict
of dicts, about a microsecond per edge); igraph by array operations.
"""

from __future__ import annotations

from typing import Any

import igraph as ig
import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io import (
    EdgeMeaning,
    FollowerGraph,
    edge_table,
)
from pipeline.interop.tables import edges_frame, id_series

__all__ = ["from_igraph", "from_networkx", "to_igraph", "to_networkx"]


def _networkx() -> Any:
    try:
        import networkx as nx
    except ImportError:
        raise InputError(
            "networkx is not installed: pip install networkx (from a checkout of "
            "influence-pipeline: pip install -e '.[networkx]')"
        ) from None
    return nx


def _from_lists(
    nodes: list[Any],
    src: list[Any],
    dst: list[Any],
    extra: dict[str, list[Any]],
    *,
    undirected: bool,
    edge_meaning: EdgeMeaning,
    where: str,
) -> FollowerGraph:
    if edge_meaning not in ("follows", "influences"):
        raise InputError(
            f"unknown edge meaning {edge_meaning!r}; expected 'follows' or 'influences'"
        )
    if undirected:  # each edge both ways, same attributes
        src, dst = src + dst, dst + src
        extra = {k: v + v for k, v in extra.items()}
    if edge_meaning == "follows":
        src, dst = dst, src
    frame, ids = edges_frame(src, dst, extra, nodes, where)
    table = edge_table(frame, where=where, source_col="source", target_col="target")
    ids = ids.sort()
    lookup = pl.DataFrame({"id": ids, "node": np.arange(ids.len(), dtype=np.int64)})
    codes: dict[str, NDArray[np.int64]] = {}
    for col in ("source", "target"):
        joined = table.select(pl.col(col).alias("id")).join(
            lookup, on="id", how="left", maintain_order="left"
        )
        codes[col] = joined["node"].to_numpy()
    from pipeline.graph_io import from_edges

    return from_edges(
        codes["source"],
        codes["target"],
        ids,
        probability=table["probability"].to_numpy() if "probability" in table.columns else None,
        weight=table["weight"].to_numpy() if "weight" in table.columns else None,
        path=where,
    )


def _attribute(values: list[Any], name: str, where: str) -> list[Any] | None:
    """An edge attribute's values if every edge has it; None if no edge does."""
    missing = [i for i, v in enumerate(values) if v is None]
    if len(missing) == len(values):
        return None
    if missing:
        raise InputError(
            f"{where}: edge {missing[0]} has no {name!r} attribute but others do; "
            f"give every edge one or none"
        )
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            raise InputError(f"{where}: edge {i}: {name!r} = {v!r}; expected a real number")
    return values


def from_networkx(
    graph: Any,
    *,
    edge_meaning: EdgeMeaning = "influences",
    probability: str = "probability",
    weight: str = "weight",
) -> FollowerGraph:
    """A graph from a networkx ``Graph``/``DiGraph`` (multi-edges merged): node labels
    become account IDs (ints, or text when mixed), isolated nodes kept; the edge
    attributes named ``probability`` and ``weight`` become the model's columns.
    O(n + m) in Python, then O(m log m)."""
    nx = _networkx()
    if not isinstance(graph, nx.Graph):
        raise InputError(f"expected a networkx graph, got a {type(graph).__name__}")
    nodes = list(graph.nodes)
    src, dst, probs, weights = [], [], [], []
    for u, v, data in graph.edges(data=True):
        src.append(u)
        dst.append(v)
        probs.append(data.get(probability))
        weights.append(data.get(weight))
    extra = {
        name: vals
        for name, vals in (
            ("probability", _attribute(probs, probability, "<networkx graph>")),
            ("weight", _attribute(weights, weight, "<networkx graph>")),
        )
        if vals is not None
    }
    return _from_lists(
        nodes, src, dst, extra, undirected=not graph.is_directed(), edge_meaning=edge_meaning,
        where="<networkx graph>",
    )  # fmt: skip


def to_networkx(graph: FollowerGraph, *, node_data: pl.DataFrame | None = None) -> Any:
    """A ``networkx.DiGraph`` in influence direction: node = account ID, edge
    attributes ``probability`` and ``weight`` when the graph has them; ``node_data``
    (a table with an ``id`` column, e.g. profiles or a ranking) adds its other columns
    as node attributes. O(n + m) in Python."""
    nx = _networkx()
    g = nx.DiGraph()
    ids = graph.ids.to_list()
    attrs: dict[Any, dict[str, Any]] = {}
    if node_data is not None:
        if "id" not in node_data.columns:
            raise InputError("node_data needs an 'id' column naming the accounts")
        data = node_data.with_columns(pl.col("id").cast(graph.ids.dtype, strict=False))
        for row in data.iter_rows(named=True):
            key = row.pop("id")
            if key is not None:
                attrs[key] = row
    g.add_nodes_from((i, attrs.get(i, {})) for i in ids)
    src = graph.edge_sources.tolist()
    dst = graph.out_idx.tolist()
    cols = [("probability", graph.probability), ("weight", graph.weight)]
    present = [(name, arr.tolist()) for name, arr in cols if arr is not None]
    g.add_edges_from(
        (ids[src[e]], ids[dst[e]], {name: vals[e] for name, vals in present})
        for e in range(graph.m)
    )
    return g


def from_igraph(
    graph: ig.Graph,
    *,
    edge_meaning: EdgeMeaning = "influences",
    name: str = "name",
    probability: str = "probability",
    weight: str = "weight",
) -> FollowerGraph:
    """A graph from an igraph ``Graph``: vertex attribute ``name`` gives the account IDs
    (else the vertex index), edge attributes ``probability`` and ``weight`` the model's
    columns; undirected graphs count each edge both ways. Array copies, no Python loop
    over edges: O(m log m)."""
    from pipeline.graph_io import from_edges

    if not isinstance(graph, ig.Graph):
        raise InputError(f"expected an igraph Graph, got a {type(graph).__name__}")
    if edge_meaning not in ("follows", "influences"):
        raise InputError(
            f"unknown edge meaning {edge_meaning!r}; expected 'follows' or 'influences'"
        )
    where = "<igraph Graph>"
    n = graph.vcount()
    names = id_series(
        graph.vs[name] if name in graph.vs.attributes() else list(range(n)), where=where
    )
    if names.n_unique() != n:
        raise InputError(f"{where}: vertex attribute {name!r} repeats a name; IDs must be unique")
    pairs = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    u, v = pairs[:, 0], pairs[:, 1]
    values: dict[str, NDArray[np.float64]] = {}
    for col, attr in (("probability", probability), ("weight", weight)):
        if attr not in graph.es.attributes():
            continue
        try:  # an edge without the attribute reads as None, i.e. NaN
            x = np.asarray(graph.es[attr], dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"{where}: edge attribute {attr!r} must be numbers") from None
        missing = np.isnan(x)
        if missing.all():
            continue
        if missing.any():
            raise InputError(
                f"{where}: edge {int(np.flatnonzero(missing)[0])} has no {attr!r} attribute "
                "but others do; give every edge one or none"
            )
        hi = 1.0 if col == "probability" else np.inf
        bad = ~np.isfinite(x) | (x < 0) | (x > hi)
        if bad.any():
            e = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{where}: edge {e}: {attr!r} = {x[e]:g}; expected {col} in [0, {hi:g}]"
            )
        values[col] = x
    if not graph.is_directed():  # each edge both ways, same attributes
        u, v = np.concatenate((u, v)), np.concatenate((v, u))
        values = {k: np.concatenate((x, x)) for k, x in values.items()}
    if edge_meaning == "follows":
        u, v = v, u
    order = names.arg_sort().to_numpy()
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return from_edges(
        rank[u], rank[v], names.sort(), probability=values.get("probability"),
        weight=values.get("weight"), path=where,
    )  # fmt: skip


def to_igraph(graph: FollowerGraph) -> ig.Graph:
    """A directed igraph ``Graph`` in influence direction with vertex attribute ``name``
    (the account IDs) and edge attributes ``probability`` / ``weight`` when present;
    edge ``e`` is the graph's edge ``e``. O(n + m)."""
    g = graph.graph.copy()
    g.vs["name"] = graph.ids.to_list()
    if graph.probability is not None:
        g.es["probability"] = graph.probability.astype(np.float64).tolist()
    if graph.weight is not None:
        g.es["weight"] = graph.weight.astype(np.float64).tolist()
    return g
