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
from pipeline.campaign.grid import Cell, Contest, derive_seed, stream_name
from pipeline.campaign.paths import cell_path
from pipeline.campaign.plan_sims import cell_plan, simulate_cell_plan
from pipeline.campaign.why import creator_evidence
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import (
    TIER_NAMES,
    Profiles,
)

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
        pl.lit(kc["plan_model"], pl.String).alias("plan_model"),
        pl.lit(kc["matched"], pl.Boolean).alias("matched"),
        pl.lit(kc["strategy"], pl.String).alias("strategy"),
        pl.lit(kc["budget"], pl.Float64).alias("budget"),
        pl.lit(kc["k"], pl.Int64).alias("k"),
    ]
    return df.select(*keys, *[pl.col(c) for c in df.columns])


def run_cell(ctx: CampaignContext, cell: Cell, threads: int | None = None) -> CellTables:
    """Select the seeds of ``cell`` and simulate them ``runs`` times.

    The seeds are chosen under the cell's plan model (:attr:`Cell.plan`) with a stream
    derived from (seed, brand, plan model; models name streams by
    :func:`~pipeline.campaign.grid.stream_name`), so a plan evaluated under several models
    is the same plan in each of its cells; the simulation runs under the cell's model with
    run keys derived from (seed, brand, model), shared by every strategy, plan and level
    of that brand and model (common random numbers: paired differences). Selection and
    simulation take each model's parameters from :meth:`CampaignContext.model` (``tv``'s
    trivalency draw included, from a model seed of the campaign seed and the model's
    label), and apply the brand's sender factor and the audience quality in the same
    order (clip, then quality). Deterministic: the result does not depend on ``threads``
    or on the process. Time: the strategy's, plus O(runs x cascade size).
    """
    from pipeline.overlap import overlap_with_above
    from pipeline.seeding.ambassadors import roles

    cfg = ctx.config
    rel, _ = ctx.brand_arrays(cell.brand)
    proj = ctx.projection()
    chosen = cell_plan(ctx, cell, threads)  # chosen once per process (plan_sims)
    boot = chosen.info.get("stability")
    nodes = chosen.nodes
    runs = cfg.runs
    tier_code = ctx.tier_codes()
    if len(nodes):
        # the same seeds, brand and model simulate the same runs (shared run keys): once,
        # with the brand's other plans under a per-edge model (plan_sims)
        sim = simulate_cell_plan(ctx, cell, nodes, threads)
        activated, exposed, steps = sim.activated, sim.exposed, sim.steps
        counts = sim.node_counts
        assert counts is not None and sim.projected is not None
        units = sim.projected
        per_step = sim.new_per_step.mean(axis=0)
    else:  # a strategy with no affordable candidate: nothing happens
        activated = exposed = np.zeros(runs, dtype=np.int64)
        steps = np.zeros(runs, dtype=np.int32)
        counts = np.zeros(ctx.graph.n, dtype=np.int64)
        per_step = np.zeros(1)
        units = np.zeros((runs, 3))
    paid = _paid(ctx, nodes)
    cost_spent = chosen.total_cost
    own = proj[0][np.asarray(nodes, dtype=np.int64)]  # the seeds' own impressions
    cpm = cell_cpm(ctx.profiles, nodes, own, cfg.resolved_cpm())  # the fingerprinted CPMs
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
        pl.lit(chosen.info.get("robust_ratio"), pl.Float64).alias("robust_ratio"),
        pl.lit(chosen.info.get("robust_ratio_low"), pl.Float64).alias("robust_ratio_low"),
        # the plan's selection re-run on bootstrap resamples of its RR pool (imm, opim)
        pl.lit(boot and boot.stability.share_stable(), pl.Float64).alias("stable_share"),
        pl.lit(boot and boot.spread[0], pl.Float64).alias("rerun_low"),
        pl.lit(boot and boot.spread[2], pl.Float64).alias("rerun_high"),
        pl.lit(boot and boot.stand_ins_text(ctx.profiles.table["handle"]), pl.String).alias(
            "stand_ins"
        ),
        # what the plan was chosen for: the KPI itself, or a stand-in (people through the
        # weighted-exposure proxy); the figures below are simulated either way
        pl.lit(chosen.info.get("optimised"), pl.String).alias("optimised"),
        # earned: what the campaign reaches beyond the creators it pays (seeds are
        # always activated and exposed, so this is count minus seeds, run by run)
        (pl.col("activated") - len(nodes)).alias("earned_activated"),
        (pl.col("exposed") - len(nodes)).alias("earned_exposed"),
        # platform units (docs/projection.md): the creators' own posts plus the cascade's,
        # and the earned part without the creators' own posts
        *(
            pl.Series(name, units[:, j] - (paid[j] if earned else 0.0), dtype=pl.Float64)
            for j, kpi in enumerate(_UNITS)
            for name, earned in ((kpi, False), (f"earned_{kpi}", True))
        ),
    )
    sd = chosen.to_polars()
    evidence = creator_evidence(
        ctx.graph, nodes, proj, chosen.problem.cost, chosen.problem.eligible,
        ctx.profiles.table["handle"],
    )  # fmt: skip
    seeds_df = sd.select(
        pl.col("rank").cast(pl.Int32),
        pl.col("id").cast(pl.String),
        pl.col("handle").cast(pl.String),
        pl.col("tier").cast(pl.String),
        pl.col("cost").cast(pl.Float64),
        pl.Series("role", roles(chosen.problem, nodes), dtype=pl.String),
        pl.col("followers").cast(pl.Int64),
        pl.Series("relevance", rel[nodes], dtype=pl.Float64),
        pl.col("marginal_gain").cast(pl.Float64),
        pl.col("cumulative_reach").cast(pl.Float64),
        pl.col("cumulative_stderr").cast(pl.Float64),
        pl.col("cumulative_cost").cast(pl.Float64),
        pl.col("forced").cast(pl.Boolean),
        pl.col("picked_in").cast(pl.Int32),
        pl.lit(boot and boot.stability.resamples, pl.Int32).alias("resamples"),
        pl.Series("overlap_above", overlap_with_above(ctx.graph, nodes), dtype=pl.Float64),
        pl.Series(
            "engagement_rate",
            ctx.profiles.table["engagement_rate"].cast(pl.Float64).gather(nodes),
            dtype=pl.Float64,
        ),
        pl.Series("real_audience", ctx.profiles.real_audience[nodes], dtype=pl.Float64),
        pl.Series("platform", ctx.profiles.table["platform"].gather(nodes), dtype=pl.String),
        *(
            pl.Series(name, values, dtype=pl.String if name == "alternative" else pl.Float64)
            for name, values in evidence.items()
        ),
    ).with_columns(pl.col("alternative_cost_per_engagement").fill_nan(None))
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


#: The platform units of the kernels' ``projected`` columns, in order.
_UNITS = ("impressions", "engagements", "people")


def _paid(ctx: CampaignContext, nodes: Any) -> tuple[float, float, float]:
    """The units of the creators' own posts alone (what every run's units include)."""
    from pipeline.diffusion.project_kernel import paid_units

    seeds = np.asarray(nodes, dtype=np.int32)
    if seeds.size == 0:
        return (0.0, 0.0, 0.0)
    g = ctx.graph
    imp, eng, people = paid_units(g.out_ptr, g.out_idx, seeds, ctx.projection())
    return (float(imp), float(eng), float(people))


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
    """The CPM (currency per 1,000 impressions) that values a cell's impressions (EMV).

    The mean of the seeds' CPM (:func:`pipeline.valuation.cpm_per_account`: the
    profile's ``cpm``, else ``default``, one number or a platform table, else the
    documented :data:`~pipeline.valuation.DEFAULT_CPM` per platform) weighted by
    ``weights`` (their own posts' impressions). Equal weights when no seed makes
    impressions; None when no seed has a CPM. O(seeds).
    """
    from pipeline.valuation import cpm_per_account

    nodes = np.asarray(nodes, dtype=np.int64)
    if len(nodes) == 0:
        return None
    cpm = cpm_per_account(profiles.table[nodes], default)  # the seeds' rows only
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
        ids = pl.read_parquet(cell_path(output, "seeds", c), columns=["id"], glob=False)["id"]
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
            seed=derive_seed(cfg.seed, "compete", stream_name(contest.model), *brands_in),
            max_steps=cfg.max_steps,
            sender_factors=factors,
            quality=ctx.quality(),  # audience quality, as in the brand's own cells
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
