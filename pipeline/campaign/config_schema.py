"""The JSON Schema (draft 2020-12) of a campaign file, for TOML editors (Taplo / Even
Better TOML, JetBrains): made from the declaration of
:class:`~pipeline.campaign.config.CampaignConfig`, so it names every key the reader
accepts, with its type, bounds, choices, default and description.

``influence campaign --schema`` prints it. It checks the shape of a file; the reader
also checks what a schema cannot say (files exist, strategies are known, the baseline is
one of the strategies, ...).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pipeline.campaign.config import CampaignConfig
from pipeline.campaign.config_file import KINDS

__all__ = ["SECTIONS", "campaign_schema"]

#: What each table of a campaign file holds.
SECTIONS: dict[str, str] = {
    "inputs": "The input files (relative to the campaign file) and how to read them.",
    "grid": "The grid of cells: brands x models x strategies x budget levels.",
    "simulation": "How each plan's spread is simulated.",
    "seeding": "How strategies choose creators: accuracy, brand fit, creator filters.",
    "costs": "What a creator or an ambassador costs (currency units).",
    "ambassadors": "Ambassadors found in the brands' action log (docs/ambassadors.md).",
    "valuation": "Money: the default CPM and the currency symbol.",
    "projection": "From simulated activations to platform outcomes.",
    "competition": "Brands that compete for the same audience.",
}


def _default(f: dataclasses.Field[Any]) -> Any:
    """The field's default as the file would spell it; None when it has none to show."""
    v = f.default
    if isinstance(v, tuple):
        v = list(v)
    if isinstance(v, list) and v and all(isinstance(x, str | int | float) for x in v):
        return v
    return v if isinstance(v, str | int | float) else None  # bool is an int


def campaign_schema() -> dict[str, Any]:
    """The JSON Schema of a campaign file: each section an object that allows only its
    declared keys; each key's type, bounds, choices, default and description."""
    props: dict[str, dict[str, Any]] = {"": {}}
    required: dict[str, list[str]] = {"": []}
    for f in dataclasses.fields(CampaignConfig):
        for key in f.metadata.get("keys", ()):
            prop: dict[str, Any] = {"description": key.doc, **KINDS[key.kind].schema(key)}
            default = key.default if key.default is not None else _default(f)
            if default is not None:
                prop["default"] = default
            props.setdefault(key.section, {})[key.key] = prop
            if key.required:
                required.setdefault(key.section, []).append(key.key)
                if key.section:
                    required[""].append(key.section)
    top = props.pop("")
    for section, keys in props.items():
        table: dict[str, Any] = {
            "type": "object",
            "description": SECTIONS.get(section, ""),
            "properties": keys,
            "additionalProperties": False,
        }
        if required.get(section):
            table["required"] = required[section]
        top[section] = table
    # the grid needs at least one level (the reader's "no budgets, budget_shares or k")
    top["grid"]["anyOf"] = [{"required": [k]} for k in ("budgets", "budget_shares", "k")]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:influence-pipeline:campaign",
        "title": "influence campaign file",
        "description": "A campaign: brands x models x strategies x budgets "
        "(`influence campaign FILE`; see configs/demo.toml).",
        "type": "object",
        "properties": top,
        "required": list(dict.fromkeys([*required[""], "grid"])),
        "additionalProperties": False,
    }
