"""Dense edge arrays to a :class:`~pipeline.graph_io.graph.FollowerGraph`: self-loops
dropped, rows naming one edge combined (:data:`DUPLICATES`), both CSR layouts built,
column-wise: O(m log m) for the sort, then O(n + m).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io.graph import FollowerGraph, LoadReport

__all__ = ["DUPLICATES", "from_edges", "from_keys"]

#: How rows naming one edge combine (:func:`from_edges`).
DUPLICATES: tuple[str, ...] = ("max", "noisy-or", "count")

_STEP = 1 << 20  # rows per chunk of the column-wise steps


def from_edges(
    src: NDArray[np.integer],
    dst: NDArray[np.integer],
    ids: pl.Series,
    *,
    probability: NDArray[np.floating] | None = None,
    weight: NDArray[np.floating] | None = None,
    path: str = "<arrays>",
    header: str = "",
    duplicates: str = "max",
    undirected: bool = False,
) -> FollowerGraph:
    """Build a :class:`FollowerGraph` from dense edge arrays in influence direction.

    ``src[e] -> dst[e]`` are node indices into ``ids``; ``undirected`` reads each row
    both ways. Self-loops are dropped. Rows naming one edge (``duplicates``):
    ``"max"`` merges them keeping the largest probability and weight (the same follow
    recorded twice, not a second chance); ``"noisy-or"`` combines their probabilities
    as ``1 - prod(1 - p_i)`` and sums their weights (independent chances); ``"count"``
    keeps the largest probability, sums the weights and records the number of rows
    ``c_uv`` (``multiplicity``; e.g. co-authorships), which the models read as ``c``
    chances (uniform IC: ``1 - (1 - p)^c``; WC and LT: ``c_uv / sum_in c``).
    ``header`` says what the file's first row was, for the load report.
    O(m log m) time, O(n + m) memory.
    """
    if duplicates not in DUPLICATES:
        raise InputError(f"{path}: duplicates {duplicates!r} is not one of {', '.join(DUPLICATES)}")
    if undirected:
        s0, d0 = np.asarray(src), np.asarray(dst)
        src, dst = np.concatenate((s0, d0)), np.concatenate((d0, s0))
        probability = None if probability is None else np.concatenate((probability, probability))
        weight = None if weight is None else np.concatenate((weight, weight))
    n = int(ids.len())
    rows = len(src)
    if n == 0 or rows == 0:
        raise InputError(f"{path}: the graph is empty; expected at least one edge")
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    if src.shape != dst.shape or src.ndim != 1:
        raise InputError(f"{path}: source and target arrays must be 1-D and the same length")
    for name, arr in (("source", src), ("target", dst)):
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= n:
            raise InputError(
                f"{path}: {name} node index {lo if lo < 0 else hi} is out of range; "
                f"expected 0..{n - 1} (one per ID)"
            )
    for name, values in (("probability", probability), ("weight", weight)):
        if values is not None and len(values) != rows:
            raise InputError(
                f"{path}: {len(values)} {name} values for {rows} edges; expected one per edge"
            )
    keep = src != dst
    loops = rows - int(keep.sum())
    # the (source, target) key of every kept row, built in place (peak memory: the
    # 10M-edge benchmark in benchmarks/RESULTS.md)
    key = (src[keep] if loops else src.copy()).astype(np.int64, copy=False)
    key *= n
    key += dst[keep] if loops else dst
    if probability is not None:
        probability = np.asarray(probability, dtype=np.float64)[keep]
    if weight is not None:
        weight = np.asarray(weight, dtype=np.float64)[keep]
    return from_keys(
        key, ids, rows=rows, loops=loops, probability=probability, weight=weight, path=path,
        header=header, duplicates=duplicates, undirected=undirected,
    )  # fmt: skip


def from_keys(
    key: NDArray[np.int64],
    ids: pl.Series,
    *,
    rows: int,
    loops: int,
    probability: NDArray[np.floating] | None = None,
    weight: NDArray[np.floating] | None = None,
    path: str = "<arrays>",
    header: str = "",
    duplicates: str = "max",
    undirected: bool = False,
) -> FollowerGraph:
    """The graph from the edge keys ``source * n + target`` of the rows kept (self-loops
    already dropped: ``loops`` of the ``rows`` read), with their ``probability`` and
    ``weight`` in the same order; as :func:`from_edges`, which calls it. ``key`` is
    the caller's scratch array: it is sorted in place and, when no rows merge,
    becomes the graph's ``in_eid``. O(m log m)."""
    n = int(ids.len())
    if key.size == 0:
        raise InputError(f"{path}: the graph is empty: every edge is a self-loop")
    order: NDArray[np.int64] | None = None
    if probability is not None or weight is not None:
        # Sort (key, row) pairs; packing the row into the low bits lets NumPy's
        # fast integer sort stand in for a slower argsort when it fits in 63 bits.
        row_bits = max(1, int(key.size - 1).bit_length())
        if (n * n - 1).bit_length() + row_bits <= 63:
            packed = (key << row_bits) | np.arange(key.size, dtype=np.int64)
            packed.sort()
            order = packed & ((1 << row_bits) - 1)
            key = packed >> row_bits
        else:
            order = np.argsort(key, kind="stable")
            key = key[order]
    else:
        key.sort()
    first = np.empty(key.size, dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    dups = int(key.size - np.count_nonzero(first))
    starts = np.flatnonzero(first) if dups else np.empty(0, dtype=np.int64)

    def merged(values: NDArray[np.floating] | None, rule: str) -> NDArray[np.float32] | None:
        if values is None or order is None:
            return None
        v = values[order]
        if dups == 0:
            return v.astype(np.float32)
        if rule == "sum":
            return np.add.reduceat(v, starts).astype(np.float32)
        if rule == "noisy-or":
            with np.errstate(divide="ignore"):  # p = 1: log1p(-1) = -inf, combined 1
                return (-np.expm1(np.add.reduceat(np.log1p(-v), starts))).astype(np.float32)
        return np.maximum.reduceat(v, starts).astype(np.float32)

    prob_rule = "noisy-or" if duplicates == "noisy-or" else "max"
    weight_rule = "max" if duplicates == "max" else "sum"
    count = None
    if duplicates == "count" and dups:
        count = np.diff(np.append(starts, key.size)).astype(np.int32)

    ukey = key[starts] if dups else key
    del first
    # Column-wise in chunks of _STEP rows, so no temporary is the size of the graph
    # (peak memory: the 10M-edge benchmark in benchmarks/RESULTS.md).
    m = int(ukey.size)
    e_src = np.empty(m, dtype=np.int32)
    e_dst = np.empty(m, dtype=np.int32)
    # Stable order by target (ties keep source order): sort (target, edge id)
    # packed into one int64, several times faster than a stable argsort.
    eid_bits = max(1, int(m - 1).bit_length())
    packed_in = ukey  # written over, chunk by chunk, once read (no third m-sized array)
    for at in range(0, m, _STEP):
        part = slice(at, min(at + _STEP, m))
        src_part, dst_part = np.divmod(ukey[part], n)
        e_src[part] = src_part
        e_dst[part] = dst_part
        dst_part <<= eid_bits
        dst_part |= np.arange(part.start, part.stop, dtype=np.int64)
        packed_in[part] = dst_part
    del key
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_src, minlength=n), out=out_ptr[1:])
    packed_in.sort()
    packed_in &= (1 << eid_bits) - 1
    in_order = packed_in  # the edge ids in (target, source) order
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_dst, minlength=n), out=in_ptr[1:])
    report = LoadReport(
        path=path,
        rows=rows,
        self_loops_dropped=loops,
        duplicates_merged=dups,
        nodes=n,
        edges=m,
        header=header,
        duplicates=duplicates,
        undirected=undirected,
    )
    return FollowerGraph(
        ids=ids.alias("id"),
        out_ptr=out_ptr,
        out_idx=e_dst,
        in_ptr=in_ptr,
        in_idx=e_src[in_order],
        in_eid=in_order,
        probability=merged(probability, prob_rule),
        weight=merged(weight, weight_rule),
        report=report,
        multiplicity=count,
    )
