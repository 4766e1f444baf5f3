"""Trade-offs: where another plan of the same level gives clearly more of another KPI.

The recommendation of a level (brand, model, budget or k) is its best strategy by the
campaign's objective. For each other platform KPI (engagements, people, impressions)
the strategy with the most of it may be another one; a trade-off line names it ("for
the most people reached, micro: about 610,000, +41,000 more") only when that is not
noise. :func:`trade_offs` compares the two plans through their paired per-run
difference ``most_r - recommended_r`` (run ``r`` of every strategy of a brand and model
shares its random numbers), with the verdicts' rule
(:mod:`~pipeline.aggregate.outcomes`, ``docs/verdicts.md``): 95% Student-t interval
``[lo, hi]``, margin ``m = tie_margin x max(|most|, |recommended|)``, and the line is
shown only for a clear ``win`` (``lo > 0`` and ``hi > m``); a ``tie`` (interval inside
``[-m, m]``) or an ``indistinguishable`` difference is not a trade-off. O(runs) per KPI.
"""

from __future__ import annotations

import polars as pl

from pipeline.aggregate.outcomes import (
    outcome_expr,
    paired_differences,
    rank_levels,
    run_measures,
)
from pipeline.aggregate.results import LEVEL_KEYS, Results, without_scenarios
from pipeline.aggregate.summaries import sort_levels, summarize_runs
from pipeline.measures import KPIS

__all__ = ["TRADE_OFF_SCHEMA", "trade_offs"]

#: The columns of :func:`trade_offs`, in order.
TRADE_OFF_SCHEMA: dict[str, pl.DataType] = {
    "brand": pl.String(),
    "model": pl.String(),
    "budget": pl.Float64(),
    "k": pl.Int64(),
    "objective": pl.String(),
    "kpi": pl.String(),
    "strategy": pl.String(),
    "most": pl.String(),
    "strategy_mean": pl.Float64(),
    "most_mean": pl.Float64(),
    "runs": pl.Int64(),
    "mean_diff": pl.Float64(),
    "diff_ci_low": pl.Float64(),
    "diff_ci_high": pl.Float64(),
    "margin": pl.Float64(),
    "outcome": pl.String(),
    "shown": pl.Boolean(),
}


def trade_offs(
    source: Results | pl.LazyFrame | pl.DataFrame,
    objective: str | None = None,
    *,
    tie_margin: float | None = None,
) -> pl.DataFrame:
    """Per level and other KPI: the recommended strategy against the one with the most of
    that KPI, and whether a trade-off line may name it (module doc).

    ``source``: a :class:`Results` (its objective and tie margin are the defaults) or a
    per-run table (objective default ``engagements``, margin 0.02). The KPIs are those
    of :data:`~pipeline.profiles.kpis.KPIS` other than the objective's own (all three for
    an in-graph objective), and only where the runs hold them. Columns
    (:data:`TRADE_OFF_SCHEMA`): the level (brand, model, budget, k), objective, kpi,
    strategy (the recommended: the level's best by the objective, ties broken as in
    verdicts), most (the best by ``kpi``), strategy_mean and most_mean (the KPI's means),
    runs (paired runs), mean_diff, diff_ci_low, diff_ci_high (``most - strategy`` per
    run, 95%), margin (in the KPI's unit), outcome (``win``, ``tie`` or
    ``indistinguishable`` for ``most`` against the recommended; null when they are the
    same strategy) and shown (true only for a ``win``). Sorted by level and KPI. O(runs).
    """
    lf, objective, margin = run_measures(source, objective, tie_margin, "engagements")
    lf = without_scenarios(lf)  # cost scenarios (mixed@0.5x) have their own lines
    summary = summarize_runs(lf)
    chosen = rank_levels(summary, objective).filter(pl.col("_rank") == 0)
    recommended = chosen.select(*LEVEL_KEYS, "strategy")
    parts = []
    for kpi in (k for k in KPIS if k != objective.removeprefix("earned_")):
        mean = f"mean_{kpi}"
        if summary[mean].null_count() == summary.height:
            continue  # the folder has no platform units
        top = (
            rank_levels(summary.filter(pl.col(mean).is_not_null()), kpi)
            .filter(pl.col("_rank") == 0)
            .select(*LEVEL_KEYS, pl.col("strategy").alias("most"), pl.col(mean).alias("most_mean"))
        )
        pairs = recommended.join(top, on=LEVEL_KEYS, nulls_equal=True).join(
            summary.select(*LEVEL_KEYS, "strategy", pl.col(mean).alias("strategy_mean")),
            on=[*LEVEL_KEYS, "strategy"],
            nulls_equal=True,
        )
        diffs = paired_differences(lf, pairs.filter(pl.col("most") != pl.col("strategy")),
                                   kpi, first="most", second="strategy")  # fmt: skip
        part = (
            pairs.join(diffs, on=LEVEL_KEYS, how="left", nulls_equal=True)
            .with_columns(
                pl.lit(kpi).alias("kpi"),
                pl.lit(objective).alias("objective"),
                (
                    margin
                    * pl.max_horizontal(pl.col("most_mean").abs(), pl.col("strategy_mean").abs())
                ).alias("margin"),
            )
            .with_columns(
                pl.when(pl.col("most") == pl.col("strategy"))
                .then(None)
                .otherwise(outcome_expr())
                .alias("outcome"),
                pl.col("runs").fill_null(0),
            )
            .with_columns((pl.col("outcome") == "win").fill_null(False).alias("shown"))
        )
        parts.append(part.select(list(TRADE_OFF_SCHEMA)).cast(TRADE_OFF_SCHEMA))  # type: ignore[arg-type]
    if not parts:
        return pl.DataFrame(schema=TRADE_OFF_SCHEMA)
    return sort_levels(pl.concat(parts), last="kpi")
