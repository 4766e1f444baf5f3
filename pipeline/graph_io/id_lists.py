"""Reading a list of account IDs (``--seeds-file``): a table or plain text, one ID a row.

A table (CSV, TSV, Parquet, JSON) gives the IDs of its ``id`` column (any case), else of
its first column. Whether a CSV/TSV's first row is a header is detected
(:func:`_has_header`), as for edge files: a row naming the ID column is one; a first
value that is not an integer over integer IDs below it is one; an integer over
integers is the first ID; over text IDs, a table of several columns has a header, a
single column only when its first value is a usual name for an ID column (``id``,
``account``, ``handle``, ...). Plain text holds one ID per line (``#`` comments, blank
lines skipped); a first line naming the column is a header. IDs are stripped of
surrounding whitespace and typed by the shared rule
(:func:`pipeline.graph_io.text.typed_ids`): integers only when every ID is a plain
integer, else text. O(file size).
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from pipeline.errors import InputError
from pipeline.graph_io.text import (
    INT_ID,
    csv_separator,
    file_bytes,
    first_line,
    header_names,
    polars_message,
    ragged_line,
    strip_cells,
    typed_ids,
    utf8,
)

__all__ = ["ID_HEADERS", "read_id_list"]

#: First values of a one-column ID list taken for its header (compared case-folded).
ID_HEADERS: frozenset[str] = frozenset(
    {"id", "ids", "account", "accounts", "account_id", "user", "users", "user_id",
     "username", "handle", "handles", "node", "nodes", "seed", "seeds", "name", "creator"}
)  # fmt: skip


def _has_header(first: list[str | None], column: pl.Series, wanted: str) -> bool:
    """Whether a text table's first row (``first``, stripped) is a header, given the
    values below it in the ID column (``column``); see the module doc. O(rows)."""
    names = [(f or "").casefold() for f in first]
    if wanted.casefold() in names:
        return True
    head = first[0] or ""
    below = column.drop_nulls()
    ints_below = below.len() > 0 and bool(below.str.contains(INT_ID).all())
    if pl.Series([head]).str.contains(INT_ID)[0]:
        return False  # an integer first value is an ID (a header names its columns)
    if ints_below:
        return True
    return len(first) > 1 or head.casefold() in ID_HEADERS


def _table(p: Path, data: bytes, column: str) -> tuple[pl.Series, pl.Series | None]:
    """The ID column of a table file and each value's file line (None: Parquet/JSON rows)."""
    name = p.name.lower().removesuffix(".gz")
    if data[:4] == b"PAR1" or name.endswith((".parquet", ".pq", ".json")):
        try:
            df = pl.read_json(data) if name.endswith(".json") else pl.read_parquet(io.BytesIO(data))
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            raise InputError(f"{p}: cannot read the ID list: {polars_message(exc)}") from None
        if df.width == 0:
            raise InputError(f"{p}: no IDs; expected a column {column!r} with one ID per row")
        df = df.rename(dict(zip(df.columns, header_names(p, df.columns, 1), strict=True)))
        df, _ = strip_cells(df)
        match = [c for c in df.columns if c.casefold() == column.casefold()]
        return df[match[0] if match else df.columns[0]], None
    data, _ = utf8(p, data)
    sep = "\t" if ".tsv" in name or ".tab" in name else csv_separator(data)[0]
    if not data.strip():
        raise InputError(
            f"{p}: the file is empty; expected a column {column!r} with one ID per row"
        )
    try:
        raw = pl.read_csv(io.BytesIO(data), has_header=False, infer_schema=False, separator=sep)
    except pl.exceptions.PolarsError as exc:
        width = len(first_line(data).split(sep.encode()))
        where = ragged_line(p, data, sep, width) or polars_message(exc)
        raise InputError(f"{p}: cannot read the ID list: {where}") from None
    raw, _ = strip_cells(raw.with_row_index("_line", offset=1))
    raw = raw.filter(~pl.all_horizontal(pl.exclude("_line").is_null()))
    if raw.height == 0:
        raise InputError(f"{p}: no IDs; expected a column {column!r} with one ID per row")
    first: list[str | None] = [None if v is None else str(v) for v in raw.row(0)[1:]]
    cols: list[str] = raw.columns[1:]
    named = [i for i, f in enumerate(first) if (f or "").casefold() == column.casefold()]
    at = named[0] if named else 0
    if _has_header(first, raw[cols[at]].slice(1), column):
        names = header_names(p, first, int(raw["_line"][0]))
        raw = raw.slice(1).rename(dict(zip(cols, names, strict=True)))
        cols = names
    return raw[cols[at]], raw["_line"]


def read_id_list(path: str | Path, *, column: str = "id") -> list[object]:
    """Node IDs from a file (see the module doc), in file order: ints when every ID is a
    plain integer that fits int64, else text. A missing ID in a table is refused with
    its line (row for Parquet/JSON); a file without IDs is refused. O(file size)."""
    p = Path(path)
    data = file_bytes(p)
    suffixes = [s.lower() for s in p.suffixes]
    table = data[:4] == b"PAR1" or any(
        s in (".csv", ".tsv", ".tab", ".parquet", ".pq", ".json") for s in suffixes
    )
    if table:
        ids, lines = _table(p, data, column)
        if ids.len() == 0:
            raise InputError(f"{p}: no IDs; expected a column {column!r} with one ID per row")
        if ids.null_count():
            row = int(ids.is_null().arg_true()[0])
            where = f"line {int(lines[row])}" if lines is not None else f"row {row + 1}"
            raise InputError(f"{p}: {where}: missing ID")
        if ids.dtype.is_float():
            raise InputError(f"{p}: the IDs are decimal numbers; expected integers or text")
        return typed_ids(ids)[0][0].to_list()
    if b"\x00" in data[:65536]:
        raise InputError(
            f"{p}: a binary file; expected one ID per line, or a table "
            f"(.csv, .tsv, .parquet, .json) with an {column!r} column"
        )
    text = utf8(p, data)[0].decode("utf-8")
    lines_ = pl.Series("id", text.splitlines(), dtype=pl.String).str.strip_chars()
    lines_ = lines_.filter((lines_ != "") & ~lines_.str.starts_with("#"))
    if lines_.len() and lines_[0].casefold() in {column.casefold(), *ID_HEADERS}:
        lines_ = lines_.slice(1)  # a header line naming the column
    if lines_.len() == 0:
        raise InputError(f"{p}: no IDs; expected one ID per line")
    return typed_ids(lines_)[0][0].to_list()
