"""``influence calibrate``: learn diffusion probabilities from an action log and write a
calibrated model file; the options shared with ``influence backtest``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from pipeline import defaults
from pipeline.cli.common import app, handle_errors, load_graph_arg, spinner
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
from pipeline.cli.output import err_console, out_console, print_json
from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.calibration.actions import Cascades
    from pipeline.graph_io import FollowerGraph

__all__ = [
    "EM_INITIATOR_SHARE",
    "ActionsO",
    "BootO",
    "BrandO",
    "ColumnsAllO",
    "HorizonO",
    "JsonO",
    "StepO",
    "about_log",
    "calibrate_cmd",
    "check_em_step",
    "load_inputs",
]


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


def load_inputs(
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
    duplicates: str = "max",
    undirected: bool = False,
) -> tuple[FollowerGraph, Any, Cascades]:
    """Graph, log and the log on the graph, with ``--columns`` split between the two."""
    from pipeline.calibration.actions import ACTION_COLUMNS, load_actions, place_on
    from pipeline.columns import EDGE_COLUMNS, parse_columns

    both = parse_columns(columns, allowed=(*EDGE_COLUMNS, *ACTION_COLUMNS)) if columns else {}
    edge_map = {k: v for k, v in both.items() if k in EDGE_COLUMNS} or None
    log_map = {k: v for k, v in both.items() if k in ACTION_COLUMNS} or None
    with spinner(f"reading {actions}", quiet):  # the log first: its errors come first
        log = load_actions(actions, columns=log_map)
    g = load_graph_arg(
        graph, fmt, meaning, source_col, target_col, quiet, header, edge_map, duplicates,
        undirected,
    )  # fmt: skip
    cascades = place_on(log, g, brand=brand)  # as pipeline.api_logs.read_actions
    if not quiet:
        err_console.print(
            f"{actions}: {log.table.height:,} adoptions of {cascades.n_items:,} items "
            f"({log.duplicates_dropped:,} duplicate rows dropped; {cascades.missing_accounts:,} "
            f"accounts, {cascades.missing_rows:,} rows, not in the graph: exogenous"
            + (
                f"; {cascades.unknown_via:,} 'via' accounts not in the graph: those adopters "
                "count as initiators"
                if cascades.unknown_via
                else ""
            )
            + ")",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for note in () if quiet else log.notes:  # encoding, separator, stripped spaces, text IDs
        err_console.print(f"note: {note}", highlight=False, soft_wrap=True, markup=False)
    return g, log, cascades


_LOG_PROBLEMS = (
    "no adoption in the fit data",
    "no item's",
    "the split leaves",
    "too few items",
    "no test item",
    "no validation item",
    "only ",
)


@contextmanager
def about_log(actions: Path) -> Iterator[None]:
    """Name the action log in the errors about what it holds (no adoption with a parent,
    no usable or test item): the library's messages cannot know the file."""
    try:
        yield
    except InputError as exc:
        msg = str(exc.args[0]) if exc.args else ""
        if msg.startswith(_LOG_PROBLEMS) and str(actions) not in msg:
            raise InputError(f"{actions}: {msg}") from None
        raise


def check_em_step(step: float, horizon: float, step_text: str, horizon_text: str) -> None:
    """Refuse an em step as long as the horizon: every adoption would fall in the first
    step and none could have a parent in the step before."""
    if step >= horizon:
        raise InputError(
            f"«step» {step_text} must be shorter than «horizon» {horizon_text} for the em "
            "method: every adoption inside the window falls in the first step, so none has a "
            "parent in the step before"
        )


EM_INITIATOR_SHARE = 0.8
"""Above this share of in-graph adopters without a parent in the previous step,
``calibrate --method em`` says the step-aware model sees little diffusion."""


def _em_note(cal: Any, step: str) -> str | None:
    """The note for an em fit in which most adopters have no parent one step earlier
    (continuous delays much longer than ``--step``); None otherwise."""
    if cal.method != "em" or not cal.adoptions:
        return None
    share = cal.initiators / cal.adoptions
    if share <= EM_INITIATOR_SHARE:
        return None
    return (
        f"note: with --step {step}, {share:.0%} of adopters have no parent in the previous "
        "step: the step-aware model sees little diffusion here; a longer --step or global-p "
        "fits such data better"
    )


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
    edge_meaning: EdgeMeaningO = None,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    duplicates: DuplicatesO = "max",
    undirected: UndirectedO = False,
    quiet: QuietO = False,
) -> None:
    """Fit diffusion probabilities to an action log and write a calibrated model file."""
    from pipeline.api_logs import calibrate, seconds
    from pipeline.calibration.save import save_calibration

    h = seconds(horizon)
    st = seconds(step, "step")
    if method is MethodOpt.em:
        check_em_step(st, h, step, horizon)
    g, log, cas = load_inputs(
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
    with spinner(f"fitting {method.value}", quiet or json_out), about_log(actions):
        run = calibrate(g, cas, method.value, horizon=h, validation=validation,
                        bootstrap=bootstrap, seed=seed, step=st,
                        prior_strength=prior_strength)  # fmt: skip
    cal, sens = run.calibration, run.sensitivity
    toml_path, edge_path = save_calibration(cal, g, log, out, sens)
    payload = {
        **cal.summary(),
        "sensitivity": sens,
        "model_file": str(toml_path),
        "edge_file": str(edge_path) if edge_path else None,
    }
    note = None if quiet else _em_note(cal, step)
    if json_out:
        if note:  # on stderr: stdout stays one JSON object
            err_console.print(note, highlight=False, markup=False, soft_wrap=True)
        print_json(payload)
        return
    if quiet:  # nothing but errors; the model file is written
        return
    name = {"global-p": "p", "em": "p", "wc-scale": "c"}.get(cal.method, "shrink")
    lo, hi = cal.ci
    o = out_console
    o.print(
        f"{cal.method}: {name} = {cal.value:.4g} (95% interval {lo:.4g} to {hi:.4g}, "
        f"{bootstrap} bootstrap refits over items)",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if cal.prior_p is not None:
        o.print(
            f"  edge probabilities: Beta prior mean {cal.prior_p:.4g}, strength "
            f"{cal.prior_strength:g}; {cal.edges_with_data:,} edges with data",
            highlight=False,
            markup=False,
        )
    share = cal.initiators / cal.adoptions if cal.adoptions else 0.0
    without = (
        "no parent in the previous step" if cal.method == "em" else "no earlier-adopting neighbour"
    )
    o.print(
        f"  fitted on {cal.items:,} items ({cal.censored_items:,} censored): "
        f"{cal.adoptions:,} adoptions in the graph within {h / 86400:g} days, "
        f"{cal.initiators:,} of them ({share:.0%}) initiators with {without}; "
        f"{cal.failures:,} failed exposures",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if note:
        err_console.print(note, highlight=False, markup=False, soft_wrap=True)
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
        soft_wrap=True,
    )
    o.print(
        f"earned reach predicted / actual on the log's {sens['items']:,} items with a complete "
        f"window, at multiples of the fitted {name}:",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    t = Table()
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
        soft_wrap=True,
    )
