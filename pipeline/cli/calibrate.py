"""``influence calibrate`` and ``influence backtest``: learn diffusion probabilities from an
action log, and score forecasts against held-out cascades."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich.table import Table

from pipeline import defaults
from pipeline.cli.common import app, handle_errors, load_graph_arg, spinner
from pipeline.cli.options import (
    EdgeMeaningO,
    EdgeMeaningOpt,
    FormatO,
    GraphArg,
    HeaderO,
    QuietO,
    SeedO,
    SourceColO,
    TargetColO,
)
from pipeline.cli.output import err_console, out_console, print_json
from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.calibration.actions import Cascades
    from pipeline.graph_io import FollowerGraph

__all__ = ["backtest_cmd", "calibrate_cmd"]


class MethodOpt(StrEnum):
    global_p = "global-p"
    bernoulli = "bernoulli"
    partial_credit = "partial-credit"
    wc_scale = "wc-scale"
    em = "em"


ActionsO = Annotated[
    Path,
    typer.Option(
        "--actions",
        help="Action log: CSV/TSV/Parquet with account, item, time (seconds or ISO 8601 with "
        "an offset); optional seed, via, brand.",
        show_default=False,
    ),
]
ColumnsAllO = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="Column names of both files, e.g. account=user,item=post,time=ts,source=a,target=b "
        "(action names go to --actions, source/target/probability/weight to the graph).",
    ),
]
HorizonO = Annotated[
    str, typer.Option("--horizon", help="Adoptions count within this long of an item's first one.")
]
BrandO = Annotated[str | None, typer.Option("--brand", help="Only the log's rows of this brand.")]
JsonO = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
BootO = Annotated[
    int, typer.Option("--bootstrap", help="Refits on items drawn with replacement (intervals).")
]
StepO = Annotated[str, typer.Option("--step", help="Time step of the em method's bins.")]


def _inputs(
    graph: Path,
    actions: Path,
    columns: str | None,
    brand: str | None,
    fmt: Any,
    meaning: Any,
    source_col: str | None,
    target_col: str | None,
    header: bool | None,
    quiet: bool,
) -> tuple[FollowerGraph, Any, Cascades]:
    """Graph, log and the log on the graph, with ``--columns`` split between the two."""
    from pipeline.calibration.actions import ACTION_COLUMNS, load_actions, place_on
    from pipeline.columns import EDGE_COLUMNS, parse_columns

    both = parse_columns(columns, allowed=(*EDGE_COLUMNS, *ACTION_COLUMNS)) if columns else {}
    edge_map = {k: v for k, v in both.items() if k in EDGE_COLUMNS} or None
    log_map = {k: v for k, v in both.items() if k in ACTION_COLUMNS} or None
    with spinner(f"reading {actions}", quiet):
        log = load_actions(actions, columns=log_map)
    g = load_graph_arg(
        graph, fmt, meaning, source_col, target_col, quiet, header=header, columns=edge_map
    )
    cascades = place_on(log, g, brand=brand)
    if not quiet:
        err_console.print(
            f"{actions}: {log.table.height:,} adoptions of {cascades.n_items:,} items "
            f"({log.duplicates_dropped:,} duplicate rows dropped; {cascades.missing_accounts:,} "
            f"accounts, {cascades.missing_rows:,} rows, not in the graph: exogenous)",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    return g, log, cascades


def _criticality_note(r: float) -> str:
    if abs(r - 1.0) <= 0.2:
        return (
            f"warning: branching factor R = {r:.2f} is within 20% of 1 (the tipping point): "
            "small changes in p change reach many times over; treat forecasts as fragile"
        )
    return f"branching factor R = {r:.2f} ({'supercritical' if r > 1 else 'subcritical'})"


@app.command("calibrate")
@handle_errors
def calibrate_cmd(
    graph: GraphArg,
    actions: ActionsO,
    method: Annotated[MethodOpt, typer.Option("--method", help="What to fit.", show_default=False)],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The model file (MODEL.toml).", dir_okay=False)
    ],
    horizon: HorizonO = "365d",
    validation: Annotated[
        float, typer.Option("--validation", help="Share of items (the latest) for the shrink.")
    ] = 0.1,
    bootstrap: BootO = 20,
    seed: SeedO = defaults.SEED,
    step: StepO = "1d",
    prior_strength: Annotated[
        float, typer.Option("--prior-strength", help="Beta prior pseudo-trials (per-edge).")
    ] = 20.0,
    brand: BrandO = None,
    columns: ColumnsAllO = None,
    json_out: JsonO = False,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    quiet: QuietO = False,
) -> None:
    """Fit diffusion probabilities to an action log and write a calibrated model file."""
    from pipeline.calibration.fit import calibrate, observed_cap
    from pipeline.calibration.save import parse_duration, save_calibration
    from pipeline.calibration.sensitivity import sensitivity

    h = parse_duration(horizon)
    st = parse_duration(step, "step")
    g, log, cas = _inputs(
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
    )
    with spinner(f"fitting {method.value}", quiet or json_out):
        cal = calibrate(
            g,
            cas,
            method.value,
            horizon=h,
            validation=validation,
            bootstrap=bootstrap,
            seed=seed,
            step=st,
            prior_strength=prior_strength,
        )
        cap = observed_cap(g, cas, np.arange(cas.n_items), h)
        sens = sensitivity(g, cas, cal, seed=seed, cap=cap)
    toml_path, edge_path = save_calibration(cal, g, log, out)
    payload = {
        **cal.summary(),
        "sensitivity": sens,
        "model_file": str(toml_path),
        "edge_file": str(edge_path) if edge_path else None,
    }
    if json_out:
        print_json(payload)
        return
    name = {"global-p": "p", "em": "p", "wc-scale": "c"}.get(cal.method, "shrink")
    lo, hi = cal.ci
    o = out_console
    o.print(
        f"{cal.method}: {name} = {cal.value:.4g} (95% interval {lo:.4g} to {hi:.4g}, "
        f"{bootstrap} bootstrap refits over items)",
        highlight=False,
        markup=False,
    )
    if cal.prior_p is not None:
        o.print(
            f"  edge probabilities: Beta prior mean {cal.prior_p:.4g}, strength "
            f"{cal.prior_strength:g}; {cal.edges_with_data:,} edges with data",
            highlight=False,
            markup=False,
        )
    share = cal.initiators / cal.adoptions if cal.adoptions else 0.0
    o.print(
        f"  fitted on {cal.items:,} items ({cal.censored_items:,} censored): "
        f"{cal.adoptions:,} adoptions in the graph within {h / 86400:g} days, "
        f"{cal.initiators:,} of them ({share:.0%}) initiators with no earlier-adopting "
        f"neighbour; {cal.failures:,} failed exposures",
        highlight=False,
        markup=False,
    )
    o.print(
        "  "
        + _criticality_note(cal.branching_factor)
        + (
            f"; simulated mean offspring {sens['offspring']:.2f}"
            if sens["offspring"] is not None
            else ""
        ),
        highlight=False,
        markup=False,
    )
    t = Table(
        title=f"earned reach predicted / actual on {sens['items']:,} fit items",
        title_justify="left",
    )
    t.add_column("factor", justify="right")
    t.add_column(name, justify="right")
    t.add_column("predicted / actual", justify="right")
    for row in sens["curve"]:
        b = row["earned_bias"]
        t.add_row(f"{row['factor']:g}x", f"{row['value']:.4g}", "n/a" if b is None else f"{b:.2f}x")
    o.print(t)
    o.print(
        f"wrote {toml_path}" + (f" and {edge_path}" if edge_path else ""),
        highlight=False,
        markup=False,
    )


def _plain(row: dict[str, Any]) -> str:
    b, c90 = row["earned_bias"], row["coverage90"]
    words = "n/a" if b is None else f"predicts {b:.2g}x what happened"
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
    columns: ColumnsAllO = None,
    json_out: JsonO = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Per-item predictions (.csv, .parquet).", dir_okay=False),
    ] = None,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    quiet: QuietO = False,
) -> None:
    """Score forecasts of earned reach (presets, calibrated models, baselines) on held-out items."""
    import polars as pl

    from pipeline.calibration.backtest import backtest
    from pipeline.calibration.save import parse_duration
    from pipeline.export import write_table

    h = parse_duration(horizon)
    st = parse_duration(step, "step")
    try:
        parts = tuple(float(x) for x in split.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3:
        raise InputError(f"«split» must be three shares such as 0.7,0.1,0.2, got {split!r}")
    g, _log, cas = _inputs(
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
    )
    with spinner("backtesting", quiet or json_out):
        res = backtest(
            g,
            cas,
            horizon=h,
            split=parts,
            models=models,
            seeds=seeds,
            runs=runs,
            bootstrap=bootstrap,
            origins=origins,
            seed=seed,
            step=st,
            train_events=train_events,
        )
    if out is not None:
        write_table(pl.DataFrame(res.items), out)
    if json_out:
        print_json(res.to_json())
        return
    _print_backtest(res, h, quiet)
    if out is not None:
        err_console.print(f"wrote {out}", highlight=False, markup=False)
