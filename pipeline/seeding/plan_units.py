"""What a chosen plan buys in platform units: people, engagements and their cost.

:func:`plan_units` simulates a seed set under the model it was chosen for, with the
brand's sender factor and the audience quality the seeding used, and projects every run
to the platform (:mod:`pipeline.profiles.audience`, ``docs/projection.md``): impressions,
engagements and unique people, with 95% intervals, and the cost per engagement and per
person. A figure the profiles cannot give is None, never one computed from the
sample's counts: without any followers value nothing is projected (and nothing is
simulated), without an engagement rate no engagements; ``notes`` says why, one line
(:func:`pipeline.profiles.audience.unprojectable`). O(runs x cascade size).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.diffusion.model_ref import Model
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import Profiles, TierThresholds
from pipeline.profiles.audience import ReachRates, audience, unprojectable

__all__ = ["plan_units"]


def plan_units(
    graph: FollowerGraph,
    nodes: NDArray[np.integer],
    model: str | Model,
    profiles: Profiles,
    *,
    cost: float,
    sender_factor: NDArray[np.floating] | None = None,
    reach_rates: ReachRates | None = None,
    thresholds: TierThresholds | None = None,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    max_steps: int | None = None,
) -> dict[str, Any]:
    """``projected_impressions``, ``projected_engagements``, ``projected_people`` (means)
    with ``*_ci`` (95%), ``cost_per_engagement``, ``cost_per_person``, ``projection_runs``
    and ``notes`` (a list of lines) of the plan ``nodes`` costing ``cost``. A figure
    that cannot be projected, or that the plan makes none of (for a cost per unit), is
    None; ``notes`` says why (module docstring)."""
    from pipeline.diffusion import simulate

    gaps = unprojectable(profiles)
    notes = list(dict.fromkeys(gaps.values()))  # one line per reason
    out: dict[str, Any] = {}
    if len(gaps) < len(_UNITS):  # something can be projected: simulate the plan
        quality = profiles.real_audience
        res = simulate(
            graph, np.asarray(nodes), model, runs=runs, seed=seed, max_steps=max_steps,
            sender_factor=sender_factor, quality=quality if (quality < 1.0).any() else None,
            projection=audience(profiles, reach_rates, thresholds).kernel_rows(),
        )  # fmt: skip
        out = {k: v for k, v in res.summary().items() if k.startswith("projected_")}
    for unit in _UNITS:
        key = f"projected_{unit}"
        if unit in gaps or not _finite(out.get(key)):
            out[key], out[f"{key}_ci"] = None, None
    eng, people = out["projected_engagements"], out["projected_people"]
    out["cost_per_engagement"] = cost / eng if eng else None
    out["cost_per_person"] = cost / people if people else None
    out["projection_runs"] = runs if len(gaps) < len(_UNITS) else 0
    out["notes"] = notes
    return out


#: The platform units a plan is projected to.
_UNITS = ("people", "impressions", "engagements")


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
