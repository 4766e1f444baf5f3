"""Reverse-reachable (RR) sets: sampling, coverage and greedy maximum coverage.

An RR set is the set of nodes that reach a uniformly random root in one random
live-edge graph (Borgs, Brautbar, Chayes, Lucier 2014). For any seed set S,
``n * Pr[S hits an RR set]`` is the expected spread of S, so a collection of
RR sets estimates every seed set's spread at once and turns influence
maximisation into maximum coverage (Tang, Shi, Xiao 2015).

Models: IC-like (each in-edge ``(u, v)`` live with its probability, the BFS runs
backwards from the root) and LT (each node keeps at most one in-edge, edge
``(u, v)`` with probability ``w(u, v)``, so an RR set is a backward random walk).
A depth limit ``max_steps`` gives the spread within that many steps.

Randomness is counter-based: RR set ``j`` of a stream draws from
``hash(stream key, j)`` only, so a collection is identical whatever the number of
threads or the chunking, and growing it (IMM's phases) appends the same sets a
single big draw would have made. Sampling runs in Python threads over chunks of
set indices, each chunk in a ``nogil`` numba kernel; chunks are concatenated in
index order.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field

import numba
import numpy as np
from numba import njit
from numpy.typing import NDArray

from pipeline.diffusion.rng import hash2, mix64, unit

__all__ = [
    "CoverIndex",
    "RRSets",
    "SlotLayout",
    "candidate_mask",
    "greedy_cover",
    "pack_slots",
    "prefix_coverage",
    "sample_rr_sets",
    "stream_key",
]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_CHUNK = 8192  # RR sets per kernel call: small enough to balance two threads
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


def stream_key(seed: int, stream: int) -> np.uint64:
    """A 64-bit key for RR stream ``stream`` of ``seed`` (via ``SeedSequence``)."""
    state = np.random.SeedSequence([seed, stream]).generate_state(1, np.uint64)
    return np.uint64(state[0])


@njit(nogil=True, cache=True)
def _rr_chunk(
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
    follower-of-an-activated account, i.e. the root is exposed."""
    n = in_ptr.shape[0] - 1
    stamp = np.zeros(n, dtype=np.int32)  # stamp[v] == j + 1: v is in RR set j
    depth = np.zeros(n, dtype=np.int32)
    sizes = np.empty(count, dtype=np.int64)
    out = np.empty(max(1024, count * 4), dtype=np.int32)
    pos = 0
    for c in range(count):
        j = start + c
        kj = mix64(key ^ (np.uint64(j) * _GOLDEN))
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


def _node_probabilities(
    in_ptr: NDArray[np.int64], slot_value: NDArray[np.float32]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per node: the probability its in-edges share, else -1; and the largest
    probability of its in-edges (1 for a node without in-edges). O(m)."""
    n = in_ptr.shape[0] - 1
    out = np.full(n, -1.0)
    pmax = np.ones(n)
    deg = np.diff(in_ptr)
    has = deg > 0
    if slot_value.shape[0] == 0:
        return out, pmax
    vals = slot_value.astype(np.float64)
    starts = in_ptr[:-1][has]
    lo = np.minimum.reduceat(vals, starts)
    hi = np.maximum.reduceat(vals, starts)
    pmax[has] = hi
    same = lo == hi
    idx = np.flatnonzero(has)[same]
    out[idx] = lo[same]
    return out, pmax


class _Store:
    """Backing arrays of a growing collection, with room to spare: extending the
    longest collection of a stream writes after its end instead of copying it (the
    room is virtual memory until written). Collections are views of a prefix."""

    __slots__ = ("lock", "nodes", "ptr", "sets", "size")

    def __init__(self, sets: int, size: int) -> None:
        self.ptr = np.empty(sets + 1, dtype=np.int64)
        self.ptr[0] = 0
        self.nodes = np.empty(size, dtype=np.int32)
        self.sets = 0  # sets written
        self.size = 0  # node entries written
        self.lock = threading.Lock()

    def __getstate__(self) -> tuple[NDArray[np.int64], NDArray[np.int32], int, int]:
        return self.ptr[: self.sets + 1], self.nodes[: self.size], self.sets, self.size

    def __setstate__(self, state: tuple[NDArray[np.int64], NDArray[np.int32], int, int]) -> None:
        self.ptr, self.nodes, self.sets, self.size = state
        self.lock = threading.Lock()


@dataclass(frozen=True)
class RRSets:
    """A collection of RR sets in CSR form.

    ``nodes[ptr[j]:ptr[j+1]]`` is RR set j. ``n`` is the number of graph nodes, so
    ``n * covered / len`` estimates a seed set's expected spread (nodes activated).
    """

    n: int
    ptr: NDArray[np.int64]
    nodes: NDArray[np.int32]
    _store: _Store | None = field(default=None, compare=False, repr=False)

    def __len__(self) -> int:
        return int(self.ptr.shape[0] - 1)

    @property
    def total_size(self) -> int:
        """Sum of set sizes (the work and memory of the collection, in node entries)."""
        return int(self.nodes.shape[0])

    def prefix(self, count: int) -> RRSets:
        """The first ``count`` sets (views, no copy)."""
        return RRSets(self.n, self.ptr[: count + 1], self.nodes[: self.ptr[count]])

    def extend(self, other: RRSets) -> RRSets:
        """This collection followed by ``other`` (same graph)."""
        return self.append([(np.diff(other.ptr), other.nodes)], len(other), other.total_size)

    def append(
        self, parts: list[tuple[NDArray[np.int64], NDArray[np.int32]]], sets: int, size: int
    ) -> RRSets:
        """This collection followed by the sets of ``parts`` ((sizes, nodes) each; ``sets``
        and ``size`` their totals). Amortised O(new entries): the longest collection
        of a store grows in place (room doubles when short); any other is copied."""
        st = self._store
        have, used = len(self), self.total_size
        with st.lock if st is not None else nullcontext():
            tip = st is not None and st.sets == have and st.size == used
            if (
                st is None
                or not tip
                or st.ptr.shape[0] < have + sets + 1
                or (st.nodes.shape[0] < used + size)
            ):
                grown = _Store(2 * (have + sets), 2 * (used + size))
                grown.ptr[: have + 1] = self.ptr
                grown.nodes[:used] = self.nodes
                grown.sets, grown.size = have, used
                st = grown
            j, q = have, used
            for sizes, nodes in parts:
                view = st.ptr[j + 1 : j + 1 + sizes.shape[0]]
                np.cumsum(sizes, out=view)
                view += q
                st.nodes[q : q + nodes.shape[0]] = nodes
                j += sizes.shape[0]
                q += nodes.shape[0]
            st.sets, st.size = j, q
        return RRSets(self.n, st.ptr[: j + 1], st.nodes[:q], st)


def pack_slots(in_idx: NDArray[np.int32], slot_value: NDArray[np.float32]) -> NDArray[np.uint64]:
    """One word per in-edge slot: ``source << 33 | threshold``, the threshold being
    ``min(floor(p 2^32), 2^32)``, so the edge is live iff the top 32 bits of its hash
    are below it (probability p rounded down to a multiple of 2^-32; 1 stays 1). O(m)."""
    thr = np.minimum(np.floor(slot_value.astype(np.float64) * 2.0**32), 2.0**32)
    return (in_idx.astype(np.uint64) << np.uint64(33)) | thr.astype(np.uint64)


@dataclass(frozen=True, eq=False)
class SlotLayout:
    """A model's probabilities laid out for RR sampling: ``slot_value[s]`` the value of
    in-edge slot ``s``; ``node_p[v]`` = (the probability all of v's in-edges share,
    or -1; the largest one; 1 / log(1 - r) for the rate r of v's geometric gaps, the
    shared or the largest probability; a value below which a first draw means no
    gap lands inside v's in-edges). Build once per model and reuse across calls. O(m)."""

    slot_value: NDArray[np.float32]
    node_p: NDArray[np.float64]
    packed: NDArray[np.uint64]

    @classmethod
    def of(
        cls,
        in_ptr: NDArray[np.int64],
        in_idx: NDArray[np.int32],
        in_eid: NDArray[np.int64],
        value: NDArray[np.float32],
        *,
        lt: bool,
    ) -> SlotLayout:
        n = int(in_ptr.shape[0] - 1)
        slot_value = np.ascontiguousarray(value[in_eid], dtype=np.float32)
        node_p = np.zeros((n, 4))
        if lt:
            node_p[:, 0], node_p[:, 1] = -1.0, 1.0
            return cls(slot_value, node_p, np.zeros(0, dtype=np.uint64))
        node_p[:, 0], node_p[:, 1] = _node_probabilities(in_ptr, slot_value)
        # the geometric gaps' rate: the shared probability, else the largest (skip)
        rate = np.where(node_p[:, 0] >= 0.0, node_p[:, 0], node_p[:, 1])
        ok = (rate > 0.0) & (rate < 1.0)
        lg = np.log1p(-rate[ok])
        node_p[ok, 2] = 1.0 / lg
        # Pr[first gap >= indeg] = (1 - rate)^indeg, shrunk by a margin far above the
        # rounding of log(x) / log1p(-rate): below it no edge is live for sure
        node_p[ok, 3] = np.exp(np.diff(in_ptr)[ok] * lg) * (1.0 - 1e-6)
        return cls(slot_value, node_p, pack_slots(in_idx, slot_value))


def sample_rr_sets(
    in_ptr: NDArray[np.int64],
    in_idx: NDArray[np.int32],
    in_eid: NDArray[np.int64],
    value: NDArray[np.float32],
    *,
    lt: bool,
    count: int,
    key: np.uint64,
    start: int = 0,
    max_steps: int | None = None,
    threads: int | None = None,
    expose: NDArray[np.float32] | None = None,
    layout: SlotLayout | None = None,
    into: RRSets | None = None,
) -> RRSets:
    """Sample RR sets ``start .. start+count-1`` of stream ``key`` (appended to ``into``,
    the stream's first ``start`` sets, when given).

    ``value`` is the per-edge probability (IC-like) or weight (LT), by edge id.
    ``expose`` (IC-like only): per-edge probability that the follow is real (the
    sender's ``real_audience``; ones for a graph without fake followers) to draw
    *exposure* RR sets instead, whose coverage times ``n / count`` estimates the
    expected number of exposed accounts (activated or following an activated
    account through a real follow). Bit-identical for any ``threads``. Time
    O(count * E[edges examined per set]), plus O(m) to lay ``value`` out by in-edge
    slot unless ``layout`` (:meth:`SlotLayout.of`, for repeated calls) is given.
    """
    if expose is not None and lt:
        raise ValueError("exposure RR sets are defined for the IC-like models only")
    n = int(in_ptr.shape[0] - 1)
    if into is not None and len(into) != start:
        raise ValueError(f"into holds {len(into)} sets, start is {start}")
    if start + count >= np.iinfo(np.int32).max:
        raise ValueError(f"at most {np.iinfo(np.int32).max - 1:,} RR sets per stream")
    depth = -1 if max_steps is None else int(max_steps)
    lay = layout if layout is not None else SlotLayout.of(in_ptr, in_idx, in_eid, value, lt=lt)
    slot_value, node_p, packed = lay.slot_value, lay.node_p, lay.packed
    bounds = [(s, min(_CHUNK, start + count - s)) for s in range(start, start + count, _CHUNK)]
    workers = threads or numba.get_num_threads() or os.cpu_count() or 1

    ex = np.zeros(0, np.float32) if expose is None else np.ascontiguousarray(expose, np.float32)

    def run(b: tuple[int, int]) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        return _rr_chunk(
            b[0], b[1], key, in_ptr, in_idx, in_eid, slot_value, node_p, packed, lt, depth, ex
        )

    if workers > 1 and len(bounds) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run, bounds))
    else:
        parts = [run(b) for b in bounds]
    size = sum(int(p[1].shape[0]) for p in parts)
    if into is None:
        into = RRSets(n, np.zeros(1, np.int64), np.zeros(0, np.int32))
    return into.append(parts, count, size)


@njit(nogil=True, cache=True)
def _node_index(
    n: int, ptr: NDArray[np.int64], nodes: NDArray[np.int32], keep: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """Inverted index: the RR sets containing node u are ``sets[nptr[u]:nptr[u+1]]`` (in
    increasing order) for the nodes with ``keep[u]``; empty for the others."""
    counts = np.zeros(n + 1, dtype=np.int64)
    for x in nodes:
        if keep[x]:
            counts[x + 1] += 1
    nptr = np.cumsum(counts)
    fill = nptr[:-1].copy()
    sets = np.empty(nptr[n], dtype=np.int32)
    for j in range(ptr.shape[0] - 1):
        for q in range(ptr[j], ptr[j + 1]):
            u = nodes[q]
            if keep[u]:
                sets[fill[u]] = j
                fill[u] += 1
    return nptr, sets


@njit(nogil=True, cache=True)
def _grow_index(
    n: int,
    nptr0: NDArray[np.int64],
    sets0: NDArray[np.int32],
    ptr: NDArray[np.int64],
    nodes: NDArray[np.int32],
    start: int,
    keep: NDArray[np.bool_],
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """:func:`_node_index` of all sets given the index (nptr0, sets0) of the first
    ``start``: each node's old list is copied, then the new sets are appended."""
    counts = np.zeros(n + 1, dtype=np.int64)
    for q in range(ptr[start], ptr[ptr.shape[0] - 1]):
        x = nodes[q]
        if keep[x]:
            counts[x + 1] += 1
    nptr = np.empty(n + 1, dtype=np.int64)
    nptr[0] = 0
    for u in range(n):
        nptr[u + 1] = nptr[u] + (nptr0[u + 1] - nptr0[u]) + counts[u + 1]
    sets = np.empty(nptr[n], dtype=np.int32)
    fill = np.empty(n, dtype=np.int64)
    for u in range(n):
        a, b, d = nptr0[u], nptr0[u + 1], nptr[u]
        sets[d : d + b - a] = sets0[a:b]
        fill[u] = d + b - a
    for j in range(start, ptr.shape[0] - 1):
        for q in range(ptr[j], ptr[j + 1]):
            u = nodes[q]
            if keep[u]:
                sets[fill[u]] = j
                fill[u] += 1
    return nptr, sets


@njit(inline="always")
def _heap_push(hk: NDArray[np.float64], hv: NDArray[np.int64], size: int, k: float, v: int) -> int:
    i = size
    hk[i] = k
    hv[i] = v
    while i > 0:
        p = (i - 1) >> 1
        # max-heap on key, ties: smaller node first (reproducible)
        if hk[p] > hk[i] or (hk[p] == hk[i] and hv[p] < hv[i]):
            break
        hk[p], hk[i] = hk[i], hk[p]
        hv[p], hv[i] = hv[i], hv[p]
        i = p
    return size + 1


@njit(inline="always")
def _heap_pop(hk: NDArray[np.float64], hv: NDArray[np.int64], size: int) -> int:
    size -= 1
    hk[0] = hk[size]
    hv[0] = hv[size]
    _sift_down(hk, hv, size, 0)
    return size


@njit(inline="always")
def _heapify(hk: NDArray[np.float64], hv: NDArray[np.int64], size: int) -> None:
    """Make ``hk[:size], hv[:size]`` a heap in O(size) (Floyd): pops then come in the
    same order as after ``size`` pushes, the order being total."""
    for i in range(size // 2 - 1, -1, -1):
        _sift_down(hk, hv, size, i)


@njit(inline="always")
def _sift_down(hk: NDArray[np.float64], hv: NDArray[np.int64], size: int, i: int) -> None:
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        best = left
        r = left + 1
        if r < size and (hk[r] > hk[left] or (hk[r] == hk[left] and hv[r] < hv[left])):
            best = r
        if hk[i] > hk[best] or (hk[i] == hk[best] and hv[i] < hv[best]):
            break
        hk[i], hk[best] = hk[best], hk[i]
        hv[i], hv[best] = hv[best], hv[i]
        i = best


@njit(inline="always")
def _cover(
    u: int,
    ptr: NDArray[np.int64],
    nodes: NDArray[np.int32],
    nptr: NDArray[np.int64],
    sets: NDArray[np.int32],
    covered: NDArray[np.bool_],
    deg: NDArray[np.int64],
) -> int:
    """Mark u's uncovered sets covered, lower their members' counts; return how many."""
    g = 0
    for q in range(nptr[u], nptr[u + 1]):
        j = sets[q]
        if not covered[j]:
            covered[j] = True
            g += 1
            for r in range(ptr[j], ptr[j + 1]):
                deg[nodes[r]] -= 1
    return g


@njit(nogil=True, cache=True)
def _greedy(
    n: int,
    ptr: NDArray[np.int64],
    nodes: NDArray[np.int32],
    nptr: NDArray[np.int64],
    sets: NDArray[np.int32],
    eligible: NDArray[np.bool_],
    forced: NDArray[np.int32],
    cost: NDArray[np.float64],
    k: int,
    budget: float,
    per_cost: bool,
    penalty: float,
    key_cost: NDArray[np.float64],
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Lazy greedy maximum coverage: forced nodes first, then up to k nodes (k < 0:
    no count limit) of total cost <= budget (budget < 0: no budget); the key is the
    number of uncovered sets hit minus ``penalty``, divided by cost when ``per_cost``;
    with ``penalty > 0`` greedy stops when no key is positive. ``key_cost`` is the
    divisor of the key (``cost`` itself, or another weight). Returns the chosen
    nodes and the sets each newly covered. O(total size + n + picks x log n)."""
    deg = np.zeros(n, dtype=np.int64)
    for u in range(n):
        deg[u] = nptr[u + 1] - nptr[u]
    covered = np.zeros(ptr.shape[0] - 1, dtype=np.bool_)
    chosen = np.zeros(n, dtype=np.bool_)
    limit = n if k < 0 else k
    out = np.empty(min(n, limit + forced.shape[0]), dtype=np.int32)
    gains = np.empty(out.shape[0], dtype=np.int64)
    taken = 0
    left = budget
    # forced seeds (must-includes) first, in the order given
    for f in forced:
        g = _cover(f, ptr, nodes, nptr, sets, covered, deg)
        chosen[f] = True
        out[taken] = f
        gains[taken] = g
        taken += 1
        if budget >= 0:
            left -= cost[f]
    # Candidates of key exactly 0 (in no set, no penalty) wait outside the heap until
    # no positive key is left, then join it: the order is the same as if they had
    # been in it all along (ties go to the smaller node), and a heap of the nodes that
    # cover something is much smaller than n on a big graph with few sets.
    lazy = penalty == 0.0
    where = np.zeros(n, dtype=np.int8)  # 1: in the heap, 2: waiting
    size = 0
    waiting = 0
    for u in range(n):
        if eligible[u] and not chosen[u] and (budget < 0 or cost[u] <= left):
            key = (deg[u] - penalty) / key_cost[u] if per_cost else deg[u] - penalty
            if lazy and deg[u] == 0 and key == 0.0:
                where[u] = 2
                waiting += 1
            else:
                where[u] = 1
                size += 1
    hk = np.empty(size, dtype=np.float64)
    hv = np.empty(size, dtype=np.int64)
    size = 0
    for u in range(n):
        if where[u] == 1:
            hk[size] = (deg[u] - penalty) / key_cost[u] if per_cost else deg[u] - penalty
            hv[size] = u
            size += 1
    _heapify(hk, hv, size)
    picked = 0
    while picked < limit:
        if waiting > 0 and (size == 0 or hk[0] <= 0.0):
            # the zero-key candidates join (once): keys of the waiting ones are still 0
            hk2 = np.empty(size + waiting, dtype=np.float64)
            hv2 = np.empty(size + waiting, dtype=np.int64)
            hk2[:size] = hk[:size]
            hv2[:size] = hv[:size]
            for u in range(n):
                if where[u] == 2:
                    hk2[size] = 0.0
                    hv2[size] = u
                    size += 1
            hk, hv = hk2, hv2
            waiting = 0
            _heapify(hk, hv, size)
        if size == 0:
            break
        key = hk[0]
        if penalty > 0 and key <= 0:
            break  # keys are upper bounds: no candidate gains more than it costs
        u = hv[0]
        size = _heap_pop(hk, hv, size)
        if budget >= 0 and cost[u] > left:
            continue  # can never fit again: the budget only shrinks
        net = deg[u] - penalty
        cur = net / key_cost[u] if per_cost else net
        if cur < key:
            size = _heap_push(hk, hv, size, cur, u)  # stale key: re-insert, lazily
            continue
        g = _cover(u, ptr, nodes, nptr, sets, covered, deg)
        chosen[u] = True
        out[taken] = u
        gains[taken] = g
        taken += 1
        picked += 1
        if budget >= 0:
            left -= cost[u]
    return out[:taken].copy(), gains[:taken].copy()


def candidate_mask(
    n: int, eligible: NDArray[np.bool_] | None, forced: NDArray[np.int32] | None
) -> NDArray[np.bool_] | None:
    """The nodes a greedy may pick: eligible ones and the forced ones (None: all)."""
    if eligible is None:
        return None
    mask = eligible.copy()
    if forced is not None and len(forced):
        mask[np.asarray(forced, dtype=np.int64)] = True
    return mask


@dataclass(frozen=True)
class CoverIndex:
    """RR sets plus their inverted index, ready for repeated greedy runs."""

    rr: RRSets
    nptr: NDArray[np.int64]
    sets: NDArray[np.int32]
    keep: NDArray[np.bool_] | None = None  # the nodes indexed (None: all)

    @classmethod
    def build(cls, rr: RRSets, nodes: NDArray[np.bool_] | None = None) -> CoverIndex:
        """Index ``rr`` for the nodes marked in ``nodes`` (default: all): a greedy over
        candidates needs only theirs (see :func:`candidate_mask`), cheaper and smaller
        when the pool is a small share of the graph; coverage queries about other nodes
        then see no sets. O(total size)."""
        keep = np.ones(rr.n, dtype=np.bool_) if nodes is None else nodes
        nptr, sets = _node_index(rr.n, rr.ptr, rr.nodes, keep)
        return cls(rr, nptr, sets, nodes)

    def grow(self, rr: RRSets) -> CoverIndex:
        """The index of ``rr``, a collection whose first sets are this index's (an
        extension of the same stream), for the same nodes: identical to
        :meth:`build` but scatters only the new sets' entries and copies the old
        lists. O(total size) sequential + O(new size) scattered; a shorter ``rr`` is
        built afresh."""
        have = len(self.rr)
        if len(rr) < have:
            return CoverIndex.build(rr, self.keep)
        keep = np.ones(rr.n, dtype=np.bool_) if self.keep is None else self.keep
        nptr, sets = _grow_index(rr.n, self.nptr, self.sets, rr.ptr, rr.nodes, have, keep)
        return CoverIndex(rr, nptr, sets, self.keep)


def greedy_cover(
    index: CoverIndex,
    *,
    k: int | None,
    budget: float | None = None,
    cost: NDArray[np.float64] | None = None,
    eligible: NDArray[np.bool_] | None = None,
    forced: NDArray[np.int32] | None = None,
    per_cost: bool = False,
    penalty: float = 0.0,
    key_cost: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Greedy maximum coverage over ``index``: (chosen nodes in order, sets newly covered).

    ``key_cost`` replaces ``cost`` as the divisor of the ``per_cost`` key (the budget
    still counts ``cost``): e.g. the share of the budget plus the share of the
    creator cap a node uses.

    ``penalty`` (sets) is subtracted from every candidate's gain: the earned
    objective, where a seed must cover more than ``penalty`` sets to be worth it.

    ``k`` bounds the number of chosen nodes besides ``forced``; ``budget`` bounds
    their total ``cost`` (forced included); ``per_cost`` ranks by coverage per unit
    cost (the cost-effective rule of budgeted maximum coverage, Khuller et al. 1999).
    Ties go to the smaller node index.
    """
    n = index.rr.n
    elig = np.ones(n, dtype=np.bool_) if eligible is None else eligible
    c = np.ones(n, dtype=np.float64) if cost is None else cost
    f = np.zeros(0, dtype=np.int32) if forced is None else forced.astype(np.int32)
    return _greedy(
        n,
        index.rr.ptr,
        index.rr.nodes,
        index.nptr,
        index.sets,
        elig,
        f,
        c,
        -1 if k is None else int(k),
        -1.0 if budget is None else float(budget),
        per_cost,
        float(penalty),
        c if key_cost is None else np.asarray(key_cost, dtype=np.float64),
    )


@njit(nogil=True, cache=True)
def _prefix(
    ptr: NDArray[np.int64],
    nptr: NDArray[np.int64],
    sets: NDArray[np.int32],
    seeds: NDArray[np.int32],
) -> NDArray[np.int64]:
    covered = np.zeros(ptr.shape[0] - 1, dtype=np.bool_)
    gains = np.zeros(seeds.shape[0], dtype=np.int64)
    for i in range(seeds.shape[0]):
        u = seeds[i]
        for q in range(nptr[u], nptr[u + 1]):
            j = sets[q]
            if not covered[j]:
                covered[j] = True
                gains[i] += 1
    return gains


def prefix_coverage(index: CoverIndex, seeds: NDArray[np.int32]) -> NDArray[np.int64]:
    """Sets newly covered by each seed of an ordered list, given the ones before it.

    Times ``n / len(rr)`` this is each seed's marginal gain in expected spread.
    O(sum of the seeds' set memberships).
    """
    return _prefix(index.rr.ptr, index.nptr, index.sets, np.ascontiguousarray(seeds, np.int32))
