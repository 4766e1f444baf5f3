"""Exact expected spread on tiny graphs by live-edge enumeration (a test oracle).

Kempe, Kleinberg and Tardos (2003) show that IC equals reachability in a
random *live-edge* graph where each edge is live independently with its
probability, and LT equals reachability when each node keeps at most one
in-edge, edge ``(u, v)`` with probability ``w(u, v)`` and none with
``1 - sum_u w(u, v)``. Both equivalences hold step by step (activation step
= live-path distance), so a horizon ``max_steps`` is exact too.

Everything here is pure Python over all live-edge graphs: O(2^m (n + m))
for IC, O(prod_v (in-degree(v) + 1) (n + m)) for LT. Meant for m <= ~16.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

__all__ = ["ExactSpread", "exact_ic", "exact_lt", "live_edge_cascade"]

_MAX_WORLDS = 1 << 20


@dataclass(frozen=True)
class ExactSpread:
    """Expected activated, expected exposed, and expected credits per seed (in seed order)."""

    activated: float
    exposed: float
    credits: tuple[float, ...]


def live_edge_cascade(
    g: FollowerGraph, seeds: Sequence[int], live: NDArray[np.bool_], max_steps: int | None = None
) -> tuple[int, int, list[int]]:
    """BFS over live edges from ``seeds``, processing parents in activation order.

    Returns (activated, exposed, credits per seed). A node is credited to the
    label of the first parent (in processing order) with a live edge to it,
    which is the kernels' rule for IC. O(n + m).
    """
    n = g.n
    label = [-1] * n
    order = list(seeds)
    for i, s in enumerate(seeds):
        label[s] = i
    credits = [1] * len(seeds)
    lo, hi, t = 0, len(order), 0
    while lo < hi and (max_steps is None or t < max_steps):
        for i in range(lo, hi):
            u = order[i]
            for e in range(int(g.out_ptr[u]), int(g.out_ptr[u + 1])):
                v = int(g.out_idx[e])
                if live[e] and label[v] < 0:
                    label[v] = label[u]
                    credits[label[u]] += 1
                    order.append(v)
        lo, hi, t = hi, len(order), t + 1
    seen = set(order)
    for u in order:
        seen.update(int(v) for v in g.out_idx[g.out_ptr[u] : g.out_ptr[u + 1]])
    return len(order), len(seen), credits


def _worlds_check(count: int) -> None:
    if count > _MAX_WORLDS:
        raise InputError(f"{count} live-edge graphs to enumerate; the exact oracle allows 2^20")


def exact_ic(
    g: FollowerGraph,
    seeds: Sequence[int],
    probability: ArrayLike,
    max_steps: int | None = None,
) -> ExactSpread:
    """Exact IC expectations, enumerating all ``2^m`` live-edge graphs.

    Credits follow the kernels' tie rule (first parent in activation order).
    """
    p = np.asarray(probability, dtype=np.float64)
    _worlds_check(1 << g.m)
    act = exp = 0.0
    cred = np.zeros(len(seeds))
    for bits in itertools.product((False, True), repeat=g.m):
        live = np.array(bits, dtype=bool)
        prob = float(np.prod(np.where(live, p, 1.0 - p)))
        if prob == 0.0:
            continue
        a, x, c = live_edge_cascade(g, seeds, live, max_steps)
        act += prob * a
        exp += prob * x
        cred += prob * np.asarray(c)
    return ExactSpread(act, exp, tuple(float(v) for v in cred))


def exact_lt(
    g: FollowerGraph,
    seeds: Sequence[int],
    weight: ArrayLike,
    max_steps: int | None = None,
) -> ExactSpread:
    """Exact LT expectations: each node keeps one in-edge (prob = weight) or none.

    ``credits`` here are those of the live-edge reachability tree (a node is
    credited to the seed its kept in-edge leads back to), which is the seed
    that reached it first; it can differ from the kernels' LT rule when
    several cascades arrive in the same step, so compare credits only on
    graphs where cascades do not meet.
    """
    w = np.asarray(weight, dtype=np.float64)
    choices: list[list[tuple[int, float]]] = []
    for v in range(g.n):
        slots = range(int(g.in_ptr[v]), int(g.in_ptr[v + 1]))
        opts = [(int(g.in_eid[s]), float(w[g.in_eid[s]])) for s in slots]
        opts.append((-1, 1.0 - sum(x for _, x in opts)))
        choices.append(opts)
    _worlds_check(int(np.prod([len(c) for c in choices], dtype=np.float64)))
    act = exp = 0.0
    cred = np.zeros(len(seeds))
    for pick in itertools.product(*choices):
        prob = float(np.prod([q for _, q in pick]))
        if prob <= 0.0:
            continue
        live = np.zeros(g.m, dtype=bool)
        for e, _ in pick:
            if e >= 0:
                live[e] = True
        a, x, c = live_edge_cascade(g, seeds, live, max_steps)
        act += prob * a
        exp += prob * x
        cred += prob * np.asarray(c)
    return ExactSpread(act, exp, tuple(float(v) for v in cred))
