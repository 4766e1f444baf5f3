"""The results folder: paths of a cell's tables, the manifest, resume checks, the grid.

A folder belongs to one campaign (its fingerprint). A cell is written table by table
(``runs`` last), then its integrity record (:mod:`pipeline.campaign.integrity`); on
resume a cell is done when its files match the record (or, written by an older
version without one, read back whole). The manifest names the current grid's cells
and contests (``grid.cell_keys``, ``grid.contest_keys``): readers use only those, and
the files of other cells (a grid that shrank) are kept but ignored until
:func:`prune` deletes them. Model labels changed in this version (exact ``p``, a hash
for calibrated models): a folder written before is migrated by
:mod:`pipeline.campaign.relabel` when it is resumed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pipeline.campaign.config import TABLES
from pipeline.campaign.context import CampaignContext
from pipeline.campaign.grid import Cell, Contest
from pipeline.campaign.integrity import Check, check_record, write_record
from pipeline.campaign.lock import LOCK_NAME
from pipeline.campaign.paths import (  # re-exported: their old home
    INTEGRITY,
    cell_path,
    contest_path,
    contest_record_path,
    record_path,
)
from pipeline.diffusion.model_file import graph_sha256
from pipeline.errors import InputError
from pipeline.export import ensure_folder
from pipeline.schema import LABELS, READABLE_FORMATS, RESULTS_FORMAT, brand_folder

if TYPE_CHECKING:
    from pipeline.campaign.cell import CellTables

__all__ = [
    "INTEGRITY",
    "cell_path",
    "check_cell",
    "check_contest",
    "claim_folder",
    "contest_path",
    "contest_record_path",
    "is_done",
    "open_folder",
    "outside_grid",
    "prune",
    "record_path",
    "write_cell",
    "write_contest",
]


def _manifest(ctx: CampaignContext, cells: Sequence[Cell], contests: Sequence[Contest]) -> Any:
    cfg = ctx.config
    return {
        "format": RESULTS_FORMAT,
        "labels": LABELS,  # exact p, calibrated:<stem>@<hash8>; older folders lack it
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
            # the current grid: what readers read (other cells' files are ignored)
            "cell_keys": [f"{brand_folder(c.brand)}/{c.key}" for c in cells],
            "contest_keys": [c.key for c in contests],
        },
        "cells": len(cells),
        "currency": cfg.currency,
        "tie_margin": cfg.tie_margin,
        "updated": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def open_folder(output: Path) -> None:
    """Refuse an ``output`` that exists and is not a results folder (no campaign.json,
    and something besides a lock or interrupted writes in it); create it otherwise."""
    if not (output / "campaign.json").is_file() and output.exists():
        ours = (LOCK_NAME,)
        if not output.is_dir() or any(
            p.name not in ours and not (p.name.startswith(".") and p.name.endswith(".tmp"))
            for p in output.iterdir()
        ):
            raise InputError(
                f"{output} exists and is not a campaign results folder (no campaign.json); "
                f"choose a new or empty folder"
            )
    ensure_folder(output)


def _old_manifest(output: Path) -> dict[str, Any] | None:
    path = output / "campaign.json"
    if not path.is_file():
        return None
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"{path}: unreadable manifest; not a results folder") from None
    if not isinstance(old, dict) or old.get("format") not in READABLE_FORMATS:
        raise InputError(f"{path}: not a campaign results manifest")
    if old.get("format") != RESULTS_FORMAT:
        raise InputError(
            f"{output} was written by an older version ({old.get('format')}: another "
            f"folder layout), so it cannot be resumed; its results still read with "
            f"`influence summarize`. Use another output folder to rerun."
        )
    return old


def claim_folder(
    ctx: CampaignContext,
    output: Path,
    cells: Sequence[Cell],
    contests: Sequence[Contest] = (),
) -> list[str]:
    """Check ``output`` (made by :func:`open_folder`, locked by the caller) holds this
    campaign, migrate the keys of a folder written with older model labels, remove the
    temporary files a killed run left (``.<name>.<random>.tmp``) and write the manifest
    atomically. Returns what the user should be told (one line each)."""
    from pipeline.campaign.relabel import migrate, relabelling, translated
    from pipeline.export import open_atomic_text

    old = _old_manifest(output)
    notes: list[str] = []
    relabel: dict[str, str] = {}
    if old is not None:
        relabel = relabelling(old, output)  # {} when the folder has this version's labels
        new = _manifest(ctx, cells, contests)
        settings = translated(new["settings"], relabel)
        inputs_same = all(
            old.get("inputs", {}).get(k, {}).get("sha256") == v["sha256"]
            for k, v in new["inputs"].items()
        )
        if old.get("fingerprint") != ctx.fingerprint and not (
            relabel and inputs_same and settings == old.get("settings")
        ):
            diffs = [
                f"{k} {old.get('settings', {}).get(k)!r} -> {v!r}"
                for k, v in settings.items()
                if old.get("settings", {}).get(k) != v
            ] + [
                f"{k} file content changed"
                for k, v in new["inputs"].items()
                if old.get("inputs", {}).get(k, {}).get("sha256") != v["sha256"]
            ]
            was = old.get("settings", {})
            recorded = {k for k, v in settings.items() if was.get(k) != v}
            if recorded and inputs_same and all(was.get(k) in (None, "defaults") for k in recorded):
                raise InputError(
                    f"{output} was written before the default {', '.join(sorted(recorded))} "
                    "were recorded with the results (so a change of defaults cannot mix "
                    "numbers); rerun into another output folder, or delete this one"
                )
            raise InputError(
                f"{output} holds results of a different campaign ({'; '.join(diffs) or 'other'}"
                f"); refusing to mix them. Use another output folder or delete this one."
            )
    for stale in output.rglob(".*.tmp"):  # half-written files of a run that was killed
        stale.unlink(missing_ok=True)
    if old is not None and relabel:
        notes += migrate(output, cells, contests, relabel)
    with open_atomic_text(output / "campaign.json") as f:
        json.dump(_manifest(ctx, cells, contests), f, indent=2)
        f.write("\n")
    return notes


# --------------------------------------------------------------------------- cells


def write_cell(output: Path, tables: CellTables) -> None:
    """Write the tables of a cell (``runs`` last), then its integrity record."""
    from pipeline.export import write_table

    written = {}
    for name in TABLES:
        path = cell_path(output, name, tables.cell)
        ensure_folder(path.parent)
        df = tables.table(name)
        write_table(df, path, "parquet")
        written[name] = (path, df.height)
    write_record(record_path(output, tables.cell), output, written)


def write_contest(output: Path, contest: Contest, df: pl.DataFrame) -> None:
    """Write the competition table of ``contest``, then its integrity record."""
    from pipeline.export import write_table

    path = contest_path(output, contest)
    ensure_folder(path.parent)
    write_table(df, path, "parquet")
    write_record(contest_record_path(output, contest), output, {"competition": (path, df.height)},
                 {CONTEST_QUALITY: True})  # fmt: skip


def _rows_rule(runs: int | None) -> Any:
    """What is wrong with a table of a cell written without a record: its row count."""

    def rule(name: str, frames: dict[str, pl.DataFrame]) -> str | None:
        h = frames[name].height
        if name == "runs" and runs is not None and h != runs:
            return f"runs table has {h:,} rows, expected {runs:,}"
        if name in ("runs", "audience", "curves") and h == 0:
            return f"{name} table has no rows"
        ran = frames.get("runs")
        if name == "seeds" and ran is not None and ran.height and "seeds_used" in ran.columns:
            used = ran["seeds_used"][0]
            if used is not None and h != used:
                return f"seeds table has {h} rows, but the runs table says {used} seeds"
        return None

    return rule


def check_cell(output: Path, cell: Cell, runs: int | None = None, adopt: bool = True) -> Check:
    """Whether ``cell`` is finished and whole (:mod:`pipeline.campaign.integrity`);
    ``runs``: the campaign's runs per cell (checks a cell written without a record);
    ``adopt``: record such a cell when it reads back whole. O(bytes of its files)."""
    order = ("runs", *(t for t in TABLES if t != "runs"))  # runs first: seeds check it
    files = {t: cell_path(output, t, cell) for t in order}
    return check_record(
        record_path(output, cell), output, files, files["runs"], _rows_rule(runs), adopt
    )


def is_done(output: Path, cell: Cell, runs: int | None = None) -> bool:
    """Whether ``cell`` is finished with every file whole (no record is written)."""
    return check_cell(output, cell, runs, adopt=False).done


#: The contest record's mark that audience quality thinned the contest's cascades (it
#: did not before issue 30); a contest without it is recomputed when quality applies.
CONTEST_QUALITY = "audience_quality"


def check_contest(
    output: Path, contest: Contest, adopt: bool = True, quality: bool = False
) -> Check:
    """:func:`check_cell` for the competition table of ``contest``. ``quality``: the
    profiles discount some audience (``real_audience`` < 1), so a contest written before
    contests applied it is recomputed, with the reason."""
    import json

    path = contest_path(output, contest)
    record = contest_record_path(output, contest)
    check = check_record(
        record, output, {"competition": path}, path, lambda _name, _frames: None, adopt,
    )  # fmt: skip
    if check.done and quality:
        try:
            marked = json.loads(record.read_text(encoding="utf-8")).get(CONTEST_QUALITY)
        except (OSError, ValueError, AttributeError):
            marked = None
        if marked is not True:
            return Check(False, "written by an older version that ignored audience quality "
                         "in contests")  # fmt: skip
    return check


# --------------------------------------------------------------------------- the grid


def outside_grid(
    output: Path, cells: Sequence[Cell], contests: Sequence[Contest]
) -> tuple[int, int, list[Path]]:
    """(cells, contests, their files) in ``output`` that are not in the grid of
    ``cells`` and ``contests``: tables and integrity records. O(files)."""
    keep = {(brand_folder(c.brand), c.key) for c in cells}
    keep_contests = {c.key for c in contests}
    stray: set[tuple[str, str]] = set()
    stray_contests: set[str] = set()
    files: list[Path] = []
    for folder, suffix in [*((t, ".parquet") for t in TABLES), (INTEGRITY, ".json")]:
        base = output / folder
        for brand in sorted(base.iterdir()) if base.is_dir() else []:
            if not brand.is_dir() or not brand.name.startswith("brand-"):
                continue
            for f in sorted(brand.iterdir()):
                key = (brand.name, f.name.removesuffix(suffix))
                if f.is_file() and f.name.endswith(suffix) and key not in keep:
                    stray.add(key)
                    files.append(f)
    for base, suffix in ((output / "competition", ".parquet"),
                         (output / INTEGRITY / "competition", ".json")):  # fmt: skip
        for f in sorted(base.iterdir()) if base.is_dir() else []:
            key_c = f.name.removesuffix(suffix)
            if f.is_file() and f.name.endswith(suffix) and key_c not in keep_contests:
                stray_contests.add(key_c)
                files.append(f)
    return len(stray), len(stray_contests), files


def prune(files: Sequence[Path]) -> None:
    """Delete ``files`` (:func:`outside_grid`) and the brand folders left empty."""
    for f in files:
        f.unlink(missing_ok=True)
    for folder in {f.parent for f in files}:
        if folder.name.startswith("brand-") and not any(folder.iterdir()):
            folder.rmdir()
