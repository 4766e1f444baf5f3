"""How many RR sets a campaign draws, by the strategy that drew them.

Runs a campaign (one worker, results in a temporary folder) with the RR sampler wrapped,
and prints per strategy the sampler calls, the RR sets drawn and the seconds spent
drawing them, then how many RR streams were drawn again from their first set (work a
pool could have shared). Run from the repository root:

    .venv/bin/python benchmarks/rr_draws.py configs/demo.toml [BRAND ...]

With brands, the campaign is restricted to them (the config's ``brands`` replaced).
"""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import pipeline.seeding.estimate as estimate
from pipeline.campaign.config_file import load_config
from pipeline.campaign.driver import run_campaign
from pipeline.errors import InputError

_WHO = ("mixed_strategy", "robust_seeds", "imm_strategy", "opim_strategy")


def main(config: str, brands: list[str]) -> None:
    draws: list[tuple[str, int, int, int, float]] = []
    sample = estimate.sample_rr_sets

    def counted(*args: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        out = sample(*args, **kw)
        stack = traceback.extract_stack()
        names = [f.name for f in stack]
        est = any(f.name == "_draw" and f.filename.endswith("estimate.py") for f in stack)
        who = next((w for w in _WHO if w in names), "reach estimate" if est else "other")
        draws.append((who, int(kw["key"]), kw["start"], kw["count"], time.perf_counter() - t))
        return out

    estimate.sample_rr_sets = counted  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as d:
        cfg = load_config(config)
        if brands:
            cfg = replace(cfg, brands=tuple(brands))
        t0 = time.perf_counter()
        run_campaign(cfg, output=Path(d) / "results", workers=1)
        took = time.perf_counter() - t0
    by: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for who, _, _, count, s in draws:
        by[who][0] += 1
        by[who][1] += count
        by[who][2] += s
    print(f"campaign {config} {' '.join(brands)}: {took:.1f} s, one worker")
    print("strategy | sampler calls | RR sets | seconds")
    for who, (calls, sets, s) in sorted(by.items()):
        print(f"{who} | {int(calls)} | {int(sets):,} | {s:.2f}")
    streams: dict[int, list[str]] = defaultdict(list)
    for who, key, start, count, _ in draws:
        streams[key].append(f"{who}@{start}+{count}")
    again = sum(sum(1 for x in v[1:] if "@0+" in x) for v in streams.values())
    print(f"{len(streams)} streams; {again} drawn again from their first set")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    try:
        main(sys.argv[1], sys.argv[2:])
    except InputError as exc:  # a config or brand the campaign refuses: its one line
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
