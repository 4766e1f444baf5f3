"""CELF: lazy greedy seeding on Monte Carlo estimates (Leskovec et al., KDD 2007).

The expected spread is estimated on ``runs`` live-edge graphs fixed in advance
(common random numbers: every candidate is scored on the same samples, so
differences between candidates are paired, not noise). In run r an IC edge ``e``
is live iff ``U(hash(key_r, e)) < p_e``; an LT node keeps the in-edge its
``U(hash(key_r ^ salt, v))`` falls on in the cumulative weights, or none (the
live-edge form of LT, Kempe et al. 2003, Claim 2.6).

For each run the kernel keeps ``dist[r, w]``, the number of steps the current seed
set needs to reach w (infinity if it never does). A candidate's marginal gain in
run r is the number of nodes it reaches within ``max_steps`` that the seed set
does not; its BFS stops at nodes the seed set reaches no later (everything past
them is already counted). Submodularity makes stale gains upper bounds, so a
candidate whose fresh gain still tops the queue is the greedy choice.

With a budget, both the plain and the cost-effective (gain per cost) lazy greedy
run and the one with the larger estimated spread is kept, as in the paper's
budgeted CELF; with a creator cap too, a third rule (gain per share of budget
plus share of cap, as in :mod:`pipeline.seeding.imm`) competes.

Platform KPIs (:mod:`pipeline.seeding.kpi`): a new poster adds its KPI weight instead
of 1; for ``people`` it updates its followers' people as a projected run does
(``docs/projection.md``; runs x n x 3 float64 more; not submodular: lazy evaluation is
then a heuristic). Memory is checked first (:mod:`pipeline.memory`)."""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from pipeline.diffusion.rng import LT_SALT, hash2, unit
from pipeline.diffusion.threads import kernel_for, numba_threads
from pipeline.memory import check_memory
from pipeline.seeding.base import SeedingProblem
from pipeline.seeding.registry import register_builtin

__all__ = ["celf"]

_INF = np.int32(2**31 - 1)


@njit(nogil=True, cache=True)
def _lt_choice(
    in_ptr: NDArray[np.int64], in_eid: NDArray[np.int64], weight: NDArray[np.float32],
    keys: NDArray[np.uint64],
) -> NDArray[np.int64]:  # fmt: skip
    """Live in-edge of every node in every run (-1: none), runs x n. O(runs * m)."""
    n = in_ptr.shape[0] - 1
    out = np.full((keys.shape[0], n), -1, dtype=np.int64)
    for r in range(keys.shape[0]):
        k = keys[r] ^ LT_SALT
        for v in range(n):
            x = unit(hash2(k, np.uint64(v)))
            acc = 0.0
            for s in range(in_ptr[v], in_ptr[v + 1]):
                acc += weight[in_eid[s]]
                if x < acc:
                    out[r, v] = in_eid[s]
                    break
    return out


@njit(nogil=True, inline="always")
def _live(e: int, v: int, r: int, lt: bool, value: NDArray[np.float32],
          choice: NDArray[np.int64], keys: NDArray[np.uint64]) -> bool:  # fmt: skip
    if lt:
        return choice[r, v] == e
    return unit(hash2(keys[r], np.uint64(e))) < value[e]


@njit(nogil=True, cache=True, parallel=True)
def _gains(
    cands: NDArray[np.int64], out_ptr: NDArray[np.int64], out_idx: NDArray[np.int32],
    value: NDArray[np.float32], choice: NDArray[np.int64], lt: bool, keys: NDArray[np.uint64],
    dist: NDArray[np.int32], horizon: int, bounded: bool, nchunks: int,
    weight: NDArray[np.float64] | None, prow: NDArray[np.float64] | None,
    pst: NDArray[np.float64] | None,
) -> NDArray[np.float64]:  # fmt: skip
    """Total over runs of each candidate's marginal gain given ``dist``: new posters
    (``weight`` each, 1 if None), or people (``prow`` = reach and share rows, ``pst``
    the per-run people state of the seeds). Deterministic. The None arguments are
    compile-time constants: each mode compiles its own loop, without the others'."""
    n = out_ptr.shape[0] - 1
    runs = keys.shape[0]
    pn = 0 if prow is None else n
    total = np.zeros(cands.shape[0], dtype=np.float64)
    stamp = np.zeros((nchunks, n), dtype=np.int64)
    depth = np.zeros((nchunks, n), dtype=np.int32)
    queue = np.zeros((nchunks, n), dtype=np.int32)
    fstamp = np.zeros((nchunks, pn), dtype=np.int64)  # people scratch of a (candidate, run)
    fval = np.zeros((nchunks, 3, pn), dtype=np.float64)
    ftouch = np.zeros((nchunks, pn), dtype=np.int32)
    for c in prange(nchunks):
        st = stamp[c]
        dp = depth[c]
        q = queue[c]
        fs, fv, ft = fstamp[c], fval[c], ftouch[c]
        mark = np.int64(0)
        for i in range(c * cands.shape[0] // nchunks, (c + 1) * cands.shape[0] // nchunks):
            v = cands[i]
            g, gi = 0.0, 0  # gi: new posters when each counts 1 (integer adds)
            for r in range(runs):
                if dist[r, v] == 0 or (not bounded and dist[r, v] != _INF):
                    continue  # a seed, or reached anyway: nothing new past v
                mark += 1
                st[v] = mark
                dp[v] = 0
                q[0] = v
                head = 0
                tail = 1
                nt = 0
                if dist[r, v] > horizon:
                    if prow is not None and pst is not None:
                        nt = _touch(v, pst[r], nt, mark, out_ptr, out_idx, prow, fs, fv, ft)
                    elif weight is not None:
                        g += weight[v]
                    else:
                        gi += 1
                while head < tail:
                    u = q[head]
                    head += 1
                    du = dp[u]
                    if du >= horizon:
                        continue
                    # prune where the seed set is no later (bounded) or at all (unbounded)
                    lim = du + 1 if bounded else horizon
                    for e in range(out_ptr[u], out_ptr[u + 1]):
                        w = out_idx[e]
                        if st[w] == mark or dist[r, w] <= lim:
                            continue
                        if not _live(e, w, r, lt, value, choice, keys):
                            continue
                        st[w] = mark
                        dp[w] = du + 1
                        q[tail] = w
                        tail += 1
                        if dist[r, w] > horizon:
                            if prow is not None and pst is not None:
                                nt = _touch(w, pst[r], nt, mark, out_ptr, out_idx, prow, fs,
                                            fv, ft)  # fmt: skip
                            elif weight is not None:
                                g += weight[w]
                            else:
                                gi += 1
                if prow is not None and pst is not None:
                    g += _delta(pst[r], fv, ft, nt)
            total[i] = g + gi
    return total


@njit(nogil=True, cache=True, parallel=True)
# The pruned BFS of _gains again, on purpose: _gains measures a candidate's gain on a
# scratch distance (never touching dist), this one commits the chosen seed into dist.
def _add_seed(
    s: int,
    out_ptr: NDArray[np.int64],
    out_idx: NDArray[np.int32],
    value: NDArray[np.float32],
    choice: NDArray[np.int64],
    lt: bool,
    keys: NDArray[np.uint64],
    dist: NDArray[np.int32],
    horizon: int,
    bounded: bool,
    weight: NDArray[np.float64] | None,
    prow: NDArray[np.float64] | None,
    pst: NDArray[np.float64] | None,
) -> float:
    """Lower ``dist`` by a BFS from new seed ``s`` in every run (and fold the new posters
    into the people state ``pst``); returns the total gain, as :func:`_gains` counts it."""
    n = out_ptr.shape[0] - 1
    runs = keys.shape[0]
    gained = np.zeros(runs, dtype=np.float64)
    for r in prange(runs):
        q = np.empty(n, dtype=np.int32)
        d = dist[r]
        if d[s] == 0 or (not bounded and d[s] != _INF):
            continue
        if d[s] > horizon:
            if prow is not None and pst is not None:
                gained[r] += _commit(s, pst[r], out_ptr, out_idx, prow)
            else:
                gained[r] += 1.0 if weight is None else weight[s]
        d[s] = 0
        q[0] = s
        head = 0
        tail = 1
        while head < tail:
            u = q[head]
            head += 1
            du = d[u]
            if du >= horizon:
                continue
            lim = du + 1 if bounded else horizon
            for e in range(out_ptr[u], out_ptr[u + 1]):
                w = out_idx[e]
                if d[w] <= lim or not _live(e, w, r, lt, value, choice, keys):
                    continue
                if d[w] > horizon:
                    if prow is not None and pst is not None:
                        gained[r] += _commit(w, pst[r], out_ptr, out_idx, prow)
                    else:
                        gained[r] += 1.0 if weight is None else weight[w]
                d[w] = du + 1
                q[tail] = w
                tail += 1
    return float(gained.sum())


@njit(nogil=True, inline="always")
def _commit(w, state, out_ptr, out_idx, prow):
    """Fold new poster ``w`` (reach ``prow[0, w]``, share ``prow[1, w]``) into a run's
    people ``state`` (3 x n: per follower the product of misses ``1 - r q``, the largest
    share, the sum of ``share r q``, as :func:`pipeline.diffusion.kernels._project`);
    returns the people it adds. O(out-degree of w)."""
    ru, wu = prow[0, w], prow[1, w]
    add = 0.0
    for e in range(out_ptr[w], out_ptr[w + 1] if ru > 0.0 else out_ptr[w]):
        v = out_idx[e]
        old = min(state[1, v] * (1.0 - state[0, v]), state[2, v])
        state[0, v] *= 1.0 - ru
        state[2, v] += wu * ru
        state[1, v] = max(state[1, v], wu)
        add += min(state[1, v] * (1.0 - state[0, v]), state[2, v]) - old
    return add


@njit(nogil=True, inline="always")
def _touch(w, state, nt, mark, out_ptr, out_idx, prow, fs, fv, ft):
    """:func:`_commit` on a scratch copy ``fv`` of ``state``: followers are copied on
    first touch (``fs[v] == mark``) and listed in ``ft[:nt]``; returns the new ``nt``."""
    ru, wu = prow[0, w], prow[1, w]
    for e in range(out_ptr[w], out_ptr[w + 1] if ru > 0.0 else out_ptr[w]):
        v = out_idx[e]
        if fs[v] != mark:
            fs[v] = mark
            fv[0, v], fv[1, v], fv[2, v] = state[0, v], state[1, v], state[2, v]
            ft[nt] = v
            nt += 1
        fv[0, v] *= 1.0 - ru
        fv[2, v] += wu * ru
        fv[1, v] = max(fv[1, v], wu)
    return nt


@njit(nogil=True, inline="always")
def _delta(state, fv, ft, nt):
    """The people the scratch ``fv`` adds to ``state`` over the followers ``ft[:nt]``."""
    add = 0.0
    for v in ft[:nt]:
        add += min(fv[1, v] * (1.0 - fv[0, v]), fv[2, v])
        add -= min(state[1, v] * (1.0 - state[0, v]), state[2, v])
    return add


class _State:
    """Per-run distances of the current seed set, with gain queries."""

    def __init__(self, problem: SeedingProblem, runs: int) -> None:
        g = self.g = problem.graph
        self.problem = problem
        people = 48.0 if problem.objective == "people" and problem.audience else 0.0
        need = runs * (8.0 + g.n * (8.0 + people + 8.0 * problem.lt))  # dist, pst: twice
        check_memory(need, f"CELF with {runs:,} runs on {g.n:,} accounts", hint="use fewer runs")
        keys = np.random.SeedSequence([problem.seed, 11]).generate_state(runs, np.uint64)
        self.keys: NDArray[np.uint64] = np.asarray(keys, dtype=np.uint64)
        self.lt = problem.lt
        self.choice = np.zeros((0, 0), dtype=np.int64)
        if problem.lt:
            self.choice = _lt_choice(g.in_ptr, g.in_eid, problem.values, self.keys)
        self.horizon = int(problem.max_steps) if problem.max_steps is not None else int(_INF) - 1
        self.bounded = problem.max_steps is not None
        self.dist = np.full((runs, g.n), _INF, dtype=np.int32)
        self.runs = runs
        # what a new poster adds: 1, its KPI weight, or its followers' people
        self.weight: NDArray[np.float64] | None = None
        self.prow: NDArray[np.float64] | None = None
        self.pst: NDArray[np.float64] | None = None
        if problem.objective == "people" and problem.audience is not None:
            rows = problem.audience.kernel_rows()
            self.prow = np.ascontiguousarray(rows[2:4])
            self.pst = np.zeros((runs, 3, g.n))
            self.pst[:, 0, :] = 1.0  # product of misses
        elif problem.root_weight is not None:
            self.weight = np.asarray(problem.root_weight, dtype=np.float64)

    def copy(self) -> _State:
        new = object.__new__(_State)
        new.__dict__.update(self.__dict__)
        new.dist = self.dist.copy()
        new.pst = None if self.pst is None else self.pst.copy()
        return new

    def gains(self, cands: NDArray[np.int64]) -> NDArray[np.float64]:
        threads = self.problem.threads
        with numba_threads(threads) as nthreads:
            chunks = max(1, min(len(cands), nthreads * 4))
            return kernel_for(_gains, threads)(
                cands.astype(np.int64), self.g.out_ptr, self.g.out_idx, self.problem.values,
                self.choice, self.lt, self.keys, self.dist, self.horizon, self.bounded, chunks,
                self.weight, self.prow, self.pst,
            )  # fmt: skip

    def add(self, s: int) -> float:
        threads = self.problem.threads
        with numba_threads(threads):
            return kernel_for(_add_seed, threads)(
                s, self.g.out_ptr, self.g.out_idx, self.problem.values, self.choice, self.lt,
                self.keys, self.dist, self.horizon, self.bounded, self.weight, self.prow,
                self.pst,
            )  # fmt: skip


def _lazy_greedy(
    problem: SeedingProblem, state: _State, init: NDArray[np.float64], cands: NDArray[np.int64],
    per_cost: bool, evaluations: list[int], divisor: NDArray[np.float64] | None = None,
) -> tuple[list[int], float]:  # fmt: skip
    """Lazy greedy from ``state`` (forced seeds already added); returns (seeds, total net
    gain). Under an earned objective each seed's gain is net of itself (``runs`` per seed,
    one per run) and greedy stops when no candidate's net gain is positive."""
    pen = float(state.runs) if problem.earned else 0.0
    spend = problem.key_cost()
    cost = spend if divisor is None else divisor
    budget = problem.budget
    left = (budget - float(np.nansum(problem.cost[problem.include]))) if budget is not None else 0.0
    limit = problem.k if problem.k is not None else len(cands)
    heap = [
        (-((g - pen) / cost[u] if per_cost else float(g) - pen), int(u), 0)
        for u, g in zip(cands.tolist(), init.tolist(), strict=True)
    ]
    heapq.heapify(heap)
    chosen: list[int] = []
    total = 0.0
    rnd = 0
    while heap and len(chosen) < limit:
        if pen > 0 and heap[0][0] >= 0:
            break  # stale keys are upper bounds: nobody gains more than it costs
        _, u, seen = heapq.heappop(heap)
        if budget is not None and spend[u] > left:
            continue  # never fits again: the budget only shrinks
        if seen == rnd:
            total += state.add(u) - pen
            chosen.append(u)
            rnd += 1
            if budget is not None:
                left -= float(problem.cost[u])
            continue
        g = float(state.gains(np.array([u], dtype=np.int64))[0])
        evaluations[0] += 1
        heapq.heappush(heap, (-((g - pen) / cost[u] if per_cost else float(g) - pen), u, rnd))
    return chosen, total


def celf(problem: SeedingProblem, runs: int = 200) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """CELF seeds for ``problem`` on ``runs`` common live-edge samples.

    Time O(runs * (candidates + evaluations) * average BFS) after an O(runs * m)
    set-up for LT; memory O(runs * n) int32 (and 3 float64 for people). Meant for graphs
    of a few thousand nodes. Gains are in the problem's KPI for KPI objectives.
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    state = _State(problem, runs)
    for f in problem.include.tolist():
        state.add(int(f))
    cands = np.setdiff1d(np.flatnonzero(problem.eligible), problem.include).astype(np.int64)
    problem.report(f"CELF: scoring {len(cands):,} candidates on {runs} runs")
    init = state.gains(cands)
    evaluations = [len(cands)]
    if problem.budget is None:
        chosen, _ = _lazy_greedy(problem, state, init, cands, False, evaluations)
        rule = "greedy (k)"
    else:
        from pipeline.seeding.imm import mixed_cost

        other = state.copy()
        third = state.copy() if problem.k is not None else None
        plain, g_plain = _lazy_greedy(problem, state, init, cands, False, evaluations)
        ce, g_ce = _lazy_greedy(problem, other, init, cands, True, evaluations)
        options = [(g_plain, 0, plain, "greedy"), (g_ce, 1, ce, "cost-effective")]
        if third is not None and problem.k is not None:  # budget and a creator cap
            rest = problem.budget - float(np.nansum(problem.cost[problem.include]))
            div = mixed_cost(problem.key_cost(), rest, problem.k)
            both, g_both = _lazy_greedy(problem, third, init, cands, True, evaluations, div)
            options.append((g_both, 2, both, "cost-and-cap"))
        _, _, chosen, rule = max(options, key=lambda o: (o[0], -o[1]))
    seeds = np.concatenate((problem.include, np.asarray(chosen, dtype=np.int32)))
    return seeds.astype(np.int32), {"runs": runs, "evaluations": evaluations[0], "rule": rule}


register_builtin("celf", lambda p, o: celf(p, runs=o.celf_runs), family="optimized",
                 plain="the optimized plan (CELF)", help="lazy greedy, small graphs",
                 model_dependent=True)  # fmt: skip
