"""``influence simulate`` and ``overlap``: cascades, competitions and shared audiences."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipeline import defaults
from pipeline.cli.common import (
    app,
    brands_for,
    handle_errors,
    load_graph_arg,
    spinner,
)
from pipeline.cli.compete_cmd import simulate_competition
from pipeline.cli.loaders import load_profiles_arg, projection_rows
from pipeline.cli.options import (
    PO,
    BrandAwareO,
    BrandsTableO,
    ColumnsO,
    DuplicatesO,
    EdgeMeaningO,
    FormatO,
    GraphArg,
    HeaderO,
    MaxStepsO,
    ModelO,
    ProfileColumnsO,
    QuietO,
    ReachRateO,
    SeedO,
    SeedsFileO,
    SourceColO,
    TargetColO,
    UndirectedO,
    id_list,
    resolve_model_option,
)
from pipeline.cli.output import (
    ONE_RUN_NOTE,
    cell_text,
    emit_table,
    err_console,
    one_stdout,
    out_console,
    print_json,
)
from pipeline.errors import InputError

__all__ = ["overlap", "simulate"]


@app.command()
@handle_errors
def simulate(
    graph: GraphArg,
    seeds: Annotated[
        str | None, typer.Option("--seeds", "-s", help="Seed accounts: comma-separated IDs.")
    ] = None,
    seeds_file: SeedsFileO = None,
    model: ModelO = None,
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
    runs: Annotated[int, typer.Option("--runs", "-r", help="Monte Carlo runs.")] = defaults.RUNS,
    seed: SeedO = defaults.SEED,
    max_steps: MaxStepsO = None,
    attribution: Annotated[
        bool,
        typer.Option(
            "--attribution", help="Credit each activation to the seed that reached it first."
        ),
    ] = False,
    reach_rate: ReachRateO = None,
    compete: Annotated[
        list[str] | None,
        typer.Option(
            "--compete",
            help="Competing brands: BRAND=ID,ID,... (repeat, two or more). They seed at once "
            "and each account adopts the first brand to reach it; with --profiles their "
            "real_audience discounts every brand's spread, and with --brands too each brand "
            "is brand-aware. Replaces --seeds.",
        ),
    ] = None,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = None,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    columns: ColumnsO = None,
    duplicates: DuplicatesO = "max",
    undirected: UndirectedO = False,
    profile_cols: ProfileColumnsO = None,
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
    With --profiles, every poster (seed or activated account) is projected to the
    platform: projected_impressions, projected_engagements and projected_people.
    """
    from pipeline.api import simulate as run_simulation
    from pipeline.graph_io import read_id_list
    from pipeline.profiles import brand_view

    one_stdout(out, json_out)
    if compete:
        if seeds is not None or seeds_file is not None or brand is not None or attribution:
            raise InputError("--compete replaces --seeds/--seeds-file, --brand and --attribution")
        simulate_competition(
            graph, compete, model, p, runs, seed, max_steps, profiles, brands, json_out, out,
            (fmt, edge_meaning, source_col, target_col, header, columns, profile_cols, duplicates,
             undirected), quiet,
        )  # fmt: skip
        return
    if (seeds is None) == (seeds_file is None):
        raise InputError("give the seed accounts with exactly one of --seeds or --seeds-file")
    ids: list[object] = id_list(seeds)
    if seeds_file is not None:
        ids = read_id_list(seeds_file)
    if not ids:
        raise InputError("the seed set is empty; expected at least one account ID")
    unique = list(dict.fromkeys(ids))  # a seed given twice is one seed
    if len(unique) < len(ids) and not (quiet or json_out):
        err_console.print(
            f"note: {len(ids) - len(unique)} repeated seed ID(s) ignored; "
            f"{len(unique)} distinct seed(s)", highlight=False,
        )  # fmt: skip
    ids = unique
    if p is not None and not 0.0 <= p <= 1.0:
        raise InputError(f"--p must be in [0, 1], got {p}")
    if runs < 1:
        raise InputError(f"--runs must be >= 1, got {runs}")
    b = brands_for(brand, profiles, brands)
    quiet = quiet or json_out
    g = load_graph_arg(
        graph,
        fmt,
        edge_meaning,
        source_col,
        target_col,
        quiet,
        header,
        columns,
        duplicates,
        undirected,
    )
    mname = resolve_model_option(model, p, g)  # no --model: ic with --p or a probability column
    p = mname.p
    g.index_of(ids, what="seed ID")  # unknown IDs are refused before the profiles load
    prof = load_profiles_arg(profiles, g, profile_cols, quiet)
    projection = None
    if reach_rate is not None and prof is None:
        raise InputError("--reach-rate needs --profiles (the accounts' platform audiences)")
    lost: set[str] = set()
    if prof is not None:
        projection, lost = projection_rows(prof, reach_rate, quiet)
    with spinner(f"simulating {runs:,} runs", quiet):
        # the brand's sender factor and the audience quality come from the profiles'
        # brand view, in the library as for every command
        result = run_simulation(
            g, ids, mname, runs=runs, seed=seed, p=p, max_steps=max_steps, profiles=prof,
            brands=b, brand=brand, attribution=attribution, projection=projection,
        )  # fmt: skip
    quality = prof is not None and brand_view(prof).quality is not None
    summary = {"graph": str(graph), **result.summary(), "seeds": len(result.seed_nodes),
               "brand": brand, "audience_quality": quality}  # fmt: skip
    summary.update({k: None for k in summary if k.startswith("projected_engagements") and lost})
    if model is not None and model != mname.kind and not mname.calibrated:
        # a preset or ic:P: name it and what it stands for
        summary["model"] = f"{model} ({mname.kind}" + (f" p={p:g})" if p is not None else ")")
    if out is not None:
        emit_table(result.to_polars(), out, None, "runs", quiet)
    if json_out:
        if attribution:
            summary["attribution"] = result.attribution_table(g).to_dicts()
        print_json(summary)
        return
    if quiet:
        return
    t = Table(show_header=False, title="simulation")
    for k, v in summary.items():
        t.add_row(
            k, "n/a (1 run)" if v is None and k.endswith(("_ci_low", "_ci_high")) else cell_text(v)
        )
    out_console.print(t)
    if runs < 2:
        err_console.print(ONE_RUN_NOTE, highlight=False)
    if attribution:
        emit_table(result.attribution_table(g), None, None, "expected reach earned per seed", quiet)


@app.command()
@handle_errors
def overlap(
    graph: GraphArg,
    ids: Annotated[
        str | None, typer.Option("--ids", help="Candidate accounts: comma-separated IDs (2-64).")
    ] = None,
    seeds_file: SeedsFileO = None,
    model: ModelO = None,
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
    runs: Annotated[
        int, typer.Option("--runs", "-r", help="Monte Carlo runs.")
    ] = defaults.OVERLAP_RUNS,
    seed: SeedO = defaults.SEED,
    max_steps: MaxStepsO = None,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = None,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    columns: ColumnsO = None,
    duplicates: DuplicatesO = "max",
    undirected: UndirectedO = False,
    profile_cols: ProfileColumnsO = None,
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
    import polars as pl

    from pipeline.api import audience_overlap
    from pipeline.graph_io import read_id_list
    from pipeline.profiles import brand_view

    one_stdout(out, json_out)
    if (ids is None) == (seeds_file is None):
        raise InputError("give the candidates with exactly one of --ids or --seeds-file")
    wanted = id_list(ids) if ids is not None else []
    if seeds_file is not None:
        wanted = read_id_list(seeds_file)
    if len(wanted) < 2:
        raise InputError(f"overlap needs at least 2 candidate IDs, got {len(wanted)}")
    if p is not None and not 0.0 <= p <= 1.0:
        raise InputError(f"--p must be in [0, 1], got {p}")
    if runs < 1:
        raise InputError(f"--runs must be >= 1, got {runs}")
    b = brands_for(brand, profiles, brands)
    quiet = quiet or json_out
    g = load_graph_arg(
        graph,
        fmt,
        edge_meaning,
        source_col,
        target_col,
        quiet,
        header,
        columns,
        duplicates,
        undirected,
    )
    nodes = g.index_of(wanted, what="candidate ID")
    mname = resolve_model_option(model, p, g)
    p = mname.p
    prof = load_profiles_arg(profiles, g, profile_cols, quiet)
    with spinner(f"simulating {len(nodes)} candidates x {runs:,} runs", quiet):
        result = audience_overlap(
            g, wanted, mname, runs=runs, seed=seed, p=p, max_steps=max_steps, profiles=prof,
            brands=b, brand=brand,
        )  # fmt: skip
    pairs = result.pairs()
    if out is not None:
        emit_table(pairs, out, None, "pairs", quiet)
    quality = prof is not None and brand_view(prof).quality is not None
    summary = {"graph": str(graph), **result.summary(), "brand": brand,
               "audience_quality": quality}  # fmt: skip
    if json_out:
        payload = {
            **summary,
            "per_candidate": result.per_candidate().to_dicts(),
            "pairs": pairs.to_dicts(),
        }
        print_json(payload)
        return
    if quiet:
        return
    emit_table(result.per_candidate(), None, None, "candidates", quiet, max_rows=64)
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
        emit_table(part, None, None, "pairs", quiet, max_rows=100)
    out_console.print(
        f"unique reach {summary['unique_reach']:,.1f} exposed "
        f"({summary['unique_reach_activated']:,.1f} activated) when all {len(nodes)} seed "
        f"together vs {summary['sum_individual']:,.1f} "
        f"({summary['sum_individual_activated']:,.1f}) summed alone: redundancy "
        f"{summary['redundancy']:.1%} ({summary['redundancy_activated']:.1%} activated); "
        f"{mname if model is None else model}, {runs:,} runs, seed {seed}",
        highlight=False,
        soft_wrap=True,
    )
