"""IMM and OPIM-C against the reference C++ IMM of Tang, Shi and Xiao (SIGMOD 2015).

The reference is built from its public source (``make`` in its folder gives
``imm_discrete``; single-threaded) and given by path with ``--imm``. Graphs, in the
reference's format (a folder with ``attribute.txt`` and ``graph_ic.inf``, one
``u v p`` influence edge per line):

* ``--dataset DIR``: e.g. the NetHEPT folder that ships with the reference
  (weighted-cascade probabilities ``1 / indeg``);
* ``--ba``: igraph ``Barabasi(100000, 10, directed=True)`` reversed (hubs push to
  followers, 999,945 edges, as in ``seeding_bench.py``), written to a temporary folder.

Models: the file's probabilities (``WC``) and a copy with every probability 0.01
(``IC p=0.01``). For k = 50 and epsilon 0.5 and 0.1, the reference runs
(``-model IC``; median of ``--repeats`` runs, its own reported time), then our
``imm`` and ``opim`` on the same edges, one thread, JIT warmed (median of
``--repeats``; the seed selection alone, as the reference's time is). Both seed
sets are simulated with the same ``--runs`` run keys (common random numbers) and
their mean activated counts compared.

Run from the repository root:
``.venv/bin/python benchmarks/imm_reference_bench.py --imm /path/to/IMM/imm_discrete
--dataset /path/to/IMM/nethept --ba``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.diffusion import simulate
from pipeline.graph_io import FollowerGraph, from_edges
from pipeline.seeding import make_problem, run_strategy

K = 50


def read_tang(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(sources, targets, probabilities, n) of a reference-format folder."""
    attr = dict(
        line.strip().split("=", 1)
        for line in (folder / "attribute.txt").read_text().splitlines()
        if "=" in line
    )
    df = pl.read_csv(folder / "graph_ic.inf", separator=" ", has_header=False,
                     new_columns=["u", "v", "p"], schema_overrides={"p": pl.Float64})  # fmt: skip
    return df["u"].to_numpy(), df["v"].to_numpy(), df["p"].to_numpy(), int(attr["n"])


def write_tang(folder: Path, u: np.ndarray, v: np.ndarray, p: np.ndarray, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "attribute.txt").write_text(f"n={n}\nm={len(u)}\n")
    pl.DataFrame({"u": u, "v": v, "p": p}).write_csv(
        folder / "graph_ic.inf", separator=" ", include_header=False
    )


def ba_folder(tmp: Path) -> Path:
    import igraph as ig

    random.seed(20261123)
    ig.set_random_number_generator(random)
    ba = ig.Graph.Barabasi(n=100_000, m=10, directed=True)
    e = np.asarray(ba.get_edgelist(), dtype=np.int64)
    u, v = e[:, 1], e[:, 0]  # reversed: hubs push to their followers
    indeg = np.bincount(v, minlength=ba.vcount())
    folder = tmp / "ba1m"
    write_tang(folder, u, v, 1.0 / indeg[v], ba.vcount())
    return folder


def graph_of(u: np.ndarray, v: np.ndarray, p: np.ndarray, n: int) -> FollowerGraph:
    ids = pl.Series("id", np.arange(n, dtype=np.int64))
    return from_edges(u, v, ids, probability=p)


def run_reference(imm: Path, folder: Path, eps: float) -> tuple[float, list[int]]:
    out = subprocess.run(
        [str(imm), "-dataset", f"{folder}/", "-k", str(K), "-model", "IC", "-epsilon", str(eps)],
        capture_output=True, text=True, check=True, cwd=imm.parent,
    ).stdout  # fmt: skip
    secs = re.search(r"Spend\s+([0-9.e+-]+) seconds on InfluenceMaximize", out)
    seeds = re.search(r"g\.seedSet=([0-9 ]+)", out)
    assert secs and seeds, out[-2000:]
    return float(secs.group(1)), [int(x) for x in seeds.group(1).split()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--imm", type=Path, required=True, help="the reference imm_discrete binary")
    ap.add_argument("--dataset", type=Path, action="append", default=[],
                    help="a reference-format graph folder (repeatable)")  # fmt: skip
    ap.add_argument("--ba", action="store_true", help="also the 1M-edge BA graph")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--runs", type=int, default=2000, help="simulations per seed set")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        folders = [(d.name, d.resolve()) for d in args.dataset]
        if args.ba:
            folders.append(("BA 100k/1M", ba_folder(tmp)))
        print(f"{os.cpu_count()} CPUs, 1 thread each side; load "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; k = {K}")  # fmt: skip
        print(f"{'graph':12} {'model':9} {'eps':>4} {'ref s':>7} {'imm s':>7} {'opim s':>7} "
              f"{'imm/ref':>8} {'opim/ref':>9} {'ref spread':>11} {'imm %':>6} {'opim %':>7} "
              f"{'certified':>9}")  # fmt: skip
        for name, folder in folders:
            u, v, p, n = read_tang(folder)
            for model in ("WC", "IC p=0.01"):
                probs = p if model == "WC" else np.full(len(p), 0.01)
                target = folder
                if model != "WC":
                    target = tmp / f"{name.replace(' ', '_').replace('/', '_')}_ic"
                    write_tang(target, u, v, probs, n)
                g = graph_of(u, v, probs, n)
                warm = make_problem(g, k=2, model="ic", seed=0, threads=1)
                problem = make_problem(g, k=K, model="ic", seed=1, threads=1)
                for s in ("imm", "opim"):
                    run_strategy(warm, s, epsilon=0.9)  # JIT warm
                for eps in (0.5, 0.1):
                    ref = [run_reference(args.imm, target, eps) for _ in range(args.repeats)]
                    ours: dict[str, list[float]] = {"imm": [], "opim": []}
                    chosen = {}
                    for _ in range(args.repeats):
                        for s in ("imm", "opim"):
                            t0 = time.perf_counter()
                            chosen[s] = run_strategy(problem, s, epsilon=eps)
                            ours[s].append(time.perf_counter() - t0)
                    spread = {}
                    for s, nodes in (("ref", ref[0][1]), ("imm", chosen["imm"][0]),
                                     ("opim", chosen["opim"][0])):  # fmt: skip
                        sim = simulate(g, np.asarray(nodes), "ic", runs=args.runs, seed=42)
                        spread[s] = float(sim.activated.mean())
                    r = statistics.median(x[0] for x in ref)
                    mi, mo = statistics.median(ours["imm"]), statistics.median(ours["opim"])
                    print(
                        f"{name:12} {model:9} {eps:4} {r:7.3f} {mi:7.3f} {mo:7.3f} "
                        f"{mi / r:8.2f} {mo / r:9.2f} {spread['ref']:11,.1f} "
                        f"{100 * spread['imm'] / spread['ref']:6.1f} "
                        f"{100 * spread['opim'] / spread['ref']:7.1f} "
                        f"{chosen['opim'][1]['certified_ratio']:9.3f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
