"""``influence seed``: who to contract, chosen by a strategy for k seeds or a budget, and
what the plan buys on the platform."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline import defaults, measures
from pipeline.cli.choose import costs_option
from pipeline.cli.common import (
    app,
    brands_for,
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
    ModelO,
    OutFormatO,
    OutO,
    PerCreatorO,
    PlatformO,
    ProfileColumnsO,
    QuietO,
    ReachRateO,
    SourceColO,
    StrategyO,
    TargetColO,
    TierO,
    TierThresholdsO,
    UndirectedO,
    id_list,
    resolve_model_option,
)
from pipeline.cli.output import emit_table, err_console, print_json
from pipeline.errors import InputError

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
    min_relevance: Annotated[
        float | None,
        typer.Option(
            "--min-relevance",
            help="Brand fit: only accounts with topic relevance >= this (0..1) are "
            f"candidates, for every strategy (0 turns it off; needs --brand; default "
            f"{defaults.MIN_RELEVANCE:g} with --brand).",
        ),
    ] = None,
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
            "engagements, impressions or people (unique people reached; optimised and "
            "estimated through a weighted-exposure proxy, simulated beside it); or in-graph "
            "accounts: activated, earned_activated (beyond the seeds), exposed, "
            "earned_exposed. marginal_gain and cumulative_reach are in its unit. Without "
            "--profiles (or followers/engagement_rate in them) a KPI falls back to "
            "activated/exposed.",
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
    edge_meaning: EdgeMeaningO = None,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    columns: ColumnsO = None,
    duplicates: DuplicatesO = "max",
    undirected: UndirectedO = False,
    profile_cols: ProfileColumnsO = None,
    actions: Annotated[
        Path | None,
        typer.Option(
            "--actions",
            help="Action log (ambassadors, mixed): the accounts that acted on the brand's "
            "items (its rows with --brand, if the log has a brand column) are the ambassadors, "
            "ranked by influence credit within 365 days (docs/ambassadors.md).",
        ),
    ] = None,
    ambassador_cost: Annotated[
        float,
        typer.Option("--ambassador-cost", help="What enlisting one ambassador costs."),
    ] = defaults.AMBASSADOR_COST,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: summary and seeds.")
    ] = False,
    out: OutO = None,
    out_format: OutFormatO = None,
    quiet: QuietO = False,
) -> None:
    """Choose seed influencers with a strategy, for k seeds or a budget.

    One row per seed, in order: id, handle, tier, cost (fee plus --per-creator-cost),
    marginal_gain (what it adds to the seeds above, in the --objective's unit:
    engagements by default, impressions, people (a weighted-exposure proxy estimate),
    or in-graph accounts activated or exposed) and cumulative_reach (their running sum,
    same unit). Gains for every strategy come from the same independent
    reverse-reachable-set estimate, so strategies compare fairly. With
    --brand, every strategy but macro-any picks from accounts of relevance >=
    --min-relevance. --platform, --tier and --min/--max-followers keep only the
    creators a manager considers (they need --profiles). With --profiles the plan is
    simulated and projected to the platform (docs/projection.md): people, engagements
    and their cost (n/a, with a note saying why, for a figure the profiles cannot give:
    no followers, no engagement rate).
    """
    import polars as pl

    from pipeline.cli.loaders import load_profiles_arg
    from pipeline.profiles import CreatorFilter, TierThresholds
    from pipeline.seeding import select_seeds
    from pipeline.seeding.registry import get_strategy

    creators = CreatorFilter.of(platform, tier, min_followers, max_followers)
    if (creators.active or tier_thresholds) and profiles is None:
        raise InputError(
            "--platform, --tier, --tier-thresholds and --min/--max-followers need --profiles"
        )
    thresholds = TierThresholds.parse(tier_thresholds) if tier_thresholds else None

    if min_relevance is not None and brand is None:
        raise InputError("--min-relevance needs --brand (relevance is a brand's topic fit)")
    quiet = quiet or json_out
    if actions is not None and get_strategy(strategy).pool == "paid":
        raise InputError(f"--actions is read by the strategies that enlist ambassadors "
                         f"(ambassadors, mixed), not by {strategy}")  # fmt: skip
    b = brands_for(brand, profiles, brands)
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
    exc = g.index_of(id_list(exclude), what="--exclude ID")
    inc = g.index_of(id_list(include), what="--include ID")
    from pipeline.profiles.audience import ReachRates

    if reach_rate is not None and prof is None:
        raise InputError("--reach-rate needs --profiles (the accounts' platform audiences)")
    rates = ReachRates.parse(reach_rate, "--reach-rate") if reach_rate else None
    pool = _ambassadors(actions, g, prof, brand, ambassador_cost, quiet) if actions else None
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
            min_relevance=defaults.MIN_RELEVANCE if min_relevance is None else min_relevance,
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
            ambassadors=pool,
        )
    df = result.to_polars()
    if pool is not None:  # who gets a gift, who a contract
        from pipeline.seeding.ambassadors import roles

        df = df.with_columns(pl.Series("role", roles(result.problem, result.nodes)))
    units = None
    if prof is not None and len(result):
        from pipeline.profiles import brand_view
        from pipeline.seeding.plan_units import plan_units

        with spinner("projecting the plan", quiet):
            units = plan_units(
                g, result.nodes, model_name, prof, cost=float(result.total_cost),
                sender_factor=brand_view(prof, b, brand).sender_factor, thresholds=thresholds,
                seed=seed, reach_rates=rates, max_steps=max_steps,
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
    err_console.print(
        f"{summary['strategy']}: {summary['seeds']} seeds, cost {summary['total_cost']:,.2f}, "
        + _estimate_text(summary, units),
        highlight=False, markup=False,
    )  # fmt: skip
    if tail is not None:
        err_console.print(
            f"diminishing returns from rank {tail['from_rank']}: {tail['text']}", highlight=False
        )
    if out is None:
        shown = ["rank", "id", "handle", "tier", "cost", "marginal_gain", "cumulative_reach"]
        table = df.select(shown[:5] + ["role"] * ("role" in df.columns) + shown[5:])
        if prof is not None and prof.table["platform"].is_not_null().any():
            plat = prof.table["platform"].gather(df["node"].to_numpy())
            table = table.insert_column(3, plat.fill_null("").alias("platform"))
        gains = unit if unit in measures.KPIS else f"accounts {unit}"
        if summary.get("gain_basis"):
            gains += " (proxy estimate)"
        emit_table(table, None, None, f"seeds (marginal_gain in {gains})", quiet, max_rows=50)
        if units is not None:
            err_console.print(_units_text(units), highlight=False, markup=False, soft_wrap=True)
            for line in units["notes"]:
                err_console.print(f"note: {line}", highlight=False, markup=False)
        if budget is not None:
            left = budget - float(summary["total_cost"])
            err_console.print(
                f"budget {budget:,.2f}: {summary['total_cost']:,.2f} spent, "
                f"{left:,.2f} left unspent"
                + (f" (filters: {creators.describe()})" if creators.active else ""),
                highlight=False, markup=False,
            )  # fmt: skip


def _estimate_text(summary: dict[str, Any], units: dict[str, Any] | None) -> str:
    """The plan's estimate in the gains' unit. For ``people`` the estimate is the
    weighted-exposure stand-in the optimisers use (``gain_basis``), so it is labelled a
    proxy and the simulated people (``units``) are printed beside it."""
    unit = str(summary.get("gain_unit", "activated"))
    value, err = float(summary["expected_reach"]), float(summary["expected_reach_stderr"])
    ratio = summary.get("certified_ratio")
    basis = str(summary.get("gain_basis") or "")
    if unit not in measures.KPIS:
        earned = float(summary["expected_earned_reach"])
        text = (f"expected reach {value:,.1f} (+/- {err:,.1f}) accounts {unit}, "
                f"{earned:,.1f} beyond the seeds")  # fmt: skip
    elif basis:
        proxy = "impressions" if "impressions proxy" in basis else "weighted exposure"
        simulated = units.get(f"projected_{unit}") if units else None
        text = f"{unit}: proxy estimate ({proxy}) {value:,.0f} (+/- {err:,.0f})"
        if isinstance(simulated, int | float) and math.isfinite(simulated):
            runs = units["projection_runs"] if units else 0
            text += f", simulated {simulated:,.0f} (mean of {runs:,} runs)"
        text += ", the creators' own posts included"
    else:
        text = (f"expected {unit} {value:,.1f} (+/- {err:,.1f}), the creators' own posts "
                "included")  # fmt: skip
    if isinstance(ratio, int | float):
        text += f"; certified at least {ratio:.0%} of the best plan" + (
            " by the proxy" if basis else ""
        )
    return text


def _units_text(units: dict[str, object]) -> str:
    """The plan's projected platform units in one line (``docs/projection.md``): n/a for
    a figure the profiles cannot give (``units["notes"]`` says why) or that is not a
    finite number."""

    def ok(key: str) -> float | None:
        v = units.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return None
        return float(v)

    def num(key: str) -> str:
        v = ok(key)
        return "n/a" if v is None else f"{v:,.0f}"

    def money(key: str) -> str:
        v = ok(key)
        if v is None:
            return "n/a"
        return f"{v:,.2f}" if v >= 1 else f"{v:.3g}"

    runs = units.get("projection_runs")
    where = f" (mean of {runs:,} runs)" if isinstance(runs, int) and runs > 0 else ""
    return (
        f"projected on the platform{where}: "
        f"{num('projected_people')} people, {num('projected_impressions')} impressions, "
        f"{num('projected_engagements')} engagements; {money('cost_per_engagement')} per "
        f"engagement, {money('cost_per_person')} per person reached"
    )


def _ambassadors(
    actions: Path, g: Any, prof: Any, brand: str | None, cost: float, quiet: bool
) -> Any:
    """The :class:`~pipeline.seeding.ambassadors.AmbassadorPool` of ``--actions``: the
    brand's rows (all rows without --brand or a brand column), credit within 365 days,
    profiled accounts of 10,000 or more followers left out (creators). O(log + n)."""
    from pipeline.calibration.actions import load_actions, place_on
    from pipeline.seeding.ambassadors import AmbassadorPool

    if not (math.isfinite(cost) and cost >= 0):
        raise InputError(f"--ambassador-cost must be a number >= 0, got {cost:g}")
    with spinner(f"reading {actions.name}", quiet):
        log = load_actions(actions)
        by_brand = brand if brand is not None and "brand" in log.table.columns else None
        cascades = place_on(log, g, brand=by_brand)
        pool = AmbassadorPool.from_log(g, cascades, horizon=365 * 86_400.0, cost=cost)
    if prof is not None:
        pool = pool.creators_out(prof, defaults.AMBASSADOR_MAX_FOLLOWERS)
    return pool
