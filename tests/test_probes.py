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
