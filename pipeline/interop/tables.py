"""Graphs from whatever a user holds: :func:`read_graph` dispatches on the object's type;
:func:`from_frame` takes a polars, pandas or pyarrow edge table (column-wise, O(m log m)).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np
import polars as pl

from pipeline.columns import apply_columns
from pipeline.errors import InputError
from pipeline.graph_io import (
    EdgeMeaning,
    FollowerGraph,
    edge_table,
    graph_from_table,
    load_graph,
)
from pipeline.graph_io.readers import edge_mapping
from pipeline.graph_io.text import INT_ID as ID_RULE

__all__ = ["INT_ID", "edges_frame", "from_frame", "id_series", "read_graph"]


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
    # The converters import this module: imported here, when a graph is read.
    from pipeline.interop.files import read_gml, read_graphml
    from pipeline.interop.graphs import from_igraph, from_networkx
    from pipeline.interop.matrices import from_scipy

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


def from_frame(
    frame: Any,
    *,
    edge_meaning: EdgeMeaning = "follows",
    source_col: str | None = None,
    target_col: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> FollowerGraph:
    """A graph from an edge table in memory (polars, pandas or pyarrow): the first two
    columns are the endpoints unless named (``source_col``/``target_col``, or
    ``columns``: canonical name -> column), optional ``probability`` and ``weight``
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
    if columns:
        mapping = edge_mapping(columns, source_col, target_col)
        frame = apply_columns(frame, mapping, where=where)
        source_col = "source" if "source" in mapping else source_col
        target_col = "target" if "target" in mapping else target_col
    table = edge_table(frame, where=where, source_col=source_col, target_col=target_col)
    return graph_from_table(table, edge_meaning=edge_meaning, where=where)


def edges_frame(
    src: list[Any],
    dst: list[Any],
    extra: dict[str, list[Any]],
    nodes: list[Any],
    where: str = "<graph>",
) -> tuple[pl.DataFrame, pl.Series]:
    """Edge table plus the node IDs (isolated nodes included), IDs as one type."""
    ids = id_series(nodes, where=where)
    if ids.dtype == pl.String:  # text IDs, or mixed ones compared as text
        src, dst = [str(x) for x in src], [str(x) for x in dst]
    cols: dict[str, Any] = {
        "source": pl.Series(src, dtype=ids.dtype),
        "target": pl.Series(dst, dtype=ids.dtype),
    }
    cols.update(extra)
    return pl.DataFrame(cols), ids


INT_ID = re.compile(ID_RULE)
_INT64 = (-(2**63), 2**63 - 1)


def id_series(values: list[Any], *, where: str = "<graph>") -> pl.Series:
    """Account IDs as one polars type: integers when every ID is an integer (or integral
    text without leading zeros) that fits int64, else text. Two nodes whose text is the
    same (``1`` and ``"1"``) are refused: they would become one account. O(n) in Python."""
    ints = [v for v in values if isinstance(v, int | np.integer) and not isinstance(v, bool)]
    if len(ints) == len(values) and all(_INT64[0] <= int(v) <= _INT64[1] for v in ints):
        return pl.Series("id", [int(v) for v in ints], dtype=pl.Int64)
    text = [str(v) for v in values]
    ids = pl.Series("id", text, dtype=pl.String)
    if ids.n_unique() != len(text):
        seen: dict[str, Any] = {}
        for v in values:
            key = str(v)
            if key in seen and seen[key] == v:
                raise InputError(f"{where}: node {v!r} repeats a name; IDs must be unique")
            if key in seen:
                raise InputError(
                    f"{where}: nodes {seen[key]!r} and {v!r} both read as account ID "
                    f"{key!r}; give every node a distinct name"
                )
            seen[key] = v
    return ids
