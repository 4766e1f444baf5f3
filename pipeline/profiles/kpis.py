"""The KPIs a marketer buys, and what a plan is judged by when profiles cannot project them.

The platform KPIs (formulas in ``docs/projection.md``, computed by
:mod:`pipeline.profiles.audience` and the simulation kernels) are

- ``engagements``: Σ over posters of ER_u q_u A_u (likes, comments, shares ...);
- ``impressions``: Σ over posters of r_u q_u A_u (views of the posts);
- ``people``: the unique people those impressions reach.

Each counts the creators' own posts (paid reach) and what the cascade earns beyond
them; the ``earned_`` counterparts leave the creators' own posts out. A KPI needs
the profiles to say how big the creators' platform audiences are (``followers``)
and, for engagements, how engaged (``engagement_rate``); without them
:func:`kpi_objective` falls back to the in-graph measure of the same event and says
so: engagements -> ``activated`` accounts, impressions and people -> ``exposed``
accounts.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipeline.measures import EARNED_KPIS, KPIS
from pipeline.profiles.accounts import Profiles

__all__ = ["EARNED_KPIS", "KPIS", "KPI_FALLBACK", "kpi_objective"]

#: The in-graph measure of the same event, when a KPI cannot be projected.
KPI_FALLBACK: dict[str, str] = {
    "engagements": "activated",
    "impressions": "exposed",
    "people": "exposed",
    "earned_engagements": "earned_activated",
    "earned_impressions": "earned_exposed",
    "earned_people": "earned_exposed",
}


def kpi_objective(profiles: Profiles | None, objective: str) -> tuple[str, str | None]:
    """``(objective used, note)``: ``objective`` itself when the profiles can project it
    (or it is an in-graph measure), else its :data:`KPI_FALLBACK` and a one-line note
    naming what is missing. O(n)."""
    if objective not in KPI_FALLBACK:
        return objective, None
    fallback = KPI_FALLBACK[objective]
    missing = None
    if profiles is None or not bool(profiles.has_profile.any()):
        missing = "no profiles"
    else:
        t = profiles.table
        has = pl.Series(profiles.has_profile)
        if "followers" not in profiles.given:
            missing = "no followers column in the profiles"
        elif objective.endswith("engagements"):
            er = t["engagement_rate"].cast(pl.Float64).filter(has).to_numpy()
            if not np.isfinite(er).any():
                missing = "no engagement_rate in the profiles"
    if missing is None:
        return objective, None
    return fallback, (
        f"{missing}, so {objective.replace('_', ' ')} cannot be projected; "
        f"judging by {fallback.replace('_', ' ')} accounts (in-graph) instead"
    )
