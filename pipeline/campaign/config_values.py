"""Campaign file values about the outcome's units: ``objective``, ``tie_margin``,
``[projection] reach_rate``, and ``[valuation] default_cpm`` and ``currency``; and the
creator filters and tier thresholds of ``[seeding]``.

Each reader takes the file reader of :mod:`pipeline.campaign.config_file` and raises
its one-line error naming the file and key.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pipeline import defaults
from pipeline.campaign.config_models import or_list
from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.campaign.config_file import _Reader

__all__ = [
    "creators",
    "currency",
    "default_cpm",
    "objective",
    "reach_rate",
    "thresholds",
    "tie_margin",
]


def currency(r: _Reader) -> str | None:
    v = r.text("valuation.currency")
    if v is not None and (len(v) > 4 or any(ch in v for ch in "<>&\"'")):
        raise r.fail("valuation.currency", f"expected a short symbol such as $ or EUR, got {v!r}")
    return v


def objective(r: _Reader) -> str:
    from pipeline.aggregate import OBJECTIVES

    v = r.text("objective", defaults.OBJECTIVE) or defaults.OBJECTIVE
    if v not in OBJECTIVES:
        raise r.fail("objective", f"unknown objective {v!r}; expected {or_list(OBJECTIVES)}")
    return v


def reach_rate(r: _Reader) -> Any:
    """``projection.reach_rate``: a rate, or tables by tier, platform, platform x tier."""
    from pipeline.profiles.audience import ReachRates

    v = r.raw("projection.reach_rate")
    if v is None:
        return None
    return ReachRates.parse(v, f"{r.path}: projection.reach_rate")


def default_cpm(r: _Reader) -> float | dict[str, float] | None:
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


def tie_margin(r: _Reader) -> float | None:
    """``tie_margin``: the share of the larger mean within which two strategies tie
    (display only: verdicts read it from the manifest; not a setting of the cells)."""
    from pipeline.aggregate.outcomes import check_tie_margin

    v = r.raw("tie_margin")
    if v is None:
        return None
    try:
        return check_tie_margin(v, "tie_margin")
    except InputError as exc:
        raise r.fail("tie_margin", str(exc).removeprefix("tie_margin ")) from None


def creators(r: _Reader, strings: Any) -> Any:
    """``[seeding] platforms, tiers, min_followers, max_followers`` as a CreatorFilter."""
    from pipeline.profiles import CreatorFilter

    bounds = []
    for key in ("seeding.min_followers", "seeding.max_followers"):
        v = r.raw(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v < 0):
            raise r.fail(key, f"expected a number of followers >= 0, got {v!r}")
        bounds.append(v)
    try:
        return CreatorFilter.of(strings("seeding.platforms"), strings("seeding.tiers"), *bounds)
    except InputError as exc:
        raise r.fail("seeding", str(exc)) from None


def thresholds(r: _Reader) -> tuple[int, int, int, int] | None:
    """``[seeding] tier_thresholds = [micro, mid, macro, mega]`` (lower follower bounds)."""
    from pipeline.profiles import TierThresholds

    arr = r.array("seeding.tier_thresholds")
    if arr is None:
        return None
    if len(arr) != 4 or not all(isinstance(x, int) and not isinstance(x, bool) for x in arr):
        raise r.fail(
            "seeding.tier_thresholds",
            f"expected four integers micro, mid, macro, mega, got {arr!r}",
        )
    try:
        return TierThresholds(*arr).bounds
    except InputError as exc:
        raise r.fail("seeding.tier_thresholds", str(exc)) from None
