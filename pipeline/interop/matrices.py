"""scipy sparse matrices in and out: entry ``(u, v)`` is the edge ``u -> v`` with its
probability or weight as the value. Array operations, O(n + m).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io import (
    EdgeMeaning,
    FollowerGraph,
)

__all__ = ["from_scipy", "to_scipy"]


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
