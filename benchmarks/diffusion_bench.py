"""Diffusion engine against cynetdiff and NDlib on the same graphs and seed sets.

Graphs: igraph ``Barabasi(n, m=10, directed=True)`` with edges reversed (hubs
push to their followers): 100k nodes / ~1M edges and 10k / ~100k. Seeds: the
top-50 nodes by out-degree. Models: IC p = 0.01 and 0.1, weighted cascade,
LT with weights 0.5 / in-degree (NDlib's ThresholdModel with thresholds
redrawn before each run and divided by 0.5 is exactly that LT).

Prints median milliseconds per simulation (ours: one call of ``runs``
simulations divided by ``runs``, median of repeats; peers: per simulation),
edges scanned per second (out-edges of activated nodes, the same numerator for
every engine), mean activated +- standard error, and the ratios.
``ours`` counts exposure too (the default); ``ours-noexp`` skips it, which is
the like-for-like comparison (the peers count only activations).

Run: ``/work/venv/bin/python benchmarks/diffusion_bench.py`` (about 3-4 minutes
on 2 cores; needs ``pip install cynetdiff ndlib six``).
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import igraph as ig
import numba
import numpy as np
import polars as pl

from pipeline.diffusion import DiffusionSpec, build_model, run_cascades, wc_probabilities
from pipeline.graph_io import FollowerGraph, from_edges

K = 50


@dataclass
class Row:
    graph: str
    model: str
    engine: str
    ms: float
    mean: float
    se: float
    edges_per_sim: float

    @property
    def rate(self) -> float:
        return self.edges_per_sim / (self.ms / 1000.0) if self.ms > 0 else math.nan


def ba_graph(n: int, seed: int = 1) -> FollowerGraph:
    """Directed BA graph, reversed so that hubs push to followers."""
    ig.set_random_number_generator(random.Random(seed))
    g = ig.Graph.Barabasi(n=n, m=10, directed=True)
    e = np.asarray(g.get_edgelist(), dtype=np.int64)
    return from_edges(e[:, 1], e[:, 0], pl.Series(np.arange(n, dtype=np.int64)))


def top_seeds(g: FollowerGraph) -> np.ndarray:
    return np.argsort(-g.follower_count, kind="stable")[:K].astype(np.int32)


def mean_se(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, dtype=np.float64)
    se = float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else math.nan
    return float(x.mean()), se


def specs(g: FollowerGraph) -> dict[str, DiffusionSpec]:
    lt_w = (0.5 / np.diff(g.in_ptr)[g.out_idx]).astype(np.float32)
    return {
        "IC p=0.01": build_model(g, "ic", p=0.01),
        "IC p=0.1": build_model(g, "ic", p=0.1),
        "WC": build_model(g, "wc"),
        "LT 0.5/indeg": DiffusionSpec("lt", weight=lt_w),
    }


def time_ours(
    gname: str, g: FollowerGraph, seeds: np.ndarray, spec: DiffusionSpec, name: str, runs: int
) -> list[Row]:
    outdeg = g.follower_count
    rows = []
    run_cascades(g, seeds, spec, runs=4, seed=99, node_counts=True)  # warm the JIT
    for exposed, label in ((True, "ours"), (False, "ours-noexp")):
        for threads in (1, 2):
            times = []
            for rep in range(5):
                t0 = time.perf_counter()
                res = run_cascades(
                    g, seeds, spec, runs=runs, seed=rep, exposed=exposed, threads=threads,
                    node_counts=True,
                )  # fmt: skip
                times.append(time.perf_counter() - t0)
            assert res.node_counts is not None
            scanned = float(res.node_counts @ outdeg) / runs
            m, se = mean_se(res.activated)
            ms = statistics.median(times) / runs * 1000
            rows.append(Row(gname, name, f"{label} {threads}t", ms, m, se, scanned))
    return rows


def time_per_sim(sim: Callable[[], int], sims: int) -> tuple[float, list[int]]:
    sim()  # warm
    times, counts = [], []
    for _ in range(sims):
        t0 = time.perf_counter()
        counts.append(sim())
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, counts


def _any(x: object) -> Any:
    return x


def time_cynetdiff(
    gname: str, g: FollowerGraph, seeds: np.ndarray, name: str, sims: int, edges_per_sim: float
) -> Row:
    from cynetdiff.models import IndependentCascadeModel, LinearThresholdModel

    # cynetdiff's stubs ask for array.array; it takes any uint32/float32 buffer.
    starts: Any = g.out_ptr[:-1].astype(np.uint32)
    edges: Any = g.out_idx.astype(np.uint32)
    model: Any
    if name.startswith("IC p="):
        model = IndependentCascadeModel(starts, edges, activation_prob=float(name[5:]), rng=1)
    elif name == "WC":
        model = IndependentCascadeModel(
            starts, edges, activation_probs=_any(wc_probabilities(g)), rng=1
        )
    else:
        w = (0.5 / np.diff(g.in_ptr)[g.out_idx]).astype(np.float32)
        model = LinearThresholdModel(starts, edges, influence=_any(w), rng=1)
    model.set_seeds([int(s) for s in seeds])  # python ints: NumPy ints are rejected

    def sim() -> int:
        model.reset_model()
        model.advance_until_completion()
        return int(model.get_num_activated_nodes())

    ms, counts = time_per_sim(sim, sims)
    m, se = mean_se(np.array(counts))
    return Row(gname, name, "cynetdiff", ms, m, se, edges_per_sim)


def time_ndlib(
    gname: str, g: FollowerGraph, seeds: np.ndarray, name: str, sims: int, edges_per_sim: float
) -> Row:
    import ndlib.models.epidemics as ep
    import ndlib.models.ModelConfig as mc
    import networkx as nx

    nxg = nx.DiGraph()
    nxg.add_nodes_from(range(g.n))
    src = g.edge_sources
    nxg.add_edges_from(zip(src.tolist(), g.out_idx.tolist(), strict=True))
    cfg = mc.Configuration()
    cfg.add_model_initial_configuration("Infected", [int(s) for s in seeds])
    rng = np.random.default_rng(1)
    if name.startswith("IC"):
        model = ep.IndependentCascadesModel(nxg, seed=1)
        for u, v in nxg.edges():
            cfg.add_edge_configuration("threshold", (u, v), 0.01)
    else:
        model = ep.ThresholdModel(nxg, seed=1)
        for v in range(g.n):
            cfg.add_node_configuration("threshold", v, 1.0)
    model.set_initial_status(cfg)
    seed_list = [int(s) for s in seeds]
    thresholds = model.params["nodes"].get("threshold", {})

    def sim() -> int:
        if not name.startswith("IC"):
            # LT with weights 0.5/in-degree: fraction of active in-neighbours >= theta / 0.5.
            for v, th in enumerate(rng.random(g.n) / 0.5):
                thresholds[v] = float(th)
        model.reset(seed_list)
        model.iteration(node_status=False)
        while True:
            it = model.iteration(node_status=False)
            if name.startswith("IC"):
                if it["node_count"][1] == 0:
                    return int(it["node_count"][1] + it["node_count"][2])
            elif it["status_delta"][1] == 0:
                return int(it["node_count"][1])

    ms, counts = time_per_sim(sim, sims)
    m, se = mean_se(np.array(counts))
    return Row(gname, name, "NDlib", ms, m, se, edges_per_sim)


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"numba threads available: {numba.config.NUMBA_NUM_THREADS}")  # type: ignore[attr-defined]
    rows: list[Row] = []
    for gname, n in (("10k", 10_000), ("100k", 100_000)):
        t0 = time.perf_counter()
        g = ba_graph(n)
        seeds = top_seeds(g)
        print(f"graph {gname}: {g.n:,} nodes, {g.m:,} edges ({time.perf_counter() - t0:.1f} s)")
        for name, spec in specs(g).items():
            if gname == "10k" and name not in ("IC p=0.01", "LT 0.5/indeg"):
                continue
            runs = {"IC p=0.01": 400, "IC p=0.1": 100, "WC": 200, "LT 0.5/indeg": 100}[name]
            ours = time_ours(gname, g, seeds, spec, name, runs if gname == "100k" else 2000)
            rows += ours
            scanned = ours[0].edges_per_sim
            sims = {"IC p=0.01": 60, "IC p=0.1": 20, "WC": 40, "LT 0.5/indeg": 10}[name]
            rows.append(
                time_cynetdiff(gname, g, seeds, name, sims * (5 if n == 10_000 else 1), scanned)
            )
            if not quick and (gname == "10k" or name == "IC p=0.01"):
                nd_sims = 5 if gname == "10k" else 2
                rows.append(time_ndlib(gname, g, seeds, name, nd_sims, scanned))
            print_rows([r for r in rows if r.graph == gname and r.model == name])
    print("\nsummary (ratio = peer ms / ours ms, > 1 means ours is faster)")
    print_ratios(rows)


def print_rows(rows: list[Row]) -> None:
    for r in rows:
        print(
            f"  {r.graph:>4} {r.model:<13} {r.engine:<14} {r.ms:10.3f} ms/sim "
            f"{r.rate / 1e6:9.1f} M edges/s   mean activated {r.mean:10.1f} +- {r.se:.1f}"
        )


def print_ratios(rows: list[Row]) -> None:
    keys = sorted({(r.graph, r.model) for r in rows}, key=lambda k: (k[0] != "10k", k[1]))
    print(
        f"{'graph':>5} {'model':<13} {'ours 1t':>9} {'ours 2t':>9} {'noexp 1t':>9} "
        f"{'cynetdiff':>10} {'NDlib':>10} {'cyn/ours1':>9} {'cyn/noexp1':>10} "
        f"{'ND/ours1':>9} {'2t speedup':>10}"
    )
    for gname, model in keys:
        by = {r.engine: r.ms for r in rows if (r.graph, r.model) == (gname, model)}
        o1, o2, n1 = by["ours 1t"], by["ours 2t"], by["ours-noexp 1t"]
        cy, nd = by.get("cynetdiff", math.nan), by.get("NDlib", math.nan)
        print(
            f"{gname:>5} {model:<13} {o1:9.3f} {o2:9.3f} {n1:9.3f} {cy:10.3f} {nd:10.1f} "
            f"{cy / o1:9.2f} {cy / n1:10.2f} {nd / o1:9.0f} {o1 / o2:10.2f}"
        )


if __name__ == "__main__":
    main()
