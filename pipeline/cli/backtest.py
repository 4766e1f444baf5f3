"""``influence backtest``: score forecasts of earned reach (presets, calibrated models,
baselines) against held-out cascades of an action log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline import defaults
from pipeline.cli.calibrate import (
    ActionsO,
    BootO,
    BrandO,
    ColumnsAllO,
    HorizonO,
    JsonO,
    StepO,
    about_log,
    check_em_step,
    load_inputs,
)
from pipeline.cli.common import app, handle_errors, spinner
from pipeline.cli.options import (
    DuplicatesO,
    EdgeMeaningO,
    FormatO,
    GraphArg,
    HeaderO,
    QuietO,
    SeedO,
    SourceColO,
    TargetColO,
    UndirectedO,
)
from pipeline.cli.output import err_console, print_json
from pipeline.errors import InputError

__all__ = ["backtest_cmd"]


def _plain(row: dict[str, Any]) -> str:
    b, c90 = row["earned_bias"], row["coverage90"]
    times = "n/a" if b is None else (f"{b:,.0f}" if b >= 10 else f"{b:.2g}")
    words = "n/a" if b is None else f"predicts {times}x what happened"
    if c90 is not None:
        words += f"; {c90:.0%} of outcomes inside its 90% range"
    return words


def _num(v: Any, pct: bool = False) -> str:
    return "n/a" if v is None else (f"{v:.0%}" if pct else f"{v:.3g}")


def _print_backtest(res: Any, horizon: float, quiet: bool) -> None:
    """The backtest's two tables for people: rows best first, and by tier."""
    import polars as pl

    from pipeline.cli.output import emit_table

    info = res.info
    rows = res.models
    table = pl.DataFrame({
        "model": [r["model"] for r in rows],
        "bias": [_num(r["earned_bias"]) for r in rows],
        "bias 95%": [f"{_num(r['ci']['earned_bias'][0])}-{_num(r['ci']['earned_bias'][1])}"
                     for r in rows],
        "msle": [_num(r["msle"]) for r in rows],
        "spearman": [_num(r["spearman"]) for r in rows],
        "in 90%": [_num(r["coverage90"], True) for r in rows],
        "wape": [_num(r["earned_wape"]) for r in rows],
        "in plain words": [_plain(r) for r in rows],
    })  # fmt: skip
    title = (
        f"earned reach on {info['test_items']:,} test items ({info['train_items']:,} train, "
        f"{info['validation_items']:,} validation; {horizon / 86400:g}-day horizon), best first"
    )
    emit_table(table, None, None, title, quiet)
    tiers = pl.DataFrame({
        "group": [r["group"] for r in res.by_tier],
        "model": [r["model"] for r in res.by_tier],
        "items": [str(r["items"]) for r in res.by_tier],
        "actual/seed": [_num(r["actual_per_seed"]) for r in res.by_tier],
        "predicted/seed": [_num(r["predicted_per_seed"]) for r in res.by_tier],
        "95%": [f"{_num(r['ci'][0])}-{_num(r['ci'][1])}" for r in res.by_tier],
    })  # fmt: skip
    emit_table(tiers, None, None, "earned reach per seed: seeded by a top-1% account vs the rest",
               quiet, max_rows=100)  # fmt: skip
    spread = res.origin_spread()
    if spread:

        def span(v: Any, pct: bool = False) -> str:
            return "n/a" if v is None else f"{_num(v[0], pct)} to {_num(v[1], pct)}"

        by_origin = pl.DataFrame({
            "model": [r["model"] for r in spread],
            "bias": [span(r["earned_bias"]) for r in spread],
            "msle": [span(r["msle"]) for r in spread],
            "spearman": [span(r["spearman"]) for r in spread],
            "in 90%": [span(r["coverage90"], True) for r in spread],
        })  # fmt: skip
        where = ", ".join(f"{o['origin']:.0%}" for o in res.origins)
        emit_table(by_origin, None, None, f"spread over test windows starting at {where} of items",
                   quiet)  # fmt: skip


@app.command("backtest")
@handle_errors
def backtest_cmd(
    graph: GraphArg,
    actions: ActionsO,
    horizon: HorizonO = "365d",
    split: Annotated[
        str, typer.Option("--split", help="Train, validation, test shares of items.")
    ] = "0.7,0.1,0.2",
    models: Annotated[
        str,
        typer.Option(
            "--models",
            help="Rows: ic:P, wc, calibrated (every method but em), "
            "calibrated:METHOD, calibrated:FILE.toml.",
        ),
    ] = "ic:0.01,ic:0.025,wc,calibrated",
    seeds: Annotated[
        str,
        typer.Option(
            "--seeds",
            help="Each test item's seeds: initiators, first:K, log (the log's seed column) "
            "or auto (log when the log has a seed column, else initiators).",
        ),
    ] = "auto",
    runs: Annotated[
        int, typer.Option("--runs", help="Simulations per test item and row.")
    ] = defaults.BACKTEST_RUNS,
    bootstrap: BootO = 20,
    origins: Annotated[
        int, typer.Option("--origins", help="Test windows (1, or 3 at 60/70/80%).")
    ] = 1,
    train_events: Annotated[
        str,
        typer.Option(
            "--train-events",
            help="before-test: only events before the first test "
            "item (cut windows censored); item-windows: each training item's whole window.",
        ),
    ] = "before-test",
    step: StepO = "1d",
    seed: SeedO = defaults.SEED,
    brand: BrandO = None,
    profiles: Annotated[
        Path | None,
        typer.Option(
            "--profiles",
            help="Profiles table: by-tier splits on its platform followers, not in-graph ones.",
        ),
    ] = None,
    columns: ColumnsAllO = None,
    json_out: JsonO = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Per-item predictions (.csv, .parquet).", dir_okay=False),
    ] = None,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = None,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    duplicates: DuplicatesO = "max",
    undirected: UndirectedO = False,
    quiet: QuietO = False,
) -> None:
    """Score forecasts of earned reach (presets, calibrated models, baselines) on held-out items."""
    import polars as pl

    from pipeline.api_logs import backtest, seconds
    from pipeline.export import write_table

    h = seconds(horizon)
    st = seconds(step, "step")
    try:
        parts = tuple(float(x) for x in split.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3:
        raise InputError(f"«split» must be three shares such as 0.7,0.1,0.2, got {split!r}")
    if "calibrated:em" in (t.strip() for t in models.split(",")):
        check_em_step(st, h, step, horizon)
    g, _log, cas = load_inputs(
        graph,
        actions,
        columns,
        brand,
        fmt,
        edge_meaning,
        source_col,
        target_col,
        header,
        quiet or json_out,
        duplicates,
        undirected,
    )
    prof = None
    if profiles is not None:
        from pipeline.profiles import load_profiles

        prof = load_profiles(profiles, g)
    with spinner("backtesting", quiet or json_out), about_log(actions):
        res = backtest(g, cas, horizon=h, split=parts, models=models,
                       seeds=seeds, runs=runs, bootstrap=bootstrap, origins=origins, seed=seed,
                       step=st, train_events=train_events, profiles=prof)  # fmt: skip
    if out is not None:
        write_table(pl.DataFrame(res.items), out)
    if json_out:
        print_json(res.to_json())
        return
    _print_backtest(res, h, quiet)
    if out is not None:
        err_console.print(f"wrote {out}", highlight=False, markup=False, soft_wrap=True)
