"""Edge-file loading against igraph's own C reader (issue 2).

Graph: igraph ``Barabasi(100_000, m=10, directed=True)`` (seeded), about
1,000,000 edges, each row ``new,old`` read as "new follows old". Written once
to a temporary folder as

* ``follows.csv``: header ``follower,followed``, integer IDs;
* ``follows_str.csv``: the same edges with string IDs (``u123``);
* ``follows.txt``: headerless, space-separated (what ``Graph.Read_Edgelist`` reads).

Timed, each ``--repeats`` times in one run (best and median seconds):

* polars ``read_csv`` alone (the floor for any CSV loader built on it);
* ``load_graph`` on the CSV (integer IDs) and on the string-ID CSV;
* ``load_graph`` on the SNAP text file;
* ``load_graph`` + first access of ``.graph`` (the igraph build);
* igraph ``Graph.Read_Edgelist`` on the text file (the reference);
* networkx ``read_edgelist`` once (slow; ``--no-networkx`` skips it).

``ratio`` is our median over igraph's median. The issue's target: the
1M-edge CSV loads in under 1 s on a 2-core machine, within 2x of
``Read_Edgelist``, while doing more (string IDs, validation, duplicate merge,
both CSR directions).

Run: ``/work/venv/bin/python benchmarks/load_bench.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np
import polars as pl

from pipeline.graph_io import load_graph


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Best and median wall seconds of ``repeats`` calls, and the last result."""
    times: list[float] = []
    out: Any = None
    for _ in range(repeats):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def make_files(folder: Path, n: int, m_per_node: int, seed: int) -> tuple[Path, Path, Path, int]:
    ig.set_random_number_generator(__import__("random").Random(seed))
    g = ig.Graph.Barabasi(n, m_per_node, directed=True)
    edges = np.asarray(g.get_edgelist(), dtype=np.int64)
    rng = np.random.default_rng(seed)
    edges = edges[rng.permutation(len(edges))]  # files are not sorted in practice
    df = pl.DataFrame({"follower": edges[:, 0], "followed": edges[:, 1]})
    csv, csv_str, txt = folder / "follows.csv", folder / "follows_str.csv", folder / "follows.txt"
    df.write_csv(csv)
    df.select(
        pl.format("u{}", "follower").alias("follower"),
        pl.format("u{}", "followed").alias("followed"),
    ).write_csv(csv_str)
    df.write_csv(txt, separator=" ", include_header=False)
    return csv, csv_str, txt, len(edges)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--m", type=int, default=10, help="edges per new node (Barabasi)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-networkx", action="store_true", help="skip the slow networkx reader")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="load_bench_") as tmp:
        csv, csv_str, txt, m = make_files(Path(tmp), args.nodes, args.m, args.seed)
        print(
            f"graph: Barabasi n={args.nodes:,} m={args.m} directed, {m:,} edges; "
            f"CSV {csv.stat().st_size / 1e6:.1f} MB, string-ID CSV "
            f"{csv_str.stat().st_size / 1e6:.1f} MB; repeats={args.repeats}; "
            f"{os.cpu_count()} CPUs; Python {platform.python_version()}, "
            f"polars {pl.__version__}, igraph {ig.__version__}, numpy {np.__version__}"
        )

        def with_graph() -> Any:
            g = load_graph(csv)
            return g.graph

        rows: list[tuple[str, float, float, Any]] = []
        ref_best, ref_med, ref = timed(lambda: ig.Graph.Read_Edgelist(str(txt)), args.repeats)
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("polars read_csv only (CSV)", lambda: pl.read_csv(csv)),
            ("load_graph CSV, int IDs", lambda: load_graph(csv)),
            ("load_graph CSV, string IDs", lambda: load_graph(csv_str)),
            ("load_graph SNAP text", lambda: load_graph(txt)),
            ("load_graph CSV + .graph (igraph)", with_graph),
        ]
        for name, fn in cases:
            best, med, out = timed(fn, args.repeats)
            rows.append((name, best, med, out))
        rows.append(("igraph Graph.Read_Edgelist (text)", ref_best, ref_med, ref))
        if not args.no_networkx:
            import networkx as nx

            best, med, out = timed(
                lambda: nx.read_edgelist(txt, create_using=nx.DiGraph, nodetype=int), 1
            )
            rows.append(("networkx read_edgelist (1 run)", best, med, out))

        # Sanity: the same graph everywhere (no duplicates or loops in Barabasi).
        ours = load_graph(csv)
        assert ours.m == ref.ecount() == m and ours.n == args.nodes, (ours.report, ref.ecount())
        assert load_graph(csv_str).m == m and load_graph(txt).m == m

        print()
        print(f"{'case':36s} {'best s':>8s} {'median s':>9s} {'ratio':>7s}")
        for name, best, med, _ in rows:
            print(f"{name:36s} {best:8.3f} {med:9.3f} {med / ref_med:7.2f}")
        print()
        print(f"ratio = median / median of igraph Read_Edgelist ({ref_med:.3f} s)")
        print(f"report: {ours.report}")
        load_med = rows[1][2]
        verdict = "meets" if load_med < 1.0 and load_med <= 2 * ref_med else "MISSES"
        print(
            f"target (CSV < 1 s and <= 2x Read_Edgelist): {verdict} "
            f"({load_med:.3f} s, {load_med / ref_med:.2f}x)"
        )


if __name__ == "__main__":
    main()
