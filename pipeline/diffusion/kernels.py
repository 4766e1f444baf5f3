"""Numba kernels for cascade simulation: CSR arrays in, arrays out.

The kernels never see igraph, polars or external IDs. Nodes are ``0..n-1``,
the graph is the out-CSR ``(out_ptr, out_idx)`` in influence direction and
edge ``e`` is CSR position ``e``.

Randomness is counter-based (splitmix64's output function, Steele, Lea and
Flood 2014, applied to ``key + (i + 1) * golden_gamma``), so every coin is a
pure function of a 64-bit run key and a counter:

- per-edge IC coin of edge ``e`` in run ``r``: ``hash(key_r, e)``;
- per-source IC stream of node ``u`` (skip-sampling): ``hash(hash(key_r ^ NODE_SALT, u), j)``
  for its ``j``-th geometric gap;
- LT threshold of node ``v``: ``hash(key_r ^ LT_SALT, v)``;
- audience quality: edge ``e = (u, v)`` is a *real* follow in run ``r`` iff
  ``q_u >= 1`` or ``unit(hash(key_r ^ QUALITY_SALT, e)) < q_u`` (:func:`is_real`),
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

__all__ = [
    "LT_SALT",
    "NODE_SALT",
    "QUALITY_SALT",
    "hash2",
    "ic_runs",
    "is_real",
    "lt_runs",
    "mix64",
    "tv_probabilities",
    "unit",
]

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)
_S11 = np.uint64(11)
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_TWO_M53 = 1.0 / 9007199254740992.0
NODE_SALT = np.uint64(0x8CB92BA72F3D8DD7)
_ALWAYS = np.int32(2**31 - 1)  # "seen" stamp of nodes exposed in every run
LT_SALT = np.uint64(0xD1B54A32D192ED03)
QUALITY_SALT = np.uint64(0xA0761D6478BD642F)


@njit(nogil=True, cache=True)
def mix64(z: np.uint64) -> np.uint64:
    """splitmix64 finaliser: a bijective 64-bit mix. O(1)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(nogil=True, cache=True)
def hash2(key: np.uint64, i: np.uint64) -> np.uint64:
    """The ``i``-th output of the splitmix64 stream started at ``key``. O(1)."""
    return mix64(key + (i + _ONE) * GAMMA)


@njit(nogil=True, cache=True)
def unit(h: np.uint64) -> float:
    """Top 53 bits of ``h`` as a float in [0, 1)."""
    return np.float64(h >> _S11) * _TWO_M53


@njit(nogil=True, cache=True)
def is_real(qkey: np.uint64, e: int, q: float) -> bool:
    """Whether edge ``e`` of a sender with quality ``q`` is a real follow. O(1).

    ``qkey`` is the run key xor :data:`QUALITY_SALT`. True without drawing a
    coin when ``q >= 1``; otherwise ``unit(hash(qkey, e)) < q``.
    """
    return q >= 1.0 or unit(hash2(qkey, np.uint64(e))) < q


@njit(nogil=True, cache=True)
def tv_probabilities(m: int, key: np.uint64) -> np.ndarray:
    """Trivalency probabilities: edge ``e`` gets {0.1, 0.01, 0.001}[hash(key, e) % 3]. O(m)."""
    vals = np.array([0.1, 0.01, 0.001], dtype=np.float32)
    out = np.empty(m, dtype=np.float32)
    three = np.uint64(3)
    for e in range(m):
        out[e] = vals[np.int64(hash2(key, np.uint64(e)) % three)]
    return out


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
        (see :func:`is_real`) neither exposes its target nor transmits: the
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
    use_q = quality.shape[0] > 0
    runs = keys.shape[0]
    k = seeds.shape[0]
    activated = np.zeros(runs, dtype=np.int64)
    exposed = np.zeros(runs, dtype=np.int64)
    steps = np.zeros(runs, dtype=np.int32)
    per_step = np.zeros((runs, step_cap), dtype=np.int32)
    credits = np.zeros((runs if want_credits else 0, k), dtype=np.int32)
    counts = np.zeros((nchunks, n if want_counts else 0), dtype=np.int64)
    state = np.zeros((nchunks, n), dtype=np.int32)
    seen = np.zeros((nchunks, n if want_exposed else 0), dtype=np.int32)
    order = np.zeros((nchunks, n), dtype=np.int32)
    label = np.zeros((nchunks, n if want_credits else 0), dtype=np.int32)
    # Exposed in every run: the seeds, and the followers of seeds whose follows are all
    # real. They are marked once per chunk with a stamp above every run's (seen[v] >=
    # stamp means "exposed in this run"), counted once, and never scanned again.
    base = np.zeros(n if want_exposed else 0, dtype=np.bool_)
    nbase = 0
    if want_exposed:
        for i in range(k):
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
    marked = np.flatnonzero(base)
    # When the pre-marked nodes are a large share of the graph (big seeds), exposure
    # scans visit only the out-edges that lead outside them (their edge ids, per node).
    use_res = want_exposed and nbase * 8 >= n
    if use_res:
        r_ptr, r_eid = _residual(out_ptr, out_idx, base)
    else:
        r_ptr, r_eid = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    for c in prange(nchunks):
        r0 = c * runs // nchunks
        r1 = (c + 1) * runs // nchunks
        st = state[c]
        od = order[c]
        sn = seen[c]
        lab = label[c]
        cnt = counts[c]
        for v in marked:
            sn[v] = _ALWAYS
        for r in range(r0, r1):
            stamp = np.int32(r + 1)
            key = keys[r]
            nkey = key ^ NODE_SALT
            qkey = key ^ QUALITY_SALT
            end = 0
            ex = nbase
            for i in range(k):
                s = seeds[i]
                st[s] = stamp
                od[end] = s
                end += 1
                if want_credits:
                    lab[s] = i
                    credits[r, i] += 1
                if want_counts:
                    cnt[s] += 1
            if step_cap > 0:
                per_step[r, 0] = k
            lo = 0
            hi = end
            t = 0
            while lo < hi:
                expand = max_steps < 0 or t < max_steps
                for i in range(lo, hi):
                    u = od[i]
                    a = out_ptr[u]
                    b = out_ptr[u + 1]
                    qu = quality[u] if use_q else 1.0
                    if qu <= 0.0:
                        continue  # no real follower: nothing is exposed or reached through u
                    # a seed whose follows are all real: its followers are pre-marked
                    scan = want_exposed and (i >= k or qu < 1.0)
                    ra = r_ptr[u] if use_res else a
                    rb = r_ptr[u + 1] if use_res else b
                    if scan and not expand and per_edge:
                        for slot in range(ra, rb):
                            e = r_eid[slot] if use_res else slot
                            v = out_idx[e]
                            # realness from the edge's one uniform (see the loop below)
                            if sn[v] < stamp and (qu >= 1.0 or unit(hash2(key, np.uint64(e))) < qu):
                                sn[v] = stamp
                                ex += 1
                    elif scan and not per_edge and qu >= 1.0:
                        for slot in range(ra, rb):
                            e = r_eid[slot] if use_res else slot
                            v = out_idx[e]
                            if sn[v] < stamp:
                                sn[v] = stamp
                                ex += 1
                    elif scan and not per_edge:
                        for slot in range(ra, rb):
                            e = r_eid[slot] if use_res else slot
                            v = out_idx[e]
                            if sn[v] < stamp and is_real(qkey, e, qu):
                                sn[v] = stamp
                                ex += 1
                    if not expand:
                        continue
                    if per_edge:
                        # One uniform x per edge decides both: the follow is real iff
                        # x < q_u, and live iff x < q_u * p_e (so Pr[live | real] = p_e,
                        # independent across edges); with q_u = 1 this is the plain coin.
                        for e in range(a, b):
                            x = unit(hash2(key, np.uint64(e)))
                            if x >= qu:
                                continue  # a fake follow: neither exposes nor transmits
                            v = out_idx[e]
                            if scan and sn[v] < stamp:
                                sn[v] = stamp
                                ex += 1
                            if x < qu * edge_p[e] and st[v] != stamp:
                                st[v] = stamp
                                od[end] = v
                                end += 1
                                if want_credits:
                                    lab[v] = lab[u]
                                    credits[r, lab[u]] += 1
                                if want_counts:
                                    cnt[v] += 1
                    else:
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
                                x = (np.float64(hash2(ku, j) >> _S11) + 1.0) * _TWO_M53
                                j += _ONE
                                gap = np.log(x) * inv
                                if gap >= b - 1 - pos:
                                    break
                                pos += 1 + np.int64(gap)
                            v = out_idx[pos]
                            # A sampled live edge transmits only if it is also real (its
                            # realness coin is independent of the geometric gaps).
                            if st[v] != stamp and (qu >= 1.0 or is_real(qkey, pos, qu)):
                                st[v] = stamp
                                od[end] = v
                                end += 1
                                if want_exposed and sn[v] < stamp:
                                    sn[v] = stamp
                                    ex += 1
                                if want_credits:
                                    lab[v] = lab[u]
                                    credits[r, lab[u]] += 1
                                if want_counts:
                                    cnt[v] += 1
                new = end - hi
                if new == 0:
                    break
                t += 1
                if t < step_cap:
                    per_step[r, t] = new
                lo = hi
                hi = end
            activated[r] = end
            exposed[r] = ex
            steps[r] = t
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
    ``quality``, a fake edge (see :func:`is_real`) adds no weight and exposes
    no one, i.e. LT runs on weights ``w(u, v) * real(u, v)``.
    """
    n = out_ptr.shape[0] - 1
    use_q = quality.shape[0] > 0
    runs = keys.shape[0]
    k = seeds.shape[0]
    activated = np.zeros(runs, dtype=np.int64)
    exposed = np.zeros(runs, dtype=np.int64)
    steps = np.zeros(runs, dtype=np.int32)
    per_step = np.zeros((runs, step_cap), dtype=np.int32)
    credits = np.zeros((runs if want_credits else 0, k), dtype=np.int32)
    counts = np.zeros((nchunks, n if want_counts else 0), dtype=np.int64)
    state = np.zeros((nchunks, n), dtype=np.int32)
    seen = np.zeros((nchunks, n if want_exposed else 0), dtype=np.int32)
    order = np.zeros((nchunks, n), dtype=np.int32)
    label = np.zeros((nchunks, n if want_credits else 0), dtype=np.int32)
    acc_stamp = np.zeros((nchunks, n), dtype=np.int32)
    acc_all = np.zeros((nchunks, n), dtype=np.float64)
    theta_all = np.zeros((nchunks, n), dtype=np.float64)
    for c in prange(nchunks):
        r0 = c * runs // nchunks
        r1 = (c + 1) * runs // nchunks
        st = state[c]
        od = order[c]
        ast = acc_stamp[c]
        acc = acc_all[c]
        th = theta_all[c]
        sn = seen[c]
        lab = label[c]
        cnt = counts[c]
        for r in range(r0, r1):
            stamp = np.int32(r + 1)
            tkey = keys[r] ^ LT_SALT
            qkey = keys[r] ^ QUALITY_SALT
            end = 0
            ex = 0
            for i in range(k):
                s = seeds[i]
                st[s] = stamp
                od[end] = s
                end += 1
                if want_exposed and sn[s] != stamp:
                    sn[s] = stamp
                    ex += 1
                if want_credits:
                    lab[s] = i
                    credits[r, i] += 1
                if want_counts:
                    cnt[s] += 1
            if step_cap > 0:
                per_step[r, 0] = k
            lo = 0
            hi = end
            t = 0
            while lo < hi:
                expand = max_steps < 0 or t < max_steps
                for i in range(lo, hi):
                    u = od[i]
                    qu = quality[u] if use_q else 1.0
                    if qu <= 0.0:
                        continue
                    for e in range(out_ptr[u], out_ptr[u + 1]):
                        if qu < 1.0 and not is_real(qkey, e, qu):
                            continue
                        v = out_idx[e]
                        if want_exposed and sn[v] != stamp:
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
                            st[v] = stamp
                            od[end] = v
                            end += 1
                            if want_credits:
                                lab[v] = lab[u]
                                credits[r, lab[u]] += 1
                            if want_counts:
                                cnt[v] += 1
                new = end - hi
                if new == 0:
                    break
                t += 1
                if t < step_cap:
                    per_step[r, t] = new
                lo = hi
                hi = end
            activated[r] = end
            exposed[r] = ex
            steps[r] = t
    return activated, exposed, steps, per_step, credits, counts
