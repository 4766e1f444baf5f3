"""Cascade kernels of this tree against another commit's, same run, same inputs.

Every case is timed in fresh processes, alternating the two trees (``--base``
and this checkout); each process keeps its best of three timings, and the
ratio ``this / base`` of the medians over ``--repeats`` processes is printed
beside the ratio of the best times (the steadier figure on a shared machine):
below 1 means this tree is faster. Each child also prints a
checksum of the per-run counts, and the parent checks that both trees agree,
so a refactor that changes a number is caught here too.

Graph: igraph ``Barabasi(n, m=10)`` reversed (hubs push to followers), 100k
nodes / ~1M edges by default; one numba thread; seeds the 50 accounts with
most followers. Cases: ``simulate`` under IC p = 0.01 (skip-sampled), WC (a coin
per out-edge), WC with an audience-quality discount, WC with attribution and
per-node counts, LT; ``audience_overlap`` of 10 hubs under WC and LT;
``compete`` of two brands under WC.

Run from the repository root, with the base tree unpacked somewhere::

    git archive <rev> | (mkdir -p /tmp/base && tar -x -C /tmp/base)
    .venv/bin/python benchmarks/kernel_ab.py --base /tmp/base
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent


def child(nodes: int, runs: int, only: str) -> None:
    """Time every case in this process (after a warm-up) and print one JSON line."""
    import igraph as ig
    import numpy as np
    import polars as pl

    from pipeline.diffusion import simulate
    from pipeline.diffusion.compete import compete
    from pipeline.graph_io import from_edges
    from pipeline.overlap import audience_overlap

    ig.set_random_number_generator(random.Random(1))
    b = ig.Graph.Barabasi(n=nodes, m=10, directed=True)
    e = np.asarray(b.get_edgelist(), dtype=np.int64)
    g = from_edges(e[:, 1], e[:, 0], pl.Series(np.arange(nodes, dtype=np.int64)))
    hubs = np.argsort(-g.follower_count, kind="stable")[:50].astype(np.int32)
    quality = np.random.default_rng(3).uniform(0.5, 1.0, g.n)

    def sim(model: str, **kw: Any) -> Any:
        def run(r: int) -> int:
            res = simulate(g, hubs, model, runs=r, seed=11, threads=1, **kw)
            total = int(res.activated.sum()) + int(res.exposed.sum())
            if res.node_counts is not None:
                total += int(res.node_counts.sum()) + int(res.credits.sum())
            return total

        return run

    def ovl(model: str) -> Any:
        def run(r: int) -> int:
            res = audience_overlap(g, hubs[:10], model, runs=r, seed=11, threads=1)
            return int(res.exposed.sum()) + int(res.activated.sum()) + int(res.union_exposed.sum())

        return run

    def comp(r: int) -> int:
        res = compete(g, {"a": hubs[::2], "b": hubs[1::2]}, "wc", runs=r, seed=11, threads=1)
        return int(res.adopters.sum()) + int(res.alone.sum())

    cases = {
        "simulate ic p=0.01": (sim("ic", p=0.01), runs),
        "simulate wc": (sim("wc"), runs),
        "simulate wc quality": (sim("wc", quality=quality), runs),
        "simulate wc credits+counts": (sim("wc", attribution=True, node_counts=True), runs),
        "simulate lt": (sim("lt"), runs),
        "overlap wc (10)": (ovl("wc"), runs // 5),
        "overlap lt (10)": (ovl("lt"), runs // 5),
        "compete wc (2 brands)": (comp, runs),
    }
    out = {}
    for name, (fn, r) in cases.items():
        if only and only not in name:
            continue
        fn(2)  # compile or load the cache
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            check = fn(r)
            best = min(best, time.perf_counter() - t0)
        out[name] = {"seconds": best, "check": check}
    print(json.dumps(out))


def run_child(tree: Path, nodes: int, runs: int, only: str = "") -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_NUM_THREADS="1")
    cmd = [sys.executable, str(HERE / "benchmarks" / "kernel_ab.py"), "--child",
           "--nodes", str(nodes), "--runs", str(runs), "--only", only]  # fmt: skip
    done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, help="the other tree (e.g. git archive of HEAD~1)")
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", default="", help="run only the cases whose name contains this")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.nodes, args.runs, args.only)
        return
    if args.base is None:
        ap.error("--base is required")
    trees = {"base": args.base.resolve(), "this": HERE}
    for tree in trees.values():  # compile both trees' kernels into their caches first
        run_child(tree, 2_000, 10)
    times: dict[str, dict[str, list[float]]] = {t: {} for t in trees}
    checks: dict[str, dict[str, int]] = {t: {} for t in trees}
    load0 = os.getloadavg()
    for rep in range(args.repeats):
        for name, tree in list(trees.items()) if rep % 2 == 0 else list(trees.items())[::-1]:
            for case, r in run_child(tree, args.nodes, args.runs, args.only).items():
                times[name].setdefault(case, []).append(r["seconds"])
                checks[name][case] = r["check"]
    load1 = os.getloadavg()
    print(f"BA n={args.nodes:,} m~{10 * args.nodes:,}; runs={args.runs} (overlap runs/5); "
          f"1 thread; median of {args.repeats} fresh processes, alternating; "
          f"load {load0[0]:.2f} -> {load1[0]:.2f}")  # fmt: skip
    print(f"{'case':28} {'base ms':>9} {'this ms':>9} {'median':>7} {'best':>7}  same numbers")
    same_all = True
    for case in times["base"]:
        b = statistics.median(times["base"][case])
        t = statistics.median(times["this"][case])
        best = min(times["this"][case]) / min(times["base"][case])
        same = checks["base"][case] == checks["this"][case]
        same_all &= same
        print(f"{case:28} {b * 1e3:9.1f} {t * 1e3:9.1f} {t / b:7.3f} {best:7.3f}  "
              f"{'yes' if same else 'NO'}")  # fmt: skip
    if not same_all:
        sys.exit("the two trees give different numbers")


if __name__ == "__main__":
    main()
