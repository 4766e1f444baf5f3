"""Registered strategies: names, the contract they are held to, campaigns, verdicts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from worlds import small

import pipeline as ip
from pipeline.errors import InputError
from pipeline.seeding import select_seeds
from pipeline.seeding.registry import (
    family_of,
    register_strategy,
    strategy_names,
    unregister_strategy,
)


@pytest.fixture()
def reg() -> Iterator[list[str]]:
    """Names registered by a test, forgotten after it."""
    names: list[str] = []
    yield names
    for n in names:
        unregister_strategy(n)


def _register(reg: list[str], name: str, fn, **kw) -> None:
    register_strategy(name, fn, **kw)
    reg.append(name)


def test_names_are_checked(reg: list[str]) -> None:
    for bad in ("", "Imm2", "2fast", "has space", "x" * 41):
        with pytest.raises(InputError, match="expected lower-case letters"):
            register_strategy(bad, lambda p: None)
    with pytest.raises(InputError, match="'imm' is built in"):
        register_strategy("imm", lambda p: None)
    with pytest.raises(InputError, match="expected a function"):
        register_strategy("not-callable", 42)  # type: ignore[arg-type]
    _register(reg, "mine", lambda p: np.zeros(p.n))
    with pytest.raises(InputError, match="already registered; pass replace=True"):
        register_strategy("mine", lambda p: np.zeros(p.n))
    register_strategy("mine", lambda p: np.ones(p.n), replace=True)
    assert strategy_names()[-1] == "mine" and family_of("mine") == "custom"
    assert ip.register_strategy is register_strategy


def test_a_list_strategy_cannot_leave_the_pool(reg: list[str]) -> None:
    g, prof, brands = small()
    brand = brands.names[0]
    kw = dict(model="wc", profiles=prof, brands=brands, brand=brand, estimate_rr_sets=500)

    def off_brand(problem):
        return np.flatnonzero(~problem.eligible)[:3]

    _register(reg, "off-brand", off_brand)
    with pytest.raises(InputError, match="outside the brand-fit pool"):
        select_seeds(g, "off-brand", k=3, **kw)  # type: ignore[arg-type]
    for name, out, msg in (
        ("twice", lambda p: np.array([0, 0]), "a node twice"),
        ("too-far", lambda p: np.array([p.n]), "expected 0.."),
        ("short-scores", lambda p: np.zeros(3), "expected one per node"),
        ("nan-scores", lambda p: np.full(p.n, np.nan), "NaN scores"),
        ("text", lambda p: np.array(["a"]), "expected node indices or scores"),
    ):
        _register(reg, name, out)
        with pytest.raises(InputError, match=msg):
            select_seeds(g, name, k=2, model="wc", estimate_rr_sets=300)


def test_a_list_strategy_keeps_its_order_within_budget(reg: list[str]) -> None:
    g, prof, brands = small()
    brand = brands.names[0]
    pool_order: list[int] = []

    def by_relevance(problem):
        pool = np.flatnonzero(problem.eligible)
        order = pool[np.argsort(-problem.relevance[pool], kind="stable")]
        pool_order.extend(order.tolist())
        return order, {"rule": "relevance"}

    _register(reg, "by-relevance", by_relevance, family="micro")
    s = select_seeds(g, "by-relevance", budget=3000.0, model="wc", profiles=prof,
                     brands=brands, brand=brand, estimate_rr_sets=500)  # fmt: skip
    assert s.info["rule"] == "relevance" and s.info["custom"]
    assert s.total_cost <= 3000.0
    ranks = [pool_order.index(int(x)) for x in s.nodes]
    assert ranks == sorted(ranks)  # kept in the strategy's order, skipping what does not fit


def test_registered_strategies_run_in_campaigns_and_verdicts(
    reg: list[str], tmp_path: Path
) -> None:
    from pipeline.aggregate import load_results, verdicts
    from pipeline.campaign import run_campaign
    from pipeline.synth import generate, write_synthetic

    write_synthetic(generate(nodes=1500, seed=5), tmp_path)
    _register(reg, "cheapest", lambda p: -np.nan_to_num(p.cost, nan=np.inf), family="micro")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"""
name = "custom"
output = "{(tmp_path / "out").as_posix()}"
seed = 3
runs = 50
[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"
[grid]
brands = ["freshbite"]
models = ["wc"]
strategies = ["macro", "cheapest"]
budgets = [800]
[seeding]
estimate_rr_sets = 1000
""")
    with pytest.raises(InputError, match="registered in this process only"):
        run_campaign(cfg, executor="ray")
    report = run_campaign(cfg)
    assert report.cells_run == 2
    res = load_results(report.output)
    assert set(res.runs.collect()["strategy"].unique()) == {"macro", "cheapest"}
    v = verdicts(res)
    assert family_of("cheapest") == "micro"
    for best, fam in zip(v["best_strategy"], v["family"], strict=True):
        assert fam == {"macro": "macro", "cheapest": "micro"}[best]
    unregister_strategy("cheapest")
    reg.clear()
    with pytest.raises(InputError, match="unknown strategy 'cheapest'"):
        run_campaign(cfg)
