"""IMM: influence maximisation via martingales (Tang, Shi, Xiao, SIGMOD 2015).

Two phases over reverse-reachable (RR) sets (:mod:`pipeline.seeding.rrsets`):

1. *Sampling* (their Algorithm 2) finds a lower bound ``LB`` of the optimal
   spread ``OPT``: for ``x = n/2, n/4, ...`` it draws ``lambda' / x`` RR sets,
   runs greedy coverage, and stops once the greedy set's estimated spread reaches
   ``(1 + eps') x``.
2. *Node selection* draws ``theta = lambda* / LB`` RR sets and returns the greedy
   maximum-coverage set, which is a ``(1 - 1/e - eps)``-approximation with
   probability at least ``1 - 1/n^l``.

Chen (2018, "An issue in the martingale analysis of the influence maximization
algorithm IMM") showed that reusing phase 1's sets for node selection, as the
original does, breaks the proof: ``theta`` then depends on the sets it counts.
Two repairs (``node_selection``):

* ``"fresh"``: the final ``theta = lambda* / LB`` sets come from a second,
  independent stream (Chen's first repair).
* ``"reuse"``: node selection takes the first ``theta`` sets of phase 1's stream
  (extending it when phase 1 drew fewer), with ``LB`` rounded down to a power of
  ``1 + GRID`` so that ``theta`` can take only ``J = log(n) / log(1 + GRID) + 1``
  fixed values. For each fixed value ``t`` the first ``t`` sets of the stream are
  ``t`` independent RR sets, so IMM's node-selection bound holds with failure
  probability ``d``; a union bound over the ``J`` values covers the random one
  when each gets ``d / J``: ``alpha`` and ``beta`` of ``lambda*`` carry
  ``+ ln J`` (about 2% more sets at ``k = 50``, plus at most ``GRID`` from the
  rounding), and phase 1's sets are not drawn twice.
* ``"auto"`` (default): after phase 1, whichever of the two needs fewer new sets
  (a deterministic function of phase 1's outcome). Both bad events are then
  bounded, so the failure probability is split three ways, not two.

``l`` is raised by ``log m / log n`` (``m`` = 2 bad events, 3 for ``"auto"``) so
the whole run holds with probability ``1 - 1/n^l``. On NetHEPT and a 1M-edge BA
graph phase 1 had drawn 63% (IC p = 0.01, epsilon 0.1) to over 100% of ``theta``, so
reuse saved 35-47% of the sets (NetHEPT, four cases);
on tiny graphs fresh is cheaper.

Budgeted IMM (costs and a budget instead of k) runs both the plain and the
cost-effective greedy on the same RR sets and keeps the better coverage
(Khuller, Moss, Naor 1999; Nguyen and Zheng 2013); the phase-1 bound then uses
``k`` = the most seeds the budget can buy, capped at ``k_cap``.

Guarantees on the RR-set coverage: with ``k`` alone, greedy is a (1 - 1/e)
approximation; with a budget alone, the better of plain and cost-effective
greedy is a (1 - 1/e)/2 approximation (Khuller et al. 1999; Leskovec et al.
2007, Theorem 2); with a budget *and* a creator cap (``max_creators``) the
constraint is a knapsack intersected with a cardinality bound: the
(1 - 1/e) bound against sets of at most k seeds holds when the budget does
not bind, the (1 - 1/e)/2 bound when the cap does not bind, and when both
bind no constant factor is claimed (constant factors for two knapsack
constraints need partial enumeration, Kulik, Shachnai, Tamir 2009). With
both, a third rule runs too, coverage per ``cost / budget + 1 / cap`` (the
aggregated-weight greedy of multi-dimensional knapsack), and the best of the
three coverages is kept, so the plan uses neither only cheap accounts nor
only the biggest.

With root weights (node-weighted RR sets, :mod:`pipeline.seeding.rrsets`) IMM
maximises ``Σ_v w_v Pr[v activated (exposed)]``. It runs in normalised weights
``w' = w n / W`` (mean 1): the sampling is the same, the formulas too, except the
floor of ``LB`` ("OPT >= 1") becomes ``min(1, seeds' w')``
(:func:`~pipeline.seeding.certify.weighted_floor`), and the reuse grid reaches down
to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.seeding.base import SeedingProblem
from pipeline.seeding.certify import upper_bound, weighted_floor
from pipeline.seeding.estimate import RRPool, rr_sampler
from pipeline.seeding.max_cover import CoverIndex, candidate_mask, greedy_cover
from pipeline.seeding.registry import StrategyOptions, register_builtin
from pipeline.seeding.rrsets import RRSets, check_rr_bound, root_cumulative, stream_key

GRID = 0.01  # "reuse": LB is rounded down to a power of 1 + GRID (module docstring)

__all__ = [
    "IMMResult",
    "RRPool",
    "imm",
    "imm_strategy",
    "log_seed_sets",
    "mixed_cost",
    "seeds_bought",
    "select_cover",
]


@dataclass(frozen=True)
class IMMResult:
    """Chosen seeds (forced first), their coverage gains, and what IMM spent.

    ``gains[i] * scale / rr_sets`` is seed i's marginal expected spread on IMM's own
    RR sets (optimistic for the chosen set: the sets selected it); ``scale`` is n, or
    the total root weight W (then the unit is the weights', and so is ``lower_bound``).
    ``index`` is the :class:`CoverIndex` of the final RR collection, the one the seeds
    were selected on (``index.rr``; e.g. to re-run the selection on resamples of it).
    """

    seeds: NDArray[np.int32]
    gains: NDArray[np.int64]
    rr_sets: int
    rr_sets_phase1: int
    lower_bound: float
    theta: int
    rule: str  # "greedy", "cost-effective", "cost-and-cap" or "greedy (k)"
    node_selection: str = "fresh"  # "reuse" (phase 1's stream) or "fresh" (stream 2)
    upper_cov: float = math.inf  # bound on the best plan's coverage of the final sets
    rr_sets_drawn: int = 0  # sets sampled in all (both phases; shared ones once)
    scale: float = 0.0  # n, or W with root weights
    index: CoverIndex | None = field(default=None, repr=False)


def mixed_cost(cost: NDArray[np.float64], budget: float, cap: int) -> NDArray[np.float64]:
    """The weight of the budget-and-cap rule: share of the budget plus share of the
    creator cap a node uses, ``cost / budget + 1 / cap``. O(n)."""
    return np.asarray(cost, dtype=np.float64) / max(budget, 1e-12) + 1.0 / max(cap, 1)


def _log_comb(n: int, k: int) -> float:
    """log C(n, k) via lgamma."""
    k = max(0, min(k, n))
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def log_seed_sets(
    n: int, eligible: NDArray[np.bool_] | None, forced: NDArray[np.int32] | None, k_eff: int,
    exact: bool,
) -> float:  # fmt: skip
    """ln of the number of seed sets a selection can return, the union IMM's and OPIM-C's
    bounds run over: the must-includes ``forced`` and, of the other candidates
    (``eligible``, None: all ``n`` nodes), ``k_eff`` minus the must-includes more, exactly
    that many when ``exact`` (``k`` alone: greedy fills it), else up to that many (a
    budget or the earned penalty may stop it short). A pool of N candidates thus counts
    C(N, k), not C(n, k). O(k_eff)."""
    must = np.unique(np.asarray([] if forced is None else forced, dtype=np.int64))
    fixed = int(must.size)
    free = n - fixed if eligible is None else int(eligible.sum()) - int(eligible[must].sum())
    slots = max(0, min(k_eff - fixed, free))
    if exact or slots == 0:
        return _log_comb(free, slots)
    terms = [_log_comb(free, j) for j in range(slots + 1)]
    top = max(terms)
    return top + math.log(sum(math.exp(t - top) for t in terms))


def select_cover(
    index: CoverIndex,
    *,
    k: int | None,
    budget: float | None,
    cost: NDArray[np.float64] | None,
    eligible: NDArray[np.bool_] | None,
    forced: NDArray[np.int32] | None,
    penalty: float = 0.0,
) -> tuple[NDArray[np.int32], NDArray[np.int64], str]:
    """The seeds IMM and OPIM-C choose on ``index``: greedy coverage with ``k``; with a
    budget, the best of plain and cost-effective greedy (and, with a cap ``k`` too,
    the cost-and-cap rule), judged by coverage minus ``penalty`` sets per seed.
    Returns (seeds, sets each newly covered, rule). O(rules x greedy)."""

    def value(sg: tuple[NDArray[np.int32], NDArray[np.int64]]) -> float:
        return float(sg[1].sum()) - penalty * len(sg[0])

    if budget is None:
        s, g = greedy_cover(index, k=k, eligible=eligible, forced=forced, penalty=penalty)
        return s, g, "greedy (k)"
    plain = greedy_cover(index, k=k, budget=budget, cost=cost, eligible=eligible,
                         forced=forced, penalty=penalty)  # fmt: skip
    ce = greedy_cover(
        index, k=k, budget=budget, cost=cost, eligible=eligible, forced=forced,
        per_cost=True, penalty=penalty,
    )  # fmt: skip
    options = [(value(plain), 0, plain, "greedy"), (value(ce), 1, ce, "cost-effective")]
    if k is not None and cost is not None:
        # budget and creator cap together: divide by the share of both resources a
        # node uses, so a plan neither runs out of money nor of contracts first
        rest = budget - (float(cost[forced].sum()) if forced is not None else 0.0)
        both = greedy_cover(
            index, k=k, budget=budget, cost=cost, eligible=eligible, forced=forced,
            per_cost=True, penalty=penalty, key_cost=mixed_cost(cost, rest, k),
        )  # fmt: skip
        options.append((value(both), 2, both, "cost-and-cap"))
    best = max(options, key=lambda o: (o[0], -o[1]))
    return best[2][0], best[2][1], best[3]


def seeds_bought(
    n: int, k: int | None, budget: float | None, cost: NDArray[np.float64] | None,
    eligible: NDArray[np.bool_] | None, n_forced: int, k_cap: int,
) -> int:  # fmt: skip
    """The most seeds a plan can hold (forced included): ``k`` plus the forced ones, or
    as many of the cheapest candidates as the budget buys (at most ``k``), capped at
    ``k_cap`` for a budget; at least 1. O(n)."""
    if budget is None:
        assert k is not None
        return max(1, min(k + n_forced, n))
    assert cost is not None
    pool = cost[eligible] if eligible is not None else cost
    cheapest = float(np.min(pool)) if pool.size else math.inf
    buys = int(budget // cheapest) if cheapest > 0 else n
    if k is not None:
        buys = min(buys, k)
    return max(1, min(buys + n_forced, n, k_cap))


def imm(
    problem: SeedingProblem,
    *,
    epsilon: float = defaults.EPSILON,
    rr_pool: RRPool | None = None,
    ell: float = 1.0,
    k_cap: int = 1000,
    max_rr_sets: int = 50_000_000,
    node_selection: str = "auto",
) -> IMMResult:
    """Select seeds by IMM for ``problem``: under its model (per-edge ``values``,
    IC-like or LT), from its pool (``eligible``), its must-includes first.

    ``k`` seeds besides the must-includes, or as many as the ``budget`` buys at the
    problem's costs (and at most ``k`` when both are given). An ``earned`` objective:
    maximise spread minus the number of seeds (each seed's net gain
    is its coverage gain minus ``theta / n`` sets; greedy stops when no candidate
    gains more than it costs in reach); phase 1 still bounds OPT of the plain
    spread, which is an upper bound of the earned one, so theta stays sufficient.
    ``expose`` (per-edge realness, IC-like models): maximise expected *exposure*
    on exposure RR sets (:func:`~pipeline.seeding.rrsets.sample_rr_sets`); both
    phases and the guarantee then hold for exposure, a coverage function too.
    ``rr_pool``: RR sets shared between calls (:class:`RRPool`; else the problem's
    ``slot_layout`` is sampled). ``node_selection``: ``"reuse"`` phase 1's RR stream,
    draw ``"fresh"`` sets, or ``"auto"``, the one needing fewer new sets (module
    docstring; all keep the guarantee). ``root_weight`` (length n, >= 0): maximise
    ``Σ_v w_v Pr[v activated (exposed)]`` on node-weighted RR sets (module
    docstring), the same guarantee; not with ``earned`` (ValueError). ``ell``: the
    failure probability is ``1/n^ell``; ``k_cap`` caps the seeds a budget is assumed
    to buy (phase 1's ``k``); ``max_rr_sets`` caps each collection.
    Reproducible from the problem's ``seed`` for any thread count.
    Expected time O((k + l) (n + m) log n / eps^2) (Tang et al. 2015, Theorem 2).
    """
    graph = problem.graph
    in_ptr, in_idx, in_eid, value = graph.in_ptr, graph.in_idx, graph.in_eid, problem.values
    k, budget, seed, earned = problem.k, problem.budget, problem.seed, problem.earned
    cost = problem.key_cost() if budget is not None else None
    eligible, forced, root_weight = problem.eligible, problem.include, problem.root_weight
    progress = problem.progress
    layout = None if rr_pool is not None else problem.slot_layout
    n = int(in_ptr.shape[0] - 1)
    if not 0 < epsilon < 1:
        raise ValueError(f"epsilon must be in (0, 1), got {epsilon}")
    if node_selection not in ("auto", "reuse", "fresh"):
        raise ValueError(
            f"node_selection must be 'auto', 'reuse' or 'fresh', got {node_selection!r}"
        )
    if earned and root_weight is not None:
        raise ValueError("the earned penalty is not defined with root weights")
    nf = max(n, 2)
    n_forced = 0 if forced is None else len(forced)
    k_eff = seeds_bought(n, k, budget, cost, eligible, n_forced, k_cap)
    pool = candidate_mask(n, eligible, forced)  # the only nodes the index needs
    scale, lb0 = float(n), 1.0  # OPT >= 1 (a seed activates itself), in w' units
    if root_weight is not None:
        scale = float(root_cumulative(root_weight, n)[-1])
        lb0 = min(1.0, weighted_floor(root_weight, k=k, budget=budget, cost=cost,
                                      eligible=eligible, forced=forced))  # fmt: skip
        lb0 = lb0 if lb0 > 0 else 1.0 / nf  # no candidate weighs anything: not a bound
    bad_events = 3 if node_selection == "auto" else 2
    ell = ell * (1.0 + math.log(bad_events) / math.log(nf))
    log_c = log_seed_sets(n, eligible, forced, k_eff, exact=budget is None and not earned)
    eps_p = math.sqrt(2.0) * epsilon
    lam_p = (
        (2.0 + 2.0 / 3.0 * eps_p)
        * (log_c + ell * math.log(nf) + math.log(max(math.log2(nf), 1.0)))
        * nf
        / eps_p**2
    )
    # J: the powers of 1 + GRID that LB can be rounded to, from lb0 up to n
    grid_values = (
        math.floor(math.log(nf) / math.log1p(GRID))
        - math.floor(math.log(lb0) / math.log1p(GRID))
        + 1
    )

    def lambda_star(union: int) -> float:
        # node selection's lambda* with its failure share split over `union` values
        log_fail = ell * math.log(nf) + math.log(2.0) + math.log(union)
        alpha = math.sqrt(log_fail)
        beta = math.sqrt((1.0 - 1.0 / math.e) * (log_c + log_fail))
        return 2.0 * nf * ((1.0 - 1.0 / math.e) * alpha + beta) ** 2 / epsilon**2

    check_rr_bound(lambda_star(1) / nf, "IMM", epsilon)  # even with LB = n
    draw = rr_sampler(in_ptr, in_idx, in_eid, value, lt=problem.lt,
                      max_steps=problem.max_steps, threads=problem.threads,
                      expose=problem.expose, rr_pool=rr_pool, layout=layout,
                      root_weight=root_weight)  # fmt: skip

    def select(
        index: CoverIndex, net: bool = True
    ) -> tuple[NDArray[np.int32], NDArray[np.int64], str]:
        pen = len(index.rr) / nf if earned and net else 0.0
        return select_cover(index, k=k, budget=budget, cost=cost, eligible=eligible,
                            forced=forced, penalty=pen)  # fmt: skip

    # Phase 1: a lower bound on OPT (Algorithm 2, lines 1-12)
    key1 = stream_key(seed, 1)
    rr: RRSets | None = None
    index: CoverIndex | None = None
    lb = lb0
    for i in range(1, max(2, math.ceil(math.log2(nf)))):
        x = nf / 2.0**i
        theta_i = min(math.ceil(lam_p / x), max_rr_sets)
        rr = draw(rr, key1, theta_i)
        if progress:
            progress(f"IMM phase 1: {len(rr):,} RR sets (x = {x:,.0f})")
        index = CoverIndex.build(rr, pool) if index is None else index.grow(rr)
        _, g, _ = select(index, net=False)  # the bound is on plain OPT
        spread = nf * float(g.sum()) / len(rr)
        if spread >= (1.0 + eps_p) * x:
            lb = spread / (1.0 + eps_p)
            break
        if theta_i >= max_rr_sets:
            break
    phase1 = 0 if rr is None else len(rr)
    # Phase 2: node selection on theta sets, phase 1's stream or a fresh one
    theta_fresh = max(1, min(math.ceil(lambda_star(1) / lb), max_rr_sets))
    lb_grid = (1.0 + GRID) ** math.floor(math.log(max(lb, lb0)) / math.log1p(GRID))
    theta_reuse = max(1, min(math.ceil(lambda_star(grid_values) / lb_grid), max_rr_sets))
    reuse = node_selection == "reuse" or (
        node_selection == "auto" and theta_reuse - phase1 < theta_fresh
    )
    theta = theta_reuse if reuse else theta_fresh
    if progress:
        progress(f"IMM node selection: {theta:,} RR sets")
    if reuse:
        final = draw(rr, key1, theta)
        index = CoverIndex.build(final, pool) if index is None else index.grow(final)
    else:
        del rr, index
        final = draw(None, stream_key(seed, 2), theta)
        index = CoverIndex.build(final, pool)
    seeds, gains, rule = select(index)
    up = upper_bound(index, seeds, n_forced=n_forced, k=k, budget=budget, cost=cost,
                     eligible=eligible)  # fmt: skip
    drawn = max(phase1, theta) if reuse else phase1 + theta
    if root_weight is not None:
        lb *= scale / n  # from w' to the weights' unit
    return IMMResult(seeds, gains, len(final), phase1, lb, theta, rule,
                     "reuse" if reuse else "fresh", up, drawn, scale, index)  # fmt: skip


def imm_strategy(
    problem: SeedingProblem, options: StrategyOptions
) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """The ``imm`` strategy: IMM's seeds at ``options.epsilon`` (InputError outside
    (0, 1)) on ``options.rr_pool``, and its facts (``upper_cov`` feeds the certificate
    :func:`~pipeline.seeding.select_seeds` computes on the independent estimate)."""
    epsilon = options.checked_epsilon()
    res = imm(problem, epsilon=epsilon, rr_pool=options.rr_pool)
    return res.seeds, {
        "epsilon": epsilon,
        "rr_sets": res.rr_sets,
        "rr_sets_phase1": res.rr_sets_phase1,
        "rr_sets_drawn": res.rr_sets_drawn,
        "lower_bound": res.lower_bound,
        "rule": res.rule,
        "_index": res.index,  # taken by select_seeds for the plan's stability
        "upper_cov": res.upper_cov,
    }


register_builtin(
    "imm", imm_strategy, family="optimized", plain="the optimized plan",
    help="reverse-reachable sets, large graphs", model_dependent=True, uses_rr=True,
)  # fmt: skip
