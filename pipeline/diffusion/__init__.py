"""Cascade simulation: Independent Cascade, weighted cascade, trivalency and
Linear Threshold (Kempe, Kleinberg, Tardos 2003), optionally brand-aware.

>>> from pipeline.diffusion import simulate
>>> # result = simulate(graph, seed_idx, "ic", runs=1000, seed=0, p=0.01)

Modules: :mod:`~pipeline.diffusion.kernels` (numba kernels over CSR arrays),
:mod:`~pipeline.diffusion.models` (per-edge parameters and validation),
:mod:`~pipeline.diffusion.simulate` (:func:`simulate`, :func:`run_cascades`),
:mod:`~pipeline.diffusion.group` (:func:`simulate_plans`: several seed sets on shared runs),
:mod:`~pipeline.diffusion.exact` (exact live-edge oracle for tiny graphs),
:mod:`~pipeline.diffusion.compete` (competing brands, :func:`compete`).
"""

from pipeline.diffusion.compete import CompetitionResult, compete
from pipeline.diffusion.exact import ExactSpread, exact_ic, exact_lt
from pipeline.diffusion.group import simulate_plans
from pipeline.diffusion.models import MODELS, DiffusionSpec, build_model, wc_probabilities
from pipeline.diffusion.simulate import SimulationResult, run_cascades, run_keys, simulate

__all__ = [
    "MODELS",
    "CompetitionResult",
    "DiffusionSpec",
    "ExactSpread",
    "SimulationResult",
    "build_model",
    "compete",
    "exact_ic",
    "exact_lt",
    "run_cascades",
    "run_keys",
    "simulate",
    "simulate_plans",
    "wc_probabilities",
]
