"""What a campaign measures, named once for every step: the in-graph counts per run,
the platform KPIs projected from them, the objectives a verdict can judge by, and the
tie margin of verdicts.

A foundation module (no imports from the steps): the campaign reader validates
objectives and margins with it, the simulator's projection names its KPIs from it and
:mod:`pipeline.aggregate` judges by it. O(1).
"""

from __future__ import annotations

import math

from pipeline.errors import InputError

__all__ = [
    "EARNED_KPIS",
    "KPIS",
    "MEASURES",
    "METRICS",
    "METRIC_WORDS",
    "OBJECTIVES",
    "PROJECTED",
    "TIE_MARGIN",
    "check_tie_margin",
]

#: Platform KPIs, paid plus earned (the creators' own posts included).
KPIS: tuple[str, ...] = ("engagements", "impressions", "people")
#: The same KPIs without the creators' own posts.
EARNED_KPIS: tuple[str, ...] = tuple(f"earned_{k}" for k in KPIS)
#: In-graph counts per run (accounts of the sample graph), the earned ones without the
#: paid seeds.
METRICS: tuple[str, ...] = ("activated", "exposed", "earned_activated", "earned_exposed")
#: Plain words for each measure, as verdicts name them.
METRIC_WORDS: dict[str, str] = {
    "activated": "activated accounts (in-graph)",
    "exposed": "exposed accounts (in-graph)",
    "earned_activated": "earned activations (in-graph accounts)",
    "earned_exposed": "earned exposure (in-graph accounts)",
    "engagements": "engagements",
    "impressions": "impressions",
    "people": "people reached",
    "earned_engagements": "earned engagements",
    "earned_impressions": "earned impressions",
    "earned_people": "earned people reached",
}
#: Platform units per run (docs/projection.md): the KPIs, then their earned parts.
PROJECTED: tuple[str, ...] = (*KPIS, *EARNED_KPIS)
MEASURES: tuple[str, ...] = METRICS + PROJECTED
#: What a verdict can judge by: the simulated counts and the platform units.
OBJECTIVES: tuple[str, ...] = MEASURES
#: Differences within this share of the larger mean are ties in verdicts.
TIE_MARGIN = 0.02


def check_tie_margin(value: object, where: str = "tie_margin") -> float:
    """``value`` as a tie margin: a share of the larger mean in [0, 1). InputError
    otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where} must be a number in [0, 1), got {value!r}")
    x = float(value)
    if not (math.isfinite(x) and 0.0 <= x < 1.0):
        raise InputError(f"{where} must be a number in [0, 1), got {value!r}")
    return x
