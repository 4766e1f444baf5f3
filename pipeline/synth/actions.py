"""The synthetic action log (step 9 of :mod:`pipeline.synth`): each brand's items spread
as independent continuous-time Independent Cascades on the follow graph, with **planted
ambassadors**, ordinary accounts (no profile) whose posts move far more people than their
follower counts suggest.

For each brand: :func:`plant_ambassadors` picks ``cfg.ambassadors`` accounts without a
profile in the community of the brand's main topic, preferring in-graph follower counts in
:data:`AMBASSADOR_FOLLOWERS` and falling back to the community's most-followed ordinary
accounts (distinct across brands). Each of ``cfg.items_per_brand`` items starts at a time
spread evenly over one year from :data:`ACTIONS_EPOCH`, from :data:`STARTERS` distinct
random accounts (never the brand's planted ones) whose communities are drawn from the
brand's topic mix, and half of the items (chosen at random) also from one of the brand's
planted accounts (dealt round-robin in a random order, so each starts the same number,
+-1). Every edge in the influence
direction (a followed account to its follower) is live with probability ``cfg.p_base``,
except the out-edges of the brand's planted accounts (``cfg.p_ambassador``); a live edge
carries an exponential delay of mean :data:`MEAN_DELAY` seconds, rounded up to whole
seconds (at least 1 s). An account adopts at its earliest arrival time over live paths
(Dijkstra from the starters), so whoever passed it the item adopted strictly earlier and
is one of its parents in the sense of :mod:`pipeline.calibration.credit`.

Randomness: a :class:`numpy.random.Generator` of its own (the generator's ninth stream)
for the choices, and counter-based splitmix64 coins keyed per item
(:mod:`pipeline.diffusion.rng`) inside the numba kernel, so the same seed gives the same
log and no other file changes. Costs: O(B n log n) for the planting and, per item,
O(a + e log e) for a adopters whose e out-edges are tried.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from numba import njit
from numpy.typing import NDArray

from pipeline.diffusion.rng import gap_uniform, hash2, unit
from pipeline.synth.config import BrandSpec, SynthConfig

__all__ = [
    "ACTIONS_EPOCH",
    "AMBASSADOR_FOLLOWERS",
    "MEAN_DELAY",
    "STARTERS",
    "action_log",
    "influence_csr",
    "plant_ambassadors",
]

#: Unix time of the first item's start: 2024-01-01T00:00:00Z (seconds).
ACTIONS_EPOCH = 1_704_067_200
#: Mean transmission delay, seconds (one day).
MEAN_DELAY = 86_400.0
#: Preferred in-graph follower band of a planted ambassador (inclusive).
AMBASSADOR_FOLLOWERS: tuple[int, int] = (10, 60)
#: Random starters per item (besides the planted one on half the items).
STARTERS = 3
_YEAR = 365 * 86_400
_CANDIDATES = 8  # random draws per item, of which the first STARTERS distinct are kept
_COIN_SALT = np.uint64(0x2545F4914F6CDD1D)


def influence_csr(
    follower: NDArray[np.int64], followed: NDArray[np.int64], n: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """CSR of the follow edges in the influence direction (followed -> follower):
    ``out_ptr`` (n + 1) and ``out_idx`` (m, the followers of each account, ascending).
    Dense 0-based indices. O(m log m)."""
    order = np.argsort(followed, kind="stable")
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(followed, minlength=n), out=out_ptr[1:])
    return out_ptr, follower[order].astype(np.int64)


def _main_topic(brand: BrandSpec, topics: tuple[str, ...]) -> int:
    """Index in ``topics`` of the brand's heaviest topic (the first on ties)."""
    weights = [w for _, w in brand.topics]
    return topics.index(brand.topics[int(np.argmax(weights))][0])


def plant_ambassadors(
    cfg: SynthConfig,
    primary: NDArray[np.int64],
    in_deg: NDArray[np.int64],
    has_profile: NDArray[np.bool_],
    rng: np.random.Generator,
) -> list[NDArray[np.int64]]:
    """Per brand of ``cfg.resolved_brands()``, ``cfg.ambassadors`` distinct dense nodes.

    Order of preference: no profile, in the brand's main-topic community, in-graph
    followers in :data:`AMBASSADOR_FOLLOWERS` (random among those); then the same
    community's ordinary accounts with the most in-graph followers; then ordinary
    accounts of any community (in the band, then the most followed); then any account
    with at most the band's upper count, most followed first. Ties are broken at random.
    Never the same account for two brands; at most a tenth of the accounts in all
    (``nodes // (10 * brands)`` per brand, at least 1), so small graphs get fewer.
    O(B n log n) for B brands and n accounts.
    """
    lo, hi = AMBASSADOR_FOLLOWERS
    n = int(primary.shape[0])
    taken = np.zeros(n, dtype=np.bool_)
    in_band = (in_deg >= lo) & (in_deg <= hi)
    modest = in_deg <= hi
    ordinary = ~has_profile
    brands = cfg.resolved_brands()
    k = min(cfg.ambassadors, max(1, n // (10 * len(brands))))
    out = []
    for brand in brands:  # a handful of brands, vectorised inside
        tie = rng.random(n)
        home = primary == _main_topic(brand, cfg.topics)
        tier = np.select(
            [ordinary & home & in_band, ordinary & home & modest, ordinary & in_band,
             ordinary & modest, modest],
            [0, 1, 2, 3, 4],
            default=5,
        )  # fmt: skip
        tier[taken] = 5  # 5: never (taken, or more followers than the band allows)
        most_followed = np.where(np.isin(tier, (1, 3, 4)), -in_deg, 0)
        order = np.lexsort((tie, most_followed, tier))
        chosen = order[:k]
        chosen = chosen[tier[chosen] < 5]
        taken[chosen] = True
        out.append(np.sort(chosen).astype(np.int64))
    return out


def _starters(
    brand: BrandSpec,
    cfg: SynthConfig,
    members: NDArray[np.int64],
    comm_ptr: NDArray[np.int64],
    planted: NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The starters of the brand's items as CSR (``ptr`` per item, dense ``nodes``): the
    planted account first when the item has one, then :data:`STARTERS` distinct random
    accounts other than the brand's planted ones (a community drawn from the brand's
    topic mix, then an account of it uniformly; any account when that community is
    empty). Column-wise. O(items)."""
    items, n = cfg.items_per_brand, int(members.shape[0])
    w = np.zeros(len(cfg.topics))
    for t, x in brand.topics:
        w[cfg.topics.index(t)] += x
    cum = np.cumsum(w / w.sum())
    topic = np.minimum(np.searchsorted(cum, rng.random((items, _CANDIDATES)), "right"), w.size - 1)
    size = comm_ptr[topic + 1] - comm_ptr[topic]
    u = rng.random((items, _CANDIDATES))
    pos = np.where(
        size > 0, comm_ptr[topic] + (u * size).astype(np.int64), (u * n).astype(np.int64)
    )
    cand = members[np.minimum(pos, n - 1)]
    lead = np.full(items, -1, dtype=np.int64)
    if planted.size:
        half = np.sort(rng.permutation(items)[: items // 2])
        lead[half] = planted[rng.permutation(half.size) % planted.size]
    grid = np.concatenate((lead[:, None], cand), axis=1)
    dup = grid < 0
    dup[:, 1:] |= np.isin(cand, planted)  # the planted start exactly their share of items
    for j in range(1, grid.shape[1]):  # a fixed handful of columns, never per item
        dup[:, j] |= (grid[:, :j] == grid[:, j : j + 1]).any(axis=1)
    fresh = ~dup
    fresh[:, 1:] &= np.cumsum(fresh[:, 1:], axis=1) <= STARTERS
    ptr = np.zeros(items + 1, dtype=np.int64)
    np.cumsum(fresh.sum(axis=1), out=ptr[1:])
    return ptr, grid[fresh]


@njit(nogil=True, cache=True)
def _heap_push(ht, hv, size, t, v):
    """Push (t, v) on the binary min-heap ``ht``/``hv`` of ``size`` entries; new size."""
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if ht[p] <= t:
            break
        ht[i] = ht[p]
        hv[i] = hv[p]
        i = p
    ht[i] = t
    hv[i] = v
    return size + 1


@njit(nogil=True, cache=True)
def _heap_pop(ht, hv, size):
    """Remove the root of the heap (read it first); new size."""
    size -= 1
    t, v = ht[size], hv[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and ht[c + 1] < ht[c]:
            c += 1
        if ht[c] >= t:
            break
        ht[i] = ht[c]
        hv[i] = hv[c]
        i = c
    if size > 0:
        ht[i] = t
        hv[i] = v
    return size


@njit(nogil=True, cache=True)
def _grow(a, need):
    """``a`` copied into an array at least twice as long and at least ``need`` long."""
    b = np.empty(max(2 * a.shape[0], need), dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(nogil=True, cache=True)
def _cascades(
    out_ptr, out_idx, boosted, start_ptr, start_idx, start_time, keys, p_base, p_boost, mean_delay
):
    """Continuous-time IC per item (Dijkstra over live edges) on the CSR ``out_ptr``/
    ``out_idx``; out-edges of nodes with ``boosted`` set are live with ``p_boost``, the
    rest with ``p_base``; delays whole seconds, ``max(1, ceil(Exp(mean_delay)))``.
    Returns (item, node, time) of every first adoption. O(sum over items of
    a + e log e), a adopters and e live edges; O(n + m) memory, reused across items."""
    n = out_ptr.shape[0] - 1
    done = np.full(n, -1, dtype=np.int64)
    seen = np.full(n, -1, dtype=np.int64)
    best = np.zeros(n, dtype=np.int64)
    cap_h = out_idx.shape[0] + start_idx.shape[0] + 1
    ht = np.empty(cap_h, dtype=np.int64)
    hv = np.empty(cap_h, dtype=np.int64)
    cap = max(1024, 4 * start_idx.shape[0])
    r_item = np.empty(cap, dtype=np.int64)
    r_node = np.empty(cap, dtype=np.int64)
    r_time = np.empty(cap, dtype=np.int64)
    rows = 0
    for it in range(start_ptr.shape[0] - 1):
        key = keys[it]
        size = 0
        for j in range(start_ptr[it], start_ptr[it + 1]):
            v = start_idx[j]
            if seen[v] != it:
                seen[v] = it
                best[v] = start_time[it]
                size = _heap_push(ht, hv, size, start_time[it], v)
        while size > 0:
            t, u = ht[0], hv[0]
            size = _heap_pop(ht, hv, size)
            if done[u] == it:
                continue  # a stale, later entry
            done[u] = it
            if rows == r_item.shape[0]:
                r_item = _grow(r_item, rows + 1)
                r_node = _grow(r_node, rows + 1)
                r_time = _grow(r_time, rows + 1)
            r_item[rows], r_node[rows], r_time[rows] = it, u, t
            rows += 1
            p = p_boost if boosted[u] else p_base
            for e in range(out_ptr[u], out_ptr[u + 1]):
                v = out_idx[e]
                if done[v] == it or unit(hash2(key, np.uint64(2 * e))) >= p:
                    continue
                x = -mean_delay * math.log(gap_uniform(key, np.uint64(2 * e + 1)))
                tv = t + max(1, np.int64(math.ceil(x)))
                if seen[v] != it or tv < best[v]:
                    seen[v] = it
                    best[v] = tv
                    size = _heap_push(ht, hv, size, tv, v)
    return r_item[:rows], r_node[:rows], r_time[:rows]


def action_log(
    cfg: SynthConfig,
    follower: NDArray[np.int64],
    followed: NDArray[np.int64],
    primary: NDArray[np.int64],
    has_profile: NDArray[np.bool_],
    ids: NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[pl.DataFrame | None, dict[str, tuple[int, ...]]]:
    """The action log and the planted ambassadors (brand -> account IDs, ascending).

    The log has ``account`` (Int64 account ID), ``item`` (``<brand>-001``...), ``time``
    (Int64 Unix seconds) and ``brand``, one row per first adoption of an item, sorted by
    item start, item, time and account; None when ``cfg.items_per_brand`` is 0 (the
    planted accounts are then still chosen). Dense inputs: the follow edges (follower,
    followed), each account's community and whether it has a profile. O(B n log n + m
    log m) plus the cascades (see :func:`_cascades`).
    """
    n = int(primary.shape[0])
    brands = cfg.resolved_brands()
    in_deg = np.bincount(followed, minlength=n).astype(np.int64)
    planted = plant_ambassadors(cfg, primary, in_deg, has_profile, rng)
    named = {b.name: tuple(int(x) for x in ids[p]) for b, p in zip(brands, planted, strict=True)}
    items = cfg.items_per_brand
    if items == 0:
        return None, named
    out_ptr, out_idx = influence_csr(follower, followed, n)
    members = np.argsort(primary, kind="stable").astype(np.int64)
    comm_ptr = np.zeros(len(cfg.topics) + 1, dtype=np.int64)
    np.cumsum(np.bincount(primary, minlength=len(cfg.topics)), out=comm_ptr[1:])
    base = rng.integers(0, np.iinfo(np.int64).max, size=len(brands) * items, dtype=np.int64)
    width = max(3, len(str(items)))
    label = pl.Series(np.arange(1, items + 1)).cast(pl.String).str.zfill(width)
    parts = []
    for b, (brand, amb) in enumerate(zip(brands, planted, strict=True)):  # a handful of brands
        ptr, nodes = _starters(brand, cfg, members, comm_ptr, amb, rng)
        start = ACTIONS_EPOCH + (np.arange(items) * len(brands) + b) * _YEAR // (
            items * len(brands)
        )
        boosted = np.zeros(n, dtype=np.bool_)
        boosted[amb] = True
        keys = base[b * items : (b + 1) * items].astype(np.uint64) ^ _COIN_SALT
        item, node, time = _cascades(
            out_ptr, out_idx, boosted, ptr, nodes, start.astype(np.int64), keys,
            cfg.p_base, cfg.p_ambassador, MEAN_DELAY,
        )  # fmt: skip
        parts.append(
            pl.DataFrame(
                {
                    "account": ids[node],
                    "item": (brand.name + "-") + label.gather(pl.Series(item)),
                    "time": time,
                    "brand": pl.repeat(brand.name, item.shape[0], eager=True),
                    "_start": start[item],
                }
            )
        )
    log = pl.concat(parts).sort(["_start", "item", "time", "account"]).drop("_start")
    return log, named
