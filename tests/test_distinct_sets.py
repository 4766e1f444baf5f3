"""Distinct candidate parts of RR sets (pipeline.seeding.distinct_sets) and the bootstrap
drawn on them (CoverIndex.resampled): against plain Python, grown against fresh, and the
multinomial law of the per-set bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.seeding.distinct_sets import DistinctSets, group_sums
from pipeline.seeding.max_cover import CoverIndex, greedy_cover
from pipeline.seeding.rrsets import RRSets


def _collection(rng: np.random.Generator, n: int, sets: int, big: int = 0) -> RRSets:
    """Random sets of distinct nodes: mostly 0-4 members, ``big`` of 17-40 members."""
    sizes = list(rng.integers(0, 5, sets)) + list(rng.integers(17, 41, big))
    rng.shuffle(sizes)
    parts = [rng.choice(n, int(s), replace=False).astype(np.int32) for s in sizes]
    ptr = np.zeros(len(parts) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(p) for p in parts])
    nodes = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    return RRSets(n, ptr, nodes.astype(np.int32))


def _reference(rr: RRSets, keep: np.ndarray) -> tuple[list[tuple[int, ...]], list[int], list[int]]:
    """(parts in first-appearance order, their counts, each set's part id or -1)."""
    ids: dict[tuple[int, ...], int] = {}
    counts: list[int] = []
    group: list[int] = []
    for j in range(len(rr)):
        part = tuple(sorted(int(x) for x in rr.nodes[rr.ptr[j] : rr.ptr[j + 1]] if keep[x]))
        if not part:
            group.append(-1)
            continue
        if part not in ids:
            ids[part] = len(ids)
            counts.append(0)
        counts[ids[part]] += 1
        group.append(ids[part])
    return list(ids), counts, group


def _parts(d: DistinctSets) -> list[tuple[int, ...]]:
    return [tuple(int(x) for x in d.nodes[d.ptr[i] : d.ptr[i + 1]]) for i in range(len(d))]


@pytest.mark.parametrize("case", range(8))
def test_parts_counts_and_groups_match_plain_python(case: int) -> None:
    rng = np.random.default_rng(case)
    n = int(rng.integers(5, 300))  # few nodes: many repeats; many: a table past 64 slots
    rr = _collection(rng, n, int(rng.integers(0, 3000)), big=int(rng.integers(0, 5)))
    keep = rng.random(n) < rng.uniform(0.1, 1.0)
    d = DistinctSets.of(rr.ptr, rr.nodes, keep)
    parts, counts, group = _reference(rr, keep)
    assert _parts(d) == parts
    assert d.count.tolist() == counts
    assert d.group.tolist() == group
    w = rng.integers(0, 4, len(rr)).astype(np.int64)
    want = np.zeros(len(parts), np.int64)
    for j, g in enumerate(group):
        if g >= 0:
            want[g] += w[j]
    assert group_sums(d.group, w, len(d)).tolist() == want.tolist()


def test_grown_parts_equal_fresh_ones_and_old_views_stay_valid() -> None:
    rng = np.random.default_rng(5)
    full = _collection(rng, 40, 4000, big=3)
    keep = rng.random(40) < 0.5
    cuts = [0, 10, 11, 500, 1700, 4003]
    d = DistinctSets.of(full.prefix(0).ptr, full.prefix(0).nodes, keep)
    views = [d]
    for upto in cuts[1:]:
        part = full.prefix(upto)
        d = d.extend(part.ptr, part.nodes, keep)
        fresh = DistinctSets.of(part.ptr, part.nodes, keep)
        assert _parts(d) == _parts(fresh)
        assert d.count.tolist() == fresh.count.tolist()
        assert d.group.tolist() == fresh.group.tolist()
        views.append(d)
    for upto, v in zip(cuts, views, strict=True):  # each view still shows its prefix
        part = full.prefix(upto)
        parts, counts, group = _reference(part, keep)
        assert _parts(v) == parts and v.count.tolist() == counts and v.group.tolist() == group
    # extending an older view (not the newest) copies and still agrees
    old = views[2]
    part = full.prefix(900)
    branch = old.extend(part.ptr, part.nodes, keep)
    assert _parts(branch) == _reference(part, keep)[0]
    assert _parts(views[-1]) == _reference(full, keep)[0]


def test_greedy_on_parts_equals_greedy_on_the_repeated_sets() -> None:
    # the index counts each part by its sets, so greedy picks and gains are the ones
    # of a plain greedy over the collection's sets (ties to the smaller node)
    rng = np.random.default_rng(9)
    rr = _collection(rng, 30, 3000)
    keep = rng.random(30) < 0.6
    index = CoverIndex.build(rr, keep)
    assert len(index.distinct) < len(rr)
    sets = [set(rr.nodes[rr.ptr[j] : rr.ptr[j + 1]].tolist()) for j in range(len(rr))]
    for k in (1, 3, 8):
        left, picks, gains = list(sets), [], []
        for _ in range(k):
            best = max(
                (sum(u in s for s in left), -u) for u in range(30) if keep[u] and u not in picks
            )
            picks.append(-best[1])
            gains.append(best[0])
            left = [s for s in left if picks[-1] not in s]
        got, g = greedy_cover(index, k=k)
        assert got.tolist() == picks and g.tolist() == gains


def test_resampled_draws_the_bootstrap_law_of_each_part() -> None:
    # a part of c sets out of theta is drawn Binomial(theta, c / theta) times in a
    # bootstrap resample; the parts' draws sum to at most theta (the rest: sets with
    # no candidate); reproducible from the seed, other seeds differ
    rng = np.random.default_rng(3)
    rr = _collection(rng, 12, 400)
    keep = np.arange(12) < 6
    index = CoverIndex.build(rr, keep)
    count = index.distinct.count.astype(np.float64)
    theta = len(rr)
    reps = 3000
    draws = np.array([index.resampled(np.random.SeedSequence(11, spawn_key=(b,))).weight
                      for b in range(reps)])  # fmt: skip
    assert (draws.sum(axis=1) <= theta).all()
    mean, var = draws.mean(axis=0), draws.var(axis=0)
    want_var = count * (1.0 - count / theta)
    assert np.all(np.abs(mean - count) <= 4.0 * np.sqrt(want_var / reps) + 1e-12)
    assert np.allclose(var, want_var, rtol=0.15)
    again = index.resampled(np.random.SeedSequence(11, spawn_key=(0,))).weight
    assert again is not None and again.tolist() == draws[0].tolist()
    assert not np.array_equal(draws[0], draws[1])


def test_views_of_one_stream_share_one_lineage_of_parts_per_pool() -> None:
    # IMM calls take prefixes of one shared stream: the parts are split once per pool
    # and every view (shorter, longer, grown) equals the parts computed afresh
    from pipeline.seeding.distinct_sets import parts_of

    rng = np.random.default_rng(21)
    full = _collection(rng, 25, 2000)
    sizes = np.diff(full.ptr)
    stream = RRSets(25, np.zeros(1, np.int64), np.zeros(0, np.int32)).append(
        [(sizes[:1200], full.nodes[: full.ptr[1200]])], 1200, int(full.ptr[1200])
    )
    keep_a = rng.random(25) < 0.5
    keep_b = ~keep_a
    first = parts_of(stream.prefix(700), keep_a)
    longer = parts_of(stream, keep_a)  # extends the lineage of keep_a
    other = parts_of(stream.prefix(300), keep_b)  # another pool, its own lineage
    grown = stream.append([(sizes[1200:], full.nodes[full.ptr[1200] :])], 800,
                          int(full.ptr[-1] - full.ptr[1200]))  # fmt: skip
    whole = parts_of(grown, keep_a)
    again = parts_of(stream.prefix(700), keep_a)
    for d, rr, keep in ((first, full.prefix(700), keep_a), (longer, full.prefix(1200), keep_a),
                        (other, full.prefix(300), keep_b), (whole, full, keep_a),
                        (again, full.prefix(700), keep_a)):  # fmt: skip
        parts, counts, group = _reference(rr, keep)
        assert _parts(d) == parts and d.count.tolist() == counts and d.group.tolist() == group
    assert again.nodes.base is whole.nodes.base  # one lineage: views of the same arrays


def test_a_stream_moved_to_more_room_keeps_its_parts() -> None:
    # growing the longest collection past its store's room moves it to a new store of
    # the same lineage, so its parts are extended, not split again from the start
    from pipeline.seeding.distinct_sets import parts_of

    rng = np.random.default_rng(4)
    full = _collection(rng, 20, 3000)
    sizes = np.diff(full.ptr)
    keep = rng.random(20) < 0.5
    rr = RRSets(20, np.zeros(1, np.int64), np.zeros(0, np.int32))
    stores, lineages, arrays = set(), set(), set()
    for a, b in ((0, 100), (100, 400), (400, 1500), (1500, 3000)):
        rr = rr.append([(sizes[a:b], full.nodes[full.ptr[a] : full.ptr[b]])], b - a,
                       int(full.ptr[b] - full.ptr[a]))  # fmt: skip
        assert rr._store is not None
        stores.add(id(rr._store))
        lineages.add(id(rr._store.lineage))
        d = parts_of(rr, keep)
        arrays.add(id(d._arrays))
        assert _parts(d) == _reference(full.prefix(b), keep)[0]
    assert len(stores) > 1 and len(lineages) == 1  # moved, one lineage
    assert len(arrays) == 1  # one set of parts, extended each time


def test_an_index_of_all_nodes_keeps_every_set_as_it_is() -> None:
    # no pool: every set its own part, uncopied; grown like the pooled index; its
    # bootstrap is the per-set draw (stability.resample_weights) itself
    from pipeline.seeding.stability import resample_seed, resample_weights

    rng = np.random.default_rng(8)
    full = _collection(rng, 15, 600)
    part = full.prefix(200)
    index = CoverIndex.build(part)
    assert index.distinct.whole and np.shares_memory(index.kernel_sets[1], part.nodes)
    grown = index.grow(full)
    fresh = CoverIndex.build(full)
    assert grown.distinct.whole and len(grown.distinct) == len(full)
    np.testing.assert_array_equal(grown.sets, fresh.sets)
    np.testing.assert_array_equal(grown.degrees, fresh.degrees)
    from pipeline.seeding.cover_index import _degrees  # the walk over the sets agrees

    walked = _degrees(15, *grown.kernel_sets, np.ones(15, np.bool_), grown.kernel_weight)
    np.testing.assert_array_equal(grown.degrees, walked)
    for k in (1, 4):
        assert greedy_cover(grown, k=k)[0].tolist() == greedy_cover(fresh, k=k)[0].tolist()
    ss = resample_seed(3, 1)
    a = grown.resampled(ss).weight
    b = grown.reweighted(resample_weights(len(full), resample_seed(3, 1))).weight
    assert a is not None and b is not None and a.tolist() == b.tolist()
