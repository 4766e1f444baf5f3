"""The account-ID layer for action logs: read a log onto a graph, calibrate a model on
it, backtest forecasts against it and rank the ambassadors it reveals.

Each function is what the matching command runs (``influence calibrate``, ``backtest``,
``ambassadors``), so the CLI and a notebook give the same numbers for the same
arguments. ``actions`` is a log file (CSV, TSV, Parquet; columns account, item, time
and optional seed, via, brand) or a :class:`~pipeline.calibration.actions.Cascades`
already placed on the graph; durations are text such as ``365d``, ``12h`` or ``2w``
(:func:`~pipeline.calibration.save.parse_duration`) or seconds; ``brand`` keeps that
brand's rows of a log file (a ``Cascades`` is used as it was placed). Costs: the called
functions' (reading is O(rows log rows); crediting O(adoptions x followed adopters)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import defaults

if TYPE_CHECKING:
    import polars as pl

    from pipeline.calibration.actions import ActionLog, Cascades
    from pipeline.calibration.backtest import BacktestResult
    from pipeline.calibration.fit import Calibration
    from pipeline.graph_io import FollowerGraph
    from pipeline.profiles import Brands, Profiles

__all__ = [
    "CalibrationRun",
    "backtest",
    "calibrate",
    "rank_ambassadors",
    "read_actions",
    "seconds",
]

#: The commands' default window: adoptions count within a year of an item's first one.
HORIZON = "365d"


def seconds(duration: str | float, what: str = "horizon") -> float:
    """``duration`` in seconds: a number is seconds already; text as ``365d``, ``12h``,
    ``90m``, ``3600s``, ``2w`` or a bare number of days. InputError naming ``what``
    unless it is positive and finite."""
    import math

    from pipeline.calibration.save import parse_duration
    from pipeline.errors import InputError

    if isinstance(duration, int | float) and not isinstance(duration, bool):
        if not (math.isfinite(duration) and duration > 0):
            raise InputError(f"«{what}» must be a positive number of seconds, got {duration!r}")
        return float(duration)
    return parse_duration(str(duration), what)


def read_actions(
    graph: FollowerGraph,
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    brand: str | None = None,
) -> tuple[ActionLog, Cascades]:
    """The action log at ``path`` (checked; ``columns`` renames, e.g. ``{"account":
    "user"}``) and its rows on ``graph`` (``brand``: only that brand's rows). Accounts
    not in the graph are exogenous and counted on the result. O(rows log rows)."""
    from pipeline.calibration.actions import load_actions, place_on

    log = load_actions(path, columns=dict(columns) if columns else None)
    return log, place_on(log, graph, brand=brand)


def _cascades(graph: FollowerGraph, actions: Any, brand: str | None) -> Cascades:
    """A log file read onto ``graph`` (only ``brand``'s rows when given), or a
    :class:`~pipeline.calibration.actions.Cascades` used as it was placed."""
    if isinstance(actions, str | Path):
        return read_actions(graph, actions, brand=brand)[1]
    return actions


@dataclass(frozen=True)
class CalibrationRun:
    """A fit and what ``influence calibrate`` reports beside it: ``calibration`` (the
    :class:`~pipeline.calibration.fit.Calibration`), ``sensitivity`` (earned-reach bias
    as the fitted value is scaled) and ``cap`` (the largest simulated cascade allowed,
    10 x the largest observed)."""

    calibration: Calibration
    sensitivity: dict[str, Any]
    cap: int

    def summary(self) -> dict[str, Any]:
        """The fit's summary with the sensitivity curve: the command's ``--json``."""
        return {**self.calibration.summary(), "sensitivity": self.sensitivity}


def calibrate(
    graph: FollowerGraph,
    actions: str | Path | Cascades,
    method: str = "partial-credit",
    *,
    horizon: str | float = HORIZON,
    validation: float = 0.1,
    bootstrap: int = 20,
    seed: int = defaults.SEED,
    step: str | float = "1d",
    prior_strength: float = 20.0,
    brand: str | None = None,
) -> CalibrationRun:
    """Fit ``method`` (``global-p``, ``bernoulli``, ``partial-credit``, ``wc-scale``,
    ``em``) to the log, with bootstrap intervals over items and the sensitivity curve:
    ``influence calibrate``. Write it with
    :func:`~pipeline.calibration.save.save_calibration`. O(adoptions x in-degree x
    (bootstrap + 1)) plus the sensitivity simulations."""
    import numpy as np

    from pipeline.calibration.fit import calibrate as fit
    from pipeline.calibration.fit import observed_cap
    from pipeline.calibration.sensitivity import sensitivity

    h, st = seconds(horizon), seconds(step, "step")
    cas = _cascades(graph, actions, brand)
    cal = fit(graph, cas, method, horizon=h, validation=validation, bootstrap=bootstrap,
              seed=seed, step=st, prior_strength=prior_strength)  # fmt: skip
    cap = observed_cap(graph, cas, np.arange(cas.n_items), h)
    return CalibrationRun(cal, sensitivity(graph, cas, cal, seed=seed, cap=cap), cap)


def backtest(
    graph: FollowerGraph,
    actions: str | Path | Cascades,
    *,
    horizon: str | float = HORIZON,
    split: tuple[float, float, float] = (0.7, 0.1, 0.2),
    models: str = "ic:0.01,ic:0.025,wc,calibrated",
    seeds: str = "auto",
    runs: int = defaults.BACKTEST_RUNS,
    bootstrap: int = 20,
    origins: int = 1,
    train_events: str = "before-test",
    step: str | float = "1d",
    seed: int = defaults.SEED,
    brand: str | None = None,
    profiles: Profiles | None = None,
) -> BacktestResult:
    """Score each model's forecasts of earned reach on held-out items: ``influence
    backtest``. ``profiles`` splits items by tier on platform followers instead of
    in-graph ones. O(test items x rows x runs x cascade size)."""
    import polars as pl

    from pipeline.calibration.backtest import backtest as run

    followers = None
    if profiles is not None:
        col = profiles.table["followers"].cast(pl.Float64).fill_null(0.0)
        followers = col.to_numpy()
    return run(graph, _cascades(graph, actions, brand), horizon=seconds(horizon), split=split,
               models=models, seeds=seeds, runs=runs, bootstrap=bootstrap, origins=origins,
               seed=seed, step=seconds(step, "step"), train_events=train_events,
               followers=followers)  # fmt: skip


def rank_ambassadors(
    graph: FollowerGraph,
    actions: str | Path | Cascades,
    *,
    horizon: str | float = HORIZON,
    decay: bool = False,
    items: str | None = None,
    min_actions: int = 1,
    top: int | None = 20,
    brand: str | None = None,
    profiles: Profiles | None = None,
    brands: Brands | None = None,
) -> pl.DataFrame:
    """The accounts whose posts already moved people, by influence credit, best first
    (``top``; None for all): ``influence ambassadors``. ``items`` is a glob over item
    IDs; ``profiles`` adds handles and platform followers, and with ``brands`` and
    ``brand`` each account's topic relevance (shown, never excluding anyone).
    O(adoptions x followed adopters)."""
    from pipeline.calibration.ambassadors import item_positions
    from pipeline.calibration.ambassadors import rank_ambassadors as rank

    cas = _cascades(graph, actions, brand)
    fit = None
    if brands is not None:
        from pipeline.errors import InputError
        from pipeline.profiles import relevance

        if brand is None or profiles is None:
            raise InputError("«brands» needs «brand» and «profiles» (relevance is a fit of "
                             "the brand's topics to the profiles')")  # fmt: skip
        brands.check(brand)
        fit = relevance(profiles, brands, brand)
    return rank(graph, cas, horizon=seconds(horizon), decay=decay,
                items=item_positions(cas, items), min_actions=min_actions, top=top,
                profiles=profiles, relevance=fit)  # fmt: skip
