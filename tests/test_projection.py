"""Platform units: projected impressions and engagements, checked on graphs worked by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.diffusion import simulate
from pipeline.graph_io import load_graph
from pipeline.profiles import load_profiles
from pipeline.projection import platform_scale


def _star(tmp_path: Path, q: float | None) -> tuple:  # type: ignore[type-arg]
    """Creator 0 with 10 in-graph followers (1..10) and 1,000 on the platform; creator 20
    with 5 in-graph followers (21..25) and 50,000 on the platform."""
    rows = [(f, 0) for f in range(1, 11)] + [(f, 20) for f in range(21, 26)]
    pl.DataFrame(rows, schema=["follower", "followed"], orient="row").write_csv(tmp_path / "e.csv")
    prof = {"id": [0, 20], "followers": [1000, 50_000], "engagement_rate": [0.05, 0.01]}
    if q is not None:
        prof["real_audience"] = [q, q]
    pl.DataFrame(prof).write_csv(tmp_path / "p.csv")
    g = load_graph(tmp_path / "e.csv")
    return g, load_profiles(tmp_path / "p.csv", g)


def test_one_creator_projects_to_her_real_audience(tmp_path: Path) -> None:
    g, prof = _star(tmp_path, None)
    seeds = g.index_of([0])
    scale = platform_scale(prof, seeds)
    assert scale.impressions_per_exposure == pytest.approx(100.0)  # 1,000 / 10
    assert scale.engagement_rate == pytest.approx(0.05)
    sim = simulate(g, seeds, "ic", p=0.0, runs=10, seed=1)
    earned = sim.exposed - 1
    assert (earned == 10).all()
    assert scale.impressions(earned) == pytest.approx(np.full(10, 1000.0))  # = followers
    assert scale.engagements(earned) == pytest.approx(np.full(10, 50.0))


def test_fake_followers_cancel_in_the_ratio_and_show_in_the_count(tmp_path: Path) -> None:
    """With 80% real followers, about 8 of 10 in-graph followers see the post; each stands
    for 100 platform impressions, so the expectation is the real audience, 800."""
    g, prof = _star(tmp_path, 0.8)
    seeds = g.index_of([0])
    scale = platform_scale(prof, seeds)
    assert scale.impressions_per_exposure == pytest.approx(800.0 / 8.0)
    sim = simulate(g, seeds, "ic", p=0.0, runs=4000, seed=2, quality=prof.real_audience)
    imp = scale.impressions(sim.exposed - 1)
    se = imp.std(ddof=1) / np.sqrt(imp.size)
    assert abs(imp.mean() - 800.0) < 4 * se


def test_two_creators_pool_by_the_exposures_they_make(tmp_path: Path) -> None:
    """kappa = (1,000 + 50,000) / (10 + 5); the 15 exposed followers project to 51,000,
    both platform audiences; the engagement rate is weighted by audience."""
    g, prof = _star(tmp_path, None)
    seeds = g.index_of([0, 20])
    scale = platform_scale(prof, seeds)
    assert scale.impressions_per_exposure == pytest.approx(51_000 / 15)
    assert scale.engagement_rate == pytest.approx((1000 * 0.05 + 50_000 * 0.01) / 51_000)
    sim = simulate(g, seeds, "ic", p=0.0, runs=5, seed=1)
    assert scale.impressions(sim.exposed - 2) == pytest.approx(np.full(5, 51_000.0))


def test_unknown_projection_is_nan(tmp_path: Path) -> None:
    g, prof = _star(tmp_path, None)
    none = platform_scale(prof, np.zeros(0, dtype=np.int32))
    assert np.isnan(none.impressions_per_exposure) and np.isnan(none.engagement_rate)
    lonely = platform_scale(prof, g.index_of([5]))  # a follower with no profile, no follower
    assert np.isnan(lonely.impressions_per_exposure)
