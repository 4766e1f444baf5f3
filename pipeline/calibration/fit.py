"""Calibrating a diffusion model on an action log: :func:`calibrate` -> :class:`Calibration`.

The methods (formulas in :mod:`pipeline.calibration.likelihood`):

- ``global-p`` and ``em`` (step-aware): one IC probability p by maximum likelihood;
- ``wc-scale``: ``p_uv = min(1, c / in-degree(v))``, c by maximum likelihood;
- ``bernoulli`` and ``partial-credit``: per-edge posterior means under a Beta prior
  centred on the global p, then multiplied by one **shrink** factor fitted on the
  validation items (the latest share of the items by first adoption) by bisection,
  so that simulated earned reach over them equals what happened (earned bias 1); the
  validation items are the latest whose window is complete by the end of the usable data.

Intervals come from a bootstrap over items: each refit draws the fit items (and the
validation items) with replacement and refits everything, the prior included. The
refits' edge probabilities are kept (``draws``) so forecasts carry the parameter
uncertainty. Cost: O(bootstrap · (evidence rows + m)) plus the shrink simulations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pipeline.calibration import likelihood as lk
from pipeline.calibration.evidence import Evidence, gather_evidence
from pipeline.calibration.forecast import forecast_runs
from pipeline.calibration.outcomes import Outcomes, item_outcomes
from pipeline.diffusion.models import check_seed
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

if TYPE_CHECKING:
    from pipeline.calibration.actions import Cascades

__all__ = [
    "GLOBAL_METHODS",
    "METHODS",
    "PER_EDGE_METHODS",
    "Calibration",
    "calibrate",
    "fit_shrink",
]

METHODS: tuple[str, ...] = ("global-p", "bernoulli", "partial-credit", "wc-scale", "em")
GLOBAL_METHODS = ("global-p", "em")
PER_EDGE_METHODS = ("bernoulli", "partial-credit")
MAX_BYTES = 4 * 2**30
"""The most memory a calibration or backtest array may take (refit draws, run outcomes)."""
SHRINK_RUNS = 20
"""Runs per validation item at each step of the shrink bisection (half that in the
bootstrap refits, whose spread is dominated by the resampling of items)."""


@dataclass(frozen=True, eq=False)
class Calibration:
    """A fitted model. ``value`` is p (global-p, em), c (wc-scale) or the shrink factor
    (per-edge methods); ``ci`` its 95% bootstrap interval (2.5 and 97.5 percentiles).
    ``edge_p`` (float32, m) are the fitted edge probabilities, ``draws`` (float32,
    bootstrap x m) the refits', ``unit_p`` the edge probabilities per unit of ``value``
    before clipping at 1 (so ``edge_p = min(1, value * unit_p)``)."""

    method: str
    value: float
    ci: tuple[float, float]
    edge_p: NDArray[np.float32]
    draws: NDArray[np.float32]
    horizon: float
    step: float
    items: int
    adoptions: int
    initiators: int
    failures: int
    censored_items: int
    fit_window: tuple[float, float]
    branching_factor: float
    prior_p: float | None = None
    prior_strength: float | None = None
    edges_with_data: int | None = None
    validation_items: int = 0
    unit_p: NDArray[np.float32] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.method in GLOBAL_METHODS:
            return f"{self.method} p={self.value:.3g}"
        if self.method == "wc-scale":
            return f"wc-scale c={self.value:.3g}"
        return f"{self.method} shrink={self.value:.3g}"

    def summary(self) -> dict[str, Any]:
        """The fitted values and counts, JSON-ready (the ``--json`` of calibrate)."""
        out: dict[str, Any] = {"method": self.method}
        if self.method in GLOBAL_METHODS:
            out |= {"p": self.value, "p_ci": list(self.ci)}
        elif self.method == "wc-scale":
            out |= {"scale": self.value, "scale_ci": list(self.ci)}
        else:
            out |= {
                "prior_p": self.prior_p,
                "prior_strength": self.prior_strength,
                "shrink": self.value,
                "shrink_ci": list(self.ci),
                "edges_with_data": self.edges_with_data,
            }
        out |= {
            "branching_factor": self.branching_factor,
            "horizon_days": self.horizon / 86400.0,
            "items": self.items,
            "validation_items": self.validation_items,
            "censored_items": self.censored_items,
            "adoptions": self.adoptions,
            "initiators": self.initiators,
            "failures": self.failures,
            "fit_window": list(self.fit_window),
        }
        if self.step:
            out["step_seconds"] = self.step
        return out


def fit_shrink(
    graph: FollowerGraph,
    base_p: NDArray[np.floating],
    out: Outcomes,
    *,
    seed: int,
    cap: int,
    runs: int = SHRINK_RUNS,
    weights: NDArray[np.float64] | None = None,
    start: float = 1.0,
) -> float:
    """The factor λ with Σ simulated earned reach = Σ actual over ``out``'s items,
    simulating on ``min(1, λ · base_p)``: bracketed from ``start`` by factors of 4, then
    bisected on log λ to 1% (common random numbers, so the simulated total is monotone
    in λ). O(15 · items · runs · cascade)."""
    w = np.ones(out.items.size) if weights is None else weights
    target = float((w * out.earned).sum())
    if out.items.size == 0:
        raise InputError("no validation item has a seed in the graph; cannot fit the shrink")
    if target <= 0:
        return 0.0
    base = np.asarray(base_p, dtype=np.float64)
    rows = np.zeros(runs, dtype=np.int32)

    def total(lam: float) -> float:
        p = np.minimum(1.0, lam * base).astype(np.float32)[None, :]
        f = forecast_runs(graph, out.seeds, p, rows, item_key=out.items, seed=seed, cap=cap)
        return float((w * f.mean()).sum())

    # bracket the root from ``start`` by factors of 4 (cheap near the answer, where
    # cascades are subcritical), then bisect log λ to 1% relative
    x = float(np.log(start)) if start > 0 else 0.0
    step = float(np.log(4.0))
    below = total(float(np.exp(x))) < target
    lo = hi = x
    for _ in range(12):
        if below:
            lo, hi = hi, hi + step
            if total(float(np.exp(hi))) >= target:
                break
        else:
            lo, hi = lo - step, lo
            if total(float(np.exp(lo))) < target:
                break
    else:
        return float(np.exp(hi if below else lo))  # out of range: the bound reached
    while hi - lo > 0.01:
        mid = 0.5 * (lo + hi)
        if total(float(np.exp(mid))) < target:
            lo = mid
        else:
            hi = mid
    return float(np.exp(0.5 * (lo + hi)))


def _point(
    graph: FollowerGraph,
    method: str,
    ev: Evidence,
    val: Outcomes | None,
    w_fit: NDArray[np.float64] | None,
    w_val: NDArray[np.float64] | None,
    *,
    prior_strength: float,
    seed: int,
    cap: int,
    start: float = 1.0,
) -> tuple[float, NDArray[np.float64], float | None, NDArray[np.float64]]:
    """One fit: ``(value, edge probabilities, prior p)``."""
    if method in GLOBAL_METHODS:
        p = lk.fit_em(ev, w_fit)[0] if method == "em" else lk.fit_global_p(ev, w_fit)
        return p, np.full(graph.m, p), None, np.ones(graph.m)
    if method == "wc-scale":
        c = lk.fit_wc_scale(graph, ev, w_fit)
        indeg = np.diff(graph.in_ptr).astype(np.float64)
        unit = 1.0 / indeg[graph.out_idx]
        return c, np.minimum(1.0, c * unit), None, unit
    p0 = lk.fit_global_p(ev, w_fit)
    succ, trials = lk.edge_counts(graph, ev, w_fit, credit=method)
    base = lk.per_edge_probabilities(succ, trials, p0, prior_strength)
    assert val is not None
    runs = SHRINK_RUNS if w_val is None else SHRINK_RUNS // 2
    lam = fit_shrink(graph, base, val, seed=seed, cap=cap, weights=w_val, start=start, runs=runs)
    return lam, np.minimum(1.0, lam * base), p0, base


def calibrate(
    graph: FollowerGraph,
    cascades: Cascades,
    method: str,
    *,
    items: NDArray[np.integer] | None = None,
    horizon: float,
    boundary: float | None = None,
    validation: float = 0.1,
    bootstrap: int = 20,
    seed: int = 0,
    step: float = 0.0,
    prior_strength: float = lk.DEFAULT_PRIOR_STRENGTH,
    cap: int | None = None,
) -> Calibration:
    """Fit ``method`` on ``items`` (item positions; default all) of ``cascades``.

    ``horizon``/``step``/``boundary`` in seconds (``boundary`` defaults to the log's
    last time: items whose window runs past it are censored). Per-edge methods hold
    out the latest ``validation`` share of the items whose window is complete by the
    boundary (by first adoption) to fit the shrink. ``bootstrap`` refits give the
    interval and the draws. ``em`` needs ``step > 0``. ``cap`` bounds a simulated
    cascade (default 10 x the largest observed one, at least 100)."""
    if method not in METHODS:
        raise InputError(f"unknown «method» {method!r}; expected one of {', '.join(METHODS)}")
    if method == "em" and not step > 0:
        raise InputError("the em method needs a time step («step»), e.g. 1d")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise InputError(f"«bootstrap» must be an integer >= 0, got {bootstrap!r}")
    seed = check_seed(seed)
    if bootstrap * graph.m * 4 > MAX_BYTES:
        raise InputError(
            f"«bootstrap» {bootstrap:,} refits would keep "
            f"{bootstrap * graph.m * 4 / 2**30:,.1f} GiB of edge probabilities "
            f"(limit {MAX_BYTES / 2**30:g} GiB); use fewer refits"
        )
    all_items = (
        np.arange(cascades.n_items, dtype=np.int32)
        if items is None
        else np.asarray(items, np.int32)
    )
    bound = float(cascades.time.max()) if boundary is None else float(boundary)
    fit_items, val_items = all_items, np.zeros(0, dtype=np.int32)
    if method in PER_EDGE_METHODS:
        if not 0.0 < validation < 1.0:
            raise InputError(f"«validation» must be a share in (0, 1), got {validation:g}")
        # the latest items whose window is complete by the boundary: an incomplete
        # window would undercount what an item earned (and, in a backtest, look past it)
        complete = all_items[cascades.start[all_items] + horizon <= bound]
        n_val = max(1, round(validation * complete.size))
        if n_val >= complete.size:
            raise InputError(
                f"too few items with a complete {horizon / 86400:g}-day window "
                f"({complete.size}) to hold out a validation set; lower «validation» or "
                "«horizon»"
            )
        val_items = complete[-n_val:]
        fit_items = all_items[~np.isin(all_items, val_items)]
    ev = gather_evidence(
        graph,
        cascades,
        fit_items,
        horizon=horizon,
        boundary=bound,
        step=step if method == "em" else 0.0,
    )
    if ev.n_items == 0:
        raise InputError(
            f"no item's {horizon / 86400:g}-day window fits inside the data: shorten "
            "«horizon» or give more data"
        )
    val = None
    if method in PER_EDGE_METHODS:
        val = item_outcomes(graph, cascades, val_items, horizon=horizon)
    if cap is None:
        cap = observed_cap(graph, cascades, all_items, horizon)
    kw = {"prior_strength": prior_strength, "seed": seed, "cap": cap}
    value, edge_p, p0, unit = _point(graph, method, ev, val, None, None, **kw)  # type: ignore[arg-type]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xB007]))
    draws = np.empty((bootstrap, graph.m), dtype=np.float32)
    values = np.empty(bootstrap)
    for b in range(bootstrap):
        w_fit = rng.multinomial(ev.n_items, np.full(ev.n_items, 1.0 / ev.n_items)).astype(float)
        w_val = None
        if val is not None and val.items.size:
            n_v = val.items.size
            w_val = rng.multinomial(n_v, np.full(n_v, 1.0 / n_v)).astype(float)
        values[b], pe, _, _ = _point(graph, method, ev, val, w_fit, w_val, **kw, start=value or 1.0)  # type: ignore[arg-type]
        draws[b] = pe
    ci = (
        (float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5)))
        if bootstrap
        else (value, value)
    )
    starts = cascades.start[ev.items]
    return Calibration(
        method=method,
        value=float(value),
        ci=ci,
        edge_p=edge_p.astype(np.float32),
        draws=draws,
        unit_p=unit.astype(np.float32),
        horizon=float(horizon),
        step=float(step) if method == "em" else 0.0,
        items=ev.n_items,
        adoptions=ev.adoptions,
        initiators=ev.initiators,
        failures=ev.failures,
        censored_items=ev.censored_items,
        fit_window=(float(starts.min()), float(min(bound, starts.max() + horizon))),
        branching_factor=lk.branching_factor(
            graph, float(value) if method in GLOBAL_METHODS else edge_p
        ),
        prior_p=p0,
        prior_strength=prior_strength if method in PER_EDGE_METHODS else None,
        edges_with_data=int((lk.edge_counts(graph, ev)[1] > 0).sum())
        if method in PER_EDGE_METHODS
        else None,
        validation_items=int(val.items.size) if val is not None else 0,
    )


def observed_cap(
    graph: FollowerGraph, cascades: Cascades, items: NDArray[np.integer], horizon: float
) -> int:
    """The largest simulated cascade allowed: 10 x the largest in-graph cascade observed
    inside its window, at least 100 and at most the graph's size. O(rows)."""
    out = item_outcomes(graph, cascades, items, horizon=horizon)
    biggest = int(out.adopters.max()) if out.adopters.size else 10
    return int(min(graph.n, max(100, 10 * biggest)))
