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
from collections.abc import Callable, Hashable
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

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The result kept for ``key``, or ``compute()`` (run once, kept if it fits the
        budget, its arrays made read-only). An exception in ``compute`` reaches every
        caller waiting for the key and nothing is kept. O(1) besides ``compute``."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                self.hits += 1
                return self._done[key][0]
            waiting = self._running.get(key)
            if waiting is None:
                self.misses += 1
                mine: Future[Any] = Future()
                self._running[key] = mine
            else:
                self.hits += 1
        if waiting is not None:
            return waiting.result()
        try:
            result = _freeze(compute())
        except BaseException as exc:
            with self._lock:
                del self._running[key]
            mine.set_exception(exc)
            raise
        size = result_bytes(result)
        with self._lock:
            del self._running[key]
            if size <= self.budget:
                self._done[key] = (result, size)
                self._used += size
                while self._used > self.budget:
                    _, (_, dropped) = self._done.popitem(last=False)
                    self._used -= dropped
        mine.set_result(result)
        return result
