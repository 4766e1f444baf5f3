"""A campaign's grid: its cells (brand x model x strategy x budget or k) and its contests.

Cells and contests are plain frozen values with stable labels and seeds derived
from the campaign seed, so any executor on any machine runs the same grid.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.campaign.config import CampaignConfig, ModelSpec
from pipeline.profiles import Brands

__all__ = ["Cell", "Contest", "cells_of", "contests_of", "derive_seed"]


@dataclass(frozen=True)
class Cell:
    """One point of the grid: a brand, a model, a strategy and a budget or a seed count."""

    brand: str
    model: ModelSpec
    strategy: str
    budget: float | None = None
    k: int | None = None

    @property
    def key(self) -> str:
        """A stable file-safe identifier (readable part + hash of the coordinates)."""
        level = f"b{self.budget:g}" if self.budget is not None else f"k{self.k}"
        coords = json.dumps([self.brand, self.model.label, self.strategy, self.budget, self.k])
        digest = hashlib.blake2b(coords.encode(), digest_size=4).hexdigest()
        return _slug(f"{self.model.label}_{self.strategy}_{level}") + f"_{digest}"

    @property
    def label(self) -> str:
        """For people: ``brand model strategy budget 2,500`` (or ``k 10``)."""
        level = f"budget {self.budget:,.0f}" if self.budget is not None else f"k {self.k}"
        return f"{self.brand} {self.model.label} {self.strategy} {level}"

    def key_columns(self) -> dict[str, Any]:
        return {
            "cell": self.key,
            "brand": self.brand,
            "model": self.model.label,
            "strategy": self.strategy,
            "budget": self.budget,
            "k": self.k,
        }


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.=-]+", "-", text).strip("-")


def _levels(
    config: CampaignConfig, brands: Brands, brand: str
) -> list[tuple[str, float | None, int | None]]:
    """(label, budget, k) of each level of ``brand``: a budget, a budget share or a k."""
    out: list[tuple[str, float | None, int | None]] = []
    seen: set[float] = set()
    entries = [(f"budget {b:g}", b) for b in config.budgets] + [
        (f"share {s:g}", s * brands.budget(brand)) for s in config.budget_shares
    ]
    for label, amount in entries:
        b = round(amount, 6)
        if b not in seen:  # an absolute budget equal to a share's is one level
            seen.add(b)
            out.append((label, b, None))
    return out + [(f"k {k}", None, k) for k in config.k]


def cells_of(config: CampaignConfig, brands: Brands) -> list[Cell]:
    """The grid, brand-major (brand, model, budget or k, strategy). O(cells)."""
    names = list(config.brands) if config.brands is not None else brands.names
    out: list[Cell] = []
    for brand in names:
        for model in config.models:
            for _, budget, k in _levels(config, brands, brand):
                for strategy in config.strategies:
                    out.append(Cell(brand, model, strategy, budget, k))
    return out


@dataclass(frozen=True)
class Contest:
    """A competition cell: the competing brands' cells of one model, strategy and level."""

    model: ModelSpec
    strategy: str
    level: str
    cells: tuple[Cell, ...]

    @property
    def key(self) -> str:
        coords = json.dumps([[c.brand for c in self.cells], self.model.label, self.strategy,
                             self.level])  # fmt: skip
        digest = hashlib.blake2b(coords.encode(), digest_size=4).hexdigest()
        return _slug(f"{self.model.label}_{self.strategy}_{self.level}") + f"_{digest}"


def contests_of(config: CampaignConfig, brands: Brands) -> list[Contest]:
    """Competition cells: for each model, strategy and level entry of the config, the
    cells of the competing brands (matched by the entry, e.g. ``share 0.5``). O(cells)."""
    if not config.competition:
        return []
    levels = {b: {lab: (bud, k) for lab, bud, k in _levels(config, brands, b)}
              for b in config.competition}  # fmt: skip
    common = [lab for lab, _, _ in _levels(config, brands, config.competition[0])
              if all(lab in levels[b] for b in config.competition)]  # fmt: skip
    out = []
    for model in config.models:
        for label in common:
            for strategy in config.strategies:
                cells = tuple(
                    Cell(b, model, strategy, levels[b][label][0], levels[b][label][1])
                    for b in config.competition
                )
                out.append(Contest(model, strategy, label, cells))
    return out


def derive_seed(seed: int, *parts: str) -> int:
    """An independent 63-bit seed for ``parts`` (stable across processes and orderings)."""
    words = [int.from_bytes(hashlib.blake2b(x.encode(), digest_size=8).digest(), "little")
             for x in parts]  # fmt: skip
    state = np.random.SeedSequence([seed, *words]).generate_state(1, np.uint64)[0]
    return int(state) >> 1
