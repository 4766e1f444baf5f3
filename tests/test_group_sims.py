"""Plans simulated together (pipeline.diffusion.group): the same numbers as one by one."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.diffusion import DiffusionSpec, build_model, run_cascades
from pipeline.diffusion.group import simulate_plans
from pipeline.diffusion.group_kernel import ic_group_runs
from pipeline.diffusion.rng import edge_thresholds
from pipeline.graph_io import FollowerGraph, from_edges

_COUNTS = ("activated", "exposed", "steps", "new_per_step", "node_counts")


def _graph(n: int, m: int, seed: int) -> FollowerGraph:
    """A random graph with reciprocal edges (strongly connected parts of every size)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, m)
    b = rng.integers(0, n, m)
    keep = a != b
    a, b = a[keep], b[keep]
    src = np.concatenate([a, b[: len(b) // 2]])
    dst = np.concatenate([b, a[: len(a) // 2]])
    ids = pl.Series([f"n{i}" for i in range(n)])
    return from_edges(src, dst, ids, duplicates="max")


def _projection(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    reach = rng.choice([0.0, 0.05, 0.3, 1.0], size=n)
    return np.vstack([rng.uniform(0, 50, n), rng.uniform(0, 5, n), reach, rng.uniform(0.5, 3, n)])


def _plans(n: int, seed: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.choice(n, size=int(rng.integers(1, 6)), replace=False) for _ in range(count)]


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    for name in _COUNTS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape and np.array_equal(x, y), name
    if a.projected is None:
        assert b.projected is None
    else:  # whole units: exact in any order
        assert np.array_equal(a.projected, b.projected)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    model=st.sampled_from(["wc", "ic-edge", "tv", "ic-node"]),
    quality=st.booleans(),
    horizon=st.sampled_from([None, 0, 2]),
)
def test_each_plan_equals_its_simulation_alone(
    seed: int, model: str, quality: bool, horizon: int | None
) -> None:
    g = _graph(60, 240, seed)
    rng = np.random.default_rng(seed)
    q = rng.choice([1.0, 0.6, 0.0], size=g.n) if quality else None
    if model == "ic-edge":
        spec = DiffusionSpec("ic", edge_prob=rng.uniform(0, 0.9, g.m).astype(np.float32))
    elif model == "ic-node":  # skip-sampled: per-source p, with p = 0 and p = 1 senders
        spec = DiffusionSpec("ic", node_prob=rng.choice([0.0, 0.15, 0.5, 1.0], size=g.n))
    else:
        spec = build_model(g, model, seed=seed)
    spec = DiffusionSpec(spec.model, edge_prob=spec.edge_prob, node_prob=spec.node_prob, quality=q)
    proj = _projection(g.n, seed)
    plans = _plans(g.n, seed, 5)
    together = simulate_plans(
        g,
        plans,
        spec,
        runs=60,
        seed=seed,
        max_steps=horizon,
        threads=1,
        projection=proj,
        path="together",
    )
    for plan, res in zip(plans, together, strict=True):
        alone = run_cascades(g, plan, spec, runs=60, seed=seed, max_steps=horizon,
                             node_counts=True, threads=1, projection=proj)  # fmt: skip
        _same(res, alone)
        assert list(res.seeds) == list(alone.seeds)


def test_a_plan_does_not_depend_on_its_group_or_the_threads() -> None:
    g = _graph(200, 900, 1)
    spec = build_model(g, "wc")
    proj = _projection(g.n, 2)
    plans = _plans(g.n, 3, 6)
    kw = dict(runs=300, seed=4, projection=proj)
    full = simulate_plans(g, plans, spec, threads=1, path="together", **kw)
    for i in (0, 3, 5):
        alone = simulate_plans(g, [plans[i]], spec, threads=2, path="together", **kw)
        _same(full[i], alone[0])
        _same(full[i], simulate_plans(g, [plans[i]], spec, threads=1, path="alone", **kw)[0])
    auto = simulate_plans(g, plans, spec, threads=1, pool_threads=2, **kw)
    for a, b in zip(full, auto, strict=True):
        _same(a, b)
    pair = simulate_plans(g, plans[4:], spec, threads=2, path="together", **kw)
    _same(full[4], pair[0])
    _same(full[5], pair[1])


def test_plans_that_reach_a_dense_part_and_plans_that_miss_it() -> None:
    # two dense clusters joined one way: plans in the small one miss the big one
    rng = np.random.default_rng(0)
    big = [(a, b) for a in range(40) for b in range(40) if a != b and rng.random() < 0.3]
    small = [(a, b) for a in range(40, 50) for b in range(40, 50) if a != b]
    edges = np.array(big + small + [(45, 0)])
    g = from_edges(edges[:, 0], edges[:, 1], pl.Series([f"n{i}" for i in range(50)]))
    spec = DiffusionSpec("ic", edge_prob=np.full(g.m, 0.2, dtype=np.float32))
    proj = _projection(g.n, 5)
    plans = [np.array([1]), np.array([41]), np.array([3, 47]), np.array([0, 40])]
    together = simulate_plans(g, plans, spec, runs=400, seed=9, threads=1, projection=proj,
                              path="together")  # fmt: skip
    for plan, res in zip(plans, together, strict=True):
        alone = run_cascades(g, plan, spec, runs=400, seed=9, node_counts=True, threads=1,
                             projection=proj)  # fmt: skip
        _same(res, alone)
    assert together[0].activated.mean() > 20  # the big part is reached


def test_the_pilot_stops_one_by_one_once_it_is_slower(monkeypatch: pytest.MonkeyPatch) -> None:
    # a clock that ticks once per reading: together's half takes 1, one by one passes
    # that after its second plan, so it stops and together runs its half too
    import itertools
    from types import SimpleNamespace

    import pipeline.diffusion.group as grp

    ticks = itertools.count()
    monkeypatch.setattr(grp, "time", SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    g = _graph(100, 450, 4)
    spec = build_model(g, "wc")
    proj = _projection(g.n, 3)
    plans = _plans(g.n, 5, 5)
    kw = dict(runs=150, seed=8, threads=1, projection=proj)
    auto = simulate_plans(g, plans, spec, **kw)
    # read: together's start and end, one by one's start and after plans 1 and 2 (then it
    # stops; without stopping it would read after plans 1-4), and its end
    assert next(ticks) == 6
    monkeypatch.undo()
    for a, b in zip(auto, simulate_plans(g, plans, spec, path="together", **kw), strict=True):
        _same(a, b)


def test_cascades_longer_than_the_step_row_widen_it() -> None:
    n = 150
    g = from_edges(np.arange(n - 1), np.arange(1, n), pl.Series([f"n{i}" for i in range(n)]))
    spec = DiffusionSpec("ic", edge_prob=np.ones(g.m, dtype=np.float32))
    for path in ("together", "alone"):
        res = simulate_plans(g, [np.array([0]), np.array([100])], spec, runs=3, seed=1,
                             path=path)  # fmt: skip
        assert res[0].steps.tolist() == [n - 1] * 3 and res[0].new_per_step.shape == (3, n)
        assert res[1].new_per_step.shape == (3, n - 100)


def test_skip_sampled_ic_runs_on_either_path_and_lt_plan_by_plan() -> None:
    g = _graph(80, 300, 7)
    plans = _plans(g.n, 1, 3)
    proj = _projection(g.n, 3)
    ic = build_model(g, "ic", p=0.2)
    ic = DiffusionSpec("ic", node_prob=ic.node_prob, quality=np.linspace(0.0, 1.0, g.n))
    for spec, paths in ((ic, ("together", "alone", "auto")), (build_model(g, "lt"), ("auto",))):
        for path in paths:
            res = simulate_plans(g, plans, spec, runs=50, seed=2, threads=1, path=path,
                                 projection=proj)  # fmt: skip
            for plan, r in zip(plans, res, strict=True):
                alone = run_cascades(g, plan, spec, runs=50, seed=2, node_counts=True,
                                     threads=1, projection=proj)  # fmt: skip
                _same(r, alone)
    assert simulate_plans(g, [], build_model(g, "wc")) == []


@pytest.mark.parametrize("per_edge", [True, False])
def test_more_plans_than_a_word_holds_run_in_blocks(per_edge: bool) -> None:
    # 70 plans: a pass of 64 and one of 6, each plan as alone, whatever its block
    g = _graph(120, 600, 11)
    rng = np.random.default_rng(3)
    quality = rng.choice([1.0, 0.7], size=g.n)
    if per_edge:
        spec = DiffusionSpec("ic", edge_prob=rng.uniform(0, 0.5, g.m).astype(np.float32),
                             quality=quality)  # fmt: skip
    else:
        spec = DiffusionSpec("ic", node_prob=rng.uniform(0, 0.5, g.n), quality=quality)
    proj = _projection(g.n, 8)
    plans = _plans(g.n, 4, 70)
    together = simulate_plans(g, plans, spec, runs=40, seed=6, threads=2, projection=proj,
                              max_steps=3, path="together")  # fmt: skip
    for i in (0, 1, 63, 64, 69):
        alone = run_cascades(g, plans[i], spec, runs=40, seed=6, max_steps=3,
                             node_counts=True, threads=1, projection=proj)  # fmt: skip
        _same(together[i], alone)


def test_one_plan_a_pass_gives_the_same_numbers() -> None:
    g = _graph(90, 400, 5)
    spec = build_model(g, "wc")
    live, real = edge_thresholds(g.out_ptr, spec.edge_prob, np.zeros(0))
    plans = _plans(g.n, 9, 7)
    ptr = np.zeros(len(plans) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(p) for p in plans])
    flat = np.concatenate(plans).astype(np.int32)
    keys = np.arange(1, 31, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    args = (g.out_ptr, g.out_idx, live, real, np.zeros((0, 2)), True, np.zeros(0), ptr, flat, keys)
    rest = (np.int64(-1), np.int64(2), np.int64(40), _projection(g.n, 1))
    outs = [ic_group_runs(*args, shared, *rest) for shared in (True, False)]
    for a, b in zip(*outs, strict=True):
        assert np.array_equal(a, b)


def test_bad_plans_are_refused_like_simulate() -> None:
    g = _graph(30, 60, 1)
    from pipeline.errors import InputError

    with pytest.raises(InputError):
        simulate_plans(g, [np.array([0]), np.array([99])], build_model(g, "wc"))
    with pytest.raises(InputError, match="path"):
        simulate_plans(g, [np.array([0])], build_model(g, "wc"), path="fast")
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(InputError, match="pool_threads"):
            simulate_plans(g, [np.array([0])], build_model(g, "wc"), pool_threads=bad)
    with pytest.raises(InputError, match="projection"):
        simulate_plans(g, [np.array([0])], build_model(g, "wc"), projection=np.zeros((4, 3)))
