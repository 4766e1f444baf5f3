"""Check that a seeding strategy keeps the seeding contract, after scikit-learn's
``parametrize_with_checks``.

:func:`check_strategy` runs a strategy, built in or registered with
:func:`pipeline.seeding.registry.register_strategy`, on small generated problems (a
200-account world: random follows, profiles with followers, engagement rate, cost,
topics and platform, one brand) for ``k`` and for a budget (with a creator cap), with
exclusions and must-includes, under the objectives ``activated`` and ``engagements``,
and raises :class:`AssertionError` with a one-line message naming the strategy, the
failed check and the problem. The checks (:data:`CHECKS`):

- ``runs``: the strategy returns without raising;
- ``valid indices`` and ``distinct``: node indices in ``0..n-1``, none twice;
- ``must-includes first``: the must-includes lead, in the order given;
- ``exclusions``: no excluded node is chosen;
- ``candidate pool``: every other seed is in ``problem.eligible``, or in
  ``problem.eligible_any`` for a built-in strategy whose info declares itself
  ``topic_blind`` (``macro-any``); registered strategies are held to the brand-fit
  pool, as :func:`pipeline.seeding.registry.run_registered` holds them;
- ``respects k``: exactly ``k`` seeds besides the must-includes when the pool holds
  enough candidates;
- ``budget`` and ``cap (max_creators)``: total cost <= budget and at most
  ``max_creators`` seeds;
- ``reproducible``: the same seed gives the same seeds and, for a registered
  strategy, the same return value of its function;
- ``leaves the problem alone``: the problem's cost, pool and must-includes arrays
  are unchanged after the run.

Each run gets its own copy of the problem's arrays, so a strategy that writes to
them cannot spoil the next check; the checks measure against the originals, and
``leaves the problem alone`` is reported after every other check has passed on
every problem (a strategy that rescales ``problem.cost`` in place fails ``budget``
first).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.graph_io import FollowerGraph, from_edges
from pipeline.profiles import Brands, Profiles, load_brands, load_profiles
from pipeline.seeding.base import SeedingProblem
from pipeline.seeding.problem import make_problem
from pipeline.seeding.registry import get_strategy, registered, strategy_names
from pipeline.seeding.select import run_strategy

__all__ = ["CHECKS", "check_strategy", "small_world"]

#: The checks :func:`check_strategy` runs, as named in its failure messages.
CHECKS: tuple[str, ...] = (
    "runs",
    "valid indices",
    "distinct",
    "must-includes first",
    "exclusions",
    "candidate pool",
    "respects k",
    "budget",
    "cap (max_creators)",
    "reproducible",
    "leaves the problem alone",
)
OBJECTIVES: tuple[str, ...] = ("activated", "engagements")
BRAND = "acme"
_TOPICS = ("food", "fitness", "tech", "travel", "fashion")
_WORLD_SEED = 20240601


def _follows(n: int, rng: np.random.Generator) -> FollowerGraph:
    """Random follows among ``n`` accounts, popular ones followed more (influence
    direction: followed -> follower)."""
    pop = rng.lognormal(0.0, 1.0, n)
    src: list[int] = []
    dst: list[int] = []
    for v in range(n):
        m = 1 + int(rng.poisson(4))
        p = pop.copy()
        p[v] = 0.0
        for u in rng.choice(n, size=min(m, n - 1), replace=False, p=p / p.sum()):
            src.append(int(u))
            dst.append(v)
    ids = pl.Series("id", [f"a{i:04d}" for i in range(n)])
    return from_edges(np.array(src), np.array(dst), ids, path="<check_strategy world>")


def _write_profiles(graph: FollowerGraph, folder: Path, rng: np.random.Generator) -> None:
    """Profiles for 85% of ``graph``'s accounts (5% of them without a fee) and one brand."""
    n = graph.n
    rows = np.flatnonzero(rng.random(n) < 0.85)
    followers = np.round(rng.lognormal(10.3, 1.3, n)).astype(np.int64) + 100
    fee = np.round(followers * 0.01 * rng.uniform(0.6, 1.4, n), 2)
    primary = rng.choice(len(_TOPICS), n, p=[0.3, 0.15, 0.25, 0.15, 0.15])
    second = (primary + 1 + rng.integers(0, len(_TOPICS) - 1, n)) % len(_TOPICS)
    share = np.round(rng.uniform(0.6, 0.95, n), 3)
    platform = rng.choice(["instagram", "tiktok", "youtube"], n, p=[0.6, 0.3, 0.1])
    er = np.round(rng.uniform(0.01, 0.08, n), 4)
    real = np.round(rng.uniform(0.7, 0.98, n), 3)
    no_fee = rng.random(n) < 0.05
    ids = graph.ids.cast(pl.String).to_list()
    lines = ["id,handle,followers,engagement_rate,cost,real_audience,topics,platform"]
    for i in rows:
        topics = f"{_TOPICS[primary[i]]}:{share[i]};{_TOPICS[second[i]]}:{1 - share[i]:.3f}"
        cost = "" if no_fee[i] else f"{fee[i]}"
        lines.append(f"{ids[i]},@acct{i},{followers[i]},{er[i]},{cost},{real[i]},{topics},"
                     f"{platform[i]}")  # fmt: skip
    (folder / "profiles.csv").write_text("\n".join(lines) + "\n")
    (folder / "brands.csv").write_text(f"brand,topics,budget\n{BRAND},food:0.7;fitness:0.3,5000\n")


def _world_for(graph: FollowerGraph) -> tuple[FollowerGraph, Profiles, Brands]:
    rng = np.random.default_rng([_WORLD_SEED, graph.n])
    with tempfile.TemporaryDirectory() as d:
        _write_profiles(graph, Path(d), rng)
        prof = load_profiles(Path(d) / "profiles.csv", graph)
        return graph, prof, load_brands(Path(d) / "brands.csv")


@cache
def small_world(n: int = 200) -> tuple[FollowerGraph, Profiles, Brands]:
    """The generated world the checks run on: graph, profiles and brands (one brand,
    ``"acme"``). Deterministic; built once per ``n``. O(n)."""
    return _world_for(_follows(n, np.random.default_rng(_WORLD_SEED)))


def _problems(
    graph: FollowerGraph, prof: Profiles, brands: Brands
) -> list[tuple[str, dict[str, Any]]]:
    """The problems' labels and make_problem keywords: k and budget (with a cap), each
    with tempting exclusions (the largest accounts) and two must-includes (one
    off-brand), under each objective."""
    base: dict[str, Any] = dict(profiles=prof, brands=brands, brand=BRAND)
    probe = make_problem(graph, k=1, **base)
    followers = np.nan_to_num(prof.table["followers"].to_numpy().astype(np.float64), nan=0.0)
    known = np.isfinite(probe.cost)
    blind = probe.eligible if probe.eligible_any is None else probe.eligible_any

    def top(mask: NDArray[np.bool_], count: int) -> list[int]:
        pool = np.flatnonzero(mask)
        return pool[np.argsort(-followers[pool], kind="stable")][:count].tolist()

    exclude = sorted(set(top(probe.eligible, 2) + top(blind, 2)))
    taken = np.zeros(graph.n, dtype=np.bool_)
    taken[exclude] = True
    fit = probe.eligible & known & ~taken
    off = blind & ~probe.eligible & known & ~taken
    pool = np.flatnonzero(fit)
    include = [int(pool[pool.size // 2])]
    if off.any():
        include.insert(0, int(np.flatnonzero(off)[0]))
    cand = fit.copy()
    cand[include] = False
    budget = float(probe.cost[include].sum() + 3 * np.median(probe.cost[np.flatnonzero(cand)]))
    constraints: dict[str, Any] = dict(exclude=exclude, include=include)
    out: list[tuple[str, dict[str, Any]]] = []
    for objective in OBJECTIVES:
        kw = {**base, **constraints, "objective": objective}
        out.append((f"k=5/{objective}", {**kw, "k": 5}))
        out.append((f"budget={budget:.0f},max_creators=8/{objective}",
                    {**kw, "budget": budget, "max_creators": 8}))  # fmt: skip
    return out


def _private(problem: SeedingProblem) -> SeedingProblem:
    """``problem`` with its own copies of the arrays a strategy could write to."""

    def cp(a: Any) -> Any:
        return None if a is None else np.array(a, copy=True)

    return replace(problem, cost=cp(problem.cost), eligible=cp(problem.eligible),
                   eligible_any=cp(problem.eligible_any), include=cp(problem.include),
                   values=cp(problem.values), relevance=cp(problem.relevance),
                   root_weight=cp(problem.root_weight))  # fmt: skip


def _same(a: Any, b: Any) -> bool:
    """Deep equality of what strategies return (arrays, tuples, lists, dicts, scalars)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[x], b[x]) for x in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:  # pragma: no cover - exotic return values
        return a is b


class _Checker:
    """The checks of one strategy on one problem."""

    def __init__(self, name: str, label: str, problem: SeedingProblem, exclude: list[int]) -> None:
        self.name, self.label, self.problem = name, label, problem
        self.wrote = False
        self.excluded = np.zeros(problem.n, dtype=np.bool_)
        self.excluded[np.asarray(exclude, dtype=np.int64)] = True

    def fail(self, check: str, detail: str) -> AssertionError:
        if self.wrote and check != "leaves the problem alone":
            detail += " (and the strategy wrote to the problem's arrays)"
        return AssertionError(
            f"check_strategy({self.name!r}): {check} failed on {self.label}: {detail}"
        )

    def run(self) -> tuple[NDArray[np.int64], dict[str, Any], Any]:
        """The strategy's seeds and info on a private copy of the problem, and
        (registered) the raw return value of its function on another; notes in
        ``self.wrote`` whether either copy was written to."""
        raw: Any = None
        reg = registered().get(self.name)
        before = _snapshot(self.problem)
        try:
            if reg is not None:
                mine = _private(self.problem)
                raw = reg.fn(mine)
                self.wrote |= not _same(before, _snapshot(mine))
                self.check_raw(raw)
            mine = _private(self.problem)
            nodes, info = run_strategy(mine, self.name)
            self.wrote |= not _same(before, _snapshot(mine))
        except AssertionError:
            raise
        except Exception as exc:
            msg = " ".join(str(exc).split())
            raise self.fail("runs", f"raised {type(exc).__name__}: {msg}") from exc
        return np.asarray(nodes, dtype=np.int64), dict(info), raw

    def check_raw(self, raw: Any) -> None:
        """A registered strategy's node list, before the registry trims it."""
        out = raw[0] if isinstance(raw, tuple) and len(raw) == 2 else raw
        arr = np.asarray(out)
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            return  # scores: the registry fills the pool from them
        self.check_nodes(arr.astype(np.int64), registered_list=True)

    def check_nodes(self, nodes: NDArray[np.int64], *, registered_list: bool = False) -> None:
        n = self.problem.n
        what = "returned" if registered_list else "chose"
        bad = nodes[(nodes < 0) | (nodes >= n)]
        if bad.size:
            raise self.fail("valid indices", f"{what} node {int(bad[0])}; expected 0..{n - 1}")
        uniq, counts = np.unique(nodes, return_counts=True)
        if (counts > 1).any():
            raise self.fail("distinct", f"{what} node {int(uniq[counts > 1][0])} twice")
        hits = nodes[self.excluded[nodes]]
        if hits.size:
            raise self.fail("exclusions", f"{what} excluded node {int(hits[0])}")
        if registered_list:
            allowed = self.problem.eligible.copy()
            allowed[self.problem.include] = True
            out = nodes[~allowed[nodes]]
            if out.size:
                raise self.fail("candidate pool", f"returned node {int(out[0])}, "
                                "outside problem.eligible")  # fmt: skip

    def check_result(self, nodes: NDArray[np.int64], info: dict[str, Any]) -> None:
        p = self.problem
        self.check_nodes(nodes)
        inc = p.include.astype(np.int64)
        if nodes.size < inc.size or not np.array_equal(nodes[: inc.size], inc):
            raise self.fail("must-includes first", f"seeds start {nodes[: inc.size].tolist()}, "
                            f"expected the must-includes {inc.tolist()}")  # fmt: skip
        rest = nodes[inc.size :]
        blind = bool(info.get("topic_blind")) and self.name not in registered()
        pool = p.eligible_any if blind and p.eligible_any is not None else p.eligible
        out = rest[~pool[rest]]
        if out.size:
            name = "eligible_any" if pool is p.eligible_any else "eligible"
            raise self.fail("candidate pool", f"chose node {int(out[0])}, outside problem.{name}")
        if p.budget is None and p.k is not None:
            avail = int((pool & ~np.isin(np.arange(p.n), inc)).sum())
            want = min(p.k, avail)
            if rest.size != want:
                raise self.fail("respects k", f"{rest.size} seeds besides the "
                                f"{inc.size} must-includes, expected {want}")  # fmt: skip
        if p.k is not None and rest.size > p.k:
            raise self.fail("respects k", f"{rest.size} seeds besides must-includes > k = {p.k}")
        if p.budget is not None:
            total = float(np.nansum(p.cost[nodes]))
            if total > p.budget + 1e-9 * max(1.0, p.budget):
                raise self.fail("budget", f"total cost {total:,.2f} > budget {p.budget:,.2f}")
        if p.max_creators is not None and nodes.size > p.max_creators:
            raise self.fail("cap (max_creators)",
                            f"{nodes.size} seeds > max_creators = {p.max_creators}")  # fmt: skip


def _snapshot(problem: SeedingProblem) -> tuple[Any, ...]:
    return (problem.cost.copy(), problem.eligible.copy(), problem.include.copy(),
            None if problem.eligible_any is None else problem.eligible_any.copy())  # fmt: skip


def check_strategy(name: str, *, graph: FollowerGraph | None = None, seed: int = 0) -> None:
    """Run strategy ``name`` through the checks of the module doc on problems over
    ``graph`` (default: :func:`small_world`; given one, profiles and a brand are
    generated for its accounts) with strategy seed ``seed``. Returns None when every
    check passes; raises AssertionError ``check_strategy('name'): <check> failed on
    <problem>: <detail>`` at the first that does not, and ValueError for an unknown
    name. Each problem is solved twice (four times for a registered strategy)."""
    if name not in strategy_names():
        raise ValueError(f"unknown strategy {name!r}; expected one of "
                         f"{', '.join(strategy_names())}")  # fmt: skip
    g, prof, brands = small_world() if graph is None else _world_for(graph)
    wrote: _Checker | None = None
    for label, kw in _problems(g, prof, brands):
        problem = make_problem(g, seed=seed, **kw)
        if get_strategy(name).pool != "paid":  # ambassadors, mixed: a pool from a fake log
            from pipeline.seeding.ambassadors import AmbassadorPool, ambassador_problem

            every3 = np.arange(g.n) % 3 == 0
            pool = AmbassadorPool(np.where(every3, np.arange(g.n) % 7, 0.0), every3)
            problem = ambassador_problem(problem, pool, get_strategy(name).pool,
                                         exclude=np.asarray(kw["exclude"]))  # fmt: skip
        c = _Checker(name, label, problem, kw["exclude"])
        nodes, info, raw = c.run()
        c.check_result(nodes, info)
        again, _, raw_again = c.run()
        if not np.array_equal(nodes, again):
            raise c.fail("reproducible", f"seed {seed} gave {nodes.tolist()}, "
                         f"then {again.tolist()}")  # fmt: skip
        if name in registered() and not _same(raw, raw_again):
            raise c.fail("reproducible", f"seed {seed}: the strategy's function returned "
                         "different values on the same problem")  # fmt: skip
        wrote = wrote or (c if c.wrote else None)
    if wrote is not None:  # last: a broken contract above says more
        raise wrote.fail("leaves the problem alone", "the strategy wrote to the problem's "
                         "cost, pool or must-include arrays")  # fmt: skip
