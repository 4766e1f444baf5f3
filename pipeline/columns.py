"""One column-mapping syntax for every table: ``canonical=filecolumn`` pairs.

A mapping says which column of a user's file plays which part: on the command line
``--columns source=follower,target=followed,probability=p`` (:func:`parse_columns`),
in a campaign file ``[inputs.columns.graph] source = "follower"``
(:func:`check_columns`). :func:`apply_columns` then renames a table's columns to
the canonical names its loader expects. The canonical names of each table are in
:data:`COLUMN_NAMES`.

Syntax: pairs separated by commas, whitespace around a name ignored; a column name
holding a comma or ``=`` is written in double quotes (``"a,b"``; a double quote
inside quotes is written twice). Every mistake is one line naming the flag or
key and what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from pipeline.errors import InputError

__all__ = ["COLUMN_NAMES", "EDGE_COLUMNS", "apply_columns", "check_columns", "parse_columns"]

#: The canonical columns of an edge file.
EDGE_COLUMNS: tuple[str, ...] = ("source", "target", "probability", "weight")

#: The canonical column names of each table a mapping may describe.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "graph": EDGE_COLUMNS,
    "profiles": (
        "id",
        "handle",
        "followers",
        "engagement_rate",
        "cost",
        "cpm",
        "platform",
        "real_audience",
        "topics",
    ),
    "brands": ("brand", "topics", "budget"),
    "actions": ("account", "item", "time", "seed", "via", "brand"),
}

_EXAMPLE = "pairs such as source=a,target=b"


def _split_top(text: str, sep: str, flag: str) -> list[str]:
    """``text`` cut at each ``sep`` outside double quotes (quotes kept). O(len(text))."""
    parts: list[str] = []
    start, quoted = 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted  # a doubled quote toggles twice: still inside
        elif ch == sep and not quoted:
            parts.append(text[start:i])
            start = i + 1
    if quoted:
        raise InputError(f"{flag}: unclosed double quote in {text!r}")
    parts.append(text[start:])
    return parts


def _unquote(token: str, entry: str, flag: str) -> str:
    """A name with the surrounding whitespace, and its double quotes if any, removed."""
    t = token.strip()
    if '"' not in t:
        return t
    if (
        len(t) < 2
        or not (t.startswith('"') and t.endswith('"'))
        or '"' in t[1:-1].replace('""', "")
    ):
        raise InputError(
            f"{flag}: {entry.strip()!r}: a quoted name must be quoted whole, as in "
            f'source="a,b" (a quote inside is doubled: "")'
        )
    return t[1:-1].replace('""', '"')


def parse_columns(text: str, *, allowed: Sequence[str], flag: str = "«columns»") -> dict[str, str]:
    """``canonical=filecolumn,canonical=filecolumn`` as a dict, canonical name -> file column.

    Whitespace around names is ignored; a file column holding a comma or ``=`` is
    double-quoted. Unknown canonical names (not in ``allowed``), a name given twice,
    one file column for two names and empty names raise a one-line
    :class:`InputError` naming ``flag``. O(len(text)).
    """
    if not text or not text.strip():
        raise InputError(f"{flag}: empty; expected {_EXAMPLE}")
    out: dict[str, str] = {}
    for entry in _split_top(text, ",", flag):
        if not entry.strip():
            raise InputError(f"{flag}: an empty entry in {text!r}; expected {_EXAMPLE}")
        sides = _split_top(entry, "=", flag)
        if len(sides) != 2:
            what = "has no '='" if len(sides) < 2 else "has more than one '='"
            raise InputError(
                f"{flag}: {entry.strip()!r} {what}; expected {_EXAMPLE} "
                f'(quote a column name holding = or a comma: source="a=b")'
            )
        name, column = _unquote(sides[0], entry, flag), _unquote(sides[1], entry, flag)
        if not name:
            raise InputError(f"{flag}: {entry.strip()!r} has no name before '='")
        if not column:
            raise InputError(f"{flag}: {entry.strip()!r} has no column name after '='")
        _check_pair(out, name, column, allowed, flag)
        out[name] = column
    return out


def _check_pair(
    seen: Mapping[str, str], name: str, column: str, allowed: Sequence[str], where: str
) -> None:
    if name not in allowed:
        flipped = f" (the part comes first: {column}={name})" if column in allowed else ""
        raise InputError(
            f"{where}: unknown name {name!r}; expected one of {', '.join(allowed)}{flipped}"
        )
    if name in seen:
        raise InputError(f"{where}: {name!r} given twice")
    for other, col in seen.items():
        if col == column:
            raise InputError(f"{where}: column {column!r} given for both {other!r} and {name!r}")


def check_columns(mapping: Any, allowed: Sequence[str], where: str) -> dict[str, str]:
    """A mapping from a configuration file (e.g. a TOML table) checked like
    :func:`parse_columns`: names in ``allowed``, each a non-empty text column name,
    no file column twice. Errors start with ``where`` (file and key) and name the
    bad key. Returns a plain dict."""
    if not isinstance(mapping, Mapping):
        raise InputError(f'{where}: expected a table of name = "column" pairs, got {mapping!r}')
    out: dict[str, str] = {}
    for name, column in mapping.items():
        if not isinstance(column, str) or not column.strip():
            raise InputError(
                f"{where}.{name}: expected a column name (non-empty text), got {column!r}"
            )
        _check_pair(out, str(name), column, allowed, where)
        out[str(name)] = column
    return out


def apply_columns(
    df: pl.DataFrame,
    mapping: Mapping[str, str],
    *,
    where: str,
    required: Sequence[str] = (),
    flag: str = "«columns»",
) -> pl.DataFrame:
    """``df`` with each mapped file column renamed to its canonical name.

    A file column already bearing a mapped canonical name but not mapped itself is
    dropped (the mapping chose another column for that part). A mapped column the
    file lacks, or a ``required`` canonical column missing after renaming, raises an
    :class:`InputError` naming ``where`` (the file), the column and the columns the
    file has; ``flag`` names where the mapping came from. O(columns).
    """
    present = [c for c in df.columns if c != "_line"]
    listed = ", ".join(map(repr, present))
    for name, column in mapping.items():
        if column not in present:
            raise InputError(
                f"{where}: no column {column!r} (given for {name!r} by {flag}); "
                f"the columns are {listed}"
            )
    renames = {col: name for name, col in mapping.items() if col != name}
    mapped = set(mapping.values())
    stale = [c for c in present if c in mapping and c not in mapped]
    out = df.drop(stale).rename(renames) if (stale or renames) else df
    missing = [c for c in required if c not in out.columns]
    if missing:
        raise InputError(
            f"{where}: no column {missing[0]!r}; the columns are {listed} "
            f"(name the one to use with {flag}: {missing[0]}=...)"
        )
    return out
