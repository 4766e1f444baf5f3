"""One brand's view of the profiles: everything the kernels take from the profiles and the
brands table for one brand, written once and shared by every command (simulate, overlap,
competitions, seeding, campaigns).

For profiles ``P``, a brands table and a brand ``B`` (or no brand), :func:`brand_view`
gives a :class:`BrandView`:

- ``relevance``: each account's cosine topic relevance ``r_u`` to ``B``
  (:func:`~pipeline.profiles.fit.relevance`); None without a brand;
- ``sender_factor``: the brand-aware sender factor ``f_u``
  (:func:`~pipeline.profiles.fit.brand_sender_factor`); None without a brand or when the
  cascades are not brand-aware;
- ``quality``: the audience quality ``q_u``, the profiles' ``real_audience`` (1 where
  unknown); None when every account's is 1, so the undiscounted model runs bit for bit;
- ``pool``: the brand-fit pool, profiled accounts of relevance at least ``min_relevance``
  (:func:`~pipeline.profiles.fit.fit_pool`, whose errors it raises); None without a brand
  or a threshold.

The kernels apply them in one order (:mod:`pipeline.diffusion.models`): an edge
``u -> v`` of probability ``p`` transmits with ``min(1, p f_u) q_u`` (the brand clip,
then quality; LT weights ``w'(u, v) q_u``), and only a real follow (probability ``q_u``)
exposes ``v``. A model used as fitted (a calibrated model that is not brand-aware)
takes neither factor nor quality; :func:`~pipeline.diffusion.models.build_model` drops
them.

Each view is computed once per (profiles, brands table, brand, brand-awareness,
threshold) and kept on the profiles (:meth:`Profiles.memo
<pipeline.profiles.accounts.Profiles.memo>`, the one brand-array cache), read-only.
O(n + topic entries) the first time, then O(1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.profiles.accounts import Profiles
from pipeline.profiles.brands import Brands
from pipeline.profiles.fit import brand_sender_factor, check_fraction, fit_pool, relevance

__all__ = ["BrandView", "audience_quality", "brand_view"]


@dataclass(frozen=True, eq=False)
class BrandView:
    """What the kernels take from the profiles for one brand (see the module doc).

    Attributes
    ----------
    brand : the brand, or None (the profiles alone: quality only).
    relevance : float64 per node, cosine topic relevance to the brand; None without one.
    sender_factor : float32 per node, ``f_u``; None without a brand or not brand-aware.
    quality : float64 per node, ``q_u`` (``real_audience``); None when all are 1.
    pool : bool per node, profiled accounts of relevance >= ``min_relevance``; None
        without a brand or a threshold.
    min_relevance : the pool's threshold (None when no pool was asked for).
    """

    brand: str | None
    relevance: NDArray[np.float64] | None
    sender_factor: NDArray[np.float32] | None
    quality: NDArray[np.float64] | None
    pool: NDArray[np.bool_] | None
    min_relevance: float | None

    def kernel_options(self) -> dict[str, Any]:
        """``{"sender_factor": ..., "quality": ...}``, the keywords
        :func:`~pipeline.diffusion.simulate` and
        :func:`~pipeline.overlap.audience_overlap` take."""
        return {"sender_factor": self.sender_factor, "quality": self.quality}


def audience_quality(profiles: Profiles) -> NDArray[np.float64] | None:
    """Audience quality ``q_u`` per node (the profiles' ``real_audience``, 1 where
    unknown; float64, read-only), or None when every account's is 1. O(n) once."""
    q = profiles.memo(("quality",), None, lambda: profiles.real_audience)
    return q if bool((q < 1.0).any()) else None


def brand_view(
    profiles: Profiles,
    brands: Brands | None = None,
    brand: str | None = None,
    *,
    brand_aware: bool = True,
    min_relevance: float | None = None,
) -> BrandView:
    """The :class:`BrandView` of ``brand`` (or of the profiles alone when None).

    ``brand_aware`` (default True) gives the sender factor; ``min_relevance`` (in [0, 1])
    asks for the brand-fit pool. Raises InputError for a brand without a brands table,
    an unknown brand, and the pool's errors (no profiled account shares a topic with the
    brand; the threshold leaves no account). Cached on the profiles. O(n) the first
    time, then O(1).
    """
    if brand is not None:
        if brands is None:
            raise InputError(f"brand {brand!r} needs the brands table (its topics)")
        brands.check(brand)
    elif min_relevance is not None:
        raise InputError("min_relevance needs a brand (relevance is a brand's topic fit)")
    thr = None if min_relevance is None else check_fraction("min_relevance", min_relevance)
    key = ("view", brand, bool(brand_aware), thr)
    return profiles.memo(key, brands, lambda: _view(profiles, brands, brand, brand_aware, thr))


def _view(
    profiles: Profiles, brands: Brands | None, brand: str | None, aware: bool, thr: float | None
) -> BrandView:
    quality = audience_quality(profiles)
    if brand is None or brands is None:
        return BrandView(None, None, None, quality, None, None)
    rel = relevance(profiles, brands, brand)
    factor = brand_sender_factor(profiles, brands, brand) if aware else None
    pool = None
    if thr is not None:
        _, pool = fit_pool(profiles, brands, brand, thr)
        pool.setflags(write=False)
    return BrandView(brand, rel, factor, quality, pool, thr)
