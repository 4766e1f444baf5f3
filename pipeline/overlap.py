"""Audience overlap and unique reach of a set of candidate influencers.

Two candidates with big audiences are worth less together than apart when the
audiences are the same people. Three measures, for candidates ``a`` and ``b``:

- **Follower overlap** (direct followers ``F_u`` in the graph)::

      follower_overlap(a, b) = |F_a ∩ F_b| / min(|F_a|, |F_b|)

  0 when either set is empty; 1 on the diagonal for a node with followers.
  1 means the smaller audience is contained in the larger one.
- **Overlap with those above** (a ranked list ``u_1, u_2, ...``)::

      overlap_above(u_i) = |F_{u_i} ∩ (F_{u_1} ∪ ... ∪ F_{u_{i-1}})| / |F_{u_i}|

  0 for the first node and for a node without followers. A node listed twice
  scores 1 the second time (all its followers are already covered).
- **Exposed-audience overlap** (simulated): each candidate seeds *alone*, run
  ``r`` using the same run key for every candidate (common random numbers, as
  :func:`~pipeline.diffusion.simulate` does), and ``E_u`` is the set exposed in
  that run (activated accounts plus every follower of an activated account)::

      exposed_overlap(a, b) = E|E_a ∩ E_b| / min(E|E_a|, E|E_b|)

  with expectations estimated by the mean over runs (0 when a mean is 0).

**Unique reach** of the whole set: the mean exposed (and activated) count when
all candidates seed together (:func:`~pipeline.diffusion.simulate`, same seed)
against the sum of the candidates' individual means::

    unique_reach   = E|E_{a, b, ...}|
    sum_individual = E|E_a| + E|E_b| + ...
    redundancy     = 1 - unique_reach / sum_individual     (0 when the sum is 0)

Under the cascade models (ic, wc, tv) a joint cascade is exactly the union of
the individual ones in every run, so ``unique_reach`` is also the mean of
``|E_a ∪ E_b ∪ ...|``; under LT, neighbours' weights add up, so the joint
cascade can reach more than the union (``union_exposed`` in the summary).

The follower measures are numba kernels over the out-CSR, O(sum of candidates'
follower counts x k) and O(n + sum of follower counts). The simulated measure
runs, in one numba kernel, the single-seed cascade of each candidate with the
very function :func:`~pipeline.diffusion.kernels.ic_runs` / ``lt_runs`` run
(:func:`~pipeline.diffusion.kernels.ic_cascade` / ``lt_cascade``, same run
keys), so each candidate's mean exposed equals ``simulate(g, [u], ...)``'s bit
for bit; each node keeps a 64-bit mask of the candidates that exposed it in
the current run, hence at most 64 candidates.
Time O(runs x sum over candidates of the single-seed cascade cost + runs x k x
|union of exposed|).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numba import njit, prange
from numpy.typing import ArrayLike, NDArray

from pipeline.diffusion.kernels import chunk_range, ic_cascade, lt_cascade
from pipeline.diffusion.models import DiffusionSpec, build_model, check_seed, node_log_inverse
from pipeline.diffusion.simulate import SimulationResult, run_cascades, run_keys
from pipeline.diffusion.threads import kernel_for, numba_threads
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

__all__ = [
    "MAX_CANDIDATES",
    "OverlapResult",
    "audience_overlap",
    "follower_overlap",
    "overlap_runs",
    "overlap_with_above",
    "shared_followers",
]

MAX_CANDIDATES = 64
"""Most candidates :func:`audience_overlap` takes: one bit each in a uint64 mask per node."""

_ZERO = np.uint64(0)
_ONE = np.uint64(1)


# ---------------------------------------------------------------------------
# Follower overlap (no simulation)
# ---------------------------------------------------------------------------


@njit(nogil=True, cache=True)
def _shared_counts(out_ptr, out_idx, nodes):
    """``|F_a ∩ F_b|`` for every pair of ``nodes`` (int64, k x k; diagonal ``|F_a|``).

    One stamp array: mark the followers of candidate i, then count the marked
    followers of every later candidate. O(n + k x sum of follower counts).
    """
    n = out_ptr.shape[0] - 1
    k = nodes.shape[0]
    mark = np.zeros(n, dtype=np.int64)
    shared = np.zeros((k, k), dtype=np.int64)
    for i in range(k):
        u = nodes[i]
        stamp = i + 1
        for e in range(out_ptr[u], out_ptr[u + 1]):
            mark[out_idx[e]] = stamp
        shared[i, i] = out_ptr[u + 1] - out_ptr[u]
        for j in range(i + 1, k):
            w = nodes[j]
            c = 0
            for e in range(out_ptr[w], out_ptr[w + 1]):
                if mark[out_idx[e]] == stamp:
                    c += 1
            shared[i, j] = c
            shared[j, i] = c
    return shared


@njit(nogil=True, cache=True)
def _above_kernel(out_ptr, out_idx, nodes):
    """Share of each node's followers already marked by the nodes before it. O(n + sum deg)."""
    n = out_ptr.shape[0] - 1
    k = nodes.shape[0]
    covered = np.zeros(n, dtype=np.bool_)
    out = np.zeros(k, dtype=np.float64)
    for i in range(k):
        u = nodes[i]
        a = out_ptr[u]
        b = out_ptr[u + 1]
        if b == a:
            continue
        c = 0
        for e in range(a, b):
            if covered[out_idx[e]]:
                c += 1
        out[i] = c / (b - a)
        for e in range(a, b):
            covered[out_idx[e]] = True
    return out


def _node_array(graph: FollowerGraph, nodes: NDArray[np.integer] | Sequence[int]) -> NDArray[Any]:
    """Dense node indices as int32 (order and duplicates kept); InputError when invalid."""
    arr = np.asarray(nodes)
    if arr.size == 0:
        return np.empty(0, dtype=np.int32)
    arr = arr.reshape(-1)
    if not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"nodes must be integer node indices, got dtype {arr.dtype}")
    bad = (arr < 0) | (arr >= graph.n)
    if bad.any():
        raise InputError(
            f"node index {int(arr[bad][0])} is out of range; the graph has {graph.n} nodes"
        )
    return np.ascontiguousarray(arr, dtype=np.int32)


def shared_followers(
    graph: FollowerGraph, nodes: NDArray[np.integer] | Sequence[int]
) -> NDArray[np.int64]:
    """``|F_a ∩ F_b|`` for every pair of ``nodes`` (k x k, diagonal ``|F_a|``).

    ``F_u`` is the set of u's direct followers in the graph. O(n + k x sum of
    the candidates' follower counts).
    """
    idx = _node_array(graph, nodes)
    return np.asarray(_shared_counts(graph.out_ptr, graph.out_idx, idx), dtype=np.int64)


def _ratio(shared: NDArray[Any], sizes: NDArray[Any]) -> NDArray[np.float64]:
    """``shared[a, b] / min(sizes[a], sizes[b])``, 0 where the minimum is 0."""
    low = np.minimum.outer(sizes, sizes).astype(np.float64)
    out = np.zeros(low.shape, dtype=np.float64)
    np.divide(shared, low, out=out, where=low > 0)
    return out


def follower_overlap(
    graph: FollowerGraph, nodes: NDArray[np.integer] | Sequence[int]
) -> NDArray[np.float64]:
    """Pairwise follower overlap ``|F_a ∩ F_b| / min(|F_a|, |F_b|)`` (k x k, float64).

    0 when either node has no follower; the diagonal is 1 for a node with
    followers. O(n + k x sum of the candidates' follower counts).

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from pipeline.graph_io import from_edges
    >>> # a -> x, a -> y, b -> y: a's followers {x, y}, b's {y}
    >>> g = from_edges(np.array([0, 0, 1]), np.array([2, 3, 3]), pl.Series(list("abxy")))
    >>> follower_overlap(g, [0, 1]).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    idx = _node_array(graph, nodes)
    shared = shared_followers(graph, idx)
    return _ratio(shared, np.diag(shared).copy())


def overlap_with_above(
    graph: FollowerGraph, nodes: NDArray[np.integer] | Sequence[int]
) -> NDArray[np.float64]:
    """For a ranked list, each node's share of followers who already follow a node above it.

    ``overlap_above(u_i) = |F_{u_i} ∩ (F_{u_1} ∪ ... ∪ F_{u_{i-1}})| / |F_{u_i}|``:
    0 for the first node and for a node without followers; a node listed a
    second time scores 1 (if it has followers). O(n + sum of follower counts)
    with one marker array.

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from pipeline.graph_io import from_edges
    >>> g = from_edges(np.array([0, 0, 1, 1]), np.array([2, 3, 3, 4]), pl.Series(list("abxyz")))
    >>> overlap_with_above(g, [0, 1]).tolist()  # b's followers {y, z}: y follows a
    [0.0, 0.5]
    """
    idx = _node_array(graph, nodes)
    return np.asarray(_above_kernel(graph.out_ptr, graph.out_idx, idx), dtype=np.float64)


# ---------------------------------------------------------------------------
# Simulated exposed-audience overlap
# ---------------------------------------------------------------------------


@njit(nogil=True, cache=True, inline="always")
def _expose(v, rstamp, bit, sn, mk, tc, nt):
    """Mark ``v`` exposed by the candidate of ``bit`` in run ``rstamp``.

    The first time a run touches ``v`` its mask is cleared and ``v`` is listed in
    ``tc``. Returns the new length of ``tc`` and 1 if ``v`` is new for the candidate.
    """
    if sn[v] != rstamp:
        sn[v] = rstamp
        mk[v] = _ZERO
        tc[nt] = v
        nt += 1
    if (mk[v] & bit) == _ZERO:
        mk[v] |= bit
        return nt, 1
    return nt, 0


@njit(nogil=True, cache=True, parallel=True)
def overlap_runs(
    out_ptr,
    out_idx,
    edge_p,
    node_p,
    node_inv,
    per_edge,
    weight,
    is_lt,
    cands,
    keys,
    max_steps,
    nchunks,
):
    """Each candidate's single-seed cascade in every run, and their pairwise shared exposure.

    Parameters
    ----------
    out_ptr, out_idx : out-CSR (int64 offsets, int32 targets).
    edge_p, node_p, node_inv, per_edge : IC parameters as for ``kernels.ic_runs``.
    weight, is_lt : LT weights (float32, m) and whether to run LT instead of IC.
    cands : int32 distinct candidate nodes (at most 64); ``keys`` : uint64 run keys.
    max_steps : horizon in steps (seeds are step 0), -1 for none.
    nchunks : number of parallel chunks of runs (1 <= nchunks <= runs).

    Returns
    -------
    activated, exposed (int64, runs x k): each candidate's counts when seeding alone;
    union (int64, runs): ``|E_1 ∪ ... ∪ E_k|``; shared (int64, k x k): summed over
    runs, ``|E_a ∩ E_b|`` (diagonal: ``|E_a|``). Integer counts, so the result does
    not depend on the number of chunks.
    """
    n = out_ptr.shape[0] - 1
    runs = keys.shape[0]
    k = cands.shape[0]
    lt_n = n if is_lt else 0
    activated = np.zeros((runs, k), dtype=np.int64)
    exposed = np.zeros((runs, k), dtype=np.int64)
    union = np.zeros(runs, dtype=np.int64)
    shared = np.zeros((nchunks, k, k), dtype=np.int64)
    state = np.zeros((nchunks, n), dtype=np.int64)
    order = np.zeros((nchunks, n), dtype=np.int32)
    seen = np.zeros((nchunks, n), dtype=np.int64)
    masks = np.zeros((nchunks, n), dtype=np.uint64)
    touched = np.zeros((nchunks, n), dtype=np.int32)
    acc_stamp = np.zeros((nchunks, lt_n), dtype=np.int64)
    acc_all = np.zeros((nchunks, lt_n), dtype=np.float64)
    theta_all = np.zeros((nchunks, lt_n), dtype=np.float64)
    bits_all = np.zeros((nchunks, k), dtype=np.int64)
    # What the cascade functions need for the counts this kernel does not take from them.
    no_q = np.zeros(0, dtype=np.float64)
    none64 = np.zeros(0, dtype=np.int64)
    none32 = np.zeros(0, dtype=np.int32)
    no_ptr = np.zeros(1, dtype=np.int64)
    for c in prange(nchunks):
        r0, r1 = chunk_range(c, runs, nchunks)
        st = state[c]
        od = order[c]
        sn = seen[c]
        mk = masks[c]
        tc = touched[c]
        ast = acc_stamp[c]
        acc = acc_all[c]
        th = theta_all[c]
        bits = bits_all[c]
        sh = shared[c]
        for r in range(r0, r1):
            key = keys[r]
            rstamp = np.int64(r + 1)
            nt = 0
            for i in range(k):
                # A fresh stamp per (run, candidate): each cascade starts from nothing.
                stamp = np.int64(r) * k + i + 1
                seed = cands[i : i + 1]
                # The cascade of ic_runs / lt_runs itself, counting nothing but activations
                # (exposure is counted below, per candidate, with the masks).
                if is_lt:
                    end, _, _ = lt_cascade(
                        out_ptr, out_idx, weight, no_q, seed, key, max_steps, stamp, st, od,
                        ast, acc, th, none64, False, none32, none32, False, none64, False, none32,
                    )  # fmt: skip
                else:
                    end, _, _ = ic_cascade(
                        out_ptr, out_idx, edge_p, node_p, node_inv, per_edge, no_q,
                        seed, key, max_steps, stamp, st, od,
                        none64, False, 0, no_ptr, none64, False,
                        none32, none32, False, none64, False, none32,
                    )  # fmt: skip
                activated[r, i] = end
                bit = _ONE << np.uint64(i)
                ex = 0
                # exposed = activated ∪ followers of activated
                for j in range(end):
                    u = od[j]
                    nt, new = _expose(u, rstamp, bit, sn, mk, tc, nt)
                    ex += new
                    for e in range(out_ptr[u], out_ptr[u + 1]):
                        nt, new = _expose(out_idx[e], rstamp, bit, sn, mk, tc, nt)
                        ex += new
                exposed[r, i] = ex
            union[r] = nt
            for j in range(nt):
                m = mk[tc[j]]
                nb = 0
                for i in range(k):
                    if ((m >> np.uint64(i)) & _ONE) != _ZERO:
                        bits[nb] = i
                        nb += 1
                for x in range(nb):
                    for y in range(x, nb):
                        sh[bits[x], bits[y]] += 1
    total = np.zeros((k, k), dtype=np.int64)
    for c in range(nchunks):
        total += shared[c]
    for i in range(k):
        for j in range(i + 1, k):
            total[j, i] = total[i, j]
    return activated, exposed, union, total


@dataclass(frozen=True, eq=False)
class OverlapResult:
    """Follower and simulated audience overlap of ``k`` candidates (see the module doc).

    Attributes
    ----------
    ids : external IDs of the candidates, in the order given.
    nodes : int32 dense indices of the candidates.
    model, runs, seed, max_steps : what was simulated (``max_steps`` None = unbounded).
    followers : int64 per candidate, direct followers in the graph ``|F_a|``.
    shared_followers : int64 k x k, ``|F_a ∩ F_b|`` (diagonal ``|F_a|``).
    activated, exposed : int64 runs x k, each candidate's counts seeding alone
        (column a equals ``simulate(g, [a], ...)``'s per-run arrays).
    shared_exposed : float64 k x k, mean over runs of ``|E_a ∩ E_b|``.
    union_exposed : int64 per run, ``|E_1 ∪ ... ∪ E_k|`` of the individual cascades.
    overlap_above : float64 per candidate, :func:`overlap_with_above` in the given order.
    joint : the simulation with all candidates seeding together (same seed).
    """

    ids: pl.Series
    nodes: NDArray[np.int32]
    model: str
    runs: int
    seed: int
    max_steps: int | None
    followers: NDArray[np.int64]
    shared_followers: NDArray[np.int64]
    activated: NDArray[np.int64]
    exposed: NDArray[np.int64]
    shared_exposed: NDArray[np.float64]
    union_exposed: NDArray[np.int64]
    overlap_above: NDArray[np.float64]
    joint: SimulationResult

    @property
    def mean_activated(self) -> NDArray[np.float64]:
        """Mean activated per candidate seeding alone."""
        return np.asarray(self.activated.mean(axis=0), dtype=np.float64)

    @property
    def mean_exposed(self) -> NDArray[np.float64]:
        """Mean exposed per candidate seeding alone."""
        return np.asarray(self.exposed.mean(axis=0), dtype=np.float64)

    @property
    def follower_overlap(self) -> NDArray[np.float64]:
        """k x k ``|F_a ∩ F_b| / min(|F_a|, |F_b|)`` (0 when either is empty)."""
        return _ratio(self.shared_followers, self.followers)

    @property
    def exposed_overlap(self) -> NDArray[np.float64]:
        """k x k ``E|E_a ∩ E_b| / min(E|E_a|, E|E_b|)`` (0 when either mean is 0)."""
        return _ratio(self.shared_exposed, self.mean_exposed)

    def per_candidate(self) -> pl.DataFrame:
        """One row per candidate: id, followers, mean_exposed and mean_activated (seeding
        alone), overlap_above (share of followers already following a candidate above)."""
        return pl.DataFrame(
            {
                "id": self.ids,
                "followers": self.followers,
                "mean_exposed": self.mean_exposed,
                "mean_activated": self.mean_activated,
                "overlap_above": self.overlap_above,
            }
        )

    def pairs(self) -> pl.DataFrame:
        """One row per pair a < b (in the given order): id_a, id_b, followers_a,
        followers_b, shared_followers, follower_overlap, exposed_overlap, and
        shared_exposed (mean ``|E_a ∩ E_b|``, the numerator of exposed_overlap)."""
        a, b = np.triu_indices(len(self.nodes), k=1)
        return pl.DataFrame(
            {
                "id_a": self.ids.gather(a),
                "id_b": self.ids.gather(b),
                "followers_a": self.followers[a],
                "followers_b": self.followers[b],
                "shared_followers": self.shared_followers[a, b],
                "follower_overlap": self.follower_overlap[a, b],
                "exposed_overlap": self.exposed_overlap[a, b],
                "shared_exposed": self.shared_exposed[a, b],
            }
        )

    def summary(self) -> dict[str, Any]:
        """Unique reach of the set against the sum of individual reaches, as plain numbers.

        ``unique_reach`` (mean exposed when all seed together), ``sum_individual``,
        ``redundancy = 1 - unique_reach / sum_individual``, the same three for
        activated (``*_activated``), ``unique_reach_stderr``, ``union_exposed`` (mean
        ``|E_1 ∪ ... ∪ E_k|`` of the individual cascades), and the mean and max of the
        pairwise follower and exposed overlaps.
        """
        out: dict[str, Any] = {
            "model": self.model,
            "runs": self.runs,
            "seed": self.seed,
            "max_steps": self.max_steps,
            "candidates": len(self.nodes),
        }
        for name, joint, alone in (
            ("", self.joint.exposed, self.mean_exposed),
            ("_activated", self.joint.activated, self.mean_activated),
        ):
            unique = float(joint.mean())
            total = float(alone.sum())
            out[f"unique_reach{name}"] = unique
            out[f"sum_individual{name}"] = total
            out[f"redundancy{name}"] = 1.0 - unique / total if total > 0 else 0.0
        x = self.joint.exposed.astype(np.float64)
        std = float(x.std(ddof=1)) if x.size > 1 else 0.0
        out["unique_reach_stderr"] = std / math.sqrt(x.size)
        out["union_exposed"] = float(self.union_exposed.mean())
        a, b = np.triu_indices(len(self.nodes), k=1)
        for name, mat in (
            ("follower_overlap", self.follower_overlap),
            ("exposed_overlap", self.exposed_overlap),
        ):
            vals = mat[a, b]
            out[f"mean_{name}"] = float(vals.mean())
            out[f"max_{name}"] = float(vals.max())
        return out


def _candidates(graph: FollowerGraph, nodes: ArrayLike) -> NDArray[np.int32]:
    """Validated candidate nodes: integers in range, 2..64 of them, no repeats."""
    idx = _node_array(graph, np.asarray(nodes))
    uniq, first, counts = np.unique(idx, return_index=True, return_counts=True)
    if (counts > 1).any():
        twice = uniq[counts > 1]
        # Report the first repeat in the order given.
        rep = int(twice[np.argmin(first[counts > 1])])
        raise InputError(
            f"candidate {graph.ids[rep]!r} is listed more than once; give each candidate once "
            "(an account's overlap with itself says nothing)"
        )
    if idx.size < 2:
        raise InputError(f"audience overlap needs at least 2 candidates, got {idx.size}")
    if idx.size > MAX_CANDIDATES:
        raise InputError(
            f"audience overlap takes at most {MAX_CANDIDATES} candidates, got {idx.size}; "
            "compare fewer at a time"
        )
    return idx


def _kernel_args(spec: DiffusionSpec) -> tuple[Any, ...]:
    """(edge_p, node_p, node_inv, per_edge, weight, is_lt) as ``overlap_runs`` takes them."""
    empty32 = np.zeros(0, dtype=np.float32)
    empty64 = np.zeros(0, dtype=np.float64)
    if spec.weight is not None:
        w = np.ascontiguousarray(spec.weight, dtype=np.float32)
        return empty32, empty64, empty64, True, w, True
    if spec.node_prob is not None:
        node_p = np.ascontiguousarray(spec.node_prob, dtype=np.float64)
        return empty32, node_p, node_log_inverse(node_p), False, empty32, False
    if spec.edge_prob is not None:
        edge_p = np.ascontiguousarray(spec.edge_prob, dtype=np.float32)
        return edge_p, empty64, empty64, True, empty32, False
    raise InputError("the diffusion spec has no node_prob, edge_prob or weight")


def audience_overlap(
    graph: FollowerGraph,
    nodes: NDArray[np.integer] | Sequence[int],
    model: str,
    *,
    runs: int = 200,
    seed: int = 0,
    p: float | None = None,
    max_steps: int | None = None,
    sender_factor: ArrayLike | None = None,
    threads: int | None = None,
) -> OverlapResult:
    """Follower overlap, simulated exposed-audience overlap and unique reach of candidates.

    Parameters
    ----------
    graph : the follower graph (influence direction).
    nodes : 2 to 64 distinct dense node indices; a repeated node is refused
        (InputError), since a candidate's overlap with itself is not a finding.
    model, p, max_steps, sender_factor : as for :func:`~pipeline.diffusion.simulate`
        (``sender_factor`` gives the brand-aware variant).
    runs : Monte Carlo runs (>= 1); run ``r`` uses the same key for every
        candidate and for the joint simulation (common random numbers).
    seed : non-negative integer; same seed -> same numbers, for any thread count.
    threads : numba threads to use (default: numba's setting).

    Returns
    -------
    OverlapResult
        ``.per_candidate()``, ``.pairs()`` and ``.summary()`` (see the module doc).

    Raises
    ------
    InputError
        Fewer than 2 or more than 64 candidates, a repeated candidate, and
        anything :func:`~pipeline.diffusion.simulate` refuses.

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from pipeline.graph_io import from_edges
    >>> # a and b both reach x; x reaches y
    >>> g = from_edges(np.array([0, 1, 2]), np.array([2, 2, 3]), pl.Series(list("abxy")))
    >>> res = audience_overlap(g, [0, 1], "ic", p=1.0, runs=10)
    >>> s = res.summary()
    >>> s["unique_reach"], s["sum_individual"], round(s["redundancy"], 4)
    (4.0, 6.0, 0.3333)
    >>> res.pairs()["exposed_overlap"].to_list()  # E_a = {a, x, y}, E_b = {b, x, y}
    [0.6666666666666666]
    """
    idx = _candidates(graph, nodes)
    spec = build_model(graph, model, p=p, sender_factor=sender_factor, seed=check_seed(seed))
    # The joint cascade also validates runs, seed, max_steps and threads.
    joint = run_cascades(
        graph, idx, spec, runs=runs, seed=seed, max_steps=max_steps, threads=threads
    )
    keys = run_keys(joint.seed, joint.runs)
    horizon = np.int64(-1 if joint.max_steps is None else joint.max_steps)
    with numba_threads(threads) as nthreads:
        edge_p, node_p, node_inv, per_edge, weight, is_lt = _kernel_args(spec)
        act, exp, union, shared = kernel_for(overlap_runs, threads)(
            graph.out_ptr, graph.out_idx, edge_p, node_p, node_inv, per_edge, weight, is_lt,
            idx, keys, horizon, np.int64(min(joint.runs, nthreads)),
        )  # fmt: skip
    shared_f = shared_followers(graph, idx)
    return OverlapResult(
        ids=graph.ids.gather(idx),
        nodes=idx,
        model=joint.model,
        runs=joint.runs,
        seed=joint.seed,
        max_steps=joint.max_steps,
        followers=np.diag(shared_f).copy(),
        shared_followers=shared_f,
        activated=act,
        exposed=exp,
        shared_exposed=shared / joint.runs,
        union_exposed=union,
        overlap_above=overlap_with_above(graph, idx),
        joint=joint,
    )
