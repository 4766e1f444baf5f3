"""``influence seed``: who to contract, chosen by a strategy for k seeds or a budget, and
what the plan buys on the platform."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline import defaults
from pipeline.cli.choose import costs_option
from pipeline.cli.common import (
    app,
    brand_factor,
    brands_for,
    handle_errors,
    load_graph_arg,
    spinner,
)
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
    ReachRateO,
    SourceColO,
    StrategyO,
    TargetColO,
    TierO,
    TierThresholdsO,
    id_list,
    resolve_model_option,
)
from pipeline.cli.output import emit_table, err_console, print_json
from pipeline.errors import InputError
from pipeline.profiles import DEFAULT_MIN_RELEVANCE
from pipeline.profiles.kpis import KPIS

__all__ = ["seed_cmd"]


@app.command("seed")
@handle_errors
def seed_cmd(
    graph: GraphArg,
    strategy: StrategyO,
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
    reach_rate: ReachRateO = None,
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
            help="What imm/opim/celf maximise, projected with --profiles (docs/projection.md): "
            "engagements, impressions or people (unique people reached); or in-graph "
            "accounts: activated, earned_activated (beyond the seeds), exposed, "
            "earned_exposed. marginal_gain is in its unit. Without --profiles (or "
            "followers/engagement_rate in them) a KPI falls back to activated/exposed.",
        ),
    ] = defaults.OBJECTIVE,
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
    creators a manager considers (they need --profiles). With --profiles the plan is
    simulated and projected to the platform (docs/projection.md): people, engagements
    and their cost.
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
    from pipeline.profiles.audience import ReachRates

    if reach_rate is not None and prof is None:
        raise InputError("--reach-rate needs --profiles (the accounts' platform audiences)")
    rates = ReachRates.parse(reach_rate, "--reach-rate") if reach_rate else None
    with spinner(f"{strategy} seeds", quiet) as update:
        result = select_seeds(
            g,
            strategy,
            k=k,
            budget=budget,
            model=model_name,
            p=p,
            profiles=prof,
            brands=b,
            brand=brand,
            min_relevance=min_relevance,
            max_creators=max_creators,
            costs=costs_option(per_creator_cost, cost_fixed, cost_per_follower),
            objective=objective,
            exclude=exc,
            include=inc,
            seed=seed,
            max_steps=max_steps,
            epsilon=epsilon,
            celf_runs=celf_runs,
            progress=update,
            creators=creators,
            reach_rates=rates,
        )
    df = result.to_polars()
    units = None
    if prof is not None and len(result):
        from pipeline.seeding.plan_units import plan_units

        with spinner("projecting the plan", quiet):
            units = plan_units(
                g, result.nodes, model_name, prof, cost=float(result.total_cost),
                sender_factor=brand_factor(prof, b, brand), thresholds=thresholds, seed=seed,
                reach_rates=rates, max_steps=max_steps,
            )  # fmt: skip
    if out is not None:
        emit_table(df, out, out_format, "seeds", quiet)
    tail = result.diminishing_returns()
    if json_out:
        payload = {**result.summary(), "diminishing_returns": tail, "projected": units,
                   "seeds": df.drop("node").to_dicts()}  # fmt: skip
        print_json(payload)
        return
    if quiet:
        return
    summary = result.summary()
    unit = str(summary.get("gain_unit", "activated"))
    if result.info.get("objective_note"):
        err_console.print(f"note: {result.info['objective_note']}", highlight=False, markup=False)
    what = (
        f"expected {unit} {summary['expected_reach']:,.1f} "
        f"(+/- {summary['expected_reach_stderr']:,.1f}), the creators' own posts included"
        if unit in KPIS
        else f"expected reach {summary['expected_reach']:,.1f} "
        f"(+/- {summary['expected_reach_stderr']:,.1f}) accounts {unit}, "
        f"{summary['expected_earned_reach']:,.1f} beyond the seeds"
    )
    err_console.print(
        f"{summary['strategy']}: {summary['seeds']} seeds, cost {summary['total_cost']:,.2f}, "
        + what
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
        if units is not None:
            err_console.print(_units_text(units), highlight=False, markup=False, soft_wrap=True)
        if budget is not None:
            left = budget - float(summary["total_cost"])
            err_console.print(
                f"budget {budget:,.2f}: {summary['total_cost']:,.2f} spent, "
                f"{left:,.2f} left unspent"
                + (f" (filters: {creators.describe()})" if creators.active else ""),
                highlight=False, markup=False,
            )  # fmt: skip


def _units_text(units: dict[str, object]) -> str:
    """The plan's projected platform units in one line (``docs/projection.md``)."""

    def num(key: str) -> str:
        v = units.get(key)
        return "n/a" if not isinstance(v, int | float) else f"{v:,.0f}"

    def money(key: str) -> str:
        v = units.get(key)
        if not isinstance(v, int | float):
            return "n/a"
        return f"{v:,.2f}" if v >= 1 else f"{v:.3g}"

    return (
        f"projected on the platform (mean of {units['projection_runs']:,} runs): "
        f"{num('projected_people')} people, {num('projected_impressions')} impressions, "
        f"{num('projected_engagements')} engagements; {money('cost_per_engagement')} per "
        f"engagement, {money('cost_per_person')} per person reached"
    )
