"""Brands: name, topic weights and budget (currency units), read from a table file
(read as profiles are: :func:`pipeline.graph_io.text.read_table_file`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.columns import COLUMN_NAMES, apply_columns, check_columns
from pipeline.errors import InputError
from pipeline.graph_io.text import decimal_commas, read_table_file
from pipeline.profiles.accounts import numeric_column
from pipeline.profiles.table_notes import (
    BRAND_COLUMNS,
    BRAND_MAPPING,
    check_header_row,
    column_notes,
)
from pipeline.profiles.topics import parse_topics, where_row

__all__ = ["Brands", "load_brands"]


@dataclass(frozen=True, eq=False)
class Brands:
    """Brands: ``table`` (brand, budget, topics text) and long ``topics`` (brand, topic,
    weight); ``notes``: how the file was read, one line each, for a command to print."""

    table: pl.DataFrame
    topics: pl.DataFrame
    path: str
    notes: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return self.table["brand"].to_list()

    def check(self, brand: str) -> str:
        """Return ``brand`` if known, else raise InputError listing the brands."""
        if brand not in self.names:
            raise InputError(
                f"unknown brand {brand!r} in {self.path}; the brands are "
                f"{', '.join(map(repr, self.names))}"
            )
        return brand

    def budget(self, brand: str) -> float:
        self.check(brand)
        return float(self.table.filter(pl.col("brand") == brand)["budget"][0])


def load_brands(path: str | Path, *, columns: Mapping[str, str] | None = None) -> Brands:
    """Read a brands table with a header row: ``brand`` (unique), ``topics`` (see
    :mod:`pipeline.profiles.topics`), ``budget`` (currency units >= 0). ``columns`` maps
    those canonical names to the file's columns (:mod:`pipeline.columns`). Every problem
    is one :class:`InputError` naming the file, line and column; ``notes`` says how the
    file was read and which columns were not used. O(rows)."""
    p = str(path)
    read = read_table_file(path, "brands")
    mapping = check_columns(columns, COLUMN_NAMES["brands"], BRAND_MAPPING) if columns else {}
    check_header_row(p, read, [*BRAND_COLUMNS, *mapping.values()], "brands")
    raw = apply_columns(read.table, mapping, where=p, flag=BRAND_MAPPING) if mapping else read.table
    cols = [c for c in raw.columns if c != "_line"]
    missing = [c for c in BRAND_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            f"{p}: missing column(s) {', '.join(map(repr, missing))}; a brands table needs "
            f"brand, topics, budget (found {', '.join(map(repr, cols))})"
        )
    if raw.height == 0:
        raise InputError(f"{p}: no brands; expected at least one row")
    notes = [f"{p}: {n}" for n in read.notes]
    if read.separator == ";":
        raw, changed = decimal_commas(raw, ["budget"])
        if changed:
            notes.append(f"{p}: decimal commas read as points in 'budget'")
    notes += column_notes(p, cols, BRAND_COLUMNS, tuple(BRAND_COLUMNS), BRAND_MAPPING)
    lines = raw["_line"]
    names = raw["brand"].cast(pl.String)
    if names.null_count():
        row = int(names.is_null().arg_true()[0])
        raise InputError(f"{p}: {where_row(row, p, lines)}, column 'brand': missing brand name")
    dup = ~names.is_first_distinct()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise InputError(
            f"{p}: {where_row(row, p, lines)}, column 'brand': duplicate brand {names[row]!r}"
        )
    budget = numeric_column(raw, "budget", p, 0.0, None)
    if budget.null_count():
        row = int(budget.is_null().arg_true()[0])
        raise InputError(f"{p}: {where_row(row, p, lines)}, column 'budget': missing budget")
    topics = parse_topics(
        raw["topics"], names, path=p, lines=lines, decimal_comma=read.separator == ";"
    )
    no_topics = names.filter(~names.is_in(topics["key"].unique().implode()))
    if no_topics.len():
        row = int(names.index_of(no_topics[0]) or 0)
        raise InputError(
            f"{p}: {where_row(row, p, lines)}, column 'topics': brand {no_topics[0]!r} has "
            f"no topics"
        )
    table = pl.DataFrame(
        {"brand": names, "budget": budget, "topics": raw["topics"].cast(pl.String)}
    )
    return Brands(table=table, topics=topics.rename({"key": "brand"}), path=p, notes=tuple(notes))
