"""Paired differences against a baseline strategy, run by run (common random numbers).

Run ``r`` of every strategy of a brand and model shares its random numbers, so the
difference is taken run by run, which removes the shared noise. Every mean and
interval is order-deterministic (:func:`~pipeline.aggregate.summaries.stable`): the same
folder gives the same bits. O(runs log runs).
"""

from __future__ import annotations

import polars as pl

from pipeline.aggregate.results import LEVEL_KEYS, MEASURES, PROJECTED, Results
from pipeline.aggregate.summaries import list_mean_ci, sort_levels, stable
from pipeline.errors import InputError

__all__ = ["compare", "compare_runs"]


def _strategies(runs: pl.LazyFrame) -> list[str]:
    return sorted(
        s for s in runs.select(pl.col("strategy").unique()).collect().to_series() if s is not None
    )


def compare_runs(runs: pl.LazyFrame | pl.DataFrame, baseline: str) -> pl.DataFrame:
    """Paired differences of every other strategy against ``baseline``.

    Run ``r`` of a strategy is paired with run ``r`` of the baseline at the
    same brand, model, budget and k; only runs present in both count. Columns:
    brand, model, budget, k, strategy, baseline, ``runs`` (pairs);
    ``mean_diff_activated``, ``diff_activated_ci_low``/``_high`` (accounts,
    mean ± t(0.975, n-1)·sd/√n of the per-run differences) and ``win_share_activated``
    (share of runs where the strategy activated more than the baseline, ties
    count half), the same four for ``exposed``, ``earned_activated`` and
    ``earned_exposed`` and each platform unit (``impressions``, ``engagements``,
    ``people`` and their ``earned_`` parts); ``mean_M`` and ``baseline_mean_M`` for
    every metric; ``mean_activated`` and ``baseline_mean_activated`` (over the paired
    runs) and ``ratio`` of the two (null when the baseline's mean is 0); ``emv`` and
    ``baseline_emv`` (earned media value of the projected impressions, currency units,
    null without a CPM) and ``cost_per_activation`` and
    ``baseline_cost_per_activation`` (currency units per account; inf when nothing is
    activated). Groups without the baseline are
    skipped. Sorted like :func:`summarize_runs`. O(rows).

    Raises
    ------
    InputError
        If ``baseline`` is not among the strategies, or no group has both the
        baseline and another strategy.
    """
    lf = runs.lazy()
    present = _strategies(lf)
    if baseline not in present:
        raise InputError(
            f"unknown baseline strategy {baseline!r}; the results hold {', '.join(present)}"
        )
    if present == [baseline]:
        raise InputError(f"only the baseline strategy {baseline!r} was run; nothing to compare")
    pair = [*LEVEL_KEYS, "run"]
    names = lf.collect_schema().names()
    for m, raw in (("earned_activated", "activated"), ("earned_exposed", "exposed")):
        if m not in names:
            lf = lf.with_columns((pl.col(raw) - pl.col("seeds_used")).alias(m))
    lf = lf.with_columns(pl.lit(None, pl.Float64).alias(c) for c in PROJECTED if c not in names)
    base = lf.filter(pl.col("strategy") == baseline).select(
        *pair,
        *(pl.col(m).alias(f"_base_{m}") for m in MEASURES),
        pl.col("cpm").alias("_base_cpm"),
        pl.col("cost_spent").alias("_base_cost"),
    )
    joined = (
        lf.filter(pl.col("strategy") != baseline)
        .select(*pair, "strategy", *MEASURES, "cpm", "cost_spent")
        .join(base, on=pair, how="inner", nulls_equal=True)
        .with_columns((pl.col(m) - pl.col(f"_base_{m}")).alias(f"_d_{m}") for m in MEASURES)
    )

    def win_share(col: str) -> pl.Expr:  # sums of 0, 0.5 and 1: exact in any order
        d = pl.col(col)
        return ((d > 0).cast(pl.Float64) + 0.5 * (d == 0).cast(pl.Float64)).mean()

    def values(col: str) -> pl.Expr:  # the group's values, sorted: reduced row by row below
        return stable(pl.col(col).cast(pl.Float64)).alias(f"_l{col}")

    def mean(col: str) -> pl.Expr:
        return pl.col(f"_l{col}").list.mean()

    one_per_cell = ("cpm", "_base_cpm", "cost_spent", "_base_cost")
    lists = [*(f"_d_{m}" for m in MEASURES), *MEASURES, *(f"_base_{m}" for m in MEASURES)]
    out = (
        joined.group_by([*LEVEL_KEYS, "strategy"])
        .agg(
            pl.len().cast(pl.Int64).alias("runs"),
            *(win_share(f"_d_{m}").alias(f"win_share_{m}") for m in MEASURES),
            *(values(c) for c in lists),
            # one value per cell: the plan's CPM and cost
            *(stable(c).list.first().alias(c) for c in one_per_cell),
        )
        .with_columns(
            *(e for m in MEASURES for e in list_mean_ci(pl.col(f"_l_d_{m}"), f"diff_{m}")),
            *(mean(m).alias(f"mean_{m}") for m in MEASURES),
            *(mean(f"_base_{m}").alias(f"baseline_mean_{m}") for m in MEASURES),
        )
        .drop(f"_l{c}" for c in lists)
        .with_columns(
            (pl.col("mean_impressions") * pl.col("cpm") * 0.001).alias("emv"),
            (pl.col("baseline_mean_impressions") * pl.col("_base_cpm") * 0.001).alias(
                "baseline_emv"
            ),
            (pl.col("cost_spent") / pl.col("mean_activated")).alias("cost_per_activation"),
            (pl.col("_base_cost") / pl.col("baseline_mean_activated")).alias(
                "baseline_cost_per_activation"
            ),
        )
        .with_columns(
            pl.lit(baseline).alias("baseline"),
            pl.when(pl.col("baseline_mean_activated") != 0)
            .then(pl.col("mean_activated") / pl.col("baseline_mean_activated"))
            .otherwise(None)
            .alias("ratio"),
        )
        .collect()
    )
    if out.height == 0:
        raise InputError(
            f"no brand, model and level has both the baseline {baseline!r} and another "
            "strategy with the same runs; nothing to compare"
        )
    columns = [*LEVEL_KEYS, "strategy", "baseline", "runs"]
    for what in MEASURES:
        columns += [
            f"mean_diff_{what}",
            f"diff_{what}_ci_low",
            f"diff_{what}_ci_high",
            f"win_share_{what}",
        ]
    columns += [
        "mean_activated",
        "baseline_mean_activated",
        *(c for m in MEASURES[1:] for c in (f"mean_{m}", f"baseline_mean_{m}")),
        "ratio",
        "emv",
        "baseline_emv",
        "cost_per_activation",
        "baseline_cost_per_activation",
    ]
    return sort_levels(out.select(columns))


def compare(results: Results, baseline: str | None = None) -> pl.DataFrame:
    """:func:`compare_runs` on the results; ``baseline`` defaults to the manifest's
    (``"macro"`` when the manifest names none). For the winners, see :func:`verdicts`."""
    return compare_runs(results.runs, baseline or results.baseline)
