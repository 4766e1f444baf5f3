"""The results folder: paths of a cell's tables, the manifest, and atomic writes.

A folder belongs to one campaign (its fingerprint); a cell is done when its
``runs`` table, written last, exists.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.campaign.config import TABLES
from pipeline.campaign.context import CampaignContext
from pipeline.campaign.grid import Cell, Contest
from pipeline.diffusion.model_file import graph_sha256
from pipeline.errors import InputError
from pipeline.export import ensure_folder
from pipeline.schema import READABLE_FORMATS, RESULTS_FORMAT, brand_folder

if TYPE_CHECKING:
    from pipeline.campaign.cell import CellTables

__all__ = ["cell_path", "claim_folder", "contest_path", "is_done", "write_cell"]


def cell_path(output: Path, table: str, cell: Cell) -> Path:
    """Where ``table`` of ``cell`` lives in the results folder."""
    return output / table / brand_folder(cell.brand) / f"{cell.key}.parquet"


def _manifest(ctx: CampaignContext, cells: Sequence[Cell]) -> dict[str, Any]:
    cfg = ctx.config
    return {
        "format": RESULTS_FORMAT,
        "fingerprint": ctx.fingerprint,
        "name": cfg.name,
        "config": str(cfg.path),
        "baseline": cfg.baseline,
        "settings": cfg.settings(),
        # what verdicts compare: the objective, or its in-graph fallback (with why)
        "objective": {"used": ctx.objective[0], "note": ctx.objective[1]},
        "inputs": {
            "graph": {"path": str(cfg.graph), "sha256": ctx.inputs["graph"]},
            "profiles": {"path": str(cfg.profiles), "sha256": ctx.inputs["profiles"]},
            "brands": {"path": str(cfg.brands_file), "sha256": ctx.inputs["brands"]},
        },
        "graph": {
            "nodes": ctx.graph.n,
            "edges": ctx.graph.m,
            # what a calibrated model's graph_sha256 is checked against (the report)
            "edge_set_sha256": graph_sha256(ctx.graph),
        },
        "grid": {
            "brands": sorted({c.brand for c in cells}),
            "models": [asdict(m) | {"label": m.label} for m in cfg.models],
            "plan_model": cfg.plan().label,
            "strategies": list(cfg.strategies),
            "budgets": list(cfg.budgets),
            "budget_shares": list(cfg.budget_shares),
            "k": list(cfg.k),
        },
        "cells": len(cells),
        "currency": cfg.currency,
        "tie_margin": cfg.tie_margin,
        "updated": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def claim_folder(ctx: CampaignContext, output: Path, cells: Sequence[Cell]) -> None:
    """Create ``output`` or check it holds this campaign; write the manifest atomically.
    Temporary files a killed run left (``.<name>.<random>.tmp``) are removed."""
    from pipeline.export import open_atomic_text

    manifest_path = output / "campaign.json"
    if manifest_path.is_file():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InputError(
                f"{manifest_path}: unreadable manifest; not a results folder"
            ) from None
        if not isinstance(old, dict) or old.get("format") not in READABLE_FORMATS:
            raise InputError(f"{manifest_path}: not a campaign results manifest")
        if old.get("format") != RESULTS_FORMAT:
            raise InputError(
                f"{output} was written by an older version ({old.get('format')}: another "
                f"folder layout), so it cannot be resumed; its results still read with "
                f"`influence summarize`. Use another output folder to rerun."
            )
        if old.get("fingerprint") != ctx.fingerprint:
            new = _manifest(ctx, cells)
            diffs = [
                f"{k} {old['settings'].get(k)!r} -> {v!r}"
                for k, v in new["settings"].items()
                if old.get("settings", {}).get(k) != v
            ] + [
                f"{k} file content changed"
                for k, v in new["inputs"].items()
                if old.get("inputs", {}).get(k, {}).get("sha256") != v["sha256"]
            ]
            raise InputError(
                f"{output} holds results of a different campaign ({'; '.join(diffs) or 'other'}"
                f"); refusing to mix them. Use another output folder or delete this one."
            )
    elif output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise InputError(
            f"{output} exists and is not a campaign results folder (no campaign.json); "
            f"choose a new or empty folder"
        )
    ensure_folder(output)
    for stale in output.rglob(".*.tmp"):  # half-written files of a run that was killed
        stale.unlink(missing_ok=True)
    with open_atomic_text(manifest_path) as f:
        json.dump(_manifest(ctx, cells), f, indent=2)
        f.write("\n")


def write_cell(output: Path, tables: CellTables) -> None:
    from pipeline.export import write_table

    for name in TABLES:  # runs last: a cell with a runs file is complete
        path = cell_path(output, name, tables.cell)
        ensure_folder(path.parent)
        write_table(tables.table(name), path, "parquet")


def is_done(output: Path, cell: Cell) -> bool:
    return cell_path(output, "runs", cell).is_file()


def contest_path(output: Path, contest: Contest) -> Path:
    """Where the competition table of ``contest`` lives in the results folder."""
    return output / "competition" / f"{contest.key}.parquet"
