"""Synthetic data generator: determinism, graph invariants, realism curves, file round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.graph_io import load_graph
from pipeline.profiles import TIER_NAMES, TierThresholds, load_brands, load_profiles
from pipeline.synth import (
    DEFAULT_PLATFORM_SHARES,
    DEFAULT_PLATFORMS,
    DEFAULT_TOPICS,
    SYNTH_FILES,
    BrandSpec,
    SyntheticData,
    generate,
    write_synthetic,
)


@pytest.fixture(scope="module")
def big() -> SyntheticData:
    """The bundled size (20k nodes); about 0.2 s."""
    return generate(20_000, seed=7)


@pytest.fixture(scope="module")
def small() -> SyntheticData:
    return generate(3_000, seed=5)


@pytest.fixture(scope="module")
def written(big: SyntheticData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write_synthetic(big, out)
    return out


def _with_tiers(data: SyntheticData) -> pl.DataFrame:
    in_graph = data.edges.group_by("followed").len("in_graph").rename({"followed": "id"})
    return data.profiles.join(in_graph, on="id", how="left").with_columns(
        pl.col("in_graph").fill_null(0),
        TierThresholds().expr(pl.col("followers")).alias("tier"),
        pl.col("topics").str.split(";").list.first().str.split(":").list.first().alias("primary"),
    )


# --- determinism ----------------------------------------------------------------------


def test_same_seed_same_tables_and_bytes(small: SyntheticData, tmp_path: Path) -> None:
    again = generate(3_000, seed=5)
    assert again.edges.equals(small.edges)
    assert again.profiles.equals(small.profiles)
    assert again.brands.equals(small.brands)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    pa, pb = write_synthetic(small, a), write_synthetic(again, b)
    assert [p.name for p in pa] == list(SYNTH_FILES)
    for x, y in zip(pa, pb, strict=True):
        assert x.read_bytes() == y.read_bytes()


def test_different_seed_different_tables(small: SyntheticData) -> None:
    other = generate(3_000, seed=6)
    assert not other.edges.equals(small.edges)
    assert not other.profiles.equals(small.profiles)
    assert other.config.seed == 6 and small.config.seed == 5


# --- graph invariants -------------------------------------------------------------------


def test_no_self_loops_no_duplicates_every_node_follows(big: SyntheticData) -> None:
    e = big.edges
    assert e.columns == ["follower", "followed"]
    assert e.filter(pl.col("follower") == pl.col("followed")).height == 0
    assert not e.is_duplicated().any()
    # every account 1..n follows someone, so every account is a node of the graph
    assert e["follower"].n_unique() == 20_000
    assert e["follower"].min() == 1 and e["follower"].max() == 20_000


def test_out_degree_lognormal_mean_and_heavy_tail(big: SyntheticData) -> None:
    out = big.edges.group_by("follower").len()["len"]
    assert 10.0 <= out.mean() <= 15.0  # type: ignore[operator]
    assert out.max() > 10 * out.median()  # type: ignore[operator]


def test_in_graph_followers_heavy_tailed_and_track_audience(big: SyntheticData) -> None:
    p = _with_tiers(big)
    in_graph = big.edges.group_by("followed").len()["len"]
    assert in_graph.max() > 100 * in_graph.median()  # type: ignore[operator]
    rho = p.select(pl.corr("followers", "in_graph", method="spearman")).item()
    assert rho > 0.6
    # the graph is a sample: the real audience is never below the in-graph count
    assert (p["followers"] >= p["in_graph"]).all()
    assert p["followers"].sum() > 50 * p["in_graph"].sum()


def test_follows_mostly_within_community(big: SyntheticData) -> None:
    """Share of follows between two profiled accounts of the same primary topic."""
    p = _with_tiers(big).select("id", "primary")
    pairs = big.edges.join(p.rename({"id": "follower", "primary": "a"}), on="follower").join(
        p.rename({"id": "followed", "primary": "b"}), on="followed"
    )
    assert pairs.height > 50_000
    share = (pairs["a"] == pairs["b"]).mean()
    assert 0.70 <= share <= 0.88  # type: ignore[operator]


def test_within_share_knob_moves_the_share() -> None:
    data = generate(3_000, seed=1, within_share=0.5)
    p = _with_tiers(data).select("id", "primary")
    pairs = data.edges.join(p.rename({"id": "follower", "primary": "a"}), on="follower").join(
        p.rename({"id": "followed", "primary": "b"}), on="followed"
    )
    assert 0.4 <= (pairs["a"] == pairs["b"]).mean() <= 0.6  # type: ignore[operator]


# --- profiles ---------------------------------------------------------------------------


def test_all_tiers_present_and_pyramid_shaped(big: SyntheticData) -> None:
    counts = dict(_with_tiers(big).group_by("tier").len().iter_rows())
    assert set(counts) == set(TIER_NAMES)
    assert counts["mega"] >= 5 and counts["macro"] >= 15
    assert counts["nano"] > counts["micro"] > counts["mid"] > counts["macro"] >= counts["mega"]
    assert big.profiles["followers"].min() >= big.config.profile_min_followers  # type: ignore[operator]


def test_engagement_falls_and_cost_rises_with_audience(big: SyntheticData) -> None:
    p = _with_tiers(big)
    er, cost = p.select(
        pl.corr("followers", "engagement_rate", method="spearman").alias("er"),
        pl.corr("followers", "cost", method="spearman").alias("cost"),
    ).row(0)
    assert er < -0.3
    assert cost > 0.8
    med = p.group_by("tier").agg(pl.col("engagement_rate", "cost").median()).sort("tier")
    assert med["engagement_rate"].is_sorted(descending=True)
    assert med["cost"].is_sorted()
    assert p["engagement_rate"].min() > 0 and p["engagement_rate"].max() < 1  # type: ignore[operator]
    # industry bands (Influencer Marketing Hub): nano $10-100, mega $10k+ per post
    by_tier = dict(zip(med["tier"], med["cost"], strict=True))
    assert 10 <= by_tier["nano"] <= 100
    assert by_tier["mega"] >= 10_000
    # costs are rounded to cents
    assert (p["cost"] * 100 - (p["cost"] * 100).round()).abs().max() < 1e-6  # type: ignore[operator]


def test_micro_competes_with_macro_on_reach_per_dollar(big: SyntheticData) -> None:
    p = _with_tiers(big).with_columns((pl.col("in_graph") / pl.col("cost")).alias("rpd"))
    med = dict(p.group_by("tier").agg(pl.col("rpd").median()).iter_rows())
    # same order of magnitude: neither tier dominates the other by 5x
    assert 0.2 < med["micro"] / med["macro"] < 5


def test_topic_weights_parse_and_sum_to_one(big: SyntheticData) -> None:
    entries = big.profiles.select("id", pl.col("topics").str.split(";")).explode("topics")
    assert entries["topics"].str.contains(r"^[a-z0-9_]+:[01]\.\d{3}$").all()
    parts = entries.with_columns(
        pl.col("topics").str.split(":").list.first().alias("topic"),
        (pl.col("topics").str.split(":").list.last().cast(pl.Float64) * 1000)
        .round()
        .cast(pl.Int64)
        .alias("millis"),
    )
    assert set(parts["topic"].unique()) <= set(DEFAULT_TOPICS)
    sums = parts.group_by("id").agg(pl.col("millis").sum())["millis"]
    assert (sums == 1000).all()
    assert big.brands["topics"].str.contains(r"^([a-z0-9_]+:[01]\.\d{3};?)+$").all()


def test_big_accounts_have_more_diffuse_topics(big: SyntheticData) -> None:
    p = _with_tiers(big).with_columns(
        pl.col("topics")
        .str.split(";")
        .list.first()
        .str.split(":")
        .list.last()
        .cast(pl.Float64)
        .alias("focus")
    )
    assert p.select(pl.corr("followers", "focus", method="spearman")).item() < -0.3
    focus = dict(p.group_by("tier").agg(pl.col("focus").median()).iter_rows())
    assert focus["nano"] > 0.8 > 0.7 > focus["mega"]


def test_handles_unique_and_shaped(big: SyntheticData) -> None:
    h = big.profiles["handle"]
    assert h.n_unique() == h.len()
    assert h.str.contains(r"^@[a-z0-9_]+_[a-z]+_\d+$").all()


def test_brands_default_mix_and_budgets(big: SyntheticData) -> None:
    b = big.brands
    assert b.columns == ["brand", "topics", "budget"]
    assert 4 <= b.height <= 6
    assert b["budget"].min() >= 5_000 and b["budget"].max() <= 100_000  # type: ignore[operator]
    food = b.filter(pl.col("brand") == "freshbite")["topics"].item()
    assert food == "food:0.800;fitness:0.200"


# --- files and loaders -------------------------------------------------------------------


def test_written_files_load_with_the_package_loaders(big: SyntheticData, written: Path) -> None:
    g = load_graph(written / "follows.csv")  # edge meaning: follows (the default)
    assert g.n == 20_000 and g.m == big.edges.height
    assert g.report.duplicates_merged == 0 and g.report.self_loops_dropped == 0
    # direction: the follower count of b (in influence direction, its out-degree)
    # is the number of rows "a,b" with b in the followed column
    expect = big.edges.group_by("followed").len().rename({"followed": "id"})
    got = pl.DataFrame({"id": g.ids, "fc": g.follower_count}).join(expect, on="id")
    assert got.height == expect.height and (got["fc"] == got["len"]).all()
    prof = load_profiles(written / "profiles.csv", g)
    assert prof.unmatched == 0
    assert int(prof.has_profile.sum()) == big.profiles.height
    brands = load_brands(written / "brands.csv")
    assert brands.names == big.brands["brand"].to_list()


def test_custom_topics_derive_brands() -> None:
    data = generate(500, seed=2, topics=("cars", "pets", "books"))
    assert data.brands["brand"].to_list() == [
        "brand_cars",
        "brand_pets",
        "brand_books",
        "brand_lifestyle",
    ]
    used = data.profiles["topics"].str.extract_all(r"[a-z_]+:").explode().str.strip_chars(":")
    assert set(used) <= {"cars", "pets", "books"}


def test_custom_brands_written_normalised() -> None:
    brand = BrandSpec.of("solo", {"food": 3, "travel": 1}, 12_345)
    data = generate(300, seed=0, brands=[brand])
    assert data.brands.row(0) == ("solo", "food:0.750;travel:0.250", 12_345)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"nodes": 50}, "nodes must be at least 100"),
        ({"topics": ("Food",)}, "not a valid topic name"),
        ({"topics": ("food", "food")}, "duplicate"),
        ({"within_share": 1.5}, "within_share"),
        ({"mean_follows": 0.5}, "mean_follows"),
        ({"tier_shares": (0.5, 0.5, 0.1, 0.0, 0.0)}, "tier_shares"),
        ({"brands": [BrandSpec.of("x", {"cars": 1.0}, 10)]}, "not one of the topics"),
        ({"seed": -1}, "seed"),
        ({"platform_shares": [(1.0, 0.0, 0.0)] * 4}, "platform_shares"),
        ({"platform_shares": [(1.0, -0.1, 0.1)] * 5}, "platform_shares"),
        ({"platform_shares": [(0.0, 0.0, 0.0)] * 5}, "platform_shares"),
    ],
)
def test_bad_options_raise_input_error(kwargs: dict[str, object], needle: str) -> None:
    args: dict[str, object] = {"nodes": 1_000, **kwargs}
    with pytest.raises(InputError, match=needle):
        generate(**args)  # type: ignore[arg-type]


def test_edges_are_int_ids_not_dense_indices(small: SyntheticData) -> None:
    assert small.edges.schema == {"follower": pl.Int64, "followed": pl.Int64}
    ids = np.unique(small.edges.to_numpy())
    assert ids[0] == 1 and ids[-1] == 3_000


# --- platforms ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def test_platform_shares_match_the_configured_ones(big: SyntheticData) -> None:
    """Per tier, each platform's count is within 4 binomial standard deviations of
    n * share (tiers of 100+ accounts: nano, micro, mid at 20k nodes)."""
    p = _with_tiers(big)
    assert p["platform"].null_count() == 0
    assert set(p["platform"].unique()) <= set(DEFAULT_PLATFORMS)
    for tier, shares in zip(TIER_NAMES, DEFAULT_PLATFORM_SHARES, strict=True):
        plats = p.filter(pl.col("tier") == tier)["platform"]
        n = plats.len()
        if n < 100:
            continue
        for name, share in zip(DEFAULT_PLATFORMS, shares, strict=True):
            got = int((plats == name).sum())
            sd = np.sqrt(n * share * (1.0 - share))
            assert abs(got - n * share) <= 4.0 * sd + 1.0, (tier, name, got, n * share)
    overall = p["platform"].value_counts(normalize=True)
    of = dict(zip(overall["platform"], overall["proportion"], strict=True))
    assert of["instagram"] > of["tiktok"] > of["youtube"]  # the order of the censuses


def test_platform_shares_are_an_option() -> None:
    only = generate(1_000, seed=3, platform_shares=[(0.0, 0.0, 1.0)] * 5)
    assert set(only.profiles["platform"]) == {"youtube"}
    # mega only on tiktok, every other tier on instagram (rows are normalised)
    split = generate(20_000, seed=3, platform_shares=[(2.0, 0.0, 0.0)] * 4 + [(0, 5.0, 0)])
    tiers = TierThresholds().expr(pl.col("followers")).cast(pl.String)
    got = split.profiles.group_by(tiers.alias("tier")).agg(pl.col("platform").unique())
    for tier, plats in got.iter_rows():
        assert plats == (["tiktok"] if tier == "mega" else ["instagram"])


def test_other_columns_do_not_depend_on_the_platform_stream(small: SyntheticData) -> None:
    """The platform has a random stream of its own: other shares, same everything else."""
    other = generate(3_000, seed=5, platform_shares=[(0.1, 0.1, 0.8)] * 5)
    assert not other.profiles["platform"].equals(small.profiles["platform"])
    assert other.profiles.drop("platform").equals(small.profiles.drop("platform"))
    assert other.edges.equals(small.edges) and other.brands.equals(small.brands)


def test_bundled_data_is_the_generator_output(big: SyntheticData) -> None:
    """data/ is `influence generate data --nodes 20000 --seed 7`, platform column last."""
    prof = pl.read_csv(ROOT / "data" / "profiles.csv")
    assert prof.columns[-1] == "platform"
    assert prof.equals(big.profiles)
    assert big.config.seed == 7 and big.config.nodes == 20_000
