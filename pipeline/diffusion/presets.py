"""Virality presets: named diffusion models a marketer can pick without the literature.

Each preset is a model of :mod:`pipeline.diffusion.models` with fixed
parameters, brand-aware in campaigns (the sender's engagement and topic
relevance scale each probability, see :func:`pipeline.profiles.brand_sender_factor`):

- ``low-virality``: IC with ``p = 0.01`` per follow edge: almost every post
  stops at the creator's own followers.
- ``medium``: IC with ``p = 0.025``: from a random account most cascades end one
  step from it, a few travel further; from the bigger creators campaigns buy, far
  fewer do (docs/presets.md). The default of campaigns.
- ``high-virality``: weighted cascade (``p(u, v) = 1 / in-degree(v)``): the
  classic benchmark model of the influence-maximisation literature (Kempe,
  Kleinberg, Tardos 2003; Chen, Wang, Yang 2009); on follower graphs it lets
  posts travel many steps and reach thousands from a small creator.

What is plausible: in seven online domains, Goel, Watts and Goldstein (2012,
"The structure of online diffusion networks", EC) find that the vast majority
of cascades terminate within one degree of the seed and that chains of
referrals are extremely rare; Goel, Anderson, Hofman and Watts (2016, "The
structural virality of online diffusion", Management Science) find structural
virality low at every size, popularity driven by the largest broadcast. From
random accounts at least 90% of the default's single-creator cascades end at
depth <= 1 (:func:`~pipeline.diffusion.depth.depth_profile`; docs/models.md's table);
from bought creators the share falls with their size
(:func:`~pipeline.diffusion.depth.depth_by_tier`; docs/presets.md: 30% for macro
creators under ``medium``), and no single p matches one published share for every
tier, so the presets are not re-anchored to one: calibrate instead. O(1) to resolve
a preset.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import InputError

__all__ = ["DEFAULT_PRESET", "PRESETS", "Preset", "preset"]


@dataclass(frozen=True)
class Preset:
    """A named model: ``model`` (ic, wc, tv, lt) and IC's uniform ``p``."""

    name: str
    model: str
    p: float | None
    summary: str


PRESETS: dict[str, Preset] = {
    "low-virality": Preset(
        "low-virality", "ic", 0.01, "IC p = 0.01: posts rarely travel past the followers"
    ),
    "medium": Preset(
        "medium",
        "ic",
        0.025,
        "IC p = 0.025: from a random account, most cascades end one step away",
    ),
    "high-virality": Preset(
        "high-virality", "wc", None, "weighted cascade 1/in-degree: posts travel many steps"
    ),
}
DEFAULT_PRESET = "medium"


def preset(name: str) -> Preset:
    """The preset called ``name``; InputError listing the presets otherwise."""
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r}; expected one of {', '.join(PRESETS)}")
    return PRESETS[name]
