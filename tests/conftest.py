"""Test-session set-up: compile the engine's numba kernels once, before the first test.

numba compiles a kernel the first time it is called (or loads it from the on-disk cache,
``cache=True``). Without this warm-up the compile lands on whichever test happens to
call a kernel first, so ``--durations`` shows compile time as that test's cost. The
fixture runs the main paths (every cascade model with and without brand factors and
audience quality, RR sampling and IMM, overlap, competition, credit) on a 200-account
world, so each test's duration is its own work. ``INFLUENCE_NO_WARMUP=1`` skips it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest


def _warm_up() -> None:
    import numpy as np

    import pipeline as ip
    from pipeline.diffusion import simulate
    from pipeline.testing import small_world

    graph, profiles, brands = small_world()
    ids = [graph.ids[i] for i in range(5)]
    nodes = np.arange(5)
    factor = np.linspace(0.5, 1.5, graph.n)
    quality = np.linspace(0.6, 1.0, graph.n)
    for model in ("ic", "wc", "lt"):
        p = 0.05 if model == "ic" else None
        ip.simulate(graph, ids, model, runs=8, p=p)
        simulate(graph, nodes, model, runs=8, p=p, sender_factor=factor, quality=quality,
                 attribution=True, node_counts=True)  # fmt: skip
    for strategy in ("imm", "celf", "degree-discount", "micro", "macro", "robust"):
        ip.select_seeds(graph, strategy, k=3, profiles=profiles, brands=brands, brand="acme")
    ip.audience_overlap(graph, ids[:3], runs=8)
    ip.compete(graph, {"a": ids[:2], "b": ids[2:4]}, runs=8)


@pytest.fixture(scope="session", autouse=True)
def numba_warm_up(request: pytest.FixtureRequest) -> Iterator[None]:
    """Compile or load the kernels once per session; prints how long it took."""
    if os.environ.get("INFLUENCE_NO_WARMUP"):
        yield
        return
    t0 = time.perf_counter()
    _warm_up()
    took = time.perf_counter() - t0
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and took > 1.0:
        reporter.write_line(f"numba warm-up: {took:.1f} s (kernels compiled or loaded)")
    yield
