"""Per-edge (or per-source) parameters of the diffusion models, validated.

Models (Kempe, Kleinberg, Tardos 2003, "Maximizing the spread of influence
through a social network", KDD):

- ``ic``: Independent Cascade with a uniform ``p`` (per-source form, so the
  kernel can skip-sample) or the graph's per-edge ``probability`` column.
- ``wc``: weighted cascade, ``p(u, v) = 1 / in-degree(v)``.
- ``tv``: trivalency, each edge's ``p`` drawn once from {0.1, 0.01, 0.001}
  by ``hash(model key, e)``. The draw is part of the model, not of a run: its
  key comes from a *model seed* (:data:`TV_SEED` unless a
  :class:`~pipeline.diffusion.model_ref.Model` places its own draw,
  :func:`tv_model`), never from the run seed, so a seeding (whatever its seed)
  and the simulations of its plan (whatever theirs) see the same probabilities.
- ``lt``: Linear Threshold with the graph's ``weight`` column, else
  ``w(u, v) = 1 / in-degree(v)``; every node's incoming weights must sum to
  at most 1.

A graph loaded with ``duplicates="count"`` keeps each edge's multiplicity ``c_uv``
(e.g. a co-authorship graph): the cascades read it as ``c_uv`` independent chances,
``1 - (1 - p(u, v))^c_uv`` (ic, tv), and the in-degree shares count it,
``c_uv / sum over v's in-edges of c`` (wc, and lt's default weights). A calibrated
model's per-edge probabilities are used as fitted.

Brand-aware variants take a per-node sender factor ``f``
(:func:`pipeline.profiles.brand_sender_factor`):

- cascades use ``p'(u, v) = min(1, p(u, v) * f_u)``;
- LT uses ``w'(u, v) = w(u, v) * f_u``; when a node's scaled incoming weights
  sum to more than 1 they are divided by that sum (renormalised to sum to 1),
  so a node with strongly boosted senders is activated surely once all of
  them are active, and never more than surely.

Audience quality (fake followers) takes a per-node share ``q_u`` in [0, 1] of
u's followers that are real (e.g. the profiles' ``real_audience`` column):
in each run every follow edge ``u -> v`` is independently *real* with
probability ``q_u`` (a counter-based coin of the run key and the edge,
independent of the cascade coins and shared by all models), and a fake edge
does nothing. Hence, per run:

- exposure is discounted: ``exposed = |A ∪ {v : u -> v real, u in A}|`` for
  the activated set ``A``, so an activated u exposes ``q_u * out-degree(u)``
  followers in expectation (before overlaps), where it exposed all of them;
- spread is discounted: a cascade edge transmits with probability
  ``q_u * p(u, v)`` (real and its coin passes), and in LT a fake edge adds
  no weight, i.e. LT runs on ``w(u, v) * real(u, v)``, so v's chance of
  being activated by a given set of active in-neighbours S is
  ``sum_{u in S} q_u w(u, v)`` on average.

``q_u = 1`` draws no coin, so quality 1 (or None) is the undiscounted model
bit for bit; ``q_u = 0`` silences u entirely (it can still be activated and
exposed itself). Realness and liveness are correlated for exposure: a live
(transmitting) edge is always real, while a dead edge is still real with
probability ``q_u (1 - p) / (1 - q_u p)`` (see :mod:`pipeline.diffusion.exact`).
Quality is not folded into ``p`` because exposure needs the realness of dead
edges too. The order is fixed: the brand clip first, then quality, so an edge
transmits with ``min(1, p(u, v) f_u) q_u`` (:func:`transmit_probabilities`,
what the RR-set estimators and IMM sample), never ``min(1, p(u, v) f_u q_u)``.

All builders are vectorised NumPy, O(n + m).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pipeline.diffusion.model_ref import Model
from pipeline.diffusion.rng import tv_probabilities
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

__all__ = [
    "LT_TOLERANCE",
    "MODELS",
    "TV_SEED",
    "DiffusionSpec",
    "ModelName",
    "build_model",
    "check_quality",
    "check_seed",
    "check_seeds",
    "node_log_inverse",
    "run_key_sequence",
    "transmit_probabilities",
    "tv_edge_probabilities",
    "tv_model",
    "wc_probabilities",
]

ModelName = Literal["ic", "wc", "tv", "lt"]
MODELS: tuple[str, ...] = ("ic", "wc", "tv", "lt")
LT_TOLERANCE = 1e-5
"""Slack on "incoming LT weights sum to at most 1" (float32 sums of 1/d round up)."""
TV_SEED = 0
"""The model seed of ``tv``'s trivalency draw when the model does not place its own
(:func:`tv_model`): the same draw in every call, whatever the run or selection seed."""


@dataclass(frozen=True, eq=False)
class DiffusionSpec:
    """What a kernel needs: exactly one of the three parameter arrays is set.

    ``node_prob`` (float64, n): IC where all out-edges of u share ``p_u``
    (skip-sampled). ``edge_prob`` (float32, m): IC with per-edge ``p``.
    ``weight`` (float32, m): LT edge weights, incoming sums <= 1.
    ``quality`` (float64, n, in [0, 1]) or None: the share ``q_u`` of u's
    followers that are real (see the module docstring); None = all real.
    """

    model: str
    node_prob: NDArray[np.float64] | None = None
    edge_prob: NDArray[np.float32] | None = None
    weight: NDArray[np.float32] | None = None
    quality: NDArray[np.float64] | None = None

    @property
    def kind(self) -> Literal["ic", "lt"]:
        return "lt" if self.weight is not None else "ic"


def run_key_sequence(seed: int, stream: int) -> np.random.SeedSequence:
    """``SeedSequence(seed)``'s child ``stream`` (0: run keys, 1: model constants)."""
    return np.random.SeedSequence(seed, spawn_key=(stream,))


def check_seed(seed: object) -> int:
    """The RNG seed as a non-negative Python int, else InputError."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or int(seed) < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_seeds(g: FollowerGraph, seed_idx: ArrayLike) -> NDArray[np.int32]:
    """Validated seed nodes (dense indices) as int32, duplicates dropped.

    Duplicates are removed keeping the first occurrence, so seed positions
    (used by attribution) follow the order given. Empty sets, non-integers
    and indices outside ``0..n-1`` raise InputError. O(k log k).
    """
    arr = np.asarray(seed_idx)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if arr.size == 0:
        raise InputError("the seed set is empty; expected at least one seed node")
    if not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"seed nodes must be integer node indices, got dtype {arr.dtype}")
    bad = (arr < 0) | (arr >= g.n)
    if bad.any():
        raise InputError(
            f"seed node index {int(arr[bad][0])} is out of range; the graph has {g.n} nodes"
        )
    _, first = np.unique(arr, return_index=True)
    return arr[np.sort(first)].astype(np.int32)


def _check_factor(g: FollowerGraph, factor: ArrayLike | None) -> NDArray[np.float64] | None:
    if factor is None:
        return None
    f = np.asarray(factor, dtype=np.float64).reshape(-1)
    if f.shape[0] != g.n:
        raise InputError(f"sender_factor has {f.shape[0]} entries; expected one per node ({g.n})")
    if not np.all(np.isfinite(f)) or (f < 0).any():
        raise InputError("sender_factor must be finite and >= 0 for every node")
    return f


def check_quality(g: FollowerGraph, quality: ArrayLike | None) -> NDArray[np.float64] | None:
    """Validated per-node audience quality ``q_u`` (float64, length n, in [0, 1]) or None.

    Wrong length, non-numbers, NaN and values outside [0, 1] raise InputError
    naming the first bad node. O(n).
    """
    if quality is None:
        return None
    try:
        q = np.array(quality, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("quality must be an array of numbers in [0, 1], one per node") from None
    if q.ndim != 1 or q.shape[0] != g.n:
        raise InputError(f"quality has shape {q.shape}; expected one value per node ({g.n},)")
    bad = ~np.isfinite(q) | (q < 0) | (q > 1)
    if bad.any():
        v = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"quality of node {g.ids[v]!r} is {q[v]:g}; expected a number in [0, 1] "
            f"(the share of its followers that are real; {int(bad.sum())} node(s) bad)"
        )
    return q


def _check_prob_array(p: NDArray[np.floating], what: str) -> None:
    bad = ~np.isfinite(p) | (p < 0) | (p > 1)
    if bad.any():
        e = int(np.flatnonzero(bad)[0])
        raise InputError(f"{what} of edge {e} is {float(p[e]):g}; expected a number in [0, 1]")


def wc_probabilities(g: FollowerGraph) -> NDArray[np.float32]:
    """Weighted-cascade ``1 / in-degree(v)`` for every edge ``u -> v`` (float32, m); with
    a multiplicity (duplicates counted), ``c_uv / sum of c over v's in-edges``. O(m)."""
    if g.multiplicity is None:  # 1 / in-degree per node, then one gather (float32)
        share = (1.0 / np.maximum(np.diff(g.in_ptr), 1)).astype(np.float32)
        return share[g.out_idx]
    return _in_share(g).astype(np.float32)


def _in_share(g: FollowerGraph) -> NDArray[np.float64]:
    """Each edge's share of its target's in-edges, counting multiplicities. O(m)."""
    if g.multiplicity is None:
        return 1.0 / np.diff(g.in_ptr).astype(np.float64)[g.out_idx]
    c = g.multiplicity.astype(np.float64)
    return c / np.bincount(g.out_idx, weights=c, minlength=g.n)[g.out_idx]


def _repeated(g: FollowerGraph, edge_p: NDArray[np.floating]) -> NDArray[np.float32]:
    """``1 - (1 - p)^c``: an edge recorded ``c`` times is ``c`` independent chances
    (``g.multiplicity``; unchanged without one). O(m)."""
    if g.multiplicity is None:
        return np.asarray(edge_p, dtype=np.float32)
    p = np.asarray(edge_p, dtype=np.float64)
    return (-np.expm1(g.multiplicity * np.log1p(-np.minimum(p, 1.0)))).astype(np.float32)


def tv_edge_probabilities(g: FollowerGraph, model_seed: int = TV_SEED) -> NDArray[np.float32]:
    """Trivalency probabilities of ``g``'s edges (float32, m) from the model seed
    ``model_seed``: edge ``e`` gets {0.1, 0.01, 0.001}[hash(key, e) % 3], the key being
    stream 1 of ``SeedSequence(model_seed)``. O(m)."""
    key = run_key_sequence(check_seed(model_seed), 1).generate_state(1, np.uint64)[0]
    return tv_probabilities(g.m, key)


def tv_model(g: FollowerGraph, model_seed: int, label: str = "tv") -> Model:
    """``tv`` with its trivalency draw from ``model_seed`` placed on ``g`` as per-edge
    probabilities (brand factor and quality still apply on top): pass it to both the
    seeding and the simulation so they share one draw, e.g. a campaign's model seed
    derived from its seed and the model's label (:meth:`CampaignContext.model
    <pipeline.campaign.context.CampaignContext.model>`). O(m)."""
    return Model("tv", None, label, tv_edge_probabilities(g, model_seed))


def transmit_probabilities(g: FollowerGraph, spec: DiffusionSpec) -> NDArray[np.float32]:
    """Per edge, the probability it transmits in a run of ``spec`` (float32, m): for the
    cascades ``min(1, p f_u) q_u`` (the brand clip, then quality: what the kernels do,
    an edge transmitting iff real and its coin passes), for LT the weight ``w'(u, v)
    q_u`` (brand-renormalised, then thinned by realness). RR sets drawn with these are
    exact for activation; exposure RR sets add the realness ``q_u`` (the correlation of
    realness and liveness is handled there). O(n + m)."""
    if spec.weight is not None:
        base = np.asarray(spec.weight, dtype=np.float64)
    elif spec.edge_prob is not None:
        base = np.asarray(spec.edge_prob, dtype=np.float64)
    else:
        assert spec.node_prob is not None
        base = np.asarray(spec.node_prob, dtype=np.float64)[g.edge_sources]
    if spec.quality is not None:
        base = base * spec.quality[g.edge_sources]
    return base.astype(np.float32)


def node_log_inverse(node_p: NDArray[np.float64]) -> NDArray[np.float64]:
    """``1 / log1p(-p_u)`` per node: scales ``log(U)`` into a geometric gap (0 for p = 1)."""
    inv = np.zeros_like(node_p)
    mid = (node_p > 0) & (node_p < 1)
    inv[mid] = 1.0 / np.log1p(-node_p[mid])
    return inv


def _lt_weights(g: FollowerGraph, f: NDArray[np.float64] | None) -> NDArray[np.float32]:
    if g.weight is not None:
        w = np.asarray(g.weight, dtype=np.float64)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            e = int(np.flatnonzero(bad)[0])
            raise InputError(f"LT weight of edge {e} is {w[e]:g}; expected a number >= 0")
    else:
        w = _in_share(g)
    incoming = np.bincount(g.out_idx, weights=w, minlength=g.n)
    over = incoming > 1.0 + LT_TOLERANCE
    if over.any():
        v = int(np.argmax(np.where(over, incoming, -np.inf)))
        raise InputError(
            f"LT weights into node {g.ids[v]!r} sum to {incoming[v]:.6g}; the weights into "
            f"each node must sum to at most 1 ({int(over.sum())} node(s) over)"
        )
    if f is not None:
        w = w * f[g.edge_sources]
        incoming = np.bincount(g.out_idx, weights=w, minlength=g.n)
        scale = np.where(incoming > 1.0, 1.0 / np.maximum(incoming, 1.0), 1.0)
        w = w * scale[g.out_idx]
    return w.astype(np.float32)


def build_model(
    g: FollowerGraph,
    model: str | Model,
    *,
    p: float | None = None,
    sender_factor: ArrayLike | None = None,
    seed: int = 0,
    quality: ArrayLike | None = None,
) -> DiffusionSpec:
    """Per-edge parameters of ``model`` on ``g``, validated. O(n + m).

    Parameters
    ----------
    model : ``"ic"``, ``"wc"``, ``"tv"`` or ``"lt"``, or a resolved
        :class:`~pipeline.diffusion.model_ref.Model` (e.g. a calibrated model: its
        edge probabilities, and no sender factor or quality unless it is brand-aware).
    p : uniform IC probability in [0, 1] (``ic`` only; else the graph's
        ``probability`` column is used).
    sender_factor : per-node brand factor ``f`` (length n, >= 0) or None.
    seed : the run seed; no model's parameters depend on it (``tv``'s
        draw comes from :data:`TV_SEED`, or from the model's own placed draw,
        :func:`tv_model`), so a selection and a simulation with different seeds
        see the same probabilities.
    quality : per-node share of real followers ``q_u`` (length n, in [0, 1])
        or None (all real); stored in the spec, applied by the kernels (see
        the module docstring). The other arrays are not changed by it.

    Raises
    ------
    InputError
        Unknown model, ``p`` out of range or given for another model, ``ic``
        without ``p`` or a probability column, bad probabilities, LT weights
        or quality.
    """
    if isinstance(model, Model):
        if not model.brand_aware:  # used as fitted: nothing on top
            sender_factor = quality = None
        if model.edge_p is not None:
            if p is not None:
                raise InputError(f"p cannot be combined with the model {model.label!r}")
            edge_p = np.asarray(model.edge_p, dtype=np.float32)
            if edge_p.shape != (g.m,):
                raise InputError(
                    f"the model {model.label!r} has {edge_p.shape[0]} edge probabilities; "
                    f"the graph has {g.m} edges"
                )
            _check_prob_array(edge_p, "probability")
            f = _check_factor(g, sender_factor)
            if f is not None:
                edge_p = np.minimum(1.0, edge_p * f[g.edge_sources]).astype(np.float32)
            return DiffusionSpec(str(model), edge_prob=edge_p, quality=check_quality(g, quality))
        if p is not None and model.calibrated and p != model.p:
            raise InputError(f"p cannot be combined with the calibrated model {model.label!r}")
        if p is None:
            p = model.p
        if model.calibrated:  # a calibrated global model: results carry its name
            spec = build_model(g, model.kind, p=p, sender_factor=sender_factor, seed=seed,
                               quality=quality)  # fmt: skip
            return replace(spec, model=model.label)
        model = model.kind
    if model not in MODELS:
        raise InputError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    f = _check_factor(g, sender_factor)
    q = check_quality(g, quality)
    if p is not None:
        if model != "ic":
            raise InputError(f"p applies to the ic model only, not {model!r}")
        if isinstance(p, bool) or not isinstance(p, int | float | np.floating | np.integer):
            raise InputError(f"p must be a number in [0, 1], got {p!r}")
        if not (np.isfinite(p) and 0.0 <= float(p) <= 1.0):
            raise InputError(f"p must be in [0, 1], got {p}")
    if model == "lt":
        return DiffusionSpec(model, weight=_lt_weights(g, f), quality=q)
    if model == "ic" and p is not None:
        node_p = np.full(g.n, float(p), dtype=np.float64)
        if f is not None:
            node_p = np.minimum(1.0, node_p * f)
        if g.multiplicity is not None:  # c chances per edge: per-edge probabilities
            edge_p = _repeated(g, node_p[g.edge_sources])
            return DiffusionSpec(model, edge_prob=edge_p, quality=q)
        return DiffusionSpec(model, node_prob=node_p, quality=q)
    if model == "ic":
        if g.probability is None:
            raise InputError(
                "the ic model needs a probability: pass «p» (one for every edge) or give "
                "the edge file a 'probability' column, or choose «model» wc, tv or lt"
            )
        edge_p = np.asarray(g.probability, dtype=np.float32)
        _check_prob_array(edge_p, "probability")
    elif model == "wc":
        edge_p = wc_probabilities(g)
    else:
        check_seed(seed)
        edge_p = tv_edge_probabilities(g, TV_SEED)
    if f is not None:
        edge_p = np.minimum(1.0, edge_p.astype(np.float64) * f[g.edge_sources]).astype(np.float32)
    if model != "wc":  # wc counts the chances in its shares already
        edge_p = _repeated(g, edge_p)
    return DiffusionSpec(model, edge_prob=edge_p, quality=q)
