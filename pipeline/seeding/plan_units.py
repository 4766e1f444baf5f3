"""What a chosen plan buys in platform units: people, engagements and their cost.

:func:`plan_units` simulates a seed set under the model it was chosen for, with the
brand's sender factor and the audience quality the seeding used, and projects every run
to the platform (:mod:`pipeline.profiles.audience`, ``docs/projection.md``): impressions,
engagements and unique people, with 95% intervals, and the cost per engagement and per
person. O(runs x cascade size).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.diffusion.model_ref import Model
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import Profiles, TierThresholds
from pipeline.profiles.audience import ReachRates, audience

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
    with ``*_ci`` (95%), and ``cost_per_engagement``, ``cost_per_person`` (None when the
    plan projects none) of the plan ``nodes`` costing ``cost``."""
    from pipeline.diffusion import simulate

    quality = profiles.real_audience
    res = simulate(
        graph, np.asarray(nodes), model, runs=runs, seed=seed, max_steps=max_steps,
        sender_factor=sender_factor, quality=quality if (quality < 1.0).any() else None,
        projection=audience(profiles, reach_rates, thresholds).kernel_rows(),
    )  # fmt: skip
    summary = res.summary()
    out = {k: v for k, v in summary.items() if k.startswith("projected_")}
    eng, people = out["projected_engagements"], out["projected_people"]
    out["cost_per_engagement"] = cost / eng if eng and np.isfinite(eng) and eng > 0 else None
    out["cost_per_person"] = cost / people if people and people > 0 else None
    out["projection_runs"] = runs
    return out
