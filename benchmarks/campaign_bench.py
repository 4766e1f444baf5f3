"""Campaign batches: local executor with 1 and 2 workers and Ray with 2, then aggregation.

Part 1, the campaign: 3 brands (freshbite, wanderly, pixelforge) x 5 strategies
(random, macro, micro, pagerank, imm) x 4 budget shares (0.1, 0.25, 0.5, 1.0 of
each brand's budget) = 60 cells x ``--runs`` (1,000) runs, model wc,
brand-aware, on a synthetic graph of ``--nodes`` accounts (``pipeline.synth``,
written to and cached in ``benchmarks/_data/``, keyed by nodes and seed). Times
``run_campaign`` with ``executor="local"`` and ``workers=1``, ``workers=2``, and
``executor="ray", workers=2`` (a 2-CPU local Ray cluster started by run_campaign
itself), each into a fresh output folder. numba is warmed first on a 2k-node
campaign (its on-disk cache is what Ray's worker processes load); the start-up of
a bare 2-CPU Ray cluster (``ray.init`` + ``ray.shutdown``) is timed separately.
Per-strategy cell times come from run_campaign's progress callback (the local
executors run one cell at a time). The three folders' runs tables must be
identical.

Part 2, aggregation: a synthetic runs table of ``--rows`` (10M) rows with the
schema of ``pipeline.aggregate.RUNS_SCHEMA`` (5 brands x 8 strategies x 5 budgets
x 1 model x rows/200 runs), one Parquet file per cell as in a results folder;
best of 3 of ``summarize_runs(pl.scan_parquet(files))`` (target: under 5 s) and
``compare_runs(..., "macro")``.

Run, from the repository root: ``/work/venv/bin/python benchmarks/campaign_bench.py``
(about 45 minutes at 100k nodes on 2 shared cores, three quarters of it in IMM cells;
``--nodes 20000`` or ``--skip-campaign`` for a quick look).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipeline.aggregate import RUNS_SCHEMA, compare_runs, summarize_runs
from pipeline.campaign import (
    CampaignConfig,
    CampaignProgress,
    Cell,
    ModelSpec,
    cells_of,
    load_config,
    run_campaign,
)
from pipeline.profiles import load_brands
from pipeline.synth import SYNTH_FILES, generate, write_synthetic

DATA = Path(__file__).resolve().parent / "_data"
BRANDS = ("freshbite", "wanderly", "pixelforge")
STRATEGIES = ("random", "macro", "micro", "pagerank", "imm")
SHARES = (0.1, 0.25, 0.5, 1.0)
TARGET_SUMMARY_S = 5.0

TOML = """\
name = "{name}"
output = "{output}"
seed = {seed}
runs = {runs}
baseline = "macro"

[inputs]
graph = "{data}/follows.csv"
edge_meaning = "follows"
profiles = "{data}/profiles.csv"
brands = "{data}/brands.csv"

[grid]
brands = {brands}
models = ["wc"]
strategies = {strategies}
budget_shares = {shares}

[simulation]
brand_aware = true
"""


# --------------------------------------------------------------------------- inputs


def synthetic_inputs(nodes: int, seed: int) -> Path:
    """benchmarks/_data/synth_n{nodes}_s{seed}/ with the three CSVs (generated once)."""
    folder = DATA / f"synth_n{nodes}_s{seed}"
    if all((folder / f).is_file() for f in SYNTH_FILES):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    write_synthetic(generate(nodes=nodes, seed=seed), folder)
    print(f"generated {folder} in {time.perf_counter() - t0:.1f} s", flush=True)
    return folder


def campaign_config(
    folder: Path, data: Path, name: str, seed: int, runs: int, strategies: tuple[str, ...]
) -> CampaignConfig:
    """Write the campaign TOML into ``folder`` and load it (outputs are passed per run)."""
    text = TOML.format(
        name=name,
        output=(folder / "unused").as_posix(),
        seed=seed,
        runs=runs,
        data=data.as_posix(),
        brands="[" + ", ".join(f'"{b}"' for b in BRANDS) + "]",
        strategies="[" + ", ".join(f'"{s}"' for s in strategies) + "]",
        shares="[" + ", ".join(f"{s:g}" for s in SHARES) + "]",
    )
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


# --------------------------------------------------------------------------- part 1


class CellClock:
    """Progress callback: wall seconds per finished cell (exact for one-cell-at-a-time runs)."""

    def __init__(self, by_key: dict[str, Cell], label: str) -> None:
        self.by_key = by_key
        self.label = label
        self.last = time.perf_counter()
        self.seconds: list[tuple[Cell, float]] = []
        self.total = 0

    def __call__(self, p: CampaignProgress) -> None:
        now = time.perf_counter()
        if p.message == "running":
            self.total = p.cells_total
        elif p.message in self.by_key:
            self.seconds.append((self.by_key[p.message], now - self.last))
            done = len(self.seconds)
            if done % 10 == 0 or done == self.total:
                spent = sum(s for _, s in self.seconds)
                print(f"  {self.label}: {done}/{self.total} cells, {spent:.0f} s", flush=True)
        self.last = now


def runs_table(folder: Path) -> pl.DataFrame:
    files = sorted((folder / "runs").rglob("*.parquet"))
    return pl.read_parquet(files, hive_partitioning=False).sort("cell", "run")


def time_ray_startup() -> float:
    import ray

    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.shutdown()
    return time.perf_counter() - t0


def campaign_part(args: argparse.Namespace, tmp: Path) -> bool:
    """Part 1; returns whether the result folders were identical."""
    data = synthetic_inputs(args.nodes, args.seed)
    cfg = campaign_config(tmp, data, "campaign_bench", args.seed, args.runs, STRATEGIES)
    cells = cells_of(cfg, load_brands(cfg.brands_file))
    # progress messages name the finished cell (by its label, or its key in older versions)
    by_key = {c.key: c for c in cells} | {str(getattr(c, "label", c.key)): c for c in cells}
    edges = pl.scan_csv(data / "follows.csv").select(pl.len()).collect().item()
    print(
        f"campaign: {len(BRANDS)} brands x {len(STRATEGIES)} strategies x {len(SHARES)} budget "
        f"shares = {len(cells)} cells x {args.runs:,} runs, model wc, brand-aware; graph "
        f"{args.nodes:,} nodes, {edges:,} follows ({data.relative_to(DATA.parent.parent)})",
        flush=True,
    )

    # Warm-up: numba compiles (and caches on disk) every kernel the strategies touch,
    # for 1 and 2 threads. Ray's worker processes load that cache themselves.
    t0 = time.perf_counter()
    small = synthetic_inputs(2_000, args.seed)
    warm = campaign_config(tmp, small, "warmup", args.seed, 50, STRATEGIES)
    for w in (1, 2):
        run_campaign(warm, executor="local", workers=w, output=tmp / f"warm{w}")
    print(f"warm-up (2k-node campaign, workers 1 and 2): {time.perf_counter() - t0:.1f} s")

    configs = [("local", "local", int(w)) for w in args.workers.split(",")]
    ray_start = None
    if not args.skip_ray:
        configs.append(("ray", "ray", 2))
        ray_start = time_ray_startup()
        print(f"bare Ray cluster start + shutdown (2 CPUs): {ray_start:.1f} s", flush=True)

    results: list[tuple[str, float, float, CellClock, Path]] = []
    for label, executor, workers in configs:
        name = f"{label}-{workers}"
        out = tmp / f"out-{name}"
        clock = CellClock(by_key, name)
        gc.collect()
        t0 = time.perf_counter()
        rep = run_campaign(cfg, executor=executor, workers=workers, output=out, progress=clock)
        wall = time.perf_counter() - t0
        assert rep.cells_run == len(cells) and rep.cells_skipped == 0, rep
        results.append((name, wall, rep.seconds, clock, out))
        print(f"  {name}: {wall:.1f} s wall ({rep.runs:,} runs)", flush=True)

    ref_name, ref_wall = results[0][0], results[0][1]
    print()
    cols = ("cells", 6), ("runs", 9), ("seconds", 9), ("runs/s", 8), ("speed-up", 9)
    print(f"{'executor':10s}" + "".join(f" {c:>{w}s}" for c, w in cols))
    for name, wall, _, _, _ in results:
        runs = len(cells) * args.runs
        print(
            f"{name:10s} {len(cells):6d} {runs:9,d} {wall:9.1f} {runs / wall:8.1f} "
            f"{ref_wall / wall:9.2f}"
        )
    print(f"speed-up = {ref_name} seconds / seconds (> 1 is faster)")
    if ray_start is not None:
        print(f"Ray: bare 2-CPU cluster start + shutdown {ray_start:.1f} s (inside the ray-2 time)")
        ray_clock = results[-1][3]
        if ray_clock.seconds:
            print(
                f"Ray: first cell done after {ray_clock.seconds[0][1]:.1f} s of the run loop "
                "(worker start, imports, numba cache load, context fetch)"
            )

    # Per-strategy cell times from the one-cell-at-a-time local runs.
    print()
    local = [(n, c) for n, _, _, c, _ in results if n.startswith("local")]
    head = f"{'strategy':10s} {'cells':>5s}"
    for n, _ in local:
        head += f" {n + ' s':>11s} {'s/cell':>7s} {'max':>6s} {'share':>6s}"
    pair = [n for n, _ in local] == ["local-1", "local-2"]
    print(head + (f" {'2w speed-up':>11s}" if pair else ""))
    per: dict[str, dict[str, list[float]]] = {n: defaultdict(list) for n, _ in local}
    for n, clock in local:
        for cell, s in clock.seconds:
            per[n][cell.strategy].append(s)
    for strategy in STRATEGIES:
        line = f"{strategy:10s} {len(per[local[0][0]][strategy]):5d}"
        for n, clock in local:
            xs = per[n][strategy]
            total = sum(s for _, s in clock.seconds)
            line += f" {sum(xs):11.1f} {statistics.mean(xs):7.2f} {max(xs):6.1f}"
            line += f" {sum(xs) / total:6.0%}"
        if len(local) == 2:
            line += f" {sum(per[local[0][0]][strategy]) / sum(per[local[1][0]][strategy]):11.2f}"
        print(line)
    imm = [(c, s) for c, s in local[0][1].seconds if c.strategy == "imm"]
    print("imm cells (" + local[0][0] + "): " + ", ".join(
        f"{c.brand} {c.budget:g}: {s:.1f} s" for c, s in imm
    ))  # fmt: skip

    # The three folders must hold the same runs, whatever the executor and workers.
    ref = runs_table(results[0][4])
    same = True
    for name, _, _, _, out in results[1:]:
        other = runs_table(out)
        if not ref.equals(other):
            same = False
            values = [c for c in ref.columns if c in other.columns and c not in ("cell", "run")]
            diff = ref.join(other, on=["cell", "run"], how="full", suffix="_other").filter(
                pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_other")) for c in values)
            )
            cells_bad = diff["cell"].unique().sort().to_list()
            print(f"{name} differs from {ref_name}: {diff.height} rows in cells {cells_bad[:10]}")
    print(f"identical runs tables ({ref.height:,} rows each, {len(results)} folders): ", end="")
    print("yes" if same else "NO")
    return same


# --------------------------------------------------------------------------- part 2


def write_runs_folder(folder: Path, rows: int, seed: int) -> tuple[list[Path], int]:
    """A synthetic runs/ folder: 5 brands x 8 strategies x 5 budgets x 1 model, one file
    per cell, ``rows / 200`` runs each. Returns the files and the number of rows."""
    brands = {"freshbite": 10e3, "wanderly": 40e3, "pixelforge": 75e3, "glowhaus": 25e3,
              "everyday": 100e3}  # fmt: skip
    strategies = ("random", "macro", "micro", "pagerank", "degree-discount", "community",
                  "celf", "imm")  # fmt: skip
    shares = (0.1, 0.25, 0.5, 0.75, 1.0)
    per_cell = rows // (len(brands) * len(strategies) * len(shares))
    rng = np.random.default_rng(seed)
    model = ModelSpec("wc")
    run = np.arange(per_cell, dtype=np.int64)
    files: list[Path] = []
    total = 0
    for bi, (brand, budget) in enumerate(brands.items()):
        sub = folder / "runs" / f"brand={brand}"
        sub.mkdir(parents=True)
        # common random numbers: a per-run factor shared by the strategies of a brand
        shared = rng.lognormal(0.0, 0.15, per_cell)
        for si, strategy in enumerate(strategies):
            for share in shares:
                cell = Cell(brand, model, strategy, budget * share)
                mean = 2_000 + 20_000 * share**0.5 * (0.6 + 0.05 * si) * (1 + 0.1 * bi)
                activated = np.rint(mean * shared * rng.lognormal(0.0, 0.05, per_cell))
                exposed = np.rint(activated * rng.uniform(2.5, 3.5, per_cell))
                steps = rng.integers(4, 14, per_cell, dtype=np.int32)
                cost = round(budget * share * rng.uniform(0.9, 1.0), 2)
                seeds = int(max(1, share * (40 + 30 * si)))
                cols: dict[str, Any] = {
                    **cell.key_columns(),
                    "run": run,
                    "activated": activated.astype(np.int64),
                    "exposed": exposed.astype(np.int64),
                    "steps": steps,
                    "cost_spent": cost,
                    "seeds_used": seeds,
                    "cpm": round(float(rng.uniform(5.0, 25.0)), 2),  # currency per 1,000 views
                }
                # any other column of the schema (none today) is left null
                df = pl.DataFrame({c: cols.get(c) for c in RUNS_SCHEMA}, schema=RUNS_SCHEMA)
                path = sub / f"{cell.key}.parquet"
                df.write_parquet(path)
                files.append(path)
                total += df.height
    return files, total


def best_of(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, float, Any]:
    times, out = [], None
    for _ in range(repeats):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def aggregation_part(args: argparse.Namespace, tmp: Path) -> bool:
    t0 = time.perf_counter()
    files, rows = write_runs_folder(tmp / "agg", args.rows, args.seed)
    size = sum(f.stat().st_size for f in files)
    print(
        f"aggregation: synthetic runs table {rows:,} rows in {len(files)} Parquet files "
        f"({size / 1e6:.0f} MB), written in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    s_best, s_med, summary = best_of(lambda: summarize_runs(pl.scan_parquet(files)))
    c_best, c_med, comp = best_of(lambda: compare_runs(pl.scan_parquet(files), "macro"))
    per_cell = rows // len(files)
    assert summary.height == len(files) and summary["runs"].unique().to_list() == [per_cell]
    assert comp.height == len(files) // 8 * 7 and comp["runs"].unique().to_list() == [per_cell]
    print()
    print(f"{'operation':34s} {'best s':>7s} {'median s':>9s} {'M rows/s':>9s} {'out rows':>9s}")
    for name, best, med, out in (
        ("summarize_runs(scan_parquet)", s_best, s_med, summary),
        ('compare_runs(scan_parquet, "macro")', c_best, c_med, comp),
    ):
        print(f"{name:34s} {best:7.2f} {med:9.2f} {rows / best / 1e6:9.1f} {out.height:9d}")
    ok = s_best < TARGET_SUMMARY_S
    print(
        f"target summarize_runs on {rows:,} rows < {TARGET_SUMMARY_S:g} s: "
        f"{'PASS' if ok else 'FAIL'} ({s_best:.2f} s best of 3)"
    )
    return ok


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000, help="synthetic graph size")
    ap.add_argument("--runs", type=int, default=1_000, help="Monte Carlo runs per cell")
    ap.add_argument("--seed", type=int, default=7, help="synthetic data and campaign seed")
    ap.add_argument("--skip-ray", action="store_true", help="time the local executor only")
    ap.add_argument("--skip-campaign", action="store_true", help="aggregation part only")
    ap.add_argument("--rows", type=int, default=10_000_000, help="rows of the aggregation table")
    ap.add_argument("--workers", default="1,2",
                    help="local worker counts, comma-separated (first: baseline)")  # fmt: skip
    ap.add_argument("--skip-aggregation", action="store_true", help="campaign part only")
    args = ap.parse_args()

    import numba

    print(
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}, polars {pl.__version__}, "
        f"numpy {np.__version__}, numba {numba.__version__}; "
        f"{sys.argv[0]} {' '.join(sys.argv[1:])}".rstrip(),
        flush=True,
    )
    ok = True
    with tempfile.TemporaryDirectory(prefix="campaign_bench_") as name:
        tmp = Path(name)
        if not args.skip_campaign:
            ok = campaign_part(args, tmp) and ok
            print()
        if not args.skip_aggregation:
            aggregation_part(args, tmp)
    if not ok:
        sys.exit("runs tables differ between executors (a bug)")


if __name__ == "__main__":
    main()
