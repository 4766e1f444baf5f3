"""The ``influence`` command line: a thin Typer layer over the library.

Each command parses options, calls one library function, prints or writes the
result. User mistakes (:class:`~pipeline.errors.InputError`) become one line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import functools
import json
import math
import sys
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
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from pipeline import __version__
from pipeline.errors import InputError
from pipeline.export import format_money, is_money, is_rate
from pipeline.profiles import DEFAULT_MIN_RELEVANCE

if TYPE_CHECKING:
    from pipeline.graph_io import FollowerGraph
    from pipeline.profiles import Brands, Profiles

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


def _factor(prof: Profiles | None, b: Brands | None, brand: str | None) -> Any:
    """The brand's sender factor (``--brand``), or None."""
    from pipeline.profiles import brand_sender_factor

    if brand is None or prof is None or b is None:
        return None
    return brand_sender_factor(prof, b, brand)


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


def _json_rows(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, NaN and infinities as null (strict JSON)."""
    rows = df.to_dicts()
    for row in rows:
        for k, v in row.items():
            if isinstance(v, float) and not (v == v and abs(v) != float("inf")):
                row[k] = None
    return rows


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


@app.command()
@handle_errors
def info(
    graph: GraphArg,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Load a follower graph and report nodes, edges, merged duplicates and dropped self-loops."""
    g = _load(graph, fmt, edge_meaning, source_col, target_col, quiet=True)
    r = g.report
    followers = g.follower_count
    data = {
        "path": r.path,
        "rows": r.rows,
        "nodes": r.nodes,
        "edges": r.edges,
        "duplicates_merged": r.duplicates_merged,
        "self_loops_dropped": r.self_loops_dropped,
        "max_followers_in_graph": int(followers.max()),
        "mean_followers_in_graph": round(float(followers.mean()), 3),
        "has_probability": g.probability is not None,
        "has_weight": g.weight is not None,
    }
    if json_out:
        _print_json(data)
        return
    t = Table(show_header=False)
    for k, v in data.items():
        t.add_row(k, _cell(v))
    out_console.print(t)


@app.command()
@handle_errors
def generate(
    out_dir: Annotated[
        Path, typer.Argument(help="Folder to write follows.csv, profiles.csv, brands.csv.")
    ],
    nodes: Annotated[int, typer.Option("--nodes", "-n", help="Number of accounts.")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same files.")] = 0,
    topics: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated topic names, one community each "
            "(default: food,travel,fitness,fashion,beauty,tech,gaming,music)."
        ),
    ] = None,
    mean_follows: Annotated[
        float, typer.Option(help="Mean number of accounts each account follows.")
    ] = 12.0,
    within_share: Annotated[
        float, typer.Option(help="Share of follows that stay inside the follower's community.")
    ] = 0.8,
    alpha: Annotated[
        float, typer.Option(help="In-graph attractiveness grows like audience ** alpha.")
    ] = 0.8,
    profile_min_followers: Annotated[
        int, typer.Option(help="Accounts with at least this real audience get a profile.")
    ] = 1_000,
    quiet: QuietO = False,
) -> None:
    """Generate a synthetic follower network with profiles and brands (deterministic by --seed)."""
    from pipeline.synth import DEFAULT_TOPICS, write_synthetic
    from pipeline.synth import generate as make

    topic_list = (
        tuple(t.strip() for t in topics.split(",") if t.strip()) if topics else DEFAULT_TOPICS
    )
    with _spinner(f"generating {nodes:,} accounts", quiet):
        data = make(
            nodes=nodes,
            seed=seed,
            topics=topic_list,
            mean_follows=mean_follows,
            within_share=within_share,
            alpha=alpha,
            profile_min_followers=profile_min_followers,
        )
        from pipeline.export import ensure_folder

        ensure_folder(out_dir)
        paths = write_synthetic(data, out_dir)
    if not quiet:
        err_console.print(
            f"seed {seed}: {nodes:,} accounts, {data.edges.height:,} follows, "
            f"{data.profiles.height:,} profiles, {data.brands.height} brands",
            highlight=False,
        )
        for p in paths:
            out_console.print(str(p), highlight=False)


@app.command("centrality")
@handle_errors
def centrality_cmd(
    graph: GraphArg,
    measures: Annotated[
        str,
        typer.Option(
            "--measures",
            "-m",
            help="Comma-separated: followers, pagerank, coreness, hub, harmonic, betweenness.",
        ),
    ] = "followers,pagerank,coreness,hub,harmonic,betweenness",
    exact_max_nodes: Annotated[
        int,
        typer.Option(
            help="Exact betweenness and harmonic centrality up to this many nodes; sampled above."
        ),
    ] = 5_000,
    samples: Annotated[int, typer.Option(help="Sampled sources/targets above that size.")] = 256,
    seed: Annotated[int, typer.Option(help="Seed for the sampled sources.")] = 0,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    out: OutO = None,
    out_format: OutFormatO = None,
    top: Annotated[int, typer.Option(help="Rows to print when not writing --out.")] = 20,
    quiet: QuietO = False,
) -> None:
    """Centrality of every account, keyed by external ID.

    Measures: followers (in-graph), PageRank of the follows graph, k-core, hub score,
    harmonic and betweenness. The last two are exact up to --exact-max-nodes nodes and
    sampled above; the method used is printed and kept in the *_method columns.
    """
    from pipeline.centrality import centrality

    g = _load(graph, fmt, edge_meaning, source_col, target_col, quiet)
    names = [m.strip() for m in measures.split(",") if m.strip()]
    with _spinner("centrality", quiet) as update:
        res = centrality(
            g, names, exact_max_nodes=exact_max_nodes, samples=samples, seed=seed, progress=update
        )
    if not quiet:
        for m, how in res.methods.items():
            err_console.print(f"{m}: {how}", highlight=False)
    df = res.table
    if out is None and names:
        df = df.sort(names[0], descending=True)
    _emit(df, out, out_format, "centrality", quiet, max_rows=top)


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


@app.command()
@handle_errors
def rank(
    graph: GraphArg,
    profiles: Annotated[
        Path,
        typer.Option(
            "--profiles",
            help="Profile table (id, handle, followers, engagement_rate, cost, topics).",
        ),
    ],
    brands: Annotated[
        Path, typer.Option("--brands", "-b", help="Brands table (brand, topics, budget).")
    ],
    brand: Annotated[
        str | None, typer.Option("--brand", help="Brand to rank for; default: every brand.")
    ] = None,
    top: Annotated[
        int | None, typer.Option("--top", "-t", help="Keep the best N per brand.")
    ] = None,
    reach: Annotated[
        str,
        typer.Option(
            help="Reach metric: followers (real audience), followers_in_graph, pagerank, "
            "coreness, hub, harmonic, betweenness."
        ),
    ] = "followers",
    w_reach: Annotated[float, typer.Option(help="Weight of the reach score.")] = 1.0,
    w_engagement: Annotated[float, typer.Option(help="Weight of the engagement score.")] = 1.0,
    w_cost: Annotated[float, typer.Option(help="Weight of the cost-efficiency score.")] = 1.0,
    tier: Annotated[
        list[str] | None,
        typer.Option(
            "--tier", help="Keep only these tiers (repeatable): nano, micro, mid, macro, mega."
        ),
    ] = None,
    min_relevance: MinRelevanceO = DEFAULT_MIN_RELEVANCE,
    per_creator_cost: PerCreatorO = 0.0,
    cost_fixed: CostFixedO = None,
    cost_per_follower: CostPerFollowerO = None,
    min_real_audience: Annotated[
        float,
        typer.Option(
            "--min-real-audience",
            help="Keep candidates whose share of real followers (profile column "
            "real_audience, 1 when unknown) is at least this, in [0, 1].",
        ),
    ] = 0.0,
    max_cost: Annotated[
        float | None, typer.Option(help="Drop candidates costing more per post.")
    ] = None,
    tiers: Annotated[
        str | None,
        typer.Option(
            "--tier-thresholds",
            help="Lower follower bounds of micro,mid,macro,mega "
            "(default 10000,100000,500000,1000000).",
        ),
    ] = None,
    by: Annotated[
        RankByOpt,
        typer.Option(
            "--by",
            help="score: the weighted score; imm: IMM's greedy order of expected marginal "
            "reach under --model (keeps --top, default 20; audiences that overlap count once).",
        ),
    ] = RankByOpt.score,
    model: Annotated[
        ModelOpt,
        typer.Option(
            "--model",
            help="Model for --by imm: a virality preset (low-virality, medium, "
            "high-virality) or ic, wc, tv, lt.",
        ),
    ] = ModelOpt.wc,
    p: Annotated[float | None, typer.Option("--p", help="Uniform probability for ic.")] = None,
    epsilon: Annotated[float, typer.Option(help="IMM accuracy for --by imm.")] = 0.5,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for --by imm.")] = 0,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    out: OutO = None,
    out_format: OutFormatO = None,
    quiet: QuietO = False,
) -> None:
    """Rank influencers for a brand, with the reasons as columns.

    score = relevance x (w_reach * reach + w_engagement * engagement + w_cost * cost
    efficiency) / (sum of weights), each part a percentile among profiled accounts.
    Without --brand, every brand in --brands is ranked.
    overlap_above: share of a candidate's in-graph followers who already follow a
    candidate ranked above it (high all down the list = hubs sharing one audience).
    """
    from pipeline.profiles import TierThresholds, load_brands, load_profiles
    from pipeline.rank import RankWeights, rank_candidates

    weights = RankWeights(reach=w_reach, engagement=w_engagement, cost=w_cost)
    thresholds = TierThresholds.parse(tiers) if tiers else TierThresholds()
    b = load_brands(brands)
    if brand is not None:
        b.check(brand)
    g = _load(graph, fmt, edge_meaning, source_col, target_col, quiet)
    prof = load_profiles(profiles, g, thresholds=thresholds)
    if prof.unmatched and not quiet:
        err_console.print(
            f"warning: {prof.unmatched:,} profile rows have IDs not in the graph; ignored",
            highlight=False,
        )
    with _spinner("ranking", quiet):
        df = rank_candidates(
            g,
            prof,
            b,
            brand,
            reach=reach,
            weights=weights,
            tiers=tier,
            min_relevance=min_relevance,
            min_real_audience=min_real_audience,
            max_cost=max_cost,
            costs=_costs(per_creator_cost, cost_fixed, cost_per_follower),
            top=top,
            by=by.value,
            model=_resolve(model, p)[0],
            p=_resolve(model, p)[1],
            epsilon=epsilon,
            seed=seed,
        )
    if out is None and not quiet:
        shown = {
            "rank": "rank",
            "handle": "handle",
            "tier": "tier",
            "followers": "followers",
            "relevance": "relevance",
            "engagement_rate": "eng_rate",
            "cost": "cost",
            "score": "score",
            "within_budget": "in_budget",
            "overlap_above": "overlap_above",
            **({"marginal_reach": "marginal_reach"} if by == "imm" else {}),
        }
        for name in df["brand"].unique(maintain_order=True).to_list():
            part = df.filter(pl.col("brand") == name).select(list(shown)).rename(shown)
            _emit(part, None, None, f"{name}: top candidates", quiet, max_rows=top or 20)
        return
    _emit(df, out, out_format, "candidates", quiet)


@app.command()
@handle_errors
def simulate(
    graph: GraphArg,
    seeds: Annotated[
        str | None, typer.Option("--seeds", "-s", help="Seed accounts: comma-separated IDs.")
    ] = None,
    seeds_file: SeedsFileO = None,
    model: Annotated[
        ModelOpt,
        typer.Option(
            "--model",
            help="ic: independent cascade (--p, or the edge file's probability column); "
            "wc: weighted cascade p=1/in-degree; tv: trivalency {0.1, 0.01, 0.001}; "
            "lt: linear threshold (weight column, or 1/in-degree); or a virality preset: "
            "low-virality (ic p=0.01), medium (ic p=0.025), high-virality (wc).",
        ),
    ] = ModelOpt.ic,
    p: PO = None,
    brand: BrandAwareO = None,
    profiles: Annotated[
        Path | None,
        typer.Option(
            "--profiles",
            help="Profile table (needed with --brand; its real_audience column discounts "
            "exposure and spread).",
        ),
    ] = None,
    brands: BrandsTableO = None,
    runs: Annotated[int, typer.Option("--runs", "-r", help="Monte Carlo runs.")] = 1000,
    seed: SeedO = 0,
    max_steps: MaxStepsO = None,
    attribution: Annotated[
        bool,
        typer.Option(
            "--attribution", help="Credit each activation to the seed that reached it first."
        ),
    ] = False,
    compete: Annotated[
        list[str] | None,
        typer.Option(
            "--compete",
            help="Competing brands: BRAND=ID,ID,... (repeat, two or more). They seed at once "
            "and each account adopts the first brand to reach it; with --profiles and "
            "--brands each brand is brand-aware. Replaces --seeds.",
        ),
    ] = None,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON summary object.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write one row per run (.parquet, .csv or .json; - for stdout).",
            dir_okay=False,
        ),
    ] = None,
    quiet: QuietO = False,
) -> None:
    """Simulate cascades from a seed set and report expected reach (activated and exposed).

    exposed = activated accounts plus every follower of an activated account (the audience
    that saw a post). With --attribution, each seed's expected earned reach is shown.
    """
    from pipeline.diffusion import simulate as run_simulation
    from pipeline.graph_io import read_id_list
    from pipeline.profiles import load_profiles

    _one_stdout(out, json_out)
    mname, p = _resolve(model, p)
    if compete:
        if seeds is not None or seeds_file is not None or brand is not None or attribution:
            raise InputError("--compete replaces --seeds/--seeds-file, --brand and --attribution")
        _simulate_competition(
            graph, compete, mname, p, runs, seed, max_steps, profiles, brands,
            (fmt, edge_meaning, source_col, target_col), json_out, out, quiet,
        )  # fmt: skip
        return
    if (seeds is None) == (seeds_file is None):
        raise InputError("give the seed accounts with exactly one of --seeds or --seeds-file")
    ids: list[object] = (
        [x.strip() for x in seeds.split(",") if x.strip()] if seeds is not None else []
    )
    if seeds_file is not None:
        ids = read_id_list(seeds_file)
    if not ids:
        raise InputError("the seed set is empty; expected at least one account ID")
    if p is not None and not 0.0 <= p <= 1.0:
        raise InputError(f"--p must be in [0, 1], got {p}")
    if runs < 1:
        raise InputError(f"--runs must be >= 1, got {runs}")
    b = _brands_for(brand, profiles, brands)
    quiet = quiet or json_out
    g = _load(graph, fmt, edge_meaning, source_col, target_col, quiet)
    seed_idx = g.index_of(ids, what="seed ID")
    prof = load_profiles(profiles, g) if profiles is not None else None
    quality = None
    if prof is not None and (prof.real_audience < 1.0).any():
        quality = prof.real_audience  # audience quality discounts exposure and spread
    factor = _factor(prof, b, brand)
    with _spinner(f"simulating {runs:,} runs", quiet):
        result = run_simulation(
            g,
            seed_idx,
            mname,
            runs=runs,
            seed=seed,
            p=p,
            max_steps=max_steps,
            sender_factor=factor,
            quality=quality,
            attribution=attribution,
        )
    summary = {"graph": str(graph), **result.summary(), "seeds": len(seed_idx), "brand": brand,
               "audience_quality": quality is not None}  # fmt: skip
    if model.value != mname:  # a preset: name it, and what it stands for
        summary["model"] = f"{model.value} ({mname}" + (f" p={p:g})" if p is not None else ")")
    if out is not None:
        _emit(result.to_polars(), out, None, "runs", quiet)
    if json_out:
        if attribution:
            summary["attribution"] = result.attribution_table(g).to_dicts()
        _print_json(summary)
        return
    if quiet:
        return
    t = Table(show_header=False, title="simulation")
    for k, v in summary.items():
        t.add_row(
            k, "n/a (1 run)" if v is None and k.endswith(("_ci_low", "_ci_high")) else _cell(v)
        )
    out_console.print(t)
    if runs < 2:
        err_console.print(_ONE_RUN, highlight=False)
    if attribution:
        _emit(result.attribution_table(g), None, None, "expected reach earned per seed", quiet)


def _simulate_competition(
    graph: Path,
    specs: list[str],
    model: str,
    p: float | None,
    runs: int,
    seed: int,
    max_steps: int | None,
    profiles: Path | None,
    brands: Path | None,
    load_opts: tuple[Any, Any, Any, Any],
    json_out: bool,
    out: Path | None,
    quiet: bool,
) -> None:
    from pipeline.diffusion import compete
    from pipeline.profiles import brand_sender_factor, load_brands, load_profiles

    seeds_by_brand: dict[str, list[object]] = {}
    for spec in specs:
        name, sep, ids = spec.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--compete {spec!r}: expected BRAND=ID,ID,...")
        name = name.strip()
        if name in seeds_by_brand:
            raise InputError(f"--compete: brand {name!r} given twice")
        seeds_by_brand[name] = _id_option(ids)
        if not seeds_by_brand[name]:
            raise InputError(f"--compete {spec!r}: brand {name!r} has no seed IDs")
    if len(seeds_by_brand) < 2:
        raise InputError("--compete needs two or more brands (repeat the option)")
    if (profiles is None) != (brands is None):
        raise InputError("brand-aware competition needs both --profiles and --brands")
    b = load_brands(brands) if brands is not None else None
    if b is not None:
        for name in seeds_by_brand:
            b.check(name)
    quiet = quiet or json_out
    g = _load(graph, *load_opts, quiet)
    idx = {k: g.index_of(v, what=f"seed ID of {k}") for k, v in seeds_by_brand.items()}
    factors = None
    if b is not None and profiles is not None:
        prof = load_profiles(profiles, g)
        factors = {k: brand_sender_factor(prof, b, k) for k in idx}
    with _spinner(f"simulating {runs:,} competitive runs", quiet):
        result = compete(
            g, idx, model, runs=runs, seed=seed, p=p, max_steps=max_steps, sender_factors=factors
        )
    summary = result.summary()
    if out is not None:
        _emit(result.to_polars(), out, None, "runs", quiet)
    if json_out:
        payload = {"graph": str(graph), "model": model, "runs": runs, "seed": seed,
                   "brand_aware": factors is not None, "brands": summary.to_dicts()}  # fmt: skip
        _print_json(payload)
        return
    _emit(summary, None, None, f"competition ({model}, {runs:,} runs, seed {seed})", quiet)


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


def _costs(per_creator: float, fixed: float | None, per_follower: float | None) -> Any:
    from pipeline.costs import CostModel

    try:
        return CostModel(per_creator, fixed, per_follower)
    except InputError as exc:
        msg = str(exc)
        for name, flag in (("per_creator", "--per-creator-cost"), ("per_follower",
                           "--cost-per-follower"), ("fixed", "--cost-fixed")):  # fmt: skip
            msg = msg.replace(name, flag, 1) if msg.startswith(name) else msg
        raise InputError(msg) from None


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


@app.command("seed")
@handle_errors
def seed_cmd(
    graph: GraphArg,
    strategy: Annotated[
        StrategyOpt,
        typer.Option(
            "--strategy",
            help="random, macro (largest on-topic audiences), macro-any (largest audiences, "
            "topic-blind), micro (micro tier by engagement x relevance), pagerank, "
            "degree-discount, community, celf (lazy greedy, small graphs), imm "
            "(reverse-reachable sets, large graphs), opim (OPIM-C: RR sets until a certified "
            "ratio).",
        ),
    ],
    k: Annotated[int | None, typer.Option("--k", "-k", help="Number of seeds.")] = None,
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="Total cost of the seeds (currency units; needs costs)."),
    ] = None,
    model: Annotated[
        ModelOpt,
        typer.Option(
            "--model",
            help="Diffusion model: a virality preset (low-virality, medium, high-virality) "
            "or ic, wc, tv, lt.",
        ),
    ] = ModelOpt.wc,
    p: Annotated[
        float | None, typer.Option("--p", help="Uniform activation probability for ic.")
    ] = None,
    brand: Annotated[
        str | None, typer.Option(help="Brand-aware probabilities (needs --profiles, --brands).")
    ] = None,
    profiles: Annotated[
        Path | None,
        typer.Option("--profiles", help="Profile table; candidates are its accounts."),
    ] = None,
    brands: Annotated[Path | None, typer.Option("--brands", help="Brands table.")] = None,
    exclude: Annotated[str | None, typer.Option(help="Comma-separated IDs never to pick.")] = None,
    include: Annotated[
        str | None, typer.Option(help="Comma-separated IDs to pick first (must-includes).")
    ] = None,
    min_relevance: MinRelevanceO = DEFAULT_MIN_RELEVANCE,
    max_creators: Annotated[
        int | None,
        typer.Option("--max-creators", help="At most this many creators (with --k or --budget)."),
    ] = None,
    per_creator_cost: PerCreatorO = 0.0,
    cost_fixed: CostFixedO = None,
    cost_per_follower: CostPerFollowerO = None,
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            help="What imm/celf maximise: activated, earned_activated (beyond the seeds), "
            "exposed or earned_exposed (imm on exposure RR sets; celf through activation). "
            "marginal_gain is then in exposed accounts.",
        ),
    ] = "activated",
    epsilon: Annotated[
        float, typer.Option(help="IMM accuracy: (1 - 1/e - epsilon) guarantee.")
    ] = 0.5,
    celf_runs: Annotated[int, typer.Option(help="Monte Carlo runs per CELF estimate.")] = 200,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", help="Campaign horizon in steps (default none).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same seeds.")] = 0,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: summary and seeds.")
    ] = False,
    out: OutO = None,
    out_format: OutFormatO = None,
    quiet: QuietO = False,
) -> None:
    """Choose seed influencers with a strategy, for k seeds or a budget.

    One row per seed, in order: id, handle, tier, cost (fee plus --per-creator-cost),
    marginal_gain (expected extra accounts activated, or exposed under an exposure
    --objective), cumulative_reach. Gains for every strategy come from the same
    independent reverse-reachable-set estimate, so strategies compare fairly. With
    --brand, every strategy but macro-any picks from accounts of relevance >=
    --min-relevance.
    """
    from pipeline.profiles import load_profiles
    from pipeline.seeding import select_seeds

    quiet = quiet or json_out
    b = _brands_for(brand, profiles, brands)
    g = _load(graph, fmt, edge_meaning, source_col, target_col, quiet)
    prof = load_profiles(profiles, g) if profiles is not None else None
    exc = g.index_of(_id_option(exclude), what="--exclude ID")
    inc = g.index_of(_id_option(include), what="--include ID")
    with _spinner(f"{strategy.value} seeds", quiet) as update:
        result = select_seeds(
            g,
            strategy.value,
            k=k,
            budget=budget,
            model=_resolve(model, p)[0],
            p=_resolve(model, p)[1],
            profiles=prof,
            brands=b,
            brand=brand,
            min_relevance=min_relevance,
            max_creators=max_creators,
            costs=_costs(per_creator_cost, cost_fixed, cost_per_follower),
            objective=objective,
            exclude=exc,
            include=inc,
            seed=seed,
            max_steps=max_steps,
            epsilon=epsilon,
            celf_runs=celf_runs,
            progress=update,
        )
    df = result.to_polars()
    if out is not None:
        _emit(df, out, out_format, "seeds", quiet)
    tail = result.diminishing_returns()
    if json_out:
        payload = {**result.summary(), "diminishing_returns": tail,
                   "seeds": df.drop("node").to_dicts()}  # fmt: skip
        _print_json(payload)
        return
    if quiet:
        return
    summary = result.summary()
    err_console.print(
        f"{summary['strategy']}: {summary['seeds']} seeds, cost {summary['total_cost']:,.2f}, "
        f"expected reach {summary['expected_reach']:,.1f} "
        f"(+/- {summary['expected_reach_stderr']:,.1f}) accounts "
        f"{summary.get('gain_unit', 'activated')}, "
        f"{summary['expected_earned_reach']:,.1f} beyond the seeds"
        + (
            f"; certified at least {summary['certified_ratio']:.0%} of the best plan"
            if summary.get("certified_ratio") is not None
            else ""
        ),
        highlight=False,
    )
    if tail is not None:
        err_console.print(
            f"diminishing returns from rank {tail['from_rank']}: {tail['text']}", highlight=False
        )
    if out is None:
        shown = ["rank", "id", "handle", "tier", "cost", "marginal_gain", "cumulative_reach"]
        _emit(df.select(shown), None, None, "seeds", quiet, max_rows=50)


class ExecutorOpt(StrEnum):
    local = "local"
    ray = "ray"


@app.command()
@handle_errors
def campaign(
    config: Annotated[
        Path, typer.Argument(help="Campaign TOML file (see configs/demo.toml).", show_default=False)
    ],
    executor: Annotated[
        ExecutorOpt,
        typer.Option(
            "--executor",
            help="local: this machine's cores; ray: one Ray task per cell (same numbers).",
        ),
    ] = ExecutorOpt.local,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="Ray cluster address (e.g. ray://head:10001 or auto); "
            "default: start a local cluster.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="local: cells run at once, one thread each; ray: CPUs of the local cluster "
            "(default: all cores).",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume",
            help="Skip cells already in the results folder (--no-resume recomputes them).",
        ),
    ] = True,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Results folder; default: the config's 'output'."),
    ] = None,
    quiet: QuietO = False,
) -> None:
    """Run a campaign: every brand x model x strategy x budget cell, seeds then simulations.

    Writes a results folder (Parquet, partitioned by brand) that summarize, compare,
    report and export read; re-running resumes it. Prints the verdict per brand.
    """
    from pipeline.campaign import CampaignProgress, run_campaign

    state = {"start": 0.0, "runs": 0}
    progress_bar: Progress | None = None
    task = None

    def note(p: CampaignProgress) -> None:
        nonlocal progress_bar, task
        if quiet:
            return
        if p.cells_total == 0:
            if not err_console.is_terminal:
                err_console.print(p.message, highlight=False)
            return
        if p.message == "running":
            import time

            state["start"] = time.perf_counter()
            if err_console.is_terminal:
                progress_bar = Progress(
                    SpinnerColumn(),
                    TextColumn("cells"),
                    BarColumn(bar_width=None),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"),
                    TimeRemainingColumn(),
                    console=err_console,
                    transient=True,
                )
                progress_bar.start()
                task = progress_bar.add_task(
                    "cells", total=p.cells_total, completed=p.cells_done, rate=""
                )
            elif p.cells_done:
                err_console.print(
                    f"{p.cells_done} of {p.cells_total} cells already done", highlight=False
                )
            return
        import time

        rate = p.runs_done / max(time.perf_counter() - state["start"], 1e-9)
        if progress_bar is not None and task is not None:
            progress_bar.update(task, completed=p.cells_done, rate=f"{rate:,.0f} runs/s")
        else:
            err_console.print(
                f"[{p.cells_done}/{p.cells_total}] {p.message} ({rate:,.0f} runs/s)",
                highlight=False,
            )

    try:
        report = run_campaign(
            config,
            executor=executor.value,
            address=address,
            workers=workers,
            resume=resume,
            output=output,
            progress=note,
        )
    except KeyboardInterrupt:
        if progress_bar is not None:
            progress_bar.stop()
        err_console.print(
            "interrupted: finished cells are saved; run the same command again to resume",
            highlight=False,
        )
        raise typer.Exit(130) from None
    finally:
        if progress_bar is not None:
            progress_bar.stop()
    if quiet:
        return
    err_console.print(
        f"{report.cells_run} cells run, {report.cells_skipped} already done, "
        f"{report.runs:,} simulations in {report.seconds:,.1f} s; results in {report.output}",
        highlight=False,
    )
    _print_verdicts(report.output)


def _print_verdicts(folder: Path | Any, baseline: str | None = None) -> None:
    """Per brand, the verdict across models, then the verdict under each model."""
    from pipeline.aggregate import Results, load_results, robustness, verdicts

    res = folder if isinstance(folder, Results) else load_results(folder)
    per_model = verdicts(res, baseline)
    for row in robustness(res).iter_rows(named=True):
        mine = per_model.filter(pl.col("brand") == row["brand"])
        if row["models"] == 1:  # nothing to be robust across: the verdict with its gain
            text = f"{row['brand']} ({mine['model'][0]}): {mine['verdict'][0]}"
            out_console.print(text, highlight=False, soft_wrap=True)
            continue
        out_console.print(f"{row['brand']}: {row['verdict']}", highlight=False, soft_wrap=True)
        for r in mine.iter_rows(named=True):
            out_console.print(
                f"  under {r['model']}: {r['verdict']}", highlight=False, soft_wrap=True
            )


ResultsArg = Annotated[
    Path,
    typer.Argument(
        help="A campaign results folder (written by `influence campaign`).", show_default=False
    ),
]


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

    Columns: runs; for activated, exposed and the earned counts (earned_activated,
    earned_exposed: beyond the paid creators) mean_<m> (accounts), <m>_ci_low/high,
    <m>_per_cost (accounts per currency unit) and cost_per_<m>; cost_spent (fees plus
    per-creator overhead), seeds_used, emv, seeds_<tier>, reached_<tier>. The screen
    shows the campaign's objective; --out writes every column.
    """
    from pipeline.aggregate import load_results
    from pipeline.aggregate import summarize as summarize_results

    res = load_results(results)
    _CURRENCY[0] = res.currency
    df = summarize_results(res)
    if json_out:
        _print_json({"objective": res.objective, "rows": _json_rows(df)})
        return
    if out is not None:
        _emit(df, out, out_format, "summary", quiet)
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
    _emit(table, None, None, title, quiet, max_rows=200)
    if not quiet and (df["runs"] < 2).any():
        err_console.print(_ONE_RUN, highlight=False)


_ONE_RUN = (
    "no confidence interval: it needs at least 2 runs (a single run has no spread to "
    "estimate); rerun with more --runs"
)


def _stdout_taken() -> None:
    """``--out -`` wrote data to stdout: what the command prints for people after it
    goes to stderr, so the data stays parseable."""
    out_console.stderr = True


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
            "--json", help="Print the differences, verdicts and robustness as strict JSON."
        ),
    ] = False,
    quiet: QuietO = False,
) -> None:
    """Paired differences of every strategy against a baseline, and the verdict per brand.

    Runs of one brand and model share their random numbers, so each difference is taken
    run by run: mean_diff_<m> with its 95% CI and win_share_<m> (share of runs where the
    strategy reaches more; ties count half) for activated, exposed, earned_activated and
    earned_exposed; the screen shows the campaign's objective, per model, then the
    verdict per brand across models and under each.
    """
    from pipeline.aggregate import compare as compare_results
    from pipeline.aggregate import competition_summary, load_results

    res = load_results(results)
    _CURRENCY[0] = res.currency
    df = compare_results(res, baseline)
    if json_out:
        from pipeline.aggregate import robustness, verdicts

        _print_json(
            {
                "objective": res.objective,
                "baseline": baseline or res.baseline,
                "rows": _json_rows(df),
                "verdicts": _json_rows(verdicts(res, baseline)),
                "robustness": _json_rows(robustness(res)),
            }
        )
        return
    if out is not None:
        _emit(df, out, out_format, "paired differences", quiet)
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
        _emit(table, None, None, title, quiet, max_rows=200)
    if quiet:
        return
    contests = competition_summary(res)
    if contests.height:
        rivals = ["brands", "model", "strategy", "level", "brand", "mean_adopters", "share",
                  "mean_alone", "loss", "loss_share"]  # fmt: skip
        _emit(contests.select(rivals), None, None, "competing brands", quiet, max_rows=200)
    _print_verdicts(res, baseline)


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
    followers, marginal_reach (expected extra accounts given those above: exposed under an
    exposure objective, else activated),
    cumulative_reach, and the brand, model, strategy and level it comes from.
    """
    from pipeline.aggregate import candidates, load_results

    res = load_results(results)
    _CURRENCY[0] = res.currency
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
    _emit(df, out, out_format, "candidates", quiet, max_rows=top)


class ReportFormatOpt(StrEnum):
    html = "html"
    png = "png"


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

    with _spinner(f"report of {results}", quiet):
        paths = write_report(results, out, format=fmt.value, baseline=baseline, top=top)
    if quiet or str(out) == "-":
        return
    for p in paths:
        out_console.print(str(p), highlight=False)
    err_console.print(f"wrote {len(paths)} {fmt.value} file(s)", highlight=False)


@app.command()
@handle_errors
def overlap(
    graph: GraphArg,
    ids: Annotated[
        str | None, typer.Option("--ids", help="Candidate accounts: comma-separated IDs (2-64).")
    ] = None,
    seeds_file: SeedsFileO = None,
    model: Annotated[
        ModelOpt,
        typer.Option(
            "--model",
            help="Cascade model of the simulated reach: ic (needs --p or a probability "
            "column), wc, tv, lt, or a preset (low-virality, medium, high-virality).",
        ),
    ] = ModelOpt.wc,
    p: PO = None,
    brand: BrandAwareO = None,
    profiles: Annotated[
        Path | None, typer.Option("--profiles", help="Profile table (needed with --brand).")
    ] = None,
    brands: BrandsTableO = None,
    runs: Annotated[int, typer.Option("--runs", "-r", help="Monte Carlo runs.")] = 200,
    seed: SeedO = 0,
    max_steps: MaxStepsO = None,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = EdgeMeaningOpt.follows,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    json_out: Annotated[
        bool,
        typer.Option("--json", help="Print one JSON object: summary, candidates and pairs."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the pairwise table (.parquet, .csv or .json; - for stdout).",
            dir_okay=False,
        ),
    ] = None,
    quiet: QuietO = False,
) -> None:
    """Audience overlap of candidate influencers, and the unique reach of the set.

    Per candidate: in-graph followers, mean exposed and activated when seeding alone, and
    overlap_above (share of its followers who already follow a candidate listed before it).
    Per pair: shared followers, follower_overlap = shared / min(followers), and
    exposed_overlap = E|exposed_a ∩ exposed_b| / min(E|exposed_a|, E|exposed_b|), each
    candidate simulated alone with the same random numbers. Then the unique reach (mean
    exposed when all seed together) against the sum of individual reaches.
    """
    from pipeline.graph_io import read_id_list
    from pipeline.overlap import audience_overlap
    from pipeline.profiles import load_profiles

    _one_stdout(out, json_out)
    if (ids is None) == (seeds_file is None):
        raise InputError("give the candidates with exactly one of --ids or --seeds-file")
    wanted = _id_option(ids) if ids is not None else []
    if seeds_file is not None:
        wanted = read_id_list(seeds_file)
    if len(wanted) < 2:
        raise InputError(f"overlap needs at least 2 candidate IDs, got {len(wanted)}")
    if p is not None and not 0.0 <= p <= 1.0:
        raise InputError(f"--p must be in [0, 1], got {p}")
    if runs < 1:
        raise InputError(f"--runs must be >= 1, got {runs}")
    b = _brands_for(brand, profiles, brands)
    quiet = quiet or json_out
    g = _load(graph, fmt, edge_meaning, source_col, target_col, quiet)
    nodes = g.index_of(wanted, what="candidate ID")
    prof = load_profiles(profiles, g) if brand is not None and profiles is not None else None
    factor = _factor(prof, b, brand)
    with _spinner(f"simulating {len(nodes)} candidates x {runs:,} runs", quiet):
        result = audience_overlap(
            g,
            nodes,
            _resolve(model, p)[0],
            runs=runs,
            seed=seed,
            p=_resolve(model, p)[1],
            max_steps=max_steps,
            sender_factor=factor,
        )
    pairs = result.pairs()
    if out is not None:
        _emit(pairs, out, None, "pairs", quiet)
    summary = {"graph": str(graph), **result.summary(), "brand": brand}
    if json_out:
        payload = {
            **summary,
            "per_candidate": result.per_candidate().to_dicts(),
            "pairs": pairs.to_dicts(),
        }
        _print_json(payload)
        return
    if quiet:
        return
    _emit(result.per_candidate(), None, None, "candidates", quiet, max_rows=64)
    if out is None:
        shown = {
            "id_a": "id_a",
            "id_b": "id_b",
            "followers_a": "foll_a",
            "followers_b": "foll_b",
            "shared_followers": "shared",
            "follower_overlap": "foll_overlap",
            "exposed_overlap": "exp_overlap",
        }
        # IDs as text: the table prints numbers with thousands separators.
        part = pairs.select(list(shown)).rename(shown)
        part = part.with_columns(pl.col("id_a", "id_b").cast(pl.String))
        _emit(part, None, None, "pairs", quiet, max_rows=100)
    out_console.print(
        f"unique reach {summary['unique_reach']:,.1f} exposed "
        f"({summary['unique_reach_activated']:,.1f} activated) when all {len(nodes)} seed "
        f"together vs {summary['sum_individual']:,.1f} "
        f"({summary['sum_individual_activated']:,.1f}) summed alone: redundancy "
        f"{summary['redundancy']:.1%} ({summary['redundancy_activated']:.1%} activated); "
        f"{model.value}, {runs:,} runs, seed {seed}",
        highlight=False,
        soft_wrap=True,
    )


def run() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
