"""Which creators a manager will consider: platform, tier and follower range.

A :class:`CreatorFilter` keeps the profiled accounts whose ``platform`` (lower-case) is
one of ``platforms``, whose ``tier`` is one of ``tiers`` and whose platform
``followers`` lie in ``[min_followers, max_followers]``; an account missing a value a
set condition needs (no platform, no follower count) is left out. Seeding
(``select_seeds``, ``influence seed``), ranking (``influence rank``) and campaigns
(``[seeding] platforms, tiers, min_followers, max_followers``) share it. O(n).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.profiles.tiers import TIER_NAMES

if TYPE_CHECKING:
    from pipeline.profiles.accounts import Profiles

__all__ = ["CreatorFilter"]


@dataclass(frozen=True)
class CreatorFilter:
    """Conditions on creators; None (or empty) means no condition."""

    platforms: tuple[str, ...] | None = None
    tiers: tuple[str, ...] | None = None
    min_followers: int | None = None
    max_followers: int | None = None

    @classmethod
    def of(
        cls,
        platforms: Sequence[str] | None = None,
        tiers: Sequence[str] | None = None,
        min_followers: float | None = None,
        max_followers: float | None = None,
    ) -> CreatorFilter:
        """A checked filter: known tiers, non-negative bounds with min <= max; platform
        names lower-cased (as the profiles store them)."""
        plats = tuple(sorted({p.strip().lower() for p in platforms or () if p.strip()})) or None
        tier_set = tuple(t.strip().lower() for t in tiers or () if t.strip()) or None
        bad = [t for t in tier_set or () if t not in TIER_NAMES]
        if bad:
            raise InputError(
                f"unknown «tier» {', '.join(map(repr, bad))}; expected {', '.join(TIER_NAMES)}"
            )
        bounds: list[int | None] = []
        for name, v in (("min_followers", min_followers), ("max_followers", max_followers)):
            if v is None:
                bounds.append(None)
                continue
            if isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0:
                raise InputError(f"«{name}» must be a number >= 0, got {v!r}")
            bounds.append(int(v))
        lo, hi = bounds
        if lo is not None and hi is not None and lo > hi:
            raise InputError(f"«min_followers» ({lo:,}) is above «max_followers» ({hi:,})")
        order = {t: i for i, t in enumerate(TIER_NAMES)}
        tiers_sorted = tuple(sorted(set(tier_set), key=order.__getitem__)) if tier_set else None
        return cls(plats, tiers_sorted, lo, hi)

    @property
    def active(self) -> bool:
        return any(
            v is not None
            for v in (self.platforms, self.tiers, self.min_followers, self.max_followers)
        )

    def settings(self) -> dict[str, Any]:
        """The set conditions, for a results fingerprint and a report."""
        out: dict[str, Any] = {}
        if self.platforms:
            out["platforms"] = list(self.platforms)
        if self.tiers:
            out["tiers"] = list(self.tiers)
        if self.min_followers is not None:
            out["min_followers"] = self.min_followers
        if self.max_followers is not None:
            out["max_followers"] = self.max_followers
        return out

    def describe(self) -> str:
        """The conditions in words, e.g. ``platform instagram, tier micro or mid``."""
        parts = []
        if self.platforms:
            parts.append("platform " + " or ".join(self.platforms))
        if self.tiers:
            parts.append("tier " + " or ".join(self.tiers))
        if self.min_followers is not None:
            parts.append(f"at least {self.min_followers:,} followers")
        if self.max_followers is not None:
            parts.append(f"at most {self.max_followers:,} followers")
        return ", ".join(parts) or "no filter"

    def expr(self) -> pl.Expr:
        """The condition as a polars expression over a profiles table."""
        e = pl.lit(True)
        if self.platforms:
            e = e & pl.col("platform").is_in(list(self.platforms)).fill_null(False)
        if self.tiers:
            e = e & pl.col("tier").cast(pl.String).is_in(list(self.tiers)).fill_null(False)
        if self.min_followers is not None:
            e = e & (pl.col("followers") >= self.min_followers).fill_null(False)
        if self.max_followers is not None:
            e = e & (pl.col("followers") <= self.max_followers).fill_null(False)
        return e

    def mask(self, profiles: Profiles) -> NDArray[np.bool_]:
        """Per node, whether it passes (all True when no condition is set). O(n)."""
        t = profiles.table
        if self.platforms and ("platform" not in t.columns or t["platform"].is_null().all()):
            raise InputError("the profiles have no 'platform' values, so «platform» cannot filter")
        return t.select(self.expr()).to_series().to_numpy().astype(np.bool_)
