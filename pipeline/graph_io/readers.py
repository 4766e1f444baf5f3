"""Reading edge files and ID lists: CSV, TSV, Parquet and SNAP (optionally gzipped).

Every problem is an :class:`~pipeline.errors.InputError` naming the file and the line
or column; a fast SNAP parser handles clean whitespace-separated integer files and
falls back to the careful one. A SNAP-named file whose lines are comma (or tab)
separated is read as delimited text. Whether a text file's first row is a header, a
size line or the first edge is decided by :mod:`pipeline.graph_io.headers`; the
encoding, a ``.csv``'s separator (``;`` in "Excel" CSVs), surrounding whitespace and
the type of the IDs by :mod:`pipeline.graph_io.text` (the load report's ``header``
note says what was done). ID lists are read by :mod:`pipeline.graph_io.id_lists`.
O(file size).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple

import polars as pl

from pipeline.columns import EDGE_COLUMNS, apply_columns, check_columns
from pipeline.errors import InputError
from pipeline.graph_io.headers import choose_header, first_row, put_back, sniff_separator
from pipeline.graph_io.id_lists import read_id_list
from pipeline.graph_io.text import (
    csv_separator,
    decimal_commas,
    decimal_row,
    file_bytes,
    header_names,
    polars_message,
    strip_cells,
    stripped_note,
    typed_ids,
    utf8,
)

__all__ = [
    "EDGE_FORMATS",
    "EdgeFile",
    "EdgeFormat",
    "EdgeMeaning",
    "detect_format",
    "edge_mapping",
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


def _read_delimited(
    path: Path, data: bytes, separator: str, *, header: bool | None, snap: bool,
    names: tuple[str, ...],
) -> tuple[pl.DataFrame, str]:  # fmt: skip
    """A delimited text file's rows (every cell text, stripped of surrounding whitespace)
    and notes: what its first row was (see :mod:`.headers`) and how many cells were
    stripped. Without a header the columns are ``column_1``, ``column_2``, ... ; header
    names are stripped and must be unique. SNAP-named files (``snap``) may hold ``#``
    comment lines. O(file size)."""
    if not data or data.isspace():
        raise InputError(f"{path}: the file is empty; expected edge rows (after a header, if any)")
    raw_first, line = first_row(data, separator, comments=snap)
    first = [None if f is None else f.strip() or None for f in raw_first]
    opts: dict[str, Any] = {"separator": separator, "comment_prefix": "#" if snap else None}
    try:
        df = _parse(data, opts)
    except pl.exceptions.PolarsError as exc:
        # A first row shorter than the rows below it (a size line over three columns,
        # a header naming only the endpoints) cannot name them: read the rows after it.
        try:
            df = _parse(data, opts | {"has_header": False, "skip_lines": line})
        except pl.exceptions.PolarsError:
            kind = "comma-separated" if snap else ("CSV", "TSV")[separator == "\t"]
            raise InputError(f"{path}: not a valid {kind} file: {polars_message(exc)}") from None
    df, stripped = strip_cells(df, data)
    blank = _blank_rows(df)
    rest = df if blank is None else df.filter(~blank)
    ends = [rest[c] for c in rest.columns[:2]]
    choice = choose_header(first, ends, header=header, text_means_header=not snap, names=names)
    start = line + 1
    if choice.action != "header":
        df = df.rename({c: f"column_{i + 1}" for i, c in enumerate(df.columns)})
        if choice.action == "data":
            df, start = put_back(df, first), line
            if blank is not None:
                blank = pl.concat([pl.Series([False]), blank])
    else:
        given = (list(first) + [None] * df.width)[: df.width]
        try:
            header_row = header_names(path, given, line)
        except InputError as exc:
            raise InputError(f"{exc} (or --no-header)") from None
        df = df.rename(dict(zip(df.columns, header_row, strict=True)))
    if choice.action != "size":  # the first row was read apart: count its spaces too
        stripped += sum(f is not None and f != f.strip() for f in raw_first)
    note = choice.note
    if stripped:
        note += f"; {stripped_note(stripped)}"
    return _number_lines(df, start, blank), note


def _parse(data: bytes, opts: dict[str, Any]) -> pl.DataFrame:
    """Delimited text, every column as text (IDs are typed later, by one rule for the
    whole column: :func:`pipeline.graph_io.text.typed_ids`)."""
    return pl.read_csv(io.BytesIO(data), infer_schema=False, **opts)


def _blank_rows(df: pl.DataFrame) -> pl.Series | None:
    """Which rows are the all-empty rows polars makes of blank lines; None if none. O(rows)."""
    if df.width == 0 or df.height == 0:
        return None
    blank = df.select(pl.all_horizontal(pl.all().is_null()))[:, 0]
    return blank if blank.any() else None


def _number_lines(df: pl.DataFrame, start: int, blank: pl.Series | None) -> pl.DataFrame:
    """``df`` without its blank rows, with each row's file line number in a ``_line``
    column (first row on line ``start``) unless that is the plain ``row + 2``. O(rows)."""
    if blank is None and start == 2:
        return df
    df = df.with_row_index("_line", offset=start)
    return df if blank is None else df.filter(~blank)


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


def _read_snap(path: Path, data: bytes, header: bool | None) -> tuple[pl.DataFrame, str]:
    """Whitespace-separated SNAP text: columns ``source`` and ``target`` (text), and
    what its first row was (a header or size line is dropped). O(file size)."""
    df = _snap_fast(data)
    if df is None:
        df = _snap_careful(path, data)
    if df.height == 0:
        return df, ""
    rest = df.slice(1)
    choice = choose_header(
        [df["source"][0], df["target"][0]],
        [rest["source"], rest["target"]],
        header=header,
        text_means_header=False,
    )
    return (df if choice.action == "data" else rest), choice.note


def _snap_careful(path: Path, data: bytes) -> pl.DataFrame:
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


def edge_mapping(
    columns: Mapping[str, str] | None, source_col: str | None, target_col: str | None
) -> dict[str, str]:
    """An edge table's column mapping (canonical name -> column) checked, and checked
    against ``source_col``/``target_col``: an endpoint named both ways is an error."""
    mapping = check_columns(columns, EDGE_COLUMNS, "«columns»") if columns else {}
    for end, given in (("source", source_col), ("target", target_col)):
        if given is not None and end in mapping:
            raise InputError(
                f"the {end} column is given twice: «{end}_col» {given!r} and "
                f"{end}={mapping[end]!r} in «columns»; give it once"
            )
    return mapping


class EdgeFile(NamedTuple):
    """An edge file's raw rows, unchecked, and how they were read."""

    table: pl.DataFrame
    format: str
    source_col: str | None
    target_col: str | None
    header: str  # what the first row was: "header: columns ...", "no header (...)", ...


def read_edge_file(
    path: str | Path,
    *,
    format: str | None = None,
    source_col: str | None = None,
    target_col: str | None = None,
    header: bool | None = None,
    columns: Mapping[str, str] | None = None,
    data: bytes | None = None,
) -> EdgeFile:
    """Read an edge file's raw table, unchecked (see :class:`EdgeFile`).

    The format is ``format`` or the one :func:`detect_format` finds. SNAP-named text
    whose lines hold commas (or tabs, and no spaces) is read as delimited text;
    whitespace-separated SNAP text names its endpoint columns ``source`` and
    ``target``. ``header``: whether a text file's first row is a header (None:
    detect; see :mod:`pipeline.graph_io.headers`). ``columns`` maps canonical names
    (source, target, probability, weight) to the file's columns, which are renamed
    to them. ``data``: the text to read in place of the file's (its head, for
    :mod:`~pipeline.graph_io.int_edges`). O(file size).
    """
    p = Path(path)
    fmt = format or detect_format(p)
    if fmt not in EDGE_FORMATS:
        raise InputError(
            f"{p}: unknown edge format {fmt!r}; expected one of {', '.join(EDGE_FORMATS)}"
        )
    mapping = edge_mapping(columns, source_col, target_col)
    names = tuple(n for n in (source_col, target_col, *mapping.values()) if n)
    note = "no header row (Parquet names its columns)"
    if fmt == "parquet":
        try:
            raw = pl.read_parquet(p, glob=False)
        except FileNotFoundError:
            raise InputError(f"{p}: no such file") from None
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise InputError(f"{p}: not a readable Parquet file: {polars_message(exc)}") from None
    else:
        data, encoding = utf8(p, file_bytes(p) if data is None else data)
        found: str | None
        found, sep_note = ("\t", "") if fmt == "tsv" else csv_separator(data)
        if fmt == "snap":
            found = sniff_separator(data)
            sep_note = "';'-separated" if found == ";" else ""
        if found is None:
            named = [f"«{e}_col»" for e, g in (("source", source_col), ("target", target_col)) if g]
            named += [f"{e}= in «columns»" for e in ("source", "target") if e in mapping]
            if named:
                raise InputError(
                    f"{p}: {' and '.join(named)} do not apply to SNAP text separated by "
                    "whitespace; its first two fields are the endpoints"
                )
            raw, note = _read_snap(p, data, header)
            source_col, target_col = "source", "target"
        else:
            raw, note = _read_delimited(
                p, data, found, header=header, snap=fmt == "snap", names=names
            )
        notes = [note, sep_note, encoding]
        if found == ";":  # Excel's ';' CSVs write decimal commas: 0,5
            raw, changed = decimal_commas(raw, [c for c in raw.columns if c != "_line"])
            if changed:
                notes.append(f"decimal commas read as points in {', '.join(map(repr, changed))}")
        note = "; ".join(n for n in notes if n)
    if mapping:
        raw = apply_columns(raw, mapping, where=str(p))
        source_col = "source" if "source" in mapping else source_col
        target_col = "target" if "target" in mapping else target_col
    raw, id_note = _typed_endpoints(p, raw, source_col, target_col)
    return EdgeFile(raw, fmt, source_col, target_col, "; ".join(n for n in (note, id_note) if n))


def _typed_endpoints(
    path: Path, raw: pl.DataFrame, source_col: str | None, target_col: str | None
) -> tuple[pl.DataFrame, str]:
    """``raw`` with its two endpoint columns (named, else the first two others, as
    :func:`~pipeline.graph_io.build.edge_table` picks them) typed as one ID space by
    :func:`~pipeline.graph_io.text.typed_ids`, and its note. Unchanged when they cannot
    be told or are not integers or text (edge_table names the problem). A column of
    decimal numbers is refused. O(rows)."""
    cols = [c for c in raw.columns if c != "_line"]
    rest = [c for c in cols if c not in (source_col, target_col)]
    ends = [
        source_col or (rest.pop(0) if rest else None),
        target_col or (rest.pop(0) if rest else None),
    ]
    if any(e is None or e not in cols for e in ends) or ends[0] == ends[1]:
        return raw, ""
    series = [raw[str(e)] for e in ends]
    if not all(s.dtype.is_integer() or s.dtype == pl.String for s in series):
        return raw, ""
    typed, note = typed_ids(*series)
    for name, s in zip(ends, series, strict=True):
        row = None if typed[0].dtype == pl.Int64 else decimal_row(s)
        if row is not None:
            at = (
                f"row {row + 1}"
                if path.suffix.lower() in (".parquet", ".pq")
                else f"line {row + 2}"
            )
            at = f"line {int(raw['_line'][row])}" if "_line" in raw.columns else at
            raise InputError(
                f"{path}: {at}, column {name!r}: {s[row]!r}: the column holds decimal numbers; "
                "node IDs must be integers or text"
            )
    return raw.with_columns(typed), note
