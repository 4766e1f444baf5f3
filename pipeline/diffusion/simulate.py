"""Monte Carlo cascade simulation: :func:`simulate` and :func:`run_cascades` (their result,
:class:`SimulationResult`, lives in :mod:`pipeline.diffusion.result`).

:func:`simulate` validates its inputs, builds the model's per-edge
parameters (:mod:`pipeline.diffusion.models`) and calls
:func:`run_cascades`, the lower-level entry point that takes a precomputed
:class:`~pipeline.diffusion.models.DiffusionSpec` (e.g. a per-edge
probability array). Run ``r`` of a given ``seed`` always uses the same key
(``SeedSequence(seed, spawn_key=(0,)).generate_state(runs)[r]``, a prefix
that does not depend on ``runs``), hence the same live-edge graph for any
seed set: common random numbers for comparing seed sets. With an audience
quality ``q`` (share of each account's followers that are real), edge
``u -> v`` is real in run ``r`` with probability ``q_u`` by a coin of the same
key (see :mod:`pipeline.diffusion.models`); fake edges neither expose nor
transmit.

References
----------
Kempe, Kleinberg, Tardos (2003). Maximizing the spread of influence through
a social network. KDD.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pipeline import defaults
from pipeline.diffusion import kernels
from pipeline.diffusion.cascade import node_rows
from pipeline.diffusion.model_ref import Model
from pipeline.diffusion.models import (
    DiffusionSpec,
    build_model,
    check_quality,
    check_seed,
    check_seeds,
    node_log_inverse,
    run_key_sequence,
)
from pipeline.diffusion.result import SimulationResult
from pipeline.diffusion.rng import edge_thresholds
from pipeline.diffusion.threads import check_threads, interrupt_point, kernel_for, numba_threads
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.memory import check_memory

__all__ = ["SimulationResult", "run_cascades", "run_keys", "simulate", "simulation_bytes"]

_STEP_CAP = 64
_MAX_STEP_CELLS = 50_000_000
#: runs in the first kernel call of a simulation, and the seconds a later call aims at
_FIRST_BATCH = 4096
_BATCH_SECONDS = 0.5


def run_keys(seed: int, runs: int) -> NDArray[np.uint64]:
    """The 64-bit key of each run; key ``r`` does not depend on ``runs``. O(runs)."""
    keys = run_key_sequence(check_seed(seed), 0).generate_state(runs, np.uint64)
    return keys.astype(np.uint64, copy=False)


def _check_runs(runs: object) -> int:
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or int(runs) < 1:
        raise InputError(f"runs must be an integer >= 1, got {runs!r}")
    return int(runs)


def _check_max_steps(max_steps: object) -> int:
    if max_steps is None:
        return -1
    if (
        isinstance(max_steps, bool)
        or not isinstance(max_steps, int | np.integer)
        or int(max_steps) < 0
    ):
        raise InputError(f"max_steps must be an integer >= 0 (or None), got {max_steps!r}")
    return int(max_steps)


def run_cascades(
    g: FollowerGraph,
    seed_idx: ArrayLike,
    spec: DiffusionSpec,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    max_steps: int | None = None,
    attribution: bool = False,
    node_counts: bool = False,
    exposed: bool = True,
    threads: int | None = None,
    quality: ArrayLike | None = None,
    projection: NDArray[np.float64] | None = None,
) -> SimulationResult:
    """Run ``runs`` cascades of a precomputed model (lower-level entry point).

    ``spec`` carries a per-source probability (skip-sampled IC), a per-edge
    probability array (IC) or LT weights, and optionally an audience quality.
    ``quality`` (per-node share of real followers, length n, in [0, 1]) is an
    alternative to ``spec.quality``; giving both is an error. Same ``seed`` ->
    same live-edge graph (and the same real edges) in run ``r`` for any seed
    set. ``exposed=False`` skips counting the audience (faster for
    skip-sampled IC: only live edges are touched). ``threads`` temporarily
    sets numba's thread count; results do not depend on it. ``projection``
    (float64 4 x n, :meth:`pipeline.profiles.audience.Audience.kernel_rows`) adds per
    run the platform impressions, engagements and people of the run's posters
    (``projected``, runs x 3); the cascades are unchanged by it.
    Time O(runs x (k + out-edges of activated nodes) / threads).
    """
    seeds = check_seeds(g, seed_idx)
    if quality is not None and spec.quality is not None:
        raise InputError("quality is given twice (in the spec and as an argument); give it once")
    q = check_quality(g, spec.quality if quality is None else quality)
    runs = _check_runs(runs)
    seed = check_seed(seed)
    horizon = _check_max_steps(max_steps)
    threads = check_threads(threads)
    k = int(seeds.shape[0])
    need = simulation_bytes(runs, seeds=k if attribution else 0, projection=projection is not None)
    check_memory(need, f"a simulation of {runs:,} runs", hint="use fewer runs")
    keys = run_keys(seed, runs)
    proj = np.zeros((4, 0), dtype=np.float64)
    if projection is not None:
        proj = np.ascontiguousarray(projection, dtype=np.float64)
        if proj.shape != (4, g.n):
            raise InputError(f"projection has shape {proj.shape}; expected (4, {g.n})")
    kernel, lead = _kernel_for_spec(g, spec, q, threads)
    # fixed argument types, so each kernel compiles (and caches) one specialisation
    flags = (np.int64(horizon), bool(exposed), bool(attribution), bool(node_counts))
    with numba_threads(threads) as nthreads:
        cap = _STEP_CAP if horizon < 0 else min(_STEP_CAP, horizon + 1)
        out = _batched(
            lambda lo, hi, width: kernel(
                *lead, seeds, keys[lo:hi], *flags, np.int64(min(hi - lo, nthreads)),
                np.int64(width), proj,
            ),
            runs, cap, max(cap, _MAX_STEP_CELLS // runs),
        )  # fmt: skip
    act, exp, steps, per_step, credits, counts, projected = out
    cap = per_step.shape[1]
    width = min(cap, int(steps.max()) + 1)
    return SimulationResult(
        model=spec.model,
        runs=runs,
        seed=seed,
        max_steps=None if horizon < 0 else horizon,
        seed_nodes=seeds,
        seed_ids=g.ids.gather(seeds).alias("id"),
        activated=act,
        exposed=exp,
        steps=steps,
        new_per_step=np.ascontiguousarray(per_step[:, :width]),
        node_counts=counts.sum(axis=0) if node_counts else None,
        credits=credits if attribution else None,
        projected=projected if projection is not None else None,
    )


def simulation_bytes(runs: int, *, seeds: int = 0, projection: bool = False) -> int:
    """Bytes a simulation of ``runs`` runs holds (checked before it starts): per run its
    key, counts, steps, the per-step row (twice, with the result's copy), the attribution
    row of ``seeds`` seeds (0: no attribution), the projection and a margin. O(1)."""
    return runs * (8 + 8 + 8 + 4 + 8 * _STEP_CAP + 4 * seeds + 24 + 24 * projection)


def _batched(
    call: Callable[[int, int, int], tuple[NDArray[Any], ...]], runs: int, cap: int, top: int
) -> tuple[NDArray[Any], ...]:
    """Run the kernel over runs ``[0, runs)`` in consecutive batches (the first small,
    then sized to take about :data:`_BATCH_SECONDS` each) and stitch the outputs: run
    ``r`` uses key ``r`` whatever its batch, so the result equals one call's bit for
    bit, and a Ctrl-C stops the job between two batches (:func:`interrupt_point`).
    A batch whose cascades outgrow the per-step row is re-run with a wider one (up to
    ``top`` columns). O(runs) plus the kernels."""
    parts: list[tuple[NDArray[Any], ...]] = []
    lo, size = 0, min(runs, _FIRST_BATCH)
    while lo < runs:
        hi = min(runs, lo + size)
        start = time.perf_counter()
        while True:
            out = call(lo, hi, cap)
            need = int(out[2].max()) + 1 if hi > lo else 1
            if need <= cap or cap >= top:
                break
            cap = max(1, min(need, top))
        took = time.perf_counter() - start
        parts.append(out)
        lo = hi
        interrupt_point()
        if took < _BATCH_SECONDS / 2:
            size *= 2
        elif took > _BATCH_SECONDS * 2 and size > _FIRST_BATCH:
            size //= 2
    if len(parts) == 1:
        return parts[0]
    act, exp, steps, per_step, credits, counts, projected = zip(*parts, strict=True)
    wide = np.zeros((runs, cap), dtype=per_step[0].dtype)
    at = 0
    for block in per_step:
        wide[at : at + block.shape[0], : block.shape[1]] = block
        at += block.shape[0]
    total = counts[0].sum(axis=0, keepdims=True)
    for c in counts[1:]:
        total += c.sum(axis=0, keepdims=True)
    return (
        np.concatenate(act), np.concatenate(exp), np.concatenate(steps), wide,
        np.concatenate(credits), total, np.concatenate(projected),
    )  # fmt: skip


def _kernel_for_spec(
    g: FollowerGraph,
    spec: DiffusionSpec,
    quality: NDArray[np.float64] | None,
    threads: int | None,
) -> tuple[Callable[..., tuple[NDArray[Any], ...]], tuple[Any, ...]]:
    """The kernel that runs ``spec`` and its leading arguments (graph arrays, the model's
    per-edge or per-node values laid out for it, quality), checked and built once per
    call so the batches of :func:`_batched` share them. O(n + m)."""
    # No quality: an empty array, and the kernels branch on its length once.
    q = np.zeros(0, dtype=np.float64) if quality is None else np.ascontiguousarray(quality)
    if spec.weight is not None:
        w = _edge_array(spec.weight, g.m, "weight")
        return kernel_for(kernels.lt_runs, threads), (g.out_ptr, g.out_idx, w, q)
    none_thr = np.zeros(0, dtype=np.uint64)
    if spec.node_prob is not None:
        node_p = np.ascontiguousarray(spec.node_prob, dtype=np.float64)
        if node_p.shape != (g.n,):
            raise InputError(f"node_prob has shape {node_p.shape}; expected ({g.n},)")
        if node_p.size and node_p.min() == node_p.max():
            node_p = node_p[:1]  # one p for every source: one row, no per-node log
        # (p_u, 1 / log1p(-p_u)) side by side: the skip-sampler reads both per node
        arrays = (none_thr, none_thr, node_rows(node_p, node_log_inverse(node_p)), False)
    elif spec.edge_prob is not None:
        edge_p = _edge_array(spec.edge_prob, g.m, "edge_prob")
        # per-edge coins as integer compares (the same decisions as the float rule)
        live, real = edge_thresholds(g.out_ptr, edge_p, q)
        arrays = (live, real, np.zeros((0, 2), dtype=np.float64), True)
    else:
        raise InputError("the diffusion spec has no node_prob, edge_prob or weight")
    return kernel_for(kernels.ic_runs, threads), (g.out_ptr, g.out_idx, *arrays, q)


def _edge_array(a: NDArray[Any], m: int, what: str) -> NDArray[np.float32]:
    arr = np.ascontiguousarray(a, dtype=np.float32)
    if arr.shape != (m,):
        raise InputError(f"{what} has shape {arr.shape}; expected one value per edge ({m},)")
    return arr


def simulate(
    g: FollowerGraph,
    seed_idx: ArrayLike,
    model: str | Model,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    p: float | None = None,
    max_steps: int | None = None,
    sender_factor: ArrayLike | None = None,
    attribution: bool = False,
    node_counts: bool = False,
    threads: int | None = None,
    quality: ArrayLike | None = None,
    projection: NDArray[np.float64] | None = None,
) -> SimulationResult:
    """Simulate ``runs`` cascades of ``model`` from the seed nodes ``seed_idx``.

    Parameters
    ----------
    g : the follower graph (influence direction).
    seed_idx : dense node indices of the seeds (duplicates dropped, first kept).
    model : ``"ic"`` (uniform ``p`` or the probability column), ``"wc"``
        (1 / in-degree), ``"tv"`` (trivalency) or ``"lt"`` (Linear Threshold).
    runs : number of simulations (>= 1).
    seed : non-negative integer; same seed -> bit-identical results for any
        thread count.
    p : uniform IC probability in [0, 1] (``ic`` only).
    max_steps : horizon in steps (seeds are step 0); None = until no change.
    sender_factor : per-node brand factor (see :mod:`pipeline.diffusion.models`).
    attribution : record per-run credits of each seed (first cascade to reach a node).
    node_counts : record how many runs activated each node.
    threads : numba threads to use (default: numba's setting).
    quality : audience quality, the share ``q_u`` in [0, 1] of each node's
        followers that are real (length n; e.g. ``Profiles.real_audience``),
        or None for no discount. Each follow edge ``u -> v`` is real in a run
        with probability ``q_u``, independently of the cascade coins; a fake
        edge neither exposes ``v`` nor transmits. So an activated ``u``
        exposes ``q_u * out-degree(u)`` followers in expectation (counts of
        nodes, before overlaps), a cascade edge transmits with probability
        ``q_u * p(u, v)``, and an LT edge adds its weight ``w(u, v)`` only
        when real (``q_u * w(u, v)`` on average). ``q_u = 1`` reproduces the
        undiscounted run exactly; ``q_u = 0`` silences ``u``.
    projection : float64 4 x n (``Audience.kernel_rows()``, :mod:`pipeline.profiles.audience`):
        each run's platform impressions, engagements and people go to ``projected``.

    Returns
    -------
    SimulationResult

    Raises
    ------
    InputError
        Empty or out-of-range seeds, unknown model, bad ``p``/``runs``/
        ``max_steps``/``seed``/``quality``, missing probabilities, LT
        weights over 1.

    Notes
    -----
    Attribution: a seed credits itself; a node activated at step t is
    credited to the seed label of the parent that activated it, parents
    being processed in activation order (seeds in the given order), so among
    several parents at step t - 1 the one activated first wins (IC), and for
    LT the parent whose weight pushed the node over its threshold.

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from pipeline.graph_io import from_edges
    >>> g = from_edges(np.array([0, 1]), np.array([1, 2]), pl.Series(["a", "b", "c"]))
    >>> simulate(g, [0], "ic", p=1.0, runs=10).summary()["mean_activated"]
    3.0
    """
    spec = build_model(
        g, model, p=p, sender_factor=sender_factor, seed=check_seed(seed), quality=quality
    )
    return run_cascades(
        g,
        seed_idx,
        spec,
        runs=runs,
        seed=seed,
        max_steps=max_steps,
        attribution=attribution,
        node_counts=node_counts,
        threads=threads,
        projection=projection,
    )
