"""File-safe and id-safe names made from user text (brands, model labels): the one slug
rule behind cell keys (:func:`pipeline.campaign.grid.cell_key`), brand folders
(:func:`pipeline.schema.brand_folder`) and the report's anchors
(:func:`pipeline.report.frames.slug`). O(len(text)).
"""

from __future__ import annotations

import re

__all__ = ["slug"]


def slug(text: str, *, keep: str = "-", strip: str = "-", limit: int | None = None) -> str:
    """``text`` with every run of characters other than ASCII letters, digits and those of
    ``keep`` replaced by one ``-``, then the characters of ``strip`` trimmed from both
    ends (again after cutting to ``limit`` characters, if given). May be empty.

    >>> slug("Fresh Bite & Co.")
    'Fresh-Bite-Co'
    >>> slug("ic p=0.025", keep=".=-")
    'ic-p=0.025'
    """
    out = re.sub(rf"[^A-Za-z0-9{re.escape(keep)}]+", "-", text).strip(strip)
    if limit is not None:
        out = out[:limit].strip(strip)
    return out
