"""Is the best strategy of a level really better? Wins, ties and the undecided.

At each level (brand, model, budget or k) the best strategy by mean is compared with
the runner-up through their paired per-run difference: run ``r`` of every strategy of
a brand and model shares its random numbers (common random numbers, as in
:func:`~pipeline.aggregate.comparisons.compare_runs`), so ``best_r - runner_up_r``
carries little of the shared noise. With its 95% Student-t interval ``[lo, hi]`` and
the margin ``m = tie_margin x max(|best mean|, |runner-up mean|)``:

- **tie**: the interval lies inside ``[-m, m]`` (a difference too small to matter,
  whether or not it is real);
- **win**: the interval excludes 0 and reaches beyond the margin (``lo > 0`` and
  ``hi > m``);
- **indistinguishable**: anything else: the interval straddles 0 and a margin, or
  there is none (a single run, or no run numbers in common).

A level with a single strategy is its win (no runner-up). Also the sentence pieces
verdicts share: levels and money in words, and what each strategy spends.
O(runs) for the outcomes, one group-by each.
"""

from __future__ import annotations

import math

import polars as pl

from pipeline.aggregate.results import (
    DEFAULT_TIE_MARGIN,
    LEVEL_KEYS,
    MEASURES,
    PROJECTED,
    Results,
)
from pipeline.aggregate.summaries import mean_ci, sort_levels, summarize_runs
from pipeline.errors import InputError
from pipeline.measures import check_tie_margin

__all__ = [
    "DEFAULT_TIE_MARGIN",
    "OUTCOMES",
    "check_tie_margin",
    "level_outcomes",
    "level_text",
    "money",
    "outcome_expr",
    "paired_differences",
    "rank_levels",
    "run_measures",
    "spend_clause",
]

#: What a level's comparison of best and runner-up can say.
OUTCOMES: tuple[str, ...] = ("win", "tie", "indistinguishable")


def rank_levels(summary: pl.DataFrame, objective: str) -> pl.DataFrame:
    """``summary`` sorted best first within each level (highest ``mean_<objective>``,
    then highest ``<objective>_per_cost``, then name) with ``_rank`` (0 = best)."""
    mean, per = f"mean_{objective}", f"{objective}_per_cost"
    return summary.sort(
        [*LEVEL_KEYS, mean, per, "strategy"],
        descending=[False, False, False, False, True, True, False],
        nulls_last=True,
    ).with_columns(pl.int_range(pl.len()).over(LEVEL_KEYS).alias("_rank"))


def _measures(runs: pl.LazyFrame) -> pl.LazyFrame:
    """The runs with every measure present (earned counts derived, absent units null)."""
    names = runs.collect_schema().names()
    for m, raw in (("earned_activated", "activated"), ("earned_exposed", "exposed")):
        if m not in names:
            runs = runs.with_columns((pl.col(raw) - pl.col("seeds_used")).alias(m))
    return runs.with_columns(pl.lit(None, pl.Float64).alias(c) for c in PROJECTED if c not in names)


def run_measures(
    source: Results | pl.DataFrame | pl.LazyFrame,
    objective: str | None,
    tie_margin: float | None,
    default_objective: str,
) -> tuple[pl.LazyFrame, str, float]:
    """The runs of ``source`` with every measure present, the objective and the tie margin
    (a :class:`Results` gives its own as defaults; a per-run table
    ``default_objective`` and :data:`DEFAULT_TIE_MARGIN`), both checked. O(1) (lazy)."""
    if isinstance(source, Results):
        runs, objective = source.runs, objective or source.objective
        margin = source.tie_margin if tie_margin is None else tie_margin
    else:
        runs, objective = source.lazy(), objective or default_objective
        margin = DEFAULT_TIE_MARGIN if tie_margin is None else tie_margin
    if objective not in MEASURES:
        raise InputError(f"unknown objective {objective!r}; expected one of {', '.join(MEASURES)}")
    return _measures(runs.lazy()), objective, check_tie_margin(margin)


def level_outcomes(
    source: Results | pl.LazyFrame | pl.DataFrame,
    objective: str | None = None,
    *,
    tie_margin: float | None = None,
) -> pl.DataFrame:
    """Per level, the best strategy against the runner-up: win, tie or indistinguishable
    (module doc).

    ``source``: a :class:`Results` (its objective and tie margin are the defaults) or a
    per-run table (objective default ``activated``, margin :data:`DEFAULT_TIE_MARGIN`).
    Columns: brand, model, budget, k, objective, best, runner_up (null when alone),
    best_mean, runner_up_mean (over all runs), runs (paired runs), mean_diff,
    diff_ci_low, diff_ci_high (best - runner-up, per run, 95%), margin (in the
    objective's unit), outcome (:data:`OUTCOMES`). Sorted by level. O(runs).
    """
    lf, objective, margin = run_measures(source, objective, tie_margin, "activated")
    mean = f"mean_{objective}"
    ranked = rank_levels(summarize_runs(lf), objective).filter(pl.col("_rank") < 2)
    top = ranked.filter(pl.col("_rank") == 0).select(
        *LEVEL_KEYS, pl.col("strategy").alias("best"), pl.col(mean).alias("best_mean")
    )
    second = ranked.filter(pl.col("_rank") == 1).select(
        *LEVEL_KEYS, pl.col("strategy").alias("runner_up"), pl.col(mean).alias("runner_up_mean")
    )
    pairs = top.join(second, on=LEVEL_KEYS, how="inner", nulls_equal=True)
    diffs = paired_differences(lf, pairs, objective)
    out = (
        top.join(second, on=LEVEL_KEYS, how="left", nulls_equal=True)
        .join(diffs, on=LEVEL_KEYS, how="left", nulls_equal=True)
        .with_columns(
            pl.col("runs").fill_null(0),
            (
                margin
                * pl.max_horizontal(pl.col("best_mean").abs(), pl.col("runner_up_mean").abs())
            ).alias("margin"),
        )
        .with_columns(
            pl.when(pl.col("runner_up").is_null())
            .then(pl.lit("win"))
            .otherwise(outcome_expr())
            .alias("outcome"),
            pl.lit(objective).alias("objective"),
        )
    )
    columns = [*LEVEL_KEYS, "objective", "best", "runner_up", "best_mean", "runner_up_mean",
               "runs", "mean_diff", "diff_ci_low", "diff_ci_high", "margin", "outcome"]  # fmt: skip
    return sort_levels(out.select(columns), last="best")


def paired_differences(
    runs: pl.LazyFrame,
    pairs: pl.DataFrame,
    measure: str,
    first: str = "best",
    second: str = "runner_up",
) -> pl.DataFrame:
    """Per level of ``pairs`` (:data:`LEVEL_KEYS` plus the strategy columns ``first`` and
    ``second``, one pair per level): ``runs`` (paired runs), ``mean_diff``,
    ``diff_ci_low``, ``diff_ci_high`` of ``first - second`` in ``measure``, run by run
    (common random numbers), 95% Student-t (null for a single run). Levels without a
    run in common are absent. O(runs)."""
    x = pl.col(measure).cast(pl.Float64)
    per_run = runs.lazy().select(*LEVEL_KEYS, "strategy", "run", x.alias("_x"))
    mine = per_run.join(
        pairs.lazy().select(*LEVEL_KEYS, pl.col(first).alias("strategy")),
        on=[*LEVEL_KEYS, "strategy"], nulls_equal=True,
    ).drop("strategy")  # fmt: skip
    theirs = per_run.join(
        pairs.lazy().select(*LEVEL_KEYS, pl.col(second).alias("strategy")),
        on=[*LEVEL_KEYS, "strategy"], nulls_equal=True,
    ).select(*LEVEL_KEYS, "run", pl.col("_x").alias("_y"))  # fmt: skip
    return (
        mine.join(theirs, on=[*LEVEL_KEYS, "run"], nulls_equal=True)
        .with_columns((pl.col("_x") - pl.col("_y")).alias("_d"))
        .group_by(LEVEL_KEYS)
        .agg(pl.len().cast(pl.Int64).alias("runs"), *mean_ci("_d", "diff"))
        .collect()
    )


def outcome_expr() -> pl.Expr:
    """The outcome (module doc) of the columns ``diff_ci_low``, ``diff_ci_high`` and
    ``margin``: ``win``, ``tie`` or ``indistinguishable`` (also when any is null)."""
    lo, hi, m = pl.col("diff_ci_low"), pl.col("diff_ci_high"), pl.col("margin")
    return (
        pl.when(lo.is_null() | hi.is_null() | m.is_null())
        .then(pl.lit("indistinguishable"))
        .when((lo >= -m) & (hi <= m))
        .then(pl.lit("tie"))
        .when((lo > 0) & (hi > m))
        .then(pl.lit("win"))
        .otherwise(pl.lit("indistinguishable"))
    )


def money(x: float | None, currency: str = "") -> str:
    """An amount in words: ``$8,590``; two decimals below 100 when not whole;
    ``unknown`` when null or NaN."""
    if x is None or not math.isfinite(x):
        return "unknown"
    text = f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.2f}"
    return f"-{currency}{text[1:]}" if text.startswith("-") else f"{currency}{text}"


def level_text(budget: float | None, k: int | None, currency: str = "") -> str:
    """A level in words, after "at": ``$5,000`` or ``4 seeds``."""
    if budget is not None:
        return money(budget, currency)
    return f"{k} seed" if k == 1 else f"{k} seeds"


def _spent(lo: float | None, hi: float | None, currency: str) -> str:
    if lo is None or hi is None or lo != lo or hi != hi:
        return "an unknown amount"
    if money(lo) == money(hi):
        return money(lo, currency)
    return f"{money(lo, currency)}–{money(hi)}"


def spend_clause(summary: pl.DataFrame, first: str | None, currency: str = "") -> str:
    """What each strategy spends at the largest level of ``summary`` (rows of one brand;
    several models give a range per strategy): ``of the $10,000 budget, imm spends
    $9,980, micro $8,590 and macro $9,985`` (``first`` leads, the rest by descending
    spend; ``at 20 seeds, ...`` for a seed count). "" when nothing is known to be spent.
    O(rows log rows)."""
    if summary.height == 0 or "cost_spent" not in summary.columns:
        return ""
    budgets = summary["budget"].drop_nulls()
    if budgets.len():
        top_budget = float(budgets.max())  # type: ignore[arg-type]
        rows = summary.filter(pl.col("budget") == top_budget)
        head = f"of the {money(top_budget, currency)} budget"
    else:
        ks = summary["k"].drop_nulls()
        if not ks.len():
            return ""
        top_k = int(ks.max())  # type: ignore[arg-type]
        rows = summary.filter(pl.col("budget").is_null() & (pl.col("k") == top_k))
        head = f"at {level_text(None, top_k)}"
    cost = pl.col("cost_spent").cast(pl.Float64).fill_nan(None)
    spend = (
        rows.group_by("strategy")
        .agg(cost.min().alias("lo"), cost.max().alias("hi"))
        .with_columns((pl.col("strategy") != (first or "")).alias("_other"))
        .sort(["_other", "hi", "strategy"], descending=[False, True, False], nulls_last=True)
    )
    if budgets.len() == 0 and not (spend["hi"].fill_null(0.0) > 0).any():
        return ""  # seed counts without known costs: nothing to say about money
    if spend["hi"].null_count() == spend.height:
        return ""
    parts = [
        (s, _spent(lo, hi, currency)) for s, lo, hi in spend.select("strategy", "lo", "hi").rows()
    ]
    name, amount = parts[0]
    text = f"{head}, {name} spends {amount}"
    rest = [f"{s} {a}" for s, a in parts[1:]]
    if len(rest) == 1:
        text += f" and {rest[0]}"
    elif rest:
        text += ", " + ", ".join(rest[:-1]) + f" and {rest[-1]}"
    return text
