"""Graphs from whatever a user holds: :func:`read_graph` dispatches on the object's type
(a path, a table, a networkx or igraph graph, a scipy matrix); the one reader the CLI and
campaigns use. Above the converters it calls, so none of them imports it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import igraph as ig
import polars as pl

from pipeline.errors import InputError
from pipeline.graph_io import EdgeMeaning, FollowerGraph, load_graph
from pipeline.interop.files import read_gml, read_graphml
from pipeline.interop.graphs import from_igraph, from_networkx
from pipeline.interop.matrices import from_scipy
from pipeline.interop.tables import from_frame

__all__ = ["read_graph"]


_ACCEPTED = (
    "a path (CSV, TSV, Parquet, SNAP, GraphML, GML), a polars/pandas/pyarrow table, "
    "a networkx or igraph graph, or a scipy sparse matrix"
)


def read_graph(
    source: Any,
    *,
    edge_meaning: EdgeMeaning | None = None,
    source_col: str | None = None,
    target_col: str | None = None,
    probability: str = "probability",
    weight: str = "weight",
    header: bool | None = None,
    columns: Mapping[str, str] | None = None,
    format: str | None = None,
    duplicates: str = "max",
    undirected: bool = False,
) -> FollowerGraph:
    """A :class:`FollowerGraph` from ``source``: a path (by extension, or ``format``: csv,
    tsv, parquet, snap, or graphml and gml through igraph), a polars
    ``DataFrame``/``LazyFrame``, a pandas ``DataFrame``, a pyarrow ``Table``, a networkx
    graph, an igraph ``Graph``, a scipy sparse matrix, or a ``FollowerGraph`` (returned as
    is). ``edge_meaning`` defaults to ``"follows"`` for edge files and tables,
    ``"influences"`` for GraphML, GML, graphs and matrices (see the module doc);
    ``source_col``/``target_col`` name a table's endpoint columns and
    ``probability``/``weight`` a graph's edge attributes. For edge files and tables,
    ``columns`` maps canonical names (source, target, probability, weight) to their
    columns, ``header`` says whether a text file's first row is a header (None: detect),
    and ``duplicates``/``undirected`` are :func:`~pipeline.graph_io.load_graph`'s (given
    for a GraphML or GML file, any of these is an error). The one reader the CLI and
    campaigns use. O(m log m)."""
    if isinstance(source, FollowerGraph):
        return source
    if isinstance(source, str | Path):
        kind = format or Path(source).suffix.lower().lstrip(".")
        if kind in ("graphml", "gml"):
            for name, given in (
                ("source_col", source_col),
                ("target_col", target_col),
                ("header", header),
                ("columns", columns),
                ("duplicates", duplicates != "max"),
                ("undirected", undirected),
            ):
                if given:  # fmt: skip
                    raise InputError(f"{source}: «{name}» applies to edge files, not to a "
                                     f"{kind.upper()} graph")  # fmt: skip
            read = read_graphml if kind == "graphml" else read_gml
            return read(source, edge_meaning=edge_meaning or "influences")
        return load_graph(
            source,
            format=format,
            edge_meaning=edge_meaning or "follows",
            source_col=source_col,
            target_col=target_col,
            header=header,
            columns=columns,
            duplicates=duplicates,
            undirected=undirected,
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
            target_col=target_col, columns=columns,
        )  # fmt: skip
    raise InputError(f"cannot read a graph from a {type(source).__name__}; expected {_ACCEPTED}")
