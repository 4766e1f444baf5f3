"""Exact expected spread on tiny graphs by live-edge enumeration (a test oracle).

Kempe, Kleinberg and Tardos (2003) show that IC equals reachability in a
random *live-edge* graph where each edge is live independently with its
probability, and LT equals reachability when each node keeps at most one
in-edge, edge ``(u, v)`` with probability ``w(u, v)`` and none with
``1 - sum_u w(u, v)``. Both equivalences hold step by step (activation step
= live-path distance), so a horizon ``max_steps`` is exact too.

Audience quality ``q`` (see :mod:`pipeline.diffusion.models`): edge
``e = (u, v)`` is real with probability ``q_u``, independently of its coin,
and only real edges transmit or expose. Activation alone follows from IC with
``p_e q_u``, but exposure needs the realness of the edges that did not
transmit, and that is correlated with transmission: a live edge is always
real, a dead one is real with probability
``r_e = q_u (1 - p_e) / (1 - q_u p_e)``, independently across edges given the
live pattern. So:

- IC: enumerate the live patterns (edge ``e`` live with ``q_u p_e``; 2^m
  worlds). In each, ``A`` is the set reached from the seeds over live edges
  (within the horizon), and an account ``v`` outside ``A`` is exposed with
  probability ``1 - prod (1 - rho_e)`` over the edges ``e = (u, v)`` with
  ``u`` in ``A``, where ``rho_e = 1`` for a live edge (the horizon can cut
  one) and ``r_e`` for a dead one. Summing these probabilities is the exact
  conditional expectation, so no realness pattern needs enumerating.
- LT: given the real edges, LT runs on ``w_e real_e`` (fake edges add no
  weight) and is the live-edge process in which v keeps one *real* in-edge
  ``e`` with probability ``w_e`` or none with ``1 - sum_{real e into v} w_e``.
  Each node's choice therefore ranges over (realness pattern of its
  in-edges, kept edge): probability ``prod q^real (1 - q)^fake * w_e`` (or
  ``* (1 - sum)`` for none), independent across nodes.

In every world, ``activated = |A|`` and
``exposed = |A ∪ {v : (u, v) real, u in A}|``; the expectations are the
probability-weighted sums. A node with ``q_u = 1`` has only the "real"
states, so ``quality=None`` (all ones) is the plain enumeration.

Everything here is pure Python over all live-edge graphs: O(2^m (n + m))
for IC with or without a quality, O(prod_v (in-degree(v) + 1) (n + m)) for LT
(more with a quality). Meant for m <= ~16.
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


def _reach(
    g: FollowerGraph, seeds: Sequence[int], live: NDArray[np.bool_], max_steps: int | None
) -> tuple[list[int], list[int]]:
    """The nodes reached over live edges in activation order, and credits per seed."""
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
    return order, credits


def live_edge_cascade(
    g: FollowerGraph,
    seeds: Sequence[int],
    live: NDArray[np.bool_],
    max_steps: int | None = None,
    real: NDArray[np.bool_] | None = None,
) -> tuple[int, int, list[int]]:
    """BFS over live edges from ``seeds``, processing parents in activation order.

    Returns (activated, exposed, credits per seed). A node is credited to the
    label of the first parent (in processing order) with a live edge to it,
    which is the kernels' rule for IC. Exposed counts the activated nodes and
    their followers over ``real`` edges (all edges if None; live edges must
    be real). O(n + m).
    """
    order, credits = _reach(g, seeds, live, max_steps)
    seen = set(order)
    for u in order:
        a, b = int(g.out_ptr[u]), int(g.out_ptr[u + 1])
        seen.update(int(g.out_idx[e]) for e in range(a, b) if real is None or real[e])
    return len(order), len(seen), credits


def _quality(g: FollowerGraph, quality: ArrayLike | None) -> NDArray[np.float64]:
    if quality is None:
        return np.ones(g.n)
    q = np.asarray(quality, dtype=np.float64)
    if q.shape != (g.n,) or not np.all((q >= 0) & (q <= 1)):
        raise InputError(f"quality must be {g.n} numbers in [0, 1]")
    return q


def _worlds_check(count: int) -> None:
    if count > _MAX_WORLDS:
        raise InputError(f"{count} live-edge graphs to enumerate; the exact oracle allows 2^20")


def exact_ic(
    g: FollowerGraph,
    seeds: Sequence[int],
    probability: ArrayLike,
    max_steps: int | None = None,
    quality: ArrayLike | None = None,
) -> ExactSpread:
    """Exact IC expectations, enumerating every live-edge pattern (2^m worlds).

    Edge ``e = (u, v)`` is live with probability ``q_u p_e`` (patterns of
    probability 0 skipped). Exposure is summed per world as the exact
    probability that each unreached follower of a reached account has a real
    edge from one (see the module docstring). Credits follow the kernels' tie
    rule (first parent in activation order).
    """
    p = np.asarray(probability, dtype=np.float64)
    qe = _quality(g, quality)[g.edge_sources]
    alive = qe * p
    # Realness of a dead edge given that it is dead: q (1 - p) / (1 - q p).
    dead_real = np.divide(qe * (1.0 - p), 1.0 - alive, out=np.ones(g.m), where=alive < 1.0)
    states = [[s for s in ((True, a), (False, 1.0 - a)) if s[1] > 0.0] for a in alive.tolist()]
    _worlds_check(int(np.prod([len(s) for s in states], dtype=np.float64)))
    dst = g.out_idx
    act = exp = 0.0
    cred = np.zeros(len(seeds))
    for world in itertools.product(*states):
        live = np.array([s[0] for s in world], dtype=bool)
        prob = float(np.prod([s[1] for s in world]))
        order, c = _reach(g, seeds, live, max_steps)
        reached = np.zeros(g.n, dtype=bool)
        reached[order] = True
        # P(follower v unexposed) = prod over edges from reached accounts of (1 - rho_e).
        miss = np.ones(g.n)
        for u in order:
            for e in range(int(g.out_ptr[u]), int(g.out_ptr[u + 1])):
                miss[dst[e]] *= 0.0 if live[e] else 1.0 - dead_real[e]
        act += prob * len(order)
        exp += prob * (len(order) + float((1.0 - miss[~reached]).sum()))
        cred += prob * np.asarray(c)
    return ExactSpread(act, exp, tuple(float(v) for v in cred))


def exact_lt(
    g: FollowerGraph,
    seeds: Sequence[int],
    weight: ArrayLike,
    max_steps: int | None = None,
    quality: ArrayLike | None = None,
) -> ExactSpread:
    """Exact LT expectations: each node keeps one in-edge (prob = weight) or none.

    With ``quality``, each node's choice also fixes which of its in-edges are
    real (``q`` of the source each), and only a real in-edge can be kept (see
    the module docstring).

    ``credits`` here are those of the live-edge reachability tree (a node is
    credited to the seed its kept in-edge leads back to), which is the seed
    that reached it first; it can differ from the kernels' LT rule when
    several cascades arrive in the same step, so compare credits only on
    graphs where cascades do not meet.
    """
    w = np.asarray(weight, dtype=np.float64)
    qe = _quality(g, quality)[g.edge_sources]
    # Per node: (kept in-edge or -1, its real in-edges, probability).
    choices: list[list[tuple[int, tuple[int, ...], float]]] = []
    for v in range(g.n):
        eids = [int(g.in_eid[s]) for s in range(int(g.in_ptr[v]), int(g.in_ptr[v + 1]))]
        opts: list[tuple[int, tuple[int, ...], float]] = []
        for bits in itertools.product((True, False), repeat=len(eids)):
            pr = float(
                np.prod([qe[e] if r else 1.0 - qe[e] for e, r in zip(eids, bits, strict=True)])
            )
            if pr <= 0.0:
                continue
            real = tuple(e for e, r in zip(eids, bits, strict=True) if r)
            opts += [(e, real, pr * float(w[e])) for e in real]
            opts.append((-1, real, pr * (1.0 - sum(float(w[e]) for e in real))))
        choices.append(opts)
    _worlds_check(int(np.prod([len(c) for c in choices], dtype=np.float64)))
    act = exp = 0.0
    cred = np.zeros(len(seeds))
    for pick in itertools.product(*choices):
        prob = float(np.prod([q for _, _, q in pick]))
        if prob <= 0.0:
            continue
        live = np.zeros(g.m, dtype=bool)
        real_edges = np.zeros(g.m, dtype=bool)
        for e, reals, _ in pick:
            real_edges[list(reals)] = True
            if e >= 0:
                live[e] = True
        a, x, c = live_edge_cascade(g, seeds, live, max_steps, real_edges)
        act += prob * a
        exp += prob * x
        cred += prob * np.asarray(c)
    return ExactSpread(act, exp, tuple(float(v) for v in cred))
