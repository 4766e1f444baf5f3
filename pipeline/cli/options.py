"""The CLI's option and argument types, shared by the commands: choices as enums and
``Annotated`` options with their flags and help, so every command spells a flag alike.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.graph_io import FollowerGraph

__all__ = [
    "PO",
    "BrandAwareO",
    "BrandsTableO",
    "CostFixedO",
    "CostPerFollowerO",
    "EdgeFormatOpt",
    "EdgeMeaningO",
    "EdgeMeaningOpt",
    "ExecutorOpt",
    "FormatO",
    "GraphArg",
    "MaxStepsO",
    "MinRelevanceO",
    "ModelOpt",
    "OutFormatO",
    "OutO",
    "PerCreatorO",
    "QuietO",
    "RankByOpt",
    "ReportFormatOpt",
    "ResultsArg",
    "SeedO",
    "SeedsFileO",
    "SourceColO",
    "StrategyOpt",
    "TableFormatOpt",
    "TargetColO",
    "id_list",
    "resolve_model_option",
]


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


class ModelOpt(StrEnum):
    ic = "ic"
    wc = "wc"
    tv = "tv"
    lt = "lt"
    low_virality = "low-virality"
    medium = "medium"
    high_virality = "high-virality"


def resolve_model_option(
    model: ModelOpt | None, p: float | None, graph: FollowerGraph | None = None
) -> tuple[str, float | None]:
    """(model name, p) of a --model option: a virality preset stands for its model and p;
    no --model is the library's default (:func:`pipeline.defaults.resolve_model`: ic with
    --p or a probability column, else wc)."""
    from pipeline.defaults import resolve_model
    from pipeline.diffusion.presets import PRESETS

    name = resolve_model(None if model is None else model.value, p, graph)
    if name not in PRESETS:
        return name, p
    if p is not None:
        raise InputError(f"--p applies to --model ic, not to the preset {name!r}")
    ps = PRESETS[name]
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


def id_list(text: str | None) -> list[object]:
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


class ReportFormatOpt(StrEnum):
    html = "html"
    png = "png"
