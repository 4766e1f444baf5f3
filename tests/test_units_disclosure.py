"""What a result discloses about its units: what each plan was optimised for (people go
through a weighted-exposure stand-in), trade-off lines only where the other plan is
clearly ahead, and the resolved default reach rates and CPMs in the results fingerprint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from pipeline.aggregate import (
    AUDIENCE_SCHEMA,
    CURVES_SCHEMA,
    RESULTS_FORMAT,
    SEEDS_SCHEMA,
    TRADE_OFF_SCHEMA,
    Results,
    cross_model_verdicts,
    load_results,
    proxy_note,
    summarize_runs,
    trade_offs,
    verdicts,
)
from pipeline.campaign import load_config, prepare, run_campaign
from pipeline.errors import InputError
from pipeline.synth import generate, write_synthetic

NOTE = "(optimised through a weighted-exposure proxy; figures simulated)"

BASE = """
name = "units"
output = "out"
seed = 5
runs = 40
baseline = "macro"
objective = "people"

[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"

[grid]
brands = ["freshbite"]
models = ["medium"]
strategies = ["macro", "imm"]
budgets = [1500]

[seeding]
estimate_rr_sets = 2000
epsilon = 0.5
resamples = 0
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("units_data")
    write_synthetic(generate(nodes=1500, seed=3), folder)
    return folder


def _config(data: Path, out: Path, text: str = BASE, name: str = "units.toml") -> Path:
    path = data / name
    path.write_text(text.replace('output = "out"', f'output = "{out.as_posix()}"'))
    return path


@pytest.fixture(scope="module")
def people(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("people") / "out"
    run_campaign(_config(data, out, name="people.toml"))
    return out


# --------------------------------------------------------------------- what was optimised


def test_people_plans_record_the_proxy_and_the_verdict_says_so_once(people: Path) -> None:
    runs = pl.read_parquet(people / "runs" / "**" / "*.parquet")
    per_strategy = dict(runs.select("strategy", "optimised").unique().iter_rows())
    assert per_strategy == {
        "imm": "people (weighted-exposure proxy)",
        "macro": "nothing: a heuristic ranking",
    }
    res = load_results(people)
    assert res.objective == "people"
    summary = summarize_runs(res.runs)
    assert summary.filter(pl.col("strategy") == "imm")["optimised"].to_list() == [
        "people (weighted-exposure proxy)"
    ]
    (verdict,) = verdicts(res)["verdict"].to_list()
    assert verdict.count(NOTE) == 1, verdict
    assert "people reached" in verdict
    (across,) = cross_model_verdicts(res)["verdict"].to_list()
    assert across.count("optimised through a weighted-exposure proxy; figures simulated") == 1


def test_engagements_plans_need_no_note(data: Path, tmp_path: Path) -> None:
    text = BASE.replace('objective = "people"', 'objective = "engagements"')
    out = tmp_path / "out"
    run_campaign(_config(data, out, text, "eng.toml"))
    runs = pl.read_parquet(out / "runs" / "**" / "*.parquet")
    assert set(runs.filter(pl.col("strategy") == "imm")["optimised"]) == {"engagements"}
    (verdict,) = verdicts(load_results(out))["verdict"].to_list()
    assert "proxy" not in verdict and "figures simulated" not in verdict


def test_folders_without_the_column_read_it_as_null(people: Path, tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(people, old)
    for f in (old / "runs").rglob("*.parquet"):
        pl.read_parquet(f).drop("optimised").write_parquet(f)
    if (old / "integrity").exists():  # records of the rewritten files: drop them
        shutil.rmtree(old / "integrity")
    res = load_results(old)
    assert res.runs.collect()["optimised"].null_count() == res.runs.collect().height
    assert summarize_runs(res.runs)["optimised"].null_count() == 2
    (verdict,) = verdicts(res)["verdict"].to_list()
    assert "proxy" not in verdict  # not recorded: nothing claimed


def test_proxy_note_words() -> None:
    assert proxy_note("people (weighted-exposure proxy)") == NOTE
    assert proxy_note("people (impressions proxy: LT has no exposure RR sets)") == (
        "(optimised through an impressions proxy; figures simulated)"
    )
    assert proxy_note("people (weighted-exposure proxy)", who="imm") == (
        "(imm optimised through a weighted-exposure proxy; figures simulated)"
    )
    for plain in ("people", "engagements", "nothing: a heuristic ranking", None, ""):
        assert proxy_note(plain) == ""


# --------------------------------------------------------------------------- trade-offs

# run r of every strategy shares its random numbers (paired differences)
BASE_RUNS = np.array([1000, 1400, 700, 1200, 900, 1100, 800, 1300], dtype=float)
CLEAR = np.array([60, 40, 55, 45, 50, 65, 35, 50], dtype=float)  # +50 per 1,050: a win
SMALL = np.array([6, 4, 5, 5, 6, 4, 5, 5], dtype=float)  # +5: within 2%, a tie
NOISY = np.array([150, -120, 130, -110, 90, -100, 140, -80], dtype=float)  # +12.5 ± 100


def _runs(cells: list[tuple[str, float, Any, Any]]) -> pl.DataFrame:
    """(strategy, budget, engagements per run, people per run) -> a runs table."""
    frames = []
    for strategy, budget, eng, ppl in cells:
        e, p = np.asarray(eng, dtype=float), np.asarray(ppl, dtype=float)
        columns = {"brand": "b", "model": "m", "strategy": strategy, "budget": budget,
                   "k": None, "run": np.arange(e.size), "engagements": e, "people": p,
                   "impressions": 1.5 * p, "activated": (e // 10).astype(np.int64),
                   "exposed": (p // 5).astype(np.int64), "seeds_used": 3,
                   "cost_spent": budget, "cpm": None}  # fmt: skip
        types = {"k": pl.Int64, "cpm": pl.Float64, "budget": pl.Float64}
        frames.append(pl.DataFrame(columns, schema_overrides=types))
    return pl.concat(frames)


def _results(runs: pl.DataFrame, **manifest: Any) -> Results:
    m = {"format": RESULTS_FORMAT, "objective": {"used": "engagements"}, **manifest}
    return Results(
        path=Path("/nowhere"), manifest=m, runs=runs.lazy(),
        seeds=pl.DataFrame(schema=SEEDS_SCHEMA), audience=pl.DataFrame(schema=AUDIENCE_SCHEMA),
        curves=pl.DataFrame(schema=CURVES_SCHEMA),
    )  # fmt: skip


def _trade_off_runs() -> pl.DataFrame:
    """imm leads engagements at every budget; by people: robust by noise at 1,000 (the
    demo's everyday case), micro clearly at 2,000, efficient within the margin at 3,000,
    imm itself at 4,000."""
    e, p = 100 * BASE_RUNS, 400 * BASE_RUNS
    return _runs([
        ("imm", 1000.0, e + 500, p), ("robust", 1000.0, e, p + 400 * NOISY),
        ("imm", 2000.0, e + 500, p), ("micro", 2000.0, e, p + 400 * CLEAR),
        ("imm", 3000.0, e + 500, p), ("efficient", 3000.0, e, p + 400 * SMALL),
        ("imm", 4000.0, e + 500, p + 400 * CLEAR), ("macro", 4000.0, e, p),
    ])  # fmt: skip


def test_a_trade_off_is_shown_only_when_the_paired_interval_clears_the_margin() -> None:
    out = trade_offs(_results(_trade_off_runs()))
    assert out.columns == list(TRADE_OFF_SCHEMA)
    assert set(out["kpi"]) == {"people", "impressions"}  # the other KPIs
    people = {r["budget"]: r for r in out.filter(pl.col("kpi") == "people").iter_rows(named=True)}
    assert {b: (r["strategy"], r["most"], r["outcome"], r["shown"]) for b, r in people.items()} == {
        1000.0: ("imm", "robust", "indistinguishable", False),  # noise: not a trade-off
        2000.0: ("imm", "micro", "win", True),
        3000.0: ("imm", "efficient", "tie", False),  # real but within 2%: not worth a line
        4000.0: ("imm", "imm", None, False),  # the plan itself has the most
    }
    clear = people[2000.0]
    assert clear["mean_diff"] == pytest.approx(400 * CLEAR.mean())
    assert clear["diff_ci_low"] > clear["margin"] and clear["runs"] == BASE_RUNS.size
    assert clear["margin"] == pytest.approx(0.02 * (400 * (BASE_RUNS + CLEAR)).mean())
    noisy = people[1000.0]
    assert noisy["diff_ci_low"] < 0 < noisy["diff_ci_high"]
    # impressions follow people here: the same calls
    imp = out.filter(pl.col("kpi") == "impressions").sort("budget")
    assert imp["shown"].to_list() == [False, True, False, False]


def test_the_tie_margin_decides_what_counts_as_a_trade_off() -> None:
    res = _results(_trade_off_runs())
    shown = lambda margin: (  # noqa: E731
        trade_offs(res, tie_margin=margin).filter(pl.col("kpi") == "people", "shown")["budget"]
    ).to_list()
    assert shown(0.02) == [2000.0]
    assert shown(0.0) == [2000.0, 3000.0]  # no margin: the real +0.5% counts too
    assert shown(0.2) == []  # +5% is within a 20% margin
    assert (
        shown(0.02)
        == trade_offs(_results(_trade_off_runs(), tie_margin=0.02))
        .filter(pl.col("kpi") == "people", "shown")["budget"]
        .to_list()
    )  # the campaign's margin by default


def test_trade_offs_of_other_objectives_and_older_folders() -> None:
    runs = _trade_off_runs()
    by_people = trade_offs(runs, "people")
    assert set(by_people["kpi"]) == {"engagements", "impressions"}
    at_2000 = by_people.filter(pl.col("budget") == 2000.0, pl.col("kpi") == "engagements").row(
        0, named=True
    )  # micro is recommended for people; imm has 500 more engagements in every run (0.5%)
    assert (at_2000["strategy"], at_2000["most"], at_2000["outcome"]) == ("micro", "imm", "tie")
    assert at_2000["mean_diff"] == pytest.approx(500.0) and not at_2000["shown"]
    in_graph = trade_offs(runs, "activated")
    assert set(in_graph["kpi"]) == {"engagements", "people", "impressions"}
    older = runs.drop("engagements", "people", "impressions")
    assert trade_offs(older, "activated").height == 0
    with pytest.raises(InputError, match="unknown objective"):
        trade_offs(runs, "likes")


# --------------------------------------------------------------------------- fingerprint


def test_settings_store_the_resolved_reach_rates_and_cpm(data: Path, tmp_path: Path) -> None:
    from pipeline.profiles.audience import DEFAULT_REACH_RATES
    from pipeline.valuation import DEFAULT_CPM

    cfg = load_config(_config(data, tmp_path / "out"))
    s = cfg.settings()
    assert s["reach_rate"] == {f"tier.{t}": r for t, r in DEFAULT_REACH_RATES.items()}
    assert s["default_cpm"] == DEFAULT_CPM
    assert s["tier_thresholds"] == [10_000, 100_000, 500_000, 1_000_000]
    json.dumps(s)  # the manifest's settings stay JSON
    given = BASE + "[projection]\nreach_rate = { micro = 0.2, instagram = { macro = 0.05 } }\n"
    given += "[valuation]\ndefault_cpm = 4.5\n"
    s = load_config(_config(data, tmp_path / "out", given, "given.toml")).settings()
    assert s["reach_rate"] == {
        "tier.nano": DEFAULT_REACH_RATES["nano"], "tier.micro": 0.2,
        "tier.mid": DEFAULT_REACH_RATES["mid"], "tier.macro": DEFAULT_REACH_RATES["macro"],
        "tier.mega": DEFAULT_REACH_RATES["mega"], "instagram.macro": 0.05,
    }  # fmt: skip
    assert s["default_cpm"] == 4.5
    flat = BASE + "[projection]\nreach_rate = 0.15\n"
    s = load_config(_config(data, tmp_path / "out", flat, "flat.toml")).settings()
    assert set(s["reach_rate"].values()) == {0.15} and len(s["reach_rate"]) == 5


def test_changed_default_rates_change_the_fingerprint_and_refuse_to_resume(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.profiles.audience as audience
    import pipeline.valuation as valuation

    path = _config(data, tmp_path / "out", BASE.replace('"macro", "imm"', '"macro"'), "fp.toml")
    first = run_campaign(path)
    assert first.cells_run == 1
    again = run_campaign(path)  # same code, same values: resumes
    assert (again.cells_run, again.cells_skipped, again.fingerprint) == (0, 1, first.fingerprint)
    with monkeypatch.context() as m:
        m.setitem(audience.DEFAULT_REACH_RATES, "micro", 0.5)
        assert prepare(load_config(path)).fingerprint != first.fingerprint
        with pytest.raises(InputError, match=r"reach_rate .*'tier\.micro': 0\.5"):
            run_campaign(path)
    with monkeypatch.context() as m:
        m.setitem(valuation.DEFAULT_CPM, "instagram", 9.99)
        assert prepare(load_config(path)).fingerprint != first.fingerprint
        with pytest.raises(InputError, match=r"default_cpm .*'instagram': 9\.99"):
            run_campaign(path)
    assert prepare(load_config(path)).fingerprint == first.fingerprint


def test_a_folder_that_stored_defaults_by_name_is_refused_naming_them(
    data: Path, tmp_path: Path
) -> None:
    """Folders written before the values were resolved stored "defaults" and None: their
    fingerprint differs once; the refusal says so, naming each such setting."""
    path = _config(data, tmp_path / "out", BASE.replace('"macro", "imm"', '"macro"'), "old.toml")
    out = run_campaign(path).output
    manifest = json.loads((out / "campaign.json").read_text())
    settings = manifest["settings"]
    settings |= {"reach_rate": "defaults", "default_cpm": None}
    settings.pop("tier_thresholds")
    manifest["fingerprint"] = "0123456789abcdef"
    (out / "campaign.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError) as info:
        run_campaign(path)
    msg = str(info.value)
    assert "was written before the default default_cpm, reach_rate, tier_thresholds" in msg
    assert "rerun into another output folder" in msg
    assert load_results(out).runs.collect().height == 40  # still readable


def test_a_heuristic_winner_names_the_optimiser_that_used_the_proxy() -> None:
    runs = _runs([("micro", 1000.0, BASE_RUNS, BASE_RUNS + CLEAR), ("imm", 1000.0, BASE_RUNS,
                   BASE_RUNS)])  # fmt: skip
    labels = {"micro": "nothing: a heuristic ranking", "imm": "people (weighted-exposure proxy)"}
    runs = runs.with_columns(pl.col("strategy").replace_strict(labels).alias("optimised"))
    res = _results(runs, objective={"used": "people"})
    (verdict,) = verdicts(res)["verdict"].to_list()
    assert verdict.startswith(
        "micro (micro) gives the most people reached (imm optimised through a "
        "weighted-exposure proxy; figures simulated) at 1 of 1 budget"
    ), verdict
    assert verdict.count("figures simulated") == 1
