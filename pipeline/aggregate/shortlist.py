"""The ranked candidate list behind a brand's best plan: its seeds with marginal and
cumulative reach, costs and audience overlap with the creators above.
"""

from __future__ import annotations

import math

import polars as pl

from pipeline.aggregate.results import GROUP_KEYS, Results, without_scenarios
from pipeline.aggregate.summaries import summarize_runs
from pipeline.aggregate.winners import level_winners
from pipeline.errors import InputError

__all__ = ["candidates"]


def _fmt(x: float) -> str:
    return f"{x:g}"


def candidates(
    results: Results,
    brand: str,
    top: int = 20,
    model: str | None = None,
    budget: float | None = None,
    k: int | None = None,
) -> pl.DataFrame:
    """The ranked seed list behind the best strategy for ``brand``.

    The model is ``model``, else the campaign's plan model (the ``medium`` preset when
    an older campaign ran it, else the config's first model); the level is
    ``budget`` (or ``k``), else the largest budget, or the largest k when the
    grid is by number of seeds; the strategy is the one with the highest mean of
    the campaign's objective (``mean_engagements`` by default) at that level
    (ties as in :func:`verdicts`). Returns its first ``top`` seeds by rank with
    columns rank, id, handle, tier, cost (currency units: fee plus per-creator
    overhead), relevance, followers, marginal_reach (the expected extra objective given
    the seeds above: engagements, impressions or people for a KPI, else exposed or
    activated accounts), cumulative_reach, overlap_above
    (share of its followers who already follow a seed ranked above), engagement_rate,
    real_audience and platform (null in folders written before they were recorded),
    picked_in and stability (``"4 of 5"``: bootstrap re-runs of the selection that
    picked it, for plans chosen on RR sets; null otherwise), brand, model, strategy,
    budget, k. O(rows of the brand's runs + seeds).

    Raises
    ------
    InputError
        If ``top`` < 1, or ``brand``, ``model``, ``budget`` or ``k`` is not in
        the results (the message lists the valid ones), or the chosen cell has
        no seeds table.
    """
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    brands = sorted(
        b
        for b in results.runs.select(pl.col("brand").unique()).collect().to_series()
        if b is not None
    )
    if brand not in brands:
        raise InputError(f"unknown brand {brand!r}; the results hold {', '.join(brands)}")
    summary = summarize_runs(without_scenarios(results.runs).filter(pl.col("brand") == brand))
    models = sorted(summary["model"].unique().to_list())
    if model is None:
        # the default virality preset when the campaign ran it, else the config's first
        order = [m.get("label") for m in (results.manifest.get("grid") or {}).get("models", [])]
        listed = [m for m in order if m in models]
        model = (
            results.plan_model
            if results.plan_model in models
            else "medium"
            if "medium" in models
            else (listed or models)[0]
        )
    elif model not in models:
        raise InputError(
            f"unknown model {model!r} for brand {brand!r}; the results hold {', '.join(models)}"
        )
    summary = summary.filter(pl.col("model") == model)
    budgets = sorted(summary["budget"].drop_nulls().unique().to_list())
    ks = sorted(summary["k"].drop_nulls().unique().to_list())
    if budget is not None:
        match = [b for b in budgets if math.isclose(b, budget, rel_tol=1e-9, abs_tol=1e-9)]
        if not match:
            valid = ", ".join(map(_fmt, budgets)) or "none (the grid is by number of seeds)"
            raise InputError(
                f"no budget {_fmt(budget)} for brand {brand!r} and model {model!r}; "
                f"budgets: {valid}"
            )
        level = pl.col("budget") == match[0]
    elif k is not None:
        if k not in ks:
            valid = ", ".join(map(str, ks)) or "none (the grid is by budget)"
            raise InputError(
                f"no k {k} for brand {brand!r} and model {model!r}; numbers of seeds: {valid}"
            )
        level = pl.col("k") == k
    elif budgets:
        level = pl.col("budget") == budgets[-1]
    else:
        level = pl.col("budget").is_null() & (pl.col("k") == ks[-1])
    chosen = level_winners(summary.filter(level), results.objective).row(0, named=True)
    key = {c: chosen[c] for c in GROUP_KEYS}
    match_key = pl.all_horizontal(
        pl.col(c).is_null() if v is None else pl.col(c) == v for c, v in key.items()
    )
    seeds = results.seeds.filter(match_key)
    if seeds.height == 0:
        raise InputError(
            f"{results.path}: no seeds recorded for brand {brand!r}, model {model!r}, "
            f"strategy {key['strategy']!r}"
        )
    return (
        seeds.sort("rank")
        .head(top)
        .select(
            "rank",
            "id",
            "handle",
            "tier",
            "cost",
            "relevance",
            "followers",
            pl.col("marginal_gain").alias("marginal_reach"),
            "cumulative_reach",
            "overlap_above",
            "engagement_rate",
            "real_audience",
            "platform",
            "picked_in",
            pl.when(pl.col("picked_in").is_not_null())
            .then(pl.format("{} of {}", "picked_in", "resamples"))
            .otherwise(None)
            .alias("stability"),
            "brand",
            "model",
            "strategy",
            "budget",
            "k",
        )
    )
