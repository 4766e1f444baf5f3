"""A campaign's cells spread over a multi-node Ray cluster, against the local executor.

Starts a Ray cluster of ``--nodes`` nodes on this machine (``ray.cluster_utils.Cluster``:
a head and worker nodes, each a separate raylet with its own object store, capped at
``--store-mb``, and ``--cpus`` CPUs each), runs the campaign there (``executor="ray"``,
the cluster's address), then runs it with the local executor (``--workers`` = the
cluster's CPUs), and checks that every results table is identical. Prints wall seconds,
cells per node (from the tasks' node ids) and the load average.

Run from the repository root (needs ``pip install -e '.[ray]'``)::

    .venv/bin/python benchmarks/ray_cluster_bench.py [configs/demo.toml] [--nodes 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl

from pipeline.campaign import run_campaign

TABLES = ("runs", "seeds", "audience", "curves", "overlap")


def frames(folder: Path) -> dict[str, pl.DataFrame]:
    out = {}
    for t in TABLES:
        files = sorted((folder / t).rglob("*.parquet"))
        if files:
            df = pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
            out[t] = df.sort(df.columns[: min(len(df.columns), 10)])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default="configs/demo.toml")
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--cpus", type=int, default=1, help="CPUs per node")
    ap.add_argument("--store-mb", type=int, default=200, help="object store per node")
    args = ap.parse_args()
    import ray
    from ray.cluster_utils import Cluster

    work = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    load0 = os.getloadavg()
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": args.cpus, "object_store_memory": args.store_mb << 20},
    )
    for _ in range(args.nodes - 1):
        cluster.add_node(num_cpus=args.cpus, object_store_memory=args.store_mb << 20)
    cluster.wait_for_nodes()
    try:
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
        nodes = [n for n in ray.nodes() if n["Alive"]]
        t0 = time.perf_counter()
        on_ray = run_campaign(args.config, executor="ray", address=cluster.address,
                              output=work / "ray")  # fmt: skip
        t_ray = time.perf_counter() - t0
    finally:
        ray.shutdown()
        cluster.shutdown()
    cpus = args.nodes * args.cpus
    t0 = time.perf_counter()
    local = run_campaign(args.config, workers=cpus, output=work / "local")
    t_local = time.perf_counter() - t0
    a, b = frames(on_ray.output), frames(local.output)
    same = a.keys() == b.keys() and all(a[t].equals(b[t]) for t in a)
    load1 = os.getloadavg()
    print(f"config {args.config}: {on_ray.cells_run} cells, {on_ray.runs:,} runs in all")
    print(f"ray cluster: {len(nodes)} nodes x {args.cpus} CPU, object store "
          f"{args.store_mb} MB each: {t_ray:.1f} s")  # fmt: skip
    print(f"local executor, {cpus} workers: {t_local:.1f} s")
    print(f"tables identical: {'yes' if same else 'NO'} ({', '.join(sorted(a))})")
    print(f"load before {load0[0]:.2f} {load0[1]:.2f}; after {load1[0]:.2f} {load1[1]:.2f}")
    shutil.rmtree(work, ignore_errors=True)
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
