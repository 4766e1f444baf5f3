"""OPIM-C: online influence maximisation with a certified ratio (Tang, Tang, Xiao,
Yuan, SIGMOD 2018, "Online processing algorithms for influence maximization").

Two independent RR collections of equal size ``theta``: ``R1`` chooses the seeds
(the same greedy rules as IMM, :func:`~pipeline.seeding.imm.select_cover`),
``R2`` validates them. Each round gives, with probability at least ``1 - delta``
over all rounds,

- a lower bound on the chosen seeds' spread from their coverage ``L`` of ``R2``:
  ``sigma_l = ((sqrt(L + 2a/9) - sqrt(a/2))^2 - a/18) n / theta``;
- an upper bound on the optimum from ``R1``: ``U`` = the least, over prefixes
  ``S_i`` of the greedy order, of ``cov(S_i)`` plus a relaxation of the best
  completion (the ``k`` largest marginal coverages; with a budget, the
  fractional knapsack of the marginals; the smaller of the two with both), which
  bounds ``cov(OPT)`` by submodularity; ``sigma_u = (sqrt(U + a/2) + sqrt(a/2))^2 n / theta``;

with ``a = ln(3 i_max / delta)`` (a union bound over the ``i_max`` rounds and
the two bounds). The *certified ratio* ``sigma_l / sigma_u`` is a lower bound on
the approximation ratio of the returned seeds. OPIM-C doubles ``theta`` from
``theta_0`` until the ratio reaches ``1 - 1/e - epsilon`` or ``theta`` reaches
``theta_max`` (their Algorithm 2, with IMM's bound for ``theta_max``). With a
budget, no algorithm-independent ``1 - 1/e`` holds (the rules give ``(1 - 1/e)/2``),
but the certified ratio is still valid against the best plan within the budget,
so the same target is used and the achieved ratio is reported.

For earned objectives the seeds are chosen net of one seed's worth of sets per
seed, and the ratio certifies the coverage part (exposure or activation) against
the best plan under the same constraints.

With root weights (node-weighted RR sets) OPIM-C works in normalised weights
``w' = w n / W`` as IMM does (:mod:`pipeline.seeding.imm`): the bounds and the ratio
are unchanged; ``theta_max``, which assumes ``OPT >= k``, uses the smaller of ``k``
and the seeds' own ``w'`` (:func:`~pipeline.seeding.certify.weighted_floor`), and
``lower``/``upper`` are reported in the weights' unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.seeding.base import SeedingProblem
from pipeline.seeding.certify import certified_ratio, coverage, upper_bound, weighted_floor
from pipeline.seeding.estimate import RRPool, rr_sampler
from pipeline.seeding.imm import log_seed_sets, seeds_bought, select_cover
from pipeline.seeding.max_cover import CoverIndex, candidate_mask
from pipeline.seeding.registry import StrategyOptions, register_builtin
from pipeline.seeding.rrsets import RRSets, check_rr_bound, root_cumulative, stream_key

__all__ = ["OPIMResult", "opim", "opim_strategy"]


@dataclass(frozen=True)
class OPIMResult:
    """Chosen seeds (forced first), their coverage gains on ``R1``, and the certificate;
    ``index`` is the :class:`CoverIndex` of the final ``R1``, the collection the seeds
    were selected on (``index.rr``)."""

    seeds: NDArray[np.int32]
    gains: NDArray[np.int64]
    rr_sets: int  # per collection (R1 and R2 each hold this many)
    rounds: int
    certified_ratio: float
    target: float
    lower: float  # sigma_l of the seeds (spread units, or the root weights')
    upper: float  # sigma_u of the optimum (spread units, or the root weights')
    rule: str
    index: CoverIndex | None = field(default=None, repr=False)


def opim(
    problem: SeedingProblem,
    *,
    epsilon: float = defaults.EPSILON,
    rr_pool: RRPool | None = None,
    delta: float | None = None,
    k_cap: int = 1000,
    max_rr_sets: int = 50_000_000,
) -> OPIMResult:
    """Select seeds by OPIM-C for ``problem`` (the constraints, objective and
    ``rr_pool`` as in :func:`~pipeline.seeding.imm.imm`; ``delta`` defaults to 1/n).
    Stops at the first round whose certified ratio reaches ``1 - 1/e - epsilon``.
    Reproducible from the problem's ``seed`` for any thread count; the two collections
    are RR streams 3 and 4 of ``seed`` (shared through ``rr_pool``). ``root_weight``:
    maximise ``Σ_v w_v Pr[v activated (exposed)]`` (module docstring); not with
    ``earned`` (ValueError).
    Time: O(final theta x E[RR set work] + rounds x greedy)."""
    graph = problem.graph
    in_ptr, in_idx, in_eid, value = graph.in_ptr, graph.in_idx, graph.in_eid, problem.values
    k, budget, earned = problem.k, problem.budget, problem.earned
    cost = problem.key_cost() if budget is not None else None
    eligible, forced, root_weight = problem.eligible, problem.include, problem.root_weight
    layout = None if rr_pool is not None else problem.slot_layout
    progress = problem.progress
    n = int(in_ptr.shape[0] - 1)
    if not 0 < epsilon < 1:
        raise ValueError(f"epsilon must be in (0, 1), got {epsilon}")
    if earned and root_weight is not None:
        raise ValueError("the earned penalty is not defined with root weights")
    nf = max(n, 2)
    dlt = 1.0 / nf if delta is None else float(delta)
    if not 0 < dlt < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    n_forced = 0 if forced is None else len(forced)
    k_eff = seeds_bought(n, k, budget, cost, eligible, n_forced, k_cap)
    pool = candidate_mask(n, eligible, forced)  # the only nodes the index needs
    e1 = 1.0 - 1.0 / math.e
    log_c = log_seed_sets(n, eligible, forced, k_eff, exact=budget is None and not earned)
    theta_max = (
        2.0 * nf
        * (e1 * math.sqrt(math.log(6.0 / dlt)) + math.sqrt(e1 * (log_c + math.log(6.0 / dlt))))
        ** 2 / (epsilon**2 * k_eff)
    )  # fmt: skip
    theta0 = max(1, math.ceil(theta_max * epsilon**2 * k_eff / nf))
    unit = 1.0  # from w' (normalised weights) to the weights' unit
    if root_weight is not None:
        unit = float(root_cumulative(root_weight, n)[-1]) / n
        floor = weighted_floor(root_weight, k=k, budget=budget, cost=cost, eligible=eligible,
                               forced=forced)  # fmt: skip
        # theta_max assumed OPT >= k_eff; OPT' >= min(k_eff, floor) instead
        theta_max *= k_eff / max(min(float(k_eff), floor), 1.0 / nf)
    check_rr_bound(2.0 * theta0, "OPIM-C", epsilon)  # two collections, first round
    theta_max = min(max(theta_max, theta0), max_rr_sets)
    i_max = max(1, math.ceil(math.log2(max(theta_max / theta0, 1.0))) + 1)
    a = math.log(3.0 * i_max / dlt)
    target = e1 - epsilon
    draw = rr_sampler(in_ptr, in_idx, in_eid, value, lt=problem.lt,
                      max_steps=problem.max_steps, threads=problem.threads,
                      expose=problem.expose, rr_pool=rr_pool, layout=layout,
                      root_weight=root_weight)  # fmt: skip
    key1, key2 = stream_key(problem.seed, 3), stream_key(problem.seed, 4)
    r1: RRSets | None = None
    r2: RRSets | None = None
    index: CoverIndex | None = None
    for i in range(1, i_max + 1):
        theta = min(theta0 * 2 ** (i - 1), max_rr_sets)
        r1, r2 = draw(r1, key1, theta), draw(r2, key2, theta)
        index = CoverIndex.build(r1, pool) if index is None else index.grow(r1)
        pen = theta / nf if earned else 0.0
        seeds, gains, rule = select_cover(
            index, k=k, budget=budget, cost=cost, eligible=eligible, forced=forced, penalty=pen
        )
        up = upper_bound(index, seeds, n_forced=n_forced, k=k, budget=budget, cost=cost,
                         eligible=eligible)  # fmt: skip
        ratio, lo, hi = certified_ratio(n, theta, up, theta, coverage(r2, seeds), a)
        if progress:
            progress(f"OPIM-C round {i}: {theta:,} RR sets x 2, certified ratio {ratio:.3f}")
        if ratio >= target or i == i_max or theta >= max_rr_sets:
            if root_weight is not None:
                lo, hi = lo * unit, hi * unit
            return OPIMResult(seeds, gains, theta, i, ratio, target, lo, hi, rule, index)
    raise AssertionError("unreachable")  # pragma: no cover


def opim_strategy(
    problem: SeedingProblem, options: StrategyOptions
) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """The ``opim`` strategy: OPIM-C's seeds at ``options.epsilon`` (InputError outside
    (0, 1)) on ``options.rr_pool``, with its certified ratio."""
    epsilon = options.checked_epsilon()
    op = opim(problem, epsilon=epsilon, rr_pool=options.rr_pool)
    return op.seeds, {
        "epsilon": epsilon,
        "rr_sets": op.rr_sets,
        "rounds": op.rounds,
        "certified_ratio": op.certified_ratio,
        "target_ratio": op.target,
        "rule": op.rule,
        "_index": op.index,  # taken by select_seeds for the plan's stability
    }


register_builtin(
    "opim", opim_strategy, family="optimized", plain="the optimized plan (OPIM-C)",
    help="OPIM-C: RR sets until a certified ratio", model_dependent=True, uses_rr=True,
)  # fmt: skip
