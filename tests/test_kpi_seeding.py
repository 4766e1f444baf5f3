"""Seeding for platform KPIs: node-weighted RR sets against exact live-edge enumeration,
IMM / OPIM-C / CELF maximising engagements, the people proxy, and the fallbacks."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.diffusion import simulate
from pipeline.diffusion.exact import exact_ic, exact_lt
from pipeline.graph_io import FollowerGraph, from_edges
from pipeline.profiles import Profiles, load_profiles
from pipeline.profiles.audience import ReachRates, audience
from pipeline.seeding import edge_values, make_problem, select_seeds
from pipeline.seeding.certify import weighted_floor
from pipeline.seeding.estimate import ReachEstimator, rr_fingerprint
from pipeline.seeding.imm import imm
from pipeline.seeding.kpi import kpi_weights, paid_value
from pipeline.seeding.max_cover import CoverIndex, prefix_coverage
from pipeline.seeding.opim import opim
from pipeline.seeding.rrsets import sample_rr_sets, stream_key

E = 1.0 - 1.0 / math.e


def _graph(n: int, m: int, seed: int, lt: bool = False) -> FollowerGraph:
    """A random graph of ``m`` distinct edges with probabilities in [0.1, 0.9] (LT
    weights into each node summing to at most 0.9 when ``lt``)."""
    rng = np.random.default_rng(seed)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < m:
        u, v = (int(x) for x in rng.integers(0, n, 2))
        if u != v:
            pairs.add((u, v))
    src, dst = (np.array(x) for x in zip(*sorted(pairs), strict=True))
    g = from_edges(src, dst, pl.Series("id", [f"n{i}" for i in range(n)]),
                   probability=rng.uniform(0.1, 0.9, m))  # fmt: skip
    if lt:
        indeg = np.bincount(g.out_idx, minlength=n)
        w = rng.uniform(0.2, 0.9, m) / np.maximum(indeg[g.out_idx], 1)
        g = from_edges(g.edge_sources, g.out_idx, g.ids, weight=w)
    return g


def _reach(g: FollowerGraph, seeds: tuple[int, ...], live: list[bool]) -> set[int]:
    seen, todo = set(seeds), list(seeds)
    while todo:
        u = todo.pop()
        for e in range(int(g.out_ptr[u]), int(g.out_ptr[u + 1])):
            v = int(g.out_idx[e])
            if live[e] and v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def _worlds(g: FollowerGraph, value: np.ndarray, lt: bool, q: np.ndarray | None = None):
    """Every live-edge world: (probability, live per edge, real per edge). IC: each edge
    live (q p), real but dead (q (1 - p)) or fake (1 - q); LT (no quality): each node
    keeps one in-edge with its weight, or none."""
    if lt:
        opts = []
        for v in range(g.n):
            eids = [int(g.in_eid[s]) for s in range(int(g.in_ptr[v]), int(g.in_ptr[v + 1]))]
            opts.append([(e, float(value[e])) for e in eids]
                        + [(-1, 1.0 - sum(float(value[e]) for e in eids))])  # fmt: skip
        for pick in itertools.product(*opts):
            live = [False] * g.m
            for e, _ in pick:
                if e >= 0:
                    live[e] = True
            yield math.prod(p for _, p in pick), live, [True] * g.m
        return
    qe = np.ones(g.m) if q is None else q[g.edge_sources]
    states = [
        [s for s in ((True, True, qq * p), (False, True, qq * (1 - p)), (False, False, 1 - qq))
         if s[2] > 0]
        for p, qq in zip(value.tolist(), qe.tolist(), strict=True)
    ]  # fmt: skip
    for world in itertools.product(*states):
        yield math.prod(s[2] for s in world), [s[0] for s in world], [s[1] for s in world]


def _node_probs(g, value, lt, seed_sets, q=None):
    """Per seed set: (Pr[v activated], Pr[v exposed]) for every node, exactly."""
    act = {s: np.zeros(g.n) for s in seed_sets}
    exp = {s: np.zeros(g.n) for s in seed_sets}
    for prob, live, real in _worlds(g, np.asarray(value, np.float64), lt, q):
        for s in seed_sets:
            a = _reach(g, s, live)
            x = set(a)
            for u in a:
                x.update(int(g.out_idx[e]) for e in range(int(g.out_ptr[u]), int(g.out_ptr[u + 1]))
                         if real[e])  # fmt: skip
            act[s][list(a)] += prob
            exp[s][list(x)] += prob
    return act, exp


def _weights(n: int, seed: int) -> np.ndarray:
    w = np.random.default_rng(seed).lognormal(0.0, 1.5, n)
    w[[1, 4]] = 0.0  # two accounts worth nothing
    return w


@pytest.mark.parametrize("lt", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_weighted_rr_sets_estimate_the_exact_weighted_activation(lt: bool, seed: int) -> None:
    g = _graph(8, 12, seed, lt=lt)
    values, _ = edge_values(g, "lt" if lt else "ic")
    w = _weights(g.n, seed + 10)
    sets = [(0,), (1, 5), (2, 3, 7)]
    act, _ = _node_probs(g, values, lt, sets)
    for s in sets:  # the enumeration agrees with the package's oracle
        total = (exact_lt if lt else exact_ic)(g, list(s), values).activated
        assert act[s].sum() == pytest.approx(total)
    rr = sample_rr_sets(g.in_ptr, g.in_idx, g.in_eid, values, lt=lt, count=200_000,
                        key=stream_key(seed, 0), root_weight=w)  # fmt: skip
    roots = rr.nodes[rr.ptr[:-1]]
    assert not np.isin(roots, [1, 4]).any()  # weight 0: never a root
    share = np.bincount(roots, minlength=g.n) / len(rr)  # roots drawn with w / W
    assert np.all(np.abs(share - w / w.sum()) < 4 * np.sqrt(w / w.sum() / len(rr)) + 1e-12)
    index = CoverIndex.build(rr)
    W = float(w.sum())
    for s in sets:
        exact = float(w @ act[s])
        f = prefix_coverage(index, np.array(s, np.int32)).sum() / len(rr)
        se = W * math.sqrt(f * (1 - f) / len(rr))
        assert abs(W * f - exact) < 4 * se + 1e-9, (s, W * f, exact)


def test_weighted_exposure_rr_sets_estimate_the_exact_weighted_exposure() -> None:
    g = _graph(7, 9, 5)
    p = np.asarray(g.probability, dtype=np.float64)
    q = np.where(np.arange(g.n) % 2 == 0, 0.6, 1.0)  # fake followers behind half
    live = (p * q[g.edge_sources]).astype(np.float32)
    real = q[g.edge_sources].astype(np.float32)
    w = _weights(g.n, 3)
    sets = [(0,), (2, 5)]
    _, exp = _node_probs(g, p, False, sets, q)
    for s in sets:
        assert exp[s].sum() == pytest.approx(exact_ic(g, list(s), p, quality=q).exposed)
    rr = sample_rr_sets(g.in_ptr, g.in_idx, g.in_eid, live, lt=False, count=200_000,
                        key=np.uint64(9), expose=real, root_weight=w, threads=2)  # fmt: skip
    index = CoverIndex.build(rr)
    W = float(w.sum())
    for s in sets:
        exact = float(w @ exp[s])
        f = prefix_coverage(index, np.array(s, np.int32)).sum() / len(rr)
        se = W * math.sqrt(f * (1 - f) / len(rr))
        assert abs(W * f - exact) < 4 * se + 1e-9, (s, W * f, exact)
    # the seeds' own posts, exactly: a seed, or a real follower of one
    for s in sets:
        hit = np.zeros(g.n)
        hit[list(s)] = 1.0
        for v in range(g.n):
            if v in s:
                continue
            miss = 1.0
            for e in range(g.m):
                if int(g.out_idx[e]) == v and int(g.edge_sources[e]) in s:
                    miss *= 1.0 - q[g.edge_sources[e]]
            hit[v] = 1.0 - miss
        assert paid_value(g, w, np.array(s), real) == pytest.approx(float(w @ hit))


def test_unit_weights_are_the_unweighted_streams_and_bad_weights_are_refused() -> None:
    g = _graph(30, 90, 3)
    v, _ = edge_values(g, "ic")
    args = (g.in_ptr, g.in_idx, g.in_eid, v)
    plain = sample_rr_sets(*args, lt=False, count=5000, key=np.uint64(4))
    ones = sample_rr_sets(*args, lt=False, count=5000, key=np.uint64(4), root_weight=np.ones(30))
    assert np.array_equal(plain.ptr, ones.ptr) and np.array_equal(plain.nodes, ones.nodes)
    for bad in (np.zeros(30), -np.ones(30), np.full(30, np.nan), np.ones(29)):
        with pytest.raises(ValueError):
            sample_rr_sets(*args, lt=False, count=10, key=np.uint64(4), root_weight=bad)


def _csv(tmp: Path, g: FollowerGraph, rows: dict[str, list]) -> Profiles:
    pl.DataFrame({"id": g.ids.to_list(), **rows}).write_csv(tmp / "p.csv")
    return load_profiles(tmp / "p.csv", g)


def _star_world(tmp: Path) -> tuple[FollowerGraph, Profiles]:
    """A hub followed by 30 accounts with a small platform audience, and a creator with
    two in-graph followers and a large, engaged one: the hub has the degree, the
    creator the engagements."""
    src = [0] * 30 + [1, 1]
    dst = [*range(2, 32), 2, 3]
    g = from_edges(np.array(src), np.array(dst), pl.Series("id", [f"a{i}" for i in range(32)]))
    followers = [2_000, 400_000] + [300] * 30
    er = [0.005, 0.06] + [0.02] * 30
    return g, _csv(tmp, g, {"followers": followers, "engagement_rate": er})


@pytest.mark.parametrize("strategy", ["imm", "opim", "celf"])
def test_engagements_pick_the_engaged_creator_not_the_hub(strategy: str, tmp_path: Path) -> None:
    g, prof = _star_world(tmp_path)
    kw = dict(model="ic", p=0.3, profiles=prof, seed=2, epsilon=0.2, celf_runs=300)
    reach = select_seeds(g, strategy, k=1, objective="activated", **kw)
    eng = select_seeds(g, strategy, k=1, objective="engagements", **kw)
    assert reach.nodes.tolist() == [0] and eng.nodes.tolist() == [1]
    assert eng.info["gain_unit"] == "engagements" and eng.info["optimised"] == "engagements"
    assert "objective_note" not in eng.info
    # the estimate is in engagements: what the simulation projects for the creator
    rows = audience(prof).kernel_rows()
    sim = simulate(g, [1], "ic", p=0.3, runs=4000, seed=1, projection=rows)
    assert sim.projected is not None
    mean = float(sim.projected[:, 1].mean())
    se = float(sim.projected[:, 1].std() / math.sqrt(4000))
    assert abs(eng.expected_reach - mean) < 4 * math.hypot(se, eng.cumulative_stderr[-1])
    own = rows[1, 1]  # its own post's engagements, the paid part
    assert eng.summary()["expected_earned_reach"] == pytest.approx(eng.expected_reach - own)


def _kpi_world(tmp: Path, seed: int) -> tuple[FollowerGraph, Profiles]:
    g = _graph(8, 12, seed)
    rng = np.random.default_rng(seed + 100)
    rows = {"followers": rng.integers(1_000, 500_000, g.n).tolist(),
            "engagement_rate": rng.uniform(0.005, 0.08, g.n).round(4).tolist()}  # fmt: skip
    return g, _csv(tmp, g, rows)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_imm_and_opim_near_the_exact_best_engagements(seed: int, tmp_path: Path) -> None:
    g, prof = _kpi_world(tmp_path, seed)
    problem = make_problem(g, k=2, model="ic", profiles=prof, objective="engagements", seed=seed)
    assert problem.root_weight is not None and problem.expose is None
    w = problem.root_weight
    pairs = list(itertools.combinations(range(g.n), 2))
    act, _ = _node_probs(g, problem.values, False, pairs)
    value = {s: float(w @ act[s]) for s in pairs}
    best = max(value.values())
    eps = 0.1
    for strategy in ("imm", "opim"):
        s = select_seeds(g, strategy, k=2, model="ic", profiles=prof, objective="engagements",
                         seed=seed, epsilon=eps)  # fmt: skip
        got = value[tuple(sorted(s.nodes.tolist()))]
        assert got >= (E - eps) * best, (strategy, got, best)
        assert abs(s.expected_reach - got) < 4 * s.cumulative_stderr[-1] + 1e-9
        ratio = s.info["certified_ratio"]  # scale-free: still a bound on the true ratio
        assert 0 < ratio <= got / best + 1e-9, (strategy, ratio, got / best)
    # IMM's lower bound on OPT is in engagements and below the exact best
    every = replace(problem, eligible=np.ones(g.n, dtype=np.bool_))  # best is over all pairs
    res = imm(every, epsilon=eps)
    assert res.scale == pytest.approx(w.sum()) and res.lower_bound <= best
    op = opim(every, epsilon=eps)
    assert op.lower <= best <= op.upper


def test_imm_with_weights_on_non_candidates_keeps_a_valid_floor() -> None:
    """The candidates weigh almost nothing and the heavy account follows nobody (no
    candidate reaches it), so "OPT >= 1" in normalised weights is false; the floor
    becomes the candidates' own weight and the lower bound stays valid."""
    g = _graph(8, 12, 4)
    assert g.in_ptr[3] == g.in_ptr[2]  # node 2 follows nobody: no candidate reaches it
    values, _ = edge_values(g, "ic")
    w = np.full(g.n, 1e-3)
    w[2] = 10.0
    eligible = np.ones(g.n, dtype=np.bool_)
    eligible[2] = False
    floor = weighted_floor(w, k=1, budget=None, cost=None, eligible=eligible, forced=None)
    assert floor == pytest.approx(1e-3 * g.n / w.sum())
    singles = [(u,) for u in range(g.n)]
    act, _ = _node_probs(g, values, False, singles)
    best = max(float(w @ act[s]) for s in singles if s[0] != 2)
    problem = replace(make_problem(g, k=1, model="ic", seed=1), values=values, root_weight=w)
    res = imm(replace(problem, eligible=eligible), epsilon=0.2)
    assert res.seeds[0] != 2 and res.lower_bound <= best
    chosen = float(w @ act[(int(res.seeds[0]),)])
    assert chosen >= (E - 0.2) * best
    with pytest.raises(ValueError, match="earned"):
        imm(replace(problem, objective="earned_activated"))


def test_people_weights_exposure_and_lt(tmp_path: Path) -> None:
    g, prof = _kpi_world(tmp_path, 3)
    aud = audience(prof, ReachRates(default=0.1))
    w, expose = kpi_weights(g, aud, "people")
    assert expose
    for v in range(g.n):  # mean over the accounts v follows of ratio x reach
        fol = [int(g.in_idx[s]) for s in range(int(g.in_ptr[v]), int(g.in_ptr[v + 1]))]
        want = np.mean([aud.ratio[u] * aud.reach[u] for u in fol]) if fol else 0.0
        assert w[v] == pytest.approx(want)
    wl, ex = kpi_weights(g, aud, "people", lt=True)
    assert not ex and np.array_equal(wl, aud.kernel_rows()[0])
    s = select_seeds(g, "imm", k=2, model="ic", profiles=prof, objective="people", seed=1)
    assert s.problem.expose is not None and s.info["gain_unit"] == "people"
    assert s.info["optimised"] == "people (weighted-exposure proxy)"
    s = select_seeds(g, "opim", k=2, model="wc", profiles=prof, objective="people", seed=1)
    assert s.info["optimised"] == "people (weighted-exposure proxy)"
    lt = select_seeds(g, "imm", k=2, model="lt", profiles=prof, objective="people", seed=1)
    assert lt.problem.expose is None and "impressions proxy" in lt.info["optimised"]
    a = rr_fingerprint(s.problem)
    b = rr_fingerprint(make_problem(g, k=2, model="wc", profiles=prof, objective="exposed"))
    assert a != b  # weighted and unweighted collections never mix


def _people_exact(g, values, sets, rows) -> dict:
    """Exact expected people (the simulation's formula) of each seed set."""
    out = dict.fromkeys(sets, 0.0)
    for prob, live, _ in _worlds(g, np.asarray(values, np.float64), False):
        for s in sets:
            miss, wmax, wsum = np.ones(g.n), np.zeros(g.n), np.zeros(g.n)
            for u in _reach(g, s, live):
                for e in range(int(g.out_ptr[u]), int(g.out_ptr[u + 1])):
                    v = int(g.out_idx[e])
                    miss[v] *= 1 - rows[2, u]
                    wsum[v] += rows[3, u] * rows[2, u]
                    wmax[v] = max(wmax[v], rows[3, u])
            out[s] += prob * float(np.minimum(wmax * (1 - miss), wsum).sum())
    return out


def test_celf_maximises_the_simulated_people(tmp_path: Path) -> None:
    g, prof = _kpi_world(tmp_path, 1)
    rows = audience(prof).kernel_rows()
    s = select_seeds(g, "celf", k=2, model="ic", profiles=prof, objective="people", seed=4,
                     celf_runs=3000)  # fmt: skip
    assert s.info["optimised"] == "people"
    pairs = list(itertools.combinations(range(g.n), 2))
    values, _ = edge_values(g, "ic")
    people = _people_exact(g, values, pairs, rows)
    got = people[tuple(sorted(s.nodes.tolist()))]
    assert got >= 0.97 * max(people.values()), (got, max(people.values()))


def test_kpi_falls_back_without_followers_or_engagement_rates(tmp_path: Path) -> None:
    g = _graph(20, 60, 6)
    prof = _csv(tmp_path, g, {"followers": [1_000 * (i + 1) for i in range(g.n)]})
    s = select_seeds(g, "imm", k=2, model="ic", profiles=prof, objective="engagements", seed=1)
    assert "engagement_rate" in s.info["objective_note"]
    assert s.problem.objective == "activated" and s.problem.root_weight is None
    assert s.info["optimised"] == "activated" and s.info["gain_unit"] == "activated"
    plain = select_seeds(g, "imm", k=2, model="ic", profiles=prof, objective="activated", seed=1)
    assert np.array_equal(s.nodes, plain.nodes)
    assert np.array_equal(s.marginal_gain, plain.marginal_gain)
    s = select_seeds(g, "opim", k=2, model="ic", objective="people", seed=1)  # no profiles
    assert s.problem.objective == "exposed" and "no profiles" in s.info["objective_note"]
    assert s.info["optimised"] == "exposed"
    ok = select_seeds(g, "imm", k=2, model="ic", profiles=prof, objective="impressions", seed=1)
    assert "objective_note" not in ok.info and ok.info["gain_unit"] == "impressions"


def test_uniform_weights_give_the_unweighted_estimate() -> None:
    g = _graph(30, 90, 8)
    problem = make_problem(g, k=3, model="ic", seed=2)
    unit = ReachEstimator.build(replace(problem, root_weight=np.ones(g.n)), rr_sets=20_000)
    plain = ReachEstimator.build(problem, rr_sets=20_000)
    nodes = np.array([0, 5, 9], np.int32)
    assert unit.scale == plain.scale == g.n
    for a, b in zip(unit.gains(nodes), plain.gains(nodes), strict=True):
        assert np.array_equal(a, b)


def test_people_count_shared_followers_once_impressions_do_not(tmp_path: Path) -> None:
    """Creators A and B share their 100 in-graph followers, C has 50 of its own. At reach
    rate 1, A + B make the most impressions (10,000 + 9,000) but reach 10,000 people;
    A + C reach 14,000. Every optimiser of people picks A + C, of impressions A + B."""
    a, b, c = 0, 1, 2
    src = [a] * 100 + [b] * 100 + [c] * 50
    dst = list(range(3, 103)) * 2 + list(range(103, 153))
    g = from_edges(np.array(src), np.array(dst), pl.Series("id", [f"u{i}" for i in range(153)]))
    pl.DataFrame({"id": ["u0", "u1", "u2"], "followers": [10_000, 9_000, 4_000],
                  "engagement_rate": [0.01] * 3}).write_csv(tmp_path / "p.csv")  # fmt: skip
    prof = load_profiles(tmp_path / "p.csv", g)
    kw = dict(k=2, model="ic", p=0.05, profiles=prof, reach_rates=ReachRates(default=1.0),
              seed=3, celf_runs=200)  # fmt: skip
    for strategy in ("imm", "opim", "celf"):
        people = select_seeds(g, strategy, objective="people", **kw)
        imp = select_seeds(g, strategy, objective="impressions", **kw)
        assert sorted(people.nodes.tolist()) == [a, c], strategy
        assert sorted(imp.nodes.tolist()) == [a, b], strategy
    rows = audience(prof, ReachRates(default=1.0)).kernel_rows()
    sim = simulate(g, [a, c], "ic", p=0.05, runs=50, seed=1, projection=rows)
    assert sim.projected is not None and np.allclose(sim.projected[:, 2], 14_000)
