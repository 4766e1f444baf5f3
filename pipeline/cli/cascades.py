"""``influence convert-cascades``: public research cascade files into an action log.

Reads FOREST, MS-HGAT or Inf-VAE cascade text (:mod:`pipeline.calibration.formats`) and
writes the ``account, item, time`` table as CSV or Parquet. O(file size).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import app, handle_errors, spinner
from pipeline.cli.options import QuietO
from pipeline.cli.output import err_console

__all__ = ["CascadeFormatOpt", "convert_cascades_cmd"]


class CascadeFormatOpt(StrEnum):
    forest = "forest"
    mshgat = "mshgat"
    infvae = "infvae"


@app.command("convert-cascades")
@handle_errors
def convert_cascades_cmd(
    cascades: Annotated[
        Path,
        typer.Argument(
            help="Cascade text file, one cascade per line (.gz accepted).", show_default=False
        ),
    ],
    fmt: Annotated[
        CascadeFormatOpt,
        typer.Option(
            "--format",
            help="forest: 'user time,user time,...'; mshgat: the same with a first chunk "
            "'root user time'; infvae: 'seed u1 t1 u2 t2 ...' (the seed gets t1).",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Action log to write: .csv or .parquet (- for CSV on standard output).",
            dir_okay=False,
            show_default=False,
        ),
    ],
    id_map: Annotated[
        Path | None,
        typer.Option(
            "--id-map",
            help="CSV mapping the file's user tokens to account IDs: columns id,account "
            "(or the first two); every token must be in it.",
        ),
    ] = None,
    quiet: QuietO = False,
) -> None:
    """Convert a research cascade file (FOREST, MS-HGAT, Inf-VAE) into an action log.

    Each non-empty line is one item, numbered from 0 in file order; times are seconds as
    written. The output has the columns account, item, time, ready for the calibration
    commands. A malformed chunk is reported with its line and chunk number.
    """
    from pipeline.calibration.formats import convert_cascades

    with spinner(f"converting {cascades}", quiet):
        df = convert_cascades(cascades, fmt.value, out, id_map=id_map)
    if not quiet:
        where = "standard output" if str(out) == "-" else str(out)
        err_console.print(
            f"{df['item'].n_unique():,} items, {df.height:,} adoptions, "
            f"{df['account'].n_unique():,} distinct accounts -> {where}",
            highlight=False,
            soft_wrap=True,
        )
