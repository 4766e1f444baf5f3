"""The numba kernel that samples one chunk of RR sets over a packed in-edge slot layout.

Roots are uniform, or drawn with probability ``w_v / W`` from a cumulative root
weight (the first node whose cumulative weight exceeds ``u W``, found from a guide
table: Chen and Asau 1974). Each in-edge slot is one 8-byte word (source node,
32-bit threshold); a node's in-edges are visited by geometric gaps when their
probabilities are equal, by a rejection skip when many are low and different, and
edge by edge otherwise. The coins of set ``j`` are ``hash(stream key, j)``-derived only (see
:mod:`~pipeline.seeding.rrsets`). Time O(total size of the sets plus the in-edges
looked at).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.diffusion.rng import hash2, mix64, unit

__all__ = ["CHUNK_SETS", "root_guide", "rr_chunk"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
CHUNK_SETS = 8192  # RR sets per kernel call: small enough to balance two threads
_EXPOSE_SALT = np.uint64(0x5851F42D4C957F2D)  # realness coins of exposure RR sets
_SKIP_SALT = np.uint64(0x2545F4914F6CDD1D)  # candidate gaps of the rejection skip
_ACCEPT_SALT = np.uint64(0x9FB21C651E98DF25)  # acceptance coins of the rejection skip
_S32 = np.uint64(32)
_S33 = np.uint64(33)
_THR_MASK = np.uint64((1 << 33) - 1)  # low 33 bits of a packed slot: threshold in [0, 2^32]


@njit(inline="always")
def _u01(key: np.uint64, counter: np.uint64) -> float:
    """Uniform double in [0, 1) from (key, counter): the kernels' ``unit(hash2(...))``."""
    return unit(hash2(key, counter))


@njit(inline="always")
def _append(out: NDArray[np.int32], pos: int, x: int) -> NDArray[np.int32]:
    """``out`` with ``out[pos] = x``, doubled first when full (amortised O(1))."""
    if pos >= out.shape[0]:
        new = np.empty(out.shape[0] * 2, dtype=np.int32)
        new[:pos] = out[:pos]
        out = new
    out[pos] = x
    return out


def root_guide(cum_w: NDArray[np.float64]) -> NDArray[np.int64]:
    """The guide table of the cumulative root weights ``cum_w`` (non-empty): entry ``i``
    of ``n`` is the first node whose cumulative weight exceeds ``i W / n``, where a
    search for ``u W`` may start (:func:`_weighted_root`; empty ``cum_w``: empty).
    O(n log n)."""
    n = cum_w.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    marks = np.arange(n, dtype=np.float64) * (cum_w[n - 1] / n)
    return np.searchsorted(cum_w, marks, side="right").astype(np.int64)


@njit(nogil=True, inline="always")
def _weighted_root(cum_w: NDArray[np.float64], guide: NDArray[np.int64], u: float) -> int:
    """The node ``v`` with ``cum_w[v - 1] <= u W < cum_w[v]`` (``W = cum_w[-1]``): node v
    with probability ``w_v / W``, never one of weight 0. The search starts at the guide
    entry of ``u`` and walks to it (back too, should rounding put the entry past it), so
    it finds exactly what a binary search finds, in O(1) expected steps (one guide entry
    per node) instead of about log2 n mispredicted ones."""
    n = cum_w.shape[0]
    x = u * cum_w[n - 1]
    lo = guide[min(int(u * n), n - 1)]
    while lo > 0 and cum_w[lo - 1] > x:
        lo -= 1
    while lo < n and cum_w[lo] <= x:
        lo += 1
    if lo >= n:  # u W rounded up to W: the last node of positive weight
        lo = n - 1
        while lo > 0 and cum_w[lo] <= cum_w[lo - 1]:
            lo -= 1
    return lo


@njit(nogil=True, cache=True)
def rr_chunk(
    start: int,
    count: int,
    key: np.uint64,
    in_ptr: NDArray[np.int64],
    in_idx: NDArray[np.int32],
    in_eid: NDArray[np.int64],
    slot_value: NDArray[np.float32],
    node_p: NDArray[np.float64],
    packed: NDArray[np.uint64],
    lt: bool,
    max_depth: int,
    expose: NDArray[np.float32],
    cum_w: NDArray[np.float64],
    guide: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """RR sets ``start .. start+count-1``: (sizes, concatenated nodes). O(sum of set work).

    ``slot_value[s]`` is the probability (weight for LT) of in-edge slot ``s``, i.e.
    ``value[in_eid[s]]``, read in slot order (no random access per edge); for the
    IC-like coins, ``packed[s]`` holds the slot's source and probability in one word
    (:func:`pack_slots`; the coin of slot ``s`` is the top 32 bits of ``hash(key_j,
    n + 1 + s)``, so probabilities are exact to 2^-32).

    In-edges of a node are drawn three ways, each exact: all sharing one probability
    ``node_p[v, 0]`` (weighted cascade, uniform IC), geometric gaps from live edge to
    live edge; probabilities that differ but are all small (``pmax = node_p[v, 1]``
    with ``8 (indeg pmax + 1) < indeg``), *rejection skip*: geometric gaps at
    ``pmax`` give candidates, each kept with ``p_e / pmax``, so every edge is live
    with ``p_e`` independently (the subset sampling of Guo, Tang, Zhang, Zhang,
    SIGMOD 2020, with one bucket), at an expected cost of ``indeg x pmax + 1``
    draws instead of ``indeg`` coins;
    otherwise one coin per edge.

    With a non-empty ``expose`` (per-edge probability that the follow is real), the
    sets are *exposure* RR sets (IC-like models only): the root's in-neighbours
    whose edge is real join at depth 0, the root is not expanded, and the backward
    search runs from them; S hits the set iff the root is a seed or a real
    follower-of-an-activated account, i.e. the root is exposed.

    ``cum_w``: empty for uniform roots (``min(floor(u n), n - 1)``), else the cumulative
    root weights (length n, last entry ``W > 0``): the root is drawn from the same
    uniform ``u`` with probability ``w_v / W`` (:func:`_weighted_root`, from
    :func:`root_guide`'s ``guide``)."""
    n = in_ptr.shape[0] - 1
    stamp = np.zeros(n, dtype=np.int32)  # stamp[v] == j + 1: v is in RR set j
    depth = np.zeros(n, dtype=np.int32)
    sizes = np.empty(count, dtype=np.int64)
    out = np.empty(max(1024, count * 4), dtype=np.int32)
    pos = 0
    for c in range(count):
        j = start + c
        kj = mix64(key ^ (np.uint64(j) * _GOLDEN))
        if cum_w.shape[0] > 0:
            root = _weighted_root(cum_w, guide, _u01(kj, np.uint64(0)))
        else:
            root = min(int(_u01(kj, np.uint64(0)) * n), n - 1)
        mark = j + 1
        begin = pos
        stamp[root] = mark
        if max_depth >= 0:
            depth[root] = 0
        out = _append(out, pos, root)
        pos += 1
        head = begin
        if expose.shape[0] > 0:
            # exposure: every real in-edge of the root counts, live or not; the root's
            # in-edges are never looked at again (it is stamped and skipped)
            head = begin + 1
            for s in range(in_ptr[root], in_ptr[root + 1]):
                u = in_idx[s]
                if stamp[u] == mark:
                    continue
                e = in_eid[s]
                if expose[e] >= 1.0 or _u01(kj ^ _EXPOSE_SALT, np.uint64(e)) < expose[e]:
                    stamp[u] = mark
                    if max_depth >= 0:
                        depth[u] = 0
                    out = _append(out, pos, u)
                    pos += 1
        if lt:
            v = root
            d = 0
            while max_depth < 0 or d < max_depth:
                r = _u01(kj, np.uint64(v) + np.uint64(1))
                acc = 0.0
                nxt = -1
                for s in range(in_ptr[v], in_ptr[v + 1]):
                    acc += slot_value[s]
                    if r < acc:
                        nxt = in_idx[s]
                        break
                if nxt < 0 or stamp[nxt] == mark:
                    break
                stamp[nxt] = mark
                out = _append(out, pos, nxt)
                pos += 1
                v = nxt
                d += 1
        else:
            while head < pos:
                v = out[head]
                head += 1
                dv = depth[v] if max_depth >= 0 else 0
                if max_depth >= 0 and dv >= max_depth:
                    continue
                a = in_ptr[v]
                b = in_ptr[v + 1]
                pv = node_p[v, 0]
                if pv >= 0.0:
                    # all in-edges of v share p: jump between live ones with geometric
                    # gaps (one draw per live edge instead of one per edge)
                    if pv <= 0.0:
                        continue
                    inv = node_p[v, 2]
                    vk = mix64(kj ^ (np.uint64(v) * np.uint64(0xD1B54A32D192ED03)))
                    t = np.uint64(0)
                    s = a - 1
                    while True:
                        if pv >= 1.0:
                            s += 1
                        else:
                            x = 1.0 - _u01(vk, t)  # in (0, 1]
                            t += np.uint64(1)
                            if t == 1 and x < node_p[v, 3]:
                                break  # surely no live in-edge: the log is not needed
                            gap = np.log(x) * inv
                            if gap >= b - 1 - s:
                                break
                            s += 1 + np.int64(gap)
                        if s >= b:
                            break
                        u = in_idx[s]
                        if stamp[u] == mark:
                            continue
                        stamp[u] = mark
                        if max_depth >= 0:
                            depth[u] = dv + 1
                        out = _append(out, pos, u)
                        pos += 1
                    continue
                pm = node_p[v, 1]
                # skip when its expected draws (a log and two hashes each, ~8 coins)
                # are fewer: indeg * pm + 1 < indeg / 8
                if (b - a) * (1.0 - 8.0 * pm) > 8.0:
                    # rejection skip: candidates at rate pm, kept with p_e / pm
                    if pm <= 0.0:
                        continue
                    inv = node_p[v, 2]
                    vk = mix64(kj ^ _SKIP_SALT ^ (np.uint64(v) * np.uint64(0xD1B54A32D192ED03)))
                    ak = vk ^ _ACCEPT_SALT
                    t = np.uint64(0)
                    s = a - 1
                    while True:
                        x = 1.0 - _u01(vk, t)  # in (0, 1]
                        if t == 0 and x < node_p[v, 3]:
                            break  # surely no candidate: the log is not needed
                        gap = np.log(x) * inv
                        if gap >= b - 1 - s:
                            break
                        s += 1 + np.int64(gap)
                        keep = _u01(ak, t) * pm < slot_value[s]
                        t += np.uint64(1)
                        if not keep:
                            continue
                        u = in_idx[s]
                        # the same insertion as in the other two loops, written out in
                        # each on purpose: an inlined helper returning (out, pos)
                        # measured 4% slower
                        if stamp[u] != mark:
                            stamp[u] = mark
                            if max_depth >= 0:
                                depth[u] = dv + 1
                            out = _append(out, pos, u)
                            pos += 1
                    continue
                base = np.uint64(n) + np.uint64(1)
                for s in range(a, b):
                    # one 8-byte word per in-edge: source and 32-bit threshold; the coin
                    # (top 32 bits of the slot's hash) first, so only live edges touch
                    # stamp[] (random reads)
                    w = packed[s]
                    if (hash2(kj, np.uint64(s) + base) >> _S32) >= (w & _THR_MASK):
                        continue
                    u = int(w >> _S33)
                    if stamp[u] != mark:
                        stamp[u] = mark
                        if max_depth >= 0:
                            depth[u] = dv + 1
                        out = _append(out, pos, u)
                        pos += 1
        sizes[c] = pos - begin
    return sizes, out[:pos].copy()
