"""The simulated overlap kernel: every candidate's single-seed cascade per run, with the
very cascade function ``simulate`` runs (audience quality included), and a 64-bit mask
per node of the candidates that exposed it. O(runs x sum of the single-seed cascade
costs + runs x k x |union|).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pipeline.diffusion.cascade import chunk_range, ic_cascade, lt_cascade, node_rows
from pipeline.diffusion.rng import QUALITY_SALT, edge_thresholds, is_real

__all__ = ["MAX_CANDIDATES", "overlap_runs"]


MAX_CANDIDATES = 64
"""Most candidates :func:`audience_overlap` takes: one bit each in a uint64 mask per node."""

_ZERO = np.uint64(0)
_ONE = np.uint64(1)


@njit(nogil=True, cache=True, inline="always")
def _expose(v, rstamp, bit, sn, mk, tc, nt):
    """Mark ``v`` exposed by the candidate of ``bit`` in run ``rstamp``.

    The first time a run touches ``v`` its mask is cleared and ``v`` is listed in
    ``tc``. Returns the new length of ``tc`` and 1 if ``v`` is new for the candidate.
    """
    if sn[v] != rstamp:
        sn[v] = rstamp
        mk[v] = _ZERO
        tc[nt] = v
        nt += 1
    if (mk[v] & bit) == _ZERO:
        mk[v] |= bit
        return nt, 1
    return nt, 0


@njit(nogil=True, cache=True, parallel=True)
def overlap_runs(
    out_ptr,
    out_idx,
    edge_p,
    node_p,
    node_inv,
    per_edge,
    weight,
    is_lt,
    quality,
    cands,
    keys,
    max_steps,
    nchunks,
):
    """Each candidate's single-seed cascade in every run, and their pairwise shared exposure.

    Parameters
    ----------
    out_ptr, out_idx : out-CSR (int64 offsets, int32 targets).
    edge_p, node_p, node_inv, per_edge : IC parameters as for ``kernels.ic_runs``.
    weight, is_lt : LT weights (float32, m) and whether to run LT instead of IC.
    quality : float64 per-node audience quality ``q_u`` (length n), or empty for none:
        as for ``kernels.ic_runs`` (a fake follow neither transmits nor exposes), with
        the same realness coins, so each candidate's counts are ``simulate``'s.
    cands : int32 distinct candidate nodes (at most 64); ``keys`` : uint64 run keys.
    max_steps : horizon in steps (seeds are step 0), -1 for none.
    nchunks : number of parallel chunks of runs (1 <= nchunks <= runs).

    Returns
    -------
    activated, exposed (int64, runs x k): each candidate's counts when seeding alone;
    union (int64, runs): ``|E_1 ∪ ... ∪ E_k|``; shared (int64, k x k): summed over
    runs, ``|E_a ∩ E_b|`` (diagonal: ``|E_a|``). Integer counts, so the result does
    not depend on the number of chunks.
    """
    n = out_ptr.shape[0] - 1
    runs = keys.shape[0]
    k = cands.shape[0]
    lt_n = n if is_lt else 0
    activated = np.zeros((runs, k), dtype=np.int64)
    exposed = np.zeros((runs, k), dtype=np.int64)
    union = np.zeros(runs, dtype=np.int64)
    shared = np.zeros((nchunks, k, k), dtype=np.int64)
    state = np.zeros((nchunks, n), dtype=np.int64)
    order = np.zeros((nchunks, n), dtype=np.int32)
    seen = np.zeros((nchunks, n), dtype=np.int64)
    masks = np.zeros((nchunks, n), dtype=np.uint64)
    touched = np.zeros((nchunks, n), dtype=np.int32)
    acc_stamp = np.zeros((nchunks, lt_n), dtype=np.int64)
    acc_all = np.zeros((nchunks, lt_n), dtype=np.float64)
    theta_all = np.zeros((nchunks, lt_n), dtype=np.float64)
    bits_all = np.zeros((nchunks, k), dtype=np.int64)
    use_q = quality.shape[0] > 0
    # What the cascade functions need for the counts this kernel does not take from them.
    none64 = np.zeros(0, dtype=np.int64)
    none32 = np.zeros(0, dtype=np.int32)
    no_ptr = np.zeros(1, dtype=np.int64)
    if per_edge and not is_lt:
        live_thr, real_thr = edge_thresholds(out_ptr, edge_p, quality)
    else:
        live_thr = real_thr = np.zeros(0, dtype=np.uint64)
    node_pi = node_rows(node_p, node_inv)
    # Each chunk takes its rows of the work arrays (the shape every batch kernel shares:
    # one row per chunk, reused across its runs with stamps).
    for c in prange(nchunks):
        r0, r1 = chunk_range(c, runs, nchunks)
        st = state[c]
        od = order[c]
        sn = seen[c]
        mk = masks[c]
        tc = touched[c]
        ast = acc_stamp[c]
        acc = acc_all[c]
        th = theta_all[c]
        bits = bits_all[c]
        sh = shared[c]
        for r in range(r0, r1):
            key = keys[r]
            # The realness coin of a follow, as the cascade functions draw it: per-edge
            # IC reuses the edge's own uniform, skip-sampled IC and LT the quality stream.
            rkey = key if (per_edge and not is_lt) else key ^ QUALITY_SALT
            rstamp = np.int64(r + 1)
            nt = 0
            for i in range(k):
                # A fresh stamp per (run, candidate): each cascade starts from nothing.
                stamp = np.int64(r) * k + i + 1
                seed = cands[i : i + 1]
                # The cascade of ic_runs / lt_runs itself, counting nothing but activations
                # (exposure is counted below, per candidate, with the masks).
                if is_lt:
                    end, _, _ = lt_cascade(
                        out_ptr, out_idx, weight, quality, seed, key, max_steps, stamp, st, od,
                        ast, acc, th, none64, False, none32, none32, False, none64, False, none32,
                    )  # fmt: skip
                else:
                    end, _, _ = ic_cascade(
                        out_ptr, out_idx, live_thr, real_thr, node_pi, per_edge, quality,
                        seed, key, max_steps, stamp, st, od,
                        none64, False, 0, no_ptr, none64, False,
                        none32, none32, False, none64, False, none32,
                    )  # fmt: skip
                activated[r, i] = end
                bit = _ONE << np.uint64(i)
                ex = 0
                # exposed = activated ∪ followers of activated over real follows
                for j in range(end):
                    u = od[j]
                    nt, new = _expose(u, rstamp, bit, sn, mk, tc, nt)
                    ex += new
                    qu = quality[u] if use_q else 1.0
                    for e in range(out_ptr[u], out_ptr[u + 1]):
                        if qu < 1.0 and not is_real(rkey, e, qu):
                            continue  # a fake follow exposes no one
                        nt, new = _expose(out_idx[e], rstamp, bit, sn, mk, tc, nt)
                        ex += new
                exposed[r, i] = ex
            union[r] = nt
            for j in range(nt):
                m = mk[tc[j]]
                nb = 0
                for i in range(k):
                    if ((m >> np.uint64(i)) & _ONE) != _ZERO:
                        bits[nb] = i
                        nb += 1
                for x in range(nb):
                    for y in range(x, nb):
                        sh[bits[x], bits[y]] += 1
    total = np.zeros((k, k), dtype=np.int64)
    for c in range(nchunks):
        total += shared[c]
    for i in range(k):
        for j in range(i + 1, k):
            total[j, i] = total[i, j]
    return activated, exposed, union, total
