"""A campaign's grid: its cells (brand x model x strategy x budget or k) and its contests.

Every strategy has one plan per brand and level, chosen under the campaign's plan
model (:meth:`~pipeline.campaign.config.CampaignConfig.plan`), and each plan is
evaluated under every model of the campaign. A strategy whose plan depends on the
model (:func:`~pipeline.seeding.registry.is_model_dependent`: imm, opim, celf and
degree-discount, which reads the model's edge probabilities) is
also re-chosen under each other model: the best it achieves there. A cell is
*matched* when its plan is the strategy's plan for the cell's model (chosen under
it, or not depending on it); the per-model verdicts read matched cells, the
cross-model table (:mod:`pipeline.aggregate.cross_model`) all of them.

Cells and contests are plain frozen values with stable labels and seeds derived
from the campaign seed, so any executor on any machine runs the same grid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import numpy as np

from pipeline.campaign.config import CampaignConfig, ModelSpec
from pipeline.names import slug
from pipeline.profiles import Brands

__all__ = [
    "Cell",
    "Contest",
    "cell_key",
    "cells_of",
    "contest_key",
    "contests_of",
    "derive_seed",
    "matched_cell",
    "stream_name",
    "stream_names",
]


def stream_name(model: ModelSpec) -> str:
    """The name a model's random streams are derived from (:func:`derive_seed`): its
    label as versions before exact labels wrote it (``ic p=P`` with P to 6 significant
    digits, ``calibrated:<file name>``), so that a campaign gives the numbers it gave
    then and a folder of an older version, migrated to the new labels
    (:mod:`pipeline.campaign.relabel`), equals a fresh run. Two models of one stream name
    (``ic p=0.01`` and ``ic p=0.01000001``) share random numbers, which is harmless:
    each simulates its own parameters."""
    if model.calibrated is not None:
        return f"calibrated:{PurePath(model.calibrated).name}"
    if model.preset is not None:
        return model.preset
    return model.name if model.p is None else f"{model.name} p={model.p:g}"


def stream_names(models: Sequence[ModelSpec]) -> list[str]:
    """:func:`stream_name` of each model, or the exact labels when two would share one:
    names that key a mapping of the models (a robust plan's RR streams)."""
    names = [stream_name(m) for m in models]
    return names if len(set(names)) == len(names) else [m.label for m in models]


def cell_key(
    brand: str,
    model: str,
    strategy: str,
    budget: float | None,
    k: int | None,
    plan: str | None = None,
) -> str:
    """The file-safe identifier of a cell from its coordinates and model labels
    (``plan``: the plan model's label when it is not ``model``): a readable part and a
    hash of the coordinates, ``wc_imm_b300_1a2b3c4d``. Stable across versions: a
    folder's files are named by it."""
    level = f"b{budget:g}" if budget is not None else f"k{k}"
    coords: list[Any] = [brand, model, strategy, budget, k]
    extra = ""
    if plan is not None and plan != model:
        coords.append(plan)
        extra = f"_plan-{plan}"
    digest = hashlib.blake2b(json.dumps(coords).encode(), digest_size=4).hexdigest()
    return _slug(f"{model}_{strategy}{extra}_{level}") + f"_{digest}"


def contest_key(brands: list[str], model: str, strategy: str, level: str) -> str:
    """The file-safe identifier of a contest (brands competing under ``model``)."""
    coords = json.dumps([brands, model, strategy, level])
    digest = hashlib.blake2b(coords.encode(), digest_size=4).hexdigest()
    return _slug(f"{model}_{strategy}_{level}") + f"_{digest}"


@dataclass(frozen=True)
class Cell:
    """One point of the grid: a brand, a model, a strategy and a budget or a seed count."""

    brand: str
    model: ModelSpec  # the model the plan is evaluated (simulated) under
    strategy: str
    budget: float | None = None
    k: int | None = None
    plan_model: ModelSpec | None = None  # the model the plan is chosen under (None: model)
    matched: bool = True  # the plan is the strategy's plan for ``model`` (module doc)

    @property
    def plan(self) -> ModelSpec:
        """The model the cell's plan is chosen under."""
        return self.model if self.plan_model is None else self.plan_model

    @property
    def key(self) -> str:
        """A stable file-safe identifier (readable part + hash of the coordinates)."""
        return self.key_with(lambda label: label)

    def key_with(self, label: Callable[[str], str]) -> str:
        """The key the cell had with model labels ``label(current label)`` (a folder
        written by a version with other labels; :func:`cell_key`)."""
        model, plan = label(self.model.label), label(self.plan.label)
        return cell_key(self.brand, model, self.strategy, self.budget, self.k, plan)

    @property
    def label(self) -> str:
        """For people: ``brand model strategy budget 2,500`` (or ``k 10``), with ``(plan
        for medium)`` when the plan was chosen under another model."""
        level = f"budget {self.budget:,.0f}" if self.budget is not None else f"k {self.k}"
        plan = f" (plan for {self.plan.label})" if self.plan.label != self.model.label else ""
        return f"{self.brand} {self.model.label} {self.strategy}{plan} {level}"

    def key_columns(self) -> dict[str, Any]:
        return {
            "cell": self.key,
            "brand": self.brand,
            "model": self.model.label,
            "plan_model": self.plan.label,
            "matched": self.matched,
            "strategy": self.strategy,
            "budget": self.budget,
            "k": self.k,
        }


def _slug(text: str) -> str:
    return slug(text, keep=".=-")


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


def matched_cell(
    config: CampaignConfig,
    brand: str,
    model: ModelSpec,
    strategy: str,
    budget: float | None,
    k: int | None,
) -> Cell:
    """The cell holding ``strategy``'s plan for ``model``: chosen under ``model`` when the
    plan depends on the model, else the one plan chosen under the plan model."""
    from pipeline.seeding.registry import is_model_dependent

    plan = model if is_model_dependent(strategy) else config.plan()
    return Cell(brand, model, strategy, budget, k, plan_model=plan, matched=True)


def cells_of(config: CampaignConfig, brands: Brands) -> list[Cell]:
    """The grid, brand-major (brand, model, budget or k, strategy): per model, each
    strategy's matched cell (:func:`matched_cell`), then, for a model-dependent
    strategy under a model other than the plan model, the plan model's plan evaluated
    there (unmatched); under the plan model, the cost scenarios of the strategies that
    enlist ambassadors (:meth:`CampaignConfig.scenarios`, e.g. ``mixed@0.5x``). O(cells)."""
    from pipeline.seeding.registry import is_model_dependent

    names = list(config.brands) if config.brands is not None else brands.names
    plan = config.plan()
    scenarios = config.scenarios()
    out: list[Cell] = []
    for brand in names:
        for model in config.models:
            for _, budget, k in _levels(config, brands, brand):
                for strategy in config.strategies:
                    out.append(matched_cell(config, brand, model, strategy, budget, k))
                    if is_model_dependent(strategy) and model.label != plan.label:
                        out.append(Cell(brand, model, strategy, budget, k, plan, matched=False))
                if model.label == plan.label:  # ambassador cost scenarios: the plan model
                    out.extend(Cell(brand, model, s, budget, k, plan) for s in scenarios)
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
        return self.key_with(lambda label: label)

    def key_with(self, label: Callable[[str], str]) -> str:
        """The key with model labels ``label(current label)`` (see :meth:`Cell.key_with`)."""
        brands = [c.brand for c in self.cells]
        return contest_key(brands, label(self.model.label), self.strategy, self.level)


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
                    matched_cell(config, b, model, strategy, *levels[b][label])
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
