"""One library path, part two: the commands that read action logs (calibrate, backtest,
ambassadors), centrality, generate, convert-cascades, and the campaign with the commands
over its results folder (summarize, compare, cross-model, export candidates) give the
numbers of their library calls on the same input. The CLI's JSON, table or files and the
library's are compared exactly."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

import pipeline as ip
from pipeline.cli import app
from pipeline.synth import generate, write_synthetic

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("one_path_tables")
    write_synthetic(generate(nodes=600, seed=5, items_per_brand=25, ambassadors=4), folder)
    return folder


def cli(*args: object) -> str:
    got = runner.invoke(app, [str(a) for a in args])
    assert got.exit_code == 0, got.output
    return got.stdout


def test_centrality(world: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.parquet"
    cli("centrality", world / "follows.csv", "--measures", "followers,pagerank,coreness",
        "--out", out, "--quiet")  # fmt: skip
    lib = ip.centrality(ip.read_graph(world / "follows.csv"), ["followers", "pagerank", "coreness"])
    assert_frame_equal(pl.read_parquet(out), lib.table)


def test_calibrate(world: Path, tmp_path: Path) -> None:
    got = json.loads(cli("calibrate", world / "follows.csv", "--actions", world / "actions.csv",
                         "--method", "global-p", "--out", tmp_path / "m.toml", "--bootstrap",
                         "5", "--seed", "3", "--horizon", "10d", "--json"))  # fmt: skip
    g = ip.read_graph(world / "follows.csv")
    run = ip.calibrate(g, world / "actions.csv", "global-p", bootstrap=5, seed=3, horizon="10d")
    lib = json.loads(json.dumps(run.summary()))  # the same JSON types
    for key in ("method", "p", "p_ci", "adoptions", "branching_factor", "sensitivity"):
        assert got[key] == lib[key], key
    assert (tmp_path / "m.toml").is_file()


def test_backtest(world: Path) -> None:
    args = (
        "--models",
        "ic:0.02,wc",
        "--runs",
        "20",
        "--bootstrap",
        "5",
        "--seed",
        "2",
        "--horizon",
        "10d",
    )
    got = json.loads(cli("backtest", world / "follows.csv", "--actions", world / "actions.csv",
                         "--brand", "freshbite", *args, "--json"))  # fmt: skip
    g = ip.read_graph(world / "follows.csv")
    res = ip.backtest(g, world / "actions.csv", brand="freshbite", models="ic:0.02,wc",
                      runs=20, bootstrap=5, seed=2, horizon=10 * 86400)  # fmt: skip
    assert got == json.loads(json.dumps(res.to_json(), default=str))


def test_ambassadors(world: Path) -> None:
    got = json.loads(cli("ambassadors", world / "follows.csv", "--actions",
                         world / "actions.csv", "--brand", "wanderly", "--top", "8",
                         "--horizon", "10d",
                         "--profiles", world / "profiles.csv", "--brands", world / "brands.csv",
                         "--json"))  # fmt: skip
    g = ip.read_graph(world / "follows.csv")
    lib = ip.rank_ambassadors(g, world / "actions.csv", brand="wanderly", top=8, horizon="10d",
                              profiles=ip.load_profiles(world / "profiles.csv", g),
                              brands=ip.load_brands(world / "brands.csv"))  # fmt: skip
    assert [r["account"] for r in got["ambassadors"]] == lib["id"].to_list()
    assert [r["credit"] for r in got["ambassadors"]] == pytest.approx(lib["credit"].to_list())
    assert "relevance" in lib.columns


CAMPAIGN = """
name = "one-path"
output = "{out}"
seed = 4
runs = 60

[inputs]
graph = "{data}/follows.csv"
profiles = "{data}/profiles.csv"
brands = "{data}/brands.csv"

[grid]
brands = ["freshbite"]
models = ["wc"]
strategies = ["macro", "micro", "imm"]
budgets = [400, 1200]

[seeding]
estimate_rr_sets = 1000
"""


@pytest.fixture(scope="module")
def campaign(world: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same campaign run by the CLI and by the library, in two folders."""
    tmp = tmp_path_factory.mktemp("one_path_campaign")
    folders = []
    for who in ("cli", "lib"):
        cfg = tmp / f"{who}.toml"
        cfg.write_text(CAMPAIGN.format(out=(tmp / who).as_posix(), data=world.as_posix()))
        if who == "cli":
            cli("campaign", cfg, "--quiet")
        else:
            ip.run_campaign(cfg, progress=False)
        folders.append(tmp / who)
    return folders[0], folders[1]


def test_campaign_cli_and_library_write_the_same_results(campaign: tuple[Path, Path]) -> None:
    a, b = (ip.load_results(f) for f in campaign)
    key = ["cell", "run"]
    assert_frame_equal(a.runs.collect().sort(key), b.runs.collect().sort(key))


def test_summarize_and_compare(campaign: tuple[Path, Path]) -> None:
    folder = campaign[0]
    res = ip.load_results(folder)
    got = json.loads(cli("summarize", folder, "--json"))["rows"]
    lib = ip.summarize(res)
    assert len(got) == lib.height
    mean = {(r["strategy"], r["budget"]): r["mean_activated"] for r in got}
    for row in lib.iter_rows(named=True):
        assert mean[(row["strategy"], row["budget"])] == pytest.approx(row["mean_activated"])
    got_cmp = json.loads(cli("compare", folder, "--json"))
    lib_cmp = ip.compare(res)
    rows = got_cmp["rows"] if isinstance(got_cmp, dict) else got_cmp
    assert len(rows) == lib_cmp.height


def test_export_candidates(campaign: tuple[Path, Path], tmp_path: Path) -> None:
    folder = campaign[0]
    out = tmp_path / "cand.parquet"
    cli("export", "candidates", folder, "--brand", "freshbite", "--out", out, "--quiet")
    lib = ip.candidates(ip.load_results(folder), brand="freshbite")
    assert_frame_equal(pl.read_parquet(out), lib)


def test_cross_model(campaign: tuple[Path, Path]) -> None:
    from pipeline.aggregate import cross_model, cross_model_verdicts

    folder = campaign[0]
    got = json.loads(cli("cross-model", folder, "--json"))
    res = ip.load_results(folder)
    lib = json.loads(json.dumps(cross_model(res).to_dicts(), default=str))
    assert len(got["rows"]) == len(lib) > 0
    assert [r["regret"] for r in got["rows"]] == pytest.approx([r["regret"] for r in lib])
    assert [r["verdict"] for r in got["verdicts"]] == cross_model_verdicts(res)["verdict"].to_list()


def test_generate(tmp_path: Path) -> None:
    cli("generate", tmp_path / "cli", "--nodes", "300", "--seed", "8", "--quiet")
    (tmp_path / "lib").mkdir()
    write_synthetic(generate(nodes=300, seed=8), tmp_path / "lib")
    names = sorted(p.name for p in (tmp_path / "lib").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "cli").iterdir())
    for name in names:
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "lib" / name).read_bytes()


def test_convert_cascades(tmp_path: Path) -> None:
    from pipeline.calibration.formats import convert_cascades

    src = tmp_path / "cascades.txt"
    src.write_text("1 0,2 5,3 9\n4 1.5,1 7\n\n2 3,5 4\n")
    cli("convert-cascades", src, "--format", "forest", "--out", tmp_path / "cli.csv", "--quiet")
    lib = convert_cascades(src, "forest", tmp_path / "lib.csv")
    assert (tmp_path / "cli.csv").read_bytes() == (tmp_path / "lib.csv").read_bytes()
    assert lib.height == 7 and lib["item"].n_unique() == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [(-5, "horizon must be a positive number of seconds"),
     (float("nan"), "horizon must be a positive number"),
     ("soon", "horizon: expected a duration"), ("0d", "horizon must be positive")],
)  # fmt: skip
def test_library_durations_are_checked(value: object, message: str) -> None:
    from pipeline.api_logs import seconds
    from pipeline.errors import InputError

    with pytest.raises(InputError, match=message):
        seconds(value)  # type: ignore[arg-type]
    assert seconds("2h") == 7200.0 and seconds(60) == 60.0
