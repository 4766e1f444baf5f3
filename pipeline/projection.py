"""From in-graph counts to platform units: projected impressions and engagements.

The follower graph is a *sample* of a platform: creator ``s`` has ``f_s``
followers in the graph but ``F_s`` on the platform (the profile's
``followers``), of whom a share ``q_s`` are real (``real_audience``). In a
simulation, ``s``'s post is seen by its real in-graph followers, ``q_s f_s`` in
expectation; on the platform it is seen by ``q_s F_s`` real followers. So one
in-graph exposure of ``s``'s audience stands for ``F_s / f_s`` platform
impressions. For a plan ``S`` we pool the creators, weighting each by the
in-graph exposures it makes::

    kappa(S) = sum_s q_s F_s / sum_s q_s f_s          (impressions per in-graph exposure)
    impressions = kappa(S) x earned_exposed           (per run; seeds themselves left out)
    engagements = impressions x e(S),  e(S) = sum_s q_s F_s e_s / sum_s q_s F_s

``e_s`` is the creator's engagement rate; ``e(S)`` weights it by the real
audience each creator brings. The same ``kappa`` scales the exposures of later
cascade steps (followers of activated accounts that are not creators): that
assumes the graph samples those audiences at the rate it samples the creators'.
On a plan whose cascades stop at the creators' followers, ``impressions`` is
exactly the creators' real platform audience (``sum_s q_s F_s`` when every
real follower is exposed). Costs then give ``cost_per_engagement = cost /
engagements`` and ``cost_per_mille = 1000 x cost / impressions``; a valuation
CPM gives ``emv = impressions x cpm / 1000``. O(seeds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pipeline.profiles import Profiles

__all__ = ["PlatformScale", "platform_scale"]


@dataclass(frozen=True)
class PlatformScale:
    """``impressions_per_exposure`` (kappa) and ``engagement_rate`` (e) of a plan; NaN
    when unknown (no seed, no in-graph follower, or no engagement rate)."""

    impressions_per_exposure: float
    engagement_rate: float

    def impressions(self, earned_exposed: NDArray[np.integer]) -> NDArray[np.float64]:
        """Projected impressions per run (float64; NaN when kappa is unknown)."""
        return np.asarray(earned_exposed, dtype=np.float64) * self.impressions_per_exposure

    def engagements(self, earned_exposed: NDArray[np.integer]) -> NDArray[np.float64]:
        """Projected engagements per run (float64; NaN when e or kappa is unknown)."""
        return self.impressions(earned_exposed) * self.engagement_rate


def platform_scale(profiles: Profiles, nodes: NDArray[np.integer]) -> PlatformScale:
    """The projection of a plan ``nodes`` (dense indices) to platform units. O(seeds)."""
    idx = np.asarray(nodes, dtype=np.int64)
    if idx.size == 0:
        return PlatformScale(math.nan, math.nan)
    t = profiles.table
    big_f = t["followers"].to_numpy().astype(np.float64)[idx]
    small_f = t["followers_in_graph"].to_numpy().astype(np.float64)[idx]
    q = profiles.real_audience[idx]
    er = t["engagement_rate"].cast(float).fill_null(np.nan).to_numpy()[idx]
    real = q * np.nan_to_num(big_f)
    seen = float((q * small_f).sum())
    kappa = float(real.sum()) / seen if seen > 0 else math.nan
    known = np.isfinite(er)
    if known.any() and real[known].sum() > 0:
        e = float((real[known] * er[known]).sum() / real[known].sum())
    else:
        e = math.nan
    return PlatformScale(kappa, e)
