"""Multigraphs and undirected edge lists (issue 28): ``duplicates`` max, noisy-or and
count, and ``undirected``, checked against exact live-edge answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.diffusion.exact import exact_ic
from pipeline.diffusion.models import build_model, transmit_probabilities
from pipeline.errors import InputError
from pipeline.graph_io import load_graph


def _file(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "edges.csv"
    path.write_text("source,target" + rows)
    return path


def test_duplicate_rules_combine_rows(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("source,target,probability,weight\na,b,0.5,0.25\na,b,0.5,0.25\nc,b,0.2,0.5\n")
    kw = dict(edge_meaning="influences")
    top = load_graph(path, **kw)
    assert top.m == 2 and top.multiplicity is None
    assert sorted(top.probability.tolist()) == pytest.approx([0.2, 0.5])
    assert "1 duplicate edges merged" in str(top.report)
    noisy = load_graph(path, duplicates="noisy-or", **kw)
    assert sorted(noisy.probability.tolist()) == pytest.approx([0.2, 0.75])
    assert sorted(noisy.weight.tolist()) == pytest.approx([0.5, 0.5])  # weights summed
    assert "combined by noisy-or" in str(noisy.report)
    count = load_graph(path, duplicates="count", **kw)
    assert sorted(count.multiplicity.tolist()) == [1, 2]
    assert "counted" in str(count.report)
    with pytest.raises(InputError, match="duplicates 'sum' is not one of max, noisy-or, count"):
        load_graph(path, duplicates="sum", **kw)


def test_counted_edges_are_repeated_chances(tmp_path: Path) -> None:
    """a -> c twice and b -> c once: uniform IC gives a -> c 1 - (1 - p)^2, WC 2/3 and 1/3;
    the spread from a equals the exact answer on the multigraph's own probabilities."""
    path = _file(tmp_path, "\na,c\na,c\nb,c\nc,d\n")
    g = load_graph(path, edge_meaning="influences", duplicates="count")
    ids = g.ids.to_list()
    edge = {
        (ids[u], ids[v]): e for e, (u, v) in enumerate(zip(g.edge_sources, g.out_idx, strict=True))
    }
    ic = transmit_probabilities(g, build_model(g, "ic", p=0.3))
    assert ic[edge[("a", "c")]] == pytest.approx(1 - 0.7**2)
    assert ic[edge[("b", "c")]] == pytest.approx(0.3)
    wc = transmit_probabilities(g, build_model(g, "wc"))
    assert wc[edge[("a", "c")]] == pytest.approx(2 / 3)
    assert wc[edge[("b", "c")]] == pytest.approx(1 / 3)
    lt = build_model(g, "lt").weight
    assert lt[edge[("a", "c")]] == pytest.approx(2 / 3)
    from pipeline.diffusion import simulate

    a = ids.index("a")
    exact = exact_ic(g, [a], ic).activated
    run = simulate(g, [a], "ic", p=0.3, runs=20_000, seed=4)
    se = run.activated.std() / np.sqrt(run.runs)
    assert abs(run.activated.mean() - exact) < 4 * se
    assert exact == pytest.approx(1 + 0.51 + 0.51 * 0.3)


def test_undirected_rows_are_read_both_ways(tmp_path: Path) -> None:
    path = _file(tmp_path, "\na,b\nb,c\n")
    g = load_graph(path, edge_meaning="influences", undirected=True)
    assert g.m == 4 and "read both ways" in str(g.report)
    ids = g.ids.to_list()
    pairs = {(ids[u], ids[v]) for u, v in zip(g.edge_sources, g.out_idx, strict=True)}
    assert pairs == {("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")}


def test_cli_and_campaign_take_the_options(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from pipeline.campaign import load_config
    from pipeline.cli import app

    path = _file(tmp_path, "\na,b\na,b\nb,c\n")
    runner = CliRunner()
    base = ["simulate", str(path), "--seeds", "a", "--model", "ic", "--p", "0.5"]
    base += ["--edge-meaning", "influences", "--runs", "4000", "--json"]
    r = runner.invoke(app, [*base, "--duplicates", "count"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert abs(got["mean_activated"] - 2.125) < 4 * got["stderr_activated"]  # 1 + .75 + .375
    r = runner.invoke(app, [*base, "--duplicates", "sum"])
    assert (
        r.exit_code == 2 and "--duplicates 'sum': expected one of max, noisy-or, count" in r.output
    )
    r = runner.invoke(app, ["info", str(path), "--undirected", "--edge-meaning", "influences"])
    assert r.exit_code == 0 and "6" in r.output
    cfg = tmp_path / "c.toml"
    (tmp_path / "p.csv").write_text("id,followers,cost\na,100,10\n")
    (tmp_path / "b.csv").write_text("brand,topics,budget\nx,food,100\n")
    text = (
        'output = "out"\n[inputs]\ngraph = "edges.csv"\nprofiles = "p.csv"\nbrands = "b.csv"\n'
        'duplicates = "{d}"\nundirected = true\n[grid]\nmodels = ["wc"]\nk = [2]\n'
    )
    cfg.write_text(text.format(d="count"))
    config = load_config(cfg)
    assert config.duplicates == "count" and config.undirected
    assert config.settings()["edges"] == {"duplicates": "count", "undirected": True}
    cfg.write_text(text.format(d="sum"))
    with pytest.raises(InputError, match=r"inputs.duplicates.*expected max, noisy-or or count"):
        load_config(cfg)
