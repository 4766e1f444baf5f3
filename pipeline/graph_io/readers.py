"""Reading edge files and ID lists: CSV, TSV, Parquet and SNAP (optionally gzipped).

Every problem is an :class:`~pipeline.errors.InputError` naming the file and the line
or column; a fast SNAP parser handles clean whitespace-separated integer files and
falls back to the careful one. O(file size).
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Literal

import polars as pl

from pipeline.errors import InputError

__all__ = [
    "EDGE_FORMATS",
    "EdgeFormat",
    "EdgeMeaning",
    "detect_format",
    "read_edge_file",
    "read_id_list",
]


EdgeMeaning = Literal["follows", "influences"]
EdgeFormat = Literal["csv", "tsv", "parquet", "snap"]
EDGE_FORMATS: tuple[str, ...] = ("csv", "tsv", "parquet", "snap")

_SUFFIX_FORMAT = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "snap",
    ".edges": "snap",
    ".edgelist": "snap",
    ".snap": "snap",
}


def detect_format(path: str | Path) -> EdgeFormat:
    """Edge-file format from the file name (``.gz`` is looked through)."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes:
        raise InputError(
            f"{path}: cannot tell the format from the file name; "
            f"pass «format» ({'|'.join(EDGE_FORMATS)})"
        )
    fmt = _SUFFIX_FORMAT.get(suffixes[-1])
    if fmt is None:
        raise InputError(
            f"{path}: unknown edge-file extension {suffixes[-1]!r}; "
            f"expected .csv, .tsv, .parquet or SNAP text (.txt, .edges), or pass «format»"
        )
    return fmt  # type: ignore[return-value]


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".gz" or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: not a readable gzip file ({exc})") from None
    return data


def _polars_message(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_delimited(path: Path, separator: str) -> pl.DataFrame:
    data = _read_bytes(path)
    if not data or data.isspace():
        raise InputError(f"{path}: the file is empty; expected a header and edge rows")
    try:
        df = pl.read_csv(io.BytesIO(data), separator=separator, infer_schema_length=10_000)
    except pl.exceptions.PolarsError:
        # Inference failed (e.g. a column of IDs that turns from numbers to text
        # far down the file): read every column as text; columns are typed later.
        try:
            df = pl.read_csv(io.BytesIO(data), separator=separator, infer_schema=False)
        except pl.exceptions.PolarsError as exc:
            raise InputError(
                f"{path}: not a valid {('CSV', 'TSV')[separator == chr(9)]} file: "
                f"{_polars_message(exc)}"
            ) from None
    return _drop_blank_rows(df)


def _drop_blank_rows(df: pl.DataFrame) -> pl.DataFrame:
    """Drop the all-empty rows polars makes of blank lines, keeping file line numbers
    (in a ``_line`` column) when there were any. O(rows)."""
    if df.width == 0 or df.height == 0:
        return df
    blank = df.select(pl.all_horizontal(pl.all().is_null()))[:, 0]
    if not blank.any():
        return df
    return df.with_row_index("_line", offset=2).filter(~blank)


def _snap_fast(data: bytes) -> pl.DataFrame | None:
    """The common case of SNAP text, parsed by polars' CSV reader: one separator
    (a single space or a tab) used consistently, no leading or trailing blanks, no
    blank or one-field lines. Returns None whenever that does not hold, and the
    line-by-line parser (which can name a bad line) takes over. ``#`` comments
    are allowed at the top (as in SNAP's own files), not further down."""
    start = 0
    while data.startswith(b"#", start):
        start = data.find(b"\n", start) + 1
        if start == 0:
            return None  # comments only
    data = data[start:]
    if b"#" in data:
        return None
    has_tab, has_space = b"\t" in data, b" " in data
    if has_tab == has_space:
        return None
    sep = b"\t" if has_tab else b" "
    if (
        data.startswith(sep)
        or sep + sep in data
        or b"\n" + sep in data
        or sep + b"\n" in data
        or sep + b"\r" in data
    ):
        return None
    try:
        df = pl.read_csv(
            io.BytesIO(data),
            separator=sep.decode(),
            has_header=False,
            infer_schema=False,
            quote_char=None,  # as the careful parser: a quote is part of an ID
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError:
        return None
    if df.width < 2:
        return None
    df = df.select(pl.col(df.columns[0]).alias("source"), pl.col(df.columns[1]).alias("target"))
    if df["source"].null_count() or df["target"].null_count():
        return None
    return df


def _read_snap(path: Path) -> pl.DataFrame:
    data = _read_bytes(path)
    fast = _snap_fast(data)
    if fast is not None:
        return fast
    text = data.decode("utf-8", errors="replace")
    lines = pl.Series("text", text.split("\n"), dtype=pl.String)
    df = (
        pl.DataFrame({"text": lines})
        .with_row_index("_line", offset=1)
        .with_columns(pl.col("text").str.strip_chars())
        .filter((pl.col("text") != "") & ~pl.col("text").str.starts_with("#"))
    )
    parts = df.select(
        "_line", pl.col("text").str.extract_groups(r"^(\S+)\s+(\S+)").alias("g")
    ).unnest("g")
    parts = parts.rename({parts.columns[1]: "source", parts.columns[2]: "target"})
    bad = parts.filter(pl.col("source").is_null())
    if bad.height:
        line = int(bad["_line"][0])
        raise InputError(f"{path}: line {line}: expected two whitespace-separated node IDs")
    return parts


def read_id_list(path: str | Path, *, column: str = "id") -> list[object]:
    """Read node IDs from a file: a table (.csv/.tsv/.parquet/.json) with an ``id``
    column (else its first column), or plain text with one ID per line (``#`` comments).
    """
    from pipeline.export import read_table

    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    data = b"" if any(s in (".csv", ".tsv", ".json") for s in suffixes) else _read_bytes(p)
    parquet = data[:4] == b"PAR1"  # Parquet's magic number, whatever the file's name
    if parquet or any(s in (".csv", ".tsv", ".parquet", ".pq", ".json") for s in suffixes):
        if parquet:
            try:
                df = pl.read_parquet(io.BytesIO(data))
            except (pl.exceptions.PolarsError, OSError) as exc:
                raise InputError(f"{p}: cannot read the Parquet ID list: {exc}") from None
        else:
            df = read_table(p, "ID list")
        text_table = not parquet and not p.name.lower().endswith((".parquet", ".pq", ".json"))
        if text_table:
            df = _drop_blank_rows(df)
        if df.width == 0 or df.height == 0:
            raise InputError(f"{p}: no IDs; expected a column {column!r} with one ID per row")
        first = next(c for c in df.columns if c != "_line")
        s = df[column] if column in df.columns else df[first]
        if s.null_count():
            row = int(s.is_null().arg_true()[0])
            line = int(df["_line"][row]) if "_line" in df.columns else row + 2
            where = f"line {line}" if text_table else f"row {row + 1}"
            raise InputError(f"{p}: {where}: missing ID")
        return s.to_list()
    if b"\x00" in data[:65536]:
        raise InputError(
            f"{p}: a binary file; expected one ID per line, or a table "
            f"(.csv, .tsv, .parquet, .json) with an {column!r} column"
        )
    text = data.decode("utf-8", errors="replace")
    ids: list[object] = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    if not ids:
        raise InputError(f"{p}: no IDs; expected one ID per line")
    return ids


def read_edge_file(
    path: str | Path,
    *,
    format: str | None = None,
    source_col: str | None = None,
    target_col: str | None = None,
) -> tuple[pl.DataFrame, str, str | None, str | None]:
    """Read an edge file's raw table, unchecked: ``(table, format, source_col, target_col)``.

    The format is ``format`` or the one :func:`detect_format` finds; SNAP text names
    its endpoint columns ``source`` and ``target``. O(file size).
    """
    p = Path(path)
    fmt = format or detect_format(p)
    if fmt not in EDGE_FORMATS:
        raise InputError(
            f"{p}: unknown edge format {fmt!r}; expected one of {', '.join(EDGE_FORMATS)}"
        )
    if fmt == "parquet":
        try:
            raw = pl.read_parquet(p)
        except FileNotFoundError:
            raise InputError(f"{p}: no such file") from None
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise InputError(f"{p}: not a readable Parquet file: {_polars_message(exc)}") from None
    elif fmt == "snap":
        if source_col or target_col:
            raise InputError(
                "«source_col»/«target_col» do not apply to SNAP text, which has no header"
            )
        raw = _read_snap(p)
        source_col, target_col = "source", "target"
    else:
        raw = _read_delimited(p, "," if fmt == "csv" else "\t")
    return raw, fmt, source_col, target_col
