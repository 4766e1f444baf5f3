"""The vectorised steps of generation: audiences per tier, topic weights, follows by
preferential attraction, engagement, costs, real audiences, platforms and profiles. One loop per
segment, topic or resampling round, never per node or edge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.profiles import TierThresholds
from pipeline.synth.config import (
    _ATTRACT_SIGMA,
    _AUDIENCE_MAX,
    _AUDIENCE_MIN,
    _COST_CLIP,
    _COST_REF,
    _COST_REF_AUDIENCE,
    _COST_SIGMA,
    _COST_SLOPE,
    _ER_CLIP,
    _ER_REF,
    _ER_REF_AUDIENCE,
    _ER_SIGMA,
    _ER_SLOPE,
    _FIRST_NAMES,
    _FOCUS_0,
    _FOCUS_CLIP,
    _FOCUS_SIGMA,
    _FOCUS_SLOPE,
    _MIN_TOPIC_MILLIS,
    _ORDINARY_MAX,
    _ROUNDS,
    _SEGMENT_EXPONENT,
    DEFAULT_PLATFORMS,
    SynthConfig,
    _round_to_total,
    _tier_quotas,
)

__all__: list[str] = []  # the steps are private to pipeline.synth


def _sorted_unique(a: NDArray[np.int64]) -> NDArray[np.int64]:
    """Sorted distinct values (sort + mask; numpy's hash-based ``unique`` is slower here)."""
    a = np.sort(a)
    if a.shape[0] < 2:
        return a
    keep = np.empty(a.shape[0], dtype=np.bool_)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def _audiences(n: int, shares: Sequence[float], rng: np.random.Generator) -> NDArray[np.float64]:
    """Real audience of each account (step 1): stratified truncated-Pareto draws per segment."""
    quotas = _tier_quotas(n, shares)
    counts = [n - sum(quotas), *quotas]
    b = TierThresholds().bounds
    edges = (_AUDIENCE_MIN, _ORDINARY_MAX, *b, _AUDIENCE_MAX)
    parts = []
    for i, c in enumerate(counts):
        lo, hi, a = float(edges[i]), float(edges[i + 1]), _SEGMENT_EXPONENT[i]
        # Stratified uniforms: one draw in each of c equal slices of [0, 1), so
        # the spread inside the segment is even at any size.
        u = (rng.permutation(c) + rng.random(c)) / c
        x = lo * (1.0 - u * (1.0 - (lo / hi) ** a)) ** (-1.0 / a)
        parts.append(np.clip(x, lo, np.nextafter(hi, lo)))
    return rng.permutation(np.concatenate(parts))


def _topic_weights(
    audience: NDArray[np.float64], k: int, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Primary topic and topic weights in thousandths (n x k, rows sum to 1000) (step 2)."""
    n = audience.shape[0]
    share = rng.dirichlet(np.full(k, 8.0))
    primary = rng.permutation(np.repeat(np.arange(k), _round_to_total(share, n)))
    rows = np.arange(n)
    if k == 1:
        return primary, np.full((n, 1), 1000, dtype=np.int64)
    scale = np.maximum(audience / 1_000.0, 1.0)
    focus = np.clip(
        _FOCUS_0 + _FOCUS_SLOPE * np.log10(scale) + rng.normal(0.0, _FOCUS_SIGMA, n),
        *_FOCUS_CLIP,
    )
    # Secondary interests: a Dirichlet (via normalised gammas) whose concentration
    # grows with audience, so big accounts spread over more topics.
    conc = 0.3 * scale**0.15
    g = rng.gamma(np.broadcast_to(conc[:, None], (n, k)))
    g[rows, primary] = 0.0
    tot = g.sum(axis=1)
    empty = tot <= 0
    g[empty] = 1.0
    g[empty, primary[empty]] = 0.0
    g /= g.sum(axis=1, keepdims=True)
    w = g * (1.0 - focus)[:, None]
    w[rows, primary] = focus
    millis = np.rint(w * 1000.0).astype(np.int64)
    millis[millis < _MIN_TOPIC_MILLIS] = 0
    millis[rows, primary] += 1000 - millis.sum(axis=1)
    return primary, millis


def _follows(
    cfg: SynthConfig,
    audience: NDArray[np.float64],
    primary: NDArray[np.int64],
    millis: NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Follow edges (follower, followed) as dense indices, sorted, unique (step 3)."""
    n, k = millis.shape
    sigma = cfg.follows_sigma
    mu = math.log(cfg.mean_follows) - sigma**2 / 2.0
    cap = max(1, n // 4)
    want = np.clip(np.rint(rng.lognormal(mu, sigma, n)), 1, cap).astype(np.int64)
    attract: NDArray[np.float64] = audience**cfg.alpha * rng.lognormal(0.0, _ATTRACT_SIGMA, n)

    members = [np.flatnonzero(primary == t) for t in range(k)]
    cum_in = [np.cumsum(attract[m]) for m in members]
    weights = millis / 1000.0
    cum_x = [np.cumsum(attract * weights[:, t]) for t in range(k)]
    # Cumulative secondary-interest weights per account (primary zeroed), for
    # choosing the topic of a cross-community follow.
    sec = weights.copy()
    sec[np.arange(n), primary] = 0.0
    flat = sec.sum(axis=1) <= 0
    sec[flat] = 1.0
    sec[flat, primary[flat]] = 0.0
    cum_sec = np.cumsum(sec, axis=1)

    def draw(src: NDArray[np.int64]) -> NDArray[np.int64]:
        m = int(src.shape[0])
        cross = rng.random(m) >= cfg.within_share
        topic = primary[src].copy()
        cs = cum_sec[src[cross]]
        v = rng.random(cs.shape[0]) * cs[:, -1]
        topic[cross] = (cs <= v[:, None]).sum(axis=1)
        dst = np.empty(m, dtype=np.int64)
        u = rng.random(m)
        for t in range(k):
            sel = (topic == t) & ~cross
            if sel.any():
                c = cum_in[t]
                pos = np.searchsorted(c, u[sel] * c[-1], side="right")
                dst[sel] = members[t][np.minimum(pos, c.shape[0] - 1)]
            sel = (topic == t) & cross
            if sel.any():
                c = cum_x[t]
                pos = np.searchsorted(c, u[sel] * c[-1], side="right")
                dst[sel] = np.minimum(pos, n - 1)
        bad = (dst == src) | (cross & (primary[dst] == primary[src]))
        dst[bad] = -1
        return dst

    keys = np.empty(0, dtype=np.int64)
    need = want
    for _ in range(_ROUNDS):
        if not need.any():
            break
        src = np.repeat(np.arange(n, dtype=np.int64), need)
        dst = draw(src)
        ok = dst >= 0
        keys = _sorted_unique(np.concatenate((keys, src[ok] * n + dst[ok])))
        need = want - np.bincount(keys // n, minlength=n)
    lonely = np.flatnonzero(np.bincount(keys // n, minlength=n) == 0)
    if lonely.size:  # safety net: every account must be a graph node
        top2 = np.argsort(-attract, kind="stable")[:2]
        fallback = np.where(lonely == top2[0], top2[1], top2[0])
        keys = _sorted_unique(np.concatenate((keys, lonely * n + fallback)))
    return keys // n, keys % n


def _engagement(
    audience: NDArray[np.int64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Engagement rate (step 4) and its lognormal noise factor (reused for cost)."""
    noise: NDArray[np.float64] = rng.lognormal(0.0, _ER_SIGMA, size=int(audience.shape[0]))
    er = _ER_REF * (audience / _ER_REF_AUDIENCE) ** _ER_SLOPE * noise
    return np.clip(er, *_ER_CLIP), noise


def _cost(
    audience: NDArray[np.int64], er_noise: NDArray[np.float64], rng: np.random.Generator
) -> NDArray[np.float64]:
    """Cost per sponsored post in USD, rounded to cents (step 5)."""
    noise: NDArray[np.float64] = rng.lognormal(0.0, _COST_SIGMA, size=int(audience.shape[0]))
    scale = (audience / _COST_REF_AUDIENCE).astype(np.float64)
    cost = _COST_REF * scale**_COST_SLOPE * np.sqrt(er_noise) * noise
    return np.rint(np.clip(cost, *_COST_CLIP) * 100.0) / 100.0


def _real_audience(audience: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.float64]:
    """Share of real followers per account (step 6 of the module doc), 3 decimals."""
    mean_fake = np.clip(0.09 + 0.02 * np.log10(np.maximum(audience, 1) / 1_000.0), 0.02, 0.5)
    fake = rng.beta(mean_fake * 20.0, (1.0 - mean_fake) * 20.0)
    return np.asarray(np.round(np.clip(1.0 - fake, 0.0, 1.0), 3), dtype=np.float64)


def _platforms(
    audience: NDArray[np.int64],
    shares: Sequence[Sequence[float]],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Platform of every account (step 8): an index into ``DEFAULT_PLATFORMS`` drawn from its
    tier's row of ``shares`` (normalised). One uniform per account, drawn for all accounts
    before any is kept, so the draw of one account depends on nothing but its tier."""
    u = rng.random(int(audience.shape[0]))
    cum = np.cumsum(np.asarray(shares, dtype=np.float64), axis=1)
    cum /= cum[:, -1:]
    tier = np.searchsorted(np.asarray(TierThresholds().bounds), audience, side="right")
    # the number of cumulative shares a uniform passes is the platform index
    return np.minimum((u[:, None] >= cum[tier]).sum(axis=1), len(DEFAULT_PLATFORMS) - 1)


def _profiles(
    cfg: SynthConfig,
    ids: NDArray[np.int64],
    audience: NDArray[np.int64],
    er: NDArray[np.float64],
    cost: NDArray[np.float64],
    quality: NDArray[np.float64],
    primary: NDArray[np.int64],
    millis: NDArray[np.int64],
    name_idx: NDArray[np.int64],
    platform: NDArray[np.int64],
) -> pl.DataFrame:
    """The profile table of every account with audience >= profile_min_followers."""
    keep = np.flatnonzero(audience >= cfg.profile_min_followers)
    topic_names = pl.Series("topic", cfg.topics, dtype=pl.String)
    rows, cols = np.nonzero(millis[keep])
    long = (
        pl.DataFrame(
            {
                "row": rows,
                "other": cols != primary[keep][rows],
                "t": cols,
                "w": millis[keep][rows, cols],
            }
        )
        .with_columns(topic_names.gather(pl.Series(cols)).alias("topic"))
        # primary topic first, then by weight, ties by topic order
        .sort("row", "other", "w", "t", descending=[False, False, True, False])
        .with_columns(
            pl.format(
                "{}:{}.{}",
                "topic",
                pl.col("w") // 1000,
                (pl.col("w") % 1000).cast(pl.String).str.zfill(3),
            ).alias("entry")
        )
        .group_by("row", maintain_order=True)
        .agg(pl.col("entry").str.join(";").alias("topics"))
    )
    names = pl.Series(_FIRST_NAMES).gather(pl.Series(name_idx[keep]))
    table = pl.DataFrame(
        {
            "row": np.arange(keep.shape[0]),
            "id": ids[keep],
            "primary": topic_names.gather(pl.Series(primary[keep])),
            "name": names,
            "followers": audience[keep],
            "engagement_rate": np.round(er[keep], 5),
            "cost": cost[keep],
            "real_audience": quality[keep],
            "platform": pl.Series(DEFAULT_PLATFORMS).gather(pl.Series(platform[keep])),
        }
    )
    return table.join(long, on="row", how="left", maintain_order="left").select(
        "id",
        pl.concat_str(
            pl.lit("@"), "primary", pl.lit("_"), "name", pl.lit("_"), pl.col("id").cast(pl.String)
        ).alias("handle"),
        "followers",
        "engagement_rate",
        "cost",
        "real_audience",
        "topics",
        "platform",
    )
