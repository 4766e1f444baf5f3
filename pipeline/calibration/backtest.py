"""Backtesting forecasts of earned reach on held-out cascades: :func:`backtest`.

Protocol (``docs/calibration.md``):

1. Items are ordered by first adoption (ties by item ID); items starting after the
   data's end minus the horizon are dropped. The rest are split **by count** into
   train, validation and test (``split``, e.g. 0.7, 0.1, 0.2); an item never spans two
   splits. With several ``origins`` the test window is placed at the 60/70/80% (...)
   item quantiles and the metrics' spread is reported.
2. Models are fitted on events before the first test item starts: training items
   whose window runs past that boundary are censored (see
   :mod:`pipeline.calibration.evidence`). Per-edge methods fit their shrink on the
   validation items.
3. Each test item is seeded with its seeds (initiators by default) and its earned
   reach is simulated ``runs`` times; a calibrated row spreads the runs over its
   bootstrap refits (``runs / bootstrap`` each), so its ranges carry parameter
   uncertainty. Baselines need no simulation.
4. Rows are scored by :func:`pipeline.calibration.metrics.score`; ``by_tier``
   compares items seeded by a top-1% account (by in-graph follower count, or the
   ``followers`` given) with the rest.

Cost: the calibrations plus O(rows · test items · runs · cascade size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.calibration.fit import MAX_BYTES, PER_EDGE_METHODS, calibrate, observed_cap
from pipeline.calibration.forecast import forecast_runs
from pipeline.calibration.metrics import (
    METRICS,
    Prediction,
    log_linear_baseline,
    ratio_baseline,
    score,
)
from pipeline.calibration.outcomes import Outcomes, item_outcomes, parse_seed_rule
from pipeline.calibration.rows import DEFAULT_MODELS, RowSpec, parse_models, split_items
from pipeline.diffusion.models import check_seed, wc_probabilities
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

if TYPE_CHECKING:
    from pipeline.calibration.actions import Cascades

__all__ = ["TRAIN_EVENTS", "BacktestResult", "backtest"]

TRAIN_EVENTS = ("before-test", "item-windows")


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Scores per row and origin, the by-tier table and per-item predictions."""

    models: list[dict[str, Any]]
    by_tier: list[dict[str, Any]]
    items: dict[str, Any]
    info: dict[str, Any]
    origins: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.info,
            "models": self.models,
            "by_tier": self.by_tier,
            "origins": self.origins,
            "origin_spread": self.origin_spread(),
            "items": self.items,
        }

    def origin_spread(self) -> list[dict[str, Any]]:
        """Per row, each metric's [lowest, highest] over the test origins (empty with one
        origin)."""
        out: list[dict[str, Any]] = []
        if not self.origins:
            return out
        for name in (r["model"] for r in self.origins[0]["models"]):
            rows = [r for o in self.origins for r in o["models"] if r["model"] == name]
            entry: dict[str, Any] = {"model": name}
            for metric in METRICS:
                vals = [r[metric] for r in rows if r[metric] is not None]
                entry[metric] = [min(vals), max(vals)] if vals else None
            out.append(entry)
        return out


def _features(graph: FollowerGraph, out: Outcomes) -> NDArray[np.float64]:
    deg = graph.follower_count
    return np.array([[s.size, float(deg[s].sum())] for s in out.seeds], dtype=np.float64).reshape(
        -1, 2
    )


def _simulated(
    name: str,
    kind: str,
    graph: FollowerGraph,
    test: Outcomes,
    edge_p: NDArray[np.floating],
    runs: int,
    *,
    seed: int,
    cap: int,
) -> Prediction:
    rows = np.atleast_2d(edge_p)
    run_row = np.arange(runs, dtype=np.int32) % rows.shape[0]
    f = forecast_runs(graph, test.seeds, rows, run_row, item_key=test.items, seed=seed, cap=cap)
    q = f.quantiles((0.05, 0.95, 0.025, 0.975))
    return Prediction(name, kind, f.mean(), f.mean_log2(), q, f.capped)


def _by_tier(
    graph: FollowerGraph,
    test: Outcomes,
    preds: list[Prediction],
    followers: NDArray[np.float64] | None,
    *,
    seed: int,
) -> list[dict[str, Any]]:
    size = graph.follower_count.astype(np.float64) if followers is None else followers
    top = size >= np.quantile(size, 0.99)
    has_top = np.array([bool(top[s].any()) for s in test.seeds])
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x7135]))
    out = []
    for group, mask in (("top1pct", has_top), ("rest", ~has_top)):
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            continue
        seeds = test.n_seeds[idx].astype(float)
        y = test.earned[idx].astype(float)
        boot = rng.integers(0, idx.size, size=(1000, idx.size))
        actual = float(y.sum() / seeds.sum())
        for p in preds:
            m = p.mean[idx]
            ratio = m[boot].sum(axis=1) / seeds[boot].sum(axis=1)
            out.append(
                {
                    "group": group,
                    "model": p.name,
                    "items": int(idx.size),
                    "seeds": int(seeds.sum()),
                    "actual_per_seed": actual,
                    "predicted_per_seed": float(m.sum() / seeds.sum()),
                    "ci": [float(np.percentile(ratio, 2.5)), float(np.percentile(ratio, 97.5))],
                }
            )
    return out


def _one_origin(
    graph: FollowerGraph,
    cascades: Cascades,
    usable: NDArray[np.int32],
    specs: list[RowSpec],
    split: tuple[float, float, float],
    origin: float | None,
    *,
    horizon: float,
    seeds: str,
    runs: int,
    bootstrap: int,
    seed: int,
    cap: int,
    step: float,
    saved: list[tuple[str, Any]],
    followers: NDArray[np.float64] | None,
    train_events: str,
) -> tuple[list[Prediction], Outcomes, dict[str, Any]]:
    tr, va, te = split_items(usable.size, split, origin)
    train, val, test_pos = usable[tr], usable[va], usable[te]
    test_start = float(cascades.start[test_pos[0]])
    boundary = test_start if train_events == "before-test" else float(cascades.time.max())
    test = item_outcomes(graph, cascades, test_pos, horizon=horizon, seeds=seeds)
    if test.items.size == 0:
        raise InputError("no test item has a seed in the graph; check «seeds» and the graph")
    full = train[cascades.start[train] + horizon <= boundary]
    tr_out = item_outcomes(graph, cascades, full, horizon=horizon, seeds=seeds)
    if tr_out.items.size < 3:
        raise InputError(
            f"only {tr_out.items.size} training item(s) have a complete {horizon / 86400:g}-day "
            "window before the first test item starts; shorten «horizon», change «split», or "
            "pass «train_events» item-windows (each training item observed over its whole window)"
        )
    preds: list[Prediction] = []
    fits: dict[str, Any] = {}
    for spec in specs:
        if spec.kind == "preset":
            ep = wc_probabilities(graph) if spec.p is None else np.full(graph.m, spec.p, np.float32)
            preds.append(_simulated(spec.name, "preset", graph, test, ep, runs, seed=seed, cap=cap))
            continue
        assert spec.method is not None
        items = np.concatenate([train, val]) if spec.method in PER_EDGE_METHODS else train
        validation = val.size / max(1, items.size) if spec.method in PER_EDGE_METHODS else 0.1
        if spec.method in PER_EDGE_METHODS and val.size == 0:
            raise InputError(
                f"{spec.method} needs validation items: give «split» a validation share"
            )
        cal = calibrate(
            graph,
            cascades,
            spec.method,
            items=items,
            horizon=horizon,
            boundary=boundary,
            validation=validation,
            bootstrap=bootstrap,
            seed=seed,
            step=step,
            cap=cap,
        )
        fits[spec.name] = cal.summary()
        draws = cal.draws if bootstrap else cal.edge_p[None, :]
        preds.append(
            _simulated(spec.name, "calibrated", graph, test, draws, runs, seed=seed, cap=cap)
        )
    for name, model_p in saved:
        preds.append(_simulated(name, "calibrated", graph, test, model_p, runs, seed=seed, cap=cap))
    preds.append(ratio_baseline(tr_out.earned, tr_out.n_seeds, test.n_seeds))
    fits[preds[-1].name] = {"ratio": float(np.median(tr_out.earned / tr_out.n_seeds))}
    preds.append(
        log_linear_baseline(tr_out.earned, _features(graph, tr_out), _features(graph, test))
    )
    info = {
        "train_items": int(train.size),
        "validation_items": int(val.size),
        "test_items": int(test.items.size),
        "test_items_without_seed": test.no_seed,
        # adopters absent from the graph: exogenous, among the actual adopters, not earned
        "test_adopters": int(test.adopters.sum() + test.outside.sum()),
        "test_adopters_outside_graph": int(test.outside.sum()),
        "test_start": test_start,
        "train_boundary": boundary,
        "fits": fits,
    }
    return preds, test, info


def backtest(
    graph: FollowerGraph,
    cascades: Cascades,
    *,
    horizon: float,
    split: tuple[float, float, float] = (0.7, 0.1, 0.2),
    models: str | list[RowSpec] = DEFAULT_MODELS,
    seeds: str = "auto",
    runs: int = defaults.BACKTEST_RUNS,
    bootstrap: int = 20,
    origins: int = 1,
    seed: int = 0,
    step: float = 86400.0,
    saved: list[tuple[str, NDArray[np.floating]]] | None = None,
    followers: NDArray[np.float64] | None = None,
    train_events: str = "before-test",
) -> BacktestResult:
    """Score each model's forecasts of earned reach on held-out items (module docstring).

    ``horizon``, ``step`` in seconds; ``saved``: extra rows ``(name, edge probabilities)``
    from saved calibrated models; ``followers``: per-node audience for ``by_tier``
    (default in-graph follower counts); ``train_events``: ``before-test`` (only events
    before the first test item starts; training windows cut by it are censored) or
    ``item-windows`` (each training item over its whole window, which may overlap the
    test period in calendar time; no test item's event is ever used)."""
    if train_events not in TRAIN_EVENTS:
        raise InputError(
            f"«train_events» must be one of {', '.join(TRAIN_EVENTS)}, got {train_events!r}"
        )
    specs = parse_models(models) if isinstance(models, str) else models
    saved = list(saved or [])
    for spec in specs:
        if spec.kind == "file":
            from pipeline.diffusion.model_ref import resolve

            mr = resolve(spec.name, graph=graph)
            ep = mr.edge_p if mr.edge_p is not None else np.full(graph.m, mr.p, np.float32)
            saved.append((spec.name, ep))
    specs = [s for s in specs if s.kind != "file"]
    if not horizon > 0:
        raise InputError(f"the «horizon» must be positive, got {horizon:g} seconds")
    seed = check_seed(seed)
    parse_seed_rule(seeds)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise InputError(f"«runs» must be an integer >= 1, got {runs!r}")
    if bootstrap and runs % bootstrap:
        raise InputError(f"«runs» ({runs}) must be a multiple of «bootstrap» ({bootstrap})")
    if isinstance(origins, bool) or not isinstance(origins, int) or not 1 <= origins <= 5:
        raise InputError(f"«origins» must be 1 to 5, got {origins!r}")
    end = float(cascades.time.max())
    usable = np.flatnonzero(cascades.start <= end - horizon).astype(np.int32)
    dropped = int(cascades.n_items - usable.size)
    test_start = split[0] + split[1]
    places = (
        [test_start]
        if origins == 1
        else [test_start - 0.1 * (origins - 1 - i) for i in range(origins)]
    )
    # the run cap from the items before every test window: no test outcome leaks into it
    cap = observed_cap(graph, cascades, usable[: max(1, round(min(places) * usable.size))], horizon)
    per_row = usable.size * runs * 16  # activations and depths, int64, per forecast
    if per_row > MAX_BYTES:
        raise InputError(
            f"«runs» {runs:,} for up to {usable.size:,} test items would take "
            f"{per_row / 2**30:,.1f} GiB per row (limit {MAX_BYTES / 2**30:g} GiB); use fewer runs"
        )
    runs_by_origin = []
    for where in places:
        preds, test, info = _one_origin(
            graph,
            cascades,
            usable,
            specs,
            split,
            where,
            horizon=horizon,
            seeds=seeds,
            runs=runs,
            bootstrap=bootstrap,
            seed=seed,
            cap=cap,
            step=step,
            saved=saved,
            followers=followers,
            train_events=train_events,
        )
        runs_by_origin.append((where, preds, test, info))
    where, preds, test, info = runs_by_origin[-1]
    scored = [score(p, test.earned, seed=seed) for p in preds]
    scored.sort(key=lambda r: (r["msle"] is None, r["msle"]))
    origin_rows = []
    for w, ps, t, inf in runs_by_origin:
        origin_rows.append(
            {
                "origin": w,
                "test_items": inf["test_items"],
                "models": [score(p, t.earned, seed=seed) for p in ps],
            }
        )
    items = {
        "item": cascades.items.gather(test.items).to_list(),
        "seeds": test.n_seeds.tolist(),
        "actual": test.earned.tolist(),
        "adopters": test.adopters.tolist(),
        "outside_graph": test.outside.tolist(),
    }
    for p in preds:
        items[f"{p.name} mean"] = p.mean.tolist()
        if p.bounds is not None:
            items[f"{p.name} p05"] = p.bounds[:, 0].tolist()
            items[f"{p.name} p95"] = p.bounds[:, 1].tolist()
    result_info = {
        "test_items": info["test_items"],
        "horizon_days": horizon / 86400.0,
        "split": list(split),
        "train_events": train_events,
        "runs": runs,
        "bootstrap": bootstrap,
        "seed": seed,
        "seeds": seeds,
        "cap": cap,
        "items_dropped_late": dropped,
        "tiers_by": "in-graph followers" if followers is None else "given followers",
        **{k: v for k, v in info.items() if k != "test_items"},
    }
    return BacktestResult(
        scored,
        _by_tier(graph, test, preds, followers, seed=seed),
        items,
        result_info,
        origin_rows if origins > 1 else [],
    )
