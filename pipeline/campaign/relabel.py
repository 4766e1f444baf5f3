"""Resuming a folder written with older model labels: migrate its keys, or refuse.

Model labels are part of cell keys (file names) and of every table's ``model`` and
``plan_model`` columns. Versions before :data:`~pipeline.schema.LABELS` wrote ``ic
p=P`` with P to 6 significant digits and a calibrated model as ``calibrated:<file
name>``; this one writes P exactly and ``calibrated:<stem>@<hash8>``. Such a folder
still reads as it is (its tables and manifest agree). Resuming it:

- when no two models shared an old label, the cells and contests of the current grid
  whose labels changed are *migrated*: each table is rewritten at its new key with the
  new labels (atomically, with an integrity record), then the old files are removed;
  a killed migration is redone by the next run (the manifest changes last);
- when two models shared one old label (``ic p=0.01000001`` and ``ic p=0.01`` were both
  ``ic p=0.01``), their cells wrote the same files and cannot be told apart: the
  folder is refused with one line saying so and what to do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.campaign.config import TABLES, ModelSpec
from pipeline.campaign.grid import Cell, Contest
from pipeline.errors import InputError
from pipeline.schema import LABELS, brand_folder

__all__ = ["migrate", "relabelling", "translated"]


def relabelling(manifest: dict[str, Any], output: Path) -> dict[str, str]:
    """Old label -> this version's label of each model of an older ``manifest`` whose
    label changed ({} when the folder has this version's labels or none changed).

    Raises InputError when two models of the manifest shared one old label."""
    if manifest.get("labels") == LABELS:
        return {}
    grid = manifest.get("grid")
    models = grid.get("models") if isinstance(grid, dict) else None
    seen: dict[str, str] = {}
    for m in models if isinstance(models, list) else []:
        if not isinstance(m, dict) or not isinstance(m.get("label"), str):
            continue
        try:
            spec = ModelSpec(m["name"], m.get("p"), m.get("preset"), m.get("calibrated"),
                             m.get("digest"))  # fmt: skip
            new = spec.label
        except (KeyError, TypeError, ValueError):
            continue
        old = m["label"]
        if seen.get(old, new) != new:
            raise InputError(
                f"{output} was written by an older version that labelled two models "
                f"({seen[old]} and {new}) {old!r} (p to 6 significant digits, calibrated "
                f"models by file name), so their cells share files and cannot be told apart;"
                f" it cannot be resumed. Its results still read with `influence summarize`;"
                f" rerun into another output folder (--output)"
            )
        seen[old] = new
    return {old: new for old, new in seen.items() if old != new}


def translated(settings: dict[str, Any], relabel: dict[str, str]) -> dict[str, Any]:
    """``settings`` (this version's, as JSON values) with the model labels an older
    folder used (``relabel``: old -> new), to compare with its manifest's."""
    back = {new: old for old, new in relabel.items()}
    out = json.loads(json.dumps(settings))
    if isinstance(out.get("plan_model"), str):
        out["plan_model"] = back.get(out["plan_model"], out["plan_model"])
    if isinstance(out.get("calibrated_models"), dict):
        out["calibrated_models"] = {back.get(k, k): v for k, v in out["calibrated_models"].items()}
    return dict(out)


def _rewrite(
    moves: list[tuple[str, Path, Path]],
    columns: dict[str, dict[str, str]],
    record: Path,
    root: Path,
) -> bool:
    """Read every ``(table, old, new)`` file, replace the ``columns``' values, write it at the
    new path, record the new files, then remove the old ones. False (nothing removed)
    when an old file cannot be read: the cell is then recomputed."""
    from pipeline.campaign.integrity import write_record
    from pipeline.export import ensure_folder, write_table

    frames = []
    for _, old, _ in moves:
        try:
            with old.open("rb") as f:
                df = pl.read_parquet(f)
        except (pl.exceptions.PolarsError, OSError, ValueError):
            return False
        frames.append(df.with_columns(
            pl.col(c).replace(m) for c, m in columns.items() if c in df.columns
        ))  # fmt: skip
    written = {}
    for (table, _, new), df in zip(moves, frames, strict=True):
        ensure_folder(new.parent)
        write_table(df, new, "parquet")
        written[table] = (new, df.height)
    write_record(record, root, written)
    for _, old, _ in moves:
        old.unlink(missing_ok=True)
    return True


def migrate(
    output: Path,
    cells: Sequence[Cell],
    contests: Sequence[Contest],
    relabel: dict[str, str],
) -> list[str]:
    """Rename the files of the ``cells`` and ``contests`` whose keys changed with the
    labels (``relabel``: old -> new) and rewrite their label columns (module doc).
    Returns one line for the user. O(bytes of the migrated files)."""
    from pipeline.campaign.paths import (
        INTEGRITY,
        cell_path,
        contest_path,
        contest_record_path,
        record_path,
    )

    back = {new: old for old, new in relabel.items()}

    def old_label(label: str) -> str:
        return back.get(label, label)

    moved = 0
    for cell in cells:
        old_key = cell.key_with(old_label)
        if old_key == cell.key:
            continue
        folder = brand_folder(cell.brand)
        moves = [(t, output / t / folder / f"{old_key}.parquet", cell_path(output, t, cell))
                 for t in TABLES]  # fmt: skip
        (output / INTEGRITY / folder / f"{old_key}.json").unlink(missing_ok=True)
        if not moves[-1][1].is_file():  # not finished: its companions are useless
            for _, old, _ in moves:
                old.unlink(missing_ok=True)
            continue
        cols = {"cell": {old_key: cell.key}, "model": relabel, "plan_model": relabel}
        moved += _rewrite(moves, cols, record_path(output, cell), output)
    for contest in contests:
        old_key = contest.key_with(old_label)
        src = output / "competition" / f"{old_key}.parquet"
        if old_key == contest.key or not src.is_file():
            continue
        record = contest_record_path(output, contest)
        cols = {"contest": {old_key: contest.key}, "model": relabel}
        moved += _rewrite([("competition", src, contest_path(output, contest))], cols, record,
                          output)  # fmt: skip
    pairs = ", ".join(f"{old} -> {new}" for old, new in sorted(relabel.items()))
    return [
        f"note: {output} was written with older model labels ({pairs}); "
        f"{moved} finished cell(s) and contest(s) were renamed to the new labels"
    ]
