"""Profiles, tiers, brands and topic relevance."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.graph_io import load_graph
from pipeline.profiles import (
    TierThresholds,
    brand_sender_factor,
    default_profiles,
    load_brands,
    load_profiles,
    parse_topics,
    relevance,
)


@pytest.fixture()
def world(tmp_path: Path) -> tuple[Path, Path, Path]:
    edges = tmp_path / "f.csv"
    edges.write_text("follower,followed\nb,a\nc,a\nd,a\nc,b\nd,b\ne,c\na,c\n")
    prof = tmp_path / "p.csv"
    prof.write_text(
        "id,handle,followers,engagement_rate,cost,topics\n"
        "a,@a,1500000,0.01,12000,food:0.3;travel:0.7\n"
        "b,@b,50000,0.03,400,food\n"
        "c,@c,8000,0.05,80,food:0.8;fitness:0.2\n"
        "zz,@ghost,10,0.1,1,food\n"
    )
    brands = tmp_path / "b.csv"
    brands.write_text("brand,topics,budget\nYum,food:0.9;fitness:0.1,1000\nGo,travel,20000\n")
    return edges, prof, brands


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (0, "nano"),
        (9_999, "nano"),
        (10_000, "micro"),
        (99_999, "micro"),
        (100_000, "mid"),
        (499_999, "mid"),
        (500_000, "macro"),
        (999_999, "macro"),
        (1_000_000, "mega"),
        (50_000_000, "mega"),
    ],
)
def test_tier_boundaries(followers: int, tier: str) -> None:
    assert TierThresholds().assign([followers]) == [tier]


def test_custom_tier_thresholds() -> None:
    t = TierThresholds.parse("1000,5000,20000,100000")
    assert t.assign([999, 1000, 5000, 20000, 100000]) == ["nano", "micro", "mid", "macro", "mega"]
    with pytest.raises(InputError, match="increasing"):
        TierThresholds.parse("10,5,20,30")
    with pytest.raises(InputError, match="four integers"):
        TierThresholds.parse("10,20")


def test_parse_topics_normalises_and_accepts_bare_names() -> None:
    long = parse_topics(pl.Series(["food:2;travel:2", "Tech", None]), pl.Series([1, 2, 3]))
    rows = {(r["key"], r["topic"]): r["weight"] for r in long.iter_rows(named=True)}
    assert rows == {(1, "food"): 0.5, (1, "travel"): 0.5, (2, "tech"): 1.0}


@pytest.mark.parametrize("bad", ["food:x", "food:-1", ":0.5", "food:0;travel:0"])
def test_parse_topics_errors_name_the_line(bad: str) -> None:
    with pytest.raises(InputError, match=r"line 3, column 'topics'"):
        parse_topics(pl.Series(["food:1", bad]), pl.Series([1, 2]), path="p.csv")


def test_load_profiles_joins_and_defaults(world: tuple[Path, Path, Path]) -> None:
    edges, prof, _ = world
    g = load_graph(edges)
    p = load_profiles(prof, g)
    t = p.table
    assert t.height == g.n == 5
    assert p.unmatched == 1  # 'zz' is not in the graph
    row = {r["id"]: r for r in t.iter_rows(named=True)}
    assert row["a"]["tier"] == "mega" and row["a"]["has_profile"]
    assert row["c"]["tier"] == "nano"
    # No profile: followers default to the in-graph follower count, handle to the ID.
    assert not row["d"]["has_profile"]
    assert row["d"]["followers"] == 0 and row["d"]["handle"] == "d"
    assert row["a"]["followers_in_graph"] == 3
    # No cpm / real_audience column: CPM unknown, every follower real.
    assert t["cpm"].dtype == pl.Float64 and t["cpm"].null_count() == g.n
    assert t["real_audience"].dtype == pl.Float64 and t["real_audience"].to_list() == [1.0] * 5
    assert p.real_audience.tolist() == [1.0] * 5 and p.real_audience.dtype == np.float64


def test_cpm_and_real_audience_columns(tmp_path: Path, world: tuple[Path, Path, Path]) -> None:
    g = load_graph(world[0])
    f = tmp_path / "p.csv"
    f.write_text("id,cpm,real_audience\na,12.5,0.8\nb,,0\nc,0,\nzz,3,0.5\n")
    p = load_profiles(f, g)
    row = {r["id"]: r for r in p.table.iter_rows(named=True)}
    assert (row["a"]["cpm"], row["a"]["real_audience"]) == (12.5, 0.8)
    assert (row["b"]["cpm"], row["b"]["real_audience"]) == (None, 0.0)  # empty cpm: unknown
    assert (row["c"]["cpm"], row["c"]["real_audience"]) == (0.0, 1.0)  # empty share: 1.0
    assert (row["d"]["cpm"], row["d"]["real_audience"]) == (None, 1.0)  # no profile
    assert p.table["cpm"].dtype == pl.Float64 == p.table["real_audience"].dtype
    idx = {i: k for k, i in enumerate(g.ids.to_list())}
    expected = np.ones(g.n)
    expected[[idx["a"], idx["b"]]] = [0.8, 0.0]
    np.testing.assert_array_equal(p.real_audience, expected)
    cpm = p.cpm
    assert cpm[idx["a"]] == 12.5 and cpm[idx["c"]] == 0.0 and np.isnan(cpm[idx["b"]])


def test_platform_column_is_lower_case_text(tmp_path: Path, world: tuple[Path, Path, Path]) -> None:
    g = load_graph(world[0])
    f = tmp_path / "p.csv"
    f.write_text("id,platform\na, TikTok \nb,\n")
    t = load_profiles(f, g).table
    row = {r["id"]: r["platform"] for r in t.iter_rows(named=True)}
    assert row["a"] == "tiktok" and row["b"] is None and row["d"] is None


def test_relevance_is_cosine(world: tuple[Path, Path, Path]) -> None:
    edges, prof, brands = world
    g = load_graph(edges)
    p = load_profiles(prof, g)
    b = load_brands(brands)
    rel = relevance(p, b, "Yum")
    idx = {i: k for k, i in enumerate(g.ids.to_list())}
    brand = np.array([0.9, 0.1, 0.0])  # food, fitness, travel
    a = np.array([0.3, 0.0, 0.7])
    c = np.array([0.8, 0.2, 0.0])
    cos = lambda x, y: float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))  # noqa: E731
    assert rel[idx["a"]] == pytest.approx(cos(a, brand))
    assert rel[idx["b"]] == pytest.approx(0.9 / math.sqrt(0.82))
    assert rel[idx["c"]] == pytest.approx(cos(c, brand))
    assert rel[idx["d"]] == 0.0  # no profile, no topics
    with pytest.raises(InputError, match="unknown brand 'Nope'"):
        relevance(p, b, "Nope")


def test_brand_sender_factor(world: tuple[Path, Path, Path]) -> None:
    edges, prof, brands = world
    g = load_graph(edges)
    p = load_profiles(prof, g)
    b = load_brands(brands)
    f = brand_sender_factor(p, b, "Yum", beta=0.1)
    rel = relevance(p, b, "Yum")
    idx = {i: k for k, i in enumerate(g.ids.to_list())}
    has = [idx["a"], idx["b"], idx["c"]]
    mean_r = rel[has].mean()
    expected_c = (0.05 / 0.03) * (0.1 + rel[idx["c"]]) / (0.1 + mean_r)
    assert f[idx["c"]] == pytest.approx(expected_c, rel=1e-6)
    assert f[idx["d"]] == 1.0 and f[idx["e"]] == 1.0  # no profile: factor 1
    assert f.dtype == np.float32


def test_default_profiles_have_no_profile_rows(world: tuple[Path, Path, Path]) -> None:
    g = load_graph(world[0])
    p = default_profiles(g)
    assert not p.has_profile.any()
    assert p.table["followers"].to_list() == g.follower_count.tolist()
    assert p.table["cpm"].dtype == pl.Float64 and p.table["cpm"].null_count() == g.n
    assert p.real_audience.tolist() == [1.0] * g.n


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("handle,followers\n@a,10\n", "no 'id' column"),
        ("id,followers\na,ten\n", r"line 2, column 'followers': expected an integer >= 0"),
        ("id,followers\na,1.5\n", r"line 2, column 'followers'"),
        (
            "id,engagement_rate\na,0.1\nb,1.5\n",
            r"line 3, column 'engagement_rate': expected a number in \[0, 1\]",
        ),
        ("id,cost\na,-3\n", r"line 2, column 'cost'"),
        ("id,cpm\na,5\nb,-0.5\n", r"line 3, column 'cpm': expected a number >= 0, got -0.5"),
        ("id,cpm\na,cheap\n", r"line 2, column 'cpm': expected a number >= 0"),
        ("id,cpm\na,inf\n", r"line 2, column 'cpm'"),
        (
            "id,real_audience\na,0.9\nb,1.2\n",
            r"line 3, column 'real_audience': expected a number in \[0, 1\], got 1.2",
        ),
        ("id,real_audience\na,-0.1\n", r"line 2, column 'real_audience': expected a number in"),
        ("id,real_audience\na,NaN\n", r"line 2, column 'real_audience'"),
        ("id,real_audience\na,80%\n", r"line 2, column 'real_audience'"),
        ("id,topics\na,food:abc\n", r"line 2, column 'topics'"),
        ("id,cost\na,1\na,2\n", r"line 3, column 'id': duplicate ID 'a'"),
    ],
)
def test_profile_bad_input(
    tmp_path: Path, world: tuple[Path, Path, Path], content: str, match: str
) -> None:
    g = load_graph(world[0])
    f = tmp_path / "bad.csv"
    f.write_text(content)
    with pytest.raises(InputError, match=match) as exc:
        load_profiles(f, g)
    assert "bad.csv" in str(exc.value)


def test_profile_ids_must_match_integer_graph(tmp_path: Path) -> None:
    e = tmp_path / "e.csv"
    e.write_text("a,b\n1,2\n2,3\n")
    g = load_graph(e)
    f = tmp_path / "p.csv"
    f.write_text("id,cost\n1,5\nxyz,3\n")  # IDs of the file: text; 'xyz' is no account
    p = load_profiles(f, g)
    assert p.unmatched == 1 and any("1 of 2 profile rows" in n and "'xyz'" in n for n in p.notes)
    f.write_text("id,cost\nabc,5\nxyz,3\n")
    assert "none of the 2 profile rows names an account" in load_profiles(f, g).notes[-1]
    f.write_text("id,cost\n1,5\n3,3\n")
    p = load_profiles(f, g)
    assert p.table.filter(pl.col("has_profile"))["id"].to_list() == [1, 3]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("brand,topics\nX,food\n", "missing column.*'budget'"),
        ("brand,topics,budget\nX,food,-5\n", r"line 2, column 'budget'"),
        ("brand,topics,budget\nX,food,abc\n", r"line 2, column 'budget'"),
        ("brand,topics,budget\nX,food,5\nX,tech,5\n", "duplicate brand 'X'"),
        ("brand,topics,budget\nX,food:?,5\n", r"line 2, column 'topics'"),
        ("brand,topics,budget\n", "no brands"),
    ],
)
def test_brand_bad_input(tmp_path: Path, content: str, match: str) -> None:
    f = tmp_path / "brands.csv"
    f.write_text(content)
    with pytest.raises(InputError, match=match):
        load_brands(f)
