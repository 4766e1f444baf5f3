"""A 10M-edge graph on one machine: load time against igraph's reader, and the peak
memory of load + 1,000 IC simulations + OPIM-C.

Graph: igraph ``Barabasi(--nodes, 10, directed=True)`` (seeded; 1M nodes and about
10M edges by default), written once to ``benchmarks/_data/`` as a CSV
(``follower,followed``: row ``new,old``, the new account follows the old one) and
as headerless text for igraph's ``Graph.Read_Edgelist``.

Each measured step runs in a child process under ``/usr/bin/time -v`` (its peak
resident memory is the figure reported), the two loaders alternately,
``--repeats`` times:

* ``ours-load``: ``load_graph(csv)`` (validation, duplicate merge, both CSRs);
* ``igraph-load``: ``igraph.Graph.Read_Edgelist(text, directed=True)``;
* ``ours-imm``: load, then IMM with k = 50 (WC, epsilon 0.5) called twice in the
  same process: the first and the second call's seconds (what a second call reuses);
* ``ours-full``: load, 1,000 IC cascades at p = 0.01 from the 50 accounts with most
  followers (exposure counted, one thread per core), then OPIM-C with k = 50,
  epsilon = 0.5 (IC p = 0.01); prints each phase's seconds.

Targets (issue 13): load under 10 s and within 2x of ``Read_Edgelist``; peak memory
of the full job under 6 GB. Run from the repository root:
``.venv/bin/python benchmarks/scale_bench.py`` (about 5 minutes on 2 cores, most of it
writing the files the first time).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "_data"

CHILD = {
    "ours-load": """
import sys, time
from pipeline.graph_io import load_graph
t = time.perf_counter()
g = load_graph(sys.argv[1])
print(f"RESULT load {time.perf_counter() - t:.3f} n={g.n} m={g.m}")
""",
    "igraph-load": """
import sys, time, igraph as ig
t = time.perf_counter()
g = ig.Graph.Read_Edgelist(sys.argv[2], directed=True)
print(f"RESULT load {time.perf_counter() - t:.3f} n={g.vcount()} m={g.ecount()}")
""",
    "ours-full": """
import sys, time
import numpy as np
from pipeline.diffusion import simulate
from pipeline.graph_io import load_graph
from pipeline.seeding import select_seeds
t = time.perf_counter()
g = load_graph(sys.argv[1])
t_load = time.perf_counter() - t
seeds = np.argsort(-g.follower_count, kind="stable")[:50]
t = time.perf_counter()
sim = simulate(g, seeds, "ic", p=0.01, runs=1000, seed=1)
t_sim = time.perf_counter() - t
t = time.perf_counter()
chosen = select_seeds(g, "opim", k=50, model="ic", p=0.01, epsilon=0.5, seed=2)
t_opim = time.perf_counter() - t
print(f"RESULT load {t_load:.3f} sim {t_sim:.3f} opim {t_opim:.3f} "
      f"mean_activated {sim.activated.mean():.1f} mean_exposed {sim.exposed.mean():.0f} "
      f"opim_rr_sets {chosen.info['rr_sets']} certified {chosen.info['certified_ratio']:.3f} "
      f"opim_reach {chosen.expected_reach:.0f}")
""",
    "ours-imm": """
import sys, time
from pipeline.graph_io import load_graph
from pipeline.seeding import select_seeds
g = load_graph(sys.argv[1])
times = []
for call in range(2):
    t = time.perf_counter()
    chosen = select_seeds(g, "imm", k=50, model="wc", epsilon=0.5, seed=3)
    times.append(time.perf_counter() - t)
print(f"RESULT imm_first {times[0]:.3f} imm_second {times[1]:.3f} "
      f"rr_sets {chosen.info['rr_sets']} reach {chosen.expected_reach:.0f}")
""",
}


def write_inputs(nodes: int, seed: int) -> tuple[Path, Path]:
    """The CSV and the text file of the BA graph (written once, then reused)."""
    csv = DATA / f"ba_{nodes}_s{seed}.csv"
    txt = DATA / f"ba_{nodes}_s{seed}.txt"
    if csv.is_file() and txt.is_file():
        return csv, txt
    import igraph as ig
    import numpy as np
    import polars as pl

    DATA.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ig.set_random_number_generator(random.Random(seed))
    g = ig.Graph.Barabasi(n=nodes, m=10, directed=True)
    e = np.asarray(g.get_edgelist(), dtype=np.int64)
    df = pl.DataFrame({"follower": e[:, 0], "followed": e[:, 1]})
    df.write_csv(csv.with_suffix(".tmp"))
    df.write_csv(txt.with_suffix(".tmp2"), include_header=False, separator=" ")
    csv.with_suffix(".tmp").replace(csv)
    txt.with_suffix(".tmp2").replace(txt)
    print(f"wrote {csv.name} and {txt.name} ({len(e):,} edges) in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip
    return csv, txt


def run_child(kind: str, csv: Path, txt: Path) -> tuple[str, float, float]:
    """(RESULT line, wall seconds, peak RSS in GB) of one child process."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-c", CHILD[kind], str(csv), str(txt)]
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{r.stderr[-3000:]}")
    line = next(x for x in r.stdout.splitlines() if x.startswith("RESULT"))
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    assert peak is not None
    return line, wall, int(peak.group(1)) / 1024**2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    csv, txt = write_inputs(args.nodes, args.seed)
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; CSV {csv.stat().st_size / 1e6:.0f} MB",
          flush=True)  # fmt: skip
    loads: dict[str, list[float]] = {"ours-load": [], "igraph-load": []}
    peaks: dict[str, float] = {}
    for rep in range(args.repeats):
        for kind in loads:
            line, _, peak = run_child(kind, csv, txt)
            secs = float(line.split()[2])
            loads[kind].append(secs)
            peaks[kind] = max(peaks.get(kind, 0.0), peak)
            print(f"  {rep + 1}. {kind}: {secs:.2f} s, peak {peak:.2f} GB ({line})", flush=True)
    line, wall, peak = run_child("ours-full", csv, txt)
    imm_line, imm_wall, imm_peak = run_child("ours-imm", csv, txt)
    ours, ref = statistics.median(loads["ours-load"]), statistics.median(loads["igraph-load"])
    print()
    print(f"{'step':32} {'median s':>9} {'peak GB':>8}")
    print(f"{'load_graph (CSV)':32} {ours:9.2f} {peaks['ours-load']:8.2f}")
    print(f"{'igraph Read_Edgelist (text)':32} {ref:9.2f} {peaks['igraph-load']:8.2f}")
    print(f"{'load + 1,000 IC + OPIM-C k=50':32} {wall:9.2f} {peak:8.2f}")
    print(f"full job: {line}")
    print(f"{'load + IMM k=50 WC eps 0.5, twice':32} {imm_wall:9.2f} {imm_peak:8.2f}")
    print(f"IMM in one process: {imm_line}")
    ok_load = ours < 10 and ours <= 2 * ref
    print(f"load target (< 10 s, <= 2x Read_Edgelist): {'meets' if ok_load else 'MISSES'} "
          f"({ours:.2f} s, {ours / ref:.2f}x)")  # fmt: skip
    print(f"memory target (< 6 GB): {'meets' if peak < 6 else 'MISSES'} ({peak:.2f} GB)")


if __name__ == "__main__":
    main()
