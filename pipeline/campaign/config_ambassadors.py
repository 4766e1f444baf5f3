"""Campaign file values about ambassadors: ``[inputs] actions`` (the brands' action log)
and the ``[ambassadors]`` section's ``horizon`` and ``cost_scenarios``, each a reader with
its JSON Schema (:data:`AMBASSADOR_KINDS`); see ``docs/ambassadors.md``. The section's
other keys (``min_actions``, ``max_followers``, ``decay``) and ``[costs] ambassador`` are
plain numbers and booleans of the declaration (:mod:`pipeline.campaign.config`).

The readers take the file reader of :mod:`pipeline.campaign.config_read` and raise its
one-line error naming the file and key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.campaign.config_read import Kind
from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.campaign.config_read import Reader
    from pipeline.campaign.config_spec import Key

__all__ = ["AMBASSADOR_KINDS", "enlists_ambassadors", "scenario_names"]


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


def _actions(r: Reader, key: Key, default: Any) -> Any:
    """``[inputs] actions``: the log's path (None when absent). A strategy that enlists
    ambassadors without it is refused."""
    actions = r.file(key.name, required=False)
    need = [s for s in r.value("strategies") if enlists_ambassadors(s)]
    if need and actions is None:
        raise r.fail(
            "grid.strategies",
            f"{need[0]!r} enlists the brand's ambassadors, found in its action log; add "
            '[inputs] actions = "<log file>" (docs/ambassadors.md)',
        )
    return actions


def _horizon(r: Reader, key: Key, default: Any) -> float:
    """``ambassadors.horizon``: a duration (``365d``, ``12h``, ``3600s``), in seconds."""
    from pipeline.calibration.save import parse_duration

    text = r.raw(key.name)
    if text is None:
        return float(default)
    try:
        return parse_duration(text)
    except InputError:
        raise r.fail(
            key.name, f"expected a duration such as 365d, 12h or 3600s, got {text!r}"
        ) from None


def _cost_scenarios(r: Reader, key: Key, default: Any) -> tuple[float, ...]:
    """``ambassadors.cost_scenarios``: multiples of the ambassador cost (1 is the cost
    itself, so it is dropped)."""
    multiples = r.array(key.name)
    if multiples is None:
        multiples = list(default)
    for x in multiples:
        if isinstance(x, bool) or not isinstance(x, int | float) or not 0 < x < 1e6:
            raise r.fail(
                key.name, f"expected multiples of the ambassador cost such as [0.5, 2], got {x!r}"
            )
    if len(set(multiples)) != len(multiples):
        raise r.fail(key.name, f"repeated entries in {multiples!r}")
    return tuple(float(x) for x in multiples if x != 1)


_DURATION = r"^\s*[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?\s*[smhdw]?\s*$"

#: The readers of the action log, the horizon and the cost scenarios.
AMBASSADOR_KINDS: dict[str, Kind] = {
    "actions": Kind(_actions, lambda k: {"type": "string", "minLength": 1}),
    "duration": Kind(
        _horizon,
        lambda k: {
            "anyOf": [{"type": "string", "pattern": _DURATION}, {"type": "number", "minimum": 0}]
        },
    ),
    "cost_scenarios": Kind(
        _cost_scenarios,
        lambda k: {
            "type": "array",
            "items": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1e6},
            "minItems": 1,
            "uniqueItems": True,
        },
    ),
}
