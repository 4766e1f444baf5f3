"""Reverse-reachable (RR) sets: the collection, its slot layout and parallel sampling.

An RR set is the set of nodes that reach a uniformly random root in one random
live-edge graph (Borgs, Brautbar, Chayes, Lucier 2014). For any seed set S,
``n * Pr[S hits an RR set]`` is the expected spread of S, so a collection of
RR sets estimates every seed set's spread at once and turns influence
maximisation into maximum coverage (Tang, Shi, Xiao 2015;
:mod:`~pipeline.seeding.max_cover`).

Models: IC-like (each in-edge ``(u, v)`` live with its probability, the BFS runs
backwards from the root) and LT (each node keeps at most one in-edge, edge
``(u, v)`` with probability ``w(u, v)``, so an RR set is a backward random walk).
A depth limit ``max_steps`` gives the spread within that many steps.

*Node-weighted* RR sets draw their root with probability ``w_v / W`` (``W = Σ w``)
instead of ``1 / n``; then ``W * Pr[S hits an RR set]`` is ``Σ_v w_v Pr[v activated]``
(exposed, for exposure RR sets): the expected engagements, impressions ... of S when
``w_v`` is what account v's activation (exposure) is worth. Uniform weights give the
same estimate scale as unweighted sets (``W = n``).

Randomness is counter-based: RR set ``j`` of a stream draws from
``hash(stream key, j)`` only, so a collection is identical whatever the number of
threads or the chunking, and growing it (IMM's phases) appends the same sets a
single big draw would have made. Sampling runs in Python threads over chunks of
set indices, each chunk in a ``nogil`` numba kernel
(:func:`~pipeline.seeding.rr_kernel.rr_chunk`); chunks are concatenated in
index order.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field

import numba
import numpy as np
from numpy.typing import NDArray

from pipeline.diffusion.threads import interrupt_point
from pipeline.errors import InputError
from pipeline.memory import check_memory, format_bytes, max_memory
from pipeline.seeding.rr_kernel import CHUNK_SETS, root_guide, rr_chunk

__all__ = [
    "RRSets",
    "SlotLayout",
    "check_rr_bound",
    "pack_slots",
    "root_cumulative",
    "sample_rr_sets",
    "stream_key",
]


def stream_key(seed: int, stream: int) -> np.uint64:
    """A 64-bit key for RR stream ``stream`` of ``seed`` (via ``SeedSequence``)."""
    state = np.random.SeedSequence([seed, stream]).generate_state(1, np.uint64)
    return np.uint64(state[0])


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


class Lineage:
    """The identity of one growing collection across the stores that hold it: a store
    reallocated to grow its longest collection keeps its lineage (the sets it holds are
    the same), so what is derived from a prefix (:func:`~pipeline.seeding.distinct_sets.
    parts_of`) is found again. Weakly referable."""


class _Store:
    """Backing arrays of a growing collection, with room to spare: extending the
    longest collection of a stream writes after its end instead of copying it (the
    room is virtual memory until written). Collections are views of a prefix."""

    __slots__ = ("lineage", "lock", "moved", "nodes", "ptr", "sets", "size")

    def __init__(self, sets: int, size: int) -> None:
        self.lineage = Lineage()
        self.moved = False  # its collection grew into another store: never extended here
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
        self.lineage = Lineage()
        self.moved = False


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
        """The first ``count`` sets (views of the same store, no copy)."""
        return RRSets(self.n, self.ptr[: count + 1], self.nodes[: self.ptr[count]], self._store)

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
            tip = st is not None and not st.moved and st.sets == have and st.size == used
            if (
                st is None
                or not tip
                or st.ptr.shape[0] < have + sets + 1
                or (st.nodes.shape[0] < used + size)
            ):
                grown = _Store(2 * (have + sets), 2 * (used + size))
                if tip:  # the same collection, moved to more room
                    assert st is not None
                    grown.lineage, st.moved = st.lineage, True
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


def root_cumulative(root_weight: NDArray[np.floating] | None, n: int) -> NDArray[np.float64]:
    """The cumulative root weights :func:`~pipeline.seeding.rr_kernel.rr_chunk` takes:
    empty for uniform roots (``None``), else ``cumsum(root_weight)`` after checking the
    weights are n finite numbers >= 0 with a positive sum (ValueError otherwise). O(n)."""
    if root_weight is None:
        return np.zeros(0, dtype=np.float64)
    w = np.asarray(root_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"root_weight has shape {w.shape}; expected ({n},)")
    if not np.all(np.isfinite(w)) or bool((w < 0).any()):
        raise ValueError("root weights must be finite and >= 0")
    cum = np.cumsum(w)
    if n == 0 or not cum[-1] > 0:
        raise ValueError("root weights sum to 0: no node can be a root")
    return cum


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
    root_weight: NDArray[np.floating] | None = None,
) -> RRSets:
    """Sample RR sets ``start .. start+count-1`` of stream ``key`` (appended to ``into``,
    the stream's first ``start`` sets, when given).

    ``value`` is the per-edge probability (IC-like) or weight (LT), by edge id.
    ``expose`` (IC-like only): per-edge probability that the follow is real (the
    sender's ``real_audience``; ones for a graph without fake followers) to draw
    *exposure* RR sets instead, whose coverage times ``n / count`` estimates the
    expected number of exposed accounts (activated or following an activated
    account through a real follow). ``root_weight`` (float, length n, >= 0, positive
    sum; None = uniform, the same sets as before weights existed): roots drawn with
    probability ``w_v / W``, so coverage times ``W / count`` estimates ``Σ_v w_v
    Pr[v activated (exposed)]``; a node of weight 0 is never a root; a stream is
    defined by its key *and* its weights. Bit-identical for any ``threads``. Time
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
    bounds = [
        (s, min(CHUNK_SETS, start + count - s)) for s in range(start, start + count, CHUNK_SETS)
    ]
    workers = threads or numba.get_num_threads() or os.cpu_count() or 1

    ex = np.zeros(0, np.float32) if expose is None else np.ascontiguousarray(expose, np.float32)
    cum_w = root_cumulative(root_weight, n)
    guide = root_guide(cum_w)

    def run(b: tuple[int, int]) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        return rr_chunk(
            b[0], b[1], key, in_ptr, in_idx, in_eid, slot_value, node_p, packed, lt, depth, ex,
            cum_w, guide,
        )  # fmt: skip

    if into is None:
        into = RRSets(n, np.zeros(1, np.int64), np.zeros(0, np.int32))
    wave = _WAVE_CHUNKS * workers
    parts: list[tuple[NDArray[np.int64], NDArray[np.int32]]] = []
    with ThreadPoolExecutor(max_workers=workers) if workers > 1 else nullcontext() as pool:
        for w in range(0, len(bounds), wave):
            batch = bounds[w : w + wave]
            got = list(pool.map(run, batch)) if pool is not None else [run(b) for b in batch]
            parts.extend(got)
            if w + wave < len(bounds):  # more to come: stop now if they cannot fit
                _check_room(into, parts, start + count)
                interrupt_point()
    size = sum(int(p[1].shape[0]) for p in parts)
    return into.append(parts, count, size)


#: chunks per thread sampled between two memory checks and interrupt points
_WAVE_CHUNKS = 8


def _check_room(
    into: RRSets, parts: list[tuple[NDArray[np.int64], NDArray[np.int32]]], total: int
) -> None:
    """Refuse (InputError) to go on drawing when ``total`` sets of the average size
    drawn so far, with the cover index built on them (about as large again), would not
    fit in the memory limit (:mod:`pipeline.memory`)."""
    sets = len(into) + sum(int(p[0].shape[0]) for p in parts)
    entries = into.total_size + sum(int(p[1].shape[0]) for p in parts)
    avg = entries / max(sets, 1)
    check_memory(
        2.0 * total * (8.0 + 4.0 * avg),
        f"drawing {total:,} RR sets of about {avg:,.1f} accounts each (stopped after {sets:,})",
        hint="a larger epsilon needs fewer sets",
    )


def check_rr_bound(sets: float, algorithm: str, epsilon: float) -> None:
    """Refuse up front (InputError) an ``algorithm`` run at ``epsilon`` that needs at
    least ``sets`` RR sets even in its best case (IMM: node selection's count when OPT
    is all n accounts; OPIM-C: its first round), when those would take more than ten
    times the memory limit at the least possible 12 bytes a set (a pointer and one
    account). The sets scale as 1 / epsilon^2, so the line names the smallest epsilon
    that passes. Short of that, sampling stops at the limit instead
    (:func:`sample_rr_sets`)."""
    need = 12.0 * sets
    limit = max_memory()
    if need > 10.0 * limit:
        ok = epsilon * math.sqrt(need / (10.0 * limit))
        raise InputError(
            f"{algorithm} at epsilon {epsilon:g} needs at least {sets:,.3g} RR sets, "
            f"{format_bytes(need)} or more: over ten times the memory limit of "
            f"{format_bytes(limit)}; use epsilon {ok:.2g} or more, or raise --max-memory"
        )
