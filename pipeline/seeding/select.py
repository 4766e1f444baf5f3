"""Choosing seeds: :func:`select_seeds` over every strategy, built in or registered.

:func:`select_seeds` builds the problem (:func:`~pipeline.seeding.problem.make_problem`),
runs one strategy on it (:func:`run_strategy`) and returns a
:class:`~pipeline.seeding.base.SeedSet`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.costs import CostModel
from pipeline.diffusion.model_ref import Model
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import (
    Brands,
    CreatorFilter,
    Profiles,
)
from pipeline.registry import BUILT_IN, run_registered, strategy_names
from pipeline.seeding.base import SeedingProblem, SeedSet
from pipeline.seeding.estimate import ReachEstimator, SharedCache, rr_fingerprint
from pipeline.seeding.problem import make_problem

__all__ = ["STRATEGIES", "run_strategy", "select_seeds"]


#: The built-in strategies (:func:`pipeline.registry.register_strategy` adds more).
STRATEGIES: tuple[str, ...] = BUILT_IN


# The problem's keyword parameters repeat make_problem's on purpose (it forwards them):
# spelled out so that help() and type checkers show them.
def select_seeds(
    graph: FollowerGraph,
    strategy: str,
    *,
    k: int | None = None,
    budget: float | None = None,
    model: str | Model | None = None,
    p: float | None = None,
    profiles: Profiles | None = None,
    brands: Brands | None = None,
    brand: str | None = None,
    brand_aware: bool = True,
    min_relevance: float | None = None,
    max_creators: int | None = None,
    costs: CostModel | None = None,
    objective: str = "activated",
    exclude: Iterable[int] | NDArray[np.integer] = (),
    include: Iterable[int] | NDArray[np.integer] = (),
    seed: int = defaults.SEED,
    max_steps: int | None = None,
    epsilon: float = defaults.EPSILON,
    celf_runs: int = defaults.CELF_RUNS,
    estimate_rr_sets: int = defaults.ESTIMATE_RR_SETS,
    pool: str = "auto",
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
    cache: MutableMapping[Any, Any] | None = None,
    creators: CreatorFilter | None = None,
) -> SeedSet:
    """Choose seeds with ``strategy`` for ``k`` seeds or a ``budget``; see the module doc.

    ``model`` defaults to ``"ic"`` when a uniform ``p`` is given or the graph has
    per-edge probabilities, else to :data:`pipeline.defaults.MODEL` (``"wc"``), as in
    the CLI.

    With a ``brand``, every strategy but ``macro-any`` chooses among accounts of
    relevance >= ``min_relevance`` (default 0.3) and must-includes; see
    :func:`make_problem` for ``max_creators`` and ``costs``. ``objective``
    (:data:`OBJECTIVES`) is what ``imm`` and ``celf`` maximise: ``activated``
    the expected spread; ``earned_activated`` the spread minus the number of
    seeds (each seed's net gain is its marginal spread minus 1, so they stop
    adding creators who pay for little more than themselves); ``exposed`` and
    ``earned_exposed`` the same for the expected number of exposed accounts,
    which ``imm`` maximises on exposure RR sets under the IC-like models. CELF,
    and IMM under LT, optimise the activation counterpart instead (stated in
    ``info["optimised"]``). Returns a :class:`SeedSet` whose marginal gains come
    from an independent RR-set estimate (``estimate_rr_sets`` sets) in the
    objective's unit (activations or exposures). Reproducible from ``seed``.
    ``cache`` (a dict the caller keeps; threads may share it) shares that estimate's RR
    sets, and IMM's own (:class:`~pipeline.seeding.imm.RRPool`), between calls with the
    same graph, model values, seed and sizes; the results are identical. Its entries
    ``"estimates"`` and ``"imm"`` are :class:`~pipeline.seeding.base.SharedCache` s
    (made with two places each if absent; a caller running ``w`` threads should put
    ones with ``w + 1``). ``creators`` (:class:`~pipeline.profiles.CreatorFilter`)
    keeps only the creators on the given platforms, tiers and follower range.
    """
    if strategy not in strategy_names():
        raise InputError(
            f"unknown strategy {strategy!r}; expected one of {', '.join(strategy_names())}"
        )
    for name, value in (("celf_runs", celf_runs), ("estimate_rr_sets", estimate_rr_sets)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise InputError(f"{name} must be a positive integer, got {value}")
    problem = make_problem(
        graph,
        k=k,
        budget=budget,
        model=model,
        p=p,
        profiles=profiles,
        brands=brands,
        brand=brand,
        brand_aware=brand_aware,
        min_relevance=min_relevance,
        max_creators=max_creators,
        costs=costs,
        objective=objective,
        exclude=exclude,
        include=include,
        seed=seed,
        max_steps=max_steps,
        pool=pool,
        threads=threads,
        progress=progress,
        creators=creators,
    )
    rr_pool = None
    if cache is not None and strategy in ("imm", "opim"):
        from pipeline.seeding.imm import RRPool

        pools = cache.setdefault("imm", SharedCache())
        rr_pool = pools.get(rr_fingerprint(problem), RRPool)
    nodes, info = run_strategy(
        problem, strategy, epsilon=epsilon, celf_runs=celf_runs, rr_pool=rr_pool
    )
    problem.report(f"estimating reach ({estimate_rr_sets:,} RR sets)")
    est = ReachEstimator.build(
        problem,
        rr_sets=estimate_rr_sets,
        cache=None if cache is None else cache.setdefault("estimates", SharedCache()),
    )
    gains, stderr = est.gains(nodes)
    unit = "exposed" if problem.expose is not None else "activated"
    optimised = unit if strategy in ("imm", "opim") else "activated"
    if problem.earned:
        optimised = "earned_" + optimised
    info = {**info, "estimate_rr_sets": est.theta, "gain_unit": unit}
    if strategy == "imm":
        # IMM's certificate: the bound on the best plan from its own sets, the seeds'
        # coverage of the independent estimate sets (OPIM-C's bounds, delta = 1/n)
        from pipeline.seeding.certify import certified_ratio, coverage

        ratio, _, _ = certified_ratio(
            problem.n, int(info["rr_sets"]), float(info.pop("upper_cov")), est.theta,
            coverage(est.index.rr, nodes), math.log(2.0 * max(problem.n, 2)),
        )  # fmt: skip
        info["certified_ratio"] = ratio
    if strategy in ("imm", "opim", "celf"):
        info["optimised"] = optimised
    if budget is not None:
        assert float(np.nansum(problem.cost[nodes])) <= budget + 1e-9 * max(1.0, budget)
    if max_creators is not None:
        assert len(nodes) <= max_creators
    return SeedSet(strategy, nodes, gains, stderr, problem, info)


def run_strategy(
    problem: SeedingProblem,
    strategy: str,
    *,
    epsilon: float = 0.5,
    celf_runs: int = 200,
    rr_pool: Any = None,
) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """The ordered seed nodes of ``strategy`` on ``problem`` and strategy-specific info."""
    from pipeline.seeding import heuristics as h

    problem.report(f"choosing seeds: {strategy}")
    if strategy not in STRATEGIES:  # a registered one, held to the same contract
        return run_registered(problem, strategy)
    if strategy == "random":
        return h.random_seeds(problem)
    if strategy == "macro":
        return h.macro_seeds(problem)
    if strategy == "macro-any":
        return h.macro_any_seeds(problem)
    if strategy == "micro":
        return h.micro_seeds(problem)
    if strategy == "pagerank":
        return h.pagerank_seeds(problem)
    if strategy == "degree-discount":
        return h.degree_discount_seeds(problem)
    if strategy == "community":
        return h.community_seeds(problem)
    if strategy == "imm":
        from pipeline.seeding.imm import imm

        if not 0 < epsilon < 1:
            raise InputError(f"epsilon must be in (0, 1), got {epsilon}")
        g = problem.graph
        res = imm(
            g.in_ptr,
            g.in_idx,
            g.in_eid,
            problem.values,
            lt=problem.lt,
            k=problem.k,
            seed=problem.seed,
            epsilon=epsilon,
            earned=problem.earned,
            expose=problem.expose,
            rr_pool=rr_pool,
            layout=None if rr_pool is not None else problem.slot_layout,
            budget=problem.budget,
            cost=problem.key_cost() if problem.budget is not None else None,
            eligible=problem.eligible,
            forced=problem.include,
            max_steps=problem.max_steps,
            threads=problem.threads,
            progress=problem.progress,
        )
        return res.seeds, {
            "epsilon": epsilon,
            "rr_sets": res.rr_sets,
            "rr_sets_phase1": res.rr_sets_phase1,
            "rr_sets_drawn": res.rr_sets_drawn,
            "lower_bound": res.lower_bound,
            "rule": res.rule,
            "upper_cov": res.upper_cov,
        }
    if strategy == "opim":
        from pipeline.seeding.opim import opim

        if not 0 < epsilon < 1:
            raise InputError(f"epsilon must be in (0, 1), got {epsilon}")
        g = problem.graph
        op = opim(
            g.in_ptr, g.in_idx, g.in_eid, problem.values, lt=problem.lt, k=problem.k,
            seed=problem.seed, epsilon=epsilon, earned=problem.earned, expose=problem.expose,
            rr_pool=rr_pool, layout=None if rr_pool is not None else problem.slot_layout,
            budget=problem.budget,
            cost=problem.key_cost() if problem.budget is not None else None,
            eligible=problem.eligible, forced=problem.include, max_steps=problem.max_steps,
            threads=problem.threads, progress=problem.progress,
        )  # fmt: skip
        return op.seeds, {
            "epsilon": epsilon,
            "rr_sets": op.rr_sets,
            "rounds": op.rounds,
            "certified_ratio": op.certified_ratio,
            "target_ratio": op.target,
            "rule": op.rule,
        }
    if strategy == "celf":
        from pipeline.seeding.celf import celf

        return celf(problem, runs=celf_runs)
    raise InputError(f"unknown strategy {strategy!r}")  # pragma: no cover
