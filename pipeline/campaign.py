"""Campaign batches: a TOML scenario, its grid of cells, two executors, resumable results.

A campaign (:class:`CampaignConfig`, from a TOML file) names the inputs, the
models, the seeding strategies and a grid of budgets (or seed counts). Its
grid is brand x model x strategy x budget (or k); each *cell* selects seeds
with :func:`pipeline.seeding.select_seeds` and simulates them with
:func:`pipeline.diffusion.simulate`. Every cell of one brand and model
simulates with the same run keys (common random numbers), so run ``r`` of
two strategies saw the same live-edge graph and their difference is paired.

:func:`run_campaign` writes a results folder (:data:`RESULTS_FORMAT`, layout and
columns in :mod:`pipeline.schema`)::

    OUT/campaign.json                  manifest: settings, inputs' hashes, fingerprint
    OUT/runs/BRAND/CELL.parquet        one row per run (written last: marks the cell done)
    OUT/seeds/BRAND/CELL.parquet       one row per chosen seed
    OUT/audience/BRAND/CELL.parquet    expected activated accounts per tier
    OUT/curves/BRAND/CELL.parquet      mean new and cumulative activations per step
    OUT/overlap/BRAND/CELL.parquet     follower overlap of the plan's first creators, pairwise

where BRAND is :func:`pipeline.schema.brand_folder` (``brand-<slug>-<hash>``).

Every file is written atomically, so a killed run leaves finished cells and
hidden temporary files only; re-running skips finished cells and ends with
exactly the files of an uninterrupted run. The local and Ray executors run
the same :func:`run_cell` and give identical files for the same seed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipeline.errors import InputError, OutputError
from pipeline.export import ensure_folder
from pipeline.graph_io import FollowerGraph, load_graph
from pipeline.profiles import (
    DEFAULT_MIN_RELEVANCE,
    TIER_NAMES,
    Brands,
    Profiles,
    brand_sender_factor,
    load_brands,
    load_profiles,
    relevance,
)
from pipeline.projection import platform_scale
from pipeline.schema import READABLE_FORMATS, RESULTS_FORMAT, brand_folder

__all__ = [
    "RESULTS_FORMAT",
    "CampaignConfig",
    "CampaignContext",
    "CampaignProgress",
    "CampaignReport",
    "Cell",
    "CellTables",
    "Contest",
    "ModelSpec",
    "cells_of",
    "contests_of",
    "load_config",
    "prepare",
    "run_campaign",
    "run_cell",
    "run_contest",
]

EXECUTORS = ("local", "ray")
_MODELS = ("ic", "wc", "tv", "lt")
_TABLES = ("seeds", "audience", "curves", "overlap", "runs")  # "runs" last: marks a cell done
#: Pairwise follower overlap is kept for a plan's first creators only (k x k pairs).
OVERLAP_SEEDS = 40
#: Test hook: ``kill-driver-after:N`` ends the process after N cells are written;
#: ``kill-worker-once:PATH`` makes the first Ray task to find no PATH create it and die.
FAULT_ENV = "INFLUENCE_FAULT"


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class ModelSpec:
    """A diffusion model of the grid: ``name`` (ic, wc, tv, lt), IC's uniform ``p``, and
    the virality preset it came from (:mod:`pipeline.diffusion.presets`), if any."""

    name: str
    p: float | None = None
    preset: str | None = None

    @property
    def label(self) -> str:
        if self.preset is not None:
            return self.preset
        return self.name if self.p is None else f"{self.name} p={self.p:g}"

    @classmethod
    def of_preset(cls, name: str) -> ModelSpec:
        from pipeline.diffusion.presets import preset

        ps = preset(name)
        return cls(ps.model, ps.p, ps.name)


@dataclass(frozen=True)
class CampaignConfig:
    """A validated campaign scenario; see ``configs/demo.toml`` for the file format.

    Paths are absolute (the file's relative paths are resolved against its
    folder). ``budgets`` are currency units; ``budget_shares`` are fractions
    of each brand's budget in the brands table. ``brands`` None = all brands.
    """

    path: Path
    name: str
    output: Path
    graph: Path
    profiles: Path
    brands_file: Path
    graph_format: str | None = None
    edge_meaning: str = "follows"
    source_col: str | None = None
    target_col: str | None = None
    brands: tuple[str, ...] | None = None
    models: tuple[ModelSpec, ...] = (ModelSpec("ic", 0.025, "medium"),)
    strategies: tuple[str, ...] = ("random", "macro", "micro", "imm")
    budgets: tuple[float, ...] = ()
    budget_shares: tuple[float, ...] = ()
    k: tuple[int, ...] = ()
    runs: int = 1000
    seed: int = 0
    max_steps: int | None = None
    brand_aware: bool = True
    epsilon: float = 0.5
    celf_runs: int = 200
    estimate_rr_sets: int = 20_000
    baseline: str = "macro"
    default_cpm: float | dict[str, float] | None = None
    competition: tuple[str, ...] = ()
    objective: str = "earned_exposed"
    min_relevance: float = DEFAULT_MIN_RELEVANCE
    max_creators: int | None = None
    per_creator: float = 0.0
    cost_fixed: float | None = None
    cost_per_follower: float | None = None
    currency: str | None = None  # shown before money in reports and tables; not a setting

    @property
    def seeding_objective(self) -> str:
        """What IMM and CELF maximise: the objective, or, for a platform-unit objective
        (projected impressions or engagements), the in-graph earned exposure they scale."""
        return "earned_exposed" if self.objective.startswith("projected") else self.objective

    def costs(self) -> Any:
        """The :class:`pipeline.costs.CostModel` of ``[costs]``."""
        from pipeline.costs import CostModel

        return CostModel(self.per_creator, self.cost_fixed, self.cost_per_follower)

    def settings(self) -> dict[str, Any]:
        """What determines each cell's numbers besides the grid and the inputs' content."""
        return {
            "runs": self.runs,
            "seed": self.seed,
            "max_steps": self.max_steps,
            "brand_aware": self.brand_aware,
            "epsilon": self.epsilon,
            "celf_runs": self.celf_runs,
            "estimate_rr_sets": self.estimate_rr_sets,
            "edge_meaning": self.edge_meaning,
            "graph_format": self.graph_format,
            "source_col": self.source_col,
            "target_col": self.target_col,
            "default_cpm": self.default_cpm,
            "objective": self.objective,
            "min_relevance": self.min_relevance,
            "max_creators": self.max_creators,
            "per_creator": self.per_creator,
            "cost_fixed": self.cost_fixed,
            "cost_per_follower": self.cost_per_follower,
        }


_KEYS: dict[str, tuple[str, ...]] = {
    "": ("name", "output", "seed", "runs", "baseline", "objective"),
    "inputs": ("graph", "format", "edge_meaning", "source_col", "target_col", "profiles", "brands"),
    "grid": ("brands", "models", "strategies", "budgets", "budget_shares", "k"),
    "simulation": ("max_steps", "brand_aware"),
    "seeding": ("epsilon", "celf_runs", "estimate_rr_sets", "min_relevance", "max_creators"),
    "costs": ("per_creator", "fixed", "per_follower"),
    "valuation": ("default_cpm", "currency"),
    "competition": ("brands",),
}


class _Reader:
    """Typed access to a parsed TOML document with errors naming file and key."""

    def __init__(self, path: Path, doc: dict[str, Any]) -> None:
        self.path = path
        self.doc = doc

    def fail(self, key: str, message: str) -> InputError:
        return InputError(f"{self.path}: {key}: {message}")

    def raw(self, key: str) -> Any:
        node: Any = self.doc
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def text(self, key: str, default: str | None = None) -> str | None:
        v = self.raw(key)
        if v is None:
            return default
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, f"expected a non-empty string, got {v!r}")
        return v

    def integer(self, key: str, default: int | None, minimum: int) -> int | None:
        v = self.raw(key)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise self.fail(key, f"expected an integer >= {minimum}, got {v!r}")
        return v

    def number(self, key: str, default: float, low: float, high: float) -> float:
        v = self.raw(key)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int | float) or not low < v < high:
            raise self.fail(key, f"expected a number in ({low:g}, {high:g}), got {v!r}")
        return float(v)

    def boolean(self, key: str, default: bool) -> bool:
        v = self.raw(key)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise self.fail(key, f"expected true or false, got {v!r}")
        return v

    def array(self, key: str) -> list[Any] | None:
        v = self.raw(key)
        if v is None:
            return None
        if not isinstance(v, list) or not v:
            raise self.fail(key, f"expected a non-empty array, got {v!r}")
        return v

    def file(self, key: str, required: bool = True) -> Path | None:
        v = self.text(key)
        if v is None:
            if required:
                raise self.fail(key, "missing; expected the path of a file")
            return None
        p = (self.path.parent / v).resolve()
        if not p.is_file():
            raise self.fail(key, f"no such file {v!r} (looked for {p})")
        return p


def load_config(path: str | Path) -> CampaignConfig:
    """Read and validate a campaign TOML file (no input is loaded yet). O(size of file).

    Raises InputError naming the file and key for malformed TOML, unknown
    keys, wrong types, unknown strategies or models, missing files and
    non-positive budgets.
    """
    from pipeline.registry import strategy_names

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such campaign file")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file; expected a TOML campaign") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: malformed TOML: {exc}") from None
    r = _Reader(p.resolve(), doc)
    r.path = p  # messages name the path as the user gave it
    for section, value in doc.items():
        if isinstance(value, dict):
            if section not in _KEYS or section == "":
                raise r.fail(section, f"unknown section; expected {', '.join(list(_KEYS)[1:])}")
            for key in value:
                if key not in _KEYS[section]:
                    raise r.fail(
                        f"{section}.{key}",
                        f"unknown key; expected one of {', '.join(_KEYS[section])}",
                    )
        elif section not in _KEYS[""]:
            raise r.fail(section, f"unknown key; expected one of {', '.join(_KEYS[''])}")
    base = p.resolve().parent

    def strings(key: str) -> tuple[str, ...] | None:
        arr = r.array(key)
        if arr is None:
            return None
        if not all(isinstance(x, str) and x for x in arr):
            raise r.fail(key, f"expected an array of names, got {arr!r}")
        if len(set(arr)) != len(arr):
            raise r.fail(key, f"repeated entries in {arr!r}")
        return tuple(arr)

    strategies = strings("grid.strategies") or CampaignConfig.strategies
    for s in strategies:
        if s not in strategy_names():
            raise r.fail(
                "grid.strategies", f"unknown strategy {s!r}; expected {_or(strategy_names())}"
            )
    models = _models(r)
    budgets = _positive_numbers(r, "grid.budgets")
    shares = _positive_numbers(r, "grid.budget_shares")
    for x in shares:
        if x > 1:
            raise r.fail(
                "grid.budget_shares",
                f"{x:g} is more than the brand's whole budget; a share is a fraction in "
                "(0, 1] (0.25 = a quarter); put amounts in grid.budgets",
            )
    ks = r.array("grid.k") or []
    for x in ks:
        if isinstance(x, bool) or not isinstance(x, int) or x < 1:
            raise r.fail("grid.k", f"expected positive integers (seed counts), got {x!r}")
    if len(set(ks)) != len(ks):
        raise r.fail("grid.k", f"repeated entries in {ks!r}")
    if not (budgets or shares or ks):
        raise r.fail("grid", "no budgets, budget_shares or k; the grid needs at least one level")
    baseline = r.text("baseline", "macro") or "macro"
    if baseline not in strategies:
        raise r.fail("baseline", f"{baseline!r} is not one of grid.strategies ({_or(strategies)})")
    meaning = r.text("inputs.edge_meaning", "follows") or "follows"
    if meaning not in ("follows", "influences"):
        raise r.fail("inputs.edge_meaning", f"expected 'follows' or 'influences', got {meaning!r}")
    fmt = r.text("inputs.format")
    if fmt is not None and fmt not in ("csv", "tsv", "parquet", "snap"):
        raise r.fail("inputs.format", f"expected csv, tsv, parquet or snap, got {fmt!r}")
    output = r.text("output")
    if output is None:
        raise r.fail("output", "missing; expected the results folder")
    graph = r.file("inputs.graph")
    profiles = r.file("inputs.profiles")
    brands_file = r.file("inputs.brands")
    assert graph is not None and profiles is not None and brands_file is not None
    max_steps = r.integer("simulation.max_steps", None, 0)
    return CampaignConfig(
        path=p,
        name=r.text("name", p.stem) or p.stem,
        output=(base / output).resolve(),
        graph=graph,
        profiles=profiles,
        brands_file=brands_file,
        graph_format=fmt,
        edge_meaning=meaning,
        source_col=r.text("inputs.source_col"),
        target_col=r.text("inputs.target_col"),
        brands=strings("grid.brands"),
        models=models,
        strategies=strategies,
        budgets=budgets,
        budget_shares=shares,
        k=tuple(ks),
        runs=r.integer("runs", 1000, 1) or 1000,
        seed=r.integer("seed", 0, 0) or 0,
        max_steps=max_steps,
        brand_aware=r.boolean("simulation.brand_aware", True),
        epsilon=r.number("seeding.epsilon", 0.5, 0.0, 1.0),
        celf_runs=r.integer("seeding.celf_runs", 200, 1) or 200,
        estimate_rr_sets=r.integer("seeding.estimate_rr_sets", 20_000, 1) or 20_000,
        baseline=baseline,
        default_cpm=_cpm(r),
        competition=_competition(r, strings("grid.brands"), models),
        objective=_objective(r),
        min_relevance=_fraction(r, "seeding.min_relevance", DEFAULT_MIN_RELEVANCE),
        max_creators=r.integer("seeding.max_creators", None, 1),
        per_creator=_amount(r, "costs.per_creator") or 0.0,
        cost_fixed=_amount(r, "costs.fixed"),
        cost_per_follower=_amount(r, "costs.per_follower"),
        currency=_currency(r),
    )


def _currency(r: _Reader) -> str | None:
    v = r.text("valuation.currency")
    if v is not None and (len(v) > 4 or any(ch in v for ch in "<>&\"'")):
        raise r.fail("valuation.currency", f"expected a short symbol such as $ or EUR, got {v!r}")
    return v


def _objective(r: _Reader) -> str:
    from pipeline.aggregate import OBJECTIVES

    v = r.text("objective", "earned_exposed") or "earned_exposed"
    if v not in OBJECTIVES:
        raise r.fail("objective", f"unknown objective {v!r}; expected {_or(OBJECTIVES)}")
    return v


def _fraction(r: _Reader, key: str, default: float) -> float:
    v = r.raw(key)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
        raise r.fail(key, f"expected a number in [0, 1], got {v!r}")
    return float(v)


def _amount(r: _Reader, key: str) -> float | None:
    v = r.raw(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
        raise r.fail(key, f"expected a number >= 0 (currency units), got {v!r}")
    return float(v)


def _cpm(r: _Reader) -> float | dict[str, float] | None:
    """``valuation.default_cpm``: one number, or a table of numbers per platform."""
    v = r.raw("valuation.default_cpm")
    if v is None:
        return None
    items = v.items() if isinstance(v, dict) else [("", v)]
    out: dict[str, float] = {}
    for name, x in items:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x < 0:
            raise r.fail(
                "valuation.default_cpm" + (f".{name}" if name else ""),
                f"expected a number >= 0 (currency per 1,000 impressions), got {x!r}",
            )
        out[str(name).strip().lower()] = float(x)
    if not out:
        raise r.fail("valuation.default_cpm", "empty table; expected platform = number pairs")
    return out[""] if not isinstance(v, dict) else out


def _competition(
    r: _Reader, grid_brands: tuple[str, ...] | None, models: tuple[ModelSpec, ...]
) -> tuple[str, ...]:
    arr = r.array("competition.brands")
    if arr is None:
        return ()
    if not all(isinstance(x, str) and x for x in arr) or len(set(arr)) != len(arr):
        raise r.fail("competition.brands", f"expected distinct brand names, got {arr!r}")
    if len(arr) < 2:
        raise r.fail("competition.brands", "a competition needs two or more brands")
    if grid_brands is not None:
        for b in arr:
            if b not in grid_brands:
                raise r.fail("competition.brands", f"{b!r} is not one of grid.brands")
    if any(m.name == "lt" for m in models):
        raise r.fail("competition.brands", "competition supports the cascade models ic, wc, tv")
    return tuple(arr)


def _or(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def _models(r: _Reader) -> tuple[ModelSpec, ...]:
    arr = r.array("grid.models")
    if arr is None:
        return CampaignConfig.models
    from pipeline.diffusion.presets import PRESETS

    out: list[ModelSpec] = []
    for x in arr:
        if isinstance(x, str) and x in PRESETS:
            spec = ModelSpec.of_preset(x)
            if spec in out:
                raise r.fail("grid.models", f"model {spec.label!r} listed twice")
            out.append(spec)
            continue
        if isinstance(x, str):
            name, p = x, None
        elif isinstance(x, dict) and set(x) <= {"name", "p"} and isinstance(x.get("name"), str):
            name, p = x["name"], x.get("p")
        else:
            raise r.fail(
                "grid.models", f"expected model names or {{ name = ..., p = ... }}, got {x!r}"
            )
        if name not in _MODELS:
            raise r.fail(
                "grid.models",
                f"unknown model {name!r}; expected a preset ({_or(list(PRESETS))}) "
                f"or a model ({_or(_MODELS)})",
            )
        if p is not None and (
            name != "ic" or isinstance(p, bool) or not isinstance(p, int | float) or not 0 < p <= 1
        ):
            raise r.fail("grid.models", f"p applies to ic only and must be in (0, 1], got {x!r}")
        spec = ModelSpec(name, None if p is None else float(p))
        if spec in out:
            raise r.fail("grid.models", f"model {spec.label!r} listed twice")
        out.append(spec)
    return tuple(out)


def _positive_numbers(r: _Reader, key: str) -> tuple[float, ...]:
    arr = r.array(key) or []
    for x in arr:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x <= 0:
            raise r.fail(key, f"expected positive numbers, got {x!r}")
    if len(set(arr)) != len(arr):
        raise r.fail(key, f"repeated entries in {arr!r}")
    return tuple(float(x) for x in arr)


# --------------------------------------------------------------------------- grid


@dataclass(frozen=True)
class Cell:
    """One point of the grid: a brand, a model, a strategy and a budget or a seed count."""

    brand: str
    model: ModelSpec
    strategy: str
    budget: float | None = None
    k: int | None = None

    @property
    def key(self) -> str:
        """A stable file-safe identifier (readable part + hash of the coordinates)."""
        level = f"b{self.budget:g}" if self.budget is not None else f"k{self.k}"
        coords = json.dumps([self.brand, self.model.label, self.strategy, self.budget, self.k])
        digest = hashlib.blake2b(coords.encode(), digest_size=4).hexdigest()
        return _slug(f"{self.model.label}_{self.strategy}_{level}") + f"_{digest}"

    @property
    def label(self) -> str:
        """For people: ``brand model strategy budget 2,500`` (or ``k 10``)."""
        level = f"budget {self.budget:,.0f}" if self.budget is not None else f"k {self.k}"
        return f"{self.brand} {self.model.label} {self.strategy} {level}"

    def key_columns(self) -> dict[str, Any]:
        return {
            "cell": self.key,
            "brand": self.brand,
            "model": self.model.label,
            "strategy": self.strategy,
            "budget": self.budget,
            "k": self.k,
        }


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.=-]+", "-", text).strip("-")


def _levels(
    config: CampaignConfig, brands: Brands, brand: str
) -> list[tuple[str, float | None, int | None]]:
    """(label, budget, k) of each level of ``brand``: a budget, a budget share or a k."""
    out: list[tuple[str, float | None, int | None]] = []
    seen: set[float] = set()
    entries = [(f"budget {b:g}", b) for b in config.budgets] + [
        (f"share {s:g}", s * brands.budget(brand)) for s in config.budget_shares
    ]
    for label, amount in entries:
        b = round(amount, 6)
        if b not in seen:  # an absolute budget equal to a share's is one level
            seen.add(b)
            out.append((label, b, None))
    return out + [(f"k {k}", None, k) for k in config.k]


def cells_of(config: CampaignConfig, brands: Brands) -> list[Cell]:
    """The grid, brand-major (brand, model, budget or k, strategy). O(cells)."""
    names = list(config.brands) if config.brands is not None else brands.names
    out: list[Cell] = []
    for brand in names:
        for model in config.models:
            for _, budget, k in _levels(config, brands, brand):
                for strategy in config.strategies:
                    out.append(Cell(brand, model, strategy, budget, k))
    return out


@dataclass(frozen=True)
class Contest:
    """A competition cell: the competing brands' cells of one model, strategy and level."""

    model: ModelSpec
    strategy: str
    level: str
    cells: tuple[Cell, ...]

    @property
    def key(self) -> str:
        coords = json.dumps([[c.brand for c in self.cells], self.model.label, self.strategy,
                             self.level])  # fmt: skip
        digest = hashlib.blake2b(coords.encode(), digest_size=4).hexdigest()
        return _slug(f"{self.model.label}_{self.strategy}_{self.level}") + f"_{digest}"


def contests_of(config: CampaignConfig, brands: Brands) -> list[Contest]:
    """Competition cells: for each model, strategy and level entry of the config, the
    cells of the competing brands (matched by the entry, e.g. ``share 0.5``). O(cells)."""
    if not config.competition:
        return []
    levels = {b: {lab: (bud, k) for lab, bud, k in _levels(config, brands, b)}
              for b in config.competition}  # fmt: skip
    common = [lab for lab, _, _ in _levels(config, brands, config.competition[0])
              if all(lab in levels[b] for b in config.competition)]  # fmt: skip
    out = []
    for model in config.models:
        for label in common:
            for strategy in config.strategies:
                cells = tuple(
                    Cell(b, model, strategy, levels[b][label][0], levels[b][label][1])
                    for b in config.competition
                )
                out.append(Contest(model, strategy, label, cells))
    return out


def _derive(seed: int, *parts: str) -> int:
    """An independent 63-bit seed for ``parts`` (stable across processes and orderings)."""
    words = [int.from_bytes(hashlib.blake2b(x.encode(), digest_size=8).digest(), "little")
             for x in parts]  # fmt: skip
    state = np.random.SeedSequence([seed, *words]).generate_state(1, np.uint64)[0]
    return int(state) >> 1


# --------------------------------------------------------------------------- context


@dataclass(frozen=True, eq=False)
class CampaignContext:
    """Everything a cell needs, loaded once: graph, profiles, brands and the settings.

    Picklable; the Ray executor puts it in the object store once, and the
    graph's NumPy arrays are then shared zero-copy by the workers.
    """

    config: CampaignConfig
    graph: FollowerGraph
    profiles: Profiles
    brands: Brands
    fingerprint: str
    inputs: dict[str, str] = field(default_factory=dict)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    _lock: Any = field(default_factory=threading.RLock, repr=False)

    def brand_arrays(self, brand: str) -> tuple[Any, Any]:
        """(relevance, sender factor or None) of ``brand``, computed once per process."""
        with self._lock:
            return self._brand_arrays(brand)

    def _brand_arrays(self, brand: str) -> tuple[Any, Any]:
        if ("brand", brand) not in self._cache:
            rel = relevance(self.profiles, self.brands, brand)
            factor = (
                brand_sender_factor(self.profiles, self.brands, brand)
                if self.config.brand_aware
                else None
            )
            self._cache[("brand", brand)] = (rel, factor)
        return self._cache[("brand", brand)]

    def tier_codes(self) -> Any:
        """Index in :data:`~pipeline.profiles.TIER_NAMES` of every node's tier (int64), once."""
        with self._lock:
            return self._tier_codes()

    def _tier_codes(self) -> Any:
        if "tiers" not in self._cache:
            tiers = self.profiles.table["tier"].cast(pl.String)
            codes = tiers.replace_strict(list(TIER_NAMES), list(range(len(TIER_NAMES))), default=0)
            self._cache["tiers"] = codes.cast(pl.Int64).to_numpy()
        return self._cache["tiers"]

    def rr_cache(self, threads: int = 1) -> Any:
        """The per-process cache of RR sets (reach estimates and IMM's pools, shared by
        every strategy and level of a brand and model; see
        :meth:`pipeline.seeding.ReachEstimator.build`), with room for the contexts
        ``threads`` cell threads work on at once."""
        from pipeline.seeding.base import SharedCache

        with self._lock:
            cache = self._cache.setdefault("rr-sets", {})
            for name in ("estimates", "imm"):
                entry = cache.setdefault(name, SharedCache(threads + 1))
                entry.capacity = max(entry.capacity, threads + 1)
            return cache

    def quality(self) -> Any:
        """Audience quality per node (profiles' ``real_audience``), None when all are 1."""
        with self._lock:
            return self._quality()

    def _quality(self) -> Any:
        if "quality" not in self._cache:
            q = self.profiles.real_audience
            self._cache["quality"] = q if (q < 1.0).any() else None
        return self._cache["quality"]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = {}
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _lock=threading.RLock())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def prepare(
    config: CampaignConfig, progress: Callable[[str], None] | None = None
) -> CampaignContext:
    """Load the inputs of ``config`` and check the grid against them.

    Raises InputError for an unknown brand or a budget that buys no
    influencer (below the cheapest candidate's cost). O(input size).
    """
    say = progress or (lambda _msg: None)
    say(f"loading {config.graph.name}")
    graph = load_graph(
        config.graph,
        format=config.graph_format,
        edge_meaning=config.edge_meaning,  # type: ignore[arg-type]
        source_col=config.source_col,
        target_col=config.target_col,
    )
    say(f"loading {config.profiles.name}")
    profiles = load_profiles(config.profiles, graph)
    brands = load_brands(config.brands_file)
    for b in config.brands or ():
        if b not in brands.names:
            raise InputError(
                f"{config.path}: grid.brands: unknown brand {b!r}; {config.brands_file.name} "
                f"has {_or(brands.names)}"
            )
    for b in config.competition:
        if b not in brands.names:
            raise InputError(
                f"{config.path}: competition.brands: unknown brand {b!r}; "
                f"{config.brands_file.name} has {_or(brands.names)}"
            )
    from pipeline.seeding import fit_pool

    try:
        cost = config.costs().of_profiles(profiles)
    except InputError as exc:
        raise InputError(f"{config.path}: costs: {exc}") from None
    known = profiles.has_profile & np.isfinite(cost)
    if (config.budgets or config.budget_shares) and not known.any():
        raise InputError(
            f"{config.profiles}: no influencer has a cost; budgets in {config.path} need a "
            f"'cost' column or a cost model ([costs] fixed and per_follower)"
        )
    for brand in config.brands or brands.names:
        try:
            _, pool = fit_pool(profiles, brands, brand, config.min_relevance)
        except InputError as exc:
            raise InputError(f"{config.path}: seeding.min_relevance: {exc}") from None
        ok = pool & np.isfinite(cost)
        if not ok.any() or not (config.budgets or config.budget_shares):
            continue
        cheapest = int(np.flatnonzero(ok)[np.argmin(cost[ok])])
        floor = float(cost[cheapest])
        who = profiles.table["handle"][cheapest] or str(graph.ids[cheapest])
        for amount in config.budgets:
            if amount < floor:
                raise InputError(
                    f"{config.path}: grid.budgets: {amount:,.2f} is below the cheapest "
                    f"{brand} candidate's cost ({who} costs {floor:,.2f} with overhead); "
                    "no seed could be bought"
                )
        for sh in config.budget_shares:
            if sh * brands.budget(brand) < floor:
                raise InputError(
                    f"{config.path}: grid.budget_shares: {sh:g} of {brand}'s budget "
                    f"({brands.budget(brand):,.2f}) is {sh * brands.budget(brand):,.2f}, below "
                    f"the cheapest candidate's cost ({who} costs {floor:,.2f} with overhead)"
                )
    say("hashing inputs")
    inputs = {
        "graph": _sha256(config.graph),
        "profiles": _sha256(config.profiles),
        "brands": _sha256(config.brands_file),
    }
    blob = json.dumps({"settings": config.settings(), "inputs": inputs}, sort_keys=True)
    fingerprint = hashlib.sha256(blob.encode()).hexdigest()[:16]
    return CampaignContext(config, graph, profiles, brands, fingerprint, inputs)


# --------------------------------------------------------------------------- one cell


@dataclass(frozen=True)
class CellTables:
    """The result tables of one cell (see the module doc)."""

    cell: Cell
    runs: pl.DataFrame
    seeds: pl.DataFrame
    audience: pl.DataFrame
    curves: pl.DataFrame
    overlap: pl.DataFrame

    def table(self, name: str) -> pl.DataFrame:
        return getattr(self, name)


def _with_key(df: pl.DataFrame, cell: Cell) -> pl.DataFrame:
    kc = cell.key_columns()
    keys = [
        pl.lit(kc["cell"], pl.String).alias("cell"),
        pl.lit(kc["brand"], pl.String).alias("brand"),
        pl.lit(kc["model"], pl.String).alias("model"),
        pl.lit(kc["strategy"], pl.String).alias("strategy"),
        pl.lit(kc["budget"], pl.Float64).alias("budget"),
        pl.lit(kc["k"], pl.Int64).alias("k"),
    ]
    return df.select(*keys, *[pl.col(c) for c in df.columns])


def run_cell(ctx: CampaignContext, cell: Cell, threads: int | None = None) -> CellTables:
    """Select the seeds of ``cell`` and simulate them ``runs`` times.

    The seed selection uses a stream derived from (seed, brand, model); the
    simulation's run keys are derived from (seed, brand, model) too, shared
    by every strategy and level of that brand and model (common random
    numbers). Deterministic: the result does not depend on ``threads`` or on
    the process. Time: the strategy's, plus O(runs x cascade size).
    """
    from pipeline.diffusion import simulate
    from pipeline.overlap import overlap_with_above
    from pipeline.seeding import select_seeds

    cfg = ctx.config
    rel, factor = ctx.brand_arrays(cell.brand)
    label = cell.model.label
    chosen = select_seeds(
        ctx.graph,
        cell.strategy,
        k=cell.k,
        budget=cell.budget,
        model=cell.model.name,
        p=cell.model.p,
        profiles=ctx.profiles,
        brands=ctx.brands,
        brand=cell.brand,
        brand_aware=cfg.brand_aware,
        min_relevance=cfg.min_relevance,
        max_creators=cfg.max_creators,
        costs=cfg.costs(),
        objective=cfg.seeding_objective,
        seed=_derive(cfg.seed, "select", cell.brand, label),
        max_steps=cfg.max_steps,
        epsilon=cfg.epsilon,
        celf_runs=cfg.celf_runs,
        estimate_rr_sets=cfg.estimate_rr_sets,
        threads=threads,
        cache=ctx.rr_cache(),
    )
    nodes = chosen.nodes
    runs = cfg.runs
    tier_code = ctx.tier_codes()
    if len(nodes):
        sim = simulate(
            ctx.graph,
            nodes,
            cell.model.name,
            runs=runs,
            seed=_derive(cfg.seed, "simulate", cell.brand, label),
            p=cell.model.p,
            max_steps=cfg.max_steps,
            sender_factor=factor,
            quality=ctx.quality(),
            node_counts=True,
            threads=threads,
        )
        activated, exposed, steps = sim.activated, sim.exposed, sim.steps
        counts = sim.node_counts
        assert counts is not None
        per_step = sim.new_per_step.mean(axis=0)
    else:  # a strategy with no affordable candidate: nothing happens
        activated = exposed = np.zeros(runs, dtype=np.int64)
        steps = np.zeros(runs, dtype=np.int32)
        counts = np.zeros(ctx.graph.n, dtype=np.int64)
        per_step = np.zeros(1)
    cost_spent = chosen.total_cost
    cpm = cell_cpm(ctx.profiles, nodes, chosen.marginal_gain, cfg.default_cpm)
    scale = platform_scale(ctx.profiles, nodes)
    runs_df = pl.DataFrame(
        {
            "run": np.arange(runs, dtype=np.int64),
            "activated": activated.astype(np.int64),
            "exposed": exposed.astype(np.int64),
            "steps": steps.astype(np.int32),
        }
    ).with_columns(
        pl.lit(cost_spent, pl.Float64).alias("cost_spent"),
        pl.lit(len(nodes), pl.Int64).alias("seeds_used"),
        pl.lit(cpm, pl.Float64).alias("cpm"),
        pl.lit(chosen.info.get("certified_ratio"), pl.Float64).alias("certified_ratio"),
        # earned: what the campaign reaches beyond the creators it pays (seeds are
        # always activated and exposed, so this is count minus seeds, run by run)
        (pl.col("activated") - len(nodes)).alias("earned_activated"),
        (pl.col("exposed") - len(nodes)).alias("earned_exposed"),
        # platform units (pipeline.projection): NaN where the projection is unknown
        pl.Series("projected_impressions", scale.impressions(exposed - len(nodes))).fill_nan(None),
        pl.Series("projected_engagements", scale.engagements(exposed - len(nodes))).fill_nan(None),
    )
    sd = chosen.to_polars()
    seeds_df = sd.select(
        pl.col("rank").cast(pl.Int32),
        pl.col("id").cast(pl.String),
        pl.col("handle").cast(pl.String),
        pl.col("tier").cast(pl.String),
        pl.col("cost").cast(pl.Float64),
        pl.col("followers").cast(pl.Int64),
        pl.Series("relevance", rel[nodes], dtype=pl.Float64),
        pl.col("marginal_gain").cast(pl.Float64),
        pl.col("cumulative_reach").cast(pl.Float64),
        pl.col("cumulative_stderr").cast(pl.Float64),
        pl.col("cumulative_cost").cast(pl.Float64),
        pl.col("forced").cast(pl.Boolean),
        pl.Series("overlap_above", overlap_with_above(ctx.graph, nodes), dtype=pl.Float64),
        pl.Series(
            "engagement_rate",
            ctx.profiles.table["engagement_rate"].cast(pl.Float64).gather(nodes),
            dtype=pl.Float64,
        ),
        pl.Series("real_audience", ctx.profiles.real_audience[nodes], dtype=pl.Float64),
        pl.Series("platform", ctx.profiles.table["platform"].gather(nodes), dtype=pl.String),
    )
    reached = np.bincount(tier_code, weights=counts.astype(np.float64), minlength=5) / runs
    accounts = np.bincount(tier_code, minlength=5)
    audience_df = pl.DataFrame(
        {
            "tier": list(TIER_NAMES),
            "expected_activated": reached.astype(np.float64),
            "accounts": accounts.astype(np.int64),
        }
    )
    curves_df = pl.DataFrame(
        {
            "step": np.arange(per_step.shape[0], dtype=np.int32),
            "mean_new": per_step.astype(np.float64),
            "mean_cumulative": np.cumsum(per_step).astype(np.float64),
        }
    )
    return CellTables(
        cell,
        _with_key(runs_df, cell),
        _with_key(seeds_df, cell),
        _with_key(audience_df, cell),
        _with_key(curves_df, cell),
        _with_key(_overlap_table(ctx.graph, nodes), cell),
    )


def _overlap_table(graph: FollowerGraph, nodes: Any) -> pl.DataFrame:
    """Pairwise follower overlap of the plan's first :data:`OVERLAP_SEEDS` creators:
    ``rank_a``, ``rank_b`` (1-based seeding ranks, a < b) and ``follower_overlap``
    (shared followers / the smaller audience, see :mod:`pipeline.overlap`)."""
    from pipeline.overlap import follower_overlap

    top = np.asarray(nodes, dtype=np.int64)[:OVERLAP_SEEDS]
    k = top.shape[0]
    a, b = np.triu_indices(k, 1)
    m = follower_overlap(graph, top) if k >= 2 else np.zeros((k, k))
    return pl.DataFrame(
        {
            "rank_a": (a + 1).astype(np.int32),
            "rank_b": (b + 1).astype(np.int32),
            "follower_overlap": m[a, b].astype(np.float64),
        },
        schema={"rank_a": pl.Int32, "rank_b": pl.Int32, "follower_overlap": pl.Float64},
    )


def cell_cpm(
    profiles: Profiles,
    nodes: Any,
    weights: Any,
    default: float | dict[str, float] | None,
) -> float | None:
    """The CPM (currency per 1,000 impressions) that values a cell's exposures.

    The mean of the seeds' ``cpm`` weighted by their marginal reach. A seed
    without a CPM takes ``default``: one number, or a mapping platform -> CPM
    looked up by the profile's ``platform`` (key ``"*"`` for any other
    platform). Equal weights when no seed adds reach; None when no seed has a
    CPM. O(seeds).
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    if len(nodes) == 0:
        return None
    cpm = profiles.table["cpm"].cast(pl.Float64).to_numpy()[nodes].astype(np.float64)
    if isinstance(default, dict):
        platform = profiles.table["platform"].gather(nodes).fill_null("")
        fallback = np.array(
            [default.get(x, default.get("*", np.nan)) for x in platform.to_list()],
            dtype=np.float64,
        )
        cpm = np.where(np.isfinite(cpm), cpm, fallback)
    elif default is not None:
        cpm = np.where(np.isfinite(cpm), cpm, default)
    known = np.isfinite(cpm)
    if not known.any():
        return None
    w = np.clip(np.asarray(weights, dtype=np.float64)[known], 0.0, None)
    if w.sum() <= 0:
        w = np.ones_like(w)
    return float(np.average(cpm[known], weights=w))


def run_contest(
    ctx: CampaignContext, contest: Contest, output: Path, threads: int | None = None
) -> pl.DataFrame:
    """Simulate the competing brands of ``contest`` seeding at once (their cells' seeds).

    Uses :func:`pipeline.diffusion.compete.compete` with run keys derived from
    (seed, model, brands): one row per brand and run with ``adopters`` (nodes
    that adopted the brand) and ``alone`` (nodes it activates seeding alone,
    same random numbers). Needs the brands' cells finished. A brand whose cell
    chose no seed takes no part. Time O(runs x cascade size).
    """
    from pipeline.diffusion.compete import compete

    cfg = ctx.config
    seeds: dict[str, Any] = {}
    for c in contest.cells:
        ids = pl.read_parquet(cell_path(output, "seeds", c), columns=["id"])["id"]
        if ids.len():
            seeds[c.brand] = ctx.graph.index_of(ids, what=f"seed ID of {c.brand}")
    brands_in = [c.brand for c in contest.cells]
    if len(seeds) >= 2:
        factors = {b: ctx.brand_arrays(b)[1] for b in seeds} if cfg.brand_aware else None
        res = compete(
            ctx.graph,
            seeds,
            contest.model.name,
            runs=cfg.runs,
            seed=_derive(cfg.seed, "compete", contest.model.label, *brands_in),
            p=contest.model.p,
            max_steps=cfg.max_steps,
            sender_factors=factors,
            threads=threads,
        )
        df = res.to_polars().select(
            pl.col("brand").cast(pl.String),
            pl.col("run").cast(pl.Int64),
            pl.col("adopters").cast(pl.Int64),
            pl.col("alone").cast(pl.Int64),
        )
    else:
        df = pl.DataFrame(
            schema={"brand": pl.String, "run": pl.Int64, "adopters": pl.Int64, "alone": pl.Int64}
        )
    level = pl.DataFrame(
        {
            "brand": [c.brand for c in contest.cells],
            "budget": [c.budget for c in contest.cells],
            "k": [c.k for c in contest.cells],
        },
        schema={"brand": pl.String, "budget": pl.Float64, "k": pl.Int64},
    )
    df = df.join(level, on="brand", how="left")
    return df.select(
        pl.lit(contest.key, pl.String).alias("contest"),
        pl.lit("+".join(brands_in), pl.String).alias("brands"),
        pl.lit(contest.model.label, pl.String).alias("model"),
        pl.lit(contest.strategy, pl.String).alias("strategy"),
        pl.lit(contest.level, pl.String).alias("level"),
        "brand",
        "budget",
        "k",
        "run",
        "adopters",
        "alone",
    )


def contest_path(output: Path, contest: Contest) -> Path:
    """Where the competition table of ``contest`` lives in the results folder."""
    return output / "competition" / f"{contest.key}.parquet"


# --------------------------------------------------------------------------- the folder


def cell_path(output: Path, table: str, cell: Cell) -> Path:
    """Where ``table`` of ``cell`` lives in the results folder."""
    return output / table / brand_folder(cell.brand) / f"{cell.key}.parquet"


def _manifest(ctx: CampaignContext, cells: Sequence[Cell]) -> dict[str, Any]:
    cfg = ctx.config
    return {
        "format": RESULTS_FORMAT,
        "fingerprint": ctx.fingerprint,
        "name": cfg.name,
        "config": str(cfg.path),
        "baseline": cfg.baseline,
        "settings": cfg.settings(),
        "inputs": {
            "graph": {"path": str(cfg.graph), "sha256": ctx.inputs["graph"]},
            "profiles": {"path": str(cfg.profiles), "sha256": ctx.inputs["profiles"]},
            "brands": {"path": str(cfg.brands_file), "sha256": ctx.inputs["brands"]},
        },
        "graph": {"nodes": ctx.graph.n, "edges": ctx.graph.m},
        "grid": {
            "brands": sorted({c.brand for c in cells}),
            "models": [asdict(m) | {"label": m.label} for m in cfg.models],
            "strategies": list(cfg.strategies),
            "budgets": list(cfg.budgets),
            "budget_shares": list(cfg.budget_shares),
            "k": list(cfg.k),
        },
        "cells": len(cells),
        "currency": cfg.currency,
        "updated": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _claim_folder(ctx: CampaignContext, output: Path, cells: Sequence[Cell]) -> None:
    """Create ``output`` or check it holds this campaign; write the manifest atomically."""
    from pipeline.export import open_atomic_text

    manifest_path = output / "campaign.json"
    if manifest_path.is_file():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InputError(
                f"{manifest_path}: unreadable manifest; not a results folder"
            ) from None
        if not isinstance(old, dict) or old.get("format") not in READABLE_FORMATS:
            raise InputError(f"{manifest_path}: not a campaign results manifest")
        if old.get("format") != RESULTS_FORMAT:
            raise InputError(
                f"{output} was written by an older version ({old.get('format')}: another "
                f"folder layout), so it cannot be resumed; its results still read with "
                f"`influence summarize`. Use another output folder to rerun."
            )
        if old.get("fingerprint") != ctx.fingerprint:
            new = _manifest(ctx, cells)
            diffs = [
                f"{k} {old['settings'].get(k)!r} -> {v!r}"
                for k, v in new["settings"].items()
                if old.get("settings", {}).get(k) != v
            ] + [
                f"{k} file content changed"
                for k, v in new["inputs"].items()
                if old.get("inputs", {}).get(k, {}).get("sha256") != v["sha256"]
            ]
            raise InputError(
                f"{output} holds results of a different campaign ({'; '.join(diffs) or 'other'}"
                f"); refusing to mix them. Use another output folder or delete this one."
            )
    elif output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise InputError(
            f"{output} exists and is not a campaign results folder (no campaign.json); "
            f"choose a new or empty folder"
        )
    ensure_folder(output)
    with open_atomic_text(manifest_path) as f:
        json.dump(_manifest(ctx, cells), f, indent=2)
        f.write("\n")


def _write_cell(output: Path, tables: CellTables) -> None:
    from pipeline.export import write_table

    for name in _TABLES:  # runs last: a cell with a runs file is complete
        path = cell_path(output, name, tables.cell)
        ensure_folder(path.parent)
        write_table(tables.table(name), path, "parquet")


def is_done(output: Path, cell: Cell) -> bool:
    return cell_path(output, "runs", cell).is_file()


# --------------------------------------------------------------------------- executors


def _fault(kind: str) -> str | None:
    spec = os.environ.get(FAULT_ENV, "")
    return spec.split(":", 1)[1] if spec.startswith(kind + ":") else None


def local_workers() -> int:
    """The local executor's default number of concurrent cells: the CPUs this process
    may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


#: Strategies whose RR sets a brand and model's budgets share (one extends them at a time).
_POOLED = ("imm", "opim")


def _local(
    ctx: CampaignContext, cells: Sequence[Cell], workers: int | None, address: str | None
) -> Iterator[CellTables]:
    """Run ``cells`` in this process, ``workers`` at a time (default: one per CPU), each
    single-threaded, in threads: the kernels release the GIL and share the graph's arrays
    and the per-context RR-set caches (each collection drawn once, by one thread). A
    single cell gets all ``workers`` as numba threads instead. Yields tables as cells
    finish; a cell's numbers do not depend on the order, the thread or ``workers``.

    Scheduling, so that threads seldom wait for one another's RR sets: the first cell
    of a brand and model (which draws its reach-estimate sets) runs alone in that
    context; then its other cells may run at once, IMM/OPIM-C cells first, except that
    at most one of those per context runs at a time (they extend one shared pool); a
    thread with nothing runnable in the current context takes the next context's
    cells."""
    if address is not None:
        raise InputError("«address» applies to the ray executor only")
    w = workers or local_workers()
    if w == 1 or len(cells) <= 1:
        for cell in cells:
            yield run_cell(ctx, cell, threads=w)
        return
    ctx.rr_cache(w)  # room for the contexts the threads work on at once
    pending = list(cells)
    running: dict[Future[CellTables], Cell] = {}
    opened: set[tuple[str, str]] = set()
    busy: dict[tuple[str, str], int] = {}
    pooling: set[tuple[str, str]] = set()

    def context(cell: Cell) -> tuple[str, str]:
        return cell.brand, cell.model.label

    def runnable(cell: Cell) -> bool:
        key = context(cell)
        if key not in opened:
            return busy.get(key, 0) == 0
        return not (cell.strategy in _POOLED and key in pooling)

    pool = ThreadPoolExecutor(max_workers=min(w, len(cells)), thread_name_prefix="cell")
    try:
        while pending or running:
            while len(running) < w:
                # IMM/OPIM-C cells of open contexts first: their pool chains are the
                # longest path, so they should not be left for the end
                pick = next(
                    (c for c in pending
                     if c.strategy in _POOLED and context(c) in opened and runnable(c)),
                    None,
                ) or next((c for c in pending if runnable(c)), None)  # fmt: skip
                if pick is None:
                    break
                pending.remove(pick)
                key = context(pick)
                busy[key] = busy.get(key, 0) + 1
                if pick.strategy in _POOLED:
                    pooling.add(key)
                running[pool.submit(run_cell, ctx, pick, 1)] = pick
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                cell = running.pop(future)
                key = context(cell)
                busy[key] -= 1
                opened.add(key)
                if cell.strategy in _POOLED:
                    pooling.discard(key)
                yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_WORKER_CONTEXTS: dict[str, CampaignContext] = {}


def _ray_cell(refs: list[Any], key: str, cell: Cell) -> CellTables:
    """Ray task body: the context is fetched once per worker process and kept."""
    marker = _fault("kill-worker-once")
    if marker is not None and not os.path.exists(marker):
        Path(marker).write_text("killed\n")
        os._exit(1)
    ctx = _WORKER_CONTEXTS.get(key)
    if ctx is None:
        import ray

        ctx = ray.get(refs[0])
        _WORKER_CONTEXTS.clear()
        _WORKER_CONTEXTS[key] = ctx
    return run_cell(ctx, cell, threads=1)


def _ray(
    ctx: CampaignContext, cells: Sequence[Cell], workers: int | None, address: str | None
) -> Iterator[CellTables]:
    try:
        import ray
    except ImportError:
        raise InputError(
            "the ray executor needs Ray: pip install 'influence-pipeline[ray]'"
        ) from None
    started = False
    if not ray.is_initialized():
        try:
            ray.init(
                address=address,
                num_cpus=workers if address is None else None,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        except ConnectionError as exc:
            raise InputError(f"cannot connect to the Ray cluster at {address}: {exc}") from None
        started = True
    try:
        task = ray.remote(num_cpus=1, max_retries=3)(_ray_cell)
        ctx_ref = ray.put(ctx)
        key = f"{ctx.fingerprint}-{ctx_ref.hex()}"
        pending = {task.remote([ctx_ref], key, c): c for c in cells}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                pending.pop(ref)
                yield ray.get(ref)
    finally:
        if started:
            ray.shutdown()


# --------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class CampaignProgress:
    """Where a running campaign is: cells finished (of ``cells_total``), runs simulated."""

    cells_done: int
    cells_total: int
    runs_done: int
    message: str = ""


@dataclass(frozen=True)
class CampaignReport:
    """What :func:`run_campaign` did."""

    output: Path
    fingerprint: str
    cells_total: int
    cells_run: int
    cells_skipped: int
    runs: int
    seconds: float


def run_campaign(
    config: CampaignConfig | str | Path,
    *,
    executor: str = "local",
    address: str | None = None,
    workers: int | None = None,
    resume: bool = True,
    output: str | Path | None = None,
    progress: Callable[[CampaignProgress], None] | None = None,
) -> CampaignReport:
    """Run every cell of a campaign and write its results folder (see the module doc).

    ``executor``: ``"local"`` (this process; ``workers`` cells at a time in
    threads, default one per CPU) or ``"ray"`` (one task per cell on a Ray
    cluster at ``address``, or a local one with ``workers`` CPUs). ``resume``
    skips cells already in the folder; without it every cell is recomputed and overwritten. A folder
    holding another campaign's results (other settings or inputs) is refused.
    Results are identical for both executors and any ``workers``.
    """
    t0 = time.perf_counter()
    cfg = config if isinstance(config, CampaignConfig) else load_config(config)
    if executor not in EXECUTORS:
        raise InputError(f"unknown executor {executor!r}; expected local or ray")
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise InputError(f"workers must be a positive integer, got {workers}")
    if executor == "ray":
        from pipeline.registry import registered

        custom = [s for s in cfg.strategies if s in registered()]
        if custom:
            raise InputError(
                f"strategies {', '.join(custom)} are registered in this process only; Ray "
                "workers cannot run them: use the local executor"
            )
    out = Path(output).resolve() if output is not None else cfg.output
    note = progress or (lambda _p: None)
    ctx = prepare(cfg, lambda msg: note(CampaignProgress(0, 0, 0, msg)))
    cells = cells_of(cfg, ctx.brands)
    _claim_folder(ctx, out, cells)
    todo = [c for c in cells if not (resume and is_done(out, c))]
    skipped = len(cells) - len(todo)
    kill_after = _fault("kill-driver-after")
    run = _ray if executor == "ray" else _local
    note(CampaignProgress(skipped, len(cells), 0, "running"))
    for written, tables in enumerate(run(ctx, todo, workers, address), start=1):
        try:
            _write_cell(out, tables)
        except OutputError as exc:
            raise OutputError(
                f"{exc}. The {skipped + written - 1} finished cell(s) in {out} are safe: "
                f"make room (or make the folder writable) and rerun to resume"
            ) from None
        note(CampaignProgress(skipped + written, len(cells), written * cfg.runs, tables.cell.label))
        if kill_after is not None and written >= int(kill_after):
            os._exit(137)
    contests = [c for c in contests_of(cfg, ctx.brands)
                if not (resume and contest_path(out, c).is_file())]  # fmt: skip
    if contests:
        from pipeline.export import write_table

        ensure_folder(out / "competition")
        for i, contest in enumerate(contests, start=1):
            df = run_contest(ctx, contest, out, threads=workers if executor == "local" else None)
            try:
                write_table(df, contest_path(out, contest), "parquet")
            except OutputError as exc:
                raise OutputError(
                    f"{exc}. Every cell and {i - 1} competition table(s) are safe: make room "
                    f"and rerun to resume"
                ) from None
            note(CampaignProgress(len(cells), len(cells), 0, f"competition {i}/{len(contests)}"))
    return CampaignReport(
        output=out,
        fingerprint=ctx.fingerprint,
        cells_total=len(cells),
        cells_run=len(todo),
        cells_skipped=skipped,
        runs=len(todo) * cfg.runs,
        seconds=time.perf_counter() - t0,
    )
