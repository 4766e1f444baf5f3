"""Plan stability re-runs the greedy on bootstrap resamples as set weights, not copies:
the picks and gains must equal those on the copied resample indexed afresh, for every
greedy rule (k, budget plain and per cost, cap with a mixed key, earned penalty,
must-includes, a candidate pool)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.seeding.max_cover import CoverIndex, greedy_cover, prefix_coverage
from pipeline.seeding.rrsets import RRSets
from pipeline.seeding.stability import resample_seed, resample_sets, resample_weights


def _collection(rng: np.random.Generator, n: int, theta: int) -> RRSets:
    sizes = rng.integers(0, 6, size=theta)
    ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    nodes = np.concatenate(
        [rng.choice(n, size=int(s), replace=False) for s in sizes] or [np.zeros(0)]
    ).astype(np.int32)
    return RRSets(n, ptr, nodes)


RULES = [
    {"k": 5},
    {"k": 3, "penalty": 2.5},
    {"k": None, "budget": 7.0, "cost": True},
    {"k": None, "budget": 7.0, "cost": True, "per_cost": True},
    {"k": 3, "budget": 9.0, "cost": True, "per_cost": True, "key_cost": True},
    {"k": 4, "forced": True},
    {"k": 4, "eligible": True},
]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), rule=st.sampled_from(RULES), b=st.integers(0, 4))
def test_weights_pick_what_copies_pick(seed: int, rule: dict[str, object], b: int) -> None:
    rng = np.random.default_rng(seed)
    n, theta = int(rng.integers(5, 40)), int(rng.integers(1, 300))
    rr = _collection(rng, n, theta)
    cost = rng.uniform(0.5, 3.0, size=n)
    eligible = rng.random(n) < 0.6 if rule.get("eligible") else None
    forced = np.array([0, n - 1], dtype=np.int32) if rule.get("forced") else None
    keep = None if eligible is None else eligible.copy()
    if keep is not None and forced is not None:
        keep[forced] = True
    kw = {
        "k": rule["k"], "budget": rule.get("budget"), "eligible": eligible,
        "forced": forced, "per_cost": bool(rule.get("per_cost")),
        "penalty": float(rule.get("penalty", 0.0)),  # type: ignore[arg-type]
        "cost": cost if rule.get("cost") else None,
        "key_cost": cost * 0.5 + 0.1 if rule.get("key_cost") else None,
    }  # fmt: skip
    ss = resample_seed(seed, b)
    copied = CoverIndex.build(resample_sets(rr, ss), keep)
    weighted = CoverIndex.build(rr, keep).reweighted(resample_weights(len(rr), ss))
    a_seeds, a_gains = greedy_cover(copied, **kw)  # type: ignore[arg-type]
    b_seeds, b_gains = greedy_cover(weighted, **kw)  # type: ignore[arg-type]
    assert np.array_equal(a_seeds, b_seeds)
    assert np.array_equal(a_gains, b_gains)
    assert np.array_equal(prefix_coverage(copied, a_seeds), prefix_coverage(weighted, a_seeds))


def test_weights_are_the_resamples_multiplicities() -> None:
    rr = _collection(np.random.default_rng(3), 20, 50)
    w = resample_weights(len(rr), resample_seed(7, 2))
    assert w.sum() == len(rr) and w.dtype == np.int64
    copied = resample_sets(rr, resample_seed(7, 2))
    assert copied.total_size == int((np.diff(rr.ptr) * w).sum())


def test_reweighted_refuses_a_wrong_length_and_growth() -> None:
    rr = _collection(np.random.default_rng(4), 10, 12)
    ix = CoverIndex.build(rr)
    with pytest.raises(ValueError, match="expected"):
        ix.reweighted(np.ones(5, dtype=np.int64))
    with pytest.raises(ValueError, match="does not grow"):
        ix.reweighted(np.ones(12, dtype=np.int64)).grow(rr)
