"""Probes of issue 28 that each need one small guard: repeated seed IDs, stale temporary
files of a killed campaign."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.synth import generate, write_synthetic

runner = CliRunner()


def test_repeated_seed_ids_count_once(tmp_path: Path) -> None:
    edges = tmp_path / "f.csv"
    edges.write_text("follower,followed\nb,a\nc,a\nd,b\n")
    args = ["simulate", str(edges), "--model", "ic", "--p", "0.5", "--runs", "20"]
    r = runner.invoke(app, [*args, "--seeds", "a,a,a", "--json"])
    once = runner.invoke(app, [*args, "--seeds", "a", "--json"])
    assert r.exit_code == 0 and r.stdout == once.stdout
    r = runner.invoke(app, [*args, "--seeds", "a,a,b"])
    assert r.exit_code == 0 and "1 repeated seed ID(s) ignored; 2 distinct seed(s)" in r.output


def test_a_rerun_removes_a_killed_runs_temporary_files(tmp_path: Path) -> None:
    write_synthetic(generate(nodes=300, seed=2), tmp_path)
    out = tmp_path / "out"
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"""
output = "{out.as_posix()}"
runs = 20
[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"
[grid]
brands = ["freshbite"]
models = ["wc"]
strategies = ["macro"]
budgets = [2000]
""")
    assert runner.invoke(app, ["campaign", str(cfg), "-q"]).exit_code == 0
    stale = next((out / "runs").rglob("*.parquet")).parent / ".x.parquet.ab12.tmp"
    stale.write_bytes(b"half")
    assert runner.invoke(app, ["campaign", str(cfg), "-q"]).exit_code == 0
    assert not stale.exists()


def test_interop_inputs_that_used_to_crash(tmp_path: Path) -> None:
    """A GML node named NaN, a networkx node 2**70, nodes 1 and "1", a complex
    probability: a graph or one InputError, never a traceback."""
    import networkx as nx
    import pytest

    from pipeline.errors import InputError
    from pipeline.interop import from_networkx, read_gml

    gml = tmp_path / "g.gml"
    gml.write_text(
        'graph [\n directed 1\n node [ id 0 label "NaN" ]\n node [ id 1 label "007" ]\n'
        " edge [ source 0 target 1 ]\n]\n"
    )
    assert read_gml(gml).ids.to_list() == ["007", "NaN"]  # text: 007 keeps its zeros
    big = nx.DiGraph([(2**70, 1)])
    assert from_networkx(big).ids.to_list() == ["1", str(2**70)]  # beyond int64: text
    mixed = nx.DiGraph([(1, "1"), ("1", 2)])
    with pytest.raises(InputError, match=r"nodes 1 and '1' both read as account ID '1'"):
        from_networkx(mixed)
    cplx = nx.DiGraph()
    cplx.add_edge(1, 2, probability=1 + 2j)
    with pytest.raises(InputError, match=r"edge 0: 'probability' = \(1\+2j\); expected a real"):
        from_networkx(cplx)
