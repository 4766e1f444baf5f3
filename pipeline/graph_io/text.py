"""Reading a user's text tables one way everywhere: bytes, encoding, separator, header
names, surrounding whitespace and the type of ID columns.

Used by the edge, profile, brand, ID-list and action-log loaders:

- :func:`file_bytes`: a file's bytes, gunzipped when it is gzip;
- :func:`utf8`: the bytes as UTF-8: a UTF-8 byte-order mark dropped, UTF-16 (with its
  mark, as Excel's "Unicode text") converted, anything else not UTF-8 read as
  Windows-1252 (a superset of Latin-1's printable characters) with a note, or refused
  naming the line and byte when it is not that either;
- :func:`csv_separator`: ``;`` for an "Excel" CSV whose first line has ``;`` and no
  ``,`` (a tab when it has only tabs), else ``,``;
- :func:`header_names`: a header row's names, stripped, each unique (a name given twice
  is refused naming both positions);
- :func:`strip_cells`: surrounding whitespace removed from every text cell (``a, b``
  is ``a`` and ``b``), with the count for the load report;
- :func:`decimal_commas`: numbers written ``0,5`` in ``;``-separated files read as ``0.5``;
- :func:`typed_ids`: the one rule for ID columns: integers only when every ID matches
  ``0|-?[1-9][0-9]*`` (no sign but minus, no leading zero) and fits int64, otherwise all
  text, so ``007`` and ``7`` are two accounts;
- :func:`read_table_file`: a CSV/TSV/Parquet/JSON table with a header row, every text
  cell a string, each row's file line in ``_line`` (Parquet/JSON: its row), and notes.

Column-wise (polars) throughout: O(file size).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import polars as pl

from pipeline.errors import InputError

__all__ = [
    "INT_ID",
    "TextTable",
    "csv_separator",
    "decimal_commas",
    "decimal_row",
    "file_bytes",
    "first_line",
    "gunzip",
    "header_names",
    "polars_message",
    "ragged_line",
    "read_table_file",
    "strip_cells",
    "stripped_note",
    "typed_ids",
    "utf8",
]

#: An ID written as an integer: no sign but minus, no leading zero (``0`` itself is one).
INT_ID = r"^(?:0|-?[1-9][0-9]*)$"
_DECIMAL_COMMA = r"^-?[0-9]*,[0-9]+$"
_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?$"
_BLANKS = (b" ", b"\t", b"\r", b"\x0b", b"\x0c")
_FLOAT = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def polars_message(exc: Exception) -> str:
    """The first line of an exception's message (its type when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def file_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when its name ends in ``.gz`` or they are gzip.
    A missing, unreadable or folder path is an :class:`InputError` naming it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: cannot read: is a folder; expected a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return gunzip(path, data)


def gunzip(path: Path, data: bytes) -> bytes:
    """``data`` decompressed when ``path`` ends in ``.gz`` or the bytes are gzip; else as is."""
    if path.suffix.lower() != ".gz" and data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable gzip file ({exc})") from None


def utf8(path: Path | str, data: bytes) -> tuple[bytes, str]:
    """``data`` as UTF-8 bytes (without a byte-order mark) and a note saying how it was
    decoded when it was not UTF-8 ("" when it was). Text that is neither UTF-8 nor
    Windows-1252, or holds NUL bytes after a fallback, is refused naming the line and
    byte. O(file size); free for ASCII files."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                f"{path}: starts with a UTF-16 byte-order mark but is not UTF-16 text; "
                f"save it as UTF-8"
            ) from None
        return text.encode("utf-8"), "read as UTF-16 (byte-order mark)"
    data = data.removeprefix(b"\xef\xbb\xbf")
    if data.isascii():
        return data, ""
    try:
        data.decode("utf-8")
        return data, ""
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc2:
        bad, at = data[exc2.start], data.count(b"\n", 0, exc2.start) + 1
        raise InputError(
            f"{path}: line {line}: not UTF-8 (byte 0x{byte:02X}) nor Windows-1252/Latin-1 "
            f"text (byte 0x{bad:02X} on line {at}); save the file as UTF-8"
        ) from None
    if "\x00" in text:
        raise InputError(f"{path}: a binary file (NUL bytes, not UTF-8); expected text")
    return text.encode("utf-8"), (
        f"not UTF-8 (byte 0x{byte:02X} on line {line}): read as Windows-1252 (Latin-1)"
    )


def first_line(data: bytes) -> bytes:
    """The first non-blank line of ``data`` (at most 64 KiB of it)."""
    for line in data[:65536].splitlines():
        if line.strip():
            return line
    return b""


def csv_separator(data: bytes) -> tuple[str, str]:
    """The separator of a file named ``.csv`` and a note when it is not a comma: ``;``
    when its first line has a ``;`` and no ``,`` (Excel in many locales), a tab when it
    has a tab and neither, else ``,``."""
    line = first_line(data)
    if b";" in line and b"," not in line:
        return ";", "';'-separated"
    if b"\t" in line and b"," not in line and b";" not in line:
        return "\t", "tab-separated"
    return ",", ""


def header_names(path: Path | str, fields: Sequence[str | None], line: int) -> list[str]:
    """A header row's column names: surrounding whitespace removed, an empty name
    called ``column_<i>`` (1-based). A name given twice is refused naming both
    columns. O(columns)."""
    names = [(f or "").strip() or f"column_{i}" for i, f in enumerate(fields, start=1)]
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise InputError(
                f"{path}: line {line}: the header names column {seen[name]} and column {i} "
                f"both {name!r}; give each column its own name"
            )
        seen[name] = i
    return names


def strip_cells(df: pl.DataFrame, data: bytes | None = None) -> tuple[pl.DataFrame, int]:
    """``df`` with surrounding whitespace removed from every text cell (a cell of
    whitespace only becomes missing), and how many cells changed. ``data``, the text
    the table was read from, skips the work when it holds no whitespace but line
    ends (ASCII without space, tab or carriage return). O(cells)."""
    cols = [c for c, t in df.schema.items() if t == pl.String and c != "_line"]
    if not cols or df.height == 0:
        return df, 0
    if data is not None and data.isascii() and not any(c in data for c in _BLANKS):
        return df, 0
    stripped = df.select(pl.col(c).str.strip_chars().replace("", None) for c in cols)
    changed = df.select(cols).select(
        pl.sum_horizontal((pl.col(c).ne_missing(stripped[c])).sum() for c in cols)
    )
    count = int(changed.item() or 0)
    return (df.with_columns(stripped) if count else df), count


def stripped_note(count: int) -> str:
    """The load-report words for ``count`` cells stripped of surrounding whitespace."""
    return f"surrounding spaces stripped from {count:,} cell{'' if count == 1 else 's'}"


def decimal_commas(df: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, list[str]]:
    """``df`` with the text ``columns`` that hold only numbers, some written with a decimal
    comma (``0,5``), rewritten with points; and the names of the columns changed. For
    ``;``-separated files, where Excel writes decimal commas. O(cells)."""
    changed: list[str] = []
    for c in columns:
        s = df[c]
        if s.dtype != pl.String:
            continue
        values = s.drop_nulls()
        comma = values.str.contains(_DECIMAL_COMMA)
        if comma.any() and bool((comma | values.str.contains(_NUMBER)).all()):
            df = df.with_columns(pl.col(c).str.replace(",", ".", literal=True))
            changed.append(c)
    return df, changed


def decimal_row(s: pl.Series) -> int | None:
    """The row of the first non-integer in a text ID column that holds only numbers,
    some with a decimal point or exponent (``1.5``, ``2.0``: a spreadsheet's numbers,
    not IDs), else None. O(rows)."""
    if s.dtype != pl.String:
        return None
    values = s.drop_nulls()
    if values.len() == 0 or not bool(values.head(1000).str.contains(_FLOAT).all()):
        return None  # (a quick look first: text IDs are the common case)
    if not bool(values.str.contains(_FLOAT).all()):
        return None
    odd = s.str.contains(_FLOAT) & ~s.str.contains(r"^[+-]?[0-9]+$")
    return int(odd.arg_true()[0]) if odd.any() else None


def typed_ids(*columns: pl.Series) -> tuple[list[pl.Series], str]:
    """ID columns of one ID space (e.g. an edge file's source and target) as Int64 when
    every ID of every column is an integer (an integer column, or text matching
    ``0|-?[1-9][0-9]*``) that fits int64, else all as text (String). Missing values stay
    missing. Also a note naming an ID that made them text although it is all digits
    (``'007' has a leading zero``), else "". O(rows)."""
    ints: list[pl.Series] = []
    integral, example = True, None
    for s in columns:
        if s.dtype.is_integer():
            big = s.len() > s.null_count() and s.max() > 2**63 - 1  # type: ignore[operator]
            integral = integral and not big
            ints.append(s if big else s.cast(pl.Int64))
        elif s.dtype == pl.String:
            cast = s.cast(pl.Int64, strict=False)  # reads '007', '+7' and '-0' too
            odd = cast.is_not_null() & (
                s.str.starts_with("+")
                | s.str.starts_with("-0")
                | (s.str.starts_with("0") & (s.str.len_bytes() > 1))
            )
            if odd.any():
                integral, example = False, example or s.filter(odd)[0]
            integral = integral and cast.null_count() == s.null_count()
            ints.append(cast)
        else:
            integral = False
    if integral:
        return ints, ""
    note = ""
    if example is not None:
        note = (
            f"IDs read as text because {example!r} is not a plain integer "
            f"({example!r} and {str(int(example))!r} are different accounts)"
        )
    return [s.cast(pl.String) for s in columns], note


class TextTable(NamedTuple):
    """A table file read by :func:`read_table_file`: ``table`` (columns as named by the
    header, stripped; text cells stripped; ``_line`` the row's file line, or its 1-based
    row in Parquet/JSON), ``word`` ("line" or "row"), ``notes`` (how it was read:
    encoding, separator, whitespace), ``header`` (the header row's raw fields; empty
    for Parquet/JSON), ``separator`` ("" for Parquet/JSON)."""

    table: pl.DataFrame
    word: str
    notes: list[str]
    header: list[str]
    separator: str


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        return suffixes[-2] if len(suffixes) > 1 else ".csv"  # a bare .gz: gzipped CSV
    return suffixes[-1] if suffixes else ""


def ragged_line(path: Path, data: bytes, separator: str, width: int) -> str:
    """Where a text table has more fields than its header: "line N has K fields" (quotes
    ignored, so a guess), or "" when no line does. O(file size), on the error path."""
    lines = pl.Series(data.decode("utf-8", errors="replace").split("\n"))
    counts = lines.str.count_matches(separator, literal=True) + 1
    over = (counts > width) & (lines.str.strip_chars() != "")
    if not over.any():
        return ""
    i = int(over.arg_true()[0])
    return f"line {i + 1} has {int(counts[i])} fields but the first row has {width}"


def read_table_file(path: str | Path, what: str, data: bytes | None = None) -> TextTable:
    """A table file with a header row (CSV, TSV, ``.gz`` of either, Parquet or JSON) read
    for ``what`` (named in errors), see :class:`TextTable`. CSV/TSV cells are all text;
    their encoding and a ``.csv``'s separator are detected (:func:`utf8`,
    :func:`csv_separator`). ``data``: the file's bytes when the caller has read them
    (gzip is still looked through). O(file size)."""
    p = Path(path)
    ext = _suffix(p)
    if ext not in (".csv", ".tsv", ".tab", ".parquet", ".pq", ".json"):
        raise InputError(
            f"{p}: unknown {what} format {ext or p.name!r}; expected .csv, .tsv, .parquet or .json"
        )
    data = file_bytes(p) if data is None else gunzip(p, data)
    notes: list[str] = []
    if ext in (".parquet", ".pq", ".json"):
        try:
            df = pl.read_parquet(io.BytesIO(data)) if ext != ".json" else pl.read_json(data)
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            raise InputError(f"{p}: cannot read the {what}: {polars_message(exc)}") from None
        df = df.rename(dict(zip(df.columns, header_names(p, df.columns, 1), strict=True)))
        df, count = strip_cells(df.with_row_index("_line", offset=1))
        if count:
            notes.append(stripped_note(count))
        return TextTable(df, "row", notes, [], "")
    data, note = utf8(p, data)
    if note:
        notes.append(note)
    sep = "\t" if ext in (".tsv", ".tab") else ","
    if ext == ".csv":
        sep, sep_note = csv_separator(data)
        if sep_note:
            notes.append(sep_note)
    if not data.strip():
        raise InputError(f"{p}: the file is empty; expected a header row naming the columns")
    try:
        raw = pl.read_csv(io.BytesIO(data), has_header=False, infer_schema=False, separator=sep)
    except pl.exceptions.PolarsError as exc:
        width = len(first_line(data).split(sep.encode()))
        where = ragged_line(p, data, sep, width) or polars_message(exc)
        raise InputError(f"{p}: cannot read the {what}: {where}") from None
    raw = raw.with_row_index("_line", offset=1)
    raw = raw.filter(~pl.all_horizontal(pl.exclude("_line").is_null()))
    if raw.height == 0:
        raise InputError(f"{p}: no header row; expected one naming the columns")
    first = raw.row(0)
    fields = [None if v is None else str(v) for v in first[1:]]
    names = header_names(p, fields, int(first[0]))
    df = raw.slice(1).rename(dict(zip(raw.columns[1:], names, strict=True)))
    df, count = strip_cells(df, data)
    if count:
        notes.append(stripped_note(count))
    if any(f is not None and f != f.strip() for f in fields):
        notes.append("surrounding spaces stripped from the column names")
    return TextTable(df, "line", notes, [f or "" for f in fields], sep)
