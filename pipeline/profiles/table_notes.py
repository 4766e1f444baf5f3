"""What a user's table has and lacks, said plainly: the expected columns of profiles and
brands (and what each is for), a header row that looks like data, the expected columns
absent, and the columns present but not used (with a guess at what each might be, e.g.
``follower_count`` -> ``followers``). O(columns).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import polars as pl

from pipeline.errors import InputError
from pipeline.graph_io.text import TextTable

__all__ = [
    "BRAND_COLUMNS",
    "BRAND_MAPPING",
    "PROFILE_COLUMNS",
    "PROFILE_MAPPING",
    "check_header_row",
    "column_notes",
    "guess_column",
]

#: The columns a profile table may have (``id`` required) and what each is for.
PROFILE_COLUMNS: dict[str, str] = {
    "id": "the account ID, as in the edge file",
    "handle": "display name; default the ID",
    "followers": "audience size on the platform; default the in-graph followers",
    "engagement_rate": "engagements per follower per post; unknown without it",
    "cost": "currency units per post; unknown without it",
    "cpm": "currency units per 1,000 impressions; unknown without it",
    "platform": "picks the default CPM; unknown without it",
    "real_audience": "share of real followers; default 1",
    "topics": "topic weights for brand fit; no account fits a brand without it",
}

#: Usual names of marketers' exports for the canonical columns (compared case-folded).
_ALIASES: dict[str, str] = {
    "username": "handle", "user": "handle", "name": "handle", "account": "handle",
    "follower_count": "followers", "followers_count": "followers", "audience": "followers",
    "er": "engagement_rate", "engagement": "engagement_rate", "fee": "cost", "price": "cost",
    "rate": "cost", "category": "topics", "categories": "topics", "interests": "topics",
    "niche": "topics", "network": "platform", "channel": "platform", "user_id": "id",
    "account_id": "id", "quality": "real_audience", "real_followers": "real_audience",
}  # fmt: skip
PROFILE_MAPPING = "the profile column mapping (--profile-columns or [inputs.columns.profiles])"


#: The columns a brands table has (all required) and what each is for.
BRAND_COLUMNS: dict[str, str] = {
    "brand": "the brand's name",
    "topics": "its topic weights",
    "budget": "currency units to spend",
}
BRAND_MAPPING = "the brands column mapping ([inputs.columns.brands])"


def guess_column(name: str, free: list[str]) -> str | None:
    """The canonical column an unused file column probably is (``follower_count`` ->
    ``followers``), among the ``free`` ones, else None."""
    key = name.casefold().replace(" ", "_").replace("-", "_")
    if _ALIASES.get(key) in free:
        return _ALIASES[key]
    close = difflib.get_close_matches(key, free, n=1, cutoff=0.75)
    return close[0] if close else None


def check_header_row(path: str, table: TextTable, known: list[str], what: str) -> None:
    """Refuse a text table whose header row looks like data: no field is a ``known``
    column name and some field is a number (``12,45,...``): a headerless file. O(columns)."""
    fields = table.header
    if not fields or any(f.strip() in known for f in fields):
        return
    numbers = pl.Series(fields, dtype=pl.String).str.strip_chars()
    if numbers.str.contains(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$").any():
        found = ", ".join(repr(f.strip()) for f in fields[:6]) + (
            ", ..." if len(fields) > 6 else ""
        )
        raise InputError(
            f"{path}: the first row does not look like a header: expected column names "
            f"({', '.join(known[:9])}), found {found}; {what} need a header row"
        )


def column_notes(
    path: str,
    present: list[str],
    purposes: Mapping[str, str],
    required: tuple[str, ...],
    mapping: str = PROFILE_MAPPING,
) -> list[str]:
    """Notes on a table's columns after mapping: the expected ones absent (one line, what
    each is for) and the ones present but not used (one line, with a guess at the
    canonical name each might be). O(columns)."""
    notes: list[str] = []
    absent = [c for c in purposes if c not in present and c not in required]
    if absent:
        listed = "; ".join(f"{c} ({purposes[c]})" for c in absent)
        notes.append(f"{path}: columns absent (each optional): {listed}")
    unused = [c for c in present if c not in purposes and c != "_line"]
    if unused:
        guesses: dict[str, str | None] = {}
        for c in unused:  # one guess per canonical name
            g = guess_column(c, [a for a in absent if a not in guesses.values()])
            guesses[c] = g
        shown = ", ".join(repr(c) + (f" ({g}?)" if g else "") for c, g in guesses.items())
        pairs = ",".join(f"{g}={c}" for c, g in guesses.items() if g)
        hint = f"; name their parts with {mapping}" + (f", e.g. {pairs}" if pairs else "")
        notes.append(f"{path}: columns not used: {shown}{hint}")
    return notes
