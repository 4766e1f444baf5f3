"""IMM and OPIM-C on the 1M-edge benchmark graph: time, RR sets, peak memory, the
certified ratio and seed quality.

Graph: igraph ``Barabasi(n=100000, m=10, directed=True)`` with edges reversed so
hubs push to their followers (999,945 edges), as in ../shared/PEERS.md. For WC and
IC p = 0.01, IMM and OPIM-C with k = 50 at epsilon 0.5 and 0.1 (OPIM-C also 0.05)
run in fresh subprocesses, one thread (peak RSS is per configuration; "RR sets" counts
both of IMM's phases and both of OPIM-C's collections); the seeds' spread is then
simulated (2,000 runs, common random numbers) next to degree-discount's and the
top-50 out-degree set.

Run: ``python benchmarks/seeding_bench.py`` (about 3 minutes on 2 cores).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np

K = 50


def build_graph():  # type: ignore[no-untyped-def]
    import random

    import igraph as ig
    import polars as pl

    from pipeline.graph_io import from_edges

    # igraph draws from Python's `random`: seed it, so the parent and the IMM child
    # processes build the same graph
    random.seed(20261123)
    ig.set_random_number_generator(random)
    ba = ig.Graph.Barabasi(n=100_000, m=10, directed=True)
    e = np.asarray(ba.get_edgelist(), dtype=np.int64)
    # Barabasi edges point new -> old; reversed, hubs reach their followers
    return from_edges(e[:, 1], e[:, 0], pl.Series("id", np.arange(ba.vcount())))


def child(strategy: str, model: str, epsilon: float) -> None:
    """One IMM or OPIM-C run; prints a JSON line with time, RR sets, peak RSS and seeds."""
    from pipeline.seeding import make_problem, run_strategy

    g = build_graph()
    p = 0.01 if model == "ic" else None
    problem = make_problem(g, k=K, model=model, p=p, seed=1, threads=1)
    warm = make_problem(g, k=2, model=model, p=p, seed=0, threads=1)
    run_strategy(warm, strategy, epsilon=0.9)  # JIT warm
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    seeds, info = run_strategy(problem, strategy, epsilon=epsilon)
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sets = info["rr_sets_drawn"] if strategy == "imm" else 2 * info["rr_sets"]
    print(
        json.dumps(
            {
                "seconds": dt,
                "rr_sets": sets,
                "certified": info.get("certified_ratio"),
                "peak_rss_mb": peak / 1024,
                "rss_before_mb": base / 1024,
                "seeds": seeds.tolist(),
            }
        )
    )


def main() -> None:
    from pipeline.diffusion import simulate
    from pipeline.seeding import make_problem, run_strategy

    g = build_graph()
    print(f"graph: {g.n:,} nodes, {g.m:,} edges; k = {K}")
    print(
        f"{'model':<10}{'strategy':<18}{'seconds':>9}{'RR sets':>12}{'peak MB':>9}"
        f"{'spread':>10}{'+/-':>7}{'certified':>10}"
    )
    for model in ("wc", "ic"):
        p = 0.01 if model == "ic" else None
        label = "IC 0.01" if model == "ic" else "WC"

        def spread(
            nodes: np.ndarray, model: str = model, p: float | None = p
        ) -> tuple[float, float]:
            s = simulate(g, nodes, model, p=p, runs=2000, seed=42).summary()
            return s["mean_activated"], s["stderr_activated"]

        runs = [("imm", 0.5), ("imm", 0.1), ("opim", 0.5), ("opim", 0.1), ("opim", 0.05)]
        for strategy, eps in runs:
            out = (
                subprocess.run(
                    [sys.executable, __file__, "--child", strategy, model, str(eps)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            r = json.loads(out)
            mean, se = spread(np.asarray(r["seeds"], dtype=np.int32))
            cert = "" if r["certified"] is None else f"{r['certified']:.3f}"
            print(
                f"{label:<10}{strategy + ' eps=' + str(eps):<18}{r['seconds']:>9.2f}"
                f"{r['rr_sets']:>12,}{r['peak_rss_mb']:>9.0f}{mean:>10.1f}{se:>7.1f}{cert:>10}"
            )
        t = time.perf_counter()
        dd, _ = run_strategy(make_problem(g, k=K, model=model, p=p, seed=1), "degree-discount")
        dt = time.perf_counter() - t
        mean, se = spread(dd)
        print(f"{label:<10}{'degree-discount':<18}{dt:>9.2f}{'':>12}{'':>9}{mean:>10.1f}{se:>7.1f}")
        top = np.argsort(-g.follower_count, kind="stable")[:K].astype(np.int32)
        mean, se = spread(top)
        print(f"{label:<10}{'top out-degree':<18}{'':>9}{'':>12}{'':>9}{mean:>10.1f}{se:>7.1f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        main()
