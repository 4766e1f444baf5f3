"""A run's live-edge graph and its largest strongly connected part.

:func:`live_graph` draws run ``key``'s live edges (per-edge IC coins, as
:func:`~pipeline.diffusion.cascade.ic_cascade` draws them) into a CSR; :func:`giant_root`
finds the smallest node of the largest strongly connected part of such a graph (an
iterative Tarjan, Tarjan 1972), the root of the core that
:mod:`~pipeline.diffusion.group_kernel` shares between plans.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pipeline.diffusion.rng import coin_bits

__all__ = ["giant_root", "live_graph"]


@njit(nogil=True, cache=True)
def live_graph(out_ptr, out_idx, live_thr, key, lptr, lidx):
    """Run ``key``'s live-edge graph as a CSR (``lptr``, ``lidx``, grown when full;
    returned) in the out-CSR's order. O(n + m)."""
    n = out_ptr.shape[0] - 1
    nl = 0
    for u in range(n):
        lptr[u] = nl
        a = out_ptr[u]
        b = out_ptr[u + 1]
        if nl + (b - a) > lidx.shape[0]:
            grown = np.empty(max(2 * lidx.shape[0], nl + (b - a)), dtype=lidx.dtype)
            grown[:nl] = lidx[:nl]
            lidx = grown
        for e in range(a, b):
            if coin_bits(key, e) < live_thr[e]:
                lidx[nl] = out_idx[e]
                nl += 1
    lptr[n] = nl
    return lidx


@njit(nogil=True, cache=True)
def giant_root(lptr, lidx, index, low, stack, onstk, cs_node, cs_pos):
    """The smallest node of the largest strongly connected part of the live-edge graph
    (ties: the part holding the smallest node), by an iterative Tarjan; -1 when every
    part is a single node. ``index``, ``low``, ``stack``, ``cs_*``: n-long work arrays
    (``index`` reset here). O(n + live edges)."""
    n = lptr.shape[0] - 1
    for v in range(n):
        index[v] = -1
        onstk[v] = False
    nxt = 0
    sp = 0
    best = 1
    root = -1
    for s in range(n):
        if index[s] >= 0:
            continue
        depth = 0
        cs_node[0] = s
        cs_pos[0] = lptr[s]
        index[s] = nxt
        low[s] = nxt
        nxt += 1
        stack[sp] = s
        sp += 1
        onstk[s] = True
        while depth >= 0:
            u = cs_node[depth]
            j = cs_pos[depth]
            if j < lptr[u + 1]:
                cs_pos[depth] = j + 1
                v = lidx[j]
                if index[v] < 0:
                    index[v] = nxt
                    low[v] = nxt
                    nxt += 1
                    stack[sp] = v
                    sp += 1
                    onstk[v] = True
                    depth += 1
                    cs_node[depth] = v
                    cs_pos[depth] = lptr[v]
                elif onstk[v] and index[v] < low[u]:
                    low[u] = index[v]
                continue
            if low[u] == index[u]:  # u roots a part: pop it
                size = 0
                small = u
                while True:
                    sp -= 1
                    w = stack[sp]
                    onstk[w] = False
                    size += 1
                    if w < small:
                        small = w
                    if w == u:
                        break
                if size > best or (size == best and root >= 0 and small < root):
                    best = size
                    root = small
            depth -= 1
            if depth >= 0:
                p = cs_node[depth]
                if low[u] < low[p]:
                    low[p] = low[u]
    return root
