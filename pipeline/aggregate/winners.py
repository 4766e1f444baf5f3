"""Who wins: the best strategy per level and verdict sentences per brand and model
(robustness across models: :mod:`pipeline.aggregate.robust`). They work on the
summary (one row per cell) and, given the runs (a :class:`Results` brings them), say
whether a win is clear, a tie or not distinguishable
(:mod:`pipeline.aggregate.outcomes`). Every verdict ends with what each strategy
spends at the largest level.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from pipeline.aggregate.outcomes import (
    check_tie_margin,
    level_outcomes,
    level_text,
    rank_levels,
    spend_clause,
)
from pipeline.aggregate.results import (
    DEFAULT_BASELINE,
    DEFAULT_OBJECTIVE,
    DEFAULT_TIE_MARGIN,
    LEVEL_KEYS,
    METRIC_WORDS,
    OBJECTIVES,
    Results,
    without_scenarios,
)
from pipeline.aggregate.summaries import smean, summarize_runs
from pipeline.errors import InputError
from pipeline.seeding.registry import family_of

__all__ = ["level_outcomes", "level_winners", "optimised_note", "proxy_note", "unit_of", "verdicts"]

Runs = Results | pl.LazyFrame | pl.DataFrame


def _check_objective(objective: str) -> str:
    if objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r}; expected one of {', '.join(OBJECTIVES)}"
        )
    return objective


def level_winners(
    summary: pl.DataFrame,
    objective: str = "activated",
    *,
    runs: Results | pl.LazyFrame | pl.DataFrame | None = None,
    tie_margin: float = DEFAULT_TIE_MARGIN,
) -> pl.DataFrame:
    """The winning row of each brand x model x level: highest ``mean_<objective>``,
    then highest ``<objective>_per_cost``, then strategy name.

    With ``runs`` (a :class:`Results` or the per-run table behind ``summary``) each row
    also says whether the win is clear (:func:`level_outcomes` at ``tie_margin``):
    runner_up, mean_diff, diff_ci_low, diff_ci_high, margin and outcome (``win``,
    ``tie`` or ``indistinguishable``; null where the runs disagree with the summary)."""
    winners = rank_levels(summary, objective).filter(pl.col("_rank") == 0).drop("_rank")
    if runs is None:
        return winners
    out = level_outcomes(runs, objective, tie_margin=tie_margin).select(
        *LEVEL_KEYS, pl.col("best").alias("strategy"), *_OUTCOME_COLUMNS
    )
    return winners.join(out, on=[*LEVEL_KEYS, "strategy"], how="left", nulls_equal=True)


_OUTCOME_COLUMNS = ("runner_up", "mean_diff", "diff_ci_low", "diff_ci_high", "margin", "outcome")


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def unit_of(objective: str) -> str:
    """What one unit of ``objective`` counts, plural: ``engagements``, ``impressions``,
    ``people`` for the platform KPIs (earned or not), else ``accounts`` (in-graph)."""
    base = objective.removeprefix("earned_")
    return base if base in ("engagements", "impressions", "people") else "accounts"


def proxy_note(optimised: str | None, who: str = "") -> str:
    """``"(optimised through a weighted-exposure proxy; figures simulated)"`` when
    ``optimised`` (the runs table's column) names a stand-in the plan was chosen on
    (``people (weighted-exposure proxy)``; under LT ``people (impressions proxy: ...)``),
    with ``who`` ("imm") before "optimised" when given; "" when the plan was chosen for
    the objective itself, by a heuristic, or the folder does not say."""
    m = re.search(r"\(([^:()]*proxy)\b", optimised or "")
    if m is None:
        return ""
    proxy = m.group(1).strip()
    article = "an" if proxy[:1] in tuple("aeiou") else "a"
    return f"({who + ' ' if who else ''}optimised through {article} {proxy}; figures simulated)"


def optimised_note(summary: pl.DataFrame, best: str) -> str:
    """:func:`proxy_note` for the summary rows of one brand and model: the note of
    ``best``'s plans when chosen on a stand-in, else of the strategies that were, named
    ("(imm and opim optimised through ...)"); "" when none was (or none is recorded)."""
    if "optimised" not in summary.columns:
        return ""
    proxied = (
        summary.filter(pl.col("optimised").str.contains("proxy"))
        .group_by("strategy")
        .agg(pl.col("optimised").min())
        .sort("strategy")
    )
    own = proxied.filter(pl.col("strategy") == best)
    if own.height:
        return proxy_note(own["optimised"][0])
    if proxied.height == 0:
        return ""
    return proxy_note(proxied["optimised"][0], who=_and(proxied["strategy"].to_list()))


def _source(
    source: Results | pl.DataFrame,
    objective: str | None,
    runs: Runs | None,
    tie_margin: float | None,
) -> tuple[pl.DataFrame, str, str, Runs | None, float, str]:
    """(summary, default baseline, objective, runs, tie margin, currency) of a verdict's
    source."""
    if isinstance(source, Results):  # cost scenarios (mixed@0.5x) have their own verdicts
        margin = source.tie_margin if tie_margin is None else tie_margin
        main = without_scenarios(source.runs)
        return (summarize_runs(main), source.baseline, objective or source.objective,
                main if runs is None else runs, check_tie_margin(margin),
                source.currency)  # fmt: skip
    if objective is None:
        col = f"mean_{DEFAULT_OBJECTIVE}"
        known = col in source.columns and source[col].null_count() < source.height
        objective = DEFAULT_OBJECTIVE if known else "activated"
    margin = check_tie_margin(DEFAULT_TIE_MARGIN if tie_margin is None else tie_margin)
    return source, DEFAULT_BASELINE, objective, runs, margin, ""


def _unit(by_budget: bool, by_k: bool) -> tuple[str, str]:
    if by_budget:
        return ("budget", "budgets")
    return ("seed count", "seed counts") if by_k else ("level", "levels")


def _winners(
    summary: pl.DataFrame, objective: str, runs: Runs | None, margin: float
) -> pl.DataFrame:
    """:func:`level_winners` with outcome columns (null without runs)."""
    winners = level_winners(summary, objective, runs=runs, tie_margin=margin)
    if "outcome" in winners.columns:
        return winners
    return winners.with_columns(
        pl.lit(None, pl.String).alias("runner_up"), pl.lit(None, pl.String).alias("outcome")
    )


def _unclear(rows: list[dict[str, Any]], best: str, currency: str) -> str:
    """``ties with micro at $5,000; not distinguishable from macro at $2,500``: the
    levels where ``best`` leads, or is the runner-up, without a clear win (``rows``:
    level winners with outcomes)."""
    parts = []
    for outcome, words in (("tie", "ties with"), ("indistinguishable", "not distinguishable from")):
        by_rival: dict[str, list[str]] = {}
        for r in rows:
            if r["outcome"] == outcome and best in (r["strategy"], r["runner_up"]):
                rival = r["runner_up"] if r["strategy"] == best else r["strategy"]
                by_rival.setdefault(rival, []).append(level_text(r["budget"], r["k"], currency))
        parts += [f"{words} {rival} at {_and(at)}" for rival, at in by_rival.items()]
    return "; ".join(parts)


def _sentence(
    best: str,
    counts: tuple[int, int, int],
    unit: tuple[str, str],
    baseline: str,
    gain: float | None,
    objective: str,
    unclear: str,
    judged: bool,
    note: str = "",
) -> str:
    """The opening of a verdict; ``counts`` are (levels won clearly, levels led, levels),
    ``unit`` (singular, plural) of a level; the gain is in the objective's unit; ``note``
    (:func:`optimised_note`) follows the objective's name."""
    won, led, levels = counts
    units, words = unit_of(objective), METRIC_WORDS[objective] + (f" {note}" if note else "")
    who = f"{best} ({family_of(best)})"
    at = f"{levels} {_plural(levels, *unit)}"
    if judged and won == 0:
        text = f"no strategy clearly gives the most {words}: {who} leads at {led} of {at}"
    else:
        text = f"{who} gives the most {words} at {won} of {at}"
    if unclear:
        text += f" ({unclear})"
    if best == baseline:
        return text + f"; it is the {baseline} baseline"
    if gain is None:
        return text + f"; no {baseline} baseline to compare with"
    if gain >= 0:
        return text + f", {gain:+,.0f} {units} over {baseline} on average"
    return text + f", {-gain:,.0f} fewer {units} than {baseline} on average"


def verdicts(
    source: Results | pl.DataFrame,
    baseline: str | None = None,
    objective: str | None = None,
    *,
    tie_margin: float | None = None,
    runs: Runs | None = None,
) -> pl.DataFrame:
    """Per brand x model, the strategy that gives the most ``objective`` per budget.

    ``source`` is a :class:`Results` or the output of :func:`summarize_runs`
    (or :func:`summarize`). ``objective`` (:data:`METRICS`) defaults to the
    campaign's (``engagements`` for a summary that has it, else ``activated``).
    At each level (budget or k) the strategy with the highest ``mean_<objective>``
    leads (ties: higher ``<objective>_per_cost``, then name); with the runs (those of
    :class:`Results`, or ``runs``) a lead is a clear win, a tie or not distinguishable
    from the runner-up (:func:`level_outcomes`, ``tie_margin`` a share of the larger
    mean, default the campaign's or 0.02); without them every lead counts as a win.
    The best strategy wins the most levels clearly (ties: more levels led, then
    higher mean ``<objective>_per_cost`` over its levels, then name). ``baseline``
    defaults to the manifest's for :class:`Results`, else ``"macro"``.

    Columns: brand, model, objective, best_strategy, family (see
    :data:`FAMILIES`), levels_won (clear wins), levels_led, levels_tied and
    levels_indistinguishable (levels it leads or is the runner-up of with that
    outcome; null without runs), levels, tie_margin,
    mean_per_cost (units of the objective per currency unit of the best
    strategy, mean over levels), gain_vs_baseline (units of the objective, mean
    over the levels with both of best minus baseline; null when the best is the
    baseline or the baseline is missing), verdict (one sentence: who wins where,
    the ties, the gain, and what each strategy spends at the largest level, e.g.
    "imm (optimized) gives the most engagements at 2 of 3 budgets (ties with micro
    at $5,000), +1,204 engagements over macro on average; of the $10,000 budget, imm
    spends $9,980, micro $8,590 and macro $9,985"; when plans were chosen on a stand-in,
    the objective's name is followed once by :func:`optimised_note`, e.g. "people reached
    (optimised through a weighted-exposure proxy; figures simulated)").
    O(runs + summary rows · log).

    Raises
    ------
    InputError
        If ``baseline`` is given but was not run at all, the objective is unknown or
        the tie margin is not in [0, 1).
    """
    summary, default, objective, runs, margin, currency = _source(
        source, objective, runs, tie_margin
    )
    _check_objective(objective)
    if baseline is not None and baseline not in summary["strategy"].to_list():
        present = sorted(set(summary["strategy"].drop_nulls().to_list()))
        raise InputError(
            f"unknown baseline strategy {baseline!r}; the results hold {', '.join(present)}"
        )
    base_name = baseline or default
    bm = ["brand", "model"]
    mean, per = f"mean_{objective}", f"{objective}_per_cost"

    winners = _winners(summary, objective, runs, margin)
    judged = runs is not None
    outcome = pl.col("outcome")
    levels = winners.group_by(bm).agg(
        pl.len().cast(pl.Int64).alias("levels"),
        pl.col("budget").is_not_null().all().alias("_by_budget"),
        pl.col("budget").is_null().all().alias("_by_k"),
    )
    won = winners.group_by([*bm, "strategy"]).agg(
        (outcome.is_null() | (outcome == "win")).sum().cast(pl.Int64).alias("levels_won"),
        pl.len().cast(pl.Int64).alias("levels_led"),
    )
    # ties and the undecided count for both sides: the leader and the runner-up
    sides = pl.concat(
        [winners.select(*bm, "strategy", "outcome"),
         winners.select(*bm, pl.col("runner_up").alias("strategy"), "outcome")]
    )  # fmt: skip
    undecided = (
        sides.filter(pl.col("strategy").is_not_null())
        .group_by([*bm, "strategy"])
        .agg(
            (outcome == "tie").sum().cast(pl.Int64).alias("levels_tied"),
            (outcome == "indistinguishable").sum().cast(pl.Int64).alias("levels_indistinguishable"),
        )
    )
    per_strategy = summary.group_by([*bm, "strategy"]).agg(smean(per).alias("mean_per_cost"))
    counts = ("levels_won", "levels_led", "levels_tied", "levels_indistinguishable")
    best = (
        per_strategy.join(won, on=[*bm, "strategy"], how="left")
        .join(undecided, on=[*bm, "strategy"], how="left")
        .with_columns(pl.col(c).fill_null(0) for c in counts)
        .sort(
            [*bm, "levels_won", "levels_led", "mean_per_cost", "strategy"],
            descending=[False, False, True, True, True, False],
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
        .agg(smean(pl.col("_mean") - pl.col("_base")).alias("gain_vs_baseline"))
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
            *(
                pl.col(c) if judged else pl.lit(None, pl.Int64).alias(c)
                for c in ("levels_tied", "levels_indistinguishable")
            ),
        )
        .sort(bm)
    )
    sentences = []
    for row in out.iter_rows(named=True):
        mine = winners.filter((pl.col("brand") == row["brand"]) & (pl.col("model") == row["model"]))
        cell = summary.filter((pl.col("brand") == row["brand"]) & (pl.col("model") == row["model"]))
        text = _sentence(
            row["best_strategy"],
            (row["levels_won"], row["levels_led"], row["levels"]),
            _unit(row["_by_budget"], row["_by_k"]),
            base_name,
            row["gain_vs_baseline"],
            objective,
            _unclear(mine.to_dicts(), row["best_strategy"], currency),
            judged,
            optimised_note(cell, row["best_strategy"]),
        )
        spend = spend_clause(cell, row["best_strategy"], currency)
        sentences.append(text + (f"; {spend}" if spend else ""))
    return out.with_columns(
        pl.Series("verdict", sentences, dtype=pl.String),
        pl.lit(objective).alias("objective"),
        pl.lit(margin).alias("tie_margin"),
    ).select(
        "brand", "model", "objective", "best_strategy", "family", *counts, "levels",
        "tie_margin", "mean_per_cost", "gain_vs_baseline", "verdict",
    )  # fmt: skip
