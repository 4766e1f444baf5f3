"""Ambassadors in campaigns: ``[inputs] actions``, ``[costs] ambassador``, the
``[ambassadors]`` section, the cost-scenario cells and their verdicts."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.aggregate import load_results, verdicts
from pipeline.aggregate.scenarios import cost_per_unit, cost_scenario_verdicts
from pipeline.campaign import cells_of, load_config, prepare
from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.synth import generate, write_synthetic

runner = CliRunner()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("amb_data")
    write_synthetic(generate(nodes=1500, seed=5, items_per_brand=30), folder)
    assert (folder / "actions.csv").is_file()
    return folder


def _toml(data: Path, out: Path, *, strategies: str, extra: str = "", inputs: str = "") -> Path:
    path = data / f"c{abs(hash((strategies, extra, inputs, str(out)))) % 10**8}.toml"
    path.write_text(f"""
name = "a"
output = "{out.as_posix()}"
seed = 3
runs = 60
baseline = "micro"
[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"
{inputs}
[grid]
brands = ["freshbite"]
models = ["low-virality", "medium"]
strategies = {strategies}
budget_shares = [0.5]
[seeding]
max_creators = 10
estimate_rr_sets = 2000
{extra}
""")
    return path


def test_the_ambassador_keys_are_read_and_checked(data: Path, tmp_path: Path) -> None:
    strategies = '["micro", "ambassadors", "mixed"]'
    with pytest.raises(InputError, match=r"grid.strategies: 'ambassadors' enlists .*\[inputs\] "
                                         "actions"):  # fmt: skip
        load_config(_toml(data, tmp_path, strategies=strategies))
    actions = 'actions = "actions.csv"'
    cfg = load_config(_toml(data, tmp_path, strategies=strategies, inputs=actions,
                            extra="[costs]\nambassador = 40\n[ambassadors]\nhorizon = \"30d\"\n"
                                  "cost_scenarios = [0.5, 1, 3]"))  # fmt: skip
    assert cfg.ambassador_cost == 40 and cfg.ambassador_horizon == 30 * 86400
    assert cfg.cost_scenarios == (0.5, 3.0)
    assert cfg.scenarios() == ["ambassadors@0.5x", "ambassadors@3x", "mixed@0.5x", "mixed@3x"]
    assert cfg.settings()["ambassadors"]["cost"] == 40
    for bad, message in (
        ("[costs]\nambassador = -1", "costs.ambassador: expected a number >= 0"),
        ('[ambassadors]\nhorizon = "soon"', "ambassadors.horizon: expected a duration"),
        ("[ambassadors]\ncost_scenarios = [0]", "ambassadors.cost_scenarios: expected multiples"),
        ("[ambassadors]\nmin_actions = 0", "ambassadors.min_actions: expected an integer >= 1"),
        ("[ambassadors]\nshare = 1", "ambassadors.share: unknown key"),
    ):
        with pytest.raises(InputError, match=message):
            load_config(_toml(data, tmp_path, strategies=strategies, inputs=actions, extra=bad))
    with pytest.raises(InputError, match="only a strategy that enlists ambassadors"):
        load_config(_toml(data, tmp_path, strategies='["macro@2x"]', inputs=actions))


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_a_campaign_with_ambassadors_runs_and_judges_each_cost(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = _toml(data, out, strategies='["micro", "imm", "ambassadors", "mixed"]',
                 inputs='actions = "actions.csv"')  # fmt: skip
    cfg = load_config(path)
    ctx = prepare(cfg)
    pool = ctx.pools["freshbite"]
    assert pool.size > 10 and pool.cost == 25.0
    cells = cells_of(cfg, ctx.brands)
    scen = [c for c in cells if "@" in c.strategy]
    # the cost scenarios run under the plan model only, each at the one level
    assert sorted(c.strategy for c in scen) == ["ambassadors@0.5x", "ambassadors@2x",
                                                "mixed@0.5x", "mixed@2x"]  # fmt: skip
    assert {c.model.label for c in scen} == {"medium"}
    result = runner.invoke(app, ["campaign", str(path), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "at 0.5x the ambassador cost (12.50 each), under medium:" in result.output
    assert "cost per engagement at" in result.output
    res = load_results(out)
    seeds = res.seeds.filter(pl.col("strategy") == "ambassadors")
    assert seeds.height and (seeds["cost"] == 25.0).all()
    assert (seeds["role"] == "ambassador").all()  # who gets a gift, who a contract
    assert (res.seeds.filter(pl.col("strategy") == "micro")["role"] == "creator").all()
    mixed = res.seeds.filter(pl.col("strategy") == "mixed")
    assert ((mixed["role"] == "ambassador") == (mixed["cost"] == 25.0)).all()
    half = res.seeds.filter(pl.col("strategy") == "ambassadors@0.5x")
    assert (half["cost"] == 12.5).all()
    # the main verdicts never name a scenario; the scenario verdicts judge them as their base
    main = verdicts(res)
    assert not main["verdict"].str.contains("@").any()
    scen_v = cost_scenario_verdicts(res)
    assert scen_v["multiple"].to_list() == [0.5, 2.0]
    assert not scen_v["verdict"].str.contains("@").any()
    per = cost_per_unit(res).filter(pl.col("strategy") == "ambassadors").sort("multiple")
    costs = per["cost_per"].to_list()  # the same plan: spend scales with the cost
    assert costs[0] == pytest.approx(costs[1] / 2) and costs[2] == pytest.approx(costs[1] * 2)


def test_ambassador_cost_flag_changes_the_fingerprint(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out2"
    path = _toml(data, out, strategies='["micro", "ambassadors"]', inputs='actions = "actions.csv"')
    a = prepare(load_config(path)).fingerprint
    from dataclasses import replace

    b = prepare(replace(load_config(path), ambassador_cost=30.0)).fingerprint
    assert a != b
    bad = runner.invoke(app, ["campaign", str(path), "--ambassador-cost", "-3"])
    assert bad.exit_code == 2 and "--ambassador-cost must be a number >= 0" in bad.output


def test_the_ambassadors_command_shows_topic_relevance_without_excluding(data: Path) -> None:
    base = [str(data / "follows.csv"), "--actions", str(data / "actions.csv"), "--brand",
            "freshbite", "--profiles", str(data / "profiles.csv")]  # fmt: skip
    plain = runner.invoke(app, ["ambassadors", *base, "--top", "15", "--out",
                                str(data / "a.csv")])  # fmt: skip
    assert plain.exit_code == 0, plain.output
    fit = runner.invoke(app, ["ambassadors", *base, "--brands", str(data / "brands.csv"),
                              "--top", "15", "--out", str(data / "b.csv")])  # fmt: skip
    assert fit.exit_code == 0, fit.output
    a, b = pl.read_csv(data / "a.csv"), pl.read_csv(data / "b.csv")
    assert "relevance" in b.columns and "relevance" not in a.columns
    assert a["id"].to_list() == b["id"].to_list()  # shown, never excluding anyone
    known = b.filter(pl.col("profile_followers").is_not_null())
    assert known["relevance"].is_not_null().all()
    assert b.filter(pl.col("profile_followers").is_null())["relevance"].is_null().all()
    bad = runner.invoke(
        app,
        [
            "ambassadors",
            str(data / "follows.csv"),
            "--actions",
            str(data / "actions.csv"),
            "--brands",
            str(data / "brands.csv"),
        ],
    )
    assert bad.exit_code == 2 and "--brands needs --brand and --profiles" in bad.output


def test_seed_enlists_ambassadors_from_the_log_and_says_who_is_who(data: Path) -> None:
    base = ["seed", str(data / "follows.csv"), "--actions", str(data / "actions.csv"),
            "--brand", "freshbite", "--profiles", str(data / "profiles.csv"), "--brands",
            str(data / "brands.csv"), "--budget", "500", "--json"]  # fmt: skip
    got = runner.invoke(app, [*base, "--strategy", "ambassadors"])
    assert got.exit_code == 0, got.output
    import json

    seeds = json.loads(got.stdout)["seeds"]
    assert seeds and all(s["cost"] == 25.0 for s in seeds) and len(seeds) == 20
    paid = runner.invoke(app, [*base, "--strategy", "micro"])
    assert paid.exit_code == 2 and "--actions is read by the strategies that enlist" in paid.output
