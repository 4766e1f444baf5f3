"""Robust seeding: one plan that does well under every model of a campaign.

Given the same brand and budget problem built under ``J`` models (same graph, pool,
costs, budget, k and must-includes; different edge values, exposure or root weights),
:func:`robust_seeds` looks for the plan ``S`` maximising the *worst ratio* to each
model's own optimum, ``min_j f_j(S) / OPT_j`` (He and Kempe, KDD 2016, "Robust
influence maximization"; Chen, Lin, Tan, Zhao, Zhou, KDD 2016), on RR sets of each
model (:mod:`pipeline.seeding.rrsets`).

1. *Selection pools.* Model ``j`` draws RR stream ``(seed, label, 0)`` and doubles its
   size, from ``Υ = (2 + 2ε/3) ln(2 n J) / ε²`` sets, until the greedy plan of the
   model (:func:`~pipeline.seeding.imm.select_cover`: the best of plain,
   cost-effective and cost-and-cap greedy under a budget) covers at least ``Υ`` sets
   (or ``max_rr_sets`` is reached). By the Chernoff bounds (as in IMM and OPIM-C) a
   fixed plan covering ``Υ`` sets in expectation is then estimated to relative error
   ``ε`` with probability ``1 - 1/(n J)``: the sizing rule of the stopping-rule
   algorithms (Dagum et al. 2000; SSA, Nguyen et al. 2016), applied to each model's
   optimum, the scale every ratio is measured against. ``OPT̂_j`` is that greedy
   plan's value (coverage ``x scale / θ_j``). No union over the doubling rounds is
   taken: the ratio is measured afterwards (step 3). A campaign keeps the streams
   between budgets (:class:`RRPool`), so each is drawn once.
2. *SATURATE* (Krause, McMahan, Guestrin, Gupta 2008, the algorithm He and Kempe
   use). ``F_c(S) = Σ_j min(f̂_j(S) / OPT̂_j, c)`` is monotone submodular and equals
   ``J c`` exactly when every ratio reaches ``c``; a greedy on it
   (:func:`~pipeline.seeding.robust_kernel.truncated_greedy`: must-includes first,
   the eligible pool, ``k`` and the budget, by gain or gain per cost as
   ``select_cover`` does, the cost-and-cap weight of
   :func:`~pipeline.seeding.imm.mixed_cost` with both a budget and a cap) either
   reaches ``J c`` (``c`` feasible) or not. A bisection on ``c`` (12 steps, from the
   best single-model plan's worst ratio up to 1) keeps, among every plan it builds
   under every rule and each model's own greedy plan, the one with the highest
   worst ratio on the selection pools (ties: the higher mean ratio). Keeping plans
   of infeasible levels too costs nothing and helps: they spend the whole budget.
   The single-model greedy plans being candidates, the plan is never worse on the
   selection pools than the best of them. With one model the plan is its greedy plan.
3. *Achieved ratio.* Fresh RR pools (stream ``(seed, label, 1)``, ``check_rr_sets``
   each, default the model's selection size) estimate ``ratio_j = f̃_j(S) / OPT̃_j``
   with ``OPT̃_j`` the best fresh-pool value of the fixed plans known (each model's own
   greedy plan from step 1, and ``S``): plans judged on sets that did not choose them,
   so the estimate is not inflated by overfitting (a greedy re-run on the fresh pool
   was: by up to 7% for IC p = 0.02 and ~1% for WC on a 100k-account world, enough to
   flip which plan looked best). The ratio is thus to the best plan the tool knows for
   each model, at most 1; ``single_model_ratios`` compare plans on the same
   denominators. Its lower bound replaces the numerator by the one-sided Chernoff bound
   of OPIM-C (:mod:`pipeline.seeding.certify`) with failure ``delta / J`` per model:
   all ``J`` bounds hold together with probability ``1 - delta`` (Bonferroni).
   ``robust_ratio_certified`` bounds the ratio to the *true* optimum (OPIM-C's upper
   bound on each optimum from the fresh pool, ``2 J`` events under ``delta``): lower.

Ratios are in the problem's unit (reach, exposure or a KPI: the scale cancels) and
may exceed 1 where the plan beats the greedy one. Earned objectives are judged on
their gross part (activation or exposure), as OPIM-C certifies them.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.seeding import robust_kernel as rk
from pipeline.seeding.base import SeedingProblem
from pipeline.seeding.certify import certified_ratio, coverage, upper_bound
from pipeline.seeding.estimate import RRPool, rr_sampler
from pipeline.seeding.imm import mixed_cost, select_cover
from pipeline.seeding.max_cover import CoverIndex, candidate_mask
from pipeline.seeding.rrsets import RRSets, root_cumulative
from pipeline.seeding.stability import resample_seed

__all__ = ["Constraints", "SaturateResult", "robust_seeds", "saturate"]

STEPS = 12  # bisection steps on c: resolution 2^-12 of the ratio
DELTA = 0.05  # joint failure probability of the reported lower bounds
MAX_RR_SETS = 10_000_000  # per model and pool


@dataclass(frozen=True)
class Constraints:
    """What every plan must respect: at most ``k`` seeds besides ``forced`` (None: no
    cap), total ``cost`` <= ``budget`` (None: no budget; ``cost`` usable as divisors,
    :meth:`~pipeline.seeding.base.SeedingProblem.key_cost`), drawn from ``eligible``."""

    n: int
    k: int | None
    budget: float | None
    cost: NDArray[np.float64]
    eligible: NDArray[np.bool_]
    forced: NDArray[np.int32]

    @classmethod
    def of(cls, p: SeedingProblem) -> Constraints:
        cost = p.key_cost() if p.budget is not None else np.ones(p.n)
        return cls(p.n, p.k, p.budget, cost, p.eligible, p.include.astype(np.int32))

    @property
    def pool(self) -> NDArray[np.bool_]:
        """The nodes a plan may hold (eligible or forced): the only ones indexed."""
        mask = candidate_mask(self.n, self.eligible, self.forced)
        assert mask is not None
        return mask

    def greedy(self, index: CoverIndex) -> tuple[NDArray[np.int32], int, str]:
        """The model's own plan on ``index`` (``select_cover``): seeds, coverage, rule."""
        s, g, rule = select_cover(index, k=self.k, budget=self.budget,
                                  cost=self.cost if self.budget is not None else None,
                                  eligible=self.eligible, forced=self.forced)  # fmt: skip
        return s, int(g.sum()), rule

    def rules(self) -> list[tuple[str, bool, NDArray[np.float64]]]:
        """(name, per_cost, key divisor) of each greedy rule, as ``select_cover``."""
        if self.budget is None:
            return [("greedy (k)", False, self.cost)]
        out = [("greedy", False, self.cost), ("cost-effective", True, self.cost)]
        if self.k is not None:
            rest = self.budget - float(self.cost[self.forced].sum())
            out.append(("cost-and-cap", True, mixed_cost(self.cost, rest, self.k)))
        return out


@dataclass(frozen=True)
class SaturateResult:
    """The robust plan on the selection pools: ``seeds`` (forced first), ``ratios``
    (coverage of each model over its greedy coverage ``opt_cov``), ``rule`` (what built
    the plan), and the bisection's final bracket: ``c``, a level some plan reaches
    under every model (the best worst ratio found, or a level a truncated greedy
    reached), and ``c_fail``, the lowest level where every rule's truncated greedy
    fell short (1 if none did; both 1 with one model; below ``c`` when a plan
    built for a lower level did better, the greedy not being monotone in the level).
    ``own``: each model's greedy plan, the ``opt_cov`` it covers."""

    seeds: NDArray[np.int32]
    ratios: NDArray[np.float64]
    opt_cov: NDArray[np.int64]
    c: float
    c_fail: float
    rule: str
    own: tuple[NDArray[np.int32], ...] = ()


def _ratios(cov: NDArray[np.int64], opt: NDArray[np.int64]) -> NDArray[np.float64]:
    """cov / opt per model; 1 where the optimum covers nothing (every plan is optimal)."""
    o = opt.astype(np.float64)
    return np.where(o > 0, cov / np.where(o > 0, o, 1.0), 1.0)


def saturate(
    indexes: Sequence[CoverIndex], cons: Constraints, *, steps: int = STEPS,
    names: Sequence[str] | None = None, joint: rk.Joint | None = None,
) -> SaturateResult:  # fmt: skip
    """SATURATE over the models' selection pools (module docstring, step 2).

    ``indexes``: one per model, over the same nodes, each set counting its index's
    ``weight`` (a bootstrap's multiplicities); ``names``: the models' labels, for
    ``rule`` (default their positions); ``joint``: ``robust_kernel.joint_index`` of the indexes'
    sets, when already built. Time: J greedy runs plus ``steps x rules`` truncated
    greedy runs, each O(n J + total size + picks x J log n); memory: one more copy of
    the sets unless ``joint`` is given.
    """
    mine = [cons.greedy(ix) for ix in indexes]
    opt = np.array([g for _, g, _ in mine], dtype=np.int64)
    if len(indexes) == 1:
        return SaturateResult(mine[0][0], np.ones(1), opt, 1.0, 1.0, mine[0][2], (mine[0][0],))
    both = joint if joint is not None else rk.joint_index(indexes, cons.pool)
    model, n_sets, n_models, w = both.model, len(both), len(indexes), rk.joint_weights(indexes)

    def ratios(plan: NDArray[np.int32]) -> NDArray[np.float64]:
        return _ratios(
            rk.plan_coverage(n_sets, both.nptr, both.sets, model, n_models, plan, w), opt
        )

    plans: list[tuple[float, float, int, NDArray[np.int32], NDArray[np.float64], str]] = []

    def keep(plan: NDArray[np.int32], r: NDArray[np.float64], rule: str) -> None:
        plans.append((float(r.min()), float(r.mean()), -len(plans), plan, r, rule))

    tags = [str(j) for j in range(len(indexes))] if names is None else list(names)
    for tag, (plan, _, rule) in zip(tags, mine, strict=True):
        keep(plan, ratios(plan), f"greedy of model {tag} ({rule})")
    lo, hi = max(p[0] for p in plans), 1.0
    k = -1 if cons.k is None else int(cons.k)
    budget = -1.0 if cons.budget is None else float(cons.budget)
    deg0 = rk.model_degrees(both, n_models, w)
    for _ in range(steps):
        if hi - lo <= 1.0 / (1 << steps):
            break
        c = 0.5 * (lo + hi)
        ok = False
        for name, per_cost, key_cost in cons.rules():
            plan, cov = rk.truncated_greedy(
                both.ptr, both.nodes, both.nptr, both.sets, model, opt.astype(np.float64), c,
                cons.eligible, cons.forced, cons.cost, k, budget, per_cost, key_cost, w, deg0,
            )  # fmt: skip
            r = _ratios(cov, opt)
            keep(plan, r, f"saturate ({name})")
            ok = ok or bool(r.min() >= c)
            lo = max(lo, float(r.min()))
        if ok:
            lo = max(lo, c)
        else:
            hi = c
    best = max(plans, key=lambda p: p[:3])
    return SaturateResult(best[3], best[4], opt, lo, hi, best[5], tuple(m[0] for m in mine))


def _stream(seed: int, label: str, pool: int) -> np.uint64:
    """The RR stream key of ``label``'s selection (0) or check (1) pool: from the seed
    and the label's bytes, so the sets do not depend on the order of the models."""
    tag = zlib.crc32(label.encode("utf-8"))
    state = np.random.SeedSequence([int(seed), 0x0B57, tag, pool]).generate_state(1, np.uint64)
    return np.uint64(state[0])


def _draw(p: SeedingProblem, threads: int | None, pool: RRPool | None) -> Any:
    return rr_sampler(p.graph.in_ptr, p.graph.in_idx, p.graph.in_eid, p.values, lt=p.lt,
                      max_steps=p.max_steps, threads=threads if threads else p.threads,
                      expose=p.expose, rr_pool=pool, layout=p.slot_layout,
                      root_weight=p.root_weight)  # fmt: skip


def _selection_pool(
    p: SeedingProblem, cons: Constraints, key: np.uint64, upsilon: float, threads: int | None,
    max_rr_sets: int, rr_pool: RRPool | None = None,
) -> CoverIndex:  # fmt: skip
    """Double the model's RR sets from ``ceil(Υ)`` until its greedy plan covers ``Υ``
    (module docstring, step 1; from ``rr_pool`` if any). O(θ x E[RR set work] + greedy)."""
    draw, pool = _draw(p, threads, rr_pool), cons.pool
    theta = min(max(1, math.ceil(upsilon)), max_rr_sets)
    rr: RRSets | None = None
    index: CoverIndex | None = None
    while True:
        rr = draw(rr, key, theta)
        index = CoverIndex.build(rr, pool) if index is None else index.grow(rr)
        _, cov, _ = cons.greedy(index)
        if cov >= upsilon or theta >= max_rr_sets:
            return index
        theta = min(2 * theta, max_rr_sets)


def _lower(cov: int, a: float) -> float:
    """OPIM-C's lower bound on the expected coverage of a plan covering ``cov``
    independent sets, failing with probability ``e^-a`` (:func:`certified_ratio`)."""
    return max(0.0, (math.sqrt(cov + 2.0 * a / 9.0) - math.sqrt(a / 2.0)) ** 2 - a / 18.0)


def _check(problems: Mapping[str, SeedingProblem], epsilon: float,
           check_rr_sets: int | None) -> list[tuple[str, SeedingProblem]]:  # fmt: skip
    """The models in order, after checking they pose the same problem (InputError)."""
    if not isinstance(problems, Mapping) or len(problems) == 0:
        raise InputError("robust seeding needs at least one model's problem")
    if not (isinstance(epsilon, int | float) and 0 < epsilon < 1):
        raise InputError(f"epsilon must be in (0, 1), got {epsilon}")
    if check_rr_sets is not None and (
        isinstance(check_rr_sets, bool) or int(check_rr_sets) != check_rr_sets
        or check_rr_sets < 1
    ):  # fmt: skip
        raise InputError(f"check_rr_sets must be a positive integer, got {check_rr_sets}")
    items = list(problems.items())
    label0, p0 = items[0]
    for label, p in items:
        if not isinstance(label, str) or not label:
            raise InputError(f"model labels must be non-empty strings, got {label!r}")
        if not isinstance(p, SeedingProblem):
            raise InputError(f"model {label!r}: expected a SeedingProblem")
        same = {
            "graph": p.n == p0.n and p.graph.m == p0.graph.m,
            "candidate pool": np.array_equal(p.eligible, p0.eligible),
            "budget": p.budget == p0.budget,
            "k": p.k == p0.k,
            "must-includes": np.array_equal(p.include, p0.include),
            "costs": p.budget is None or np.array_equal(p.key_cost(), p0.key_cost()),
        }
        for what, ok in same.items():
            if not ok:
                raise InputError(
                    f"robust seeding plans one campaign for all models, but model {label!r} "
                    f"has another {what} than model {label0!r}"
                )
    return items


def robust_seeds(
    problems: Mapping[str, SeedingProblem],
    *,
    epsilon: float,
    seed: int,
    check_rr_sets: int | None = None,
    threads: int | None = None,
    delta: float = DELTA,
    max_rr_sets: int = MAX_RR_SETS,
    resamples: int = 0,
    pools: Mapping[str, RRPool] | None = None,
) -> tuple[NDArray[np.int32], dict[str, Any]]:
    """One plan for all the models of ``problems`` (label -> the same problem under each
    model), maximising the worst ratio to each model's own (greedy) optimum; see the
    module docstring for the algorithm and what is reported.

    Returns (seeds, forced first; info) with info ``robust_ratio`` (the worst
    ``ratio_j`` on the check pools), ``robust_ratio_low`` (its lower bound, jointly at
    ``1 - delta``), ``robust_ratios`` / ``robust_ratios_low`` (per label),
    ``worst_model``, ``robust_ratio_certified`` (lower bound against the true optima),
    ``selection_ratio`` (worst ratio on the selection pools), ``single_model_ratios``
    (label -> label -> ratio of the first model's own greedy plan under the second, on
    the same check pools and denominators: what planning for one model would have
    given) and ``single_model_ratio`` (their worst per plan), ``optimum`` (``OPT̂_j`` in
    the problem's unit), ``rr_sets`` and ``check_rr_sets`` (per label), ``saturate_c`` and
    ``saturate_c_fail`` (the bisection's bracket, :class:`SaturateResult`),
    ``rule``, ``epsilon``, ``delta``; with ``resamples``, ``_rerun_plans``: SATURATE
    re-run on that many bootstrap resamples of every model's selection pool (the plan's
    stability). Reproducible from ``seed`` for any ``threads``, with or without ``pools``
    (label -> :class:`RRPool` keeping the model's streams between calls, same sets).
    Time: O(Σ_j (θ_j + check_j) x E[RR set work] + (J + steps x rules) x greedy); memory:
    the J selection pools twice (the concatenated copy), one check pool, ``pools``.
    """
    items = _check(problems, epsilon, check_rr_sets)
    if not 0 < delta < 1:
        raise InputError(f"delta must be in (0, 1), got {delta}")
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed}")
    labels = [label for label, _ in items]
    first = items[0][1]
    cons = Constraints.of(first)
    n, n_models = first.n, len(items)
    upsilon = (2.0 + 2.0 * epsilon / 3.0) * math.log(2.0 * max(n, 2) * n_models) / epsilon**2
    indexes = []
    for label, p in items:
        indexes.append(_selection_pool(p, cons, _stream(seed, label, 0), upsilon, threads,
                                       max_rr_sets, (pools or {}).get(label)))  # fmt: skip
        first.report(f"robust: model {label}: {len(indexes[-1].rr):,} RR sets")
    joint = rk.joint_index(indexes, cons.pool) if len(indexes) > 1 else None
    sat = saturate(indexes, cons, names=labels, joint=joint)
    reruns = [  # SATURATE on bootstrap resamples of every model's pool (stability), as weights
        saturate([ix.resampled(resample_seed(seed + 1 + b, j)) for j, ix in enumerate(indexes)],
                 cons, names=labels, joint=joint).seeds
        .astype(np.int32) for b in range(int(resamples))
    ]  # fmt: skip
    thetas = {label: len(ix.rr) for label, ix in zip(labels, indexes, strict=True)}
    scales = [float(n) if p.root_weight is None else float(root_cumulative(p.root_weight, n)[-1])
              for _, p in items]  # fmt: skip
    optimum = {label: float(sat.opt_cov[j]) * scales[j] / thetas[label]
               for j, label in enumerate(labels)}  # fmt: skip
    del indexes
    a_low = math.log(n_models / delta)  # one bound per model
    a_cert = math.log(2.0 * n_models / delta)  # two per model
    ratio: dict[str, float] = {}
    low: dict[str, float] = {}
    cert: dict[str, float] = {}
    checks: dict[str, int] = {}
    single = np.ones((n_models, n_models))  # [i, j]: model i's own plan under model j
    n_forced = len(cons.forced)
    for j, (label, p) in enumerate(items):
        theta = int(check_rr_sets) if check_rr_sets is not None else thetas[label]
        rr = _draw(p, threads, (pools or {}).get(label))(None, _stream(seed, label, 1), theta)
        index = CoverIndex.build(rr, cons.pool)
        ref, _, _ = cons.greedy(index)  # for the certified bound only
        hit = coverage(rr, sat.seeds)
        fixed = [coverage(rr, plan) for plan in sat.own]
        ref_cov = max([hit, *fixed])  # the best known plan, judged on sets it did not see
        up = upper_bound(index, ref, n_forced=n_forced, k=cons.k, budget=cons.budget,
                         cost=cons.cost if cons.budget is not None else None,
                         eligible=cons.eligible)  # fmt: skip
        checks[label] = theta
        ratio[label] = hit / ref_cov if ref_cov > 0 else 1.0
        low[label] = _lower(hit, a_low) / ref_cov if ref_cov > 0 else 1.0
        cert[label] = certified_ratio(n, theta, up, theta, hit, a_cert)[0] if up > 0 else 1.0
        if ref_cov > 0:
            single[:, j] = [c / ref_cov for c in fixed]
        first.report(f"robust: model {label}: ratio {ratio[label]:.3f} on {theta:,} new sets")
    worst = min(labels, key=lambda label: (ratio[label], labels.index(label)))
    info: dict[str, Any] = {
        "robust_ratio": ratio[worst],
        "robust_ratio_low": min(low.values()),
        "robust_ratios": ratio,
        "robust_ratios_low": low,
        "worst_model": worst,
        "robust_ratio_certified": min(cert.values()),
        "robust_ratios_certified": cert,
        "selection_ratio": float(sat.ratios.min()),
        "single_model_ratio": dict(zip(labels, single.min(axis=1).tolist(), strict=True)),
        "single_model_ratios": {
            a: dict(zip(labels, row, strict=True))
            for a, row in zip(labels, single.tolist(), strict=True)
        },
        "optimum": optimum,
        "rr_sets": thetas,
        "check_rr_sets": checks,
        "saturate_c": sat.c,
        "saturate_c_fail": sat.c_fail,
        "rule": sat.rule,
        "epsilon": float(epsilon),
        "delta": float(delta),
    }
    if reruns:
        info["_rerun_plans"] = reruns  # taken by select_seeds: the plan's stability
    return sat.seeds.astype(np.int32), info
