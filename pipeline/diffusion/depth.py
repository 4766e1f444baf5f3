"""How deep and how large single-creator cascades go under a model or a preset:
:func:`depth_profile` (from given sources) and :func:`depth_by_tier` (per tier of the
creators a plan buys, per preset); the checks behind the presets' documentation
(:mod:`pipeline.diffusion.presets`, docs/presets.md). Kept apart from the presets so
that resolving a preset never imports the simulator.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pipeline.diffusion.presets import PRESETS, preset
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import Profiles

__all__ = ["depth_by_tier", "depth_profile"]


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
