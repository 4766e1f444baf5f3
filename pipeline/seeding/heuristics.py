"""Seeding heuristics: random, macro, macro-any, micro, pagerank, degree-discount, community.

Each takes a :class:`~pipeline.seeding.base.SeedingProblem` and returns the seed
nodes in order (must-includes first). With a budget, each walks its own order
and keeps every candidate that still fits ("fill the budget in its own order").
Each is registered, at the end of the module, as a built-in of
:mod:`~pipeline.seeding.registry` with its family, plain words and CLI help.
"""

from __future__ import annotations

import random as _random
from dataclasses import replace
from typing import Any

import igraph as ig
import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.seeding.base import SeedingProblem, fill_in_order
from pipeline.seeding.registry import problem_only, register_builtin

__all__ = [
    "community_seeds",
    "degree_discount_seeds",
    "macro_any_seeds",
    "macro_seeds",
    "micro_seeds",
    "pagerank_seeds",
    "random_seeds",
]

Chosen = tuple[NDArray[np.int32], dict[str, Any]]


def random_seeds(problem: SeedingProblem) -> Chosen:
    """Uniformly random candidates (the baseline), from stream 3 of the seed. O(n)."""
    rng = np.random.default_rng(np.random.SeedSequence([problem.seed, 3]))
    return fill_in_order(problem, rng.random(problem.n)), {}


def _audience(problem: SeedingProblem) -> NDArray[np.float64]:
    followers = problem.profiles.table["followers"].to_numpy().astype(np.float64)
    return np.nan_to_num(followers, nan=0.0)


def macro_seeds(problem: SeedingProblem) -> Chosen:
    """Largest audience (profile ``followers``) of the brand-fit pool first: the
    biggest on-topic accounts the budget buys. O(n log n)."""
    return fill_in_order(problem, _audience(problem)), {}


def macro_any_seeds(problem: SeedingProblem) -> Chosen:
    """Largest audience first, whatever the topic (the topic-blind baseline; ignores
    ``min_relevance`` by design). O(n log n)."""
    pool = problem.eligible if problem.eligible_any is None else problem.eligible_any
    return fill_in_order(replace(problem, eligible=pool), _audience(problem)), {"topic_blind": True}


def micro_seeds(problem: SeedingProblem, tiers: tuple[str, ...] = ("micro",)) -> Chosen:
    """Micro-tier accounts by engagement rate x topic relevance (x 1 without a brand),
    ties by audience. Many small seeds: with a budget, as many as it buys. O(n log n)."""
    t = problem.profiles.table
    in_tier = t["tier"].cast(str).is_in(list(tiers)).to_numpy() & problem.profiles.has_profile
    if not (in_tier & problem.eligible).any():
        raise InputError(
            f"the micro strategy found no eligible {'/'.join(tiers)}-tier account with a profile"
        )
    er = np.nan_to_num(t["engagement_rate"].to_numpy().astype(np.float64), nan=0.0)
    rel = problem.relevance if problem.relevance is not None else np.ones(problem.n)
    sub = replace(problem, eligible=problem.eligible & in_tier)
    return fill_in_order(sub, er * rel, tiebreak=_audience(problem)), {"tiers": ",".join(tiers)}


def pagerank_seeds(problem: SeedingProblem) -> Chosen:
    """Highest PageRank of the follows graph first (igraph PRPACK; computed once per
    graph). O(m) per iteration the first time, then O(n log n)."""
    from pipeline.graph_io.centrality import follows_pagerank

    return fill_in_order(problem, follows_pagerank(problem.graph)), {}


@njit(inline="always")
def _rescore(v: int, a: NDArray[np.float64], b: NDArray[np.float64],
             dd: NDArray[np.float64]) -> None:  # fmt: skip
    """v's expected new activations as the next seed, to first order: ``(1 - a_v)(1 +
    b_v) - 1`` (v itself unless a seed reached it, then its followers no seed is)."""
    dd[v] = (1.0 - a[v]) * b[v] - a[v]


@njit(inline="always")
def _discount(
    u: int,
    out_ptr: NDArray[np.int64],
    out_idx: NDArray[np.int32],
    in_ptr: NDArray[np.int64],
    in_idx: NDArray[np.int32],
    in_eid: NDArray[np.int64],
    p: NDArray[np.float32],
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    dd: NDArray[np.float64],
) -> None:
    """u became a seed: each follower v of u may now be reached by it (``a_v += p_uv``),
    and every account x that u follows has one follower fewer left to win (``b_x -=
    p_xu``); rescore both. O(degree of u)."""
    for e in range(out_ptr[u], out_ptr[u + 1]):
        v = out_idx[e]
        a[v] += p[e]
        _rescore(v, a, b, dd)
    for s in range(in_ptr[u], in_ptr[u + 1]):
        x = in_idx[s]
        b[x] -= p[in_eid[s]]
        _rescore(x, a, b, dd)


@njit(cache=True, nogil=True)
def _degree_discount(
    out_ptr: NDArray[np.int64],
    out_idx: NDArray[np.int32],
    in_ptr: NDArray[np.int64],
    in_idx: NDArray[np.int32],
    in_eid: NDArray[np.int64],
    p: NDArray[np.float32],
    b: NDArray[np.float64],
    eligible: NDArray[np.bool_],
    forced: NDArray[np.int32],
    cost: NDArray[np.float64],
    per_cost: bool,
    k: int,
    budget: float,
) -> NDArray[np.int32]:
    n = out_ptr.shape[0] - 1
    a = np.zeros(n, dtype=np.float64)
    dd = b.copy()
    chosen = np.zeros(n, dtype=np.bool_)
    out = np.empty(n, dtype=np.int32)
    c = 0
    left = budget
    for f in forced:
        chosen[f] = True
        out[c] = f
        c += 1
        if budget >= 0:
            left -= cost[f]
        _discount(f, out_ptr, out_idx, in_ptr, in_idx, in_eid, p, a, b, dd)
    picked = 0
    limit = n if k < 0 else k
    while picked < limit:
        best = -1
        best_key = -np.inf
        for u in range(n):
            if chosen[u] or not eligible[u]:
                continue
            if budget >= 0 and not cost[u] <= left:
                continue
            key = (1.0 + dd[u]) / cost[u] if per_cost else dd[u]
            if key > best_key:
                best_key = key
                best = u
        if best < 0:
            break
        chosen[best] = True
        out[c] = best
        c += 1
        picked += 1
        if budget >= 0:
            left -= cost[best]
        _discount(best, out_ptr, out_idx, in_ptr, in_idx, in_eid, p, a, b, dd)
    return out[:c].copy()


def degree_discount_seeds(problem: SeedingProblem) -> Chosen:
    """DegreeDiscountIC (Chen, Wang, Yang, KDD 2009), directed, with per-edge probabilities.

    Chen et al. score v by ``1 + p dd_v`` with ``dd_v = d_v - 2 t_v - (d_v - t_v) t_v p``:
    to first order in a uniform ``p``, v's expected new activations as the next seed,
    ``(1 - p)^{t_v} (1 + (d_v - t_v) p)``, v's ``t_v`` seeded neighbours possibly having
    activated it already. With the model's per-edge probabilities ``p_e`` (brand factor
    and audience quality included: the chance the edge transmits) the same first-order
    score is ``(1 - a_v)(1 + b_v) - 1``, where ``a_v = Σ p_sv`` over the seeds s v follows
    (the chance one of them activates v, to first order) and ``b_v = Σ p_vw`` over v's
    followers w that are not seeds (its expected direct activations). Under a uniform
    ``p`` on an undirected (reciprocal) graph ``a_v = t_v p`` and ``b_v = (d_v - t_v) p``,
    so the score is exactly ``p dd_v`` and the order Chen et al.'s. Like theirs it
    ignores that a follower may already be reached by another seed. With a budget the
    key is the expected gain ``(1 - a_v)(1 + b_v)`` per unit cost. O(k n + m).
    """
    g = problem.graph
    p = np.ascontiguousarray(problem.values, dtype=np.float32)
    b = np.bincount(g.edge_sources, weights=p.astype(np.float64), minlength=g.n)
    per_cost = problem.budget is not None
    budget = -1.0 if problem.budget is None else problem.budget
    seeds = _degree_discount(
        g.out_ptr, g.out_idx, g.in_ptr, g.in_idx, g.in_eid, p, b.astype(np.float64),
        problem.eligible, problem.include.astype(np.int32),
        problem.key_cost() if per_cost else problem.cost,
        per_cost, -1 if problem.k is None else problem.k, budget,
    )  # fmt: skip
    mean = float(np.mean(p)) if p.size else 0.0
    return seeds, {"p": mean, "per_edge": True}


def community_seeds(problem: SeedingProblem, resolution: float = 1.0) -> Chosen:
    """Seeds spread over Leiden communities of the undirected follower graph.

    Communities (modularity, igraph Leiden, seeded from stream 5) take seeds in
    proportion to their size (D'Hondt: next seed to the community with the largest
    size / (seeds + 1)); within a community the best remaining candidate by
    audience x relevance that fits goes first. O(m) for Leiden, O(n log n) after.
    """
    g = problem.graph
    und = g.graph.as_undirected(mode="collapse")
    rng = _random.Random(int(np.random.SeedSequence([problem.seed, 5]).generate_state(1)[0]))
    previous = ig.set_random_number_generator(rng)
    try:
        parts = und.community_leiden(
            objective_function="modularity", resolution=resolution, n_iterations=-1
        )
    finally:
        ig.set_random_number_generator(previous if previous is not None else _random)
    member = np.asarray(parts.membership, dtype=np.int64)
    n_comm = int(member.max()) + 1 if member.size else 0
    size = np.bincount(member, minlength=n_comm).astype(np.float64)
    aud = np.nan_to_num(problem.profiles.table["followers"].to_numpy().astype(np.float64))
    rel = problem.relevance if problem.relevance is not None else np.ones(problem.n)
    score = aud * rel
    taken = np.zeros(problem.n, dtype=np.bool_)
    inc = problem.include
    taken[inc] = True
    cand = np.flatnonzero(problem.eligible & ~taken)
    # candidates grouped by community, best first
    order = cand[np.lexsort((cand, -score[cand], member[cand]))]
    bounds = np.searchsorted(member[order], np.arange(n_comm + 1))
    chosen = _dhondt(
        order.astype(np.int64),
        bounds.astype(np.int64),
        size,
        np.bincount(member[inc], minlength=n_comm).astype(np.float64),
        problem.cost,
        -1 if problem.k is None else problem.k,
        -1.0 if problem.budget is None else problem.budget - float(np.nansum(problem.cost[inc])),
    )
    seeds = np.concatenate((inc, chosen.astype(np.int32)))
    used = np.unique(member[seeds]).size if seeds.size else 0
    return seeds, {"communities": n_comm, "communities_seeded": int(used),
                   "modularity": float(parts.modularity)}  # fmt: skip


@njit(cache=True, nogil=True)
def _dhondt(
    order: NDArray[np.int64],
    bounds: NDArray[np.int64],
    size: NDArray[np.float64],
    seeded: NDArray[np.float64],
    cost: NDArray[np.float64],
    k: int,
    budget: float,
) -> NDArray[np.int64]:
    n_comm = size.shape[0]
    head = bounds[:-1].copy()
    count = seeded.copy()
    out = np.empty(order.shape[0], dtype=np.int64)
    c = 0
    left = budget
    alive = np.ones(n_comm, dtype=np.bool_)
    while k < 0 or c < k:
        best = -1
        best_q = -1.0
        for j in range(n_comm):
            if alive[j]:
                q = size[j] / (count[j] + 1.0)
                if q > best_q:
                    best_q = q
                    best = j
        if best < 0:
            break
        # best remaining candidate of that community that fits
        picked = -1
        while head[best] < bounds[best + 1]:
            u = order[head[best]]
            head[best] += 1
            if budget < 0 or cost[u] <= left:
                picked = u
                break
        if picked < 0:
            alive[best] = False
            continue
        out[c] = picked
        c += 1
        count[best] += 1.0
        if budget >= 0:
            left -= cost[picked]
    return out[:c].copy()


register_builtin(
    "random", problem_only(random_seeds), family="baseline",
    plain="creators picked at random", help="uniformly random candidates: the baseline",
)  # fmt: skip
register_builtin(
    "macro", problem_only(macro_seeds), family="macro",
    plain="the largest on-topic accounts", help="largest on-topic audiences",
)  # fmt: skip
register_builtin(
    "macro-any", problem_only(macro_any_seeds), family="macro",
    plain="the largest accounts of any topic", help="largest audiences, topic-blind",
)  # fmt: skip
register_builtin(
    "micro", problem_only(micro_seeds), family="micro",
    plain="the most engaging on-topic micro creators",
    help="micro tier by engagement x relevance",
)  # fmt: skip
register_builtin(
    "pagerank", problem_only(pagerank_seeds), family="heuristic",
    plain="the most central accounts", help="highest PageRank of the follows graph",
)  # fmt: skip
# reads the model's per-edge probabilities (problem.values): the plan depends on the model
register_builtin(
    "degree-discount", problem_only(degree_discount_seeds), family="heuristic",
    plain="the best-connected accounts",
    help="degree discount on the model's edge probabilities", model_dependent=True,
)  # fmt: skip
register_builtin(
    "community", problem_only(community_seeds), family="heuristic",
    plain="creators spread over communities", help="spread over Leiden communities",
)  # fmt: skip
