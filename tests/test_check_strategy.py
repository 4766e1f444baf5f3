"""pipeline.testing.check_strategy: built-ins pass, broken registered strategies fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from pipeline.seeding.registry import register_strategy, strategy_names, unregister_strategy
from pipeline.testing import CHECKS, check_strategy, small_world


@pytest.fixture()
def reg() -> Iterator[Callable[..., str]]:
    """Register strategies for one test; forgotten after it."""
    names: list[str] = []

    def add(name: str, fn: Callable[[Any], Any]) -> str:
        register_strategy(name, fn)
        names.append(name)
        return name

    yield add
    for n in names:
        unregister_strategy(n)


# celf compiles its kernels on a cold cache: up to ~15 s the first time
@pytest.mark.parametrize(
    "name",
    [pytest.param(s, marks=pytest.mark.slow) if s == "celf" else s for s in strategy_names()],
)
def test_every_built_in_strategy_passes(name: str) -> None:
    check_strategy(name)
    check_strategy(name, seed=7)


def _fails(name: str, check: str) -> str:
    assert check in CHECKS
    with pytest.raises(AssertionError) as err:
        check_strategy(name)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"check_strategy({name!r}): {check} failed on "), msg
    return msg


def test_a_sound_registered_strategy_passes(reg: Callable[..., str]) -> None:
    check_strategy(reg("cheapest", lambda p: -np.nan_to_num(p.cost, nan=np.inf)))
    # a list that overruns the budget is legal: the registry keeps it while it fits
    check_strategy(reg("pool-list", lambda p: np.flatnonzero(p.eligible)))


def test_ignoring_the_budget_fails(reg: Callable[..., str]) -> None:
    def rescaled(problem: Any) -> Any:
        c = problem.cost
        c /= np.nanmax(c)  # in place: the budget no longer binds
        return np.nan_to_num(c, nan=-1.0)

    msg = _fails(reg("rescaled", rescaled), "budget")
    assert "> budget" in msg and "wrote to the problem's arrays" in msg


def test_picking_an_excluded_node_fails(reg: Callable[..., str]) -> None:
    _, prof, _ = small_world()
    followers = np.nan_to_num(prof.table["followers"].to_numpy().astype(np.float64), nan=0.0)
    by_size = np.argsort(-followers, kind="stable")
    _fails(reg("biggest", lambda p: by_size), "exclusions")


def test_leaving_the_pool_fails(reg: Callable[..., str]) -> None:
    # off-brand accounts: in the topic-blind pool, not in the brand-fit one
    _fails(reg("off-brand", lambda p: np.flatnonzero(p.eligible_any & ~p.eligible)),
           "candidate pool")  # fmt: skip


def test_a_strategy_that_is_not_reproducible_fails(reg: Callable[..., str]) -> None:
    rng = np.random.default_rng()
    _fails(reg("dice", lambda p: rng.random(p.n)), "reproducible")
    # same seeds, but the function's own return value changes
    calls = iter(range(10**6))
    _fails(reg("chatty", lambda p: (np.flatnonzero(p.eligible), {"call": next(calls)})),
           "reproducible")  # fmt: skip


def test_writing_to_the_problem_fails_last(reg: Callable[..., str]) -> None:
    def scribbler(problem: Any) -> Any:
        problem.eligible_any[:] = False  # no effect on its seeds, but not its to write
        return np.zeros(problem.n)

    _fails(reg("scribbler", scribbler), "leaves the problem alone")


def test_a_crash_and_an_unknown_name(reg: Callable[..., str]) -> None:
    def crash(problem: Any) -> Any:
        raise RuntimeError("boom\nsecond line")

    msg = _fails(reg("crash", crash), "runs")
    assert "RuntimeError: boom second line" in msg
    with pytest.raises(ValueError, match="unknown strategy 'nope'"):
        check_strategy("nope")


def test_a_graph_of_ones_own() -> None:
    import polars as pl

    from pipeline.graph_io import from_edges

    rng = np.random.default_rng(1)
    n = 120
    src, dst = rng.integers(0, n, 600), rng.integers(0, n, 600)
    g = from_edges(src, dst, pl.Series("id", [f"u{i}" for i in range(n)]))
    check_strategy("macro-any", graph=g)
    check_strategy("imm", graph=g, seed=3)
