"""The README's campaign-file table names every key a campaign file may hold."""

from __future__ import annotations

from pathlib import Path

from pipeline.campaign.config_file import _KEYS

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_campaign_key_is_in_the_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("### Campaign files") : text.index("### Campaign results folder")]
    missing = []
    for section, keys in _KEYS.items():
        for key in keys:
            name = key if section == "" else f"{section}.{key}"
            shown = f"`{name}`" in table or (
                name == "inputs.columns" and "[inputs.columns." in table
            )
            if not shown:
                missing.append(name)
    assert not missing, f"campaign keys missing from the README table: {missing}"
