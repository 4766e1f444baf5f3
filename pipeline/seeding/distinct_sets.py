"""The distinct candidate parts of a collection's RR sets, each with its count.

A greedy over a candidate pool sees of an RR set only the candidates it holds: a set
with none can never be covered, and two sets with the same candidates are covered by
the same seeds. :class:`DistinctSets` keeps, for a collection, each distinct
*candidate part* (the set's members in the pool, sorted) once, with ``count``, how many
sets of the collection have it, and ``group``, per set, the id of its part (-1 for a
set with no candidate). Coverage counted in counts equals coverage counted in sets, so
every greedy, bound and prefix on the parts weighted by their counts picks and counts
exactly what it would on the collection, on far fewer sets: on the demo graph (2,700
candidates in 20,000 accounts), 1.35 M of IC p = 0.025's 3.8 M sets hold a candidate
and they have only 14,000 distinct parts; the weighted-cascade sets have 2 to 3 times
fewer.

Parts are numbered by first appearance in set order, so a collection extended from the
same stream (IMM's rounds) numbers its parts as the whole collection indexed afresh
would. :meth:`DistinctSets.extend` adds sets in place when it is the newest view of its
arrays (amortised O(new entries), a hash table over the parts finding repeats), and
copies otherwise; the views already handed out stay valid. O(entries) memory besides
the int32 group per set.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

if TYPE_CHECKING:
    from pipeline.seeding.rrsets import RRSets

__all__ = ["DistinctSets", "group_sums", "parts_of"]

_EMPTY = np.int32(-1)


@njit(nogil=True, cache=True, inline="always")
def _mix(h: np.uint64, x: np.uint64) -> np.uint64:
    """One member folded into a part's hash (splitmix64's finaliser of the sum)."""
    z = h + x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(nogil=True, cache=True)
def _rehash(
    table: NDArray[np.int32], chash: NDArray[np.uint64], cptr: NDArray[np.int64], parts: int
) -> NDArray[np.int32]:
    """A table twice the size holding the parts of two or more members among
    ``0..parts-1`` by their hashes. O(parts)."""
    out = np.full(2 * table.shape[0], _EMPTY, dtype=np.int32)
    mask = np.uint64(out.shape[0] - 1)
    for i in range(parts):
        if cptr[i + 1] - cptr[i] < 2:
            continue
        s = chash[i] & mask
        while out[s] != _EMPTY:
            s = (s + np.uint64(1)) & mask
        out[s] = i
    return out


@njit(nogil=True, cache=True)
def _add_sets(
    ptr, nodes, keep, start, end, cptr, cnodes, chash, count, group, table, single, parts, size,
    hashed,
):  # fmt: skip
    """Sets ``start..end-1`` of (ptr, nodes) added to the parts: each set's members with
    ``keep``, sorted, found in ``table`` (open addressing over the parts' hashes ``chash``,
    members compared on a hash match) or appended as part ``parts`` (members at
    ``cnodes[size:]``); ``group[j]`` its id (-1 with no member kept) and its ``count``
    raised; a part of one member is found by ``single`` (per node, its one-member part
    or -1) without hashing. The caller leaves room for every set being new. Returns
    ``(table, parts, size, hashed)``, the table (``hashed`` parts in it) grown once over
    half full. O(entries + members
    log members)."""
    mask = np.uint64(table.shape[0] - 1)
    buf = np.empty(0, dtype=np.int32)
    for j in range(start, end):
        a, b = ptr[j], ptr[j + 1]
        if buf.shape[0] < b - a:
            buf = np.empty(2 * (b - a), dtype=np.int32)
        m = 0
        for r in range(a, b):
            x = nodes[r]
            if keep[x]:
                buf[m] = x
                m += 1
        if m == 0:
            group[j] = _EMPTY
            continue
        if m == 1:  # most parts: one candidate
            x = buf[0]
            c = single[x]
            if c == _EMPTY:
                c = np.int32(parts)
                single[x] = c
                chash[parts] = np.uint64(0)
                cnodes[size] = x
                size += 1
                cptr[parts + 1] = size
                count[parts] = 0
                parts += 1
            count[c] += 1
            group[j] = c
            continue
        if m <= 16:  # insertion sort: parts are mostly a handful of candidates
            for i in range(1, m):
                x = buf[i]
                t = i - 1
                while t >= 0 and buf[t] > x:
                    buf[t + 1] = buf[t]
                    t -= 1
                buf[t + 1] = x
        else:
            buf[:m] = np.sort(buf[:m])
        h = np.uint64(m)
        for i in range(m):
            h = _mix(h, np.uint64(buf[i]))
        s = h & mask
        found = _EMPTY
        while table[s] != _EMPTY:
            c = table[s]
            if chash[c] == h and cptr[c + 1] - cptr[c] == m:
                same = True
                base = cptr[c]
                for i in range(m):
                    if cnodes[base + i] != buf[i]:
                        same = False
                        break
                if same:
                    found = c
                    break
            s = (s + np.uint64(1)) & mask
        if found == _EMPTY:
            found = np.int32(parts)
            table[s] = found
            chash[parts] = h
            cnodes[size : size + m] = buf[:m]
            size += m
            cptr[parts + 1] = size
            count[parts] = 0
            parts += 1
            hashed += 1
            if 2 * hashed > table.shape[0]:
                table = _rehash(table, chash, cptr, parts)
                mask = np.uint64(table.shape[0] - 1)
        count[found] += 1
        group[j] = found
    return table, parts, size, hashed


@njit(nogil=True, cache=True)
def group_sums(
    group: NDArray[np.int32], weight: NDArray[np.int64], parts: int
) -> NDArray[np.int64]:
    """Per part, the sum of ``weight`` over the sets in it (sets in none skipped). O(sets)."""
    out = np.zeros(parts, dtype=np.int64)
    for j in range(group.shape[0]):
        g = group[j]
        if g >= 0:
            out[g] += weight[j]
    return out


@njit(nogil=True, cache=True)
def _prefix_counts(group: NDArray[np.int32]) -> NDArray[np.int64]:
    """Per part appearing in ``group`` (ids 0..max), its number of sets. O(sets)."""
    top = -1
    for j in range(group.shape[0]):
        top = max(top, group[j])
    out = np.zeros(top + 1, dtype=np.int64)
    for j in range(group.shape[0]):
        if group[j] >= 0:
            out[group[j]] += 1
    return out


class _Arrays:
    """The growing arrays behind the views of one lineage of :class:`DistinctSets`."""

    __slots__ = ("chash", "cnodes", "count", "cptr", "group", "hashed", "lock", "parts",
                 "sets", "single", "size", "table")  # fmt: skip

    def __init__(self, sets: int, parts: int, size: int) -> None:
        self.cptr = np.zeros(parts + 1, dtype=np.int64)
        self.cnodes = np.empty(size, dtype=np.int32)
        self.chash = np.empty(parts, dtype=np.uint64)
        self.count = np.zeros(parts, dtype=np.int64)
        self.group = np.empty(sets, dtype=np.int32)
        self.table = np.full(64, _EMPTY, dtype=np.int32)
        self.single = np.zeros(0, dtype=np.int32)  # sized on the first sets
        self.parts = self.size = self.sets = self.hashed = 0
        self.lock = threading.Lock()


class DistinctSets:
    """The distinct candidate parts of the first ``sets`` sets of a collection (see the
    module doc): ``ptr``/``nodes`` the parts as a CSR (members sorted), ``count`` (int64,
    read-only) per part, ``group`` (int32) per set. Build with :meth:`of`."""

    __slots__ = ("_arrays", "count", "nodes", "ptr", "sets", "whole")

    def __init__(
        self, arrays: _Arrays, sets: int = -1, count: NDArray[np.int64] | None = None
    ) -> None:
        """The view of ``arrays``' first ``sets`` sets (default: all), whose parts'
        counts are ``count`` (default: the live counts, copied)."""
        self._arrays = arrays
        self.sets = arrays.sets if sets < 0 else sets
        if count is None:
            count = arrays.count[: arrays.parts].copy()  # later sets raise the live counts
        parts = count.shape[0]
        self.ptr = arrays.cptr[: parts + 1]
        self.nodes = arrays.cnodes[: arrays.cptr[parts]]
        self.count = count
        self.count.setflags(write=False)
        self.whole = False  # every set its own part (:meth:`whole_sets`)

    def __len__(self) -> int:
        return int(self.ptr.shape[0] - 1)

    @property
    def group(self) -> NDArray[np.int32]:
        """Per set of the collection, the id of its part (-1: no candidate)."""
        return self._arrays.group[: self.sets]

    @classmethod
    def whole_sets(cls, ptr: NDArray[np.int64], nodes: NDArray[np.int32]) -> DistinctSets:
        """Every set of (ptr, nodes) its own part, as it is (no copy, no hashing): what an
        index of all nodes uses, where parts would repeat little. Not extended: build
        it again for a longer collection (O(sets))."""
        theta = int(ptr.shape[0] - 1)
        arrays = _Arrays(0, 0, 0)
        arrays.cptr, arrays.cnodes = ptr, nodes
        arrays.group = np.arange(theta, dtype=np.int32)
        arrays.parts, arrays.sets, arrays.size = theta, theta, int(ptr[theta])
        out = cls(arrays, theta, np.ones(theta, dtype=np.int64))
        out.whole = True
        return out

    def prefix(self, sets: int) -> DistinctSets:
        """The parts of the collection's first ``sets`` sets: a view (parts are numbered
        by first appearance, so theirs come first), counts recounted. O(sets)."""
        if sets == self.sets:
            return self
        return DistinctSets(self._arrays, sets, _prefix_counts(self.group[:sets]))

    @classmethod
    def of(
        cls, ptr: NDArray[np.int64], nodes: NDArray[np.int32], keep: NDArray[np.bool_]
    ) -> DistinctSets:
        """The parts of every set of the CSR collection (ptr, nodes) in ``keep``."""
        arrays = _Arrays(0, 0, 0)
        return cls(_extend(arrays, ptr, nodes, keep))

    def extend(
        self, ptr: NDArray[np.int64], nodes: NDArray[np.int32], keep: NDArray[np.bool_]
    ) -> DistinctSets:
        """The parts of the longer collection (ptr, nodes) whose first :attr:`sets` sets
        are this one's, for the same ``keep``: in place when this is the newest view of
        its arrays, else from scratch. This view stays valid either way."""
        if self.whole:
            return DistinctSets.whole_sets(ptr, nodes)
        arrays = self._arrays
        with arrays.lock:
            tip = arrays.sets == self.sets and arrays.parts == len(self)
            if tip:
                return DistinctSets(_extend(arrays, ptr, nodes, keep))
        return DistinctSets.of(ptr, nodes, keep)


def _extend(arrays: _Arrays, ptr: NDArray[np.int64], nodes: NDArray[np.int32],
            keep: NDArray[np.bool_]) -> _Arrays:  # fmt: skip
    """Add the sets after ``arrays.sets`` of (ptr, nodes) to ``arrays`` (room doubled
    when short; every new set may be a new part). Returns ``arrays``."""
    start, end = arrays.sets, int(ptr.shape[0] - 1)
    new_entries = int(ptr[end] - ptr[start])
    need_parts, need_size = arrays.parts + (end - start), arrays.size + new_entries
    if arrays.cptr.shape[0] < need_parts + 1 or arrays.cnodes.shape[0] < need_size:
        grown = _Arrays(0, 2 * need_parts, 2 * need_size)
        p, s = arrays.parts, arrays.size
        grown.cptr[: p + 1] = arrays.cptr[: p + 1]
        grown.cnodes[:s] = arrays.cnodes[:s]
        grown.chash[:p] = arrays.chash[:p]
        grown.count[:p] = arrays.count[:p]
        arrays.cptr, arrays.cnodes, arrays.chash, arrays.count = (
            grown.cptr, grown.cnodes, grown.chash, grown.count)  # fmt: skip
    if arrays.single.shape[0] != keep.shape[0]:
        arrays.single = np.full(keep.shape[0], _EMPTY, dtype=np.int32)
    if arrays.group.shape[0] < end:
        group = np.empty(2 * end, dtype=np.int32)
        group[:start] = arrays.group[:start]
        arrays.group = group
    arrays.table, arrays.parts, arrays.size, arrays.hashed = _add_sets(
        ptr, nodes, keep, start, end, arrays.cptr, arrays.cnodes, arrays.chash, arrays.count,
        arrays.group, arrays.table, arrays.single, arrays.parts, arrays.size, arrays.hashed,
    )  # fmt: skip
    arrays.sets = end
    return arrays


# The longest parts computed per RR collection lineage and candidate pool: IMM calls of one campaign
# take prefixes of the same shared streams (RRPool) with a handful of pools, so each
# stream's sets are split into parts once per pool, not once per call.
_CACHE: weakref.WeakKeyDictionary[Any, dict[bytes, list[Any]]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def parts_of(rr: RRSets, keep: NDArray[np.bool_], base: DistinctSets | None = None) -> DistinctSets:
    """The :class:`DistinctSets` of collection ``rr`` for the pool ``keep``. A collection
    that is a view of a growing store (an RR stream, :class:`~pipeline.seeding.rrsets.
    RRSets`) shares one lineage of parts per pool with every other view of that store:
    a shorter one takes a prefix (O(sets)), a longer one extends it (O(new entries)).
    Without a store, ``base`` (the parts of a prefix of ``rr``) is extended, if given.
    Thread-safe."""
    st = rr._store
    if st is None:
        if base is not None:
            return base.extend(rr.ptr, rr.nodes, keep)
        return DistinctSets.of(rr.ptr, rr.nodes, keep)
    key = hashlib.blake2b(np.packbits(keep).tobytes(), digest_size=16).digest()
    with _CACHE_LOCK:
        entry = _CACHE.setdefault(st.lineage, {}).setdefault(key, [threading.Lock(), None])
    with entry[0]:
        have: DistinctSets | None = entry[1]
        if have is None or have.sets < len(rr):
            have = DistinctSets.of(rr.ptr, rr.nodes, keep) if have is None else have.extend(
                rr.ptr, rr.nodes, keep)  # fmt: skip
            entry[1] = have
    return have.prefix(len(rr))
