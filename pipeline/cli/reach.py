"""``influence reach-rates``: learn the share of followers who see a post from a posts table
(:mod:`pipeline.profiles.reach_fit`), print the estimates and write a ``[projection]``
snippet for a campaign file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from pipeline.cli.common import app, handle_errors, load_graph_arg, spinner
from pipeline.cli.options import EdgeMeaningOpt, FormatO, QuietO, TierThresholdsO
from pipeline.cli.output import err_console, one_stdout, out_console, print_json, stdout_taken
from pipeline.errors import InputError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["reach_rates_cmd"]


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100.0 * v:.2f}%"


def _table(df: pl.DataFrame) -> Table:
    """The estimates, every cell literal text (a platform name is never markup); "(all)"
    marks the tier and platform rows that pool the other key."""
    t = Table(title="reach rate = median impressions / followers", box=box.SIMPLE_HEAD)
    for col, right in (("platform", False), ("tier", False), ("posts", True), ("rate", True),
                       ("90% interval", True), ("written", False)):  # fmt: skip
        t.add_column(col, justify="right" if right else "left")
    for r in df.iter_rows(named=True):
        lo, hi = r["ci_low"], r["ci_high"]
        interval = "n/a" if lo is None else f"{100 * lo:.2f}-{100 * hi:.2f}%"
        cells = (r["platform"] or "(all)", r["tier"] or "(all)", f"{r['posts']:,}",
                 _pct(r["rate"]), interval, "yes" if r["written"] else "no")  # fmt: skip
        t.add_row(*(Text(str(c)) for c in cells))
    return t


@app.command("reach-rates")
@handle_errors
def reach_rates_cmd(
    posts: Annotated[
        Path,
        typer.Argument(
            help="Posts table (CSV/TSV/Parquet/JSON): account, impressions; optional "
            "followers (at posting time) and time.",
            show_default=False,
        ),
    ],
    profiles: Annotated[
        Path,
        typer.Option(
            "--profiles", help="Profiles table: each account's followers, platform and tier."
        ),
    ],
    graph: Annotated[
        Path,
        typer.Option("--graph", help="Edge file the profiles belong to (their account IDs)."),
    ],
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Posts columns as name=column pairs: account=user,impressions=views,"
            "followers=fans,time=ts.",
        ),
    ] = None,
    min_posts: Annotated[
        int,
        typer.Option(
            "--min-posts",
            help="Posts a platform x tier cell (or a tier) needs to be written; sparser ones "
            "fall back to their tier, then the published defaults.",
        ),
    ] = 20,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write a TOML snippet '\\[projection] reach_rate = {...}' here (- for stdout).",
            dir_okay=False,
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    tier_thresholds: TierThresholdsO = None,
    fmt: FormatO = None,
    quiet: QuietO = False,
) -> None:
    """Fit reach rates (share of followers who see a post) per platform and tier from posts.

    Per post, impressions / followers (the post's followers when given, else the
    profile's); per cell the median with a 90% order-statistic interval. Cells with at
    least --min-posts posts are written; use the snippet in a campaign file or the
    printed value with --reach-rate.
    """
    from pipeline.columns import parse_columns
    from pipeline.export import open_atomic_text
    from pipeline.profiles import TierThresholds, load_profiles
    from pipeline.profiles.reach_fit import POST_COLUMNS, fit_reach_rates, load_posts

    one_stdout(out, json_out)
    mapping = parse_columns(columns, allowed=POST_COLUMNS) if columns else None
    thresholds = TierThresholds.parse(tier_thresholds) if tier_thresholds else None
    if min_posts < 1:
        raise InputError(f"--min-posts must be at least 1, got {min_posts}")
    silent = quiet or json_out
    with spinner(f"reading {posts}", silent):
        table = load_posts(posts, mapping)
    g = load_graph_arg(graph, fmt, EdgeMeaningOpt.follows, None, None, silent)
    with spinner(f"reading {profiles}", silent):
        prof = load_profiles(profiles, g, thresholds=thresholds)
    fit = fit_reach_rates(table, prof, min_posts=min_posts)
    if out is not None:
        if str(out) == "-":
            stdout_taken()
            typer.echo(fit.toml(), nl=False)
        else:
            with open_atomic_text(out) as fh:
                fh.write(fit.toml())
    if json_out:
        print_json({**fit.summary(), "toml_file": None if out is None else str(out)})
        return
    if quiet:  # nothing but errors; the snippet is written
        return
    for w in fit.warnings():
        err_console.print(f"warning: {w}", highlight=False, markup=False, soft_wrap=True)
    out_console.print(_table(fit.table))
    text = fit.option_text()
    out_console.print(
        f"{fit.posts:,} posts fitted"
        + (f"; as an option: --reach-rate {text}" if text else "; nothing written"),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if out is not None and str(out) != "-":
        err_console.print(f"wrote {out}", highlight=False, markup=False, soft_wrap=True)
