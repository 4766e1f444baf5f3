"""Numba kernels for cascade simulation: CSR arrays in, arrays out.

One run of each model is one inline function (:func:`ic_cascade`,
:func:`lt_cascade`) over a chunk's work rows; :func:`ic_runs`, :func:`lt_runs`
and the overlap kernel (:mod:`pipeline.overlap`) call it run after run, so a
single-seed cascade in the overlap kernel is the very code ``ic_runs`` runs.

The kernels never see igraph, polars or external IDs. Nodes are ``0..n-1``,
the graph is the out-CSR ``(out_ptr, out_idx)`` in influence direction and
edge ``e`` is CSR position ``e``.

Randomness (:mod:`pipeline.diffusion.rng`) is counter-based (splitmix64's
output function, Steele, Lea and Flood 2014, applied to
``key + (i + 1) * golden_gamma``), so every coin is a pure function of a
64-bit run key and a counter:

- per-edge IC coin of edge ``e`` in run ``r``: ``hash(key_r, e)``;
- per-source IC stream of node ``u`` (skip-sampling): ``hash(hash(key_r ^ NODE_SALT, u), j)``
  for its ``j``-th geometric gap;
- LT threshold of node ``v``: ``hash(key_r ^ LT_SALT, v)``;
- audience quality: edge ``e = (u, v)`` is a *real* follow in run ``r`` iff
  ``q_u >= 1`` or ``unit(hash(key_r ^ QUALITY_SALT, e)) < q_u`` (``rng.is_real``),
  independent of the cascade coins, for skip-sampled IC and LT. Per-edge IC
  draws one uniform ``x = unit(hash(key_r, e))`` for both: real iff ``x < q_u``,
  live iff ``x < q_u p_e`` (the same joint law, one hash instead of two). A
  fake edge neither exposes ``v`` nor transmits; with ``q_u >= 1`` nothing
  changes, so a quality of 1 reproduces the undiscounted run bit for bit.

The live-edge graph of a run therefore depends only on the run key, never on
the seed set, the order of activation or the thread that ran it (common
random numbers), and results are bit-identical for any thread count.

Runs are split into ``nchunks`` contiguous chunks processed in parallel
(``prange``); each chunk owns one row of the work arrays (allocated once,
outside the loop) and reuses it across its runs with run stamps instead of
clearing. Per-run work is O(seeds + sum of out-degrees of activated nodes)
for per-edge IC and LT, and O(seeds + activated + live edges) for
skip-sampled IC when exposure is not counted.

Exposure (IC): the seeds, and the followers of seeds whose follows are all real,
are exposed in every run; they are marked once per call with a stamp above every
run's and counted once, so a run scans only the out-edges of the other
activated nodes (and, when those marked nodes are over 1/8 of the graph, only
the out-edges leading outside them). Counting exposure then costs 1.1 to 1.4
times the cascade alone (``benchmarks/exposure_bench.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pipeline.diffusion.rng import (
    LT_SALT,
    NODE_SALT,
    QUALITY_SALT,
    edge_coin,
    gap_uniform,
    hash2,
    is_real,
    unit,
)

__all__ = [
    "chunk_range",
    "ic_cascade",
    "ic_runs",
    "lt_cascade",
    "lt_runs",
    "next_wave",
]

_ALWAYS = np.int32(2**31 - 1)  # "seen" stamp of nodes exposed in every run
_ONE = np.uint64(1)


# ---------------------------------------------------------------------------
# The per-run cascade step, shared by ic_runs, lt_runs and the overlap kernel
# (pipeline.overlap); the competition kernel shares the coin and the waves.
# ---------------------------------------------------------------------------


@njit(nogil=True, cache=True, inline="always")
def chunk_range(c, runs, nchunks):
    """Runs ``[r0, r1)`` of chunk ``c`` when ``runs`` are split into ``nchunks``. O(1)."""
    return c * runs // nchunks, (c + 1) * runs // nchunks


@njit(nogil=True, cache=True, inline="always")
def next_wave(end, hi, t, ps):
    """After a wave that left ``end`` activated (``hi`` before it): ``(done, t)``.

    ``done`` when the wave activated no one; otherwise the step count ``t`` goes
    up and ``ps[t]`` (if ``t < len(ps)``) records the wave's new activations. O(1).
    """
    if end == hi:
        return True, t
    t += 1
    if t < ps.shape[0]:
        ps[t] = end - hi
    return False, t


@njit(nogil=True, cache=True, inline="always")
def _start(seeds, stamp, st, od, sn, expose, lab, cr, want_credits, cnt, want_counts, ps):
    """Activate the (distinct) seeds at step 0: ``(activated, newly exposed)``. O(k)."""
    k = seeds.shape[0]
    ex = 0
    for i in range(k):
        s = seeds[i]
        st[s] = stamp
        od[i] = s
        if expose and sn[s] < stamp:
            sn[s] = stamp
            ex += 1
        if want_credits:
            lab[s] = i
            cr[i] += 1
        if want_counts:
            cnt[s] += 1
    if ps.shape[0] > 0:
        ps[0] = k
    return k, ex


@njit(nogil=True, cache=True, inline="always")
def _activate(v, u, stamp, end, st, od, lab, cr, want_credits, cnt, want_counts):
    """Activate ``v`` through ``u`` (credit to u's seed): the new ``end``. O(1)."""
    st[v] = stamp
    od[end] = v
    if want_credits:
        lab[v] = lab[u]
        cr[lab[u]] += 1
    if want_counts:
        cnt[v] += 1
    return end + 1


@njit(nogil=True, cache=True, inline="always")
def ic_cascade(
    out_ptr, out_idx, edge_p, node_p, node_inv, per_edge, quality,
    seeds, key, max_steps, stamp, st, od,
    sn, want_exposed, nbase, r_ptr, r_eid, use_res,
    lab, cr, want_credits, cnt, want_counts, ps,
):  # fmt: skip
    """One Independent Cascade run from ``seeds`` with run key ``key``.

    Parameters (arrays are one chunk's work rows, reused across runs with stamps)
    ---------------------------------------------------------------------------
    out_ptr, out_idx, edge_p, node_p, node_inv, per_edge, quality : as for :func:`ic_runs`.
    seeds : distinct int seed nodes; key : uint64 run key; max_steps : -1 for none.
    stamp : this run's stamp, above every earlier run's in ``st`` and ``sn``.
    st, od : activation stamps (n) and the activation order (n, written to ``od[:end]``).
    sn, want_exposed, nbase : exposure stamps; when counting exposure the caller has
        marked the ``nbase`` nodes exposed in every run (the seeds, and the followers
        of seeds whose follows are all real) with a stamp above every run's.
    r_ptr, r_eid, use_res : with ``use_res``, per node the out-edges leading outside
        those marked nodes (exposure scans visit only them).
    lab, cr, want_credits : seed label per node, and the run's credits per seed.
    cnt, want_counts : activations per node (summed over runs).
    ps : new activations per step (column 0 = seeds; steps >= len(ps) not recorded).

    Returns ``(activated, exposed, steps)``. Time O(k + out-degrees of activated nodes)
    per-edge, O(k + activated + live edges) skip-sampled without exposure.
    """
    use_q = quality.shape[0] > 0
    k = seeds.shape[0]
    nkey = key ^ NODE_SALT
    qkey = key ^ QUALITY_SALT
    # The realness coin: per-edge IC reuses the edge's own uniform (see the module doc).
    rkey = key if per_edge else qkey
    end, ex = _start(seeds, stamp, st, od, sn, False, lab, cr, want_credits, cnt, want_counts, ps)
    ex += nbase
    lo = 0
    hi = end
    t = 0
    while lo < hi:
        expand = max_steps < 0 or t < max_steps
        if not expand and not want_exposed:
            break  # past the horizon only exposure is counted
        for i in range(lo, hi):
            u = od[i]
            a = out_ptr[u]
            b = out_ptr[u + 1]
            qu = quality[u] if use_q else 1.0
            if qu <= 0.0:
                continue  # no real follower: nothing is exposed or reached through u
            # a seed whose follows are all real: its followers are pre-marked
            scan = want_exposed and (i >= k or qu < 1.0)
            if scan and (not per_edge or not expand):
                ra = r_ptr[u] if use_res else a
                rb = r_ptr[u + 1] if use_res else b
                for slot in range(ra, rb):
                    e = r_eid[slot] if use_res else slot
                    v = out_idx[e]
                    if sn[v] < stamp and is_real(rkey, e, qu):
                        sn[v] = stamp
                        ex += 1
            if not expand:
                continue
            if per_edge:
                # One uniform x per edge decides both: the follow is real iff
                # x < q_u, and live iff x < q_u * p_e (so Pr[live | real] = p_e,
                # independent across edges); with q_u = 1 this is the plain coin.
                for e in range(a, b):
                    x = edge_coin(key, e)
                    if x >= qu:
                        continue  # a fake follow: neither exposes nor transmits
                    v = out_idx[e]
                    if scan and sn[v] < stamp:
                        sn[v] = stamp
                        ex += 1
                    if x < qu * edge_p[e] and st[v] != stamp:
                        end = _activate(v, u, stamp, end, st, od, lab, cr, want_credits, cnt,
                                        want_counts)  # fmt: skip
                continue
            pu = node_p[u]
            if pu <= 0.0:
                continue
            inv = node_inv[u]
            ku = hash2(nkey, np.uint64(u))
            j = np.uint64(0)
            pos = a - 1
            while True:
                if pu >= 1.0:
                    pos += 1
                    if pos >= b:
                        break
                else:
                    # Geometric gap: number of dead edges before the next live one.
                    gap = np.log(gap_uniform(ku, j)) * inv
                    j += _ONE
                    if gap >= b - 1 - pos:
                        break
                    pos += 1 + np.int64(gap)
                v = out_idx[pos]
                # A sampled live edge transmits only if it is also real (its
                # realness coin is independent of the geometric gaps).
                if st[v] != stamp and is_real(qkey, pos, qu):
                    end = _activate(v, u, stamp, end, st, od, lab, cr, want_credits, cnt,
                                    want_counts)  # fmt: skip
                    if want_exposed and sn[v] < stamp:
                        sn[v] = stamp
                        ex += 1
        done, t = next_wave(end, hi, t, ps)
        if done:
            break
        lo = hi
        hi = end
    return end, ex, t


@njit(nogil=True, cache=True, inline="always")
def lt_cascade(
    out_ptr, out_idx, weight, quality, seeds, key, max_steps, stamp, st, od, ast, acc, th,
    sn, want_exposed, lab, cr, want_credits, cnt, want_counts, ps,
):  # fmt: skip
    """One Linear Threshold run from ``seeds`` with run key ``key``.

    ``ast``, ``acc``, ``th``: per node the stamp of the run that last touched its
    weight sum, the sum and its threshold (drawn on first touch). The other
    arguments and the return value are :func:`ic_cascade`'s; here the seeds'
    exposure is counted in the run (nothing is pre-marked). Weights are summed in
    activation order, then CSR order, so every caller gets the same float sums.
    Time O(k + out-degrees of activated nodes).
    """
    use_q = quality.shape[0] > 0
    tkey = key ^ LT_SALT
    qkey = key ^ QUALITY_SALT
    end, ex = _start(seeds, stamp, st, od, sn, want_exposed, lab, cr, want_credits, cnt,
                     want_counts, ps)  # fmt: skip
    lo = 0
    hi = end
    t = 0
    while lo < hi:
        expand = max_steps < 0 or t < max_steps
        if not expand and not want_exposed:
            break
        for i in range(lo, hi):
            u = od[i]
            qu = quality[u] if use_q else 1.0
            if qu <= 0.0:
                continue
            for e in range(out_ptr[u], out_ptr[u + 1]):
                if qu < 1.0 and not is_real(qkey, e, qu):
                    continue  # a fake follow adds no weight and exposes no one
                v = out_idx[e]
                if want_exposed and sn[v] < stamp:
                    sn[v] = stamp
                    ex += 1
                if not expand or st[v] == stamp:
                    continue
                if ast[v] != stamp:
                    ast[v] = stamp
                    acc[v] = 0.0
                    th[v] = unit(hash2(tkey, np.uint64(v)))
                acc[v] += weight[e]
                if acc[v] > th[v]:
                    end = _activate(v, u, stamp, end, st, od, lab, cr, want_credits, cnt,
                                    want_counts)  # fmt: skip
        done, t = next_wave(end, hi, t, ps)
        if done:
            break
        lo = hi
        hi = end
    return end, ex, t


# ---------------------------------------------------------------------------
# Batches of runs
# ---------------------------------------------------------------------------


@njit(nogil=True, cache=True)
def _residual(out_ptr, out_idx, base):
    """Per node, the ids of its out-edges whose target is not in ``base``: (ptr, edge
    ids), a CSR over edge ids. O(n + m)."""
    n = out_ptr.shape[0] - 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        c = 0
        for e in range(out_ptr[u], out_ptr[u + 1]):
            if not base[out_idx[e]]:
                c += 1
        ptr[u + 1] = ptr[u] + c
    eid = np.empty(ptr[n], dtype=np.int64)
    q = 0
    for e in range(out_ptr[n]):
        if not base[out_idx[e]]:
            eid[q] = e
            q += 1
    return ptr, eid


@njit(nogil=True, cache=True)
def _always_exposed(out_ptr, out_idx, quality, seeds):
    """Nodes exposed in every IC run: the seeds, and the followers of seeds whose
    follows are all real. ``(mask, count)``. O(k + their out-degrees)."""
    n = out_ptr.shape[0] - 1
    use_q = quality.shape[0] > 0
    base = np.zeros(n, dtype=np.bool_)
    nbase = 0
    for i in range(seeds.shape[0]):
        u = seeds[i]
        if not base[u]:
            base[u] = True
            nbase += 1
        if not use_q or quality[u] >= 1.0:
            for e in range(out_ptr[u], out_ptr[u + 1]):
                v = out_idx[e]
                if not base[v]:
                    base[v] = True
                    nbase += 1
    return base, nbase


@njit(nogil=True, cache=True, parallel=True)
def ic_runs(
    out_ptr,
    out_idx,
    edge_p,
    node_p,
    node_inv,
    per_edge,
    quality,
    seeds,
    keys,
    max_steps,
    want_exposed,
    want_credits,
    want_counts,
    nchunks,
    step_cap,
):
    """Independent Cascade runs (Kempe, Kleinberg, Tardos 2003), one per key.

    Parameters
    ----------
    out_ptr, out_idx : out-CSR (int64 offsets, int32 targets).
    edge_p : float32 per-edge probabilities (used when ``per_edge``).
    node_p, node_inv : float64 per-source probability ``p_u`` and
        ``1 / log1p(-p_u)`` (used when not ``per_edge``): u's out-edges are
        live independently with ``p_u``, sampled with geometric gaps.
    quality : float64 per-node share ``q_u`` of u's followers that are real
        (length n), or an empty array for no discount. A fake out-edge of u
        (see :func:`~pipeline.diffusion.rng.is_real`) neither exposes its target nor transmits: the
        edge transmits iff real and its IC coin passes.
    seeds : int32 distinct seed nodes; ``keys`` : uint64 run keys.
    max_steps : horizon in steps (seeds are step 0), -1 for none.
    want_exposed, want_credits, want_counts : what to record.
    nchunks : number of parallel chunks of runs (1 <= nchunks <= runs).
    step_cap : columns of ``per_step`` (steps >= step_cap are not recorded).

    Returns
    -------
    activated (int64, runs), exposed (int64, runs; 0 if not wanted),
    steps (int32, runs), per_step (int32, runs x step_cap: new activations
    per step, column 0 = seeds), credits (int32, runs x k, or 0 x k), counts
    (int64, nchunks x n, or nchunks x 0: activations per node per chunk).
    """
    n = out_ptr.shape[0] - 1
    runs = keys.shape[0]
    k = seeds.shape[0]
    activated = np.zeros(runs, dtype=np.int64)
    exposed = np.zeros(runs, dtype=np.int64)
    steps = np.zeros(runs, dtype=np.int32)
    per_step = np.zeros((runs, step_cap), dtype=np.int32)
    credits = np.zeros((runs if want_credits else 0, k), dtype=np.int32)
    no_credits = np.zeros(k, dtype=np.int32)
    counts = np.zeros((nchunks, n if want_counts else 0), dtype=np.int64)
    state = np.zeros((nchunks, n), dtype=np.int32)
    seen = np.zeros((nchunks, n if want_exposed else 0), dtype=np.int32)
    order = np.zeros((nchunks, n), dtype=np.int32)
    label = np.zeros((nchunks, n if want_credits else 0), dtype=np.int32)
    # Exposed in every run: marked once per chunk with a stamp above every run's
    # (seen[v] >= stamp means "exposed in this run"), counted once, never scanned again.
    if want_exposed:
        base, nbase = _always_exposed(out_ptr, out_idx, quality, seeds)
    else:
        base, nbase = np.zeros(0, dtype=np.bool_), 0
    marked = np.flatnonzero(base)
    # When the pre-marked nodes are a large share of the graph (big seeds), exposure
    # scans visit only the out-edges that lead outside them (their edge ids, per node).
    use_res = want_exposed and nbase * 8 >= n
    if use_res:
        r_ptr, r_eid = _residual(out_ptr, out_idx, base)
    else:
        r_ptr, r_eid = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    for c in prange(nchunks):
        r0, r1 = chunk_range(c, runs, nchunks)
        st = state[c]
        od = order[c]
        sn = seen[c]
        lab = label[c]
        cnt = counts[c]
        for v in marked:
            sn[v] = _ALWAYS
        for r in range(r0, r1):
            cr = credits[r] if want_credits else no_credits
            activated[r], exposed[r], steps[r] = ic_cascade(
                out_ptr, out_idx, edge_p, node_p, node_inv, per_edge, quality,
                seeds, keys[r], max_steps, np.int32(r + 1), st, od,
                sn, want_exposed, nbase, r_ptr, r_eid, use_res,
                lab, cr, want_credits, cnt, want_counts, per_step[r],
            )  # fmt: skip
    return activated, exposed, steps, per_step, credits, counts


@njit(nogil=True, cache=True, parallel=True)
def lt_runs(
    out_ptr,
    out_idx,
    weight,
    quality,
    seeds,
    keys,
    max_steps,
    want_exposed,
    want_credits,
    want_counts,
    nchunks,
    step_cap,
):
    """Linear Threshold runs (Kempe, Kleinberg, Tardos 2003), one per key.

    Node ``v`` draws a threshold ``theta_v`` uniform in [0, 1) from
    ``hash(key ^ LT_SALT, v)`` and activates at the first step where the
    summed weight of its active in-neighbours exceeds it (``sum > theta``, so
    the activation probability is exactly the sum). ``weight`` is float32 per
    edge; incoming sums must be <= 1 (checked by the caller). Same parameters
    and returns as :func:`ic_runs`; an activated node is credited to the label
    of the in-neighbour whose weight pushed it over its threshold. With
    ``quality``, a fake edge (see :func:`~pipeline.diffusion.rng.is_real`) adds no
    weight and exposes no one, i.e. LT runs on weights ``w(u, v) * real(u, v)``.
    """
    n = out_ptr.shape[0] - 1
    runs = keys.shape[0]
    k = seeds.shape[0]
    activated = np.zeros(runs, dtype=np.int64)
    exposed = np.zeros(runs, dtype=np.int64)
    steps = np.zeros(runs, dtype=np.int32)
    per_step = np.zeros((runs, step_cap), dtype=np.int32)
    credits = np.zeros((runs if want_credits else 0, k), dtype=np.int32)
    no_credits = np.zeros(k, dtype=np.int32)
    counts = np.zeros((nchunks, n if want_counts else 0), dtype=np.int64)
    state = np.zeros((nchunks, n), dtype=np.int32)
    seen = np.zeros((nchunks, n if want_exposed else 0), dtype=np.int32)
    order = np.zeros((nchunks, n), dtype=np.int32)
    label = np.zeros((nchunks, n if want_credits else 0), dtype=np.int32)
    acc_stamp = np.zeros((nchunks, n), dtype=np.int32)
    acc_all = np.zeros((nchunks, n), dtype=np.float64)
    theta_all = np.zeros((nchunks, n), dtype=np.float64)
    for c in prange(nchunks):
        r0, r1 = chunk_range(c, runs, nchunks)
        st = state[c]
        od = order[c]
        ast = acc_stamp[c]
        acc = acc_all[c]
        th = theta_all[c]
        sn = seen[c]
        lab = label[c]
        cnt = counts[c]
        for r in range(r0, r1):
            cr = credits[r] if want_credits else no_credits
            activated[r], exposed[r], steps[r] = lt_cascade(
                out_ptr, out_idx, weight, quality, seeds, keys[r], max_steps, np.int32(r + 1),
                st, od, ast, acc, th, sn, want_exposed, lab, cr, want_credits, cnt,
                want_counts, per_step[r],
            )  # fmt: skip
    return activated, exposed, steps, per_step, credits, counts
