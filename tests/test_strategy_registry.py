"""One registry for every strategy: the built-ins with family, plain words, help and
flags; a user's strategy in the names, the CLI and select_seeds; run_strategy a lookup."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner
from worlds import small

from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.seeding import make_problem, registry, run_strategy, select_seeds
from pipeline.seeding.registry import (
    FAMILIES,
    StrategyOptions,
    built_in,
    family_of,
    get_strategy,
    is_model_dependent,
    plain_name,
    register_builtin,
    register_strategy,
    strategy_names,
    unregister_strategy,
)
from pipeline.testing import check_strategy

ORDER = ("random", "macro", "macro-any", "micro", "efficient", "pagerank",
         "degree-discount", "community", "celf", "imm", "opim", "robust", "ambassadors",
         "mixed")  # fmt: skip
runner = CliRunner()


def test_every_builtin_has_family_plain_words_and_help() -> None:
    assert built_in() == ORDER and strategy_names()[: len(ORDER)] == ORDER
    for name in ORDER:
        s = get_strategy(name)
        assert s.name == name and s.family and s.plain and s.help, s
        assert "\n" not in s.help and plain_name(name) == s.plain and family_of(name) == s.family
    # the plan reads the model's edge probabilities: the optimizers and degree-discount
    assert {n for n in ORDER if is_model_dependent(n)} == {"degree-discount", "celf", "imm",
                                                           "opim", "mixed"}  # fmt: skip
    assert {n for n in ORDER if get_strategy(n).uses_rr} == {"imm", "opim", "robust", "mixed"}
    assert {n for n in ORDER if get_strategy(n).needs_models} == {"robust"}
    assert {n for n in ORDER if family_of(n) == "optimized"} == {"celf", "imm", "opim", "robust",
                                                                 "mixed"}  # fmt: skip
    # whom they enlist: the action log's ambassadors, or them and the paid creators
    assert {n: get_strategy(n).pool for n in ORDER if get_strategy(n).pool != "paid"} == {
        "ambassadors": "ambassadors", "mixed": "mixed"}  # fmt: skip
    assert family_of("mixed@0.5x") == "optimized" and is_model_dependent("ambassadors@2x") is False
    assert dict(FAMILIES) == {n: family_of(n) for n in ORDER} and "mine" not in FAMILIES
    assert plain_name("imm") == "the optimized plan"
    assert plain_name("gone") == "gone" and family_of("gone") == "other"
    assert is_model_dependent("gone")  # unknown: the cautious answer
    with pytest.raises(InputError, match="unknown strategy 'gone'; expected one of random, macro"):
        get_strategy("gone")


def _fewest_followed(problem):
    """Score: fewest followers in the graph first."""
    return -np.diff(problem.graph.out_ptr).astype(np.float64)


@pytest.fixture()
def mine() -> Iterator[str]:
    name = "fewest-followed"
    register_strategy(name, _fewest_followed, family="micro", plain="the least followed",
                      help="fewest in-graph followers first")  # fmt: skip
    yield name
    unregister_strategy(name)


def test_a_registered_strategy_is_named_offered_by_the_cli_and_runs(
    mine: str, tmp_path: Path
) -> None:
    assert mine in strategy_names() and mine not in built_in()
    assert plain_name(mine) == "the least followed" and family_of(mine) == "micro"
    assert not is_model_dependent(mine)
    g, prof, brands = small()
    s = select_seeds(g, mine, k=3, model="wc", profiles=prof, brands=brands,
                     brand=brands.names[0], estimate_rr_sets=300)  # fmt: skip
    assert len(s.nodes) == 3 and s.info["custom"]
    # the CLI reads its choices and help from the registry when it is invoked
    wide = runner.invoke(app, ["seed", "--help"], env={"COLUMNS": "4000"})
    flat = re.sub(r"[\s│]+", "", wide.output)
    # other tests' strategies may be registered too: built-ins first, then this one last
    assert "|opim|robust|" in flat and f"|{mine}>" in flat
    assert f"{mine}(fewestin-graphfollowers" in flat
    edges = tmp_path / "f.csv"
    edges.write_text("follower,followed\nb,a\nc,a\nd,a\nc,b\nd,b\ne,c\na,c\n")
    r = runner.invoke(app, ["seed", str(edges), "--strategy", mine, "--k", "2", "--json"])
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    assert payload["strategy"] == mine  # d and e: nobody follows them
    assert {x["id"] for x in payload["seeds"]} == {"d", "e"}
    unregister_strategy(mine)
    r = runner.invoke(app, ["seed", str(edges), "--strategy", mine, "--k", "2"])
    assert r.exit_code == 2 and f"'{mine}' is not one of 'random'" in " ".join(r.output.split())


def test_run_strategy_is_a_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """No strategy is named in run_strategy: an entry registered like a built-in runs,
    with the options it was given."""
    source = inspect.getsource(run_strategy)
    assert not [name for name in ORDER if f'"{name}"' in source]
    built_in()  # the built-ins loaded before their table is swapped for a copy
    monkeypatch.setattr(registry, "_BUILTINS", dict(registry._BUILTINS))
    seen: list[StrategyOptions] = []

    def twin(problem, options):
        seen.append(options)
        return get_strategy("macro").fn(problem, options)

    register_builtin("macro-twin", twin, family="macro", plain="a twin", help="macro again")
    assert built_in() == (*ORDER, "macro-twin")
    g, prof, brands = small()
    problem = make_problem(g, k=4, model="wc", profiles=prof, brands=brands,
                           brand=brands.names[0])  # fmt: skip
    models = {"wc": problem}
    nodes, _ = run_strategy(problem, "macro-twin", epsilon=0.2, celf_runs=7, models=models)
    np.testing.assert_array_equal(nodes, run_strategy(problem, "macro")[0])
    assert seen == [StrategyOptions(epsilon=0.2, celf_runs=7, rr_pool=None, models=models)]
    s = select_seeds(g, "macro-twin", k=4, model="wc", profiles=prof, brands=brands,
                     brand=brands.names[0], estimate_rr_sets=300)  # fmt: skip
    assert s.info["optimised"] == "nothing: a heuristic ranking"
    check_strategy("macro-twin")
    # epsilon is checked by the strategies that use it, and only by them
    run_strategy(problem, "macro", epsilon=1.5)
    for name in ("imm", "opim"):
        with pytest.raises(InputError, match=r"epsilon must be in \(0, 1\), got 1.5"):
            run_strategy(problem, name, epsilon=1.5)
