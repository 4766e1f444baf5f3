"""Reading and writing tables: Parquet first, CSV and JSON for people; writes atomic.

Every output is written to a temporary file in the target folder and then
renamed over the target (``os.replace``), so an interrupted run never leaves a
half-written file behind. The file gets the usual ``0o666 & ~umask`` mode. A
symlink is written through (its target is replaced, the link kept); a FIFO,
device or other special file is written directly; ``-`` is standard output.
A write that fails (disk full, read-only folder) raises :class:`OutputError`
naming the file, and the old file, if any, is left as it was.
CSV cannot hold nested values, so list and struct columns are written to CSV
as JSON text (``[1,2]``); Parquet and JSON keep them as they are.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from pipeline.errors import InputError, OutputError
from pipeline.export.formats import csv_ready, money_to_cents, spreadsheet_safe

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "TABLE_FORMATS",
    "atomic_path",
    "ensure_folder",
    "is_io_error",
    "open_atomic_text",
    "read_table",
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
            f"use .parquet, .csv or .json (or pass «out_format»)"
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


def _reason(exc: BaseException) -> str:
    """The operating system's words for a failed I/O: ``No space left on device``."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    # polars wraps the OS error: "...: underlying IO error: No space left on device (os error 28)"
    m = re.search(r"([^:]*?)\s*\(os error \d+\)", text)
    if m and m.group(1).strip():
        return m.group(1).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


def is_io_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a failed read or write of the file system (an ``OSError``,
    or a polars error wrapping one), as opposed to a bug."""
    import polars as pl

    if isinstance(exc, OSError):
        return True
    return isinstance(exc, pl.exceptions.PolarsError) and "os error" in str(exc).lower()


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    On an exception the temporary file is removed and ``path`` is untouched. A
    symlink ``path`` is written through (the file it points to is replaced); a FIFO
    or device is yielded as it is (written directly, never replaced). A failed
    write raises :class:`OutputError` naming ``path``.
    """
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if target.exists() and not target.is_file() and not target.is_dir():
        try:  # FIFO, character device, socket: write into it, never replace it
            yield target
        except BaseException as exc:
            if is_io_error(exc):
                raise OutputError(f"{path}: could not be written ({_reason(exc)})") from None
            raise
        return
    if target.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        blocker = next((p for p in [parent, *parent.parents] if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise OutputError(f"{path}: {blocker} is a file, not a folder")
        raise InputError(f"{target}: the folder {parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write into the folder {parent} ({_reason(exc)})"
        ) from None
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file 0600; give it the mode open() would have.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_io_error(exc):
            kept = "the old file is unchanged" if target.exists() else "nothing was written"
            raise OutputError(f"{path}: could not be written ({_reason(exc)}); {kept}") from None
        raise


def ensure_folder(folder: str | Path) -> Path:
    """Create ``folder`` and its parents if missing, or raise :class:`OutputError` naming
    it (read-only, a file in the way, disk full). O(depth)."""
    p = Path(folder)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((q for q in [p, *p.parents] if q.exists() and not q.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker else _reason(exc)
        raise OutputError(f"{p}: cannot create the folder ({why})") from None
    return p


def write_table(df: pl.DataFrame, path: str | Path, format: str | None = None) -> Path:
    """Write ``df`` atomically as Parquet, CSV or JSON (an array of row objects).

    CSV is for people and spreadsheets: UTF-8 with a BOM (Excel reads accents), money
    columns (:func:`~pipeline.export.formats.is_money`) rounded to cents, formula-like
    text neutralised (:func:`~pipeline.export.formats.spreadsheet_safe`); Parquet and
    JSON keep every value as it is. ``path``
    ``-`` writes to standard output (CSV unless ``format`` says otherwise, without a
    BOM; Parquet is refused on a terminal); so does a FIFO or device such as
    ``/dev/stdout`` (CSV without a BOM when its name has no extension). O(rows x columns).
    """
    if str(path) == "-":
        _write_stdout(df, format or "csv")
        return Path("-")
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{p}: is a folder; give a file name")
    special = p.exists() and not p.is_file() and not p.is_dir()  # /dev/stdout, a FIFO
    fmt = table_format(p, format or ("csv" if special and not p.suffix else None))
    with atomic_path(p) as tmp:
        _write(df, tmp, fmt, bom=not special)
    return p


def _write(df: pl.DataFrame, dest: Path | io.BytesIO, fmt: str, *, bom: bool) -> None:
    if fmt == "parquet":
        df.write_parquet(dest)
    elif fmt == "csv":
        spreadsheet_safe(money_to_cents(csv_ready(df))).write_csv(dest, include_bom=bom)
    else:
        df.write_json(dest)


def _write_stdout(df: pl.DataFrame, format: str) -> None:
    fmt = table_format("-", format)
    out = getattr(sys.stdout, "buffer", None)
    if fmt == "parquet" and sys.stdout.isatty():
        raise InputError("refusing to write Parquet to a terminal; redirect or pipe it")
    buf = io.BytesIO()
    _write(df, buf, fmt, bom=False)
    try:
        if out is not None:
            sys.stdout.flush()
            out.write(buf.getvalue())
            out.flush()
        elif fmt == "parquet":
            raise InputError("standard output takes text only here; write Parquet to a file")
        else:
            sys.stdout.write(buf.getvalue().decode("utf-8"))
            sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader left; not an error
        # point stdout at /dev/null so that the interpreter's exit flush stays quiet
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as exc:
        raise OutputError(f"standard output: could not be written ({_reason(exc)})") from None


def read_table(path: str | Path, what: str = "table") -> pl.DataFrame:
    """Read a CSV, TSV, Parquet or JSON table for ``what`` (used in error messages)."""
    import polars as pl

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file ({what})")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(p, glob=False)  # a path, never a pattern: '[' is literal
        if suffix == ".json":
            return pl.read_json(p)
        if suffix in (".csv", ".tsv", ".gz"):
            sep = "\t" if ".tsv" in [s.lower() for s in p.suffixes] else ","
            return pl.read_csv(p, separator=sep, infer_schema_length=10_000, glob=False)
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
