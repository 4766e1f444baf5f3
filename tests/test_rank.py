"""Ranked candidate lists: score formula, filters, and the micro-vs-celebrity intuition."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.graph_io import load_graph
from pipeline.profiles import load_brands, load_profiles
from pipeline.seeding.rank import RankWeights, rank_candidates


def _rank(*args: object, **kwargs: object) -> pl.DataFrame:
    """rank_candidates with the brand-fit threshold off unless a test sets one (the tiny
    graphs here test the score itself)."""
    kwargs.setdefault("min_relevance", 0.0)
    return rank_candidates(*args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture()
def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "f.csv").write_text("follower,followed\nb,a\nc,a\nd,a\nc,b\nd,b\ne,c\na,c\n")
    (tmp_path / "p.csv").write_text(
        "id,handle,followers,engagement_rate,cost,topics\n"
        "a,@celeb,1500000,0.01,12000,music:0.6;travel:0.3;food:0.1\n"
        "b,@chef,50000,0.03,400,food\n"
        "c,@cook,8000,0.05,80,food:0.8;fitness:0.2\n"
        "d,@nocost,20000,0.02,,food\n"
    )
    (tmp_path / "b.csv").write_text(
        "brand,topics,budget\nYum,food:0.9;fitness:0.1,500\nGo,travel,20000\n"
    )
    g = load_graph(tmp_path / "f.csv")
    return g, load_profiles(tmp_path / "p.csv", g), load_brands(tmp_path / "b.csv")


def test_score_is_relevance_times_mean_of_percentiles(setup) -> None:  # type: ignore[no-untyped-def]
    g, p, b = setup
    df = _rank(g, p, b, "Yum")
    assert df["brand"].unique().to_list() == ["Yum"]
    assert df["rank"].to_list() == [1, 2, 3, 4]
    for r in df.iter_rows(named=True):
        mix = (r["reach_score"] + r["engagement_score"] + r["cost_score"]) / 3
        assert r["score"] == pytest.approx(r["relevance"] * mix)
    row = {r["handle"]: r for r in df.iter_rows(named=True)}
    # Percentiles among the 4 profiled accounts (ranks 1..4 / 4).
    assert row["@celeb"]["reach_score"] == 1.0
    assert row["@cook"]["engagement_score"] == 1.0
    assert row["@nocost"]["cost_score"] == 0.0  # unknown cost scores 0 on that part
    assert row["@cook"]["engagements_per_cost"] == pytest.approx(8000 * 0.05 / 80)
    # The on-topic micro voice beats the celebrity with a weak tie to food.
    assert row["@cook"]["rank"] < row["@celeb"]["rank"]
    assert df["score"].is_sorted(descending=True)


def test_budget_columns(setup) -> None:  # type: ignore[no-untyped-def]
    g, p, b = setup
    df = _rank(g, p, b, "Yum")
    costs = df["cost"].fill_null(0).cum_sum().to_list()
    assert df["cumulative_cost"].to_list() == pytest.approx(costs)
    assert df["within_budget"].to_list() == [c <= 500 for c in costs]


def test_filters_do_not_change_scores(setup) -> None:  # type: ignore[no-untyped-def]
    g, p, b = setup
    full = _rank(g, p, b, "Yum")
    micro = _rank(g, p, b, "Yum", tiers=["micro"])
    assert micro["handle"].to_list() == ["@chef", "@nocost"]
    merged = micro.join(full, on="handle", suffix="_full")
    assert (merged["score"] == merged["score_full"]).all()
    cheap = _rank(g, p, b, "Yum", max_cost=100)
    assert cheap["handle"].to_list() == ["@cook"]
    rel = _rank(g, p, b, "Yum", min_relevance=0.5)
    assert (rel["relevance"] >= 0.5).all() and "@celeb" not in rel["handle"].to_list()
    top = _rank(g, p, b, None, top=2)
    assert top.group_by("brand").len().sort("brand")["len"].to_list() == [2, 2]


def test_weights_and_reach_metric(setup) -> None:  # type: ignore[no-untyped-def]
    g, p, b = setup
    only_reach = _rank(g, p, b, "Go", weights=RankWeights(1, 0, 0))
    assert only_reach["handle"][0] == "@celeb"
    pr = _rank(g, p, b, "Yum", reach="pagerank")
    assert "pagerank" in pr.columns
    with pytest.raises(InputError, match="unknown reach metric"):
        _rank(g, p, b, "Yum", reach="fame")
    with pytest.raises(InputError, match="not all 0"):
        RankWeights(0, 0, 0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"brand": "Nope"}, "unknown brand 'Nope'"),
        ({"tiers": ["giga"]}, "unknown tier"),
        ({"min_relevance": 2.0}, "min relevance"),
        ({"max_cost": -1.0}, "max cost"),
        ({"top": 0}, "top must be"),
    ],
)
def test_bad_options(setup, kwargs, match) -> None:  # type: ignore[no-untyped-def]
    g, p, b = setup
    kwargs = {"brand": "Yum", **kwargs}
    brand = kwargs.pop("brand")
    with pytest.raises(InputError, match=match):
        _rank(g, p, b, brand, **kwargs)


def test_profiles_matching_no_node(tmp_path: Path, setup) -> None:  # type: ignore[no-untyped-def]
    g, _, b = setup
    f = tmp_path / "other.csv"
    f.write_text("id,cost\nq,1\n")
    p = load_profiles(f, g)
    with pytest.raises(InputError, match="no profile matches a node"):
        _rank(g, p, b, "Yum")
    assert isinstance(p.table, pl.DataFrame)


def test_overlap_above_per_brand_in_rank_order(setup) -> None:  # type: ignore[no-untyped-def]
    g, p, b = setup
    # Followers in the graph: F_a = {b, c, d}, F_b = {c, d}, F_c = {a, e}, F_d = {}.
    df = _rank(g, p, b)
    got = {
        name: list(zip(part["id"], part["overlap_above"], strict=True))
        for (name,), part in df.group_by("brand", maintain_order=True)
    }
    # Yum ranks c, b, d, a: b's {c, d} share nothing with {a, e}; d has no followers;
    # a's {b, c, d} meets {a, e, c, d} in c and d.
    assert got["Yum"] == [("c", 0.0), ("b", 0.0), ("d", 0.0), ("a", pytest.approx(2 / 3))]
    # Go ranks the celebrity first: every follower of b already follows a.
    assert got["Go"] == [("a", 0.0), ("b", 1.0), ("c", 0.0), ("d", 0.0)]
    # Taken over the list as shown, after filters: b first now, then d.
    micro = _rank(g, p, b, "Go", tiers=["micro"])
    assert micro["id"].to_list() == ["b", "d"] and micro["overlap_above"].to_list() == [0, 0]
    assert df.columns[df.columns.index("within_budget") + 1] == "overlap_above"


def test_min_real_audience_filters_and_reports(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text("follower,followed\nb,a\nc,a\nd,b\ne,c\n")
    (tmp_path / "p.csv").write_text(
        "id,followers,engagement_rate,cost,topics,real_audience\n"
        "a,5000,0.02,100,food,0.4\nb,3000,0.03,50,food,0.9\nc,2000,0.05,20,food,\n"
    )
    (tmp_path / "b.csv").write_text("brand,topics,budget\nYum,food,1000\n")
    g = load_graph(tmp_path / "f.csv")
    prof = load_profiles(tmp_path / "p.csv", g)
    brands = load_brands(tmp_path / "b.csv")
    all_ = _rank(g, prof, brands, "Yum")
    assert dict(zip(all_["id"], all_["real_audience"], strict=True)) == {
        "a": 0.4, "b": 0.9, "c": 1.0
    }  # fmt: skip
    kept = _rank(g, prof, brands, "Yum", min_real_audience=0.5)
    assert sorted(kept["id"]) == ["b", "c"]
    with pytest.raises(InputError, match="min real audience"):
        _rank(g, prof, brands, "Yum", min_real_audience=1.5)
