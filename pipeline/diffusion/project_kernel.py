"""Projecting a simulated run to the platform: the kernels' impressions, engagements
and unique people of the run's posters (formulas in ``docs/projection.md``, inputs from
:mod:`pipeline.profiles.audience`).

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

__all__ = ["paid_people_prefix", "paid_units"]


@njit(nogil=True, cache=True)
def _project_base(out_ptr, out_idx, seeds, proj):
    """The seeds' part of every run's projection (they post in every run): per node the
    reach state their posts leave, ``(bmiss, bwsum, bwmax)`` (1, 0, 0 where no seed
    reaches), ``(impressions, engagements, people)`` of their posts alone, and the people
    of the first ``i + 1`` seeds' posts for each ``i`` (so a plan's marginal people come
    from the same pass). Computed once per call, so a run scans only the out-edges of the
    other posters. O(n + out-degrees of the seeds)."""
    n = out_ptr.shape[0] - 1
    k = seeds.shape[0]
    bmiss = np.ones(n, dtype=np.float64)
    bwsum = np.zeros(n, dtype=np.float64)
    bwmax = np.zeros(n, dtype=np.float64)
    prefix = np.zeros(k, dtype=np.float64)
    if proj.shape[1] == 0:
        return bmiss, bwsum, bwmax, 0.0, 0.0, 0.0, prefix
    pimp, peng, preach, pratio = proj[0], proj[1], proj[2], proj[3]
    imp = 0.0
    eng = 0.0
    people = 0.0
    for i in range(k):
        u = seeds[i]
        imp += pimp[u]
        eng += peng[u]
        ru = preach[u]
        wu = pratio[u]
        if ru > 0.0:
            for e in range(out_ptr[u], out_ptr[u + 1]):
                v = out_idx[e]
                # v's people before and after this post (0 before any seed reaches v)
                people -= min(bwmax[v] * (1.0 - bmiss[v]), bwsum[v])
                bmiss[v] *= 1.0 - ru
                bwsum[v] += wu * ru
                if wu > bwmax[v]:
                    bwmax[v] = wu
                people += min(bwmax[v] * (1.0 - bmiss[v]), bwsum[v])
        prefix[i] = people
    return bmiss, bwsum, bwmax, imp, eng, people, prefix


@njit(nogil=True, cache=True, inline="always")
def _project(out_ptr, out_idx, od, k, end, stamp, pimp, peng, preach, pratio, rows, base):
    """Platform units of one run's posters ``od[:end]`` (the ``k`` seeds first):
    ``(impressions, engagements, people)`` = (Σ pimp[u], Σ peng[u], Σ over followers v
    of min(wmax_v (1 − Π (1 − preach[u])), Σ pratio[u] preach[u])), ``wmax_v`` the
    largest ``pratio`` among the posters v follows (see :mod:`pipeline.profiles.audience`).
    The seeds' part comes from ``base`` (:func:`_project_base`); a follower first reached
    by another poster starts from the state the seeds left it in (kept in its row by
    :func:`_proj_rows`), and the people sum moves by the change of its part at every
    edge, so no second pass over the reached followers is needed. ``rows[v]`` packs
    (run stamp, miss, wsum, wmax, part, seeds' miss, wsum, wmax): one edge touches one
    row. O(out-degrees of the posters but the seeds)."""
    imp, eng, people = base[3], base[4], base[5]
    mark = float(stamp)
    for i in range(k, end):
        u = od[i]
        imp += pimp[u]
        eng += peng[u]
        ru = preach[u]
        if ru <= 0.0:
            continue
        wu = pratio[u]
        keep = 1.0 - ru
        add = wu * ru
        for e in range(out_ptr[u], out_ptr[u + 1]):
            row = rows[out_idx[e]]
            if row[0] != mark:
                row[0] = mark
                miss = row[5]
                wsum = row[6]
                wmax = row[7]
                old = min(wmax * (1.0 - miss), wsum)
            else:
                miss = row[1]
                wsum = row[2]
                wmax = row[3]
                old = row[4]
            miss *= keep
            wsum += add
            wmax = max(wmax, wu)
            # unique people behind v: its largest audience share reached, never more than
            # the impressions it received (the two agree when one poster, or equal shares,
            # reach it)
            part = min(wmax * (1.0 - miss), wsum)
            row[1] = miss
            row[2] = wsum
            row[3] = wmax
            row[4] = part
            people += part - old
    return imp, eng, people


@njit(nogil=True, cache=True)
def paid_units(out_ptr, out_idx, seeds, proj):
    """``(impressions, engagements, people)`` of the creators' own posts alone: the
    projection of a run in which only ``seeds`` post (the paid part of every run's
    units; :func:`_project_base`). O(n + out-degrees of the seeds)."""
    base = _project_base(out_ptr, out_idx, seeds, proj)
    return base[3], base[4], base[5]


@njit(nogil=True, cache=True)
def paid_people_prefix(out_ptr, out_idx, seeds, proj):
    """The people the posts of the first ``i + 1`` of ``seeds`` reach, for each ``i``
    (float64, length k; :func:`_project_base`). O(n + out-degrees of the seeds)."""
    return _project_base(out_ptr, out_idx, seeds, proj)[6]


@njit(nogil=True, cache=True)
def _proj_rows(proj, base):
    """One chunk's work rows of :func:`_project`: n x 8 (stamp, miss, wsum, wmax, part,
    and the seeds' miss, wsum, wmax from ``base``; stamps start at 0, below every run's),
    0 rows without a projection. O(n)."""
    n = proj.shape[1]
    rows = np.zeros((n, 8), dtype=np.float64)
    for v in range(n):
        rows[v, 5] = base[0][v]
        rows[v, 6] = base[1][v]
        rows[v, 7] = base[2][v]
    return rows
