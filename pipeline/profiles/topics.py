"""Topic cells of profiles and brands, and why an account or brand matches no topic.

A topics cell lists topics separated by ``;`` or ``,`` (``food; travel``, or a quoted
CSV cell ``"Food, Fitness"``), each optionally weighted as ``name:weight`` or
``name=weight`` (a bare name weighs 1). Names are case-folded and their inner
whitespace collapsed (``Food  &  Drink`` is the topic ``food & drink``), the same in
profiles and brands, so they compare alike. Weights are numbers >= 0, normalised to
sum to 1 per row; in a ``;``-separated file a decimal comma (``food:0,7``) is read as a
point. Anything else is refused with the file line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.profiles.accounts import Profiles
    from pipeline.profiles.brands import Brands

__all__ = ["TOPICS_SYNTAX", "no_fit_reason", "parse_topics", "where_row"]

#: How a topics cell is written, for error messages.
TOPICS_SYNTAX = (
    "topics separated by ';' or ',', each optionally weighted as name:weight or "
    "name=weight with a number >= 0 (e.g. 'food:0.7; travel:0.3')"
)


def where_row(row: int, path: str, lines: pl.Series | None = None) -> str:
    """Where table row ``row`` (0-based) is, in the words its file uses: the file line
    from ``lines`` (a table's ``_line`` column) when given, else ``line row+2`` (a header
    on line 1), or ``row row+1`` for Parquet/JSON."""
    tabular = path.endswith((".parquet", ".pq", ".json"))
    if lines is not None:
        return f"{'row' if tabular else 'line'} {int(lines[row])}"
    return f"row {row + 1}" if tabular else f"line {row + 2}"


def parse_topics(
    topics: pl.Series,
    key: pl.Series,
    *,
    path: str = "<table>",
    column: str = "topics",
    lines: pl.Series | None = None,
    decimal_comma: bool = False,
) -> pl.DataFrame:
    """Topics cells (see the module doc) as a long table (key, topic, weight), weights
    summing to 1 per row; empty or missing cells give no rows. ``lines``: each row's
    file line for messages; ``decimal_comma``: read ``food:0,7`` as 0.7 (``;`` files).
    Errors name the file, line, column and the bad entry. Vectorised: O(total entries).
    """
    df = pl.DataFrame(
        {"key": key, "_row": np.arange(key.len()), "raw": topics.cast(pl.String)}
    ).filter(pl.col("raw").is_not_null())
    cell = pl.col("raw")
    if decimal_comma:
        cell = cell.str.replace_all(r"([:=]\s*[0-9]*),([0-9]+)(\s*(?:[;,]|$))", "$1.$2$3")
    long = (
        df.with_columns(cell.str.replace_all(",", ";", literal=True).str.split(";"))
        .explode("raw")
        .with_columns(pl.col("raw").str.strip_chars())
        .filter(pl.col("raw").is_not_null() & (pl.col("raw") != ""))
        .with_columns(pl.col("raw").str.extract_groups(r"^([^:=]*)(?:[:=](.*))?$").alias("kv"))
        .unnest("kv")
    )
    long = long.rename({long.columns[-2]: "topic", long.columns[-1]: "w_raw"}).with_columns(
        pl.col("topic").str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " "),
        pl.col("w_raw").str.strip_chars(),
    )
    long = long.with_columns(
        pl.when(pl.col("w_raw").is_null())
        .then(pl.lit(1.0))
        .otherwise(pl.col("w_raw").cast(pl.Float64, strict=False))
        .alias("weight")
    )
    bad = long.filter(
        pl.col("topic").is_null()
        | (pl.col("topic") == "")
        | pl.col("weight").is_null()
        | ~pl.col("weight").is_finite()
        | (pl.col("weight") < 0)
    )
    if bad.height:
        r = bad.row(0, named=True)
        what = "no topic name" if not r["topic"] else f"weight {r['w_raw']!r} is not a number >= 0"
        raise InputError(
            f"{path}: {where_row(r['_row'], path, lines)}, column {column!r}: cannot parse "
            f"the topic entry {r['raw']!r} ({what}); expected {TOPICS_SYNTAX}"
        )
    long = long.group_by("key", "_row", "topic", maintain_order=True).agg(pl.col("weight").sum())
    long = long.with_columns(pl.col("weight").sum().over("_row").alias("_total"))
    zero = long.filter(pl.col("_total") <= 0)
    if zero.height:
        row = int(zero["_row"][0])
        raise InputError(
            f"{path}: {where_row(row, path, lines)}, column {column!r}: topic weights sum to 0"
        )
    return long.select("key", "topic", (pl.col("weight") / pl.col("_total")).alias("weight")).sort(
        "key", "topic"
    )


def _shown(values: list[str], limit: int = 5) -> str:
    more = f", ... ({len(values):,} in all)" if len(values) > limit else ""
    return ", ".join(map(repr, values[:limit])) + more


def no_fit_reason(profiles: Profiles, brands: Brands, brand: str) -> str:
    """Why no profiled account is relevant to ``brand`` (every relevance 0), in one
    sentence: the profiles have no topics column, no profiled account has a topic, or
    no topic is shared (with some topics of each side). O(topics rows)."""
    wanted = brands.topics.filter(pl.col("brand") == brand)["topic"].to_list()
    head = f"brand {brand!r} matches no topic of any profiled account"
    if "topics" not in profiles.given:
        return (
            f"{head}: the profiles ({profiles.path}) have no topics column (the brand's "
            f"topics: {_shown(wanted)}); add one, or name it in the profile column mapping: "
            "topics=<column>"
        )
    if profiles.topics.height == 0:
        return (
            f"{head}: no profiled account in the graph has a topic in {profiles.path}'s "
            f"topics column (the brand's topics: {_shown(wanted)})"
        )
    common = (
        profiles.topics.group_by("topic").len().sort(["len", "topic"], descending=[True, False])
    )["topic"].to_list()
    return (
        f"{head}: its topics are {_shown(wanted)}, the profiles' commonest are "
        f"{_shown(common)} (names are compared case-folded, spaces collapsed); check the "
        "topic names in the brands and profiles tables"
    )
