"""How many RR sets a campaign draws, by the strategy that drew them.

Runs a campaign (one worker, results in a temporary folder) with the RR sampler wrapped,
and prints per strategy the sampler calls, the RR sets drawn and the seconds spent
drawing them, then per stream key the draws in order (first set, count): a stream drawn
again from its first set is work a pool could have shared. Run from the repository root:

    .venv/bin/python benchmarks/rr_draws.py configs/demo.toml [BRAND ...]

With brands, the campaign is restricted to them (a copy of the config in the temporary
folder, its relative paths made absolute).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tomllib
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any

import pipeline.seeding.estimate as estimate
from pipeline.campaign.driver import run_campaign

_WHO = ("mixed_strategy", "robust_seeds", "imm_strategy", "opim_strategy")


def _config(path: Path, brands: list[str], where: Path) -> Path:
    if not brands:
        return path
    text = path.read_text(encoding="utf-8")
    cfg = tomllib.loads(text)
    for key in ("graph", "profiles", "brands", "actions"):
        if key in cfg.get("inputs", {}):
            rel = cfg["inputs"][key]
            text = text.replace(f'"{rel}"', f'"{(path.parent / rel).resolve()}"')
    old = f"brands = {cfg['grid']['brands']!r}".replace("'", '"')
    if old not in text:
        sys.exit(f"{path}: no line {old!r} to restrict")
    text = text.replace(old, f"brands = {brands!r}".replace("'", '"'))
    out = where / "config.toml"
    out.write_text(text, encoding="utf-8")
    return out


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
        cfg = _config(Path(config), brands, Path(d))
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
    main(sys.argv[1], sys.argv[2:])
