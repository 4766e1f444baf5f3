"""Ambassadors as seeds: the strategies ``ambassadors`` and ``mixed``.

A brand's **ambassadors** are the accounts that already carry its messages: the ones that
acted on its items in the action log (:mod:`pipeline.calibration.ambassadors`), ranked by
influence credit (:mod:`pipeline.calibration.credit`). They are not paid a fee: enlisting
one costs the **ambassador cost** (default :data:`pipeline.defaults.AMBASSADOR_COST`, 25
currency units: a gift and its shipping), profiled or not, whatever their topics (their
relevance comes from having acted on the brand's own items).

- ``ambassadors``: the top candidates by credit (ties: fewer followers first, then node
  index), each at the ambassador cost, kept while they fit the budget and the creator cap.
- ``mixed``: the optimizer (IMM, on the campaign's KPI) choosing from the paid creators of
  the brand-fit pool (fee + overhead) and the ambassadors (ambassador cost) together; an
  account that is both costs the cheaper.

Both take a cost scenario, ``ambassadors@0.5x`` or ``mixed@2x``: each ambassador at that
multiple of the ambassador cost (:func:`pipeline.seeding.registry.split_variant`), since
that cost decides cost-per-engagement comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.errors import InputError
from pipeline.seeding.base import SeedingProblem, check_budget, fill_in_order
from pipeline.seeding.registry import StrategyOptions, register_builtin

if TYPE_CHECKING:
    from pipeline.calibration.actions import Cascades
    from pipeline.graph_io import FollowerGraph
    from pipeline.profiles import Profiles

__all__ = [
    "AmbassadorPool",
    "ambassador_problem",
    "ambassadors_strategy",
    "mixed_strategy",
    "roles",
]


@dataclass(frozen=True, eq=False)
class AmbassadorPool:
    """A brand's ambassador candidates and their influence credit, per dense node index.

    ``credit`` (float64, length n): adoptions the account's posts led to in the brand's
    items, down the chains; ``candidate`` (bool, length n): acted on at least
    ``min_actions`` of them in the graph; ``cost``: what enlisting one costs (currency
    units); ``items``: the brand's items the credit was read from."""

    credit: NDArray[np.float64]
    candidate: NDArray[np.bool_]
    cost: float = defaults.AMBASSADOR_COST
    items: int = 0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.cost) and self.cost >= 0):
            raise InputError(f"ambassador cost must be a number >= 0, got {self.cost!r}")
        if self.credit.shape != self.candidate.shape:
            raise InputError("ambassador credit and candidates must have one entry per node")

    @property
    def size(self) -> int:
        """The number of candidates."""
        return int(self.candidate.sum())

    @classmethod
    def from_log(
        cls,
        graph: FollowerGraph,
        cascades: Cascades,
        *,
        horizon: float,
        decay: bool = False,
        items: NDArray[np.integer] | None = None,
        min_actions: int = 1,
        cost: float = defaults.AMBASSADOR_COST,
    ) -> AmbassadorPool:
        """The pool of the cascades (already placed on ``graph`` and limited to the
        brand's rows): influence credit within ``horizon`` seconds (``decay``: a late
        response credits less), candidates with ``min_actions`` or more adoptions among
        ``items`` (positions; default all). O(log + n)."""
        from pipeline.calibration.credit import influence_credit

        if isinstance(min_actions, bool) or int(min_actions) != min_actions or min_actions < 1:
            raise InputError(f"min_actions must be a whole number >= 1, got {min_actions!r}")
        cr = influence_credit(graph, cascades, horizon=horizon, decay=decay, items=items)
        n_items = cascades.n_items if items is None else int(np.asarray(items).size)
        return cls(cr.credit, cr.items >= min_actions, float(cost), n_items)

    def creators_out(self, profiles: Profiles, max_followers: float) -> AmbassadorPool:
        """The pool without the profiled accounts of ``max_followers`` or more platform
        followers: creators, hired at fee + overhead, not enlisted for a gift. O(n)."""
        followers = profiles.table["followers"].cast(pl.Float64).fill_null(0.0).to_numpy()
        big = profiles.has_profile & (followers >= max_followers)
        return replace(self, candidate=self.candidate & ~big)

    def scaled(self, factor: float) -> AmbassadorPool:
        """The same pool with each ambassador at ``factor`` times the cost."""
        return replace(self, cost=self.cost * float(factor))


def ambassador_problem(
    problem: SeedingProblem,
    pool: AmbassadorPool | None,
    mode: str,
    *,
    exclude: NDArray[np.integer] | None = None,
    cost_scale: float = 1.0,
) -> SeedingProblem:
    """``problem`` with the candidates and costs of ``mode``: ``"ambassadors"`` (the
    pool's candidates, each at its cost times ``cost_scale``) or ``"mixed"`` (the paid
    pool and the ambassadors; an account in both costs the cheaper). Must-includes keep
    their place (and the cheaper cost if they are candidates too); ``exclude`` (dense
    indices) stays out. InputError without a pool. O(n)."""
    if pool is None:
        raise InputError(
            f"strategy {mode!r} needs the brand's action log (influence seed --actions FILE, "
            "or [inputs] actions in a campaign file)"
        )
    if pool.candidate.shape[0] != problem.n:
        raise InputError(f"the ambassador pool has {pool.candidate.shape[0]} nodes, the graph "
                         f"{problem.n}")  # fmt: skip
    amb = pool.candidate.copy()
    if exclude is not None and len(exclude):
        amb[np.asarray(exclude, dtype=np.int64)] = False
    price = pool.cost * float(cost_scale)
    paid = problem.cost
    if mode == "ambassadors":
        eligible = amb
        cost = np.full(problem.n, np.nan)
        cost[amb] = price
    elif mode == "mixed":
        eligible = problem.eligible | amb
        cost = paid.copy()
        both = amb & problem.eligible
        cost[both] = np.fmin(paid[both], price)
        cost[amb & ~problem.eligible] = price  # outside the paid pool: enlisted, not hired
    else:
        raise InputError(f"unknown ambassador mode {mode!r}; expected ambassadors or mixed")
    inc = problem.include
    cost[inc] = np.where(amb[inc], np.fmin(paid[inc], price), paid[inc])
    if problem.budget is not None and (eligible.any() or inc.size):
        check_budget(cost, eligible, problem.budget, float(cost[inc].sum()), problem.profiles)
    return replace(problem, eligible=eligible, cost=cost, ambassadors=replace(pool, cost=price))


def roles(problem: SeedingProblem, nodes: NDArray[np.integer]) -> NDArray[np.str_]:
    """Per seed of a plan on ``problem``: ``"ambassador"`` (enlisted at the ambassador
    cost: a candidate of the problem's pool priced at it) or ``"creator"`` (hired at fee
    plus overhead; every seed of a problem without ambassadors). O(len(nodes))."""
    idx = np.asarray(nodes, dtype=np.int64)
    pool = problem.ambassadors
    if pool is None:
        return np.full(idx.size, "creator")
    enlisted = pool.candidate[idx] & (problem.cost[idx] == pool.cost)
    return np.where(enlisted, "ambassador", "creator")


def _followers(problem: SeedingProblem) -> NDArray[np.float64]:
    return np.diff(problem.graph.out_ptr).astype(np.float64)


def ambassadors_strategy(
    problem: SeedingProblem, options: StrategyOptions
) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """The top ambassador candidates by influence credit (ties: fewer followers, then
    node index), kept while they fit the budget and the cap; ``problem`` comes from
    :func:`ambassador_problem`. O(n log n)."""
    pool = problem.ambassadors
    assert pool is not None, "run through select_seeds (ambassador_problem)"
    nodes = fill_in_order(problem, pool.credit, tiebreak=-_followers(problem))
    return nodes, {"ambassador_cost": pool.cost, "candidates": pool.size}


def mixed_strategy(
    problem: SeedingProblem, options: StrategyOptions
) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """IMM on the paid creators and the ambassadors together (``problem`` from
    :func:`ambassador_problem` in mode ``"mixed"``), with IMM's facts and how many of
    the seeds are ambassadors. IMM's cost."""
    from pipeline.seeding.imm import imm_strategy

    pool = problem.ambassadors
    assert pool is not None, "run through select_seeds (ambassador_problem)"
    nodes, info = imm_strategy(problem, options)
    return nodes, {**info, "ambassador_cost": pool.cost, "candidates": pool.size}


register_builtin(
    "ambassadors", ambassadors_strategy, family="ambassadors",
    plain="the brand's ambassadors",
    help="accounts that already moved people in the brand's action log, by influence "
         "credit, each at the ambassador cost",
    pool="ambassadors",
)  # fmt: skip
register_builtin(
    "mixed", mixed_strategy, family="optimized",
    plain="the optimized plan with ambassadors",
    help="IMM over paid creators and ambassadors together, each at the cheaper of fee + "
         "overhead and the ambassador cost",
    model_dependent=True, uses_rr=True, pool="mixed",
)  # fmt: skip
