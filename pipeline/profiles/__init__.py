"""Influencer profiles, tiers, brands and topic relevance.

Profiles are an optional node table joined to a :class:`FollowerGraph` on the
external ID. Columns (all but ``id`` optional):

- ``id``: the account's ID, as in the edge file.
- ``handle``: display name (default: the ID as text).
- ``followers``: the account's audience size on the platform (all its
  followers, real or not), a count (default: its in-graph follower count).
- ``engagement_rate``: engagements per follower per post, a fraction in [0, 1].
- ``cost``: currency units per sponsored post, >= 0.
- ``cpm``: currency units per 1,000 impressions, >= 0 (the account's rate
  card for impression-priced deals; unknown if absent).
- ``platform``: the account's platform (text, lower-cased), which picks the
  default CPM of a campaign's ``[valuation] default_cpm`` table.
- ``real_audience``: the share of the account's followers that are real (not
  bots or inactive), a fraction in [0, 1], as audience-quality tools
  estimate it (default 1: every follower counts). The simulations take it as
  the audience quality ``q_u`` (``simulate(..., quality=profiles.real_audience)``):
  each follow edge of u is real with probability ``q_u``.
- ``topics``: topic weights ``food:0.7;travel:0.3`` (a bare ``food`` weighs 1);
  weights are >= 0 and normalised to sum to 1.

Brands are a table with ``brand``, ``topics`` (same syntax) and ``budget``
(currency units, >= 0).

**Relevance** of influencer u to brand B is the *cosine* of their topic
vectors, ``rel(u, B) = sum_t w_ut w_Bt / (||w_u||_2 ||w_B||_2)``, in [0, 1]
because weights are non-negative; 0 for an account without topics. Cosine
(not the dot product) so that a focused account is not penalised against a
diffuse one for how its weights are spread, only for where they point.

The package:

- :mod:`~pipeline.profiles.tiers`: :data:`TIER_NAMES` and :class:`TierThresholds`;
- :mod:`~pipeline.profiles.accounts`: :class:`Profiles`, :func:`load_profiles`,
  :func:`default_profiles`, :func:`parse_topics`;
- :mod:`~pipeline.profiles.brands`: :class:`Brands`, :func:`load_brands`;
- :mod:`~pipeline.profiles.fit`: :func:`relevance`, :func:`brand_sender_factor`,
  :func:`fit_pool` (the brand-fit pool every strategy chooses from);
- :mod:`~pipeline.profiles.brand_view`: :func:`brand_view`, one brand's
  :class:`BrandView` (relevance, sender factor, audience quality, brand-fit pool), what
  every command's kernels take from the profiles, cached once per brand.
"""

from __future__ import annotations

from pipeline.profiles.accounts import Profiles, default_profiles, load_profiles, parse_topics
from pipeline.profiles.brand_view import BrandView, audience_quality, brand_view
from pipeline.profiles.brands import Brands, load_brands
from pipeline.profiles.filters import CreatorFilter
from pipeline.profiles.fit import (
    DEFAULT_MIN_RELEVANCE,
    brand_sender_factor,
    check_fraction,
    fit_pool,
    relevance,
)
from pipeline.profiles.tiers import TIER_NAMES, TierThresholds

__all__ = [
    "DEFAULT_MIN_RELEVANCE",
    "TIER_NAMES",
    "BrandView",
    "Brands",
    "CreatorFilter",
    "Profiles",
    "TierThresholds",
    "audience_quality",
    "brand_sender_factor",
    "brand_view",
    "check_fraction",
    "default_profiles",
    "fit_pool",
    "load_brands",
    "load_profiles",
    "parse_topics",
    "relevance",
]
