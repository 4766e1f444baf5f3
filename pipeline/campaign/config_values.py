"""Campaign file values about the outcome's units: ``objective``, ``tie_margin``,
``[projection] reach_rate``, and ``[valuation] default_cpm`` and ``currency``; and the
creator filters and tier thresholds of ``[seeding]``: each a reader with its JSON Schema
(:data:`VALUE_KINDS`).

Each reader takes the file reader of :mod:`pipeline.campaign.config_read` and raises
its one-line error naming the file and key.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pipeline.campaign.config_read import Kind, or_list
from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.campaign.config_read import Reader
    from pipeline.campaign.config_spec import Key

__all__ = ["VALUE_KINDS", "resolved_cpm", "resolved_reach_rates"]

_RATE = {"type": "number", "minimum": 0, "maximum": 1}
_CPM = {"type": "number", "minimum": 0}


def _currency(r: Reader, key: Key, default: Any) -> str | None:
    v = r.text(key.name, default)
    if v is not None and (len(v) > 4 or any(ch in v for ch in "<>&\"'")):
        raise r.fail(key.name, f"expected a short symbol such as $ or EUR, got {v!r}")
    return v


def _objective(r: Reader, key: Key, default: Any) -> str:
    from pipeline.measures import OBJECTIVES

    v = r.text(key.name, default) or default
    if v not in OBJECTIVES:
        raise r.fail(key.name, f"unknown objective {v!r}; expected {or_list(OBJECTIVES)}")
    return str(v)


def _objective_schema(key: Key) -> dict[str, Any]:
    from pipeline.measures import OBJECTIVES

    return {"type": "string", "enum": list(OBJECTIVES)}


def _reach_rate(r: Reader, key: Key, default: Any) -> Any:
    """``projection.reach_rate``: a rate, or tables by tier, platform, platform x tier."""
    from pipeline.profiles.audience import ReachRates

    v = r.raw(key.name)
    if v is None:
        return default
    return ReachRates.parse(v, f"{r.path}: {key.name}")


def _default_cpm(r: Reader, key: Key, default: Any) -> float | dict[str, float] | None:
    """``valuation.default_cpm``: one number, or a table of numbers per platform."""
    v = r.raw(key.name)
    if v is None:
        return default
    items = v.items() if isinstance(v, dict) else [("", v)]
    out: dict[str, float] = {}
    for name, x in items:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x < 0:
            raise r.fail(
                key.name + (f".{name}" if name else ""),
                f"expected a number >= 0 (currency per 1,000 impressions), got {x!r}",
            )
        out[str(name).strip().lower()] = float(x)
    if not out:
        raise r.fail(key.name, "empty table; expected platform = number pairs")
    return out[""] if not isinstance(v, dict) else out


def _tie_margin(r: Reader, key: Key, default: Any) -> float | None:
    """``tie_margin``: the share of the larger mean within which two strategies tie
    (display only: verdicts read it from the manifest; not a setting of the cells)."""
    from pipeline.measures import check_tie_margin

    v = r.raw(key.name)
    if v is None:
        return default
    try:
        return check_tie_margin(v, "tie_margin")
    except InputError as exc:
        raise r.fail(key.name, str(exc).removeprefix("tie_margin ")) from None


def _creators(r: Reader, key: Key, default: Any) -> Any:
    """``[seeding] platforms, tiers, min_followers, max_followers`` as a CreatorFilter."""
    from pipeline.profiles import CreatorFilter

    bounds = []
    for name in ("seeding.min_followers", "seeding.max_followers"):
        v = r.raw(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v < 0):
            raise r.fail(name, f"expected a number of followers >= 0, got {v!r}")
        bounds.append(v)
    try:
        return CreatorFilter.of(r.names("seeding.platforms"), r.names("seeding.tiers"), *bounds)
    except InputError as exc:
        raise r.fail("seeding", str(exc)) from None


def _thresholds(r: Reader, key: Key, default: Any) -> tuple[int, int, int, int] | None:
    """``[seeding] tier_thresholds = [micro, mid, macro, mega]`` (lower follower bounds)."""
    from pipeline.profiles import TierThresholds

    arr = r.array(key.name)
    if arr is None:
        return default
    if len(arr) != 4 or not all(isinstance(x, int) and not isinstance(x, bool) for x in arr):
        raise r.fail(key.name, f"expected four integers micro, mid, macro, mega, got {arr!r}")
    try:
        return TierThresholds(*arr).bounds
    except InputError as exc:
        raise r.fail(key.name, str(exc)) from None


def resolved_reach_rates(rates: Any) -> dict[str, float]:
    """The table of :class:`~pipeline.profiles.audience.ReachRates` ``rates`` with the
    defaults resolved: ``tier.<t>`` for every tier (an account on a platform without its
    own rate), ``platform.<p>`` and ``<p>.<t>`` as set. It fixes every account's rate
    (``ReachRates.rate``), so it is what the results fingerprint holds."""
    from pipeline.profiles import TIER_NAMES

    given = rates.settings()
    # a platform no table names (accounts without one included) falls to its tier
    unnamed = "\0" + "".join(sorted({p for p, _ in rates.by_platform_tier}
                                     | set(rates.by_platform)))  # fmt: skip
    out = {f"tier.{t}": float(rates.rate(unnamed, t)) for t in TIER_NAMES}
    return out | {k: v for k, v in given.items() if k != "default" and k not in out}


def resolved_cpm(default_cpm: float | dict[str, float] | None) -> float | dict[str, float]:
    """``[valuation] default_cpm`` as given (tables sorted by platform), else the code's
    :data:`~pipeline.valuation.DEFAULT_CPM` by platform."""
    from pipeline.valuation import DEFAULT_CPM

    if default_cpm is None:
        return dict(sorted(DEFAULT_CPM.items()))
    if isinstance(default_cpm, dict):
        return dict(sorted(default_cpm.items()))
    return default_cpm


def _reach_rate_schema(key: Key) -> dict[str, Any]:
    by = {"anyOf": [_RATE, {"type": "object", "additionalProperties": _RATE}]}
    text = {"type": "string", "description": "0.15 or key=rate pairs (micro=0.157,...)"}
    return {"anyOf": [_RATE, text, {"type": "object", "additionalProperties": by}]}


#: The readers of the outcome's units, the creator filters and the tier thresholds.
VALUE_KINDS: dict[str, Kind] = {
    "currency": Kind(
        _currency,
        lambda k: {"type": "string", "minLength": 1, "maxLength": 4, "pattern": "^[^<>&\"']+$"},
    ),
    "objective": Kind(_objective, _objective_schema),
    "reach_rate": Kind(_reach_rate, _reach_rate_schema),
    "default_cpm": Kind(
        _default_cpm,
        lambda k: {
            "anyOf": [_CPM, {"type": "object", "additionalProperties": _CPM, "minProperties": 1}]
        },
    ),
    "tie_margin": Kind(
        _tie_margin, lambda k: {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
    ),
    "creators": Kind(_creators, lambda k: {}),  # each of its keys is described by its kind
    "tier_thresholds": Kind(
        _thresholds,
        lambda k: {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "minItems": 4,
            "maxItems": 4,
        },
    ),
}
