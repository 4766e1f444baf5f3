"""Calibration and backtest on real cascades, and their speed (issue 25).

Data: the Stack Exchange sets in ``../shared/datasets/stackexchange`` (android,
christianity: a follow/interaction graph and timestamped cascades on the same users; see
that folder's README for sources and licence), and a generated set of about 400,000
edges: a directed configuration model on Android's (in, out) degree pairs repeated 8
times, with 3,500 cascades of continuous-time IC at p = 0.006 (exponential delays, mean 30
days). Each cascade starts from one account and Poisson(3) joiners drawn in proportion to
their followers (posts come from accounts people follow), plus Poisson(16) exogenous
adopters drawn uniformly over accounts (search, outside links: no relation to audience),
all at random times within the year, who then spread like the others. The uniform rate
makes about 40% of the in-window adopters exogenous, as the issue asks (32-62% on the
real sets); the script prints the exogenous share and the fits' initiator share.

For each set, in one process: the cascades converted (``convert-cascades``' reader), the
graph loaded, then timed: ``calibrate`` (global-p, 20 bootstrap refits) and a full
``backtest`` (every row: ic p=0.01, ic p=0.025, wc, the four calibration methods and the
two baselines; 200 runs per test item spread over 20 refits; one origin). Protocols:

- ``item-windows``, 365-day horizon: each training item observed over its own window
  (which may overlap the test period in calendar time; no test item's event is used);
- ``before-test``, 90-day horizon: only events before the first test item starts.

Prints markdown tables (every row, every metric with its 95% interval, the fits with
intervals and R, the by-tier table) and the timings with the load average.

Run: ``.venv/bin/python benchmarks/calibration_bench.py`` (a few minutes on 2 cores);
``--only-generated`` runs the generated set alone (after an untimed warm-up on android).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipeline.calibration import load_actions, place_on, read_research_cascades
from pipeline.calibration.backtest import backtest
from pipeline.calibration.fit import calibrate
from pipeline.graph_io import from_edges, load_graph

DAY = 86400.0


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None:
        return "n/a"
    return f"{v:.0%}" if pct else f"{v:.3g}"


def _ci(r: dict[str, Any], key: str, pct: bool = False) -> str:
    lo, hi = r["ci"][key]
    return f"{_fmt(r[key], pct)} [{_fmt(lo, pct)}, {_fmt(hi, pct)}]"


def report(name: str, res: Any, seconds: float, cpu: float) -> None:
    info = res.info
    print(f"\n### {name}: {info['test_items']} test items, {info['train_items']} train, "
          f"{info['validation_items']} validation, {info['horizon_days']:g}-day horizon, "
          f"train events {info['train_events']}; calibrate + backtest {seconds:.1f} s "
          f"(CPU {cpu:.1f} s), load {os.getloadavg()[0]:.2f}\n")  # fmt: skip
    print("| model | kind | earned bias | wape | msle | spearman | coverage 90 | coverage 95 |")
    print("|---|---|---|---|---|---|---|---|")
    for r in res.models:
        print(f"| {r['model']} | {r['kind']} | {_ci(r, 'earned_bias')} | {_ci(r, 'earned_wape')} | "
              f"{_ci(r, 'msle')} | {_ci(r, 'spearman')} | {_ci(r, 'coverage90', True)} | "
              f"{_ci(r, 'coverage95', True)} |")  # fmt: skip
    print("\nfits (on the training items):\n")
    for k, f in info["fits"].items():
        if "ratio" in f:
            print(f"- {k}: median train ratio {f['ratio']:.3g}")
            continue
        val = f.get("p", f.get("scale", f.get("shrink")))
        ci = f.get("p_ci", f.get("scale_ci", f.get("shrink_ci")))
        extra = f", prior p {f['prior_p']:.4g}" if f.get("prior_p") is not None else ""
        print(f"- {k}: {val:.4g} [{ci[0]:.4g}, {ci[1]:.4g}]{extra}, R = "
              f"{f['branching_factor']:.3g}, {f['items']} items ({f['censored_items']} censored), "
              f"{f['adoptions']} adoptions, {f['initiators']} initiators "
              f"({f['initiators'] / max(1, f['adoptions']):.0%})")  # fmt: skip
    print("\nby tier (earned reach per seed):\n")
    print("| group | model | items | seeds | actual | predicted [95%] |")
    print("|---|---|---|---|---|---|")
    for t in res.by_tier:
        print(f"| {t['group']} | {t['model']} | {t['items']} | {t['seeds']} | "
              f"{t['actual_per_seed']:.3g} | {t['predicted_per_seed']:.3g} "
              f"[{t['ci'][0]:.3g}, {t['ci'][1]:.3g}] |")  # fmt: skip


def run(name: str, g: Any, cascades: Any, horizon_days: float, train_events: str) -> float:
    t0, c0 = time.perf_counter(), time.process_time()
    calibrate(g, cascades, "global-p", horizon=horizon_days * DAY, bootstrap=20, seed=0)
    res = backtest(g, cascades, horizon=horizon_days * DAY, runs=200, bootstrap=20, seed=0,
                   train_events=train_events)  # fmt: skip
    seconds = time.perf_counter() - t0
    report(name, res, seconds, time.process_time() - c0)
    return seconds


def stack_exchange(root: Path, name: str, tmp: Path) -> tuple[Any, Any]:
    g = load_graph(root / name / "edges.txt")
    table = read_research_cascades(root / name / "cascades.txt", "mshgat")
    path = tmp / f"{name}.parquet"
    table.write_parquet(path)
    return g, place_on(load_actions(path), g)


def generated(
    root: Path, tmp: Path, *, copies: int = 8, items: int = 3500, seed: int = 0
) -> tuple[Any, Any, int]:
    """Configuration model on Android's degree pairs x ``copies``; CTIC cascades.
    Returns the graph, the cascades and the number of exogenous adoptions."""
    import heapq

    base = load_graph(root / "android" / "edges.txt")
    kin = np.tile(np.diff(base.in_ptr), copies)
    kout = np.tile(np.diff(base.out_ptr), copies)
    rng = np.random.default_rng(seed)
    src = np.repeat(np.arange(kout.size), kout)
    dst = rng.permutation(np.repeat(np.arange(kin.size), kin))
    g = from_edges(src, dst, pl.Series(np.arange(kin.size)))
    p, mean_delay, horizon = 0.006, 30 * DAY, 365 * DAY
    joiners, uniform = 3.0, 16.0  # per cascade: by followers, and uniform over accounts
    cum = np.cumsum(np.diff(g.out_ptr).astype(np.float64))
    acc, itm, tim = [], [], []
    exogenous = 0
    for it in range(items):
        t0 = it * 3600.0
        best: dict[int, float] = {}
        # the root and the joiners are drawn in proportion to their followers, as posts
        # come from accounts people follow; the uniform ones find the item elsewhere.
        # Each entry: (time, account, exogenous?)
        heap = [(t0, int(np.searchsorted(cum, rng.uniform(0, cum[-1]), side="right")), True)]
        for _ in range(rng.poisson(joiners)):
            who = int(np.searchsorted(cum, rng.uniform(0, cum[-1]), side="right"))
            heap.append((t0 + float(rng.uniform(0, horizon)), who, True))
        for _ in range(rng.poisson(uniform)):
            heap.append((t0 + float(rng.uniform(0, horizon)), int(rng.integers(g.n)), True))
        heapq.heapify(heap)
        while heap:
            t, u, exo = heapq.heappop(heap)
            if u in best:
                continue
            best[u] = t
            exogenous += exo
            lo, hi = g.out_ptr[u], g.out_ptr[u + 1]
            for e in np.flatnonzero(rng.random(hi - lo) < p):
                v = int(g.out_idx[lo + e])
                if v not in best:
                    heapq.heappush(heap, (t + float(rng.exponential(mean_delay)), v, False))
        for u, t in best.items():
            acc.append(u)
            itm.append(it)
            tim.append(t)
    path = tmp / "generated.parquet"
    pl.DataFrame({"account": acc, "item": itm, "time": tim}).write_parquet(path)
    return g, place_on(load_actions(path), g), exogenous


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared/datasets/stackexchange",
    )
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--skip-generated", action="store_true")
    only.add_argument("--only-generated", action="store_true")
    args = ap.parse_args()
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="calib_bench_"))
    print(f"cores {os.cpu_count()}, load at start {os.getloadavg()}")
    timings = {}
    for name in ("android", "christianity"):
        g, c = stack_exchange(args.data, name, tmp)
        if args.only_generated:  # numba compiled (or loaded from its cache), untimed
            calibrate(g, c, "global-p", horizon=365 * DAY, bootstrap=20, seed=0)
            backtest(g, c, horizon=365 * DAY, runs=200, bootstrap=20, seed=0,
                     train_events="item-windows")  # fmt: skip
            break
        run(f"{name} (warm-up)", g, c, 365, "item-windows") if name == "android" else None
        timings[(name, "item-windows 365d")] = run(name, g, c, 365, "item-windows")
        timings[(name, "before-test 90d")] = run(name, g, c, 90, "before-test")
    if not args.skip_generated:
        t0 = time.perf_counter()
        g, c, exogenous = generated(args.data, tmp)
        print(
            f"\ngenerated in {time.perf_counter() - t0:.0f} s (untimed below): {g.n:,} nodes, "
            f"{g.m:,} edges, {c.n_items:,} cascades, {c.node.size:,} adoptions, "
            f"{exogenous:,} of them ({exogenous / c.node.size:.0%}) exogenous"
        )
        timings[("generated", "item-windows 365d")] = run("generated", g, c, 365, "item-windows")
    print("\n| set | protocol | calibrate + backtest, s |\n|---|---|---|")
    for (name, proto), s in timings.items():
        print(f"| {name} | {proto} | {s:.1f} |")
    print(f"\nload at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
