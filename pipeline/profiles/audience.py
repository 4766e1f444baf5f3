"""Platform audiences of every account, for projecting a cascade to people and engagements.

The follower graph is a *sample* of a platform; a simulated run says which accounts
post (the seeds and every activated account: each shows the message to its own
followers). Per account u (formulas in ``docs/projection.md``):

- **audience** ``A_u``: its platform followers when profiled with a ``followers``
  value (:func:`followers_given`); otherwise (unprofiled, or profiled with that value
  missing) its in-graph followers times the **sample ratio** of its tier,
  ``ratio_t = Σ F / Σ f`` over the accounts of tier t with a followers value and
  in-graph followers (F platform, f in-graph followers). Such an account's tier comes
  from its scaled count, iterated once: ``t0 = tier(f)``, ``t1 = tier(f · ratio_t0)``,
  ``A = f · ratio_t1``.
- **reach rate** ``r_u``: the share of its followers who see a post (by tier and
  platform, :class:`ReachRates`), and **real share** ``q_u`` (``real_audience``, 1 when
  absent).
- **engagement rate** ``ER_u``: per follower per post (it already reflects reach, so it
  is never multiplied by ``r``); unprofiled accounts take the median of the profiled
  accounts of their tier (else of all profiled accounts).

A run's **impressions** are ``Σ_posters r_u q_u A_u``, its **engagements**
``Σ_posters ER_u q_u A_u``, its **people** the unique people reached: per in-graph
account v, ``min(w_v (1 − Π_u (1 − r_u q_u)), Σ_u (A_u / f_u) r_u q_u)`` over the posters
u that v follows, with ``w_v`` the largest ``A_u / f_u`` among them (f_u: u's in-graph
followers, so ``A_u / f_u`` is the people each stands for). One poster alone reaches
as many people as it makes impressions; followers shared by posters of equal audience
shares are counted once; people never exceed impressions. The reach rate changes only
the projection, never the cascade. O(n) to build. :func:`unprojectable` says which
KPIs the profiles cannot project at all (no followers value: no audience; no
engagement rate: no engagements), for a command to print n/a and say why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.profiles.accounts import Profiles
from pipeline.profiles.tiers import TIER_NAMES, TierThresholds

__all__ = [
    "DEFAULT_REACH_RATES",
    "Audience",
    "ReachRates",
    "audience",
    "followers_given",
    "unprojectable",
]

#: Share of a creator's followers who see a post, by tier. The Cirqle (350,000
#: creators) measures Instagram post reach at 15.7% of followers for micro creators and
#: 3.2% for macro; nano takes micro's figure and mega macro's (no separate figure), mid
#: their geometric mean (7.1%, interpolated).
DEFAULT_REACH_RATES: dict[str, float] = {
    "nano": 0.157,
    "micro": 0.157,
    "mid": round(math.sqrt(0.157 * 0.032), 3),
    "macro": 0.032,
    "mega": 0.032,
}


@dataclass(frozen=True)
class ReachRates:
    """Reach rates with fallbacks: platform x tier, then platform, then tier, then
    ``default`` (a global rate) and finally :data:`DEFAULT_REACH_RATES`."""

    default: float | None = None
    by_tier: Mapping[str, float] = field(default_factory=dict)
    by_platform: Mapping[str, float] = field(default_factory=dict)
    by_platform_tier: Mapping[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: object, where: str = "«reach_rate»") -> ReachRates:
        """From a number, ``"0.15"``, ``"micro=0.157,macro=0.032"``, ``"instagram.micro=0.2"``
        or a TOML table (``{micro = 0.157}``, ``{instagram = {micro = 0.2}}``)."""
        if isinstance(value, str):
            text = value.strip()
            try:
                return cls.parse(float(text), where)
            except ValueError:
                pass
            table: dict[str, object] = {}
            for part in (p.strip() for p in text.split(",") if p.strip()):
                key, sep, rate = part.partition("=")
                if not sep:
                    raise InputError(f"{where}: expected a rate or key=rate pairs, got {part!r}")
                try:
                    num = float(rate)
                except ValueError:
                    raise InputError(
                        f"{where}: {key.strip()}: expected a number, got {rate!r}"
                    ) from None
                plat, dot, tier = key.strip().lower().partition(".")
                # a platform may have its own rate ("*") beside rates per tier
                sub = table.get(plat)
                if dot or isinstance(sub, dict):
                    if not isinstance(sub, dict):
                        sub = {} if sub is None else {"*": sub}
                        table[plat] = sub
                    sub[tier if dot else "*"] = num
                else:
                    table[plat] = num
            value = table
        if isinstance(value, bool):
            raise InputError(f"{where}: expected a rate in [0, 1], got {value!r}")
        if isinstance(value, int | float):
            return cls(default=_rate(value, where))
        if not isinstance(value, Mapping):
            raise InputError(f"{where}: expected a rate or a table of rates, got {value!r}")
        tiers: dict[str, float] = {}
        plats: dict[str, float] = {}
        both: dict[tuple[str, str], float] = {}
        for key, v in value.items():
            k = str(key).strip().lower()
            if isinstance(v, Mapping):
                for t, r in v.items():
                    t = str(t).strip().lower()
                    if t == "*":  # the platform's own rate, beside its tiers
                        plats[k] = _rate(r, f"{where}: {k}")
                        continue
                    if t not in TIER_NAMES:
                        raise InputError(
                            f"{where}: {k}.{t}: unknown tier; expected "
                            f"{', '.join(TIER_NAMES)} or * (the platform's own rate)"
                        )
                    both[(k, t)] = _rate(r, f"{where}: {k}.{t}")
            elif k in TIER_NAMES:
                tiers[k] = _rate(v, f"{where}: {k}")
            else:
                plats[k] = _rate(v, f"{where}: {k}")
        return cls(None, tiers, plats, both)

    def settings(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.default is not None:
            out["default"] = self.default
        out |= {f"tier.{k}": v for k, v in sorted(self.by_tier.items())}
        out |= {f"platform.{k}": v for k, v in sorted(self.by_platform.items())}
        out |= {f"{p}.{t}": v for (p, t), v in sorted(self.by_platform_tier.items())}
        return out

    def rates(self, tiers: pl.Series, platforms: pl.Series) -> NDArray[np.float64]:
        """Per account, its reach rate (float64): the rule is applied once per distinct
        (platform, tier) pair and joined back. O(n)."""
        df = pl.DataFrame(
            {"p": platforms.fill_null("").cast(pl.String),
             "t": tiers.cast(pl.String).fill_null("nano")}
        )  # fmt: skip
        pairs = df.unique()
        pairs = pairs.with_columns(
            pl.Series("r", [self.rate(p, t) for p, t in pairs.iter_rows()], dtype=pl.Float64)
        )
        joined = df.join(pairs, on=["p", "t"], how="left", maintain_order="left")
        return joined["r"].to_numpy().astype(np.float64)

    def rate(self, platform: str, tier: str) -> float:
        if (platform, tier) in self.by_platform_tier:
            return self.by_platform_tier[(platform, tier)]
        if platform in self.by_platform:
            return self.by_platform[platform]
        if tier in self.by_tier:
            return self.by_tier[tier]
        if self.default is not None:
            return self.default
        return DEFAULT_REACH_RATES[tier]


def _rate(v: object, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0.0 <= float(v) <= 1.0:
        raise InputError(f"{where}: expected a rate in [0, 1], got {v!r}")
    return float(v)


@dataclass(frozen=True, eq=False)
class Audience:
    """Per-account projection inputs (float64, length n): ``audience`` A, ``reach`` r,
    ``real`` q, ``engagement_rate`` ER, ``ratio`` (``A / f``, f its in-graph followers:
    the people each in-graph follower stands for; its tier's sample ratio without any)."""

    audience: NDArray[np.float64]
    reach: NDArray[np.float64]
    real: NDArray[np.float64]
    engagement_rate: NDArray[np.float64]
    ratio: NDArray[np.float64]

    def kernel_rows(self) -> NDArray[np.float64]:
        """The 4 x n rows the simulation kernels take: impressions ``r q A``, engagements
        ``ER q A``, reach probability ``r q`` and sample ratio per poster."""
        qa = self.real * self.audience
        return np.ascontiguousarray(
            np.stack(
                [self.reach * qa, self.engagement_rate * qa, self.reach * self.real, self.ratio]
            )
        )


def audience(
    profiles: Profiles,
    reach_rates: ReachRates | None = None,
    thresholds: TierThresholds | None = None,
) -> Audience:
    """The projection inputs of every account of ``profiles`` (module docstring), read-only
    arrays, computed once per (reach rates, thresholds) and kept by the profiles
    (:meth:`~pipeline.profiles.accounts.Profiles.memo`): every problem and plan of a
    campaign shares them. O(n) the first time, then O(1)."""
    th = thresholds or TierThresholds()
    r = reach_rates
    # keyed by every field of the rates (mappings as sorted items), so a new field keys too
    rates_key = (
        None
        if r is None
        else tuple(
            (
                f.name,
                tuple(sorted(v.items())) if isinstance(v := getattr(r, f.name), Mapping) else v,
            )
            for f in fields(r)
        )
    )
    return profiles.memo(("audience", rates_key, th), None, lambda: _audience(profiles, r, th))


def _audience(profiles: Profiles, reach_rates: ReachRates | None, th: TierThresholds) -> Audience:
    t = profiles.table
    has = profiles.has_profile
    # a profiled account without a followers value is scaled like an unprofiled one
    # (its table row holds the in-graph count in ``followers``)
    given = followers_given(profiles)
    f_in = t["followers_in_graph"].cast(pl.Float64).to_numpy()
    big = t["followers"].cast(pl.Float64).fill_null(0.0).to_numpy()
    tier = t["tier"].cast(pl.String)
    ratios: dict[str, float] = {}
    known = given & (f_in > 0)
    overall = float(big[known].sum() / f_in[known].sum()) if known.any() else 1.0
    tier_np = tier.to_numpy()
    for name in TIER_NAMES:
        sel = known & (tier_np == name)
        ratios[name] = float(big[sel].sum() / f_in[sel].sum()) if sel.any() else overall

    def tier_of(counts: NDArray[np.float64]) -> pl.Series:
        return pl.Series(th.assign(counts))

    def ratio_of(tiers: pl.Series) -> NDArray[np.float64]:
        return tiers.replace_strict(ratios, default=overall, return_dtype=pl.Float64).to_numpy()

    t0 = tier_of(f_in)
    t1 = tier_of(f_in * ratio_of(t0))
    scaled = f_in * ratio_of(t1)
    own_tier = pl.Series(np.where(given, tier.fill_null("nano").to_numpy(), t1.to_numpy()))
    aud = np.where(given, big, scaled)
    rates = (reach_rates or ReachRates()).rates(own_tier, t["platform"])
    er = t["engagement_rate"].cast(pl.Float64).to_numpy().astype(np.float64)
    er = np.where(np.isfinite(er), er, np.nan)
    prof_er = np.where(has, er, np.nan)
    fallback = float(np.nanmedian(prof_er)) if np.isfinite(prof_er).any() else math.nan
    med = {}
    for name in TIER_NAMES:
        vals = prof_er[own_tier.to_numpy() == name]
        med[name] = float(np.nanmedian(vals)) if np.isfinite(vals).any() else fallback
    default_er = own_tier.replace_strict(med, default=fallback, return_dtype=pl.Float64).to_numpy()
    er = np.where(np.isfinite(er) & has, er, default_er)
    # the people one in-graph follower stands for: the poster's own audience per in-graph
    # follower, so a lone poster's people equal its impressions (at any reach rate)
    own = np.divide(aud, f_in, out=np.array(ratio_of(own_tier)), where=f_in > 0)
    arrays = [np.ascontiguousarray(a, dtype=np.float64)
              for a in (aud, rates, profiles.real_audience, er, own)]  # fmt: skip
    for a in arrays:
        a.setflags(write=False)  # shared by every caller through the memo
    return Audience(*arrays)


def followers_given(profiles: Profiles) -> NDArray[np.bool_]:
    """Per account, whether its profile gave a platform ``followers`` value (bool, length
    n). From ``Profiles.followers_given`` (or a ``followers_given`` table column) when
    the profiles record it per row; otherwise per column: every profiled account when
    the file had a ``followers`` column, none when it had not. O(n)."""
    mask = getattr(profiles, "followers_given", None)
    if mask is None and "followers_given" in profiles.table.columns:
        mask = profiles.table["followers_given"].fill_null(False).to_numpy()
    has = profiles.has_profile
    if mask is None:
        return has & ("followers" in profiles.given)
    return has & np.asarray(mask, dtype=np.bool_)


def unprojectable(profiles: Profiles) -> dict[str, str]:
    """The platform KPIs the profiles cannot project, each with why (empty when all
    can): without any followers value there is no platform audience (``people``,
    ``impressions``, ``engagements``); without an engagement rate, no ``engagements``
    (the same test as :func:`pipeline.profiles.kpis.kpi_objective`). O(n)."""
    has = profiles.has_profile
    if not has.any():
        why = "no profile matches an account of the graph, so platform audiences are unknown"
        return dict.fromkeys(("people", "impressions", "engagements"), why)
    if not followers_given(profiles).any():
        why = (
            "the profiles give no followers (platform audience), so people, impressions and "
            "engagements cannot be projected from the sample's counts"
        )
        return dict.fromkeys(("people", "impressions", "engagements"), why)
    er = profiles.table["engagement_rate"].cast(pl.Float64).to_numpy()[has]
    if not np.isfinite(er).any():
        return {"engagements": "the profiles give no engagement_rate, so engagements are unknown"}
    return {}
