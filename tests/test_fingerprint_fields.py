"""Every campaign setting is in the results fingerprint, or explicitly left out with a
reason (pipeline.campaign.config.UNFINGERPRINTED): a resumed campaign can never mix cells
computed under different settings."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from pipeline.campaign.config import UNFINGERPRINTED, CampaignConfig, ModelSpec
from pipeline.profiles import CreatorFilter
from pipeline.profiles.audience import ReachRates

# A different valid value for each fingerprinted field. A new field of CampaignConfig
# needs an entry here (then the test checks that it changes the settings) or one in
# UNFINGERPRINTED saying why it does not.
OTHER: dict[str, Any] = {
    "graph_format": "tsv",
    "edge_meaning": "influences",
    "source_col": "a",
    "target_col": "b",
    "header": True,
    "duplicates": "count",
    "undirected": True,
    "columns": {"profiles": {"id": "user"}},
    "runs": 999,
    "seed": 3,
    "max_steps": 4,
    "brand_aware": False,
    "epsilon": 0.2,
    "celf_runs": 50,
    "estimate_rr_sets": 5_000,
    "resamples": 2,
    "default_cpm": 5.0,
    "objective": "people",
    "reach_rate": ReachRates(default=0.2),
    "min_relevance": 0.5,
    "max_creators": 10,
    "creators": CreatorFilter.of(["instagram"], None, None, None),
    "tier_thresholds": (5_000, 50_000, 200_000, 900_000),
    "per_creator": 10.0,
    "cost_fixed": 5.0,
    "cost_per_follower": 0.01,
    "plan_model": ModelSpec("wc"),
    "ambassador_cost": 30.0,
    "ambassador_horizon": 100.0,
    "ambassador_min_actions": 2,
    "ambassador_decay": True,
    "ambassador_max_followers": 500,
}


def _base() -> CampaignConfig:
    x = Path("/x")
    return CampaignConfig(
        path=x / "c.toml", name="c", output=x / "out", graph=x / "g.csv",
        profiles=x / "p.csv", brands_file=x / "b.csv", actions=x / "a.csv",
        models=(ModelSpec.of_preset("medium"), ModelSpec.of_preset("high-virality")),
        strategies=("macro", "imm"), budgets=(100.0,),
    )  # fmt: skip


def test_every_field_is_fingerprinted_or_left_out_with_a_reason() -> None:
    names = {f.name for f in fields(CampaignConfig)}
    assert set(UNFINGERPRINTED) <= names, set(UNFINGERPRINTED) - names
    assert all(reason.strip() for reason in UNFINGERPRINTED.values())
    missing = names - set(UNFINGERPRINTED) - set(OTHER)
    assert not missing, f"new settings {sorted(missing)}: fingerprint them or say why not"
    assert not set(OTHER) & set(UNFINGERPRINTED)


@pytest.mark.parametrize("name", sorted(OTHER))
def test_changing_a_setting_changes_the_fingerprint(name: str) -> None:
    base = _base()
    changed = replace(base, **{name: OTHER[name]})
    assert getattr(changed, name) != getattr(base, name)
    assert changed.settings() != base.settings(), name


def test_the_ambassador_settings_count_only_with_a_log() -> None:
    """Folders written without a log keep their fingerprint: the ambassador settings enter
    the settings only when [inputs] actions is given."""
    without = replace(_base(), actions=None)
    assert "ambassadors" not in without.settings()
    assert replace(without, ambassador_cost=99.0).settings() == without.settings()
