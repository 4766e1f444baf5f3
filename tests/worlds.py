"""Small networks shared by test modules (loaded through the public loaders, once)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.graph_io import FollowerGraph, from_edges, load_graph
from pipeline.profiles import Brands, Profiles, load_brands, load_profiles
from pipeline.synth import generate, write_synthetic


@cache
def small() -> tuple[FollowerGraph, Profiles, Brands]:
    """A 2,000-account synthetic network (seed 4): graph, profiles, brands."""
    with tempfile.TemporaryDirectory() as d:
        write_synthetic(generate(nodes=2000, seed=4), d)
        g = load_graph(Path(d) / "follows.csv")
        return g, load_profiles(Path(d) / "profiles.csv", g), load_brands(Path(d) / "brands.csv")


def random_follows(
    rng: np.random.Generator, n: int, m: int, prefix: str = "n", width: int = 0
) -> FollowerGraph:
    """``m`` follows drawn uniformly from ``rng`` among ``n`` accounts named ``prefix``
    and the index (zero-padded to ``width``), self-follows dropped, repeats kept; ``rng``
    moves on past the draws."""
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    names = pl.Series([f"{prefix}{i:0{width}d}" for i in range(n)])
    return from_edges(src[keep], dst[keep], names)
