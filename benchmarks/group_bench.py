"""Plans of one brand simulated together against one by one, on the demo's plans.

The demo campaign's plans under one of its models (high-virality: weighted cascade,
per-edge coins; low-virality or medium: per-source probabilities, skip-sampled; all
brand-aware, with audience quality and the platform projection), per brand:
``simulate_plans`` (the group kernel: up to 64 plans in one bit-parallel pass per run;
its automatic choice of path) against
``run_cascades`` plan by plan (what a cell ran before), single-threaded, interleaved,
CPU seconds, every number checked equal. Needs the demo's results folder (made by the
README's first command; run from the repository root):

    .venv/bin/python benchmarks/group_bench.py [ROUNDS] [MODEL]   (default high-virality)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipeline.campaign.config_file import load_config
from pipeline.campaign.context import prepare
from pipeline.campaign.grid import derive_seed, stream_name
from pipeline.diffusion import build_model, run_cascades
from pipeline.diffusion.group import simulate_plans


def _alone(g: Any, plans: list[Any], spec: Any, kw: dict[str, Any]) -> list[Any]:
    return [run_cascades(g, p, spec, node_counts=True, **kw) for p in plans]


def _together(g: Any, plans: list[Any], spec: Any, kw: dict[str, Any]) -> list[Any]:
    return simulate_plans(g, plans, spec, **kw)


def main(rounds: int, label: str) -> None:
    cfg = load_config("configs/demo.toml")
    ctx = prepare(cfg)
    model = next(m for m in cfg.models if m.label == label)
    out = Path(cfg.output)
    if not (out / "seeds").is_dir():
        sys.exit(f"no results in {out}: run `influence campaign configs/demo.toml` first")
    print(f"model {label}; load average {os.getloadavg()[0]:.2f}; runs {cfg.runs}")
    print("brand | plans | one by one (s) | together (s) | ratio")
    totals = [0.0, 0.0]
    for brand_dir in sorted((out / "seeds").iterdir()):
        files = sorted(brand_dir.glob(f"{label}-*.parquet"))
        brand = pl.read_parquet(files[0], columns=["brand"])["brand"][0]
        plans, seen = [], set()
        for f in files:
            ids = pl.read_parquet(f, columns=["id"])["id"]
            nodes = np.asarray(ctx.graph.index_of(ids), dtype=np.int64)
            if len(nodes) and nodes.tobytes() not in seen:
                seen.add(nodes.tobytes())
                plans.append(nodes)
        seed = derive_seed(cfg.seed, "simulate", brand, stream_name(model))
        _, factor = ctx.brand_arrays(brand)
        spec = build_model(ctx.graph, ctx.model(model), sender_factor=factor, seed=seed,
                           quality=ctx.quality())  # fmt: skip
        kw = dict(runs=cfg.runs, seed=seed, threads=1, projection=ctx.projection())
        args = (ctx.graph, plans, spec, kw)
        a, b = _alone(*args), _together(*args)  # warm-up (compiles), and the check
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x.activated, y.activated)
            assert np.array_equal(x.exposed, y.exposed)
            assert np.array_equal(x.node_counts, y.node_counts)
            assert np.array_equal(x.projected, y.projected)  # whole units: exact
        times = [0.0, 0.0]
        for _ in range(rounds):
            for i, fn in enumerate((_alone, _together)):
                t = time.process_time()
                fn(*args)
                times[i] += (time.process_time() - t) / rounds
        totals[0] += times[0]
        totals[1] += times[1]
        print(f"{brand} | {len(plans)} | {times[0]:.2f} | {times[1]:.2f} | "
              f"{times[1] / times[0]:.2f}")  # fmt: skip
    print(f"all | | {totals[0]:.2f} | {totals[1]:.2f} | {totals[1] / totals[0]:.2f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2,
         sys.argv[2] if len(sys.argv) > 2 else "high-virality")  # fmt: skip
