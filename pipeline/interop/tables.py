"""Graphs from edge tables: :func:`from_frame` takes a polars, pandas or pyarrow edge
table (column-wise, O(m log m)); :func:`id_series` and :func:`edges_frame` are the ID and
edge columns the converters share (:func:`pipeline.interop.read.read_graph` dispatches).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from pipeline.columns import apply_columns
from pipeline.errors import InputError
from pipeline.graph_io import (
    EdgeMeaning,
    FollowerGraph,
    edge_table,
    graph_from_table,
)
from pipeline.graph_io.readers import edge_mapping
from pipeline.graph_io.text import INT_ID as ID_RULE

__all__ = ["INT_ID", "edges_frame", "from_frame", "id_series"]


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
