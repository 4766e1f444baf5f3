"""One cascade run: the per-run step shared by every kernel that simulates cascades.

:func:`ic_cascade` and :func:`lt_cascade` (numba ``inline="always"``) run one
Independent Cascade or Linear Threshold run over a chunk's work rows, with what to
record switched by flags; :func:`chunk_range` and :func:`next_wave` are the chunking
and the wave step the competition kernel shares too. The coins and the cost per run
are described in :mod:`pipeline.diffusion.kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pipeline.diffusion.rng import (
    LT_SALT,
    NODE_SALT,
    QUALITY_SALT,
    coin_bits,
    gap_uniform,
    hash2,
    is_real,
    unit,
)

__all__ = [
    "chunk_range",
    "ic_cascade",
    "lt_cascade",
    "next_live",
    "next_wave",
    "node_rows",
    "source_row",
]


_ONE = np.uint64(1)
_ALL_REAL = np.uint64(2**53)  # every 53-bit coin is below it


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
def next_live(ku, j, pos, b, pu, inv):
    """Skip-sampling: the next live out-edge after position ``pos`` of a source whose
    out-edges end at ``b``, each live with ``pu`` (``inv = 1 / log1p(-pu)``), from its
    stream ``ku`` at gap ``j``: ``(position, next j)``, the position ``b`` when none is
    left. The gap is geometric (the dead edges before the next live one). O(1)."""
    if pu >= 1.0:
        return pos + 1, j
    gap = np.log(gap_uniform(ku, j)) * inv
    if gap >= b - 1 - pos:
        return b, j + _ONE
    return pos + 1 + np.int64(gap), j + _ONE


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


@njit(nogil=True, cache=True)
def node_rows(node_p, node_inv):
    """``(p_u, 1 / log1p(-p_u))`` per node side by side (n x 2; 0 rows for none): the
    skip-sampler reads both for every activated node. One row when every node has the
    same ``p`` (:func:`source_row`: no per-node read, which costs a cache miss per
    activated node on a large graph). O(n)."""
    n = node_p.shape[0]
    same = n > 1
    for u in range(1, n):
        if node_p[u] != node_p[0] or node_inv[u] != node_inv[0]:
            same = False
            break
    out = np.empty((1 if same else n, 2), dtype=np.float64)
    for u in range(out.shape[0]):
        out[u, 0] = node_p[u]
        out[u, 1] = node_inv[u]
    return out


@njit(nogil=True, cache=True, inline="always")
def source_row(node_pi, u):
    """The row of :func:`node_rows`' ``node_pi`` that holds node ``u``'s values: ``u``,
    or 0 when one row holds every node's. O(1)."""
    return u if node_pi.shape[0] > 1 else 0


@njit(nogil=True, cache=True, inline="always")
def ic_cascade(
    out_ptr, out_idx, live_thr, real_thr, node_pi, per_edge, quality,
    seeds, key, max_steps, stamp, st, od,
    sn, want_exposed, nbase, r_ptr, r_eid, use_res,
    lab, cr, want_credits, cnt, want_counts, ps,
):  # fmt: skip
    """One Independent Cascade run from ``seeds`` with run key ``key``.

    Parameters (arrays are one chunk's work rows, reused across runs with stamps)
    ---------------------------------------------------------------------------
    out_ptr, out_idx, per_edge, quality : as for :func:`ic_runs`.
    node_pi : n x 2 float64, per source ``(p_u, 1 / log1p(-p_u))`` side by side (one
        cache line per activated node; :func:`node_rows`), used when not ``per_edge``.
    live_thr, real_thr : per-edge IC's coins as integer thresholds
        (:func:`~pipeline.diffusion.rng.edge_thresholds` of the edge probabilities and
        quality; used when ``per_edge``).
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
                # One uniform x per edge decides both: the follow is real iff x < q_u,
                # and live iff x < q_u * p_e (so Pr[live | real] = p_e, independent
                # across edges); with q_u = 1 this is the plain coin. Compared as
                # integers: x's 53 bits against the thresholds (rng.edge_thresholds).
                if not use_q and not scan:
                    # all follows real, nothing to expose: a hash, a compare, and the
                    # target read only for a live edge (the activation written out
                    # again, as in every loop here)
                    for e in range(a, b):
                        if coin_bits(key, e) < live_thr[e]:
                            v = out_idx[e]
                            if st[v] != stamp:
                                st[v] = stamp
                                od[end] = v
                                end += 1
                                if want_credits:
                                    lab[v] = lab[u]
                                    cr[lab[u]] += 1
                                if want_counts:
                                    cnt[v] += 1
                    continue
                rt = real_thr[u] if use_q else _ALL_REAL
                for e in range(a, b):
                    x = coin_bits(key, e)
                    if x >= rt:
                        continue  # a fake follow: neither exposes nor transmits
                    v = out_idx[e]
                    if scan and sn[v] < stamp:
                        sn[v] = stamp
                        ex += 1
                    if x < live_thr[e] and st[v] != stamp:
                        # activate v through u (credited to u's seed); written out in each
                        # loop: an inlined helper taking the arrays ran skip-sampled IC 1.35x slower
                        st[v] = stamp
                        od[end] = v
                        end += 1
                        if want_credits:
                            lab[v] = lab[u]
                            cr[lab[u]] += 1
                        if want_counts:
                            cnt[v] += 1
                continue
            iu = source_row(node_pi, u)
            pu = node_pi[iu, 0]
            if pu <= 0.0:
                continue
            inv = node_pi[iu, 1]
            ku = hash2(nkey, np.uint64(u))
            j = np.uint64(0)
            pos = a - 1
            if qu >= 1.0 and not want_exposed and not want_credits and not want_counts:
                # activations alone, every follow real: a gap and a stamp per live edge
                while True:
                    pos, j = next_live(ku, j, pos, b, pu, inv)
                    if pos >= b:
                        break
                    v = out_idx[pos]
                    if st[v] != stamp:
                        st[v] = stamp
                        od[end] = v
                        end += 1
                continue
            while True:
                pos, j = next_live(ku, j, pos, b, pu, inv)
                if pos >= b:
                    break
                v = out_idx[pos]
                # A sampled live edge transmits only if it is also real (its
                # realness coin is independent of the geometric gaps).
                if st[v] != stamp and is_real(qkey, pos, qu):
                    # activate v through u (credited to u's seed); written out in each
                    # loop: an inlined helper taking the arrays ran skip-sampled IC 1.35x slower
                    st[v] = stamp
                    od[end] = v
                    end += 1
                    if want_credits:
                        lab[v] = lab[u]
                        cr[lab[u]] += 1
                    if want_counts:
                        cnt[v] += 1
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
    # The wave loop of ic_cascade again, on purpose: the two models differ only inside it
    # (what a node's out-edges do), and each loop stays plain numba code.
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
                    # activate v through u (credited to u's seed); written out in each
                    # loop: an inlined helper taking the arrays ran skip-sampled IC 1.35x slower
                    st[v] = stamp
                    od[end] = v
                    end += 1
                    if want_credits:
                        lab[v] = lab[u]
                        cr[lab[u]] += 1
                    if want_counts:
                        cnt[v] += 1
        done, t = next_wave(end, hi, t, ps)
        if done:
            break
        lo = hi
        hi = end
    return end, ex, t
