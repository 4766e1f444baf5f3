"""The ``efficient`` strategy: value x relevance / (cost / budget + 1 / cap), filled in
score order. Hand-computed choices on a tiny world, the contract (budget, cap,
exclusions, must-includes, reproducible), and the bundled sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner
from worlds import small

from pipeline.graph_io import load_graph
from pipeline.profiles import load_brands, load_profiles
from pipeline.seeding import make_problem, select_seeds
from pipeline.seeding.efficient import efficient_score, own_value
from pipeline.seeding.registry import built_in, family_of, plain_name
from pipeline.valuation.costs import CostModel

ROOT = Path(__file__).resolve().parents[1]

# id -> (followers, engagement rate, fee): own engagements ER x A = 1000, 500, 250, 100
ACCOUNTS = {
    "a": (100_000, 0.01, 900.0),
    "b": (10_000, 0.05, 100.0),
    "c": (5_000, 0.05, 50.0),
    "d": (1_000, 0.10, 10.0),
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("tiny")
    # every account has one in-graph follower (x, y, z, w); x also follows a
    (d / "e.csv").write_text("follower,followed\nx,a\ny,b\nz,c\nw,d\nx,b\n")
    rows = "".join(f"{i},{f},{er},{fee},food\n" for i, (f, er, fee) in ACCOUNTS.items())
    (d / "p.csv").write_text("id,followers,engagement_rate,cost,topics\n" + rows)
    g = load_graph(d / "e.csv")
    return g, load_profiles(d / "p.csv", g)


def _ids(g, s) -> list[str]:  # type: ignore[no-untyped-def]
    return g.ids[s.nodes.tolist()].to_list()


def _pick(tiny, **kw):  # type: ignore[no-untyped-def]
    g, prof = tiny
    s = select_seeds(g, "efficient", model="ic", p=0.1, profiles=prof, objective="engagements",
                     estimate_rr_sets=200, **kw)  # fmt: skip
    return _ids(g, s), s


def test_hand_computed_choices(tiny) -> None:  # type: ignore[no-untyped-def]
    # budget 1000, cap 2: score = w / (c / 1000 + 1 / 2): a 714, b 833, c 455, d 196
    ids, s = _pick(tiny, budget=1000.0, max_creators=2)
    assert ids == ["b", "a"] and s.total_cost == pytest.approx(1000.0)
    # no cap: value per currency unit (d 10, b = c 5, a 1.1): d, b, c; a no longer fits
    ids, s = _pick(tiny, budget=1000.0)
    assert ids == ["d", "b", "c"] and s.total_cost == pytest.approx(160.0)
    # k and no budget: the cost term is 0, the most valuable first
    ids, _ = _pick(tiny, k=2)
    assert ids == ["a", "b"]
    # a must-include is paid and takes a slot: B = 990, K = 1: a 524 > b 454
    ids, s = _pick(tiny, budget=1000.0, max_creators=2, include=[3])
    assert ids == ["d", "a"] and s.total_cost == pytest.approx(910.0)
    # an exclusion: without b, a (714), then c (455) fits the 100 left; the cap is full
    g, _ = tiny
    ids, _ = _pick(tiny, budget=1000.0, max_creators=2, exclude=g.index_of(["b"]).tolist())
    assert ids == ["a", "c"]


def test_score_formula_and_in_graph_value(tiny) -> None:  # type: ignore[no-untyped-def]
    g, prof = tiny
    p = make_problem(g, budget=1000.0, max_creators=2, model="ic", p=0.1, profiles=prof,
                     objective="engagements")  # fmt: skip
    score, info = efficient_score(p)
    idx = g.index_of(list(ACCOUNTS)).tolist()
    want = [1000 / 1.4, 500 / 0.6, 250 / 0.55, 100 / 0.51]
    assert np.allclose(score[idx], want)
    assert info == {"budget_left": 1000.0, "cap_left": 2}
    # in-graph objectives: own expected exposure = in-graph followers x real share
    q = make_problem(g, k=2, model="ic", p=0.1, profiles=prof, objective="exposed")
    assert own_value(q)[idx].tolist() == [1.0, 2.0, 1.0, 1.0]
    ids = _ids(g, select_seeds(g, "efficient", k=1, model="ic", p=0.1, profiles=prof,
                               objective="exposed", estimate_rr_sets=100))  # fmt: skip
    assert ids == ["b"]  # two in-graph followers


@pytest.mark.parametrize("objective", ["engagements", "people", "earned_exposed"])
def test_contract_on_a_synthetic_world(objective: str) -> None:
    g, prof, brands = small()
    brand = brands.names[0]
    kw = dict(model="wc", profiles=prof, brands=brands, brand=brand, objective=objective,
              estimate_rr_sets=500, costs=CostModel(per_creator=20.0), seed=5)  # fmt: skip
    has = np.flatnonzero(prof.has_profile)
    first = select_seeds(g, "efficient", budget=3000.0, max_creators=6, **kw)  # type: ignore[arg-type]
    exclude = first.nodes[:2].tolist()
    include = [int(x) for x in has[np.isfinite(prof.table["cost"].to_numpy()[has])][-1:]]
    a = select_seeds(g, "efficient", budget=3000.0, max_creators=6, exclude=exclude,
                     include=include, **kw)  # type: ignore[arg-type]  # fmt: skip
    b = select_seeds(g, "efficient", budget=3000.0, max_creators=6, exclude=exclude,
                     include=include, **kw)  # type: ignore[arg-type]  # fmt: skip
    assert np.array_equal(a.nodes, b.nodes) and np.array_equal(a.marginal_gain, b.marginal_gain)
    assert a.nodes[0] == include[0] and not set(exclude) & set(a.nodes.tolist())
    assert 2 <= len(a) <= 6 and a.total_cost <= 3000.0 + 1e-9
    assert a.info["rule"].startswith("value x relevance")
    rel = a.problem.relevance
    assert rel is not None and (rel[a.nodes[1:]] >= 0.3).all()  # the brand-fit pool


@pytest.fixture(scope="module")
def sample():  # type: ignore[no-untyped-def]
    g = load_graph(ROOT / "data" / "follows.csv")
    return (
        g,
        load_profiles(ROOT / "data" / "profiles.csv", g),
        load_brands(ROOT / "data" / "brands.csv"),
    )


def test_bundled_freshbite_spends_the_budget_under_the_cap(sample) -> None:  # type: ignore[no-untyped-def]
    g, prof, brands = sample
    kw = dict(budget=10_000.0, max_creators=25, model="wc", profiles=prof, brands=brands,
              brand="freshbite", estimate_rr_sets=2000,
              costs=CostModel(per_creator=100.0))  # fmt: skip
    eff = select_seeds(g, "efficient", **kw)  # type: ignore[arg-type]
    micro = select_seeds(g, "micro", **kw)  # type: ignore[arg-type]
    assert len(eff) <= 25 and eff.total_cost <= 10_000.0
    assert micro.total_cost < 9_000.0 < 9_900.0 < eff.total_cost, (micro.total_cost, eff.total_cost)
    assert eff.expected_reach > micro.expected_reach  # engagements, the default KPI


def test_choice_follows_the_objective(sample) -> None:  # type: ignore[no-untyped-def]
    g, prof, brands = sample
    kw = dict(budget=10_000.0, max_creators=25, model="wc", profiles=prof, brands=brands,
              brand="freshbite", estimate_rr_sets=200)  # fmt: skip
    chosen = {
        o: frozenset(select_seeds(g, "efficient", objective=o, **kw).nodes.tolist())  # type: ignore[arg-type]
        for o in ("engagements", "people", "activated")
    }
    assert len(set(chosen.values())) == 3, chosen


def test_registered_and_named_everywhere() -> None:
    assert "efficient" in built_in() and family_of("efficient") == "heuristic"
    assert plain_name("efficient") == "the most efficient creators by a simple rule"
    from pipeline.cli import app

    data = ROOT / "data"
    r = CliRunner().invoke(app, [
        "seed", str(data / "follows.csv"), "--profiles", str(data / "profiles.csv"),
        "--brands", str(data / "brands.csv"), "--brand", "freshbite", "--strategy",
        "efficient", "--budget", "3000", "--max-creators", "5", "--json",
    ])  # fmt: skip
    assert r.exit_code == 0, r.output
    import json

    payload = json.loads(r.output)
    assert payload["strategy"] == "efficient" and 1 <= len(payload["seeds"]) <= 5
    assert sum(s["cost"] for s in payload["seeds"]) <= 3000.0
