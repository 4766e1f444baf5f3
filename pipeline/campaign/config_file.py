"""Reading a campaign TOML file into a :class:`~pipeline.campaign.config.CampaignConfig`.

Every mistake is an :class:`~pipeline.errors.InputError` naming the file, the
key (``section.key``) and what was expected; an unknown section or key is
refused with the list of known ones.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from pipeline import defaults
from pipeline.campaign.config import CampaignConfig, ModelSpec
from pipeline.campaign.config_ambassadors import AMBASSADOR_KEYS, ambassador_settings
from pipeline.campaign.config_models import models_of, or_list, plan_model_of
from pipeline.campaign.config_values import (
    creators,
    currency,
    default_cpm,
    objective,
    reach_rate,
    thresholds,
    tie_margin,
)
from pipeline.columns import COLUMN_NAMES, check_columns
from pipeline.errors import InputError
from pipeline.profiles import DEFAULT_MIN_RELEVANCE

__all__ = ["load_config", "or_list"]

#: The graph formats ``[inputs] format`` names (default: from the file's extension).
_FORMATS = ("csv", "tsv", "parquet", "snap", "graphml", "gml")

#: The keys a campaign file may hold, per section ("" = top level).
_KEYS: dict[str, tuple[str, ...]] = {
    "": ("name", "output", "seed", "runs", "baseline", "objective", "tie_margin"),
    "inputs": (
        "graph",
        "format",
        "edge_meaning",
        "source_col",
        "target_col",
        "header",
        "columns",
        "duplicates",
        "undirected",
        "profiles",
        "brands",
        "actions",
    ),
    "grid": ("brands", "models", "plan_model", "strategies", "budgets", "budget_shares", "k"),
    "simulation": ("max_steps", "brand_aware"),
    "seeding": (
        "epsilon",
        "celf_runs",
        "estimate_rr_sets",
        "resamples",
        "min_relevance",
        "max_creators",
        "platforms",
        "tiers",
        "tier_thresholds",
        "min_followers",
        "max_followers",
    ),
    "costs": ("per_creator", "fixed", "per_follower", "ambassador"),
    "ambassadors": AMBASSADOR_KEYS,
    "valuation": ("default_cpm", "currency"),
    "projection": ("reach_rate",),
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
        if "\x00" in v:  # no file name, brand or label can hold one
            raise self.fail(key, f"contains a NUL character: {v!r}")
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
    from pipeline.seeding.registry import get_strategy, strategy_names

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such campaign file")
    try:
        text = p.read_text(encoding="utf-8")
        if text.startswith("\ufeff"):  # Windows editors save one; TOML forbids it
            raise InputError(
                f"{p}: starts with a byte-order mark (BOM), which TOML does not allow; save "
                "it as UTF-8 without BOM"
            )
        doc = tomllib.loads(text)
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file; expected a TOML campaign") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: malformed TOML: {exc}") from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise InputError(f"{p}: malformed TOML: nested too deep") from None
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
        try:
            get_strategy(s)
        except InputError as exc:
            message = f"unknown strategy {s!r}; expected {or_list(strategy_names())}"
            raise r.fail("grid.strategies", message if "@" not in s else str(exc)) from None
    models = models_of(r)
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
        raise r.fail(
            "baseline", f"{baseline!r} is not one of grid.strategies ({or_list(strategies)})"
        )
    fmt = r.text("inputs.format")
    if fmt is not None and fmt not in _FORMATS:
        raise r.fail("inputs.format", f"expected {or_list(_FORMATS)}, got {fmt!r}")
    graph_kind = fmt or Path(str(r.raw("inputs.graph") or "")).suffix.lower().lstrip(".")
    # as pipeline.read_graph: edge files default to follows, GraphML and GML to influences
    meaning_default = "influences" if graph_kind in ("graphml", "gml") else "follows"
    meaning = r.text("inputs.edge_meaning", meaning_default) or meaning_default
    if meaning not in ("follows", "influences"):
        raise r.fail("inputs.edge_meaning", f"expected 'follows' or 'influences', got {meaning!r}")
    dup = r.text("inputs.duplicates", "max") or "max"
    if dup not in ("max", "noisy-or", "count"):
        raise r.fail("inputs.duplicates", f"expected max, noisy-or or count, got {dup!r}")
    output = r.text("output")
    if output is None:
        raise r.fail("output", "missing; expected the results folder")
    for part in Path(output).parts:
        if len(part.encode("utf-8")) > 255:  # NAME_MAX of every common file system
            raise r.fail(
                "output", f"a folder name of {len(part.encode('utf-8'))} bytes; file systems "
                "allow at most 255 per name",
            )  # fmt: skip
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
        header=None if r.raw("inputs.header") is None else r.boolean("inputs.header", False),
        duplicates=dup,
        undirected=r.boolean("inputs.undirected", False),
        columns=_columns(r),
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
        epsilon=r.number("seeding.epsilon", defaults.EPSILON, 0.0, 1.0),
        celf_runs=r.integer("seeding.celf_runs", 200, 1) or 200,
        estimate_rr_sets=r.integer("seeding.estimate_rr_sets", 20_000, 1) or 20_000,
        resamples=int(r.integer("seeding.resamples", defaults.RESAMPLES, 0) or 0),
        baseline=baseline,
        default_cpm=default_cpm(r),
        competition=_competition(r, strings("grid.brands"), models),
        objective=objective(r),
        tie_margin=tie_margin(r),
        plan_model=plan_model_of(r, models),
        reach_rate=reach_rate(r),
        min_relevance=_fraction(r, "seeding.min_relevance", DEFAULT_MIN_RELEVANCE),
        max_creators=r.integer("seeding.max_creators", None, 1),
        creators=creators(r, strings),
        tier_thresholds=thresholds(r),
        per_creator=_amount(r, "costs.per_creator") or 0.0,
        cost_fixed=_amount(r, "costs.fixed"),
        cost_per_follower=_amount(r, "costs.per_follower"),
        currency=currency(r),
        **ambassador_settings(r, strategies),
    )


def _columns(r: _Reader) -> dict[str, dict[str, str]]:
    """``[inputs.columns.<table>]``: each table's canonical name -> file column."""
    v = r.raw("inputs.columns")
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise r.fail("inputs.columns", "expected tables such as [inputs.columns.graph]")
    out: dict[str, dict[str, str]] = {}
    for table, mapping in v.items():
        key = f"inputs.columns.{table}"
        if table not in COLUMN_NAMES:
            raise r.fail(key, f"unknown table; expected one of {', '.join(COLUMN_NAMES)}")
        out[table] = check_columns(mapping, COLUMN_NAMES[table], f"{r.path}: {key}")
    graph = out.get("graph", {})
    for end in ("source", "target"):
        if end in graph and r.raw(f"inputs.{end}_col") is not None:
            raise r.fail(
                f"inputs.columns.graph.{end}", f"also given as inputs.{end}_col; give it once"
            )
    return out


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


def _positive_numbers(r: _Reader, key: str) -> tuple[float, ...]:
    arr = r.array(key) or []
    for x in arr:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x <= 0:
            raise r.fail(key, f"expected positive numbers, got {x!r}")
    if len(set(arr)) != len(arr):
        raise r.fail(key, f"repeated entries in {arr!r}")
    return tuple(float(x) for x in arr)
