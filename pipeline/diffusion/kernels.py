"""Numba kernels for cascade simulation: CSR arrays in, arrays out.

One run of each model is one inline function
(:func:`~pipeline.diffusion.cascade.ic_cascade`,
:func:`~pipeline.diffusion.cascade.lt_cascade`) over a chunk's work rows;
:func:`ic_runs`, :func:`lt_runs` (here) and the overlap kernel
(:mod:`pipeline.overlap.kernel`) call it run after run, so a single-seed cascade
in the overlap kernel is the very code ``ic_runs`` runs.

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
  live iff ``x < q_u p_e`` (the same joint law, one hash instead of two), compared
  as integers (``hash >> 11`` against ``ceil(q_u p_e 2^53)``,
  :func:`~pipeline.diffusion.rng.edge_thresholds`: the same decisions, without a
  float conversion per edge; 8 bytes per edge for the call). A
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

from pipeline.diffusion.cascade import chunk_range, ic_cascade, lt_cascade
from pipeline.diffusion.project_kernel import _proj_rows, _project, _project_base, quantize

__all__ = ["ic_runs", "lt_runs"]

_ALWAYS = np.int32(2**31 - 1)  # "seen" stamp of nodes exposed in every run


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


@njit(nogil=True, cache=True)
def _batch_arrays(n, runs, k, nchunks, step_cap, want_exposed, want_credits, want_counts):
    """The zeroed outputs and per-chunk work rows of :func:`ic_runs` and :func:`lt_runs`:
    ``(activated, exposed, steps, per_step, credits, no_credits, counts, state, seen,
    order, label)``; rows a run does not record are 0 wide. O(nchunks x n + runs x step_cap).
    """
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
    return (
        activated,
        exposed,
        steps,
        per_step,
        credits,
        no_credits,
        counts,
        state,
        seen,
        order,
        label,
    )


@njit(nogil=True, cache=True, parallel=True)
def ic_runs(
    out_ptr,
    out_idx,
    live_thr,
    real_thr,
    node_pi,
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
    proj,
):
    """Independent Cascade runs (Kempe, Kleinberg, Tardos 2003), one per key.

    Parameters
    ----------
    out_ptr, out_idx : out-CSR (int64 offsets, int32 targets).
    live_thr, real_thr : per-edge IC's coins as integer thresholds, per edge and per
        source (:func:`~pipeline.diffusion.rng.edge_thresholds` of the edge
        probabilities and ``quality``; used when ``per_edge``): edge ``e = (u, v)`` is
        real iff its coin's 53 bits are below ``real_thr[u]`` and live iff below
        ``live_thr[e]``.
    node_pi : n x 2 float64 per source ``(p_u, 1 / log1p(-p_u))``, or 1 x 2 when every
        source has the same ``p`` (:func:`~pipeline.diffusion.cascade.node_rows`; used
        when not ``per_edge``): u's out-edges are live independently with ``p_u``,
        sampled with geometric gaps.
    quality : float64 per-node share ``q_u`` of u's followers that are real
        (length n), or an empty array for no discount. A fake out-edge of u
        (see :func:`~pipeline.diffusion.rng.is_real`) neither exposes its target nor transmits: the
        edge transmits iff real and its IC coin passes.
    seeds : int32 distinct seed nodes; ``keys`` : uint64 run keys.
    max_steps : horizon in steps (seeds are step 0), -1 for none.
    want_exposed, want_credits, want_counts : what to record.
    nchunks : number of parallel chunks of runs (1 <= nchunks <= runs).
    step_cap : columns of ``per_step`` (steps >= step_cap are not recorded).
    proj : float64 4 x n (impressions, engagements, reach probability and sample
        ratio per poster; :mod:`pipeline.profiles.audience`) or 4 x 0 for none.

    Returns
    -------
    activated (int64, runs), exposed (int64, runs; 0 if not wanted),
    steps (int32, runs), per_step (int32, runs x step_cap: new activations
    per step, column 0 = seeds), credits (int32, runs x k, or 0 x k), counts
    (int64, nchunks x n, or nchunks x 0: activations per node per chunk),
    projected (float64, runs x 3 of impressions, engagements, people; runs x 0 without
    ``proj``).
    """
    n = out_ptr.shape[0] - 1
    runs = keys.shape[0]
    activated, exposed, steps, per_step, credits, no_credits, counts, state, seen, order, label = (
        _batch_arrays(n, runs, seeds.shape[0], nchunks, step_cap, want_exposed, want_credits,
                      want_counts)
    )  # fmt: skip
    want_proj = proj.shape[1] > 0
    projected = np.zeros((runs, 3 if want_proj else 0), dtype=np.float64)
    k = seeds.shape[0]
    q, unit = quantize(proj)  # the projection in whole units (exact in any order)
    pbase = _project_base(out_ptr, out_idx, seeds, q)  # the seeds post in every run
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
    # Each chunk takes its rows of the work arrays (the shape every batch kernel shares:
    # one row per chunk, reused across its runs with stamps).
    for c in prange(nchunks):
        r0, r1 = chunk_range(c, runs, nchunks)
        st = state[c]
        od = order[c]
        sn = seen[c]
        lab = label[c]
        cnt = counts[c]
        for v in marked:
            sn[v] = _ALWAYS
        prows = _proj_rows(q, pbase)
        tl = np.zeros(q.shape[1], dtype=np.int32)  # the followers a run's posters reach
        for r in range(r0, r1):
            cr = credits[r] if want_credits else no_credits
            activated[r], exposed[r], steps[r] = ic_cascade(
                out_ptr, out_idx, live_thr, real_thr, node_pi, per_edge, quality,
                seeds, keys[r], max_steps, np.int32(r + 1), st, od,
                sn, want_exposed, nbase, r_ptr, r_eid, use_res,
                lab, cr, want_credits, cnt, want_counts, per_step[r],
            )  # fmt: skip
            if want_proj:
                imp, eng, people = _project(
                    out_ptr, out_idx, od, k, activated[r], np.int64(r + 1), q, prows, pbase,
                    tl,
                )  # fmt: skip
                projected[r, 0] = imp * unit
                projected[r, 1] = eng * unit
                projected[r, 2] = people * unit
    return activated, exposed, steps, per_step, credits, counts, projected


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
    proj,
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
    activated, exposed, steps, per_step, credits, no_credits, counts, state, seen, order, label = (
        _batch_arrays(n, runs, seeds.shape[0], nchunks, step_cap, want_exposed, want_credits,
                      want_counts)
    )  # fmt: skip
    want_proj = proj.shape[1] > 0
    projected = np.zeros((runs, 3 if want_proj else 0), dtype=np.float64)
    k = seeds.shape[0]
    q, unit = quantize(proj)  # the projection in whole units (exact in any order)
    pbase = _project_base(out_ptr, out_idx, seeds, q)  # the seeds post in every run
    acc_stamp = np.zeros((nchunks, n), dtype=np.int32)
    acc_all = np.zeros((nchunks, n), dtype=np.float64)
    theta_all = np.zeros((nchunks, n), dtype=np.float64)
    # Each chunk takes its rows of the work arrays (the shape every batch kernel shares:
    # one row per chunk, reused across its runs with stamps).
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
        prows = _proj_rows(q, pbase)
        tl = np.zeros(q.shape[1], dtype=np.int32)  # the followers a run's posters reach
        for r in range(r0, r1):
            cr = credits[r] if want_credits else no_credits
            activated[r], exposed[r], steps[r] = lt_cascade(
                out_ptr, out_idx, weight, quality, seeds, keys[r], max_steps, np.int32(r + 1),
                st, od, ast, acc, th, sn, want_exposed, lab, cr, want_credits, cnt,
                want_counts, per_step[r],
            )  # fmt: skip
            if want_proj:
                imp, eng, people = _project(
                    out_ptr, out_idx, od, k, activated[r], np.int64(r + 1), q, prows, pbase,
                    tl,
                )  # fmt: skip
                projected[r, 0] = imp * unit
                projected[r, 1] = eng * unit
                projected[r, 2] = people * unit
    return activated, exposed, steps, per_step, credits, counts, projected
