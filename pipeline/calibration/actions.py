"""The action log (who adopted which item, when) and the log placed on a follower graph.

An action log is a CSV, TSV or Parquet table (``.gz`` CSV/TSV accepted) with the columns
``account``, ``item``, ``time`` and optionally ``seed`` (paid or first poster), ``via`` (the
account whose post the actor saw) and ``brand``. Times are seconds (numbers, on any clock) or
ISO 8601 strings with an offset, converted to Unix seconds; one kind per file.
:func:`load_actions` checks every row, keeps the earliest of duplicate (account, item) rows
and sorts by item order (:func:`sort_by_item`: items by first adoption, ties by item ID; rows
by time, ties by account). :func:`place_on` maps the accounts to a
:class:`~pipeline.graph_io.FollowerGraph`'s dense nodes as one CSR block per item
(:class:`Cascades`). Column-wise throughout (polars, NumPy): O(rows log rows) for the sorts,
O(rows + nodes) for the ID join.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.columns import apply_columns, check_columns
from pipeline.errors import InputError
from pipeline.graph_io.text import TextTable, gunzip, read_table_file, typed_ids

if TYPE_CHECKING:
    from pipeline.graph_io import FollowerGraph

__all__ = [
    "ACTION_COLUMNS",
    "ActionLog",
    "Cascades",
    "graph_nodes",
    "gunzip",
    "load_actions",
    "place_on",
    "read_bytes",
    "sort_by_item",
]

#: The columns an action log may have; the first three are required.
ACTION_COLUMNS: tuple[str, ...] = ("account", "item", "time", "seed", "via", "brand")
_REQUIRED = ACTION_COLUMNS[:3]
_ISO = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$"
_NO_OFFSET = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
_BOOL = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_EXAMPLE = "2024-03-01T12:00:00+01:00"


@dataclass(frozen=True, eq=False)
class ActionLog:
    """A checked action log.

    ``table``: ``account``, ``item`` (Int64 when every ID is an integer, else String),
    ``time`` (Float64 seconds), and ``seed`` (Boolean), ``via``, ``brand`` when the file has
    them; one row per (account, item), sorted by :func:`sort_by_item`. ``time_kind`` is
    ``"seconds"`` or ``"iso"``; ``sha256`` the hex digest of the file's bytes; ``rows`` the
    rows read; ``duplicates_dropped`` the later duplicates of an (account, item) removed;
    ``notes`` how the file was read (encoding, separator, stripped spaces, text IDs), one
    line each, for a command to print.
    """

    path: str
    table: pl.DataFrame
    time_kind: str
    sha256: str
    rows: int
    duplicates_dropped: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Cascades:
    """The log placed on a graph: items in order of first adoption (ties by item ID), one
    CSR block per item.

    ``items`` external item IDs in that order; ``item_ptr`` (n_items + 1): rows of item i
    are ``item_ptr[i]:item_ptr[i+1]``; per row ``node`` (dense index, -1 when the account
    is not in the graph), ``account`` (external ID), ``time`` (seconds, ascending within
    an item, ties by account), ``seed`` and ``via`` (the parent's node, -1 when empty,
    -2 when it names an account outside the graph) when the log has them; per item
    ``start`` (first adoption time).
    ``missing_accounts`` counts the log's distinct accounts absent from the graph,
    ``missing_rows`` their rows.
    """

    items: pl.Series
    item_ptr: NDArray[np.int64]
    node: NDArray[np.int32]
    account: pl.Series
    time: NDArray[np.float64]
    start: NDArray[np.float64]
    seed: NDArray[np.bool_] | None
    via: NDArray[np.int32] | None
    missing_accounts: int
    missing_rows: int
    unknown_via: int = 0

    @property
    def n_items(self) -> int:
        """Number of items (cascades)."""
        return int(self.item_ptr.shape[0] - 1)


def sort_by_item(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` (``item``, ``time``, ``account``) in item order: items by their first
    adoption time, ties by item ID; within an item by time, ties by account ID. The one
    place this rule lives. O(rows log rows)."""
    start = pl.col("time").min().over("item").alias("_start")
    return table.with_columns(start).sort(["_start", "item", "time", "account"]).drop("_start")


def read_bytes(path: Path) -> bytes:
    """The file's bytes as stored (raise :class:`InputError` if it is missing or unreadable)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; expected a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _read_table(path: Path, data: bytes) -> tuple[pl.DataFrame, str, TextTable]:
    """The raw table (CSV/TSV: every column as text, stripped; the encoding and a
    ``.csv``'s ``;`` separator detected) with a ``_line`` column, the word for a position
    ("line": file line, header = 1; "row" for Parquet) and the read table (its notes)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    if ext not in (".parquet", ".pq", ".csv", ".tsv", ".tab"):
        raise InputError(
            f"{path}: unknown action-log extension {ext!r}; expected .csv, .tsv or .parquet"
        )
    if ext not in (".parquet", ".pq") and not gunzip(path, data).strip():
        raise InputError(f"{path}: the action log is empty; expected a header and rows")
    read = read_table_file(path, "action log", data)
    return read.table, read.word, read


def _text(s: pl.Series) -> pl.Series:
    """Text stripped of blanks, empty cells as missing."""
    return s.cast(pl.String).str.strip_chars().replace("", None)


def _first(mask: pl.Series) -> int:
    return int(mask.arg_true()[0])


@dataclass(frozen=True)
class _Where:
    """Names a column of the file, and a row of it by its file line (Parquet: row)."""

    path: Path
    word: str
    lines: pl.Series
    column: str

    def line(self, row: int) -> str:
        return f"{self.word} {int(self.lines[row])}"

    def __call__(self, row: int | None = None) -> str:
        if row is None:
            return f"{self.path}: column {self.column!r}"
        return f"{self.path}: {self.line(row)}, column {self.column!r}"


def _ids(s: pl.Series, at: _Where) -> pl.Series:
    """Account or item IDs checked: integers or text (numbers with decimals, nested,
    temporal and binary columns refused), blanks as missing; typed later, by one rule
    for a whole ID space (:func:`pipeline.graph_io.text.typed_ids`)."""
    if s.dtype.is_float():
        raise InputError(f"{at()} holds decimal numbers; IDs must be integers or text")
    if s.dtype.is_integer():
        return s
    if s.dtype.is_nested() or s.dtype.is_temporal() or s.dtype == pl.Binary:
        raise InputError(f"{at()} has type {s.dtype}; IDs must be integers or text")
    return _text(s)


def _iso_seconds(text: pl.Series) -> pl.Series:
    """Unix seconds of ISO 8601 times with an offset (``Z``, ``+hh:mm``, ``+hhmm``, ``+hh``;
    seconds optional); null where ``text`` is not one. O(rows)."""
    up = text.str.to_uppercase()
    norm = (
        up.str.replace(r"^(\S{10}[T ]\d{2}:\d{2})([Z+-])", "${1}:00${2}")
        .str.replace(r"([+-]\d{2})(\d{2})$", "${1}:${2}")
        .str.replace(r"(:\d{2}(?:\.\d+)?[+-]\d{2})$", "${1}:00")
    )
    secs = norm.str.to_datetime("%+", strict=False, time_zone="UTC").dt.epoch("us") / 1e6
    return pl.select(pl.when(up.str.contains(_ISO)).then(secs.cast(pl.Float64))).to_series()


def _times(s: pl.Series, at: _Where) -> tuple[pl.Series, str]:
    """Times as Float64 seconds and their kind ("seconds" or "iso"). O(rows)."""
    if isinstance(s.dtype, pl.Datetime):
        if s.dtype.time_zone is None:
            raise InputError(f"{at()} holds times without a time zone; expected UTC times")
        return s.dt.epoch("us").cast(pl.Float64) / 1e6, "iso"
    if s.dtype.is_numeric():
        return s.cast(pl.Float64), "seconds"
    text = _text(s)
    num = text.cast(pl.Float64, strict=False)
    if num.null_count() == 0:
        return num, "seconds"
    iso = _iso_seconds(text)
    good = num.is_not_null() | iso.is_not_null()
    kind = "seconds" if good.any() and num[_first(good)] is not None else "iso"
    ok = num if kind == "seconds" else iso
    if ok.null_count() == 0:
        return ok, kind
    row = _first(ok.is_null())
    value = str(text[row])
    if good[row]:
        what = ("a number of seconds", "an ISO 8601 time")
        was, now = what if kind == "seconds" else what[::-1]
        msg = f"{value!r} is {now} but {at.line(_first(good))} holds {was}; use one kind per file"
    elif pl.Series([value]).str.to_uppercase().str.contains(_NO_OFFSET)[0]:
        msg = f"{value!r} has no UTC offset; add Z or an offset, e.g. {_EXAMPLE}"
    else:
        msg = (
            f"{value!r} is not a time; expected seconds (a number) or ISO 8601 with an "
            f"offset, e.g. {_EXAMPLE}"
        )
    raise InputError(f"{at(row)}: {msg}")


def _seeds(s: pl.Series, at: _Where) -> pl.Series:
    """The seed column as Boolean: true/false/1/0/yes/no (any case); empty is false."""
    if s.dtype != pl.Boolean:
        text = _text(s).str.to_lowercase()
        flag = text.replace_strict(_BOOL, default=None, return_dtype=pl.Boolean)
        bad = flag.is_null() & text.is_not_null()
        if bad.any():
            row = _first(bad)
            raise InputError(f"{at(row)}: expected true/false/1/0/yes/no, got {text[row]!r}")
        s = flag
    return s.fill_null(False)


def load_actions(path: str | Path, *, columns: Mapping[str, str] | None = None) -> ActionLog:
    """Read and check an action log (CSV, TSV, Parquet; ``.gz`` CSV/TSV).

    ``columns`` maps canonical names to the file's (``{"account": "user"}``). Each problem
    is one :class:`InputError` naming the file, line (header = line 1; "row" in Parquet)
    and column. Rows need no order; duplicates of an (account, item) keep the earliest
    time. O(rows log rows).
    """
    p = Path(path)
    data = read_bytes(p)
    raw, word, read = _read_table(p, data)
    mapping = check_columns(columns or {}, ACTION_COLUMNS, f"{p}: «columns»")
    _check_header(p, read, mapping)
    raw = apply_columns(raw, mapping, where=str(p), required=_REQUIRED)
    if raw.height == 0:
        raise InputError(f"{p}: the action log is empty; expected at least one row")

    def at(c: str) -> _Where:
        return _Where(p, word, raw["_line"], mapping.get(c, c))

    for c in ACTION_COLUMNS:  # Parquet can hold types no column of a log may have
        dt = raw[c].dtype if c in raw.columns else None
        if dt is not None and (
            dt.is_nested()
            or dt == pl.Binary
            or (dt.is_temporal() and not isinstance(dt, pl.Datetime))
        ):
            raise InputError(
                f"{at(c)()} has type {dt}; expected numbers, text or (time) a Datetime"
            )

    for c in _REQUIRED:
        blank = _text(raw[c]).is_null()
        if blank.any():
            raise InputError(f"{at(c)(_first(blank))}: missing value")
    time, kind = _times(raw["time"], at("time"))
    finite = np.isfinite(time.to_numpy())
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise InputError(f"{at('time')(row)}: {raw['time'][row]!r} is not a finite time")
    people = [_ids(raw[c], at(c)) for c in ("account", "via") if c in raw.columns]
    people, id_note = typed_ids(*people)  # accounts and via: one ID space
    (item,), _ = typed_ids(_ids(raw["item"], at("item")))
    cols: dict[str, pl.Series] = {
        "_line": raw["_line"],
        "account": people[0],
        "item": item,
        "time": time.alias("time"),
    }
    if "seed" in raw.columns:
        cols["seed"] = _seeds(raw["seed"], at("seed"))
    if "via" in raw.columns:
        cols["via"] = people[1]
    if "brand" in raw.columns:
        cols["brand"] = _text(raw["brand"])
    df = pl.DataFrame(cols).sort(["time", "account", "_line"])
    kept = df.unique(["account", "item"], keep="first", maintain_order=True)
    return ActionLog(
        path=str(p),
        table=sort_by_item(kept.drop("_line")),
        time_kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        rows=raw.height,
        duplicates_dropped=df.height - kept.height,
        notes=tuple(f"{p}: {n}" for n in [*read.notes, id_note] if n),
    )


def _check_header(path: Path, read: TextTable, mapping: Mapping[str, str]) -> None:
    """Refuse a CSV/TSV log whose first row looks like data (no column name of a log,
    some field a number: a headerless file), naming what was expected. O(columns)."""
    known = {*ACTION_COLUMNS, *mapping.values()}
    fields = [f.strip() for f in read.header]
    if not fields or any(f in known for f in fields):
        return
    f = pl.Series(fields, dtype=pl.String)
    if (f.str.contains(r"^[0-9.:TZ+-]+$") & f.str.contains(r"[0-9]")).any():
        found = ", ".join(map(repr, fields[:6])) + (", ..." if len(fields) > 6 else "")
        raise InputError(
            f"{path}: the first row does not look like a header: expected column names "
            f"({', '.join(ACTION_COLUMNS)}), found {found}; an action log needs a header row "
            "(or name its columns with «columns»)"
        )


def graph_nodes(values: pl.Series, ids: pl.Series) -> NDArray[np.int32]:
    """Each value's dense node in a graph with sorted external ``ids``; -1 when missing
    (or null). Values are cast to the graph's ID type first (text that is not a number is
    simply absent from an integer graph). O(len(values) + len(ids)), a hash join."""
    if ids.dtype == pl.String:
        values = values.cast(pl.String)
    elif values.dtype != ids.dtype:
        values = values.cast(ids.dtype, strict=False)
    lut = pl.DataFrame({"v": ids, "node": pl.int_range(ids.len(), dtype=pl.Int32, eager=True)})
    joined = pl.DataFrame({"v": values}).join(lut, on="v", how="left", maintain_order="left")
    return joined["node"].fill_null(-1).to_numpy().astype(np.int32, copy=False)


def _via_nodes(values: pl.Series, ids: pl.Series) -> NDArray[np.int32]:
    """``via`` as dense nodes: -1 where empty (not recorded), -2 where it names an account
    outside the graph (recorded, but no in-graph parent can be credited)."""
    nodes = np.array(graph_nodes(values, ids), dtype=np.int32)
    nodes[(nodes < 0) & values.is_not_null().to_numpy()] = -2
    return nodes


def place_on(log: ActionLog, graph: FollowerGraph, *, brand: str | None = None) -> Cascades:
    """The log's rows on ``graph``: one CSR block per item in item order
    (:func:`sort_by_item`), accounts as dense nodes (-1 when absent from the graph).
    ``brand`` keeps the rows of that brand only. O(rows log rows + nodes)."""
    t = log.table
    if brand is not None:
        if "brand" not in t.columns:
            raise InputError(f"{log.path}: no 'brand' column, so «brand» cannot select rows")
        t = sort_by_item(t.filter(pl.col("brand") == brand))
        if t.height == 0:
            names = log.table["brand"].drop_nulls().unique().sort()
            shown = ", ".join(map(repr, names.head(10).to_list()))
            more = f" and {names.len() - 10:,} more" if names.len() > 10 else ""
            raise InputError(
                f"{log.path}: no row has brand {brand!r} («brand»); the brands are {shown}{more}"
            )
    node = graph_nodes(t["account"], graph.ids)
    new = t.select((pl.col("item") != pl.col("item").shift(1)).fill_null(True)).to_series()
    starts = new.arg_true().to_numpy().astype(np.int64)
    time = t["time"].to_numpy().astype(np.float64)
    absent = node < 0
    via = _via_nodes(t["via"], graph.ids) if "via" in t.columns else None
    return Cascades(
        items=t["item"].gather(starts),
        item_ptr=np.append(starts, t.height).astype(np.int64),
        node=node,
        account=t["account"],
        time=time,
        start=time[starts],
        seed=t["seed"].to_numpy().astype(np.bool_) if "seed" in t.columns else None,
        via=via,
        missing_accounts=int(t["account"].filter(pl.Series(absent)).n_unique()),
        missing_rows=int(absent.sum()),
        unknown_via=int((via == -2).sum()) if via is not None else 0,
    )
