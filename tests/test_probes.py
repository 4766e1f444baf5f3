"""Probes of issue 28 that each need one small guard: repeated seed IDs, stale temporary
files of a killed campaign."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_min_relevance_without_a_brand_is_refused(tmp_path: Path) -> None:
    edges = tmp_path / "f.csv"
    edges.write_text("follower,followed\nb,a\nc,a\nd,b\n")
    args = ["seed", str(edges), "--k", "1", "--strategy", "imm"]
    r = runner.invoke(app, [*args, "--min-relevance", "0.5"])
    assert r.exit_code == 2
    assert "error: --min-relevance needs --brand" in r.output
    assert runner.invoke(app, args).exit_code == 0  # without it: the default, silently


def test_usage_errors_are_one_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console script's usage errors (unknown option, bad value, missing argument)
    print one ``error:`` line naming the option, not the option parser's box."""
    from pipeline.cli.common import run

    edges = tmp_path / "f.csv"
    edges.write_text("follower,followed\nb,a\n")
    cases = {
        ("simulate", str(edges), "--seedz", "a"): "No such option: --seedz",
        ("simulate", str(edges), "--seeds", "a", "--runs", "1e9"): "Invalid value for '--runs'",
        ("simulate",): "Missing argument 'graph'",
        ("nosuchcmd",): "No such command 'nosuchcmd'",
    }
    for args, want in cases.items():
        with pytest.raises(SystemExit) as stop:
            run(list(args))
        err = capsys.readouterr().err
        assert stop.value.code == 2, args
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and want in lines[0], err
    with pytest.raises(SystemExit) as stop:
        run(["simulate", str(edges), "--seeds", "a", "--runs", "5", "--json"])
    assert stop.value.code == 0
