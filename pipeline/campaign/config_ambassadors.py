"""Campaign file values about ambassadors: ``[inputs] actions``, ``[costs] ambassador`` and
the ``[ambassadors]`` section (``horizon``, ``min_actions``, ``max_followers``, ``decay``,
``cost_scenarios``); see ``docs/ambassadors.md``.

The reader takes the file reader of :mod:`pipeline.campaign.config_file` and raises its
one-line error naming the file and key.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pipeline import defaults
from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.campaign.config_file import _Reader

__all__ = ["AMBASSADOR_KEYS", "ambassador_settings", "enlists_ambassadors", "scenario_names"]

#: The keys of the ``[ambassadors]`` section.
AMBASSADOR_KEYS: tuple[str, ...] = (
    "horizon", "min_actions", "max_followers", "decay", "cost_scenarios",
)  # fmt: skip


def enlists_ambassadors(strategy: str) -> bool:
    """Whether ``strategy`` (or its cost scenario) chooses from the action log's ambassadors."""
    from pipeline.seeding.registry import get_strategy

    try:
        return get_strategy(strategy).pool != "paid"
    except InputError:
        return False


def scenario_names(strategies: tuple[str, ...], multiples: tuple[float, ...]) -> list[str]:
    """The cost-scenario strategies a campaign adds under its plan model: each listed
    strategy that enlists ambassadors (not itself a scenario) at each multiple of the
    ambassador cost, ``mixed@0.5x``; those already listed are not repeated."""
    out = []
    for s in strategies:
        if "@" in s or not enlists_ambassadors(s):
            continue
        for x in multiples:
            name = f"{s}@{x:g}x"
            if name not in strategies and name not in out:
                out.append(name)
    return out


def ambassador_settings(r: _Reader, strategies: tuple[str, ...]) -> dict[str, Any]:
    """The :class:`~pipeline.campaign.config.CampaignConfig` fields of the ambassador keys:
    ``actions`` (the log's path, None), ``ambassador_cost``, ``ambassador_horizon``
    (seconds), ``ambassador_min_actions``, ``ambassador_max_followers``,
    ``ambassador_decay`` and ``cost_scenarios``.
    A strategy that enlists ambassadors without ``[inputs] actions`` is refused."""
    from pipeline.calibration.save import parse_duration

    actions = r.file("inputs.actions", required=False)
    need = [s for s in strategies if enlists_ambassadors(s)]
    if need and actions is None:
        raise r.fail(
            "grid.strategies",
            f"{need[0]!r} enlists the brand's ambassadors, found in its action log; add "
            '[inputs] actions = "<log file>" (docs/ambassadors.md)',
        )
    cost = r.raw("costs.ambassador")
    if cost is None:
        cost = defaults.AMBASSADOR_COST
    elif (
        isinstance(cost, bool)
        or not isinstance(cost, int | float)
        or not (math.isfinite(cost) and cost >= 0)
    ):
        raise r.fail("costs.ambassador", f"expected a number >= 0 (currency units), got {cost!r}")
    text = r.raw("ambassadors.horizon")
    try:
        horizon = parse_duration("365d" if text is None else text)
    except InputError:
        raise r.fail(
            "ambassadors.horizon", f"expected a duration such as 365d, 12h or 3600s, got {text!r}"
        ) from None
    multiples = r.array("ambassadors.cost_scenarios")
    if multiples is None:
        multiples = list(defaults.AMBASSADOR_COST_SCENARIOS)
    for x in multiples:
        if isinstance(x, bool) or not isinstance(x, int | float) or not 0 < x < 1e6:
            raise r.fail(
                "ambassadors.cost_scenarios",
                f"expected multiples of the ambassador cost such as [0.5, 2], got {x!r}",
            )
    if len(set(multiples)) != len(multiples):
        raise r.fail("ambassadors.cost_scenarios", f"repeated entries in {multiples!r}")
    return {
        "actions": actions,
        "ambassador_cost": float(cost),
        "ambassador_horizon": horizon,
        "ambassador_min_actions": r.integer("ambassadors.min_actions", 1, 1) or 1,
        "ambassador_decay": r.boolean("ambassadors.decay", False),
        "ambassador_max_followers": r.integer(
            "ambassadors.max_followers", defaults.AMBASSADOR_MAX_FOLLOWERS, 1
        ),
        "cost_scenarios": tuple(float(x) for x in multiples if x != 1),
    }
