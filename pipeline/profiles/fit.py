"""Brand fit: cosine topic relevance of every account to a brand, the brand-aware sender
factor of the cascades, and the brand-fit pool (relevance at least a threshold) that
every strategy chooses from. O(n x topics).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.errors import InputError
from pipeline.profiles.accounts import Profiles
from pipeline.profiles.brands import Brands

__all__ = [
    "DEFAULT_MIN_RELEVANCE",
    "brand_sender_factor",
    "check_fraction",
    "fit_pool",
    "relevance",
]


def relevance(profiles: Profiles, brands: Brands, brand: str) -> NDArray[np.float64]:
    """Cosine topic relevance of every node to ``brand`` (float64, length n, in [0, 1]).

    0 for nodes without topics. O(topic entries) the first time for a brand, then O(1)
    (read-only array).
    """
    brands.check(brand)
    return profiles.memo(("relevance", brand), brands, lambda: _relevance(profiles, brands, brand))


def _relevance(profiles: Profiles, brands: Brands, brand: str) -> NDArray[np.float64]:
    b = brands.topics.filter(pl.col("brand") == brand).select("topic", pl.col("weight").alias("wb"))
    b_norm = float(np.sqrt(float((b["wb"] ** 2).sum())))
    t = profiles.topics
    norms = t.group_by("node").agg((pl.col("weight") ** 2).sum().sqrt().alias("norm"))
    dots = (
        t.join(b, on="topic", how="inner")
        .group_by("node")
        .agg((pl.col("weight") * pl.col("wb")).sum().alias("dot"))
        .join(norms, on="node")
    )
    out = np.zeros(profiles.n, dtype=np.float64)
    if dots.height and b_norm > 0:
        idx = dots["node"].to_numpy()
        out[idx] = dots["dot"].to_numpy() / (dots["norm"].to_numpy() * b_norm)
    return np.clip(out, 0.0, 1.0)


def brand_sender_factor(
    profiles: Profiles, brands: Brands, brand: str, *, beta: float = 0.1
) -> NDArray[np.float32]:
    """Per-node factor scaling a sender's probabilities (or LT weights) for ``brand``.

    ``f_u = (e_u / median(e)) * (beta + r_u) / (beta + mean(r))`` where ``e`` is the
    engagement rate, ``r`` the cosine relevance to the brand, and the median and
    mean run over profiled nodes. A node without a profile gets ``f_u = 1``; a
    profiled node without an engagement rate gets 1 for that part. ``beta``
    (default 0.1) keeps an off-topic sender from being silenced entirely.
    The cascade then uses ``min(1, p(u, v) * f_u)``. O(n) the first time for a brand
    and beta, then O(1) (read-only array).
    """
    if beta <= 0:
        raise InputError(f"beta must be > 0, got {beta}")
    return profiles.memo(
        ("factor", brand, float(beta)), brands,
        lambda: _sender_factor(profiles, brands, brand, beta),
    )  # fmt: skip


def _sender_factor(
    profiles: Profiles, brands: Brands, brand: str, beta: float
) -> NDArray[np.float32]:
    has = profiles.has_profile
    rel = relevance(profiles, brands, brand)
    er = profiles.table["engagement_rate"].to_numpy().astype(np.float64)
    factor = np.ones(profiles.n, dtype=np.float64)
    known_er = has & np.isfinite(er)
    if known_er.any():
        med = float(np.median(er[known_er]))
        if med > 0:
            factor[known_er] = er[known_er] / med
    if has.any():
        mean_r = float(rel[has].mean())
        factor[has] *= (beta + rel[has]) / (beta + mean_r)
    return factor.astype(np.float32)


#: Default brand-fit threshold: accounts below this cosine relevance are not candidates.
DEFAULT_MIN_RELEVANCE = defaults.MIN_RELEVANCE
_STEPS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def check_fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InputError(f"{name} must be a number in [0, 1], got {value!r}")
    if not (math.isfinite(float(value)) and 0.0 <= float(value) <= 1.0):
        raise InputError(f"{name} must be in [0, 1], got {value}")
    return float(value)


def fit_pool(
    profiles: Profiles, brands: Brands, brand: str, min_relevance: float
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """(relevance of every node to ``brand``, mask of profiled nodes at or above
    ``min_relevance``): the brand-fit pool every strategy chooses from. O(n).

    Raises InputError naming the brand when no profiled account shares a topic
    with it, or when the threshold leaves no account (with the counts above
    0.1, 0.2, ... so the user can pick a threshold).
    """
    thr = check_fraction("min_relevance", min_relevance)
    rel = relevance(profiles, brands, brand)
    has = profiles.has_profile
    if not (rel[has] > 0).any():
        from pipeline.profiles.topics import no_fit_reason

        raise InputError(no_fit_reason(profiles, brands, brand))
    pool = has & (rel >= thr)
    if not pool.any():
        counts = ", ".join(f"{int((has & (rel >= t)).sum()):,} at >= {t:g}" for t in _STEPS)
        raise InputError(
            f"min_relevance {thr:g} leaves no candidate for brand {brand!r}: "
            f"{counts} (best {rel[has].max():.3f})"
        )
    return rel, pool
