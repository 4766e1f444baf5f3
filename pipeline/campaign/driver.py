""":func:`run_campaign`: prepare, claim the folder, run the missing cells, write them, contests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.campaign.cell import run_contest
from pipeline.campaign.config import EXECUTORS, CampaignConfig
from pipeline.campaign.config_file import load_config
from pipeline.campaign.context import prepare
from pipeline.campaign.executors import fault, run_local, run_ray
from pipeline.campaign.grid import cells_of, contests_of
from pipeline.campaign.store import claim_folder, contest_path, is_done, write_cell
from pipeline.errors import InputError, OutputError
from pipeline.export import ensure_folder

__all__ = ["CampaignProgress", "CampaignReport", "run_campaign"]


@dataclass(frozen=True)
class CampaignProgress:
    """Where a running campaign is: cells finished (of ``cells_total``), runs simulated."""

    cells_done: int
    cells_total: int
    runs_done: int
    message: str = ""


@dataclass(frozen=True)
class CampaignReport:
    """What :func:`run_campaign` did."""

    output: Path
    fingerprint: str
    cells_total: int
    cells_run: int
    cells_skipped: int
    runs: int
    seconds: float


def run_campaign(
    config: CampaignConfig | str | Path,
    *,
    executor: str = "local",
    address: str | None = None,
    workers: int | None = None,
    resume: bool = True,
    output: str | Path | None = None,
    progress: Callable[[CampaignProgress], None] | None = None,
) -> CampaignReport:
    """Run every cell of a campaign and write its results folder (see the module doc).

    ``executor``: ``"local"`` (this process; ``workers`` cells at a time in
    threads, default one per CPU) or ``"ray"`` (one task per cell on a Ray
    cluster at ``address``, or a local one with ``workers`` CPUs). ``resume``
    skips cells already in the folder; without it every cell is recomputed and overwritten. A folder
    holding another campaign's results (other settings or inputs) is refused.
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
    claim_folder(ctx, out, cells)
    todo = [c for c in cells if not (resume and is_done(out, c))]
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
    contests = [c for c in contests_of(cfg, ctx.brands)
                if not (resume and contest_path(out, c).is_file())]  # fmt: skip
    if contests:
        from pipeline.export import write_table

        ensure_folder(out / "competition")
        for i, contest in enumerate(contests, start=1):
            df = run_contest(ctx, contest, out, threads=workers if executor == "local" else None)
            try:
                write_table(df, contest_path(out, contest), "parquet")
            except OutputError as exc:
                raise OutputError(
                    f"{exc}. Every cell and {i - 1} competition table(s) are safe: make room "
                    f"and rerun to resume"
                ) from None
            note(CampaignProgress(len(cells), len(cells), 0, f"competition {i}/{len(contests)}"))
    return CampaignReport(
        output=out,
        fingerprint=ctx.fingerprint,
        cells_total=len(cells),
        cells_run=len(todo),
        cells_skipped=skipped,
        runs=len(todo) * cfg.runs,
        seconds=time.perf_counter() - t0,
    )
