"""Audience overlap in simulation: :func:`audience_overlap` runs
:func:`~pipeline.overlap.kernel.overlap_runs` and summarises exposed, activated and
unique reach per candidate and pairwise overlap in :class:`OverlapResult`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from pipeline import defaults
from pipeline.diffusion.model_ref import Model
from pipeline.diffusion.models import DiffusionSpec, build_model, check_seed, node_log_inverse
from pipeline.diffusion.simulate import SimulationResult, run_cascades, run_keys
from pipeline.diffusion.threads import kernel_for, numba_threads
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.overlap.followers import (
    node_array,
    overlap_ratio,
    overlap_with_above,
    shared_followers,
)
from pipeline.overlap.kernel import MAX_CANDIDATES, overlap_runs
from pipeline.reprs import TABLE_ROWS, Described, Summary, ids_text, num, pct

__all__ = ["OverlapResult", "audience_overlap"]


@dataclass(frozen=True, eq=False, repr=False)
class OverlapResult(Described):
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

    ``repr`` is a few lines (the candidates, unique reach against the sum of individual
    reaches, mean and max pairwise overlaps, the tables to ask for); in a notebook
    ``_repr_html_`` adds the first rows of :meth:`per_candidate`.
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
        return overlap_ratio(self.shared_followers, self.followers)

    @property
    def exposed_overlap(self) -> NDArray[np.float64]:
        """k x k ``E|E_a ∩ E_b| / min(E|E_a|, E|E_b|)`` (0 when either mean is 0)."""
        return overlap_ratio(self.shared_exposed, self.mean_exposed)

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

    def _describe(self) -> Summary:
        s = self.summary()
        k = len(self.nodes)
        title = (
            f"OverlapResult: {k} candidates, {self.runs:,} runs of {self.model} (seed {self.seed})"
        )
        rows = [("candidates", ids_text(self.ids))]
        for key, what in (("", "exposed"), ("_activated", "activated")):
            together, alone = num(s["unique_reach" + key]), num(s["sum_individual" + key])
            text = f"{together} seeding together vs {alone} summed alone"
            rows.append((f"unique {what}", f"{text} (redundancy {pct(s['redundancy' + key])})"))
        for name in ("follower_overlap", "exposed_overlap"):
            text = f"mean {pct(s['mean_' + name])}, max {pct(s['max_' + name])} over pairs"
            rows.append((name.replace("_", " "), text))
        pairs = k * (k - 1) // 2
        tables = f".per_candidate() ({k} rows), .pairs() ({pairs:,} rows), .summary(), .joint"
        rows.append(("tables", tables))
        table = self.per_candidate().head(TABLE_ROWS)
        note = f"first {TABLE_ROWS} of {k} candidates" if k > TABLE_ROWS else ""
        return Summary(title, rows, table.columns, table.rows(), note)


def _candidates(graph: FollowerGraph, nodes: ArrayLike) -> NDArray[np.int32]:
    """Validated candidate nodes: integers in range, 2..64 of them, no repeats."""
    idx = node_array(graph, np.asarray(nodes))
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
    model: str | Model,
    *,
    runs: int = defaults.OVERLAP_RUNS,
    seed: int = defaults.SEED,
    p: float | None = None,
    max_steps: int | None = None,
    sender_factor: ArrayLike | None = None,
    threads: int | None = None,
    quality: ArrayLike | None = None,
) -> OverlapResult:
    """Follower overlap, simulated exposed-audience overlap and unique reach of candidates.

    Parameters
    ----------
    graph : the follower graph (influence direction).
    nodes : 2 to 64 distinct dense node indices; a repeated node is refused
        (InputError), since a candidate's overlap with itself is not a finding.
    model, p, max_steps, sender_factor, quality : as for
        :func:`~pipeline.diffusion.simulate` (``sender_factor`` gives the brand-aware
        variant; ``quality``, the share ``q_u`` of each node's followers that are real,
        discounts spread and exposure with the simulator's coins: an edge transmits with
        ``min(1, p f_u) q_u`` and only a real follow exposes).
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
    spec = build_model(graph, model, p=p, sender_factor=sender_factor, seed=check_seed(seed),
                       quality=quality)  # fmt: skip
    # The joint cascade also validates runs, seed, max_steps and threads.
    joint = run_cascades(
        graph, idx, spec, runs=runs, seed=seed, max_steps=max_steps, threads=threads
    ).with_ids(graph)
    keys = run_keys(joint.seed, joint.runs)
    horizon = np.int64(-1 if joint.max_steps is None else joint.max_steps)
    with numba_threads(threads) as nthreads:
        edge_p, node_p, node_inv, per_edge, weight, is_lt = _kernel_args(spec)
        q = np.zeros(0) if spec.quality is None else np.ascontiguousarray(spec.quality)
        act, exp, union, shared = kernel_for(overlap_runs, threads)(
            graph.out_ptr, graph.out_idx, edge_p, node_p, node_inv, per_edge, weight, is_lt,
            q, idx, keys, horizon, np.int64(min(joint.runs, nthreads)),
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
