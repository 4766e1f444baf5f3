"""The account-ID layer behind ``import pipeline``: every function here takes and returns
the user's account IDs (ints or strings, as in their files), never dense node indices.

The submodules (:mod:`pipeline.diffusion`, :mod:`pipeline.seeding`, ...) are the detailed
layer, indexed by node; these wrappers translate IDs with
:meth:`~pipeline.graph_io.FollowerGraph.index_of` (unknown IDs raise
:class:`~pipeline.errors.InputError` naming them) and share the CLI's defaults
(:mod:`pipeline.defaults`: the model is ``"ic"`` when a ``p`` is given or the graph
has per-edge probabilities, else :data:`DEFAULT_MODEL`). :func:`run_campaign` is the
campaign driver with a progress display in notebooks (or on request).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
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
    from pipeline.campaign.config import CampaignConfig
    from pipeline.campaign.driver import CampaignProgress, CampaignReport

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


def simulate(
    graph: FollowerGraph,
    seeds: Iterable[object],
    model: str | Model | None = None,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    p: float | None = None,
    **options: Any,
) -> SimulationResult:
    """Simulate ``runs`` cascades of ``model`` from the accounts ``seeds`` (IDs); other
    ``options`` as :func:`pipeline.diffusion.simulate`. The result's ``seeds`` are the
    account IDs (``seed_nodes`` their dense indices). O(runs x reached edges)."""
    from pipeline.diffusion import simulate as run

    model = resolve_model(model, p, graph)
    idx = graph.index_of(list(seeds), what="seed ID")
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
    objective, epsilon, seed, ...) as :func:`pipeline.seeding.select_seeds`."""
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
    **options: Any,
) -> OverlapResult:
    """Follower and simulated-audience overlap of 2 to 64 candidate accounts (IDs); see
    :func:`pipeline.overlap.audience_overlap`. Its tables carry the IDs."""
    from pipeline.overlap import audience_overlap as overlap

    model = resolve_model(model, p, graph)
    idx = graph.index_of(list(candidates), what="candidate ID")
    return overlap(graph, idx, model, runs=runs, seed=seed, p=p, **options)


def compete(
    graph: FollowerGraph,
    seeds: Mapping[str, Iterable[object]],
    model: str | Model | None = None,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    p: float | None = None,
    **options: Any,
) -> CompetitionResult:
    """Two or more brands seeding at once (brand -> account IDs); see
    :func:`pipeline.diffusion.compete`."""
    from pipeline.diffusion import compete as run

    model = resolve_model(model, p, graph)
    idx = {b: graph.index_of(list(ids), what=f"{b} seed ID") for b, ids in seeds.items()}
    return run(graph, idx, model, runs=runs, seed=seed, p=p, **options)


def run_campaign(
    config: CampaignConfig | str | Path,
    *,
    executor: str = "local",
    address: str | None = None,
    workers: int | None = None,
    resume: bool = True,
    output: str | Path | None = None,
    progress: bool | Callable[[CampaignProgress], None] | None = None,
    prune: bool = False,
) -> CampaignReport:
    """Run every cell of a campaign and write its results folder: the arguments and the
    report are :func:`pipeline.campaign.driver.run_campaign`'s (``prune`` deletes the
    files of cells outside the current grid), but for ``progress``.

    ``progress``: None (the default) shows progress only inside a Jupyter notebook (one
    line with a bar, cells done of the total, runs per second and the last cell, updated
    in place); True shows it anywhere (outside a notebook a rich bar on stderr, or one
    line per cell when stderr is not a terminal); False never; a callable receives
    every :class:`~pipeline.campaign.driver.CampaignProgress` and nothing is shown.
    Outside notebooks nothing is printed unless asked.
    """
    from pipeline.campaign.driver import run_campaign as run
    from pipeline.reprs import CampaignProgressView, in_notebook

    def go(note: Callable[[CampaignProgress], None] | None) -> CampaignReport:
        return run(config, executor=executor, address=address, workers=workers,
                   resume=resume, output=output, progress=note, prune=prune)  # fmt: skip

    if progress is not None and not isinstance(progress, bool) and not callable(progress):
        raise InputError(f"progress must be True, False, None or a callable, got {progress!r}")
    if callable(progress):
        return go(progress)
    notebook = in_notebook()
    if not (notebook if progress is None else progress):
        return go(None)
    view = CampaignProgressView(notebook=notebook)
    t0 = time.perf_counter()
    status = "stopped by an error"
    try:
        report = go(view)
    except KeyboardInterrupt:
        status = "interrupted: finished cells are saved; run again to resume"
        raise
    else:
        took = time.perf_counter() - t0
        status = (f"done: {report.cells_run:,} cells run, {report.cells_skipped:,} already "
                  f"done, in {took:,.1f} s")  # fmt: skip
    finally:
        view.close(status)
    return report
