"""What a creator really costs: the post fee, a cost model, and per-creator overhead.

A contracted creator costs the brand her post fee plus the overhead of
running one more contract (briefing, negotiation, product, shipping, review):

``cost_u = fee_u + per_creator``

``fee_u`` is the profile's ``cost`` column; where it is missing and a cost
model is given, ``fee_u = fixed + per_follower * followers_u``, the linear
cost model of Bakshy, Hofman, Mason, Watts (2011, "Everyone's an
influencer", WSDM), who price a seed as a fixed cost per contract plus a cost
per follower and show that the cheapest reach per unit spent comes from
ordinary accounts once the fixed part is non-negligible. A missing fee with no
model stays unknown (NaN), and a budget then refuses that account.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.profiles import Profiles

__all__ = ["CostModel"]


def _check(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InputError(f"{name} must be a number >= 0 (currency units), got {value!r}")
    if not math.isfinite(float(value)) or float(value) < 0:
        raise InputError(f"{name} must be a finite number >= 0 (currency units), got {value}")
    return float(value)


@dataclass(frozen=True)
class CostModel:
    """Per-creator overhead and an optional linear fee model, in currency units.

    ``per_creator``: added to every contracted seed's fee (>= 0, default 0).
    ``fixed`` and ``per_follower``: the fee of an account whose profile has no
    ``cost``, ``fixed + per_follower * followers``; both None = no model (the
    fee stays unknown). Giving one of the two means the other is 0.
    """

    per_creator: float = 0.0
    fixed: float | None = None
    per_follower: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "per_creator", _check("per_creator", self.per_creator) or 0.0)
        fixed = _check("fixed", self.fixed)
        per = _check("per_follower", self.per_follower)
        if fixed is not None or per is not None:
            fixed, per = fixed or 0.0, per or 0.0
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "per_follower", per)

    @property
    def has_model(self) -> bool:
        return self.fixed is not None

    def fees(
        self, fee: NDArray[np.floating], followers: NDArray[np.floating] | None
    ) -> NDArray[np.float64]:
        """Each account's fee: ``fee`` where known, else the model's (NaN without one). O(n)."""
        out = np.asarray(fee, dtype=np.float64).copy()
        missing = ~np.isfinite(out)
        if self.has_model and missing.any():
            if followers is None:
                raise InputError(
                    "the cost model (fixed + per_follower x followers) needs a 'followers' "
                    "column in the profiles"
                )
            f = np.asarray(followers, dtype=np.float64)
            assert self.fixed is not None and self.per_follower is not None
            out[missing] = self.fixed + self.per_follower * f[missing]
        return out

    def contract_costs(
        self, fee: NDArray[np.floating], followers: NDArray[np.floating] | None
    ) -> NDArray[np.float64]:
        """What contracting each account costs: its fee plus ``per_creator`` (NaN if
        the fee is unknown). O(n)."""
        return self.fees(fee, followers) + self.per_creator

    def of_profiles(self, profiles: Profiles) -> NDArray[np.float64]:
        """What contracting each node of ``profiles`` costs (NaN where the fee is unknown and
        there is no model). A fee model needs the file's ``followers`` column: InputError
        naming the profiles file otherwise. O(n)."""
        fee = profiles.table["cost"].to_numpy().astype(np.float64)
        followers = (
            profiles.table["followers"].to_numpy().astype(np.float64)
            if "followers" in profiles.given
            else None
        )
        try:
            cost = self.contract_costs(np.where(np.isfinite(fee), fee, np.nan), followers)
        except InputError as exc:
            raise InputError(f"{profiles.path}: {exc}") from None
        return np.where(np.isfinite(cost), cost, np.nan)

    def describe(self) -> str:
        parts = []
        if self.per_creator:
            parts.append(f"{self.per_creator:,.2f} per creator")
        if self.has_model:
            parts.append(f"missing fees = {self.fixed:,.2f} + {self.per_follower:g} x followers")
        return "; ".join(parts) or "profile fees only"
