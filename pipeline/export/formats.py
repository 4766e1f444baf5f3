"""Column formats: which columns hold money or rates, how money reads for people, and
the cell rules a CSV for spreadsheets follows (money to cents, formula-like text
neutralised, nested values as JSON text). Display and writing both use these; reading
and writing files is :mod:`pipeline.export.files`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "csv_ready",
    "format_money",
    "is_money",
    "is_rate",
    "money_to_cents",
    "spreadsheet_safe",
]


def is_money(column: str) -> bool:
    """Whether a column holds currency units, by the project's naming: ``cost``,
    ``cost_*``, ``*_cost`` (not ``*_per_cost``, a rate), ``fee``, ``budget``, ``emv``,
    ``cpm`` and their ``baseline_``/``projected_`` forms."""
    c = column.removeprefix("baseline_").removeprefix("projected_")
    if c.endswith(("per_cost", "_score")):
        return False
    return (
        c in ("cost", "fee", "budget", "emv", "cpm") or c.startswith("cost") or c.endswith("_cost")
    )


def is_rate(column: str) -> bool:
    """Whether a column is a share or a rate in [0, 1] (shown as a percentage)."""
    return any(w in column for w in ("rate", "share", "overlap", "real_audience", "redundancy"))


def format_money(x: float, currency: str = "", whole: bool = False) -> str:
    """Money for people: two decimals (none with ``whole``), thousands separators and
    the currency: a one-character symbol before (``$1,234.50``), a code after
    (``1,234.50 EUR``)."""
    text = f"{x:,.0f}" if whole else f"{x:,.2f}"
    if not currency:
        return text
    return currency + text if len(currency) == 1 else f"{text} {currency}"


def money_to_cents(df: pl.DataFrame) -> pl.DataFrame:
    """Money columns rounded to cents for CSV (``271.40000000000003`` -> ``271.4``)."""
    import polars as pl

    money = [c for c, t in df.schema.items() if t.is_float() and is_money(c)]
    return df.with_columns(pl.col(c).round(2) for c in money) if money else df


def spreadsheet_safe(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with text cells a spreadsheet would run as a formula (starting with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return) prefixed with ``'``, as OWASP's CSV
    injection guidance advises. Two shapes that cannot hold a formula are left as they
    are: a plain handle (``@`` then letters, digits, ``_`` or ``.``) and a plain signed
    number; numeric columns are untouched. O(cells)."""
    import polars as pl

    text = [c for c, t in df.schema.items() if t == pl.String]
    risky = r"^[=+\-@\t\r]"
    plain = r"^(@[\w.]+|[+-]?\d+(\.\d+)?)$"
    return df.with_columns(
        pl.when(pl.col(c).str.contains(risky) & ~pl.col(c).str.contains(plain))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with nested columns (lists, arrays, structs) as JSON text, which CSV can hold.

    A list ``[1, 2]`` becomes the cell ``[1,2]`` and a struct ``{"a": 1}`` the cell
    ``{"a":1}``; a missing value stays an empty cell. Reading the CSV back gives
    those strings (use Parquet or JSON to keep the types). Flat columns are
    untouched. O(rows) per nested column.
    """
    import polars as pl

    nested = [c for c, t in df.schema.items() if t.is_nested()]
    if not nested:
        return df
    # json_encode of a one-field struct gives {"c":<value>}; strip the wrapper.
    return df.with_columns(
        pl.when(pl.col(c).is_not_null())
        .then(pl.struct(pl.col(c).alias("v")).struct.json_encode().str.slice(5))
        .str.strip_suffix("}")
        .alias(c)
        for c in nested
    )
