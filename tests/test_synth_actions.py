"""The synthetic action log (step 9 of pipeline.synth): determinism, format, parents,
the other files untouched, the planted ambassadors found by influence credit, the CLI."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.calibration.actions import load_actions, place_on
from pipeline.calibration.ambassadors import rank_ambassadors
from pipeline.calibration.credit import influence_credit
from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.graph_io import load_graph
from pipeline.synth import SYNTH_FILES, SyntheticData, generate, write_synthetic
from pipeline.synth.actions import ACTIONS_EPOCH, AMBASSADOR_FOLLOWERS, STARTERS

YEAR = 365 * 86_400.0


@pytest.fixture(scope="module")
def mid() -> SyntheticData:
    """5,000 accounts, the default log (5 brands x 60 items, 6 planted per brand)."""
    return generate(5_000, seed=7)


@pytest.fixture(scope="module")
def folder(mid: SyntheticData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth_actions")
    write_synthetic(mid, out)
    return out


def test_same_seed_same_bytes_other_seed_other_log(mid: SyntheticData, tmp_path: Path) -> None:
    again = generate(5_000, seed=7)
    assert again.actions is not None and mid.actions is not None
    assert again.actions.equals(mid.actions)
    assert again.planted_ambassadors == mid.planted_ambassadors
    write_synthetic(again, tmp_path)
    other = generate(5_000, seed=8)
    assert other.actions is not None and not other.actions.equals(mid.actions)
    assert other.planted_ambassadors != mid.planted_ambassadors
    out = generate(5_000, seed=7).actions
    assert out is not None
    path = tmp_path / "again.csv"
    out.write_csv(path)
    assert path.read_bytes() == (tmp_path / "actions.csv").read_bytes()


def test_the_log_leaves_the_other_files_as_they_were(mid: SyntheticData) -> None:
    """The log has a random stream of its own: without it the tables are the same."""
    bare = generate(5_000, seed=7, items_per_brand=0, ambassadors=0)
    assert bare.actions is None and bare.planted_ambassadors == dict.fromkeys(
        bare.brands["brand"].to_list(), ()
    )
    assert bare.edges.equals(mid.edges) and bare.profiles.equals(mid.profiles)
    assert bare.brands.equals(mid.brands)


def test_columns_dtypes_items_and_starters(mid: SyntheticData, folder: Path) -> None:
    log = pl.read_csv(folder / "actions.csv")
    assert log.columns == ["account", "item", "time", "brand"]
    assert log.dtypes == [pl.Int64, pl.String, pl.Int64, pl.String]
    assert mid.actions is not None and log.equals(mid.actions)
    assert log.select(pl.struct("account", "item").is_unique().all()).item()
    brands = mid.brands["brand"].to_list()
    assert sorted(log["brand"].unique().to_list()) == sorted(brands)
    per = log.group_by("brand").agg(pl.col("item").n_unique())
    assert per["item"].to_list() == [60] * len(brands)
    assert log["item"].str.contains(r"^[a-z]+-\d{3}$").all()
    assert (log["item"].str.extract(r"^([a-z]+)-") == log["brand"]).all()
    assert log["account"].is_in(mid.edges["follower"].unique().implode()).all()
    start = pl.col("time").min().over("item")
    assert log.select(start.min()).item() == ACTIONS_EPOCH
    assert log.select(start.max()).item() < ACTIONS_EPOCH + YEAR
    starters = log.filter(pl.col("time") == start)
    counts = set(starters.group_by("item").len()["len"].to_list())
    assert counts == {STARTERS, STARTERS + 1}
    for b, planted in mid.planted_ambassadors.items():  # half the items, 5 each
        lead = starters.filter(pl.col("brand") == b, pl.col("account").is_in(list(planted)))
        assert lead.height == 30
        assert lead.group_by("account").len()["len"].sort().to_list() == [5] * 6


def test_every_later_adoption_has_an_earlier_parent(mid: SyntheticData, folder: Path) -> None:
    """An adopter past an item's start follows someone who adopted it strictly earlier;
    by the credit module's own definition the only initiators are the starters."""
    log = mid.actions
    assert log is not None
    later = log.filter(pl.col("time") > pl.col("time").min().over("item"))
    parents = (
        later.join(mid.edges, left_on="account", right_on="follower")
        .join(
            log.select("item", pl.col("account").alias("followed"), pl.col("time").alias("t0")),
            on=["item", "followed"],
        )
        .filter(pl.col("t0") < pl.col("time"))
        .select("account", "item")
        .unique()
    )
    assert later.height > 500 and parents.height == later.height
    g = load_graph(folder / "follows.csv")
    cas = place_on(load_actions(folder / "actions.csv"), g)
    cr = influence_credit(g, cas, horizon=YEAR)
    assert int(cr.initiated.sum()) == log.height - later.height


def test_the_planted_ambassadors_top_the_credit_ranking(mid: SyntheticData, folder: Path) -> None:
    """Per brand, at least 4 of the 6 planted accounts are in the top 10 by credit; they
    have no profile and a modest number of in-graph followers."""
    g = load_graph(folder / "follows.csv")
    log = load_actions(folder / "actions.csv")
    profiled = set(mid.profiles["id"].to_list())
    followers = mid.edges.group_by("followed").len()
    hits = {}
    for b, planted in mid.planted_ambassadors.items():
        assert len(planted) == 6 and not profiled & set(planted)
        n_followers = followers.filter(pl.col("followed").is_in(list(planted)))["len"]
        assert all(0 < x <= AMBASSADOR_FOLLOWERS[1] for x in n_followers.to_list())
        cas = place_on(log, g, brand=b)
        top = rank_ambassadors(g, cas, horizon=YEAR, top=10)
        hits[b] = int(top["id"].is_in(list(planted)).sum())
    assert min(hits.values()) >= 4, hits
    every = [a for p in mid.planted_ambassadors.values() for a in p]
    assert len(set(every)) == len(every)  # distinct across brands


def test_small_graphs_and_options() -> None:
    tiny = generate(150, seed=1)
    assert tiny.actions is not None and tiny.actions.height > 0
    assert all(0 < len(p) <= 6 for p in tiny.planted_ambassadors.values())
    none = generate(500, seed=2, ambassadors=0, items_per_brand=4)
    assert none.actions is not None and none.actions["item"].n_unique() == 20
    assert all(p == () for p in none.planted_ambassadors.values())
    suffix = none.actions["item"].str.slice(-4).unique().sort().to_list()
    assert suffix == ["-001", "-002", "-003", "-004"]
    with pytest.raises(InputError, match="items_per_brand must be in"):
        generate(500, seed=2, items_per_brand=-1)
    with pytest.raises(InputError, match="p_ambassador must be in"):
        generate(500, seed=2, p_ambassador=1.5)


def test_the_generate_command_writes_the_log(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--nodes", "400", "--seed", "3", "--items-per-brand", "5", "--ambassadors", "2"]
    r = runner.invoke(app, ["generate", str(tmp_path / "a"), *args])
    assert r.exit_code == 0, r.output
    assert "action log: " in r.output and "adoptions of 25 items" in r.output
    log = load_actions(tmp_path / "a" / "actions.csv")
    assert sorted(log.table["brand"].unique().to_list()) == sorted(
        pl.read_csv(tmp_path / "a" / "brands.csv")["brand"].to_list()
    )
    r = runner.invoke(app, ["generate", str(tmp_path / "b"), *args[:4], "--items-per-brand", "0"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(SYNTH_FILES[:3])
    for name in SYNTH_FILES[:3]:  # the log changes no other file
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    r = runner.invoke(app, ["generate", str(tmp_path / "c"), "--items-per-brand", "-1"])
    assert r.exit_code == 2 and "items_per_brand must be in" in r.output
