"""The seeding problem, the seed set it returns, and the shared reach estimator.

Every strategy solves the same :class:`SeedingProblem` (graph, model, size ``k``
*or* ``budget``, candidate pool, exclusions, must-includes, seed) and returns a
:class:`SeedSet`: seeds in order with their cost, tier and estimated marginal
gain in expected reach.

Marginal gains are estimated for every strategy by the same independent
collection of reverse-reachable sets (stream 7 of the seed), never by the samples
a strategy used to choose: reusing them would overstate the chosen seeds'
reach (the winner's curse), and a shared estimator makes strategies comparable.

Reported reach respects the *paid floor*: whatever the sampling noise, a seed set
reaches at least what its seeds alone are worth (each seed is activated and exposed;
for a KPI, the seeds' own posts), so ``expected_reach``, ``cumulative_reach`` and the
earned reach are the unbiased RR estimate raised to that floor where it falls below
(the raw estimate stays available: ``expected_reach_raw``, the marginal gains).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl
from numba import njit
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import Profiles
from pipeline.profiles.audience import Audience
from pipeline.reprs import Described, Summary, seed_set_summary
from pipeline.seeding.rrsets import SlotLayout

__all__ = ["SeedSet", "SeedingProblem", "check_budget", "fill_in_order"]

Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class SeedingProblem:
    """What to choose: from which pool, how many or for how much, under which model.

    ``values`` are the model's per-edge probabilities (cascades) or weights (LT,
    ``lt=True``), brand-aware if a brand was given, then thinned by the audience
    quality: ``min(1, p f_u) q_u``, the chance the edge transmits in the simulator
    (:func:`~pipeline.seeding.problem.edge_values`). ``cost`` is per node in
    currency units (NaN where unknown). ``eligible`` marks the candidate pool
    (profiled accounts when profiles are given, else every node), exclusions
    removed, and, with a budget, accounts of unknown cost removed; with a brand,
    accounts whose relevance is below ``min_relevance`` removed too (the brand-fit
    pool every strategy draws from; ``eligible_any`` is the pool before that
    filter, for the topic-blind ``macro-any``). ``cost`` is what contracting an
    account costs: fee plus per-creator overhead (:class:`pipeline.valuation.costs.CostModel`).
    ``k`` caps the seeds besides must-includes, also with a budget (from
    ``max_creators``). ``objective`` is what the optimizers maximise:
    ``activated`` (expected spread, seeds included) or ``earned_activated``
    (spread minus the seeds), ``exposed`` and ``earned_exposed`` on exposure RR
    sets (``expose`` set) for the IC-like models; see
    :func:`pipeline.seeding.select_seeds` for what CELF and LT do. For the platform
    KPIs (``engagements``, ``impressions``, ``people``) ``root_weight`` is each
    account's worth in the KPI's unit (node-weighted RR sets,
    :mod:`pipeline.seeding.kpi`) and ``audience`` the projection inputs;
    ``objective_note`` says why a KPI fell back to an in-graph objective, if it did.
    """

    graph: FollowerGraph
    model: str
    values: NDArray[np.float32]
    lt: bool
    profiles: Profiles
    cost: NDArray[np.float64]
    eligible: NDArray[np.bool_]
    include: NDArray[np.int32]
    k: int | None
    budget: float | None
    seed: int
    max_steps: int | None = None
    brand: str | None = None
    relevance: NDArray[np.float64] | None = None
    threads: int | None = None
    progress: Progress | None = None
    min_relevance: float = 0.0
    eligible_any: NDArray[np.bool_] | None = None
    max_creators: int | None = None
    objective: str = "activated"
    per_creator: float = 0.0
    expose: NDArray[np.float32] | None = None  # per-edge realness, for exposure objectives
    root_weight: NDArray[np.float64] | None = None  # KPI worth per account (KPI objectives)
    audience: Audience | None = None  # projection inputs (KPI objectives)
    objective_note: str | None = None  # why the requested KPI fell back, if it did
    #: the brand's ambassadors (:class:`~pipeline.seeding.ambassadors.AmbassadorPool`)
    #: once the pool and costs are theirs (strategies ``ambassadors`` and ``mixed``)
    ambassadors: Any = None

    @property
    def n(self) -> int:
        return self.graph.n

    @property
    def unit(self) -> str:
        """The unit of reach estimates and marginal gains: the KPI's name, else
        ``exposed`` (exposure RR sets) or ``activated``."""
        if self.root_weight is not None:
            return self.objective
        return "exposed" if self.expose is not None else "activated"

    @property
    def earned(self) -> bool:
        """Whether the objective leaves the contracted seeds out of the reach."""
        return self.objective.startswith("earned")

    @cached_property
    def slot_layout(self) -> SlotLayout:
        """The model's probabilities laid out for RR sampling, built once per problem
        (:class:`~pipeline.seeding.rrsets.SlotLayout`), or the one kept for equal values
        on this graph (:func:`pipeline.seeding.layouts.slot_layout`). O(m)."""
        from pipeline.seeding.layouts import slot_layout

        return slot_layout(self.graph, self.values, lt=self.lt)

    def key_cost(self) -> NDArray[np.float64]:
        """Costs usable as divisors: unknown -> inf, zero -> a tiny positive number."""
        c = np.where(np.isfinite(self.cost), self.cost, np.inf)
        return np.maximum(c, 1e-9)

    def report(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)


@njit(cache=True, nogil=True)
def _fill(
    order: NDArray[np.int64],
    cost: NDArray[np.float64],
    budget: float,
    k: int,
    taken: NDArray[np.bool_],
) -> NDArray[np.int64]:
    """Walk ``order``, keep each node that is not taken and still fits. O(len(order))."""
    out = np.empty(order.shape[0], dtype=np.int64)
    c = 0
    left = budget
    for u in order:
        if k >= 0 and c >= k:
            break
        if taken[u]:
            continue
        if budget >= 0:
            if not cost[u] <= left:  # also skips NaN costs
                continue
            left -= cost[u]
        out[c] = u
        c += 1
    return out[:c].copy()


def fill_in_order(
    problem: SeedingProblem,
    score: NDArray[np.floating],
    tiebreak: NDArray[np.floating] | None = None,
) -> NDArray[np.int32]:
    """Must-includes, then eligible nodes by descending ``score`` (ties: descending
    ``tiebreak``, then lower node index), each kept if it fits the remaining k or budget.
    O(n log n)."""
    inc = problem.include
    taken = np.zeros(problem.n, dtype=np.bool_)
    taken[inc] = True
    cand = np.flatnonzero(problem.eligible & ~taken)
    second = np.zeros(problem.n) if tiebreak is None else np.asarray(tiebreak, np.float64)
    first = np.asarray(score, dtype=np.float64)
    order = cand[np.lexsort((cand, -second[cand], -first[cand]))]
    k = -1 if problem.k is None else problem.k
    if problem.budget is None:
        budget = -1.0
    else:
        budget = problem.budget - float(np.nansum(problem.cost[inc]))
    chosen = _fill(order.astype(np.int64), problem.cost, budget, k, taken)
    return np.concatenate((inc, chosen.astype(np.int32)))


@dataclass(frozen=True, eq=False, repr=False)
class SeedSet(Described):
    """An ordered seed list with what each seed costs and is expected to add.

    ``marginal_gain[i]``: expected extra nodes activated by adding seed i to the
    seeds before it (model of the problem, RR-set estimate; extra nodes *exposed*
    when the objective is an exposure one, extra engagements, impressions or people
    (weighted-exposure proxy) for a KPI; ``info["gain_unit"]`` says which);
    ``cumulative_reach`` is their running sum with standard error ``cumulative_stderr``,
    raised to the paid floor (:attr:`paid_prefix`: what the first seeds alone are worth)
    where the sum falls below it; ``expected_reach`` is its last value, and
    ``expected_reach_raw`` the unfloored, unbiased estimate. The marginal gains stay
    raw, so where the floor binds ``cumulative_reach`` exceeds their sum. ``nodes`` are
    the seeds' dense indices, :attr:`ids` their account IDs; ``repr`` is a few lines.
    """

    strategy: str
    nodes: NDArray[np.int32]
    marginal_gain: NDArray[np.float64]
    cumulative_stderr: NDArray[np.float64]
    problem: SeedingProblem = field(repr=False)
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.nodes.shape[0])

    @property
    def ids(self) -> pl.Series:
        """The seeds' account IDs (the graph's labels), in order. O(seeds)."""
        return self.problem.graph.ids.gather(self.nodes).alias("id")

    def _describe(self) -> Summary:
        return seed_set_summary(self)

    @property
    def cost(self) -> NDArray[np.float64]:
        return self.problem.cost[self.nodes]

    @property
    def total_cost(self) -> float:
        return float(np.nansum(self.cost))

    @property
    def expected_reach_raw(self) -> float:
        """The RR estimate of the seed set's expected reach as drawn (unbiased; may fall
        below what the seeds alone are worth when the sets are few or the reach low)."""
        return float(self.marginal_gain.sum())

    @property
    def expected_reach(self) -> float:
        """Expected reach in the gains' unit, seeds included: the raw estimate raised to
        the paid floor (:attr:`paid_reach`: |S| for an in-graph objective, the seeds'
        own posts for a KPI) where it falls below."""
        return float(self.cumulative_reach[-1]) if len(self) else 0.0

    @property
    def expected_earned_reach(self) -> float:
        """What the campaign reaches beyond the seeds' own worth; never negative."""
        return max(0.0, self.expected_reach - self.paid_reach)

    @cached_property
    def cumulative_reach(self) -> NDArray[np.float64]:
        """Expected reach of the first 1, 2, ... seeds: the running sum of the marginal
        gains, raised to :attr:`paid_prefix` where it falls below. Non-decreasing."""
        return np.maximum(np.cumsum(self.marginal_gain), self.paid_prefix)

    @cached_property
    def paid_prefix(self) -> NDArray[np.float64]:
        """What the first 1, 2, ... seeds alone are worth in the gains' unit: 1, 2, ...
        for an in-graph objective (every seed is activated and exposed), for a KPI the
        seeds' own posts (:func:`pipeline.seeding.kpi.paid_value` of each prefix).
        O(n + the seeds' out-degrees)."""
        p = self.problem
        if p.root_weight is None:
            return np.arange(1, len(self) + 1, dtype=np.float64)
        from pipeline.seeding.kpi import paid_prefix

        return paid_prefix(p.graph, p.root_weight, self.nodes, p.expose)

    def to_polars(self) -> pl.DataFrame:
        """One row per seed: id, handle, tier, cost (what contracting it costs: fee plus
        per-creator overhead), marginal_gain (raw), cumulative_reach (floored, see the
        class doc), cumulative_stderr,
        cumulative_cost, followers, relevance, rank, node, forced, fee (the profile's
        post fee, null if unknown), picked_in (bootstrap re-runs of the selection that
        picked it, of ``info["stability"].stability.resamples``; null when not re-run)."""
        t = self.problem.profiles.table
        rows = t[self.nodes.tolist()] if len(self) else t.clear()
        df = rows.select(
            "id", "handle", "tier", pl.col("cost").alias("fee"), "followers"
        ).with_columns(
            pl.Series("cost", self.cost, dtype=pl.Float64),
            pl.Series("rank", np.arange(1, len(self) + 1, dtype=np.int32)),
            pl.Series("node", self.nodes),
            pl.Series("marginal_gain", self.marginal_gain),
            pl.Series("cumulative_reach", self.cumulative_reach),
            pl.Series("cumulative_stderr", self.cumulative_stderr),
            pl.Series("cumulative_cost", np.cumsum(np.nan_to_num(self.cost))),
            pl.Series(
                "relevance",
                self.problem.relevance[self.nodes]
                if self.problem.relevance is not None
                else np.full(len(self), np.nan),
            ),
            pl.Series("forced", np.isin(self.nodes, self.problem.include)),
            pl.Series("picked_in", self._picked_in(), dtype=pl.Int32),
        )
        return df.select(
            "id",
            "handle",
            "tier",
            "cost",
            "marginal_gain",
            "cumulative_reach",
            "cumulative_stderr",
            "cumulative_cost",
            "followers",
            "relevance",
            "rank",
            "node",
            "forced",
            "fee",
            "picked_in",
        )

    def _picked_in(self) -> list[int | None]:
        """Per seed, in how many bootstrap re-runs of the selection it was picked
        (``info["stability"]``); nulls when the plan was not re-run."""
        boot = self.info.get("stability")
        if boot is None:
            return [None] * len(self)
        return [int(x) for x in boot.stability.picked_in]

    def summary(self) -> dict[str, Any]:
        p = self.problem
        return {
            "strategy": self.strategy,
            "model": p.model,
            "brand": p.brand,
            "k": p.k,
            "budget": p.budget,
            "seed": p.seed,
            "seeds": len(self),
            "total_cost": self.total_cost,
            "expected_reach": self.expected_reach,
            "expected_reach_stderr": float(self.cumulative_stderr[-1]) if len(self) else 0.0,
            "expected_earned_reach": self.expected_earned_reach,
            "expected_reach_raw": self.expected_reach_raw,
            "min_relevance": p.min_relevance,
            "max_creators": p.max_creators,
            "per_creator_cost": p.per_creator,
            "objective": p.objective,
            **self.info,
        }

    @property
    def paid_reach(self) -> float:
        """What the seeds alone are worth in the gains' unit: one each, or for a KPI
        their own posts (:func:`pipeline.seeding.kpi.paid_value`; the last entry of
        :attr:`paid_prefix`). O(n) once."""
        return float(self.paid_prefix[-1]) if len(self) else 0.0

    def diminishing_returns(self, share: float = 0.01) -> dict[str, Any] | None:
        """Where the rest of the plan stops paying: the first seed after which the
        remaining seeds add less than ``share`` of the expected reach.

        Returns None when every tail adds at least ``share`` (or there are < 2
        seeds); else ``{"from_rank", "tail_seeds", "seeds", "reach_share",
        "cost_share", "text"}`` with ``text`` like "the last 7 of 9 creators add
        0.6% of reach for 77% of the spend". O(seeds).
        """
        gains = np.clip(self.marginal_gain, 0.0, None)
        total = float(gains.sum())
        n = len(self)
        if n < 2 or total <= 0:
            return None
        tail = np.cumsum(gains[::-1])[::-1]  # tail[i]: reach of seeds i..n-1
        below = np.flatnonzero(tail < share * total)
        if below.size == 0:
            return None
        i = int(below[0])
        cost = np.nan_to_num(self.cost)
        spent = float(cost.sum())
        cost_share = float(cost[i:].sum()) / spent if spent > 0 else 0.0
        reach_share = float(tail[i]) / total
        t = n - i
        text = (
            f"the last {t} of {n} creators add {100 * reach_share:.1f}% of reach "
            f"for {100 * cost_share:.0f}% of the spend"
        )
        return {"from_rank": i + 1, "tail_seeds": t, "seeds": n, "reach_share": reach_share,
                "cost_share": cost_share, "text": text}  # fmt: skip


def check_budget(problem_cost: NDArray[np.float64], eligible: NDArray[np.bool_], budget: float,
                 include_cost: float, profiles: Profiles) -> None:  # fmt: skip
    """Refuse a budget that buys nothing (InputError naming the cheapest candidate)."""
    if not math.isfinite(budget) or budget < 0:
        raise InputError(f"budget must be a non-negative number, got {budget}")
    if include_cost > budget:
        raise InputError(
            f"the must-include accounts cost {include_cost:,.2f}, over the budget {budget:,.2f}"
        )
    pool = np.flatnonzero(eligible)
    if pool.size == 0:
        raise InputError("no candidate has a known cost; a budget needs a 'cost' column")
    cheapest = pool[np.argmin(problem_cost[pool])]
    if problem_cost[cheapest] > budget - include_cost:
        handle = profiles.table["handle"][int(cheapest)]
        raise InputError(
            f"infeasible budget {budget:,.2f}: the cheapest candidate ({handle}) costs "
            f"{problem_cost[cheapest]:,.2f}"
            + (f" and the must-includes already take {include_cost:,.2f}" if include_cost else "")
        )
