"""Follower-graph ingestion: edge files in, one :class:`FollowerGraph` out.

Direction convention (used everywhere in the package): an edge ``u -> v`` in a
:class:`FollowerGraph` means *u's posts reach v* (influence direction). With
``edge_meaning="follows"`` (the default) a file row ``a,b`` means "a follows b",
so it becomes the edge ``b -> a``; with ``edge_meaning="influences"`` the row
``a,b`` is the edge ``a -> b`` as written.

Loading is column-wise (polars -> NumPy -> igraph), never edge by edge in
Python: O(m log m) for the sort that merges duplicates, then O(n + m).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import igraph as ig
import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError

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

EdgeMeaning = Literal["follows", "influences"]
EdgeFormat = Literal["csv", "tsv", "parquet", "snap"]
EDGE_FORMATS: tuple[str, ...] = ("csv", "tsv", "parquet", "snap")

_SUFFIX_FORMAT = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "snap",
    ".edges": "snap",
    ".edgelist": "snap",
    ".snap": "snap",
}


@dataclass(frozen=True)
class LoadReport:
    """What the loader did to the rows of an edge file."""

    path: str
    rows: int
    self_loops_dropped: int
    duplicates_merged: int
    nodes: int
    edges: int

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.rows:,} rows -> {self.nodes:,} nodes, {self.edges:,} edges "
            f"({self.duplicates_merged:,} duplicate edges merged, "
            f"{self.self_loops_dropped:,} self-loops dropped)"
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

        IDs given as strings are matched against integer IDs by value
        (``"42"`` finds node 42), so IDs typed on a command line work. O(k + n).
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


def detect_format(path: str | Path) -> EdgeFormat:
    """Edge-file format from the file name (``.gz`` is looked through)."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes:
        raise InputError(
            f"{path}: cannot tell the format from the file name; "
            f"pass «format» ({'|'.join(EDGE_FORMATS)})"
        )
    fmt = _SUFFIX_FORMAT.get(suffixes[-1])
    if fmt is None:
        raise InputError(
            f"{path}: unknown edge-file extension {suffixes[-1]!r}; "
            f"expected .csv, .tsv, .parquet or SNAP text (.txt, .edges), or pass «format»"
        )
    return fmt  # type: ignore[return-value]


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".gz" or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: not a readable gzip file ({exc})") from None
    return data


def _polars_message(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_delimited(path: Path, separator: str) -> pl.DataFrame:
    data = _read_bytes(path)
    if not data or data.isspace():
        raise InputError(f"{path}: the file is empty; expected a header and edge rows")
    try:
        df = pl.read_csv(io.BytesIO(data), separator=separator, infer_schema_length=10_000)
    except pl.exceptions.PolarsError:
        # Inference failed (e.g. a column of IDs that turns from numbers to text
        # far down the file): read every column as text; columns are typed later.
        try:
            df = pl.read_csv(io.BytesIO(data), separator=separator, infer_schema=False)
        except pl.exceptions.PolarsError as exc:
            raise InputError(
                f"{path}: not a valid {('CSV', 'TSV')[separator == chr(9)]} file: "
                f"{_polars_message(exc)}"
            ) from None
    return _drop_blank_rows(df)


def _drop_blank_rows(df: pl.DataFrame) -> pl.DataFrame:
    """Drop the all-empty rows polars makes of blank lines, keeping file line numbers
    (in a ``_line`` column) when there were any. O(rows)."""
    if df.width == 0 or df.height == 0:
        return df
    blank = df.select(pl.all_horizontal(pl.all().is_null()))[:, 0]
    if not blank.any():
        return df
    return df.with_row_index("_line", offset=2).filter(~blank)


def _snap_fast(data: bytes) -> pl.DataFrame | None:
    """The common case of SNAP text, parsed by polars' CSV reader: one separator
    (a single space or a tab) used consistently, no leading or trailing blanks, no
    blank or one-field lines. Returns None whenever that does not hold, and the
    line-by-line parser (which can name a bad line) takes over. ``#`` comments
    are allowed at the top (as in SNAP's own files), not further down."""
    start = 0
    while data.startswith(b"#", start):
        start = data.find(b"\n", start) + 1
        if start == 0:
            return None  # comments only
    data = data[start:]
    if b"#" in data:
        return None
    has_tab, has_space = b"\t" in data, b" " in data
    if has_tab == has_space:
        return None
    sep = b"\t" if has_tab else b" "
    if (
        data.startswith(sep)
        or sep + sep in data
        or b"\n" + sep in data
        or sep + b"\n" in data
        or sep + b"\r" in data
    ):
        return None
    try:
        df = pl.read_csv(
            io.BytesIO(data),
            separator=sep.decode(),
            has_header=False,
            infer_schema=False,
            quote_char=None,  # as the careful parser: a quote is part of an ID
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError:
        return None
    if df.width < 2:
        return None
    df = df.select(pl.col(df.columns[0]).alias("source"), pl.col(df.columns[1]).alias("target"))
    if df["source"].null_count() or df["target"].null_count():
        return None
    return df


def _read_snap(path: Path) -> pl.DataFrame:
    data = _read_bytes(path)
    fast = _snap_fast(data)
    if fast is not None:
        return fast
    text = data.decode("utf-8", errors="replace")
    lines = pl.Series("text", text.split("\n"), dtype=pl.String)
    df = (
        pl.DataFrame({"text": lines})
        .with_row_index("_line", offset=1)
        .with_columns(pl.col("text").str.strip_chars())
        .filter((pl.col("text") != "") & ~pl.col("text").str.starts_with("#"))
    )
    parts = df.select(
        "_line", pl.col("text").str.extract_groups(r"^(\S+)\s+(\S+)").alias("g")
    ).unnest("g")
    parts = parts.rename({parts.columns[1]: "source", parts.columns[2]: "target"})
    bad = parts.filter(pl.col("source").is_null())
    if bad.height:
        line = int(bad["_line"][0])
        raise InputError(f"{path}: line {line}: expected two whitespace-separated node IDs")
    return parts


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
) -> tuple[pl.DataFrame, str]:
    """Read an edge file into a table with columns ``source``, ``target`` (as in the
    file), and ``probability`` / ``weight`` when present.

    Returns the table and the format used. ``source_col``/``target_col`` name
    the endpoint columns; by default the first two columns are the endpoints.
    Values are validated; errors name the file, the line (or row) and column.
    """
    p = Path(path)
    fmt = format or detect_format(p)
    if fmt not in EDGE_FORMATS:
        raise InputError(
            f"{p}: unknown edge format {fmt!r}; expected one of {', '.join(EDGE_FORMATS)}"
        )
    if fmt == "parquet":
        try:
            raw = pl.read_parquet(p)
        except FileNotFoundError:
            raise InputError(f"{p}: no such file") from None
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise InputError(f"{p}: not a readable Parquet file: {_polars_message(exc)}") from None
    elif fmt == "snap":
        if source_col or target_col:
            raise InputError(
                "«source_col»/«target_col» do not apply to SNAP text, which has no header"
            )
        raw = _read_snap(p)
        source_col, target_col = "source", "target"
    else:
        raw = _read_delimited(p, "," if fmt == "csv" else "\t")
    return edge_table(raw, where=str(p), fmt=fmt, source_col=source_col, target_col=target_col), fmt


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
    if out["source"].dtype == pl.String and fmt == "snap":
        # SNAP files are numeric by convention; keep integers when every ID is one.
        s_int = out["source"].cast(pl.Int64, strict=False)
        t_int = out["target"].cast(pl.Int64, strict=False)
        if s_int.null_count() == 0 and t_int.null_count() == 0:
            out = {"source": s_int, "target": t_int}
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


def from_edges(
    src: NDArray[np.integer],
    dst: NDArray[np.integer],
    ids: pl.Series,
    *,
    probability: NDArray[np.floating] | None = None,
    weight: NDArray[np.floating] | None = None,
    path: str = "<arrays>",
) -> FollowerGraph:
    """Build a :class:`FollowerGraph` from dense edge arrays in influence direction.

    ``src[e] -> dst[e]`` are node indices into ``ids``. Self-loops are dropped;
    duplicate edges are merged, keeping the largest probability and weight
    (a duplicate row is the same follow recorded twice, not a second chance).
    O(m log m) time, O(n + m) memory.
    """
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
    key = src[keep] * n + dst[keep]
    if key.size == 0:
        raise InputError(f"{path}: the graph is empty: every edge is a self-loop")
    has_values = probability is not None or weight is not None
    order: NDArray[np.int64] | None = None
    if has_values:
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
        key = np.sort(key)
    first = np.ones(key.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    dups = int(key.size - starts.size)

    def merged(values: NDArray[np.floating] | None) -> NDArray[np.float32] | None:
        if values is None or order is None:
            return None
        v = np.asarray(values, dtype=np.float32)[keep][order]
        return v if dups == 0 else np.maximum.reduceat(v, starts).astype(np.float32)

    ukey = key[starts] if dups else key
    e_src = (ukey // n).astype(np.int32)
    e_dst = (ukey - e_src.astype(np.int64) * n).astype(np.int32)
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_src, minlength=n), out=out_ptr[1:])
    # Stable order by target (ties keep source order): sort (target, edge id)
    # packed into one int64, several times faster than a stable argsort.
    eid_bits = max(1, int(ukey.size - 1).bit_length())
    packed_in = (e_dst.astype(np.int64) << eid_bits) | np.arange(ukey.size, dtype=np.int64)
    packed_in.sort()
    in_order = packed_in & ((1 << eid_bits) - 1)
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_dst, minlength=n), out=in_ptr[1:])
    report = LoadReport(
        path=path,
        rows=rows,
        self_loops_dropped=loops,
        duplicates_merged=dups,
        nodes=n,
        edges=int(ukey.size),
    )
    return FollowerGraph(
        ids=ids.alias("id"),
        out_ptr=out_ptr,
        out_idx=e_dst,
        in_ptr=in_ptr,
        in_idx=e_src[in_order],
        in_eid=in_order.astype(np.int64),
        probability=merged(probability),
        weight=merged(weight),
        report=report,
    )


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
) -> FollowerGraph:
    """Load an edge file (CSV, TSV, Parquet or SNAP text, optionally ``.gz``).

    ``edge_meaning="follows"``: row ``a,b`` means a follows b (influence b -> a).
    ``edge_meaning="influences"``: row ``a,b`` means a's posts reach b.
    External IDs are kept (sorted) and mapped to dense indices ``0..n-1``.
    Optional columns ``probability`` (in [0, 1]) and ``weight`` (>= 0) ride along.
    O(m log m).
    """
    if edge_meaning not in ("follows", "influences"):
        raise InputError(
            f"unknown edge meaning {edge_meaning!r}; expected 'follows' or 'influences'"
        )
    table, _ = read_edge_table(path, format=format, source_col=source_col, target_col=target_col)
    return graph_from_table(table, edge_meaning=edge_meaning, where=str(path))


def graph_from_table(
    table: pl.DataFrame, *, edge_meaning: EdgeMeaning = "follows", where: str = "<table>"
) -> FollowerGraph:
    """A :class:`FollowerGraph` from a validated :func:`edge_table` (IDs kept, sorted, and
    mapped to dense indices). O(m log m)."""
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
    )


def read_id_list(path: str | Path, *, column: str = "id") -> list[object]:
    """Read node IDs from a file: a table (.csv/.tsv/.parquet/.json) with an ``id``
    column (else its first column), or plain text with one ID per line (``#`` comments).
    """
    from pipeline.export import read_table

    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    data = b"" if any(s in (".csv", ".tsv", ".json") for s in suffixes) else _read_bytes(p)
    parquet = data[:4] == b"PAR1"  # Parquet's magic number, whatever the file's name
    if parquet or any(s in (".csv", ".tsv", ".parquet", ".pq", ".json") for s in suffixes):
        if parquet:
            try:
                df = pl.read_parquet(io.BytesIO(data))
            except (pl.exceptions.PolarsError, OSError) as exc:
                raise InputError(f"{p}: cannot read the Parquet ID list: {exc}") from None
        else:
            df = read_table(p, "ID list")
        text_table = not parquet and not p.name.lower().endswith((".parquet", ".pq", ".json"))
        if text_table:
            df = _drop_blank_rows(df)
        if df.width == 0 or df.height == 0:
            raise InputError(f"{p}: no IDs; expected a column {column!r} with one ID per row")
        first = next(c for c in df.columns if c != "_line")
        s = df[column] if column in df.columns else df[first]
        if s.null_count():
            row = int(s.is_null().arg_true()[0])
            line = int(df["_line"][row]) if "_line" in df.columns else row + 2
            where = f"line {line}" if text_table else f"row {row + 1}"
            raise InputError(f"{p}: {where}: missing ID")
        return s.to_list()
    if b"\x00" in data[:65536]:
        raise InputError(
            f"{p}: a binary file; expected one ID per line, or a table "
            f"(.csv, .tsv, .parquet, .json) with an {column!r} column"
        )
    text = data.decode("utf-8", errors="replace")
    ids: list[object] = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    if not ids:
        raise InputError(f"{p}: no IDs; expected one ID per line")
    return ids
