"""Ranked candidate lists: which influencers a brand should look at first.

For brand B, every profiled account u gets

``score(u) = relevance(u, B) * (w_r * reach_score + w_e * engagement_score
+ w_c * cost_score) / (w_r + w_e + w_c)``

- ``relevance``: cosine topic relevance in [0, 1] (see :mod:`pipeline.profiles`);
  it multiplies, because reach with no tie to the brand's topic is worth little.
- ``reach_score``: percentile (0, 1] of the reach metric among profiled
  accounts (``followers``, the real audience, by default; or a centrality).
- ``engagement_score``: percentile of ``engagement_rate``.
- ``cost_score``: percentile of ``engagements_per_cost = followers *
  engagement_rate / cost``, expected engagements per currency unit.

Percentiles are taken over all profiled accounts *before* filters, so a
filter never changes anyone's score. A missing value scores 0 on its part.
Each component is a column of the output so a user sees why. O(n log n), plus
O(n + followers of the listed candidates) per brand for ``overlap_above``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipeline import defaults
from pipeline.diffusion.model_ref import Model
from pipeline.diffusion.model_ref import resolve as resolve_model
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.graph_io.centrality import MEASURES, centrality
from pipeline.overlap import overlap_with_above
from pipeline.profiles import (
    DEFAULT_MIN_RELEVANCE,
    TIER_NAMES,
    Brands,
    CreatorFilter,
    Profiles,
    fit_pool,
    relevance,
)
from pipeline.valuation.costs import CostModel

__all__ = ["REACH_METRICS", "RankWeights", "rank_candidates"]

REACH_METRICS: tuple[str, ...] = ("followers", "followers_in_graph", *MEASURES[1:])


@dataclass(frozen=True)
class RankWeights:
    """Relative weights of the additive score components (each >= 0, not all 0)."""

    reach: float = 1.0
    engagement: float = 1.0
    cost: float = 1.0

    def __post_init__(self) -> None:
        values = (self.reach, self.engagement, self.cost)
        if any(not np.isfinite(v) or v < 0 for v in values) or sum(values) <= 0:
            raise InputError(
                f"score weights must be >= 0 and not all 0; got reach={self.reach}, "
                f"engagement={self.engagement}, cost={self.cost}"
            )


def _pct(col: str) -> pl.Expr:
    c = pl.col(col)
    valid = c.is_not_null() & ~c.is_nan()
    return pl.when(valid).then(c.rank("average") / valid.sum()).otherwise(0.0).fill_null(0.0)


def rank_candidates(
    graph: FollowerGraph,
    profiles: Profiles,
    brands: Brands,
    brand: str | None = None,
    *,
    reach: str = "followers",
    weights: RankWeights | None = None,
    tiers: Sequence[str] | None = None,
    platforms: Sequence[str] | None = None,
    min_followers: float | None = None,
    max_followers: float | None = None,
    min_relevance: float = DEFAULT_MIN_RELEVANCE,
    max_cost: float | None = None,
    costs: CostModel | None = None,
    min_real_audience: float = 0.0,
    top: int | None = None,
    seed: int = defaults.SEED,
    by: str = "score",
    model: str | Model | None = None,
    p: float | None = None,
    epsilon: float = defaults.EPSILON,
    max_steps: int | None = None,
) -> pl.DataFrame:
    """Ranked candidates for ``brand`` (or every brand when None), best first.

    Columns: brand, rank, id, handle, tier, followers, reach metric, reach_score,
    relevance, engagement_rate, engagement_score, cost, engagements_per_cost,
    cost_score, score, cumulative_cost, within_budget (cumulative cost <= the
    brand's budget), overlap_above (share of the candidate's in-graph followers who
    already follow a candidate ranked above it for the same brand, see
    :func:`pipeline.overlap.overlap_with_above`: a list of hubs sharing one audience
    shows it), real_audience (share of real followers, 1 when unknown). ``cost`` is
    what contracting the account costs: its fee (or the cost model's) plus the
    per-creator overhead of ``costs``. Filters: ``tiers``, ``platforms``,
    ``min_followers``/``max_followers`` (platform followers; :class:`CreatorFilter`),
    ``min_relevance`` (the
    brand-fit threshold, default 0.3 as in seeding; 0 turns it off; a brand with
    no candidate at or above it is an error), ``max_cost``, ``min_real_audience``;
    ``top`` keeps the first N per brand. When no profiled creator passes the tier,
    platform and follower filters, or no candidate of any brand passes every filter,
    it is an :class:`InputError` naming them (as in seeding); a brand left with no
    candidate while others have some simply has no rows.

    ``by="imm"`` orders the (filtered) candidates by IMM's greedy choice under the
    brand-aware ``model`` instead, keeping ``top`` (default 20) of them, and adds
    ``marginal_reach`` (expected extra nodes activated given the candidates above)
    and ``cumulative_reach``: the list then accounts for overlapping audiences.
    """
    if by not in ("score", "imm"):
        raise InputError(f"rank by 'score' or 'imm', not {by!r}")
    weights = weights or RankWeights()
    if reach not in REACH_METRICS:
        raise InputError(
            f"unknown reach metric {reach!r}; expected one of {', '.join(REACH_METRICS)}"
        )
    if tiers:
        bad = [t for t in tiers if t not in TIER_NAMES]
        if bad:
            raise InputError(
                f"unknown tier(s) {', '.join(map(repr, bad))}; "
                f"expected any of {', '.join(TIER_NAMES)}"
            )
    creators = CreatorFilter.of(platforms, tiers, min_followers, max_followers)
    if creators.active and not (creators.mask(profiles) & profiles.has_profile).any():
        # (mask also checks that the profiles have platforms to filter on)
        raise InputError(f"no profiled creator passes the filters ({creators.describe()})")
    if not 0.0 <= min_relevance <= 1.0:
        raise InputError(f"min relevance must be in [0, 1], got {min_relevance}")
    if not 0.0 <= min_real_audience <= 1.0:
        raise InputError(f"min real audience must be in [0, 1], got {min_real_audience}")
    if max_cost is not None and max_cost < 0:
        raise InputError(f"max cost must be >= 0, got {max_cost}")
    if top is not None and top < 1:
        raise InputError(f"top must be >= 1, got {top}")
    names = [brands.check(brand)] if brand is not None else brands.names
    if not profiles.has_profile.any():
        raise InputError(
            f"{profiles.path}: no profile matches a node of the graph; check that the "
            f"profiles' id column uses the edge file's IDs"
        )

    base = profiles.table
    if costs is not None:
        contract = costs.of_profiles(profiles)
        base = base.with_columns(pl.Series("cost", contract, dtype=pl.Float64).fill_nan(None))
    if reach not in base.columns:
        cent = centrality(graph, [reach], seed=seed).table
        base = base.with_columns(cent[reach].alias(reach))
    base = base.filter(pl.col("has_profile")).with_columns(
        (pl.col("followers") * pl.col("engagement_rate") / pl.col("cost")).alias(
            "engagements_per_cost"
        )
    )
    base = base.with_columns(
        _pct(reach).alias("reach_score"),
        _pct("engagement_rate").alias("engagement_score"),
        _pct("engagements_per_cost").alias("cost_score"),
    )
    total_w = weights.reach + weights.engagement + weights.cost
    mix = (
        weights.reach * pl.col("reach_score")
        + weights.engagement * pl.col("engagement_score")
        + weights.cost * pl.col("cost_score")
    ) / total_w
    nodes = base["node"].to_numpy()
    out = []
    for name in names:
        rel = relevance(profiles, brands, name)[nodes]
        df = base.with_columns(pl.Series("relevance", rel)).with_columns(
            (pl.col("relevance") * mix).alias("score")
        )
        if creators.active:
            df = df.filter(creators.expr())
        if min_relevance > 0:
            fit_pool(profiles, brands, name, min_relevance)  # errors naming the brand
            df = df.filter(pl.col("relevance") >= min_relevance)
        if max_cost is not None:
            df = df.filter(pl.col("cost").is_not_null() & (pl.col("cost") <= max_cost))
        if min_real_audience > 0:
            df = df.filter(pl.col("real_audience").fill_null(1.0) >= min_real_audience)
        if by == "imm":
            df = _by_imm(graph, profiles, brands, name, df, top or 20,
                         resolve_model(model, p, graph), p, epsilon,
                         max_steps, seed, min_relevance, costs)  # fmt: skip
        else:
            df = df.sort(["score", "id"], descending=[True, False])
            if top is not None:
                df = df.head(top)
        budget = brands.budget(name)
        df = df.with_columns(
            pl.lit(name).alias("brand"),
            pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("rank"),
            pl.col("cost").fill_null(0.0).cum_sum().alias("cumulative_cost"),
        ).with_columns(
            (pl.col("cumulative_cost") <= budget).alias("within_budget"),
            pl.Series(
                "overlap_above", overlap_with_above(graph, df["node"].to_numpy()), pl.Float64
            ),
        )
        out.append(df)
    cols = [
        "brand",
        "rank",
        "id",
        "handle",
        "tier",
        "followers",
        *([reach] if reach != "followers" else []),
        "reach_score",
        "relevance",
        "engagement_rate",
        "engagement_score",
        "cost",
        "engagements_per_cost",
        "cost_score",
        "score",
        "cumulative_cost",
        "within_budget",
        "overlap_above",
        "real_audience",
        *(["marginal_reach", "cumulative_reach"] if by == "imm" else []),
    ]
    if all(d.height == 0 for d in out):
        raise InputError(
            f"no candidate {'of ' + repr(brand) + ' ' if brand is not None else ''}passes "
            f"the filters ({_filters_text(creators, min_relevance, max_cost, min_real_audience)})"
        )
    return pl.concat([d.select(cols) for d in out])


def _filters_text(
    creators: CreatorFilter, min_relevance: float, max_cost: float | None, min_real: float
) -> str:
    """Every filter of a ranking in words, e.g. ``platform tiktok, relevance >= 0.3``."""
    parts = [creators.describe()] if creators.active else []
    if min_relevance > 0:
        parts.append(f"relevance >= {min_relevance:g}")
    if max_cost is not None:
        parts.append(f"cost <= {max_cost:,g}")
    if min_real > 0:
        parts.append(f"real audience >= {min_real:g}")
    return ", ".join(parts) or "no filter"


def _by_imm(
    graph: FollowerGraph,
    profiles: Profiles,
    brands: Brands,
    brand: str,
    df: pl.DataFrame,
    top: int,
    model: str | Model,
    p: float | None,
    epsilon: float,
    max_steps: int | None,
    seed: int,
    min_relevance: float = 0.0,
    costs: CostModel | None = None,
) -> pl.DataFrame:
    """The filtered candidates ``df`` in IMM order (at most ``top``), with marginal reach."""
    from pipeline.seeding import select_seeds

    if df.height == 0:
        return df.with_columns(
            pl.lit(None, pl.Float64).alias("marginal_reach"),
            pl.lit(None, pl.Float64).alias("cumulative_reach"),
        )
    keep = np.zeros(graph.n, dtype=np.bool_)
    keep[df["node"].to_numpy()] = True
    seeds = select_seeds(
        graph,
        "imm",
        k=min(top, df.height),
        model=model,
        p=p,
        profiles=profiles,
        brands=brands,
        brand=brand,
        exclude=np.flatnonzero(profiles.has_profile & ~keep),
        min_relevance=min_relevance,
        costs=costs,
        seed=seed,
        epsilon=epsilon,
        max_steps=max_steps,
    )
    order = pl.DataFrame(
        {
            "node": seeds.nodes,
            "marginal_reach": seeds.marginal_gain,
            "cumulative_reach": seeds.cumulative_reach,
            "_order": np.arange(len(seeds)),
        }
    )
    return order.join(df, on="node", how="left").sort("_order").drop("_order")
