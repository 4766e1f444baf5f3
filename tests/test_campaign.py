"""Campaign batches: config validation, the grid, common random numbers, resume, executors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.campaign import (
    FAULT_ENV,
    cell_cpm,
    cell_path,
    cells_of,
    load_config,
    prepare,
    run_campaign,
)
from pipeline.campaign.grid import derive_seed
from pipeline.cli import app
from pipeline.diffusion import simulate
from pipeline.errors import InputError
from pipeline.profiles import brand_sender_factor
from pipeline.synth import generate, write_synthetic

runner = CliRunner()
TABLES = ("runs", "seeds", "audience", "curves")

BASE = """
name = "t"
output = "out"
seed = 11
runs = 200
baseline = "macro"

[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"

[grid]
brands = ["freshbite", "pixelforge"]
models = ["wc"]
strategies = ["random", "macro", "micro", "imm"]
budgets = [300, 1500]

[seeding]
estimate_rr_sets = 2000
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("campaign_data")
    write_synthetic(generate(nodes=2000, seed=3), folder)
    return folder


def config(data: Path, tmp_path: Path, text: str = BASE, name: str = "c.toml") -> Path:
    """Write a campaign file into ``data`` whose output folder is inside ``tmp_path``."""
    path = data / name
    out = (tmp_path / "out").as_posix()
    path.write_text(text.replace('output = "out"', f'output = "{out}"'))
    return path


def frames(folder: Path) -> dict[str, pl.DataFrame]:
    """Every table of a results folder, sorted, for exact comparison."""
    out = {}
    for t in TABLES:
        files = sorted((folder / t).rglob("*.parquet"))
        df = pl.concat([pl.read_parquet(f) for f in files])
        out[t] = df.sort(df.columns[: min(len(df.columns), 10)])
    return out


def assert_same(a: Path, b: Path) -> None:
    fa, fb = frames(a), frames(b)
    for t in TABLES:
        assert fa[t].equals(fb[t]), f"{t} differs"


# --- configuration -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("runs = 200", "runs = [200"), "malformed TOML"),
        (lambda s: s.replace("runs = 200", "runs = 200\nrunz = 3"), "runz: unknown key"),
        (lambda s: s.replace('"micro"', '"nano-blast"'), "unknown strategy 'nano-blast'"),
        (lambda s: s.replace('"follows.csv"', '"nope.csv"'), "inputs.graph: no such file"),
        (lambda s: s.replace("[300, 1500]", "[-5, 1500]"), "grid.budgets: expected positive"),
        (lambda s: s.replace("budgets = [300, 1500]", "k = [0]"), "grid.k: expected positive"),
        (lambda s: s.replace('baseline = "macro"', 'baseline = "celf"'), "baseline: 'celf'"),
        (lambda s: s.replace('["wc"]', '["sir"]'), "unknown model 'sir'"),
        (lambda s: s.replace('["wc"]', '[{ name = "wc", p = 0.1 }]'), "p applies to ic only"),
        (lambda s: s.replace("runs = 200", "runs = 0"), "runs: expected an integer >= 1"),
        (lambda s: s.replace("budgets = [300, 1500]", ""), "no budgets, budget_shares or k"),
        (lambda s: s.replace("[seeding]", "[seeds]"), "seeds: unknown section"),
        (lambda s: s + "[valuation]\ndefault_cpm = -1\n", "valuation.default_cpm"),
        (
            lambda s: s.replace("budgets = [300, 1500]", "budget_shares = [0.5, 50]"),
            r"grid.budget_shares: 50 is more than the brand's whole budget",
        ),
        (
            lambda s: s + '[inputs.columns.graph]\nsrc = "a"\n',
            "inputs.columns.graph: unknown name 'src'; expected one of source, target",
        ),
        (
            lambda s: s + '[inputs.columns.actions]\nwhen = "t"\n',
            "inputs.columns.actions: unknown name 'when'; expected one of account, item, time",
        ),
        (lambda s: s + '[inputs.columns.edges]\nsource = "a"\n', "columns.edges: unknown table"),
        (lambda s: s + "[inputs.columns.brands]\nbudget = 3\n", "columns.brands.budget: expected"),
        (
            lambda s: s.replace('brands = "brands.csv"', 'brands = "brands.csv"\nheader = "no"'),
            "inputs.header: expected true or false",
        ),
        (
            lambda s: (
                s.replace('brands = "brands.csv"', 'brands = "brands.csv"\nsource_col = "a"')
                + '[inputs.columns.graph]\nsource = "b"\n'
            ),
            "inputs.columns.graph.source: also given as inputs.source_col",
        ),
    ],
)
def test_bad_configs_are_refused_with_the_key(
    data: Path, tmp_path: Path, edit: object, message: str
) -> None:
    path = config(data, tmp_path, edit(BASE))  # type: ignore[operator]
    with pytest.raises(InputError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_inputs_columns_map_every_table(data: Path, tmp_path: Path) -> None:
    """[inputs.columns.<table>] renames the graph's, profiles' and brands' columns, keeps
    the action log's for its loader, and is part of the results fingerprint."""
    pl.read_csv(data / "follows.csv").select(
        pl.col("followed").alias("whom"), pl.col("follower").alias("who")
    ).write_csv(data / "cols_follows.csv")
    pl.read_csv(data / "profiles.csv").rename({"id": "account", "handle": "name"}).write_csv(
        data / "cols_profiles.csv"
    )
    pl.read_csv(data / "brands.csv").rename({"budget": "money"}).write_csv(data / "cols_brands.csv")
    mapped = (
        BASE.replace('"follows.csv"', '"cols_follows.csv"')
        .replace('"profiles.csv"', '"cols_profiles.csv"')
        .replace('"brands.csv"', '"cols_brands.csv"')
        + '[inputs.columns.graph]\nsource = "who"\ntarget = "whom"\n'
        + '[inputs.columns.profiles]\nid = "account"\nhandle = "name"\n'
        + '[inputs.columns.brands]\nbudget = "money"\n'
        + '[inputs.columns.actions]\naccount = "user"\ntime = "ts"\n'
    )
    cfg = load_config(config(data, tmp_path, mapped, "cols.toml"))
    assert cfg.columns_of("actions") == {"account": "user", "time": "ts"}
    assert cfg.columns_of("graph") == {"source": "who", "target": "whom"}
    assert cfg.settings()["columns"]["profiles"] == {"handle": "name", "id": "account"}
    ctx, base = prepare(cfg), prepare(load_config(config(data, tmp_path, name="cols_base.toml")))
    assert ctx.graph.m == base.graph.m and ctx.graph.ids.equals(base.graph.ids)
    assert np.array_equal(ctx.graph.out_idx, base.graph.out_idx)
    assert ctx.profiles.table["handle"].equals(base.profiles.table["handle"])
    assert ctx.brands.table.equals(base.brands.table)
    assert "header" in str(ctx.graph.report)
    # The same files read through an identity mapping: another fingerprint.
    same = BASE + '[inputs.columns.graph]\nsource = "follower"\n'
    ctx2 = prepare(load_config(config(data, tmp_path, same, "cols_same.toml")))
    assert ctx2.graph.m == base.graph.m and ctx2.fingerprint != base.fingerprint
    assert "columns" not in base.config.settings() and "header" not in base.config.settings()
    forced = BASE.replace('brands = "brands.csv"', 'brands = "brands.csv"\nheader = true')
    cfg = load_config(config(data, tmp_path, forced, "cols_header.toml"))
    assert cfg.header is True and cfg.settings()["header"] is True
    # A mapped column the file lacks: named with the file when the campaign loads.
    bad = mapped.replace('target = "whom"', 'target = "nobody"')
    r = runner.invoke(app, ["campaign", str(config(data, tmp_path, bad, "cols_bad.toml"))])
    assert r.exit_code == 2 and "cols_follows.csv: no column 'nobody'" in r.output
    assert "(given for 'target' by inputs.columns.graph)" in r.output
    # An unknown key: one line naming the key.
    unknown = config(data, tmp_path, BASE + '[inputs.columns.graph]\nsrc = "a"\n', "cols_key.toml")
    r = runner.invoke(app, ["campaign", str(unknown)])
    assert r.exit_code == 2 and "inputs.columns.graph: unknown name 'src'" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_malformed_toml_names_line_and_column(data: Path, tmp_path: Path) -> None:
    path = config(data, tmp_path, BASE.replace("runs = 200", "runs = [200"))
    r = runner.invoke(app, ["campaign", str(path)])
    assert r.exit_code == 2
    assert "line" in r.output and "column" in r.output and "Traceback" not in r.output


def test_unknown_brand_and_infeasible_budget(data: Path, tmp_path: Path) -> None:
    path = config(data, tmp_path, BASE.replace('"pixelforge"]', '"acme"]'))
    with pytest.raises(InputError, match=r"grid.brands: unknown brand 'acme'.*freshbite"):
        prepare(load_config(path))
    path = config(data, tmp_path, BASE.replace("[300, 1500]", "[1, 1500]"))
    r = runner.invoke(app, ["campaign", str(path)])
    assert r.exit_code == 2 and "below the cheapest" in r.output
    assert not (tmp_path / "out").exists()  # nothing started


def test_cell_cpm_weights_seeds_by_marginal_reach(data: Path) -> None:
    import dataclasses

    cfg = load_config(config(data, data, name="cpm.toml"))
    ctx = prepare(cfg)
    n = ctx.graph.n
    cpm = np.full(n, np.nan)
    cpm[[0, 1]] = [10.0, 40.0]
    table = ctx.profiles.table.with_columns(pl.Series("cpm", cpm))
    prof = dataclasses.replace(ctx.profiles, table=table)
    nodes = np.array([0, 1, 2])
    from pipeline.valuation import DEFAULT_CPM

    # no default given: node 2 takes the documented CPM of its platform
    plat = prof.table["platform"][2]
    third = DEFAULT_CPM.get(plat, DEFAULT_CPM["*"]) if plat else DEFAULT_CPM["*"]
    assert cell_cpm(prof, nodes, [3.0, 1.0, 4.0], None) == pytest.approx(
        (30.0 + 40.0 + 4 * third) / 8.0
    )
    assert cell_cpm(prof, nodes, [3.0, 1.0, 4.0], 5.0) == pytest.approx((30.0 + 40.0 + 20.0) / 8.0)
    assert cell_cpm(prof, np.array([2]), [1.0], {"tiktok": 6.0}) is None
    assert cell_cpm(prof, np.array([0, 1]), [0.0, 0.0], None) == pytest.approx(25.0)
    platform = [None] * n
    platform[2], platform[3] = "tiktok", "instagram"
    prof = dataclasses.replace(
        prof, table=table.with_columns(pl.Series("platform", platform, dtype=pl.String))
    )
    per_platform = {"tiktok": 6.0, "*": 2.0}
    # node 2 (tiktok) -> 6, node 3 (instagram, not listed) -> the "*" default 2
    assert cell_cpm(prof, np.array([2, 3]), [1.0, 3.0], per_platform) == pytest.approx(3.0)
    assert cell_cpm(prof, np.array([3]), [1.0], {"tiktok": 6.0}) is None


def test_default_cpm_per_platform_in_the_config(data: Path, tmp_path: Path) -> None:
    text = BASE + '[valuation]\ndefault_cpm = { TikTok = 6.0, "*" = 2 }\n'
    cfg = load_config(config(data, tmp_path, text, "plat.toml"))
    assert cfg.default_cpm == {"tiktok": 6.0, "*": 2.0}
    bad = BASE + "[valuation]\ndefault_cpm = { tiktok = -1 }\n"
    with pytest.raises(InputError, match=r"valuation\.default_cpm\.tiktok"):
        load_config(config(data, tmp_path, bad, "plat2.toml"))


def test_grid_and_budget_shares(data: Path, tmp_path: Path) -> None:
    text = BASE.replace("budgets = [300, 1500]", "budget_shares = [0.1, 0.5]\nk = [3]")
    cfg = load_config(config(data, tmp_path, text))
    ctx = prepare(cfg)
    cells = cells_of(cfg, ctx.brands)
    assert len(cells) == 2 * 1 * 3 * 4
    fresh = {c.budget for c in cells if c.brand == "freshbite" and c.budget is not None}
    assert fresh == {1000.0, 5000.0}  # 10% and 50% of freshbite's 10,000
    assert {c.k for c in cells if c.k is not None} == {3}
    assert len({(c.brand, c.key) for c in cells}) == len(cells)


# --- running --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uninterrupted local run of the base campaign."""
    tmp = tmp_path_factory.mktemp("finished")
    report = run_campaign(config(data, tmp, name="finished.toml"))
    assert report.cells_run == report.cells_total == 16
    return report.output


def test_results_layout_and_contents(finished: Path, data: Path) -> None:
    f = frames(finished)
    runs = f["runs"]
    assert runs.height == 16 * 200
    counts = runs.group_by("cell").len()
    assert counts["len"].unique().to_list() == [200]
    assert runs.columns[:8] == [
        "cell",
        "brand",
        "model",
        "plan_model",
        "matched",
        "strategy",
        "budget",
        "k",
    ]
    assert {"run", "activated", "exposed", "steps", "cost_spent", "seeds_used"} <= set(runs.columns)
    assert (runs["cost_spent"] <= runs["budget"] + 1e-9).all()
    assert (runs["activated"] >= runs["seeds_used"]).all()
    assert (runs["exposed"] >= runs["activated"]).all()
    # no cpm column, no default: the documented CPM per platform values the impressions
    assert runs["cpm"].null_count() == 0 and runs["cpm"].is_between(1.0, 20.0).all()
    # every seed row belongs to a finished cell, and the seed counts agree
    per_cell = f["seeds"].group_by("cell").len().rename({"len": "n"})
    used = runs.group_by("cell").agg(pl.col("seeds_used").first()).join(per_cell, on="cell")
    assert (used["seeds_used"] == used["n"]).all()
    seeds = f["seeds"]
    assert seeds["overlap_above"].is_between(0.0, 1.0).all()
    assert (seeds.filter(pl.col("rank") == 1)["overlap_above"] == 0.0).all()
    # the audience by tier adds up to the mean activated
    aud = f["audience"].group_by("cell").agg(pl.col("expected_activated").sum())
    mean = runs.group_by("cell").agg(pl.col("activated").mean())
    both = aud.join(mean, on="cell")
    assert np.allclose(both["expected_activated"], both["activated"])
    curves = f["curves"].group_by("cell").agg(pl.col("mean_cumulative").last())
    both = curves.join(mean, on="cell")
    assert np.allclose(both["mean_cumulative"], both["activated"])


def test_cells_of_one_brand_and_model_share_random_numbers(finished: Path, data: Path) -> None:
    """Run r of every cell of a brand saw one live-edge graph: the union of two cells'
    seeds, simulated with the brand's run keys, activates at least as many in every run."""
    f = frames(finished)
    cfg = load_config(data / "finished.toml")
    ctx = prepare(cfg)
    fresh = f["seeds"].filter(pl.col("brand") == "freshbite")
    a = fresh.filter((pl.col("strategy") == "macro") & (pl.col("budget") == 1500))
    b = fresh.filter((pl.col("strategy") == "micro") & (pl.col("budget") == 300))
    union = ctx.graph.index_of(a["id"].to_list() + b["id"].to_list())
    sim = simulate(
        ctx.graph,
        union,
        "wc",
        runs=200,
        seed=derive_seed(11, "simulate", "freshbite", "wc"),
        sender_factor=brand_sender_factor(ctx.profiles, ctx.brands, "freshbite"),
    )
    runs = f["runs"].filter(pl.col("brand") == "freshbite")
    for cell in (a["cell"][0], b["cell"][0]):
        act = runs.filter(pl.col("cell") == cell).sort("run")["activated"].to_numpy()
        assert (sim.activated >= act).all()
        assert (sim.activated > act).any()


def test_local_tasks_choose_a_brands_plans_before_its_cells(data: Path, tmp_path: Path) -> None:
    from pipeline.campaign.executors import plan_tasks
    from pipeline.campaign.grid import cells_of
    from pipeline.campaign.plan_sims import plan_key

    cfg = load_config(config(data, tmp_path, name="tasks.toml"))
    cells = cells_of(cfg, prepare(cfg).brands)
    tasks = plan_tasks(cells)
    assert [c for k, c in tasks if k == "cell"] == cells  # every cell once, in grid order
    plans = [plan_key(c) for k, c in tasks if k == "plan"]
    assert len(plans) == len(set(plans)) == len({plan_key(c) for c in cells})
    assert len({c.brand for c in cells}) > 1
    for i, (kind, cell) in enumerate(tasks):  # no plan of a cell's brand comes after it
        if kind == "cell":
            assert all(c.brand != cell.brand for k, c in tasks[i:] if k == "plan")


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_same_results_with_any_number_of_workers(
    data: Path, tmp_path: Path, finished: Path, workers: int
) -> None:
    """``finished`` ran with the default (one cell thread per CPU); one cell at a time
    and three cell threads sharing the RR-set caches give the same files."""
    report = run_campaign(config(data, tmp_path, name=f"w{workers}.toml"), workers=workers)
    assert_same(report.output, finished)


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_killed_run_resumes_to_the_same_results(data: Path, tmp_path: Path, finished: Path) -> None:
    path = config(data, tmp_path, name="killed.toml")
    env = {**os.environ, FAULT_ENV: "kill-driver-after:5"}
    cmd = [sys.executable, "-m", "pipeline.cli", "campaign", str(path), "--quiet"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 137, first.stderr
    out = tmp_path / "out"
    assert len(list((out / "runs").rglob("*.parquet"))) == 5
    again = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "11 cells run, 5 already done" in again.stderr
    assert_same(out, finished)
    assert not list(out.rglob("*.tmp"))
    # a third run has nothing left to do
    report = run_campaign(path)
    assert report.cells_run == 0 and report.cells_skipped == 16


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_no_resume_recomputes_identically(data: Path, tmp_path: Path, finished: Path) -> None:
    path = config(data, tmp_path, BASE.replace('"pixelforge"', '"glowhaus"'), "nr.toml")
    first = run_campaign(path)
    cfg = load_config(path)
    cell = cells_of(cfg, prepare(cfg).brands)[0]
    runs_file = cell_path(first.output, "runs", cell)
    before = runs_file.stat().st_mtime_ns
    second = run_campaign(path, resume=False)
    assert second.cells_run == 16 and runs_file.stat().st_mtime_ns > before
    fr = frames(first.output)["runs"].filter(pl.col("brand") == "freshbite")
    assert fr.equals(frames(finished)["runs"].filter(pl.col("brand") == "freshbite"))


def test_grid_can_grow_but_settings_cannot_change(data: Path, tmp_path: Path) -> None:
    small = BASE.replace('"random", "macro", "micro", "imm"', '"macro", "micro"')
    path = config(data, tmp_path, small, "grow.toml")
    assert run_campaign(path).cells_run == 8
    path = config(data, tmp_path, BASE, "grow.toml")
    grown = run_campaign(path)
    assert (grown.cells_run, grown.cells_skipped) == (8, 8)
    path = config(data, tmp_path, BASE.replace("seed = 11", "seed = 12"), "grow.toml")
    r = runner.invoke(app, ["campaign", str(path)])
    assert r.exit_code == 2
    assert "different campaign" in r.output and "seed 11 -> 12" in r.output
    assert "refusing to mix" in r.output


def test_foreign_folder_is_refused(data: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a campaign results folder"):
        run_campaign(config(data, tmp_path, name="foreign.toml"))
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


# --- Ray ------------------------------------------------------------------------------


@pytest.mark.slow
def test_ray_gives_identical_results_despite_a_dead_worker(
    data: Path, tmp_path: Path, finished: Path
) -> None:
    ray = pytest.importorskip("ray")
    marker = tmp_path / "worker-killed"
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {FAULT_ENV: f"kill-worker-once:{marker}"}},
    )
    try:
        report = run_campaign(config(data, tmp_path, name="ray.toml"), executor="ray")
    finally:
        ray.shutdown()
    assert marker.exists(), "the fault was not injected"
    assert report.cells_run == 16
    assert_same(report.output, finished)


# --- reading results from the CLI -------------------------------------------------------


def test_cli_summarize_compare_export(finished: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.csv"
    r = runner.invoke(app, ["summarize", str(finished), "--out", str(out)])
    assert r.exit_code == 0, r.output
    summary = pl.read_csv(out)
    assert summary.height == 16 and "activated_ci_low" in summary.columns
    r = runner.invoke(app, ["compare", str(finished), "--baseline", "random"])
    assert r.exit_code == 0, r.output
    assert "over random on average" in r.output
    assert "freshbite (wc):" in r.output and "pixelforge (wc):" in r.output
    out = tmp_path / "cand.json"
    r = runner.invoke(
        app, ["export", "candidates", str(finished), "--brand", "freshbite", "--top", "3",
              "--budget", "1500", "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    cand = pl.read_json(out)
    assert cand["rank"].to_list() == [1, 2, 3] and (cand["budget"] == 1500).all()
    best = summary.filter((pl.col("brand") == "freshbite") & (pl.col("budget") == 1500)).sort(
        "mean_activated", descending=True
    )
    assert cand["strategy"][0] == best["strategy"][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "{res}", "--baseline", "celf"], "celf"),
        (["export", "candidates", "{res}", "--brand", "acme"], "unknown brand 'acme'"),
        (["export", "candidates", "{res}", "--brand", "freshbite", "--budget", "7"], "budget 7"),
        (["summarize", "{tmp}"], "not a campaign results folder"),
        (["summarize", "{tmp}/nope"], "no such results folder"),
    ],
)
def test_cli_results_errors(finished: Path, tmp_path: Path, args: list[str], message: str) -> None:
    argv = [a.format(res=finished, tmp=tmp_path) for a in args]
    r = runner.invoke(app, argv)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


# --- competing brands ------------------------------------------------------------------


def test_competition_section(data: Path, tmp_path: Path) -> None:
    from pipeline.aggregate import competition_summary, load_results
    from pipeline.diffusion.compete import compete

    text = BASE.replace('"random", "macro", "micro", "imm"', '"macro", "micro"')
    text += '[competition]\nbrands = ["freshbite", "pixelforge"]\n'
    path = config(data, tmp_path, text, "compete.toml")
    report = run_campaign(path)
    res = load_results(report.output)
    comp = res.competition
    assert comp.height == 2 * 2 * 2 * 200  # strategies x levels x brands x runs
    assert (comp["adopters"] <= comp["alone"]).all()  # same live-edge graph per brand
    summary = competition_summary(res)
    assert summary.height == 8
    shares = summary.group_by("strategy", "level").agg(pl.col("share").sum())
    assert np.allclose(shares["share"], 1.0)
    assert (summary["loss"] >= 0).all() and (summary["loss_share"] <= 1).all()
    # one contest, recomputed by hand from the cells' seeds, gives the same numbers
    cfg = load_config(path)
    ctx = prepare(cfg)
    seeds = {
        b: ctx.graph.index_of(
            res.seeds.filter(
                (pl.col("brand") == b) & (pl.col("strategy") == "micro") & (pl.col("budget") == 300)
            ).sort("rank")["id"]
        )
        for b in ("freshbite", "pixelforge")
    }
    direct = compete(
        ctx.graph,
        seeds,
        "wc",
        runs=200,
        seed=derive_seed(11, "compete", "wc", "freshbite", "pixelforge"),
        sender_factors={
            b: brand_sender_factor(ctx.profiles, ctx.brands, b) for b in ("freshbite", "pixelforge")
        },
        quality=ctx.quality(),  # the profiles' audience quality, as in every cell
    ).to_polars()
    assert ctx.quality() is not None
    mine = comp.filter((pl.col("strategy") == "micro") & (pl.col("level") == "budget 300"))
    joined = mine.join(direct, on=["brand", "run"], suffix="_direct")
    assert joined.height == 400 and (joined["adopters"] == joined["adopters_direct"]).all()
    r = runner.invoke(app, ["compare", str(report.output)])
    assert r.exit_code == 0 and "competing brands" in r.output
    # resuming does not redo the contests
    assert run_campaign(path).cells_run == 0


def test_competition_config_errors(data: Path, tmp_path: Path) -> None:
    one = BASE + '[competition]\nbrands = ["freshbite"]\n'
    with pytest.raises(InputError, match="two or more brands"):
        load_config(config(data, tmp_path, one, "c1.toml"))
    other = BASE + '[competition]\nbrands = ["freshbite", "glowhaus"]\n'
    with pytest.raises(InputError, match=r"'glowhaus' is not one of grid\.brands"):
        load_config(config(data, tmp_path, other, "c2.toml"))
    lt = BASE.replace('["wc"]', '["lt"]') + '[competition]\nbrands = ["freshbite", "pixelforge"]\n'
    with pytest.raises(InputError, match="cascade models"):
        load_config(config(data, tmp_path, lt, "c3.toml"))


def test_audience_quality_reaches_the_cells(data: Path, tmp_path: Path) -> None:
    profiles = pl.read_csv(data / "profiles.csv").with_columns(pl.lit(0.3).alias("real_audience"))
    profiles.write_csv(data / "profiles_q.csv")
    profiles.drop("real_audience").write_csv(data / "profiles_1.csv")  # all real
    small = BASE.replace('"random", "macro", "micro", "imm"', '"macro"').replace(
        "[300, 1500]", "[1500]"
    )
    plain = run_campaign(
        config(data, tmp_path / "a", small.replace("profiles.csv", "profiles_1.csv"), "q0.toml")
    )
    fake = run_campaign(
        config(data, tmp_path / "b", small.replace("profiles.csv", "profiles_q.csv"), "q1.toml")
    )
    assert prepare(load_config(data / "q0.toml")).quality() is None
    ctx = prepare(load_config(data / "q1.toml"))
    q, has = ctx.quality(), ctx.profiles.has_profile
    assert np.allclose(q[has], 0.3) and np.allclose(q[~has], 1.0)  # no profile: all real
    a, b = frames(plain.output)["runs"], frames(fake.output)["runs"]
    assert b["exposed"].mean() < 0.8 * a["exposed"].mean()


def test_corrupt_or_foreign_runs_files_are_named(finished: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "res"
    shutil.copytree(finished, copy)
    victim = sorted((copy / "runs").rglob("*.parquet"))[0]
    victim.write_text("not parquet")
    for cmd in (["summarize", str(copy)], ["report", str(copy), "--out", str(tmp_path / "r.html")]):
        r = runner.invoke(app, cmd)
        assert r.exit_code == 2, r.output
        assert victim.name in r.output and "not a readable Parquet runs table" in r.output
    pl.DataFrame({"run": [0], "activated": [1]}).write_parquet(victim)
    r = runner.invoke(app, ["compare", str(copy)])
    assert r.exit_code == 2 and "missing column(s)" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "r.html").exists()


def test_optimizers_record_a_certified_ratio(data: Path, tmp_path: Path) -> None:
    """imm and opim cells carry their certified ratio in the runs table and the
    summary (one value per cell, in (0, 1]); the other strategies carry null."""
    from pipeline.aggregate import load_results, summarize

    text = (
        BASE.replace('"random", "macro", "micro", "imm"', '"macro", "imm", "opim"').replace(
            'brands = ["freshbite", "pixelforge"]', 'brands = ["freshbite"]'
        )
        + "epsilon = 0.1\n"
    )
    out = run_campaign(config(data, tmp_path, text, "cert.toml")).output
    runs = frames(out)["runs"]
    per_cell = runs.group_by("strategy", "cell").agg(
        pl.col("certified_ratio").n_unique().alias("values"),
        pl.col("certified_ratio").first().alias("ratio"),
    )
    assert (per_cell["values"] == 1).all()
    macro = per_cell.filter(pl.col("strategy") == "macro")
    assert macro["ratio"].is_null().all()
    opt = per_cell.filter(pl.col("strategy") != "macro")
    assert opt.height == 4 and ((opt["ratio"] > 0) & (opt["ratio"] <= 1)).all()
    assert (opt.filter(pl.col("strategy") == "opim")["ratio"] >= 1 - 1 / np.e - 0.1).all()
    summary = summarize(load_results(out))
    assert summary.filter(pl.col("strategy") == "opim")["certified_ratio"].is_not_null().all()


# --- the results folder in other tools ---------------------------------------------------

ODD_BRANDS = ("Fresh Bite", "Fresh&Bite", "a=b")


@pytest.fixture(scope="module")
def odd_names(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished campaign whose brand names collide as slugs and look like partitions."""
    tmp = tmp_path_factory.mktemp("odd")
    brands = pl.read_csv(data / "brands.csv").head(3)
    brands.with_columns(pl.Series("brand", ODD_BRANDS)).write_csv(data / "odd_brands.csv")
    text = (
        BASE.replace('"brands.csv"', '"odd_brands.csv"')
        .replace('["freshbite", "pixelforge"]', '["Fresh Bite", "Fresh&Bite", "a=b"]')
        .replace('["random", "macro", "micro", "imm"]', '["macro", "micro"]')
        .replace("[300, 1500]", "[300]")
        .replace("runs = 200", "runs = 20")
    )
    return run_campaign(config(data, tmp, text, name="odd.toml")).output


def test_results_read_back_with_exact_brand_names_in_every_tool(odd_names: Path) -> None:
    from pipeline.aggregate import load_results

    runs = odd_names / "runs"
    folders = sorted(p.name for p in runs.iterdir())
    assert len(folders) == 3 and not any("=" in f for f in folders)
    want = sorted(ODD_BRANDS)
    per_tool = {
        "load_results": load_results(odd_names).runs.collect()["brand"],
        "polars": pl.read_parquet(runs / "**" / "*.parquet")["brand"],
        "polars scan folder": pl.scan_parquet(runs).collect()["brand"],
    }
    pd = pytest.importorskip("pandas")
    pa_ds = pytest.importorskip("pyarrow.dataset")
    duckdb = pytest.importorskip("duckdb")
    per_tool["pandas"] = pl.Series(pd.read_parquet(runs)["brand"].astype(str).tolist())
    for partitioning in (None, "hive"):
        table = pa_ds.dataset(runs, format="parquet", partitioning=partitioning).to_table()
        per_tool[f"pyarrow {partitioning}"] = pl.Series(table.column("brand").to_pylist())
    rows = duckdb.sql(f"select brand from read_parquet('{runs.as_posix()}/**/*.parquet')")
    per_tool["duckdb"] = pl.Series([r[0] for r in rows.fetchall()])
    for tool, col in per_tool.items():
        assert sorted(col.unique().to_list()) == want, tool
        assert col.len() == 3 * 2 * 20, tool  # 3 brands x 2 strategies x 20 runs
        assert col.value_counts()["count"].to_list() == [40, 40, 40], tool


def test_load_results_keeps_every_documented_column(odd_names: Path) -> None:
    from pipeline.aggregate import load_results
    from pipeline.schema import TABLES

    res = load_results(odd_names)
    for table in ("seeds", "audience", "curves", "overlap"):
        got = getattr(res, table)
        assert got.columns == [c.name for c in TABLES[table]], table
        written = pl.read_parquet(odd_names / table / "**" / "*.parquet")
        assert set(written.columns) == set(got.columns), table  # nothing undocumented
    assert res.runs.collect_schema().names() == [c.name for c in TABLES["runs"]]
    assert res.seeds["cumulative_cost"].null_count() == 0
    assert res.seeds["cumulative_stderr"].null_count() == 0


def test_schema_document_is_generated_from_the_code() -> None:
    from pipeline.schema import schema_markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "results-schema.md"
    assert doc.read_text(encoding="utf-8") == schema_markdown(), (
        "docs/results-schema.md is stale: run `python -m pipeline.schema > docs/results-schema.md`"
    )


def test_old_layout_reads_but_does_not_resume(data: Path, tmp_path: Path, odd_names: Path) -> None:
    import json
    import shutil

    old = tmp_path / "out"
    shutil.copytree(odd_names, old)
    manifest = json.loads((old / "campaign.json").read_text())
    manifest["format"] = "influence-campaign/1"
    (old / "campaign.json").write_text(json.dumps(manifest))
    from pipeline.aggregate import load_results

    assert load_results(old).runs.collect().height == 120
    cfg = data / "odd.toml"
    with pytest.raises(InputError, match=r"older version \(influence-campaign/1"):
        run_campaign(cfg, output=old)


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_disk_full_mid_campaign_says_so_and_resumes(
    data: Path, tmp_path: Path, finished: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 9th table written fails as a full disk would: one line naming the file and
    the finished cells, exit 2, no temporary file; the rerun completes the same files."""
    import pipeline.export.files as export

    cfg = config(data, tmp_path, name="full.toml")
    real = export._write
    calls = [0]

    def full(df: pl.DataFrame, dest: object, fmt: str, *, bom: bool) -> None:
        calls[0] += 1
        if calls[0] == 9:  # cells write 5 tables each: the 2nd cell's 4th table
            raise OSError(28, "No space left on device")
        real(df, dest, fmt, bom=bom)  # type: ignore[arg-type]

    monkeypatch.setattr(export, "_write", full)
    r = runner.invoke(app, ["campaign", str(cfg), "--workers", "1", "-q"])
    assert r.exit_code == 2, r.output
    msg = " ".join(r.output.split())
    assert "could not be written (No space left on device)" in msg
    assert "The 1 finished cell(s) in" in msg and "rerun to resume" in msg
    assert "Traceback" not in r.output
    out = tmp_path / "out"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert len(list((out / "runs").rglob("*.parquet"))) == 1
    # the resume fills the disk too, two cells later: it says so and keeps those cells
    calls[0] = -5  # 2 more cells (10 tables), then the 4th table of a 3rd fails
    r = runner.invoke(app, ["campaign", str(cfg), "--workers", "1", "-q"])
    assert r.exit_code == 2, r.output
    assert "The 3 finished cell(s) in" in " ".join(r.output.split())
    assert len(list((out / "runs").rglob("*.parquet"))) == 3
    monkeypatch.setattr(export, "_write", real)
    r = runner.invoke(app, ["campaign", str(cfg), "-q"])
    assert r.exit_code == 0, r.output
    assert_same(out, finished)


def test_summarize_out_and_read_only_campaign_faults(
    data: Path, tmp_path: Path, finished: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    import pipeline.export.files as export

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write", full)
    target = tmp_path / "summary.csv"
    r = runner.invoke(app, ["summarize", str(finished), "--out", str(target)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    msg = " ".join(r.output.split())
    assert "summary.csv: could not be written (No space left on device); nothing was written" in msg
    assert not target.exists() and not list(tmp_path.glob(".*.tmp"))
    monkeypatch.undo()

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    cfg = config(data, tmp_path, name="ro.toml")
    r = runner.invoke(app, ["campaign", str(cfg), "-q"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "campaign.json: cannot write into the folder" in " ".join(r.output.split())
    assert "Read-only file system" in r.output


def test_unwritable_campaign_output(data: Path, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    cfg = config(data, tmp_path, name="blocked.toml")
    r = runner.invoke(app, ["campaign", str(cfg), "--output", str(tmp_path / "afile" / "out")])
    assert r.exit_code == 2
    assert "afile is a file, not a folder" in " ".join(r.output.split())
    r = runner.invoke(app, ["campaign", str(cfg), "--output", str(tmp_path / "afile")])
    assert r.exit_code == 2
    assert "exists and is not a campaign results folder" in " ".join(r.output.split())


def test_json_and_out_together_write_both(finished: Path, tmp_path: Path) -> None:
    import json

    for cmd in ("summarize", "compare"):
        target = tmp_path / f"{cmd}.parquet"
        r = runner.invoke(app, [cmd, str(finished), "--json", "--out", str(target)])
        assert r.exit_code == 0, r.output
        rows = json.loads(r.stdout)["rows"]
        assert pl.read_parquet(target).height == len(rows) > 0
        r = runner.invoke(app, [cmd, str(finished), "--json", "--out", "-"])
        assert r.exit_code == 2 and "both write to standard output" in r.output


def test_calibrated_model_in_the_grid(data: Path, tmp_path: Path) -> None:
    from pipeline.diffusion.model_file import FORMAT, toml_text

    model = data / "fitted.toml"
    model.write_text(toml_text({"format": FORMAT, "method": "global-p", "p": 0.02}))
    text = BASE.replace('models = ["wc"]', 'models = ["calibrated:fitted.toml", "wc"]').replace(
        '"random", "macro", "micro", "imm"', '"macro"'
    )
    res = run_campaign(config(data, tmp_path, text, "cal.toml"))
    runs = frames(res.output)["runs"]
    assert {m.split("@")[0] for m in runs["model"].unique()} == {"calibrated:fitted", "wc"}
    # used as fitted: no sender factor, no audience-quality thinning
    ctx = prepare(load_config(data / "cal.toml"))
    m = ctx.model(ctx.config.models[0])
    assert (m.kind, m.p, m.brand_aware) == ("ic", 0.02, False)
    # a refit changes the fingerprint: the old results are not reused
    model.write_text(toml_text({"format": FORMAT, "method": "global-p", "p": 0.03}))
    with pytest.raises(InputError, match="calibrated_models"):
        run_campaign(config(data, tmp_path, text, "cal.toml"))
    model.write_text("format = 'something else'\n")
    with pytest.raises(InputError, match=r"grid\.models"):
        load_config(data / "cal.toml")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s: "\ufeff" + s, "byte-order mark"),
        (
            lambda s: s.replace("runs = 200", "runs = " + "[" * 5000 + "1" + "]" * 5000),
            "nested too deep",
        ),
        (lambda s: s.replace('output = "out"', 'output = "o\\u0000t"'), "NUL character"),
        (lambda s: s.replace('output = "out"', f'output = "{"x" * 300}"'), "at most 255"),
    ],
)
def test_odd_campaign_files_get_one_clean_line(
    data: Path, tmp_path: Path, edit: Any, expected: str
) -> None:
    path = data / "odd.toml"
    text = edit(BASE).replace('output = "out"', f'output = "{(tmp_path / "out").as_posix()}"')
    path.write_text(text, encoding="utf-8")
    r = runner.invoke(app, ["campaign", str(path)])
    assert r.exit_code == 2, r.output
    assert expected in r.output and "Traceback" not in r.output
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit)
