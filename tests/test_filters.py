"""Creator filters (platform, tier, follower range) in seeding, ranking and campaigns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.campaign import load_config, run_campaign
from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.graph_io import load_graph
from pipeline.profiles import CreatorFilter, load_brands, load_profiles
from pipeline.seeding import select_seeds
from pipeline.seeding.registry import get_strategy, strategy_names
from pipeline.synth import generate, write_synthetic

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic world whose profiles carry a platform (60/30/10 Instagram/TikTok/YouTube)."""
    folder = tmp_path_factory.mktemp("filters")
    write_synthetic(generate(nodes=2000, seed=5), folder)
    prof = pl.read_csv(folder / "profiles.csv")
    rng = np.random.default_rng(0)
    names = rng.choice(["Instagram", "TikTok", "YouTube"], prof.height, p=[0.6, 0.3, 0.1])
    prof.with_columns(pl.Series("platform", names)).write_csv(folder / "profiles.csv")
    return folder


def test_filter_checks_and_mask(world: Path) -> None:
    with pytest.raises(InputError, match="unknown tier 'huge'"):
        CreatorFilter.of(tiers=["huge"])
    with pytest.raises(InputError, match="above max_followers"):
        CreatorFilter.of(min_followers=10, max_followers=5)
    with pytest.raises(InputError, match="min_followers must be a number >= 0"):
        CreatorFilter.of(min_followers=-1)
    f = CreatorFilter.of([" TikTok", "youtube"], ["mid", "micro"], 15_000, None)
    assert f.platforms == ("tiktok", "youtube") and f.tiers == ("micro", "mid")
    assert (
        f.describe() == "platform tiktok or youtube, tier micro or mid, at least 15,000 followers"
    )
    g = load_graph(world / "follows.csv")
    prof = load_profiles(world / "profiles.csv", g)
    t = prof.table
    want = (
        t["platform"].is_in(["tiktok", "youtube"]).fill_null(False)
        & t["tier"].cast(pl.String).is_in(["micro", "mid"]).fill_null(False)
        & (t["followers"] >= 15_000).fill_null(False)
    ).to_numpy()
    assert np.array_equal(f.mask(prof), want) and want.any()
    assert CreatorFilter.of().mask(prof).all() and not CreatorFilter.of().active


# creator filters choose whom to hire; ambassadors (from an action log) are not hired
@pytest.mark.parametrize(
    "strategy",
    [s for s in strategy_names() if s != "celf" and get_strategy(s).pool == "paid"],
)
def test_every_strategy_keeps_to_the_filter(world: Path, strategy: str) -> None:
    g = load_graph(world / "follows.csv")
    prof = load_profiles(world / "profiles.csv", g)
    brands = load_brands(world / "brands.csv")
    f = CreatorFilter.of(["instagram"], ["micro", "mid"], None, 400_000)
    chosen = select_seeds(g, strategy, k=4, profiles=prof, brands=brands, brand=brands.names[0],
                          creators=f, seed=2, estimate_rr_sets=2000)  # fmt: skip
    assert len(chosen) == 4 and f.mask(prof)[chosen.nodes].all()


def test_a_filter_nobody_passes(world: Path) -> None:
    g = load_graph(world / "follows.csv")
    prof = load_profiles(world / "profiles.csv", g)
    with pytest.raises(InputError, match="no profiled creator passes the filters"):
        select_seeds(g, "macro", k=2, profiles=prof, creators=CreatorFilter.of(["myspace"]))


def test_cli_seed_and_rank_with_filters(world: Path) -> None:
    base = [str(world / "follows.csv"), "--profiles", str(world / "profiles.csv"), "--brands",
            str(world / "brands.csv")]  # fmt: skip
    brand = pl.read_csv(world / "brands.csv")["brand"][0]
    r = runner.invoke(app, ["seed", *base, "--strategy", "macro", "--budget", "3000",
                            "--brand", brand, "--platform", "instagram", "--max-followers",
                            "200000", "--min-relevance", "0"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "platform" in r.output and "left unspent" in r.output
    r = runner.invoke(app, ["seed", *base, "--strategy", "macro", "--k", "3", "--brand", brand,
                            "--platform", "tiktok", "--tier", "micro", "--json",
                            "--min-relevance", "0"])  # fmt: skip
    assert r.exit_code == 0, r.output
    ids = [s["id"] for s in json.loads(r.stdout)["seeds"]]
    prof = pl.read_csv(world / "profiles.csv").filter(pl.col("id").is_in(ids))
    assert set(prof["platform"]) == {"TikTok"} and len(ids) == 3
    ranked_csv = str(world / "ranked.csv")
    r = runner.invoke(app, ["rank", *base, "--platform", "youtube", "--min-followers", "20000",
                            "--min-relevance", "0", "--out", ranked_csv])  # fmt: skip
    assert r.exit_code == 0, r.output
    ranked = pl.read_csv(world / "ranked.csv")
    joined = ranked.join(pl.read_csv(world / "profiles.csv").select("id", "platform"), on="id")
    assert ranked.height and set(joined["platform"]) == {"YouTube"}
    assert (ranked["followers"] >= 20_000).all()
    r = runner.invoke(app, ["seed", str(world / "follows.csv"), "--strategy", "macro", "--k", "2",
                            "--platform", "instagram"])  # fmt: skip
    assert r.exit_code == 2 and "need --profiles" in r.output


def test_campaign_seeding_filters(world: Path, tmp_path: Path) -> None:
    text = f"""
name = "f"
output = "{(tmp_path / "out").as_posix()}"
seed = 3
runs = 50
[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"
[grid]
models = ["wc"]
strategies = ["macro", "imm"]
k = [3]
[seeding]
estimate_rr_sets = 2000
platforms = ["instagram"]
tiers = ["micro", "mid"]
max_followers = 300000
"""
    (world / "f.toml").write_text(text)
    cfg = load_config(world / "f.toml")
    assert cfg.settings()["creators"] == {"platforms": ["instagram"], "tiers": ["micro", "mid"],
                                          "max_followers": 300000}  # fmt: skip
    res = run_campaign(world / "f.toml")
    seeds = pl.read_parquet(res.output / "seeds" / "**" / "*.parquet")
    prof = pl.read_csv(world / "profiles.csv").select("id", "platform", "followers")
    joined = seeds.with_columns(pl.col("id").cast(pl.Int64)).join(prof, on="id")
    assert joined.height == seeds.height > 0
    assert set(joined["platform_right"]) == {"Instagram"}
    assert (joined["followers_right"] <= 300_000).all()
    (world / "bad.toml").write_text(text.replace('tiers = ["micro", "mid"]', 'tiers = ["giant"]'))
    with pytest.raises(InputError, match=r"seeding.*unknown tier 'giant'"):
        load_config(world / "bad.toml")


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_the_managers_question_is_one_seed_command() -> None:
    """'Only Instagram, at most 10 creators, relevance >= 0.5, budget 8,000, for
    freshbite' on the bundled data: who (with platform and fee), what it costs, what it
    leaves unspent, and the engagements, people and cost per engagement it projects."""
    data = Path(__file__).resolve().parents[1] / "data"
    args = ["seed", str(data / "follows.csv"), "--profiles", str(data / "profiles.csv"),
            "--brands", str(data / "brands.csv"), "--brand", "freshbite", "--platform",
            "instagram", "--max-creators", "10", "--min-relevance", "0.5", "--budget", "8000",
            "--strategy", "imm", "--model", "medium"]  # fmt: skip
    r = runner.invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    seeds = out["seeds"]
    assert 1 <= len(seeds) <= 10 and out["total_cost"] <= 8000
    assert out["optimised"] == "engagements" and out["gain_unit"] == "engagements"
    prof = pl.read_csv(data / "profiles.csv", schema_overrides={"id": pl.String})
    rows = prof.filter(pl.col("id").is_in([str(s["id"]) for s in seeds]))
    assert set(rows["platform"]) == {"instagram"}
    units = out["projected"]
    assert units["projected_engagements"] > 0 and units["projected_people"] > 0
    assert units["cost_per_engagement"] == pytest.approx(
        out["total_cost"] / units["projected_engagements"]
    )
    screen = runner.invoke(app, args).output
    for text in ("instagram", "engagements", "people", "per engagement", "left unspent"):
        assert text in screen, (text, screen)
