"""Issue 26's audit gaps: figures the profiles cannot give print n/a with a note, the
people proxy is labelled beside its simulation, a profiled account without a followers
value is scaled like an unprofiled one, the creators' why speaks on one basis and
compares like with like, rank refuses a filter nobody passes, and the README's claim
about who wins is generated from the winners table."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.cli.seed import _units_text
from pipeline.graph_io import from_edges
from pipeline.profiles import load_profiles
from pipeline.profiles.audience import ReachRates, audience, followers_given, unprojectable
from pipeline.report.brief import brief_creators, strategy_label
from pipeline.report.why import OWN_POST_HEADS, comparables, why
from pipeline.seeding.plan_units import plan_units
from pipeline.synth import generate, write_synthetic

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def _world(tmp_path: Path, edges: list[tuple[str, str]], rows: list[dict]):  # type: ignore[no-untyped-def]
    names = sorted({x for e in edges for x in e})
    pos = {c: i for i, c in enumerate(names)}
    g = from_edges(np.array([pos[u] for u, _ in edges]), np.array([pos[v] for _, v in edges]),
                   pl.Series(names))  # fmt: skip
    pl.DataFrame(rows).write_csv(tmp_path / "profiles.csv")
    return g, load_profiles(tmp_path / "profiles.csv", g), pos


# --- 1. figures the profiles cannot give ------------------------------------------------


def test_without_followers_nothing_is_projected_from_sample_counts(tmp_path: Path) -> None:
    edges = [("s", f"f{i:02d}") for i in range(40)]
    g, prof, pos = _world(tmp_path, edges, [{"id": "s", "engagement_rate": 0.02, "cost": 500.0}])
    assert set(unprojectable(prof)) == {"people", "impressions", "engagements"}
    units = plan_units(g, np.array([pos["s"]]), "wc", prof, cost=500.0, runs=20)
    for key in ("projected_people", "projected_impressions", "projected_engagements",
                "cost_per_engagement", "cost_per_person"):  # fmt: skip
        assert units[key] is None, key
    assert units["projection_runs"] == 0 and len(units["notes"]) == 1
    assert "followers" in units["notes"][0]
    line = _units_text(units)
    assert "n/a people" in line and "n/a per engagement" in line and "runs" not in line


def test_without_an_engagement_rate_engagements_are_na(tmp_path: Path) -> None:
    edges = [("s", f"f{i:02d}") for i in range(40)]
    g, prof, pos = _world(tmp_path, edges, [{"id": "s", "followers": 10_000, "cost": 500.0}])
    assert set(unprojectable(prof)) == {"engagements"}
    units = plan_units(g, np.array([pos["s"]]), "wc", prof, cost=500.0, runs=20,
                       reach_rates=ReachRates(default=1.0))  # fmt: skip
    assert units["projected_engagements"] is None and units["cost_per_engagement"] is None
    assert units["projected_impressions"] == pytest.approx(10_000)
    assert units["cost_per_person"] == pytest.approx(500.0 / units["projected_people"])
    assert units["notes"] == ["the profiles give no engagement_rate, so engagements are unknown"]
    line = _units_text(units)
    assert "n/a engagements" in line and "nan" not in line.lower()
    # a NaN that reaches the line anyway is n/a too
    assert "n/a engagements" in _units_text(units | {"projected_engagements": math.nan})


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gaps")
    write_synthetic(generate(nodes=2000, seed=5), folder)
    prof = pl.read_csv(folder / "profiles.csv")
    if "platform" not in prof.columns:
        rng = np.random.default_rng(0)
        names = rng.choice(["instagram", "tiktok"], prof.height, p=[0.6, 0.4])
        prof = prof.with_columns(pl.Series("platform", names))
    prof.write_csv(folder / "profiles.csv")
    prof.drop("followers").write_csv(folder / "nofollowers.csv")
    prof.drop("engagement_rate").write_csv(folder / "noer.csv")
    return folder


def _seed(world: Path, profiles: str, *extra: str) -> list[str]:
    return ["seed", str(world / "follows.csv"), "--profiles", str(world / profiles),
            "--brands", str(world / "brands.csv"), "--budget", "3000", "--min-relevance",
            "0", "--brand", pl.read_csv(world / "brands.csv")["brand"][0], *extra]  # fmt: skip


def test_seed_prints_na_and_says_why(synth: Path) -> None:
    r = runner.invoke(app, _seed(synth, "nofollowers.csv", "--strategy", "macro"))
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())  # the console wraps long notes
    assert "n/a people, n/a impressions, n/a engagements; n/a per engagement" in text
    assert "note: the profiles give no followers (platform audience)" in text
    assert not re.search(r"\bnan\b", text.lower())
    r = runner.invoke(app, _seed(synth, "noer.csv", "--strategy", "macro"))
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert re.search(r"[\d,]+ people, [\d,]+ impressions, n/a engagements; n/a per engagement",
                     text)  # fmt: skip
    assert "note: the profiles give no engagement_rate" in text and not re.search(
        r"\bnan\b", text.lower()
    )


# --- 2. the people proxy, labelled, beside its simulation --------------------------------


def test_seed_labels_the_people_proxy_and_prints_the_simulation(synth: Path) -> None:
    r = runner.invoke(app, _seed(synth, "profiles.csv", "--strategy", "imm", "--objective",
                                 "people", "--model", "medium"))  # fmt: skip
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    m = re.search(r"people: proxy estimate \(weighted exposure\) ([\d,]+) \(\+/- [\d,]+\), "
                  r"simulated ([\d,]+) \(mean of 1,000 runs\)", text)  # fmt: skip
    assert m is not None, text
    projected = re.search(
        r"projected on the platform \(mean of 1,000 runs\): ([\d,]+) people", text
    )
    assert projected is not None and projected.group(1) == m.group(2)
    assert "expected people" not in text and "by the proxy" in text
    assert "marginal_gain in people (proxy estimate)" in text


# --- 3. a profiled account without a followers value ------------------------------------


def _tiers_world(tmp_path: Path):  # type: ignore[no-untyped-def]
    # n (nano): 5,000 platform / 50 in-graph followers -> nano ratio 100; m (micro):
    # 20,000 / 100 -> micro ratio 200. x is profiled without a followers value and y is
    # not profiled; both have 150 in-graph followers: 150 x 100 = 15,000 is micro, so
    # A = 150 x 200 = 30,000 (the tier iterated once), not the raw 150.
    edges = [("n", f"a{i:03d}") for i in range(50)] + [("m", f"b{i:03d}") for i in range(100)]
    edges += [("x", f"c{i:03d}") for i in range(150)] + [("y", f"d{i:03d}") for i in range(150)]
    rows = [{"id": "n", "followers": 5_000, "engagement_rate": 0.05},
            {"id": "m", "followers": 20_000, "engagement_rate": 0.03},
            {"id": "x", "followers": None, "engagement_rate": 0.04}]  # fmt: skip
    return _world(tmp_path, edges, rows)


def test_a_missing_followers_value_is_scaled_by_its_tier(tmp_path: Path) -> None:
    _, prof, pos = _tiers_world(tmp_path)
    given = prof.table.select((pl.col("has_profile") & (pl.col("id") != "x")).alias("g"))
    # what accounts.py records once it keeps the mask (see followers_given)
    masked = dataclasses.replace(prof, table=prof.table.with_columns(given["g"].alias(
        "followers_given")))  # fmt: skip
    assert followers_given(masked)[[pos["n"], pos["m"], pos["x"], pos["y"]]].tolist() == [
        True, True, False, False]  # fmt: skip
    aud = audience(masked)
    assert aud.audience[pos["x"]] == pytest.approx(30_000)  # not the raw 150
    assert aud.audience[pos["x"]] == pytest.approx(aud.audience[pos["y"]])
    assert aud.audience[pos["n"]] == 5_000 and aud.audience[pos["m"]] == 20_000
    assert aud.engagement_rate[pos["x"]] == pytest.approx(0.04)  # its own rate is kept
    assert aud.ratio[pos["x"]] == pytest.approx(200)


def test_load_profiles_records_a_missing_followers_value(tmp_path: Path) -> None:
    _, prof, pos = _tiers_world(tmp_path)
    assert audience(prof).audience[pos["x"]] == pytest.approx(30_000)


# --- 4. the report's why: one basis, like-for-like alternatives ---------------------------


def _seeds_rows() -> tuple[pl.DataFrame, pl.DataFrame]:
    plan = pl.DataFrame({
        "rank": [1, 2], "id": ["p1", "p2"], "handle": ["@big", "@small"],
        "tier": ["macro", "micro"], "cost": [5_000.0, 400.0],
        "own_engagements": [10_000.0, 1_000.0], "marginal_people": [30_000.0, 4_000.0],
        "marginal_gain": [12_000.0, 1_500.0], "relevance": [0.8, 0.9],
        "overlap_above": [None, 0.1],
        "alternative": ["@cheap", "@cheap"], "alternative_cost_per_engagement": [0.05, 0.05],
    })  # fmt: skip
    pool = pl.concat([plan, pl.DataFrame({
        "rank": [1, 2, 3, 4], "id": ["c", "a1", "a2", "a3"],
        "handle": ["@cheap", "@macro_alt", "@micro_alt", "@mid_alt"],
        "tier": ["nano", "macro", "micro", "mid"], "cost": [20.0, 6_000.0, 350.0, 4_500.0],
        "own_engagements": [400.0, 10_000.0, 500.0, 15_000.0], "marginal_people": [1.0] * 4,
        "marginal_gain": [1.0] * 4, "relevance": [0.5] * 4, "overlap_above": [0.0] * 4,
        "alternative": [None] * 4, "alternative_cost_per_engagement": [None] * 4,
    }, schema_overrides={"alternative": pl.String,
                         "alternative_cost_per_engagement": pl.Float64})])  # fmt: skip
    return plan, pool


def test_the_alternative_is_of_a_similar_fee_and_the_same_tier() -> None:
    plan, pool = _seeds_rows()
    got = comparables(plan, pool)
    # @cheap (20, 0.05 per engagement) is the cheapest overall but no comparable buy
    assert got["alternative"].to_list() == ["@macro_alt", "@micro_alt"]
    assert got["alternative_basis"].to_list() == ["same tier", "same tier"]
    assert got["alternative_cost_per_engagement"].to_list() == pytest.approx([0.6, 0.7])
    # no same-tier creator in the fee band: the best of another tier, said so
    got = comparables(plan, pool.filter(pl.col("id") != "a1"))
    assert got.row(0, named=True)["alternative"] == "@mid_alt"
    assert got.row(0, named=True)["alternative_basis"] == "other tier"
    assert "own post $0.50 vs $0.30 for @mid_alt (other tier);" in why(
        got.row(0, named=True), "engagements", "$"
    )
    # nobody in the band: none, and the line says so
    alone = comparables(plan.head(1), plan.head(1))
    assert alone["alternative"].to_list() == [None]
    assert why(alone.row(0, named=True), "engagements", "$").endswith(
        "own post $0.50 per engagement, no comparable creator left out; topic fit 0.80"
    )


def test_brief_columns_and_why_are_on_one_basis() -> None:
    plan, pool = _seeds_rows()
    seeds = comparables(plan, pool)
    top = {"plain": "the optimized plan", "model": "medium", "budget": 10_000.0, "k": None}
    brief = brief_creators(seeds, "engagements", "$", top)
    assert brief is not None
    assert brief["heads"][3:6] == list(OWN_POST_HEADS)
    for row, s in zip(brief["rows"], seeds.iter_rows(named=True), strict=True):
        cpe = f"${s['cost'] / s['own_engagements']:,.2f}"
        assert row[4][0] == f"{s['own_engagements']:,.0f}"  # own post, not marginal_gain
        assert row[5][0] == cpe and f"own post {cpe} vs" in row[6][0]  # the same figure
    line = brief["rows"][1][6][0]
    assert brief["rows"][1][3][0] == "4,000"  # the people its own post adds
    assert line == (
        "adds about 1,500 engagements with reshares; own post $0.40 vs $0.70 for @micro_alt; "
        "topic fit 0.90; 10% overlap"
    )
    assert "(a proxy estimate)" in why(seeds.row(1, named=True), "people", "$")
    assert "own post" in brief["caption"]


def test_a_plain_name_in_parentheses_takes_the_code_inside() -> None:
    robust = "the robust plan (the best worst case over the virality models)"
    assert strategy_label(robust, "robust") == (
        "the robust plan (the best worst case over the virality models; robust)"
    )
    assert strategy_label("the optimized plan", "imm", "13 creators") == (
        "the optimized plan (imm, 13 creators)"
    )


# --- 5. rank: a filter nobody passes, and the platform column ------------------------------


def _rank(world: Path, *extra: str) -> list[str]:
    return ["rank", str(world / "follows.csv"), "--profiles", str(world / "profiles.csv"),
            "--brands", str(world / "brands.csv"), "--min-relevance", "0", *extra]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--platform", "snapchat"], "error: no profiled creator passes the filters "
                                     "(platform snapchat)"),
        (["--max-cost", "0.001"], "error: no candidate passes the filters (cost <= 0.001)"),
        (["--tier", "mega", "--max-followers", "10"], "error: no profiled creator passes the "
                                                      "filters (tier mega, at most 10 "
                                                      "followers)"),
    ],
)  # fmt: skip
def test_rank_with_a_filter_nobody_passes_is_one_line(
    synth: Path, extra: list[str], message: str
) -> None:
    r = runner.invoke(app, _rank(synth, "--quiet", *extra))
    assert r.exit_code == 2, r.output
    lines = [x for x in r.output.splitlines() if x.strip() and not x.startswith("note:")]
    assert lines == [message] and "Traceback" not in r.output


def test_rank_shows_the_platform(synth: Path) -> None:
    brand = pl.read_csv(synth / "brands.csv")["brand"][0]
    r = runner.invoke(app, _rank(synth, "--brand", brand, "--top", "3"))
    assert r.exit_code == 0, r.output
    header = next(x for x in r.output.splitlines() if "handle" in x and "rank" in x)
    assert header.split()[:4] == ["rank", "handle", "platform", "tier"]


# --- 7. the README's claim, from the winners table ---------------------------------------


def _readme_demo():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "readme_demo", ROOT / "tests" / "test_readme_demo.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_sentence_names_every_cell_macro_wins() -> None:
    demo = _readme_demo()
    rows = []
    for model in ("medium", "low-virality"):
        for brand, budget in (("everyday", 25_000.0), ("everyday", 100_000.0), ("fresh", 10.0)):
            for strategy, value in (("imm", 10.0), ("robust", 9.0), ("macro", 5.0)):
                exposed = 20.0 if strategy == "macro" and brand == "everyday" else value
                rows.append({"model": model, "brand": brand, "budget": budget,
                             "strategy": strategy, "mean_engagements": value,
                             "mean_impressions": value, "mean_people": value,
                             "mean_earned_exposed": exposed})  # fmt: skip
    won = demo.kpi_winners(pl.DataFrame(rows))
    assert won.filter(pl.col("model") == "medium")["earned_exposed"].to_list() == [
        "macro", "macro", "imm"]  # fmt: skip
    text = demo.kpi_sentence(won, "$")
    assert text == (
        "Under `medium`, an optimized plan (imm) gives the most engagements, impressions and "
        "people at every budget of every brand (3 of 3) and the most earned exposure at 1 of "
        "3; macro gives the most earned exposure at everyday $25,000 and $100,000. Over all "
        "2 presets (6 brand x budget x preset cells) it gives the most engagements in 6, "
        "impressions in 6, people in 6 and earned exposure in 2 (macro in the other 4)."
    )
    assert "every KPI at every budget" not in text


def test_simulate_projects_only_what_the_profiles_can_give(tmp_path: Path) -> None:
    """simulate --profiles without followers projects nothing (one note, no sample-count
    figures); without an engagement rate its engagements are null, with a note."""
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.synth import generate, write_synthetic

    write_synthetic(generate(nodes=300, seed=2), tmp_path)
    prof = pl.read_csv(tmp_path / "profiles.csv")
    prof.drop("followers").write_csv(tmp_path / "nofol.csv")
    prof.drop("engagement_rate").write_csv(tmp_path / "noer.csv")
    seed = str(prof["id"][0])
    base = ["simulate", str(tmp_path / "follows.csv"), "--seeds", seed, "--runs", "50"]
    runner = CliRunner()
    r = runner.invoke(app, [*base, "--profiles", str(tmp_path / "nofol.csv"), "--json"])
    assert r.exit_code == 0, r.output
    assert not any(k.startswith("projected") for k in json.loads(r.stdout))
    r = runner.invoke(app, [*base, "--profiles", str(tmp_path / "nofol.csv")])
    assert "note: people, impressions, engagements not projected" in r.stderr
    r = runner.invoke(app, [*base, "--profiles", str(tmp_path / "noer.csv"), "--json"])
    got = json.loads(r.stdout)
    assert got["projected_engagements"] is None and got["projected_people"] > 0
    r = runner.invoke(app, [*base, "--profiles", str(tmp_path / "noer.csv")])
    assert "note: engagements not projected" in r.stderr
