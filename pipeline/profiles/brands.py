"""Brands: name, topic weights and budget (currency units), read from a table file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.columns import COLUMN_NAMES, apply_columns, check_columns
from pipeline.errors import InputError
from pipeline.export import read_table
from pipeline.profiles.accounts import numeric_column, parse_topics, row_text

__all__ = ["Brands", "load_brands"]


@dataclass(frozen=True, eq=False)
class Brands:
    """Brands: ``table`` (brand, budget, topics text) and long ``topics`` (brand, topic, weight)."""

    table: pl.DataFrame
    topics: pl.DataFrame
    path: str

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
    """Read a brands table: ``brand`` (unique), ``topics``, ``budget`` (currency units >= 0).
    ``columns`` maps those canonical names to the file's columns (:mod:`pipeline.columns`)."""
    p = str(path)
    raw = read_table(path, "brands")
    if columns:
        mapping = check_columns(columns, COLUMN_NAMES["brands"], "«columns»")
        raw = apply_columns(raw, mapping, where=p)
    missing = [c for c in ("brand", "topics", "budget") if c not in raw.columns]
    if missing:
        raise InputError(
            f"{p}: missing column(s) {', '.join(map(repr, missing))}; a brands table needs "
            f"brand, topics, budget (found {', '.join(map(repr, raw.columns))})"
        )
    if raw.height == 0:
        raise InputError(f"{p}: no brands; expected at least one row")
    names = raw["brand"].cast(pl.String)
    if names.null_count():
        row = int(names.is_null().arg_true()[0])
        raise InputError(f"{p}: {row_text(row, p)}, column 'brand': missing brand name")
    dup = ~names.is_first_distinct()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise InputError(f"{p}: {row_text(row, p)}, column 'brand': duplicate brand {names[row]!r}")
    budget = numeric_column(raw, "budget", p, 0.0, None)
    if budget.null_count():
        row = int(budget.is_null().arg_true()[0])
        raise InputError(f"{p}: {row_text(row, p)}, column 'budget': missing budget")
    topics = parse_topics(raw["topics"], names, path=p)
    no_topics = names.filter(~names.is_in(topics["key"].unique().implode()))
    if no_topics.len():
        row = int(names.index_of(no_topics[0]) or 0)
        raise InputError(
            f"{p}: {row_text(row, p)}, column 'topics': brand {no_topics[0]!r} has no topics"
        )
    table = pl.DataFrame(
        {"brand": names, "budget": budget, "topics": raw["topics"].cast(pl.String)}
    )
    return Brands(table=table, topics=topics.rename({"key": "brand"}), path=p)
