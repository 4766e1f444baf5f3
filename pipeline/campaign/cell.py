"""Running one cell (seeds, then simulation, then its tables) and one brand contest.

:func:`run_cell` is a pure function of the shared context and the cell, which is
why the local and Ray executors give identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipeline.campaign.config import OVERLAP_SEEDS
from pipeline.campaign.context import CampaignContext
from pipeline.campaign.grid import Cell, Contest, derive_seed
from pipeline.campaign.store import cell_path
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import (
    TIER_NAMES,
    Profiles,
)
from pipeline.projection import platform_scale

__all__ = ["CellTables", "cell_cpm", "run_cell", "run_contest"]


@dataclass(frozen=True)
class CellTables:
    """The result tables of one cell (see the module doc)."""

    cell: Cell
    runs: pl.DataFrame
    seeds: pl.DataFrame
    audience: pl.DataFrame
    curves: pl.DataFrame
    overlap: pl.DataFrame

    def table(self, name: str) -> pl.DataFrame:
        return getattr(self, name)


def _with_key(df: pl.DataFrame, cell: Cell) -> pl.DataFrame:
    kc = cell.key_columns()
    keys = [
        pl.lit(kc["cell"], pl.String).alias("cell"),
        pl.lit(kc["brand"], pl.String).alias("brand"),
        pl.lit(kc["model"], pl.String).alias("model"),
        pl.lit(kc["strategy"], pl.String).alias("strategy"),
        pl.lit(kc["budget"], pl.Float64).alias("budget"),
        pl.lit(kc["k"], pl.Int64).alias("k"),
    ]
    return df.select(*keys, *[pl.col(c) for c in df.columns])


def run_cell(ctx: CampaignContext, cell: Cell, threads: int | None = None) -> CellTables:
    """Select the seeds of ``cell`` and simulate them ``runs`` times.

    The seed selection uses a stream derived from (seed, brand, model); the
    simulation's run keys are derived from (seed, brand, model) too, shared
    by every strategy and level of that brand and model (common random
    numbers). Deterministic: the result does not depend on ``threads`` or on
    the process. Time: the strategy's, plus O(runs x cascade size).
    """
    from pipeline.diffusion import simulate
    from pipeline.overlap import overlap_with_above
    from pipeline.seeding import select_seeds

    cfg = ctx.config
    rel, factor = ctx.brand_arrays(cell.brand)
    label = cell.model.label
    chosen = select_seeds(
        ctx.graph,
        cell.strategy,
        k=cell.k,
        budget=cell.budget,
        model=ctx.model(cell.model),
        profiles=ctx.profiles,
        brands=ctx.brands,
        brand=cell.brand,
        brand_aware=cfg.brand_aware,
        min_relevance=cfg.min_relevance,
        max_creators=cfg.max_creators,
        costs=cfg.costs(),
        objective=cfg.seeding_objective,
        seed=derive_seed(cfg.seed, "select", cell.brand, label),
        max_steps=cfg.max_steps,
        epsilon=cfg.epsilon,
        celf_runs=cfg.celf_runs,
        estimate_rr_sets=cfg.estimate_rr_sets,
        threads=threads,
        cache=ctx.rr_cache(),
        creators=cfg.creators,
    )
    nodes = chosen.nodes
    runs = cfg.runs
    tier_code = ctx.tier_codes()
    if len(nodes):
        sim = simulate(
            ctx.graph,
            nodes,
            ctx.model(cell.model),
            runs=runs,
            seed=derive_seed(cfg.seed, "simulate", cell.brand, label),
            max_steps=cfg.max_steps,
            sender_factor=factor,
            quality=ctx.quality(),
            node_counts=True,
            threads=threads,
        )
        activated, exposed, steps = sim.activated, sim.exposed, sim.steps
        counts = sim.node_counts
        assert counts is not None
        per_step = sim.new_per_step.mean(axis=0)
    else:  # a strategy with no affordable candidate: nothing happens
        activated = exposed = np.zeros(runs, dtype=np.int64)
        steps = np.zeros(runs, dtype=np.int32)
        counts = np.zeros(ctx.graph.n, dtype=np.int64)
        per_step = np.zeros(1)
    cost_spent = chosen.total_cost
    cpm = cell_cpm(ctx.profiles, nodes, chosen.marginal_gain, cfg.default_cpm)
    scale = platform_scale(ctx.profiles, nodes)
    runs_df = pl.DataFrame(
        {
            "run": np.arange(runs, dtype=np.int64),
            "activated": activated.astype(np.int64),
            "exposed": exposed.astype(np.int64),
            "steps": steps.astype(np.int32),
        }
    ).with_columns(
        pl.lit(cost_spent, pl.Float64).alias("cost_spent"),
        pl.lit(len(nodes), pl.Int64).alias("seeds_used"),
        pl.lit(cpm, pl.Float64).alias("cpm"),
        pl.lit(chosen.info.get("certified_ratio"), pl.Float64).alias("certified_ratio"),
        # earned: what the campaign reaches beyond the creators it pays (seeds are
        # always activated and exposed, so this is count minus seeds, run by run)
        (pl.col("activated") - len(nodes)).alias("earned_activated"),
        (pl.col("exposed") - len(nodes)).alias("earned_exposed"),
        # platform units (pipeline.projection): NaN where the projection is unknown
        pl.Series("projected_impressions", scale.impressions(exposed - len(nodes))).fill_nan(None),
        pl.Series("projected_engagements", scale.engagements(exposed - len(nodes))).fill_nan(None),
    )
    sd = chosen.to_polars()
    seeds_df = sd.select(
        pl.col("rank").cast(pl.Int32),
        pl.col("id").cast(pl.String),
        pl.col("handle").cast(pl.String),
        pl.col("tier").cast(pl.String),
        pl.col("cost").cast(pl.Float64),
        pl.col("followers").cast(pl.Int64),
        pl.Series("relevance", rel[nodes], dtype=pl.Float64),
        pl.col("marginal_gain").cast(pl.Float64),
        pl.col("cumulative_reach").cast(pl.Float64),
        pl.col("cumulative_stderr").cast(pl.Float64),
        pl.col("cumulative_cost").cast(pl.Float64),
        pl.col("forced").cast(pl.Boolean),
        pl.Series("overlap_above", overlap_with_above(ctx.graph, nodes), dtype=pl.Float64),
        pl.Series(
            "engagement_rate",
            ctx.profiles.table["engagement_rate"].cast(pl.Float64).gather(nodes),
            dtype=pl.Float64,
        ),
        pl.Series("real_audience", ctx.profiles.real_audience[nodes], dtype=pl.Float64),
        pl.Series("platform", ctx.profiles.table["platform"].gather(nodes), dtype=pl.String),
    )
    reached = np.bincount(tier_code, weights=counts.astype(np.float64), minlength=5) / runs
    accounts = np.bincount(tier_code, minlength=5)
    audience_df = pl.DataFrame(
        {
            "tier": list(TIER_NAMES),
            "expected_activated": reached.astype(np.float64),
            "accounts": accounts.astype(np.int64),
        }
    )
    curves_df = pl.DataFrame(
        {
            "step": np.arange(per_step.shape[0], dtype=np.int32),
            "mean_new": per_step.astype(np.float64),
            "mean_cumulative": np.cumsum(per_step).astype(np.float64),
        }
    )
    return CellTables(
        cell,
        _with_key(runs_df, cell),
        _with_key(seeds_df, cell),
        _with_key(audience_df, cell),
        _with_key(curves_df, cell),
        _with_key(_overlap_table(ctx.graph, nodes), cell),
    )


def _overlap_table(graph: FollowerGraph, nodes: Any) -> pl.DataFrame:
    """Pairwise follower overlap of the plan's first :data:`OVERLAP_SEEDS` creators:
    ``rank_a``, ``rank_b`` (1-based seeding ranks, a < b) and ``follower_overlap``
    (shared followers / the smaller audience, see :mod:`pipeline.overlap`)."""
    from pipeline.overlap import follower_overlap

    top = np.asarray(nodes, dtype=np.int64)[:OVERLAP_SEEDS]
    k = top.shape[0]
    a, b = np.triu_indices(k, 1)
    m = follower_overlap(graph, top) if k >= 2 else np.zeros((k, k))
    return pl.DataFrame(
        {
            "rank_a": (a + 1).astype(np.int32),
            "rank_b": (b + 1).astype(np.int32),
            "follower_overlap": m[a, b].astype(np.float64),
        },
        schema={"rank_a": pl.Int32, "rank_b": pl.Int32, "follower_overlap": pl.Float64},
    )


def cell_cpm(
    profiles: Profiles,
    nodes: Any,
    weights: Any,
    default: float | dict[str, float] | None,
) -> float | None:
    """The CPM (currency per 1,000 impressions) that values a cell's exposures.

    The mean of the seeds' ``cpm`` weighted by their marginal reach. A seed
    without a CPM takes ``default``: one number, or a mapping platform -> CPM
    looked up by the profile's ``platform`` (key ``"*"`` for any other
    platform). Equal weights when no seed adds reach; None when no seed has a
    CPM. O(seeds).
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    if len(nodes) == 0:
        return None
    cpm = profiles.table["cpm"].cast(pl.Float64).to_numpy()[nodes].astype(np.float64)
    if isinstance(default, dict):
        platform = profiles.table["platform"].gather(nodes).fill_null("")
        fallback = np.array(
            [default.get(x, default.get("*", np.nan)) for x in platform.to_list()],
            dtype=np.float64,
        )
        cpm = np.where(np.isfinite(cpm), cpm, fallback)
    elif default is not None:
        cpm = np.where(np.isfinite(cpm), cpm, default)
    known = np.isfinite(cpm)
    if not known.any():
        return None
    w = np.clip(np.asarray(weights, dtype=np.float64)[known], 0.0, None)
    if w.sum() <= 0:
        w = np.ones_like(w)
    return float(np.average(cpm[known], weights=w))


def run_contest(
    ctx: CampaignContext, contest: Contest, output: Path, threads: int | None = None
) -> pl.DataFrame:
    """Simulate the competing brands of ``contest`` seeding at once (their cells' seeds).

    Uses :func:`pipeline.diffusion.compete.compete` with run keys derived from
    (seed, model, brands): one row per brand and run with ``adopters`` (nodes
    that adopted the brand) and ``alone`` (nodes it activates seeding alone,
    same random numbers). Needs the brands' cells finished. A brand whose cell
    chose no seed takes no part. Time O(runs x cascade size).
    """
    from pipeline.diffusion.compete import compete

    cfg = ctx.config
    seeds: dict[str, Any] = {}
    for c in contest.cells:
        ids = pl.read_parquet(cell_path(output, "seeds", c), columns=["id"])["id"]
        if ids.len():
            seeds[c.brand] = ctx.graph.index_of(ids, what=f"seed ID of {c.brand}")
    brands_in = [c.brand for c in contest.cells]
    if len(seeds) >= 2:
        factors = {b: ctx.brand_arrays(b)[1] for b in seeds} if cfg.brand_aware else None
        res = compete(
            ctx.graph,
            seeds,
            ctx.model(contest.model),
            runs=cfg.runs,
            seed=derive_seed(cfg.seed, "compete", contest.model.label, *brands_in),
            max_steps=cfg.max_steps,
            sender_factors=factors,
            threads=threads,
        )
        df = res.to_polars().select(
            pl.col("brand").cast(pl.String),
            pl.col("run").cast(pl.Int64),
            pl.col("adopters").cast(pl.Int64),
            pl.col("alone").cast(pl.Int64),
        )
    else:
        df = pl.DataFrame(
            schema={"brand": pl.String, "run": pl.Int64, "adopters": pl.Int64, "alone": pl.Int64}
        )
    level = pl.DataFrame(
        {
            "brand": [c.brand for c in contest.cells],
            "budget": [c.budget for c in contest.cells],
            "k": [c.k for c in contest.cells],
        },
        schema={"brand": pl.String, "budget": pl.Float64, "k": pl.Int64},
    )
    df = df.join(level, on="brand", how="left")
    return df.select(
        pl.lit(contest.key, pl.String).alias("contest"),
        pl.lit("+".join(brands_in), pl.String).alias("brands"),
        pl.lit(contest.model.label, pl.String).alias("model"),
        pl.lit(contest.strategy, pl.String).alias("strategy"),
        pl.lit(contest.level, pl.String).alias("level"),
        "brand",
        "budget",
        "k",
        "run",
        "adopters",
        "alone",
    )
