"""Follower-graph ingestion: edge files in, one :class:`FollowerGraph` out.

Direction convention (used everywhere in the package): an edge ``u -> v`` in a
:class:`FollowerGraph` means *u's posts reach v* (influence direction). With
``edge_meaning="follows"`` (the default) a file row ``a,b`` means "a follows b",
so it becomes the edge ``b -> a``; with ``edge_meaning="influences"`` the row
``a,b`` is the edge ``a -> b`` as written.

Loading is column-wise (polars -> NumPy -> igraph), never edge by edge in
Python: O(m log m) for the sort that merges duplicates, then O(n + m).

The package:

- :mod:`~pipeline.graph_io.graph`: :class:`FollowerGraph` (igraph store, CSR arrays, IDs)
  and :class:`LoadReport`;
- :mod:`~pipeline.graph_io.readers`: edge files (CSV, TSV, Parquet, SNAP; gzip) into an
  edge table, and ID lists;
- :mod:`~pipeline.graph_io.headers`: whether a text file's first row is a header, a
  size line or the first edge, and the separator of SNAP-named text;
- :mod:`~pipeline.graph_io.build`: an edge table's checks, dense IDs and
  :func:`from_edges` / :func:`load_graph`;
- :mod:`~pipeline.graph_io.int_edges`: big files of two plain integer columns,
  streamed (the same graph and report as the general reader, less memory).
"""

from __future__ import annotations

from pipeline.graph_io.build import (
    dense_ids,
    edge_table,
    from_edges,
    graph_from_table,
    load_graph,
    read_edge_table,
)
from pipeline.graph_io.graph import FollowerGraph, LoadReport
from pipeline.graph_io.readers import (
    EDGE_FORMATS,
    EdgeMeaning,
    detect_format,
    read_id_list,
)

__all__ = [
    "EDGE_FORMATS",
    "EdgeMeaning",
    "FollowerGraph",
    "LoadReport",
    "dense_ids",
    "detect_format",
    "edge_table",
    "from_edges",
    "graph_from_table",
    "load_graph",
    "read_edge_table",
    "read_id_list",
]
