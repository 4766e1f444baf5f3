"""Synthetic follower networks with influencer profiles and brands.

:func:`generate` builds a directed follower graph of ``nodes`` accounts, a
profile for every account with a real audience of at least
``profile_min_followers`` (default 1,000), and a handful of brands;
:func:`write_synthetic` writes them as ``follows.csv``, ``profiles.csv`` and
``brands.csv``. Everything is drawn from ``np.random.default_rng`` streams
spawned from ``SeedSequence(seed)``: the same ``(nodes, seed, options)`` give
byte-identical files. The work is vectorised (one loop per audience segment,
per topic and per resampling round, never per node or edge): about 0.25 s for 20k
nodes and 1 s for 100k on a 2-core machine (writing the CSVs adds about as much).

The model, step by step
-----------------------
1. **Real audience** (``followers`` in the profiles). The graph is a *sample*
   of a platform, so each account's real audience is much larger than its
   in-graph follower count. Audiences follow a piecewise power law (Pareto
   within each tier, steepening towards the top as measured follower
   distributions do) with these shares of all accounts (``tier_shares``):
   ordinary accounts 10-1k (the rest, ~58%), nano 1k-10k 30%, micro 10k-100k
   10%, mid 100k-500k 1.5%, macro 500k-1M 0.1%, mega 1M-300M 0.035%. Among the
   profiled accounts that is ~72% nano, ~24% micro, ~3.6% mid, well under 1%
   macro and mega, in line with HypeAuditor's census of Instagram creators
   (nano-influencers are the majority: 58% of Instagram creators in [HA23]_,
   about three quarters in later editions). Tier counts are quotas
   (``round(n * share)``, at least 1 per tier), and draws within a tier are
   stratified, so at 20k nodes there are always 7 mega and 20 macro accounts.
2. **Topical communities.** ``topics`` (default 8) get community shares from a
   ``Dirichlet(8)`` draw; each account's *primary* topic is its community. Its
   topic vector puts weight ``focus`` on the primary topic and spreads the
   rest over the other topics with a Dirichlet whose concentration grows with
   audience. ``focus = 0.92 - 0.10 * log10(audience / 1k)`` (+ N(0, 0.05),
   clipped to [0.3, 0.98]): about 0.9 for nano, 0.7 at 100k, 0.5 at 10M.
   That is the *credibility dilution* of big accounts: a celebrity talks
   about, and is followed for, several topics; a micro-influencer is focused.
   Weights are kept in thousandths, entries under 0.02 dropped, so the
   ``topics`` column sums to exactly 1 with three decimals.
3. **Follows** (a directed, community-aware Chung-Lu model). Each account
   follows ``d`` others, ``d ~ LogNormal`` with mean ``mean_follows`` (12)
   and sigma ``follows_sigma`` (1.0), at least 1, at most ``n // 4``, so
   out-degree is heavy-tailed too. Each follow is *within* the follower's
   community with probability ``within_share`` (0.8): the target is then
   drawn from that community with probability proportional to its
   *attractiveness* ``audience ** alpha * LogNormal(0, 0.5)`` (``alpha`` 0.8).
   Otherwise it goes *across*: a topic is drawn from the follower's secondary
   interests and the target from the accounts of other communities with
   probability proportional to ``attractiveness * weight(topic)``, so
   diffuse big accounts collect followers from several communities. Self
   loops, duplicates and cross draws landing in the follower's own community
   are dropped and redrawn (up to 8 rounds); a follower whose draws all fail
   (a safety net for tiny graphs) follows the most attractive account. Every account
   follows at least one other, so every account, and every profile ID, is a
   node of the loaded graph. In-graph follower counts come out heavy-tailed
   and strongly, not perfectly, rank-correlated with real audience.
   Finally ``audience = max(audience, in-graph followers)``.
4. **Engagement rate** falls with audience as a power law with lognormal
   noise: ``ER = 0.025 * (audience / 5k) ** -0.2 * LogNormal(0, 0.35)``,
   clipped to [0.001, 0.3]: medians about 2.9% for nano, 1.9% micro,
   1.2% mid, 0.9% macro, 0.7% mega. Sources: HypeAuditor reports
   Instagram engagement falling with tier, highest for nano (2.78% in [HA23]_;
   2.19% for 1k-10k in 2023 per Statista) and lowest for the largest accounts;
   Later x Fohr's 3.5M-post study [LF21]_ finds the same monotone fall.
5. **Cost per sponsored post** (USD, rounded to cents) rises with audience:
   ``cost = 100 * (audience / 10k) ** 0.94 * (ER noise) ** 0.5 *
   LogNormal(0, 0.3)``, clipped to [$5, $2M]. The curve is fitted through the
   mid-points of Influencer Marketing Hub's Instagram rate bands [IMH]_ (nano
   $10-100, micro $100-500, mid $500-5k, macro $5k-10k, mega $10k+) and
   starts from its "$100 per 10k followers" rule of thumb; the exponent
   below 1 reflects the per-follower discount of big accounts, and the
   ``ER noise`` factor makes accounts that engage above their tier charge
   more. Medians: about $25 nano, $200 micro, $1.4k mid, $4.8k macro, $11k mega.
6. **Audience quality** (``real_audience``, the share of real followers) falls
   with audience: the fake share is ``Beta`` with mean
   ``0.09 + 0.02 * log10(audience / 1k)`` and concentration 20 (sd about 0.06),
   so median real shares are about 0.92 nano, 0.89 micro, 0.86 mid, 0.86 macro
   and 0.84 mega at 20k nodes (seed 7), rounded to three decimals. Sources: Heepsy's tier analysis
   [HP20]_ (47% of nano and 42.7% of micro accounts have under 10% suspicious
   followers against 22.1% of mega accounts; 47.6% of mega accounts have 10-20%
   and 30.4% more than 20%) and [HA23]_ (close to 60% of mega and celebrity
   accounts impacted by fraud, the most of any tier). Drawn from a seventh
   stream, so the other columns are those of earlier versions.
7. **Brands.** Five brands with topic mixes and budgets (``DEFAULT_BRANDS``):
   ``freshbite`` (food 0.8, fitness 0.2; $10k), ``wanderly`` (travel, $40k),
   ``pixelforge`` (tech and gaming, $75k), ``glowhaus`` (beauty and fashion,
   $25k) and the broad ``everyday`` lifestyle brand ($100k). With custom
   ``topics`` and no ``brands``, brands are derived from the topics.

Why this is interesting for ranking: in-graph reach grows like
``audience ** alpha`` (alpha < 1, saturating at community size) while cost
grows like ``audience ** 0.94`` and engagement falls. At 20k nodes (seed 7)
the median in-graph followers per $1k of cost is about 240 nano, 175 micro,
115 mid, 115 macro and 55 mega: focused micro-influencers in a brand's
community compete with a diffuse macro account on reach per dollar (and beat
it once engagement is counted), while macro and mega accounts win on raw
reach per post, span communities and need far fewer contracts.

References
----------
.. [HA23] HypeAuditor, "State of Influencer Marketing 2023" (annual report:
   tier shares and engagement rate by tier on Instagram and TikTok),
   https://hypeauditor.com/free-tools/state-of-influencer-marketing/ ;
   see also HypeAuditor, "How do micro-influencers and mega-influencers
   compare in Instagram engagement rates",
   https://hypeauditor.com/blog/how-do-micro-influencers-and-mega-influencers-compare-in-instagram-engagement-rates
.. [LF21] Later x Fohr, "Influencer Marketing Report: The Selling Power of
   Nano, Micro, Mid, Macro and Mega Influencers" (2021), 3.5M Instagram posts.
.. [IMH] Influencer Marketing Hub, "Influencer Rates: How Much do Influencers
   Really Cost?" (rate guide, Instagram: nano $10-100, micro $100-500, mid
   $500-5,000, macro $5,000-10,000, mega $10,000+ per post),
   https://influencermarketinghub.com/influencer-rates/
.. [HP20] Heepsy, "Nano and micro influencers have the fewest fake followers"
   (analysis of audience authenticity by Instagram tier),
   https://blog.heepsy.com/posts/nano-and-micro-influencers-have-fewest-fake-followers
.. [CL02] F. Chung and L. Lu, "Connected components in random graphs with
   given expected degree sequences", Annals of Combinatorics 6 (2002).

Examples
--------
>>> data = generate(2_000, seed=1)
>>> data.edges.columns, data.brands.height
(['follower', 'followed'], 5)
>>> data.profiles.columns
['id', 'handle', 'followers', 'engagement_rate', 'cost', 'real_audience', 'topics']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.export import write_table
from pipeline.profiles import TIER_NAMES, TierThresholds

__all__ = [
    "DEFAULT_BRANDS",
    "DEFAULT_TIER_SHARES",
    "DEFAULT_TOPICS",
    "SYNTH_FILES",
    "BrandSpec",
    "SynthConfig",
    "SyntheticData",
    "generate",
    "generate_from",
    "write_synthetic",
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

#: File names written by :func:`write_synthetic`, in order.
SYNTH_FILES: tuple[str, str, str] = ("follows.csv", "profiles.csv", "brands.csv")

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
    (USD per post), ``topics`` (``topic:weight;...``), one row per account
    with audience >= ``config.profile_min_followers``, sorted by id.
    ``brands``: ``brand``, ``topics``, ``budget`` (USD). ``config`` holds
    every parameter, the seed included.
    """

    edges: pl.DataFrame
    profiles: pl.DataFrame
    brands: pl.DataFrame
    config: SynthConfig


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
) -> SyntheticData:
    """Generate a synthetic follower network with profiles and brands.

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

    Returns
    -------
    SyntheticData
        ``edges``, ``profiles``, ``brands`` tables and the ``config``.

    Raises
    ------
    InputError
        For an invalid option (message names it and the expected range).

    Notes
    -----
    O((n + m) log n) time and O(n * k + m) memory for n nodes, m follows and
    k topics. The model and its sources are in the module docstring.
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
    )
    return generate_from(cfg)


def generate_from(cfg: SynthConfig) -> SyntheticData:
    """:func:`generate` from a validated :class:`SynthConfig`."""
    n, k = cfg.nodes, len(cfg.topics)
    # spawn(7): children 0-5 are those of spawn(6), so adding the quality stream
    # changed no other column
    rng_aud, rng_topic, rng_graph, rng_er, rng_cost, rng_name, rng_quality = (
        np.random.default_rng(s) for s in np.random.SeedSequence(cfg.seed).spawn(7)
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

    ids = np.arange(1, n + 1, dtype=np.int64)  # 1-based, so ID != dense index
    edges = pl.DataFrame({"follower": ids[follower], "followed": ids[followed]})
    profiles = _profiles(cfg, ids, followers, er, cost, quality, primary, millis, name_idx)
    brand_specs = cfg.resolved_brands()
    brands = pl.DataFrame(
        {
            "brand": [b.name for b in brand_specs],
            "topics": [b.topics_text() for b in brand_specs],
            "budget": [round(b.budget) for b in brand_specs],
        }
    )
    return SyntheticData(edges=edges, profiles=profiles, brands=brands, config=cfg)


def write_synthetic(data: SyntheticData, out_dir: str | Path) -> list[Path]:
    """Write ``follows.csv``, ``profiles.csv``, ``brands.csv`` into ``out_dir`` (atomically).

    ``out_dir`` must exist. Returns the paths in that order.
    """
    out = Path(out_dir)
    tables = (data.edges, data.profiles, data.brands)
    return [write_table(df, out / name) for df, name in zip(tables, SYNTH_FILES, strict=True)]


# --- steps -------------------------------------------------------------------------------


def _round_to_total(shares: Sequence[float] | NDArray[np.float64], total: int) -> list[int]:
    """Largest-remainder rounding of ``shares * total`` (shares summing to 1) to ints."""
    raw = np.asarray(shares, dtype=np.float64) * total
    out = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - out), kind="stable")
    out[order[: total - int(out.sum())]] += 1
    return [int(x) for x in out]


def _sorted_unique(a: NDArray[np.int64]) -> NDArray[np.int64]:
    """Sorted distinct values (sort + mask; numpy's hash-based ``unique`` is slower here)."""
    a = np.sort(a)
    if a.shape[0] < 2:
        return a
    keep = np.empty(a.shape[0], dtype=np.bool_)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def _tier_quotas(n: int, shares: Sequence[float]) -> list[int]:
    """Accounts per tier (nano..mega): ``round(n * share)``, at least 1 each."""
    return [max(1, round(n * s)) for s in shares]


def _audiences(n: int, shares: Sequence[float], rng: np.random.Generator) -> NDArray[np.float64]:
    """Real audience of each account (step 1): stratified truncated-Pareto draws per segment."""
    quotas = _tier_quotas(n, shares)
    counts = [n - sum(quotas), *quotas]
    b = TierThresholds().bounds
    edges = (_AUDIENCE_MIN, _ORDINARY_MAX, *b, _AUDIENCE_MAX)
    parts = []
    for i, c in enumerate(counts):
        lo, hi, a = float(edges[i]), float(edges[i + 1]), _SEGMENT_EXPONENT[i]
        # Stratified uniforms: one draw in each of c equal slices of [0, 1), so
        # the spread inside the segment is even at any size.
        u = (rng.permutation(c) + rng.random(c)) / c
        x = lo * (1.0 - u * (1.0 - (lo / hi) ** a)) ** (-1.0 / a)
        parts.append(np.clip(x, lo, np.nextafter(hi, lo)))
    return rng.permutation(np.concatenate(parts))


def _topic_weights(
    audience: NDArray[np.float64], k: int, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Primary topic and topic weights in thousandths (n x k, rows sum to 1000) (step 2)."""
    n = audience.shape[0]
    share = rng.dirichlet(np.full(k, 8.0))
    primary = rng.permutation(np.repeat(np.arange(k), _round_to_total(share, n)))
    rows = np.arange(n)
    if k == 1:
        return primary, np.full((n, 1), 1000, dtype=np.int64)
    scale = np.maximum(audience / 1_000.0, 1.0)
    focus = np.clip(
        _FOCUS_0 + _FOCUS_SLOPE * np.log10(scale) + rng.normal(0.0, _FOCUS_SIGMA, n),
        *_FOCUS_CLIP,
    )
    # Secondary interests: a Dirichlet (via normalised gammas) whose concentration
    # grows with audience, so big accounts spread over more topics.
    conc = 0.3 * scale**0.15
    g = rng.gamma(np.broadcast_to(conc[:, None], (n, k)))
    g[rows, primary] = 0.0
    tot = g.sum(axis=1)
    empty = tot <= 0
    g[empty] = 1.0
    g[empty, primary[empty]] = 0.0
    g /= g.sum(axis=1, keepdims=True)
    w = g * (1.0 - focus)[:, None]
    w[rows, primary] = focus
    millis = np.rint(w * 1000.0).astype(np.int64)
    millis[millis < _MIN_TOPIC_MILLIS] = 0
    millis[rows, primary] += 1000 - millis.sum(axis=1)
    return primary, millis


def _follows(
    cfg: SynthConfig,
    audience: NDArray[np.float64],
    primary: NDArray[np.int64],
    millis: NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Follow edges (follower, followed) as dense indices, sorted, unique (step 3)."""
    n, k = millis.shape
    sigma = cfg.follows_sigma
    mu = math.log(cfg.mean_follows) - sigma**2 / 2.0
    cap = max(1, n // 4)
    want = np.clip(np.rint(rng.lognormal(mu, sigma, n)), 1, cap).astype(np.int64)
    attract: NDArray[np.float64] = audience**cfg.alpha * rng.lognormal(0.0, _ATTRACT_SIGMA, n)

    members = [np.flatnonzero(primary == t) for t in range(k)]
    cum_in = [np.cumsum(attract[m]) for m in members]
    weights = millis / 1000.0
    cum_x = [np.cumsum(attract * weights[:, t]) for t in range(k)]
    # Cumulative secondary-interest weights per account (primary zeroed), for
    # choosing the topic of a cross-community follow.
    sec = weights.copy()
    sec[np.arange(n), primary] = 0.0
    flat = sec.sum(axis=1) <= 0
    sec[flat] = 1.0
    sec[flat, primary[flat]] = 0.0
    cum_sec = np.cumsum(sec, axis=1)

    def draw(src: NDArray[np.int64]) -> NDArray[np.int64]:
        m = int(src.shape[0])
        cross = rng.random(m) >= cfg.within_share
        topic = primary[src].copy()
        cs = cum_sec[src[cross]]
        v = rng.random(cs.shape[0]) * cs[:, -1]
        topic[cross] = (cs <= v[:, None]).sum(axis=1)
        dst = np.empty(m, dtype=np.int64)
        u = rng.random(m)
        for t in range(k):
            sel = (topic == t) & ~cross
            if sel.any():
                c = cum_in[t]
                pos = np.searchsorted(c, u[sel] * c[-1], side="right")
                dst[sel] = members[t][np.minimum(pos, c.shape[0] - 1)]
            sel = (topic == t) & cross
            if sel.any():
                c = cum_x[t]
                pos = np.searchsorted(c, u[sel] * c[-1], side="right")
                dst[sel] = np.minimum(pos, n - 1)
        bad = (dst == src) | (cross & (primary[dst] == primary[src]))
        dst[bad] = -1
        return dst

    keys = np.empty(0, dtype=np.int64)
    need = want
    for _ in range(_ROUNDS):
        if not need.any():
            break
        src = np.repeat(np.arange(n, dtype=np.int64), need)
        dst = draw(src)
        ok = dst >= 0
        keys = _sorted_unique(np.concatenate((keys, src[ok] * n + dst[ok])))
        need = want - np.bincount(keys // n, minlength=n)
    lonely = np.flatnonzero(np.bincount(keys // n, minlength=n) == 0)
    if lonely.size:  # safety net: every account must be a graph node
        top2 = np.argsort(-attract, kind="stable")[:2]
        fallback = np.where(lonely == top2[0], top2[1], top2[0])
        keys = _sorted_unique(np.concatenate((keys, lonely * n + fallback)))
    return keys // n, keys % n


def _engagement(
    audience: NDArray[np.int64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Engagement rate (step 4) and its lognormal noise factor (reused for cost)."""
    noise: NDArray[np.float64] = rng.lognormal(0.0, _ER_SIGMA, size=int(audience.shape[0]))
    er = _ER_REF * (audience / _ER_REF_AUDIENCE) ** _ER_SLOPE * noise
    return np.clip(er, *_ER_CLIP), noise


def _cost(
    audience: NDArray[np.int64], er_noise: NDArray[np.float64], rng: np.random.Generator
) -> NDArray[np.float64]:
    """Cost per sponsored post in USD, rounded to cents (step 5)."""
    noise: NDArray[np.float64] = rng.lognormal(0.0, _COST_SIGMA, size=int(audience.shape[0]))
    scale = (audience / _COST_REF_AUDIENCE).astype(np.float64)
    cost = _COST_REF * scale**_COST_SLOPE * np.sqrt(er_noise) * noise
    return np.rint(np.clip(cost, *_COST_CLIP) * 100.0) / 100.0


def _real_audience(audience: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.float64]:
    """Share of real followers per account (step 6 of the module doc), 3 decimals."""
    mean_fake = np.clip(0.09 + 0.02 * np.log10(np.maximum(audience, 1) / 1_000.0), 0.02, 0.5)
    fake = rng.beta(mean_fake * 20.0, (1.0 - mean_fake) * 20.0)
    return np.asarray(np.round(np.clip(1.0 - fake, 0.0, 1.0), 3), dtype=np.float64)


def _profiles(
    cfg: SynthConfig,
    ids: NDArray[np.int64],
    audience: NDArray[np.int64],
    er: NDArray[np.float64],
    cost: NDArray[np.float64],
    quality: NDArray[np.float64],
    primary: NDArray[np.int64],
    millis: NDArray[np.int64],
    name_idx: NDArray[np.int64],
) -> pl.DataFrame:
    """The profile table of every account with audience >= profile_min_followers."""
    keep = np.flatnonzero(audience >= cfg.profile_min_followers)
    topic_names = pl.Series("topic", cfg.topics, dtype=pl.String)
    rows, cols = np.nonzero(millis[keep])
    long = (
        pl.DataFrame(
            {
                "row": rows,
                "other": cols != primary[keep][rows],
                "t": cols,
                "w": millis[keep][rows, cols],
            }
        )
        .with_columns(topic_names.gather(pl.Series(cols)).alias("topic"))
        # primary topic first, then by weight, ties by topic order
        .sort("row", "other", "w", "t", descending=[False, False, True, False])
        .with_columns(
            pl.format(
                "{}:{}.{}",
                "topic",
                pl.col("w") // 1000,
                (pl.col("w") % 1000).cast(pl.String).str.zfill(3),
            ).alias("entry")
        )
        .group_by("row", maintain_order=True)
        .agg(pl.col("entry").str.join(";").alias("topics"))
    )
    names = pl.Series(_FIRST_NAMES).gather(pl.Series(name_idx[keep]))
    table = pl.DataFrame(
        {
            "row": np.arange(keep.shape[0]),
            "id": ids[keep],
            "primary": topic_names.gather(pl.Series(primary[keep])),
            "name": names,
            "followers": audience[keep],
            "engagement_rate": np.round(er[keep], 5),
            "cost": cost[keep],
            "real_audience": quality[keep],
        }
    )
    return table.join(long, on="row", how="left", maintain_order="left").select(
        "id",
        pl.concat_str(
            pl.lit("@"), "primary", pl.lit("_"), "name", pl.lit("_"), pl.col("id").cast(pl.String)
        ).alias("handle"),
        "followers",
        "engagement_rate",
        "cost",
        "real_audience",
        "topics",
    )
