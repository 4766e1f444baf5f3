"""Every campaign setting is in the results fingerprint, or explicitly left out with a
reason declared on its field (pipeline.campaign.config_spec: a deny-list): a resumed
campaign can never mix cells computed under different settings. And the settings are
those the code wrote before the config was declared once (literal digests below), so
folders written then keep their fingerprint: they summarize and resume as before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from pipeline.campaign.config import UNFINGERPRINTED, CampaignConfig, ModelSpec
from pipeline.campaign.config_file import load_config
from pipeline.campaign.config_spec import fingerprinted, unfingerprinted
from pipeline.profiles import CreatorFilter
from pipeline.profiles.audience import ReachRates

ROOT = Path(__file__).resolve().parents[1]

# A different valid value for each fingerprinted field. A new field of CampaignConfig is
# fingerprinted unless its declaration says why not; then it needs an entry here (and
# the test checks that it changes the settings).
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
    # a calibrated model's digest is a setting (a refit must not resume the old cells)
    "models": (ModelSpec("ic", None, None, "/x/fit.toml", "ab" * 32), ModelSpec("wc")),
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
    names = [f.name for f in fields(CampaignConfig)]
    assert unfingerprinted(CampaignConfig) == UNFINGERPRINTED
    assert all(reason.strip() for reason in UNFINGERPRINTED.values())
    inside = fingerprinted(CampaignConfig)
    assert sorted([*inside, *UNFINGERPRINTED]) == sorted(names)
    missing = set(inside) - set(OTHER)
    assert not missing, f"fingerprinted settings {sorted(missing)}: give each a value in OTHER"
    assert not set(OTHER) - set(inside), "OTHER names fields left out of the fingerprint"


@pytest.mark.parametrize("name", fingerprinted(CampaignConfig))
def test_changing_a_setting_changes_the_fingerprint(name: str) -> None:
    base = _base()
    changed = replace(base, **{name: OTHER[name]})
    assert getattr(changed, name) != getattr(base, name)
    assert changed.settings() != base.settings(), name


@pytest.mark.parametrize("name", sorted(set(UNFINGERPRINTED) - {"path"}))
def test_a_setting_left_out_does_not_change_the_fingerprint(name: str) -> None:
    """The deny-list says what it does: a field declared unfingerprinted is not read."""
    base = _base()
    other: Any = {"actions": base.actions, "competition": ("a", "b"), "tie_margin": 0.1}
    value = other.get(name, getattr(base, name))
    if isinstance(value, Path):
        value = value.with_name("elsewhere")
    elif isinstance(value, tuple):
        value = (*value, *([value[-1]] if value else ["x"]))
    elif isinstance(value, str) or value is None:
        value = "mixed" if name == "baseline" else "EUR" if name == "currency" else "other"
    assert replace(base, **{name: value}).settings() == base.settings(), name


def test_the_ambassador_settings_count_only_with_a_log() -> None:
    """Folders written without a log keep their fingerprint: the ambassador settings enter
    the settings only when [inputs] actions is given."""
    without = replace(_base(), actions=None)
    assert "ambassadors" not in without.settings()
    assert replace(without, ambassador_cost=99.0).settings() == without.settings()


# --- the fingerprint of folders written before the config was declared once ----------

#: A campaign file setting every key (inputs are placeholders: only their names count).
EVERY = """
name = "every"
output = "out"
seed = 3
runs = 50
baseline = "imm"
objective = "people"
tie_margin = 0.05
[inputs]
graph = "g.csv"
format = "csv"
edge_meaning = "influences"
source_col = "a"
target_col = "b"
header = true
duplicates = "noisy-or"
undirected = true
profiles = "p.csv"
brands = "b.csv"
actions = "a.csv"
[inputs.columns.profiles]
id = "user"
[grid]
brands = ["freshbite", "wanderly"]
models = ["medium", { name = "ic", p = 0.05 }, "wc"]
plan_model = "medium"
strategies = ["macro", "imm", "ambassadors", "mixed", "mixed@3x"]
budgets = [100, 200]
budget_shares = [0.5]
k = [3, 4]
[simulation]
max_steps = 4
brand_aware = false
[seeding]
epsilon = 0.2
celf_runs = 30
estimate_rr_sets = 500
resamples = 2
min_relevance = 0.4
max_creators = 9
platforms = ["instagram"]
tiers = ["micro", "macro"]
tier_thresholds = [1000, 20000, 100000, 1000000]
min_followers = 10
max_followers = 1000000
[costs]
per_creator = 10
fixed = 5
per_follower = 0.01
ambassador = 30
[ambassadors]
horizon = "30d"
min_actions = 2
max_followers = 5000
decay = true
cost_scenarios = [0.25, 1, 4]
[valuation]
default_cpm = { instagram = 7, TikTok = 3 }
currency = "EUR"
[projection]
reach_rate = { micro = 0.2, instagram = { macro = 0.03 } }
[competition]
brands = ["freshbite", "wanderly"]
"""
#: Only what a campaign file must hold: every other setting at its default.
DEFAULTS = """
output = "out"
[inputs]
graph = "g.csv"
profiles = "p.csv"
brands = "b.csv"
[grid]
budgets = [300]
"""

#: sha256 of the settings (sorted JSON, as the fingerprint hashes them) written by the code
#: before the declaration (commit d11b7e2). A change here means folders written before it
#: no longer resume: keep these, or give such folders a way to (store.claim_folder).
PINNED = {
    "defaults": "f9a23b36c140cc2fe46fd2d34d9a8c26839b535e78c330c578493e26983f689b",
    "every": "9b06a741d194e83644301ebd4f409729f4af913add8130231d3dddcb9d90fef1",
    "perturbed": "7580ff2e0bb73e5cbefa8461786b4a725bff4fc04fe32d6c215687a9cd41364b",
    "demo": "974a82c086d066a96d36614c923b5de6d5e4cda3140852de205ebaf1af7853d0",
}


def _digest(settings: Any) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def pinned_digests(folder: Path) -> dict[str, str]:
    """The digests :data:`PINNED` holds, computed by the code under test (``folder``: where
    to write the campaign files)."""
    for name in ("g.csv", "p.csv", "b.csv", "a.csv"):
        (folder / name).write_text("x\n", encoding="utf-8")
    out = {}
    for name, text in (("defaults", DEFAULTS), ("every", EVERY)):
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
        out[name] = _digest(load_config(folder / f"{name}.toml").settings())
    base = _base()
    perturbed = {n: replace(base, **{n: v}).settings() for n, v in sorted(OTHER.items())}
    out["perturbed"] = _digest([base.settings(), perturbed])
    out["demo"] = _digest(load_config(ROOT / "configs" / "demo.toml").settings())
    return out


def test_the_settings_are_those_folders_were_written_with(tmp_path: Path) -> None:
    """configs/demo.toml (edited on purpose? then recompute its digest), a file at the
    defaults, one setting every key, and each perturbation above: the same settings, so
    the same fingerprint, as before the config was declared once."""
    assert pinned_digests(tmp_path) == PINNED
