"""Competing brands: plain model, exact oracle, symmetry, coupling, determinism, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl
import pytest

from pipeline.diffusion import DiffusionSpec, run_cascades
from pipeline.diffusion.compete import (
    CompetitionResult,
    brand_edge_probabilities,
    compete,
    competition_runs,
)
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph, from_edges

RUNS = 20_000


def graph(
    edges: list[tuple[int, int]], n: int | None = None, probability: list[float] | None = None
) -> FollowerGraph:
    src = np.array([a for a, _ in edges])
    dst = np.array([b for _, b in edges])
    n = n or int(max(src.max(), dst.max())) + 1
    prob = None if probability is None else np.array(probability)
    return from_edges(src, dst, pl.Series([f"n{i}" for i in range(n)]), probability=prob)


def random_graph(n: int, m: int, seed: int) -> FollowerGraph:
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    prob = rng.choice([0.05, 0.2, 0.5], size=m)
    return from_edges(src, dst, pl.Series([f"n{i}" for i in range(n)]), probability=prob)


def bidirected_cycle(n: int) -> FollowerGraph:
    return graph([(i, (i + 1) % n) for i in range(n)] + [((i + 1) % n, i) for i in range(n)])


# A contested graph: A seeds {0, 6}, B seeds {1, 6} (node 6 is a shared seed);
# nodes 2 and 4 can be reached by both brands in the same step.
CONTEST = graph(
    [(0, 2), (1, 2), (0, 3), (2, 4), (3, 4), (1, 5), (5, 4), (6, 5), (4, 7)],
    probability=[0.6, 0.5, 0.7, 0.5, 0.8, 0.9, 0.4, 0.5, 0.6],
)
CONTEST_SEEDS = {"A": [0, 6], "B": [1, 6]}
BIG = random_graph(300, 1500, seed=11)


# --- exact oracle: live-edge worlds x every tie choice, pure Python ---------------------------


def exact_compete(
    g: FollowerGraph,
    seeds: list[list[int]],
    probs: np.ndarray,
    max_steps: int | None = None,
) -> np.ndarray:
    """Expected adopters per brand, enumerating the shared uniform of every edge.

    Edge e is live for brand b iff U_e < p[b, e]; U_e's range is cut at the
    distinct thresholds, so each world is one interval per edge. Within a
    world every tie (shared seed, several live in-edges from the last wave)
    is branched with its exact probability.
    """
    p = np.asarray(probs, dtype=np.float64)
    nb = p.shape[0]
    options = []
    for e in range(g.m):
        cuts = sorted({0.0, 1.0, *(float(x) for x in p[:, e])})
        options.append(
            [
                (hi - lo, tuple(hi <= p[b, e] for b in range(nb)))
                for lo, hi in itertools.pairwise(cuts)
                if hi > lo
            ]
        )
    total = np.zeros(nb)
    for combo in itertools.product(*options):
        w = math.prod(c[0] for c in combo)
        if w == 0.0:
            continue
        live = np.array([c[1] for c in combo], dtype=bool).reshape(g.m, nb)
        total += w * _seed_ties(g, seeds, live, max_steps, nb)
    return total


def _seed_ties(g, seeds, live, max_steps, nb):
    owners: dict[int, list[int]] = {}
    for b, ss in enumerate(seeds):
        for s in dict.fromkeys(ss):
            owners.setdefault(s, []).append(b)
    nodes = sorted(owners)
    out = np.zeros(nb)
    for pick in itertools.product(*(owners[v] for v in nodes)):
        prob = math.prod(1.0 / len(owners[v]) for v in nodes)
        out += prob * _waves(g, dict(zip(nodes, pick, strict=True)), nodes, live, max_steps, 0, nb)
    return out


def _waves(g, brand, frontier, live, max_steps, t, nb):
    cand: dict[int, list[int]] = {}
    if max_steps is None or t < max_steps:
        for u in frontier:
            for e in range(int(g.out_ptr[u]), int(g.out_ptr[u + 1])):
                v = int(g.out_idx[e])
                if v not in brand and live[e, brand[u]]:
                    cand.setdefault(v, []).append(brand[u])
    if not cand:
        return np.bincount(list(brand.values()), minlength=nb).astype(np.float64)
    new = sorted(cand)
    out = np.zeros(nb)
    for pick in itertools.product(*(cand[v] for v in new)):
        prob = math.prod(1.0 / len(cand[v]) for v in new)
        nxt = {**brand, **dict(zip(new, pick, strict=True))}
        out += prob * _waves(g, nxt, new, live, max_steps, t + 1, nb)
    return out


def within(arr: np.ndarray, exact: float, k: float = 4.0) -> None:
    se = float(arr.std(ddof=1)) / math.sqrt(arr.size)
    assert abs(float(arr.mean()) - exact) <= k * se + 1e-9, (float(arr.mean()), exact, se)


# --- one brand is the plain model ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "p", "max_steps"),
    [("ic", 0.1, None), ("wc", None, None), ("ic", None, 2), ("tv", None, None)],
)
def test_one_brand_equals_plain_model_run_by_run(model, p, max_steps):
    seeds = [3, 17, 42, 99, 150]
    probs = brand_edge_probabilities(BIG, model, ["a"], p=p, seed=5)
    adopters, steps = competition_runs(BIG, [seeds], probs, runs=500, seed=5, max_steps=max_steps)
    plain = run_cascades(
        BIG,
        seeds,
        DiffusionSpec(model, edge_prob=probs[0]),
        runs=500,
        seed=5,
        max_steps=max_steps,
        exposed=False,
    )
    assert adopters.shape == (500, 1)
    np.testing.assert_array_equal(adopters[:, 0], plain.activated)
    np.testing.assert_array_equal(steps, plain.steps)
    assert plain.activated.std() > 0  # a stochastic case, not a trivial one


def test_alone_is_the_plain_model_with_the_same_keys():
    res = compete(BIG, {"a": [3, 17], "b": [42]}, "ic", p=0.1, runs=300, seed=2)
    for i, s in enumerate(([3, 17], [42])):
        spec = DiffusionSpec("ic", edge_prob=np.full(BIG.m, 0.1, dtype=np.float32))
        plain = run_cascades(BIG, s, spec, runs=300, seed=2, exposed=False)
        np.testing.assert_array_equal(res.alone[:, i], plain.activated)


# --- coupling: shared live-edge graph ------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "p", "max_steps"), [("wc", None, None), ("ic", 0.2, None), ("ic", 0.2, 1)]
)
def test_total_adopters_equal_union_cascade(model, p, max_steps):
    seeds = {"a": [1, 2, 3], "b": [3, 4, 200], "c": [250]}
    res = compete(BIG, seeds, model, p=p, runs=400, seed=9, max_steps=max_steps)
    probs = brand_edge_probabilities(BIG, model, ["x"], p=p, seed=9)
    union = run_cascades(
        BIG,
        [1, 2, 3, 4, 200, 250],
        DiffusionSpec(model, edge_prob=probs[0]),
        runs=400,
        seed=9,
        max_steps=max_steps,
        exposed=False,
    )
    np.testing.assert_array_equal(res.adopters.sum(axis=1), union.activated)
    np.testing.assert_array_equal(res.steps, union.steps)


@pytest.mark.parametrize("aware", [False, True])
def test_adopters_never_exceed_alone(aware):
    rng = np.random.default_rng(0)
    factors = {"a": rng.uniform(0, 3, BIG.n), "b": rng.uniform(0, 1, BIG.n)} if aware else None
    for max_steps in (None, 2):
        res = compete(
            BIG,
            {"a": [1, 2, 3], "b": [3, 5, 8]},
            "ic",
            runs=400,
            seed=4,
            max_steps=max_steps,
            sender_factors=factors,
        )
        assert (res.adopters <= res.alone).all()
        assert (res.adopters < res.alone).any()  # competition does bite here
        summary = res.summary()
        assert (summary["loss"] >= 0).all()


# --- symmetry ------------------------------------------------------------------------------------


def test_disjoint_identical_stars_are_exactly_equal():
    g = graph([(0, i) for i in range(1, 6)] + [(6, i) for i in range(7, 12)])
    res = compete(g, {"left": [0], "right": [6]}, "ic", p=1.0, runs=50, seed=1)
    assert (res.adopters == 6).all()
    assert (res.alone == 6).all()
    s = res.summary()
    assert s["share"].to_list() == [0.5, 0.5]
    assert s["loss"].to_list() == [0.0, 0.0]
    assert s["loss_share"].to_list() == [0.0, 0.0]
    assert s["seeds"].to_list() == [1, 1]


def test_opposite_seeds_on_a_deterministic_cycle_are_complementary():
    g = bidirected_cycle(8)
    res = compete(g, {"a": [0], "b": [4]}, "ic", p=1.0, runs=4000, seed=3)
    # Steps 1 give each brand two neighbours; nodes 2 and 6 are coin flips.
    assert (res.adopters.sum(axis=1) == 8).all()
    assert set(np.unique(res.adopters[:, 0])) == {3, 4, 5}
    s = res.summary()
    share_a, share_b = s["share"].to_list()
    assert share_a + share_b == pytest.approx(1.0)
    assert abs(share_a - 0.5) <= 3 * s["stderr_share"][0]
    within(res.adopters[:, 0].astype(np.float64), 4.0)


@pytest.mark.parametrize(
    ("g", "seeds", "model", "p"),
    [
        (bidirected_cycle(10), {"a": [0], "b": [5]}, "wc", None),
        # two hubs with the same 20 followers, who follow each other in a ring
        (
            graph(
                [(0, i) for i in range(2, 22)]
                + [(1, i) for i in range(2, 22)]
                + [(i, i + 1) for i in range(2, 21)]
                + [(21, 2)]
            ),
            {"a": [0], "b": [1]},
            "ic",
            0.3,
        ),
    ],
)
def test_symmetric_brands_get_equal_shares(g, seeds, model, p):
    res = compete(g, seeds, model, p=p, runs=RUNS, seed=8)
    s = res.summary()
    diff = res.adopters[:, 0] - res.adopters[:, 1]
    within(diff.astype(np.float64), 0.0, k=3.0)
    assert abs(s["share"][0] - 0.5) <= 3 * s["stderr_share"][0]
    assert (res.adopters[:, 0] != res.adopters[:, 1]).any()


# --- exact expectations --------------------------------------------------------------------------


@pytest.mark.parametrize("max_steps", [None, 1, 2])
def test_exact_expected_adopters_shared_probabilities(max_steps):
    probs = brand_edge_probabilities(CONTEST, "ic", ["A", "B"])
    exact = exact_compete(CONTEST, [[0, 6], [1, 6]], probs, max_steps)
    res = compete(CONTEST, CONTEST_SEEDS, "ic", runs=RUNS, seed=21, max_steps=max_steps)
    for i in range(2):
        within(res.adopters[:, i].astype(np.float64), exact[i])


def test_exact_expected_adopters_brand_aware():
    factors = {"A": np.full(CONTEST.n, 1.6), "B": np.array([1, 0.5, 1, 2, 0.3, 1, 1, 1])}
    probs = brand_edge_probabilities(CONTEST, "ic", ["A", "B"], sender_factors=factors)
    assert (probs[0] != probs[1]).any()
    exact = exact_compete(CONTEST, [[0, 6], [1, 6]], probs)
    res = compete(CONTEST, CONTEST_SEEDS, "ic", runs=RUNS, seed=22, sender_factors=factors)
    for i in range(2):
        within(res.adopters[:, i].astype(np.float64), exact[i])


def test_exact_tie_rules_on_hand_checked_graphs():
    # A shared seed on a deterministic star: each brand takes all or nothing, 1/2 each.
    star = graph([(0, i) for i in range(1, 4)])
    probs = brand_edge_probabilities(star, "ic", ["x", "y"], p=1.0)
    assert exact_compete(star, [[0], [0]], probs).tolist() == [2.0, 2.0]
    # One contested follower reached by both brands at step 1: 1/2 each.
    vee = graph([(0, 2), (1, 2)])
    probs = brand_edge_probabilities(vee, "ic", ["x", "y"], p=1.0)
    assert exact_compete(vee, [[0], [1]], probs).tolist() == [1.5, 1.5]
    res = compete(vee, {"x": [0], "y": [1]}, "ic", p=1.0, runs=RUNS, seed=6)
    within(res.adopters[:, 0].astype(np.float64), 1.5)
    res = compete(star, {"x": [0], "y": [0]}, "ic", p=1.0, runs=RUNS, seed=6)
    assert set(res.adopters[:, 0].tolist()) == {0, 4}
    within(res.adopters[:, 0].astype(np.float64), 2.0)


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_numbers_for_any_thread_count():
    args = (BIG, {"a": [1, 2, 3], "b": [3, 4], "c": [7]}, "wc")
    one = compete(*args, runs=301, seed=13, threads=1)
    two = compete(*args, runs=301, seed=13, threads=2)
    np.testing.assert_array_equal(one.adopters, two.adopters)
    np.testing.assert_array_equal(one.alone, two.alone)
    np.testing.assert_array_equal(one.steps, two.steps)
    other = compete(*args, runs=301, seed=14, threads=2)
    assert not np.array_equal(one.adopters, other.adopters)


def test_result_tables():
    res = compete(CONTEST, CONTEST_SEEDS, "wc", runs=7, seed=0)
    assert isinstance(res, CompetitionResult)
    df = res.to_polars()
    assert df.columns == ["brand", "run", "adopters", "alone"]
    assert df.height == 14
    b = df.filter(pl.col("brand") == "B").sort("run")
    np.testing.assert_array_equal(b["adopters"].to_numpy(), res.adopters[:, 1])
    np.testing.assert_array_equal(b["alone"].to_numpy(), res.alone[:, 1])
    s = res.summary()
    assert s["brand"].to_list() == ["A", "B"]
    assert s["mean_adopters"].to_list() == pytest.approx(res.adopters.mean(axis=0).tolist())
    assert s["share"].sum() == pytest.approx(1.0)
    assert (s["ci_low"] <= s["mean_adopters"]).all() and (s["ci_high"] >= s["mean_adopters"]).all()
    expect_loss = res.alone.mean(axis=0) - res.adopters.mean(axis=0)
    assert s["loss"].to_list() == pytest.approx(expect_loss.tolist())
    assert s["loss_share"].to_list() == pytest.approx((expect_loss / res.alone.mean(0)).tolist())


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seeds": {"a": [0]}}, "at least two brands"),
        ({"seeds": {}}, "at least two brands"),
        ({"seeds": [[0], [1]]}, "map each brand"),
        ({"seeds": {"a": [0], "b": []}}, "brand 'b'.*empty"),
        ({"seeds": {"a": [0], "b": [99]}}, "brand 'b'.*out of range"),
        ({"model": "lt"}, "cascade models ic, wc, tv"),
        ({"model": "sir"}, "unknown model 'sir'"),
        ({"model": "wc", "p": 0.1}, "p applies to the ic model only"),
        ({"runs": 0}, "runs must be"),
        ({"max_steps": -1}, "max_steps must be"),
        ({"threads": 0}, "threads must be"),
        ({"seed": -1}, "seed must be"),
        ({"sender_factors": {"zz": np.ones(8)}}, "brand 'zz'"),
        ({"sender_factors": {"A": np.ones(3)}}, "brand 'A'.*3 entries"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"seeds": CONTEST_SEEDS, "model": "ic", **kwargs}
    with pytest.raises(InputError, match=match):
        compete(CONTEST, args.pop("seeds"), args.pop("model"), **args)


def test_competition_runs_checks_probabilities():
    with pytest.raises(InputError, match="shape"):
        competition_runs(CONTEST, [[0]], np.ones(3))
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        competition_runs(CONTEST, [[0]], np.full(CONTEST.m, 1.5))
