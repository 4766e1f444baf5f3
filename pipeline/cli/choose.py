"""``influence rank`` and ``seed``: who to contract, by score or by strategy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import polars as pl
import typer

from pipeline.errors import InputError
from pipeline.profiles import DEFAULT_MIN_RELEVANCE

if TYPE_CHECKING:
    pass
from pipeline import defaults
from pipeline.cli.common import app, brands_for, handle_errors, load_graph_arg, spinner
from pipeline.cli.options import (
    ColumnsO,
    CostFixedO,
    CostPerFollowerO,
    EdgeMeaningO,
    EdgeMeaningOpt,
    FormatO,
    GraphArg,
    HeaderO,
    MaxFollowersO,
    MinFollowersO,
    MinRelevanceO,
    ModelO,
    OutFormatO,
    OutO,
    PerCreatorO,
    PlatformO,
    QuietO,
    RankByOpt,
    SourceColO,
    StrategyOpt,
    TargetColO,
    TierO,
    TierThresholdsO,
    id_list,
    resolve_model_option,
)
from pipeline.cli.output import emit_table, err_console, print_json

__all__ = ["rank", "seed_cmd"]


@app.command()
@handle_errors
def rank(
    graph: GraphArg,
    profiles: Annotated[
        Path,
        typer.Option(
            "--profiles",
            help="Profile table (id, handle, followers, engagement_rate, cost, topics).",
        ),
    ],
    brands: Annotated[
        Path, typer.Option("--brands", "-b", help="Brands table (brand, topics, budget).")
    ],
    brand: Annotated[
        str | None, typer.Option("--brand", help="Brand to rank for; default: every brand.")
    ] = None,
    top: Annotated[
        int | None, typer.Option("--top", "-t", help="Keep the best N per brand.")
    ] = None,
    reach: Annotated[
        str,
        typer.Option(
            help="Reach metric: followers (real audience), followers_in_graph, pagerank, "
            "coreness, hub, harmonic, betweenness."
        ),
    ] = "followers",
    w_reach: Annotated[float, typer.Option(help="Weight of the reach score.")] = 1.0,
    w_engagement: Annotated[float, typer.Option(help="Weight of the engagement score.")] = 1.0,
    w_cost: Annotated[float, typer.Option(help="Weight of the cost-efficiency score.")] = 1.0,
    tier: TierO = None,
    platform: PlatformO = None,
    min_followers: MinFollowersO = None,
    max_followers: MaxFollowersO = None,
    min_relevance: MinRelevanceO = DEFAULT_MIN_RELEVANCE,
    per_creator_cost: PerCreatorO = 0.0,
    cost_fixed: CostFixedO = None,
    cost_per_follower: CostPerFollowerO = None,
    min_real_audience: Annotated[
        float,
        typer.Option(
            "--min-real-audience",
            help="Keep candidates whose share of real followers (profile column "
            "real_audience, 1 when unknown) is at least this, in [0, 1].",
        ),
    ] = 0.0,
    max_cost: Annotated[
        float | None, typer.Option(help="Drop candidates costing more per post.")
    ] = None,
    tiers: TierThresholdsO = None,
    by: Annotated[
        RankByOpt,
        typer.Option(
            "--by",
            help="score: the weighted score; imm: IMM's greedy order of expected marginal "
            "reach under --model (keeps --top, default 20; audiences that overlap count once).",
        ),
    ] = RankByOpt.score,
    model: ModelO = None,
    p: Annotated[float | None, typer.Option("--p", help="Uniform probability for ic.")] = None,
    epsilon: Annotated[float, typer.Option(help="IMM accuracy for --by imm.")] = defaults.EPSILON,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for --by imm.")] = defaults.SEED,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    columns: ColumnsO = None,
    out: OutO = None,
    out_format: OutFormatO = None,
    quiet: QuietO = False,
) -> None:
    """Rank influencers for a brand, with the reasons as columns.

    score = relevance x (w_reach * reach + w_engagement * engagement + w_cost * cost
    efficiency) / (sum of weights), each part a percentile among profiled accounts.
    Without --brand, every brand in --brands is ranked.
    overlap_above: share of a candidate's in-graph followers who already follow a
    candidate ranked above it (high all down the list = hubs sharing one audience).
    """
    from pipeline.profiles import TierThresholds, load_brands, load_profiles
    from pipeline.rank import RankWeights, rank_candidates

    weights = RankWeights(reach=w_reach, engagement=w_engagement, cost=w_cost)
    thresholds = TierThresholds.parse(tiers) if tiers else TierThresholds()
    b = load_brands(brands)
    if brand is not None:
        b.check(brand)
    g = load_graph_arg(graph, fmt, edge_meaning, source_col, target_col, quiet, header, columns)
    model_name = resolve_model_option(model, p, g)
    p = model_name.p
    prof = load_profiles(profiles, g, thresholds=thresholds)
    if prof.unmatched and not quiet:
        err_console.print(
            f"warning: {prof.unmatched:,} profile rows have IDs not in the graph; ignored",
            highlight=False,
        )
    with spinner("ranking", quiet):
        df = rank_candidates(
            g,
            prof,
            b,
            brand,
            reach=reach,
            weights=weights,
            tiers=tier,
            platforms=platform,
            min_followers=min_followers,
            max_followers=max_followers,
            min_relevance=min_relevance,
            min_real_audience=min_real_audience,
            max_cost=max_cost,
            costs=_costs(per_creator_cost, cost_fixed, cost_per_follower),
            top=top,
            by=by.value,
            model=model_name,
            p=p,
            epsilon=epsilon,
            seed=seed,
        )
    if out is None and not quiet:
        shown = {
            "rank": "rank",
            "handle": "handle",
            "tier": "tier",
            "followers": "followers",
            "relevance": "relevance",
            "engagement_rate": "eng_rate",
            "cost": "cost",
            "score": "score",
            "within_budget": "in_budget",
            "overlap_above": "overlap_above",
            **({"marginal_reach": "marginal_reach"} if by == "imm" else {}),
        }
        for name in df["brand"].unique(maintain_order=True).to_list():
            part = df.filter(pl.col("brand") == name).select(list(shown)).rename(shown)
            emit_table(part, None, None, f"{name}: top candidates", quiet, max_rows=top or 20)
        return
    emit_table(df, out, out_format, "candidates", quiet)


def _costs(per_creator: float, fixed: float | None, per_follower: float | None) -> Any:
    from pipeline.costs import CostModel

    try:
        return CostModel(per_creator, fixed, per_follower)
    except InputError as exc:
        msg = str(exc)
        for name, flag in (("per_creator", "--per-creator-cost"), ("per_follower",
                           "--cost-per-follower"), ("fixed", "--cost-fixed")):  # fmt: skip
            msg = msg.replace(name, flag, 1) if msg.startswith(name) else msg
        raise InputError(msg) from None


@app.command("seed")
@handle_errors
def seed_cmd(
    graph: GraphArg,
    strategy: Annotated[
        StrategyOpt,
        typer.Option(
            "--strategy",
            help="random, macro (largest on-topic audiences), macro-any (largest audiences, "
            "topic-blind), micro (micro tier by engagement x relevance), pagerank, "
            "degree-discount, community, celf (lazy greedy, small graphs), imm "
            "(reverse-reachable sets, large graphs), opim (OPIM-C: RR sets until a certified "
            "ratio).",
        ),
    ],
    k: Annotated[int | None, typer.Option("--k", "-k", help="Number of seeds.")] = None,
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="Total cost of the seeds (currency units; needs costs)."),
    ] = None,
    model: ModelO = None,
    p: Annotated[
        float | None, typer.Option("--p", help="Uniform activation probability for ic.")
    ] = None,
    brand: Annotated[
        str | None, typer.Option(help="Brand-aware probabilities (needs --profiles, --brands).")
    ] = None,
    profiles: Annotated[
        Path | None,
        typer.Option("--profiles", help="Profile table; candidates are its accounts."),
    ] = None,
    brands: Annotated[Path | None, typer.Option("--brands", help="Brands table.")] = None,
    exclude: Annotated[str | None, typer.Option(help="Comma-separated IDs never to pick.")] = None,
    include: Annotated[
        str | None, typer.Option(help="Comma-separated IDs to pick first (must-includes).")
    ] = None,
    min_relevance: MinRelevanceO = DEFAULT_MIN_RELEVANCE,
    platform: PlatformO = None,
    tier: TierO = None,
    tier_thresholds: TierThresholdsO = None,
    min_followers: MinFollowersO = None,
    max_followers: MaxFollowersO = None,
    max_creators: Annotated[
        int | None,
        typer.Option("--max-creators", help="At most this many creators (with --k or --budget)."),
    ] = None,
    per_creator_cost: PerCreatorO = 0.0,
    cost_fixed: CostFixedO = None,
    cost_per_follower: CostPerFollowerO = None,
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            help="What imm/celf maximise: activated, earned_activated (beyond the seeds), "
            "exposed or earned_exposed (imm on exposure RR sets; celf through activation). "
            "marginal_gain is then in exposed accounts.",
        ),
    ] = "activated",
    epsilon: Annotated[
        float, typer.Option(help="IMM accuracy: (1 - 1/e - epsilon) guarantee.")
    ] = defaults.EPSILON,
    celf_runs: Annotated[
        int, typer.Option(help="Monte Carlo runs per CELF estimate.")
    ] = defaults.CELF_RUNS,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", help="Campaign horizon in steps (default none).")
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; same seed, same seeds.")
    ] = defaults.SEED,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    columns: ColumnsO = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: summary and seeds.")
    ] = False,
    out: OutO = None,
    out_format: OutFormatO = None,
    quiet: QuietO = False,
) -> None:
    """Choose seed influencers with a strategy, for k seeds or a budget.

    One row per seed, in order: id, handle, tier, cost (fee plus --per-creator-cost),
    marginal_gain (expected extra accounts activated, or exposed under an exposure
    --objective), cumulative_reach. Gains for every strategy come from the same
    independent reverse-reachable-set estimate, so strategies compare fairly. With
    --brand, every strategy but macro-any picks from accounts of relevance >=
    --min-relevance. --platform, --tier and --min/--max-followers keep only the
    creators a manager considers (they need --profiles).
    """
    from pipeline.profiles import CreatorFilter, TierThresholds, load_profiles
    from pipeline.seeding import select_seeds

    creators = CreatorFilter.of(platform, tier, min_followers, max_followers)
    if (creators.active or tier_thresholds) and profiles is None:
        raise InputError(
            "--platform, --tier, --tier-thresholds and --min/--max-followers need --profiles"
        )
    thresholds = TierThresholds.parse(tier_thresholds) if tier_thresholds else None

    quiet = quiet or json_out
    b = brands_for(brand, profiles, brands)
    g = load_graph_arg(graph, fmt, edge_meaning, source_col, target_col, quiet, header, columns)
    model_name = resolve_model_option(model, p, g)
    p = model_name.p
    prof = load_profiles(profiles, g, thresholds=thresholds) if profiles is not None else None
    exc = g.index_of(id_list(exclude), what="--exclude ID")
    inc = g.index_of(id_list(include), what="--include ID")
    with spinner(f"{strategy.value} seeds", quiet) as update:
        result = select_seeds(
            g,
            strategy.value,
            k=k,
            budget=budget,
            model=model_name,
            p=p,
            profiles=prof,
            brands=b,
            brand=brand,
            min_relevance=min_relevance,
            max_creators=max_creators,
            costs=_costs(per_creator_cost, cost_fixed, cost_per_follower),
            objective=objective,
            exclude=exc,
            include=inc,
            seed=seed,
            max_steps=max_steps,
            epsilon=epsilon,
            celf_runs=celf_runs,
            progress=update,
            creators=creators,
        )
    df = result.to_polars()
    if out is not None:
        emit_table(df, out, out_format, "seeds", quiet)
    tail = result.diminishing_returns()
    if json_out:
        payload = {**result.summary(), "diminishing_returns": tail,
                   "seeds": df.drop("node").to_dicts()}  # fmt: skip
        print_json(payload)
        return
    if quiet:
        return
    summary = result.summary()
    err_console.print(
        f"{summary['strategy']}: {summary['seeds']} seeds, cost {summary['total_cost']:,.2f}, "
        f"expected reach {summary['expected_reach']:,.1f} "
        f"(+/- {summary['expected_reach_stderr']:,.1f}) accounts "
        f"{summary.get('gain_unit', 'activated')}, "
        f"{summary['expected_earned_reach']:,.1f} beyond the seeds"
        + (
            f"; certified at least {summary['certified_ratio']:.0%} of the best plan"
            if summary.get("certified_ratio") is not None
            else ""
        ),
        highlight=False,
    )
    if tail is not None:
        err_console.print(
            f"diminishing returns from rank {tail['from_rank']}: {tail['text']}", highlight=False
        )
    if out is None:
        shown = ["rank", "id", "handle", "tier", "cost", "marginal_gain", "cumulative_reach"]
        table = df.select(shown)
        if prof is not None and prof.table["platform"].is_not_null().any():
            plat = prof.table["platform"].gather(df["node"].to_numpy())
            table = table.insert_column(3, plat.fill_null("").alias("platform"))
        emit_table(table, None, None, "seeds", quiet, max_rows=50)
        if budget is not None:
            left = budget - float(summary["total_cost"])
            err_console.print(
                f"budget {budget:,.2f}: {summary['total_cost']:,.2f} spent, "
                f"{left:,.2f} left unspent"
                + (f" (filters: {creators.describe()})" if creators.active else ""),
                highlight=False, markup=False,
            )  # fmt: skip
