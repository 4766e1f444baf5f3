"""Generating a synthetic world from a :class:`~pipeline.synth.config.SynthConfig`, and
writing it as the three input files and the action log. Streams spawned from
``SeedSequence(seed)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.export import atomic_path, spreadsheet_safe
from pipeline.memory import check_memory
from pipeline.synth.actions import action_log
from pipeline.synth.config import (
    _FIRST_NAMES,
    DEFAULT_PLATFORM_SHARES,
    DEFAULT_TIER_SHARES,
    DEFAULT_TOPICS,
    SYNTH_FILES,
    BrandSpec,
    SynthConfig,
    SyntheticData,
)
from pipeline.synth.steps import (
    _audiences,
    _cost,
    _engagement,
    _follows,
    _platforms,
    _profiles,
    _real_audience,
    _topic_weights,
)

__all__ = ["generate", "generate_from", "write_synthetic"]


def generate(
    nodes: int = 20_000,
    seed: int = 0,
    *,
    topics: Sequence[str] = DEFAULT_TOPICS,
    mean_follows: float = 12.0,
    follows_sigma: float = 1.0,
    within_share: float = 0.8,
    alpha: float = 0.8,
    tier_shares: Sequence[float] = DEFAULT_TIER_SHARES,
    profile_min_followers: int = 1_000,
    brands: Sequence[BrandSpec] | None = None,
    platform_shares: Sequence[Sequence[float]] = DEFAULT_PLATFORM_SHARES,
    items_per_brand: int = 60,
    ambassadors: int = 6,
    p_base: float = 0.02,
    p_ambassador: float = 0.3,
) -> SyntheticData:
    """Generate a synthetic follower network with profiles, brands and an action log.

    Parameters
    ----------
    nodes : number of accounts (>= 100); all appear in the follows table.
    seed : non-negative integer; same seed and options, identical tables.
    topics : topic names (lower-case); each is a community.
    mean_follows : mean number of accounts each account follows (lognormal).
    follows_sigma : sigma of the lognormal out-degree (heavier tail when larger).
    within_share : probability that a follow stays in the follower's community.
    alpha : in-graph attractiveness grows like ``audience ** alpha``.
    tier_shares : share of all accounts in nano, micro, mid, macro, mega.
    profile_min_followers : accounts with at least this real audience get a profile.
    brands : the brands to write; default ``DEFAULT_BRANDS`` (or derived from
        ``topics`` when those are custom).
    platform_shares : per tier (nano..mega), the shares of instagram, tiktok and youtube
        (``DEFAULT_PLATFORM_SHARES``; each row is normalised).
    items_per_brand : items per brand in the action log (0: no log).
    ambassadors : accounts planted per brand as ambassadors (ordinary accounts whose
        out-edges carry ``p_ambassador`` in that brand's cascades).
    p_base : probability that an edge transmits an item in the log (influence direction).
    p_ambassador : the same for the out-edges of the brand's planted ambassadors.

    Returns
    -------
    SyntheticData
        ``edges``, ``profiles``, ``brands`` tables, the ``actions`` log, the
        ``planted_ambassadors`` and the ``config``.

    Raises
    ------
    InputError
        For an invalid option (message names it and the expected range).

    Notes
    -----
    O((n + m) log n) time and O(n * k + m) memory for n nodes, m follows and
    k topics, plus the log's cascades (about 0.1 s at 20k nodes). The model and its
    sources are in the :mod:`pipeline.synth` docstring.
    """
    cfg = SynthConfig(
        nodes=int(nodes),
        seed=int(seed),
        topics=tuple(topics),
        mean_follows=float(mean_follows),
        follows_sigma=float(follows_sigma),
        within_share=float(within_share),
        alpha=float(alpha),
        tier_shares=tuple(float(s) for s in tier_shares),
        profile_min_followers=int(profile_min_followers),
        brands=None if brands is None else tuple(brands),
        platform_shares=tuple(tuple(float(s) for s in row) for row in platform_shares),
        items_per_brand=int(items_per_brand),
        ambassadors=int(ambassadors),
        p_base=float(p_base),
        p_ambassador=float(p_ambassador),
    )
    return generate_from(cfg)


def generate_from(cfg: SynthConfig) -> SyntheticData:
    """:func:`generate` from a validated :class:`SynthConfig`."""
    n, k = cfg.nodes, len(cfg.topics)
    check_memory(  # the follow table and its working copies, the per-account columns
        n * (64.0 * cfg.mean_follows + 8.0 * k + 256.0),
        f"generating {n:,} accounts",
        hint="use fewer --nodes",
    )
    # spawn(9): children 0-7 are those of spawn(8) (a child's stream depends only on its
    # index), so adding the quality stream (6), the platform stream (7) and then the
    # action-log stream (8) changed no other column or file
    streams = np.random.SeedSequence(cfg.seed).spawn(9)
    rng_aud, rng_topic, rng_graph, rng_er, rng_cost, rng_name, rng_quality, rng_platform = (
        np.random.default_rng(s) for s in streams[:8]
    )
    audience = _audiences(n, cfg.tier_shares, rng_aud)
    primary, millis = _topic_weights(audience, k, rng_topic)
    follower, followed = _follows(cfg, audience, primary, millis, rng_graph)

    in_deg = np.bincount(followed, minlength=n)
    followers = np.maximum(np.floor(audience).astype(np.int64), in_deg)
    er, er_noise = _engagement(followers, rng_er)
    cost = _cost(followers, er_noise, rng_cost)
    name_idx = rng_name.integers(0, len(_FIRST_NAMES), n)
    quality = _real_audience(followers, rng_quality)
    platform = _platforms(followers, cfg.platform_shares, rng_platform)

    ids = np.arange(1, n + 1, dtype=np.int64)  # 1-based, so ID != dense index
    edges = pl.DataFrame({"follower": ids[follower], "followed": ids[followed]})
    profiles = _profiles(
        cfg, ids, followers, er, cost, quality, primary, millis, name_idx, platform
    )
    brand_specs = cfg.resolved_brands()
    brands = pl.DataFrame(
        {
            "brand": [b.name for b in brand_specs],
            "topics": [b.topics_text() for b in brand_specs],
            "budget": [round(b.budget) for b in brand_specs],
        }
    )
    actions, planted = action_log(
        cfg, follower, followed, primary, followers >= cfg.profile_min_followers, ids,
        np.random.default_rng(streams[8]),
    )  # fmt: skip
    return SyntheticData(
        edges=edges,
        profiles=profiles,
        brands=brands,
        config=cfg,
        actions=actions,
        planted_ambassadors=planted,
    )


def write_synthetic(data: SyntheticData, out_dir: str | Path) -> list[Path]:
    """Write ``follows.csv``, ``profiles.csv``, ``brands.csv`` and, when the data has an
    action log, ``actions.csv`` into ``out_dir`` (atomically; the planted ambassadors are
    not written).

    Plain UTF-8 CSV without a byte-order mark: these are input files, and the same
    ``(nodes, seed, options)`` give the same bytes as the bundled ``data/`` files
    (:func:`pipeline.export.write_table` adds a BOM for spreadsheets). Text cells that a
    spreadsheet would run as a formula are still neutralised. ``out_dir`` must exist.
    Returns the paths in that order. O(rows) per file.
    """
    out = Path(out_dir)
    tables = [data.edges, data.profiles, data.brands]
    if data.actions is not None:
        tables.append(data.actions)
    paths = []
    for df, name in zip(tables, SYNTH_FILES[: len(tables)], strict=True):
        with atomic_path(out / name) as tmp:
            spreadsheet_safe(df).write_csv(tmp)
        paths.append(out / name)
    return paths
