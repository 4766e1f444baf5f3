"""The strategies ``ambassadors`` and ``mixed`` (pipeline.seeding.ambassadors): who they
enlist, at what cost, and that a planted ambassador found in the log is worth enlisting."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.graph_io.csr import from_edges
from pipeline.seeding import select_seeds
from pipeline.seeding.ambassadors import AmbassadorPool
from pipeline.seeding.registry import get_strategy, split_variant

sys.path.insert(0, str(Path(__file__).parent))
from test_credit import place_on_frame


@cache
def _world():  # type: ignore[no-untyped-def]
    """600 accounts: 5 planted (about 12 followers, p = 0.5 on their edges), 5 hubs
    (120 followers), the rest 4-12 followers at p = 0.02; 240 items, each started by 3
    random accounts and every other one also by a planted account."""
    from cascade_sim import continuous_ic_log

    rng = np.random.default_rng(5)
    n = 600
    planted, hubs = np.arange(5), np.arange(5, 10)
    followers = rng.integers(4, 13, size=n)
    followers[planted] = 12
    followers[hubs] = 120
    src = np.repeat(np.arange(n), followers)
    dst = rng.integers(0, n, size=src.size)
    keep = src != dst
    p_true = np.where(np.isin(src[keep], planted), 0.5, 0.02)
    g = from_edges(src[keep], dst[keep], pl.Series("id", np.arange(n)), probability=p_true)
    p = g.probability
    assert p is not None
    starts = []
    for item in range(240):
        s = [int(x) for x in rng.choice(np.arange(10, n), size=3, replace=False)]
        if item % 2 == 0:
            s.append(int(rng.choice(planted)))
        starts.append(s)
    log = continuous_ic_log(g, p, items=240, initiators=0, mean_delay=1.0, seed=3,
                            start_nodes=starts)  # fmt: skip
    pool = AmbassadorPool.from_log(g, place_on_frame(log, g), horizon=1e6)
    return g, pool, planted, hubs


def test_ambassadors_takes_the_top_credit_at_the_ambassador_cost() -> None:
    g, pool, planted, hubs = _world()
    got = select_seeds(g, "ambassadors", k=5, ambassadors=pool, estimate_rr_sets=2000)
    order = np.lexsort((np.arange(g.n), np.diff(g.out_ptr), -pool.credit))
    assert got.nodes.tolist() == order[pool.candidate[order]][:5].tolist()
    assert np.isin(got.nodes, planted).sum() >= 4 and not np.isin(got.nodes, hubs).any()
    assert got.total_cost == pytest.approx(5 * 25.0)
    assert got.info["ambassador_cost"] == 25.0


def test_the_budget_and_the_cost_scenarios_decide_how_many() -> None:
    g, pool, _, _ = _world()
    base = select_seeds(g, "ambassadors", budget=110, ambassadors=pool, estimate_rr_sets=2000)
    assert len(base.nodes) == 4 and base.total_cost == pytest.approx(100)
    half = select_seeds(g, "ambassadors@0.5x", budget=110, ambassadors=pool,
                        estimate_rr_sets=2000)  # fmt: skip
    assert len(half.nodes) == 8 and half.total_cost == pytest.approx(100)
    assert half.nodes[:4].tolist() == base.nodes.tolist()  # the same ranking
    double = select_seeds(g, "ambassadors@2x", budget=110, ambassadors=pool,
                          estimate_rr_sets=2000)  # fmt: skip
    assert len(double.nodes) == 2
    capped = select_seeds(g, "ambassadors", budget=1000, max_creators=3, ambassadors=pool,
                          estimate_rr_sets=2000)  # fmt: skip
    assert len(capped.nodes) == 3


def test_excluded_accounts_are_never_enlisted() -> None:
    g, pool, planted, _ = _world()
    got = select_seeds(g, "ambassadors", k=5, ambassadors=pool, exclude=planted[:2],
                       estimate_rr_sets=2000)  # fmt: skip
    assert not np.isin(got.nodes, planted[:2]).any()


def test_mixed_prices_each_account_at_the_cheaper_and_beats_paid_only(tmp_path: Path) -> None:
    """Everyone is contractable at 100 (a fee of 75 plus 25 of overhead); the ambassadors
    cost 25, so the mixed plan's account that is both costs 25; with a budget of 500 it
    buys more and, with the planted ambassadors among them, reaches more than IMM on the
    paid creators alone (the true per-edge model)."""
    from pipeline.profiles import load_profiles
    from pipeline.valuation.costs import CostModel

    g, pool, planted, _ = _world()
    path = tmp_path / "profiles.csv"
    pl.DataFrame({"id": np.arange(g.n), "followers": np.full(g.n, 5000), "cost": 75.0}
                 ).write_csv(path)  # fmt: skip
    prof = load_profiles(path, g)
    costs = CostModel(25.0)
    common = dict(budget=500, costs=costs, estimate_rr_sets=20_000, seed=1, model="ic",
                  profiles=prof)  # fmt: skip
    mixed = select_seeds(g, "mixed", ambassadors=pool, **common)  # type: ignore[arg-type]
    paid = select_seeds(g, "imm", **common)  # type: ignore[arg-type]
    cost = mixed.problem.cost
    assert np.all(cost[pool.candidate] == 25.0) and np.all(cost[~pool.candidate] == 100.0)
    assert mixed.total_cost <= 500 + 1e-9
    assert np.isin(mixed.nodes, planted).sum() >= 3
    assert mixed.expected_reach > 1.2 * paid.expected_reach
    at2 = select_seeds(g, "mixed@2x", ambassadors=pool, **common)  # type: ignore[arg-type]
    assert np.all(at2.problem.cost[pool.candidate] == 50.0)


def test_bad_requests_are_refused_in_words() -> None:
    g, pool, _, _ = _world()
    with pytest.raises(InputError, match="needs the brand's action log"):
        select_seeds(g, "ambassadors", k=3)
    with pytest.raises(InputError, match="only a strategy that enlists ambassadors"):
        get_strategy("macro@2x")
    with pytest.raises(InputError, match="unknown strategy"):
        get_strategy("nope@2x")
    with pytest.raises(InputError, match="ambassador cost must be"):
        AmbassadorPool(pool.credit, pool.candidate, cost=-1.0)
    assert split_variant("mixed@0.5x") == ("mixed", 0.5)
    assert split_variant("mixed") is None
    assert get_strategy("mixed@0.5x").plain.endswith("at 0.5x the ambassador cost")
