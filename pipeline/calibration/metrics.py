"""Scoring forecasts of earned reach against what happened, and the two baselines.

Metrics over test items with predicted mean ``ŷ_i`` and actual earned reach ``y_i``:

- ``earned_bias = Σ ŷ / Σ y`` (1 is right; 2 predicts twice what happened);
- ``earned_wape = Σ |ŷ − y| / Σ y``;
- ``msle = mean_i (ℓ̂_i − log2(1 + y_i))²`` with ``ℓ̂_i`` the mean over runs of
  ``log2(1 + earned)`` (simulated rows) or the fitted log value (regression);
- ``spearman``: rank correlation of ŷ and y (average ranks for ties);
- ``coverage90`` / ``coverage95``: share of items whose y lies inside the row's
  5-95% (2.5-97.5%) simulated range, inclusive.

Each metric gets a 95% bootstrap interval over test items (percentiles of 1,000
resamples). Baselines without simulation: ``|seeds| × median train ratio`` and the
log-linear regression of ``log2(1 + earned)`` on ``log2 |seeds|`` and
``log2(1 + Σ out-degree of the seeds)``, back-transformed with Duan's (1983) smearing
factor. Everything is vectorised NumPy: O(resamples · items).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "METRICS",
    "Prediction",
    "log_linear_baseline",
    "ratio_baseline",
    "score",
    "spearman",
]

METRICS = ("earned_bias", "earned_wape", "msle", "spearman", "coverage90", "coverage95")
RESAMPLES = 1000


@dataclass(frozen=True, eq=False)
class Prediction:
    """One row's forecast per test item: ``mean`` earned reach, ``log2`` (the ℓ̂ of
    msle), and the ``lo90, hi90, lo95, hi95`` bounds (None for rows without intervals)."""

    name: str
    kind: str
    mean: NDArray[np.float64]
    log2: NDArray[np.float64]
    bounds: NDArray[np.float64] | None = None  # items x 4
    capped: int = 0


def _ranks(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Average ranks (ties share the mean of their positions), along the last axis."""
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    n = x.shape[-1]
    pos = np.broadcast_to(np.arange(n, dtype=np.float64), x.shape).copy()
    # mean position within each run of equal values
    new = np.ones(x.shape, dtype=bool)
    new[..., 1:] = xs[..., 1:] != xs[..., :-1]
    grp = np.cumsum(new, axis=-1) - 1
    out = np.empty(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape[:-1]):  # rows of a 2-D batch: resamples, not items
        g = grp[idx]
        sums = np.bincount(g, weights=pos[idx])
        cnt = np.bincount(g)
        r = np.empty(n)
        r[order[idx]] = (sums / cnt)[g]
        out[idx] = r
    return out


def spearman(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Spearman's rank correlation (NaN when either side is constant)."""
    ra, rb = _ranks(np.asarray(a, float)), _ranks(np.asarray(b, float))
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = float(np.sqrt((ra * ra).sum() * (rb * rb).sum()))
    return float((ra * rb).sum() / den) if den > 0 else float("nan")


def _metrics(p: Prediction, y: NDArray[np.float64], idx: NDArray[np.int64]) -> NDArray[np.float64]:
    """Metrics (in METRICS order) for resamples ``idx`` (resamples x items)."""
    yy = y[idx]
    mm = p.mean[idx]
    ly = np.log2(1.0 + yy)
    sy = yy.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        bias = mm.sum(axis=1) / sy
        wape = np.abs(mm - yy).sum(axis=1) / sy
    msle = ((p.log2[idx] - ly) ** 2).mean(axis=1)
    ra, rb = _ranks(mm), _ranks(yy)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (ra * rb).sum(axis=1) / np.sqrt((ra * ra).sum(axis=1) * (rb * rb).sum(axis=1))
    if p.bounds is None:
        c90 = c95 = np.full(idx.shape[0], np.nan)
    else:
        b = p.bounds[idx]
        c90 = ((yy >= b[..., 0]) & (yy <= b[..., 1])).mean(axis=1)
        c95 = ((yy >= b[..., 2]) & (yy <= b[..., 3])).mean(axis=1)
    return np.stack([bias, wape, msle, rho, c90, c95], axis=1)


def _clean(v: float) -> float | None:
    return None if not np.isfinite(v) else float(v)


def score(p: Prediction, y: NDArray[np.int64], *, seed: int = 0) -> dict[str, object]:
    """The metrics of ``p`` against actual earned reach ``y``, each with its 95% interval
    (``ci``: metric -> [low, high]); JSON-ready (NaN as None). O(1000 · items)."""
    yf = np.asarray(y, dtype=np.float64)
    n = yf.size
    point = _metrics(p, yf, np.arange(n)[None, :])[0]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5C0E]))
    boot = _metrics(p, yf, rng.integers(0, n, size=(RESAMPLES, n)))
    out: dict[str, object] = {"model": p.name, "kind": p.kind}
    ci: dict[str, list[float | None]] = {}
    for j, name in enumerate(METRICS):
        out[name] = _clean(point[j])
        col = boot[:, j][np.isfinite(boot[:, j])]
        ci[name] = (
            [_clean(np.percentile(col, 2.5)), _clean(np.percentile(col, 97.5))]
            if col.size
            else [None, None]
        )
    out["ci"] = ci
    out["capped_runs"] = p.capped
    return out


def ratio_baseline(
    train_earned: NDArray[np.int64], train_seeds: NDArray[np.int64], test_seeds: NDArray[np.int64]
) -> Prediction:
    """``|seeds| × median(earned / |seeds|)`` over the training items."""
    ratio = float(np.median(train_earned / train_seeds)) if train_seeds.size else 0.0
    mean = test_seeds.astype(np.float64) * ratio
    return Prediction("baseline: seeds x median ratio", "baseline", mean, np.log2(1.0 + mean))


def log_linear_baseline(
    train_earned: NDArray[np.int64],
    train_features: NDArray[np.float64],
    test_features: NDArray[np.float64],
) -> Prediction:
    """Least squares of ``log2(1 + earned)`` on ``[1, log2 |seeds|, log2(1 + Σ out-degree)]``
    (``*_features``: items x 2 of ``|seeds|`` and summed out-degree); the mean is
    back-transformed with Duan's smearing factor ``mean(2^residual)``."""

    def design(f: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack([np.ones(f.shape[0]), np.log2(f[:, 0]), np.log2(1.0 + f[:, 1])])

    y = np.log2(1.0 + np.asarray(train_earned, dtype=np.float64))
    beta, *_ = np.linalg.lstsq(design(train_features), y, rcond=None)
    smear = float(np.mean(2.0 ** (y - design(train_features) @ beta)))
    fit = design(test_features) @ beta
    mean = np.maximum(0.0, smear * 2.0**fit - 1.0)
    return Prediction("baseline: log-linear regression", "baseline", mean, fit)
