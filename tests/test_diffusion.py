"""Diffusion engine: exact oracle, reference kernel, determinism, attribution, brands, errors."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numba
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from worlds import random_follows

from pipeline.diffusion import (
    DiffusionSpec,
    ExactSpread,
    build_model,
    exact_ic,
    exact_lt,
    run_cascades,
    run_keys,
    simulate,
    wc_probabilities,
)
from pipeline.diffusion.models import node_log_inverse
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph, from_edges
from pipeline.profiles import brand_sender_factor, load_brands, load_profiles

RUNS = 20_000


def graph(
    edges: list[tuple[int, int]],
    n: int | None = None,
    probability: list[float] | None = None,
    weight: list[float] | None = None,
) -> FollowerGraph:
    src = np.array([a for a, _ in edges])
    dst = np.array([b for _, b in edges])
    n = n or int(max(src.max(), dst.max())) + 1
    ids = pl.Series([f"n{i}" for i in range(n)])
    return from_edges(
        src,
        dst,
        ids,
        probability=None if probability is None else np.array(probability),
        weight=None if weight is None else np.array(weight),
    )


def random_graph(n: int, m: int, seed: int) -> FollowerGraph:
    rng = np.random.default_rng(seed)
    pairs = {(0, 1), (1, 2)}
    while len(pairs) < m:
        a, b = (int(x) for x in rng.integers(0, n, 2))
        if a != b:
            pairs.add((a, b))
    edges = sorted(pairs)
    probs = rng.choice([0.05, 0.2, 0.5, 0.8, 1.0], size=len(edges)).tolist()
    return graph(edges, n=n, probability=probs)


PATH = graph([(0, 1), (1, 2), (2, 3)], probability=[0.7, 0.5, 0.9])
STAR = graph([(0, i) for i in range(1, 6)], probability=[0.1, 0.3, 0.5, 0.7, 0.9])
DIAMOND = graph([(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)], probability=[0.6, 0.4, 0.5, 0.7, 0.3])
RANDOM = random_graph(9, 14, seed=3)
GRAPHS = {"path": PATH, "star": STAR, "diamond": DIAMOND, "random": RANDOM}


def exact_for(
    g: FollowerGraph, seeds: list[int], spec: DiffusionSpec, max_steps: int | None = None
) -> ExactSpread:
    q = spec.quality
    if spec.weight is not None:
        return exact_lt(g, seeds, spec.weight, max_steps=max_steps, quality=q)
    p = spec.edge_prob if spec.node_prob is None else spec.node_prob[g.edge_sources]
    assert p is not None
    return exact_ic(g, seeds, p, max_steps=max_steps, quality=q)


def within(arr: np.ndarray, exact: float, k: float = 4.0) -> None:
    se = float(arr.std(ddof=1)) / math.sqrt(arr.size)
    assert abs(float(arr.mean()) - exact) <= k * se + 1e-9, (float(arr.mean()), exact, se)


# --- Tier 1: exact answers by live-edge enumeration --------------------------------------


@pytest.mark.parametrize("name", list(GRAPHS))
@pytest.mark.parametrize("model", ["ic", "wc", "tv", "lt"])
def test_monte_carlo_matches_exact(name: str, model: str) -> None:
    g = GRAPHS[name]
    seeds = [0] if name != "random" else [0, 5]
    spec = build_model(g, model, seed=7)
    ex = exact_for(g, seeds, spec)
    res = simulate(g, seeds, model, runs=RUNS, seed=7)
    within(res.activated, ex.activated)
    within(res.exposed, ex.exposed)


@pytest.mark.parametrize("p", [0.0, 0.15, 0.5, 1.0])
def test_uniform_p_skip_sampling_matches_exact(p: float) -> None:
    g = RANDOM
    ex = exact_ic(g, [0], np.full(g.m, p))
    res = simulate(g, [0], "ic", p=p, runs=RUNS, seed=1)
    within(res.activated, ex.activated)
    within(res.exposed, ex.exposed)


def test_uniform_p_on_hub_with_many_followers() -> None:
    # Skip-sampling: a hub with 300 followers and p = 0.01 activates Binomial(300, 0.01).
    g = graph([(0, i) for i in range(1, 301)])
    res = simulate(g, [0], "ic", p=0.01, runs=RUNS, seed=2)
    within(res.activated - 1, 3.0)
    assert res.exposed.min() == 301


def test_max_steps_one_is_seeds_plus_direct_activations() -> None:
    g = graph([(0, 1), (1, 2), (2, 3)])
    res = simulate(g, [0], "ic", p=1.0, runs=5, max_steps=1)
    assert res.activated.tolist() == [2] * 5
    assert res.exposed.tolist() == [3] * 5
    assert res.steps.tolist() == [1] * 5
    res0 = simulate(g, [0], "ic", p=1.0, runs=5, max_steps=0)
    assert res0.activated.tolist() == [1] * 5 and res0.exposed.tolist() == [2] * 5


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_max_steps_matches_exact(model: str) -> None:
    g = DIAMOND
    spec = build_model(g, model)
    for t in (1, 2):
        ex = exact_for(g, [0], spec, max_steps=t)
        res = simulate(g, [0], model, runs=RUNS, seed=3, max_steps=t)
        within(res.activated, ex.activated)
        within(res.exposed, ex.exposed)
        assert res.steps.max() <= t


def test_lt_uses_weight_column() -> None:
    g = graph([(0, 2), (1, 2), (2, 3)], weight=[0.2, 0.5, 0.9])
    spec = build_model(g, "lt")
    assert spec.weight is not None
    np.testing.assert_allclose(spec.weight, np.array([0.2, 0.5, 0.9]), rtol=1e-6)
    ex = exact_for(g, [0, 1], spec)
    assert ex.activated == pytest.approx(2 + 0.7 + 0.7 * 0.9)
    within(simulate(g, [0, 1], "lt", runs=RUNS).activated, ex.activated)


# --- Tier 2: kernel against a slow pure-Python reference on the same hash stream -------

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_NODE_SALT = 0x8CB92BA72F3D8DD7
_LT_SALT = 0xD1B54A32D192ED03
_QUALITY_SALT = 0xA0761D6478BD642F


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _h(key: int, i: int) -> int:
    return _mix((key + (i + 1) * _GAMMA) & _MASK)


def _unit(h: int) -> float:
    return (h >> 11) * 2.0**-53


def reference_run(g: FollowerGraph, seeds: list[int], spec: DiffusionSpec, key: int):
    """One cascade, node by node in Python, with the kernels' coins and tie rule."""
    q = spec.quality

    def real(u: int, e: int) -> bool:
        if q is None or q[u] >= 1:
            return True
        if spec.edge_prob is not None:  # per-edge IC: the edge's one uniform decides
            return _unit(_h(key, e)) < q[u]
        return _unit(_h(key ^ _QUALITY_SALT, e)) < q[u]

    order, label = list(seeds), {s: i for i, s in enumerate(seeds)}
    credits = [1] * len(seeds)
    seen = set(seeds)
    acc: dict[int, float] = {}
    per_step = [len(seeds)]
    lo, hi = 0, len(order)
    inv = None if spec.node_prob is None else node_log_inverse(spec.node_prob)

    def activate(v: int, u: int) -> None:
        label[v] = label[u]
        credits[label[u]] += 1
        order.append(v)

    while lo < hi:
        for u in order[lo:hi]:
            a, b = int(g.out_ptr[u]), int(g.out_ptr[u + 1])
            seen.update(int(g.out_idx[e]) for e in range(a, b) if real(u, e))
            if spec.weight is not None:
                for e in range(a, b):
                    v = int(g.out_idx[e])
                    if v in label or not real(u, e):
                        continue
                    acc[v] = acc.get(v, 0.0) + float(spec.weight[e])
                    if acc[v] > _unit(_h(key ^ _LT_SALT, v)):
                        activate(v, u)
            elif spec.edge_prob is not None:
                for e in range(a, b):
                    v = int(g.out_idx[e])
                    qu = 1.0 if q is None else float(q[u])
                    coin = _unit(_h(key, e)) < qu * float(spec.edge_prob[e])
                    if v not in label and coin and real(u, e):
                        activate(v, u)
            else:
                assert spec.node_prob is not None and inv is not None
                pu, ku, j, pos = float(spec.node_prob[u]), _h(key ^ _NODE_SALT, u), 0, a - 1
                while pu > 0:
                    if pu >= 1:
                        pos += 1
                        if pos >= b:
                            break
                    else:
                        gap = math.log(((_h(ku, j) >> 11) + 1) * 2.0**-53) * float(inv[u])
                        j += 1
                        if gap >= b - 1 - pos:
                            break
                        pos += 1 + int(gap)
                    v = int(g.out_idx[pos])
                    if v not in label and real(u, pos):
                        activate(v, u)
        if len(order) == hi:
            break
        per_step.append(len(order) - hi)
        lo, hi = hi, len(order)
    return len(order), len(seen), len(per_step) - 1, per_step, credits


@pytest.mark.parametrize("big_seeds", [True, False])
@pytest.mark.parametrize("with_quality", [False, True])
@pytest.mark.parametrize("model", ["ic_p", "ic_edge", "wc", "lt"])
def test_kernel_matches_python_reference(model: str, with_quality: bool, big_seeds: bool) -> None:
    # big seeds: the seeds' followers are over 1/8 of the graph, so exposure scans use
    # the kernel's residual out-lists; otherwise the full ones
    g = random_graph(60, 240, seed=11) if big_seeds else random_graph(400, 1600, seed=11)
    q = None
    if with_quality:  # a mix of 0, 1 and values in between
        q = np.random.default_rng(1).choice([0.0, 0.3, 0.7, 1.0], size=g.n)
    if model == "ic_p":
        spec = build_model(g, "ic", p=0.2, quality=q)
    elif model == "ic_edge":
        spec = build_model(g, "ic", quality=q)
    else:
        spec = build_model(g, model, quality=q)
    seeds = [0, 7, 3]
    res = run_cascades(g, seeds, spec, runs=40, seed=5, attribution=True)
    keys = run_keys(5, 40)
    for r in range(40):
        act, exp, steps, per_step, credits = reference_run(g, seeds, spec, int(keys[r]))
        assert res.activated[r] == act
        assert res.exposed[r] == exp
        assert res.steps[r] == steps
        assert res.new_per_step[r, : len(per_step)].tolist() == per_step
        assert res.new_per_step[r, len(per_step) :].sum() == 0
        assert res.credits is not None and res.credits[r].tolist() == credits


# --- Tier 3: determinism and common random numbers --------------------------------------


@pytest.mark.parametrize("with_quality", [False, True])
@pytest.mark.parametrize("model", ["ic", "wc", "tv", "lt"])
def test_same_seed_same_arrays_any_thread_count(model: str, with_quality: bool) -> None:
    g = random_graph(200, 1200, seed=4)
    p = 0.1 if model == "ic" else None
    q = np.random.default_rng(2).uniform(0.2, 1.0, g.n) if with_quality else None
    threads = min(2, int(numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]

    def run(seed: int, threads: int):
        return simulate(
            g,
            [0, 1, 2],
            model,
            p=p,
            runs=301,
            seed=seed,
            threads=threads,
            attribution=True,
            node_counts=True,
            quality=q,
        )

    one, two = run(42, 1), run(42, threads)
    for name in ("activated", "exposed", "steps", "new_per_step", "node_counts", "credits"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    other = run(43, threads)
    assert not np.array_equal(one.activated, other.activated)


_CONCURRENT = """
import sys
from concurrent.futures import ThreadPoolExecutor
import numpy as np, polars as pl
from pipeline.diffusion import simulate
from pipeline.graph_io import from_edges
rng = np.random.default_rng(6)
src, dst = rng.integers(0, 300, 2400), rng.integers(0, 300, 2400)
keep = src != dst
g = from_edges(src[keep], dst[keep], pl.Series([f"n{i}" for i in range(300)]))
q = rng.uniform(0.5, 1.0, g.n)
model = sys.argv[1]
p = 0.1 if model == "ic" else None
def run(seed, threads):
    return simulate(g, [0, 1, 2], model, p=p, runs=400, seed=seed, threads=threads,
                    node_counts=True, quality=q)
with ThreadPoolExecutor(max_workers=4) as pool:
    together = list(pool.map(lambda s: run(s, 1), range(8)))
for seed, one in enumerate(together):
    ref = run(seed, 2)
    for name in ("activated", "exposed", "steps", "node_counts"):
        assert np.array_equal(getattr(one, name), getattr(ref, name)), (seed, name)
print("ok")
"""


@pytest.mark.parametrize("model", ["ic", "wc", "lt"])
def test_single_threaded_calls_can_run_concurrently(model: str) -> None:
    """threads=1 uses the kernels' serial twins, which Python threads may call at once,
    with the numbers of a parallel run. Under numba's workqueue layer (forced here) the
    parallel kernels would abort the process."""
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    r = subprocess.run([sys.executable, "-c", _CONCURRENT, model], env=env,
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


def test_run_keys_do_not_depend_on_runs() -> None:
    g = random_graph(100, 500, seed=5)
    short = simulate(g, [0], "ic", p=0.2, runs=10, seed=9)
    long = simulate(g, [0], "ic", p=0.2, runs=100, seed=9)
    np.testing.assert_array_equal(short.activated, long.activated[:10])


@pytest.mark.parametrize("model", ["ic", "wc", "lt"])
def test_common_random_numbers_make_spread_monotone_per_run(model: str) -> None:
    # Same live-edge graph in run r for any seed set, so adding a seed never loses a node.
    g = random_graph(200, 1000, seed=6)
    p = 0.15 if model == "ic" else None
    a = simulate(g, [0], model, p=p, runs=200, seed=1, node_counts=True)
    b = simulate(g, [0, 50], model, p=p, runs=200, seed=1, node_counts=True)
    assert (b.activated >= a.activated).all()
    assert a.node_counts is not None and b.node_counts is not None
    assert (b.node_counts >= a.node_counts).all()


# --- attribution, per-step counts, node counts, result tables ---------------------------


def test_attribution_two_hub_star_matches_exact() -> None:
    # Hubs 0 and 1 with own leaves and two shared leaves (7, 8): a shared leaf reached
    # by both at step 1 goes to the hub processed first (the first seed given).
    edges = [(0, 2), (0, 3), (0, 4), (1, 5), (1, 6), (0, 7), (1, 7), (0, 8), (1, 8)]
    g = graph(edges, probability=[0.5, 0.3, 0.8, 0.6, 0.4, 0.5, 0.7, 0.9, 0.2])
    closed_form = {  # hub 0: leaves 2,3,4 (0.5, 0.3, 0.8); hub 1: 5,6 (0.6, 0.4); shared 7, 8
        (0, 1): (1 + 1.6 + 0.5 + 0.9, 1 + 1.0 + 0.5 * 0.7 + 0.1 * 0.2),
        (1, 0): (1 + 1.0 + 0.7 + 0.2, 1 + 1.6 + 0.3 * 0.5 + 0.8 * 0.9),
    }
    for seeds, expected in closed_form.items():
        res = simulate(g, list(seeds), "ic", runs=RUNS, seed=4, attribution=True)
        assert res.credits is not None
        np.testing.assert_array_equal(res.credits.sum(axis=1), res.activated)
        ex = exact_ic(g, list(seeds), np.asarray(g.probability))
        assert ex.credits == pytest.approx(expected)
        for i in range(2):
            within(res.credits[:, i].astype(float), ex.credits[i])


def test_attribution_table_and_summary() -> None:
    res = simulate(DIAMOND, [3, 0, 3], "ic", runs=500, seed=2, attribution=True)
    assert res.seed_nodes.tolist() == [3, 0]  # duplicates dropped, order kept
    assert res.seeds.to_list() == ["n3", "n0"]
    table = res.attribution_table(DIAMOND)
    assert table.columns == ["id", "node", "expected_reach", "share"]
    assert table["id"].to_list() == ["n3", "n0"]
    assert table["expected_reach"].sum() == pytest.approx(res.activated.mean())
    assert table["share"].sum() == pytest.approx(1.0)
    s = res.summary()
    assert set(s) == {
        "model",
        "runs",
        "seed",
        "mean_activated",
        "std_activated",
        "stderr_activated",
        "mean_exposed",
        "std_exposed",
        "stderr_exposed",
        "mean_steps",
        "activated_ci_low",
        "activated_ci_high",
        "exposed_ci_low",
        "exposed_ci_high",
    }
    # Student's t interval (scipy as the oracle); none for a single run
    from scipy.stats import t

    x = res.activated.astype(float)
    half = t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    assert s["activated_ci_low"] == pytest.approx(x.mean() - half)
    assert s["activated_ci_high"] == pytest.approx(x.mean() + half)
    one = simulate(DIAMOND, [3], "ic", runs=1, seed=2).summary()
    assert one["activated_ci_low"] is None and one["exposed_ci_high"] is None
    assert all(isinstance(v, (int, float, str)) for v in s.values())
    assert s["stderr_activated"] == pytest.approx(s["std_activated"] / math.sqrt(500))
    df = res.to_polars()
    assert df.columns == ["run", "activated", "exposed", "steps"] and df.height == 500
    with pytest.raises(InputError, match="attribution=True"):
        simulate(DIAMOND, [0], "ic", runs=5).attribution_table(DIAMOND)


def test_long_cascade_records_every_step_and_node_counts() -> None:
    n = 150
    g = graph([(i, i + 1) for i in range(n - 1)])
    res = simulate(g, [0], "ic", p=1.0, runs=3, node_counts=True)
    assert res.steps.tolist() == [n - 1] * 3
    assert res.new_per_step.shape == (3, n)
    assert (res.new_per_step == 1).all()
    assert res.node_counts is not None and res.node_counts.tolist() == [3] * n


def test_per_step_rows_sum_to_activated() -> None:
    res = simulate(random_graph(100, 600, seed=8), [0, 1], "wc", runs=200, node_counts=True)
    np.testing.assert_array_equal(res.new_per_step.sum(axis=1), res.activated)
    assert res.node_counts is not None and res.node_counts.sum() == res.activated.sum()


# --- brand-aware models -----------------------------------------------------------------


@pytest.mark.parametrize("model", ["ic", "wc", "tv", "lt"])
def test_factor_one_reproduces_plain_model(model: str) -> None:
    g = random_graph(150, 800, seed=9)
    p = 0.1 if model == "ic" else None
    plain = simulate(g, [0, 1], model, p=p, runs=200, seed=3)
    ones = simulate(g, [0, 1], model, p=p, runs=200, seed=3, sender_factor=np.ones(g.n))
    np.testing.assert_array_equal(plain.activated, ones.activated)
    np.testing.assert_array_equal(plain.exposed, ones.exposed)


def test_brand_lt_renormalises_boosted_weights() -> None:
    g = graph([(0, 2), (1, 2)], weight=[0.5, 0.4])
    spec = build_model(g, "lt", sender_factor=np.array([3.0, 1.0, 1.0]))
    assert spec.weight is not None
    np.testing.assert_allclose(spec.weight, [1.5 / 1.9, 0.4 / 1.9], rtol=1e-6)


def test_matching_brand_spreads_further_from_its_community(tmp_path) -> None:
    rng = np.random.default_rng(0)
    size = 150
    edges: set[tuple[int, int]] = set()
    for base in (0, size):  # two dense communities, a few bridges
        while len(edges) < (base // size + 1) * 6 * size:
            a, b = (int(x) + base for x in rng.integers(0, size, 2))
            if a != b:
                edges.add((a, b))
    edges |= {(int(a), int(b) + size) for a, b in rng.integers(0, size, (20, 2))}
    g = graph(sorted(edges), n=2 * size)
    ids = g.ids.to_list()
    pl.DataFrame(
        {
            "id": ids,
            "engagement_rate": [0.02] * (2 * size),
            "topics": ["food"] * size + ["tech"] * size,
        }
    ).write_csv(tmp_path / "profiles.csv")
    pl.DataFrame(
        {"brand": ["foodco", "techco"], "topics": ["food", "tech"], "budget": [1.0, 1.0]}
    ).write_csv(tmp_path / "brands.csv")
    profiles = load_profiles(tmp_path / "profiles.csv", g)
    brands = load_brands(tmp_path / "brands.csv")
    food = brand_sender_factor(profiles, brands, "foodco")
    tech = brand_sender_factor(profiles, brands, "techco")
    seeds = [0, 1, 2, 3, 4]
    for model, p in (("ic", 0.08), ("lt", None)):
        sa = simulate(g, seeds, model, p=p, runs=2000, seed=1, sender_factor=food).summary()
        sb = simulate(g, seeds, model, p=p, runs=2000, seed=1, sender_factor=tech).summary()
        gap = sa["mean_activated"] - sb["mean_activated"]
        assert gap > 4 * math.hypot(sa["stderr_activated"], sb["stderr_activated"]), model


# --- bad inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed_idx": []}, "seed set is empty"),
        ({"seed_idx": [99]}, "out of range"),
        ({"seed_idx": [0.5]}, "integer node indices"),
        ({"p": 1.5}, r"p must be in \[0, 1\]"),
        ({"p": -0.1}, r"p must be in \[0, 1\]"),
        ({"p": float("nan")}, r"p must be in \[0, 1\]"),
        ({"runs": 0}, "runs must be an integer >= 1"),
        ({"max_steps": -1}, "max_steps must be"),
        ({"seed": -3}, "seed must be a non-negative integer"),
        ({"model": "sir"}, "unknown model 'sir'"),
        ({"model": "wc", "p": 0.1}, "p applies to the ic model only"),
        ({"sender_factor": np.ones(3)}, "one per node"),
        ({"threads": 0}, "threads must be"),
        ({"quality": np.ones(3)}, r"quality has shape \(3,\); expected one value per node \(5,\)"),
        ({"quality": np.ones((5, 1))}, "quality has shape"),
        ({"quality": [1, 1, 1.5, 1, 1]}, r"quality of node 'n2' is 1.5; expected .* \[0, 1\]"),
        ({"quality": [-0.1, 1, 1, 1, 1]}, r"quality of node 'n0' is -0.1"),
        ({"quality": [1, float("nan"), 1, 1, 1]}, r"quality of node 'n1' is nan"),
        ({"quality": ["a"] * 5}, "quality must be an array of numbers"),
    ],
)
def test_bad_inputs_raise_input_error(kwargs: dict, message: str) -> None:
    args = {"seed_idx": [0], "model": "ic", "p": 0.1, "runs": 10, **kwargs}
    with pytest.raises(InputError, match=message):
        simulate(DIAMOND, args.pop("seed_idx"), args.pop("model"), **args)


def test_ic_without_probability_asks_for_p() -> None:
    """The library names its parameter, the CLI its flag (InputError.for_cli)."""
    g = graph([(0, 1)])
    with pytest.raises(InputError, match=r"pass p \(one for every edge\) or give the edge") as e:
        simulate(g, [0], "ic")
    assert "choose model wc, tv or lt" in str(e.value) and "--" not in str(e.value)
    assert "pass --p (one for every edge)" in e.value.for_cli()
    assert "choose --model wc, tv or lt" in e.value.for_cli()


def test_probability_column_out_of_range() -> None:
    g = graph([(0, 1), (1, 2)], probability=[0.5, 1.5])
    with pytest.raises(InputError, match=r"probability of edge 1 is 1.5; expected .* \[0, 1\]"):
        simulate(g, [0], "ic")


def test_lt_weights_over_one_name_the_node() -> None:
    g = graph([(0, 2), (1, 2), (0, 1)], weight=[0.7, 0.6, 0.2])
    with pytest.raises(InputError, match=r"into node 'n2' sum to 1\.3"):
        simulate(g, [0], "lt")


def test_wc_probabilities_are_inverse_in_degree() -> None:
    np.testing.assert_allclose(wc_probabilities(DIAMOND), [1.0, 1.0, 0.5, 0.5, 1.0])


# --- audience quality (fake followers) --------------------------------------------------


def _all_arrays_equal(a, b) -> None:
    for name in ("activated", "exposed", "steps", "new_per_step", "node_counts", "credits"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("exposed", [True, False])
@pytest.mark.parametrize("model", ["ic_p", "ic", "wc", "tv", "lt"])
def test_quality_one_reproduces_plain_model_run_by_run(model: str, exposed: bool) -> None:
    g = random_graph(150, 900, seed=12)
    kw = {"p": 0.15} if model == "ic_p" else {}
    name = "ic" if model == "ic_p" else model
    plain = build_model(g, name, seed=3, **kw)
    ones = build_model(g, name, seed=3, quality=np.ones(g.n), **kw)
    for horizon in (None, 2):
        args = {"runs": 300, "seed": 3, "max_steps": horizon, "exposed": exposed}
        a = run_cascades(g, [0, 1, 2], plain, attribution=True, node_counts=True, **args)
        b = run_cascades(g, [0, 1, 2], ones, attribution=True, node_counts=True, **args)
        _all_arrays_equal(a, b)
        assert exposed == bool(b.exposed.any())


@pytest.mark.parametrize("model", ["ic_p", "ic", "lt"])
def test_quality_zero_silences_a_seed_but_not_the_others(model: str) -> None:
    # Seed 0 -> 1, 2 and 1 -> 3; seed 4 -> 5 -> 6; all edges sure (p = 1 / weight 1).
    edges = [(0, 1), (0, 2), (1, 3), (4, 5), (5, 6)]
    g = graph(edges, probability=[1.0] * 5, weight=[1.0] * 5)
    kw = {"p": 1.0} if model == "ic_p" else {}
    name = "ic" if model == "ic_p" else model
    q = np.ones(g.n)
    plain = simulate(g, [0, 4], name, runs=50, **kw)
    assert plain.activated.tolist() == plain.exposed.tolist() == [7] * 50
    q[0] = 0.0
    res = simulate(g, [0, 4], name, runs=50, quality=q, attribution=True, **kw)
    assert res.activated.tolist() == res.exposed.tolist() == [4] * 50  # 0, 4, 5, 6
    assert res.credits is not None and res.credits.sum(axis=0).tolist() == [50, 150]
    alone = simulate(g, [0], name, runs=50, quality=q, **kw)
    assert alone.activated.tolist() == alone.exposed.tolist() == [1] * 50
    q[5] = 0.0  # a silent relay: 5 is reached and exposed, 6 is not
    res = simulate(g, [0, 4], name, runs=50, quality=q, **kw)
    assert res.activated.tolist() == res.exposed.tolist() == [3] * 50


def test_exact_quality_on_a_star_has_a_closed_form() -> None:
    # Leaf i is exposed iff its edge is real (q) and activated iff real and live (q p_i).
    q = np.full(STAR.n, 0.4)
    p = np.asarray(STAR.probability, dtype=np.float64)
    ex = exact_ic(STAR, [0], p, quality=q)
    assert ex.activated == pytest.approx(1 + 0.4 * p.sum())
    assert ex.exposed == pytest.approx(1 + 0.4 * 5)
    w = np.full(STAR.m, 0.5)
    ex_lt = exact_lt(STAR, [0], w, quality=q)
    assert (ex_lt.activated, ex_lt.exposed) == pytest.approx((1 + 5 * 0.4 * 0.5, 1 + 5 * 0.4))


def test_exact_quality_exposure_counts_real_dead_edges() -> None:
    # 0 -> 1 (p), 1 -> 2 (p) and 0 -> 2 (p'), seed 0, q_0 = a, q_1 = b. Node 1 is active
    # w.p. a p; node 2 is exposed iff 0 -> 2 is real, or 1 is active and 1 -> 2 real:
    # a + (1 - a) a p b (if 0 -> 2 is fake, 1 may still be active: 0 -> 1 is real).
    a, b, p, p2 = 0.6, 0.3, 0.5, 0.25
    g = graph([(0, 1), (0, 2), (1, 2)], probability=[p, p2, p])
    ex = exact_ic(g, [0], np.asarray(g.probability), quality=[a, b, 1.0])
    act2 = 1 - (1 - a * p2) * (1 - a * p * b * p)
    assert ex.activated == pytest.approx(1 + a * p + act2)
    assert ex.exposed == pytest.approx(1 + a + a + (1 - a) * a * p * b)


@pytest.mark.parametrize("seed", range(6))
def test_exact_ic_equals_enumerating_every_edge_state(seed: int) -> None:
    """``exact_ic`` sums exposure per live pattern; enumerating each edge's three states
    (live, real but dead, fake: 3^m worlds) must give the same expectations."""
    import itertools

    from pipeline.diffusion.exact import live_edge_cascade

    rng = np.random.default_rng(seed)
    pairs = sorted({(int(u), int(v)) for u, v in rng.integers(0, 6, (14, 2)) if u != v})[:8]
    g = graph(pairs, probability=rng.uniform(0.05, 0.95, len(pairs)))
    p = np.asarray(g.probability, dtype=np.float64)
    p[seed % g.m] = 1.0
    q = rng.uniform(0.3, 1.0, g.n)
    q[seed % g.n] = 0.0
    qe = q[g.edge_sources]
    for steps, seeds in itertools.product((None, 1, 2), ([0], [1, 3])):
        act = exp = 0.0
        cred = np.zeros(len(seeds))
        states = [((True, True, a * b), (False, True, a * (1 - b)), (False, False, 1 - a))
                  for a, b in zip(qe, p, strict=True)]  # fmt: skip
        for world in itertools.product(*states):
            pr = float(np.prod([s[2] for s in world]))
            live = np.array([s[0] for s in world])
            a, x, c = live_edge_cascade(g, seeds, live, steps, np.array([s[1] for s in world]))
            act, exp, cred = act + pr * a, exp + pr * x, cred + pr * np.asarray(c)
        ex = exact_ic(g, seeds, p, max_steps=steps, quality=q)
        assert (ex.activated, ex.exposed) == pytest.approx((act, exp), abs=1e-12)
        assert ex.credits == pytest.approx(tuple(cred), abs=1e-12)


@pytest.mark.parametrize(
    ("name", "model", "horizon"),
    [
        ("diamond", "ic", None),
        ("diamond", "ic_p", None),
        ("diamond", "lt", None),
        ("diamond", "ic", 1),
        ("diamond", "lt", 1),
        ("path", "ic", None),
        ("path", "lt", None),
    ],
)
def test_quality_monte_carlo_matches_exact(name: str, model: str, horizon: int | None) -> None:
    g = GRAPHS[name]
    q = np.full(g.n, 0.5)
    kw = {"p": 0.6} if model == "ic_p" else {}
    mname = "ic" if model == "ic_p" else model
    spec = build_model(g, mname, quality=q, **kw)
    ex = exact_for(g, [0], spec, max_steps=horizon)
    plain = exact_for(g, [0], build_model(g, mname, **kw), max_steps=horizon)
    assert ex.activated < plain.activated and ex.exposed < plain.exposed
    res = simulate(g, [0], mname, runs=RUNS, seed=8, quality=q, max_steps=horizon, **kw)
    within(res.activated, ex.activated)
    within(res.exposed, ex.exposed)


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_quality_mixed_monte_carlo_matches_exact_two_seeds(model: str) -> None:
    g = DIAMOND
    q = np.array([0.3, 0.9, 0.6, 0.5, 0.8])
    spec = build_model(g, model, quality=q)
    ex = exact_for(g, [0, 2], spec)
    res = run_cascades(g, [0, 2], spec, runs=RUNS, seed=9)
    within(res.activated, ex.activated)
    within(res.exposed, ex.exposed)


@pytest.mark.parametrize("model", ["ic_p", "ic", "lt"])
def test_lower_quality_never_reaches_more_in_any_run(model: str) -> None:
    # Same key -> edge e is real iff its coin < q_u: lowering q only removes real edges.
    g = random_graph(200, 1000, seed=6)
    kw = {"p": 0.2} if model == "ic_p" else {}
    name = "ic" if model == "ic_p" else model
    hi_q = np.random.default_rng(3).uniform(0.5, 1.0, g.n)
    lo_q = hi_q * np.random.default_rng(4).uniform(0.3, 1.0, g.n)
    hi = simulate(g, [0, 1], name, runs=300, seed=2, quality=hi_q, **kw)
    lo = simulate(g, [0, 1], name, runs=300, seed=2, quality=lo_q, **kw)
    assert (lo.activated <= hi.activated).all() and (lo.exposed <= hi.exposed).all()
    assert lo.exposed.sum() < hi.exposed.sum()


def test_quality_given_twice_or_via_run_cascades() -> None:
    q = np.full(DIAMOND.n, 0.5)
    spec = build_model(DIAMOND, "ic", quality=q)
    with pytest.raises(InputError, match="quality is given twice"):
        run_cascades(DIAMOND, [0], spec, runs=5, quality=q)
    via_arg = run_cascades(DIAMOND, [0], build_model(DIAMOND, "ic"), runs=200, quality=q)
    _all_arrays_equal(run_cascades(DIAMOND, [0], spec, runs=200), via_arg)
    with pytest.raises(InputError, match="quality of node 'n4'"):
        build_model(DIAMOND, "lt", quality=[1, 1, 1, 1, 2])


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=-0.5, max_value=1.5, allow_nan=False, width=32),
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    st.integers(-3, 3),
)
def test_integer_thresholds_decide_as_the_float_coins(p: float, q: float, nudge: int) -> None:
    # the per-edge kernels compare a coin's 53 bits with ceil(q p 2^53); the float rule
    # compares the coin itself with q p: the same decision for every coin, the boundary
    # included (coins just below, at and above the threshold)
    from pipeline.diffusion.rng import threshold

    prod = q * float(np.float32(p))
    t = int(threshold(prod))
    for m in {max(0, min(2**53 - 1, t + nudge)), 0, 2**53 - 1}:
        assert (m < t) == (m * 2.0**-53 < prod)


@pytest.mark.parametrize("probs", ["uniform", "per-node"])
def test_skip_sampled_activations_alone_equal_the_full_runs(probs: str) -> None:
    # exposure and counts off take the activations-only loop (and one shared row when p
    # is uniform); every run must activate exactly what the full loop activates
    rng = np.random.default_rng(4)
    n = 300
    g = random_follows(rng, n, 3000)
    p = np.full(n, 0.2) if probs == "uniform" else rng.choice([0.0, 0.1, 0.4, 1.0], n)
    spec = DiffusionSpec("ic", node_prob=p)
    seeds = np.array([0, 5, 17])
    alone = run_cascades(g, seeds, spec, runs=400, seed=3, exposed=False)
    full = run_cascades(g, seeds, spec, runs=400, seed=3, exposed=True, node_counts=True)
    assert np.array_equal(alone.activated, full.activated)
    assert np.array_equal(alone.steps, full.steps)
    assert alone.activated.mean() > len(seeds)  # the cascades do travel
