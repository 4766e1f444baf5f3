"""Influencer profiles: the optional node table joined to a follower graph on the account
ID, checked column by column (errors name the file, line and column).

The file is read by :func:`pipeline.graph_io.text.read_table_file` (encoding, ``;``
separator, whitespace, unique header names) and needs a header row. IDs follow the
shared rule (:func:`pipeline.graph_io.text.typed_ids`: ``007`` is text, not 7). What
was read is said in :attr:`Profiles.notes`: how the file was decoded, which expected
columns are absent (with what each is for), which columns are not used, and how many
rows name accounts not in the graph. Topic cells are parsed by
:mod:`pipeline.profiles.topics`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.columns import COLUMN_NAMES, apply_columns, check_columns
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.graph_io.text import (
    INT_ID,
    decimal_commas,
    decimal_row,
    read_table_file,
    typed_ids,
)
from pipeline.profiles.table_notes import (
    PROFILE_COLUMNS,
    PROFILE_MAPPING,
    check_header_row,
    column_notes,
    guess_column,
)
from pipeline.profiles.tiers import TierThresholds
from pipeline.profiles.topics import parse_topics, where_row

if TYPE_CHECKING:
    from pipeline.profiles.brands import Brands

__all__ = [
    "Profiles",
    "default_profiles",
    "load_profiles",
    "numeric_column",
    "parse_topics",
    "row_text",
]

_T = TypeVar("_T")


def row_text(row: int, path: str) -> str:
    """Where table row ``row`` (0-based) is, in the words its file uses: row or line
    (header on line 1); see :func:`pipeline.profiles.topics.where_row`."""
    return where_row(row, path)


def numeric_column(
    df: pl.DataFrame, col: str, path: str, lo: float, hi: float | None, integer: bool = False
) -> pl.Series:
    """Column ``col`` checked as numbers in ``[lo, hi]`` (integers with ``integer``, at
    most 10^15: exact as floats and as int64); an error names the file, the line (from
    ``_line`` when ``df`` has it) and the column."""
    s = df[col]
    lines = df["_line"] if "_line" in df.columns else None
    expect = f"{'an integer' if integer else 'a number'} " + (
        f"in [{lo:g}, {hi:g}]" if hi is not None else f">= {lo:g}"
    )
    hi = 1e15 if integer and hi is None else hi
    cast = s.cast(pl.Float64, strict=False)
    bad = (cast.is_null() & s.is_not_null()) | (cast.is_not_null() & ~cast.is_finite())
    bad = bad | (cast < lo)
    if hi is not None:
        bad = bad | (cast > hi)
    if integer:
        bad = bad | (cast.is_not_null() & (cast != cast.floor()))
    bad = bad.fill_null(False)
    if bad.any():
        row = int(bad.arg_true()[0])
        got = f"{cast[row]:g}" if cast[row] is not None else repr(s[row])  # a number as such
        raise InputError(
            f"{path}: {where_row(row, path, lines)}, column {col!r}: expected {expect}, got {got}"
        )
    return cast


@dataclass(frozen=True, eq=False)
class Profiles:
    """Profiles of every node of a graph (one row per node, in node order).

    ``table`` columns: ``node``, ``id``, ``handle``, ``followers`` (audience
    on the platform, a count), ``followers_in_graph``, ``engagement_rate``
    (fraction, null if unknown), ``cost`` (currency units per post, null if
    unknown), ``cpm`` (Float64, currency units per 1,000 impressions, null if
    unknown), ``platform`` (lower-case text or null), ``real_audience``
    (Float64 share of real followers in [0, 1]; 1.0 where unknown, i.e. for
    nodes without a profile, without the column or with an empty cell),
    ``has_profile``, ``tier``.
    ``topics`` is the long table (node, topic, weight), weights summing to 1.
    ``given`` names the columns the file had (empty without a file).
    ``unmatched`` counts the file's rows whose ID is not in the graph (ignored);
    ``notes`` says in one line each what the load did that a user should know
    (decoding, separator, stripped spaces, absent and unused columns, unmatched rows),
    for a command to print.
    """

    table: pl.DataFrame
    topics: pl.DataFrame
    thresholds: TierThresholds
    path: str
    unmatched: int
    given: tuple[str, ...] = ()  # the columns the profile file had
    notes: tuple[str, ...] = ()
    # what is computed once per brand (relevance, sender factor, the brand views of
    # :mod:`pipeline.profiles.brand_view`): key -> (brands, value)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return self.table.height

    def memo(self, key: Any, brands: Brands | None, compute: Callable[[], _T]) -> _T:
        """``compute()`` for ``key`` and ``brands`` (None: not brand-specific), computed
        once and kept (an array read-only: cheap to share between strategies, cells and
        threads). The one brand-array cache."""
        hit = self._memo.get(key)
        if hit is not None and hit[0] is brands:
            return cast(_T, hit[1])
        value = compute()
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
        self._memo[key] = (brands, value)
        return value

    @property
    def has_profile(self) -> NDArray[np.bool_]:
        return self.table["has_profile"].to_numpy()

    @property
    def real_audience(self) -> NDArray[np.float64]:
        """Share of each node's followers that are real (float64, length n, 1.0 if unknown).

        The audience quality ``q`` taken by :func:`pipeline.diffusion.simulate`.
        """
        return self.table["real_audience"].fill_null(1.0).to_numpy().astype(np.float64)

    @property
    def cpm(self) -> NDArray[np.float64]:
        """Currency units per 1,000 impressions per node (float64, length n, NaN if unknown)."""
        return self.table["cpm"].cast(pl.Float64).fill_null(np.nan).to_numpy()


def default_profiles(graph: FollowerGraph, thresholds: TierThresholds | None = None) -> Profiles:
    """Profiles with no file: followers = in-graph follower count, real audience 1.0,
    nothing else known (engagement rate, cost and CPM null)."""
    return _assemble(graph, None, None, thresholds or TierThresholds(), "<graph>")


def load_profiles(
    path: str | Path,
    graph: FollowerGraph,
    *,
    thresholds: TierThresholds | None = None,
    id_col: str = "id",
    columns: Mapping[str, str] | None = None,
) -> Profiles:
    """Read a profile table (CSV, TSV, Parquet or JSON, with a header row) and join it to
    ``graph`` on ID.

    Rows whose ID is not in the graph are counted in ``unmatched``, named in ``notes``
    and ignored. Duplicate IDs,
    bad numbers (e.g. ``cpm`` < 0, ``real_audience`` outside [0, 1]) and unparsable
    topics raise :class:`InputError` naming the file, line and column. ``columns`` maps
    the canonical names (id, handle, followers, engagement_rate, cost, cpm, platform,
    real_audience, topics; see :mod:`pipeline.columns`) to the file's columns;
    ``id_col`` is the same as ``columns={"id": id_col}``. O(n + rows).
    """
    p = str(path)
    mapping = check_columns(columns, COLUMN_NAMES["profiles"], PROFILE_MAPPING) if columns else {}
    if id_col != "id" and "id" not in mapping:
        mapping["id"] = id_col
    read = read_table_file(path, "profiles")
    check_header_row(p, read, [*PROFILE_COLUMNS, *mapping.values()], "profiles")
    raw = (
        apply_columns(read.table, mapping, where=p, flag=PROFILE_MAPPING) if mapping else read.table
    )
    notes = [f"{p}: {n}" for n in read.notes]
    if "id" not in raw.columns:
        have = [c for c in raw.columns if c != "_line"]
        guess = next((c for c in have if guess_column(c, ["id"])), have[0] if have else "...")
        raise InputError(
            f"{p}: no 'id' column; the columns are {', '.join(map(repr, have))} (profiles "
            f"need an ID column matching the edge file: name it with {PROFILE_MAPPING}, e.g. "
            f"id={guess})"
        )
    if read.separator == ";":
        numeric = ["followers", "engagement_rate", "cost", "cpm", "real_audience"]
        raw, changed = decimal_commas(raw, [c for c in numeric if c in raw.columns])
        if changed:
            notes.append(f"{p}: decimal commas read as points in {', '.join(map(repr, changed))}")
    notes += column_notes(p, raw.columns, PROFILE_COLUMNS, ("id",))
    lines = raw["_line"]
    ids, key, id_note = _profile_ids(raw["id"], graph, p, lines)
    if id_note:
        notes.append(f"{p}: {id_note}")
    cols: dict[str, pl.Series] = {"id": key}
    if "handle" in raw.columns:
        cols["handle"] = raw["handle"].cast(pl.String)
    if "followers" in raw.columns:
        cols["followers"] = numeric_column(raw, "followers", p, 0, None, integer=True).cast(
            pl.Int64
        )
    for name, hi in (("engagement_rate", 1.0), ("cost", None), ("cpm", None)):
        if name in raw.columns:
            cols[name] = numeric_column(raw, name, p, 0.0, hi)
    if "platform" in raw.columns:
        cols["platform"] = raw["platform"].cast(pl.String).str.to_lowercase()
    if "real_audience" in raw.columns:
        cols["real_audience"] = numeric_column(raw, "real_audience", p, 0.0, 1.0)
    topics = None
    if "topics" in raw.columns:
        topics = parse_topics(
            raw["topics"], key, path=p, lines=lines, decimal_comma=read.separator == ";"
        ).filter(pl.col("key").is_not_null())
    prof = pl.DataFrame(cols)
    matched = key.is_not_null() & key.is_in(graph.ids.implode())
    unmatched = int((~matched).sum())
    if unmatched and unmatched == raw.height:
        notes.append(
            f"{p}: none of the {raw.height:,} profile rows names an account of the graph "
            f"{graph.report.path} (profile IDs such as {_examples(ids, ~matched)}; graph IDs "
            f"such as {_examples(graph.ids, None)}); is 'id' the right column?"
        )
    elif unmatched:
        notes.append(
            f"{p}: {unmatched:,} of {raw.height:,} profile rows name accounts not in the "
            f"graph, e.g. {_examples(ids, ~matched)}; they are ignored"
        )
    return _assemble(
        graph, prof.filter(matched), topics, thresholds or TierThresholds(), p,
        unmatched=unmatched, notes=tuple(notes),
    )  # fmt: skip


def _examples(values: pl.Series, mask: pl.Series | None, k: int = 3) -> str:
    shown = (values if mask is None else values.filter(mask)).head(k).to_list()
    return ", ".join(map(repr, shown))


def _profile_ids(
    s: pl.Series, graph: FollowerGraph, path: str, lines: pl.Series
) -> tuple[pl.Series, pl.Series, str]:
    """The profile IDs as written (typed by the shared rule), each one's key in the
    graph's ID type (missing when it cannot be a graph ID: ``007`` in an integer graph),
    and the typing note. Missing, decimal and duplicate IDs are refused. O(rows)."""
    if s.null_count():
        row = int(s.is_null().arg_true()[0])
        raise InputError(f"{path}: {where_row(row, path, lines)}, column 'id': missing ID")
    drow = 0 if s.dtype.is_float() else decimal_row(s)
    if drow is not None:
        raise InputError(
            f"{path}: {where_row(drow, path, lines)}, column 'id': {s[drow]!r}: the column "
            f"holds decimal numbers; IDs must be integers or text"
        )
    (ids,), note = typed_ids(s)
    dup = ~ids.is_first_distinct()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise InputError(
            f"{path}: {where_row(row, path, lines)}, column 'id': duplicate ID {ids[row]!r}"
        )
    if graph.ids.dtype == pl.String:
        key = ids.cast(pl.String)
    elif ids.dtype == pl.String:  # text IDs in an integer graph: only plain integers match
        key = pl.select(
            pl.when(pl.lit(ids).str.contains(INT_ID)).then(pl.lit(ids).cast(pl.Int64, strict=False))
        ).to_series()
    else:
        key = ids
    return ids, key.cast(graph.ids.dtype, strict=False).alias("id"), note


def _assemble(
    graph: FollowerGraph,
    prof: pl.DataFrame | None,
    topics: pl.DataFrame | None,
    thresholds: TierThresholds,
    path: str,
    *,
    unmatched: int = 0,
    notes: tuple[str, ...] = (),
) -> Profiles:
    """The :class:`Profiles` of ``graph`` from the matched profile rows ``prof`` (None:
    no file) and their long topics table. O(n + rows)."""
    nodes = graph.nodes.select("node", "id", "followers_in_graph")
    if prof is None:
        table = nodes.with_columns(pl.lit(False).alias("has_profile"))
    else:
        table = nodes.join(
            prof.with_columns(pl.lit(True).alias("has_profile")),
            on="id",
            how="left",
            maintain_order="left",
        ).with_columns(pl.col("has_profile").fill_null(False))
    for col, dtype in (
        ("handle", pl.String),
        ("followers", pl.Int64),
        ("engagement_rate", pl.Float64),
        ("cost", pl.Float64),
        ("cpm", pl.Float64),
        ("platform", pl.String),
        ("real_audience", pl.Float64),
    ):
        if col not in table.columns:
            table = table.with_columns(pl.lit(None, dtype=dtype).alias(col))
    table = table.with_columns(
        pl.col("handle").fill_null(pl.col("id").cast(pl.String)),
        # whether the platform follower count was given (else the in-graph count, shown
        # as followers; the projection scales such rows by their tier's sample ratio)
        pl.col("followers").is_not_null().alias("followers_given"),
        pl.col("followers").fill_null(pl.col("followers_in_graph")).cast(pl.Int64),
        pl.col("real_audience").cast(pl.Float64).fill_null(1.0),
    )
    table = table.with_columns(thresholds.expr(pl.col("followers")).alias("tier")).select(
        "node",
        "id",
        "handle",
        "followers",
        "followers_in_graph",
        "engagement_rate",
        "cost",
        "cpm",
        "platform",
        "real_audience",
        "has_profile",
        "tier",
        "followers_given",
    )
    if topics is None:
        long = pl.DataFrame(
            {"node": [], "topic": [], "weight": []},
            schema={"node": pl.Int32, "topic": pl.String, "weight": pl.Float64},
        )
    else:
        long = (
            topics.rename({"key": "id"})
            .join(nodes.select("id", "node"), on="id", how="inner")
            .select("node", "topic", "weight")
            .sort("node", "topic")
        )
    given = () if prof is None else (*prof.columns, *(("topics",) if topics is not None else ()))
    return Profiles(
        table=table,
        topics=long,
        thresholds=thresholds,
        path=path,
        unmatched=unmatched,
        given=tuple(given),
        notes=notes,
    )
