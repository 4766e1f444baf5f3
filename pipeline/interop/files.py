"""GraphML and GML in and out through igraph's readers and writers (Gephi and Cytoscape
open GraphML); files are written atomically.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import igraph as ig

from pipeline.errors import InputError
from pipeline.graph_io import (
    EdgeMeaning,
    FollowerGraph,
)
from pipeline.interop.graphs import from_igraph, to_igraph
from pipeline.interop.tables import INT_ID

__all__ = ["read_gml", "read_graphml", "write_gml", "write_graphml"]


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
    # a file stores names as text or floats: integral ones (no leading zeros, int64)
    # come back as integers when all are, else every name is text
    text = [str(int(x)) if isinstance(x, float) and x.is_integer() else str(x) for x in names]
    if all(INT_ID.fullmatch(t) for t in text) and all(-(2**63) <= int(t) < 2**63 for t in text):
        names = [int(t) for t in text]
    else:
        names = text
    g.vs["_id"] = names
    out = from_igraph(g, edge_meaning=edge_meaning, name="_id")
    return replace(out, report=replace(out.report, path=str(p)))  # the file, not "<igraph>"


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
