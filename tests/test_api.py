"""The front door: ``import pipeline`` names, account IDs in and out, shared defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pipeline as ip
from pipeline.diffusion import simulate as simulate_idx
from pipeline.errors import InputError
from pipeline.graph_io import load_graph

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def g():
    return load_graph(ROOT / "data" / "follows.csv")


def test_front_door_names_resolve_and_import_lazily() -> None:
    assert ip.__all__ == sorted(["__version__", *ip._WHERE])
    for name in ip.__all__:
        assert getattr(ip, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = ip.nope  # type: ignore[attr-defined]
    code = "import sys, pipeline; print('numba' in sys.modules, 'polars' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]  # `import pipeline` loads nothing heavy


def test_simulate_takes_account_ids(g) -> None:
    by_id = ip.simulate(g, [1336, "1755"], runs=300, seed=4)  # the CLI's default model: wc
    by_idx = simulate_idx(g, g.index_of([1336, 1755]), "wc", runs=300, seed=4)
    assert np.array_equal(by_id.activated, by_idx.activated)
    with pytest.raises(InputError, match=r"unknown seed ID\(s\) 424242424"):
        ip.simulate(g, [424242424], runs=10)


def test_select_seeds_returns_ids_and_honours_id_lists(g) -> None:
    plan = ip.select_seeds(g, "imm", k=5, exclude=[1336], include=[1755])  # no p needed: wc
    assert "node" not in plan.columns and plan.height == 5
    ids = plan["id"].to_list()
    assert ids[0] == 1755 and 1336 not in ids  # forced first, excluded absent
    assert (plan["cumulative_reach"].diff().drop_nulls() >= 0).all()


def test_compare_seed_sets_is_paired(g) -> None:
    a, b = [1336], [1336, 1755, 4308]
    same = ip.compare_seed_sets(g, a, a, runs=200, seed=2)
    assert same["diff_activated"] == 0 and same["diff_activated_ci_low"] == 0
    vs = ip.compare_seed_sets(g, a, b, runs=400, seed=2)
    ra = simulate_idx(g, g.index_of(a), "wc", runs=400, seed=2)
    rb = simulate_idx(g, g.index_of(b), "wc", runs=400, seed=2)
    d = rb.activated.astype(float) - ra.activated.astype(float)
    assert vs["diff_activated"] == pytest.approx(d.mean())
    assert (d >= 0).all()  # common random numbers: a superset never reaches fewer
    lo, hi = vs["diff_activated_ci_low"], vs["diff_activated_ci_high"]
    assert lo < d.mean() < hi
    # narrower than the interval two independent samples would give
    unpaired = 1.97 * np.sqrt(ra.activated.var(ddof=1) / 400 + rb.activated.var(ddof=1) / 400)
    assert (hi - lo) / 2 < unpaired
    one = ip.compare_seed_sets(g, a, b, runs=1)
    assert one["diff_activated_ci_low"] is None  # no interval from one run


def test_overlap_and_compete_take_ids(g) -> None:
    ov = ip.audience_overlap(g, [1336, 1755], runs=50)
    assert ov.per_candidate()["id"].to_list() == [1336, 1755]
    c = ip.compete(g, {"a": [1336], "b": ["1755"]}, runs=50)
    assert c is not None


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_readme_python_api_example_runs(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    text = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")  # the API guide
    section = text.split("## From a graph to a budgeted plan", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0].strip()
    assert len([ln for ln in code.splitlines() if ln.strip()]) <= 14
    monkeypatch.chdir(ROOT)
    exec(compile(code, "docs/python-api.md", "exec"), {})  # the guide's own example
    assert capsys.readouterr().out.strip() == shown  # the output printed there, exactly


def test_front_door_names_are_never_shadowed_by_submodules() -> None:
    """Importing every submodule (as any call may) leaves each front-door name the
    function or class it documents, never a module of the same name."""
    import importlib
    import pkgutil
    import types

    for info in pkgutil.walk_packages(ip.__path__, "pipeline."):
        if info.name.startswith("pipeline.cli") or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
    for name in ip._WHERE:
        value = getattr(ip, name)
        assert not isinstance(value, types.ModuleType), name
        assert callable(value), name
