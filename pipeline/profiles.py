"""Influencer profiles, tiers, brands and topic relevance.

Profiles are an optional node table joined to a :class:`FollowerGraph` on the
external ID. Columns (all but ``id`` optional):

- ``id``: the account's ID, as in the edge file.
- ``handle``: display name (default: the ID as text).
- ``followers``: the account's audience size on the platform (all its
  followers, real or not), a count (default: its in-graph follower count).
- ``engagement_rate``: engagements per follower per post, a fraction in [0, 1].
- ``cost``: currency units per sponsored post, >= 0.
- ``cpm``: currency units per 1,000 impressions, >= 0 (the account's rate
  card for impression-priced deals; unknown if absent).
- ``platform``: the account's platform (text, lower-cased), which picks the
  default CPM of a campaign's ``[valuation] default_cpm`` table.
- ``real_audience``: the share of the account's followers that are real (not
  bots or inactive), a fraction in [0, 1], as audience-quality tools
  estimate it (default 1: every follower counts). The simulations take it as
  the audience quality ``q_u`` (``simulate(..., quality=profiles.real_audience)``):
  each follow edge of u is real with probability ``q_u``.
- ``topics``: topic weights ``food:0.7;travel:0.3`` (a bare ``food`` weighs 1);
  weights are >= 0 and normalised to sum to 1.

Brands are a table with ``brand``, ``topics`` (same syntax) and ``budget``
(currency units, >= 0).

**Relevance** of influencer u to brand B is the *cosine* of their topic
vectors, ``rel(u, B) = sum_t w_ut w_Bt / (||w_u||_2 ||w_B||_2)``, in [0, 1]
because weights are non-negative; 0 for an account without topics. Cosine
(not the dot product) so that a focused account is not penalised against a
diffuse one for how its weights are spread, only for where they point.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.export import read_table
from pipeline.graph_io import FollowerGraph

__all__ = [
    "DEFAULT_MIN_RELEVANCE",
    "TIER_NAMES",
    "Brands",
    "Profiles",
    "TierThresholds",
    "brand_sender_factor",
    "check_fraction",
    "default_profiles",
    "fit_pool",
    "load_brands",
    "load_profiles",
    "parse_topics",
    "relevance",
]

TIER_NAMES: tuple[str, ...] = ("nano", "micro", "mid", "macro", "mega")


@dataclass(frozen=True)
class TierThresholds:
    """Lower bounds (followers, inclusive) of the micro, mid, macro and mega tiers.

    Defaults: nano < 10k <= micro < 100k <= mid < 500k <= macro < 1M <= mega.
    """

    micro: int = 10_000
    mid: int = 100_000
    macro: int = 500_000
    mega: int = 1_000_000

    def __post_init__(self) -> None:
        b = self.bounds
        if b[0] <= 0 or any(x >= y for x, y in itertools.pairwise(b)):
            raise InputError(
                f"tier thresholds must be positive and increasing (micro < mid < macro < mega); "
                f"got {', '.join(f'{x:,}' for x in b)}"
            )

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        return (self.micro, self.mid, self.macro, self.mega)

    @classmethod
    def parse(cls, text: str) -> TierThresholds:
        """From ``"10000,100000,500000,1000000"`` (micro, mid, macro, mega lower bounds)."""
        parts = [p.strip().replace("_", "") for p in text.split(",")]
        try:
            values = [int(float(p)) for p in parts]
        except ValueError:
            raise InputError(
                f"tier thresholds {text!r}: expected four integers micro,mid,macro,mega"
            ) from None
        if len(values) != 4:
            raise InputError(
                f"tier thresholds {text!r}: expected four integers micro,mid,macro,mega"
            )
        return cls(*values)

    def expr(self, followers: pl.Expr) -> pl.Expr:
        """A polars expression giving the tier name (Enum) of a follower count."""
        b = self.bounds
        return (
            pl.when(followers.is_null())
            .then(None)
            .when(followers < b[0])
            .then(pl.lit("nano"))
            .when(followers < b[1])
            .then(pl.lit("micro"))
            .when(followers < b[2])
            .then(pl.lit("mid"))
            .when(followers < b[3])
            .then(pl.lit("macro"))
            .otherwise(pl.lit("mega"))
            .cast(pl.Enum(TIER_NAMES))
        )

    def assign(self, followers: Sequence[float] | NDArray[np.number]) -> list[str]:
        """Tier names of follower counts (``nano`` ... ``mega``)."""
        s = pl.Series("f", np.asarray(followers))
        return pl.select(self.expr(pl.lit(s))).to_series().cast(pl.String).to_list()


def _line(row: int, path: str) -> str:
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
            f"{path}: {_line(r['_row'], path)}, column {column!r}: cannot parse topic entry "
            f"{r['raw']!r}; expected topic:weight pairs like 'food:0.7;travel:0.3' "
            f"with non-negative weights"
        )
    long = long.group_by("key", "_row", "topic", maintain_order=True).agg(pl.col("weight").sum())
    long = long.with_columns(pl.col("weight").sum().over("_row").alias("_total"))
    zero = long.filter(pl.col("_total") <= 0)
    if zero.height:
        row = int(zero["_row"][0])
        raise InputError(f"{path}: {_line(row, path)}, column {column!r}: topic weights sum to 0")
    return long.select("key", "topic", (pl.col("weight") / pl.col("_total")).alias("weight")).sort(
        "key", "topic"
    )


def _numeric(
    df: pl.DataFrame, col: str, path: str, lo: float, hi: float | None, integer: bool = False
) -> pl.Series:
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
            f"{path}: {_line(row, path)}, column {col!r}: expected {expect}, got {s[row]!r}"
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
) -> Profiles:
    """Read a profile table (CSV, TSV, Parquet or JSON) and join it to ``graph`` on ID.

    Rows whose ID is not in the graph are counted in ``unmatched`` and ignored.
    Duplicate IDs, bad numbers (e.g. ``cpm`` < 0, ``real_audience`` outside
    [0, 1]) and unparsable topics raise :class:`InputError` naming the file,
    line and column. O(n + rows).
    """
    p = str(path)
    raw = read_table(path, "profiles")
    if id_col not in raw.columns:
        raise InputError(
            f"{p}: no {id_col!r} column; the columns are {', '.join(map(repr, raw.columns))} "
            f"(profiles need an ID column matching the edge file)"
        )
    ids = raw[id_col]
    if ids.null_count():
        row = int(ids.is_null().arg_true()[0])
        raise InputError(f"{p}: {_line(row, p)}, column {id_col!r}: missing ID")
    if ids.dtype != graph.ids.dtype:
        cast = ids.cast(graph.ids.dtype, strict=False)
        if graph.ids.dtype == pl.String or cast.null_count() == 0:
            ids = cast
        else:
            row = int(cast.is_null().arg_true()[0])
            raise InputError(
                f"{p}: {_line(row, p)}, column {id_col!r}: the graph's IDs are integers, "
                f"got {raw[id_col][row]!r}"
            )
    dup = ~ids.is_first_distinct()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise InputError(f"{p}: {_line(row, p)}, column {id_col!r}: duplicate ID {ids[row]!r}")
    cols: dict[str, pl.Series] = {"id": ids}
    if "handle" in raw.columns:
        cols["handle"] = raw["handle"].cast(pl.String)
    if "followers" in raw.columns:
        cols["followers"] = _numeric(raw, "followers", p, 0, None, integer=True).cast(pl.Int64)
    if "engagement_rate" in raw.columns:
        cols["engagement_rate"] = _numeric(raw, "engagement_rate", p, 0.0, 1.0)
    if "cost" in raw.columns:
        cols["cost"] = _numeric(raw, "cost", p, 0.0, None)
    if "cpm" in raw.columns:
        cols["cpm"] = _numeric(raw, "cpm", p, 0.0, None)
    if "platform" in raw.columns:
        cols["platform"] = raw["platform"].cast(pl.String).str.strip_chars().str.to_lowercase()
    if "real_audience" in raw.columns:
        cols["real_audience"] = _numeric(raw, "real_audience", p, 0.0, 1.0)
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


@dataclass(frozen=True, eq=False)
class Brands:
    """Brands: ``table`` (brand, budget, topics text) and long ``topics`` (brand, topic, weight)."""

    table: pl.DataFrame
    topics: pl.DataFrame
    path: str

    @property
    def names(self) -> list[str]:
        return self.table["brand"].to_list()

    def check(self, brand: str) -> str:
        """Return ``brand`` if known, else raise InputError listing the brands."""
        if brand not in self.names:
            raise InputError(
                f"unknown brand {brand!r} in {self.path}; the brands are "
                f"{', '.join(map(repr, self.names))}"
            )
        return brand

    def budget(self, brand: str) -> float:
        self.check(brand)
        return float(self.table.filter(pl.col("brand") == brand)["budget"][0])


def load_brands(path: str | Path) -> Brands:
    """Read a brands table: ``brand`` (unique), ``topics``, ``budget`` (currency units >= 0)."""
    p = str(path)
    raw = read_table(path, "brands")
    missing = [c for c in ("brand", "topics", "budget") if c not in raw.columns]
    if missing:
        raise InputError(
            f"{p}: missing column(s) {', '.join(map(repr, missing))}; a brands table needs "
            f"brand, topics, budget (found {', '.join(map(repr, raw.columns))})"
        )
    if raw.height == 0:
        raise InputError(f"{p}: no brands; expected at least one row")
    names = raw["brand"].cast(pl.String)
    if names.null_count():
        row = int(names.is_null().arg_true()[0])
        raise InputError(f"{p}: {_line(row, p)}, column 'brand': missing brand name")
    dup = ~names.is_first_distinct()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise InputError(f"{p}: {_line(row, p)}, column 'brand': duplicate brand {names[row]!r}")
    budget = _numeric(raw, "budget", p, 0.0, None)
    if budget.null_count():
        row = int(budget.is_null().arg_true()[0])
        raise InputError(f"{p}: {_line(row, p)}, column 'budget': missing budget")
    topics = parse_topics(raw["topics"], names, path=p)
    no_topics = names.filter(~names.is_in(topics["key"].unique().implode()))
    if no_topics.len():
        row = int(names.index_of(no_topics[0]) or 0)
        raise InputError(
            f"{p}: {_line(row, p)}, column 'topics': brand {no_topics[0]!r} has no topics"
        )
    table = pl.DataFrame(
        {"brand": names, "budget": budget, "topics": raw["topics"].cast(pl.String)}
    )
    return Brands(table=table, topics=topics.rename({"key": "brand"}), path=p)


def relevance(profiles: Profiles, brands: Brands, brand: str) -> NDArray[np.float64]:
    """Cosine topic relevance of every node to ``brand`` (float64, length n, in [0, 1]).

    0 for nodes without topics. O(topic entries) the first time for a brand, then O(1)
    (read-only array).
    """
    brands.check(brand)
    return profiles.memo(("relevance", brand), brands, lambda: _relevance(profiles, brands, brand))


def _relevance(profiles: Profiles, brands: Brands, brand: str) -> NDArray[np.float64]:
    b = brands.topics.filter(pl.col("brand") == brand).select("topic", pl.col("weight").alias("wb"))
    b_norm = float(np.sqrt(float((b["wb"] ** 2).sum())))
    t = profiles.topics
    norms = t.group_by("node").agg((pl.col("weight") ** 2).sum().sqrt().alias("norm"))
    dots = (
        t.join(b, on="topic", how="inner")
        .group_by("node")
        .agg((pl.col("weight") * pl.col("wb")).sum().alias("dot"))
        .join(norms, on="node")
    )
    out = np.zeros(profiles.n, dtype=np.float64)
    if dots.height and b_norm > 0:
        idx = dots["node"].to_numpy()
        out[idx] = dots["dot"].to_numpy() / (dots["norm"].to_numpy() * b_norm)
    return np.clip(out, 0.0, 1.0)


def brand_sender_factor(
    profiles: Profiles, brands: Brands, brand: str, *, beta: float = 0.1
) -> NDArray[np.float32]:
    """Per-node factor scaling a sender's probabilities (or LT weights) for ``brand``.

    ``f_u = (e_u / median(e)) * (beta + r_u) / (beta + mean(r))`` where ``e`` is the
    engagement rate, ``r`` the cosine relevance to the brand, and the median and
    mean run over profiled nodes. A node without a profile gets ``f_u = 1``; a
    profiled node without an engagement rate gets 1 for that part. ``beta``
    (default 0.1) keeps an off-topic sender from being silenced entirely.
    The cascade then uses ``min(1, p(u, v) * f_u)``. O(n) the first time for a brand
    and beta, then O(1) (read-only array).
    """
    if beta <= 0:
        raise InputError(f"beta must be > 0, got {beta}")
    return profiles.memo(
        ("factor", brand, float(beta)), brands,
        lambda: _sender_factor(profiles, brands, brand, beta),
    )  # fmt: skip


def _sender_factor(
    profiles: Profiles, brands: Brands, brand: str, beta: float
) -> NDArray[np.float32]:
    has = profiles.has_profile
    rel = relevance(profiles, brands, brand)
    er = profiles.table["engagement_rate"].to_numpy().astype(np.float64)
    factor = np.ones(profiles.n, dtype=np.float64)
    known_er = has & np.isfinite(er)
    if known_er.any():
        med = float(np.median(er[known_er]))
        if med > 0:
            factor[known_er] = er[known_er] / med
    if has.any():
        mean_r = float(rel[has].mean())
        factor[has] *= (beta + rel[has]) / (beta + mean_r)
    return factor.astype(np.float32)


#: Default brand-fit threshold: accounts below this cosine relevance are not candidates.
DEFAULT_MIN_RELEVANCE = 0.3
_STEPS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def check_fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InputError(f"{name} must be a number in [0, 1], got {value!r}")
    if not (math.isfinite(float(value)) and 0.0 <= float(value) <= 1.0):
        raise InputError(f"{name} must be in [0, 1], got {value}")
    return float(value)


def fit_pool(
    profiles: Profiles, brands: Brands, brand: str, min_relevance: float
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """(relevance of every node to ``brand``, mask of profiled nodes at or above
    ``min_relevance``): the brand-fit pool every strategy chooses from. O(n).

    Raises InputError naming the brand when no profiled account shares a topic
    with it, or when the threshold leaves no account (with the counts above
    0.1, 0.2, ... so the user can pick a threshold).
    """
    thr = check_fraction("min_relevance", min_relevance)
    rel = relevance(profiles, brands, brand)
    has = profiles.has_profile
    if not (rel[has] > 0).any():
        topics = brands.table.filter(pl.col("brand") == brand)["topics"][0]
        raise InputError(
            f"brand {brand!r} matches no topic of any profiled account (its topics: {topics}); "
            "check the topic names in the brands and profiles tables"
        )
    pool = has & (rel >= thr)
    if not pool.any():
        counts = ", ".join(f"{int((has & (rel >= t)).sum()):,} at >= {t:g}" for t in _STEPS)
        raise InputError(
            f"min_relevance {thr:g} leaves no candidate for brand {brand!r}: "
            f"{counts} (best {rel[has].max():.3f})"
        )
    return rel, pool
