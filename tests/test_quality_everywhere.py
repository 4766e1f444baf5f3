"""Audience quality everywhere: overlap's simulated reach and competitions apply the
simulator's rule (an edge transmits with ``min(1, p f_u) q_u``, only a real follow
exposes), checked against live-edge enumeration on small graphs (at most 12 edges, some
nodes of quality below 1) within a few standard errors, and against ``simulate`` run by
run (the same coins)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from test_compete import exact_compete

from pipeline.diffusion import DiffusionSpec, build_model, run_cascades, simulate
from pipeline.diffusion.compete import brand_edge_probabilities, compete, competition_runs
from pipeline.diffusion.exact import exact_ic, exact_lt
from pipeline.diffusion.model_ref import Model
from pipeline.diffusion.models import transmit_probabilities
from pipeline.graph_io import FollowerGraph, from_edges
from pipeline.overlap import audience_overlap

RUNS = 20_000

# 10 edges, 8 nodes; nodes 0, 2 and 5 (5 out-edges) have fake followers
EDGES = [(0, 2), (1, 2), (0, 3), (2, 4), (3, 4), (1, 5), (5, 4), (6, 5), (4, 7), (5, 7)]
PROB = [0.6, 0.5, 0.7, 0.5, 0.8, 0.9, 0.4, 0.5, 0.6, 0.3]
QUALITY = np.array([0.7, 1.0, 0.5, 1.0, 1.0, 0.6, 1.0, 1.0])


def _graph(probability: list[float] | None = PROB) -> FollowerGraph:
    src = np.array([a for a, _ in EDGES])
    dst = np.array([b for _, b in EDGES])
    prob = None if probability is None else np.array(probability)
    return from_edges(src, dst, pl.Series([f"n{i}" for i in range(8)]), probability=prob)


G = _graph()
G_PLAIN = _graph(None)  # no probability column: uniform ic p (skip-sampled), wc, lt


def within(arr: np.ndarray, exact: float, k: float = 4.0) -> float:
    """Assert the mean of ``arr`` is within ``k`` standard errors of ``exact``; the SE."""
    se = float(arr.std(ddof=1)) / math.sqrt(arr.size)
    assert abs(float(arr.mean()) - exact) <= k * se + 1e-9, (float(arr.mean()), exact, se)
    return se


def _exact(g: FollowerGraph, model: str, p: float | None, seeds: list[int], q: np.ndarray):
    spec = build_model(g, model, p=p)
    if spec.weight is not None:
        return exact_lt(g, seeds, spec.weight, quality=q)
    return exact_ic(g, seeds, transmit_probabilities(g, spec), quality=q)


# --- overlap --------------------------------------------------------------------------------


OVERLAP_CASES = [(G, "ic", None), (G_PLAIN, "ic", 0.5), (G_PLAIN, "wc", None),
                 (G_PLAIN, "lt", None)]  # fmt: skip


@pytest.mark.parametrize(("g", "model", "p"), OVERLAP_CASES)
def test_overlap_reach_with_quality_is_the_exact_expectation(g, model, p) -> None:
    cands = [0, 1]
    res = audience_overlap(g, cands, model, p=p, runs=RUNS, seed=5, quality=QUALITY)
    plain = audience_overlap(g, cands, model, p=p, runs=RUNS, seed=5)
    alone = [_exact(g, model, p, [u], QUALITY) for u in cands]
    for i, exact in enumerate(alone):
        within(res.exposed[:, i].astype(np.float64), exact.exposed)
        within(res.activated[:, i].astype(np.float64), exact.activated)
    joint = _exact(g, model, p, cands, QUALITY)
    within(res.joint.exposed.astype(np.float64), joint.exposed)
    within(res.joint.activated.astype(np.float64), joint.activated)
    # quality discounts: the undiscounted reach is the plain model's, and larger
    assert plain.summary()["unique_reach"] > res.summary()["unique_reach"]
    if model == "lt":
        return
    # cascades: E|E_a ∩ E_b| = E|E_a| + E|E_b| - E|E_a ∪ E_b|, run by run
    inter = res.exposed[:, 0] + res.exposed[:, 1] - res.union_exposed
    assert res.shared_exposed[0, 1] == inter.sum() / RUNS
    within(inter.astype(np.float64), alone[0].exposed + alone[1].exposed - joint.exposed)


@pytest.mark.parametrize(("g", "model", "p"), OVERLAP_CASES)
def test_each_candidate_with_quality_is_exactly_simulate(g, model, p) -> None:
    cands = [0, 1, 5]
    factor = np.linspace(0.5, 2.0, g.n)
    kw = {"p": p, "runs": 300, "seed": 8, "quality": QUALITY, "sender_factor": factor}
    res = audience_overlap(g, cands, model, **kw)  # type: ignore[arg-type]
    for i, u in enumerate(cands):
        alone = simulate(g, [u], model, **kw)  # type: ignore[arg-type]
        assert np.array_equal(res.exposed[:, i], alone.exposed)
        assert np.array_equal(res.activated[:, i], alone.activated)
    joint = simulate(g, cands, model, **kw)  # type: ignore[arg-type]
    assert np.array_equal(res.joint.exposed, joint.exposed)
    if model != "lt":
        assert np.array_equal(res.union_exposed, joint.exposed)


def test_overlap_quality_of_one_is_the_undiscounted_run() -> None:
    a = audience_overlap(G, [0, 1], "ic", runs=200, seed=3, quality=np.ones(G.n))
    b = audience_overlap(G, [0, 1], "ic", runs=200, seed=3)
    assert np.array_equal(a.exposed, b.exposed) and np.array_equal(a.union_exposed, b.union_exposed)


# --- competitions ---------------------------------------------------------------------------


@pytest.mark.parametrize(("g", "model", "p"), [(G, "ic", None), (G_PLAIN, "wc", None),
                                               (G_PLAIN, "ic", 0.5)])  # fmt: skip
def test_one_competitor_with_quality_is_the_plain_simulation(g, model, p) -> None:
    seeds = [0, 1]
    probs = brand_edge_probabilities(g, model, ["x"], p=p)
    adopters, _ = competition_runs(g, [seeds], probs, runs=RUNS, seed=4, quality=QUALITY)
    spec = DiffusionSpec(model, edge_prob=probs[0], quality=QUALITY)
    plain = run_cascades(g, seeds, spec, runs=RUNS, seed=4, exposed=False)
    assert np.array_equal(adopters[:, 0], plain.activated)  # run by run
    if model != "ic" or p is None:  # per-edge models: simulate draws the same coins
        assert np.array_equal(
            adopters[:, 0], simulate(g, seeds, model, p=p, runs=RUNS, seed=4,
                                     quality=QUALITY).activated,
        )  # fmt: skip
    exact = exact_ic(g, seeds, probs[0], quality=QUALITY)
    within(adopters[:, 0].astype(np.float64), exact.activated)
    without, _ = competition_runs(g, [seeds], probs, runs=RUNS, seed=4)
    assert without[:, 0].mean() > adopters[:, 0].mean()


@pytest.mark.parametrize("aware", [False, True])
def test_two_competitors_with_quality_match_the_exact_contest(aware: bool) -> None:
    seeds = {"A": [0, 6], "B": [1, 6]}
    factors = {"A": np.full(G.n, 1.6), "B": np.array([1, 0.5, 1, 2, 0.3, 1, 1, 1.0])}
    kw = {"sender_factors": factors} if aware else {}
    res = compete(G, seeds, "ic", runs=RUNS, seed=21, quality=QUALITY, **kw)  # type: ignore[arg-type]
    probs = brand_edge_probabilities(G, "ic", ["A", "B"], **kw)  # type: ignore[arg-type]
    # live for brand b iff U_e < q_u p_e^b: the oracle's thresholds, thinned by quality
    exact = exact_compete(G, list(seeds.values()), probs * QUALITY[G.edge_sources])
    for i in range(2):
        within(res.adopters[:, i].astype(np.float64), exact[i])
        alone = exact_ic(G, list(seeds.values())[i], probs[i], quality=QUALITY).activated
        within(res.alone[:, i].astype(np.float64), alone)
    if not aware:  # shared probabilities: the adopters add up to the union's cascade
        union = simulate(G, [0, 1, 6], "ic", runs=RUNS, seed=21, quality=QUALITY)
        assert np.array_equal(res.adopters.sum(axis=1), union.activated)
        within(res.adopters.sum(axis=1).astype(np.float64),
               exact_ic(G, [0, 1, 6], probs[0], quality=QUALITY).activated)  # fmt: skip


def test_competition_quality_is_dropped_for_a_model_used_as_fitted() -> None:
    fitted = Model(
        "ic", None, "fitted", np.asarray(G.probability, dtype=np.float32), brand_aware=False
    )
    a = compete(G, {"A": [0], "B": [1]}, fitted, runs=500, seed=2, quality=QUALITY)
    b = compete(G, {"A": [0], "B": [1]}, fitted, runs=500, seed=2)
    assert np.array_equal(a.adopters, b.adopters)
    aware = Model("ic", None, "aware", np.asarray(G.probability, dtype=np.float32))
    c = compete(G, {"A": [0], "B": [1]}, aware, runs=500, seed=2, quality=QUALITY)
    assert not np.array_equal(a.adopters, c.adopters)
