"""The ambassador cost scenarios of a campaign: its verdict again with each ambassador at
another multiple of the ambassador cost.

A campaign that lists ``ambassadors`` or ``mixed`` also runs them, under its plan model,
at each multiple of ``[ambassadors] cost_scenarios`` (``mixed@0.5x``, ``ambassadors@2x``;
:meth:`~pipeline.campaign.config.CampaignConfig.scenarios`), since that cost decides
cost-per-engagement comparisons. Those cells stay out of the main verdicts
(:func:`without_scenarios`); :func:`cost_scenario_verdicts` puts each scenario's cells in
place of the strategies they vary and gives the plan model's verdict again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from pipeline.aggregate.results import SCENARIO, without_scenarios

if TYPE_CHECKING:
    from pipeline.aggregate.results import Results

__all__ = [
    "SCENARIO",
    "cost_scenario_verdicts",
    "scenario_multiples",
    "scenario_text",
    "without_scenarios",
]


def scenario_multiples(res: Results) -> list[float]:
    """The multiples of the ambassador cost the folder has cells for, ascending."""
    names = res.runs.select(pl.col("strategy").unique()).collect()["strategy"]
    found = names.str.extract(SCENARIO, 2).drop_nulls().cast(pl.Float64).unique().sort()
    return found.to_list()


def cost_scenario_verdicts(res: Results, baseline: str | None = None) -> pl.DataFrame:
    """Per cost scenario and brand, the plan model's verdict with that scenario's cells in
    place of the strategies they vary (e.g. ``mixed@0.5x`` judged as ``mixed``, against
    the same paid plans). Columns: multiple, ambassador_cost (currency units, from the
    manifest; null if absent), brand, model, verdict. Empty without scenarios.
    O(runs)."""
    from pipeline.aggregate.results import Results
    from pipeline.aggregate.winners import verdicts

    schema = {"multiple": pl.Float64, "ambassador_cost": pl.Float64, "brand": pl.String,
              "model": pl.String, "verdict": pl.String}  # fmt: skip
    plan = res.plan_model
    multiples = scenario_multiples(res)
    if not multiples:
        return pl.DataFrame(schema=schema)
    settings = res.manifest.get("settings", {})
    amb = settings.get("ambassadors", {}) if isinstance(settings, dict) else {}
    cost = amb.get("cost") if isinstance(amb, dict) else None
    rows = []
    base = pl.col("strategy").str.extract(SCENARIO, 1)
    times = pl.col("strategy").str.extract(SCENARIO, 2).cast(pl.Float64)
    runs = res.runs if plan is None else res.runs.filter(pl.col("model") == plan)
    for x in multiples:
        varied = runs.filter(times == x).select(base.unique()).collect().to_series().to_list()
        mine = runs.filter(
            (times == x) | (base.is_null() & ~pl.col("strategy").is_in(varied))
        ).with_columns(pl.coalesce(base, pl.col("strategy")).alias("strategy"))
        view = Results(res.path, res.manifest, mine, res.seeds, res.audience, res.curves)
        table = verdicts(view, baseline)
        for r in table.iter_rows(named=True):
            rows.append((x, None if cost is None else float(cost) * x, r["brand"], r["model"],
                         r["verdict"]))  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def scenario_text(row: dict[str, Any], currency: str = "") -> str:
    """One row of :func:`cost_scenario_verdicts` for people: ``at 0.5x the ambassador cost
    ($12.50 each), under medium: mixed (optimized) gives the most ...``."""
    each = ""
    if row.get("ambassador_cost") is not None:
        each = f" ({currency}{row['ambassador_cost']:,.2f} each)"
    return (f"at {row['multiple']:g}x the ambassador cost{each}, under {row['model']}: "
            f"{row['verdict']}")  # fmt: skip


def cost_per_unit(res: Results, objective: str | None = None) -> pl.DataFrame:
    """Per brand, at its largest level under the plan model, each strategy's spend per
    unit of the objective (e.g. cost per engagement), the cost scenarios beside the
    strategies they vary. Columns: brand, level (budget, else k), strategy, multiple (1
    for the listed strategy), mean (the objective), cost_spent, cost_per (currency units
    per unit; null when the mean is 0). O(runs)."""
    from pipeline.aggregate.summaries import summarize_runs

    objective = objective or res.objective
    runs = res.runs if res.plan_model is None else res.runs.filter(
        pl.col("model") == res.plan_model
    )  # fmt: skip
    s = summarize_runs(runs)
    level = pl.coalesce(pl.col("budget"), pl.col("k").cast(pl.Float64)).alias("level")
    s = s.with_columns(level).filter(pl.col("level") == pl.col("level").max().over("brand"))
    mean = pl.col(f"mean_{objective}")
    return s.select(
        "brand", "level",
        pl.coalesce(pl.col("strategy").str.extract(SCENARIO, 1), "strategy").alias("strategy"),
        pl.col("strategy").str.extract(SCENARIO, 2).cast(pl.Float64).fill_null(1.0)
        .alias("multiple"),
        mean.alias("mean"), "cost_spent",
        pl.when(mean > 0).then(pl.col("cost_spent") / mean).alias("cost_per"),
    ).sort("brand", "strategy", "multiple")  # fmt: skip


def _money(x: float | None, currency: str) -> str:
    return "n/a" if x is None else f"{currency}{x:,.2f}"


def scenario_lines(res: Results, baseline: str | None = None) -> dict[str, list[str]]:
    """Per brand, the lines a campaign prints after its verdicts when it enlists
    ambassadors: the spend per unit of the objective of every strategy at the largest
    level under the plan model (cheapest first; a cost scenario's in parentheses), then
    the verdict at each cost scenario (:func:`scenario_text`). Empty without scenarios."""
    from pipeline.aggregate.winners import unit_of

    if not scenario_multiples(res):
        return {}
    cur, out = res.currency, {}
    unit = unit_of(res.objective).removesuffix("s")
    per = cost_per_unit(res)
    for (brand,), rows in per.group_by("brand", maintain_order=True):
        base = rows.filter(pl.col("multiple") == 1.0).sort("cost_per", nulls_last=True)
        parts = []
        for r in base.iter_rows(named=True):
            alt = rows.filter((pl.col("strategy") == r["strategy"]) & (pl.col("multiple") != 1))
            extra = ", ".join(f"{_money(a['cost_per'], cur)} at {a['multiple']:g}x"
                              for a in alt.iter_rows(named=True))  # fmt: skip
            parts.append(f"{r['strategy']} {_money(r['cost_per'], cur)}"
                         + (f" ({extra})" if extra else ""))  # fmt: skip
        level = rows["level"][0]
        at = f"{cur}{level:,.0f}" if rows["level"].dtype == pl.Float64 else f"{level:g}"
        lines = [f"cost per {unit} at {at} under {res.plan_model or 'the model'}: "
                 + ", ".join(parts)]  # fmt: skip
        out[str(brand)] = lines
    for r in cost_scenario_verdicts(res, baseline).iter_rows(named=True):
        out.setdefault(r["brand"], []).append(scenario_text(r, cur))
    return out
