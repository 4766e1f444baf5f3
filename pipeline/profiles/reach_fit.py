"""Reach rates learned from a posts table: the share of a creator's followers who see a post.

A posts table (CSV, TSV, Parquet or JSON) has one row per post: ``account`` (the
creator's ID, as in the graph and the profiles) and ``impressions`` (required);
``followers`` (the creator's followers when posting) and ``time`` (accepted, not used:
posts are pooled over time) are optional. Per post, ``ratio = impressions / followers``,
with the post's own ``followers`` when given, else the profile's. Its platform and tier
are the profile's (a post whose account has no profile has no platform and the tier of
its own followers). Posts with neither a followers value nor a profile, or with 0
followers, are skipped and counted.

Per cell (platform x tier, tier over every platform, platform over every tier) the
estimate is the **median** ratio (robust to a viral post) with a distribution-free 90%
interval from the order statistics: ``[x(l), x(n - l + 1)]``, ``l`` the largest rank
with ``P(B <= l - 1) <= 0.05`` for ``B ~ Binomial(n, 1/2)``, the number of posts below
the true median; it covers the median with probability at least 90% whatever the
distribution of the ratios (exact, deterministic; none below 5 posts).

The fitted :class:`~pipeline.profiles.audience.ReachRates` holds the platform x tier
cells and the tiers with at least ``min_posts`` posts; lookups fall back as ReachRates
does (platform x tier, tier, then the published defaults). Platform-wide medians are
reported but not written: they pool tiers whose rates differ several times over, so a
sparse cell is better served by its tier's rate, and a TOML table cannot hold a rate
for ``instagram`` next to rates for ``instagram.micro``. A median above 1 (impressions
above followers, from non-follower views) is written as 1. O(posts log posts).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.columns import apply_columns, check_columns
from pipeline.errors import InputError
from pipeline.export import read_table
from pipeline.profiles.accounts import Profiles, numeric_column, row_text
from pipeline.profiles.audience import ReachRates
from pipeline.profiles.tiers import TIER_NAMES

__all__ = [
    "POST_COLUMNS",
    "ReachFit",
    "fit_reach_rates",
    "load_posts",
    "median_interval_ranks",
]

#: The canonical columns of a posts table (``--columns`` maps them to the file's).
POST_COLUMNS: tuple[str, ...] = ("account", "impressions", "followers", "time")

#: A post with impressions above this many times its followers is counted in a warning.
_FLAG_RATIO = 10.0

_SCHEMA = {
    "level": pl.String,
    "platform": pl.String,
    "tier": pl.String,
    "posts": pl.Int64,
    "rate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "written": pl.Boolean,
}


def load_posts(path: str | Path, columns: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Read a posts table and check it: ``account`` and ``impressions`` present, no
    missing account, impressions and followers numbers >= 0 (followers whole). Errors
    name the file, the line (row for Parquet and JSON) and the file's column. Returns
    ``account``, ``impressions`` (Float64, null where empty) and ``followers`` (Float64,
    null where absent). O(rows)."""
    p = str(path)
    raw = read_table(path, "posts")
    mapping = check_columns(columns, POST_COLUMNS, "«columns»") if columns else {}
    apply_columns(raw, mapping, where=p, required=("account", "impressions"))  # checks only
    name = {c: mapping.get(c, c) for c in POST_COLUMNS}
    acc = raw[name["account"]]
    if acc.null_count():
        row = int(acc.is_null().arg_true()[0])
        raise InputError(f"{p}: {row_text(row, p)}, column {name['account']!r}: missing account")
    cols: dict[str, pl.Series] = {
        "account": acc,
        "impressions": numeric_column(raw, name["impressions"], p, 0.0, None),
    }
    if name["followers"] in raw.columns:
        cols["followers"] = numeric_column(raw, name["followers"], p, 0.0, None, integer=True)
    else:
        cols["followers"] = pl.Series([None] * raw.height, dtype=pl.Float64)
    return pl.DataFrame(cols)


def median_interval_ranks(n: int, level: float = 0.9) -> tuple[int, int] | None:
    """1-based ranks ``(l, n - l + 1)`` of the order statistics that bracket the median of
    ``n`` draws with probability at least ``level``; None when even ``(1, n)`` falls short
    (n < 5 at 90%). Exact binomial tail, computed in log space. O(n)."""
    if n < 1:
        return None
    k = np.arange(1, n + 1, dtype=np.float64)
    log_pmf = np.concatenate(([0.0], np.cumsum(np.log((n - k + 1.0) / k)))) - n * math.log(2)
    cdf = np.cumsum(np.exp(log_pmf))
    ok = np.flatnonzero(cdf <= (1.0 - level) / 2.0)
    if ok.size == 0:
        return None
    low = int(ok[-1]) + 1
    return low, n - low + 1


@dataclass(frozen=True, eq=False)
class ReachFit:
    """What :func:`fit_reach_rates` learned.

    ``rates``: the fitted :class:`ReachRates`. ``table``: one row per cell, ``level``
    (``platform x tier``, ``tier`` or ``platform``), ``platform``, ``tier``, ``posts``,
    ``rate`` (the median ratio), ``ci_low``/``ci_high`` (its 90% interval; null under 5
    posts), ``written`` (in ``rates``). Counts: ``posts`` used, ``skipped`` (no followers
    value and no profile, or 0 followers), ``no_impressions`` (empty cell, skipped),
    ``without_profile`` (kept: their own followers), ``above_10x`` (impressions above 10
    x followers; kept), ``capped`` (cells with a median above 1, written as 1).
    """

    rates: ReachRates
    table: pl.DataFrame
    posts: int
    skipped: int
    no_impressions: int
    without_profile: int
    above_10x: int
    capped: tuple[str, ...]
    min_posts: int

    def warnings(self) -> list[str]:
        """One line per thing the user should know (skipped rows, suspicious values)."""
        out = []
        if self.skipped:
            out.append(
                f"{self.skipped:,} posts skipped: no followers value in the post and no "
                "profile for its account (or 0 followers)"
            )
        if self.no_impressions:
            out.append(f"{self.no_impressions:,} posts skipped: empty impressions")
        if self.above_10x:
            out.append(
                f"{self.above_10x:,} posts have impressions above 10 x followers (non-follower "
                "views, or a wrong followers value); kept, the median is robust to them"
            )
        if self.capped:
            out.append(
                f"median above 1 (impressions above followers) in {', '.join(self.capped)}; "
                "written as 1"
            )
        if not any(self.table["written"]):
            out.append(
                f"no cell has {self.min_posts} posts: nothing fitted, the defaults stay "
                "(lower --min-posts to use fewer)"
            )
        return out

    def option_text(self) -> str:
        """The rates as a ``--reach-rate`` value (``micro=0.15,instagram.micro=0.2``)."""
        return ",".join(f"{k}={_num(v)}" for k, v in _items(self.rates))

    def toml(self) -> str:
        """A ``[projection]`` snippet for a campaign file, ``reach_rate = {...}``."""
        tiers = [f"{t} = {_num(v)}" for t, v in sorted(self.rates.by_tier.items(), key=_tier_key)]
        plats: dict[str, list[str]] = {}
        for (p, t), v in sorted(self.rates.by_platform_tier.items(), key=_cell_key):
            plats.setdefault(p, []).append(f"{t} = {_num(v)}")
        parts = tiers + [f"{json.dumps(p)} = {{ {', '.join(v)} }}" for p, v in plats.items()]
        return (
            f"# reach rates fitted by `influence reach-rates` from {self.posts:,} posts "
            f"(median impressions / followers; cells of {self.min_posts}+ posts)\n"
            f"[projection]\nreach_rate = {{ {', '.join(parts)} }}\n"
        )

    def summary(self) -> dict[str, object]:
        """Everything as plain values (the ``--json`` payload)."""
        return {
            "posts": self.posts,
            "skipped": self.skipped,
            "no_impressions": self.no_impressions,
            "without_profile": self.without_profile,
            "above_10x": self.above_10x,
            "min_posts": self.min_posts,
            "reach_rate": self.option_text(),
            "estimates": self.table.to_dicts(),
            "warnings": self.warnings(),
        }


def _tier_key(item: tuple[str, float]) -> int:
    return TIER_NAMES.index(item[0])


def _cell_key(item: tuple[tuple[str, str], float]) -> tuple[str, int]:
    return item[0][0], TIER_NAMES.index(item[0][1])


def _items(rates: ReachRates) -> list[tuple[str, float]]:
    tiers = sorted(rates.by_tier.items(), key=_tier_key)
    cells = sorted(rates.by_platform_tier.items(), key=_cell_key)
    return tiers + [(f"{p}.{t}", v) for (p, t), v in cells]


def _num(v: float) -> str:
    return f"{v:.4g}"


def fit_reach_rates(
    posts: pl.DataFrame,
    profiles: Profiles,
    *,
    min_posts: int = 20,
    level: float = 0.9,
) -> ReachFit:
    """Fit reach rates from ``posts`` (as :func:`load_posts` returns) on ``profiles``.

    See the module docstring for the estimator. ``min_posts`` (>= 1): the posts a cell
    needs to be written. Vectorised over posts; one small step per cell. O(P log P).
    """
    if min_posts < 1:
        raise InputError(f"«min_posts» must be at least 1, got {min_posts}")
    if not 0.0 < level < 1.0:
        raise InputError(f"«level» must be in (0, 1), got {level}")
    t = profiles.table.filter(pl.col("has_profile"))
    account = posts["account"]
    if account.dtype != t["id"].dtype:  # IDs that cannot be the graph's have no profile
        account = account.cast(t["id"].dtype, strict=False)
    prof = t.select(
        pl.col("id").alias("account"),
        pl.col("followers").cast(pl.Float64).alias("_pf"),
        "platform",
        pl.col("tier").cast(pl.String),
    )
    df = posts.with_columns(account.alias("account")).join(
        prof, on="account", how="left", maintain_order="left"
    )
    df = df.with_columns(
        pl.col("followers").fill_null(pl.col("_pf")).alias("f"),
        pl.col("_pf").is_not_null().alias("_known"),
    )
    own_tier = profiles.thresholds.expr(pl.col("f")).cast(pl.String)
    df = df.with_columns(pl.col("tier").fill_null(own_tier))
    no_imp = int(df["impressions"].null_count())
    df = df.filter(pl.col("impressions").is_not_null())
    usable = pl.col("f").is_not_null() & (pl.col("f") > 0)
    skipped = int(df.height - df.select(usable.sum()).item())
    df = df.filter(usable).with_columns((pl.col("impressions") / pl.col("f")).alias("ratio"))
    without = int(df.filter(~pl.col("_known")).height)
    above = int((df["ratio"] > _FLAG_RATIO).sum())
    table = _estimates(df, min_posts, level)
    written = table.filter(pl.col("written"))
    capped = tuple(
        _cell_name(r["platform"], r["tier"]) for r in written.filter(pl.col("rate") > 1).to_dicts()
    )
    by_tier = {
        r["tier"]: min(r["rate"], 1.0) for r in written.filter(pl.col("level") == "tier").to_dicts()
    }
    by_cell = {
        (r["platform"], r["tier"]): min(r["rate"], 1.0)
        for r in written.filter(pl.col("level") == "platform x tier").to_dicts()
    }
    rates = ReachRates(None, by_tier, {}, by_cell)
    return ReachFit(
        rates, table, df.height, skipped, no_imp, without, above, capped, int(min_posts)
    )


def _cell_name(platform: str | None, tier: str | None) -> str:
    return ".".join(x for x in (platform, tier) if x)


def _estimates(df: pl.DataFrame, min_posts: int, level: float) -> pl.DataFrame:
    """Median ratio and its interval per cell of each level (one row per cell)."""
    rows: list[dict[str, object]] = []
    known = df.filter(pl.col("platform").is_not_null())
    for name, frame, keys in (
        ("platform x tier", known, ["platform", "tier"]),
        ("tier", df, ["tier"]),
        ("platform", known, ["platform"]),
    ):
        cells = frame.group_by(keys).agg(pl.col("ratio").sort().alias("v"))
        for cell in cells.iter_rows(named=True):  # one row per cell, never per post
            v: NDArray[np.float64] = np.asarray(cell["v"], dtype=np.float64)
            n = int(v.shape[0])
            ranks = median_interval_ranks(n, level)
            rows.append(
                {
                    "level": name,
                    "platform": cell.get("platform"),
                    "tier": cell.get("tier"),
                    "posts": n,
                    "rate": float((v[(n - 1) // 2] + v[n // 2]) / 2.0),
                    "ci_low": None if ranks is None else float(v[ranks[0] - 1]),
                    "ci_high": None if ranks is None else float(v[ranks[1] - 1]),
                    "written": name != "platform" and n >= min_posts,
                }
            )
    order = {"platform x tier": 0, "tier": 1, "platform": 2}
    tier_rank = {t: i for i, t in enumerate(TIER_NAMES)}
    return (
        pl.DataFrame(rows, schema=_SCHEMA)
        .with_columns(
            pl.col("level").replace_strict(order, return_dtype=pl.Int32).alias("_l"),
            pl.col("tier").replace_strict(tier_rank, default=9, return_dtype=pl.Int32).alias("_t"),
        )
        .sort("_l", "platform", "_t", nulls_last=True)
        .drop("_l", "_t")
    )
