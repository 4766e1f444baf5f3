"""From an edge table to a :class:`~pipeline.graph_io.graph.FollowerGraph`.

Checks the columns (IDs, optional probability and weight), applies the edge meaning
(``follows`` flips rows to the influence direction), maps IDs to dense indices and
merges duplicate edges, column-wise: O(m log m) for the sort, then O(n + m).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io.csr import DUPLICATES, from_edges
from pipeline.graph_io.graph import FollowerGraph
from pipeline.graph_io.readers import EdgeMeaning, detect_format, read_edge_file

_STREAM_MIN_BYTES = 8 << 20  # = pipeline.graph_io.int_edges.MIN_BYTES (a test checks)

__all__ = [
    "DUPLICATES",
    "dense_ids",
    "edge_table",
    "from_edges",
    "graph_from_table",
    "load_graph",
    "read_edge_table",
]


def edge_table(
    raw: pl.DataFrame,
    *,
    where: str = "<table>",
    fmt: str = "frame",
    source_col: str | None = None,
    target_col: str | None = None,
) -> pl.DataFrame:
    """Validate an edge table already in memory (a file's rows, or a user's frame):
    columns ``source``, ``target`` and the optional ``probability`` / ``weight``.
    Errors name ``where`` and the row (``fmt="frame"``/``"parquet"``) or line. O(rows)."""
    p = where
    cols = [c for c in raw.columns if c != "_line"]
    for name, flag in ((source_col, "«source_col»"), (target_col, "«target_col»")):
        if name is not None and name not in cols:
            raise InputError(
                f"{p}: no column {name!r} ({flag}); the columns are {', '.join(map(repr, cols))}"
            )
    if source_col is None or target_col is None:
        if len(cols) < 2:
            raise InputError(
                f"{p}: expected at least two columns (source and target IDs), found "
                f"{len(cols)} ({', '.join(map(repr, cols))}); is the separator right for {fmt}?"
            )
        rest = [c for c in cols if c not in (source_col, target_col)]
        source_col = source_col or rest.pop(0)
        target_col = target_col or rest.pop(0)
    if source_col == target_col:
        raise InputError(f"{p}: source and target must be different columns (both {source_col!r})")
    if raw.height == 0:
        expected = {"snap": "an edge line", "frame": "one row"}.get(fmt, "one row after the header")
        raise InputError(f"{p}: no edges; expected at least {expected}")

    out = {"source": raw[source_col], "target": raw[target_col]}
    for col in ("source", "target"):
        name = source_col if col == "source" else target_col
        s = out[col]
        if s.null_count():
            row = int(s.is_null().arg_true()[0])
            raise InputError(f"{p}: {_line_of(fmt, row, raw)}, column {name!r}: missing node ID")
        if s.dtype.is_float():
            raise InputError(
                f"{p}: column {name!r} holds decimal numbers; node IDs must be integers or text"
            )
        if not (s.dtype.is_integer() or s.dtype == pl.String):
            out[col] = s.cast(pl.String)
        elif s.dtype.is_integer() and not _fits_int64(s):
            # IDs beyond 64 bits (e.g. 20-digit numbers): labels, kept exactly as text
            out[col] = s.cast(pl.String)
    if out["source"].dtype != out["target"].dtype:
        if out["source"].dtype.is_integer() and out["target"].dtype.is_integer():
            # e.g. Int32 and Int64 columns in a Parquet file: the same integer IDs.
            out = {k: v.cast(pl.Int64) for k, v in out.items()}
        else:
            # One column all numbers and the other text: compare them as text.
            out = {k: v.cast(pl.String) for k, v in out.items()}
    # (files' ID columns arrive typed by one rule: pipeline.graph_io.text.typed_ids)
    table = pl.DataFrame({"source": out["source"], "target": out["target"]})

    for col, lo_hi in (("probability", (0.0, 1.0)), ("weight", (0.0, None))):
        if col not in cols:
            continue
        table = table.with_columns(_numeric_column(raw, col, fmt, p, lo_hi))
    return table


def _numeric_column(
    raw: pl.DataFrame, col: str, fmt: str, path: str | Path, bounds: tuple[float, float | None]
) -> pl.Series:
    s = raw[col]
    lo, hi = bounds
    expect = f"a number in [{lo:g}, {hi:g}]" if hi is not None else f"a number >= {lo:g}"
    if s.dtype == pl.String or not s.dtype.is_numeric():
        cast = s.cast(pl.Float64, strict=False)
        bad_mask = cast.is_null() & s.is_not_null()
        if bad_mask.any():
            row = int(bad_mask.arg_true()[0])
            raise InputError(
                f"{path}: {_line_of(fmt, row, raw)}, column {col!r}: expected {expect}, "
                f"got {s[row]!r}"
            )
        s = cast
    s = s.cast(pl.Float64)
    if s.null_count():
        row = int(s.is_null().arg_true()[0])
        raise InputError(
            f"{path}: {_line_of(fmt, row, raw)}, column {col!r}: missing value; expected {expect}"
        )
    arr = s.to_numpy()
    bad = ~np.isfinite(arr) | (arr < lo)
    if hi is not None:
        bad |= arr > hi
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{path}: {_line_of(fmt, row, raw)}, column {col!r}: "
            f"expected {expect}, got {arr[row]:g}"
        )
    return pl.Series(col, arr.astype(np.float32))


def dense_ids(values: pl.Series) -> tuple[pl.Series, NDArray[np.int64]]:
    """Sorted unique IDs and each value's index among them. O(k log k).

    Integers use a lookup table when their range is compact, else a binary
    search; text goes through a hash join against the sorted IDs.
    """
    if values.null_count():
        raise InputError("missing node ID: node IDs must not be empty")
    ids = values.unique().sort()
    if ids.len() == 0:
        return ids, np.empty(0, dtype=np.int64)
    if values.dtype.is_integer():
        v = values.to_numpy()
        u = ids.to_numpy()
        lo, hi = int(u[0]), int(u[-1])
        if hi - lo < 4 * max(len(v), 1):
            lut = np.empty(hi - lo + 1, dtype=np.int64)
            lut[u - lo] = np.arange(u.size, dtype=np.int64)
            return ids, lut[v - lo]
        return ids, np.searchsorted(u, v).astype(np.int64)
    # A hash join against the sorted IDs: several times faster than an Enum cast.
    table = pl.DataFrame({"v": ids, "code": pl.int_range(ids.len(), dtype=pl.Int64, eager=True)})
    codes = (
        pl.DataFrame({"v": values})
        .join(table, on="v", how="left", maintain_order="left")["code"]
        .to_numpy()
    )
    return ids, codes


def load_graph(
    path: str | Path,
    *,
    format: str | None = None,
    edge_meaning: EdgeMeaning = "follows",
    source_col: str | None = None,
    target_col: str | None = None,
    header: bool | None = None,
    columns: Mapping[str, str] | None = None,
    duplicates: str = "max",
    undirected: bool = False,
) -> FollowerGraph:
    """Load an edge file (CSV, TSV, Parquet or SNAP text, optionally ``.gz``).

    ``edge_meaning="follows"``: row ``a,b`` means a follows b (influence b -> a).
    ``edge_meaning="influences"``: row ``a,b`` means a's posts reach b.
    External IDs are kept (sorted) and mapped to dense indices ``0..n-1``.
    Optional columns ``probability`` (in [0, 1]) and ``weight`` (>= 0) ride along.
    ``header``: whether a text file's first row is a header (None: detect; the
    report's ``header`` says what was decided). ``columns``: canonical name ->
    file column (source, target, probability, weight). ``duplicates`` and
    ``undirected``: rows naming one edge, rows read both ways (:func:`from_edges`).
    A big file of two plain integer columns is streamed
    (:mod:`~pipeline.graph_io.int_edges`: the same graph and report, a fraction of
    the memory). O(m log m).
    """
    if edge_meaning not in ("follows", "influences"):
        raise InputError(
            f"unknown edge meaning {edge_meaning!r}; expected 'follows' or 'influences'"
        )
    if not (undirected or columns or source_col or target_col) and _big(path):
        from pipeline.graph_io.int_edges import read_int_graph

        fast = read_int_graph(
            path, format or detect_format(path), edge_meaning=edge_meaning, header=header,
            duplicates=duplicates,
        )  # fmt: skip
        if fast is not None:
            return fast
    f = read_edge_file(
        path, format=format, source_col=source_col, target_col=target_col, header=header,
        columns=columns,
    )  # fmt: skip
    table = edge_table(
        f.table, where=str(path), fmt=f.format, source_col=f.source_col, target_col=f.target_col
    )
    return graph_from_table(
        table, edge_meaning=edge_meaning, where=str(path), header=f.header,
        duplicates=duplicates, undirected=undirected,
    )  # fmt: skip


def _big(path: str | Path) -> bool:
    """Whether ``path`` is a file big enough for the streaming integer reader
    (:data:`pipeline.graph_io.int_edges.MIN_BYTES`; checked without importing it)."""
    try:
        return Path(path).stat().st_size >= _STREAM_MIN_BYTES
    except (OSError, ValueError):
        return False


def graph_from_table(
    table: pl.DataFrame,
    *,
    edge_meaning: EdgeMeaning = "follows",
    where: str = "<table>",
    header: str = "",
    duplicates: str = "max",
    undirected: bool = False,
) -> FollowerGraph:
    """A :class:`FollowerGraph` from a validated :func:`edge_table` (IDs kept, sorted, and
    mapped to dense indices); ``header`` is for the load report, ``duplicates`` and
    ``undirected`` as in :func:`from_edges`. O(m log m)."""
    if edge_meaning not in ("follows", "influences"):
        raise InputError(
            f"unknown edge meaning {edge_meaning!r}; expected 'follows' or 'influences'"
        )
    m = table.height
    ids, codes = dense_ids(pl.concat([table["source"], table["target"]]))
    a, b = codes[:m], codes[m:]
    src, dst = (b, a) if edge_meaning == "follows" else (a, b)
    return from_edges(
        src,
        dst,
        ids,
        probability=table["probability"].to_numpy() if "probability" in table.columns else None,
        weight=table["weight"].to_numpy() if "weight" in table.columns else None,
        path=where,
        header=header,
        duplicates=duplicates,
        undirected=undirected,
    )


def _line_of(fmt: str, row: int, df: pl.DataFrame) -> str:
    if "_line" in df.columns:
        return f"line {int(df['_line'][row])}"
    if fmt in ("parquet", "frame"):
        return f"row {row + 1}"
    return f"line {row + 2}"  # header is line 1


def _fits_int64(s: pl.Series) -> bool:
    """Whether an integer column's values all fit in Int64. O(rows)."""
    if s.dtype in (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32):
        return True
    lo, hi = s.min(), s.max()
    return lo is None or (int(lo) >= -(2**63) and int(hi) <= 2**63 - 1)  # type: ignore[arg-type]


def read_edge_table(
    path: str | Path,
    *,
    format: str | None = None,
    source_col: str | None = None,
    target_col: str | None = None,
    header: bool | None = None,
    columns: Mapping[str, str] | None = None,
) -> tuple[pl.DataFrame, str]:
    """Read an edge file into a table with columns ``source``, ``target`` (as in the
    file), and ``probability`` / ``weight`` when present.

    Returns the table and the format used. ``source_col``/``target_col`` name
    the endpoint columns; by default the first two columns are the endpoints.
    ``columns`` maps canonical names (source, target, probability, weight) to the
    file's columns; ``header`` says whether a text file's first row is a header
    (None: detect, see :mod:`pipeline.graph_io.headers`).
    Values are validated; errors name the file, the line (or row) and column.
    """
    f = read_edge_file(
        path, format=format, source_col=source_col, target_col=target_col, header=header,
        columns=columns,
    )  # fmt: skip
    table = edge_table(
        f.table, where=str(path), fmt=f.format, source_col=f.source_col, target_col=f.target_col
    )
    return table, f.format
