"""What counting the exposed audience costs: cascades with exposure on vs off.

Graph: igraph ``Barabasi(n, m=10, directed=True)`` with edges reversed (hubs push
to their followers), as in ``diffusion_bench.py``: 100k nodes / ~1M edges by
default. Seeds: the 50 accounts with most followers ("hubs") and 50 random
accounts. Models: IC p = 0.01 (skip-sampled: only live edges are drawn) and
weighted cascade (a coin per out-edge). For each case, ``runs`` cascades with
``exposed=True`` and ``exposed=False`` are timed alternately (median of
``--repeats``, one thread) and the ratio on/off printed; the issue's target is
at most 1.3. Also prints the mean exposed and activated counts.

Run from the repository root: ``.venv/bin/python benchmarks/exposure_bench.py``
(``--nodes 1000000`` for the 1M-node graph; about a minute at 100k). Give
``PYTHONPATH=<another checkout>`` to measure another commit with the same script.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import igraph as ig
import numpy as np
import polars as pl

from pipeline.diffusion import build_model, run_cascades
from pipeline.graph_io import FollowerGraph, from_edges


def ba_graph(n: int, seed: int = 1) -> FollowerGraph:
    """Directed BA graph, reversed so that hubs push to followers."""
    ig.set_random_number_generator(random.Random(seed))
    g = ig.Graph.Barabasi(n=n, m=10, directed=True)
    e = np.asarray(g.get_edgelist(), dtype=np.int64)
    return from_edges(e[:, 1], e[:, 0], pl.Series(np.arange(n, dtype=np.int64)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    g = ba_graph(args.nodes)
    hubs = np.argsort(-g.follower_count, kind="stable")[:50].astype(np.int32)
    rand = np.random.default_rng(5).choice(g.n, 50, replace=False).astype(np.int32)
    print(f"graph: BA n={g.n:,} m={g.m:,}; runs={args.runs}; 1 thread; "
          f"load {' '.join(os.getloadavg().__repr__()[1:-1].split(', '))}")  # fmt: skip
    print(f"{'seeds':7} {'model':10} {'on ms':>8} {'off ms':>8} {'on/off':>7} "
          f"{'exposed':>10} {'activated':>10}")  # fmt: skip
    for seeds_name, seeds in (("hubs", hubs), ("random", rand)):
        for model, p in (("IC p=0.01", 0.01), ("WC", None)):
            spec = build_model(g, "ic" if p else "wc", p=p)
            for ex in (True, False):  # warm the JIT
                run_cascades(g, seeds, spec, runs=4, seed=9, exposed=ex, threads=1)
            times: dict[bool, list[float]] = {True: [], False: []}
            res = {}
            for rep in range(args.repeats):
                for ex in (True, False):
                    t0 = time.perf_counter()
                    res[ex] = run_cascades(
                        g, seeds, spec, runs=args.runs, seed=rep, exposed=ex, threads=1
                    )
                    times[ex].append(time.perf_counter() - t0)
            on, off = statistics.median(times[True]), statistics.median(times[False])
            print(
                f"{seeds_name:7} {model:10} {on * 1e3:8.1f} {off * 1e3:8.1f} {on / off:7.2f} "
                f"{res[True].exposed.mean():10,.0f} {res[True].activated.mean():10,.1f}"
            )


if __name__ == "__main__":
    main()
