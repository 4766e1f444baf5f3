"""Where cells run: the local executor (threads in this process) and Ray (a task per cell).

Both yield :class:`~pipeline.campaign.cell.CellTables` as cells finish; the
driver writes them, so results do not depend on the executor.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from pipeline.campaign.cell import CellTables, run_cell
from pipeline.campaign.config import FAULT_ENV
from pipeline.campaign.context import CampaignContext
from pipeline.campaign.grid import Cell
from pipeline.campaign.plan_sims import cell_plan, plan_key
from pipeline.campaign.ray_connect import cell_failure, connect
from pipeline.errors import InputError

__all__ = ["fault", "local_workers", "plan_tasks", "run_local", "run_ray"]

_RETRIES = 3  # a Ray task whose worker dies is retried this many times


def fault(kind: str) -> str | None:
    spec = os.environ.get(FAULT_ENV, "")
    return spec.split(":", 1)[1] if spec.startswith(kind + ":") else None


def local_workers() -> int:
    """The local executor's default number of concurrent cells: the CPUs this process
    may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def _pooled(strategy: str) -> bool:
    """Whether a brand and model's budgets share the strategy's RR sets (one extends
    them at a time): the strategies that select on an RR pool."""
    from pipeline.seeding.registry import get_strategy

    return get_strategy(strategy).uses_rr


def plan_tasks(cells: Sequence[Cell]) -> list[tuple[str, Cell]]:
    """The local executor's tasks, brand by brand in grid order: one ``("plan", cell)``
    per distinct plan of the brand's cells (its selection), then ``("cell", cell)`` per
    cell (its simulation and tables). A brand's simulations thus start once every plan
    they judge is chosen, so each model's plans are simulated together
    (:mod:`~pipeline.campaign.plan_sims`). O(cells)."""
    brands: dict[str, list[Cell]] = {}
    for cell in cells:
        brands.setdefault(cell.brand, []).append(cell)
    out: list[tuple[str, Cell]] = []
    for group in brands.values():
        seen: set[tuple[Any, ...]] = set()
        for cell in group:
            if plan_key(cell) not in seen:
                seen.add(plan_key(cell))
                out.append(("plan", cell))
        out.extend(("cell", cell) for cell in group)
    return out


def run_local(
    ctx: CampaignContext, cells: Sequence[Cell], workers: int | None, address: str | None
) -> Iterator[CellTables]:
    """Run ``cells`` in this process, ``workers`` at a time (default: one per CPU), each
    single-threaded, in threads: the kernels release the GIL and share the graph's arrays
    and the per-context RR-set caches (each collection drawn once, by one thread). A
    single worker runs the tasks in order with all ``workers`` as numba threads. Yields
    tables as cells finish; a cell's numbers do not depend on the order, the thread or
    ``workers``.

    Scheduling (:func:`plan_tasks`): a brand's cells wait until its plans are chosen.
    Plans are chosen so that threads seldom wait for one another's RR sets: the first
    plan of a brand and plan model (which draws its reach-estimate sets) is chosen
    alone in that context; then its other plans may be chosen at once, IMM/OPIM-C plans
    first, except that at most one of those per context runs at a time (they extend one
    shared pool); a thread with nothing runnable takes the next brand's plans."""
    if address is not None:
        raise InputError("«address» applies to the ray executor only")
    w = workers or local_workers()
    tasks = plan_tasks(cells)
    if w == 1 or len(cells) <= 1:
        for kind, cell in tasks:
            if kind == "plan":
                cell_plan(ctx, cell, w)
            else:
                yield run_cell(ctx, cell, threads=w)
        return
    ctx.rr_cache(w)  # room for the contexts the threads work on at once
    ctx.put("cell-threads", w)  # a group of plans simulated at once uses every thread
    pending = list(tasks)
    running: dict[Future[Any], tuple[str, Cell]] = {}
    opened: set[tuple[str, str]] = set()
    busy: dict[tuple[str, str], int] = {}
    pooling: set[tuple[str, str]] = set()
    unplanned: dict[str, int] = {}
    for kind, cell in tasks:
        if kind == "plan":
            unplanned[cell.brand] = unplanned.get(cell.brand, 0) + 1

    def context(cell: Cell) -> tuple[str, str]:  # whose RR sets the selection uses
        return cell.brand, cell.plan.label

    def runnable(task: tuple[str, Cell]) -> bool:
        kind, cell = task
        if kind == "cell":
            return unplanned[cell.brand] == 0
        key = context(cell)
        if key not in opened:
            return busy.get(key, 0) == 0
        return not (_pooled(cell.strategy) and key in pooling)

    def pooled_plan(task: tuple[str, Cell]) -> bool:
        kind, cell = task
        return kind == "plan" and _pooled(cell.strategy) and context(cell) in opened

    pool = ThreadPoolExecutor(max_workers=min(w, len(tasks)), thread_name_prefix="cell")
    try:
        while pending or running:
            while len(running) < w:
                # IMM/OPIM-C plans of open contexts first: their pool chains are the
                # longest path, so they should not be left for the end
                pick = next((t for t in pending if pooled_plan(t) and runnable(t)), None) or next(
                    (t for t in pending if runnable(t)), None
                )
                if pick is None:
                    break
                pending.remove(pick)
                kind, cell = pick
                if kind == "plan":
                    key = context(cell)
                    busy[key] = busy.get(key, 0) + 1
                    if _pooled(cell.strategy):
                        pooling.add(key)
                    running[pool.submit(cell_plan, ctx, cell, 1)] = pick
                else:
                    running[pool.submit(run_cell, ctx, cell, 1)] = pick
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                kind, cell = running.pop(future)
                result = future.result()
                if kind == "cell":
                    yield result
                    continue
                key = context(cell)
                busy[key] -= 1
                opened.add(key)
                unplanned[cell.brand] -= 1
                if _pooled(cell.strategy):
                    pooling.discard(key)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_WORKER_CONTEXTS: dict[str, CampaignContext] = {}


def _ray_cell(refs: list[Any], key: str, cell: Cell) -> CellTables:
    """Ray task body: the context is fetched once per worker process and kept."""
    marker = fault("kill-worker-once")
    if marker is not None and not os.path.exists(marker):
        Path(marker).write_text("killed\n")
        os._exit(1)
    ctx = _WORKER_CONTEXTS.get(key)
    if ctx is None:
        import ray

        ctx = ray.get(refs[0])
        _WORKER_CONTEXTS.clear()
        _WORKER_CONTEXTS[key] = ctx
    return run_cell(ctx, cell, threads=1)


def run_ray(
    ctx: CampaignContext, cells: Sequence[Cell], workers: int | None, address: str | None
) -> Iterator[CellTables]:
    try:
        import ray
    except ImportError:
        raise InputError(
            "the ray executor needs Ray: pip install 'influence-pipeline[ray]'"
        ) from None
    started = False
    if not ray.is_initialized():
        connect(address, workers)
        started = True
    try:
        task = ray.remote(num_cpus=1, max_retries=_RETRIES)(_ray_cell)
        ctx_ref = ray.put(ctx)
        key = f"{ctx.fingerprint}-{ctx_ref.hex()}"
        pending = {task.remote([ctx_ref], key, c): c for c in cells}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                cell = pending.pop(ref)
                try:
                    tables = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    raise cell_failure(exc, f"cell {cell.key} of {cell.brand}", _RETRIES) from None
                yield tables
    finally:
        if started:
            ray.shutdown()
