"""How settled a chosen plan is: its selection re-run on bootstrap resamples of its RR pool.

:func:`plan_bootstrap` takes the plan an RR-pool strategy (imm, opim) chose, the
:class:`~pipeline.seeding.max_cover.CoverIndex` it chose it on and the problem, re-runs
the same selection (:func:`reselect`: the greedy rules of
:func:`~pipeline.seeding.imm.select_cover` with the problem's k, budget, costs, pool,
must-includes and earned penalty) on ``resamples`` bootstrap resamples of the pool
(:func:`~pipeline.seeding.stability.bootstrap_plans`), and reports per plan creator in
how many re-runs it was picked, the stand-ins the re-runs picked instead, and the
spread of the re-run plans' value on an independent estimate (the caller's
``value``, e.g. the reach estimator's sum of marginal gains). Time: ``resamples`` x
(one pool copy, its index, the greedy rules); memory: one resampled pool at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.seeding.base import SeedingProblem
from pipeline.seeding.imm import select_cover
from pipeline.seeding.max_cover import CoverIndex
from pipeline.seeding.stability import Stability, bootstrap_plans, kpi_spread, plan_stability

__all__ = ["PlanBootstrap", "judge_reruns", "plan_bootstrap", "reselect"]


def reselect(problem: SeedingProblem, index: CoverIndex) -> NDArray[np.int32]:
    """The seeds IMM and OPIM-C choose on ``index`` for ``problem`` (the best of their
    greedy rules; the earned penalty of ``len(rr) / n`` sets per seed when the objective
    is earned). O(rules x greedy)."""
    budget = problem.budget
    pen = len(index.rr) / max(problem.n, 2) if problem.earned else 0.0
    seeds, _, _ = select_cover(
        index, k=problem.k, budget=budget,
        cost=problem.key_cost() if budget is not None else None,
        eligible=problem.eligible, forced=problem.include, penalty=pen,
    )  # fmt: skip
    return seeds


@dataclass(frozen=True, eq=False)
class PlanBootstrap:
    """A plan's :class:`~pipeline.seeding.stability.Stability` and the value of each
    re-run plan (``values``, the caller's unit) with their (min, median, max)."""

    stability: Stability
    values: tuple[float, ...]
    spread: tuple[float, float, float]

    def stand_ins_text(self, ids: Any, limit: int = 5) -> str:
        """``"a (3 of 5), b (1 of 5)"``: the first ``limit`` stand-ins by their ``ids``
        (indexable by node); "" when there is none."""
        s = self.stability
        return ", ".join(
            f"{ids[int(v)]} ({int(c)} of {s.resamples})"
            for v, c in zip(s.stand_ins[:limit], s.stand_in_counts[:limit], strict=True)
        )


def plan_bootstrap(
    problem: SeedingProblem,
    index: CoverIndex,
    plan: NDArray[np.int32],
    value: Callable[[NDArray[np.int32]], float],
    *,
    resamples: int,
    seed: int,
) -> PlanBootstrap:
    """Re-run the selection of ``plan`` on ``resamples`` bootstrap resamples of
    ``index`` (streams from ``seed``) and judge each re-run plan by ``value``."""
    plans = bootstrap_plans(index, lambda ix: reselect(problem, ix), resamples=resamples,
                            seed=seed)  # fmt: skip
    return judge_reruns(plan, plans, value)


def judge_reruns(
    plan: NDArray[np.int32],
    plans: list[NDArray[np.int32]],
    value: Callable[[NDArray[np.int32]], float],
) -> PlanBootstrap:
    """The :class:`PlanBootstrap` of ``plan`` against re-run ``plans`` a strategy made
    itself (``robust`` re-runs SATURATE on resamples of every model's pool)."""
    values = tuple(float(value(p)) for p in plans)
    return PlanBootstrap(plan_stability(plan, plans), values, kpi_spread(values))
