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
from pipeline.cli.output import emit_table, out_console, print_json

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
    brands: Annotated[
        Path | None,
        typer.Option(
            "--brands",
            help="Brands table (with --profiles and --brand): each account's topic relevance "
            "to the brand, shown, never excluding anyone.",
        ),
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
    validate: Annotated[
        bool,
        typer.Option(
            "--validate",
            help="Rank on the earlier items, then compare the top N by credit, by followers "
            "and by PageRank on the later items they started (adopters per initiator).",
        ),
    ] = False,
    holdout: Annotated[
        float, typer.Option("--holdout", help="With --validate: the share of later items.")
    ] = 0.2,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed of --validate.")] = 0,
    columns: ColumnsAllO = None,
    json_out: JsonO = False,
    out: OutO = None,
    out_format: OutFormatO = None,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = None,
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
    from pipeline.api_logs import rank_ambassadors, seconds
    from pipeline.calibration.ambassadors import (
        item_positions,
        validate_ranking,
        validation_verdict,
    )

    h = seconds(horizon)
    quiet = quiet or json_out
    g, _log, cas = load_inputs(
        graph, actions, columns, brand, fmt, edge_meaning, source_col, target_col, header,
        quiet, duplicates, undirected,
    )  # fmt: skip
    prof = load_profiles_arg(profiles, g, None, quiet)
    table_of_brands = None
    if brands is not None:  # rank_ambassadors says what --brands needs besides
        from pipeline.profiles import load_brands

        table_of_brands = load_brands(brands)
    with spinner("crediting", quiet):
        table = rank_ambassadors(
            g, cas, horizon=h, decay=decay, items=items, min_actions=min_actions, top=top,
            profiles=prof, brands=table_of_brands, brand=brand,
        )  # fmt: skip
        check = None
        if validate:
            check = validate_ranking(
                g, cas, horizon=h, holdout=holdout, top=top, decay=decay,
                items=item_positions(cas, items), seed=seed,
            )  # fmt: skip
    if json_out:
        rows = table.select(
            "id", "credit", "items", "initiated", "per_initiation", "followers", "reason"
        ).rename({"id": "account"})
        payload: dict[str, object] = {"ambassadors": rows.to_dicts()}
        if check is not None:
            payload["validation"] = {
                "holdout": holdout, "rankings": check.to_dicts(),
                "verdict": validation_verdict(check),
            }  # fmt: skip
        print_json(payload)
        return
    emit_table(table, out, out_format, f"ambassadors ({actions.name})", quiet, max_rows=top)
    if check is not None:
        emit_table(check, None, None, f"validation on the last {holdout:.0%} of items", quiet)
        if not quiet:
            out_console.print(validation_verdict(check), highlight=False, soft_wrap=True)
