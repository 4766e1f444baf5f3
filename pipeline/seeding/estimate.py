"""Reach estimates shared by the strategies: :class:`ReachEstimator` (one RR collection
per problem, estimates and marginal gains of seed lists) and :class:`SharedCache`, the
thread-safe LRU that builds each collection once for all the threads of a campaign.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.seeding.base import SeedingProblem
from pipeline.seeding.max_cover import CoverIndex, prefix_coverage
from pipeline.seeding.rrsets import RRSets, sample_rr_sets, stream_key

__all__ = ["ReachEstimator", "SharedCache", "rr_fingerprint"]


class SharedCache:
    """A small least-recently-used cache that threads can share: each value is built
    once (a second thread asking for a key being built waits for it), the
    ``capacity`` most recently used values are kept. ``len`` counts the values."""

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = max(1, int(capacity))
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._building: dict[Any, threading.Lock] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Any, build: Callable[[], Any]) -> Any:
        """The value of ``key``, built by ``build()`` if absent. O(1) besides the build."""
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                lock = self._building.get(key)
                if lock is None:
                    lock = self._building[key] = threading.Lock()
                    lock.acquire()
                    break
            with lock:  # another thread builds it: wait, then look again
                pass
        try:
            value = build()
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
            return value
        finally:
            with self._lock:
                del self._building[key]
            lock.release()


@dataclass(eq=False)
class ReachEstimator:
    """Expected spread of any seed set from a fixed collection of RR sets.

    ``spread(S) = n * (sets hit by S) / (number of sets)``, unbiased (expected
    exposure instead when the problem's ``expose`` is set); the standard
    error is ``n * sqrt(f (1 - f) / theta)``. Sets are drawn until ``rr_sets`` are
    made or ``max_entries`` node entries are stored (memory ~ 4 bytes each), so
    dense, high-probability models degrade gracefully to fewer sets.
    """

    index: CoverIndex

    @classmethod
    def build(
        cls,
        problem: SeedingProblem,
        *,
        rr_sets: int = 100_000,
        max_entries: int = 50_000_000,
        stream: int = 7,
        cache: SharedCache | None = None,
    ) -> ReachEstimator:
        """Draw the collection, or take it from ``cache`` (e.g. one per campaign process,
        shared by its cell threads): the sets depend only on the graph, the model's
        values, exposure, horizon, seed and sizes, so every strategy and budget of one
        brand and model shares one collection, bit for bit the one it would have drawn."""

        def draw() -> ReachEstimator:
            return cls._draw(problem, rr_sets=rr_sets, max_entries=max_entries, stream=stream)

        if cache is None:
            return draw()
        return cache.get((rr_fingerprint(problem), stream, rr_sets, max_entries), draw)

    @classmethod
    def _draw(
        cls, problem: SeedingProblem, *, rr_sets: int, max_entries: int, stream: int
    ) -> ReachEstimator:
        g = problem.graph
        key = stream_key(problem.seed, stream)
        rr: RRSets | None = None
        layout = problem.slot_layout
        step = min(rr_sets, 16_384)
        while rr is None or (len(rr) < rr_sets and rr.total_size < max_entries):
            have = 0 if rr is None else len(rr)
            rr = sample_rr_sets(
                g.in_ptr,
                g.in_idx,
                g.in_eid,
                problem.values,
                lt=problem.lt,
                count=min(step, rr_sets - have),
                key=key,
                start=have,
                max_steps=problem.max_steps,
                threads=problem.threads,
                expose=problem.expose,
                layout=layout,
                into=rr,
            )
            step = min(step * 2, 1 << 20)
        return cls(CoverIndex.build(rr))

    @property
    def theta(self) -> int:
        return len(self.index.rr)

    def gains(self, seeds: NDArray[np.int32]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(marginal expected spread of each seed in order, standard error of the cumulative)."""
        n, theta = self.index.rr.n, self.theta
        cov = prefix_coverage(self.index, seeds).astype(np.float64)
        f = np.cumsum(cov) / theta
        return cov * n / theta, n * np.sqrt(f * (1.0 - f) / theta)


def rr_fingerprint(problem: SeedingProblem) -> tuple[Any, ...]:
    """What an RR collection of ``problem`` depends on, as a hashable key. O(n + m)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(problem.values).tobytes())
    if problem.expose is not None:
        h.update(b"expose")
        h.update(np.ascontiguousarray(problem.expose).tobytes())
    g = problem.graph
    return (id(g), g.n, g.m, problem.lt, problem.max_steps, problem.seed, h.hexdigest())
