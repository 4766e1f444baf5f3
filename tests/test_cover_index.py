"""The segmented cover index: growth copies nothing, the old index stays valid, and every
greedy, prefix, degree and bound on a grown index equals the one built from scratch."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.seeding import cover_index
from pipeline.seeding.certify import upper_bound
from pipeline.seeding.max_cover import CoverIndex, greedy_cover, prefix_coverage
from pipeline.seeding.rrsets import RRSets


def _collection(n: int, sets: int, seed: int) -> RRSets:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 6, sets)
    nodes = np.concatenate([rng.choice(n, int(z), replace=False) for z in sizes])
    ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return RRSets(n, ptr, nodes.astype(np.int32))


def _prefix(rr: RRSets, sets: int) -> RRSets:
    return RRSets(rr.n, rr.ptr[: sets + 1], rr.nodes[: rr.ptr[sets]])


@pytest.mark.parametrize("pool", [False, True])
def test_grown_index_shares_old_segments_and_equals_a_fresh_one(pool: bool) -> None:
    n = 40
    full = _collection(n, 3000, 1)
    keep = (np.arange(n) % 3 != 0) if pool else None
    index = CoverIndex.build(_prefix(full, 200), keep)
    before = index.nptr.copy(), index.sets.copy()
    rng = np.random.default_rng(2)
    cost = rng.uniform(1, 3, n)
    for upto in (450, 451, 1200, 3000):
        grown = index.grow(_prefix(full, upto))
        assert len(grown.parts) == len(index.parts) + 1
        for old, new in zip(index.parts, grown.parts, strict=False):
            assert np.shares_memory(old, new)  # nothing copied
        fresh = CoverIndex.build(_prefix(full, upto), keep)
        np.testing.assert_array_equal(grown.nptr, fresh.nptr)
        np.testing.assert_array_equal(grown.sets, fresh.sets)
        np.testing.assert_array_equal(grown.degrees, fresh.degrees)
        for kw in ({"k": 5}, {"k": None, "budget": 6.0, "cost": cost, "per_cost": True}):
            a, ga = greedy_cover(grown, **kw)
            b, gb = greedy_cover(fresh, **kw)
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(ga, gb)
        seeds = a
        np.testing.assert_array_equal(prefix_coverage(grown, seeds), prefix_coverage(fresh, seeds))
        assert upper_bound(
            grown, seeds, n_forced=0, k=5, budget=None, cost=None, eligible=None
        ) == (upper_bound(fresh, seeds, n_forced=0, k=5, budget=None, cost=None, eligible=None))
        w = rng.integers(0, 3, upto)
        np.testing.assert_array_equal(
            greedy_cover(grown.reweighted(w), k=4)[0], greedy_cover(fresh.reweighted(w), k=4)[0]
        )
        np.testing.assert_array_equal(grown.reweighted(w).degrees, fresh.reweighted(w).degrees)
        index = grown
    # the first index still answers for its own sets
    first = CoverIndex.build(_prefix(full, 200), keep)
    np.testing.assert_array_equal(first.nptr, before[0])
    np.testing.assert_array_equal(first.sets, before[1])


def test_segments_are_read_only_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    full = _collection(20, 400, 3)
    index = CoverIndex.build(_prefix(full, 10))
    monkeypatch.setattr(cover_index, "MAX_SEGMENTS", 3)
    sizes = []
    for upto in range(20, 80, 10):
        index = index.grow(_prefix(full, upto))
        sizes.append(len(index.parts))
        assert all(not p.flags.writeable for p in index.parts)
        np.testing.assert_array_equal(index.sets, CoverIndex.build(_prefix(full, upto)).sets)
    assert sizes == [2, 3, 1, 2, 3, 1]  # past the cap: rebuilt as one segment
    with pytest.raises(ValueError, match="does not grow"):
        index.reweighted(np.ones(70, np.int64)).grow(_prefix(full, 90))
