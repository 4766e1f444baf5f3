"""Several seed sets simulated on the same runs at once: per-edge IC, bit-parallel.

Under common random numbers (:mod:`pipeline.diffusion.kernels`) run ``r`` has one live-edge
graph for every seed set, so the plans of one brand and model (a campaign's strategies
and budgets) can share the work of a run. :func:`ic_group_runs` runs up to 64 plans in
one pass per run, each plan a bit of a 64-bit word per node (a multi-source
breadth-first search with bit sets, as in Then et al. 2014, "The more the merrier:
efficient multi-source graph traversal", VLDB):

1. **Waves.** Each node keeps the plans that activated it. At the first wave that
   reaches a node its coins are drawn (the coins
   :func:`~pipeline.diffusion.cascade.ic_cascade` draws, one per out-edge) and its live
   edges kept; that wave and each later one that brings it plans pass on, along them,
   the plans its followers lack, which they gain in the next wave. A plan's nodes are
   thus found in the waves, and counted per wave, exactly as its own cascade finds them.
2. **Posts and exposure.** After the waves every active node posts once, with all its
   plans: its node counts, impressions and engagements go to each plan, and per
   out-edge the coin says whether the follow is real (it exposes the follower for those
   plans; the seeds expose themselves). A plan's exposed count is the number of nodes
   holding its bit.
3. **Projection.** After the waves each active poster is listed, with all its plans,
   under each of its followers (a counting sort of its out-edges). A follower's posters
   are grouped by their plans, each group's log-miss, weight and share summed (whole
   units, :mod:`~pipeline.diffusion.project_kernel`); its plans are split into the parts
   that every group either holds or misses (at most 64), and each part's people are
   computed once and added to each plan in it (past a few groups, each plan's state is
   summed on its own).

A node active in many plans is walked once (plus its live edges once per wave that
brought it plans), not once per plan, so a group of plans costs about one cascade of
their union per run, plus a few bit operations per plan and node. Every number equals
the plan simulated alone (:func:`~pipeline.diffusion.kernels.ic_runs`) bit for bit: the
same coins, the same waves, units summed in whole units (exact in any order); so a
plan's numbers do not depend on the other plans of the group, the chunk count or the
thread. More than 64 plans run in blocks of 64, each block its own pass.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.cpython.unsafe.numbers import trailing_zeros

from pipeline.diffusion.cascade import chunk_range
from pipeline.diffusion.project_kernel import LOG_CAP, part, quantize
from pipeline.diffusion.rng import coin_bits

__all__ = ["ic_group_runs"]

_ALL_REAL = np.uint64(2**53)  # every 53-bit coin is below it
_ONE = np.uint64(1)
_WIDTH = 64  # plans per pass: the bits of a word
_SPLIT_MAX = 6  # a follower with more entries sums each plan on its own


@njit(nogil=True, cache=True, inline="always")
def _bit(b):
    """The index of the lowest set bit of the non-zero ``b``. O(1)."""
    return np.int64(trailing_zeros(b))  # type: ignore[call-arg]


@njit(nogil=True, cache=True, inline="always")
def _add_plans(b, lu, au, mu, seen, sl, sw, sm):
    """Add a poster's state to each plan of ``b`` (``sl, sw, sm`` per plan, a plan's
    first addition starting it from nothing; ``seen``: the plans started). Returns the new
    ``seen``. O(plans in b)."""
    while b:
        p = _bit(b)
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
def _people(starts, ends, idx, mask, qr, tl, ntl, bm, bs, atoms, sl, sw, sm, ppl):
    """Add the people of each touched follower ``v`` (``tl[:ntl]``) to its plans'
    totals ``ppl`` (module doc, step 3): the posts of its active followees
    (``idx[starts[v]:ends[v]]``), grouped by their plans (``bm``, ``bs``: up to
    :data:`_SPLIT_MAX` groups, split into parts), or summed per plan past that.
    O(active followees + plans reaching it) per follower."""
    for i in range(ntl):
        v = tl[i]
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
                seen = _add_plans(b, lu, au, mu, seen, sl, sw, sm) | b
                continue
            k = 0
            while k < d and bm[k] != b:
                k += 1
            if k < d:
                bs[k, 0] = min(bs[k, 0] + lu, LOG_CAP)
                bs[k, 1] += au
                bs[k, 2] = max(bs[k, 2], mu)
            elif d < _SPLIT_MAX:
                bm[d] = b
                bs[d, 0] = lu
                bs[d, 1] = au
                bs[d, 2] = mu
                d += 1
            else:  # too many groups: sum each plan on its own from here
                many = True
                for k in range(d):
                    seen = _add_plans(bm[k], bs[k, 0], bs[k, 1], bs[k, 2], seen, sl, sw, sm)
                    seen |= bm[k]
                seen = _add_plans(b, lu, au, mu, seen, sl, sw, sm) | b
        if many:
            b = seen
            while b:
                p = _bit(b)
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
                ppl[_bit(b)] += pp
                b &= b - _ONE


@njit(nogil=True, cache=True)
def _chunk(out_ptr, out_idx, qr, live_thr, real_thr, use_q, plan_ptr,
           plan_seeds, keys, r0, r1, width, max_steps, q, want_proj, activated, exposed,
           steps, per_step, cnt, projected, unit):  # fmt: skip
    """Runs ``[r0, r1)`` of every plan, ``width`` plans a pass (module doc), into the
    output rows (``cnt``: this chunk's node counts, plans x n). O(n) work rows, then per
    run and pass O(out-degrees of the nodes any plan activates, twice, + their live edges
    per wave that brought them plans + plan bits set)."""
    n = out_ptr.shape[0] - 1
    nplans = plan_ptr.shape[0] - 1
    cap = per_step.shape[2]
    mask = np.zeros(n, dtype=np.uint64)
    emask = np.zeros(n, dtype=np.uint64)
    curb = np.zeros(n, dtype=np.uint64)
    nxtb = np.zeros(n, dtype=np.uint64)
    cur = np.zeros(n, dtype=np.int32)
    nxt = np.zeros(n, dtype=np.int32)
    act = np.zeros(n, dtype=np.int32)
    exl = np.zeros(n, dtype=np.int32)
    tst = np.zeros(n if want_proj else 0, dtype=np.int64)
    tl = np.zeros(n if want_proj else 0, dtype=np.int32)
    bptr = np.zeros(n if want_proj else 0, dtype=np.int64)
    bcur = np.zeros(n if want_proj else 0, dtype=np.int64)
    bucket = np.zeros(1024 if want_proj else 0, dtype=np.int32)
    stamp = 0
    seen = np.zeros(n, dtype=np.int64)  # the pass that drew a node's coins
    lfrom = np.zeros(n, dtype=np.int64)  # its live edges: lbuf[lfrom[u]:lto[u]]
    lto = np.zeros(n, dtype=np.int64)
    lbuf = np.zeros(1024, dtype=np.int32)
    vstamp = 0
    bm = np.zeros(_SPLIT_MAX, dtype=np.uint64)
    bs = np.zeros((_SPLIT_MAX, 3), dtype=np.int64)
    atoms = np.zeros(_WIDTH, dtype=np.uint64)
    sl = np.zeros(_WIDTH, dtype=np.int64)
    sw = np.zeros(_WIDTH, dtype=np.int64)
    sm = np.zeros(_WIDTH, dtype=np.int64)
    newc = np.zeros(_WIDTH, dtype=np.int64)
    actn = np.zeros(_WIDTH, dtype=np.int64)
    stp = np.zeros(_WIDTH, dtype=np.int64)
    exc = np.zeros(_WIDTH, dtype=np.int64)
    imp = np.zeros(_WIDTH, dtype=np.int64)
    eng = np.zeros(_WIDTH, dtype=np.int64)
    ppl = np.zeros(_WIDTH, dtype=np.int64)
    for r in range(r0, r1):
        key = keys[r]
        for p0 in range(0, nplans, width):
            nb = min(width, nplans - p0)
            newc[:] = 0
            stp[:] = 0
            exc[:] = 0
            imp[:] = 0
            eng[:] = 0
            ppl[:] = 0
            ncur = nact = nex = ntl = 0
            for j in range(nb):  # the seeds: wave 0, exposed
                bit = _ONE << np.uint64(j)
                for i in range(plan_ptr[p0 + j], plan_ptr[p0 + j + 1]):
                    s = plan_seeds[i]
                    if mask[s] == 0:
                        act[nact] = s
                        nact += 1
                    if curb[s] == 0:
                        cur[ncur] = s
                        ncur += 1
                    if emask[s] == 0:
                        exl[nex] = s
                        nex += 1
                    mask[s] |= bit
                    curb[s] |= bit
                    emask[s] |= bit
                actn[j] = plan_ptr[p0 + j + 1] - plan_ptr[p0 + j]
                if cap > 0:
                    per_step[p0 + j, r, 0] = actn[j]
            t = 0
            vstamp += 1
            nl = 0
            while ncur > 0:
                expand = max_steps < 0 or t < max_steps
                nnxt = 0
                for i in range(ncur if expand else 0):
                    u = cur[i]
                    b = curb[u]
                    curb[u] = 0
                    if seen[u] != vstamp:  # u's first wave: its coins, once, its live edges kept
                        seen[u] = vstamp
                        a = out_ptr[u]
                        z = out_ptr[u + 1]
                        rt = real_thr[u] if use_q else _ALL_REAL
                        if nl + (z - a) > lbuf.shape[0]:
                            grown = np.empty(max(2 * lbuf.shape[0], nl + (z - a)), np.int32)
                            grown[:nl] = lbuf[:nl]
                            lbuf = grown
                        lfrom[u] = nl
                        for e in range(a, z):
                            x = coin_bits(key, e)
                            if x < rt and x < live_thr[e]:  # real and live
                                lbuf[nl] = out_idx[e]
                                nl += 1
                        lto[u] = nl
                    for k in range(lfrom[u], lto[u]):
                        v = lbuf[k]
                        add = b & ~mask[v]
                        if add:  # written out, as at the seeds: an inlined helper taking
                            # the arrays ran pixelforge's group 1.15-1.2x slower
                            if mask[v] == 0:
                                act[nact] = v
                                nact += 1
                            if nxtb[v] == 0:
                                nxt[nnxt] = v
                                nnxt += 1
                            mask[v] |= add
                            nxtb[v] |= add
                            while add:
                                newc[_bit(add)] += 1
                                add &= add - _ONE
                if not expand:
                    for i in range(ncur):
                        curb[cur[i]] = 0
                t += 1
                for j in range(nb):
                    if newc[j] > 0:
                        stp[j] = t
                        actn[j] += newc[j]
                        if t < cap:
                            per_step[p0 + j, r, t] = newc[j]
                        newc[j] = 0
                cur, nxt = nxt, cur
                curb, nxtb = nxtb, curb
                ncur = nnxt
            # every active node posts: node counts, units, exposure (real follows) and
            # the followers its post reaches
            stamp += 1
            for i in range(nact):
                u = act[i]
                b = mask[u]
                bb = b
                while bb:
                    j = _bit(bb)
                    bb &= bb - _ONE
                    cnt[p0 + j, u] += 1
                    if want_proj:
                        imp[j] += q[0, u]
                        eng[j] += q[1, u]
                posts = want_proj and qr[u, 0] >= 0
                rt = real_thr[u] if use_q else _ALL_REAL
                for e in range(out_ptr[u], out_ptr[u + 1]):
                    v = out_idx[e]
                    if rt > 0 and (not use_q or coin_bits(key, e) < rt):
                        if emask[v] == 0:
                            exl[nex] = v
                            nex += 1
                        emask[v] |= b
                    if posts:
                        if tst[v] != stamp:
                            tst[v] = stamp
                            bcur[v] = 0
                            tl[ntl] = v
                            ntl += 1
                        bcur[v] += 1
            for i in range(nex):
                v = exl[i]
                b = emask[v]
                emask[v] = 0
                while b:
                    exc[_bit(b)] += 1
                    b &= b - _ONE
            if want_proj:  # each follower's posters, then their people
                total = 0
                for i in range(ntl):  # each follower's slice of the bucket
                    v = tl[i]
                    bptr[v] = total
                    total += bcur[v]
                    bcur[v] = bptr[v]
                if total > bucket.shape[0]:
                    bucket = np.empty(max(total, 2 * bucket.shape[0]), dtype=np.int32)
                for i in range(nact):  # the posters, follower by follower
                    u = act[i]
                    if qr[u, 0] >= 0:
                        for e in range(out_ptr[u], out_ptr[u + 1]):
                            v = out_idx[e]
                            bucket[bcur[v]] = u
                            bcur[v] += 1
                _people(bptr, bcur, bucket, mask, qr, tl, ntl, bm, bs, atoms, sl, sw, sm, ppl)
            for i in range(nact):
                mask[act[i]] = 0
            for j in range(nb):
                activated[p0 + j, r] = actn[j]
                exposed[p0 + j, r] = exc[j]
                steps[p0 + j, r] = stp[j]
                if want_proj:
                    projected[p0 + j, r, 0] = imp[j] * unit
                    projected[p0 + j, r, 1] = eng[j] * unit
                    projected[p0 + j, r, 2] = ppl[j] * unit


@njit(nogil=True, cache=True, parallel=True)
def ic_group_runs(out_ptr, out_idx, live_thr, real_thr, quality, plan_ptr,
                  plan_seeds, keys, shared, max_steps, nchunks, step_cap, proj):  # fmt: skip
    """Per-edge IC runs of several plans on shared run keys (module doc).

    Parameters: ``out_ptr, out_idx, live_thr, real_thr, quality`` as for
    :func:`~pipeline.diffusion.kernels.ic_runs` (per-edge); plan ``p``'s distinct seeds
    are ``plan_seeds[plan_ptr[p]:plan_ptr[p + 1]]`` (non-empty); ``shared``: up to 64
    plans a pass (else one plan a pass, the same numbers); ``max_steps``: -1 for none.
    ``nchunks``, ``step_cap`` and ``proj`` as for ``ic_runs``.

    Returns per plan and run: activated, exposed (int64, P x runs), steps (int32),
    per_step (int32, P x runs x step_cap), counts (int32, nchunks x P x n: activations
    per node), projected (float64, P x runs x 3, or x 0 without ``proj``).
    Time per run and pass of up to 64 plans: O(out-degrees of the nodes any of them
    activates + their live edges once per wave that brought a node plans + the plans'
    activated and exposed nodes and touched followers); memory O(n) per chunk plus the
    live edges and the posters listed per follower (at most the out-degrees walked).
    """
    n = out_ptr.shape[0] - 1
    nplans = plan_ptr.shape[0] - 1
    runs = keys.shape[0]
    use_q = quality.shape[0] > 0
    want_proj = proj.shape[1] > 0
    width = _WIDTH if shared else 1
    activated = np.zeros((nplans, runs), dtype=np.int64)
    exposed = np.zeros((nplans, runs), dtype=np.int64)
    steps = np.zeros((nplans, runs), dtype=np.int32)
    per_step = np.zeros((nplans, runs, step_cap), dtype=np.int32)
    counts = np.zeros((nchunks, nplans, n), dtype=np.int32)
    projected = np.zeros((nplans, runs, 3 if want_proj else 0), dtype=np.float64)
    q, unit = quantize(proj)  # the projection in whole units (exact in any order)
    qr = np.empty((n if want_proj else 0, 3), dtype=np.int64)  # log-miss, weight, share
    for u in range(qr.shape[0]):
        qr[u, 0] = q[2, u]
        qr[u, 1] = q[3, u]
        qr[u, 2] = q[4, u]
    for c in prange(nchunks):
        r0, r1 = chunk_range(c, runs, nchunks)
        _chunk(out_ptr, out_idx, qr, live_thr, real_thr, use_q, plan_ptr,
               plan_seeds, keys, r0, r1, width, max_steps, q, want_proj, activated, exposed,
               steps, per_step, counts[c], projected, unit)  # fmt: skip
    return activated, exposed, steps, per_step, counts, projected
