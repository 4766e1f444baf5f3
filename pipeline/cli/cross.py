"""``influence cross-model``: every strategy's one plan under every model, with regret."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli.common import app, handle_errors
from pipeline.cli.options import OutFormatO, OutO, QuietO, ResultsArg
from pipeline.cli.output import CURRENCY, emit_table, one_stdout, out_console, print_json

__all__ = ["cross_model_command"]


@app.command("cross-model")
@handle_errors
def cross_model_command(
    results: ResultsArg,
    out: OutO = None,
    out_format: OutFormatO = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the table and the verdicts as strict JSON.")
    ] = False,
    quiet: QuietO = False,
) -> None:
    """Each strategy's plan, chosen once under the plan model, simulated under every model.

    regret = 1 - its mean / the best mean of any plan chosen for that model (0: as good
    as the best achievable; docs/verdicts.md), with the absolute gap and its paired 95%
    interval; plan_rank ranks the plans chosen under the plan model. Then, per brand,
    whether the leading plan stays best under every model. --out writes every column.
    """
    from pipeline.aggregate import cross_model, cross_model_verdicts, load_results
    from pipeline.cli.results import _print_notes

    res = load_results(results)
    CURRENCY[0] = res.currency
    df = cross_model(res)
    one_stdout(out, json_out)
    _print_notes(res, quiet)
    if json_out:
        if out is not None:
            emit_table(df, out, out_format, "cross-model", True)
        print_json({"objective": res.objective, "plan_model": res.plan_model,
                    "rows": df.to_dicts(),
                    "verdicts": cross_model_verdicts(res).to_dicts()})  # fmt: skip
        return
    if out is not None:
        emit_table(df, out, out_format, "cross-model", quiet)
        return
    shown = {
        "brand": "brand", "budget": "budget", "k": "k", "strategy": "strategy",
        "model": "model", "mean": res.objective, "plan_rank": "rank",
        "best_strategy": "best", "best_plan_model": "best_for", "regret": "regret",
    }  # fmt: skip
    table = df.select(list(shown)).rename(shown)
    table = table.select([c for c in table.columns if table[c].null_count() < table.height])
    title = (
        f"plans chosen for {res.plan_model}, under every model ({res.objective.replace('_', ' ')};"
        " regret: share of the best achievable given up)"
    )
    emit_table(table, None, None, title, quiet, max_rows=400)
    if not quiet:
        for row in cross_model_verdicts(res).iter_rows(named=True):
            out_console.print(f"{row['brand']}: {row['verdict']}", highlight=False, markup=False,
                              soft_wrap=True)  # fmt: skip
