"""Integrity records: what each finished cell (or contest) wrote, checked on resume.

After a cell's tables are written, :func:`write_record` writes a small JSON *record*
beside them (``OUT/integrity/<brand folder>/<cell>.json``, atomically, last): per
table its file (relative to the folder), row count, size in bytes and SHA-256 of the
file's bytes. One record per cell, not one shared file: only the driver writes
tables, but a per-cell file needs no read-modify-write of a shared document (no race
with a second writer, no O(cells) rewrite per cell), and a killed run loses at most the
record of the cell being written.

:func:`check_record` verifies a finished cell against its record before a resume
skips it: a table missing, emptied, truncated or changed (another checksum) makes the
cell *damaged*, recomputed with one line saying which table and why. A cell written
by an older version has no record: it is adopted when every table reads back whole
(Parquet decoded in full) with the row counts the campaign implies, and gets a record
then; otherwise it is damaged too. O(bytes of the cell's files).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["Check", "check_record", "file_sha256", "write_record"]

#: The record format written by this version.
RECORD_FORMAT = "influence-cell-record/1"


@dataclass(frozen=True)
class Check:
    """The state of a cell's files: ``done`` (whole: skip it), else ``problem`` says why
    it is recomputed (None: never finished). ``adopted``: written by an older version
    without a record, read back whole and recorded now."""

    done: bool
    problem: str | None = None
    adopted: bool = False


def file_sha256(path: Path) -> str:
    """SHA-256 of the bytes of ``path`` (hex). O(size)."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_record(
    record: Path,
    root: Path,
    tables: Mapping[str, tuple[Path, int]],
    facts: Mapping[str, Any] | None = None,
) -> None:
    """Write the record of ``tables`` (name -> (file, rows)) atomically at ``record``;
    files are named relative to ``root``; ``facts`` are extra keys (how the tables were
    computed). Call it after the tables are in place."""
    from pipeline.export import ensure_folder, open_atomic_text

    entries = {
        name: {
            "file": path.relative_to(root).as_posix(),
            "rows": int(rows),
            "bytes": path.stat().st_size,
            "sha256": file_sha256(path),
        }
        for name, (path, rows) in tables.items()
    }
    ensure_folder(record.parent)
    with open_atomic_text(record) as f:
        body = {**(facts or {}), "format": RECORD_FORMAT, "tables": entries}
        json.dump(body, f, indent=1, sort_keys=True)
        f.write("\n")


def _damage(name: str, path: Path, entry: Mapping[str, Any]) -> str | None:
    """Why ``path`` (table ``name``) no longer matches its record entry; None if it does."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return f"{name} table is missing"
    except OSError as exc:
        return f"{name} table cannot be read ({exc.strerror})"
    want = entry.get("bytes")
    if size == 0 and want != 0:
        return f"{name} table is empty (0 bytes)"
    if isinstance(want, int) and size < want:
        return f"{name} table was truncated ({size:,} of {want:,} bytes)"
    try:
        digest = file_sha256(path)
    except OSError as exc:
        return f"{name} table cannot be read ({exc.strerror})"
    if (isinstance(want, int) and size != want) or digest != entry.get("sha256"):
        return f"{name} table changed since it was written (another checksum)"
    return None


def _legacy(
    files: Mapping[str, Path], rows: Callable[[str, Mapping[str, pl.DataFrame]], str | None]
) -> tuple[str | None, dict[str, int]]:
    """Read every table of a cell without a record in full; (problem or None, rows)."""
    frames: dict[str, pl.DataFrame] = {}
    for name, path in files.items():
        if not path.is_file():
            return f"{name} table is missing", {}
        try:
            with path.open("rb") as f:  # a file, not a pattern
                frames[name] = pl.read_parquet(f)
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"{name} table is unreadable ({first[:120]})", {}
        problem = rows(name, frames)
        if problem:
            return problem, {}
    return None, {name: df.height for name, df in frames.items()}


def check_record(
    record: Path,
    root: Path,
    files: Mapping[str, Path],
    finished: Path,
    rows: Callable[[str, Mapping[str, pl.DataFrame]], str | None],
    adopt: bool = True,
) -> Check:
    """Check the tables ``files`` (name -> path, in the order they are written) of one
    cell against ``record`` (module doc). ``finished`` is the file whose presence marked
    the cell finished before records existed (its runs table); ``rows(name, frames
    read so far)`` says what is wrong with a table of a cell without a record (its row
    count), None if nothing. ``adopt``: write the record of a cell that passes."""
    if not record.is_file():
        if not finished.is_file():
            return Check(False)  # never finished: nothing to say
        problem, counts = _legacy(files, rows)
        if problem:
            return Check(False, problem)
        if adopt:
            write_record(record, root, {n: (files[n], counts[n]) for n in files})
        return Check(True, adopted=True)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        entries = data["tables"]
        if not isinstance(entries, dict):
            raise TypeError
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return Check(False, f"its integrity record {record.name} is unreadable")
    for name, path in files.items():
        entry = entries.get(name)
        if not isinstance(entry, dict):
            return Check(False, f"its integrity record has no {name} table")
        problem = _damage(name, path, entry)
        if problem:
            return Check(False, problem)
    return Check(True)
