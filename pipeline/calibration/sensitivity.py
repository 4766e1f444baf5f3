"""How a fitted model's forecast moves with its parameter: the sensitivity curve.

For factors around the fit (``0.25 ... 4`` times the fitted p, scale or shrink), the
fit items are simulated from their seeds and the earned bias (Σ simulated mean earned
reach / Σ actual) is recorded, with the simulated mean offspring of non-seed
activations (the empirical branching factor) at the fitted value. Common random
numbers across factors, so the curve is monotone. O(factors · items · runs · cascade).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.calibration.fit import Calibration
from pipeline.calibration.forecast import forecast_runs
from pipeline.calibration.outcomes import item_outcomes
from pipeline.graph_io import FollowerGraph

if TYPE_CHECKING:
    from pipeline.calibration.actions import Cascades

__all__ = ["FACTORS", "sensitivity"]

FACTORS: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0)


def sensitivity(
    graph: FollowerGraph,
    cascades: Cascades,
    cal: Calibration,
    *,
    runs: int = 20,
    seed: int = 0,
    cap: int,
    factors: tuple[float, ...] = FACTORS,
) -> dict[str, Any]:
    """``{"curve": [{"factor", "value", "earned_bias"}], "offspring": ...}`` on the items
    ``cal`` was fitted on whose window fits in the data (see module docstring)."""
    end = float(cascades.time.max())
    items = np.flatnonzero(cascades.start + cal.horizon <= end).astype(np.int32)
    out = item_outcomes(graph, cascades, items, horizon=cal.horizon)
    actual = float(out.earned.sum())
    curve: list[dict[str, Any]] = []
    offspring = None
    if cal.unit_p is not None:
        unit = cal.unit_p.astype(np.float64)
    else:  # per unit of p, c or shrink (edges clipped at 1 stay clipped)
        base = cal.edge_p.astype(np.float64)
        unit = base / cal.value if cal.value > 0 else base
    rows = np.zeros(runs, dtype=np.int32)
    for fct in factors:
        p = np.minimum(1.0, unit * cal.value * fct).astype(np.float32)[None, :]
        f = forecast_runs(graph, out.seeds, p, rows, item_key=out.items, seed=seed, cap=cap)
        total = float(f.mean().sum())
        curve.append(
            {
                "factor": fct,
                "value": cal.value * fct,
                "earned_bias": total / actual if actual > 0 else None,
            }
        )
        if fct == 1.0:
            offspring = f.offspring()
    return {
        "items": int(out.items.size),
        "actual_earned": actual,
        "curve": curve,
        "offspring": offspring,
    }
