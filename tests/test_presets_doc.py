"""docs/presets.md's depth table (written by ``python docs/depth_table.py RESULTS``) must be
what :func:`pipeline.diffusion.depth.depth_by_tier` gives on the demo data: its block is
there, and the medium preset's share for the macro creators the demo's plans buy (listed
in the block) is reproduced with the block's seed and runs within 3 standard errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "presets.md"
START, END = "<!-- depth-table:start -->", "<!-- depth-table:end -->"


def block() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, "depth-table markers missing"
    i, j = text.index(START), text.index(END)
    assert i < j
    return text[i + len(START) : j]


def table_cell(body: str, tier: str, column: str) -> tuple[float, int]:
    """(share, creators) of ``tier``'s row under ``column`` in the first table of the block."""
    lines = [ln for ln in body.splitlines() if ln.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    for ln in lines[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if cells[0] == tier:
            return float(cells[head.index(column)].rstrip("%")) / 100, int(
                cells[head.index("creators")].replace(",", "")
            )
    raise AssertionError(f"no {tier} row in the depth table")


def test_block_has_markers_and_the_tier_table() -> None:
    body = block()
    assert re.search(r"runs=\d+, seed=\d+", body)
    for tier in ("nano", "micro", "mid", "macro", "all bought", "random profiled accounts"):
        assert f"| {tier} |" in body
    share, creators = table_cell(body, "macro", "depth <= 1, medium")
    assert 0.0 <= share <= 1.0 and creators > 0


def test_macro_medium_share_is_reproduced_by_depth_by_tier() -> None:
    from pipeline.campaign.config_file import load_config
    from pipeline.campaign.context import prepare
    from pipeline.diffusion.depth import depth_by_tier

    body = block()
    m = re.search(r"runs=(\d+), seed=(\d+)", body)
    assert m is not None
    runs, seed = int(m.group(1)), int(m.group(2))
    listed = re.search(r"macro creators \(brand:id\)[^:]*: ([^ ]+) -->", body)
    assert listed is not None, "the block lost its list of macro creators"
    share, creators = table_cell(body, "macro", "depth <= 1, medium")

    ctx = prepare(load_config(ROOT / "configs" / "demo.toml"))
    total, count = 0.0, 0
    for part in listed.group(1).split(";"):
        brand, ids = part.split(":")
        nodes = ctx.graph.index_of([int(i) for i in ids.split(",")])
        got = depth_by_tier(ctx.graph, ctx.profiles, nodes, presets=("medium",), runs=runs,
                            seed=seed, sender_factor=ctx.brand_arrays(brand)[1],
                            quality=ctx.quality())  # fmt: skip
        assert set(got["medium"]) == {"macro"}
        total += got["medium"]["macro"] * nodes.size
        count += nodes.size
    assert count == creators
    se = 0.5 / np.sqrt(count * runs)  # binomial bound on the Monte Carlo standard error
    assert abs(total / count - share) <= 3 * se + 0.0005, (total / count, share)  # 0.1% shown


if __name__ == "__main__":
    pytest.main([__file__, "-v"])
