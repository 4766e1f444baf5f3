"""RR slot layouts are built once per graph and edge values, and reused by later calls."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pipeline.diffusion.models import _in_share, wc_probabilities
from pipeline.graph_io import from_edges
from pipeline.seeding import layouts, select_seeds
from pipeline.seeding.rrsets import SlotLayout


def _graph(n: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, 400), rng.integers(0, n, 400)
    keep = src != dst
    return from_edges(src[keep], dst[keep], pl.Series([f"a{i}" for i in range(n)]))


def test_equal_values_share_one_layout_and_others_get_their_own() -> None:
    g = _graph()
    p = np.full(g.m, 0.1, dtype=np.float32)
    first = layouts.slot_layout(g, p, lt=False)
    assert layouts.slot_layout(g, p.copy(), lt=False) is first  # by content, not identity
    other = layouts.slot_layout(g, p * np.float32(0.5), lt=False)
    assert other is not first and layouts.slot_layout(g, p, lt=True) is not first
    fresh = SlotLayout.of(g.in_ptr, g.in_idx, g.in_eid, p, lt=False)
    for name in ("slot_value", "node_p", "packed"):
        assert np.array_equal(getattr(first, name), getattr(fresh, name))
    assert layouts.cached_layouts(g) == 3


def test_the_budget_keeps_the_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    g = _graph(seed=1)
    p = np.full(g.m, 0.1, dtype=np.float32)
    one = layouts.slot_layout(g, p, lt=False)
    size = one.slot_value.nbytes + one.node_p.nbytes + one.packed.nbytes
    monkeypatch.setattr(layouts, "BUDGET_BYTES", 2 * size)
    layouts.slot_layout(g, p * np.float32(0.5), lt=False)
    layouts.slot_layout(g, p * np.float32(0.25), lt=False)
    assert layouts.cached_layouts(g) == 2
    assert layouts.slot_layout(g, p, lt=False) is not one  # dropped, built again
    # a layout alone over the budget is still kept, alone: a second call reuses it
    monkeypatch.setattr(layouts, "BUDGET_BYTES", size // 2)
    big = layouts.slot_layout(g, p * np.float32(0.125), lt=False)
    assert layouts.cached_layouts(g) == 1
    assert layouts.slot_layout(g, (p * np.float32(0.125)).copy(), lt=False) is big


def test_a_second_selection_reuses_the_layout_and_picks_the_same() -> None:
    g = _graph(seed=2)
    a = select_seeds(g, "imm", k=3, model="wc", epsilon=0.5, seed=4)
    kept = layouts.cached_layouts(g)
    b = select_seeds(g, "imm", k=3, model="wc", epsilon=0.5, seed=4)
    assert kept >= 1 and layouts.cached_layouts(g) == kept
    assert np.array_equal(a.nodes, b.nodes)


def test_wc_probabilities_are_the_in_share_rounded_once() -> None:
    g = _graph(seed=3)
    assert np.array_equal(wc_probabilities(g), _in_share(g).astype(np.float32))
