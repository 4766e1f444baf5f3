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

  With an audience quality ``q_u`` (the profiles' ``real_audience``, ``quality=``),
  the simulator's rule applies (:mod:`pipeline.diffusion.models`): each follow
  ``u -> v`` is real in a run with probability ``q_u``, an edge transmits with
  ``min(1, p f_u) q_u`` and only a real follow exposes ``v``, with the simulator's very
  coins, so every count below is ``simulate(..., quality=q)``'s.

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
(:func:`~pipeline.diffusion.cascade.ic_cascade` / ``lt_cascade``, same run
keys), so each candidate's mean exposed equals ``simulate(g, [u], ...)``'s bit
for bit; each node keeps a 64-bit mask of the candidates that exposed it in
the current run, hence at most 64 candidates.
Time O(runs x sum over candidates of the single-seed cascade cost + runs x k x
|union of exposed|).

The package:

- :mod:`~pipeline.overlap.followers`: the follower measures (shared followers, pairwise
  overlap, overlap with the creators above);
- :mod:`~pipeline.overlap.kernel`: :func:`overlap_runs`, the simulated measure's numba
  kernel;
- :mod:`~pipeline.overlap.simulated`: :class:`OverlapResult` and :func:`audience_overlap`.
"""

from __future__ import annotations

from pipeline.overlap.followers import follower_overlap, overlap_with_above, shared_followers
from pipeline.overlap.kernel import MAX_CANDIDATES, overlap_runs
from pipeline.overlap.simulated import OverlapResult, audience_overlap

__all__ = [
    "MAX_CANDIDATES",
    "OverlapResult",
    "audience_overlap",
    "follower_overlap",
    "overlap_runs",
    "overlap_with_above",
    "shared_followers",
]
