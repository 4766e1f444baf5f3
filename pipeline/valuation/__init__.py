"""Valuing impressions: the CPM of every account and earned media value (EMV).

``EMV = impressions x CPM / 1000``: the price of 1,000 impressions (CPM, currency units)
puts a value on the impressions a creator earns, by the usual convention of earned media
value: an earned impression is worth what the platform charges for a paid one.

:func:`cpm_per_account` gives each account's CPM: the profile's own ``cpm`` when known
(a rate card), else a default: one number, a table by platform (key ``"*"`` for any
other platform and for accounts without one), or, with no default, :data:`DEFAULT_CPM`.

Default CPM by platform (USD per 1,000 impressions), **an assumption to replace with your
own rates**:

==========  ======  =================================================================
platform    CPM     from [GM23]_
==========  ======  =================================================================
instagram   $6.11   Meta's average $7.93 less 23% ("Instagram ads are 23% cheaper than
                    Facebook ads on average"), taking Meta's average as Facebook's;
                    Instagram's own average lies between $6.11 and $7.93, by the
                    Facebook/Instagram mix of the impressions behind the average
tiktok      $5.12   TikTok's average
youtube     $6.20   YouTube's average
``*``       $5.81   the mean of the three, for any other platform
==========  ======  =================================================================

These are 2023 averages of *paid ad* CPMs (14-day trailing averages over tens of
billions of ad impressions in [GM23]_; CPMs swing with the season, up to 66% higher in
November-December). The figures are those of a published summary of the report (the
report itself was not read). Creator content is often priced above paid-ad CPMs; a
campaign with its own rate cards should put them in the profiles' ``cpm`` column or in
``[valuation] default_cpm``.

References
----------
.. [GM23] Gupta Media, "State of Social Media CPM Report" (2023; inaugural edition, from
   its Social Media CPM Tracker), https://www.guptamedia.com/social-media-ads-cost ;
   figures as summarised in "Conquer Social Media Ad Costs in 2024", Sharp Net Solutions,
   https://www.sharpnetsolutions.com/social-media-ad-costs/ (Meta $7.93, YouTube $6.20,
   TikTok $5.12, Twitter/X $1.82; Instagram 23% cheaper than Facebook).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.profiles.accounts import Profiles

__all__ = ["DEFAULT_CPM", "cpm_per_account"]

#: USD per 1,000 impressions by platform; ``"*"`` for any other (module docstring).
DEFAULT_CPM: dict[str, float] = {
    "instagram": round(7.93 * (1.0 - 0.23), 2),  # 6.11
    "tiktok": 5.12,
    "youtube": 6.20,
    "*": round((round(7.93 * 0.77, 2) + 5.12 + 6.20) / 3.0, 2),  # 5.81
}


def _price(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where}: expected a number >= 0, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0.0:
        raise InputError(f"{where}: expected a number >= 0, got {value!r}")
    return v


def cpm_per_account(
    profiles: Profiles | pl.DataFrame,
    default: float | Mapping[str, float] | None = None,
) -> NDArray[np.float64]:
    """Each account's CPM (float64, one per row of ``profiles``, in its order).

    The profile's own ``cpm`` when it is known (not null or NaN); otherwise ``default``:
    a number; a mapping platform -> CPM (keys matched without case or surrounding
    spaces), looked up by the profile's ``platform``, with key ``"*"`` for unlisted
    platforms and accounts without a platform (NaN, unknown, when the mapping has no
    ``"*"``); or, for None, :data:`DEFAULT_CPM`. ``profiles`` is a :class:`Profiles` or
    a table with a ``cpm`` and a ``platform`` column (either may be absent).

    Raises :class:`InputError` for a negative, infinite or non-numeric default, naming
    its key. Vectorised: the mapping is applied once per distinct platform. O(n).
    """
    table = profiles.table if isinstance(profiles, Profiles) else profiles
    n = table.height
    own = (
        table["cpm"].cast(pl.Float64).fill_nan(None)
        if "cpm" in table.columns
        else pl.Series("cpm", [None] * n, dtype=pl.Float64)
    )
    if default is None:
        default = DEFAULT_CPM
    if isinstance(default, Mapping):
        where = "«default_cpm»"
        rates = {str(k).strip().lower(): _price(v, f"{where}: {k}") for k, v in default.items()}
        star = rates.pop("*", math.nan)
        platform = (
            table["platform"].cast(pl.String).str.strip_chars().str.to_lowercase()
            if "platform" in table.columns
            else pl.Series("platform", [None] * n, dtype=pl.String)
        )
        # one lookup per distinct platform (replace_strict hashes the mapping), not per row
        fallback = platform.replace_strict(rates, default=star, return_dtype=pl.Float64).fill_null(
            star
        )
        out = own.fill_null(fallback)
    else:
        out = own.fill_null(_price(default, "«default_cpm»"))
    return out.fill_null(math.nan).to_numpy().astype(np.float64)
