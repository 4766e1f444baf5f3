"""What an edge file's first row is: a header, a size line or the first edge; and which
separator a SNAP-named text file really uses.

The rule (:func:`choose_header`), for text files (CSV, TSV, SNAP text):

1. ``header=True`` / ``False`` decide (``--header`` / ``--no-header``).
2. A first row holding every column the caller named (``source_col``, ``--columns``)
   is a header.
3. A first row of exactly two integers ``n m`` where ``m`` is the number of the
   rows after it and ``n`` the number of distinct node IDs in them is a size line,
   skipped.
4. A first row whose two endpoint fields are integers is the first edge.
5. A first row with a non-integer endpoint field where every later row holds
   integers in that column is a header (its fields are not IDs of the file's kind).
6. Otherwise the IDs are text and the first row could be either: CSV and TSV files
   read it as a header (as they always did); SNAP-named text files, which by
   convention have none, as the first edge.

Column-wise: O(rows) for the integer test of the later rows, only when the first
row is not integers; O(rows) for the distinct count, only when it might be a size line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

__all__ = ["HeaderChoice", "choose_header", "first_row", "put_back", "sniff_separator"]

_INT_TEXT = r"^\s*[+-]?\d+\s*$"
_INT = re.compile(_INT_TEXT)


@dataclass(frozen=True)
class HeaderChoice:
    """The decision on a first row: ``action`` is ``"header"`` (column names),
    ``"data"`` (the first edge) or ``"size"`` (a size line, skipped); ``note`` says
    so for the load report."""

    action: Literal["header", "data", "size"]
    note: str


def _data_lines(data: bytes, comments: bool, limit: int) -> list[tuple[int, bytes]]:
    """Up to ``limit`` (line number, line) pairs of the non-blank lines (and, with
    ``comments``, not ``#`` lines) from the top of ``data``. O(the lines read)."""
    out: list[tuple[int, bytes]] = []
    pos, number = 0, 0
    while pos < len(data) and len(out) < limit:
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        line = data[pos:end].rstrip(b"\r")
        number += 1
        pos = end + 1
        if line.strip() == b"" or (comments and line.lstrip().startswith(b"#")):
            continue
        out.append((number, line))
    return out


def sniff_separator(data: bytes, sample: int = 100) -> str | None:
    """The separator of a SNAP-named text file from its first ``sample`` data lines
    (``#`` comments and blank lines skipped): ``","`` when every line has a comma,
    ``";"`` when every line has a semicolon and none a comma, ``"\\t"`` when every
    line has a tab and none a space, else None (whitespace, read by the SNAP parser).
    O(sample lines)."""
    lines = [line for _, line in _data_lines(data, True, sample)]
    if not lines:
        return None
    if all(b"," in line for line in lines):
        return ","
    if all(b";" in line and b"," not in line for line in lines):
        return ";"
    if all(b"\t" in line and b" " not in line for line in lines):
        return "\t"
    return None


def first_row(data: bytes, separator: str, comments: bool) -> tuple[list[str | None], int]:
    """The fields of the first data line and its 1-based line number (``([], 0)``
    when the file has none). Quotes are read as CSV quotes."""
    found = _data_lines(data, comments, 1)
    if not found:
        return [], 0
    number, line = found[0]
    try:
        row = pl.read_csv(
            line + b"\n", has_header=False, separator=separator, infer_schema=False
        ).row(0)
    except pl.exceptions.PolarsError:
        return [line.decode("utf-8", errors="replace")], number
    return list(row), number


def put_back(df: pl.DataFrame, first: list[str | None]) -> pl.DataFrame:
    """``df`` (rows read after a first row taken for a header) with ``first`` put back on
    top, each value typed as its column; a column the value does not fit becomes text.
    O(rows) for the copy."""
    values = (list(first) + [None] * df.width)[: df.width]
    row = pl.DataFrame(
        [pl.Series(c, [v], dtype=pl.String) for c, v in zip(df.columns, values, strict=True)]
    )
    for name, dtype in df.schema.items():
        if dtype == pl.String:
            continue
        try:
            row = row.with_columns(pl.col(name).cast(dtype))
        except pl.exceptions.PolarsError:
            df = df.with_columns(pl.col(name).cast(pl.String))
    return pl.concat([row, df])


def _is_int(value: str | None) -> bool:
    return value is not None and _INT.match(value) is not None


def _integer_column(s: pl.Series) -> bool:
    """Whether every non-missing value of ``s`` is an integer (and there is one). O(rows)."""
    if s.dtype.is_integer():
        return s.len() > s.null_count()
    if s.dtype != pl.String:
        return False
    values = s.drop_nulls()
    if values.len() == 0:
        return False
    if values.cast(pl.Int64, strict=False).null_count() == 0:  # fast; '+7', '007' too
        return True
    if not values.head(1000).str.contains(_INT_TEXT).all():
        return False  # (a quick look first: text IDs are the common case)
    return bool(values.str.contains(_INT_TEXT).all())


def _names(first: Sequence[str | None]) -> str:
    shown = ", ".join(repr(f if f is not None else "") for f in first[:6])
    return shown + (", ..." if len(first) > 6 else "")


def choose_header(
    first: Sequence[str | None],
    rest: Sequence[pl.Series],
    *,
    header: bool | None,
    text_means_header: bool,
    names: Sequence[str] = (),
) -> HeaderChoice:
    """Decide what the first row ``first`` (its fields as text) is, given the endpoint
    columns ``rest`` of the rows after it (blank rows dropped); see the module doc.
    ``text_means_header``: what a text first row over text IDs is (CSV/TSV: a header;
    SNAP text: the first edge). ``names``: the columns the caller named."""
    if header is True:
        return HeaderChoice("header", f"header: columns {_names(first)} (as asked)")
    if header is False:
        return HeaderChoice("data", "no header (as asked)")
    if names and all(n in first for n in names):
        return HeaderChoice("header", f"header: columns {_names(first)}")
    ends = [*first, None, None][:2]
    rows = rest[0].len() if rest else 0
    if all(_is_int(f) for f in ends):
        filled = [f for f in first if f is not None and f.strip()]
        if len(filled) == 2 and rows == int(ends[1] or 0) and rows > 0:
            ids = pl.concat([s.drop_nulls().cast(pl.String).str.strip_chars() for s in rest])
            if ids.n_unique() == int(ends[0] or 0):
                return HeaderChoice(
                    "size",
                    f"size line '{ends[0]} {ends[1]}' skipped ({ends[0]} nodes, {ends[1]} edges)",
                )
        return HeaderChoice("data", "no header (first row holds IDs)")
    for value, column in zip(ends, rest, strict=False):
        if not _is_int(value) and _integer_column(column):
            return HeaderChoice("header", f"header: columns {_names(first)}")
    if text_means_header:
        return HeaderChoice(
            "header", f"header: columns {_names(first)} (text IDs: assumed a header)"
        )
    return HeaderChoice("data", "no header (text IDs; SNAP text has none by convention)")
