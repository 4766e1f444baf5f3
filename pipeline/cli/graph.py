"""``influence info``, ``generate`` and ``centrality``: the graph and its accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipeline import defaults
from pipeline.cli.common import app, handle_errors, load_graph_arg, spinner
from pipeline.cli.options import (
    ColumnsO,
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
from pipeline.cli.output import cell_text, emit_table, err_console, out_console, print_json

__all__ = ["centrality_cmd", "generate", "info"]


@app.command()
@handle_errors
def info(
    graph: GraphArg,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = None,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    columns: ColumnsO = None,
    duplicates: DuplicatesO = "max",
    undirected: UndirectedO = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Load a follower graph and report nodes, edges, merged duplicates and dropped self-loops."""
    g = load_graph_arg(
        graph, fmt, edge_meaning, source_col, target_col, True, header, columns, duplicates,
        undirected,
    )  # fmt: skip
    r = g.report
    followers = g.follower_count
    data = {
        "path": r.path,
        "rows": r.rows,
        "nodes": r.nodes,
        "edges": r.edges,
        "duplicates_merged": r.duplicates_merged,
        "self_loops_dropped": r.self_loops_dropped,
        "header": r.header,
        "max_followers_in_graph": int(followers.max()),
        "mean_followers_in_graph": round(float(followers.mean()), 3),
        "has_probability": g.probability is not None,
        "has_weight": g.weight is not None,
    }
    if json_out:
        print_json(data)
        return
    t = Table(show_header=False)
    for k, v in data.items():
        t.add_row(k, cell_text(v))
    out_console.print(t)


@app.command()
@handle_errors
def generate(
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder to write follows.csv, profiles.csv, brands.csv and actions.csv."
        ),
    ],
    nodes: Annotated[int, typer.Option("--nodes", "-n", help="Number of accounts.")] = 20_000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; same seed, same files.")
    ] = defaults.SEED,
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
    items_per_brand: Annotated[
        int,
        typer.Option(
            "--items-per-brand",
            help="Items per brand in the action log actions.csv (0: write no log).",
        ),
    ] = 60,
    ambassadors: Annotated[
        int,
        typer.Option(
            "--ambassadors",
            help="Ordinary accounts planted per brand as ambassadors in the action log "
            "(high influence, modest followers; not written to any file).",
        ),
    ] = 6,
    quiet: QuietO = False,
) -> None:
    """Generate a synthetic follower network with profiles, brands and an action log.

    The action log (who engaged with which brand item, when) is simulated on the network
    with planted ambassadors. Deterministic by --seed."""
    from pipeline.synth import DEFAULT_TOPICS, write_synthetic
    from pipeline.synth import generate as make

    topic_list = (
        tuple(t.strip() for t in topics.split(",") if t.strip()) if topics else DEFAULT_TOPICS
    )
    with spinner(f"generating {nodes:,} accounts", quiet):
        data = make(
            nodes=nodes,
            seed=seed,
            topics=topic_list,
            mean_follows=mean_follows,
            within_share=within_share,
            alpha=alpha,
            profile_min_followers=profile_min_followers,
            items_per_brand=items_per_brand,
            ambassadors=ambassadors,
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
        if data.actions is not None:
            planted = sum(len(v) for v in data.planted_ambassadors.values())
            err_console.print(
                f"action log: {data.actions.height:,} adoptions of "
                f"{data.actions['item'].n_unique():,} items; {planted} planted ambassadors",
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
    seed: Annotated[int, typer.Option(help="Seed for the sampled sources.")] = defaults.SEED,
    fmt: FormatO = None,
    edge_meaning: EdgeMeaningO = None,
    source_col: SourceColO = None,
    target_col: TargetColO = None,
    header: HeaderO = None,
    columns: ColumnsO = None,
    duplicates: DuplicatesO = "max",
    undirected: UndirectedO = False,
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
    from pipeline.graph_io.centrality import centrality

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
    names = [m.strip() for m in measures.split(",") if m.strip()]
    with spinner("centrality", quiet) as update:
        res = centrality(
            g, names, exact_max_nodes=exact_max_nodes, samples=samples, seed=seed, progress=update
        )
    if not quiet:
        for m, how in res.methods.items():
            err_console.print(f"{m}: {how}", highlight=False)
    df = res.table
    if out is None and names:
        df = df.sort(names[0], descending=True)
    emit_table(df, out, out_format, "centrality", quiet, max_rows=top)
