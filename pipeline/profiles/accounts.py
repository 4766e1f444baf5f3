"""Influencer profiles: the optional node table joined to a follower graph on the account
ID, checked column by column (errors name the file, line and column), and topic parsing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.columns import COLUMN_NAMES, apply_columns, check_columns
from pipeline.errors import InputError
from pipeline.export import read_table
from pipeline.graph_io import FollowerGraph
from pipeline.profiles.tiers import TierThresholds

if TYPE_CHECKING:
    from pipeline.profiles.brands import Brands

__all__ = ["Profiles", "default_profiles", "load_profiles", "parse_topics"]


def row_text(row: int, path: str) -> str:
    """Where table row ``row`` (0-based) is, in the words its file uses: row or line."""
    return f"row {row + 1}" if path.endswith((".parquet", ".pq", ".json")) else f"line {row + 2}"


def parse_topics(
    topics: pl.Series, key: pl.Series, *, path: str = "<table>", column: str = "topics"
) -> pl.DataFrame:
    """Parse ``topic:weight;topic:weight`` strings into a long table (key, topic, weight).

    Weights are normalised to sum to 1 per row; a bare ``topic`` weighs 1;
    empty or null cells give no rows. Errors name the line and the bad entry.
    Vectorised: O(total entries).
    """
    df = pl.DataFrame({"key": key, "_row": np.arange(key.len()), "raw": topics.cast(pl.String)})
    long = (
        df.filter(pl.col("raw").is_not_null())
        .with_columns(pl.col("raw").str.split(";"))
        .explode("raw")
        .with_columns(pl.col("raw").str.strip_chars())
        .filter(pl.col("raw") != "")
        .with_columns(pl.col("raw").str.split_exact(":", 1).alias("kv"))
        .unnest("kv")
    )
    long = long.rename({long.columns[-2]: "topic", long.columns[-1]: "w_raw"}).with_columns(
        pl.col("topic").str.strip_chars().str.to_lowercase(),
        pl.col("w_raw").str.strip_chars(),
    )
    long = long.with_columns(
        pl.when(pl.col("w_raw").is_null())
        .then(pl.lit(1.0))
        .otherwise(pl.col("w_raw").cast(pl.Float64, strict=False))
        .alias("weight")
    )
    bad = long.filter(
        (pl.col("topic") == "")
        | pl.col("weight").is_null()
        | ~pl.col("weight").is_finite()
        | (pl.col("weight") < 0)
    )
    if bad.height:
        r = bad.row(0, named=True)
        raise InputError(
            f"{path}: {row_text(r['_row'], path)}, column {column!r}: cannot parse topic entry "
            f"{r['raw']!r}; expected topic:weight pairs like 'food:0.7;travel:0.3' "
            f"with non-negative weights"
        )
    long = long.group_by("key", "_row", "topic", maintain_order=True).agg(pl.col("weight").sum())
    long = long.with_columns(pl.col("weight").sum().over("_row").alias("_total"))
    zero = long.filter(pl.col("_total") <= 0)
    if zero.height:
        row = int(zero["_row"][0])
        raise InputError(
            f"{path}: {row_text(row, path)}, column {column!r}: topic weights sum to 0"
        )
    return long.select("key", "topic", (pl.col("weight") / pl.col("_total")).alias("weight")).sort(
        "key", "topic"
    )


def numeric_column(
    df: pl.DataFrame, col: str, path: str, lo: float, hi: float | None, integer: bool = False
) -> pl.Series:
    """Column ``col`` checked as numbers in ``[lo, hi]`` (integers with ``integer``);
    an error names the file, the line and the column."""
    s = df[col]
    expect = f"{'an integer' if integer else 'a number'} " + (
        f"in [{lo:g}, {hi:g}]" if hi is not None else f">= {lo:g}"
    )
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
        raise InputError(
            f"{path}: {row_text(row, path)}, column {col!r}: expected {expect}, got {s[row]!r}"
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
    """

    table: pl.DataFrame
    topics: pl.DataFrame
    thresholds: TierThresholds
    path: str
    unmatched: int
    given: tuple[str, ...] = ()  # the columns the profile file had
    # per-brand arrays computed once (relevance, sender factor): brand -> (brands, array)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return self.table.height

    def memo(self, key: Any, brands: Brands, compute: Callable[[], NDArray[Any]]) -> NDArray[Any]:
        """``compute()`` for ``key`` and ``brands``, computed once and kept read-only
        (cheap to share between strategies, cells and threads)."""
        hit = self._memo.get(key)
        if hit is not None and hit[0] is brands:
            return hit[1]
        arr = compute()
        arr.setflags(write=False)
        self._memo[key] = (brands, arr)
        return arr

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
    """Read a profile table (CSV, TSV, Parquet or JSON) and join it to ``graph`` on ID.

    Rows whose ID is not in the graph are counted in ``unmatched`` and ignored.
    Duplicate IDs, bad numbers (e.g. ``cpm`` < 0, ``real_audience`` outside
    [0, 1]) and unparsable topics raise :class:`InputError` naming the file,
    line and column. ``columns`` maps the canonical names (id, handle, followers,
    engagement_rate, cost, cpm, platform, real_audience, topics; see
    :mod:`pipeline.columns`) to the file's columns. O(n + rows).
    """
    p = str(path)
    raw = read_table(path, "profiles")
    if columns:
        mapping = check_columns(columns, COLUMN_NAMES["profiles"], "«columns»")
        raw = apply_columns(raw, mapping, where=p)
    if id_col not in raw.columns:
        raise InputError(
            f"{p}: no {id_col!r} column; the columns are {', '.join(map(repr, raw.columns))} "
            f"(profiles need an ID column matching the edge file)"
        )
    ids = raw[id_col]
    if ids.null_count():
        row = int(ids.is_null().arg_true()[0])
        raise InputError(f"{p}: {row_text(row, p)}, column {id_col!r}: missing ID")
    if ids.dtype != graph.ids.dtype:
        cast = ids.cast(graph.ids.dtype, strict=False)
        if graph.ids.dtype == pl.String or cast.null_count() == 0:
            ids = cast
        else:
            row = int(cast.is_null().arg_true()[0])
            raise InputError(
                f"{p}: {row_text(row, p)}, column {id_col!r}: the graph's IDs are integers, "
                f"got {raw[id_col][row]!r}"
            )
    dup = ~ids.is_first_distinct()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise InputError(f"{p}: {row_text(row, p)}, column {id_col!r}: duplicate ID {ids[row]!r}")
    cols: dict[str, pl.Series] = {"id": ids}
    if "handle" in raw.columns:
        cols["handle"] = raw["handle"].cast(pl.String)
    if "followers" in raw.columns:
        cols["followers"] = numeric_column(raw, "followers", p, 0, None, integer=True).cast(
            pl.Int64
        )
    if "engagement_rate" in raw.columns:
        cols["engagement_rate"] = numeric_column(raw, "engagement_rate", p, 0.0, 1.0)
    if "cost" in raw.columns:
        cols["cost"] = numeric_column(raw, "cost", p, 0.0, None)
    if "cpm" in raw.columns:
        cols["cpm"] = numeric_column(raw, "cpm", p, 0.0, None)
    if "platform" in raw.columns:
        cols["platform"] = raw["platform"].cast(pl.String).str.strip_chars().str.to_lowercase()
    if "real_audience" in raw.columns:
        cols["real_audience"] = numeric_column(raw, "real_audience", p, 0.0, 1.0)
    prof = pl.DataFrame(cols)
    topics = None
    if "topics" in raw.columns:
        topics = parse_topics(raw["topics"], ids, path=p)
    return _assemble(graph, prof, topics, thresholds or TierThresholds(), p)


def _assemble(
    graph: FollowerGraph,
    prof: pl.DataFrame | None,
    topics: pl.DataFrame | None,
    thresholds: TierThresholds,
    path: str,
) -> Profiles:
    nodes = graph.nodes.select("node", "id", "followers_in_graph")
    unmatched = 0
    if prof is None:
        table = nodes.with_columns(pl.lit(False).alias("has_profile"))
    else:
        matched = prof.join(nodes.select("id"), on="id", how="semi")
        unmatched = prof.height - matched.height
        table = nodes.join(
            matched.with_columns(pl.lit(True).alias("has_profile")),
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
    )
