"""Who wins: the best strategy per level, verdict sentences per brand and model, and
robustness across models. Work on the summary only (one row per cell).
"""

from __future__ import annotations

import polars as pl

from pipeline.aggregate.results import (
    DEFAULT_BASELINE,
    DEFAULT_OBJECTIVE,
    LEVEL_KEYS,
    METRIC_WORDS,
    OBJECTIVES,
    Results,
)
from pipeline.aggregate.summaries import summarize_runs
from pipeline.errors import InputError
from pipeline.registry import family_of

__all__ = ["level_winners", "robustness", "unit_of", "verdicts"]


def _check_objective(objective: str) -> str:
    if objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r}; expected one of {', '.join(OBJECTIVES)}"
        )
    return objective


def level_winners(summary: pl.DataFrame, objective: str = "activated") -> pl.DataFrame:
    """The winning row of each brand x model x level: highest ``mean_<objective>``,
    then highest ``<objective>_per_cost``, then strategy name."""
    mean, per = f"mean_{objective}", f"{objective}_per_cost"
    return (
        summary.sort(
            [*LEVEL_KEYS, mean, per, "strategy"],
            descending=[False, False, False, False, True, True, False],
            nulls_last=True,
        )
        .group_by(LEVEL_KEYS, maintain_order=True)
        .first()
    )


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _sentence(
    best: str,
    won: int,
    levels: int,
    unit: tuple[str, str],
    baseline: str,
    gain: float | None,
    words: str = "reach",
    objective: str = "activated",
) -> str:
    """One English sentence for a verdict row; ``unit`` is (singular, plural) of a level;
    the gain is counted in the objective's unit (:func:`unit_of`)."""
    units = unit_of(objective)
    family = family_of(best)
    text = f"{best} ({family}) gives the most {words} at {won} of {levels} {_plural(levels, *unit)}"
    if best == baseline:
        return text + f"; it is the {baseline} baseline"
    if gain is None:
        return text + f"; no {baseline} baseline to compare with"
    if gain >= 0:
        return text + f", {gain:+,.0f} {units} over {baseline} on average"
    return text + f", {-gain:,.0f} fewer {units} than {baseline} on average"


def unit_of(objective: str) -> str:
    """What one unit of ``objective`` counts, plural: ``engagements``, ``impressions``,
    ``people`` for the platform KPIs (earned or not), else ``accounts`` (in-graph)."""
    base = objective.removeprefix("earned_")
    return base if base in ("engagements", "impressions", "people") else "accounts"


def _source(source: Results | pl.DataFrame, objective: str | None) -> tuple[pl.DataFrame, str, str]:
    """(summary, default baseline, objective) of a verdict's source."""
    if isinstance(source, Results):
        return summarize_runs(source.runs), source.baseline, objective or source.objective
    if objective is None:
        col = f"mean_{DEFAULT_OBJECTIVE}"
        known = col in source.columns and source[col].null_count() < source.height
        objective = DEFAULT_OBJECTIVE if known else "activated"
    return source, DEFAULT_BASELINE, objective


def _unit(by_budget: bool, by_k: bool) -> tuple[str, str]:
    if by_budget:
        return ("budget", "budgets")
    return ("seed count", "seed counts") if by_k else ("level", "levels")


def verdicts(
    source: Results | pl.DataFrame, baseline: str | None = None, objective: str | None = None
) -> pl.DataFrame:
    """Per brand x model, the strategy that gives the most ``objective`` per budget.

    ``source`` is a :class:`Results` or the output of :func:`summarize_runs`
    (or :func:`summarize`). ``objective`` (:data:`METRICS`) defaults to the
    campaign's (``earned_exposed`` for a summary that has it, else
    ``activated``). At each level (budget or k) the strategy with the highest
    ``mean_<objective>`` wins (ties: higher ``<objective>_per_cost``, then
    name); the best strategy wins the most levels (ties: higher mean
    ``<objective>_per_cost`` over its levels, then name). ``baseline``
    defaults to the manifest's for :class:`Results`, else ``"macro"``.

    Columns: brand, model, objective, best_strategy, family (see
    :data:`FAMILIES`), levels_won, levels, mean_per_cost (units of the
    objective per currency unit of the best strategy, mean over levels),
    gain_vs_baseline (units of the objective, mean over the levels with both
    of best minus baseline; null when the best is the baseline or the baseline
    is missing), verdict (one sentence). O(summary rows · log).

    Raises
    ------
    InputError
        If ``baseline`` is given but was not run at all, or the objective is unknown.
    """
    summary, default, objective = _source(source, objective)
    _check_objective(objective)
    if baseline is not None and baseline not in summary["strategy"].to_list():
        present = sorted(set(summary["strategy"].drop_nulls().to_list()))
        raise InputError(
            f"unknown baseline strategy {baseline!r}; the results hold {', '.join(present)}"
        )
    base_name = baseline or default
    bm = ["brand", "model"]
    mean, per = f"mean_{objective}", f"{objective}_per_cost"

    winners = level_winners(summary, objective)
    levels = winners.group_by(bm).agg(
        pl.len().cast(pl.Int64).alias("levels"),
        pl.col("budget").is_not_null().all().alias("_by_budget"),
        pl.col("budget").is_null().all().alias("_by_k"),
    )
    won = winners.group_by([*bm, "strategy"]).agg(pl.len().cast(pl.Int64).alias("levels_won"))
    per_strategy = summary.group_by([*bm, "strategy"]).agg(
        pl.col(per).mean().alias("mean_per_cost")
    )
    best = (
        per_strategy.join(won, on=[*bm, "strategy"], how="left")
        .with_columns(pl.col("levels_won").fill_null(0))
        .sort(
            [*bm, "levels_won", "mean_per_cost", "strategy"],
            descending=[False, False, True, True, False],
            nulls_last=True,
        )
        .group_by(bm, maintain_order=True)
        .first()
        .rename({"strategy": "best_strategy"})
    )
    level_means = summary.select(*LEVEL_KEYS, "strategy", pl.col(mean).alias("_mean"))
    best_means = level_means.join(
        best.select(*bm, pl.col("best_strategy").alias("strategy")), on=[*bm, "strategy"]
    )
    base_means = level_means.filter(pl.col("strategy") == base_name).select(
        *LEVEL_KEYS, pl.col("_mean").alias("_base")
    )
    gains = (
        best_means.join(base_means, on=LEVEL_KEYS, nulls_equal=True)
        .group_by(bm)
        .agg((pl.col("_mean") - pl.col("_base")).mean().alias("gain_vs_baseline"))
    )
    families = {s: family_of(s) for s in best["best_strategy"].unique().drop_nulls().to_list()}
    out = (
        best.join(levels, on=bm)
        .join(gains, on=bm, how="left")
        .with_columns(
            pl.col("best_strategy")
            .replace_strict(families, default="other", return_dtype=pl.String)
            .alias("family"),
            pl.when(pl.col("best_strategy") == base_name)
            .then(None)
            .otherwise(pl.col("gain_vs_baseline"))
            .alias("gain_vs_baseline"),
        )
        .sort(bm)
    )
    sentences = [
        _sentence(
            row["best_strategy"],
            row["levels_won"],
            row["levels"],
            _unit(row["_by_budget"], row["_by_k"]),
            base_name,
            row["gain_vs_baseline"],
            METRIC_WORDS[objective],
            objective,
        )
        for row in out.iter_rows(named=True)
    ]
    return out.with_columns(
        pl.Series("verdict", sentences, dtype=pl.String), pl.lit(objective).alias("objective")
    ).select(
        "brand",
        "model",
        "objective",
        "best_strategy",
        "family",
        "levels_won",
        "levels",
        "mean_per_cost",
        "gain_vs_baseline",
        "verdict",
    )


def robustness(source: Results | pl.DataFrame, objective: str | None = None) -> pl.DataFrame:
    """Per brand, the strategy that wins the most (model, level) pairs, and under how
    many models it holds (wins every level of that model).

    Columns: brand, objective, best_strategy, family, wins (model x level pairs
    won), pairs, models_held, models, levels (per model, the most of any model),
    exceptions (``model: winner (n of L)`` for each model where it does not hold,
    ``; ``-joined), verdict (one sentence, e.g. "micro (micro) gives the most earned
    exposure at all 3 budgets under 2 of 3 models; under high-virality, imm wins 3
    of 3"). O(summary rows · log).
    """
    summary, _, objective = _source(source, objective)
    _check_objective(objective)
    winners = level_winners(summary, objective)
    rows = []
    for (brand,), part in winners.group_by(["brand"], maintain_order=True):
        by_model: dict[str, dict[str, int]] = {}
        levels_of: dict[str, int] = {}
        for r in part.iter_rows(named=True):
            by_model.setdefault(r["model"], {})
            by_model[r["model"]][r["strategy"]] = by_model[r["model"]].get(r["strategy"], 0) + 1
            levels_of[r["model"]] = levels_of.get(r["model"], 0) + 1
        totals: dict[str, int] = {}
        for counts in by_model.values():
            for strat, c in counts.items():
                totals[strat] = totals.get(strat, 0) + c
        per_cost = (
            summary.filter(pl.col("brand") == brand)
            .group_by("strategy")
            .agg(pl.col(f"{objective}_per_cost").mean())
        )
        pc = dict(zip(per_cost["strategy"].to_list(), per_cost[f"{objective}_per_cost"].to_list(),
                      strict=True))  # fmt: skip
        best = sorted(totals, key=lambda x: (-totals[x], -(pc.get(x) or 0.0), x))[0]
        models = sorted(by_model)
        held = [m for m in models if by_model[m].get(best, 0) == levels_of[m]]
        others = []
        for m in models:
            if m in held:
                continue
            top = sorted(by_model[m], key=lambda x: (-by_model[m][x], x))[0]
            others.append((m, top, by_model[m][top], levels_of[m]))
        unit = _unit(bool(part["budget"].is_not_null().all()), bool(part["budget"].is_null().all()))
        levels = max(levels_of.values())
        words = METRIC_WORDS[objective]
        if len(held) == len(models):
            under = "the model" if len(models) == 1 else f"all {len(models)} models"
            scope = f"at every {unit[0]} under {under}"
        elif held:
            scope = (
                f"at all {levels} {_plural(levels, *unit)} under {len(held)} of {len(models)} "
                f"models ({', '.join(held)})"
            )
        else:
            scope = (
                f"at {totals[best]} of {len(part)} model x {unit[0]} pairs, "
                f"but at every {unit[0]} under no model"
            )
        text = f"{best} ({family_of(best)}) gives the most {words} {scope}"
        if others:
            parts = []
            for m, top, n, L in others:
                mine = by_model[m].get(best, 0)
                if top == best:  # it leads there too, but not at every level
                    rest = ", ".join(x for x in sorted(by_model[m]) if x != best)
                    parts.append(f"under {m} it wins {mine} of {L} ({rest} the rest)")
                else:
                    parts.append(f"under {m}, {top} wins {n} of {L}")
            text += "; " + "; ".join(parts)
        rows.append(
            {
                "brand": brand,
                "objective": objective,
                "best_strategy": best,
                "family": family_of(best),
                "wins": totals[best],
                "pairs": len(part),
                "models_held": len(held),
                "models": len(models),
                "levels": levels,
                "exceptions": "; ".join(f"{m}: {t} ({n} of {L})" for m, t, n, L in others),
                "verdict": text,
            }
        )
    schema = {"brand": pl.String, "objective": pl.String, "best_strategy": pl.String,
              "family": pl.String, "wins": pl.Int64, "pairs": pl.Int64, "models_held": pl.Int64,
              "models": pl.Int64, "levels": pl.Int64, "exceptions": pl.String,
              "verdict": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema).sort("brand")
