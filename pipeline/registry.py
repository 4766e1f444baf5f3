"""Your own seeding strategies, run like the built-in ones.

:func:`register_strategy` adds a named strategy that :func:`pipeline.select_seeds`,
:func:`pipeline.seeding.select_seeds` and campaigns (local executor) accept next to
``imm``, ``macro`` and the others, under the same contract: the brand-fit pool,
must-includes first, the budget, ``k`` and the creator cap. The function gets the
:class:`~pipeline.seeding.base.SeedingProblem` (graph, costs, eligible pool, relevance,
profiles, ...) and returns either

- a **score per node** (a float array of length n): the pool is then filled in
  descending score, each candidate kept if it still fits (as ``macro`` and ``micro``
  do); or
- an **ordered list of nodes** (dense indices): kept in that order while they fit;
  a node outside the pool is an error, so a bug in the strategy cannot slip an
  off-brand account into a plan;

optionally paired with a dict of facts for the run's metadata: ``(result, info)``.
Registrations live in this process: Ray workers do not see them, so campaigns that
use them need the local executor (it says so otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.errors import InputError

__all__ = [
    "BUILT_IN",
    "Strategy",
    "family_of",
    "register_strategy",
    "registered",
    "run_registered",
    "strategy_names",
    "unregister_strategy",
]

#: The built-in strategies, in the order the CLI lists them.
BUILT_IN: tuple[str, ...] = (
    "random",
    "macro",
    "macro-any",
    "micro",
    "efficient",
    "pagerank",
    "degree-discount",
    "community",
    "celf",
    "imm",
    "opim",
)
#: Built-in strategy -> family, as named in verdicts.
FAMILIES: dict[str, str] = {
    "random": "baseline",
    "macro": "macro",
    "macro-any": "macro",
    "micro": "micro",
    "efficient": "heuristic",
    "pagerank": "heuristic",
    "degree-discount": "heuristic",
    "community": "heuristic",
    "celf": "optimized",
    "imm": "optimized",
    "opim": "optimized",
}
_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


@dataclass(frozen=True)
class Strategy:
    """A registered strategy: its name, function and family (for verdicts)."""

    name: str
    fn: Callable[[Any], Any]
    family: str = "custom"


_REGISTRY: dict[str, Strategy] = {}


def register_strategy(
    name: str, fn: Callable[[Any], Any], *, family: str = "custom", replace: bool = False
) -> Strategy:
    """Register ``fn`` as strategy ``name`` (lower-case letters, digits and ``-``; not a
    built-in name). ``family`` is how verdicts group it (e.g. ``"micro"``,
    ``"optimized"``; default ``"custom"``). ``replace=True`` overwrites an earlier
    registration of the same name. O(1)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InputError(
            f"strategy name {name!r}: expected lower-case letters, digits and '-', "
            "starting with a letter (at most 40 characters)"
        )
    if name in BUILT_IN:
        raise InputError(f"strategy name {name!r} is built in; choose another name")
    if not callable(fn):
        raise InputError(f"strategy {name!r}: expected a function of the problem, got {fn!r}")
    if name in _REGISTRY and not replace:
        raise InputError(f"strategy {name!r} is already registered; pass replace=True")
    strategy = Strategy(name, fn, family)
    _REGISTRY[name] = strategy
    return strategy


def unregister_strategy(name: str) -> None:
    """Forget strategy ``name`` (KeyError-free: unknown names are ignored). O(1)."""
    _REGISTRY.pop(name, None)


def registered() -> dict[str, Strategy]:
    """The registered (non-built-in) strategies by name."""
    return dict(_REGISTRY)


def strategy_names() -> tuple[str, ...]:
    """Every strategy name accepted now: the built-ins, then the registered ones."""
    return BUILT_IN + tuple(_REGISTRY)


def family_of(name: str) -> str:
    """The family of a strategy (built-in or registered); ``"other"`` if unknown."""
    if name in FAMILIES:
        return FAMILIES[name]
    s = _REGISTRY.get(name)
    return s.family if s is not None else "other"


def run_registered(problem: Any, name: str) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """Run registered strategy ``name`` on ``problem`` and hold it to the contract (see
    the module doc): the ordered seeds (must-includes first) and its info. O(n log n)
    plus the strategy's own cost."""
    from pipeline.seeding.base import fill_in_order

    strategy = _REGISTRY.get(name)
    if strategy is None:
        raise InputError(
            f"unknown strategy {name!r}; expected one of {', '.join(strategy_names())}"
        )
    out = strategy.fn(problem)
    info: dict[str, Any] = {}
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
        out, info = out
    arr = np.asarray(out)
    n = problem.n
    if arr.ndim != 1:
        raise InputError(f"strategy {name!r} returned a {arr.ndim}-D array; expected 1-D")
    if arr.dtype.kind == "f":
        if arr.shape[0] != n:
            raise InputError(
                f"strategy {name!r} returned {arr.shape[0]} scores; expected one per node ({n})"
            )
        if np.isnan(arr).any():
            raise InputError(f"strategy {name!r} returned NaN scores")
        return fill_in_order(problem, arr), {**info, "custom": True}
    if arr.size and arr.dtype.kind not in "iu":
        raise InputError(
            f"strategy {name!r} returned {arr.dtype} values; expected node indices or scores"
        )
    nodes = arr.astype(np.int64)
    if nodes.size and (nodes.min() < 0 or nodes.max() >= n):
        raise InputError(f"strategy {name!r} returned node {int(nodes.max())}; expected 0..{n - 1}")
    if np.unique(nodes).size != nodes.size:
        raise InputError(f"strategy {name!r} returned a node twice")
    allowed = problem.eligible.copy()
    allowed[problem.include] = True
    bad = nodes[~allowed[nodes]]
    if bad.size:
        raise InputError(
            f"strategy {name!r} chose node {int(bad[0])} (id {problem.graph.ids[int(bad[0])]}), "
            "which is outside the brand-fit pool"
        )
    listed = np.zeros(n, dtype=np.bool_)
    listed[nodes] = True
    score = np.zeros(n)
    score[nodes] = np.arange(nodes.size, 0, -1, dtype=np.float64)  # first listed: highest
    chosen = fill_in_order(replace(problem, eligible=problem.eligible & listed), score)
    return chosen, {**info, "custom": True}
