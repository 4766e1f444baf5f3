"""The follower graph: an igraph store with the CSR arrays the kernels read, and its IDs.

Nodes are dense indices ``0..n-1``; ``ids`` maps them back to the user's account IDs.
Edges point in the influence direction (``u -> v``: u's posts reach v).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import igraph as ig
import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io.text import INT_ID

__all__ = ["FollowerGraph", "LoadReport"]


@dataclass(frozen=True)
class LoadReport:
    """What the loader did to the rows of an edge file. ``header`` says what a text
    file's first row was taken for (``"header: columns 'a', 'b'"``, ``"no header
    (first row holds IDs)"``, ``"size line '3 4' skipped ..."``); empty for tables
    and graphs in memory."""

    path: str
    rows: int
    self_loops_dropped: int
    duplicates_merged: int
    nodes: int
    edges: int
    header: str = ""
    duplicates: str = "max"
    undirected: bool = False

    def __str__(self) -> str:
        how = {"max": "merged", "noisy-or": "combined by noisy-or", "count": "counted"}
        return (
            f"{self.path}: {self.rows:,} rows"
            + (" read both ways" if self.undirected else "")
            + f" -> {self.nodes:,} nodes, {self.edges:,} edges "
            f"({self.duplicates_merged:,} duplicate edges {how.get(self.duplicates, 'merged')}, "
            f"{self.self_loops_dropped:,} self-loops dropped)"
            + (f"; {self.header}" if self.header else "")
        )


@dataclass(frozen=True, eq=False)
class FollowerGraph:
    """A directed follower graph in influence direction (``u -> v``: u's posts reach v).

    Nodes are dense indices ``0..n-1``; ``ids[i]`` is node i's external ID.
    Edges are stored once, sorted by (source, target); edge ``e`` is the
    same edge in the out-CSR arrays, in ``probability``/``weight`` and in the
    igraph ``graph`` (its edge id is ``e``).

    Attributes
    ----------
    ids : polars Series of external IDs (integers or strings), index = node.
    out_ptr, out_idx : CSR of out-neighbours (int64 offsets, int32 targets):
        the followers of node u are ``out_idx[out_ptr[u]:out_ptr[u+1]]``.
    in_ptr, in_idx, in_eid : CSR of in-neighbours (int64, int32, int64):
        the accounts v follows are ``in_idx[in_ptr[v]:in_ptr[v+1]]`` and
        ``in_eid`` gives each slot's edge id.
    probability : per-edge activation probability (float32) or None.
    weight : per-edge threshold-model weight (float32) or None.
    report : what the loader merged and dropped.
    multiplicity : per-edge count of the rows that recorded it (int32), kept when
        duplicates are loaded with ``duplicates="count"`` (else None: each edge once);
        the models use it (:func:`pipeline.diffusion.models.build_model`).
    """

    ids: pl.Series
    out_ptr: NDArray[np.int64]
    out_idx: NDArray[np.int32]
    in_ptr: NDArray[np.int64]
    in_idx: NDArray[np.int32]
    in_eid: NDArray[np.int64]
    probability: NDArray[np.float32] | None
    weight: NDArray[np.float32] | None
    report: LoadReport
    multiplicity: NDArray[np.int32] | None = None

    @cached_property
    def graph(self) -> ig.Graph:
        """The directed igraph ``Graph`` (influence direction, edge id = CSR position).

        Built on first use (O(n + m)), since the simulation kernels need only
        the CSR arrays.
        """
        g = ig.Graph(self.n, directed=True)
        g.add_edges(np.column_stack((self.edge_sources, self.out_idx)))
        return g

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.out_ptr.shape[0] - 1)

    @property
    def m(self) -> int:
        """Number of edges (after merging duplicates and dropping self-loops)."""
        return int(self.out_idx.shape[0])

    @cached_property
    def edge_sources(self) -> NDArray[np.int32]:
        """Source node of every edge, in edge-id order (int32, length m)."""
        return np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.out_ptr))

    @cached_property
    def follower_count(self) -> NDArray[np.int64]:
        """In-graph followers of each node: its out-degree in influence direction."""
        return np.diff(self.out_ptr)

    @cached_property
    def following_count(self) -> NDArray[np.int64]:
        """Accounts each node follows in the graph: its in-degree in influence direction."""
        return np.diff(self.in_ptr)

    @cached_property
    def nodes(self) -> pl.DataFrame:
        """One row per node: ``node`` (dense index), ``id``, in-graph follower/following counts."""
        return pl.DataFrame(
            {
                "node": np.arange(self.n, dtype=np.int32),
                "id": self.ids,
                "followers_in_graph": self.follower_count,
                "following_in_graph": self.following_count,
            }
        )

    def index_of(
        self, ids: Iterable[object] | pl.Series, *, what: str = "node ID"
    ) -> NDArray[np.int32]:
        """Dense indices of external IDs, in the given order; unknown IDs raise InputError.

        IDs given as strings are matched against integer IDs by value when they are plain
        whole numbers (``"42"`` finds node 42; ``"042"`` names no node, by the ID rule of
        :mod:`pipeline.graph_io.text`), so IDs typed on a command line work. O(k + n).
        """
        where = f"not in the graph {self.report.path}"
        if isinstance(ids, pl.Series):
            wanted = ids.alias("id")
        else:
            items = list(ids)
            try:
                wanted = pl.Series("id", items)
            except (TypeError, ValueError, pl.exceptions.PolarsError):
                # Mixed types (e.g. 42 and "u7"): compare as text.
                wanted = pl.Series("id", [_id_text(v) for v in items], dtype=pl.String)
        if wanted.len() == 0:
            return np.empty(0, dtype=np.int32)
        given = wanted  # as the caller wrote them, for messages
        if wanted.dtype != self.ids.dtype:
            if wanted.dtype.is_float():
                # 42.0 may name node 42; 42.5 names no node (a plain cast would truncate).
                frac = wanted.is_not_null() & (wanted.floor() != wanted)
                if frac.any():
                    bad = wanted.filter(frac).to_list()[:5]
                    raise InputError(f"unknown {what}(s) {_fmt_list(bad)}: {where}")
            if self.ids.dtype == pl.String and not wanted.dtype.is_float():
                cast = wanted.cast(pl.String)
            elif wanted.dtype == pl.String:  # only plain whole numbers name integer IDs
                text = wanted.str.strip_chars()
                none = pl.Series("id", [None] * text.len(), dtype=self.ids.dtype)
                cast = text.cast(self.ids.dtype, strict=False)
                cast = cast.zip_with(text.str.contains(INT_ID).fill_null(False), none)
            else:
                cast = wanted.cast(self.ids.dtype, strict=False)
            if cast.null_count() > wanted.null_count():
                bad = wanted.filter(cast.is_null() & wanted.is_not_null()).to_list()[:5]
                raise InputError(f"unknown {what}(s) {_fmt_list(bad)}: {where}")
            wanted = cast
        table = pl.DataFrame({"id": self.ids, "node": np.arange(self.n, dtype=np.int32)})
        found = pl.DataFrame({"id": wanted}).join(table, on="id", how="left", maintain_order="left")
        missing = given.filter(found["node"].is_null()).to_list()
        if missing:
            raise InputError(f"unknown {what}(s) {_fmt_list(missing[:5])}: {where}")
        return found["node"].to_numpy().astype(np.int32, copy=False)

    def to_networkx(self, node_data: pl.DataFrame | None = None) -> Any:
        """A ``networkx.DiGraph`` copy (influence direction, node = external ID); see
        :func:`pipeline.interop.to_networkx`."""
        from pipeline.interop import to_networkx

        return to_networkx(self, node_data=node_data)


def _id_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fmt_list(values: list[object]) -> str:
    return ", ".join(repr(v) for v in values)
