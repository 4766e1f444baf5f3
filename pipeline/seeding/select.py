"""Choosing seeds: :func:`select_seeds` over every strategy, built in or registered.

:func:`select_seeds` builds the problem (:func:`~pipeline.seeding.problem.make_problem`),
runs one strategy on it (:func:`run_strategy`) and returns a
:class:`~pipeline.seeding.base.SeedSet`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.diffusion.model_ref import Model
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import (
    Brands,
    CreatorFilter,
    Profiles,
    TierThresholds,
)
from pipeline.profiles.audience import ReachRates
from pipeline.seeding.base import SeedingProblem, SeedSet
from pipeline.seeding.estimate import ReachEstimator, SharedCache, rr_fingerprint
from pipeline.seeding.kpi import optimised_label
from pipeline.seeding.problem import make_problem
from pipeline.seeding.registry import (
    StrategyOptions,
    get_strategy,
    is_builtin,
    run_registered,
)
from pipeline.valuation.costs import CostModel

__all__ = ["run_strategy", "select_seeds"]


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
    reach_rates: ReachRates | None = None,
    tier_thresholds: TierThresholds | None = None,
    models: Mapping[str, str | Model] | None = None,
    resamples: int = defaults.RESAMPLES,
    ambassadors: Any = None,
) -> SeedSet:
    """Choose seeds with ``strategy`` for ``k`` seeds or a ``budget``; see the module doc.

    ``model`` defaults to ``"ic"`` when a uniform ``p`` is given or the graph has
    per-edge probabilities, else to :data:`pipeline.defaults.MODEL` (``"wc"``), as in
    the CLI.

    With a ``brand``, every strategy but ``macro-any`` chooses among accounts of
    relevance >= ``min_relevance`` (default 0.3) and must-includes; see
    :func:`make_problem` for ``max_creators`` and ``costs``. ``objective``
    (:data:`OBJECTIVES`) is what ``imm``, ``opim`` and ``celf`` maximise:

    - the platform KPIs (``docs/projection.md``; the creators' own posts included),
      from the profiles' audiences with ``reach_rates`` (default by tier) and
      ``tier_thresholds`` (default the profiles'): ``engagements`` and
      ``impressions``, which IMM and OPIM-C maximise as such on node-weighted
      activation RR sets (root weight ``ER q A``, resp. ``r q A``); ``people``,
      for which they maximise a weighted-exposure proxy (exposure RR sets, each
      account weighted by the people it stands for; under LT the impressions);
      CELF maximises all three as the simulation projects them, on its runs.
      Without followers (or engagement rates) in the profiles a KPI falls back
      to ``activated`` (engagements) or ``exposed`` and ``info["objective_note"]``
      says so;
    - in-graph measures: ``activated`` the expected spread; ``earned_activated``
      the spread minus the number of seeds (each seed's net gain is its marginal
      spread minus 1, so they stop adding creators who pay for little more than
      themselves); ``exposed`` and ``earned_exposed`` the same for the expected
      number of exposed accounts, which ``imm``/``opim`` maximise on exposure RR
      sets under the IC-like models. CELF, and IMM under LT, optimise the
      activation counterpart instead.

    ``info["optimised"]`` states what was maximised (for the heuristics: nothing, they
    rank by their own rule). Returns a :class:`SeedSet` whose marginal gains come
    from an independent RR-set estimate (``estimate_rr_sets`` sets) in the
    objective's unit, ``info["gain_unit"]`` (activated, exposed, or the KPI:
    engagements, impressions, people from the proxy; O(1) per gain after the
    estimate's sampling). Reproducible from ``seed``.
    ``cache`` (a dict the caller keeps; threads may share it) shares that estimate's RR
    sets, and IMM's own (:class:`~pipeline.seeding.estimate.RRPool`), between calls with the
    same graph, model values, seed and sizes; the results are identical. Its entries
    ``"estimates"`` and ``"imm"`` are :class:`~pipeline.seeding.base.SharedCache` s
    (made with two places each if absent; a caller running ``w`` threads should put
    ones with ``w + 1``); ``"models"`` keeps a pool per model for ``robust`` (made with
    two places per model if absent; ``w + 1`` per model for ``w`` threads).
    ``creators`` (:class:`~pipeline.profiles.CreatorFilter`) keeps only the creators on
    the given platforms, tiers and follower range.
    ``models`` (label -> model) are the models a strategy that plans for several at
    once (``robust``) judges its plan under; default: ``model`` alone. For a plan
    chosen on RR pools (imm, opim, robust), ``info["stability"]``
    (:class:`~pipeline.seeding.plan_stability.PlanBootstrap`) re-runs the selection on
    ``resamples`` bootstrap resamples of the pool(s) (0: not): per creator, picked in
    how many re-runs, the stand-ins, and the re-run plans' estimated value.
    ``ambassadors`` (:class:`~pipeline.seeding.ambassadors.AmbassadorPool`, the brand's
    credit from its action log) is what ``ambassadors`` and ``mixed`` (and their cost
    scenarios, ``mixed@0.5x``) choose from; the other strategies ignore it.
    """
    entry = get_strategy(strategy)  # InputError for an unknown one
    for name, value in (("celf_runs", celf_runs), ("estimate_rr_sets", estimate_rr_sets)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise InputError(f"{name} must be a positive integer, got {value}")
    if isinstance(resamples, bool) or int(resamples) != resamples or resamples < 0:
        raise InputError(f"resamples must be a whole number >= 0, got {resamples}")
    setting = dict(
        k=k,
        budget=budget,
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
        reach_rates=reach_rates,
        tier_thresholds=tier_thresholds,
    )
    problem = make_problem(graph, model=model, paid_budget_check=entry.pool == "paid",
                           **setting)  # type: ignore[arg-type]  # fmt: skip
    if entry.pool != "paid":  # the ambassadors' pool and costs (docs/ambassadors.md)
        from pipeline.seeding.ambassadors import ambassador_problem

        excluded = np.asarray(list(exclude) if not isinstance(exclude, np.ndarray)
                              else exclude, dtype=np.int64)  # fmt: skip
        problem = ambassador_problem(problem, ambassadors, entry.pool, exclude=excluded,
                                     cost_scale=entry.cost_scale)  # fmt: skip
    problems = None
    if entry.needs_models and models:  # the same problem under each model
        problems = {label: make_problem(graph, model=m, **setting)  # type: ignore[arg-type]
                    for label, m in models.items()}  # fmt: skip
    problem.report(f"estimating reach ({estimate_rr_sets:,} RR sets)")
    est = ReachEstimator.build(
        problem,
        rr_sets=estimate_rr_sets,
        cache=None if cache is None else cache.setdefault("estimates", SharedCache()),
    )

    def choose() -> tuple[NDArray[np.int32], dict[str, Any]]:
        rr_pool = pool_of = None
        if cache is not None and entry.uses_rr:
            from pipeline.seeding.estimate import RRPool

            pools = cache.setdefault("imm", SharedCache())
            rr_pool = pools.get(rr_fingerprint(problem), RRPool)
            if entry.needs_models:  # each model's own pool, apart from IMM's
                kept = cache.setdefault("models", SharedCache(2 * max(1, len(problems or {}))))
                pool_of = lambda p: kept.get(rr_fingerprint(p), RRPool)  # noqa: E731
        nodes, info = run_strategy(
            problem, strategy, epsilon=epsilon, celf_runs=celf_runs, rr_pool=rr_pool,
            models=problems, resamples=resamples, pool_of=pool_of,
        )  # fmt: skip
        index = info.pop("_index", None)  # the RR pool an RR strategy chose on
        reruns = info.pop("_rerun_plans", None)  # or the plans it re-ran itself
        if (index is not None or reruns) and resamples > 0:
            from pipeline.seeding.plan_stability import judge_reruns, plan_bootstrap

            problem.report(f"re-running the selection on {resamples} bootstrap resamples")
            value = lambda plan: float(est.gains(plan)[0].sum())  # noqa: E731
            info["stability"] = (
                judge_reruns(nodes, reruns, value) if reruns else
                plan_bootstrap(problem, index, nodes, value, resamples=int(resamples),
                               seed=problem.seed)
            )  # fmt: skip
        return nodes, info

    if cache is not None and is_builtin(strategy):  # a plan several cells evaluate
        key = _plan_key(problem, strategy, epsilon, celf_runs, resamples, problems)
        nodes, info = cache.setdefault("plans", SharedCache(64)).get(key, choose)
        info = dict(info)
    else:
        nodes, info = choose()
    gains, stderr = est.gains(nodes)
    unit = problem.unit
    if problem.root_weight is not None:
        optimised = optimised_label(unit, strategy, lt=problem.lt)
    else:
        optimised = unit if entry.uses_rr else "activated"
        if problem.earned:
            optimised = "earned_" + optimised
    if entry.family != "optimized":
        optimised = "nothing: a heuristic ranking"
    info = {**info, "estimate_rr_sets": est.theta, "gain_unit": unit}
    if problem.objective == "people":  # the gains estimate the RR proxy, not the KPI
        info["gain_basis"] = optimised_label("people", "imm", lt=problem.lt)
    if problem.objective_note:
        info["objective_note"] = problem.objective_note
    if entry.uses_rr and "upper_cov" in info:
        # a certificate (IMM's): the bound on the best plan from its own sets (its info's
        # upper_cov of rr_sets), the seeds' coverage of the independent estimate sets
        # (OPIM-C's bounds, delta = 1/n)
        from pipeline.seeding.certify import certified_ratio, coverage

        ratio, _, _ = certified_ratio(
            problem.n, int(info["rr_sets"]), float(info.pop("upper_cov")), est.theta,
            coverage(est.index.rr, nodes), math.log(2.0 * max(problem.n, 2)),
        )  # fmt: skip
        info["certified_ratio"] = ratio
    if is_builtin(strategy):  # a registered strategy says for itself
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
    epsilon: float = defaults.EPSILON,
    celf_runs: int = defaults.CELF_RUNS,
    rr_pool: Any = None,
    models: Mapping[str, SeedingProblem] | None = None,
    resamples: int = 0,
    pool_of: Callable[[SeedingProblem], Any] | None = None,
) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """The ordered seed nodes of ``strategy`` on ``problem`` and strategy-specific info:
    the registry's entry (:func:`~pipeline.seeding.registry.get_strategy`) run with
    ``epsilon``, ``celf_runs``, ``rr_pool``, ``models``, ``resamples`` and ``pool_of``
    (:class:`~pipeline.seeding.registry.StrategyOptions`) for a built-in; a registered
    strategy gets the problem alone and is held to the contract
    (:func:`~pipeline.seeding.registry.run_registered`)."""
    entry = get_strategy(strategy)
    problem.report(f"choosing seeds: {strategy}")
    if not is_builtin(strategy):
        return run_registered(problem, strategy)
    options = StrategyOptions(epsilon, celf_runs, rr_pool, models, int(resamples), pool_of)
    nodes, info = entry.fn(problem, options)
    return nodes, info


def _plan_key(
    problem: SeedingProblem,
    strategy: str,
    epsilon: float,
    celf_runs: int,
    resamples: int,
    problems: Mapping[str, SeedingProblem] | None,
) -> tuple[Any, ...]:
    """What a built-in strategy's plan depends on: the problem's RR fingerprint (graph,
    model values, seed), its objective, level, pool, must-includes and costs, the
    strategy's options and, for a plan over several models, theirs. O(n + m)."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    for arr in (problem.eligible, problem.include, problem.cost):
        h.update(np.ascontiguousarray(arr).tobytes())
    others = None
    if problems:
        others = tuple(sorted((label, rr_fingerprint(p)) for label, p in problems.items()))
    return (strategy, rr_fingerprint(problem), problem.objective, problem.earned, problem.k,
            problem.budget, problem.brand, h.hexdigest(), float(epsilon), int(celf_runs),
            int(resamples), others)  # fmt: skip
