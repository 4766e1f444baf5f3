"""The defaults every entry point shares: library functions and CLI options read them here.

Change a default in this one place and the Python API, the ``influence`` commands and
their ``--help`` texts all follow. Campaign files have their own keys (see
:mod:`pipeline.campaign.config`), which start from the same values where they mean the
same thing.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CELF_RUNS",
    "EPSILON",
    "ESTIMATE_RR_SETS",
    "MIN_RELEVANCE",
    "MODEL",
    "OVERLAP_RUNS",
    "RUNS",
    "SEED",
    "resolve_model",
]

#: The diffusion model when none is named: weighted cascade (p = 1 / in-degree), which
#: needs no probability from the user.
MODEL = "wc"
#: Monte Carlo runs per simulation.
RUNS = 1000
#: Monte Carlo runs of an audience-overlap estimate (one cascade per candidate per run).
OVERLAP_RUNS = 200
#: The random seed: the same seed gives the same numbers.
SEED = 0
#: IMM / OPIM-C accuracy: a (1 - 1/e - epsilon) approximation with high probability.
EPSILON = 0.5
#: Monte Carlo runs per marginal-gain estimate in CELF.
CELF_RUNS = 200
#: RR sets drawn to estimate the reach of a non-RR strategy's seed list.
ESTIMATE_RR_SETS = 100_000
#: Brand-fit threshold: accounts below this cosine topic relevance are not candidates.
MIN_RELEVANCE = 0.3


def resolve_model(model: str | None, p: float | None = None, graph: Any = None) -> str:
    """The model a call means: ``model`` when given; else ``"ic"`` when a uniform
    probability ``p`` is given (``p`` applies to IC only) or ``graph`` carries per-edge
    probabilities (its ``probability`` column); else :data:`MODEL`."""
    if model is not None:
        return model
    if p is not None or getattr(graph, "probability", None) is not None:
        return "ic"
    return MODEL
