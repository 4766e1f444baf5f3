"""Writing tables: Parquet first, CSV and JSON for people; always atomic.

Every output is written to a temporary file in the target folder and then
renamed over the target (``os.replace``), so an interrupted run never leaves a
half-written file behind. The file gets the usual ``0o666 & ~umask`` mode.
CSV cannot hold nested values, so list and struct columns are written to CSV
as JSON text (``[1,2]``); Parquet and JSON keep them as they are.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal

import polars as pl

from pipeline.errors import InputError

__all__ = [
    "TABLE_FORMATS",
    "atomic_path",
    "format_money",
    "is_money",
    "is_rate",
    "read_table",
    "spreadsheet_safe",
    "table_format",
    "write_table",
]

TableFormat = Literal["parquet", "csv", "json"]
TABLE_FORMATS: tuple[str, ...] = ("parquet", "csv", "json")
_SUFFIX = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".json": "json"}


def table_format(path: str | Path, format: str | None = None) -> TableFormat:
    """The table format named by ``format`` or, failing that, by the file extension."""
    if format is not None:
        if format not in TABLE_FORMATS:
            raise InputError(
                f"unknown table format {format!r}; expected {', '.join(TABLE_FORMATS)}"
            )
        return format  # type: ignore[return-value]
    fmt = _SUFFIX.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: cannot tell the table format from the extension; "
            f"use .parquet, .csv or .json (or pass --format)"
        )
    return fmt  # type: ignore[return-value]


def _umask() -> int:
    """The process umask. Read without changing it where Linux allows
    (``/proc/self/status``); otherwise set and restore it at once."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    On an exception the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{target}: the folder {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file 0600; give it the mode open() would have.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_table(df: pl.DataFrame, path: str | Path, format: str | None = None) -> Path:
    """Write ``df`` atomically as Parquet, CSV or JSON (an array of row objects).

    CSV is for people and spreadsheets: UTF-8 with a BOM (Excel reads accents), money
    columns (:func:`is_money`) rounded to cents, formula-like text neutralised
    (:func:`spreadsheet_safe`); Parquet and JSON keep every value as it is.
    """
    fmt = table_format(path, format)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            df.write_parquet(tmp)
        elif fmt == "csv":
            spreadsheet_safe(_money_to_cents(_csv_ready(df))).write_csv(tmp, include_bom=True)
        else:
            df.write_json(tmp)
    return Path(path)


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


def _money_to_cents(df: pl.DataFrame) -> pl.DataFrame:
    """Money columns rounded to cents for CSV (``271.40000000000003`` -> ``271.4``)."""
    money = [c for c, t in df.schema.items() if t.is_float() and is_money(c)]
    return df.with_columns(pl.col(c).round(2) for c in money) if money else df


def spreadsheet_safe(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with text cells a spreadsheet would run as a formula (starting with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return) prefixed with ``'``, as OWASP's CSV
    injection guidance advises. Two shapes that cannot hold a formula are left as they
    are: a plain handle (``@`` then letters, digits, ``_`` or ``.``) and a plain signed
    number; numeric columns are untouched. O(cells)."""
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


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with nested columns (lists, arrays, structs) as JSON text, which CSV can hold.

    A list ``[1, 2]`` becomes the cell ``[1,2]`` and a struct ``{"a": 1}`` the cell
    ``{"a":1}``; a missing value stays an empty cell. Reading the CSV back gives
    those strings (use Parquet or JSON to keep the types). Flat columns are
    untouched. O(rows) per nested column.
    """
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


def read_table(path: str | Path, what: str = "table") -> pl.DataFrame:
    """Read a CSV, TSV, Parquet or JSON table for ``what`` (used in error messages)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file ({what})")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(p)
        if suffix == ".json":
            return pl.read_json(p)
        if suffix in (".csv", ".tsv", ".gz"):
            sep = "\t" if ".tsv" in [s.lower() for s in p.suffixes] else ","
            return pl.read_csv(p, separator=sep, infer_schema_length=10_000)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{p}: cannot read the {what}: {msg}") from None
    raise InputError(
        f"{p}: unknown {what} format {suffix!r}; expected .csv, .tsv, .parquet or .json"
    )


def open_atomic_text(path: str | Path) -> contextlib.AbstractContextManager[IO[str]]:
    """Open a text file for writing that appears at ``path`` only when closed cleanly."""

    @contextlib.contextmanager
    def _cm() -> Iterator[IO[str]]:
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            yield fh

    return _cm()
