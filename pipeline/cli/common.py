"""The CLI's shared parts: the Typer app, consoles, option types, error handling,
loading, table printing and JSON."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import polars as pl
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from pipeline import __version__
from pipeline.errors import InputError
from pipeline.export import format_money, is_money, is_rate

if TYPE_CHECKING:
    from pipeline.graph_io import FollowerGraph
    from pipeline.profiles import Brands


app = typer.Typer(
    name="influence",
    help=(
        "Choose influencers for a brand by simulating how its message spreads through "
        "a follower graph."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

out_console = Console()

err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(fn: F) -> F:
    """Turn InputError into ``error: ...`` on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            # escaped: a message may hold brackets (e.g. an install hint '...[report]')
            err_console.print(
                f"[bold red]error:[/] {escape(exc.for_cli())}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"influence {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            help="Print tables with every column even when wider than the terminal (by "
            "default a terminal shows the leading columns that fit and names the others).",
        ),
    ] = False,
) -> None:
    """Choose influencers by simulating spread through a follower graph."""
    _WIDE[0] = wide
    out_console.stderr = False  # stdout is the command's until an --out - takes it


class EdgeMeaningOpt(StrEnum):
    follows = "follows"
    influences = "influences"


class EdgeFormatOpt(StrEnum):
    csv = "csv"
    tsv = "tsv"
    parquet = "parquet"
    snap = "snap"


class TableFormatOpt(StrEnum):
    parquet = "parquet"
    csv = "csv"
    json = "json"


GraphArg = Annotated[
    Path,
    typer.Argument(
        help="Edge file: CSV, TSV, Parquet or SNAP whitespace text (.gz accepted).",
        show_default=False,
    ),
]

EdgeMeaningO = Annotated[
    EdgeMeaningOpt,
    typer.Option(
        "--edge-meaning",
        help="'follows': row a,b means a follows b (b's posts reach a). "
        "'influences': row a,b means a's posts reach b.",
    ),
]

FormatO = Annotated[
    EdgeFormatOpt | None,
    typer.Option("--format", help="Edge-file format; default from the file extension."),
]

SourceColO = Annotated[
    str | None, typer.Option("--source-col", help="Column of the first endpoint (default: 1st).")
]

TargetColO = Annotated[
    str | None, typer.Option("--target-col", help="Column of the second endpoint (default: 2nd).")
]

OutO = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Write the table here (.parquet, .csv or .json; - for stdout).",
        dir_okay=False,
    ),
]

OutFormatO = Annotated[
    TableFormatOpt | None,
    typer.Option("--out-format", help="Format of --out; default from its extension."),
]

QuietO = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]

PO = Annotated[
    float | None, typer.Option("--p", help="Uniform activation probability for ic, in [0, 1].")
]

BrandAwareO = Annotated[
    str | None,
    typer.Option(help="Brand-aware variant: scale each sender by engagement and relevance."),
]

BrandsTableO = Annotated[
    Path | None, typer.Option("--brands", help="Brands table (needed with --brand).")
]

SeedO = Annotated[int, typer.Option("--seed", help="Random seed; same seed, same numbers.")]

MaxStepsO = Annotated[
    int | None,
    typer.Option("--max-steps", help="Stop cascades after this many steps (default: none)."),
]

SeedsFileO = Annotated[
    Path | None,
    typer.Option(
        "--seeds-file",
        help="IDs: a table with an 'id' column (or first column), or one ID per line.",
    ),
]


def _brands_for(brand: str | None, profiles: Path | None, brands: Path | None) -> Brands | None:
    """The brands table, with ``--brand`` checked before the (slow) graph load."""
    from pipeline.profiles import load_brands

    if brand is not None and (profiles is None or brands is None):
        raise InputError("--brand needs --profiles and --brands")
    b = load_brands(brands) if brands is not None else None
    if brand is not None and b is not None:
        b.check(brand)
    return b


@contextmanager
def _spinner(text: str, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A transient progress line on stderr; yields a function that updates its text."""
    if quiet or not err_console.is_terminal:
        yield lambda _msg: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=None),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(text, total=None)
        yield lambda msg: progress.update(task, description=f"{text}: {msg}")


def _load(
    graph: Path,
    fmt: EdgeFormatOpt | None,
    meaning: EdgeMeaningOpt,
    source_col: str | None,
    target_col: str | None,
    quiet: bool,
) -> FollowerGraph:
    from pipeline.graph_io import load_graph

    with _spinner(f"loading {graph}", quiet):
        g = load_graph(
            graph,
            format=fmt.value if fmt else None,
            edge_meaning=meaning.value,
            source_col=source_col,
            target_col=target_col,
        )
    if not quiet:
        err_console.print(str(g.report), highlight=False, soft_wrap=True)
    return g


def _emit(
    df: pl.DataFrame,
    out: Path | None,
    out_format: TableFormatOpt | None,
    title: str,
    quiet: bool,
    max_rows: int = 20,
) -> None:
    from pipeline.export import write_table

    if out is not None:
        write_table(df, out, out_format.value if out_format else None)
        if str(out) == "-":
            _stdout_taken()
        if not quiet:
            where = "standard output" if str(out) == "-" else out
            err_console.print(f"wrote {df.height:,} rows to {where}", highlight=False)
        return
    if quiet:
        return
    # per call: it reads COLUMNS and whether stdout is a terminal now
    console = Console(stderr=out_console.stderr)
    ident = [c in ("id", "node") for c in df.columns]  # identifiers: no thousands separator
    rows = [
        [str(v) if i else _cell(v, c) for v, i, c in zip(row, ident, df.columns, strict=True)]
        for row in df.head(max_rows).iter_rows()
    ]

    def build(n: int) -> Table:
        table = Table(title=title, box=box.SIMPLE_HEAD)
        for j, col in enumerate(df.columns[:n]):
            widest = max([len(col)] + [len(r[j]) for r in rows])
            table.add_column(col, min_width=min(widest, 24), overflow="fold")
        for r in rows:
            table.add_row(*r[:n])
        return table

    unbounded = console.options.update(width=10_000)

    def need(table: Table) -> int:
        return Measurement.get(console, unbounded, table).maximum

    shown = len(df.columns)
    table = build(shown)
    width = console.width
    if not console.is_terminal or _WIDE[0]:
        # piped, captured or --wide: never crop; lines are as long as the table needs
        Console(
            width=max(width, need(table)), force_terminal=console.is_terminal, stderr=console.stderr
        ).print(table)
    else:
        while shown > 2 and need(table) > width:
            shown -= 1
            table = build(shown)
        console.print(table)
        if shown < len(df.columns):
            hidden = df.columns[shown:]
            err_console.print(
                f"{len(hidden)} column(s) hidden to fit {width} columns: {', '.join(hidden)}; "
                "`influence --wide ...` shows them, --out saves every column",
                highlight=False,
            )
    if df.height > max_rows:
        err_console.print(f"... {df.height - max_rows:,} more rows (use --out to save all)")


def _strict(value: Any) -> Any:
    """``value`` with NaN and infinities (also inside lists and dicts) as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    return value


def _one_stdout(out: Path | None, json_out: bool) -> None:
    """Refuse ``--out -`` with ``--json``: both would write to standard output."""
    if json_out and out is not None and str(out) == "-":
        raise InputError("--out - and --json both write to standard output; use one of them")


def _print_json(payload: Any) -> None:
    """Print ``payload`` as strict JSON (NaN and infinities as null)."""
    typer.echo(json.dumps(_strict(payload), allow_nan=False, default=str))


#: ``influence --wide``: print tables at their full width on a terminal too.
_WIDE = [False]

#: The currency symbol of the results being printed (``[valuation] currency``).
_CURRENCY = [""]


def _is_count(col: str) -> bool:
    """Columns of accounts (means included), shown as whole numbers."""
    if "per_cost" in col or "steps" in col or col in ("ratio", "score", "relevance"):
        return False
    words = ("mean_", "ci_low", "ci_high", "marginal", "cumulative_reach", "expected_",
             "impressions", "engagements", "earned", "activated", "exposed", "reach",
             "followers", "seeds_used", "creators", "adopters", "alone", "loss", "shared",
             "mean_diff")  # fmt: skip
    return any(w in col for w in words)


def _cell(v: object, col: str = "") -> str:
    """A value for people: rates as percentages, money with two decimals, counts whole,
    booleans yes/no (files keep full precision)."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != v:  # NaN
            return "n/a"
        if is_rate(col):
            return f"{100 * v:.1f}%"
        if is_money(col):
            return format_money(v, _CURRENCY[0], whole=col == "budget" and v.is_integer())
        if _is_count(col):
            return f"{v:,.0f}"
        return f"{v:.4g}" if abs(v) < 1e3 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return "" if v is None else str(v)


class ModelOpt(StrEnum):
    ic = "ic"
    wc = "wc"
    tv = "tv"
    lt = "lt"
    low_virality = "low-virality"
    medium = "medium"
    high_virality = "high-virality"


def _resolve(model: ModelOpt, p: float | None) -> tuple[str, float | None]:
    """(model name, p) of a --model option: a virality preset stands for its model and p."""
    from pipeline.diffusion.presets import PRESETS

    if model.value not in PRESETS:
        return model.value, p
    if p is not None:
        raise InputError(f"--p applies to --model ic, not to the preset {model.value!r}")
    ps = PRESETS[model.value]
    return ps.model, ps.p


class RankByOpt(StrEnum):
    score = "score"
    imm = "imm"


MinRelevanceO = Annotated[
    float,
    typer.Option(
        "--min-relevance",
        help="Brand fit: only accounts with topic relevance >= this (0..1) are candidates, "
        "for every strategy (0 turns it off; needs --brand).",
    ),
]

PerCreatorO = Annotated[
    float,
    typer.Option(
        "--per-creator-cost",
        help="Overhead per contracted creator (briefing, contract, product, shipping), "
        "added to each fee; currency units.",
    ),
]

CostFixedO = Annotated[
    float | None,
    typer.Option(
        "--cost-fixed",
        help="Fee model for profiles without a cost: fee = fixed + per-follower x followers.",
    ),
]

CostPerFollowerO = Annotated[
    float | None,
    typer.Option("--cost-per-follower", help="Fee model: currency units per follower."),
]


class StrategyOpt(StrEnum):
    random = "random"
    macro = "macro"
    macro_any = "macro-any"
    micro = "micro"
    pagerank = "pagerank"
    degree_discount = "degree-discount"
    community = "community"
    celf = "celf"
    imm = "imm"
    opim = "opim"


def _id_option(text: str | None) -> list[object]:
    return [x.strip() for x in text.split(",") if x.strip()] if text else []


class ExecutorOpt(StrEnum):
    local = "local"
    ray = "ray"


ResultsArg = Annotated[
    Path,
    typer.Argument(
        help="A campaign results folder (written by `influence campaign`).", show_default=False
    ),
]

_ONE_RUN = (
    "no confidence interval: it needs at least 2 runs (a single run has no spread to "
    "estimate); rerun with more --runs"
)


def _stdout_taken() -> None:
    """``--out -`` wrote data to stdout: what the command prints for people after it
    goes to stderr, so the data stays parseable."""
    out_console.stderr = True


class ReportFormatOpt(StrEnum):
    html = "html"
    png = "png"


def run() -> None:  # pragma: no cover - console entry point
    app()
