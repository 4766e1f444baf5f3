"""What projecting every run to the platform costs: simulations with the projection on
vs off, on the bundled demo data.

Graph and profiles: ``data/`` (20,000 accounts, 241,724 follows, real-audience shares
below 1, so exposure is counted edge by edge). Seeds: the 25 profiled accounts with the
most platform followers ("largest") and 25 random profiled accounts ("random").
Models: the ``medium`` (IC p = 0.025) and ``high-virality`` presets. For each case,
``runs`` simulations with and without ``projection=`` (impressions, engagements and
people of every poster, ``docs/projection.md``) are timed alternately, one thread,
median of ``--repeats``; the ratio on/off is printed with the mean engagements and
activated accounts.

Run from the repository root: ``.venv/bin/python benchmarks/projection_bench.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

from pipeline.diffusion import simulate
from pipeline.diffusion.model_ref import resolve as resolve_model
from pipeline.graph_io import load_graph
from pipeline.profiles import load_profiles
from pipeline.profiles.audience import audience

DATA = Path(__file__).resolve().parents[1] / "data"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    g = load_graph(DATA / "follows.csv")
    prof = load_profiles(DATA / "profiles.csv", g)
    proj = audience(prof).kernel_rows()
    q = prof.real_audience
    has = np.flatnonzero(prof.has_profile)
    followers = prof.table["followers"].to_numpy()
    largest = has[np.argsort(-followers[has], kind="stable")[:25]].astype(np.int32)
    rand = np.random.default_rng(5).choice(has, 25, replace=False).astype(np.int32)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"demo data: n={g.n:,} m={g.m:,}; runs={args.runs}; 1 thread; load {load}")
    print(f"{'seeds':8} {'model':14} {'on ms':>8} {'off ms':>8} {'on/off':>7} "
          f"{'engagements':>12} {'activated':>10}")  # fmt: skip
    for name, seeds in (("largest", largest), ("random", rand)):
        for model in ("medium", "high-virality"):
            m = resolve_model(model)
            for p in (proj, None):  # warm the JIT
                simulate(g, seeds, m, runs=4, seed=9, quality=q, projection=p, threads=1)
            times: dict[bool, list[float]] = {True: [], False: []}
            eng = act = 0.0
            for rep in range(args.repeats):
                for on in (True, False):
                    t0 = time.perf_counter()
                    r = simulate(
                        g, seeds, m, runs=args.runs, seed=rep, quality=q,
                        projection=proj if on else None, threads=1,
                    )  # fmt: skip
                    times[on].append(time.perf_counter() - t0)
                    if on and r.projected is not None:
                        eng, act = float(r.projected[:, 1].mean()), float(r.activated.mean())
            t_on, t_off = statistics.median(times[True]), statistics.median(times[False])
            print(f"{name:8} {model:14} {t_on * 1e3:8.1f} {t_off * 1e3:8.1f} "
                  f"{t_on / t_off:7.2f} {eng:12,.0f} {act:10,.1f}")  # fmt: skip
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
