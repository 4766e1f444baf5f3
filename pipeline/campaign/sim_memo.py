"""Simulations a campaign process has already run, kept for the cells that ask again.

Cells of one brand and model share their run keys (common random numbers), so two
cells whose plans hold the same seeds in the same order simulate the very same runs:
budgets a strategy cannot spend (a creator cap reached first), the ambassadors'
plan at every budget share, strategies that agree. :class:`SimulationMemo` runs such a
simulation once per process and hands the same result to every cell that asks (its
arrays read-only), so the files are byte-identical to running each cell afresh, whatever
the order, the thread or the executor (each Ray worker keeps its own).

Bounded: results are kept newest-first within a byte budget (node counts dominate:
8 bytes per node), so a graph of millions of nodes keeps a few and a small one keeps
hundreds. A key being computed by one thread is waited for by the others, not run twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from typing import Any

import numpy as np

__all__ = ["DEFAULT_BUDGET_BYTES", "SimulationMemo", "result_bytes"]

DEFAULT_BUDGET_BYTES = 256 * 2**20


def result_bytes(result: Any) -> int:
    """Bytes of the NumPy arrays an object holds in its attributes. O(attributes)."""
    return sum(v.nbytes for v in vars(result).values() if isinstance(v, np.ndarray))


def _freeze(result: Any) -> Any:
    for v in vars(result).values():
        if isinstance(v, np.ndarray):
            v.setflags(write=False)
    return result


class SimulationMemo:
    """A thread-safe, byte-bounded memo of simulation results by key (see the module
    doc). ``hits`` and ``misses`` count the lookups."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget = budget_bytes
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._done: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._used = 0
        self._running: dict[Hashable, Future[Any]] = {}

    def peek(self, key: Hashable) -> Any:
        """The result kept for ``key``, or None (nothing is computed or waited for). O(1)."""
        with self._lock:
            entry = self._done.get(key)
            return None if entry is None else entry[0]

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The result kept for ``key``, or ``compute()`` (run once, kept if it fits the
        budget, its arrays made read-only). An exception in ``compute`` reaches every
        caller waiting for the key and nothing is kept. O(1) besides ``compute``."""
        return self.get_along(key, [], lambda keys: [compute()])

    def get_along(
        self,
        key: Hashable,
        others: Sequence[Hashable],
        compute: Callable[[list[Hashable]], list[Any]],
    ) -> Any:
        """As :meth:`get`, but a miss computes ``key`` along with those of ``others``
        that are neither kept nor being computed: ``compute(keys)`` (``key`` first)
        returns their results in order, each kept as :meth:`get` keeps one, and a
        caller asking for one of them meanwhile waits for it. O(others) besides
        ``compute``."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                self.hits += 1
                return self._done[key][0]
            waiting = self._running.get(key)
            owned: list[Hashable] = []
            if waiting is None:
                self.misses += 1
                owned = [key]
                for k in others:
                    if k not in self._done and k not in self._running and k not in owned:
                        owned.append(k)
                for k in owned:
                    self._running[k] = Future()
            else:
                self.hits += 1
        if waiting is not None:
            return waiting.result()
        try:
            results = [_freeze(r) for r in compute(owned)]
        except BaseException as exc:
            with self._lock:
                futures = [self._running.pop(k) for k in owned]
            for f in futures:
                f.set_exception(exc)
            raise
        with self._lock:
            futures = [self._running.pop(k) for k in owned]
            for k, result in zip(owned, results, strict=True):
                size = result_bytes(result)
                if size <= self.budget:
                    self._done[k] = (result, size)
                    self._used += size
            while self._used > self.budget:
                _, (_, dropped) = self._done.popitem(last=False)
                self._used -= dropped
        for f, result in zip(futures, results, strict=True):
            f.set_result(result)
        return results[0]
