"""Seeding strategies behind one interface: :func:`select_seeds`.

``select_seeds(graph, strategy, k=... | budget=..., model=..., ...) -> SeedSet``
returns seeds in order, each with its cost, tier and estimated marginal gain in
expected reach (nodes activated under the model). Strategies:

- ``random`` (baseline), ``macro`` (largest audience of the brand-fit pool
  first), ``macro-any`` (largest audience whatever the topic: the topic-blind
  baseline), ``micro`` (micro tier by engagement x relevance), ``efficient``
  (value for money by a simple rule), ``pagerank``,
  ``degree-discount`` (Chen et al. 2009), ``community`` (Leiden communities),
- ``celf`` (lazy greedy on Monte Carlo estimates with common random numbers,
  Leskovec et al. 2007), ``imm`` (Tang, Shi, Xiao 2015, with Chen 2018's fix),
  ``opim`` (OPIM-C, Tang et al. 2018: RR sets until a certified ratio),

all entries of one registry (:mod:`~pipeline.seeding.registry`: ``built_in()``,
``strategy_names()``, ``register_strategy`` for your own).

With ``budget`` (sum of contract costs: fee plus per-creator overhead),
``celf`` and ``imm`` return the better of the plain and cost-effective greedy
picks; the others fill the budget in their own order. ``max_creators`` caps the
number of seeds of every strategy, with or without a budget. With ``brand``,
every strategy except ``macro-any`` draws from the same brand-fit pool
(relevance >= ``min_relevance``) and the model's probabilities are brand-aware.

The package: :mod:`~pipeline.seeding.select` (:func:`select_seeds`),
:mod:`~pipeline.seeding.registry` (the strategies: names, functions, families),
:mod:`~pipeline.seeding.problem` (:func:`make_problem`),
:mod:`~pipeline.seeding.base` (problem and seed set),
:mod:`~pipeline.seeding.estimate` (reach estimates and their cache),
:mod:`~pipeline.seeding.heuristics`, :mod:`~pipeline.seeding.celf`,
:mod:`~pipeline.seeding.imm`, :mod:`~pipeline.seeding.opim` (the strategies),
:mod:`~pipeline.seeding.rrsets`, :mod:`~pipeline.seeding.rr_kernel`,
:mod:`~pipeline.seeding.max_cover` and :mod:`~pipeline.seeding.certify` (RR sets,
maximum coverage and certified ratios).
"""

from __future__ import annotations

from pipeline.profiles import DEFAULT_MIN_RELEVANCE, fit_pool
from pipeline.seeding.base import SeedingProblem, SeedSet
from pipeline.seeding.estimate import ReachEstimator
from pipeline.seeding.problem import OBJECTIVES, edge_values, make_problem
from pipeline.seeding.rrsets import RRSets, sample_rr_sets
from pipeline.seeding.select import run_strategy, select_seeds
from pipeline.valuation.costs import CostModel

__all__ = [
    "DEFAULT_MIN_RELEVANCE",
    "OBJECTIVES",
    "CostModel",
    "RRSets",
    "ReachEstimator",
    "SeedSet",
    "SeedingProblem",
    "edge_values",
    "fit_pool",
    "make_problem",
    "run_strategy",
    "sample_rr_sets",
    "select_seeds",
]
