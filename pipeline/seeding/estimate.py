"""Reach estimates and RR collections shared by the strategies: :class:`ReachEstimator`
(one RR collection per problem, estimates and marginal gains of seed lists),
:class:`SharedCache`, the thread-safe LRU that builds each collection once for all the
threads of a campaign, and :class:`RRPool` / :func:`rr_sampler`, the growing RR streams
IMM and OPIM-C draw from.
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
from pipeline.seeding.kpi import paid_prefix  # re-exported (its old home)
from pipeline.seeding.max_cover import CoverIndex, prefix_coverage
from pipeline.seeding.rrsets import (
    RRSets,
    SlotLayout,
    root_cumulative,
    sample_rr_sets,
    stream_key,
)

__all__ = [
    "Draw",
    "RRPool",
    "ReachEstimator",
    "SharedCache",
    "paid_prefix",
    "rr_fingerprint",
    "rr_sampler",
]


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


class RRPool:
    """RR sets of the streams of one model, kept between IMM runs (e.g. the budgets of
    one brand and model in a campaign). Set ``j`` of a stream depends only on the stream
    key and ``j``, so a run that needs ``t`` sets gets the first ``t`` of the longest
    collection drawn so far, bit for bit the ones it would have drawn itself; only the
    missing tail is sampled (by one thread at a time: threads sharing the pool wait
    for it). Memory: the longest collection of each stream."""

    def __init__(self) -> None:
        self._sets: dict[int, RRSets] = {}
        self._lock = threading.Lock()
        self._layout: SlotLayout | None = None
        self._layout_lock = threading.Lock()  # taken inside take()'s lock: a separate one

    def layout(self, build: Callable[[], SlotLayout]) -> SlotLayout:
        """The pool's model laid out for sampling (one per pool: its runs share a
        model), built by the first caller."""
        with self._layout_lock:
            if self._layout is None:
                self._layout = build()
            return self._layout

    def take(
        self,
        key: np.uint64,
        upto: int,
        sample: Callable[[RRSets | None, np.uint64, int], RRSets],
    ) -> RRSets:
        with self._lock:
            have = self._sets.get(int(key))
            if have is None or len(have) < upto:
                have = sample(have, key, upto)
                self._sets[int(key)] = have
        return have if len(have) == upto else have.prefix(upto)


Draw = Callable[[RRSets | None, np.uint64, int], RRSets]


def rr_sampler(
    in_ptr: NDArray[np.int64],
    in_idx: NDArray[np.int32],
    in_eid: NDArray[np.int64],
    value: NDArray[np.float32],
    *,
    lt: bool,
    max_steps: int | None,
    threads: int | None,
    expose: NDArray[np.float32] | None,
    rr_pool: RRPool | None,
    layout: SlotLayout | None = None,
    root_weight: NDArray[np.float64] | None = None,
) -> Draw:
    """``draw(rr, key, upto)``: the first ``upto`` RR sets of stream ``key``, extending
    ``rr`` (the sets drawn so far, or None) or taking them from ``rr_pool``. The
    probabilities' layout is ``rr_pool``'s, else ``layout``, else built on the first
    draw. ``root_weight``: node-weighted roots (a pool holds one weighting only)."""
    laid: list[SlotLayout] = []

    def sample(rr: RRSets | None, key: np.uint64, upto: int) -> RRSets:
        have = 0 if rr is None else len(rr)
        if not laid:

            def build() -> SlotLayout:
                return layout or SlotLayout.of(in_ptr, in_idx, in_eid, value, lt=lt)

            laid.append(build() if rr_pool is None else rr_pool.layout(build))
        from pipeline.diffusion.threads import kernel_guard

        with kernel_guard():  # a Ctrl-C waits for the parallel kernel to return
            return sample_rr_sets(
                in_ptr, in_idx, in_eid, value, lt=lt, count=upto - have, key=key, start=have,
                max_steps=max_steps, threads=threads, expose=expose, layout=laid[0], into=rr,
                root_weight=root_weight,
            )  # fmt: skip

    def draw(rr: RRSets | None, key: np.uint64, upto: int) -> RRSets:
        if rr_pool is not None:
            return rr_pool.take(key, upto, sample)
        if rr is not None and upto <= len(rr):
            return rr if upto == len(rr) else rr.prefix(upto)
        return sample(rr, key, upto)

    return draw


@dataclass(eq=False)
class ReachEstimator:
    """Expected spread of any seed set from a fixed collection of RR sets.

    ``spread(S) = scale * (sets hit by S) / (number of sets)``, unbiased (expected
    exposure instead when the problem's ``expose`` is set); the standard
    error is ``scale * sqrt(f (1 - f) / theta)``. ``scale`` is n, or the total root
    weight W when the problem has root weights (``root_weight``: the estimate is then
    ``Σ_v w_v Pr[v activated (exposed)]``, in the weights' unit, e.g. engagements).
    Sets are drawn until ``rr_sets`` are made or ``max_entries`` node entries are
    stored (memory ~ 4 bytes each), so dense, high-probability models degrade
    gracefully to fewer sets.
    """

    index: CoverIndex
    scale: float = 0.0  # n, or W; 0 (not given) means n

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
                root_weight=problem.root_weight,
            )
            step = min(step * 2, 1 << 20)
        w = problem.root_weight
        scale = float(problem.n) if w is None else float(root_cumulative(w, problem.n)[-1])
        return cls(CoverIndex.build(rr), scale)

    @property
    def theta(self) -> int:
        return len(self.index.rr)

    def gains(self, seeds: NDArray[np.int32]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(marginal expected spread of each seed in order, standard error of the
        cumulative), in the unit of ``scale`` (module docstring). O(their sets)."""
        n, theta = self.scale or self.index.rr.n, self.theta
        cov = prefix_coverage(self.index, seeds).astype(np.float64)
        f = np.cumsum(cov) / theta
        return cov * n / theta, n * np.sqrt(f * (1.0 - f) / theta)


def rr_fingerprint(problem: SeedingProblem) -> tuple[Any, ...]:
    """What an RR collection of ``problem`` depends on, as a hashable key: the root
    weights included, so weighted and unweighted sets never mix. O(n + m)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(problem.values).tobytes())
    if problem.expose is not None:
        h.update(b"expose")
        h.update(np.ascontiguousarray(problem.expose).tobytes())
    if problem.root_weight is not None:
        h.update(b"root_weight")
        h.update(np.ascontiguousarray(problem.root_weight, dtype=np.float64).tobytes())
    g = problem.graph
    return (id(g), g.n, g.m, problem.lt, problem.max_steps, problem.seed, h.hexdigest())
