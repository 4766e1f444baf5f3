"""Per-cell summaries: mean reach with Student-t 95% intervals, reach per currency unit,
seeds and reach by tier; and the competition table's summary. O(runs log runs) per table.

Every float reduction here (and in the comparisons, verdicts and cross-model tables,
through :func:`stable`, :func:`smean` and :func:`mean_ci`) reduces each group's values
as one sorted list, not in the order polars' threads deliver the rows (polars drops a
sort before an order-insensitive aggregation, and adds floats in thread order): the
same folder gives the same bits on every call and with any ``POLARS_MAX_THREADS``.
"""

from __future__ import annotations

import polars as pl

from pipeline.aggregate.results import GROUP_KEYS, MEASURES, PROJECTED, Results
from pipeline.intervals import half_width_list
from pipeline.profiles import TIER_NAMES

__all__ = [
    "competition_summary",
    "list_mean_ci",
    "mean_ci",
    "smean",
    "sort_levels",
    "stable",
    "summarize",
    "summarize_runs",
]


def stable(x: pl.Expr | str) -> pl.Expr:
    """In a group-by: the group's values of ``x`` as one list, sorted (nulls last), so
    that a mean, sum or standard deviation of it (``.list.mean()``, ...) does not depend
    on the order of the rows. O(n log n) per group."""
    e = pl.col(x) if isinstance(x, str) else x
    return e.sort(nulls_last=True).implode()


def smean(x: pl.Expr | str) -> pl.Expr:
    """In a group-by: the mean of ``x`` (nulls ignored), order-deterministic."""
    return stable(x).list.mean()


def list_mean_ci(values: pl.Expr, name: str) -> list[pl.Expr]:
    """:func:`mean_ci` of a list column (one sorted list of values per row, e.g. a
    :func:`stable` aggregated once and reused): the mean and its 95% interval."""
    mean = values.list.mean()
    half = half_width_list(values)
    return [
        mean.alias(f"mean_{name}"),
        (mean - half).alias(f"{name}_ci_low"),
        (mean + half).alias(f"{name}_ci_high"),
    ]


def mean_ci(col: str, name: str) -> list[pl.Expr]:
    """In a group-by: ``mean_<name>``, ``<name>_ci_low``, ``<name>_ci_high``: mean ±
    t(0.975, n-1) sd/√n (ddof=1; :mod:`pipeline.intervals`), order-deterministic
    (:func:`stable`).

    The interval is null for a single run (no spread to estimate).
    """
    return list_mean_ci(stable(pl.col(col).cast(pl.Float64)), name)


def _per_cost(mean: str) -> pl.Expr:
    """``mean / cost_spent``, null when the cost is 0, null or NaN."""
    cost = pl.col("cost_spent")
    ok = cost.is_not_null() & cost.is_not_nan() & (cost != 0)
    return pl.when(ok).then(pl.col(mean) / cost).otherwise(None)


def _cost_per(mean: str) -> pl.Expr:
    """``cost_spent / mean`` (currency units per account), null when the mean is 0."""
    m = pl.col(mean)
    return pl.when(m > 0).then(pl.col("cost_spent") / m).otherwise(None)


def sort_levels(df: pl.DataFrame, last: str = "strategy") -> pl.DataFrame:
    return df.sort(["brand", "model", "budget", "k", last], nulls_last=True)


def summarize_runs(runs: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """One row per brand x model x strategy x budget x k from the per-run table.

    Columns: the group key, ``runs``; for each metric M of :data:`METRICS`
    (``activated``, ``exposed``, and the *earned* ``earned_activated`` and
    ``earned_exposed``, which leave out the contracted seeds themselves):
    ``mean_M``, ``M_ci_low``, ``M_ci_high`` (accounts, 95% Student-t interval
    mean ± t(0.975, n-1)·sd/√n with sd of ddof 1, null for one run), ``M_per_cost``
    (accounts per currency unit, null when nothing was spent) and ``cost_per_M``
    (currency units per account, null when the mean is 0). Also ``cost_spent``
    (currency units, fees plus per-creator overhead, mean over runs); ``seeds_used``
    (mean over runs); ``cpm`` (currency units per 1,000 impressions valuing the
    cell's impressions, null if unknown). Platform units (``docs/projection.md``),
    each with ``mean_``, interval, ``_per_cost`` and ``cost_per_``: ``impressions``,
    ``engagements``, ``people`` (the creators' own posts plus the cascade's) and their
    ``earned_`` parts; named costs ``cost_per_engagement``, ``cost_per_person`` and
    ``cost_per_mille`` (cost per 1,000 impressions); ``emv`` (earned media value,
    ``mean_impressions x cpm / 1000``, currency units, with ``emv_ci_low``/``_high``
    from the impressions' interval) and ``emv_per_cost``; ``certified_ratio`` (the
    optimizers' certified approximation ratio of the seeds, a lower bound with
    probability 1 - 1/n; null for the other strategies); ``robust_ratio`` and
    ``robust_ratio_low`` (a robust plan's achieved worst-case ratio over the models and
    its 95% lower bound; null otherwise); ``optimised`` (what the plan's strategy
    maximised, the runs table's column: e.g. ``people (weighted-exposure proxy)``; null
    when not recorded). Sorted by brand, model,
    budget, k, strategy (nulls last). One hash group-by, O(rows log rows).
    """
    lf = runs.lazy()
    names = lf.collect_schema().names()
    if "earned_activated" not in names:
        lf = lf.with_columns((pl.col("activated") - pl.col("seeds_used")).alias("earned_activated"))
    if "earned_exposed" not in names:
        lf = lf.with_columns((pl.col("exposed") - pl.col("seeds_used")).alias("earned_exposed"))
    lf = lf.with_columns(
        pl.lit(None, pl.Float64).alias(c)
        for c in (*PROJECTED, "certified_ratio", "robust_ratio", "robust_ratio_low")
        if c not in names
    )
    if "optimised" not in names:
        lf = lf.with_columns(pl.lit(None, pl.String).alias("optimised"))
    means = ("cost_spent", "seeds_used", "cpm", "certified_ratio", "robust_ratio",
             "robust_ratio_low")  # fmt: skip
    out = (
        lf.group_by(GROUP_KEYS)
        .agg(  # each measure sorted once per cell, then reduced row by row
            pl.len().cast(pl.Int64).alias("runs"),
            # one value per cell (what its plan was chosen for); the smallest: deterministic
            pl.col("optimised").cast(pl.String).min().alias("optimised"),
            *(stable(pl.col(m).cast(pl.Float64)).alias(f"_l_{m}") for m in MEASURES),
            *(stable(pl.col(c).cast(pl.Float64)).alias(f"_l_{c}") for c in means),
        )
        .with_columns(
            *(e for m in MEASURES for e in list_mean_ci(pl.col(f"_l_{m}"), m)),
            *(pl.col(f"_l_{c}").list.mean().alias(c) for c in means),
        )
        .drop(f"_l_{c}" for c in (*MEASURES, *means))
        .with_columns(
            *(_per_cost(f"mean_{m}").alias(f"{m}_per_cost") for m in MEASURES),
            *(_cost_per(f"mean_{m}").alias(f"cost_per_{m}") for m in MEASURES),
            *(
                (pl.col(a) * pl.col("cpm") * 0.001).alias(f"emv{b}")
                for a, b in (
                    ("mean_impressions", ""),
                    ("impressions_ci_low", "_ci_low"),
                    ("impressions_ci_high", "_ci_high"),
                )
            ),
            (_cost_per("mean_impressions") * 1000.0).alias("cost_per_mille"),
        )
        .with_columns(_per_cost("emv").alias("emv_per_cost"))
        .rename(
            {
                "cost_per_activated": "cost_per_activation",
                "cost_per_exposed": "cost_per_exposure",
                "cost_per_engagements": "cost_per_engagement",
                "cost_per_people": "cost_per_person",
                "cost_per_impressions": "cost_per_impression",
            }
        )
        .collect()
    )
    return sort_levels(out)


def summarize(results: Results) -> pl.DataFrame:
    """:func:`summarize_runs` plus seeds and reached accounts by tier.

    Extra columns: ``seeds_<tier>`` (Int64, number of seeds of that tier, 0
    when none) and ``reached_<tier>`` (Float64, mean accounts of that tier
    activated per run, 0.0 when absent) for each tier of
    :data:`~pipeline.profiles.TIER_NAMES`. O(rows of runs + seeds + audience).
    """
    summary = summarize_runs(results.runs)
    seeds = results.seeds.group_by(GROUP_KEYS).agg(
        (pl.col("tier") == t).sum().cast(pl.Int64).alias(f"seeds_{t}") for t in TIER_NAMES
    )
    reached = results.audience.group_by(GROUP_KEYS).agg(
        stable(pl.col("expected_activated").filter(pl.col("tier") == t))
        .list.sum()
        .alias(f"reached_{t}")
        for t in TIER_NAMES
    )
    out = summary.join(seeds, on=GROUP_KEYS, how="left", nulls_equal=True).join(
        reached, on=GROUP_KEYS, how="left", nulls_equal=True
    )
    return out.with_columns(
        *(pl.col(f"seeds_{t}").fill_null(0) for t in TIER_NAMES),
        *(pl.col(f"reached_{t}").fill_null(0.0) for t in TIER_NAMES),
    )


# --------------------------------------------------------------------------- competition


def competition_summary(results: Results) -> pl.DataFrame:
    """Competing brands (the campaign's ``[competition]``): one row per contest and brand.

    Columns: brands, model, strategy, level, brand, budget, k, runs,
    ``mean_adopters`` with ``adopters_ci_low``/``_high`` (accounts, 95%),
    ``share`` (mean over runs of the brand's adopters / all adopters; runs
    with no adopter are left out), ``mean_alone`` (accounts it activates
    seeding alone, same random numbers), ``loss = mean_alone - mean_adopters``
    and ``loss_share = loss / mean_alone``. Empty when there was no
    competition. O(rows).
    """
    df = results.competition
    if df.height == 0:
        return df.clear().select("brands", "model", "strategy", "level", "brand", "budget", "k")
    total = pl.col("adopters").sum().over("contest", "run")
    out = (
        df.with_columns(
            pl.when(total > 0).then(pl.col("adopters") / total).otherwise(None).alias("_share")
        )
        .group_by("contest", "brands", "model", "strategy", "level", "brand", "budget", "k")
        .agg(
            pl.len().cast(pl.Int64).alias("runs"),
            *mean_ci("adopters", "adopters"),
            smean("_share").alias("share"),
            smean(pl.col("alone").cast(pl.Float64)).alias("mean_alone"),
        )
        .with_columns((pl.col("mean_alone") - pl.col("mean_adopters")).alias("loss"))
        .with_columns(
            pl.when(pl.col("mean_alone") > 0)
            .then(pl.col("loss") / pl.col("mean_alone"))
            .otherwise(None)
            .alias("loss_share")
        )
        .sort("brands", "model", "level", "strategy", "brand")
    )
    return out.drop("contest")
