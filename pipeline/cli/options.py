"""The CLI's option and argument types, shared by the commands: choices as enums and
``Annotated`` options with their flags and help, so every command spells a flag alike.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from pipeline.diffusion.model_ref import Model
    from pipeline.graph_io import FollowerGraph

__all__ = [
    "MODEL_HELP",
    "PO",
    "STRATEGY_HELP",
    "BrandAwareO",
    "BrandsTableO",
    "ColumnsO",
    "CostFixedO",
    "CostPerFollowerO",
    "DuplicatesO",
    "EdgeFormatOpt",
    "EdgeMeaningO",
    "EdgeMeaningOpt",
    "ExecutorOpt",
    "FormatO",
    "GraphArg",
    "HeaderO",
    "MaxFollowersO",
    "MaxStepsO",
    "MinFollowersO",
    "MinRelevanceO",
    "ModelO",
    "OutFormatO",
    "OutO",
    "PerCreatorO",
    "PlatformO",
    "ProfileColumnsO",
    "QuietO",
    "RankByOpt",
    "ReachRateO",
    "ReportFormatOpt",
    "ResultsArg",
    "SeedO",
    "SeedsFileO",
    "SourceColO",
    "StrategyO",
    "TableFormatOpt",
    "TargetColO",
    "TierO",
    "TierThresholdsO",
    "UndirectedO",
    "id_list",
    "resolve_model_option",
    "strategy_help",
]


class EdgeMeaningOpt(StrEnum):
    follows = "follows"
    influences = "influences"


class EdgeFormatOpt(StrEnum):
    csv = "csv"
    tsv = "tsv"
    parquet = "parquet"
    snap = "snap"
    graphml = "graphml"
    gml = "gml"


class TableFormatOpt(StrEnum):
    parquet = "parquet"
    csv = "csv"
    json = "json"


GraphArg = Annotated[
    Path,
    typer.Argument(
        help="Edge file: CSV, TSV, Parquet or SNAP whitespace text (.gz accepted), or a "
        "GraphML or GML graph.",
        show_default=False,
    ),
]

EdgeMeaningO = Annotated[
    EdgeMeaningOpt | None,
    typer.Option(
        "--edge-meaning",
        help="'follows': row a,b means a follows b (b's posts reach a). "
        "'influences': row a,b means a's posts reach b. Default: follows for edge files, "
        "influences for GraphML and GML (as pipeline.read_graph).",
        show_default=False,
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

HeaderO = Annotated[
    bool | None,
    typer.Option(
        "--header/--no-header",
        help="Whether a text edge file's first row is a header (default: detect; a first "
        "row 'n m' giving the node and edge counts is skipped).",
        show_default=False,
    ),
]

ColumnsO = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="Edge-file columns as name=column pairs: source=a,target=b,probability=p,"
        'weight=w (quote a column name holding a comma or =: source="a,b").',
    ),
]

DuplicatesO = Annotated[
    str,
    typer.Option(
        "--duplicates",
        help="Rows naming one edge: max (keep the largest probability and weight; the same "
        "follow recorded twice), noisy-or (independent chances: 1 - prod(1 - p), weights "
        "summed) or count (keep the count c; ic uses 1 - (1 - p)^c, wc and lt c / sum of c).",
        metavar="max|noisy-or|count",
    ),
]

UndirectedO = Annotated[
    bool,
    typer.Option("--undirected", help="Read each edge row both ways (an undirected graph)."),
]

ProfileColumnsO = Annotated[
    str | None,
    typer.Option(
        "--profile-columns",
        help="Profile-table columns named otherwise, as name=column pairs: "
        "id=username,followers=follower_count (names: id, handle, followers, engagement_rate, "
        "cost, cpm, platform, real_audience, topics).",
    ),
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


MODEL_HELP = (
    "Diffusion model: ic, wc, tv, lt, ic:P, a virality preset (low-virality, medium, "
    "high-virality) or calibrated:FILE (written by `influence calibrate`). Default: ic with "
    "--p or a probability column, else wc."
)

ModelO = Annotated[str | None, typer.Option("--model", help=MODEL_HELP, show_default=False)]


def resolve_model_option(
    model: str | None, p: float | None, graph: FollowerGraph | None = None
) -> Model:
    """The :class:`~pipeline.diffusion.model_ref.Model` of a --model option (free text,
    checked by :func:`pipeline.diffusion.model_ref.resolve`: presets, ``ic:P``,
    ``calibrated:FILE``; no --model: ic with --p or a probability column, else wc). A
    note the model carries (e.g. fitted on another graph) is printed to stderr."""
    from pipeline.diffusion.model_ref import resolve as resolve_model

    m = resolve_model(model, p, graph)
    if m.note:  # plain text on stderr (options stay below cli.output: no import circle)
        typer.echo(f"note: {m.note}", err=True)
    return m


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


def strategy_help() -> str:
    """``--strategy``'s help: every strategy the registry holds now, with its line."""
    from pipeline.seeding.registry import get_strategy, strategy_names

    entries = [get_strategy(name) for name in strategy_names()]
    return ", ".join(f"{s.name} ({s.help})" if s.help else s.name for s in entries) + "."


def _strategy_given(value: str) -> str:
    from pipeline.seeding.registry import strategy_names

    names = strategy_names()
    if value not in names:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, names))}.")
    return value


def _strategy_completions(incomplete: str) -> list[str]:
    from pipeline.seeding.registry import strategy_names

    return [name for name in strategy_names() if name.startswith(incomplete)]


#: Whether building the commands reads ``--strategy``'s help and metavar from the
#: registry (which imports every strategy and numba, about 0.3 s). :func:`~pipeline.cli.
#: common.run` turns it off when the command line runs anything but ``seed`` (typer
#: builds every command's options to run one, and only ``seed`` has ``--strategy``);
#: anything else that builds the commands (the docs, tests) gets the full text.
STRATEGY_HELP = {"from_registry": True}


class _StrategyOption(typer.models.OptionInfo):
    """``--strategy``, whose choices, metavar and help are read from the registry each
    time the command is built, so strategies registered in this process are offered
    (unless :data:`STRATEGY_HELP` says they will not be shown)."""

    @property
    def help(self) -> str:
        if not STRATEGY_HELP["from_registry"]:
            return "A seeding strategy (`influence seed --help` lists them)."
        return strategy_help()

    @help.setter
    def help(self, value: object) -> None:  # set by OptionInfo.__init__; the registry rules
        pass

    @property
    def metavar(self) -> str:
        if not STRATEGY_HELP["from_registry"]:
            return "STRATEGY"
        from pipeline.seeding.registry import strategy_names

        return "<" + "|".join(strategy_names()) + ">"

    @metavar.setter
    def metavar(self, value: object) -> None:
        pass


StrategyO = Annotated[
    str,
    _StrategyOption(
        default="--strategy", callback=_strategy_given, autocompletion=_strategy_completions
    ),
]


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


ReachRateO = Annotated[
    str | None,
    typer.Option(
        "--reach-rate",
        help="Share of followers who see a post, for the projection to people and engagements "
        "(needs --profiles): 0.15, or micro=0.157,macro=0.032 or instagram.micro=0.2; "
        "default by tier (docs/projection.md).",
    ),
]

PlatformO = Annotated[
    list[str] | None,
    typer.Option(
        "--platform",
        help="Keep only creators on this platform (repeatable; the profiles' platform column).",
    ),
]

TierO = Annotated[
    list[str] | None,
    typer.Option(
        "--tier", help="Keep only these tiers (repeatable): nano, micro, mid, macro, mega."
    ),
]

TierThresholdsO = Annotated[
    str | None,
    typer.Option(
        "--tier-thresholds",
        help="Lower follower bounds of micro,mid,macro,mega (default 10000,100000,500000,1000000).",
    ),
]

MinFollowersO = Annotated[
    float | None,
    typer.Option("--min-followers", help="Keep creators with at least this many followers."),
]

MaxFollowersO = Annotated[
    float | None,
    typer.Option("--max-followers", help="Keep creators with at most this many followers."),
]
