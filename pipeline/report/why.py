"""Why each creator is in a plan, from its own numbers, in the units a marketer buys.

:func:`plan_seeds` finds the creators of one plan (a row of :func:`pipeline.report.plan.plans`
or any brand x model x strategy x level key) in the results' seeds table, every one in
seeding order, and picks for each the creator to compare it with
(:func:`comparables`). :func:`why` writes one line per creator from the seeds table's
evidence columns (``pipeline/schema.py``), each figure on one stated basis:

- what it adds to the plan in the objective's unit, reshares included
  (``marginal_gain``, the seeding estimate; for people a proxy, and said so);
- its **own post**'s cost per engagement (``cost / own_engagements``: the figure of the
  brief's column, whose headers, :data:`OWN_POST_HEADS`, say that the people added
  (``marginal_people``) and the engagements beside it are of the creator's own post:
  the results record no per-creator people *with* the cascade, so both are counted
  without it), against the best comparable creator left out: another plan for the
  brand contracts it, this one does not, its fee is within :data:`COST_BAND` of this
  creator's, and it is of the same tier when any such is (``(other tier)`` otherwise);
- its topic fit, its audience overlap with the creators above and, for a plan chosen on
  RR sets, in how many bootstrap re-runs it was picked when not in all of them.

Polars in, text out; no HTML.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from pipeline.aggregate import METRIC_WORDS, Results
from pipeline.export import format_money
from pipeline.report.plan import people

__all__ = [
    "COST_BAND",
    "OWN_POST_HEADS",
    "SEED_KEYS",
    "WHY_LEGEND",
    "comparables",
    "gain_words",
    "plan_seeds",
    "why",
]

#: The columns that name one plan (a cell of the campaign) in the seeds table.
SEED_KEYS: tuple[str, ...] = ("brand", "model", "strategy", "budget", "k")

#: A comparable creator's fee lies within this factor of the creator's, either way.
COST_BAND = 1.5

#: Headers of the per-creator figures on one basis, the creator's own post (short: a
#: printed brief keeps each header on one line): the people it adds beyond the creators
#: above, its engagements, and its cost per engagement over them.
OWN_POST_HEADS = ("own-post people", "own-post engagements", "cost per engagement")

#: What a line of :func:`why` says, for the caption of a table that shows it.
WHY_LEGEND = (
    "Why: what it adds to the plan in the objective's unit, reshares included; own post: "
    "its cost per engagement vs the best creator another plan for this brand contracts "
    f"and this one does not, at a fee within {COST_BAND:g}x, of the same tier unless "
    "marked; topic fit, 0 to 1; overlap: its followers who follow a creator above; picked "
    "in 4 of 5 re-runs (shown when not 5 of 5): how often the selection, re-run on "
    "resampled data, picks it again."
)

#: The words of a gain in each platform unit ("adds about 3,800 engagements").
_KPI_WORDS = {
    "engagements": "engagements",
    "impressions": "impressions",
    "people": "people",
    "earned_engagements": "earned engagements",
    "earned_impressions": "earned impressions",
    "earned_people": "earned people",
}


def gain_words(objective: str) -> str:
    """What one unit of ``objective`` is, in a gain: ``engagements``, ``earned people``,
    ``activated accounts (in-graph)`` ..."""
    return _KPI_WORDS.get(objective) or METRIC_WORDS.get(objective, objective)


def plan_seeds(results: Results, key: dict[str, Any]) -> pl.DataFrame:
    """Every creator of the plan ``key`` (brand, model, strategy, budget, k), in rank
    order, with its comparable creator (:func:`comparables`, from the brand's other
    plans); empty when the results hold no seeds for it. O(rows of the seeds table)."""
    match = pl.all_horizontal(
        pl.col(c).is_null() if key.get(c) is None else pl.col(c) == key[c] for c in SEED_KEYS
    )
    plan = results.seeds.filter(match).sort("rank")
    brand = key.get("brand")
    pool = results.seeds.filter(
        pl.col("brand").is_null() if brand is None else pl.col("brand") == brand
    )
    return comparables(plan, pool)


def comparables(plan: pl.DataFrame, pool: pl.DataFrame) -> pl.DataFrame:
    """``plan`` (seeds rows) with ``alternative``, ``alternative_cost_per_engagement``
    and ``alternative_basis`` ("same tier" or "other tier") picked from ``pool`` (seeds
    rows of the same brand): among the creators of ``pool`` not in ``plan`` whose fee is
    within :data:`COST_BAND` of the creator's, the one with the lowest cost per
    engagement of its own post, preferring those of the creator's tier; null when none.
    ``plan`` is returned as it is when the tables lack what this needs (older results).
    One inequality join, O((plan + pool) log + matches)."""
    need = {"id", "handle", "tier", "cost", "own_engagements"}
    if plan.height == 0 or not need <= set(plan.columns) or not need <= set(pool.columns):
        return plan
    cpe = pl.col("cost") / pl.col("own_engagements")
    cand = (
        pool.filter(~pl.col("id").is_in(plan["id"].implode()))
        .filter(cpe.is_finite() & (pl.col("cost") > 0) & (pl.col("own_engagements") > 0))
        .unique("id", keep="first", maintain_order=True)
        .select(
            pl.col("handle").alias("_alt"),
            pl.col("tier").alias("_alt_tier"),
            pl.col("cost").alias("_alt_cost"),
            cpe.alias("_alt_cpe"),
        )
    )
    me = plan.select("rank", "tier", "cost").filter(pl.col("cost") > 0)
    pairs = me.join_where(
        cand,
        pl.col("_alt_cost") >= pl.col("cost") / COST_BAND,
        pl.col("_alt_cost") <= pl.col("cost") * COST_BAND,
    )
    best = (
        pairs.with_columns((pl.col("_alt_tier") == pl.col("tier")).fill_null(False).alias("_same"))
        .sort(["rank", "_same", "_alt_cpe", "_alt"], descending=[False, True, False, False])
        .group_by("rank", maintain_order=True)
        .first()
        .select(
            "rank",
            pl.col("_alt").alias("alternative"),
            pl.col("_alt_cpe").alias("alternative_cost_per_engagement"),
            pl.when(pl.col("_same"))
            .then(pl.lit("same tier"))
            .otherwise(pl.lit("other tier"))
            .alias("alternative_basis"),
        )
    )
    old = [c for c in ("alternative", "alternative_cost_per_engagement", "alternative_basis")
           if c in plan.columns]  # fmt: skip
    return plan.drop(old).join(best, on="rank", how="left", maintain_order="left")


def _finite(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def why(row: dict[str, Any], objective: str, currency: str = "") -> str:
    """One line on why the creator ``row`` (a seeds row) is in its plan (the module
    docstring says what each figure is), e.g. "adds about 9,900 engagements with
    reshares; own post $0.52 vs $0.77 for @food_jade_9009 (cost per engagement); topic fit
    0.82; 4% overlap". Counts have two significant figures; a figure the
    results do not hold is left out (without a cost per engagement, its own post's new
    people are said instead)."""
    first = row.get("rank") == 1
    parts = []
    gain = _finite(row.get("marginal_gain"))
    if gain is not None:
        text = f"adds about {people(gain)} {gain_words(objective)}"
        if objective in _KPI_WORDS:
            text += " with reshares"
        if objective.removeprefix("earned_") == "people":
            text += " (a proxy estimate)"
        parts.append(text + (" (first creator)" if first else ""))
    # its own post: the figures are in the table's columns, the line compares them
    engagements = _finite(row.get("own_engagements"))
    cost = _finite(row.get("cost"))
    if cost is not None and engagements:
        text = f"own post {format_money(cost / engagements, currency)}"  # per engagement
        other = row.get("alternative")
        other_cpe = _finite(row.get("alternative_cost_per_engagement"))
        if other and other_cpe is not None:
            text += f" vs {format_money(other_cpe, currency)} for {other}"
            if row.get("alternative_basis") == "other tier":  # same tier goes unsaid
                text += " (other tier)"
        elif "alternative" in row:
            text += " per engagement, no comparable creator left out"
        parts.append(text)
    elif (new_people := _finite(row.get("marginal_people"))) is not None:
        parts.append(f"own post {people(new_people)} {'' if first else 'new '}people")
    fit = _finite(row.get("relevance"))
    if fit is not None:
        parts.append(f"topic fit {fit:.2f}")
    overlap = _finite(row.get("overlap_above"))
    if overlap is not None and not first:
        parts.append(f"{overlap:.0%} overlap")
    picked, of = row.get("picked_in"), row.get("resamples")
    if picked is not None and of and picked < of:  # a shaky pick: say so
        parts.append(f"picked in {picked} of {of} re-runs")
    return "; ".join(parts)
