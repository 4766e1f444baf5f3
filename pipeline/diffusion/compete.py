"""Competing brands: several seed sets spread at once, each node adopts the first to reach it.

Competitive Independent Cascade in the wave-propagation form of Carnes,
Nagarajan, Wild and van Zuylen (2007). Each run draws one live-edge graph
(Kempe, Kleinberg, Tardos 2003) and the brands spread over it in
synchronous steps:

1. Step 0: every seed adopts its brand; a node seeded by several brands
   adopts one of them uniformly at random.
2. Step t >= 1: an inactive node with at least one live in-edge from a node
   activated at step t - 1 becomes active and adopts the brand of one of
   those in-edges' sources, chosen uniformly at random among the live
   in-edges from step t - 1 (the graph is simple, so among those
   in-neighbours). Active nodes never switch.

Randomness (all counter-based, :mod:`pipeline.diffusion.kernels`), for the
run key ``key_r`` of run ``r`` (:func:`~pipeline.diffusion.simulate.run_keys`):

- edge coin: ``U_e = unit(hash2(key_r, e))``, the very coin of the plain
  per-edge IC kernel, so with shared probabilities the live-edge graph is
  the plain model's and does not depend on the brands;
- tie at a node reached in step t: each candidate in-edge ``e`` gets the
  priority ``hash2(key_r ^ TIE_SALT, e)`` and the smallest wins, a uniform
  choice that does not depend on the order in which the wave is processed;
- tie at a seed shared by several brands: brand ``b`` gets the priority
  ``hash2(hash2(key_r ^ SEED_SALT, v), b)`` and the smallest wins.

Brand-aware probabilities (a sender factor per brand, ``p_e^b = min(1, p_e
f^b_u)``) are coupled through the same uniform: edge ``e`` is live for the
brand that would traverse it iff ``U_e < p_e^b``. A brand therefore sees
exactly the live-edge graph it sees when it seeds alone, so its adopters in
competition are a subset of the nodes it activates alone, run by run; with
shared probabilities the brands' adopters add up to the plain cascade from
the union of the seeds.

Audience quality (``quality``, the share ``q_u`` of u's followers that are real, e.g.
the profiles' ``real_audience``) is the simulator's rule
(:mod:`pipeline.diffusion.models`): edge ``e`` of ``u`` transmits brand b with
``min(1, p_e f^b_u) q_u`` (the brand clip, then quality), drawn as the plain per-edge
kernel draws it, live iff ``U_e < q_u p_e^b`` (a fake follow, ``U_e >= q_u``, carries
no brand). The coupling above holds with it, run by run.

Results are bit-identical for any thread count (runs are independent and
every random choice is a hash of the run key).

References
----------
Carnes, Nagarajan, Wild, van Zuylen (2007). Maximizing influence in a
competitive social network: a follower's perspective. ICEC.
Kempe, Kleinberg, Tardos (2003). Maximizing the spread of influence through
a social network. KDD.

The runs themselves are the numba kernel :func:`~pipeline.diffusion.compete_kernel.compete_runs`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from pipeline import defaults
from pipeline.diffusion.compete_kernel import compete_runs
from pipeline.diffusion.model_ref import Model
from pipeline.diffusion.model_ref import resolve as resolve_model
from pipeline.diffusion.models import (
    DiffusionSpec,
    build_model,
    check_quality,
    check_seed,
    check_seeds,
)
from pipeline.diffusion.simulate import run_cascades, run_keys
from pipeline.diffusion.threads import kernel_for, numba_threads
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.intervals import half_width

__all__ = [
    "CASCADE_MODELS",
    "CompetitionResult",
    "brand_edge_probabilities",
    "compete",
    "competition_runs",
]


CASCADE_MODELS: tuple[str, ...] = ("ic", "wc", "tv")


@dataclass(frozen=True, eq=False)
class CompetitionResult:
    """Per-run adopters of each brand when competing, and when seeding alone.

    Attributes
    ----------
    model, runs, seed, max_steps : what was simulated (``max_steps`` None = unbounded).
    brands : brand names, in the order of the columns below.
    seeds : int32 seed nodes of each brand (dense indices, duplicates dropped).
    adopters : int64, runs x brands: nodes that adopted each brand (seeds it won included).
    alone : int64, runs x brands: nodes each brand activates seeding alone,
        with the same run keys (common random numbers).
    steps : int32 per run, the last step with a new adoption.
    """

    model: str
    runs: int
    seed: int
    max_steps: int | None
    brands: tuple[str, ...]
    seeds: tuple[NDArray[np.int32], ...]
    adopters: NDArray[np.int64]
    alone: NDArray[np.int64]
    steps: NDArray[np.int32]

    def to_polars(self) -> pl.DataFrame:
        """One row per brand and run: ``brand``, ``run``, ``adopters``, ``alone``."""
        nb = len(self.brands)
        return pl.DataFrame(
            {
                "brand": pl.Series(np.repeat(np.array(self.brands, dtype=object), self.runs)),
                "run": np.tile(np.arange(self.runs, dtype=np.int64), nb),
                "adopters": self.adopters.T.reshape(-1),
                "alone": self.alone.T.reshape(-1),
            },
            schema={"brand": pl.String, "run": pl.Int64, "adopters": pl.Int64, "alone": pl.Int64},
        )

    def summary(self) -> pl.DataFrame:
        """One row per brand: seeds, mean adopters with a 95% CI, share, alone, loss.

        ``share`` is the mean over runs of the brand's fraction of all
        adopters; ``loss = mean_alone - mean_adopters`` is what competition
        costs the brand and ``loss_share = loss / mean_alone``. Standard
        errors use ddof 1 (0 for a single run); the 95% interval is Student's t
        (:mod:`pipeline.intervals`), NaN for a single run.
        """
        a = self.adopters.astype(np.float64)
        frac = a / a.sum(axis=1, keepdims=True)
        alone = self.alone.astype(np.float64)
        mean = a.mean(axis=0)
        se = _stderr(a)
        half = half_width(a, axis=0)  # NaN for a single run
        mean_alone = alone.mean(axis=0)
        loss = mean_alone - mean
        return pl.DataFrame(
            {
                "brand": list(self.brands),
                "seeds": [int(s.size) for s in self.seeds],
                "mean_adopters": mean,
                "stderr_adopters": se,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "share": frac.mean(axis=0),
                "stderr_share": _stderr(frac),
                "mean_alone": mean_alone,
                "loss": loss,
                "loss_share": loss / mean_alone,
            }
        )


def _stderr(x: NDArray[np.float64]) -> NDArray[np.float64]:
    if x.shape[0] < 2:
        return np.zeros(x.shape[1])
    return np.asarray(x.std(axis=0, ddof=1) / math.sqrt(x.shape[0]), dtype=np.float64)


def _check_int(value: object, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or int(value) < low:
        raise InputError(f"{what} must be an integer >= {low}, got {value!r}")
    return int(value)


def _edge_prob(g: FollowerGraph, spec: DiffusionSpec) -> NDArray[np.float32]:
    # The per-source form (uniform ic p) is spread onto edges, so every brand
    # uses the per-edge coin unit(hash2(key, e)) rather than skip-sampling.
    if spec.edge_prob is not None:
        return np.asarray(spec.edge_prob, dtype=np.float32)
    if spec.node_prob is not None:
        return np.asarray(spec.node_prob, dtype=np.float64)[g.edge_sources].astype(np.float32)
    raise InputError(f"model {spec.model!r} has no edge probabilities")


def brand_edge_probabilities(
    g: FollowerGraph,
    model: str | Model,
    brands: Sequence[str],
    *,
    p: float | None = None,
    sender_factors: Mapping[str, ArrayLike] | None = None,
    seed: int = 0,
) -> NDArray[np.float32]:
    """Per-brand per-edge probabilities (float32, brands x m) of a cascade model.

    Row ``b`` is :func:`~pipeline.diffusion.models.build_model`'s per-edge
    probability of ``model``, with brand b's sender factor if
    ``sender_factors`` has one (``min(1, p_e f^b_u)``), else the shared one.
    O(brands x (n + m)).
    """
    kind = model.kind if isinstance(model, Model) else model
    if kind == "lt":
        raise InputError(
            "competition supports the cascade models ic, wc, tv; lt has no live edges to share"
        )
    if kind not in CASCADE_MODELS:
        raise InputError(
            f"unknown model {model!r}; competition supports the cascade models "
            f"{', '.join(CASCADE_MODELS)}"
        )
    factors = dict(sender_factors or {})
    unknown = [b for b in factors if b not in brands]
    if unknown:
        raise InputError(
            f"sender_factors has brand {unknown[0]!r}, which has no seeds; "
            f"brands: {', '.join(map(repr, brands))}"
        )
    shared = _edge_prob(g, build_model(g, model, p=p, seed=seed))
    out = np.empty((len(brands), g.m), dtype=np.float32)
    for i, b in enumerate(brands):
        if b in factors:
            try:
                spec = build_model(g, model, p=p, sender_factor=factors[b], seed=seed)
            except InputError as exc:
                raise InputError(f"brand {b!r}: {exc}") from None
            out[i] = _edge_prob(g, spec)
        else:
            out[i] = shared
    return out


def competition_runs(
    g: FollowerGraph,
    seeds: Sequence[ArrayLike],
    edge_prob: ArrayLike,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    max_steps: int | None = None,
    threads: int | None = None,
    quality: ArrayLike | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """Competitive runs with precomputed probabilities (lower-level entry point).

    ``seeds`` holds one seed set per brand (one brand is allowed: it is the
    plain per-edge IC of :func:`~pipeline.diffusion.simulate.run_cascades`,
    run by run). ``edge_prob`` is float brands x m, or m (shared by all
    brands). ``quality``: per-node audience quality ``q_u`` or None (see the module
    doc). Returns (adopters int64 runs x brands, steps int32 per run).
    ``threads`` temporarily sets numba's thread count; results do not depend
    on it.
    """
    if len(seeds) < 1:
        raise InputError("no seed sets given; expected one per brand")
    checked = [check_seeds(g, s) for s in seeds]
    nb = len(checked)
    runs = _check_int(runs, "runs", 1)
    seed = check_seed(seed)
    horizon = -1 if max_steps is None else _check_int(max_steps, "max_steps", 0)
    if threads is not None:
        threads = _check_int(threads, "threads", 1)
    probs = np.asarray(edge_prob, dtype=np.float32)
    if probs.ndim == 1:
        probs = np.broadcast_to(probs, (nb, probs.shape[0]))
    if probs.shape != (nb, g.m):
        raise InputError(f"edge_prob has shape {probs.shape}; expected ({nb}, {g.m}) or ({g.m},)")
    bad = ~np.isfinite(probs) | (probs < 0) | (probs > 1)
    if bad.any():
        raise InputError("edge probabilities must be numbers in [0, 1]")
    probs = np.ascontiguousarray(probs)
    q = check_quality(g, quality)
    q = np.zeros(0, dtype=np.float64) if q is None else np.ascontiguousarray(q)
    nodes = np.concatenate(checked).astype(np.int32)
    labels = np.repeat(np.arange(nb, dtype=np.int32), [s.size for s in checked])
    keys = run_keys(seed, runs)
    with numba_threads(threads) as nthreads:
        adopters, steps = kernel_for(compete_runs, threads)(
            g.out_ptr, g.out_idx, probs, q, nodes, labels, keys, np.int64(horizon),
            np.int64(min(runs, nthreads)),
        )  # fmt: skip
    return adopters, steps


def compete(
    g: FollowerGraph,
    seeds: Mapping[str, ArrayLike],
    model: str | Model | None = None,
    *,
    runs: int = defaults.RUNS,
    seed: int = defaults.SEED,
    p: float | None = None,
    max_steps: int | None = None,
    sender_factors: Mapping[str, ArrayLike] | None = None,
    threads: int | None = None,
    quality: ArrayLike | None = None,
) -> CompetitionResult:
    """Simulate two or more brands seeding ``g`` at once (competitive IC).

    Parameters
    ----------
    g : the follower graph (influence direction).
    seeds : brand name -> dense seed node indices (at least two brands, each
        with at least one seed; a node may be seeded by several brands).
    model : ``"ic"``, ``"wc"`` or ``"tv"`` (see :mod:`pipeline.diffusion.models`); default
        ``"ic"`` with a ``p`` or per-edge probabilities, else ``"wc"``
        (:func:`pipeline.diffusion.model_ref.resolve`).
    runs : number of simulations (>= 1).
    seed : non-negative integer; same seed -> bit-identical results for any
        thread count, and the same live-edge graph in run r as
        :func:`~pipeline.diffusion.simulate.simulate`'s per-edge path.
    p : uniform IC probability in [0, 1] (``ic`` only).
    max_steps : horizon in steps (seeds are step 0); None = until no change.
    sender_factors : brand name -> per-node sender factor (length n, >= 0);
        brands without one use the model's shared probabilities.
    threads : numba threads to use (default: numba's setting).
    quality : per-node audience quality ``q_u`` (length n, in [0, 1]) or None: as
        for :func:`~pipeline.diffusion.simulate`, an edge transmits with
        ``min(1, p f_u) q_u`` (a model used as fitted takes none).

    Returns
    -------
    CompetitionResult
        Adopters per brand per run, and each brand's activated when seeding
        alone with the same run keys.

    Raises
    ------
    InputError
        Fewer than two brands, an empty or out-of-range seed set, the ``lt``
        model or an unknown one, bad ``p``/``runs``/``max_steps``/``seed``/
        ``threads``, sender factors for an unknown brand or of the wrong length.

    Notes
    -----
    Tie rule and coupling: see :mod:`pipeline.diffusion.compete`. Time
    O(runs x (seeds + out-edges of activated nodes) x (brands + 1) / threads).

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from pipeline.graph_io import from_edges
    >>> g = from_edges(np.array([0, 1]), np.array([2, 3]), pl.Series(["a", "b", "c", "d"]))
    >>> res = compete(g, {"x": [0], "y": [1]}, "ic", p=1.0, runs=10)
    >>> res.summary()["mean_adopters"].to_list()
    [2.0, 2.0]
    """
    model = resolve_model(model, p, g)
    if not isinstance(seeds, Mapping):
        raise InputError("seeds must map each brand name to its seed nodes")
    brands = tuple(seeds)
    if len(brands) < 2:
        raise InputError(f"competition needs at least two brands, got {len(brands)}")
    for b in brands:
        if not isinstance(b, str) or not b:
            raise InputError(f"brand names must be non-empty strings, got {b!r}")
    checked: list[NDArray[np.int32]] = []
    for b in brands:
        try:
            checked.append(check_seeds(g, seeds[b]))
        except InputError as exc:
            raise InputError(f"brand {b!r}: {exc}") from None
    seed = check_seed(seed)
    probs = brand_edge_probabilities(
        g, model, brands, p=p, sender_factors=sender_factors, seed=seed
    )
    # the simulator's rule for quality: build_model drops it for a model used as fitted
    q = build_model(g, model, p=p, seed=seed, quality=quality).quality
    adopters, steps = competition_runs(
        g, checked, probs, runs=runs, seed=seed, max_steps=max_steps, threads=threads, quality=q
    )
    alone = np.empty_like(adopters)
    for i, s in enumerate(checked):
        # The plain kernel's per-edge path with the same keys: common random numbers.
        spec = DiffusionSpec(str(model), edge_prob=probs[i], quality=q)
        res = run_cascades(g, s, spec, runs=runs, seed=seed, max_steps=max_steps, exposed=False,
                           threads=threads)  # fmt: skip
        alone[:, i] = res.activated
    return CompetitionResult(
        model=str(model),
        runs=int(runs),
        seed=seed,
        max_steps=max_steps,
        brands=brands,
        seeds=tuple(checked),
        adopters=adopters,
        alone=alone,
        steps=steps,
    )
