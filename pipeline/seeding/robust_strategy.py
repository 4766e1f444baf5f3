"""The ``robust`` strategy: one plan for every model of a campaign (:mod:`~.robust`).

Registered as a built-in: given the same problem under each of the campaign's models
(``options.models``; the problem's own model alone when absent), it returns
:func:`~pipeline.seeding.robust.robust_seeds`' plan, which maximises the worst ratio to
each model's best known plan, and its achieved worst-case ratio with a lower
confidence bound (``info["robust_ratio"]``, ``info["robust_ratio_low"]``). Its plan
does not depend on which model is the campaign's plan model, so campaigns choose it
once and evaluate it under every model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.seeding.base import SeedingProblem
from pipeline.seeding.registry import StrategyOptions, register_builtin
from pipeline.seeding.robust import robust_seeds

__all__ = ["robust_strategy"]


def robust_strategy(
    problem: SeedingProblem, options: StrategyOptions
) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """The robust plan of ``problem`` under ``options.models`` (label -> the same problem
    under that model; default: ``problem``'s model alone, where it is the greedy plan on
    RR sets). ε is ``options.epsilon``; the seed is the problem's; each model's RR sets
    come from ``options.pool_of`` when given (shared with the other budgets' calls:
    the same sets, drawn once). Time and memory:
    :func:`~pipeline.seeding.robust.robust_seeds`."""
    models = dict(options.models) if options.models else {"model": problem}
    pool_of = options.pool_of
    pools = None if pool_of is None else {label: pool_of(p) for label, p in models.items()}
    return robust_seeds(
        models, epsilon=options.checked_epsilon(), seed=problem.seed, threads=problem.threads,
        resamples=options.resamples, pools=pools,
    )  # fmt: skip


register_builtin(
    "robust", robust_strategy, family="optimized",
    plain="the robust plan, the best worst case over the virality models",
    help="one plan for every model: the best worst-case ratio (He & Kempe 2016)",
    uses_rr=True, needs_models=True,
)  # fmt: skip
