"""Several seed sets simulated on the same runs at once: Independent Cascade, bit-parallel.

Under common random numbers (:mod:`pipeline.diffusion.kernels`) run ``r`` has one live-edge
graph for every seed set, so the plans of one brand and model (a campaign's strategies
and budgets) can share the work of a run. :func:`ic_group_runs` runs up to 64 plans in
one pass per run, each plan a bit of a 64-bit word per node (a multi-source
breadth-first search with bit sets, as in Then et al. 2014, "The more the merrier:
efficient multi-source graph traversal", VLDB):

1. **Waves.** Each node keeps the plans that activated it. At the first wave that
   reaches a node its coins are drawn (the coins
   :func:`~pipeline.diffusion.cascade.ic_cascade` draws: one per out-edge for per-edge
   probabilities, the geometric gaps of its stream and a realness coin per sampled edge
   for a per-source one) and its live edges kept; that wave and each later one that
   brings it plans pass on, along them, the plans its followers lack, which they gain in
   the next wave. A plan's nodes are thus found in the waves, and counted per wave,
   exactly as its own cascade finds them.
2. **Posts and exposure.** After the waves every active node posts once, with all its
   plans: its node counts, impressions and engagements go to each plan, and per
   out-edge the realness coin (the edge's own coin per-edge) says whether the follow is
   real (it exposes the follower for those plans; the seeds expose themselves). A
   plan's exposed count is the number of nodes holding its bit.
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

from pipeline.diffusion.cascade import chunk_range, next_live, source_row
from pipeline.diffusion.group_people import SPLIT_MAX, WIDTH, follower_people, low_bit
from pipeline.diffusion.project_kernel import part, quantize
from pipeline.diffusion.rng import NODE_SALT, QUALITY_SALT, coin_bits, hash2, is_real, threshold

__all__ = ["ic_group_runs"]

_ALL_REAL = np.uint64(2**53)  # every 53-bit coin is below it
_ONE = np.uint64(1)


@njit(nogil=True, cache=True)
def _chunk(out_ptr, out_idx, qr, live_thr, real_thr, node_pi, per_edge, quality, plan_ptr,
           plan_seeds, keys, r0, r1, width, max_steps, q, want_proj, activated, exposed,
           steps, per_step, cnt, projected, unit):  # fmt: skip
    """Runs ``[r0, r1)`` of every plan, ``width`` plans a pass (module doc), into the
    output rows (``cnt``: this chunk's node counts, plans x n). O(n) work rows, then per
    run and pass O(out-degrees of the nodes any plan activates, twice, + their live edges
    per wave that brought them plans + plan bits set)."""
    n = out_ptr.shape[0] - 1
    nplans = plan_ptr.shape[0] - 1
    cap = per_step.shape[2]
    use_q = quality.shape[0] > 0
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
    stamp = 0  # the pass: it stamps the nodes whose coins it drew and their followers
    seen = np.zeros(n, dtype=np.int64)  # the pass that drew a node's coins
    lfrom = np.zeros(n, dtype=np.int64)  # its live edges: lbuf[lfrom[u]:lto[u]]
    lto = np.zeros(n, dtype=np.int64)
    lbuf = np.zeros(1024, dtype=np.int32)
    bm = np.zeros(SPLIT_MAX, dtype=np.uint64)
    bs = np.zeros((SPLIT_MAX, 3), dtype=np.int64)
    atoms = np.zeros(WIDTH, dtype=np.uint64)
    sl = np.zeros(WIDTH, dtype=np.int64)
    sw = np.zeros(WIDTH, dtype=np.int64)
    sm = np.zeros(WIDTH, dtype=np.int64)
    newc = np.zeros(WIDTH, dtype=np.int64)
    actn = np.zeros(WIDTH, dtype=np.int64)
    stp = np.zeros(WIDTH, dtype=np.int64)
    exc = np.zeros(WIDTH, dtype=np.int64)
    imp = np.zeros(WIDTH, dtype=np.int64)
    eng = np.zeros(WIDTH, dtype=np.int64)
    ppl = np.zeros(WIDTH, dtype=np.int64)
    for r in range(r0, r1):
        key = keys[r]
        nkey = key ^ NODE_SALT
        qkey = key ^ QUALITY_SALT
        # the realness coin: per-edge IC reuses the edge's own coin (kernels module doc)
        ckey = key if per_edge else qkey
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
            stamp += 1
            nl = 0
            while ncur > 0:
                expand = max_steps < 0 or t < max_steps
                nnxt = 0
                for i in range(ncur if expand else 0):
                    u = cur[i]
                    b = curb[u]
                    curb[u] = 0
                    if seen[u] != stamp:  # u's first wave: its coins, once, its live edges kept
                        seen[u] = stamp
                        a = out_ptr[u]
                        z = out_ptr[u + 1]
                        if nl + (z - a) > lbuf.shape[0]:
                            grown = np.empty(max(2 * lbuf.shape[0], nl + (z - a)), np.int32)
                            grown[:nl] = lbuf[:nl]
                            lbuf = grown
                        lfrom[u] = nl
                        if per_edge:
                            rt = real_thr[u] if use_q else _ALL_REAL
                            for e in range(a, z):
                                x = coin_bits(key, e)
                                if x < rt and x < live_thr[e]:  # real and live
                                    lbuf[nl] = out_idx[e]
                                    nl += 1
                        else:  # skip-sampled: the live edges ic_cascade samples, if real
                            qu = quality[u] if use_q else 1.0
                            iu = source_row(node_pi, u)
                            pu = node_pi[iu, 0]
                            if qu > 0.0 and pu > 0.0:
                                ku = hash2(nkey, np.uint64(u))
                                gap = np.uint64(0)  # the stream's next gap
                                e = a - 1
                                while True:
                                    e, gap = next_live(ku, gap, e, z, pu, node_pi[iu, 1])
                                    if e >= z:
                                        break
                                    if is_real(qkey, e, qu):
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
                                newc[low_bit(add)] += 1
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
            for i in range(nact):
                u = act[i]
                b = mask[u]
                bb = b
                while bb:
                    j = low_bit(bb)
                    bb &= bb - _ONE
                    cnt[p0 + j, u] += 1
                    if want_proj:
                        imp[j] += q[0, u]
                        eng[j] += q[1, u]
                posts = want_proj and qr[u, 0] >= 0
                # real iff the realness coin is below threshold(q_u) (= rng.is_real)
                rt = real_thr[u] if per_edge else threshold(quality[u] if use_q else 1.0)
                rt = rt if use_q else _ALL_REAL
                for e in range(out_ptr[u], out_ptr[u + 1]):
                    v = out_idx[e]
                    if rt > 0 and (rt >= _ALL_REAL or coin_bits(ckey, e) < rt):
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
                    exc[low_bit(b)] += 1
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
                follower_people(
                    bptr, bcur, bucket, mask, qr, tl, ntl, bm, bs, atoms, sl, sw, sm, ppl
                )
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
def ic_group_runs(out_ptr, out_idx, live_thr, real_thr, node_pi, per_edge, quality, plan_ptr,
                  plan_seeds, keys, shared, max_steps, nchunks, step_cap, proj):  # fmt: skip
    """IC runs of several plans on shared run keys (module doc).

    Parameters: ``out_ptr, out_idx, live_thr, real_thr, node_pi, per_edge, quality`` as
    for :func:`~pipeline.diffusion.kernels.ic_runs` (per-edge or skip-sampled); plan
    ``p``'s distinct seeds are ``plan_seeds[plan_ptr[p]:plan_ptr[p + 1]]`` (non-empty);
    ``shared``: up to 64
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
    want_proj = proj.shape[1] > 0
    width = WIDTH if shared else 1
    activated = np.zeros((nplans, runs), dtype=np.int64)
    exposed = np.zeros((nplans, runs), dtype=np.int64)
    steps = np.zeros((nplans, runs), dtype=np.int32)
    per_step = np.zeros((nplans, runs, step_cap), dtype=np.int32)
    counts = np.zeros((nchunks, nplans, n), dtype=np.int32)
    projected = np.zeros((nplans, runs, 3 if want_proj else 0), dtype=np.float64)
    q, unit = quantize(proj)  # the projection in whole units (exact in any order)
    # per poster: log-miss, weight, share, and the people of its post alone (what a
    # follower it alone reaches gets: no exp per such follower and run)
    qr = np.empty((n if want_proj else 0, 4), dtype=np.int64)
    for u in range(qr.shape[0]):
        qr[u, 0] = q[2, u]
        qr[u, 1] = q[3, u]
        qr[u, 2] = q[4, u]
        qr[u, 3] = part(q[2, u], q[3, u], q[4, u]) if q[2, u] >= 0 else 0
    for c in prange(nchunks):
        r0, r1 = chunk_range(c, runs, nchunks)
        _chunk(out_ptr, out_idx, qr, live_thr, real_thr, node_pi, per_edge, quality, plan_ptr,
               plan_seeds, keys, r0, r1, width, max_steps, q, want_proj, activated, exposed,
               steps, per_step, counts[c], projected, unit)  # fmt: skip
    return activated, exposed, steps, per_step, counts, projected
