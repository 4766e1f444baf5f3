"""A cell's plan and simulation, shared with the other cells of its brand:
:func:`cell_plan` and :func:`simulate_cell_plan`.

A plan (brand, plan model, strategy, level) is judged under every model of the campaign,
so several cells hold it; :func:`cell_plan` chooses it once per process and hands the
same result to each. Cells of one brand and model share their run keys (common random
numbers), so under an Independent Cascade model (the presets, weighted cascade,
trivalency, per-edge or per-source probabilities) the first cell of a brand and model
that needs a simulation takes along
the plans of the brand's other cells of that model that the process has chosen already
(the local executor chooses all of a brand's plans before its cells run,
:func:`~pipeline.campaign.executors.plan_tasks`, so all are) and simulates them all
at once (:func:`~pipeline.diffusion.group.simulate_plans`: up to 64 plans in one
bit-parallel pass per run, on every cell thread); the results
wait in the simulation memo for their cells. A plan's numbers do not depend on which
plans it was simulated with, or how, so the files are the same whatever the order, the
thread or the executor; only the time changes. Linear Threshold simulates cell by cell.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.campaign.context import CampaignContext
from pipeline.campaign.grid import Cell, cells_of, derive_seed, stream_name, stream_names
from pipeline.profiles.kpis import EARNED_KPIS

__all__ = ["cell_plan", "plan_key", "simulate_cell_plan"]


def cell_plan(ctx: CampaignContext, cell: Cell, threads: int | None) -> Any:
    """The :class:`~pipeline.seeding.SeedSet` of ``cell``'s plan, chosen under its plan
    model with a stream of (seed, brand, plan model), once per process: the cells that
    judge one plan under several models share it (its arrays read-only). Time: the
    strategy's; O(1) when known."""
    return ctx.shared("plans", _memo).get(plan_key(cell), lambda: _choose(ctx, cell, threads))


def plan_key(cell: Cell) -> tuple[Any, ...]:
    """What names ``cell``'s plan: (brand, plan model, strategy, budget, k). O(1)."""
    return (cell.brand, cell.plan, cell.strategy, cell.budget, cell.k)


def _memo() -> Any:
    from pipeline.campaign.sim_memo import SimulationMemo

    return SimulationMemo()


def _choose(ctx: CampaignContext, cell: Cell, threads: int | None) -> Any:
    from pipeline.seeding import select_seeds

    cfg = ctx.config
    return select_seeds(
        ctx.graph,
        cell.strategy,
        k=cell.k,
        budget=cell.budget,
        model=ctx.model(cell.plan),
        profiles=ctx.profiles,
        brands=ctx.brands,
        brand=cell.brand,
        brand_aware=cfg.brand_aware,
        min_relevance=cfg.min_relevance,
        max_creators=cfg.max_creators,
        costs=cfg.costs(),
        # an earned KPI is chosen for on its total (the creators' own posts included)
        objective=ctx.objective[0].removeprefix("earned_")
        if ctx.objective[0] in EARNED_KPIS
        else ctx.objective[0],
        reach_rates=cfg.reach_rates(),
        seed=derive_seed(cfg.seed, "select", cell.brand, stream_name(cell.plan)),
        max_steps=cfg.max_steps,
        epsilon=cfg.epsilon,
        celf_runs=cfg.celf_runs,
        estimate_rr_sets=cfg.estimate_rr_sets,
        threads=threads,
        cache=ctx.rr_cache(),
        creators=cfg.creators,
        # what robust plans for, keyed by the names its RR streams derive from
        models=dict(zip(stream_names(cfg.models), map(ctx.model, cfg.models), strict=True)),
        resamples=cfg.resamples,
        ambassadors=ctx.pools.get(cell.brand),  # [inputs] actions: ambassadors, mixed
    )


def _spec(ctx: CampaignContext, cell: Cell, seed: int) -> Any:
    """The cell's model as a :class:`~pipeline.diffusion.models.DiffusionSpec` with the
    brand's sender factor and the audience quality (as :func:`simulate` builds it).
    O(n + m)."""
    from pipeline.diffusion.models import build_model

    _, factor = ctx.brand_arrays(cell.brand)
    return build_model(
        ctx.graph, ctx.model(cell.model), sender_factor=factor, seed=seed, quality=ctx.quality()
    )


def _shares_runs(ctx: CampaignContext, cell: Cell, seed: int) -> bool:
    """Whether the cell's model is IC (its spec has no LT weights), so its plans can run
    together, once per brand and model."""
    flags = ctx.shared("ic-model", dict)
    key = (cell.brand, cell.model)
    if key not in flags:  # a dict's get and set are atomic
        flags[key] = _spec(ctx, cell, seed).weight is None
    return bool(flags[key])


def simulate_cell_plan(ctx: CampaignContext, cell: Cell, nodes: Any, threads: int | None) -> Any:
    """The :class:`~pipeline.diffusion.result.SimulationResult` of ``cell``'s plan
    ``nodes`` (non-empty), with node counts and projected units, from the process's memo
    or computed (module doc). Time: see the module doc; O(1) on a memo hit."""
    from pipeline.diffusion.group import simulate_plans

    cfg = ctx.config
    seed = derive_seed(cfg.seed, "simulate", cell.brand, stream_name(cell.model))
    seeds = np.asarray(nodes, dtype=np.int64)
    key = (cell.brand, cell.model, seeds.tobytes())
    others: dict[Any, Any] = {}
    if _shares_runs(ctx, cell, seed):
        grid = ctx.shared("grid", lambda: cells_of(cfg, ctx.brands))
        plans = ctx.shared("plans", _memo)
        for c in grid:
            if c.brand == cell.brand and c.model.label == cell.model.label and c != cell:
                # only plans chosen already: choosing the others here would hold up the
                # cell threads waiting for them (and, on Ray, repeat other workers' work)
                other = plans.peek(plan_key(c))
                if other is None:
                    continue
                s = np.asarray(other.nodes, dtype=np.int64)
                if s.size:
                    others[(cell.brand, cell.model, s.tobytes())] = s
        others.pop(key, None)

    def compute(keys: list[Any]) -> list[Any]:
        plans = [seeds if k == key else others[k] for k in keys]
        return simulate_plans(
            ctx.graph, plans, _spec(ctx, cell, seed), runs=cfg.runs, seed=seed,
            max_steps=cfg.max_steps, threads=threads, projection=ctx.projection(),
            pool_threads=ctx.shared("cell-threads", lambda: 1),
        )  # fmt: skip

    return ctx.simulations().get_along(key, list(others), compute)
