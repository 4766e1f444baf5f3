"""``influence ambassadors``: the accounts that already moved people in a brand's own
action log, ranked by influence credit (:mod:`pipeline.calibration.ambassadors`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.calibrate import (
    ActionsO,
    BrandO,
    ColumnsAllO,
    HorizonO,
    JsonO,
    load_inputs,
)
from pipeline.cli.common import app, handle_errors, spinner
from pipeline.cli.loaders import load_profiles_arg
from pipeline.cli.options import (
    DuplicatesO,
    EdgeMeaningO,
    EdgeMeaningOpt,
    FormatO,
    GraphArg,
    HeaderO,
    OutFormatO,
    OutO,
    QuietO,
    SourceColO,
    TargetColO,
    UndirectedO,
)
from pipeline.cli.output import emit_table, print_json

__all__ = ["ambassadors_cmd"]


@app.command("ambassadors")
@handle_errors
def ambassadors_cmd(
    graph: GraphArg,
    actions: ActionsO,
    brand: BrandO = None,
    items: Annotated[
        str | None,
        typer.Option("--items", help="Only items whose ID matches this glob (e.g. 'fb-*')."),
    ] = None,
    profiles: Annotated[
        Path | None,
        typer.Option("--profiles", help="Profiles: handles and platform followers shown."),
    ] = None,
    min_actions: Annotated[
        int, typer.Option("--min-actions", help="Only accounts with at least N adoptions.")
    ] = 1,
    top: Annotated[int, typer.Option("--top", "-t", help="Show the best N.")] = 20,
    horizon: HorizonO = "365d",
    decay: Annotated[
        bool,
        typer.Option(
            "--decay",
            help="Credit a late response less: exp(-delay / tau), tau the log's mean delay.",
        ),
    ] = False,
    columns: ColumnsAllO = None,
    json_out: JsonO = False,
    out: OutO = None,
    out_format: OutFormatO = None,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    duplicates: DuplicatesO = "max",
    undirected: UndirectedO = False,
    quiet: QuietO = False,
) -> None:
    """Rank the accounts whose posts already moved people in the action log (influence
    credit: each adoption credits the accounts it follows that adopted before it, and
    credit flows back along chains), with items, initiations, followers and a reason."""
    from pipeline.calibration.ambassadors import item_positions, rank_ambassadors
    from pipeline.calibration.save import parse_duration

    h = parse_duration(horizon)
    quiet = quiet or json_out
    g, _log, cas = load_inputs(
        graph, actions, columns, brand, fmt, edge_meaning, source_col, target_col, header,
        quiet, duplicates, undirected,
    )  # fmt: skip
    prof = load_profiles_arg(profiles, g, None, quiet)
    with spinner("crediting", quiet):
        table = rank_ambassadors(
            g, cas, horizon=h, decay=decay, items=item_positions(cas, items),
            min_actions=min_actions, top=top, profiles=prof,
        )  # fmt: skip
    if json_out:
        rows = table.select(
            "id", "credit", "items", "initiated", "per_initiation", "followers", "reason"
        ).rename({"id": "account"})
        print_json({"ambassadors": rows.to_dicts()})
        return
    emit_table(table, out, out_format, f"ambassadors ({actions.name})", quiet, max_rows=top)
