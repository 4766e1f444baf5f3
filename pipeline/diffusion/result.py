"""The outcome of a batch of simulated cascades: :class:`SimulationResult`.

Per-run arrays (activations, exposure, steps, per-step counts, optional credits and
platform projections), the seeds as dense indices and account IDs, and their summaries
with 95% Student-t intervals (:mod:`pipeline.intervals`); a few lines when shown
(:mod:`pipeline.reprs`). O(runs) to summarise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.intervals import half_width
from pipeline.reprs import Described, Summary, ids_text, mean_ci, num

__all__ = ["SimulationResult"]


@dataclass(frozen=True, eq=False, repr=False, init=False)
class SimulationResult(Described):
    """Per-run outcomes of ``runs`` simulations from one seed set.

    Attributes
    ----------
    model, runs, seed, max_steps : what was simulated (``max_steps`` None = unbounded).
    seed_nodes : int32 seed nodes (dense indices, duplicates dropped, order kept).
    seed_ids : the seeds' account IDs (a polars Series, same order), or None when the
        result was made without the graph's IDs (see :meth:`with_ids`); read them as
        :attr:`seeds`.
    activated : int64 per run, nodes activated (seeds included).
    exposed : int64 per run, ``|activated ∪ real followers of activated|``
        (every follower is real without a quality; all zero if exposure was
        not counted).
    steps : int32 per run, the last step with a new activation (seeds = step 0).
    new_per_step : int32, runs x (max(steps) + 1), new activations per step
        (column 0 = seeds; zero-padded after a run's last step). Columns are
        truncated when runs x columns would exceed 50 million cells.
    node_counts : int64 per node, runs in which it was activated, or None.
    credits : int32 runs x seeds, activations credited to each seed per run
        (each row sums to ``activated``), or None.
    projected : float64 runs x 3, each run's platform impressions, engagements and people
        (``docs/projection.md``), or None.

    ``repr`` is a few lines (what was run, the seeds, mean activated and exposed with
    95% intervals, array sizes); in a notebook ``_repr_html_`` shows them as a table.
    """

    model: str
    runs: int
    seed: int
    max_steps: int | None
    seed_nodes: NDArray[np.int32]
    activated: NDArray[np.int64]
    exposed: NDArray[np.int64]
    steps: NDArray[np.int32]
    new_per_step: NDArray[np.int32]
    node_counts: NDArray[np.int64] | None = None
    credits: NDArray[np.int32] | None = None
    projected: NDArray[np.float64] | None = None
    seed_ids: pl.Series | None = None

    def __init__(
        self,
        *,
        model: str,
        runs: int,
        seed: int,
        max_steps: int | None,
        activated: NDArray[np.int64],
        exposed: NDArray[np.int64],
        steps: NDArray[np.int32],
        new_per_step: NDArray[np.int32],
        seed_nodes: NDArray[np.int32] | None = None,
        node_counts: NDArray[np.int64] | None = None,
        credits: NDArray[np.int32] | None = None,
        projected: NDArray[np.float64] | None = None,
        seed_ids: pl.Series | None = None,
        seeds: NDArray[np.int32] | None = None,
    ) -> None:
        """Keyword arguments are the fields; ``seeds`` is the former name of
        ``seed_nodes`` (dense indices), still accepted from callers that pass it."""
        if seed_nodes is None:
            if seeds is None:
                raise TypeError("SimulationResult needs seed_nodes (the seeds' dense indices)")
            seed_nodes = seeds
        values = dict(locals())
        for f in fields(self):
            object.__setattr__(self, f.name, values[f.name])

    @property
    def seeds(self) -> pl.Series:
        """The seeds' account IDs, in order, duplicates dropped (``seed_nodes`` holds their
        dense indices). Raises AttributeError when the result does not know the IDs."""
        if self.seed_ids is None:
            raise AttributeError(
                "this SimulationResult does not know its seeds' account IDs; seed_nodes holds "
                "their dense indices (res.with_ids(graph).seeds or graph.ids.gather(...))"
            )
        return self.seed_ids

    def with_ids(self, g: FollowerGraph) -> SimulationResult:
        """The same result knowing its seeds' account IDs in ``g`` (O(seeds))."""
        return replace(self, seed_ids=g.ids.gather(self.seed_nodes).alias("id"))

    def _describe(self) -> Summary:
        k = int(self.seed_nodes.size)
        limit = "" if self.max_steps is None else f", at most {self.max_steps} steps"
        runs = f"{self.runs:,} run{'' if self.runs == 1 else 's'}"
        seeds = f"{k} seed{'' if k == 1 else 's'}"
        title = f"SimulationResult: {runs} of {self.model} from {seeds} (seed {self.seed}{limit})"
        if self.seed_ids is not None:
            seeds = ids_text(self.seed_ids)
        else:
            seeds = "nodes " + ids_text(self.seed_nodes.tolist())
        exposed = mean_ci(self.exposed) if self.exposed.any() else "not counted"
        last = int(self.steps.max(initial=0))
        rows = [
            ("seeds", seeds),
            ("activated", mean_ci(self.activated)),
            ("exposed", exposed),
            ("steps", f"mean {self.steps.mean() if self.runs else 0:.2f}, max {last}"),
        ]
        if self.projected is not None and self.runs:
            names = ("impressions", "engagements", "people")
            means = self.projected.mean(axis=0)
            text = ", ".join(f"{n} {num(m)}" for n, m in zip(names, means, strict=True))
            rows.append(("projected", text + " (means per run)"))
        if self.credits is not None:
            rows.append(("attribution", "per seed: .attribution_table(graph)"))
        arrays = f"activated, exposed, steps ({runs}); new_per_step "
        arrays += " x ".join(f"{d:,}" for d in self.new_per_step.shape)
        if self.node_counts is not None:
            arrays += f"; node_counts ({self.node_counts.size:,} nodes)"
        rows.append(("arrays", arrays))
        rows.append(("tables", ".summary(), .to_polars()"))
        return Summary(title, rows)

    @property
    def attribution(self) -> NDArray[np.int64] | None:
        """Activations credited to each seed, summed over runs (int64 per seed), or None."""
        return None if self.credits is None else self.credits.sum(axis=0, dtype=np.int64)

    def summary(self) -> dict[str, Any]:
        """Means, standard deviations (ddof 1), standard errors and 95% Student-t intervals
        (:mod:`pipeline.intervals`; None for a single run), as plain Python numbers."""
        out: dict[str, Any] = {"model": self.model, "runs": self.runs, "seed": self.seed}
        for name, arr in (("activated", self.activated), ("exposed", self.exposed)):
            x = arr.astype(np.float64)
            std = float(x.std(ddof=1)) if x.size > 1 else 0.0
            mean = float(x.mean())
            half = float(half_width(x))
            out[f"mean_{name}"] = mean
            out[f"std_{name}"] = std
            out[f"stderr_{name}"] = std / math.sqrt(x.size)
            out[f"{name}_ci_low"] = None if math.isnan(half) else mean - half
            out[f"{name}_ci_high"] = None if math.isnan(half) else mean + half
        out["mean_steps"] = float(self.steps.mean())
        if self.projected is not None:
            for j, name in enumerate(("impressions", "engagements", "people")):
                x = self.projected[:, j]
                mean = float(x.mean())
                half = float(half_width(x))
                out[f"projected_{name}"] = mean
                out[f"projected_{name}_ci"] = (
                    None if math.isnan(half) else [mean - half, mean + half]
                )
        return out

    def to_polars(self) -> pl.DataFrame:
        """One row per run: ``run``, ``activated``, ``exposed``, ``steps`` (and
        ``projected_impressions``, ``projected_engagements``, ``projected_people``)."""
        cols: dict[str, Any] = {
            "run": np.arange(self.runs, dtype=np.int64),
            "activated": self.activated,
            "exposed": self.exposed,
            "steps": self.steps,
        }
        if self.projected is not None:
            for j, name in enumerate(("impressions", "engagements", "people")):
                cols[f"projected_{name}"] = self.projected[:, j]
        return pl.DataFrame(cols)

    def attribution_table(self, g: FollowerGraph) -> pl.DataFrame:
        """Expected reach each seed earned: ``id``, ``node``, ``expected_reach``, ``share``.

        ``expected_reach`` is the mean number of activations per run credited
        to the seed (itself included); ``share`` its fraction of the mean
        activated. Needs ``attribution=True`` when simulating.
        """
        credit = self.attribution
        if credit is None:
            raise InputError("no attribution recorded; simulate with attribution=True")
        reach = credit / self.runs
        total = float(self.activated.mean())
        return pl.DataFrame(
            {
                "id": g.ids.gather(self.seed_nodes),
                "node": self.seed_nodes,
                "expected_reach": reach,
                "share": reach / total if total > 0 else np.zeros_like(reach),
            }
        )
