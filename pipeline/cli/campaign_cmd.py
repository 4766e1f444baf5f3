"""``influence campaign``: run every cell of a campaign file and print the verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)

from pipeline import defaults
from pipeline.cli.common import app, handle_errors, taken_interrupt
from pipeline.cli.options import ExecutorOpt, QuietO
from pipeline.cli.output import err_console
from pipeline.cli.results import print_verdicts
from pipeline.errors import InputError

__all__ = ["campaign"]


@app.command()
@handle_errors
def campaign(
    config: Annotated[
        Path | None,
        typer.Argument(
            help="Campaign TOML file (see configs/demo.toml); not needed with --schema.",
            show_default=False,
        ),
    ] = None,
    executor: Annotated[
        ExecutorOpt,
        typer.Option(
            "--executor",
            help="local: this machine's cores; ray: one Ray task per cell (same numbers).",
        ),
    ] = ExecutorOpt.local,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="Ray cluster address (e.g. ray://head:10001 or auto); "
            "default: start a local cluster.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="local: cells run at once, one thread each; ray: CPUs of the local cluster "
            "(default: all cores).",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume",
            help="Skip finished cells whose files are whole (--no-resume recomputes all).",
        ),
    ] = True,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Results folder; default: the config's 'output'."),
    ] = None,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Delete the files of cells outside the current grid (kept but ignored "
            "by summaries otherwise).",
        ),
    ] = False,
    ambassador_cost: Annotated[
        float | None,
        typer.Option(
            "--ambassador-cost",
            help="What enlisting one ambassador costs (currency units; default the "
            f"file's [costs] ambassador, else {defaults.AMBASSADOR_COST:g}).",
        ),
    ] = None,
    quiet: QuietO = False,
    schema: Annotated[
        bool,
        typer.Option(
            "--schema",
            help="Print the campaign file's JSON Schema (draft 2020-12, for TOML editors) "
            "and exit.",
        ),
    ] = False,
) -> None:
    """Run a campaign: every brand x model x strategy x budget cell, seeds then simulations.

    Writes a results folder (Parquet, partitioned by brand) that summarize, compare,
    report and export read; re-running resumes it. Prints the verdict per brand.
    """
    if schema:
        import json

        from pipeline.campaign.config_schema import campaign_schema

        typer.echo(json.dumps(campaign_schema(), indent=2, ensure_ascii=False))
        return
    if config is None:
        raise InputError(
            "campaign: give a campaign file (see configs/demo.toml), or --schema to print "
            "its JSON Schema"
        )
    from pipeline.campaign.driver import CampaignProgress, run_campaign

    state = {"start": 0.0, "runs": 0}
    progress_bar: Progress | None = None
    task = None

    def note(p: CampaignProgress) -> None:
        nonlocal progress_bar, task
        if quiet:
            return
        if p.notice:  # a damaged cell, cells outside the grid: always shown
            err_console.print(p.message, highlight=False, markup=False, soft_wrap=True)
            return
        if p.cells_total == 0:
            if not err_console.is_terminal:
                err_console.print(p.message, highlight=False, soft_wrap=True)
            return
        if p.message == "running":
            import time

            state["start"] = time.perf_counter()
            if err_console.is_terminal:
                progress_bar = Progress(
                    SpinnerColumn(),
                    TextColumn("cells"),
                    BarColumn(bar_width=None),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"),
                    TimeRemainingColumn(),
                    console=err_console,
                    transient=True,
                )
                progress_bar.start()
                task = progress_bar.add_task(
                    "cells", total=p.cells_total, completed=p.cells_done, rate=""
                )
            elif p.cells_done:
                err_console.print(
                    f"{p.cells_done} of {p.cells_total} cells already done", highlight=False
                )
            return
        import time

        rate = p.runs_done / max(time.perf_counter() - state["start"], 1e-9)
        if progress_bar is not None and task is not None:
            progress_bar.update(task, completed=p.cells_done, rate=f"{rate:,.0f} runs/s")
        else:
            err_console.print(
                f"[{p.cells_done}/{p.cells_total}] {p.message} ({rate:,.0f} runs/s)",
                highlight=False,
            )

    cfg: Any = config
    if ambassador_cost is not None:  # a setting: the results fingerprint changes with it
        from dataclasses import replace

        from pipeline.campaign.config_file import load_config

        if not (ambassador_cost >= 0 and ambassador_cost < float("inf")):
            raise InputError(f"--ambassador-cost must be a number >= 0, got {ambassador_cost:g}")
        cfg = replace(load_config(config), ambassador_cost=float(ambassador_cost))
    try:
        report = run_campaign(
            cfg,
            executor=executor.value,
            address=address,
            workers=workers,
            resume=resume,
            output=output,
            progress=note,
            prune=prune,
        )
    except KeyboardInterrupt:
        taken_interrupt()
        if progress_bar is not None:
            progress_bar.stop()
        err_console.print(
            "interrupted: finished cells are saved; run the same command again to resume",
            highlight=False,
        )
        raise typer.Exit(130) from None
    finally:
        if progress_bar is not None:
            progress_bar.stop()
    if quiet:
        return
    err_console.print(
        f"{report.cells_run} cells run, {report.cells_skipped} already done, "
        f"{report.runs:,} simulations in {report.seconds:,.1f} s; results in {report.output}",
        highlight=False,
    )
    print_verdicts(report.output)
