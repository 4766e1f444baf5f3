"""The node-to-sets index of an RR collection, grown without copying what it holds.

:class:`CoverIndex` inverts a collection (per node, the RR sets it belongs to) for the
candidate pool only. It is held in *segments*: segment ``s`` indexes the sets
``[starts[s], starts[s + 1])`` as a CSR of its own (``nptrs[s]``, ``parts[s]``), so
node u's sets are, in increasing order, ``parts[0][nptrs[0][u]:nptrs[0][u + 1]]``, then
segment 1's, and so on. Growing the index for a longer collection of the same stream
(IMM's and OPIM-C's rounds) indexes only the new sets as one more segment and shares
the old ones, read-only: no entry is copied. The greedy kernels
(:mod:`~pipeline.seeding.max_cover`, :mod:`~pipeline.seeding.certify`) walk a node's
segments in order, which visits its sets in the order one flat index would, so every
result equals the flat index's. Past :data:`MAX_SEGMENTS` segments the index is
rebuilt as one (each node's walk stays short).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numba import njit
from numba.typed import List
from numpy.typing import NDArray

from pipeline.seeding.rrsets import RRSets

__all__ = ["MAX_SEGMENTS", "CoverIndex", "candidate_mask"]

#: Segments an index holds at most; one more growth rebuilds it as a single segment.
MAX_SEGMENTS = 16

_NO_WEIGHT = np.zeros(0, dtype=np.int64)  # every set counts 1


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
def _degrees(n, ptr, nodes, nptrs, keep, weight):
    """Per indexed node, the number of sets it is in, each counting ``weight[j]`` (empty:
    1); 0 for nodes the index leaves out (``keep``). Weighted, it walks the sets in order
    (sequential reads, additions into n counters) rather than gathering a weight per
    index entry. O(n x segments + total size)."""
    if weight.shape[0] == 0:
        deg = np.zeros(n, dtype=np.int64)
        for s in range(len(nptrs)):
            nptr = nptrs[s]
            for u in range(n):
                deg[u] += nptr[u + 1] - nptr[u]
        return deg
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
    """RR sets plus their inverted index (in segments, see the module doc), ready for
    repeated greedy runs. ``weight`` (int64 per set, or None for 1 each): what covering
    each set counts, e.g. its multiplicity in a bootstrap resample (:meth:`reweighted`).
    ``nptrs``/``parts``: each segment's offsets (n + 1, int64) and set ids (int32),
    read-only and shared with the indexes this one grew from or into;
    :attr:`kernel_lists` holds them as the numba typed lists the kernels take."""

    rr: RRSets
    nptrs: tuple[NDArray[np.int64], ...]
    parts: tuple[NDArray[np.int32], ...]
    keep: NDArray[np.bool_] | None = None  # the nodes indexed (None: all)
    weight: NDArray[np.int64] | None = None

    @cached_property
    def kernel_lists(self) -> tuple[Any, Any]:
        """(``nptrs``, ``parts``) as numba typed lists. O(segments^2) the first time."""
        return _typed(self.nptrs), _typed(self.parts)

    @property
    def kernel_weight(self) -> NDArray[np.int64]:
        """``weight`` as the kernels take it: an empty array for 1 per set. O(1)."""
        return _NO_WEIGHT if self.weight is None else self.weight

    @cached_property
    def degrees(self) -> NDArray[np.int64]:
        """Per node, its (weighted) number of sets: where every greedy run on this index
        starts, computed once (read-only). O(n + index size) the first time."""
        keep = np.ones(self.rr.n, dtype=np.bool_) if self.keep is None else self.keep
        nptrs = self.kernel_lists[0]
        deg = _degrees(self.rr.n, self.rr.ptr, self.rr.nodes, nptrs, keep, self.kernel_weight)
        deg.setflags(write=False)
        return deg

    @cached_property
    def _flat(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        if len(self.parts) == 1:
            return self.nptrs[0], self.parts[0]
        keep = np.ones(self.rr.n, dtype=np.bool_) if self.keep is None else self.keep
        nptr, sets = _segment(self.rr.n, self.rr.ptr, self.rr.nodes, keep, 0)
        for a in (nptr, sets):
            a.setflags(write=False)
        return nptr, sets

    @property
    def nptr(self) -> NDArray[np.int64]:
        """The index as one CSR: node u's sets are ``sets[nptr[u]:nptr[u + 1]]``. The
        segment itself when there is one, else built once (O(total size))."""
        return self._flat[0]

    @property
    def sets(self) -> NDArray[np.int32]:
        """See :attr:`nptr`."""
        return self._flat[1]

    def reweighted(self, weight: NDArray[np.integer]) -> CoverIndex:
        """This index with each set counting ``weight[j]`` (whole numbers >= 0, one per
        set): greedy runs and prefix counts on it equal those on the collection with
        set j repeated ``weight[j]`` times, without copying a set or re-indexing.
        O(1) besides the weights' conversion."""
        w = np.ascontiguousarray(weight, dtype=np.int64)
        if w.shape != (len(self.rr),):
            raise ValueError(f"weight has shape {w.shape}; expected ({len(self.rr)},)")
        out = CoverIndex(self.rr, self.nptrs, self.parts, self.keep, w)
        out.__dict__["kernel_lists"] = self.kernel_lists  # (cached_property: shared)
        return out

    @classmethod
    def build(cls, rr: RRSets, nodes: NDArray[np.bool_] | None = None) -> CoverIndex:
        """Index ``rr`` for the nodes marked in ``nodes`` (default: all): a greedy over
        candidates needs only theirs (see :func:`candidate_mask`), cheaper and smaller
        when the pool is a small share of the graph; coverage queries about other nodes
        then see no sets. One segment. O(n + total size)."""
        keep = np.ones(rr.n, dtype=np.bool_) if nodes is None else nodes
        nptr, sets = _segment(rr.n, rr.ptr, rr.nodes, keep, 0)
        return cls._of(rr, (nptr,), (sets,), nodes)

    @classmethod
    def _of(
        cls, rr: RRSets, nptrs: tuple[NDArray[np.int64], ...],
        parts: tuple[NDArray[np.int32], ...], keep: NDArray[np.bool_] | None,
    ) -> CoverIndex:  # fmt: skip
        arrays: tuple[NDArray[Any], ...] = (*nptrs, *parts)
        for a in arrays:
            a.setflags(write=False)
        return cls(rr, nptrs, parts, keep)

    def grow(self, rr: RRSets) -> CoverIndex:
        """The index of ``rr``, a collection whose first sets are this index's (an
        extension of the same stream), for the same nodes: the new sets indexed as one
        more segment, the old segments shared (nothing copied), so this index stays
        valid. The same greedy results as :meth:`build`. O(n + new size); a shorter
        ``rr``, or one past :data:`MAX_SEGMENTS`, is built afresh."""
        have = len(self.rr)
        if len(rr) < have or len(self.parts) >= MAX_SEGMENTS:
            return CoverIndex.build(rr, self.keep)
        if self.weight is not None:
            raise ValueError("a reweighted index does not grow; grow the original")
        keep = np.ones(rr.n, dtype=np.bool_) if self.keep is None else self.keep
        nptr, sets = _segment(rr.n, rr.ptr, rr.nodes, keep, have)
        return CoverIndex._of(rr, (*self.nptrs, nptr), (*self.parts, sets), self.keep)
