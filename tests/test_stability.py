"""Plan stability: bootstrap resamples of RR pools, re-run plans, picked-in counts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.seeding.imm import select_cover
from pipeline.seeding.max_cover import CoverIndex, greedy_cover
from pipeline.seeding.rrsets import RRSets
from pipeline.seeding.stability import (
    bootstrap_plans,
    kpi_spread,
    plan_stability,
    resample_seed,
    resample_sets,
)


def _rr(n: int, sets: list[list[int]]) -> RRSets:
    ptr = np.zeros(len(sets) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(s) for s in sets])
    nodes = np.array([u for s in sets for u in s], dtype=np.int32)
    return RRSets(n, ptr, nodes)


def _random_rr(n: int, theta: int, seed: int) -> RRSets:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 4, theta)
    return _rr(n, [rng.choice(n, int(z), replace=False).tolist() for z in sizes])


def _sets(rr: RRSets) -> list[tuple[int, ...]]:
    return [tuple(rr.nodes[rr.ptr[j] : rr.ptr[j + 1]].tolist()) for j in range(len(rr))]


def _greedy(k: int) -> Callable[[CoverIndex], np.ndarray]:
    return lambda ix: greedy_cover(ix, k=k)[0]


def test_resample_is_reproducible() -> None:
    rr = _random_rr(12, 300, 1)
    a, b = resample_sets(rr, 7), resample_sets(rr, 7)
    assert np.array_equal(a.ptr, b.ptr) and np.array_equal(a.nodes, b.nodes)
    c = resample_sets(rr, 8)
    assert not (np.array_equal(a.ptr, c.ptr) and np.array_equal(a.nodes, c.nodes))
    s0, s1 = resample_sets(rr, resample_seed(7, 0)), resample_sets(rr, resample_seed(7, 1))
    assert not np.array_equal(s0.nodes, s1.nodes) or not np.array_equal(s0.ptr, s1.ptr)
    again = resample_sets(rr, resample_seed(7, 1))
    assert np.array_equal(s1.nodes, again.nodes) and np.array_equal(s1.ptr, again.ptr)


def test_resample_keeps_theta_and_copies_whole_sets() -> None:
    rr = _random_rr(10, 250, 2)
    out = resample_sets(rr, 3)
    assert out.n == rr.n and len(out) == len(rr)
    assert out.ptr.dtype == np.int64 and out.nodes.dtype == np.int32
    assert out.ptr[0] == 0 and out.ptr[-1] == out.total_size
    originals = set(_sets(rr))
    got = _sets(out)
    assert all(s in originals for s in got)
    # with replacement: on 250 distinct sets, some are drawn twice and some never
    distinct = _rr(300, [[j, j + 1, (7 * j) % 300][: 1 + j % 3] for j in range(250)])
    assert len(set(_sets(distinct))) == 250
    drawn = _sets(resample_sets(distinct, 3))
    assert len(drawn) == 250 and set(drawn) < set(_sets(distinct))


def test_resample_of_an_empty_pool_is_empty() -> None:
    out = resample_sets(_rr(4, []), 0)
    assert len(out) == 0 and out.n == 4 and out.total_size == 0


def test_bootstrap_streams_differ_per_rerun_and_keep_the_index_nodes() -> None:
    rr = _random_rr(8, 200, 4)
    keep = np.array([True, True, False, True, True, True, False, True])
    index = CoverIndex.build(rr, keep)
    seen: list[CoverIndex] = []

    def select(ix: CoverIndex) -> np.ndarray:
        seen.append(ix)
        return greedy_cover(ix, k=2)[0]

    plans = bootstrap_plans(index, select, resamples=3, seed=11)
    assert len(plans) == 3 and all(p.dtype == np.int32 for p in plans)
    assert all(ix.keep is keep for ix in seen)
    assert all(ix.rr is rr for ix in seen)  # the pool itself, reweighted: no copy
    # one multiplicity per candidate part; the sets with no candidate take the rest
    none = int((index.distinct.group < 0).sum())
    assert all(ix.weight is not None and ix.weight.shape == (len(index.distinct),)
               for ix in seen)  # fmt: skip
    assert all(ix.weight.sum() <= len(rr) for ix in seen) and none < len(rr)
    assert not np.array_equal(seen[0].weight, seen[1].weight)
    assert all(ix.nptr[3] == ix.nptr[2] for ix in seen)  # node 2 not indexed
    again = bootstrap_plans(index, _greedy(2), resamples=3, seed=11)
    assert [p.tolist() for p in again] == [p.tolist() for p in plans]


@pytest.mark.parametrize("bad", [0, -1])
def test_bootstrap_needs_a_resample(bad: int) -> None:
    index = CoverIndex.build(_random_rr(5, 20, 0))
    with pytest.raises(InputError, match="resamples"):
        bootstrap_plans(index, _greedy(1), resamples=bad, seed=0)


def test_dominant_node_is_picked_in_every_rerun() -> None:
    rng = np.random.default_rng(5)
    sets = [[0, int(rng.integers(1, 6))] if rng.random() < 0.8 else [int(rng.integers(1, 6))]
            for _ in range(400)]  # fmt: skip
    index = CoverIndex.build(_rr(6, sets))
    plan, _, _ = select_cover(index, k=2, budget=None, cost=None, eligible=None, forced=None)
    assert plan[0] == 0

    def select(ix: CoverIndex) -> np.ndarray:
        return select_cover(ix, k=2, budget=None, cost=None, eligible=None, forced=None)[0]

    stab = plan_stability(plan, bootstrap_plans(index, select, seed=3))
    assert stab.resamples == 5
    assert stab.picked_in[0] == 5


def test_near_tie_splits_and_the_other_is_a_stand_in() -> None:
    # nodes 0 and 1 each alone in 100 sets, node 2 in a few: k=1 picks 0 on the tie
    sets = [[0]] * 100 + [[1]] * 100 + [[2]] * 10 + [[0, 2]] * 3 + [[1, 2]] * 3
    index = CoverIndex.build(_rr(3, sets))
    plan = greedy_cover(index, k=1)[0]
    assert plan.tolist() == [0]
    stab = plan_stability(plan, bootstrap_plans(index, _greedy(1), resamples=8, seed=2))
    assert 0 < stab.picked_in[0] < 8
    assert stab.stand_ins.tolist() == [1]
    assert stab.stand_in_counts.tolist() == [8 - stab.picked_in[0]]
    assert stab.share_stable() == 0.0
    assert stab.jaccard == pytest.approx(stab.picked_in[0] / 8)


def test_plan_stability_hand_worked() -> None:
    plan = np.array([4, 1, 7], dtype=np.int32)
    plans = [np.array(p, dtype=np.int32) for p in ([1, 4, 7], [4, 1, 2], [4, 9, 2], [4, 1, 7])]
    stab = plan_stability(plan, plans)
    assert stab.resamples == 4
    assert stab.picked_in.tolist() == [4, 3, 2]  # aligned with the plan
    assert stab.stand_ins.tolist() == [2, 9]  # 2 twice, 9 once
    assert stab.stand_in_counts.tolist() == [2, 1]
    # Jaccard: 3/3, 2/4, 1/5, 3/3
    assert stab.jaccard == pytest.approx((1 + 0.5 + 0.2 + 1) / 4)
    assert stab.share_stable() == pytest.approx(1 / 3)
    assert stab.picked_in.tolist() == [4, 3, 2] and stab.resamples == 4


def test_plan_stability_ties_in_stand_ins_go_to_the_smaller_node_and_edges() -> None:
    stab = plan_stability(np.array([0], np.int32), [np.array([5, 3], np.int32)] * 2)
    assert stab.picked_in.tolist() == [0]
    assert stab.stand_ins.tolist() == [3, 5] and stab.stand_in_counts.tolist() == [2, 2]
    assert stab.jaccard == 0.0
    empty = plan_stability(np.zeros(0, np.int32), [np.zeros(0, np.int32)])
    assert empty.jaccard == 1.0 and empty.share_stable() == 1.0
    with pytest.raises(InputError):
        plan_stability(np.array([1], np.int32), [])


def test_kpi_spread() -> None:
    assert kpi_spread([3.0, 1.0, 2.0, 10.0]) == (1.0, 2.5, 10.0)
    with pytest.raises(InputError):
        kpi_spread([])


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_stability_properties(data: st.DataObject) -> None:
    """On small random coverage instances: counts within [0, B], stand-ins outside the
    plan, every re-run pick accounted for once, forced seeds picked every time."""
    n = data.draw(st.integers(1, 8))
    node = st.integers(0, n - 1)
    sets = data.draw(st.lists(st.lists(node, max_size=4, unique=True), max_size=15))
    k = data.draw(st.integers(0, n))
    forced = np.array(data.draw(st.lists(node, max_size=2, unique=True)), dtype=np.int32)
    resamples = data.draw(st.integers(1, 6))
    seed = data.draw(st.integers(0, 2**32))
    rr = _rr(n, sets)
    index = CoverIndex.build(rr)

    def select(ix: CoverIndex) -> np.ndarray:
        return greedy_cover(ix, k=k, forced=forced)[0]

    for b in range(2):
        out = resample_sets(rr, resample_seed(seed, b))
        assert len(out) == len(rr) and set(_sets(out)) <= set(_sets(rr))
    plan = select(index)
    plans = bootstrap_plans(index, select, resamples=resamples, seed=seed)
    stab = plan_stability(plan, plans)
    assert stab.resamples == resamples == len(plans)
    assert stab.picked_in.shape == plan.shape
    assert ((stab.picked_in >= 0) & (stab.picked_in <= resamples)).all()
    assert not set(stab.stand_ins.tolist()) & set(plan.tolist())
    assert ((stab.stand_in_counts >= 1) & (stab.stand_in_counts <= resamples)).all()
    keys = list(zip((-stab.stand_in_counts).tolist(), stab.stand_ins.tolist(), strict=True))
    assert keys == sorted(keys)
    assert stab.picked_in.sum() + stab.stand_in_counts.sum() == sum(len(set(p)) for p in plans)
    assert 0.0 <= stab.jaccard <= 1.0 and 0.0 <= stab.share_stable() <= 1.0
    where = {u: i for i, u in enumerate(plan.tolist())}
    assert all(stab.picked_in[where[int(f)]] == resamples for f in forced)
