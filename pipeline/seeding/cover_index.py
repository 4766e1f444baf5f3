"""The node-to-sets index of an RR collection, grown without copying what it holds.

:class:`CoverIndex` inverts a collection for the candidate pool only, over its
*distinct candidate parts* (:mod:`~pipeline.seeding.distinct_sets`): each set's
members in the pool, sets with the same part counted once with their number, sets with
none dropped. Every kernel reads the parts (``kernel_sets``) weighted by their counts
(``kernel_weight``), so greedy picks, gains, prefixes and bounds equal those on the
collection itself, on far fewer sets (a hundredth for the demo's IC sets). An index of
all nodes (no pool) keeps every set as its own part, uncopied: its parts would repeat
little.

The inverted index is held in *segments*: segment ``s`` indexes the parts
``[starts[s], starts[s + 1])`` as a CSR of its own (``nptrs[s]``, ``parts[s]``), so
node u's parts are, in increasing order, ``parts[0][nptrs[0][u]:nptrs[0][u + 1]]``,
then segment 1's, and so on. Growing the index for a longer collection of the same
stream (IMM's and OPIM-C's rounds) adds the new sets' parts, indexes only the new
parts as one more segment and shares the old ones, read-only: no entry is copied. The
greedy kernels (:mod:`~pipeline.seeding.max_cover`, :mod:`~pipeline.seeding.certify`)
walk a node's segments in order, which visits its parts in the order one flat index
would, so every result equals the flat index's. Past :data:`MAX_SEGMENTS` segments
the inverted index is rebuilt as one (each node's walk stays short).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numba import njit
from numba.typed import List
from numpy.typing import NDArray

from pipeline.seeding.distinct_sets import DistinctSets, group_sums, parts_of
from pipeline.seeding.rrsets import RRSets

__all__ = ["MAX_SEGMENTS", "CoverIndex", "candidate_mask"]

#: Segments an index holds at most; one more growth rebuilds it as a single segment.
MAX_SEGMENTS = 16


@njit(nogil=True, cache=True)
def _segment(
    n: int, ptr: NDArray[np.int64], nodes: NDArray[np.int32], keep: NDArray[np.bool_],
    start: int,
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:  # fmt: skip
    """The inverted index of the sets from ``start`` on: the sets containing node u are
    ``sets[nptr[u]:nptr[u+1]]`` (in increasing order) for the nodes with ``keep[u]``;
    empty for the others. O(n + the sets' size)."""
    counts = np.zeros(n + 1, dtype=np.int64)
    for q in range(ptr[start], ptr[ptr.shape[0] - 1]):
        x = nodes[q]
        if keep[x]:
            counts[x + 1] += 1
    nptr = np.cumsum(counts)
    fill = nptr[:-1].copy()
    sets = np.empty(nptr[n], dtype=np.int32)
    for j in range(start, ptr.shape[0] - 1):
        for q in range(ptr[j], ptr[j + 1]):
            u = nodes[q]
            if keep[u]:
                sets[fill[u]] = j
                fill[u] += 1
    return nptr, sets


@njit(nogil=True, cache=True)
def _degrees(n, ptr, nodes, keep, weight):
    """Per indexed node, the summed ``weight`` of the sets it is in; 0 for nodes the
    index leaves out (``keep``). It walks the sets in order (sequential reads,
    additions into n counters). O(n + total size)."""
    deg = np.zeros(n, dtype=np.int64)
    for j in range(ptr.shape[0] - 1):
        w = weight[j]
        if w != 0:
            for r in range(ptr[j], ptr[j + 1]):
                deg[nodes[r]] += w
    for u in range(n):
        if not keep[u]:
            deg[u] = 0
    return deg


@njit(nogil=True, cache=True)
def _index_degrees(n, nptrs):
    """Per node, the number of parts it is in, from the index's offsets. O(n x segments)."""
    deg = np.zeros(n, dtype=np.int64)
    for s in range(len(nptrs)):
        nptr = nptrs[s]
        for u in range(n):
            deg[u] += nptr[u + 1] - nptr[u]
    return deg


@njit(nogil=True, cache=True)
def _list_of(a):
    out = List()
    out.append(a)
    return out


@njit(nogil=True, cache=True)
def _list_plus(items, a):
    out = List()
    for i in range(len(items)):
        out.append(items[i])
    out.append(a)
    return out


def _typed(arrays: tuple[NDArray[Any], ...]) -> Any:
    """``arrays`` as a numba typed list, what the kernels take. Built by cached kernels:
    a typed list filled from Python compiles its methods in every process (about 0.4
    s). O(len(arrays)^2) references."""
    out = _list_of(arrays[0])
    for a in arrays[1:]:
        out = _list_plus(out, a)
    return out


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


@dataclass(frozen=True, eq=False)
class CoverIndex:
    """RR sets, their distinct candidate parts and the parts' inverted index (in
    segments, see the module doc), ready for repeated greedy runs. ``rr``: the
    collection; ``distinct``: its parts (:class:`DistinctSets`); ``weight`` (int64 per
    part, or None for its count): what covering each part counts, e.g. its sets'
    multiplicities in a bootstrap resample (:meth:`reweighted`, :meth:`resampled`).
    ``nptrs``/``parts``: each segment's offsets (n + 1, int64) and part ids (int32),
    read-only and shared with the indexes this one grew from or into;
    :attr:`kernel_lists` holds them as the numba typed lists the kernels take."""

    rr: RRSets
    distinct: DistinctSets
    nptrs: tuple[NDArray[np.int64], ...]
    parts: tuple[NDArray[np.int32], ...]
    keep: NDArray[np.bool_] | None = None  # the nodes indexed (None: all)
    weight: NDArray[np.int64] | None = None

    @property
    def theta(self) -> int:
        """Sets in the collection (what ``n * covered / theta`` divides by). O(1)."""
        return len(self.rr)

    @cached_property
    def kernel_lists(self) -> tuple[Any, Any]:
        """(``nptrs``, ``parts``) as numba typed lists. O(segments^2) the first time."""
        return _typed(self.nptrs), _typed(self.parts)

    @property
    def kernel_sets(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        """The parts as the kernels take them: (offsets, members), part ``j`` being
        ``members[offsets[j]:offsets[j + 1]]``. O(1)."""
        return self.distinct.ptr, self.distinct.nodes

    @property
    def kernel_weight(self) -> NDArray[np.int64]:
        """What covering each part counts: ``weight``, or the part's count. O(1)."""
        return self.distinct.count if self.weight is None else self.weight

    @cached_property
    def degrees(self) -> NDArray[np.int64]:
        """Per node, its (weighted) number of sets: where every greedy run on this index
        starts, computed once (read-only). O(n + parts' size) the first time; O(n x
        segments) when every set is its own part and counts 1 (read off the index)."""
        if self.distinct.whole and self.weight is None:
            deg = _index_degrees(self.rr.n, self.kernel_lists[0])
            deg.setflags(write=False)
            return deg
        keep = np.ones(self.rr.n, dtype=np.bool_) if self.keep is None else self.keep
        ptr, nodes = self.kernel_sets
        deg = _degrees(self.rr.n, ptr, nodes, keep, self.kernel_weight)
        deg.setflags(write=False)
        return deg

    @cached_property
    def _flat(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        if len(self.parts) == 1:
            return self.nptrs[0], self.parts[0]
        keep = np.ones(self.rr.n, dtype=np.bool_) if self.keep is None else self.keep
        nptr, sets = _segment(self.rr.n, *self.kernel_sets, keep, 0)
        for a in (nptr, sets):
            a.setflags(write=False)
        return nptr, sets

    @property
    def nptr(self) -> NDArray[np.int64]:
        """The index as one CSR: node u's parts are ``sets[nptr[u]:nptr[u + 1]]``. The
        segment itself when there is one, else built once (O(parts' size))."""
        return self._flat[0]

    @property
    def sets(self) -> NDArray[np.int32]:
        """See :attr:`nptr`."""
        return self._flat[1]

    def _with(self, weight: NDArray[np.int64] | None) -> CoverIndex:
        out = CoverIndex(self.rr, self.distinct, self.nptrs, self.parts, self.keep, weight)
        out.__dict__["kernel_lists"] = self.kernel_lists  # (cached_property: shared)
        return out

    def unweighted(self) -> CoverIndex:
        """This index with each set counting 1 (each part its count). O(1)."""
        return self if self.weight is None else self._with(None)

    def reweighted(self, weight: NDArray[np.integer]) -> CoverIndex:
        """This index with set j of the collection counting ``weight[j]`` (whole numbers
        >= 0, one per set): greedy runs and prefix counts on it equal those on the
        collection with set j repeated ``weight[j]`` times, without copying a set or
        re-indexing. O(theta)."""
        w = np.ascontiguousarray(weight, dtype=np.int64)
        if w.shape != (len(self.rr),):
            raise ValueError(f"weight has shape {w.shape}; expected ({len(self.rr)},)")
        return self._with(group_sums(self.distinct.group, w, len(self.distinct)))

    def resampled(self, seed: int | np.random.SeedSequence) -> CoverIndex:
        """This index on a bootstrap resample of the collection (``theta`` sets drawn
        uniformly with replacement): the parts' multiplicities drawn at once, multinomial
        with ``theta`` trials and probabilities ``count / theta`` (the sets with no
        candidate being one more outcome), from ``Generator(PCG64(seed))`` — the law of
        the per-set draw summed per part, in O(parts) rather than O(theta). Reproducible
        for a given ``seed``."""
        theta = len(self.rr)
        count = self.distinct.count
        if theta == 0:
            return self._with(count.copy())
        rng = np.random.Generator(np.random.PCG64(seed))
        if self.distinct.whole:  # a part per set: the per-set draw itself, O(theta)
            pick = rng.integers(0, theta, size=theta, dtype=np.int64)
            return self._with(np.bincount(pick, minlength=theta).astype(np.int64, copy=False))
        p = np.append(count, theta - int(count.sum())) / float(theta)
        w = rng.multinomial(theta, p)[:-1].astype(np.int64, copy=False)
        return self._with(np.ascontiguousarray(w))

    @classmethod
    def build(cls, rr: RRSets, nodes: NDArray[np.bool_] | None = None) -> CoverIndex:
        """Index ``rr`` for the nodes marked in ``nodes`` (default: all): a greedy over
        candidates needs only theirs (see :func:`candidate_mask`), cheaper and smaller
        when the pool is a small share of the graph; coverage queries about other nodes
        then see no sets. One segment. O(n + total size)."""
        keep = np.ones(rr.n, dtype=np.bool_) if nodes is None else nodes
        if nodes is None:
            distinct = DistinctSets.whole_sets(rr.ptr, rr.nodes)
        else:
            distinct = parts_of(rr, keep)
        nptr, sets = _segment(rr.n, distinct.ptr, distinct.nodes, keep, 0)
        return cls._of(rr, distinct, (nptr,), (sets,), nodes)

    @classmethod
    def _of(
        cls, rr: RRSets, distinct: DistinctSets, nptrs: tuple[NDArray[np.int64], ...],
        parts: tuple[NDArray[np.int32], ...], keep: NDArray[np.bool_] | None,
    ) -> CoverIndex:  # fmt: skip
        arrays: tuple[NDArray[Any], ...] = (*nptrs, *parts)
        for a in arrays:
            a.setflags(write=False)
        return cls(rr, distinct, nptrs, parts, keep)

    def grow(self, rr: RRSets) -> CoverIndex:
        """The index of ``rr``, a collection whose first sets are this index's (an
        extension of the same stream), for the same nodes: the new sets' parts added,
        the new parts indexed as one more segment, the old segments shared (nothing
        copied), so this index stays valid. The same greedy results as :meth:`build`.
        O(n + new size); a shorter ``rr`` is built afresh, and past
        :data:`MAX_SEGMENTS` the inverted index is rebuilt as one."""
        have = len(self.rr)
        if len(rr) < have:
            return CoverIndex.build(rr, self.keep)
        if self.weight is not None:
            raise ValueError("a reweighted index does not grow; grow the original")
        keep = np.ones(rr.n, dtype=np.bool_) if self.keep is None else self.keep
        if self.keep is None:
            distinct = DistinctSets.whole_sets(rr.ptr, rr.nodes)
        else:
            distinct = parts_of(rr, keep, self.distinct)
        if len(self.parts) >= MAX_SEGMENTS:
            nptr, sets = _segment(rr.n, distinct.ptr, distinct.nodes, keep, 0)
            return CoverIndex._of(rr, distinct, (nptr,), (sets,), self.keep)
        nptr, sets = _segment(rr.n, distinct.ptr, distinct.nodes, keep, len(self.distinct))
        return CoverIndex._of(
            rr, distinct, (*self.nptrs, nptr), (*self.parts, sets), self.keep
        )  # fmt: skip
