"""Every seeding strategy in one registry: the built-ins and your own, run alike.

An entry is a :class:`Strategy`: its name, function, family (how verdicts group it),
plain-words name (verdicts and briefs), one line of CLI help, whether its plan depends
on the diffusion model and whether it selects on an RR-set pool. The built-ins register
themselves with :func:`register_builtin` in the modules that define them
(:mod:`~pipeline.seeding.heuristics`, :mod:`~pipeline.seeding.efficient`,
:mod:`~pipeline.seeding.celf`, :mod:`~pipeline.seeding.imm`,
:mod:`~pipeline.seeding.opim`); the registry imports those modules once, the first
time it is asked, and lists the built-ins in the CLI's order. A built-in is
``fn(problem, options) -> (ordered seeds, info)`` with :class:`StrategyOptions`.

:func:`register_strategy` adds your own named strategy, which
:func:`pipeline.select_seeds`, :func:`pipeline.seeding.select_seeds`, the CLI and
campaigns (local executor) accept next to ``imm``, ``macro`` and the others, under the
same contract: the brand-fit pool, must-includes first, the budget, ``k`` and the
creator cap. Its function gets the :class:`~pipeline.seeding.base.SeedingProblem`
(graph, costs, eligible pool, relevance, profiles, ...) and returns either

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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from importlib import import_module
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.seeding.base import SeedingProblem

__all__ = [
    "FAMILIES",
    "Strategy",
    "StrategyOptions",
    "built_in",
    "family_of",
    "get_strategy",
    "is_builtin",
    "is_model_dependent",
    "plain_name",
    "problem_only",
    "register_builtin",
    "register_strategy",
    "registered",
    "run_registered",
    "split_variant",
    "strategy_names",
    "unregister_strategy",
]

#: The modules whose import registers the built-ins.
_MODULES: tuple[str, ...] = (
    "pipeline.seeding.heuristics",
    "pipeline.seeding.efficient",
    "pipeline.seeding.celf",
    "pipeline.seeding.imm",
    "pipeline.seeding.opim",
    "pipeline.seeding.robust_strategy",
    "pipeline.seeding.ambassadors",
)
#: The built-ins' order (the CLI's); one not listed here comes after, as registered.
_ORDER: tuple[str, ...] = (
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
    "robust",
    "ambassadors",
    "mixed",
)
_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")
#: A cost scenario of a strategy that enlists ambassadors: ``mixed@0.5x`` is ``mixed``
#: with each ambassador at half the ambassador cost.
_VARIANT = re.compile(r"([a-z][a-z0-9-]{0,39})@(\d{1,6}(?:\.\d{1,6})?)x")


@dataclass(frozen=True)
class StrategyOptions:
    """What a built-in strategy may use besides the problem: ``epsilon`` (IMM and
    OPIM-C's accuracy), ``celf_runs`` (CELF's Monte Carlo runs per estimate),
    ``rr_pool`` (an :class:`~pipeline.seeding.estimate.RRPool` the RR-set strategies
    share between calls, or None), ``models`` (the same problem under each of a
    campaign's models, by label: what ``robust`` plans for), ``resamples``
    (bootstrap re-runs of a plan's selection a strategy may return as
    ``info["_rerun_plans"]``; imm and opim return their pool instead) and ``pool_of``
    (problem -> the RRPool its calls share, or None: ``robust``'s, per model)."""

    epsilon: float = defaults.EPSILON
    celf_runs: int = defaults.CELF_RUNS
    rr_pool: Any = None
    models: Mapping[str, SeedingProblem] | None = None
    resamples: int = 0
    pool_of: Callable[[SeedingProblem], Any] | None = None

    def checked_epsilon(self) -> float:
        """``epsilon``, or InputError unless it is in (0, 1)."""
        if not 0 < self.epsilon < 1:
            raise InputError(f"epsilon must be in (0, 1), got {self.epsilon}")
        return self.epsilon


@dataclass(frozen=True)
class Strategy:
    """A strategy: its name and function; ``family`` (verdicts group by it), ``plain``
    (its name in plain words, for verdicts and briefs), ``help`` (one line for the
    CLI), ``model_dependent`` (its plan depends on the diffusion model: it reads the
    model's edge probabilities), ``uses_rr`` (it selects on an RR-set pool) and
    ``needs_models`` (it plans for all of a campaign's models at once:
    ``options.models``)."""

    name: str
    fn: Callable[..., Any]
    family: str = "custom"
    plain: str = ""
    help: str = ""
    model_dependent: bool = False
    uses_rr: bool = False
    needs_models: bool = False  # plans for all of a campaign's models at once (robust)
    #: whom it enlists: "paid" creators (fee + overhead), "ambassadors" (from the action
    #: log, at the ambassador cost) or "mixed" (both; an account that is both costs the
    #: cheaper); see :mod:`pipeline.seeding.ambassadors`
    pool: str = "paid"
    cost_scale: float = 1.0  # multiple of the ambassador cost (a ``name@<x>x`` scenario)


def split_variant(name: str) -> tuple[str, float] | None:
    """``(base, multiple)`` of a cost-scenario name such as ``mixed@0.5x``; None for a
    plain name. The base must enlist ambassadors (checked by :func:`get_strategy`)."""
    m = _VARIANT.fullmatch(name) if isinstance(name, str) else None
    return None if m is None else (m.group(1), float(m.group(2)))


_BUILTINS: dict[str, Strategy] = {}
_REGISTRY: dict[str, Strategy] = {}
_loaded = False


def _load() -> None:
    """Import the built-ins' modules once (they register themselves). No lock: the import
    system makes a thread wait for a module another imports (a lock could deadlock)."""
    global _loaded
    if not _loaded:
        for module in _MODULES:
            import_module(module)
        _loaded = True


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InputError(
            f"strategy name {name!r}: expected lower-case letters, digits and '-', "
            "starting with a letter (at most 40 characters)"
        )


def register_builtin(
    name: str,
    fn: Callable[[SeedingProblem, StrategyOptions], tuple[NDArray[np.int32], dict[str, Any]]],
    *,
    family: str,
    plain: str,
    help: str,
    model_dependent: bool = False,
    uses_rr: bool = False,
    needs_models: bool = False,
    pool: str = "paid",
) -> Strategy:
    """Register ``fn(problem, options) -> (ordered seeds, info)`` as built-in ``name``
    (called by the modules that define the built-ins; registering a name again replaces
    it, so reloading a module is harmless). The function must keep the seeding contract
    itself: it is not checked as a registered one is (:func:`run_registered`). ``pool``:
    whom it enlists (see :class:`Strategy`). O(1)."""
    _check_name(name)
    strategy = Strategy(name, fn, family, plain, help, model_dependent, uses_rr, needs_models, pool)
    _BUILTINS[name] = strategy
    return strategy


def problem_only(
    fn: Callable[[SeedingProblem], tuple[NDArray[np.int32], dict[str, Any]]],
) -> Callable[[SeedingProblem, StrategyOptions], tuple[NDArray[np.int32], dict[str, Any]]]:
    """``fn(problem)`` as a built-in's ``fn(problem, options)``, for a strategy that
    needs no option."""

    def run(problem: SeedingProblem, options: StrategyOptions) -> Any:
        return fn(problem)

    run.__name__ = run.__qualname__ = getattr(fn, "__name__", "strategy")
    run.__doc__ = fn.__doc__
    return run


def is_builtin(name: str) -> bool:
    """Whether ``name`` is a built-in strategy or a cost scenario of one (``mixed@2x``)."""
    found = _find(name)
    return found is not None and found.name.partition("@")[0] in _BUILTINS


def built_in() -> tuple[str, ...]:
    """The built-in strategies' names, in the order the CLI lists them."""
    _load()
    rank = {name: i for i, name in enumerate(_ORDER)}
    return tuple(sorted(_BUILTINS, key=lambda s: rank.get(s, len(rank))))


def register_strategy(
    name: str,
    fn: Callable[[Any], Any],
    *,
    family: str = "custom",
    replace: bool = False,
    model_dependent: bool = False,
    plain: str | None = None,
    help: str = "",
) -> Strategy:
    """Register ``fn`` as strategy ``name`` (lower-case letters, digits and ``-``; not a
    built-in name). ``family`` is how verdicts group it (e.g. ``"micro"``,
    ``"optimized"``; default ``"custom"``); ``model_dependent``: whether its plan
    depends on the diffusion model (it reads ``problem.values``); ``plain``: its name
    in plain words for verdicts (default: ``name``); ``help``: one line for the CLI.
    ``replace=True`` overwrites an earlier registration of the same name. O(1)."""
    _check_name(name)
    if name in built_in():
        raise InputError(f"strategy name {name!r} is built in; choose another name")
    if not callable(fn):
        raise InputError(f"strategy {name!r}: expected a function of the problem, got {fn!r}")
    if name in _REGISTRY and not replace:
        raise InputError(f"strategy {name!r} is already registered; pass replace=True")
    strategy = Strategy(name, fn, family, plain or name, help, model_dependent)
    _REGISTRY[name] = strategy
    return strategy


def unregister_strategy(name: str) -> None:
    """Forget registered strategy ``name`` (unknown names are ignored; built-ins stay)."""
    _REGISTRY.pop(name, None)


def registered() -> dict[str, Strategy]:
    """The registered (non-built-in) strategies by name."""
    return dict(_REGISTRY)


def strategy_names() -> tuple[str, ...]:
    """Every strategy name accepted now: the built-ins, then the registered ones."""
    return built_in() + tuple(_REGISTRY)


def get_strategy(name: str) -> Strategy:
    """The entry of strategy ``name`` (built in or registered, or a cost scenario of one
    that enlists ambassadors, e.g. ``mixed@0.5x``); InputError naming the accepted ones
    if there is none."""
    _load()
    strategy = _find(name)
    base = (split_variant(name) or ("", 0))[0]
    if strategy is None and _find(base) is not None:
        raise InputError(
            f"strategy {name!r}: only a strategy that enlists ambassadors (ambassadors, "
            f"mixed) takes a cost multiple such as @0.5x; {base!r} does not"
        )
    if strategy is None:
        raise InputError(
            f"unknown strategy {name!r}; expected one of {', '.join(strategy_names())}"
        )
    return strategy


def _find(name: str) -> Strategy | None:
    _load()
    found = _BUILTINS.get(name) or _REGISTRY.get(name)
    variant = split_variant(name) if found is None else None
    if variant is not None:
        base = _BUILTINS.get(variant[0])
        if base is not None and base.pool != "paid" and variant[1] > 0:
            times = f"{variant[1]:g}"
            found = replace(
                base, name=name, cost_scale=variant[1],
                plain=f"{base.plain} at {times}x the ambassador cost",
            )  # fmt: skip
    return found


def family_of(name: str) -> str:
    """The family of a strategy (built-in or registered); ``"other"`` if unknown."""
    s = _find(name)
    return s.family if s is not None else "other"


def plain_name(name: str) -> str:
    """A strategy's name in plain words (``"the optimized plan"`` for ``imm``); the
    name itself for an unknown strategy (e.g. one registered in another process)."""
    s = _find(name)
    return s.plain if s is not None and s.plain else name


def is_model_dependent(name: str) -> bool:
    """Whether a strategy's plan depends on the diffusion model; True (the cautious
    answer) for an unknown strategy."""
    s = _find(name)
    return s.model_dependent if s is not None else True


class _Families(Mapping[str, str]):
    """Built-in strategy -> family, read from the registry when first asked."""

    def __getitem__(self, name: str) -> str:
        if name not in built_in():
            raise KeyError(name)
        return _BUILTINS[name].family

    def __iter__(self) -> Iterator[str]:
        return iter(built_in())

    def __len__(self) -> int:
        return len(built_in())

    def __repr__(self) -> str:
        return repr(dict(self))


#: Built-in strategy -> family, as named in verdicts (:func:`family_of` covers
#: registered strategies too).
FAMILIES: Mapping[str, str] = _Families()


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
