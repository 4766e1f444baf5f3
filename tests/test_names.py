"""One slug rule (pipeline.names.slug) behind cell keys, brand folders and report anchors:
the same names as the three rules it replaced, so results folders keep their file names."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from pipeline.campaign.grid import _slug
from pipeline.names import slug
from pipeline.report.frames import slug as anchor
from pipeline.schema import brand_folder

TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17F) | st.sampled_from(".=-_ ")
)


@given(TEXT)
def test_the_three_names_are_the_ones_they_were(text: str) -> None:
    assert _slug(text) == re.sub(r"[^A-Za-z0-9.=-]+", "-", text).strip("-")
    old_folder = re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-.")[:40].strip("-.")
    assert brand_folder(text).startswith(f"brand-{old_folder}-" if old_folder else "brand-")
    old_anchor = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "brand"
    assert anchor(text, set()) == old_anchor


def test_slug_examples() -> None:
    assert slug("Fresh Bite & Co.") == "Fresh-Bite-Co"
    assert slug("ic p=0.025", keep=".=-") == "ic-p=0.025"
    assert slug("--a--", strip="-") == "a" and slug("") == ""
    assert slug("x" * 50 + "-y", limit=50) == "x" * 50
