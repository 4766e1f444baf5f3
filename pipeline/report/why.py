"""Why each creator is in a plan, from its own numbers, in the units a marketer buys.

:func:`plan_seeds` finds the creators of one plan (a row of :func:`pipeline.plan.plans`
or any brand x model x strategy x level key) in the results' seeds table, every one in
seeding order. :func:`why` writes one line per creator from the seeds table's evidence
columns (``pipeline/schema.py``): what it adds in the objective's unit
(``marginal_gain``) and in people its own post reaches beyond the creators above
(``marginal_people``), its topic fit, its audience overlap with the creators above,
and its cost per engagement against the best candidate left out that costs no more
(``alternative``). :func:`engagement_source` says which engagements a creator's cost
per engagement is taken over, so that tables and lines label it honestly. Polars in,
text out; no HTML.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from pipeline.aggregate import METRIC_WORDS, Results
from pipeline.export import format_money
from pipeline.plan import people

__all__ = ["SEED_KEYS", "WHY_LEGEND", "engagement_source", "gain_words", "plan_seeds", "why"]

#: The columns that name one plan (a cell of the campaign) in the seeds table.
SEED_KEYS: tuple[str, ...] = ("brand", "model", "strategy", "budget", "k")

#: What a line of :func:`why` says, for the caption of a table that shows it.
WHY_LEGEND = (
    "Why: what it adds to the creators above (new people: reached by its own post, not "
    "by theirs); topic fit, 0 to 1; audience overlap: its followers who follow a creator "
    "above; own post: its own post's cost per engagement vs that of the best creator left "
    "out costing no more; picked in 4 of 5 re-runs (shown when not 5 of 5): how often "
    "the selection, re-run on resampled data, picks it again."
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


def engagement_source(objective: str) -> tuple[str, str]:
    """(seeds column, header) of the engagements a creator is credited with: what it
    adds to the plan (``marginal_gain``) when the objective is engagements, else the
    engagements of its own post (``own_engagements``)."""
    if objective == "engagements":
        return "marginal_gain", "engagements added"
    return "own_engagements", "own-post engagements"


def plan_seeds(results: Results, key: dict[str, Any]) -> pl.DataFrame:
    """Every creator of the plan ``key`` (brand, model, strategy, budget, k), in rank
    order; empty when the results hold no seeds for it. O(rows of the seeds table)."""
    match = pl.all_horizontal(
        pl.col(c).is_null() if key.get(c) is None else pl.col(c) == key[c] for c in SEED_KEYS
    )
    return results.seeds.filter(match).sort("rank")


def _finite(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def why(row: dict[str, Any], objective: str, currency: str = "") -> str:
    """One line on why the creator ``row`` (a seeds row) is in its plan, e.g. "adds about
        9,900 engagements and 31,000 new people; topic fit 0.82; 4% audience overlap; $0.48
        per engagement ($0.52 own post vs $0.33 for @food_yuki_1864)": what it adds beyond the
        creators
    ranked above it (new people: its own post reaches them, theirs do not), its
        topic fit, the share of its followers who already follow a creator above, and its
        cost per engagement, then its own post's against the best creator left out that
        costs no more (both of their own posts, like for like)
        (:data:`WHY_LEGEND`), and, for a plan chosen on RR sets, in how many bootstrap
        re-runs of the selection it was picked when not in all of them. Counts have two
        significant figures; a figure the results do not hold is left out."""
    first = row.get("rank") == 1
    gain = _finite(row.get("marginal_gain"))
    new_people = _finite(row.get("marginal_people"))
    words = gain_words(objective)
    parts = []
    adds = []
    if gain is not None:
        adds.append(f"{people(gain)} {words}")
    if new_people is not None and not words.endswith("people"):
        adds.append(f"{people(new_people)} {'' if first else 'new '}people")
    elif adds and not first:
        adds[-1] = adds[-1].replace(" people", " new people")
    if adds:
        parts.append("adds about " + " and ".join(adds) + (" (first creator)" if first else ""))
    fit = _finite(row.get("relevance"))
    if fit is not None:
        parts.append(f"topic fit {fit:.2f}")
    overlap = _finite(row.get("overlap_above"))
    if overlap is not None and not first:
        parts.append(f"{overlap:.0%} audience overlap")
    column, _ = engagement_source(objective)
    cost, engagements = _finite(row.get("cost")), _finite(row.get(column))
    if cost is not None and engagements:
        own = "" if column == "marginal_gain" else " of its own post"
        text = f"{format_money(cost / engagements, currency)} per engagement{own}"
        other = row.get("alternative")
        other_cpe = _finite(row.get("alternative_cost_per_engagement"))
        own_eng = _finite(row.get("own_engagements"))
        if other and other_cpe is not None:
            # like for like: the alternative's figure is of its own post, so is this one
            # (the plan's cost per engagement added is in the table's own column)
            if column == "marginal_gain" and own_eng:
                text = f"own post {format_money(cost / own_eng, currency)}"
            text += f" vs {format_money(other_cpe, currency)} for {other}"
        elif "alternative" in row:
            text += ", no creator left out costs as little"
        parts.append(text)
    picked, of = row.get("picked_in"), row.get("resamples")
    if picked is not None and of and picked < of:  # a shaky pick: say so
        parts.append(f"picked in {picked} of {of} re-runs")
    return "; ".join(parts)
