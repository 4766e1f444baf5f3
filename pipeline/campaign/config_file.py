"""Reading a campaign TOML file into a :class:`~pipeline.campaign.config.CampaignConfig`.

The reader follows the declaration (:mod:`pipeline.campaign.config_spec`): each field of
the config names its keys and how they are read (:data:`KINDS`); the keys a section may
hold (:data:`_KEYS`) come from it too. Every mistake is an
:class:`~pipeline.errors.InputError` naming the file, the key (``section.key``) and what
was expected; an unknown section or key is refused with the list of known ones.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from pipeline.campaign.config import CampaignConfig
from pipeline.campaign.config_ambassadors import AMBASSADOR_KINDS
from pipeline.campaign.config_models import MODEL_KINDS
from pipeline.campaign.config_read import BASIC_KINDS, Kind, Reader, or_list
from pipeline.campaign.config_spec import Key, sections_of
from pipeline.campaign.config_values import VALUE_KINDS
from pipeline.columns import COLUMN_NAMES, check_columns
from pipeline.errors import InputError

__all__ = ["KINDS", "load_config", "or_list"]

#: The keys a campaign file may hold, per section ("" = top level), as declared.
_KEYS: dict[str, tuple[str, ...]] = sections_of(CampaignConfig)


def load_config(path: str | Path) -> CampaignConfig:
    """Read and validate a campaign TOML file (no input is loaded yet). O(size of file).

    Raises InputError naming the file and key for malformed TOML, unknown
    keys, wrong types, unknown strategies or models, missing files and
    non-positive budgets.
    """
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
    fields = dataclasses.fields(CampaignConfig)
    r = Reader(p, doc, fields, KINDS)  # messages name the path as the user gave it
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
    r.values["path"] = p
    return CampaignConfig(**{f.name: r.value(f.name) for f in fields})


def _name(r: Reader, key: Key, default: Any) -> str:
    return r.text(key.name) or r.path.stem


def _output(r: Reader, key: Key, default: Any) -> Path:
    output = r.text(key.name)
    if output is None:
        raise r.fail(key.name, "missing; expected the results folder")
    for part in Path(output).parts:
        if len(part.encode("utf-8")) > 255:  # NAME_MAX of every common file system
            raise r.fail(
                key.name, f"a folder name of {len(part.encode('utf-8'))} bytes; file systems "
                "allow at most 255 per name",
            )  # fmt: skip
    return (r.path.resolve().parent / output).resolve()


def _edge_meaning(r: Reader, key: Key, default: Any) -> str:
    # as pipeline.read_graph: edge files default to follows, GraphML and GML to influences
    fmt = r.value("graph_format")
    kind = fmt or Path(str(r.raw("inputs.graph") or "")).suffix.lower().lstrip(".")
    meaning = "influences" if kind in ("graphml", "gml") else default
    return str(BASIC_KINDS["choice"].read(r, key, meaning))


def _columns(r: Reader, key: Key, default: Any) -> dict[str, dict[str, str]]:
    """``[inputs.columns.<table>]``: each table's canonical name -> file column."""
    v = r.raw(key.name)
    if v is None:
        return dict(default)
    if not isinstance(v, dict):
        raise r.fail(key.name, "expected tables such as [inputs.columns.graph]")
    out: dict[str, dict[str, str]] = {}
    for table, mapping in v.items():
        where = f"{key.name}.{table}"
        if table not in COLUMN_NAMES:
            raise r.fail(where, f"unknown table; expected one of {', '.join(COLUMN_NAMES)}")
        out[table] = check_columns(mapping, COLUMN_NAMES[table], f"{r.path}: {where}")
    graph = out.get("graph", {})
    for end in ("source", "target"):
        if end in graph and r.raw(f"inputs.{end}_col") is not None:
            raise r.fail(f"{key.name}.graph.{end}", f"also given as inputs.{end}_col; give it once")
    return out


def _columns_schema(key: Key) -> dict[str, Any]:
    tables = {
        t: {
            "type": "object",
            "properties": {c: {"type": "string", "minLength": 1} for c in names},
            "additionalProperties": False,
        }
        for t, names in COLUMN_NAMES.items()
    }
    return {"type": "object", "properties": tables, "additionalProperties": False}


def _strategies(r: Reader, key: Key, default: Any) -> tuple[str, ...]:
    from pipeline.seeding.registry import get_strategy, strategy_names

    strategies = r.names(key.name) or tuple(default)
    for s in strategies:
        try:
            get_strategy(s)
        except InputError as exc:
            message = f"unknown strategy {s!r}; expected {or_list(strategy_names())}"
            raise r.fail(key.name, message if "@" not in s else str(exc)) from None
    return strategies


def _strategies_schema(key: Key) -> dict[str, Any]:
    from pipeline.seeding.registry import strategy_names

    names = {"type": "string", "enum": list(strategy_names())}
    scenario = {"type": "string", "pattern": r"^[a-z-]+@[0-9.eE+-]+x$"}
    return _array_of({"anyOf": [names, scenario]})


def _positive(r: Reader, key: Key, default: Any) -> tuple[float, ...]:
    arr = r.array(key.name) or []
    for x in arr:
        if isinstance(x, bool) or not isinstance(x, int | float) or not 0 < x < float("inf"):
            raise r.fail(key.name, f"expected positive numbers, got {x!r}")
    if len(set(arr)) != len(arr):
        raise r.fail(key.name, f"repeated entries in {arr!r}")
    return tuple(float(x) for x in arr)


def _shares(r: Reader, key: Key, default: Any) -> tuple[float, ...]:
    shares = _positive(r, key, default)
    for x in shares:
        if x > 1:
            raise r.fail(
                key.name,
                f"{x:g} is more than the brand's whole budget; a share is a fraction in "
                "(0, 1] (0.25 = a quarter); put amounts in grid.budgets",
            )
    return shares


def _k(r: Reader, key: Key, default: Any) -> tuple[int, ...]:
    ks = r.array(key.name) or []
    for x in ks:
        if isinstance(x, bool) or not isinstance(x, int) or x < 1:
            raise r.fail(key.name, f"expected positive integers (seed counts), got {x!r}")
    if len(set(ks)) != len(ks):
        raise r.fail(key.name, f"repeated entries in {ks!r}")
    if not (r.value("budgets") or r.value("budget_shares") or ks):
        raise r.fail("grid", "no budgets, budget_shares or k; the grid needs at least one level")
    return tuple(ks)


def _baseline(r: Reader, key: Key, default: Any) -> str:
    baseline = r.text(key.name, default) or default
    strategies = r.value("strategies")
    if baseline not in strategies:
        raise r.fail(
            key.name, f"{baseline!r} is not one of grid.strategies ({or_list(strategies)})"
        )
    return str(baseline)


def _competition(r: Reader, key: Key, default: Any) -> tuple[str, ...]:
    arr = r.array(key.name)
    if arr is None:
        return tuple(default)
    if not all(isinstance(x, str) and x for x in arr) or len(set(arr)) != len(arr):
        raise r.fail(key.name, f"expected distinct brand names, got {arr!r}")
    if len(arr) < 2:
        raise r.fail(key.name, "a competition needs two or more brands")
    grid_brands = r.value("brands")
    if grid_brands is not None:
        for b in arr:
            if b not in grid_brands:
                raise r.fail(key.name, f"{b!r} is not one of grid.brands")
    if any(m.name == "lt" for m in r.value("models")):
        raise r.fail(key.name, "competition supports the cascade models ic, wc, tv")
    return tuple(arr)


def _array_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": 1, "uniqueItems": True}


_STRING = {"type": "string", "minLength": 1}

#: Every kind of key a declaration may name: how it is read and described in the schema.
KINDS: dict[str, Kind] = {
    **BASIC_KINDS,
    **VALUE_KINDS,
    **AMBASSADOR_KINDS,
    **MODEL_KINDS,
    "name": Kind(_name, lambda k: dict(_STRING)),
    "output": Kind(_output, lambda k: dict(_STRING)),
    "edge_meaning": Kind(_edge_meaning, BASIC_KINDS["choice"].schema),
    "columns": Kind(_columns, _columns_schema),
    "strategies": Kind(_strategies, _strategies_schema),
    "budgets": Kind(_positive, lambda k: _array_of({"type": "number", "exclusiveMinimum": 0})),
    "budget_shares": Kind(
        _shares, lambda k: _array_of({"type": "number", "exclusiveMinimum": 0, "maximum": 1})
    ),
    "k": Kind(_k, lambda k: _array_of({"type": "integer", "minimum": 1})),
    "baseline": Kind(_baseline, lambda k: dict(_STRING)),
    "competition": Kind(
        _competition,
        lambda k: {"type": "array", "items": _STRING, "minItems": 2, "uniqueItems": True},
    ),
}
