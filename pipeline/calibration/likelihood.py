"""Fitting diffusion probabilities to :class:`~pipeline.calibration.evidence.Evidence`.

- **global-p**: one IC probability ``p`` maximising
  ``L(p) = Σ_{adopters with k ≥ 1 parents} log(1 − (1 − p)^k) + F · log(1 − p)``
  (F failed exposures). ``L`` is concave, so the root of ``L'`` is found by bisection.
- **em**: the same likelihood on step-aware evidence, maximised by the expectation-
  maximisation updates of Saito, Nakano and Kimura (2008, "Prediction of information
  diffusion probabilities for independent cascade model", KES) with one shared ``p``:
  ``p ← Σ_v k_v · p / (1 − (1 − p)^{k_v}) / (Σ_v k_v + F)``.
- **wc-scale**: ``p_uv = min(1, c / in-degree(v))``; ``c`` maximises the same form with
  each term at its edge's probability (concave in c; bisection).
- **bernoulli** / **partial-credit** (Goyal, Bonchi and Lakshmanan 2010, "Learning
  influence probabilities in social networks", WSDM): per edge, successes over trials,
  a success counting 1 (bernoulli) or ``1 / k`` (partial credit), smoothed by a Beta
  prior of mean ``p0`` (the global p) and strength ``s`` pseudo-trials:
  ``p_e = (successes_e + s·p0) / (trials_e + s)``.

Every fit takes per-item weights (1 by default), so a bootstrap over items is a
reweighting. All fits are O(evidence rows) plus O(60) likelihood evaluations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from pipeline.calibration.evidence import Evidence
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

__all__ = [
    "DEFAULT_PRIOR_STRENGTH",
    "branching_factor",
    "edge_counts",
    "fit_em",
    "fit_global_p",
    "fit_wc_scale",
    "global_log_likelihood",
    "per_edge_probabilities",
]

#: Beta prior strength of the per-edge methods, in pseudo-trials: an edge with fewer
#: observed exposures than this stays closer to the global p than to its own rate.
DEFAULT_PRIOR_STRENGTH = 20.0


def _weights(ev: Evidence, w: NDArray[np.float64] | None) -> NDArray[np.float64]:
    return ev.item_weights(w)


def _k_histogram(
    ev: Evidence, w: NDArray[np.float64] | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    wi = _weights(ev, w)
    if ev.succ_k.size == 0:
        ks = np.zeros(0)
        nk = np.zeros(0)
    else:
        counts = np.bincount(ev.succ_k, weights=wi[ev.succ_item])
        nz = np.flatnonzero(counts)
        ks = nz.astype(np.float64)
        nk = counts[nz].astype(np.float64)
    fails = float(wi[ev.fail_item].sum()) if ev.fail_item.size else 0.0
    return ks, nk, fails


def _root_of_decreasing(
    slope: Callable[[float], float], lo: float, hi: float, *, geometric: bool = False
) -> float:
    """The root in ``(lo, hi)`` of a decreasing ``slope`` (the derivative of a concave
    log-likelihood), by bisection to 1e-12 relative; ``geometric`` bisects in log scale
    below 0.5, where small probabilities need relative precision. O(200 slope calls)."""
    for _ in range(200):
        mid = np.sqrt(lo * hi) if geometric and hi < 0.5 else 0.5 * (lo + hi)
        if slope(mid) > 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * hi:
            break
    return float(0.5 * (lo + hi))


def global_log_likelihood(
    ev: Evidence, p: float, weights: NDArray[np.float64] | None = None
) -> float:
    """``L(p)`` of the module docstring (natural log). O(distinct k)."""
    ks, nk, fails = _k_histogram(ev, weights)
    if not 0.0 < p < 1.0:
        raise InputError(f"p must be in (0, 1), got {p:g}")
    return float((nk * np.log1p(-((1.0 - p) ** ks))).sum() + fails * np.log1p(-p))


def _need_data(ev: Evidence, what: str) -> None:
    if ev.succ_k.size == 0:
        raise InputError(
            f"no adoption in the fit data has a parent (an in-neighbour that adopted the "
            f"item earlier), so {what} cannot be fitted: check the edge direction "
            f"(«edge_meaning»), the horizon, or that the log's accounts are the graph's"
        )


def fit_global_p(ev: Evidence, weights: NDArray[np.float64] | None = None) -> float:
    """The maximum-likelihood global ``p``. O(distinct k · 100)."""
    _need_data(ev, "p")
    ks, nk, fails = _k_histogram(ev, weights)
    if fails <= 0:
        return 1.0
    lo, hi = 1e-12, 1.0 - 1e-12

    def slope(p: float) -> float:
        q = 1.0 - p
        return float((nk * ks * q ** (ks - 1) / -np.expm1(ks * np.log(q))).sum() - fails / q)

    return _root_of_decreasing(slope, lo, hi, geometric=True)


def fit_em(
    ev: Evidence, weights: NDArray[np.float64] | None = None, *, tol: float = 1e-10
) -> tuple[float, int]:
    """Saito et al.'s EM for one shared ``p`` on step-aware evidence: ``(p, iterations)``.

    Starts from the share of successful trials; stops when ``p`` moves by less than
    ``tol`` relative. O(iterations · distinct k)."""
    _need_data(ev, "p")
    ks, nk, fails = _k_histogram(ev, weights)
    trials = float((nk * ks).sum()) + fails
    p = float(nk.sum() / trials)
    if p >= 1.0:  # no failure: every trial succeeded, the maximum is p = 1
        return 1.0, 0
    for it in range(1, 10_001):
        with np.errstate(divide="ignore"):  # p = 1 (no failure left): log1p(-1) = -inf
            new = float((nk * ks * p / -np.expm1(ks * np.log1p(-p))).sum() / trials)
        if abs(new - p) <= tol * p:
            return new, it
        p = new
    return p, 10_000


def fit_wc_scale(
    graph: FollowerGraph, ev: Evidence, weights: NDArray[np.float64] | None = None
) -> float:
    """The maximum-likelihood ``c`` of ``p_uv = min(1, c / in-degree(v))``. O(rows · 100)."""
    _need_data(ev, "the wc scale")
    wi = _weights(ev, weights)
    indeg = np.diff(graph.in_ptr).astype(np.float64)
    sd = indeg[ev.succ_node]
    sk = ev.succ_k.astype(np.float64)
    sw = wi[ev.succ_item]
    # failures aggregated by the target's in-degree (an integer): O(rows), no sort
    fw_by_d = np.bincount(
        np.diff(graph.in_ptr)[graph.out_idx[ev.fail_edge]], weights=wi[ev.fail_item]
    )
    fd = np.flatnonzero(fw_by_d > 0).astype(np.float64)
    fw = fw_by_d[fw_by_d > 0]
    hi = float(fd.min()) if fd.size else float(sd.max())
    lo = 1e-9 * hi

    def slope(c: float) -> float:
        x = np.minimum(1.0, c / sd)
        q = 1.0 - x
        g = np.where(
            x < 1.0,
            sk
            * q ** (sk - 1)
            / sd
            / np.maximum(1e-300, -np.expm1(sk * np.log(np.maximum(q, 1e-300)))),
            0.0,
        )
        s = float((sw * g).sum())
        if fd.size:
            s -= float((fw / fd / (1.0 - c / fd)).sum())
        return s

    return _root_of_decreasing(slope, lo, hi)


def edge_counts(
    graph: FollowerGraph,
    ev: Evidence,
    weights: NDArray[np.float64] | None = None,
    *,
    credit: str = "bernoulli",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-edge ``(successes, trials)`` (float64, m): a trial per exposure, a success
    per parent edge worth 1 (``bernoulli``) or ``1 / k`` (``partial-credit``). O(rows + m)."""
    wi = _weights(ev, weights)
    pw = wi[ev.par_item]
    succ_w = pw if credit == "bernoulli" else pw * ev.par_credit
    succ = np.bincount(ev.par_edge, weights=succ_w, minlength=graph.m)
    trials = np.bincount(ev.par_edge, weights=pw, minlength=graph.m) + np.bincount(
        ev.fail_edge, weights=wi[ev.fail_item], minlength=graph.m
    )
    return succ.astype(np.float64), trials.astype(np.float64)


def per_edge_probabilities(
    successes: NDArray[np.float64],
    trials: NDArray[np.float64],
    prior_p: float,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
) -> NDArray[np.float64]:
    """Posterior-mean edge probabilities ``(s_e + strength·p0) / (t_e + strength)``. O(m)."""
    if not prior_strength > 0:
        raise InputError(f"«prior_strength» must be positive, got {prior_strength:g}")
    return (successes + prior_strength * prior_p) / (trials + prior_strength)


def branching_factor(graph: FollowerGraph, edge_p: NDArray[np.floating] | float) -> float:
    """The mean number of followers an activated account activates (criticality R).

    Uniform ``p``: ``R = p · Σ_v k_in(v) k_out(v) / Σ_v k_in(v)`` (an edge's target is
    reached in proportion to its in-degree). Per-edge ``p``:
    ``R = Σ_e p_e · S(target(e)) / Σ_e p_e`` with ``S(v)`` the sum of v's out-edge
    probabilities. R ≥ 1: cascades can grow without bound. O(n + m)."""
    kin = np.diff(graph.in_ptr).astype(np.float64)
    kout = np.diff(graph.out_ptr).astype(np.float64)
    if isinstance(edge_p, float | int):
        return float(edge_p) * float((kin * kout).sum() / kin.sum())
    pe = np.asarray(edge_p, dtype=np.float64)
    s_out = np.bincount(graph.edge_sources, weights=pe, minlength=graph.n)
    total = float(pe.sum())
    return float((pe * s_out[graph.out_idx]).sum() / total) if total > 0 else 0.0
