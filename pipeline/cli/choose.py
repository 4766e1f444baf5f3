"""``influence rank``: who to contract, by score (``influence seed`` is in :mod:`.seed`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline import defaults
from pipeline.cli.common import (
    app,
    handle_errors,
    load_graph_arg,
    spinner,
)
from pipeline.cli.options import (
    ColumnsO,
    CostFixedO,
    CostPerFollowerO,
    DuplicatesO,
    EdgeMeaningO,
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
    ProfileColumnsO,
    QuietO,
    RankByOpt,
    SourceColO,
    TargetColO,
    TierO,
    TierThresholdsO,
    UndirectedO,
    resolve_model_option,
)
from pipeline.cli.output import emit_table, err_console
from pipeline.errors import InputError

__all__ = ["costs_option", "rank"]


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
    min_relevance: MinRelevanceO = defaults.MIN_RELEVANCE,
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
    edge_meaning: EdgeMeaningO = None,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    columns: ColumnsO = None,
    duplicates: DuplicatesO = "max",
    undirected: UndirectedO = False,
    profile_cols: ProfileColumnsO = None,
    out: OutO = None,
    out_format: OutFormatO = None,
    quiet: QuietO = False,
) -> None:
    """Rank influencers for a brand, with the reasons as columns.

    score = relevance x (w_reach * reach + w_engagement * engagement + w_cost * cost
    efficiency) / (sum of weights), each part a percentile among profiled accounts.
    Without --brand, every brand in --brands is ranked; a filter (--tier, --platform,
    --min/--max-followers, --min-relevance, --max-cost, --min-real-audience) that no
    candidate passes is an error (exit 2), as in seed. With profiles that name a
    platform, the printed list shows it.
    overlap_above: share of a candidate's in-graph followers who already follow a
    candidate ranked above it (high all down the list = hubs sharing one audience).
    """
    import polars as pl

    from pipeline.cli.loaders import load_profiles_arg
    from pipeline.profiles import TierThresholds, load_brands
    from pipeline.profiles.topics import no_fit_reason
    from pipeline.seeding.rank import RankWeights, rank_candidates

    weights = RankWeights(reach=w_reach, engagement=w_engagement, cost=w_cost)
    thresholds = TierThresholds.parse(tiers) if tiers else TierThresholds()
    b = load_brands(brands)
    if brand is not None:
        b.check(brand)
    g = load_graph_arg(
        graph,
        fmt,
        edge_meaning,
        source_col,
        target_col,
        quiet,
        header,
        columns,
        duplicates,
        undirected,
    )
    model_name = resolve_model_option(model, p, g)
    p = model_name.p
    prof = load_profiles_arg(profiles, g, profile_cols, quiet, thresholds)
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
            costs=costs_option(per_creator_cost, cost_fixed, cost_per_follower),
            top=top,
            by=by.value,
            model=model_name,
            p=p,
            epsilon=epsilon,
            seed=seed,
        )
    zero = df.filter(pl.col("relevance").max().over("brand") == 0)["brand"].unique(
        maintain_order=True
    )
    notes = [*b.notes, *(f"every score is 0 (relevance x ...): {no_fit_reason(prof, b, name)}"
                         for name in zero.to_list())]  # fmt: skip
    for note in [] if quiet else notes:  # (--min-relevance 0 ranks brands no account fits)
        err_console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    if not quiet:
        listed = set(df["brand"].unique().to_list())
        for name in [brand] if brand is not None else b.names:
            if name not in listed:
                err_console.print(
                    f"{name}: no candidate passes the filters", highlight=False, markup=False
                )
    if out is None and not quiet:
        platforms = prof.table.filter(pl.col("has_profile"))["platform"]
        if platforms.is_not_null().any():  # the profiles have platforms: show them
            by_id = prof.table.select("id", pl.col("platform").fill_null(""))
            df = df.join(by_id, on="id", how="left", maintain_order="left")
        shown = {
            "rank": "rank",
            "handle": "handle",
            **({"platform": "platform"} if "platform" in df.columns else {}),
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


def costs_option(per_creator: float, fixed: float | None, per_follower: float | None) -> Any:
    from pipeline.valuation.costs import CostModel

    try:
        return CostModel(per_creator, fixed, per_follower)
    except InputError as exc:
        msg = str(exc)
        for name, flag in (("per_creator", "--per-creator-cost"), ("per_follower",
                           "--cost-per-follower"), ("fixed", "--cost-fixed")):  # fmt: skip
            msg = msg.replace(name, flag, 1) if msg.startswith(name) else msg
        raise InputError(msg) from None
