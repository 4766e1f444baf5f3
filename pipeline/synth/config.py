"""The synthetic world's settings: default topics, tier shares and brands, and the
frozen dataclasses :class:`BrandSpec`, :class:`SynthConfig` (the action log's knobs
included) and :class:`SyntheticData`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.profiles import TIER_NAMES

__all__ = [
    "DEFAULT_BRANDS",
    "DEFAULT_PLATFORMS",
    "DEFAULT_PLATFORM_SHARES",
    "DEFAULT_TIER_SHARES",
    "DEFAULT_TOPICS",
    "SYNTH_FILES",
    "BrandSpec",
    "SynthConfig",
    "SyntheticData",
]


DEFAULT_TOPICS: tuple[str, ...] = (
    "food",
    "travel",
    "fitness",
    "fashion",
    "beauty",
    "tech",
    "gaming",
    "music",
)

#: Share of *all* accounts in the nano, micro, mid, macro and mega tiers; the
#: rest are ordinary accounts with audiences of 10-1,000 (no profile by default).
DEFAULT_TIER_SHARES: tuple[float, float, float, float, float] = (
    0.30,
    0.10,
    0.015,
    0.001,
    0.00035,
)

#: The platforms of the ``platform`` column, in the order of :data:`DEFAULT_PLATFORM_SHARES`.
DEFAULT_PLATFORMS: tuple[str, ...] = ("instagram", "tiktok", "youtube")

#: Share of the creators of each tier (rows nano, micro, mid, macro, mega) on instagram,
#: tiktok and youtube. Nano and micro are Nielsen's InfluenceScope (2022) census of
#: creators by tier and platform; mid, macro and mega are partly an assumption (the
#: sources and the arithmetic are in step 8 of the :mod:`pipeline.synth` docstring).
DEFAULT_PLATFORM_SHARES: tuple[tuple[float, ...], ...] = (
    (0.552, 0.423, 0.025),  # nano: Nielsen 1k-10k (55.2 / 42.2 / 2.5%)
    (0.440, 0.484, 0.076),  # micro: Nielsen 10k-50k and 50k-100k, weighted 0.868 / 0.132
    (0.353, 0.476, 0.171),  # mid: youtube 17.1% interpolated; the rest split 37.7 : 50.9
    (0.328, 0.443, 0.229),  # macro: youtube 22.9% interpolated; the rest split 37.7 : 50.9
    (0.303, 0.410, 0.287),  # mega: Nielsen youtube 28.7%; the rest split 37.7 : 50.9
)

#: File names written by :func:`write_synthetic`, in order; ``actions.csv`` (the action
#: log) only when the data has one (``items_per_brand`` > 0).
SYNTH_FILES: tuple[str, str, str, str] = (
    "follows.csv",
    "profiles.csv",
    "brands.csv",
    "actions.csv",
)

# Audience segments: ordinary accounts, then the five tiers of TierThresholds().
_AUDIENCE_MIN = 10
_AUDIENCE_MAX = 300_000_000
_ORDINARY_MAX = 1_000
# Pareto exponent of the audience CCDF inside each segment (ordinary, nano, micro,
# mid, macro, mega); it steepens towards the top, as measured follower counts do.
_SEGMENT_EXPONENT = (0.5, 0.6, 0.85, 1.5, 2.0, 1.2)

# Engagement rate: ER = ER_REF * (audience / ER_REF_AUDIENCE) ** ER_SLOPE * LogNormal(0, ER_SIGMA)
_ER_REF, _ER_REF_AUDIENCE, _ER_SLOPE, _ER_SIGMA = 0.025, 5_000.0, -0.2, 0.35
_ER_CLIP = (0.001, 0.3)
# Cost: COST_REF * (audience / 10k) ** COST_SLOPE * sqrt(ER noise) * LogNormal(0, COST_SIGMA)
_COST_REF, _COST_REF_AUDIENCE, _COST_SLOPE, _COST_SIGMA = 100.0, 10_000.0, 0.94, 0.3
_COST_CLIP = (5.0, 2_000_000.0)
# Topic focus (weight of the primary topic) = FOCUS_0 + FOCUS_SLOPE * log10(audience / 1k)
_FOCUS_0, _FOCUS_SLOPE, _FOCUS_SIGMA, _FOCUS_CLIP = 0.92, -0.10, 0.05, (0.3, 0.98)
_MIN_TOPIC_MILLIS = 20  # topic weights under 0.02 are dropped
_ATTRACT_SIGMA = 0.5
_ROUNDS = 8

_TOPIC_RE = re.compile(r"^[a-z0-9_]+$")

_FIRST_NAMES = (
    "anna", "ben", "chloe", "dan", "emma", "felix", "grace", "hugo", "ines", "jack",
    "kate", "leo", "maya", "noah", "olivia", "paul", "quinn", "rosa", "sam", "tara",
    "uma", "victor", "wendy", "xavi", "yara", "zoe", "ali", "bea", "carlos", "dina",
    "eli", "fatima", "gus", "hana", "ivan", "jade", "kofi", "lena", "marco", "nia",
    "omar", "priya", "raj", "sofia", "tom", "vera", "wei", "yuki", "zane", "lucia",
)  # fmt: skip


@dataclass(frozen=True)
class BrandSpec:
    """A brand: ``name``, topic weights (normalised when written) and ``budget`` in USD."""

    name: str
    topics: tuple[tuple[str, float], ...]
    budget: float

    @classmethod
    def of(cls, name: str, topics: Mapping[str, float], budget: float) -> BrandSpec:
        """Build from a ``{topic: weight}`` mapping."""
        return cls(name, tuple(topics.items()), float(budget))

    def topics_text(self) -> str:
        """``topic:weight;...`` with weights normalised to sum to 1 (3 decimals)."""
        total = sum(w for _, w in self.topics)
        millis = _round_to_total([w / total for _, w in self.topics], 1000)
        return ";".join(
            f"{t}:{m / 1000:.3f}" for (t, _), m in zip(self.topics, millis, strict=True) if m
        )


DEFAULT_BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec.of("freshbite", {"food": 0.8, "fitness": 0.2}, 10_000),
    BrandSpec.of("wanderly", {"travel": 0.7, "food": 0.15, "fashion": 0.15}, 40_000),
    BrandSpec.of("pixelforge", {"tech": 0.6, "gaming": 0.4}, 75_000),
    BrandSpec.of("glowhaus", {"beauty": 0.6, "fashion": 0.4}, 25_000),
    BrandSpec.of(
        "everyday",
        {"food": 0.2, "travel": 0.2, "fitness": 0.2, "fashion": 0.2, "music": 0.2},
        100_000,
    ),
)


@dataclass(frozen=True)
class SynthConfig:
    """All knobs of :func:`generate`, validated once in ``__post_init__``.

    See the module docstring for what each one does.
    """

    nodes: int = 20_000
    seed: int = 0
    topics: tuple[str, ...] = DEFAULT_TOPICS
    mean_follows: float = 12.0
    follows_sigma: float = 1.0
    within_share: float = 0.8
    alpha: float = 0.8
    tier_shares: tuple[float, ...] = DEFAULT_TIER_SHARES
    profile_min_followers: int = 1_000
    brands: tuple[BrandSpec, ...] | None = None
    platform_shares: tuple[tuple[float, ...], ...] = DEFAULT_PLATFORM_SHARES
    items_per_brand: int = 60
    ambassadors: int = 6
    p_base: float = 0.02
    p_ambassador: float = 0.3

    def __post_init__(self) -> None:
        if self.nodes < 100:
            raise InputError(f"nodes must be at least 100, got {self.nodes}")
        if self.seed < 0:
            raise InputError(f"seed must be a non-negative integer, got {self.seed}")
        if not self.topics:
            raise InputError("topics: expected at least one topic")
        bad = [t for t in self.topics if not _TOPIC_RE.match(t)]
        if bad:
            raise InputError(
                f"topics: {bad[0]!r} is not a valid topic name; "
                f"expected lower-case letters, digits and '_'"
            )
        if len(set(self.topics)) != len(self.topics):
            raise InputError("topics: duplicate topic names")
        if len(self.topics) > self.nodes // 10:
            raise InputError(
                f"topics: {len(self.topics)} topics is too many for {self.nodes} nodes "
                f"(at most nodes // 10)"
            )
        if not 1.0 <= self.mean_follows <= self.nodes / 10:
            raise InputError(f"mean_follows must be in [1, nodes / 10], got {self.mean_follows:g}")
        if not 0.0 <= self.follows_sigma <= 3.0:
            raise InputError(f"follows_sigma must be in [0, 3], got {self.follows_sigma:g}")
        if not 0.0 <= self.within_share <= 1.0:
            raise InputError(f"within_share must be in [0, 1], got {self.within_share:g}")
        if len(self.topics) == 1 and self.within_share < 1.0:
            raise InputError("within_share must be 1 when there is a single topic")
        if not 0.0 <= self.alpha <= 1.5:
            raise InputError(f"alpha must be in [0, 1.5], got {self.alpha:g}")
        if len(self.tier_shares) != len(TIER_NAMES) or any(
            not (0.0 <= s < 1.0) for s in self.tier_shares
        ):
            raise InputError(
                f"tier_shares: expected {len(TIER_NAMES)} shares in [0, 1) "
                f"(nano, micro, mid, macro, mega), got {self.tier_shares}"
            )
        if sum(_tier_quotas(self.nodes, self.tier_shares)) > self.nodes:
            raise InputError(f"tier_shares: the tiers need more than {self.nodes} accounts")
        _check_platform_shares(self.platform_shares)
        if self.profile_min_followers < 1:
            raise InputError(
                f"profile_min_followers must be >= 1, got {self.profile_min_followers}"
            )
        for b in self.brands or ():
            unknown = [t for t, _ in b.topics if t not in self.topics]
            if unknown or not b.topics:
                raise InputError(
                    f"brand {b.name!r}: topic {unknown[0] if unknown else '(none)'!r} is "
                    f"not one of the topics {', '.join(self.topics)}"
                )
            if any(w < 0 for _, w in b.topics) or sum(w for _, w in b.topics) <= 0:
                raise InputError(f"brand {b.name!r}: topic weights must be >= 0, sum > 0")
            if b.budget < 0:
                raise InputError(f"brand {b.name!r}: budget must be >= 0")
        if self.brands is not None:
            names = [b.name for b in self.brands]
            if not names or len(set(names)) != len(names):
                raise InputError("brands: expected at least one brand, names unique")
        self._check_log()

    def _check_log(self) -> None:
        """The action log's knobs: items and planted accounts per brand, probabilities."""
        if not 0 <= self.items_per_brand <= 100_000:
            raise InputError(f"items_per_brand must be in [0, 100000], got {self.items_per_brand}")
        if not 0 <= self.ambassadors <= 1_000:
            raise InputError(f"ambassadors must be in [0, 1000], got {self.ambassadors}")
        for name in ("p_base", "p_ambassador"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise InputError(f"{name} must be in [0, 1], got {p:g}")

    def resolved_brands(self) -> tuple[BrandSpec, ...]:
        """``brands``, else the defaults if their topics exist, else brands derived from topics."""
        if self.brands is not None:
            return self.brands
        known = set(self.topics)
        if all(t in known for b in DEFAULT_BRANDS for t, _ in b.topics):
            return DEFAULT_BRANDS
        k = len(self.topics)
        budgets = (10_000, 25_000, 50_000, 75_000)
        out = []
        for i in range(min(4, k)):
            mix = {self.topics[i]: 0.8, self.topics[(i + 1) % k]: 0.2} if k > 1 else {}
            out.append(BrandSpec.of(f"brand_{self.topics[i]}", mix or {self.topics[0]: 1.0},
                                    budgets[i]))  # fmt: skip
        if k > 1:
            out.append(BrandSpec.of("brand_lifestyle", dict.fromkeys(self.topics, 1.0), 100_000))
        return tuple(out)


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """A generated data set: three tables in the package's file formats.

    ``edges``: ``follower``, ``followed`` (int64; row a,b means a follows b),
    sorted, no self-loops or duplicates. ``profiles``: ``id``, ``handle``,
    ``followers`` (real audience), ``engagement_rate`` (fraction), ``cost``
    (USD per post), ``real_audience``, ``topics`` (``topic:weight;...``),
    ``platform`` (instagram, tiktok or youtube), one row per account with audience
    >= ``config.profile_min_followers``, sorted by id.
    ``brands``: ``brand``, ``topics``, ``budget`` (USD). ``config`` holds
    every parameter, the seed included. ``actions``: the action log (``account``,
    ``item``, ``time`` in Unix seconds, ``brand``; see :mod:`pipeline.synth.actions`),
    None when ``config.items_per_brand`` is 0. ``planted_ambassadors``: brand name ->
    the account IDs planted as that brand's ambassadors (ascending); never written to a
    file, so a tool has to find them in the log.
    """

    edges: pl.DataFrame
    profiles: pl.DataFrame
    brands: pl.DataFrame
    config: SynthConfig
    actions: pl.DataFrame | None = None
    planted_ambassadors: dict[str, tuple[int, ...]] = field(default_factory=dict)


def _round_to_total(shares: Sequence[float] | NDArray[np.float64], total: int) -> list[int]:
    """Largest-remainder rounding of ``shares * total`` (shares summing to 1) to ints."""
    raw = np.asarray(shares, dtype=np.float64) * total
    out = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - out), kind="stable")
    out[order[: total - int(out.sum())]] += 1
    return [int(x) for x in out]


def _check_platform_shares(rows: Sequence[Sequence[float]]) -> None:
    """One row per tier, one share per platform of :data:`DEFAULT_PLATFORMS`, each row
    non-negative with a positive sum (rows are normalised when drawn)."""
    k = len(DEFAULT_PLATFORMS)
    if len(rows) != len(TIER_NAMES) or any(
        len(r) != k or any(not (s >= 0.0) for s in r) or sum(r) <= 0.0 for r in rows
    ):
        raise InputError(
            f"platform_shares: expected {len(TIER_NAMES)} rows (nano..mega) of {k} shares >= 0 "
            f"({', '.join(DEFAULT_PLATFORMS)}), each summing to more than 0"
        )


def _tier_quotas(n: int, shares: Sequence[float]) -> list[int]:
    """Accounts per tier (nano..mega): ``round(n * share)``, at least 1 each."""
    return [max(1, round(n * s)) for s in shares]
