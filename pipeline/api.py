"""The account-ID layer behind ``import pipeline``: every function here takes and returns
the user's account IDs (ints or strings, as in their files), never dense node indices.

The submodules (:mod:`pipeline.diffusion`, :mod:`pipeline.seeding`, ...) are the detailed
layer, indexed by node; these wrappers translate IDs with
:meth:`~pipeline.graph_io.FollowerGraph.index_of` (unknown IDs raise
:class:`~pipeline.errors.InputError` naming them) and share the CLI's defaults
(:mod:`pipeline.defaults`: the model is ``"ic"`` when a ``p`` is given or the graph
has per-edge probabilities, else :data:`DEFAULT_MODEL`). :func:`run_campaign` is the
campaign driver with a progress display in notebooks (or on request), from
:mod:`pipeline.campaign.notebook`.

Profiles and brands go in as the CLI takes them (``profiles=``, ``brands=``, ``brand=``)
and become kernel inputs in one place, the brand view
(:func:`pipeline.profiles.brand_view`): the brand's sender factor ``f_u`` and the
profiles' audience quality ``q_u`` (``real_audience``), applied alike by
:func:`simulate`, :func:`audience_overlap`, :func:`compete` and :func:`select_seeds`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from pipeline import defaults
from pipeline.diffusion import CompetitionResult, SimulationResult
from pipeline.diffusion.model_ref import Model
from pipeline.diffusion.model_ref import resolve as resolve_model
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.intervals import half_width
from pipeline.overlap import OverlapResult

if TYPE_CHECKING:
    from pipeline.campaign.notebook import run_campaign
    from pipeline.profiles import Brands, Profiles

__all__ = [
    "DEFAULT_MODEL",
    "audience_overlap",
    "compare_seed_sets",
    "compete",
    "run_campaign",
    "select_seeds",
    "simulate",
]

#: The cascade model the CLI and these functions use when none is named (and no ``p``):
#: weighted cascade needs no parameter (p = 1 / the follower's following count).
DEFAULT_MODEL = defaults.MODEL


def _viewed(
    graph: FollowerGraph,
    options: dict[str, Any],
    profiles: Profiles | None,
    brands: Brands | None,
    brand: str | None,
) -> dict[str, Any]:
    """``options`` with the brand view's ``sender_factor`` and ``quality``
    (:func:`pipeline.profiles.brand_view`) when ``profiles`` are given. O(n) once."""
    if profiles is None:
        if brand is not None:
            raise InputError(f"brand {brand!r} needs profiles= and brands=")
        return options
    from pipeline.profiles import brand_view

    _check_profiles(graph, profiles, options, "sender_factor", "quality")
    return {**options, **brand_view(profiles, brands, brand).kernel_options()}


def _check_profiles(
    graph: FollowerGraph, profiles: Profiles, options: dict[str, Any], *given: str
) -> None:
    if profiles.n != graph.n:
        raise InputError(
            f"the profiles ({profiles.path}) are of a graph of {profiles.n:,} accounts; "
            f"this one has {graph.n:,}"
        )
    for name in given:
        if options.get(name) is not None:
            raise InputError(f"give profiles= or {name}=, not both (the profiles set it)")


def simulate(
    graph: FollowerGraph,
    seeds: Iterable[object],
    model: str | Model | None = None,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    p: float | None = None,
    profiles: Profiles | None = None,
    brands: Brands | None = None,
    brand: str | None = None,
    **options: Any,
) -> SimulationResult:
    """Simulate ``runs`` cascades of ``model`` from the accounts ``seeds`` (IDs); other
    ``options`` as :func:`pipeline.diffusion.simulate`. With ``profiles``, their audience
    quality discounts exposure and spread, and with ``brands`` and a ``brand`` the
    cascades are brand-aware (the brand view, :func:`pipeline.profiles.brand_view`; in
    place of ``sender_factor=`` and ``quality=``). The result's ``seeds`` are the
    account IDs (``seed_nodes`` their dense indices). O(runs x reached edges)."""
    from pipeline.diffusion import simulate as run

    model = resolve_model(model, p, graph)
    idx = graph.index_of(list(seeds), what="seed ID")
    options = _viewed(graph, options, profiles, brands, brand)
    return run(graph, idx, model, runs=runs, seed=seed, p=p, **options).with_ids(graph)


def select_seeds(
    graph: FollowerGraph,
    strategy: str = "imm",
    *,
    k: int | None = None,
    budget: float | None = None,
    model: str | Model | None = None,
    exclude: Iterable[object] = (),
    include: Iterable[object] = (),
    **options: Any,
) -> pl.DataFrame:
    """The ordered seed list of ``strategy`` for ``k`` seeds or a ``budget``, one row per
    seed: rank, id, handle, tier, cost, marginal_gain, cumulative_reach and the rest of
    :meth:`~pipeline.seeding.base.SeedSet.to_polars` (no dense ``node`` column).
    ``exclude``/``include`` are account IDs; other ``options`` (profiles, brands, brand,
    objective, epsilon, seed, ...) as :func:`pipeline.seeding.select_seeds`, which takes
    the brand's relevance, pool, sender factor and the audience quality from the same
    brand view (:func:`pipeline.profiles.brand_view`) as :func:`simulate`."""
    from pipeline.seeding import select_seeds as choose

    chosen = choose(
        graph, strategy, k=k, budget=budget, model=model,
        exclude=graph.index_of(list(exclude), what="excluded ID"),
        include=graph.index_of(list(include), what="included ID"),
        **options,
    )  # fmt: skip
    df = chosen.to_polars()
    return df.drop("node") if "node" in df.columns else df


def compare_seed_sets(
    graph: FollowerGraph,
    a: Iterable[object],
    b: Iterable[object],
    model: str | Model | None = None,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    p: float | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Paired comparison of two seed sets (account IDs): both simulated with the same
    random numbers run by run (common random numbers), so the difference's interval
    is far narrower than two independent ones. Returns means, the mean difference
    ``b - a`` of activated and exposed accounts with 95% Student-t intervals, and the
    share of runs where b reaches more. O(2 x simulate)."""
    model = resolve_model(model, p, graph)
    ra = simulate(graph, a, model, runs=runs, seed=seed, **options)
    rb = simulate(graph, b, model, runs=runs, seed=seed, **options)
    out: dict[str, Any] = {"model": str(model), "runs": runs, "seed": seed}
    for metric in ("activated", "exposed"):
        xa = np.asarray(getattr(ra, metric), dtype=np.float64)
        xb = np.asarray(getattr(rb, metric), dtype=np.float64)
        d = xb - xa
        hw = float(half_width(d))  # NaN for a single run: no interval
        mean = float(d.mean())
        out[f"mean_{metric}_a"] = float(xa.mean())
        out[f"mean_{metric}_b"] = float(xb.mean())
        out[f"diff_{metric}"] = mean
        out[f"diff_{metric}_ci_low"] = None if math.isnan(hw) else mean - hw
        out[f"diff_{metric}_ci_high"] = None if math.isnan(hw) else mean + hw
        out[f"b_wins_{metric}"] = float((d > 0).mean())
    return out


def audience_overlap(
    graph: FollowerGraph,
    candidates: Iterable[object],
    model: str | Model | None = None,
    *,
    runs: int = defaults.OVERLAP_RUNS,
    seed: int = defaults.SEED,
    p: float | None = None,
    profiles: Profiles | None = None,
    brands: Brands | None = None,
    brand: str | None = None,
    **options: Any,
) -> OverlapResult:
    """Follower and simulated-audience overlap of 2 to 64 candidate accounts (IDs); see
    :func:`pipeline.overlap.audience_overlap`. ``profiles``, ``brands`` and ``brand`` as
    for :func:`simulate` (audience quality and the brand's sender factor). Its tables
    carry the IDs."""
    from pipeline.overlap import audience_overlap as overlap

    model = resolve_model(model, p, graph)
    idx = graph.index_of(list(candidates), what="candidate ID")
    options = _viewed(graph, options, profiles, brands, brand)
    return overlap(graph, idx, model, runs=runs, seed=seed, p=p, **options)


def compete(
    graph: FollowerGraph,
    seeds: Mapping[str, Iterable[object]],
    model: str | Model | None = None,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    p: float | None = None,
    profiles: Profiles | None = None,
    brands: Brands | None = None,
    **options: Any,
) -> CompetitionResult:
    """Two or more brands seeding at once (brand -> account IDs); see
    :func:`pipeline.diffusion.compete`. With ``profiles``, their audience quality
    discounts every brand's spread, and with ``brands`` (a table naming every competing
    brand) each brand spreads with its own sender factor: the brand views of
    :func:`pipeline.profiles.brand_view`, in place of ``sender_factors=`` and
    ``quality=``."""
    from pipeline.diffusion import compete as run

    model = resolve_model(model, p, graph)
    idx = {b: graph.index_of(list(ids), what=f"{b} seed ID") for b, ids in seeds.items()}
    if profiles is not None:
        from pipeline.profiles import brand_view

        _check_profiles(graph, profiles, options, "sender_factors", "quality")
        options["quality"] = brand_view(profiles).quality
        if brands is not None:
            views = {b: brand_view(profiles, brands, b) for b in idx}
            options["sender_factors"] = {b: v.sender_factor for b, v in views.items()}
    elif brands is not None:
        raise InputError("brands= needs profiles= (the accounts' topics and engagement)")
    return run(graph, idx, model, runs=runs, seed=seed, p=p, **options)


def __getattr__(name: str) -> Any:
    """``run_campaign`` lives with the campaign step (:mod:`pipeline.campaign.notebook`)
    and is imported on first use, so importing this module stays light."""
    if name == "run_campaign":
        from pipeline.campaign.notebook import run_campaign

        return run_campaign
    raise AttributeError(f"module 'pipeline.api' has no attribute {name!r}")
