"""The ``efficient`` strategy: a marketer's rule of thumb, value for money under a cap.

Each candidate v scores

    score_v = value_v x relevance_v / (cost_v / B + 1 / K)

with ``B`` the budget left after the must-includes and ``K`` the creators left under
the cap (``max_creators``, or ``k``). ``value_v`` is what v's own post is worth in the
objective's unit:

- for a platform KPI, its own KPI: ``ER q A`` engagements or ``r q A`` impressions
  (the problem's ``root_weight``), for ``people`` the ``r q A`` people one post
  reaches (the people root weight is a receiver's, not a poster's, worth);
- for an in-graph objective, its expected own exposure: in-graph followers times its
  real-audience share ``q``.

``relevance_v`` is the brand fit (1 without a brand). The denominator is the share of
both scarce resources v uses up: ``cost_v / B`` of the budget, ``1 / K`` of the creator
slots. Without a cap the slot term is 0 (value per currency unit); with ``k`` and no
budget the cost term is 0 (the most valuable creators). With both, ``B / K`` acts as a
per-creator shadow price: cheap creators that would fill the cap with little value
rank low, so the budget is spent under the cap. Candidates are then taken greedily in
score order while they fit (:func:`~pipeline.seeding.base.fill_in_order`). No
simulation: O(n log n).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.seeding.base import SeedingProblem, fill_in_order
from pipeline.seeding.registry import problem_only, register_builtin

__all__ = ["efficient_score", "efficient_seeds", "own_value"]


def own_value(problem: SeedingProblem) -> NDArray[np.float64]:
    """Per account (float64, length n), what its own post is worth in the objective's
    unit (module doc); unknown values count 0. O(n)."""
    aud = problem.audience
    if problem.root_weight is not None:
        if problem.objective == "people" and aud is not None:
            value = aud.reach * aud.real * aud.audience
        else:
            value = problem.root_weight
    else:
        g = problem.graph
        followers = np.diff(g.out_ptr).astype(np.float64)
        value = followers * problem.profiles.real_audience.astype(np.float64)
    return np.nan_to_num(np.asarray(value, dtype=np.float64), nan=0.0, posinf=0.0)


def efficient_score(problem: SeedingProblem) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """The score of every account (module doc) and the rule's facts (``budget_left``,
    ``cap_left``: the ``B`` and ``K`` it used, null when absent). O(n)."""
    value = own_value(problem)
    rel = problem.relevance if problem.relevance is not None else np.ones(problem.n)
    worth = value * np.nan_to_num(np.asarray(rel, dtype=np.float64), nan=0.0)
    cap = problem.k
    slot = 0.0 if cap is None or cap <= 0 else 1.0 / cap
    if problem.budget is None:
        left: float | None = None
        share = np.zeros(problem.n)
    else:
        left = problem.budget - float(np.nansum(problem.cost[problem.include]))
        cost = np.where(np.isfinite(problem.cost), problem.cost, np.inf)
        share = np.maximum(cost, 0.0) / max(left, 1e-9)
    denom = share + slot
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(denom > 0, worth / denom, np.where(worth > 0, np.inf, 0.0))
    # unknown cost: never fits a budget (inf share -> 0); keep finite for the sort
    score = np.nan_to_num(score, nan=0.0, posinf=np.finfo(np.float64).max)
    return score, {"budget_left": left, "cap_left": cap}


def efficient_seeds(problem: SeedingProblem) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """Must-includes, then the eligible candidates by descending score (ties: higher own
    value, then lower node index), each kept while the budget and cap allow. O(n log n)."""
    score, info = efficient_score(problem)
    value = own_value(problem)
    rule = "value x relevance / (cost / budget + 1 / cap)"
    return fill_in_order(problem, score, tiebreak=value), {**info, "rule": rule}


register_builtin(
    "efficient", problem_only(efficient_seeds), family="heuristic",
    plain="the most efficient creators by a simple rule",
    help="own KPI x relevance / (cost / budget + 1 / cap): a marketer's rule",
)  # fmt: skip
