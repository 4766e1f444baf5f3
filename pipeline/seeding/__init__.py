"""Seeding strategies behind one interface: :func:`select_seeds`.

``select_seeds(graph, strategy, k=... | budget=..., model=..., ...) -> SeedSet``
returns seeds in order, each with its cost, tier and estimated marginal gain in
expected reach (nodes activated under the model). Strategies:

- ``random`` (baseline), ``macro`` (largest audience of the brand-fit pool
  first), ``macro-any`` (largest audience whatever the topic: the topic-blind
  baseline), ``micro`` (micro tier by engagement x relevance), ``pagerank``,
  ``degree-discount`` (Chen et al. 2009), ``community`` (Leiden communities),
- ``celf`` (lazy greedy on Monte Carlo estimates with common random numbers,
  Leskovec et al. 2007), ``imm`` (Tang, Shi, Xiao 2015, with Chen 2018's fix).

With ``budget`` (sum of contract costs: fee plus per-creator overhead),
``celf`` and ``imm`` return the better of the plain and cost-effective greedy
picks; the others fill the budget in their own order. ``max_creators`` caps the
number of seeds of every strategy, with or without a budget. With ``brand``,
every strategy except ``macro-any`` draws from the same brand-fit pool
(relevance >= ``min_relevance``) and the model's probabilities are brand-aware.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.costs import CostModel
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import (
    DEFAULT_MIN_RELEVANCE,
    Brands,
    Profiles,
    brand_sender_factor,
    check_fraction,
    default_profiles,
    fit_pool,
)
from pipeline.registry import BUILT_IN, run_registered, strategy_names
from pipeline.seeding.base import (
    ReachEstimator,
    SeedingProblem,
    SeedSet,
    SharedCache,
    check_budget,
    rr_fingerprint,
)
from pipeline.seeding.rrsets import RRSets, sample_rr_sets

__all__ = [
    "DEFAULT_MIN_RELEVANCE",
    "OBJECTIVES",
    "STRATEGIES",
    "CostModel",
    "RRSets",
    "ReachEstimator",
    "SeedSet",
    "SeedingProblem",
    "edge_values",
    "fit_pool",
    "make_problem",
    "sample_rr_sets",
    "select_seeds",
]

#: The built-in strategies (:func:`pipeline.registry.register_strategy` adds more).
STRATEGIES: tuple[str, ...] = BUILT_IN


def edge_values(
    graph: FollowerGraph,
    model: str,
    *,
    p: float | None = None,
    sender_factor: NDArray[np.floating] | None = None,
    seed: int = 0,
) -> tuple[NDArray[np.float32], bool]:
    """Per-edge probability (cascades) or weight (LT) of ``model``, and whether it is LT.

    The same values the simulator uses (:func:`pipeline.diffusion.models.build_model`),
    brand-aware when ``sender_factor`` is given. O(n + m).
    """
    from pipeline.diffusion.models import build_model

    spec = build_model(graph, model, p=p, sender_factor=sender_factor, seed=seed)
    if spec.weight is not None:
        return np.asarray(spec.weight, dtype=np.float32), True
    if spec.edge_prob is not None:
        return np.asarray(spec.edge_prob, dtype=np.float32), False
    assert spec.node_prob is not None
    return spec.node_prob[graph.edge_sources].astype(np.float32), False


#: Objectives a campaign or a seeding can maximise (see :func:`select_seeds`).
OBJECTIVES: tuple[str, ...] = ("earned_exposed", "exposed", "earned_activated", "activated")


def make_problem(
    graph: FollowerGraph,
    *,
    k: int | None = None,
    budget: float | None = None,
    model: str = "ic",
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
    seed: int = 0,
    max_steps: int | None = None,
    pool: str = "auto",
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedingProblem:
    """Validate a seeding request and resolve it into a :class:`SeedingProblem`.

    ``exclude``/``include`` are dense node indices. ``pool``: ``"profiled"``
    (accounts with a profile: the influencers a brand can contract), ``"all"``,
    or ``"auto"`` (profiled when profiles are given, else all). With a
    ``brand``, candidates are further limited to relevance >= ``min_relevance``
    (default :data:`DEFAULT_MIN_RELEVANCE`; 0 turns the filter off; must-includes
    are kept whatever their relevance), and ``brand_aware`` makes the model's
    probabilities brand-aware. ``max_creators`` caps the number of seeds
    (must-includes included), also together with a budget. ``costs`` adds the
    per-creator overhead and fills missing fees from a cost model.
    """
    if (k is None) == (budget is None):
        raise InputError("give exactly one of k (number of seeds) or budget")
    if k is not None and (isinstance(k, bool) or int(k) != k or k < 1):
        raise InputError(f"k must be a positive integer, got {k}")
    if max_creators is not None and (
        isinstance(max_creators, bool) or int(max_creators) != max_creators or max_creators < 1
    ):
        raise InputError(f"max_creators must be a positive integer, got {max_creators}")
    if objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r}; expected one of {', '.join(OBJECTIVES)}"
        )
    if max_steps is not None and max_steps < 0:
        raise InputError(f"max_steps must be >= 0, got {max_steps}")
    if brand is not None and (profiles is None or brands is None):
        raise InputError("a brand-aware seeding needs profiles and brands")
    thr = DEFAULT_MIN_RELEVANCE if min_relevance is None else min_relevance
    thr = check_fraction("min_relevance", thr)
    prof = profiles if profiles is not None else default_profiles(graph)
    factor = rel = fit = None
    if brand is not None and brands is not None and profiles is not None:
        brands.check(brand)
        rel, fit = fit_pool(profiles, brands, brand, thr)
        if brand_aware:
            factor = brand_sender_factor(profiles, brands, brand)
    else:
        thr = 0.0
    quality = prof.real_audience
    if (quality < 1.0).any():
        # Audience quality discounts onward spread: an edge transmits with p * q_u (exact
        # in distribution for the cascade models; LT weights are scaled by q_u).
        factor = (
            quality.astype(np.float32) if factor is None else (factor * quality).astype(np.float32)
        )
    values, lt = edge_values(graph, model, p=p, sender_factor=factor, seed=seed)
    n = graph.n
    if pool not in ("auto", "profiled", "all"):
        raise InputError(f"pool must be auto, profiled or all, got {pool!r}")
    if pool == "all" or (pool == "auto" and profiles is None):
        eligible = np.ones(n, dtype=np.bool_)
    else:
        eligible = prof.has_profile.copy()
    exc = np.unique(np.asarray(list(exclude) if not isinstance(exclude, np.ndarray) else exclude,
                               dtype=np.int64))  # fmt: skip
    inc_raw = np.asarray(
        list(include) if not isinstance(include, np.ndarray) else include, dtype=np.int64
    )
    for name, arr in (("exclude", exc), ("include", inc_raw)):
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            raise InputError(f"{name} holds a node index outside 0..{n - 1}")
    _, first = np.unique(inc_raw, return_index=True)
    inc = inc_raw[np.sort(first)].astype(np.int32)
    clash = np.intersect1d(inc, exc)
    if clash.size:
        raise InputError(f"account {graph.ids[int(clash[0])]!r} is both excluded and included")
    if max_creators is not None and inc.size > max_creators:
        raise InputError(f"{inc.size} must-include accounts exceed max_creators = {max_creators}")
    eligible[exc] = False
    cm = costs if costs is not None else CostModel()
    cost = cm.of_profiles(prof)
    eligible_any = eligible.copy()
    if fit is not None:
        eligible &= fit
    if budget is not None:
        if np.isnan(cost[inc]).any():
            bad = inc[np.isnan(cost[inc])][0]
            raise InputError(f"must-include account {graph.ids[int(bad)]!r} has no known cost")
        eligible &= ~np.isnan(cost)
        eligible_any &= ~np.isnan(cost)
        check_budget(cost, eligible, float(budget), float(cost[inc].sum()), prof)
    k_rest: int | None
    if k is not None:
        k_all = int(k) if max_creators is None else min(int(k), int(max_creators))
        if inc.size > k_all:
            raise InputError(f"{inc.size} must-include accounts exceed k = {k_all}")
        k_rest = k_all - int(inc.size)
        avail = int((eligible & ~np.isin(np.arange(n), inc)).sum())
        if avail < k_rest:
            raise InputError(
                f"k = {k_all} but only {avail + inc.size} eligible candidates"
                + (f" at relevance >= {thr:g}" if fit is not None and thr > 0 else "")
            )
    else:
        k_rest = None if max_creators is None else int(max_creators) - int(inc.size)
    expose = None
    if objective in ("exposed", "earned_exposed") and not lt:
        expose = quality[graph.edge_sources].astype(np.float32)
    return SeedingProblem(
        graph=graph,
        model=model,
        values=values,
        lt=lt,
        profiles=prof,
        cost=cost,
        eligible=eligible,
        include=inc,
        k=k_rest,
        budget=None if budget is None else float(budget),
        seed=seed,
        max_steps=max_steps,
        brand=brand,
        relevance=rel,
        threads=threads,
        progress=progress,
        min_relevance=thr,
        eligible_any=eligible_any,
        max_creators=max_creators,
        objective=objective,
        per_creator=cm.per_creator,
        expose=expose,
    )


def select_seeds(
    graph: FollowerGraph,
    strategy: str,
    *,
    k: int | None = None,
    budget: float | None = None,
    model: str = "ic",
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
    seed: int = 0,
    max_steps: int | None = None,
    epsilon: float = 0.5,
    celf_runs: int = 200,
    estimate_rr_sets: int = 100_000,
    pool: str = "auto",
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
    cache: MutableMapping[Any, Any] | None = None,
) -> SeedSet:
    """Choose seeds with ``strategy`` for ``k`` seeds or a ``budget``; see the module doc.

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
    ones with ``w + 1``).
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
