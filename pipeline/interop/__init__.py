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

The package: :mod:`~pipeline.interop.read` (:func:`read_graph`),
:mod:`~pipeline.interop.tables` (data frames), :mod:`~pipeline.interop.graphs` (networkx
and igraph), :mod:`~pipeline.interop.matrices` (scipy) and
:mod:`~pipeline.interop.files` (GraphML, GML).
"""

from __future__ import annotations

from pipeline.interop.files import read_gml, read_graphml, write_gml, write_graphml
from pipeline.interop.graphs import from_igraph, from_networkx, to_igraph, to_networkx
from pipeline.interop.matrices import from_scipy, to_scipy
from pipeline.interop.read import read_graph
from pipeline.interop.tables import from_frame

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
