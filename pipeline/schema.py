"""The results folder of ``influence campaign``: its layout and every table's columns.

One place defines each table's columns (name, polars type, unit, meaning; ``runs`` and
``seeds`` in :mod:`pipeline.schema_columns`); the schemas the reader enforces and the
documentation (:func:`schema_markdown`, ``docs/results-schema.md``) are both generated
from it, so they cannot drift.

Layout (format :data:`RESULTS_FORMAT`)::

    OUT/campaign.json                        manifest (its grid: the cells readers read)
    OUT/<table>/<brand folder>/<cell>.parquet   runs, seeds, audience, curves, overlap
    OUT/competition/<contest>.parquet        one file per competition cell
    OUT/integrity/<brand folder>/<cell>.json    rows and SHA-256 of each table of a cell
    OUT/integrity/competition/<contest>.json    the same for a competition table
    OUT/campaign.lock                        while a campaign runs on the folder

A brand folder is ``brand-<slug>-<hash>`` (:func:`brand_folder`): readable, unique
per exact brand name, and without ``=`` so that no reader (polars, pyarrow,
pandas, DuckDB) takes it for a Hive partition. The brand itself is the ``brand``
column inside every file, exactly as in the brands file; read a table with a
recursive glob, e.g. ``pl.read_parquet("OUT/runs/**/*.parquet")``,
``pd.read_parquet("OUT/runs")`` or DuckDB's ``read_parquet('OUT/runs/**/*.parquet')``.
"""

from __future__ import annotations

import hashlib

import polars as pl

from pipeline.names import slug as name_slug
from pipeline.schema_columns import KEY_COLUMNS, RUNS_COLUMNS, SEEDS_COLUMNS, Column

__all__ = [
    "AUDIENCE_SCHEMA",
    "COMPETITION_SCHEMA",
    "CURVES_SCHEMA",
    "KEY",
    "LABELS",
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
#: The manifest's ``labels``: model labels write IC's ``p`` exactly and a calibrated
#: model as ``calibrated:<stem>@<hash8>``. Folders without it have ``p`` to 6
#: significant digits and ``calibrated:<file name>`` (:mod:`pipeline.campaign.relabel`).
LABELS = "exact"
#: Formats :func:`pipeline.aggregate.load_results` reads (older ones without the
#: platform units: :attr:`pipeline.aggregate.Results.notes` says so).
READABLE_FORMATS = (
    "influence-campaign/1",
    "influence-campaign/2",
    "influence-campaign/3",
    RESULTS_FORMAT,
)


#: Table name -> its columns, in file order. Every cell table starts with :data:`KEY`.
TABLES: dict[str, tuple[Column, ...]] = {
    "runs": RUNS_COLUMNS,
    "seeds": SEEDS_COLUMNS,
    "audience": (
        *KEY_COLUMNS,
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
        *KEY_COLUMNS,
        Column("step", pl.Int32(), "steps", "cascade step (0: the seeds)"),
        Column("mean_new", pl.Float64(), "accounts", "mean accounts activated at this step"),
        Column(
            "mean_cumulative", pl.Float64(), "accounts", "mean accounts activated up to this step"
        ),
    ),
    "overlap": (
        *KEY_COLUMNS,
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
KEY: tuple[str, ...] = tuple(c.name for c in KEY_COLUMNS)
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
    slug = name_slug(brand, keep=".-", strip="-.", limit=40)
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
        "OUT/campaign.json                          manifest (its grid: the cells read)",
        "OUT/<table>/<brand folder>/<cell>.parquet  runs, seeds, audience, curves, overlap",
        "OUT/competition/<contest>.parquet          one file per competition cell",
        "OUT/integrity/<brand folder>/<cell>.json   rows, bytes, SHA-256 of each table",
        "OUT/integrity/competition/<contest>.json   the same for a competition table",
        "OUT/campaign.lock                          while a campaign writes the folder",
        "```",
        "",
        "A brand folder is `brand-<slug>-<hash>`: readable, unique per exact brand name, "
        "and without `=`, so that no reader (polars, pyarrow, pandas, DuckDB) takes it "
        "for a Hive partition. The brand is the `brand` column inside every file, exactly "
        "as in the brands file. A cell is finished when its integrity record exists "
        "(written after its tables; folders of older versions have none: there the `runs` "
        "file, written last, marks it); hidden `.*.tmp` files are interrupted writes. "
        "Readers use only the cells of the manifest's current grid (`grid.cell_keys`, "
        "`grid.contest_keys`); files of other cells are kept until `influence campaign "
        "--prune`. Model labels (`model`, `plan_model`) write IC's p exactly (`ic p=0.0125`)"
        " and a calibrated model as `calibrated:<stem>@<8 hex of its SHA-256>`. Types are polars "
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
