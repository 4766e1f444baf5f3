"""The problem a strategy solves: :func:`make_problem` turns a graph, profiles, brand,
budget and model into a :class:`~pipeline.seeding.base.SeedingProblem` (the brand-fit
pool, contract costs, the model's edge values and, for a platform KPI, each account's
worth in it). The edge values are the simulator's: each edge's chance to transmit,
``min(1, p f_u) q_u`` (brand clip, then audience quality), with the same model
parameters whatever the seed (``tv``'s draw is the model's, not the run's). O(n + m).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.diffusion.model_ref import Model
from pipeline.diffusion.model_ref import resolve as resolve_model
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.profiles import (
    DEFAULT_MIN_RELEVANCE,
    Brands,
    CreatorFilter,
    Profiles,
    TierThresholds,
    brand_view,
    check_fraction,
    default_profiles,
)
from pipeline.profiles.audience import ReachRates, audience
from pipeline.profiles.kpis import KPIS, kpi_objective
from pipeline.seeding.base import SeedingProblem, check_budget
from pipeline.seeding.kpi import kpi_weights
from pipeline.valuation.costs import CostModel

__all__ = ["OBJECTIVES", "edge_values", "make_problem"]


def edge_values(
    graph: FollowerGraph,
    model: str | Model,
    *,
    p: float | None = None,
    sender_factor: NDArray[np.floating] | None = None,
    seed: int = defaults.SEED,
    quality: NDArray[np.floating] | None = None,
) -> tuple[NDArray[np.float32], bool]:
    """Per-edge probability to transmit (cascades) or weight (LT) of ``model``, and
    whether it is LT.

    Exactly what the simulator does with the same arguments
    (:func:`pipeline.diffusion.models.transmit_probabilities` of
    :func:`~pipeline.diffusion.models.build_model`): brand-aware when ``sender_factor``
    is given, clipped at 1, *then* thinned by the audience quality ``quality`` (``q_u``,
    None = all real): ``min(1, p f_u) q_u``, resp. ``w'(u, v) q_u``. A model used as
    fitted (a calibrated one that is not brand-aware) takes neither, as in the
    simulator. ``seed`` is the run seed, which no model's values depend on (``tv``'s
    draw is the model's: :data:`~pipeline.diffusion.models.TV_SEED`). O(n + m).
    """
    from pipeline.diffusion.models import build_model, transmit_probabilities

    spec = build_model(graph, model, p=p, sender_factor=sender_factor, seed=seed,
                       quality=quality)  # fmt: skip
    return transmit_probabilities(graph, spec), spec.weight is not None


#: Objectives a campaign or a seeding can maximise (see :func:`select_seeds`): the
#: platform KPIs, then the in-graph measures.
OBJECTIVES: tuple[str, ...] = (
    *KPIS,
    "earned_exposed",
    "exposed",
    "earned_activated",
    "activated",
)


# select_seeds (pipeline.seeding.select) takes the same keyword parameters and forwards
# them here; they are spelled out in both so that help() and type checkers show them.
def make_problem(
    graph: FollowerGraph,
    *,
    k: int | None = None,
    budget: float | None = None,
    model: str | Model | None = None,
    p: float | None = None,
    profiles: Profiles | None = None,
    brands: Brands | None = None,
    brand: str | None = None,
    brand_aware: bool = True,
    min_relevance: float | None = None,
    max_creators: int | None = None,
    costs: CostModel | None = None,
    objective: str = "activated",
    exclude: Iterable[int] | NDArray[np.integer] = (),
    include: Iterable[int] | NDArray[np.integer] = (),
    seed: int = 0,
    max_steps: int | None = None,
    pool: str = "auto",
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
    creators: CreatorFilter | None = None,
    reach_rates: ReachRates | None = None,
    tier_thresholds: TierThresholds | None = None,
    paid_budget_check: bool = True,
) -> SeedingProblem:
    """Validate a seeding request and resolve it into a :class:`SeedingProblem`.

    ``model``: see :func:`pipeline.diffusion.model_ref.resolve` (``"ic"`` with a ``p`` or a
    graph with per-edge probabilities, else ``"wc"``).

    ``exclude``/``include`` are dense node indices. ``pool``: ``"profiled"``
    (accounts with a profile: the influencers a brand can contract), ``"all"``,
    or ``"auto"`` (profiled when profiles are given, else all). With a
    ``brand``, candidates are further limited to relevance >= ``min_relevance``
    (default :data:`DEFAULT_MIN_RELEVANCE`; 0 turns the filter off; must-includes
    are kept whatever their relevance), and ``brand_aware`` makes the model's
    probabilities brand-aware. ``max_creators`` caps the number of seeds
    (must-includes included), also together with a budget. ``costs`` adds the
    per-creator overhead and fills missing fees from a cost model.

    ``objective`` :data:`OBJECTIVES`; for a platform KPI (``engagements``,
    ``impressions``, ``people``) the accounts' worth in it comes from the profiles'
    audiences (:func:`pipeline.profiles.audience.audience` with ``reach_rates`` and
    ``tier_thresholds``, default the profiles' own) as ``root_weight``
    (:func:`pipeline.seeding.kpi.kpi_weights`); when the profiles cannot project it
    (:func:`pipeline.profiles.kpis.kpi_objective`) the objective falls back to its
    in-graph measure and ``objective_note`` says so. ``paid_budget_check=False`` skips
    the check that the budget buys a paid creator (for a plan that enlists ambassadors,
    :func:`~pipeline.seeding.ambassadors.ambassador_problem` checks its own pool).
    """
    model = resolve_model(model, p, graph)
    if (k is None) == (budget is None):
        raise InputError("give exactly one of k (number of seeds) or budget")
    if k is not None and (isinstance(k, bool) or int(k) != k or k < 1):
        raise InputError(f"k must be a positive integer, got {k}")
    if max_creators is not None and (
        isinstance(max_creators, bool) or int(max_creators) != max_creators or max_creators < 1
    ):
        raise InputError(f"max_creators must be a positive integer, got {max_creators}")
    if objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r}; expected one of {', '.join(OBJECTIVES)}"
        )
    if max_steps is not None and max_steps < 0:
        raise InputError(f"max_steps must be >= 0, got {max_steps}")
    if brand is not None and (profiles is None or brands is None):
        raise InputError("a brand-aware seeding needs profiles and brands")
    thr = DEFAULT_MIN_RELEVANCE if min_relevance is None else min_relevance
    thr = check_fraction("min_relevance", thr)
    prof = profiles if profiles is not None else default_profiles(graph)
    # The brand's view of the profiles (pipeline.profiles.brand_view): relevance, the
    # brand-fit pool, sender factor and audience quality, as every command takes them.
    view = brand_view(prof, brands, brand, brand_aware=brand_aware,
                      min_relevance=thr if brand is not None else None)  # fmt: skip
    rel, fit, factor = view.relevance, view.pool, view.sender_factor
    thr = thr if brand is not None else 0.0
    # Audience quality discounts onward spread after the brand clip, as in the simulator:
    # an edge transmits with min(1, p f_u) q_u (LT weights are scaled by q_u). A model
    # used as fitted (calibrated, not brand-aware) takes no quality, there as here.
    quality = view.quality if model.brand_aware else None
    values, lt = edge_values(graph, model, p=p, sender_factor=factor, quality=quality)
    n = graph.n
    if pool not in ("auto", "profiled", "all"):
        raise InputError(f"pool must be auto, profiled or all, got {pool!r}")
    if pool == "all" or (pool == "auto" and profiles is None):
        eligible = np.ones(n, dtype=np.bool_)
    else:
        eligible = prof.has_profile.copy()
    exc = np.unique(np.asarray(list(exclude) if not isinstance(exclude, np.ndarray) else exclude,
                               dtype=np.int64))  # fmt: skip
    inc_raw = np.asarray(
        list(include) if not isinstance(include, np.ndarray) else include, dtype=np.int64
    )
    for name, arr in (("exclude", exc), ("include", inc_raw)):
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            raise InputError(f"{name} holds a node index outside 0..{n - 1}")
    _, first = np.unique(inc_raw, return_index=True)
    inc = inc_raw[np.sort(first)].astype(np.int32)
    clash = np.intersect1d(inc, exc)
    if clash.size:
        raise InputError(f"account {graph.ids[int(clash[0])]!r} is both excluded and included")
    if max_creators is not None and inc.size > max_creators:
        raise InputError(f"{inc.size} must-include accounts exceed max_creators = {max_creators}")
    eligible[exc] = False
    if creators is not None and creators.active:
        eligible &= creators.mask(prof)
        if not (eligible & prof.has_profile).any():
            raise InputError(f"no profiled creator passes the filters ({creators.describe()})")
    cm = costs if costs is not None else CostModel()
    cost = cm.of_profiles(prof)
    eligible_any = eligible.copy()
    if fit is not None:
        eligible &= fit
    if budget is not None:
        if np.isnan(cost[inc]).any():
            bad = inc[np.isnan(cost[inc])][0]
            raise InputError(f"must-include account {graph.ids[int(bad)]!r} has no known cost")
        eligible &= ~np.isnan(cost)
        eligible_any &= ~np.isnan(cost)
        if paid_budget_check:
            check_budget(cost, eligible, float(budget), float(cost[inc].sum()), prof)
    k_rest: int | None
    if k is not None:
        k_all = int(k) if max_creators is None else min(int(k), int(max_creators))
        if inc.size > k_all:
            raise InputError(f"{inc.size} must-include accounts exceed k = {k_all}")
        k_rest = k_all - int(inc.size)
        avail = int((eligible & ~np.isin(np.arange(n), inc)).sum())
        if avail < k_rest:
            raise InputError(
                f"k = {k_all} but only {avail + inc.size} eligible candidates"
                + (f" at relevance >= {thr:g}" if fit is not None and thr > 0 else "")
            )
    else:
        k_rest = None if max_creators is None else int(max_creators) - int(inc.size)
    objective, note = kpi_objective(profiles, objective)
    weight = aud = None
    exposure = objective in ("exposed", "earned_exposed")
    if objective in KPIS:
        aud = audience(prof, reach_rates, tier_thresholds or prof.thresholds)
        weight, exposure = kpi_weights(graph, aud, objective, lt=lt)
        if not float(weight.sum()) > 0 or not np.isfinite(weight).all():
            fallback, _ = kpi_objective(None, objective)
            note = (f"every account's {objective} weight is 0 or unknown; judging by "
                    f"{fallback} accounts (in-graph) instead")  # fmt: skip
            objective, weight, aud = fallback, None, None
            exposure = objective == "exposed"
    expose = None
    if exposure and not lt:
        expose = (np.ones(graph.m, dtype=np.float32) if quality is None
                  else quality[graph.edge_sources].astype(np.float32))  # fmt: skip
    return SeedingProblem(
        graph=graph,
        model=str(model),
        values=values,
        lt=lt,
        profiles=prof,
        cost=cost,
        eligible=eligible,
        include=inc,
        k=k_rest,
        budget=None if budget is None else float(budget),
        seed=seed,
        max_steps=max_steps,
        brand=brand,
        relevance=rel,
        threads=threads,
        progress=progress,
        min_relevance=thr,
        eligible_any=eligible_any,
        max_creators=max_creators,
        objective=objective,
        per_creator=cm.per_creator,
        expose=expose,
        root_weight=weight,
        audience=aud,
        objective_note=note,
    )
