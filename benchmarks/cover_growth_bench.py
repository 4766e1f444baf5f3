"""IMM and OPIM-C with the cover index grown in segments against another commit's, same
run, same inputs.

Each child process loads the graph, runs the selection once untimed (numba, RR
layouts), then times a second call and the seconds spent in ``CoverIndex.build`` and
``CoverIndex.grow`` inside it, and prints the seeds' checksum; the parent alternates
the two trees (``--base`` and this checkout) over ``--repeats`` processes per case,
prints the medians and the ratio ``this / base`` and checks that both trees chose the
same seeds from the same number of RR sets.

Graph: igraph ``Barabasi(n, m=10)`` reversed (hubs push to followers), 100k nodes /
~1M edges by default. Cases (:data:`CASES`): IMM k = 50 under WC at epsilon 0.1 and
under IC p = 0.01 (small spreads: IMM's first phase runs several rounds, each growing
the index) at epsilon 0.1 and 0.3, OPIM-C k = 50 under IC p = 0.01 at epsilon 0.1.
Run from the repository root::

    git archive <rev> | (mkdir -p /tmp/base && tar -x -C /tmp/base)
    .venv/bin/python benchmarks/cover_growth_bench.py --base /tmp/base
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, random, sys, time
import igraph as ig
import numpy as np
from pipeline.graph_io import from_edges
import polars as pl
from pipeline.seeding import select_seeds
from pipeline.seeding.max_cover import CoverIndex

n, strategy, model, eps = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
kw = {"p": 0.01} if model == "ic" else {}
ig.set_random_number_generator(random.Random(1))
e = np.asarray(ig.Graph.Barabasi(n=n, m=10, directed=True).get_edgelist(), dtype=np.int64)
g = from_edges(e[:, 1], e[:, 0], pl.Series("id", np.arange(n)))
spent = {"index": 0.0}
def timed(fn):
    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            spent["index"] += time.perf_counter() - t
    return wrapper
CoverIndex.build = classmethod(timed(CoverIndex.build.__func__))
CoverIndex.grow = timed(CoverIndex.grow)
select_seeds(g, strategy, k=50, model=model, epsilon=eps, seed=1, **kw)
spent["index"] = 0.0
t = time.perf_counter()
chosen = select_seeds(g, strategy, k=50, model=model, epsilon=eps, seed=2, **kw)
total = time.perf_counter() - t
print(json.dumps({"total": total, "index": spent["index"], "rr": int(chosen.info["rr_sets"]),
                  "seeds": [int(s) for s in chosen.nodes]}))
"""


CASES = (("imm", "wc", 0.1), ("imm", "ic", 0.1), ("imm", "ic", 0.3), ("opim", "ic", 0.1))


def run(tree: Path, args: list[str]) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(tree), "NUMBA_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True,
                         env=env, check=False)  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"{tree}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    here = Path(__file__).resolve().parents[1]
    print(f"{os.cpu_count()} CPUs; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'case':22} {'base s':>8} {'this s':>8} {'ratio':>6} {'base idx':>9} "
          f"{'this idx':>9} {'RR sets':>9}")  # fmt: skip
    for strategy, model, eps in CASES:
        args = [str(a.nodes), strategy, model, str(eps)]
        got: dict[str, list[dict[str, object]]] = {"base": [], "this": []}
        for _ in range(a.repeats):
            got["base"].append(run(a.base, args))
            got["this"].append(run(here, args))
        b, t = got["base"], got["this"]
        if any(x["seeds"] != b[0]["seeds"] or x["rr"] != b[0]["rr"] for x in b + t):
            raise SystemExit(f"{strategy} {model} eps {eps}: the trees chose different seeds")

        def med(rows: list[dict[str, object]], key: str) -> float:
            return statistics.median(float(r[key]) for r in rows)  # type: ignore[arg-type]

        print(f"{f'{strategy} {model} eps {eps}':22} {med(b, 'total'):8.3f} {med(t, 'total'):8.3f} "
              f"{med(t, 'total') / med(b, 'total'):6.2f} {med(b, 'index'):9.3f} "
              f"{med(t, 'index'):9.3f} {b[0]['rr']:>9,}")  # fmt: skip
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
