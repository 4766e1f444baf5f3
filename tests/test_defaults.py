"""One set of defaults: the library's functions and the CLI's options read pipeline.defaults."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import typer.main
from typer.testing import CliRunner

import pipeline as ip
from pipeline import defaults
from pipeline.cli import app
from pipeline.diffusion import simulate as simulate_idx
from pipeline.diffusion.model_ref import resolve as resolve_model
from pipeline.errors import InputError
from pipeline.graph_io import from_edges, load_graph
from pipeline.seeding import select_seeds

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

# Parameters whose default must be pipeline.defaults' wherever they appear.
SHARED = {
    "runs": defaults.RUNS,
    "seed": defaults.SEED,
    "epsilon": defaults.EPSILON,
    "celf_runs": defaults.CELF_RUNS,
    "estimate_rr_sets": defaults.ESTIMATE_RR_SETS,
    "min_relevance": defaults.MIN_RELEVANCE,
}


@pytest.fixture(scope="module")
def g():
    return load_graph(ROOT / "data" / "follows.csv")


def test_resolve_model() -> None:
    assert resolve_model(None).kind == defaults.MODEL == "wc"
    m = resolve_model(None, p=0.1)
    assert (m.kind, m.p) == ("ic", 0.1)
    with pytest.raises(InputError, match="ic model only"):
        resolve_model("lt", p=0.1)  # p belongs to ic
    probs = from_edges(np.array([0]), np.array([1]), pl.Series([0, 1]), probability=np.array([0.5]))
    assert resolve_model(None, graph=probs).kind == "ic"
    medium = resolve_model("medium")
    assert (medium.kind, medium.p) == ("ic", 0.025)
    assert resolve_model("ic:0.02").p == 0.02


def test_cli_options_read_the_library_defaults() -> None:
    """Every command option named like a shared setting defaults to pipeline.defaults."""
    click_app = typer.main.get_command(app)
    seen = 0
    for group in [click_app, *getattr(click_app, "commands", {}).values()]:
        commands = getattr(group, "commands", {"": group})
        for cmd in commands.values():
            for param in cmd.params:
                if param.name in SHARED and param.name != "seed" and param.default is not None:
                    want = SHARED[param.name]
                    if (cmd.name, param.name) == ("overlap", "runs"):
                        want = defaults.OVERLAP_RUNS
                    if (cmd.name, param.name) == ("backtest", "runs"):
                        want = defaults.BACKTEST_RUNS
                    assert param.default == want, (cmd.name, param.name)
                    seen += 1
                if param.name == "model":
                    assert param.default is None, cmd.name  # resolved by defaults.resolve_model
    assert seen >= 4


def test_library_functions_read_the_defaults() -> None:
    from pipeline.diffusion import compete
    from pipeline.overlap import audience_overlap
    from pipeline.seeding.rank import rank_candidates

    for fn in (select_seeds, ip.simulate, ip.compare_seed_sets, ip.compete, simulate_idx,
               compete, audience_overlap, ip.audience_overlap, rank_candidates):  # fmt: skip
        params = inspect.signature(fn).parameters
        shared = dict(SHARED, runs=defaults.OVERLAP_RUNS) if "overlap" in fn.__name__ else SHARED
        for name, value in shared.items():
            if name in params and params[name].default is not inspect.Parameter.empty:
                # None: resolved to the default inside (min_relevance when a brand is given)
                assert params[name].default in (value, None), (fn.__qualname__, name)
        if "model" in params and params["model"].default is not inspect.Parameter.empty:
            assert params["model"].default is None, fn.__qualname__


def test_no_model_means_wc_or_ic_with_p_in_library_and_cli(g, tmp_path: Path) -> None:
    plain = select_seeds(g, "imm", k=3, seed=2)
    wc = select_seeds(g, "imm", k=3, seed=2, model="wc")
    assert list(plain.nodes) == list(wc.nodes)
    with_p = select_seeds(g, "imm", k=3, seed=2, p=0.05)  # p alone means ic (no error)
    ic = select_seeds(g, "imm", k=3, seed=2, p=0.05, model="ic")
    assert list(with_p.nodes) == list(ic.nodes)

    args = ["simulate", str(ROOT / "data" / "follows.csv"), "--seeds", "1336,1755", "--runs",
            "50", "--json"]  # fmt: skip
    out = json.loads(runner.invoke(app, args).stdout)
    lib = ip.simulate(g, [1336, 1755], runs=50)
    assert out["model"] == "wc" and out["mean_activated"] == pytest.approx(lib.activated.mean())
    out_p = json.loads(runner.invoke(app, [*args, "--p", "0.05"]).stdout)
    lib_p = ip.simulate(g, [1336, 1755], runs=50, p=0.05)
    assert out_p["model"] == "ic" and out_p["mean_activated"] == pytest.approx(
        lib_p.activated.mean()
    )
