"""Several seed sets simulated on the same runs at once: per-edge IC with a shared core.

Under common random numbers (:mod:`pipeline.diffusion.kernels`) run ``r`` has one live-edge
graph for every seed set, so the plans of one brand and model (a campaign's strategies
and budgets) can share the work of a run. :func:`ic_group_runs` does, per run:

1. **The live-edge graph and its core.** The run's live edges are drawn once into a CSR
   (:func:`~pipeline.diffusion.live_graph.live_graph`, the coins
   :func:`~pipeline.diffusion.cascade.ic_cascade` draws). Its largest strongly connected
   part (:func:`~pipeline.diffusion.live_graph.giant_root`: the smallest node of it is
   the root) reaches a set of nodes, the *core*, and what the core's posts make is
   computed once (:func:`_core_pass`): the nodes it exposes, its impressions and
   engagements, and per follower the reach state its posts leave (miss, weight sum,
   largest share). The core depends on the run alone, never on the plans.
2. **Each plan.** A breadth-first search from the plan's seeds over the live edges, in
   waves, exactly as ``ic_cascade`` runs it (the same nodes in the same order:
   activations, steps, new activations per step and node counts are equal bit for bit).
   The core is closed under live edges, so a plan that activates the root activates the
   whole core: then only its nodes outside the core are walked for exposure and
   projection, on top of the core's state (:func:`_plan_people`). A plan that misses
   the root is walked in full.

On a weighted cascade over a follower graph most plan-runs reach the giant part (94% on
the demo's high-virality plans) and the nodes outside the core are a few percent of the
walk, so a group of plans costs about one cascade per run plus a breadth-first search
and a short walk per plan.

Projected units are summed in whole units (:mod:`~pipeline.diffusion.project_kernel`),
exact in any order, so they too equal the plan simulated alone bit for bit, although the
core's posters are added first: a plan's numbers do not depend on the other plans of the
group, on whether the core is used, the chunk count or the thread.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pipeline.diffusion.cascade import chunk_range, next_wave
from pipeline.diffusion.live_graph import giant_root, live_graph
from pipeline.diffusion.project_kernel import LOG_CAP, merged_part, part, quantize
from pipeline.diffusion.rng import coin_bits

__all__ = ["ic_group_runs"]

_ALL_REAL = np.uint64(2**53)  # every 53-bit coin is below it


@njit(nogil=True, cache=True, inline="always")
def _post(out_idx, a, b, q, u, rows, stamp, tl, nt):
    """Poster ``u``'s post (out-edges ``a:b``) added to its followers' reach states in
    ``rows`` (stamp, log-miss, weight, share, in whole units): a follower first met under
    ``stamp`` starts from nothing and is listed in ``tl[nt]``. Returns the new ``nt``;
    the parts are taken once at the end. O(out-degree of u)."""
    lu = q[2, u]
    if lu < 0:
        return nt  # the poster reaches no one
    au = q[3, u]
    mu = q[4, u]
    for e in range(a, b):
        v = out_idx[e]
        row = rows[v]
        if row[0] != stamp:
            row[0] = stamp
            row[1] = 0
            row[2] = 0
            row[3] = 0
            tl[nt] = v
            nt += 1
        row[1] = min(row[1] + lu, LOG_CAP)
        row[2] += au
        row[3] = max(row[3], mu)
    return nt


@njit(nogil=True, cache=True)
def _core_pass(out_ptr, out_idx, real_thr, use_q, key, root, rs, lptr, lidx, cst, cod, csn,
               crow, ctl, q, want_proj):  # fmt: skip
    """Run ``rs``'s core: the nodes the live-edge graph (``lptr``, ``lidx``) reaches from
    ``root`` (module doc, step 1), marked in ``cst`` with ``rs``; the nodes its posts
    expose (``csn``) and per follower the reach state they leave and its part (``crow``;
    ``ctl`` lists the followers). Returns ``(exposed, impressions, engagements, people)``.
    O(out-degrees of the core)."""
    cst[root] = rs
    cod[0] = root
    end = 1
    csn[root] = rs
    cex = 1
    imp = np.int64(0)
    eng = np.int64(0)
    people = np.int64(0)
    nt = 0
    i = 0
    while i < end:
        u = cod[i]
        i += 1
        for j in range(lptr[u], lptr[u + 1]):
            v = lidx[j]
            if cst[v] != rs:
                cst[v] = rs
                cod[end] = v
                end += 1
        a = out_ptr[u]
        b = out_ptr[u + 1]
        rt = real_thr[u] if use_q else _ALL_REAL
        for e in range(a, b):
            if coin_bits(key, e) < rt:
                v = out_idx[e]
                if csn[v] != rs:
                    csn[v] = rs
                    cex += 1
        if want_proj:
            imp += q[0, u]
            eng += q[1, u]
            nt = _post(out_idx, a, b, q, u, crow, rs, ctl, nt)
    for j in range(nt):  # each follower's part once, at the end
        row = crow[ctl[j]]
        row[4] = part(row[1], row[2], row[3])
        people += row[4]
    return cex, imp, eng, people


@njit(nogil=True, cache=True)
def _plan_bfs(lptr, lidx, seeds, max_steps, ps, st, od, cnt, per_step):
    """One plan's cascade over the run's live-edge graph (module doc, step 2): the waves
    of :func:`~pipeline.diffusion.cascade.ic_cascade`, the same nodes in the same order.
    Writes ``od[:end]``, ``per_step`` and ``cnt``; returns ``(activated, steps)``.
    O(seeds + activated + their live edges)."""
    k = seeds.shape[0]
    for i in range(k):
        s = seeds[i]
        st[s] = ps
        od[i] = s
        cnt[s] += 1
    if per_step.shape[0] > 0:
        per_step[0] = k
    end = k
    lo = 0
    hi = k
    t = 0
    while lo < hi:
        if max_steps >= 0 and t >= max_steps:
            break
        for i in range(lo, hi):
            u = od[i]
            for j in range(lptr[u], lptr[u + 1]):
                v = lidx[j]
                if st[v] != ps:
                    st[v] = ps
                    od[end] = v
                    end += 1
                    cnt[v] += 1
        done, t = next_wave(end, hi, t, per_step)
        if done:
            break
        lo = hi
        hi = end
    return end, t


@njit(nogil=True, cache=True)
def _plan_walk(out_ptr, out_idx, real_thr, use_q, key, od, k, end, hit, ps, sn, prow, tl,
               use_core, rs, cst, csn, q, want_proj):  # fmt: skip
    """Exposure and projection of one plan-run's posters ``od[:end]`` (the ``k`` seeds
    first), skipping core posters when the plan ``hit`` the root. Returns ``(exposed
    in all, exposed outside the core's, impressions, engagements, touched followers)``;
    ``prow`` holds the plan's own reach state per touched follower (listed in ``tl``;
    their people come from :func:`_plan_people`). O(out-degrees of the walked
    posters)."""
    ex_all = 0
    ex_out = 0
    for i in range(k):  # the seeds are exposed (they post)
        s = od[i]
        if sn[s] != ps:
            sn[s] = ps
            ex_all += 1
            if not (use_core and csn[s] == rs):
                ex_out += 1
    imp = np.int64(0)
    eng = np.int64(0)
    nt = 0
    for i in range(end):
        u = od[i]
        if hit and cst[u] == rs:
            continue  # a core poster: in the core's totals
        a = out_ptr[u]
        b = out_ptr[u + 1]
        rt = real_thr[u] if use_q else _ALL_REAL
        for e in range(a, b):
            if coin_bits(key, e) < rt:
                v = out_idx[e]
                if sn[v] != ps:
                    sn[v] = ps
                    ex_all += 1
                    if not (use_core and csn[v] == rs):
                        ex_out += 1
        if want_proj:
            imp += q[0, u]
            eng += q[1, u]
            nt = _post(out_idx, a, b, q, u, prow, ps, tl, nt)
    return ex_all, ex_out, imp, eng, nt


@njit(nogil=True, cache=True)
def _plan_people(tl, nt, prow, crow, rs, hit):
    """A plan-run's people in units, from its touched followers' states (``prow``): their
    parts alone, or, for a plan that ``hit`` the core, the part of each merged with the
    core's state (log-misses and weights add, the largest share wins;
    :func:`~pipeline.diffusion.project_kernel.merged_part`) minus the core's part, to add
    to the core's people. O(touched)."""
    add = np.int64(0)
    for j in range(nt):
        v = tl[j]
        p = prow[v]
        c = crow[v]
        if hit and c[0] == rs:
            add += merged_part(c[1], c[2], c[3], p[1], p[2], p[3]) - c[4]
        else:
            add += part(p[1], p[2], p[3])
    return add


@njit(nogil=True, cache=True, parallel=True)
def ic_group_runs(out_ptr, out_idx, live_thr, real_thr, quality, plan_ptr, plan_seeds, keys,
                  shared, max_steps, nchunks, step_cap, proj):  # fmt: skip
    """Per-edge IC runs of several plans on shared run keys (module doc).

    Parameters: ``out_ptr, out_idx, live_thr, real_thr, quality`` as for
    :func:`~pipeline.diffusion.kernels.ic_runs` (per-edge); plan ``p``'s distinct seeds
    are ``plan_seeds[plan_ptr[p]:plan_ptr[p + 1]]`` (non-empty); ``root``: the core's
    root (:func:`core_root`), -1 for none; a horizon (``max_steps >= 0``) disables the
    core. ``nchunks``, ``step_cap`` and ``proj`` as for ``ic_runs``.

    Returns per plan and run: activated, exposed (int64, P x runs), steps (int32),
    per_step (int32, P x runs x step_cap), counts (int32, nchunks x P x n: activations
    per node), projected (float64, P x runs x 3, or x 0 without ``proj``).
    Time per run O(out-degrees of the core + per plan: its activated nodes, the live
    edges of its core nodes and the out-degrees of its nodes outside the core).
    """
    n = out_ptr.shape[0] - 1
    nplans = plan_ptr.shape[0] - 1
    runs = keys.shape[0]
    use_q = quality.shape[0] > 0
    want_proj = proj.shape[1] > 0
    use_core = shared and max_steps < 0
    activated = np.zeros((nplans, runs), dtype=np.int64)
    exposed = np.zeros((nplans, runs), dtype=np.int64)
    steps = np.zeros((nplans, runs), dtype=np.int32)
    per_step = np.zeros((nplans, runs, step_cap), dtype=np.int32)
    counts = np.zeros((nchunks, nplans, n), dtype=np.int32)
    projected = np.zeros((nplans, runs, 3 if want_proj else 0), dtype=np.float64)
    q, unit = quantize(proj)  # the projection in whole units (exact in any order)
    for c in prange(nchunks):
        r0, r1 = chunk_range(c, runs, nchunks)
        lptr = np.zeros(n + 1, dtype=np.int64)
        lidx = np.zeros(min(out_ptr[n], 1 << 16) + 1, dtype=np.int32)
        index = np.zeros(n, dtype=np.int64)
        low = np.zeros(n, dtype=np.int64)
        stack = np.zeros(n, dtype=np.int32)
        onstk = np.zeros(n, dtype=np.bool_)
        cs_node = np.zeros(n, dtype=np.int32)
        cs_pos = np.zeros(n, dtype=np.int64)
        cst = np.zeros(n, dtype=np.int64)
        csn = np.zeros(n, dtype=np.int64)
        cod = np.zeros(n, dtype=np.int32)
        crow = np.zeros((n if want_proj else 0, 5), dtype=np.int64)
        st = np.zeros(n, dtype=np.int64)
        sn = np.zeros(n, dtype=np.int64)
        od = np.zeros(n, dtype=np.int32)
        prow = np.zeros((n if want_proj else 0, 4), dtype=np.int64)
        tl = np.zeros(n, dtype=np.int32)
        ctl = np.zeros(n, dtype=np.int32)
        ps = 0
        for r in range(r0, r1):
            key = keys[r]
            rs = r + 1
            lidx = live_graph(out_ptr, out_idx, live_thr, key, lptr, lidx)
            root = -1
            if use_core:
                root = giant_root(lptr, lidx, index, low, stack, onstk, cs_node, cs_pos)
            cex = 0
            cimp = np.int64(0)
            ceng = np.int64(0)
            cpeople = np.int64(0)
            if root >= 0:
                cex, cimp, ceng, cpeople = _core_pass(
                    out_ptr, out_idx, real_thr, use_q, key, root, rs, lptr, lidx, cst, cod,
                    csn, crow, ctl, q, want_proj,
                )  # fmt: skip
            core = root >= 0
            for p in range(nplans):
                ps += 1
                seeds = plan_seeds[plan_ptr[p] : plan_ptr[p + 1]]
                end, t = _plan_bfs(
                    lptr, lidx, seeds, max_steps, ps, st, od, counts[c, p], per_step[p, r]
                )
                hit = core and st[root] == ps
                ex_all, ex_out, imp, eng, nt = _plan_walk(
                    out_ptr, out_idx, real_thr, use_q, key, od, seeds.shape[0], end, hit,
                    ps, sn, prow, tl, core, rs, cst, csn, q, want_proj,
                )  # fmt: skip
                activated[p, r] = end
                steps[p, r] = t
                if hit:
                    exposed[p, r] = cex + ex_out
                    if want_proj:
                        projected[p, r, 0] = (cimp + imp) * unit
                        projected[p, r, 1] = (ceng + eng) * unit
                        add = _plan_people(tl, nt, prow, crow, rs, True)
                        projected[p, r, 2] = (cpeople + add) * unit
                else:
                    exposed[p, r] = ex_all
                    if want_proj:
                        projected[p, r, 0] = imp * unit
                        projected[p, r, 1] = eng * unit
                        people = _plan_people(tl, nt, prow, crow, rs, False)
                        projected[p, r, 2] = people * unit
    return activated, exposed, steps, per_step, counts, projected
