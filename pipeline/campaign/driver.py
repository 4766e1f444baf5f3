""":func:`run_campaign`: prepare, lock and claim the folder, check the finished cells, run
the missing or damaged ones, write them, then the contests.

Resuming verifies every finished cell against its integrity record
(:mod:`pipeline.campaign.integrity`) and recomputes a damaged one with a line saying
which and why; cells outside the current grid are kept but ignored (``prune``
deletes them). One campaign process per folder (:mod:`pipeline.campaign.lock`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.campaign.cell import run_contest
from pipeline.campaign.config import EXECUTORS, CampaignConfig
from pipeline.campaign.config_file import load_config
from pipeline.campaign.context import CampaignContext, prepare
from pipeline.campaign.executors import fault, run_local, run_ray
from pipeline.campaign.grid import Cell, Contest, cells_of, contests_of
from pipeline.campaign.lock import folder_lock
from pipeline.campaign.store import (
    check_cell,
    check_contest,
    claim_folder,
    open_folder,
    outside_grid,
    prune,
    write_cell,
    write_contest,
)
from pipeline.errors import InputError, OutputError

__all__ = ["CampaignProgress", "CampaignReport", "run_campaign"]


@dataclass(frozen=True)
class CampaignProgress:
    """Where a running campaign is: cells finished (of ``cells_total``), runs simulated.
    ``notice``: ``message`` is a line the user should read (a damaged cell, cells outside
    the grid), not a status."""

    cells_done: int
    cells_total: int
    runs_done: int
    message: str = ""
    notice: bool = False


@dataclass(frozen=True)
class CampaignReport:
    """What :func:`run_campaign` did: cells run and skipped, of them ``cells_damaged``
    recomputed because their files changed since written; ``cells_outside`` (and
    ``contests_outside``) of other grids in the folder, deleted when ``pruned``."""

    output: Path
    fingerprint: str
    cells_total: int
    cells_run: int
    cells_skipped: int
    runs: int
    seconds: float
    cells_damaged: int = 0
    cells_outside: int = 0
    contests_outside: int = 0
    pruned: bool = False


def run_campaign(
    config: CampaignConfig | str | Path,
    *,
    executor: str = "local",
    address: str | None = None,
    workers: int | None = None,
    resume: bool = True,
    output: str | Path | None = None,
    progress: Callable[[CampaignProgress], None] | None = None,
    prune: bool = False,
) -> CampaignReport:
    """Run every cell of a campaign and write its results folder (see the module doc).

    ``executor``: ``"local"`` (this process; ``workers`` cells at a time in
    threads, default one per CPU) or ``"ray"`` (one task per cell on a Ray
    cluster at ``address``, or a local one with ``workers`` CPUs). ``resume``
    skips cells already in the folder whose files are whole (damaged ones are
    recomputed, each with a notice); without it every cell is recomputed and
    overwritten. ``prune`` deletes the files of cells outside the current grid (else a
    notice says they are kept but ignored). A folder holding another campaign's results
    (other settings or inputs), or locked by a running campaign, is refused.
    Results are identical for both executors and any ``workers``.
    """
    t0 = time.perf_counter()
    cfg = config if isinstance(config, CampaignConfig) else load_config(config)
    if executor not in EXECUTORS:
        raise InputError(f"unknown executor {executor!r}; expected local or ray")
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise InputError(f"workers must be a positive integer, got {workers}")
    if executor == "ray":
        from pipeline.seeding.registry import registered

        custom = [s for s in cfg.strategies if s in registered()]
        if custom:
            raise InputError(
                f"strategies {', '.join(custom)} are registered in this process only; Ray "
                "workers cannot run them: use the local executor"
            )
    out = Path(output).resolve() if output is not None else cfg.output
    note = progress or (lambda _p: None)
    ctx = prepare(cfg, lambda msg: note(CampaignProgress(0, 0, 0, msg)))
    cells = cells_of(cfg, ctx.brands)
    contests = contests_of(cfg, ctx.brands)
    open_folder(out)
    with folder_lock(out):
        return _run(ctx, out, cells, contests, executor, address, workers, resume, prune, note,
                    t0)  # fmt: skip


def _tell(note: Callable[[CampaignProgress], None], message: str) -> None:
    note(CampaignProgress(0, 0, 0, message, notice=True))


def _adopted(note: Callable[[CampaignProgress], None], n: int, what: str) -> None:
    if n:
        _tell(note, f"note: {n} finished {what} written by an older version had no integrity "
                    "record; their files read back whole and are now recorded")  # fmt: skip


def _run(
    ctx: CampaignContext,
    out: Path,
    cells: list[Cell],
    contests: list[Contest],
    executor: str,
    address: str | None,
    workers: int | None,
    resume: bool,
    prune_: bool,
    note: Callable[[CampaignProgress], None],
    t0: float,
) -> CampaignReport:
    """:func:`run_campaign` once the folder is locked."""
    cfg = ctx.config
    for line in claim_folder(ctx, out, cells, contests):
        _tell(note, line)
    n_out, n_contests, stray = outside_grid(out, cells, contests)
    what = f"{n_out} cell(s)" + (f" and {n_contests} contest(s)" if n_contests else "")
    if stray and prune_:
        prune(stray)
        _tell(note, f"pruned {what} outside the current grid ({len(stray)} file(s) deleted)")
    elif stray:
        _tell(note, f"note: {what} outside the current grid are kept but ignored by summaries; "
                    "`influence campaign --prune` deletes them")  # fmt: skip
    todo, damaged, adopted = [], 0, 0
    for cell in cells:
        check = check_cell(out, cell, cfg.runs) if resume else None
        if check is not None and check.done:
            adopted += check.adopted
            continue
        if check is not None and check.problem:
            damaged += 1
            _tell(note, f"cell {cell.label}: {check.problem}; recomputing")
        todo.append(cell)
    _adopted(note, adopted, "cell(s)")
    skipped = len(cells) - len(todo)
    kill_after = fault("kill-driver-after")
    run = run_ray if executor == "ray" else run_local
    note(CampaignProgress(skipped, len(cells), 0, "running"))
    for written, tables in enumerate(run(ctx, todo, workers, address), start=1):
        try:
            write_cell(out, tables)
        except OutputError as exc:
            raise OutputError(
                f"{exc}. The {skipped + written - 1} finished cell(s) in {out} are safe: "
                f"make room (or make the folder writable) and rerun to resume"
            ) from None
        note(CampaignProgress(skipped + written, len(cells), written * cfg.runs, tables.cell.label))
        if kill_after is not None and written >= int(kill_after):
            os._exit(137)
    pending, adopted = [], 0
    quality = ctx.quality() is not None
    for contest in contests:
        check = check_contest(out, contest, quality=quality) if resume else None
        if check is not None and check.done:
            adopted += check.adopted
            continue
        if check is not None and check.problem:
            _tell(note, f"competition {contest.key}: {check.problem}; recomputing")
        pending.append(contest)
    for i, contest in enumerate(pending, start=1):
        df = run_contest(ctx, contest, out, threads=workers if executor == "local" else None)
        try:
            write_contest(out, contest, df)
        except OutputError as exc:
            raise OutputError(
                f"{exc}. Every cell and {i - 1} competition table(s) are safe: make room "
                f"and rerun to resume"
            ) from None
        note(CampaignProgress(len(cells), len(cells), 0, f"competition {i}/{len(pending)}"))
    _adopted(note, adopted, "contest(s)")
    return CampaignReport(
        output=out,
        fingerprint=ctx.fingerprint,
        cells_total=len(cells),
        cells_run=len(todo),
        cells_skipped=skipped,
        runs=len(todo) * cfg.runs,
        seconds=time.perf_counter() - t0,
        cells_damaged=damaged,
        cells_outside=n_out,
        contests_outside=n_contests,
        pruned=prune_ and bool(stray),
    )
