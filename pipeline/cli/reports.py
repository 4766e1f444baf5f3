"""``influence report``: the HTML page or PNG charts of a results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import app, handle_errors, spinner
from pipeline.cli.options import QuietO, ReportFormatOpt, ResultsArg
from pipeline.cli.output import err_console, out_console

__all__ = ["report"]


@app.command()
@handle_errors
def report(
    results: ResultsArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="html: the page to write (e.g. report.html; - for stdout). png: a folder for one "
            "<chart-id>.png per chart (created; a name without extension counts as a "
            "folder), or a file name whose stem prefixes the PNGs written beside it.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        ReportFormatOpt,
        typer.Option(
            "--out-format",
            help="html: one self-contained page (opens offline). png: one image per chart, "
            "for slides.",
        ),
    ] = ReportFormatOpt.html,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="Strategy the paired differences are taken against "
            "(default: the campaign's, or macro).",
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", "-t", help="Rows of each brand's top-candidates table.")
    ] = 20,
    quiet: QuietO = False,
) -> None:
    """Write a report of a campaign: charts, verdicts, top candidates and parameters.

    Per brand: expected reach (activated and exposed) against budget with 95% bands, one
    line per strategy; reach per currency unit; paired differences against the baseline;
    the seed mix by tier; the reach curve of the best strategy; the top candidates
    (sortable table). Then the verdicts and every parameter needed to reproduce the
    campaign. Needs the report extra: pip install 'influence-pipeline\\[report]'.
    """
    from pipeline.report import write_report

    with spinner(f"report of {results}", quiet):
        paths = write_report(results, out, format=fmt.value, baseline=baseline, top=top)
    if quiet or str(out) == "-":
        return
    for p in paths:
        out_console.print(str(p), highlight=False)
    err_console.print(f"wrote {len(paths)} {fmt.value} file(s)", highlight=False)
