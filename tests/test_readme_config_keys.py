"""The campaign-file table (docs/campaigns.md) names every key a campaign file may hold."""

from __future__ import annotations

from pathlib import Path

from pipeline.campaign.config_file import _KEYS

PAGE = Path(__file__).resolve().parents[1] / "docs" / "campaigns.md"


def test_every_campaign_key_is_in_the_campaign_key_table() -> None:
    text = PAGE.read_text(encoding="utf-8")
    table = text[text.index("## Campaign files") : text.index("## The results folder")]
    missing = []
    for section, keys in _KEYS.items():
        for key in keys:
            name = key if section == "" else f"{section}.{key}"
            shown = f"`{name}`" in table or (
                name == "inputs.columns" and "[inputs.columns." in table
            )
            if not shown:
                missing.append(name)
    assert not missing, f"campaign keys missing from docs/campaigns.md's table: {missing}"
