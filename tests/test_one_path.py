"""One library path: the CLI and campaigns read graphs with :func:`pipeline.read_graph`,
GraphML and GML included, and give the library's numbers on the same input (info,
simulate, seed, overlap and rank against their library calls; simulate, overlap and
competitions with profiles and brands too, through the one brand view)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import pipeline as ip
from pipeline.cli import app
from pipeline.interop import write_gml, write_graphml
from pipeline.synth import generate, write_synthetic

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("one_path")
    write_synthetic(generate(nodes=400, seed=2, items_per_brand=0), folder)
    g = ip.read_graph(folder / "follows.csv")
    write_graphml(g, folder / "g.graphml")
    write_gml(g, folder / "g.gml")
    return folder


@pytest.mark.parametrize("name", ["follows.csv", "g.graphml", "g.gml"])
def test_info_reads_what_read_graph_reads(world: Path, name: str) -> None:
    lib = ip.read_graph(world / name)
    got = runner.invoke(app, ["info", str(world / name), "--json"])
    assert got.exit_code == 0, got.output
    facts = json.loads(got.stdout)
    assert (facts["nodes"], facts["edges"]) == (lib.n, lib.m)
    assert facts["path"] == str(world / name)  # the file, not "<igraph Graph>"
    # every format holds the same graph in the same direction
    csv = ip.read_graph(world / "follows.csv")
    assert np.array_equal(
        np.diff(lib.out_ptr)[np.argsort(lib.ids.cast(int).to_numpy())],
        np.diff(csv.out_ptr)[np.argsort(csv.ids.cast(int).to_numpy())],
    )


def test_simulate_gives_the_library_numbers_on_graphml(world: Path) -> None:
    path = world / "g.graphml"
    g = ip.read_graph(path)
    seeds = [str(x) for x in g.ids.head(3).to_list()]
    got = runner.invoke(
        app,
        [
            "simulate",
            str(path),
            "--seeds",
            ",".join(seeds),
            "--model",
            "ic",
            "--p",
            "0.1",
            "--runs",
            "300",
            "--seed",
            "4",
            "--json",
        ],
    )
    assert got.exit_code == 0, got.output
    cli = json.loads(got.stdout)
    lib = ip.simulate(g, [int(s) for s in seeds], "ic", p=0.1, runs=300, seed=4)
    assert cli["mean_activated"] == pytest.approx(float(lib.activated.mean()), abs=1e-12)
    assert cli["mean_exposed"] == pytest.approx(float(lib.exposed.mean()), abs=1e-12)


def test_edge_file_options_are_refused_for_graphml(world: Path) -> None:
    for flag in (["--source-col", "a"], ["--undirected"], ["--duplicates", "count"],
                 ["--header"]):  # fmt: skip
        got = runner.invoke(app, ["info", str(world / "g.graphml"), *flag])
        assert got.exit_code == 2, (flag, got.output)
        assert "applies to edge files, not to a GRAPHML graph" in got.output
    with pytest.raises(ip.InputError, match="source_col applies to edge files"):
        ip.read_graph(world / "g.graphml", source_col="a")


def test_a_campaign_reads_a_graphml_graph(world: Path, tmp_path: Path) -> None:
    from pipeline.campaign import load_config, prepare

    path = tmp_path / "c.toml"
    path.write_text(f"""
name = "g"
output = "{(tmp_path / "out").as_posix()}"
[inputs]
graph = "{(world / "g.graphml").as_posix()}"
profiles = "{(world / "profiles.csv").as_posix()}"
brands = "{(world / "brands.csv").as_posix()}"
[grid]
strategies = ["macro"]
k = [2]
""")
    cfg = load_config(path)
    assert cfg.edge_meaning == "influences"  # as read_graph: GraphML holds influence edges
    ctx = prepare(cfg)
    csv = ip.read_graph(world / "follows.csv")
    assert (ctx.graph.n, ctx.graph.m) == (csv.n, csv.m)


def test_seed_gives_the_library_plan(world: Path) -> None:
    from pipeline.seeding import select_seeds

    path = world / "follows.csv"
    got = runner.invoke(app, ["seed", str(path), "--strategy", "imm", "--k", "4", "--model",
                              "ic", "--p", "0.05", "--seed", "3", "--json"])  # fmt: skip
    assert got.exit_code == 0, got.output
    cli = json.loads(got.stdout)
    g = ip.read_graph(path)
    lib = select_seeds(g, "imm", k=4, model="ic", p=0.05, seed=3)
    assert [str(s["id"]) for s in cli["seeds"]] == [str(x) for x in lib.ids.to_list()]
    assert [s["marginal_gain"] for s in cli["seeds"]] == pytest.approx(
        lib.marginal_gain.tolist(), abs=1e-9
    )


def test_overlap_gives_the_library_numbers(world: Path) -> None:
    from pipeline.overlap import audience_overlap

    path = world / "g.graphml"
    g = ip.read_graph(path)
    ids = [int(x) for x in g.ids.head(3).to_list()]
    args = ["--ids", ",".join(map(str, ids)), "--model", "ic", "--p", "0.1", "--runs", "60"]
    got = runner.invoke(app, ["overlap", str(path), *args, "--seed", "2", "--json"])
    assert got.exit_code == 0, got.output
    cli = json.loads(got.stdout)
    lib = audience_overlap(g, g.index_of(ids), "ic", p=0.1, runs=60, seed=2).summary()
    assert cli["unique_reach"] == pytest.approx(lib["unique_reach"], abs=1e-9)
    assert cli["sum_individual"] == pytest.approx(lib["sum_individual"], abs=1e-9)


def test_rank_gives_the_library_table(world: Path, tmp_path: Path) -> None:
    import polars as pl

    from pipeline.profiles import load_brands, load_profiles
    from pipeline.seeding.rank import rank_candidates

    brand = pl.read_csv(world / "brands.csv")["brand"][0]
    out = tmp_path / "rank.csv"
    got = runner.invoke(app, ["rank", str(world / "follows.csv"), "--profiles",
                              str(world / "profiles.csv"), "--brands", str(world / "brands.csv"),
                              "--brand", brand, "--top", "10", "--out", str(out)])  # fmt: skip
    assert got.exit_code == 0, got.output
    cli = pl.read_csv(out)
    g = ip.read_graph(world / "follows.csv")
    lib = rank_candidates(g, load_profiles(world / "profiles.csv", g),
                          load_brands(world / "brands.csv"), brand, top=10)  # fmt: skip
    assert cli["id"].cast(pl.String).to_list() == lib["id"].cast(pl.String).to_list()
    assert cli["score"].to_list() == pytest.approx(lib["score"].to_list(), abs=1e-6)


def _brand_run(world: Path) -> tuple[ip.FollowerGraph, Any, Any, list[str], list[str]]:
    """The graph, profiles and brands of ``world``, two brand names and the
    command-line options that name the profiles and brands."""
    from pipeline.profiles import load_brands, load_profiles

    g = ip.read_graph(world / "follows.csv")
    prof, brands = load_profiles(world / "profiles.csv", g), load_brands(world / "brands.csv")
    opts = ["--profiles", str(world / "profiles.csv"), "--brands", str(world / "brands.csv")]
    return g, prof, brands, brands.names[:2], opts


def test_simulate_with_a_brand_gives_the_library_numbers(world: Path) -> None:
    g, prof, brands, (brand, _), opts = _brand_run(world)
    assert (prof.real_audience < 1).any()  # audience quality applies
    ids = [int(x) for x in g.ids.head(5).to_list()]
    got = runner.invoke(app, ["simulate", str(world / "follows.csv"), "--seeds",
                              ",".join(map(str, ids)), "--model", "wc", "--runs", "300",
                              "--seed", "4", "--brand", brand, *opts, "--json"])  # fmt: skip
    assert got.exit_code == 0, got.output
    cli = json.loads(got.stdout)
    assert cli["audience_quality"] is True and cli["brand"] == brand
    lib = ip.simulate(g, ids, "wc", runs=300, seed=4, profiles=prof, brands=brands, brand=brand)
    assert cli["mean_activated"] == float(lib.activated.mean())
    assert cli["mean_exposed"] == float(lib.exposed.mean())
    bare = ip.simulate(g, ids, "wc", runs=300, seed=4)
    assert cli["mean_exposed"] != float(bare.exposed.mean())  # the profiles made a difference


def test_overlap_with_a_brand_gives_the_library_numbers(world: Path) -> None:
    g, prof, brands, (brand, _), opts = _brand_run(world)
    ids = [int(x) for x in g.ids.head(3).to_list()]
    got = runner.invoke(app, ["overlap", str(world / "follows.csv"), "--ids",
                              ",".join(map(str, ids)), "--model", "wc", "--runs", "80",
                              "--seed", "2", "--brand", brand, *opts, "--json"])  # fmt: skip
    assert got.exit_code == 0, got.output
    cli = json.loads(got.stdout)
    assert cli["audience_quality"] is True
    lib = ip.audience_overlap(g, ids, "wc", runs=80, seed=2, profiles=prof, brands=brands,
                              brand=brand)  # fmt: skip
    s = lib.summary()
    for key in ("unique_reach", "sum_individual", "union_exposed", "mean_exposed_overlap"):
        assert cli[key] == s[key], key
    assert [r["mean_exposed"] for r in cli["per_candidate"]] == lib.mean_exposed.tolist()
    # overlap's unique reach is simulate's mean exposed with the same profiles
    joint = ip.simulate(g, ids, "wc", runs=80, seed=2, profiles=prof, brands=brands, brand=brand)
    assert cli["unique_reach"] == float(joint.exposed.mean())


def test_competition_with_brands_gives_the_library_numbers(world: Path) -> None:
    g, prof, brands, (a, b), opts = _brand_run(world)
    ids = [int(x) for x in g.ids.head(6).to_list()]
    seeds = {a: ids[:3], b: ids[3:]}
    spec = [f"{k}={','.join(map(str, v))}" for k, v in seeds.items()]
    got = runner.invoke(app, ["simulate", str(world / "follows.csv"), "--compete", spec[0],
                              "--compete", spec[1], "--model", "wc", "--runs", "300",
                              "--seed", "7", *opts, "--json"])  # fmt: skip
    assert got.exit_code == 0, got.output
    cli = json.loads(got.stdout)
    assert cli["brand_aware"] is True and cli["audience_quality"] is True
    lib = ip.compete(g, seeds, "wc", runs=300, seed=7, profiles=prof, brands=brands).summary()
    for row, want in zip(cli["brands"], lib.to_dicts(), strict=True):
        assert row["brand"] == want["brand"]
        for key in ("mean_adopters", "mean_alone", "share"):
            assert row[key] == want[key], key
    # each brand alone is simulate with its own brand view
    for i, (name, v) in enumerate(seeds.items()):
        alone = ip.simulate(g, v, "wc", runs=300, seed=7, profiles=prof, brands=brands,
                            brand=name)  # fmt: skip
        assert cli["brands"][i]["mean_alone"] == float(alone.activated.mean())
