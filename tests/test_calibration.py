"""Calibration: the evidence and likelihood on hand-worked logs, recovery of planted
parameters, the forecast kernel against exact answers, model files and bad input."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from cascade_sim import continuous_ic_log, discrete_ic_log

from pipeline.calibration import likelihood as lk
from pipeline.calibration import load_actions, place_on
from pipeline.calibration.backtest import backtest
from pipeline.calibration.evidence import gather_evidence
from pipeline.calibration.fit import calibrate
from pipeline.calibration.forecast import forecast_runs
from pipeline.calibration.metrics import spearman
from pipeline.calibration.save import parse_duration, save_calibration
from pipeline.diffusion import simulate
from pipeline.diffusion.model_ref import resolve as resolve_model
from pipeline.errors import InputError
from pipeline.graph_io import from_edges

BIG = 1e12  # a boundary past every window


def _graph(edges: list[tuple[str, str]], names: str = "abcdefgh"):
    """Edges (u, v) in influence direction: u's posts reach v (v follows u)."""
    ids = pl.Series(list(names))
    pos = {c: i for i, c in enumerate(names)}
    src = np.array([pos[u] for u, _ in edges])
    dst = np.array([pos[v] for _, v in edges])
    return from_edges(src, dst, ids)


def _log(tmp_path: Path, rows: list[tuple], name: str = "log.csv", **cols):
    df = pl.DataFrame(rows, schema=["account", "item", "time", *cols], orient="row")
    path = tmp_path / name
    df.write_csv(path)
    return load_actions(path)


def _evidence(g, log, horizon=100.0, boundary=BIG, step=0.0):
    c = place_on(log, g)
    return gather_evidence(
        g, c, np.arange(c.n_items), horizon=horizon, boundary=boundary, step=step
    )


def test_two_parents_and_a_failure(tmp_path: Path) -> None:
    # c follows a and b; d follows a. a and b adopt, then c; d never does.
    g = _graph([("a", "c"), ("b", "c"), ("a", "d")], "abcd")
    ev = _evidence(g, _log(tmp_path, [("a", 1, 0.0), ("b", 1, 1.0), ("c", 1, 2.0)]))
    assert (ev.adoptions, ev.initiators, ev.failures) == (3, 2, 1)
    assert ev.succ_k.tolist() == [2] and sorted(ev.par_credit.tolist()) == [0.5, 0.5]
    p = 0.3
    by_hand = math.log(1 - (1 - p) ** 2) + math.log(1 - p)
    assert lk.global_log_likelihood(ev, p) == pytest.approx(by_hand, rel=1e-12)
    # dL/dp = 2q / (1 - q^2) - 1 / q = 0 at q^2 = 1/3
    assert lk.fit_global_p(ev) == pytest.approx(1 - 1 / math.sqrt(3), rel=1e-9)


def test_simultaneous_adopters_explain_nothing(tmp_path: Path) -> None:
    g = _graph([("a", "b")], "ab")
    ev = _evidence(g, _log(tmp_path, [("a", 1, 5.0), ("b", 1, 5.0)]))
    assert (ev.adoptions, ev.initiators, ev.failures, ev.succ_k.size) == (2, 2, 0, 0)
    with pytest.raises(InputError, match="no adoption in the fit data has a parent"):
        lk.fit_global_p(ev)


def test_adoption_after_the_horizon_is_a_failure(tmp_path: Path) -> None:
    g = _graph([("a", "b"), ("a", "c")], "abc")
    ev = _evidence(g, _log(tmp_path, [("a", 1, 0.0), ("b", 1, 50.0), ("c", 1, 500.0)]))
    assert (ev.adoptions, ev.failures, ev.succ_k.tolist()) == (2, 1, [1])
    assert lk.fit_global_p(ev) == pytest.approx(0.5, rel=1e-9)  # one success, one failure


def test_censored_window_is_left_out(tmp_path: Path) -> None:
    g = _graph([("a", "b"), ("a", "c")], "abc")
    log = _log(tmp_path, [("a", 1, 0.0), ("b", 1, 10.0), ("a", 2, 200.0), ("c", 2, 210.0)])
    ev = _evidence(g, log, horizon=100.0, boundary=250.0)  # item 2's window ends at 300
    assert ev.censored_items == 1 and ev.n_items == 1
    assert (ev.adoptions, ev.failures) == (2, 1)  # item 1 only: b adopted, c did not


def test_via_credits_the_recorded_parent_only(tmp_path: Path) -> None:
    g = _graph([("a", "c"), ("b", "c")], "abc")
    rows = [("a", 1, 0.0, ""), ("b", 1, 1.0, ""), ("c", 1, 2.0, "b")]
    ev = _evidence(g, _log(tmp_path, rows, via=None))
    assert ev.succ_k.tolist() == [1]
    assert g.out_idx[ev.par_edge].tolist() == [2] and g.edge_sources[ev.par_edge].tolist() == [1]


def test_step_aware_parents_and_failures(tmp_path: Path) -> None:
    # a (bin 0) -> b (bin 1) -> c (bin 3): c's only earlier in-neighbour b is two bins back.
    g = _graph([("a", "b"), ("b", "c"), ("a", "c")], "abc")
    log = _log(tmp_path, [("a", 1, 0.0), ("b", 1, 1.0), ("c", 1, 3.0)])
    ev = _evidence(g, log, step=1.0)
    assert ev.succ_k.tolist() == [1]  # b, from a
    assert ev.failures == 2  # a -> c (c not in bin 1), b -> c (c not in bin 2)
    assert ev.initiators == 2  # a, and c (no parent in the previous bin)


def test_wc_scale_and_branching_factor(tmp_path: Path) -> None:
    g = _graph([("a", "b"), ("c", "b"), ("a", "d")], "abcd")  # in-degree of b: 2, of d: 1
    ev = _evidence(g, _log(tmp_path, [("a", 1, 0.0), ("b", 1, 1.0)]))
    # success on b (k=1, p = c/2), failure on d (p = c): maximise log(c/2) + log(1 - c)
    assert lk.fit_wc_scale(g, ev) == pytest.approx(0.5, rel=1e-6)
    # R for uniform p: p * sum(kin * kout) / sum(kin) (b and d have no followers)
    assert lk.branching_factor(g, 0.5) == 0.0
    chain = _graph([("a", "b"), ("b", "c")], "abc")
    assert lk.branching_factor(chain, 0.5) == pytest.approx(0.5 * 1 / 2)
    assert lk.branching_factor(chain, np.array([0.5, 0.25])) == pytest.approx(0.5 * 0.25 / 0.75)


def _exact_activated(g, p: np.ndarray, seeds: list[int]) -> float:
    """Expected activations by live-edge enumeration (every subset of edges)."""
    total = 0.0
    for live in itertools.product((0, 1), repeat=g.m):
        w = np.prod([p[e] if x else 1 - p[e] for e, x in enumerate(live)])
        seen, stack = set(seeds), list(seeds)
        while stack:
            u = stack.pop()
            for e in range(g.out_ptr[u], g.out_ptr[u + 1]):
                v = int(g.out_idx[e])
                if live[e] and v not in seen:
                    seen.add(v)
                    stack.append(v)
        total += w * len(seen)
    return total


def test_forecast_kernel_matches_live_edge_enumeration() -> None:
    g = _graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("b", "d")], "abcd")
    p = np.array([0.6, 0.3, 0.2, 0.5, 0.7], dtype=np.float32)
    runs = 20000
    two = [np.array([0], np.int32), np.array([1], np.int32)]
    f = forecast_runs(
        g, two, p, np.zeros(runs, np.int32), item_key=np.array([0, 1]), seed=3, cap=10
    )
    for i, s in enumerate((0, 1)):
        exact = _exact_activated(g, p.astype(float), [s])
        a = f.activated[i]
        assert abs(a.mean() - exact) < 4 * a.std() / math.sqrt(runs)
    again = forecast_runs(g, [np.array([0], np.int32)], p, np.zeros(50, np.int32),
                          item_key=np.array([0]), seed=3, cap=10)  # fmt: skip
    assert np.array_equal(again.activated[0], f.activated[0, :50])  # same key, same runs


def test_global_p_recovers_a_planted_p(clustered) -> None:
    g, log = clustered
    c = place_on(log, g)
    cal = calibrate(g, c, "global-p", horizon=1e6, bootstrap=40, seed=0, boundary=BIG)
    assert cal.ci[0] <= 0.03 <= cal.ci[1]
    assert 0.4 < cal.branching_factor < 1.0


@pytest.fixture(scope="module")
def clustered(tmp_path_factory):
    import networkx as nx

    gx = nx.powerlaw_cluster_graph(1500, 4, 0.5, seed=1)
    src = [a for a, b in gx.edges()] + [b for a, b in gx.edges()]
    dst = [b for a, b in gx.edges()] + [a for a, b in gx.edges()]
    g = from_edges(np.array(src), np.array(dst), pl.Series(np.arange(1500)))
    df = continuous_ic_log(g, np.full(g.m, 0.03), items=500, initiators=2, mean_delay=50.0, seed=3)
    path = tmp_path_factory.mktemp("clustered") / "log.parquet"
    df.write_parquet(path)
    return g, load_actions(path)


def test_per_edge_estimates_follow_planted_probabilities(tmp_path: Path) -> None:
    import networkx as nx

    gx = nx.gnm_random_graph(300, 1200, seed=2, directed=True)
    g = from_edges(np.array([a for a, _ in gx.edges()]), np.array([b for _, b in gx.edges()]),
                   pl.Series(np.arange(300)))  # fmt: skip
    planted = np.random.default_rng(4).uniform(0.0, 0.25, g.m)
    df = continuous_ic_log(g, planted, items=1500, initiators=3, mean_delay=10.0, seed=5)
    df.write_parquet(tmp_path / "log.parquet")
    c = place_on(load_actions(tmp_path / "log.parquet"), g)
    ev = gather_evidence(g, c, np.arange(c.n_items), horizon=1e6, boundary=BIG)
    succ, trials = lk.edge_counts(g, ev)
    est = lk.per_edge_probabilities(succ, trials, lk.fit_global_p(ev))
    busy = trials >= 30
    assert busy.sum() > 200
    assert spearman(est[busy], planted[busy]) > 0.6


def test_em_recovers_p_where_global_p_is_biased(tmp_path: Path) -> None:
    n, half = 1000, 20  # a ring lattice: each account follows its 40 nearest neighbours
    u = np.repeat(np.arange(n), 2 * half)
    d = np.tile(np.r_[np.arange(1, half + 1), -np.arange(1, half + 1)], n)
    g = from_edges(u, (u + d) % n, pl.Series(np.arange(n)))
    df = discrete_ic_log(g, 0.04, items=150, initiators=1, seed=5)
    df.write_parquet(tmp_path / "log.parquet")
    c = place_on(load_actions(tmp_path / "log.parquet"), g)
    em = calibrate(g, c, "em", horizon=500, bootstrap=30, seed=0, step=1.0, boundary=BIG)
    gp = calibrate(g, c, "global-p", horizon=500, bootstrap=0, seed=0, boundary=BIG)
    assert em.ci[0] <= 0.04 <= em.ci[1]
    assert gp.value > 1.1 * 0.04  # timing-free parents overstate p on this graph


def test_model_file_round_trip(clustered, tmp_path: Path) -> None:
    g, log = clustered
    c = place_on(log, g)
    cal = calibrate(g, c, "partial-credit", horizon=1e4, bootstrap=2, seed=0)
    toml, edges = save_calibration(cal, g, log, tmp_path / "m.toml")
    assert edges is not None and edges.exists()
    m = resolve_model(f"calibrated:{toml}", graph=g)
    assert m.edge_p is not None and np.allclose(m.edge_p, cal.edge_p)
    assert not m.brand_aware
    r = simulate(g, [0, 1], m, runs=50, seed=1)
    assert r.model == f"calibrated:{toml}"
    with pytest.raises(InputError, match="cannot be combined"):
        resolve_model(f"calibrated:{toml}", p=0.1, graph=g)
    other = _graph([("a", "b")], "ab")
    with pytest.raises(InputError, match="another graph"):
        resolve_model(f"calibrated:{toml}", graph=other)
    gp = calibrate(g, c, "global-p", horizon=1e4, bootstrap=0, seed=0)
    toml2, none = save_calibration(gp, g, log, tmp_path / "gp.toml")
    assert none is None
    on_other = resolve_model(f"calibrated:{toml2}", graph=other)  # global: loads with a note
    assert on_other.p == pytest.approx(gp.value) and "another graph" in (on_other.note or "")


def test_backtest_on_planted_cascades(clustered) -> None:
    g, log = clustered
    c = place_on(log, g)
    res = backtest(g, c, horizon=1e4, models="ic:0.2,calibrated:global-p", runs=40,
                   bootstrap=4, seed=0, train_events="item-windows")  # fmt: skip
    rows = {r["model"]: r for r in res.models}
    assert set(rows) >= {"ic p=0.2", "global-p", "baseline: log-linear regression"}
    assert 0.67 < rows["global-p"]["earned_bias"] < 1.5  # no drift: the fit transfers
    assert rows["ic p=0.2"]["earned_bias"] > 3 * rows["global-p"]["earned_bias"]
    assert rows["baseline: log-linear regression"]["coverage90"] is None
    assert 90 <= res.info["test_items"] <= 100
    assert {t["group"] for t in res.by_tier} <= {"top1pct", "rest"}
    again = backtest(g, c, horizon=1e4, models="calibrated:global-p", runs=40, bootstrap=4,
                     seed=0, train_events="item-windows")  # fmt: skip
    same = next(r for r in again.models if r["model"] == "global-p")
    assert same["msle"] == rows["global-p"]["msle"]  # rows do not depend on each other


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"horizon": 0.0}, "horizon must be positive"),
        ({"split": (0.9, 0.1, 0.0)}, "split"),
        ({"models": "ic:2"}, "ic:P"),
        ({"runs": 30, "bootstrap": 4}, "multiple"),
    ],
)
def test_backtest_bad_input(clustered, kwargs, match) -> None:
    g, log = clustered
    c = place_on(log, g)
    args = {"horizon": 1e4, "models": "ic:0.01", "runs": 8, "bootstrap": 4} | kwargs
    with pytest.raises(InputError, match=match):
        backtest(g, c, **args)


def test_backtest_strict_protocol_says_what_to_do(clustered) -> None:
    g, log = clustered
    c = place_on(log, g)
    with pytest.raises(InputError, match="item-windows"):  # items 1,000 s apart, 3e5 s windows
        backtest(g, c, horizon=3e5, models="ic:0.01", runs=8, bootstrap=4)


def test_durations() -> None:
    assert parse_duration("365d") == 365 * 86400
    assert parse_duration("12h") == 43200 and parse_duration("90") == 90 * 86400
    for bad in ("0d", "soon", "-1d"):
        with pytest.raises(InputError):
            parse_duration(bad)


@pytest.fixture(scope="module")
def files(clustered, tmp_path_factory) -> Path:
    """The clustered graph as a follows CSV (row a,b: a follows b) and its log as CSV."""
    g, log = clustered
    folder = tmp_path_factory.mktemp("cli")
    pl.DataFrame({"follower": g.out_idx, "followed": g.edge_sources}).write_csv(folder / "g.csv")
    log.table.write_csv(folder / "log.csv")
    return folder


def test_cli_calibrate_simulate_backtest(files: Path) -> None:
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app

    run = CliRunner().invoke
    g, log, model = str(files / "g.csv"), str(files / "log.csv"), str(files / "m.toml")
    r = run(app, ["calibrate", g, "--actions", log, "--method", "global-p", "--out", model,
                  "--horizon", "10000s", "--bootstrap", "10", "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {"method", "p", "p_ci", "branching_factor", "items", "adoptions", "initiators",
            "failures"} <= set(out)  # fmt: skip
    assert out["p_ci"][0] <= out["p"] <= out["p_ci"][1]
    r = run(app, ["simulate", g, "--seeds", "0,1", "--model", f"calibrated:{model}", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["model"] == f"calibrated:{model}"
    r = run(app, ["simulate", g, "--seeds", "0", "--model", f"calibrated:{model}", "--p", "0.1"])
    assert r.exit_code == 2 and "--p cannot be combined" in r.output
    r = run(
        app, ["seed", g, "-k", "3", "--strategy", "imm", "--model", f"calibrated:{model}", "--json"]
    )
    assert r.exit_code == 0, r.output
    calibrated = ["--model", f"calibrated:{model}"]
    for args in (["overlap", g, "--ids", "0,1,2", "--runs", "20", *calibrated],
                 ["simulate", g, "--compete", "a=0,1", "--compete", "b=2,3", "--runs", "20",
                  *calibrated]):  # fmt: skip
        r = run(app, args)
        assert r.exit_code == 0, (args[0], r.output)
    r = run(app, ["backtest", g, "--actions", log, "--horizon", "10000s", "--train-events",
                  "item-windows", "--models", f"ic:0.1,calibrated:global-p,calibrated:{model}",
                  "--runs", "20", "--bootstrap", "4", "--json", "--out",
                  str(files / "items.csv")])  # fmt: skip
    assert r.exit_code == 0, r.output
    bt = json.loads(r.stdout)
    assert {"test_items", "horizon_days", "models", "by_tier"} <= set(bt)
    kinds = {m["model"]: m["kind"] for m in bt["models"]}
    assert kinds["ic p=0.1"] == "preset" and kinds["global-p"] == "calibrated"
    assert kinds[f"calibrated:{model}"] == "calibrated" and "baseline" in kinds.values()
    items = pl.read_csv(files / "items.csv")
    assert items.height == bt["test_items"] and "global-p mean" in items.columns


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizon", "0d"], "--horizon must be positive"),
        (["--split", "0.5,0.5"], "--split must be three shares"),
        (["--seeds", "first:0"], "--seeds must be initiators"),
        (["--models", "magic"], "unknown model 'magic'"),
    ],
)
def test_cli_backtest_bad_input(files: Path, args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    base = ["backtest", str(files / "g.csv"), "--actions", str(files / "log.csv"), "--runs", "8",
            "--bootstrap", "4", "--horizon", "10000s"]  # fmt: skip
    r = CliRunner().invoke(app, [*base, *args])
    assert r.exit_code == 2 and message in r.output, r.output
    assert "Traceback" not in r.output


def test_cli_empty_log_is_refused(files: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    (tmp_path / "empty.csv").write_text("account,item,time\n")
    r = CliRunner().invoke(app, ["calibrate", str(files / "g.csv"), "--actions",
                                 str(tmp_path / "empty.csv"), "--method", "global-p",
                                 "--out", str(tmp_path / "m.toml")])  # fmt: skip
    assert r.exit_code == 2 and "empty.csv" in r.output
    assert not (tmp_path / "m.toml").exists()


def test_backtest_origins_and_seed_rules(clustered) -> None:
    g, log = clustered
    c = place_on(log, g)
    res = backtest(g, c, horizon=1e4, models="ic:0.05", runs=8, bootstrap=4, origins=3,
                   seeds="first:1", train_events="item-windows")  # fmt: skip
    out = res.to_json()
    assert [round(o["origin"], 2) for o in out["origins"]] == [0.6, 0.7, 0.8]
    spread = {r["model"]: r for r in out["origin_spread"]}
    lo, hi = spread["ic p=0.05"]["earned_bias"]
    biases = [next(m for m in o["models"] if m["model"] == "ic p=0.05")["earned_bias"]
              for o in out["origins"]]  # fmt: skip
    assert lo == min(biases) and hi == max(biases)
    assert set(res.items["seeds"]) == {1}  # first:1 seeds every item with one account
    assert len(out["items"]["item"]) == out["test_items"]
    with pytest.raises(InputError, match="needs a 'seed' column"):
        backtest(g, c, horizon=1e4, models="ic:0.05", runs=8, bootstrap=4, seeds="log",
                 train_events="item-windows")  # fmt: skip


def test_api_simulate_takes_a_calibrated_model(clustered, tmp_path: Path) -> None:
    import pipeline as ip
    from pipeline.diffusion.model_file import FORMAT, toml_text

    g, _ = clustered
    (tmp_path / "m.toml").write_text(toml_text({"format": FORMAT, "method": "global-p", "p": 0.2}))
    a = ip.simulate(g, [0, 1], model=f"calibrated:{tmp_path / 'm.toml'}", runs=30, seed=2)
    b = ip.simulate(g, [0, 1], model="ic", p=0.2, runs=30, seed=2)
    assert np.array_equal(a.activated, b.activated)  # the same model, under its own name
    assert a.model.startswith("calibrated:") and b.model == "ic"


def test_cli_backtest_tiers_by_profile_followers(files: Path, clustered) -> None:
    import json

    from typer.testing import CliRunner

    from pipeline.calibration.outcomes import item_outcomes
    from pipeline.cli import app

    g, log = clustered
    big = np.arange(g.n) < 15  # a platform audience far above everyone's: the top 1%
    followers = np.where(big, 10**6, 10)
    pl.DataFrame({"id": g.ids, "followers": followers}).write_csv(files / "profiles.csv")
    r = CliRunner().invoke(app, ["backtest", str(files / "g.csv"), "--actions",
                                 str(files / "log.csv"), "--horizon", "10000s", "--train-events",
                                 "item-windows", "--models", "ic:0.1", "--runs", "8",
                                 "--bootstrap", "4", "--profiles", str(files / "profiles.csv"),
                                 "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["tiers_by"] == "given followers"
    c = place_on(log, g)
    pos = {v: i for i, v in enumerate(c.items.to_list())}
    test = item_outcomes(g, c, [pos[i] for i in out["items"]["item"]], horizon=1e4)
    want = sum(bool(big[s].any()) for s in test.seeds)
    top = {t["items"] for t in out["by_tier"] if t["group"] == "top1pct"}
    assert top == ({want} if want else set())


def test_via_outside_the_graph_makes_an_initiator(tmp_path: Path) -> None:
    g = _graph([("a", "c"), ("b", "c")], "abc")
    rows = [("a", 1, 0.0, ""), ("b", 1, 1.0, ""), ("c", 1, 2.0, "zz")]  # zz: not in the graph
    ev = _evidence(g, _log(tmp_path, rows, via=None))
    assert ev.succ_k.size == 0 and ev.initiators == 3


def test_zero_padded_ids_stay_text(tmp_path: Path) -> None:
    g = _graph([("a", "b")], "ab")
    log = _log(tmp_path, [("007", 1, 0.0), ("7", 2, 1.0)])
    assert log.table["account"].dtype == pl.String
    assert sorted(log.table["account"].to_list()) == ["007", "7"]
    assert place_on(log, g).missing_accounts == 2


def test_a_resolved_calibrated_model_keeps_its_p(clustered, tmp_path: Path) -> None:
    import pipeline as ip
    from pipeline.diffusion.model_file import FORMAT, toml_text

    g, _ = clustered
    (tmp_path / "m.toml").write_text(toml_text({"format": FORMAT, "method": "global-p", "p": 0.2}))
    m = resolve_model(f"calibrated:{tmp_path / 'm.toml'}", graph=g)
    with pytest.raises(InputError, match="cannot be combined"):
        ip.simulate(g, [0], m, p=0.5, runs=5)
    assert ip.simulate(g, [0], m, p=0.2, runs=5).model == m.label  # its own p is fine


def test_validation_items_have_complete_windows(clustered) -> None:
    g, log = clustered
    c = place_on(log, g)
    # the log ends about 500,000 s after it starts; a 1e5 s horizon leaves the last
    # ~100 items incomplete: validation must come from before them
    end = float(c.time.max())
    cal = calibrate(g, c, "bernoulli", horizon=1e5, bootstrap=0, seed=0, validation=0.1)
    complete = int((c.start + 1e5 <= end).sum())
    assert cal.validation_items == round(0.1 * complete)
    assert cal.items <= complete - cal.validation_items


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "seed must be a non-negative integer"),
        (["--models", "ic:0.01,ic:0.010"], "more than once"),
        (["--runs", "4000000000", "--bootstrap", "0"], "GiB"),
    ],
)
def test_cli_backtest_more_bad_input(files: Path, args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    base = ["backtest", str(files / "g.csv"), "--actions", str(files / "log.csv"), "--runs", "8",
            "--bootstrap", "4", "--horizon", "10000s"]  # fmt: skip
    r = CliRunner().invoke(app, [*base, *args])
    assert r.exit_code == 2 and message in r.output, r.output


def test_model_file_with_a_strange_method_or_edge_file(tmp_path: Path) -> None:
    from pipeline.diffusion.model_file import read_model_file

    (tmp_path / "a.toml").write_text('format = "influence-calibrated-model/1"\nmethod = ["x"]\n')
    with pytest.raises(InputError, match="'method'"):
        read_model_file(tmp_path / "a.toml")
    (tmp_path / "b.toml").write_text(
        'format = "influence-calibrated-model/1"\nmethod = "bernoulli"\nedge_file = ""\n'
        'graph_sha256 = "0"\n'
    )
    with pytest.raises(InputError, match="'edge_file'"):
        read_model_file(tmp_path / "b.toml")
