"""``influence summarize``, ``compare`` and ``export candidates`` (and the verdicts the
campaign command prints, :func:`print_verdicts`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipeline.cli.common import app, handle_errors
from pipeline.cli.options import OutFormatO, OutO, QuietO, ResultsArg
from pipeline.cli.output import (
    CURRENCY,
    ONE_RUN_NOTE,
    emit_table,
    err_console,
    one_stdout,
    out_console,
    print_json,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = ["compare", "export_app", "export_candidates", "print_verdicts", "summarize"]


def print_verdicts(folder: Path | Any, baseline: str | None = None) -> None:
    """Per brand, the verdict across models, then the verdict under each model."""
    import polars as pl

    from pipeline.aggregate import Results, cross_model_verdicts, load_results, verdicts
    from pipeline.aggregate.scenarios import scenario_lines

    res = folder if isinstance(folder, Results) else load_results(folder)
    per_model = verdicts(res, baseline)
    scenarios = scenario_lines(res, baseline)  # ambassadors' cost scenarios
    for row in cross_model_verdicts(res).iter_rows(named=True):
        mine = per_model.filter(pl.col("brand") == row["brand"])
        if row["models"] in (None, 1):  # one model (or an old folder): per-model verdicts
            for r in mine.iter_rows(named=True):
                text = f"{row['brand']} ({r['model']}): {r['verdict']}"
                out_console.print(text, highlight=False, soft_wrap=True)
            continue
        lines = [f"{row['brand']}: {row['verdict']}"]
        lines += [f"  under {r['model']}: {r['verdict']}" for r in mine.iter_rows(named=True)]
        for line in lines + [f"  {x}" for x in scenarios.get(row["brand"], [])]:
            out_console.print(line, highlight=False, soft_wrap=True)


@app.command()
@handle_errors
def summarize(
    results: ResultsArg,
    out: OutO = None,
    out_format: OutFormatO = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print every column as one strict JSON object.")
    ] = False,
    quiet: QuietO = False,
) -> None:
    """Per brand x model x strategy x budget: mean reach with 95% CI, reach per cost, tiers.

    Columns: runs; for the platform KPIs (engagements, impressions, people: the
    creators' own posts plus the cascade's, and their earned_ parts) and the in-graph
    counts (activated, exposed, earned_activated, earned_exposed: accounts of the
    sample) mean_<m>, <m>_ci_low/high, <m>_per_cost (per currency unit) and
    cost_per_<m>; cost_per_engagement, cost_per_person, cost_per_mille; cost_spent
    (fees plus per-creator overhead), seeds_used, emv (impressions x CPM / 1000),
    seeds_<tier>, reached_<tier>. The screen shows the campaign's objective; --out
    writes every column.
    """
    from pipeline.aggregate import load_results
    from pipeline.aggregate import summarize as summarize_results

    res = load_results(results)
    CURRENCY[0] = res.currency
    df = summarize_results(res)
    one_stdout(out, json_out)
    _print_notes(res, quiet)
    if json_out:
        if out is not None:  # both: the file, then the JSON
            emit_table(df, out, out_format, "summary", True)
        print_json({"objective": res.objective, "rows": df.to_dicts()})
        return
    if out is not None:
        emit_table(df, out, out_format, "summary", quiet)
        return
    o = res.objective
    shown = {
        "brand": "brand", "model": "model", "strategy": "strategy", "budget": "budget",
        "k": "k", f"mean_{o}": o, f"{o}_ci_low": "ci_low", f"{o}_ci_high": "ci_high",
        "seeds_used": "creators", "cost_spent": "cost", f"{o}_per_cost": "per_cost",
        "emv": "emv",
    }  # fmt: skip
    table = _drop_null_columns(df.select(list(shown)).rename(shown))
    title = f"{o.replace('_', ' ')} per cell (mean over runs, 95% CI; per_cost: per currency unit)"
    emit_table(table, None, None, title, quiet, max_rows=200)
    if not quiet and (df["runs"] < 2).any():
        err_console.print(ONE_RUN_NOTE, highlight=False)


def _print_notes(res: Any, quiet: bool) -> None:
    """The results folder's notes (an objective's fallback, an older format), on stderr."""
    if not quiet:
        for note in res.notes:
            err_console.print(f"note: {note}", highlight=False, markup=False)


def _drop_null_columns(df: pl.DataFrame) -> pl.DataFrame:
    """For display: drop columns that are null in every row (e.g. k in a budget grid)."""
    return df.select([c for c in df.columns if df[c].null_count() < df.height])


@app.command()
@handle_errors
def compare(
    results: ResultsArg,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline", help="Strategy to compare against (default: the campaign's, or macro)."
        ),
    ] = None,
    out: OutO = None,
    out_format: OutFormatO = None,
    json_out: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the differences, verdicts and cross-model table as strict JSON.",
        ),
    ] = False,
    quiet: QuietO = False,
) -> None:
    """Paired differences of every strategy against a baseline, and the verdict per brand.

    Runs of one brand and model share their random numbers, so each difference is taken
    run by run: mean_diff_<m> with its 95% CI and win_share_<m> (share of runs where the
    strategy reaches more; ties count half) for the platform KPIs (engagements,
    impressions, people and their earned_ parts) and the in-graph counts (activated,
    exposed, earned_activated, earned_exposed); the screen shows the campaign's
    objective, per model, then the verdict per brand across models and under each.
    """
    from pipeline.aggregate import compare as compare_results
    from pipeline.aggregate import competition_summary, load_results

    res = load_results(results)
    CURRENCY[0] = res.currency
    df = compare_results(res, baseline)
    one_stdout(out, json_out)
    _print_notes(res, quiet)
    if json_out:
        from pipeline.aggregate import cross_model, cross_model_verdicts, verdicts

        if out is not None:  # both: the file, then the JSON
            emit_table(df, out, out_format, "paired differences", True)
        print_json(
            {
                "objective": res.objective,
                "baseline": baseline or res.baseline,
                "rows": df.to_dicts(),
                "verdicts": verdicts(res, baseline).to_dicts(),
                "cross_model_verdicts": cross_model_verdicts(res).to_dicts(),
                "cross_model": cross_model(res).to_dicts(),
            }
        )
        return
    if out is not None:
        emit_table(df, out, out_format, "paired differences", quiet)
    elif not quiet:
        o = res.objective
        shown = {
            "brand": "brand", "model": "model", "budget": "budget", "k": "k",
            "strategy": "strategy", f"mean_diff_{o}": "mean_diff", f"diff_{o}_ci_low": "ci_low",
            f"diff_{o}_ci_high": "ci_high", f"win_share_{o}": "win_share",
        }  # fmt: skip
        title = (
            f"paired differences in {o.replace('_', ' ')} against "
            f"{df['baseline'][0] if df.height else baseline}, per model"
        )
        table = _drop_null_columns(df.select(list(shown)).rename(shown))
        emit_table(table, None, None, title, quiet, max_rows=200)
    if quiet:
        return
    contests = competition_summary(res)
    if contests.height:
        rivals = ["brands", "model", "strategy", "level", "brand", "mean_adopters", "share",
                  "mean_alone", "loss", "loss_share"]  # fmt: skip
        emit_table(contests.select(rivals), None, None, "competing brands", quiet, max_rows=200)
    print_verdicts(res, baseline)


export_app = typer.Typer(
    help="Export tables from campaign results.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.add_typer(export_app, name="export")


@export_app.command("candidates")
@handle_errors
def export_candidates(
    results: ResultsArg,
    brand: Annotated[str, typer.Option("--brand", help="The brand.", show_default=False)],
    top: Annotated[int, typer.Option("--top", "-t", help="Number of candidates.")] = 20,
    model: Annotated[
        str | None, typer.Option("--model", help="Model label (default: the first).")
    ] = None,
    budget: Annotated[
        float | None, typer.Option("--budget", help="Budget level (default: the largest).")
    ] = None,
    k: Annotated[int | None, typer.Option("--k", help="Seed-count level (k grids).")] = None,
    out: OutO = None,
    out_format: OutFormatO = None,
    quiet: QuietO = False,
) -> None:
    """The ranked candidate list behind the brand's best strategy at a budget.

    One row per influencer in seeding order: rank, id, handle, tier, cost, relevance,
    followers, marginal_reach (the expected extra objective given those above:
    engagements, impressions or people for a KPI, else exposed or activated accounts),
    cumulative_reach, and the brand, model, strategy and level it comes from.
    """
    from pipeline.aggregate import candidates, load_results

    res = load_results(results)
    CURRENCY[0] = res.currency
    df = candidates(res, brand, top=top, model=model, budget=budget, k=k)
    if out is None and not quiet and df.height:
        first = df.row(0, named=True)
        level = (
            f"budget {first['budget']:,.0f}"
            if first["budget"] is not None
            else (f"k = {first['k']}")
        )
        err_console.print(
            f"{brand}: best strategy at {level} ({first['model']}) is {first['strategy']}",
            highlight=False,
        )
        df = _drop_null_columns(df.drop("brand", "model", "strategy", "budget", "k"))
    emit_table(df, out, out_format, "candidates", quiet, max_rows=top)
