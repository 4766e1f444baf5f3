"""A group's people: each follower's share of the people its posters reach, for every
plan of a bit-parallel pass at once (step 3 of :mod:`pipeline.diffusion.group_kernel`).

A follower's posters are grouped by the plans they hold (a 64-bit mask each); each group's
log-miss, weight and share are summed in whole units
(:mod:`~pipeline.diffusion.project_kernel`); the plans are split into the parts that
every group either holds or misses, and each part's people are computed once and added
to each plan in it. Past :data:`SPLIT_MAX` groups each plan's state is summed on its own.
Integer sums, so a plan's people are the same bit for bit as its run alone.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from pipeline.diffusion.project_kernel import LOG_CAP, part

__all__ = ["SPLIT_MAX", "WIDTH", "add_plans", "follower_people", "low_bit"]

_ONE = np.uint64(1)
WIDTH = 64  # plans per pass: the bits of a word
SPLIT_MAX = 6  # a follower with more groups sums each plan on its own


@njit(nogil=True, cache=True, inline="always")
def low_bit(b):
    """The index of the lowest set bit of the non-zero ``b``. O(1)."""
    return np.int64(trailing_zeros(b))  # type: ignore[call-arg]


@njit(nogil=True, cache=True, inline="always")
def add_plans(b, lu, au, mu, seen, sl, sw, sm):
    """Add a poster's state to each plan of ``b`` (``sl, sw, sm`` per plan, a plan's
    first addition starting it from nothing; ``seen``: the plans started). Returns the new
    ``seen``. O(plans in b)."""
    while b:
        p = low_bit(b)
        bit = b & (~b + _ONE)
        b &= b - _ONE
        if seen & bit:
            sl[p] = min(sl[p] + lu, LOG_CAP)
            sw[p] += au
            sm[p] = max(sm[p], mu)
        else:
            sl[p] = lu
            sw[p] = au
            sm[p] = mu
    return seen


@njit(nogil=True, cache=True)
def follower_people(starts, ends, idx, mask, qr, tl, ntl, bm, bs, atoms, sl, sw, sm, ppl):
    """Add the people of each touched follower ``v`` (``tl[:ntl]``) to its plans'
    totals ``ppl`` (module doc): the posts of its active followees
    (``idx[starts[v]:ends[v]]``; ``qr[u]``: poster ``u``'s log-miss, weight, share and
    the people of its post alone, :func:`~pipeline.diffusion.project_kernel.part`),
    grouped by their plans (``bm``, ``bs``: up to :data:`SPLIT_MAX` groups, split into
    parts), or summed per plan past that; a follower with one poster takes that
    poster's own people.
    O(active followees + plans reaching it) per follower."""
    for i in range(ntl):
        v = tl[i]
        if ends[v] - starts[v] == 1:  # one poster: its post's people, computed once a call
            u = idx[starts[v]]
            pp = qr[u, 3]
            b = mask[u]
            while b:
                ppl[low_bit(b)] += pp
                b &= b - _ONE
            continue
        d = 0
        many = False
        seen = np.uint64(0)
        for e in range(starts[v], ends[v]):
            u = idx[e]
            b = mask[u]
            lu = qr[u, 0]
            au = qr[u, 1]
            mu = qr[u, 2]
            if many:
                seen = add_plans(b, lu, au, mu, seen, sl, sw, sm) | b
                continue
            k = 0
            while k < d and bm[k] != b:
                k += 1
            if k < d:
                bs[k, 0] = min(bs[k, 0] + lu, LOG_CAP)
                bs[k, 1] += au
                bs[k, 2] = max(bs[k, 2], mu)
            elif d < SPLIT_MAX:
                bm[d] = b
                bs[d, 0] = lu
                bs[d, 1] = au
                bs[d, 2] = mu
                d += 1
            else:  # too many groups: sum each plan on its own from here
                many = True
                for k in range(d):
                    seen = add_plans(bm[k], bs[k, 0], bs[k, 1], bs[k, 2], seen, sl, sw, sm)
                    seen |= bm[k]
                seen = add_plans(b, lu, au, mu, seen, sl, sw, sm) | b
        if many:
            b = seen
            while b:
                p = low_bit(b)
                b &= b - _ONE
                ppl[p] += part(sl[p], sw[p], sm[p])
            continue
        if d == 0:
            continue
        union = bm[0]
        for k in range(1, d):
            union |= bm[k]
        na = 1
        atoms[0] = union
        for k in range(d):  # split the plans by each group's plans
            m = bm[k]
            for a in range(na):
                inside = atoms[a] & m
                outside = atoms[a] & ~m
                if inside and outside:
                    atoms[a] = inside
                    atoms[na] = outside
                    na += 1
        for a in range(na):
            lg = np.int64(0)
            w = np.int64(0)
            mx = np.int64(0)
            for k in range(d):
                if bm[k] & atoms[a]:
                    lg = min(lg + bs[k, 0], LOG_CAP)
                    w += bs[k, 1]
                    mx = max(mx, bs[k, 2])
            pp = part(lg, w, mx)
            b = atoms[a]
            while b:
                ppl[low_bit(b)] += pp
                b &= b - _ONE
