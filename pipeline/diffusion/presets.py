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
depth <= 1 (:func:`depth_profile`; the README's table); from bought creators the
share falls with their size (:func:`depth_by_tier`; docs/presets.md: 30% for macro
creators under ``medium``), and no single p matches one published share for every
tier, so the presets are not re-anchored to one: calibrate instead. O(1) to resolve
a preset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import Profiles

__all__ = ["DEFAULT_PRESET", "PRESETS", "Preset", "depth_by_tier", "depth_profile", "preset"]


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


def depth_profile(
    graph: FollowerGraph,
    model: str,
    *,
    p: float | None = None,
    sources: NDArray[np.integer],
    runs: int = 50,
    seed: int = 0,
    sender_factor: NDArray[np.floating] | None = None,
    quality: NDArray[np.floating] | None = None,
) -> dict[str, float]:
    """Single-creator cascades of ``model`` from each of ``sources``: their depth and size.

    Returns ``share_depth_le_1`` (share of cascades whose last new activation is
    at step 0 or 1), ``share_size_1`` (nobody but the creator activated),
    ``mean_depth`` (steps) and ``mean_size`` (accounts activated, creator
    included), over ``len(sources) x runs`` cascades; source ``i`` simulates
    with seed ``(seed, i)``. O(sources x runs x cascade size).
    """
    from pipeline.diffusion.simulate import simulate

    src = np.asarray(sources, dtype=np.int64)
    if src.size == 0:
        raise InputError("depth_profile needs at least one source account")
    steps, sizes = [], []
    for i, u in enumerate(src.tolist()):
        sub = int(np.random.SeedSequence([seed, i]).generate_state(1)[0])
        r = simulate(graph, [u], model, runs=runs, seed=sub, p=p,
                     sender_factor=sender_factor, quality=quality)  # fmt: skip
        steps.append(r.steps)
        sizes.append(r.activated)
    st = np.concatenate(steps)
    sz = np.concatenate(sizes)
    return {
        "share_depth_le_1": float((st <= 1).mean()),
        "share_size_1": float((sz == 1).mean()),
        "mean_depth": float(st.mean()),
        "mean_size": float(sz.mean()),
    }


def depth_by_tier(
    graph: FollowerGraph,
    profiles: Profiles,
    nodes: NDArray[np.integer],
    *,
    presets: tuple[str, ...] = tuple(PRESETS),
    runs: int = 50,
    seed: int = 0,
    sender_factor: NDArray[np.floating] | None = None,
    quality: NDArray[np.floating] | None = None,
) -> dict[str, dict[str, float]]:
    """``share_depth_le_1`` (:func:`depth_profile`) of the single-creator cascades of the
    creators ``nodes`` (e.g. the ones a plan buys), per tier and per preset:
    ``{preset: {tier: share}}``, tiers in the profiles' order of appearance among
    ``nodes``. ``sender_factor`` (the brand's) and ``quality`` (audience quality, e.g.
    ``profiles.real_audience``) as for the simulator: pass quality here, not folded into
    the factor (the simulator clips the factor before quality). O(presets x |nodes| x
    runs x cascade size)."""
    arr = np.asarray(nodes, dtype=np.int64).reshape(-1)
    idx = arr[np.sort(np.unique(arr, return_index=True)[1])]  # duplicates dropped, in order
    if idx.size == 0:
        raise InputError("depth_by_tier needs at least one creator")
    tiers = profiles.table["tier"].cast(str).to_numpy()[idx]
    order = list(dict.fromkeys(tiers.tolist()))
    out: dict[str, dict[str, float]] = {}
    for name in presets:
        ps = preset(name)
        out[name] = {
            str(t): depth_profile(graph, ps.model, p=ps.p, sources=idx[tiers == t], runs=runs,
                                  seed=seed, sender_factor=sender_factor,
                                  quality=quality)["share_depth_le_1"]
            for t in order
        }  # fmt: skip
    return out
