"""The kernels' per-run projection against a plain reference, on cascades known exactly.

With every edge live (IC p = 1, per-edge or skip-sampled) a run's posters are the nodes
within ``max_steps`` hops of the seeds, so each run's (impressions, engagements,
people) can be computed by hand from the formula of ``docs/projection.md``: per
follower ``v`` of the posters, ``min(wmax_v (1 - prod(1 - r_u)), sum w_u r_u)`` over
the posters ``u`` it follows with ``r_u > 0`` (one term per edge).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.diffusion import DiffusionSpec, run_cascades
from pipeline.graph_io import FollowerGraph, from_edges


def _reference(g: FollowerGraph, seeds: np.ndarray, horizon: int | None, proj: np.ndarray):
    dist = np.full(g.n, -1)
    dist[seeds] = 0
    frontier = list(dict.fromkeys(int(s) for s in seeds))
    d = 0
    while frontier and (horizon is None or d < horizon):
        nxt = []
        for u in frontier:
            for v in g.out_idx[g.out_ptr[u] : g.out_ptr[u + 1]]:
                if dist[v] < 0:
                    dist[v] = d + 1
                    nxt.append(int(v))
        frontier, d = nxt, d + 1
    posters = np.flatnonzero(dist >= 0)
    imp, eng, reach, ratio = proj
    miss = np.ones(g.n)
    wsum = np.zeros(g.n)
    wmax = np.zeros(g.n)
    hit = np.zeros(g.n, dtype=bool)
    for u in posters:
        if reach[u] <= 0:
            continue
        for v in g.out_idx[g.out_ptr[u] : g.out_ptr[u + 1]]:
            hit[v] = True
            miss[v] *= 1 - reach[u]
            wsum[v] += ratio[u] * reach[u]
            wmax[v] = max(wmax[v], ratio[u])
    people = np.minimum(wmax * (1 - miss), wsum)[hit].sum()
    return posters.size, (imp[posters].sum(), eng[posters].sum(), people)


@st.composite
def _cases(draw):
    n = draw(st.integers(2, 12))
    m = draw(st.integers(1, 40))
    src = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    dst = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    keep = src != dst
    if not keep.any():
        src, dst, keep = np.array([0]), np.array([1]), np.array([True])
    g = from_edges(src[keep], dst[keep], pl.Series([f"a{i}" for i in range(n)]))
    k = draw(st.integers(1, n))
    seeds = np.array(draw(st.permutations(range(n)))[:k], dtype=np.int32)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    reach = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0.01, 1.0, n))
    proj = np.vstack([rng.uniform(0, 1e4, n), rng.uniform(0, 300, n), reach,
                      rng.uniform(0.5, 50, n)])  # fmt: skip
    horizon = draw(st.one_of(st.none(), st.integers(0, 3)))
    return g, seeds, np.ascontiguousarray(proj), horizon


@settings(max_examples=60, deadline=None)
@given(_cases(), st.booleans(), st.booleans())
def test_each_run_projects_exactly_the_reference(case, per_edge, exposed) -> None:
    g, seeds, proj, horizon = case
    if per_edge:
        spec = DiffusionSpec("ic", edge_prob=np.ones(g.m, dtype=np.float32))
    else:
        spec = DiffusionSpec("ic", node_prob=np.ones(g.n))
    res = run_cascades(g, seeds, spec, runs=3, seed=4, max_steps=horizon, exposed=exposed,
                       projection=proj, threads=1)  # fmt: skip
    count, want = _reference(g, seeds, horizon, proj)
    assert res.projected is not None
    assert np.all(res.activated == count)
    for r in range(3):
        assert np.allclose(res.projected[r], want, rtol=1e-9, atol=1e-9)
