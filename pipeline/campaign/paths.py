"""Where a cell's tables and integrity records live in a results folder (the file layout
that :mod:`pipeline.campaign.store` writes and :mod:`pipeline.campaign.relabel` migrates;
below both, so neither imports the other). O(1) each.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.campaign.grid import Cell, Contest
from pipeline.schema import brand_folder

__all__ = ["INTEGRITY", "cell_path", "contest_path", "contest_record_path", "record_path"]

#: The folder of the integrity records (one JSON per cell, and per contest).
INTEGRITY = "integrity"


def cell_path(output: Path, table: str, cell: Cell) -> Path:
    """Where ``table`` of ``cell`` lives in the results folder."""
    return output / table / brand_folder(cell.brand) / f"{cell.key}.parquet"


def record_path(output: Path, cell: Cell) -> Path:
    """Where the integrity record of ``cell`` lives (``integrity/<brand>/<cell>.json``)."""
    return output / INTEGRITY / brand_folder(cell.brand) / f"{cell.key}.json"


def contest_path(output: Path, contest: Contest) -> Path:
    """Where the competition table of ``contest`` lives in the results folder."""
    return output / "competition" / f"{contest.key}.parquet"


def contest_record_path(output: Path, contest: Contest) -> Path:
    """Where the integrity record of ``contest`` lives."""
    return output / INTEGRITY / "competition" / f"{contest.key}.json"
