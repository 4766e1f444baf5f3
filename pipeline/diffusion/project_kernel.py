"""Projecting a simulated run to the platform: the kernels' impressions, engagements
and unique people of the run's posters (formulas in ``docs/projection.md``, inputs from
:mod:`pipeline.profiles.audience`).

Exact in any order. Every quantity is summed as a whole number of a fixed unit
(:func:`quantize`): per poster its impressions, engagements, ``-log(1 - reach)`` (in
2^-40) and its share of a follower's people; per follower the miss is kept as the sum of
its posters' log-misses, the weight as a sum, the largest share as a max. Integer sums do
not depend on the order of their terms, so a run's units are the same bit for bit
whichever order its posters are visited in: a plan simulated alone
(:mod:`~pipeline.diffusion.kernels`) or with others on shared runs
(:mod:`~pipeline.diffusion.group_kernel`). The unit is 2^-32 (less when the projection's
totals would not fit 62 bits), far below a person; each follower's part is rounded down,
so people never exceed impressions by rounding.

The seeds post in every run, so their part is computed once per call
(:func:`_project_base`) and a run scans only the out-edges of the other posters
(:func:`_project`, inlined into :func:`pipeline.diffusion.kernels.ic_runs` and
``lt_runs``). :func:`paid_units` is the seeds' part alone: what the creators' own posts
make. Edits here need a cold numba cache for the kernels that inline them
(``find . -name '*.nbi' -delete``), as for :mod:`pipeline.diffusion.cascade`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["merged_part", "paid_people_prefix", "paid_units", "part", "quantize"]

#: log-misses are whole numbers of 2^-40; a reach of 1 (or a sum past it) is this cap
LOG_UNIT = 2.0**-40
LOG_CAP = np.int64(2**61)


@njit(nogil=True, cache=True)
def quantize(proj):
    """The projection rows ``proj`` (float64 4 x n: impressions, engagements, reach
    probability, sample ratio per poster; 4 x 0 for none) as whole numbers: ``(q,
    unit)`` with ``q`` int64 5 x n of impressions, engagements and share added
    (``ratio x reach``) in ``unit``, the log-miss ``-log(1 - reach)`` in 2^-40 (capped;
    -1 where reach <= 0: the poster reaches no one) and the share ``ratio`` in ``unit``,
    each rounded down. ``unit`` is 2^-32, or coarser so that the sums of impressions,
    engagements and ratios over all accounts fit 60 bits. O(n)."""
    n = proj.shape[1]
    q = np.zeros((5, n), dtype=np.int64)
    total = 1.0
    for u in range(n):
        total += abs(proj[0, u]) + abs(proj[1, u]) + abs(proj[3, u])
    bits = 32
    while bits > 0 and total * 2.0**bits >= 2.0**60:
        bits -= 1
    scale = 2.0**bits
    for u in range(n):
        r = proj[2, u]
        q[0, u] = np.int64(np.floor(proj[0, u] * scale))
        q[1, u] = np.int64(np.floor(proj[1, u] * scale))
        if not r > 0.0:
            q[2, u] = -1
        elif r >= 1.0:
            q[2, u] = LOG_CAP
        else:
            q[2, u] = min(np.int64(np.round(-np.log1p(-r) / LOG_UNIT)), LOG_CAP)
        q[3, u] = np.int64(np.floor(proj[3, u] * r * scale)) if r > 0.0 else 0
        q[4, u] = np.int64(np.floor(proj[3, u] * scale))
    return q, 1.0 / scale


@njit(nogil=True, cache=True, inline="always")
def part(lg, w, m):
    """One follower's people, in units: ``min(m (1 - e^-lg), w)`` rounded down, from
    its summed log-miss ``lg`` (2^-40), summed weight ``w`` and largest share ``m``."""
    # 1 - e^-x by exp (a fast intrinsic; expm1 is a library call): the floor to whole
    # units hides its rounding for any x a reach rate gives
    return min(np.int64(np.floor(m * (1.0 - np.exp(-lg * LOG_UNIT)))), w)


@njit(nogil=True, cache=True, inline="always")
def merged_part(l1, w1, m1, l2, w2, m2):
    """:func:`part` of two posters' sets' states together (log-misses and weights add,
    the largest share wins)."""
    return part(min(l1 + l2, LOG_CAP), w1 + w2, max(m1, m2))


@njit(nogil=True, cache=True)
def _project_base(out_ptr, out_idx, seeds, q):
    """The seeds' part of every run's projection (they post in every run), from
    :func:`quantize`'s ``q``: per node the state their posts leave ``(blog, bw, bm)``
    (0 where no seed reaches), ``(impressions, engagements, people)`` of their posts
    alone, and the people of the first ``i + 1`` seeds' posts for each ``i`` (so a plan's
    marginal people come from the same pass), all in units. O(n + out-degrees of the
    seeds)."""
    n = out_ptr.shape[0] - 1
    k = seeds.shape[0]
    blog = np.zeros(n, dtype=np.int64)
    bw = np.zeros(n, dtype=np.int64)
    bm = np.zeros(n, dtype=np.int64)
    prefix = np.zeros(k, dtype=np.int64)
    imp = np.int64(0)
    eng = np.int64(0)
    people = np.int64(0)
    if q.shape[1] == 0:
        return blog, bw, bm, imp, eng, people, prefix
    for i in range(k):
        u = seeds[i]
        imp += q[0, u]
        eng += q[1, u]
        lu = q[2, u]
        if lu >= 0:
            au = q[3, u]
            mu = q[4, u]
            for e in range(out_ptr[u], out_ptr[u + 1]):
                v = out_idx[e]
                # v's people before and after this post (0 before any seed reaches v)
                people -= part(blog[v], bw[v], bm[v])
                blog[v] = min(blog[v] + lu, LOG_CAP)
                bw[v] += au
                bm[v] = max(bm[v], mu)
                people += part(blog[v], bw[v], bm[v])
        prefix[i] = people
    return blog, bw, bm, imp, eng, people, prefix


@njit(nogil=True, cache=True, inline="always")
def _project(out_ptr, out_idx, od, k, end, stamp, q, rows, base, tl):
    """Platform units of one run's posters ``od[:end]`` (the ``k`` seeds first), in
    units: ``(impressions, engagements, people)`` = (Σ imp[u], Σ eng[u], Σ over followers
    v of :func:`part`). The seeds' part comes from ``base`` (:func:`_project_base`); a
    follower first reached by another poster starts from the state the seeds left it in
    (``rows[v, 4:]``, with that state's part) and is listed in ``tl``; the walk only adds
    log-misses and weights and keeps the largest share (``rows[v, :4]``: run stamp,
    log-miss, weight, share; the two halves share one 64-byte row, so a first touch
    reads one cache line), and each listed follower's part is taken once at the end.
    O(out-degrees of the posters but the seeds)."""
    imp, eng, people = base[3], base[4], base[5]
    nt = 0
    for i in range(k, end):
        u = od[i]
        imp += q[0, u]
        eng += q[1, u]
        lu = q[2, u]
        if lu < 0:
            continue
        au = q[3, u]
        mu = q[4, u]
        for e in range(out_ptr[u], out_ptr[u + 1]):
            v = out_idx[e]
            row = rows[v]
            if row[0] != stamp:
                row[0] = stamp
                row[1] = min(row[4] + lu, LOG_CAP)
                row[2] = row[5] + au
                row[3] = max(row[6], mu)
                tl[nt] = v
                nt += 1
            else:
                row[1] = min(row[1] + lu, LOG_CAP)
                row[2] += au
                row[3] = max(row[3], mu)
    for j in range(nt):
        # unique people behind v: its largest audience share reached, never more than the
        # impressions it received (the two agree when one poster, or equal shares, reach it)
        row = rows[tl[j]]
        people += part(row[1], row[2], row[3]) - row[7]
    return imp, eng, people


@njit(nogil=True, cache=True)
def paid_units(out_ptr, out_idx, seeds, proj):
    """``(impressions, engagements, people)`` of the creators' own posts alone: the
    projection of a run in which only ``seeds`` post (the paid part of every run's
    units; :func:`_project_base`), float64 from the units. O(n + out-degrees of the
    seeds)."""
    q, unit = quantize(proj)
    base = _project_base(out_ptr, out_idx, seeds, q)
    return base[3] * unit, base[4] * unit, base[5] * unit


@njit(nogil=True, cache=True)
def paid_people_prefix(out_ptr, out_idx, seeds, proj):
    """The people the posts of the first ``i + 1`` of ``seeds`` reach, for each ``i``
    (float64, length k; :func:`_project_base`). O(n + out-degrees of the seeds)."""
    q, unit = quantize(proj)
    return _project_base(out_ptr, out_idx, seeds, q)[6] * unit


@njit(nogil=True, cache=True)
def _proj_rows(q, base):
    """One chunk's work rows of :func:`_project`: int64 n x 8, per follower the run's
    state (stamp, log-miss, weight, share; stamps start at 0, below every run's) and
    the state the seeds leave (log-miss, weight, share, its part, from ``base``); 0 rows
    without a projection. O(n)."""
    n = q.shape[1]
    rows = np.zeros((n, 8), dtype=np.int64)
    for v in range(n):
        rows[v, 4] = base[0][v]
        rows[v, 5] = base[1][v]
        rows[v, 6] = base[2][v]
        rows[v, 7] = part(base[0][v], base[1][v], base[2][v])
    return rows
