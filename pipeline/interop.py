"""Graphs in and out of other tools: data frames, networkx, igraph, scipy, GraphML, GML.

:func:`read_graph` takes whatever a user holds (a path, a polars, pandas or pyarrow
table, a networkx or igraph graph, a scipy sparse matrix) and returns a
:class:`~pipeline.graph_io.FollowerGraph`; the ``to_*`` functions go back, keeping
the account IDs as node names and ``probability`` / ``weight`` as edge attributes.

Edge direction: files and tables default to ``edge_meaning="follows"`` (row ``a, b``:
a follows b, so b's posts reach a), as everywhere in the project; graph objects and
matrices default to ``"influences"`` (edge ``u -> v``: u's posts reach v), the
convention of NDlib and cynetdiff, whose users start from a networkx graph. An
undirected graph counts every edge both ways. Exports are in influence direction.

Conversions to and from networkx walk the edges in Python (networkx is a dict of
dicts): O(n + m) but about a microsecond per edge; igraph (and so GraphML and GML)
and scipy conversions are array operations.
"""

from __future__ import annotations

from pathlib import Path
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
    graph_from_table,
    load_graph,
)

__all__ = [
    "from_frame",
    "from_igraph",
    "from_networkx",
    "from_scipy",
    "read_gml",
    "read_graph",
    "read_graphml",
    "to_igraph",
    "to_networkx",
    "to_scipy",
    "write_gml",
    "write_graphml",
]

_ACCEPTED = (
    "a path (CSV, TSV, Parquet, SNAP, GraphML, GML), a polars/pandas/pyarrow table, "
    "a networkx or igraph graph, or a scipy sparse matrix"
)


def _networkx() -> Any:
    try:
        import networkx as nx
    except ImportError:
        raise InputError(
            "networkx is not installed: pip install 'influence-pipeline[networkx]'"
        ) from None
    return nx


def read_graph(
    source: Any,
    *,
    edge_meaning: EdgeMeaning | None = None,
    source_col: str | None = None,
    target_col: str | None = None,
    probability: str = "probability",
    weight: str = "weight",
) -> FollowerGraph:
    """A :class:`FollowerGraph` from ``source``: a path (by extension; ``.graphml`` and
    ``.gml`` through igraph), a polars ``DataFrame``/``LazyFrame``, a pandas
    ``DataFrame``, a pyarrow ``Table``, a networkx graph, an igraph ``Graph``, a scipy
    sparse matrix, or a ``FollowerGraph`` (returned as is). ``edge_meaning`` defaults to
    ``"follows"`` for paths and tables, ``"influences"`` for graphs and matrices (see the
    module doc); ``source_col``/``target_col`` name a table's endpoint columns and
    ``probability``/``weight`` a graph's edge attributes. O(m log m)."""
    if isinstance(source, FollowerGraph):
        return source
    if isinstance(source, str | Path):
        suffix = Path(source).suffix.lower()
        if suffix == ".graphml":
            return read_graphml(source, edge_meaning=edge_meaning or "influences")
        if suffix == ".gml":
            return read_gml(source, edge_meaning=edge_meaning or "influences")
        return load_graph(
            source,
            edge_meaning=edge_meaning or "follows",
            source_col=source_col,
            target_col=target_col,
        )
    if isinstance(source, ig.Graph):
        return from_igraph(
            source, edge_meaning=edge_meaning or "influences", probability=probability,
            weight=weight,
        )  # fmt: skip
    module = type(source).__module__.split(".")[0]
    if module == "networkx":
        return from_networkx(
            source, edge_meaning=edge_meaning or "influences", probability=probability,
            weight=weight,
        )  # fmt: skip
    if module == "scipy":
        return from_scipy(source, edge_meaning=edge_meaning or "influences")
    if isinstance(source, pl.DataFrame | pl.LazyFrame) or module in ("pandas", "pyarrow"):
        return from_frame(
            source, edge_meaning=edge_meaning or "follows", source_col=source_col,
            target_col=target_col,
        )  # fmt: skip
    raise InputError(f"cannot read a graph from a {type(source).__name__}; expected {_ACCEPTED}")


def from_frame(
    frame: Any,
    *,
    edge_meaning: EdgeMeaning = "follows",
    source_col: str | None = None,
    target_col: str | None = None,
) -> FollowerGraph:
    """A graph from an edge table in memory (polars, pandas or pyarrow): the first two
    columns are the endpoints unless named, optional ``probability`` and ``weight``
    columns ride along; validated like a file (errors name the row). O(m log m)."""
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if not isinstance(frame, pl.DataFrame):
        module = type(frame).__module__.split(".")[0]
        try:
            frame = pl.from_pandas(frame) if module == "pandas" else pl.from_arrow(frame)
        except (ImportError, TypeError, ValueError, pl.exceptions.PolarsError) as exc:
            raise InputError(f"cannot read the {type(frame).__name__} as a table: {exc}") from None
        if not isinstance(frame, pl.DataFrame):
            raise InputError(f"expected a table of edges, got a {type(frame).__name__}")
    where = f"<{type(frame).__name__}>"
    table = edge_table(frame, where=where, source_col=source_col, target_col=target_col)
    return graph_from_table(table, edge_meaning=edge_meaning, where=where)


def _edges_frame(
    src: list[Any], dst: list[Any], extra: dict[str, list[Any]], nodes: list[Any]
) -> tuple[pl.DataFrame, pl.Series]:
    """Edge table plus the node IDs (isolated nodes included), IDs as one type."""
    ids = _id_series(nodes)
    if ids.dtype == pl.String:  # text IDs, or mixed ones compared as text
        src, dst = [str(x) for x in src], [str(x) for x in dst]
    cols: dict[str, Any] = {
        "source": pl.Series(src, dtype=ids.dtype),
        "target": pl.Series(dst, dtype=ids.dtype),
    }
    cols.update(extra)
    return pl.DataFrame(cols), ids


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
    frame, ids = _edges_frame(src, dst, extra, nodes)
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
    names = _id_series(graph.vs[name] if name in graph.vs.attributes() else list(range(n)))
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


def _id_series(values: list[Any]) -> pl.Series:
    """Account IDs as one polars type: integers, else text."""
    try:
        ids = pl.Series("id", values)
        if ids.dtype.is_integer() or ids.dtype == pl.String:
            return ids
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
        pass
    return pl.Series("id", [str(x) for x in values], dtype=pl.String)


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


def to_scipy(graph: FollowerGraph, *, values: str = "probability") -> Any:
    """An n x n ``scipy.sparse.csr_array``: entry (u, v) for each edge u -> v in
    influence direction (rows and columns are dense indices; ``graph.ids`` names
    them), holding ``probability``, ``weight`` or 1 (``values="ones"``, or when the
    graph has no such column). O(n + m), no Python loop."""
    try:
        from scipy import sparse
    except ImportError:
        raise InputError("scipy is not installed: pip install scipy") from None
    if values not in ("probability", "weight", "ones"):
        raise InputError(f"unknown values {values!r}; expected probability, weight or ones")
    data: NDArray[Any] | None = None if values == "ones" else getattr(graph, values)
    if data is None:
        data = np.ones(graph.m, dtype=np.float32)
    return sparse.csr_array((data, graph.out_idx, graph.out_ptr), shape=(graph.n, graph.n))


def from_scipy(
    matrix: Any, *, ids: Any = None, edge_meaning: EdgeMeaning = "influences"
) -> FollowerGraph:
    """A graph from a square scipy sparse matrix: each stored nonzero (u, v) is an edge
    (u -> v under ``"influences"``), its value the edge's probability when every value
    is in [0, 1], else its weight; ``ids`` names the rows (default 0..n-1). O(m log m)."""
    from pipeline.graph_io import from_edges

    coo = matrix.tocoo()
    n, cols = coo.shape
    if n != cols:
        raise InputError(f"expected a square adjacency matrix, got shape {coo.shape}")
    names = pl.Series("id", list(range(n)) if ids is None else list(ids))
    if names.len() != n:
        raise InputError(f"{names.len()} ids for a {n} x {n} matrix; expected one per row")
    if names.n_unique() != n:
        raise InputError("ids must be distinct, one per row of the matrix")
    keep = coo.data != 0
    u, v = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64)
    vals = np.asarray(coo.data[keep], dtype=np.float64)
    if edge_meaning == "follows":
        u, v = v, u
    elif edge_meaning != "influences":
        raise InputError(
            f"unknown edge meaning {edge_meaning!r}; expected 'follows' or 'influences'"
        )
    if not np.isfinite(vals).all() or (vals < 0).any():
        raise InputError("matrix values must be finite and >= 0 (probabilities or weights)")
    unit = bool(((vals > 0) & (vals <= 1)).all())
    order = names.arg_sort().to_numpy()
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return from_edges(
        rank[u], rank[v], names.sort(),
        probability=vals if unit else None, weight=None if unit else vals,
        path="<scipy matrix>",
    )  # fmt: skip


def read_graphml(path: str | Path, *, edge_meaning: EdgeMeaning = "influences") -> FollowerGraph:
    """A graph from GraphML (Gephi, Cytoscape, yEd), read by igraph: the node ``name``
    attribute (else ``label``, else the GraphML node id) becomes the account ID; IDs that
    are all integers come back as integers. O(file)."""
    return _from_file(path, "graphml", ("name", "label", "id"), edge_meaning)


def read_gml(path: str | Path, *, edge_meaning: EdgeMeaning = "influences") -> FollowerGraph:
    """A graph from GML, read by igraph: the node ``name`` (else ``label``, else ``id``)
    attribute becomes the account ID; all-integer IDs come back as integers. O(file)."""
    return _from_file(path, "gml", ("name", "label", "id"), edge_meaning)


def _from_file(
    path: str | Path, fmt: str, keys: tuple[str, ...], edge_meaning: EdgeMeaning
) -> FollowerGraph:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        g = ig.Graph.Read(str(p), format=fmt)
    except Exception as exc:  # igraph raises its own InternalError and others
        raise InputError(f"{p}: not a readable {fmt.upper()} file: {exc}") from None
    attrs = g.vs.attributes()
    key = next((a for a in keys if a in attrs), None)
    names: list[Any] = list(g.vs[key]) if key else list(range(g.vcount()))
    text = [str(int(x)) if isinstance(x, float) and x == int(x) else str(x) for x in names]
    if all(t.lstrip("-").isdigit() for t in text):
        names = [int(t) for t in text]  # a file stores names as text or floats
    g.vs["_id"] = names
    return from_igraph(g, edge_meaning=edge_meaning, name="_id")


def write_graphml(graph: FollowerGraph, path: str | Path) -> Path:
    """Write GraphML (opens in Gephi and Cytoscape): influence direction, node ``id`` =
    account ID, edge ``probability``/``weight``; atomic. O(n + m)."""
    return _write_igraph(graph, path, "graphml")


def write_gml(graph: FollowerGraph, path: str | Path) -> Path:
    """Write GML: influence direction, node ``name`` = account ID; atomic. O(n + m)."""
    return _write_igraph(graph, path, "gml")


def _write_igraph(graph: FollowerGraph, path: str | Path, fmt: str) -> Path:
    from pipeline.export import atomic_path

    g = to_igraph(graph)
    g.vs["name"] = [str(x) for x in g.vs["name"]]  # both formats store node names as text
    with atomic_path(path) as tmp:
        g.save(str(tmp), format=fmt)
    return Path(path)
