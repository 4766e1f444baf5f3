"""Public research cascade files (FOREST, MS-HGAT, Inf-VAE) read into an action table.

One cascade (item) per non-empty line; the item ID is the line's 0-based index among the
non-empty lines (blank lines are skipped and do not count). Times are numbers (seconds).

- ``forest``: ``user time,user time,...``;
- ``mshgat``: the same, but the first chunk is ``root user time`` (two users, one time);
- ``infvae``: ``seed u1 t1 u2 t2 ...`` (whitespace separated); the seed gets ``t1``.

A trailing comma ends a line harmlessly. The result has the columns ``account`` (Int64 when
every account is an integer, else String), ``item`` (Int64) and ``time`` (Float64 seconds),
in file order; an optional ID map turns the file's user tokens into account IDs.
Vectorised with polars string operations (split, explode), no loop over lines or chunks:
O(file size).
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from pipeline.calibration.actions import gunzip, read_bytes
from pipeline.errors import InputError
from pipeline.export import write_table

__all__ = ["RESEARCH_FORMATS", "convert_cascades", "read_id_map", "read_research_cascades"]

#: The research formats :func:`read_research_cascades` reads.
RESEARCH_FORMATS: tuple[str, ...] = ("forest", "mshgat", "infvae")
_OUT_SUFFIXES = (".csv", ".parquet", ".pq")


def _lines(path: Path) -> pl.DataFrame:
    """The non-empty lines: ``line`` (1-based file line), ``item`` (0-based among the
    non-empty lines) and ``text`` (stripped, one trailing comma removed)."""
    data = gunzip(path, read_bytes(path))
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    lines = (
        pl.DataFrame({"text": pl.Series([text]).str.split("\n")})
        .explode("text")
        .with_row_index("line", offset=1)
        .with_columns(pl.col("text").str.strip_chars())
        .filter(pl.col("text") != "")
        .with_row_index("item")
        .with_columns(
            pl.col("item").cast(pl.Int64),
            pl.col("text").str.strip_suffix(",").str.strip_chars(),
        )
    )
    if lines.height == 0:
        raise InputError(f"{path}: no cascades; expected one cascade per line")
    return lines


def _fields(text: pl.Expr) -> pl.Expr:
    """Whitespace-separated fields of ``text`` (an empty text gives one empty field)."""
    return text.str.replace_all(r"\s+", " ").str.strip_chars().str.split(" ")


def _chunked(path: Path, lines: pl.DataFrame, format: str) -> pl.DataFrame:
    """forest / mshgat: one row per (account, chunk) with ``line``, ``chunk`` (1-based),
    ``chunk_text`` and the time as text."""
    chunks = (
        lines.with_columns(pl.col("text").str.split(","))
        .explode("text")
        .with_columns(chunk=pl.int_range(1, pl.len() + 1).over("item"))
        .with_columns(fields=_fields(pl.col("text")))
    )
    width = pl.lit(2)
    if format == "mshgat":
        width = pl.when(pl.col("chunk") == 1).then(3).otherwise(2)
    bad = chunks.filter(pl.col("fields").list.len() != width)
    if bad.height:
        line, chunk, text = bad["line"][0], bad["chunk"][0], bad["text"][0].strip()
        first = format == "mshgat" and chunk == 1
        want = "'root user time'" if first else "'user time'"
        raise InputError(f"{path}: line {line}, chunk {chunk} ({text!r}): expected {want}")
    n = pl.col("fields").list.len()
    return chunks.select(
        "line",
        "item",
        "chunk",
        pl.col("text").str.strip_chars().alias("chunk_text"),
        pl.col("fields").list.slice(0, n - 1).alias("account"),
        pl.col("fields").list.last().alias("time"),
    ).explode("account")


def _infvae(path: Path, lines: pl.DataFrame) -> pl.DataFrame:
    """infvae: the seed (stamped with the first time), then one row per user-time pair
    (chunk k = the k-th pair)."""
    tok = lines.with_columns(tok=_fields(pl.col("text")))
    n = pl.col("tok").list.len()
    bad = tok.filter((n < 3) | (n % 2 == 0))
    if bad.height:
        raise InputError(
            f"{path}: line {bad['line'][0]}: expected 'seed user time user time ...' (an odd "
            f"number of at least 3 tokens), got {bad['tok'][0].len()} token(s)"
        )
    pairs = (
        tok.select(
            "line",
            "item",
            pl.col("tok").list.first().alias("seed"),
            pl.col("tok").list.gather_every(2, 1).alias("account"),
            pl.col("tok").list.gather_every(2, 2).alias("time"),
        )
        .explode(["account", "time"])
        .with_columns(chunk=pl.int_range(1, pl.len() + 1).over("item"))
        .with_columns(chunk_text=pl.col("account") + " " + pl.col("time"))
    )
    seeds = pairs.filter(pl.col("chunk") == 1).with_columns(
        pl.col("seed").alias("account"), pl.lit(0, dtype=pl.Int64).alias("chunk")
    )
    both = pl.concat([seeds, pairs.with_columns(pl.col("chunk").cast(pl.Int64))])
    return (
        both.sort(["item", "chunk"])
        .drop("seed")
        .with_columns(
            pl.when(pl.col("chunk") == 0).then(1).otherwise(pl.col("chunk")).alias("chunk")
        )
    )


def _typed(s: pl.Series) -> pl.Series:
    """IDs as given: Int64 when every one is an integer, else String."""
    as_int = s.cast(pl.Int64, strict=False)
    return as_int if as_int.null_count() == s.null_count() else s


def read_id_map(path: str | Path) -> pl.DataFrame:
    """An ID map (CSV/TSV/Parquet): columns ``id`` and ``account``, else the first two;
    returned as text columns ``token`` and ``account``. O(rows)."""
    p = Path(path)
    data = gunzip(p, read_bytes(p))
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            df = pl.read_parquet(io.BytesIO(data)).cast(pl.String)
        else:
            sep = "\t" if ".tsv" in [s.lower() for s in p.suffixes] else ","
            df = pl.read_csv(io.BytesIO(data), separator=sep, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{p}: cannot read the ID map («id_map»): {msg}") from None
    cols = ["id", "account"] if {"id", "account"} <= set(df.columns) else df.columns[:2]
    if len(cols) < 2:
        raise InputError(
            f"{p}: the ID map («id_map») needs two columns (id, account); found {df.columns}"
        )
    m = df.select(
        pl.col(cols[0]).str.strip_chars().alias("token"),
        pl.col(cols[1]).str.strip_chars().alias("account"),
    ).with_row_index("line", offset=2)
    blank = m.filter(pl.col("token").is_null() | pl.col("account").is_null())
    if blank.height:
        raise InputError(f"{p}: line {blank['line'][0]}: missing id or account («id_map»)")
    dup = m.filter(pl.col("token").is_duplicated())
    if dup.height:
        raise InputError(
            f"{p}: line {dup['line'][1]}: id {dup['token'][0]!r} appears twice («id_map»)"
        )
    return m.drop("line")


def read_research_cascades(
    path: str | Path, format: str, *, id_map: str | Path | None = None
) -> pl.DataFrame:
    """Read a research cascade file into ``account``, ``item``, ``time`` (see the module
    doc). ``id_map`` maps the file's user tokens to account IDs; a token missing from it is
    an error naming the first one. O(file size)."""
    if format not in RESEARCH_FORMATS:
        raise InputError(
            f"unknown cascade format {format!r} («format»); expected {', '.join(RESEARCH_FORMATS)}"
        )
    p = Path(path)
    lines = _lines(p)
    rows = _infvae(p, lines) if format == "infvae" else _chunked(p, lines, format)
    time = rows["time"].cast(pl.Float64, strict=False)
    bad = time.is_null() | time.is_nan() | time.is_infinite()
    if bad.any():
        r = rows.row(int(bad.arg_true()[0]), named=True)
        raise InputError(
            f"{p}: line {r['line']}, chunk {r['chunk']} ({r['chunk_text']!r}): time "
            f"{r['time']!r} is not a finite number of seconds"
        )
    account = rows["account"]
    if id_map is not None:
        m = read_id_map(id_map)
        joined = pl.DataFrame({"token": account, "line": rows["line"]}).join(
            m, on="token", how="left", maintain_order="left"
        )
        unmapped = joined.filter(pl.col("account").is_null())
        if unmapped.height:
            raise InputError(
                f"{p}: line {unmapped['line'][0]}: user {unmapped['token'][0]!r} is not in the "
                f"ID map {id_map} («id_map»; {unmapped['token'].n_unique():,} unmapped users)"
            )
        account = joined["account"]
    return pl.DataFrame({"account": _typed(account), "item": rows["item"], "time": time})


def convert_cascades(
    path: str | Path, format: str, out: str | Path, id_map: str | Path | None = None
) -> pl.DataFrame:
    """Read a research cascade file (:func:`read_research_cascades`) and write it as an
    action log to ``out`` (``.csv`` or ``.parquet``, atomically; ``-`` for standard
    output as CSV). Returns the table written. O(file size)."""
    if str(out) != "-" and Path(out).suffix.lower() not in _OUT_SUFFIXES:
        raise InputError(f"{out}: expected a .csv or .parquet file name («out»)")
    df = read_research_cascades(path, format, id_map=id_map)
    write_table(df, out)
    return df
