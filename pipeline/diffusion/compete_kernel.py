"""The competitive cascade kernel: several brands' IC runs on one live-edge graph (audience
quality thinning it as in the plain kernel).

A deliberate specialisation of :func:`~pipeline.diffusion.cascade.ic_cascade` (same
edge coin, chunking and wave step) that adds a brand per node and the contest at a
node reached by several live in-edges in one wave. O(runs x out-degrees of adopters).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pipeline.diffusion.cascade import chunk_range, next_wave
from pipeline.diffusion.rng import edge_coin, hash2

__all__ = ["SEED_SALT", "TIE_SALT", "compete_runs"]


TIE_SALT = np.uint64(0x2545F4914F6CDD1D)
SEED_SALT = np.uint64(0x5851F42D4C957F2D)


@njit(nogil=True, cache=True, parallel=True)
def compete_runs(
    out_ptr, out_idx, edge_p, quality, seed_nodes, seed_brand, keys, max_steps, nchunks
):
    """Competitive IC runs (wave propagation), one per key.

    A deliberate specialisation of :func:`~pipeline.diffusion.cascade.ic_cascade`:
    it shares the edge coin, the chunking and the wave step, and adds what the
    plain cascade has no use for, a brand per node and the contest at a node
    reached by several live in-edges in one wave (smallest priority wins).

    Parameters
    ----------
    out_ptr, out_idx : out-CSR (int64 offsets, int32 targets).
    edge_p : float32, brands x m: ``edge_p[b, e]`` is edge e's probability
        when its source holds brand b (rows equal for shared probabilities).
    quality : float64 per-node audience quality ``q_u`` (length n), or empty for none:
        edge e of u is live for brand b iff its coin ``x < q_u edge_p[b, e]``, the plain
        per-edge kernel's joint realness and liveness draw (``ic_cascade``), so a fake
        follow transmits no brand; ``q_u = 1`` is the undiscounted coin bit for bit.
    seed_nodes, seed_brand : int32, one entry per (brand, seed) pair; a node
        may appear once per brand.
    keys : uint64 run keys; max_steps : horizon in steps, -1 for none.
    nchunks : number of parallel chunks of runs (1 <= nchunks <= runs).

    Returns
    -------
    adopters (int64, runs x brands), steps (int32, runs: last step with a new
    adoption). Time O(runs x (seeds + out-edges of activated nodes)).
    """
    n = out_ptr.shape[0] - 1
    runs = keys.shape[0]
    nb = edge_p.shape[0]
    k = seed_nodes.shape[0]
    adopters = np.zeros((runs, nb), dtype=np.int64)
    steps = np.zeros(runs, dtype=np.int32)
    state = np.zeros((nchunks, n), dtype=np.int32)
    level = np.zeros((nchunks, n), dtype=np.int32)
    brand = np.zeros((nchunks, n), dtype=np.int32)
    prio = np.zeros((nchunks, n), dtype=np.uint64)
    order = np.zeros((nchunks, n), dtype=np.int32)
    no_steps = np.zeros(0, dtype=np.int32)  # steps are counted, new adoptions per step not
    use_q = quality.shape[0] > 0
    # Each chunk takes its rows of the work arrays (the shape every batch kernel shares:
    # one row per chunk, reused across its runs with stamps).
    for c in prange(nchunks):
        r0, r1 = chunk_range(c, runs, nchunks)
        st = state[c]
        lv = level[c]
        br = brand[c]
        pr = prio[c]
        od = order[c]
        for r in range(r0, r1):
            stamp = np.int32(r + 1)
            key = keys[r]
            skey = key ^ SEED_SALT
            tkey = key ^ TIE_SALT
            end = 0
            # Step 0: a seed claimed by several brands keeps the smallest priority.
            for i in range(k):
                s = seed_nodes[i]
                b = seed_brand[i]
                h = hash2(hash2(skey, np.uint64(s)), np.uint64(b))
                if st[s] != stamp:
                    st[s] = stamp
                    lv[s] = 0
                    br[s] = b
                    pr[s] = h
                    od[end] = s
                    end += 1
                elif h < pr[s]:
                    pr[s] = h
                    br[s] = b
            lo = 0
            hi = end
            t = 0
            while lo < hi and (max_steps < 0 or t < max_steps):
                nxt = t + 1
                for i in range(lo, hi):
                    u = od[i]
                    b = br[u]
                    qu = quality[u] if use_q else 1.0
                    if qu <= 0.0:
                        continue  # no real follower: u transmits nothing
                    for e in range(out_ptr[u], out_ptr[u + 1]):
                        v = out_idx[e]
                        # Nodes active before this wave are settled; only new ones are contested.
                        if st[v] == stamp and lv[v] != nxt:
                            continue
                        # The plain IC kernel's coin: live iff real and it passes (x < q_u p).
                        if edge_coin(key, e) >= (qu * edge_p[b, e] if use_q else edge_p[b, e]):
                            continue
                        h = hash2(tkey, np.uint64(e))
                        if st[v] != stamp:
                            st[v] = stamp
                            lv[v] = nxt
                            br[v] = b
                            pr[v] = h
                            od[end] = v
                            end += 1
                        elif h < pr[v]:
                            # Uniform choice among live in-edges from the previous wave.
                            pr[v] = h
                            br[v] = b
                done, t = next_wave(end, hi, t, no_steps)
                if done:
                    break
                lo = hi
                hi = end
            for i in range(end):
                adopters[r, br[od[i]]] += 1
            steps[r] = t
    return adopters, steps
