"""Several seed sets simulated on the same runs at once: :func:`simulate_plans`.

A campaign judges many plans (strategies x budgets) of one brand under one model on the
same run keys. For Independent Cascade (weighted cascade, trivalency, per-edge or
per-source probabilities, the presets, brand-aware or not) :func:`simulate_plans` can run
them together in
:func:`~pipeline.diffusion.group_kernel.ic_group_runs`, which runs up to 64 plans in one
bit-parallel pass per run (each edge's coin drawn once for all of them, each node walked
once per wave that brought it plans), or one by one in
:func:`~pipeline.diffusion.kernels.ic_runs`. The two give the same numbers bit for bit
(the projection is summed in whole units, :mod:`~pipeline.diffusion.project_kernel`), so
the choice is about time alone: the first :data:`_PILOT_RUNS` runs go half one way and
half the other, timed, and the faster way runs the rest (sharing wins when the plans'
cascades overlap, as the demo's high-virality plans do; one by one can win when they
stay small and apart). Linear Threshold runs
:func:`~pipeline.diffusion.simulate.run_cascades` plan by plan. Either way plan ``i``'s
result equals ``run_cascades`` of that plan alone, whatever the other plans, the
threads or the path.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pipeline import defaults
from pipeline.diffusion.group_kernel import ic_group_runs
from pipeline.diffusion.models import DiffusionSpec, check_quality, check_seed, check_seeds
from pipeline.diffusion.result import SimulationResult
from pipeline.diffusion.simulate import (
    _MAX_STEP_CELLS,
    _STEP_CAP,
    _check_max_steps,
    _check_runs,
    _kernel_for_spec,
    run_cascades,
    run_keys,
    simulation_bytes,
)
from pipeline.diffusion.threads import check_threads, interrupt_point, kernel_for, numba_threads
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.memory import check_memory

__all__ = ["group_bytes", "simulate_plans"]

#: runs per kernel call (a Ctrl-C stops the job between two calls)
_BATCH_RUNS = 256
#: the first runs, timed on both paths to pick the faster for the rest
_PILOT_RUNS = 64


def group_bytes(n: int, m: int, plans: int, runs: int, chunks: int) -> int:
    """Bytes :func:`simulate_plans` holds for an IC model: the projection in whole
    units (72 bytes per node), per chunk the work rows (about 150 bytes per node, the
    larger of the two paths') and the posters listed per follower (up to 4 bytes per
    edge), the coin thresholds (8 bytes per edge and node, once), per plan its node
    counts (4 bytes per node and chunk) and per-run outputs. O(1)."""
    per_chunk = 150 * n + 4 * m
    return (
        80 * n
        + 8 * m
        + chunks * (per_chunk + 4 * n * plans)
        + plans * (simulation_bytes(runs, projection=True) + 8 * n)
    )


def simulate_plans(
    g: FollowerGraph,
    plans: list[ArrayLike],
    spec: DiffusionSpec,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    max_steps: int | None = None,
    threads: int | None = None,
    projection: NDArray[np.float64] | None = None,
    pool_threads: int = 1,
    path: str = "auto",
) -> list[SimulationResult]:
    """Simulate each seed set of ``plans`` ``runs`` times on shared run keys (module doc).

    Parameters as for :func:`~pipeline.diffusion.simulate.run_cascades` (``spec`` may
    carry a quality); node counts are always recorded, attribution never.
    ``pool_threads`` > 1 with ``threads == 1``: run batches of runs on that many Python
    threads at once (single-threaded kernels that release the GIL; what a campaign's
    cell threads use, so a group does not leave the other cores idle). ``path``:
    ``"auto"`` (time both on the first runs), ``"together"`` or ``"alone"``; the numbers
    are the same. Returns one
    :class:`~pipeline.diffusion.result.SimulationResult` per plan, in order.
    Time per run, together: per pass of up to 64 plans the out-degrees of the nodes any
    of them activates (twice: coins and live edges, then posts; a per-source
    probability draws only its live edges' coins the first time), their live
    edges once per wave that brought a node plans, plus a few bit operations per plan
    and node; alone: per plan the out-degrees of its activated nodes. Memory
    :func:`group_bytes`.
    """
    if path not in ("auto", "together", "alone"):
        raise InputError(f"path must be auto, together or alone, got {path!r}")
    if isinstance(pool_threads, bool) or not isinstance(pool_threads, int) or pool_threads < 1:
        raise InputError(f"pool_threads must be an integer >= 1, got {pool_threads!r}")
    if not plans:
        return []
    if spec.weight is not None:  # LT: plan by plan
        return [
            run_cascades(g, p, spec, runs=runs, seed=seed, max_steps=max_steps,
                         node_counts=True, threads=threads, projection=projection)
            for p in plans
        ]  # fmt: skip
    seeds = [check_seeds(g, p) for p in plans]
    q = check_quality(g, spec.quality)
    runs = _check_runs(runs)
    seed = check_seed(seed)
    horizon = _check_max_steps(max_steps)
    threads = check_threads(threads)
    proj = np.zeros((4, 0), dtype=np.float64)
    if projection is not None:
        proj = np.ascontiguousarray(projection, dtype=np.float64)
        if proj.shape != (4, g.n):
            raise InputError(f"projection has shape {proj.shape}; expected (4, {g.n})")
    # IC's arrays as run_cascades lays them out: per-edge coin thresholds, or per-source
    # (p_u, 1 / log1p(-p_u)) rows for skip-sampling
    single, lead = _kernel_for_spec(g, spec, q, threads)
    ptr = np.zeros(len(seeds) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([s.shape[0] for s in seeds])
    flat = np.concatenate(seeds).astype(np.int32)
    keys = run_keys(seed, runs)
    kernel = kernel_for(ic_group_runs, threads)
    pool_threads = pool_threads if threads == 1 else 1
    nplans = len(seeds)
    activated = np.zeros((nplans, runs), dtype=np.int64)
    exposed = np.zeros((nplans, runs), dtype=np.int64)
    steps = np.zeros((nplans, runs), dtype=np.int32)
    cap = _STEP_CAP if horizon < 0 else min(_STEP_CAP, horizon + 1)
    per_step = np.zeros((nplans, runs, cap), dtype=np.int32)
    counts = np.zeros((nplans, g.n), dtype=np.int64)
    projected = np.zeros((nplans, runs, 3), dtype=np.float64)
    with numba_threads(threads) as nthreads:
        check_memory(
            group_bytes(g.n, g.m, nplans, runs, min(runs, max(nthreads, pool_threads))),
            f"a simulation of {nplans} plans x {runs:,} runs",
            hint="use fewer runs",
        )
        top = max(cap, _MAX_STEP_CELLS // runs)

        def together(lo: int, hi: int, width: int) -> tuple[NDArray[Any], ...]:
            while True:
                out = kernel(
                    *lead, ptr, flat, keys[lo:hi], True,
                    np.int64(horizon), np.int64(min(hi - lo, nthreads)), np.int64(width),
                    proj,
                )  # fmt: skip
                need = int(out[2].max()) + 1
                if need <= width or width >= top:
                    return out[0], out[1], out[2], out[3], out[4].sum(axis=0), out[5]
                width = min(need, top)  # a cascade outgrew the per-step row: widen it

        def alone_parts(lo: int, hi: int, width: int, limit: float) -> list[Any] | None:
            # runs lo:hi of each plan alone; None once `limit` seconds pass with plans left
            start = time.perf_counter()
            parts = []
            for i, s in enumerate(seeds):
                w = width
                while True:
                    out = single(
                        *lead, s, keys[lo:hi],
                        np.int64(horizon), True, False, True, np.int64(min(hi - lo, nthreads)),
                        np.int64(w), proj,
                    )  # fmt: skip
                    need = int(out[2].max()) + 1
                    if need <= w or w >= top:
                        break
                    w = min(need, top)
                parts.append(out)
                if i + 1 < nplans and time.perf_counter() - start > limit:
                    return None
            return parts

        def stacked(parts: list[Any], lo: int, hi: int) -> tuple[NDArray[Any], ...]:
            wide = max(o[3].shape[1] for o in parts)
            steps_rows = np.zeros((nplans, hi - lo, wide), dtype=np.int32)
            for i, o in enumerate(parts):
                steps_rows[i, :, : o[3].shape[1]] = o[3]
            return (
                np.stack([o[0] for o in parts]), np.stack([o[1] for o in parts]),
                np.stack([o[2] for o in parts]), steps_rows,
                np.stack([o[5].sum(axis=0) for o in parts]), np.stack([o[6] for o in parts]),
            )  # fmt: skip

        def alone(lo: int, hi: int, width: int) -> tuple[NDArray[Any], ...]:
            parts = alone_parts(lo, hi, width, float("inf"))
            assert parts is not None
            return stacked(parts, lo, hi)

        # Both paths give the same numbers (whole-unit projection): with "auto" the
        # first runs go half one way, half the other, and the faster runs the rest (one
        # by one stops, and together runs its half too, once it has taken longer than
        # together's half).
        pilot = min(runs, _PILOT_RUNS)
        if path == "alone" or (path == "auto" and nplans == 1):
            first = [(0, pilot, alone(0, pilot, cap))]
            batch = alone
        elif path == "together" or pilot < 2:
            first = [(0, pilot, together(0, pilot, cap))]
            batch = together
        else:
            half = pilot // 2
            t0 = time.perf_counter()
            a = together(0, half, cap)
            t1 = time.perf_counter()
            parts = alone_parts(half, pilot, cap, t1 - t0)
            t2 = time.perf_counter()
            if parts is None:
                first = [(0, half, a), (half, pilot, together(half, pilot, cap))]
                batch = together
            else:
                first = [(0, half, a), (half, pilot, stacked(parts, half, pilot))]
                batch = together if t1 - t0 <= t2 - t1 else alone
        spans = [(lo, min(runs, lo + _BATCH_RUNS)) for lo in range(pilot, runs, _BATCH_RUNS)]
        pool = ThreadPoolExecutor(max_workers=pool_threads) if pool_threads > 1 else None
        try:
            if pool is None:
                rest = ((lo, hi, batch(lo, hi, cap)) for lo, hi in spans)
            else:
                futures = [(lo, hi, pool.submit(batch, lo, hi, cap)) for lo, hi in spans]
                rest = ((lo, hi, f.result()) for lo, hi, f in futures)
            outs = itertools.chain(first, rest)
            for lo, hi, out in outs:
                if out[3].shape[2] > per_step.shape[2]:
                    wide = np.zeros((nplans, runs, out[3].shape[2]), dtype=np.int32)
                    wide[:, :, : per_step.shape[2]] = per_step
                    per_step = wide
                activated[:, lo:hi] = out[0]
                exposed[:, lo:hi] = out[1]
                steps[:, lo:hi] = out[2]
                per_step[:, lo:hi, : out[3].shape[2]] = out[3]
                counts += out[4]
                if projection is not None:
                    projected[:, lo:hi] = out[5]
                interrupt_point()
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
    results = []
    for i, s in enumerate(seeds):
        width = min(per_step.shape[2], int(steps[i].max()) + 1)
        results.append(
            SimulationResult(
                model=spec.model,
                runs=runs,
                seed=seed,
                max_steps=None if horizon < 0 else horizon,
                seed_nodes=s,
                seed_ids=g.ids.gather(s).alias("id"),
                activated=activated[i],
                exposed=exposed[i],
                steps=steps[i],
                new_per_step=np.ascontiguousarray(per_step[i, :, :width]),
                node_counts=counts[i],
                credits=None,
                projected=projected[i] if projection is not None else None,
            )
        )
    return results
