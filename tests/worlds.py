"""Small networks shared by test modules (loaded through the public loaders, once)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from pipeline.graph_io import FollowerGraph, load_graph
from pipeline.profiles import Brands, Profiles, load_brands, load_profiles
from pipeline.synth import generate, write_synthetic


@cache
def small() -> tuple[FollowerGraph, Profiles, Brands]:
    """A 2,000-account synthetic network (seed 4): graph, profiles, brands."""
    with tempfile.TemporaryDirectory() as d:
        write_synthetic(generate(nodes=2000, seed=4), d)
        g = load_graph(Path(d) / "follows.csv")
        return g, load_profiles(Path(d) / "profiles.csv", g), load_brands(Path(d) / "brands.csv")
