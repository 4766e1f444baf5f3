"""The results folder of ``influence campaign``: its layout and every table's columns.

One place defines each table's columns (name, polars type, unit, meaning); the
schemas the reader enforces and the documentation (:func:`schema_markdown`,
``docs/results-schema.md``) are both generated from it, so they cannot drift.

Layout (format :data:`RESULTS_FORMAT`)::

    OUT/campaign.json                        manifest
    OUT/<table>/<brand folder>/<cell>.parquet   runs, seeds, audience, curves, overlap
    OUT/competition/<contest>.parquet        one file per competition cell

A brand folder is ``brand-<slug>-<hash>`` (:func:`brand_folder`): readable, unique
per exact brand name, and without ``=`` so that no reader (polars, pyarrow,
pandas, DuckDB) takes it for a Hive partition. The brand itself is the ``brand``
column inside every file, exactly as in the brands file; read a table with a
recursive glob, e.g. ``pl.read_parquet("OUT/runs/**/*.parquet")``,
``pd.read_parquet("OUT/runs")`` or DuckDB's ``read_parquet('OUT/runs/**/*.parquet')``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import polars as pl

__all__ = [
    "AUDIENCE_SCHEMA",
    "COMPETITION_SCHEMA",
    "CURVES_SCHEMA",
    "KEY",
    "OVERLAP_SCHEMA",
    "READABLE_FORMATS",
    "RESULTS_FORMAT",
    "RUNS_SCHEMA",
    "SEEDS_SCHEMA",
    "TABLES",
    "Column",
    "brand_folder",
    "schema_markdown",
]

#: The manifest's ``format`` written by this version. Version 1 named brand folders
#: ``brand=<slug>``, which readers took for Hive partitions (and merged brands). Version
#: 2 had seed-only ``projected_impressions``/``projected_engagements`` and an in-graph
#: ``emv``; version 3 projects every hop (``impressions``, ``engagements``, ``people``
#: and their ``earned_`` parts) and values impressions only; version 4 chooses each
#: strategy's plan under one plan model and evaluates it under every model
#: (``plan_model``, ``matched``).
RESULTS_FORMAT = "influence-campaign/4"
#: Formats :func:`pipeline.aggregate.load_results` reads (older ones without the
#: platform units: :attr:`pipeline.aggregate.Results.notes` says so).
READABLE_FORMATS = (
    "influence-campaign/1",
    "influence-campaign/2",
    "influence-campaign/3",
    RESULTS_FORMAT,
)


@dataclass(frozen=True)
class Column:
    """One documented column: name, polars type, unit ("" when none) and meaning."""

    name: str
    dtype: pl.DataType
    unit: str
    meaning: str


_KEY_COLUMNS = (
    Column("cell", pl.String(), "", "the cell's id: readable part + hash of its coordinates"),
    Column("brand", pl.String(), "", "the brand, exactly as named in the brands file"),
    Column("model", pl.String(), "", "diffusion model label (`wc`, `ic p=0.01`, a preset name)"),
    Column(
        "plan_model",
        pl.String(),
        "",
        "the model the plan was chosen under (`model` is the one it is simulated under)",
    ),
    Column(
        "matched",
        pl.Boolean(),
        "",
        "the plan is the strategy's plan for `model` (chosen under it, or not depending "
        "on it); false: a plan chosen under `plan_model`, evaluated under another model",
    ),
    Column("strategy", pl.String(), "", "seeding strategy (`imm`, `macro`, `micro`, ...)"),
    Column("budget", pl.Float64(), "currency", "the level's budget; null for a seed-count level"),
    Column("k", pl.Int64(), "creators", "the level's seed count; null for a budget level"),
)

#: Table name -> its columns, in file order. Every cell table starts with :data:`KEY`.
TABLES: dict[str, tuple[Column, ...]] = {
    "runs": (
        *_KEY_COLUMNS,
        Column(
            "run",
            pl.Int64(),
            "",
            "simulation run 0..runs-1; run r of every strategy of "
            "a brand and model shares its random numbers",
        ),
        Column("activated", pl.Int64(), "accounts", "accounts activated, seeds included"),
        Column(
            "exposed",
            pl.Int64(),
            "accounts",
            "accounts activated or following an activated one (real follows only)",
        ),
        Column("steps", pl.Int32(), "steps", "cascade steps until no account activated"),
        Column(
            "cost_spent",
            pl.Float64(),
            "currency",
            "what the plan costs: fees plus per-creator overhead",
        ),
        Column("seeds_used", pl.Int64(), "creators", "creators in the plan"),
        Column(
            "cpm",
            pl.Float64(),
            "currency per 1,000 impressions",
            "the CPM valuing the cell's impressions (EMV); null when unknown",
        ),
        Column("earned_activated", pl.Int64(), "accounts", "activated minus seeds_used"),
        Column("earned_exposed", pl.Int64(), "accounts", "exposed minus seeds_used"),
        *(
            Column(
                name,
                pl.Float64(),
                unit,
                f"{what}{extra}, projected to the platform at every hop (docs/projection.md)",
            )
            for kpi, unit, what in (
                ("impressions", "impressions", "views of the creators' and the cascade's posts"),
                ("engagements", "engagements", "likes, comments and shares of those posts"),
                ("people", "people", "unique people who see at least one of those posts"),
            )
            for name, extra in (
                (kpi, ""),
                (f"earned_{kpi}", ", without the creators' own posts"),
            )
        ),
        Column(
            "certified_ratio",
            pl.Float64(),
            "ratio 0-1",
            "the plan's certified approximation ratio (OPIM-C, IMM); null otherwise",
        ),
        Column(
            "robust_ratio",
            pl.Float64(),
            "ratio 0-1",
            "robust plans: the worst ratio, over the campaign's models, of the plan's value "
            "to the best known plan's, on independent RR sets; null otherwise",
        ),
        Column(
            "robust_ratio_low",
            pl.Float64(),
            "ratio 0-1",
            "robust plans: a lower bound of robust_ratio holding for every model at once "
            "with probability 95%; null otherwise",
        ),
        Column(
            "stable_share",
            pl.Float64(),
            "share 0-1",
            "plans chosen on RR sets: share of the plan's creators picked in every "
            "bootstrap re-run of the selection; null otherwise",
        ),
        Column(
            "rerun_low",
            pl.Float64(),
            "the objective's unit",
            "the lowest estimated value of the re-run plans (independent estimate)",
        ),
        Column(
            "rerun_high",
            pl.Float64(),
            "the objective's unit",
            "the highest estimated value of the re-run plans",
        ),
        Column(
            "stand_ins",
            pl.String(),
            "",
            "creators (handles) the re-runs picked instead, with counts: `@a (3 of 5), ...`",
        ),
    ),
    "seeds": (
        *_KEY_COLUMNS,
        Column("rank", pl.Int32(), "", "1-based position in the plan, in selection order"),
        Column("id", pl.String(), "", "account ID as in the graph and profiles"),
        Column("handle", pl.String(), "", "the profile's handle"),
        Column("tier", pl.String(), "", "nano, micro, mid, macro or mega (by followers)"),
        Column("cost", pl.Float64(), "currency", "contracting the creator: fee plus overhead"),
        Column("followers", pl.Int64(), "accounts", "the profile's follower count"),
        Column("relevance", pl.Float64(), "score 0-1", "fit of the creator's topics to the brand"),
        Column(
            "marginal_gain",
            pl.Float64(),
            "the objective's unit",
            "expected objective added to the creators ranked above (engagements, impressions "
            "or people for a KPI, else in-graph accounts)",
        ),
        Column(
            "cumulative_reach",
            pl.Float64(),
            "the objective's unit",
            "running sum of marginal_gain, raised where it falls below what those seeds alone "
            "are worth (their count, or their own posts for a KPI)",
        ),
        Column(
            "cumulative_stderr",
            pl.Float64(),
            "the objective's unit",
            "standard error of cumulative_reach",
        ),
        Column("cumulative_cost", pl.Float64(), "currency", "running sum of cost"),
        Column("forced", pl.Boolean(), "", "a must-include of the campaign"),
        Column(
            "picked_in",
            pl.Int32(),
            "re-runs",
            "plans chosen on RR sets (imm, opim): in how many bootstrap re-runs of the "
            "selection it was picked; null otherwise",
        ),
        Column("resamples", pl.Int32(), "re-runs", "the bootstrap re-runs behind picked_in"),
        Column(
            "overlap_above",
            pl.Float64(),
            "share 0-1",
            "share of the creator's followers who follow a creator ranked above",
        ),
        Column("engagement_rate", pl.Float64(), "share 0-1", "the profile's engagement rate"),
        Column(
            "real_audience",
            pl.Float64(),
            "share 0-1",
            "share of the creator's followers that are real accounts",
        ),
        Column("platform", pl.String(), "", "the profile's platform"),
        Column(
            "own_engagements",
            pl.Float64(),
            "engagements",
            "engagements of the creator's own post (ER x real share x audience)",
        ),
        Column(
            "own_impressions",
            pl.Float64(),
            "impressions",
            "impressions of the creator's own post (reach rate x real share x audience)",
        ),
        Column(
            "marginal_people",
            pl.Float64(),
            "people",
            "people its own post adds to those the creators ranked above reach",
        ),
        Column(
            "alternative",
            pl.String(),
            "",
            "the handle of the best candidate not chosen that costs no more "
            "(lowest cost per own engagement); null when none",
        ),
        Column(
            "alternative_cost_per_engagement",
            pl.Float64(),
            "currency per engagement",
            "that candidate's cost per engagement of its own post",
        ),
    ),
    "audience": (
        *_KEY_COLUMNS,
        Column("tier", pl.String(), "", "tier of the activated accounts"),
        Column(
            "expected_activated",
            pl.Float64(),
            "accounts",
            "mean activated accounts of the tier per run",
        ),
        Column("accounts", pl.Int64(), "accounts", "accounts of the tier in the graph"),
    ),
    "curves": (
        *_KEY_COLUMNS,
        Column("step", pl.Int32(), "steps", "cascade step (0: the seeds)"),
        Column("mean_new", pl.Float64(), "accounts", "mean accounts activated at this step"),
        Column(
            "mean_cumulative", pl.Float64(), "accounts", "mean accounts activated up to this step"
        ),
    ),
    "overlap": (
        *_KEY_COLUMNS,
        Column("rank_a", pl.Int32(), "", "rank of the first creator of the pair"),
        Column("rank_b", pl.Int32(), "", "rank of the second creator (rank_a < rank_b)"),
        Column(
            "follower_overlap",
            pl.Float64(),
            "share 0-1",
            "overlap coefficient of their follower sets: shared / the smaller set",
        ),
    ),
    "competition": (
        Column("contest", pl.String(), "", "the competition cell's id"),
        Column("brands", pl.String(), "", "the competing brands joined by `+`"),
        Column("model", pl.String(), "", "diffusion model label"),
        Column("strategy", pl.String(), "", "seeding strategy of every brand"),
        Column("level", pl.String(), "", "the level entry (`budget 500`, `share 0.5`, `k 5`)"),
        Column("brand", pl.String(), "", "the brand of this row"),
        Column("budget", pl.Float64(), "currency", "the brand's budget; null for a k level"),
        Column("k", pl.Int64(), "creators", "the brand's seed count; null for a budget level"),
        Column("run", pl.Int64(), "", "simulation run"),
        Column("adopters", pl.Int64(), "accounts", "accounts that adopted this brand"),
        Column(
            "alone", pl.Int64(), "accounts", "accounts the brand activates seeding alone, same run"
        ),
    ),
}


def _schema(table: str) -> dict[str, pl.DataType]:
    return {c.name: c.dtype for c in TABLES[table]}


#: The cell key every cell table starts with.
KEY: tuple[str, ...] = tuple(c.name for c in _KEY_COLUMNS)
RUNS_SCHEMA = _schema("runs")
SEEDS_SCHEMA = _schema("seeds")
AUDIENCE_SCHEMA = _schema("audience")
CURVES_SCHEMA = _schema("curves")
OVERLAP_SCHEMA = _schema("overlap")
COMPETITION_SCHEMA = _schema("competition")


def brand_folder(brand: str) -> str:
    """The folder of ``brand`` in each cell table: ``brand-<slug>-<8 hex of its hash>``.

    The slug keeps letters, digits, ``.`` and ``-`` (at most 40 characters); the hash
    of the exact name keeps ``Fresh Bite`` and ``Fresh&Bite`` apart. No ``=``, so no
    reader mistakes it for a Hive partition. O(len(brand))."""
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", brand).strip("-.")[:40].strip("-.")
    digest = hashlib.blake2b(brand.encode(), digest_size=4).hexdigest()
    return f"brand-{slug}-{digest}" if slug else f"brand-{digest}"


def schema_markdown() -> str:
    """The results folder's tables as Markdown (``docs/results-schema.md``)."""
    lines = [
        "# The results folder",
        "",
        "Generated from `pipeline/schema.py` (`python -m pipeline.schema > "
        "docs/results-schema.md`); a test keeps this file equal to it.",
        "",
        f"Format `{RESULTS_FORMAT}` (the manifest's `format`):",
        "",
        "```text",
        "OUT/campaign.json                          manifest",
        "OUT/<table>/<brand folder>/<cell>.parquet  runs, seeds, audience, curves, overlap",
        "OUT/competition/<contest>.parquet          one file per competition cell",
        "```",
        "",
        "A brand folder is `brand-<slug>-<hash>`: readable, unique per exact brand name, "
        "and without `=`, so that no reader (polars, pyarrow, pandas, DuckDB) takes it "
        "for a Hive partition. The brand is the `brand` column inside every file, exactly "
        "as in the brands file. A cell is finished when its `runs` file exists (it is "
        "written last); hidden `.*.tmp` files are interrupted writes. Types are polars "
        "types (Parquet: String = UTF-8 string, Int64/Int32 = signed integers, Float64 = "
        "double, Boolean); money is in the campaign's currency units.",
        "",
    ]
    for table, cols in TABLES.items():
        lines += [f"## `{table}`", "", "| column | type | unit | meaning |", "|---|---|---|---|"]
        for c in cols:
            lines.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {c.meaning} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(schema_markdown(), end="")
