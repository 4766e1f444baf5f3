"""A streaming reader for the common big edge file: two columns of plain integer IDs.

A text edge file (CSV, TSV, SNAP text; gzipped or not) whose every line after an
optional header is ``<id><sep><id>`` (IDs ``0`` or ``[1-9][0-9]{0,17}``, one
separator byte used throughout, ``\\n`` or ``\\r\\n`` line ends) is parsed in
fixed-size chunks by a numba kernel straight into two ``int64`` arrays, the IDs
are mapped to dense indices in place, and the edge keys are built in the same
arrays: no text columns, no copy of the file in memory. Anything else (a third
column, a blank line, a quote, a leading zero, a sign, a comment below the top, a
size line, a damaged gzip stream) makes :func:`read_int_graph` return None, and the general reader
(:mod:`~pipeline.graph_io.readers`), which can name a bad line, reads the file.

What the file's first row is and the load report's notes come from the general
reader run on the file's head (its first :data:`HEAD_BYTES`), so both readers
give the same graph and the same report; ``tests/test_int_edges.py`` checks that
on generated files. Used by :func:`~pipeline.graph_io.build.load_graph` for files
of at least :data:`MIN_BYTES`; numba is imported (:mod:`~pipeline.graph_io.int_kernels`)
only once the head qualifies. Time O(file size + m log m); memory 16 bytes per row
plus one chunk (:data:`CHUNK_BYTES`) and, for compact IDs, 8 bytes per ID value in
their range.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.graph_io.csr import from_keys
from pipeline.graph_io.graph import FollowerGraph

__all__ = ["CHUNK_BYTES", "HEAD_BYTES", "MIN_BYTES", "read_int_graph"]

#: Files smaller than this take the general reader (the parse is quick anyway).
MIN_BYTES = 8 << 20
#: The head the general reader decides the first row and the notes on.
HEAD_BYTES = 1 << 16
#: Bytes read per chunk.
CHUNK_BYTES = 16 << 20


def _gzipped(path: Path) -> bool | None:
    """Whether the file is gzip (by its first bytes; a ``.gz`` name that is not is left
    to the general reader, which names the problem): None when it cannot be, or is
    not readable."""
    try:
        with path.open("rb") as f:
            magic = f.read(2)
    except OSError:
        return None
    if magic == b"\x1f\x8b":
        return True
    return None if path.suffix.lower() == ".gz" else False


def _open(path: Path, gz: bool) -> io.BufferedIOBase:
    """The file's (decompressed) bytes as a stream."""
    return gzip.GzipFile(path, "rb") if gz else path.open("rb")


def _head(path: Path, fmt: str, gz: bool) -> tuple[bytes, int] | None:
    """The file's head cut after its last full line, and the byte offset of its first
    data line (after SNAP's top ``#`` comments); None when it cannot be the fast case."""
    try:
        with _open(path, gz) as f:
            head = f.read(HEAD_BYTES)
    except (OSError, EOFError):
        return None
    if head[:3] == b"\xef\xbb\xbf" or not head.isascii():
        return None
    start = 0
    while fmt == "snap" and head.startswith(b"#", start):
        start = head.find(b"\n", start) + 1
        if start == 0:
            return None
    if len(head) == HEAD_BYTES:  # (else the head is the whole file)
        cut = head.rfind(b"\n")
        if cut < start:
            return None
        head = head[: cut + 1]
    return head, start


def _rows(
    path: Path, gz: bool, offset: int, sep: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]] | None:
    """Both ID columns of every line from (decompressed) byte ``offset`` on, or None.
    Two passes over the file: one counts the lines (the arrays' size), one parses (a
    gzip file is decompressed twice, in chunks). O(file size)."""
    from pipeline.graph_io.int_kernels import BAD, parse_rows  # (imports numba)

    buf = bytearray(CHUNK_BYTES)
    view = memoryview(buf)
    lines = 1
    with _open(path, gz) as f:
        f.seek(offset)
        while got := f.readinto(buf):
            lines += view[:got].tobytes().count(b"\n") if got < len(buf) else buf.count(b"\n")
    a = np.empty(lines, dtype=np.int64)
    b = np.empty(lines, dtype=np.int64)
    arr = np.frombuffer(buf, dtype=np.uint8)
    with _open(path, gz) as f:
        f.seek(offset)
        row, kept = 0, 0
        while True:
            got = f.readinto(view[kept:])
            size = kept + got
            final = got == 0
            row, used = parse_rows(arr, size, sep, final, a, b, row)
            if row == BAD:
                return None
            if final:
                break
            kept = size - used
            if kept == len(buf):
                return None  # one line longer than a chunk
            buf[:kept] = buf[used:size]
    return a[:row], b[:row]


def _dense(
    a: NDArray[np.int64], b: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """The sorted distinct IDs, the lookup table from ``ID - lo`` to index (empty when
    ``a`` and ``b`` were mapped in place instead) and ``lo``. O(rows) for compact IDs
    (a range under four per ID read), else O(rows log rows)."""
    from pipeline.graph_io.int_kernels import mark_ids

    lo = int(min(a.min(), b.min()))
    hi = int(max(a.max(), b.max()))
    if hi - lo < 4 * 2 * a.size:
        lut = np.zeros(hi - lo + 1, dtype=np.int64)
        mark_ids(a, b, lo, lut)
        ids = np.flatnonzero(lut).astype(np.int64)
        ids += lo
        np.cumsum(lut, out=lut)
        lut -= 1
        return ids, lut, lo
    ids = np.unique(np.concatenate((a, b)))
    step = 1 << 20
    for col in (a, b):  # chunked: no second full-size temporary
        for at in range(0, col.size, step):
            col[at : at + step] = np.searchsorted(ids, col[at : at + step])
    return ids, np.empty(0, dtype=np.int64), 0


def read_int_graph(
    path: str | Path, fmt: str, *, edge_meaning: str, header: bool | None, duplicates: str,
    min_bytes: int = MIN_BYTES,
) -> FollowerGraph | None:  # fmt: skip
    """The graph of a two-column integer edge file read by streaming (see the module
    doc), or None when the file is not of that kind, is smaller than ``min_bytes``
    (on disk: compressed, for gzip) or is not readable (the general reader then reads
    it, or names the problem). ``edge_meaning``, ``header`` and ``duplicates`` as in
    :func:`~pipeline.graph_io.build.load_graph`. O(file size + m log m)."""
    p = Path(path)
    try:
        if fmt == "parquet" or p.stat().st_size < min_bytes:
            return None
    except OSError:
        return None
    gz = _gzipped(p)
    if gz is None:
        return None
    try:
        return _read(p, str(path), gz, fmt, edge_meaning, header, duplicates)
    except (OSError, EOFError, zlib.error):
        return None  # (a damaged gzip file: the general reader names it)


def _read(
    p: Path, where: str, gz: bool, fmt: str, edge_meaning: str, header: bool | None,
    duplicates: str,
) -> FollowerGraph | None:  # fmt: skip
    from pipeline.graph_io.int_kernels import edge_keys
    from pipeline.graph_io.readers import read_edge_file

    found = _head(p, fmt, gz)
    if found is None:
        return None
    head, start = found
    try:
        f = read_edge_file(p, format=fmt, header=header, data=head)
    except Exception:  # the general reader, on the whole file, decides (and names it)
        return None
    cols = [c for c in f.table.columns if c != "_line"]
    if len(cols) != 2 or any(f.table[c].dtype != pl.Int64 for c in cols) or "size line" in f.header:
        return None
    lines = head.count(b"\n", start) + (not head.endswith(b"\n"))
    skip = f.table.height == lines - 1
    if (not skip and f.table.height != lines) or f.table.height == 0:
        return None
    begin = head.index(b"\n", start) + 1 if skip else start
    sep = next((c for c in head[begin:] if c < 48 or c > 57), None)
    if sep is None or sep not in b",\t ;":
        return None
    parsed = _rows(p, gz, begin, sep)
    if parsed is None or parsed[0].size == 0:
        return None
    a, b = parsed
    del parsed
    if not skip and a.size - 1 == b[0]:
        return None  # the first row might be a size line: the general reader decides
    rows = int(a.size)
    ids, lut, lo = _dense(a, b)
    n = int(ids.size)
    kept = edge_keys(a, b, lo, lut, n, edge_meaning == "follows")
    del b, lut
    return from_keys(
        a[:kept], pl.Series("id", ids), rows=rows, loops=rows - kept, path=where,
        header=f.header, duplicates=duplicates,
    )  # fmt: skip
