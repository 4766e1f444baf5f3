"""Calibration on tiny hand-worked logs (the likelihood against values computed by hand)
and the command line's answers to bad input (one line, exit 2) and to fits worth a word
(em on slow cascades, a branching factor near 1)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner
from worlds import random_follows

from pipeline.calibration import likelihood as lk
from pipeline.calibration import load_actions, place_on
from pipeline.calibration.evidence import gather_evidence
from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.graph_io import from_edges

BIG = 1e12  # a boundary past every window
DAY = 86400


def _graph(edges: list[tuple[str, str]], names: str):
    """Edges (u, v) in influence direction: u's posts reach v (v follows u)."""
    pos = {c: i for i, c in enumerate(names)}
    src = np.array([pos[u] for u, _ in edges])
    dst = np.array([pos[v] for _, v in edges])
    return from_edges(src, dst, pl.Series(list(names)))


def _evidence(tmp_path: Path, g, rows: list[tuple], horizon=100.0, boundary=BIG, **cols):
    df = pl.DataFrame(rows, schema=["account", "item", "time", *cols], orient="row")
    df.write_csv(tmp_path / "log.csv")
    c = place_on(load_actions(tmp_path / "log.csv"), g)
    return gather_evidence(g, c, np.arange(c.n_items), horizon=horizon, boundary=boundary)


# --- the likelihood on hand-worked logs ----------------------------------------------


def test_failures_only(tmp_path: Path) -> None:
    # b and c follow a; a posts (item 1, its only row) and neither adopts: two failures,
    # no success term. L(p) = 2 log(1 - p); at p = 0.2: 2 log 0.8 = -0.44629
    g = _graph([("a", "b"), ("a", "c")], "abc")
    ev = _evidence(tmp_path, g, [("a", 1, 0.0)])
    assert (ev.adoptions, ev.initiators, ev.failures, ev.succ_k.size) == (1, 1, 2, 0)
    assert lk.global_log_likelihood(ev, 0.2) == pytest.approx(2 * math.log(0.8), rel=1e-12)
    assert lk.global_log_likelihood(ev, 0.2) == pytest.approx(-0.4462871026, rel=1e-9)
    with pytest.raises(InputError, match="no adoption in the fit data has a parent"):
        lk.fit_global_p(ev)  # failures alone: the maximum is at p = 0, not a fit


def test_a_censored_item_contributes_nothing(tmp_path: Path) -> None:
    # b and c follow a; d follows b. Item 1: a at 0, b at 90, d at 150 (c never).
    # Window [0, 100]: one horizon per item, counted from its first adoption, shared by
    # every exposure; so d at 150 is outside it although only 60 s after b.
    g = _graph([("a", "b"), ("a", "c"), ("b", "d")], "abcd")
    rows = [("a", 1, 0.0), ("b", 1, 90.0), ("d", 1, 150.0)]
    full = _evidence(tmp_path, g, rows, boundary=BIG)
    # complete window: a -> b success (k = 1), a -> c failure, b -> d failure (d adopted
    # after the window): L(p) = log p + 2 log(1 - p); at p = 0.3: log 0.3 + 2 log 0.7
    assert (full.censored_items, full.adoptions, full.initiators, full.failures) == (0, 2, 1, 2)
    assert full.succ_k.tolist() == [1]
    by_hand = math.log(0.3) + 2 * math.log(0.7)  # = -1.917323
    assert lk.global_log_likelihood(full, 0.3) == pytest.approx(by_hand, rel=1e-12)
    assert lk.global_log_likelihood(full, 0.3) == pytest.approx(-1.9173226922, rel=1e-9)
    assert lk.fit_global_p(full) == pytest.approx(1 / 3, rel=1e-9)  # 1 success in 3 trials
    # the data end at 95 (< 0 + 100): the whole item is censored, its success (a -> b,
    # both before 95) included, not just the exposures still open at 95
    cut = _evidence(tmp_path, g, rows, boundary=95.0)
    assert (cut.censored_items, cut.n_items, cut.adoptions, cut.failures) == (1, 0, 0, 0)
    assert cut.succ_k.size == 0 and cut.par_edge.size == 0
    assert lk.global_log_likelihood(cut, 0.3) == 0.0  # contributes nothing
    # exactly at the boundary the window is complete
    edge = _evidence(tmp_path, g, rows, boundary=100.0)
    assert edge.censored_items == 0
    assert lk.global_log_likelihood(edge, 0.3) == pytest.approx(by_hand, rel=1e-12)


def test_censoring_is_per_item(tmp_path: Path) -> None:
    # two items, same accounts: item 1 (a at 0, b at 10) fits before the boundary 150;
    # item 2 (a at 100, c at 110) does not (window ends at 200): only item 1 counts.
    # Item 1: a -> b success, a -> c failure. L(p) = log p + log(1 - p); at p = 0.4:
    # log 0.4 + log 0.6 = -1.427116
    g = _graph([("a", "b"), ("a", "c")], "abc")
    rows = [("a", 1, 0.0), ("b", 1, 10.0), ("a", 2, 100.0), ("c", 2, 110.0)]
    ev = _evidence(tmp_path, g, rows, boundary=150.0)
    assert (ev.censored_items, ev.n_items, ev.failures) == (1, 1, 1)
    assert lk.global_log_likelihood(ev, 0.4) == pytest.approx(-1.4271163556, rel=1e-9)
    both = _evidence(tmp_path, g, rows, boundary=BIG)
    # plus item 2: a -> c success, a -> b failure: L = 2 log p + 2 log(1 - p)
    assert lk.global_log_likelihood(both, 0.4) == pytest.approx(2 * -1.4271163556, rel=1e-9)


def test_simultaneous_adopters_neither_explains_the_other(tmp_path: Path) -> None:
    # a and b follow each other; d follows b; c follows a and b; e follows a and c.
    # a, b and d adopt at t = 5 (simultaneous: nobody's parent), c at 6 (parents a and b),
    # e never. Initiators: a, b, d. Exposures: a -> b, b -> a, b -> d nothing (same
    # time); a -> c, b -> c one success with k = 2; a -> e, c -> e two failures.
    g = _graph(
        [("a", "b"), ("b", "a"), ("b", "d"), ("a", "c"), ("b", "c"), ("a", "e"), ("c", "e")],
        "abcde",
    )
    rows = [("a", 1, 5.0), ("b", 1, 5.0), ("d", 1, 5.0), ("c", 1, 6.0)]
    ev = _evidence(tmp_path, g, rows)
    assert (ev.adoptions, ev.initiators, ev.failures) == (4, 3, 2)
    assert ev.succ_k.tolist() == [2] and g.ids[ev.succ_node.tolist()].to_list() == ["c"]
    # L(p) = log(1 - (1 - p)^2) + 2 log(1 - p); at p = 0.25:
    # log(1 - 0.5625) + 2 log 0.75 = log 0.4375 + 2 log 0.75 = -0.826679 - 0.575364 = -1.402043
    by_hand = math.log(0.4375) + 2 * math.log(0.75)
    assert lk.global_log_likelihood(ev, 0.25) == pytest.approx(by_hand, rel=1e-12)
    assert lk.global_log_likelihood(ev, 0.25) == pytest.approx(-1.4020427181, rel=1e-9)
    # dL/dp = 2q / (1 - q^2) - 2 / q = 0 (q = 1 - p): q^2 = 1 - q^2, q = 1/sqrt(2)
    assert lk.fit_global_p(ev) == pytest.approx(1 - 1 / math.sqrt(2), rel=1e-9)


def test_a_chain_with_via(tmp_path: Path) -> None:
    # a -> b -> c and a -> c (c follows a and b); d follows c and never adopts.
    # a at 0, b at 1 (via a), c at 2 (via b): c's recorded parent is b only.
    g = _graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")], "abcd")
    rows = [("a", 1, 0.0, ""), ("b", 1, 1.0, "a"), ("c", 1, 2.0, "b")]
    ev = _evidence(tmp_path, g, rows, via=None)
    assert (ev.adoptions, ev.initiators, ev.failures) == (3, 1, 1)
    assert ev.succ_k.tolist() == [1, 1]
    src, dst = g.edge_sources[ev.par_edge].tolist(), g.out_idx[ev.par_edge].tolist()
    credited = sorted(zip(src, dst, strict=True))
    assert credited == [(0, 1), (1, 2)]  # a -> b and b -> c; a -> c neither success nor failure
    # L(p) = log p (b from a) + log p (c from b) + log(1 - p) (c -> d); at p = 0.3:
    # 2 log 0.3 + log 0.7 = -2.407946 - 0.356675 = -2.764621
    by_hand = 2 * math.log(0.3) + math.log(0.7)
    assert lk.global_log_likelihood(ev, 0.3) == pytest.approx(by_hand, rel=1e-12)
    assert lk.global_log_likelihood(ev, 0.3) == pytest.approx(-2.7646205525, rel=1e-9)
    assert lk.fit_global_p(ev) == pytest.approx(2 / 3, rel=1e-9)  # 2 successes, 1 failure
    # without via, c has two parents (a and b): log p + log(1 - 0.7^2) + log 0.7
    plain = _evidence(tmp_path, g, [r[:3] for r in rows])
    assert plain.succ_k.tolist() == [1, 2]
    want = math.log(0.3) + math.log(1 - 0.49) + math.log(0.7)  # = -2.233992
    assert lk.global_log_likelihood(plain, 0.3) == pytest.approx(want, rel=1e-12)


# --- the command line: bad input is one line and exit 2 ------------------------------

FOLLOWS = "follower,followed\nb,a\nc,a\nc,b\nd,c\ne,a\n"  # row "x,y": x follows y
GOOD_LOG = "account,item,time\na,1,0\nb,1,10\nc,1,20\na,2,100\nc,2,130\na,3,200\nb,3,210\n"


def _run(args: list[str]):
    return CliRunner().invoke(app, [str(a) for a in args])


def _refused(r, *needles: str) -> str:
    """The one ``error:`` line of a refused command; checks exit 2 and no traceback."""
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, r.stderr
    assert r.stderr.rstrip("\n").endswith(errors[0])  # nothing after it
    for n in needles:
        assert n in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    (tmp_path / "g.csv").write_text(FOLLOWS)
    (tmp_path / "log.csv").write_text(GOOD_LOG)
    return tmp_path


def _calibrate(d: Path, log: str, *more: str) -> list[str]:
    return ["calibrate", d / "g.csv", "--actions", d / log, "--method", "global-p",
            "--out", d / "m.toml", "--bootstrap", "0", *more]  # fmt: skip


def test_cli_empty_log(small: Path) -> None:
    (small / "empty.csv").write_text("account,item,time\n")
    for cmd in (_calibrate(small, "empty.csv"),
                ["backtest", small / "g.csv", "--actions", small / "empty.csv"]):  # fmt: skip
        _refused(_run(cmd), "empty.csv", "empty", "expected at least one row")
    assert not (small / "m.toml").exists()


def test_cli_no_adoption_has_a_parent(small: Path) -> None:
    # nobody adopts after an account they follow (z is not in the graph): no success term
    (small / "flat.csv").write_text("account,item,time\na,1,0\nb,2,0\nz,3,1\nd,4,100\n")
    _refused(_run(_calibrate(small, "flat.csv", "--horizon", "10s")),
             "flat.csv", "no adoption in the fit data has a parent", "--edge-meaning")  # fmt: skip
    assert not (small / "m.toml").exists()


@pytest.mark.parametrize("zero", ["0", "0d", "0s"])
def test_cli_horizon_of_zero(small: Path, zero: str) -> None:
    _refused(_run(_calibrate(small, "log.csv", "--horizon", zero)),
             "--horizon must be positive", repr(zero))  # fmt: skip
    _refused(_run(["backtest", small / "g.csv", "--actions", small / "log.csv",
                   "--horizon", zero]), "--horizon must be positive")  # fmt: skip


def test_cli_split_without_test_items(small: Path) -> None:
    base = ["backtest", small / "g.csv", "--actions", small / "log.csv", "--horizon", "50s",
            "--train-events", "item-windows", "--runs", "8", "--bootstrap", "4"]  # fmt: skip
    # 2 usable items (item 3 starts after the data's end minus the horizon): 5% is none
    _refused(_run([*base, "--split", "0.8,0.15,0.05"]),
             "log.csv", "no test item", "--split")  # fmt: skip
    _refused(_run([*base, "--split", "0.9,0.1,0"]), "--split must be three shares", "test > 0")


def test_cli_per_edge_model_on_another_graph(tmp_path: Path) -> None:
    from cascade_sim import continuous_ic_log

    rng = np.random.default_rng(7)
    g = random_follows(rng, 60, 400, prefix="u", width=2)
    ids = g.ids.to_numpy()
    follows = pl.DataFrame({"follower": ids[g.out_idx], "followed": ids[g.edge_sources]})
    follows.write_csv(tmp_path / "a.csv")
    follows.head(follows.height - 5).write_csv(tmp_path / "b.csv")  # another edge set
    log = continuous_ic_log(g, np.full(g.m, 0.15), items=80, initiators=2, mean_delay=10.0,
                            seed=1)  # fmt: skip
    log.write_csv(tmp_path / "log.csv")
    model = tmp_path / "m.toml"
    r = _run(["calibrate", tmp_path / "a.csv", "--actions", tmp_path / "log.csv", "--method",
              "bernoulli", "--out", model, "--horizon", "500s", "--bootstrap", "2"])  # fmt: skip
    assert r.exit_code == 0, r.output
    seed = str(follows["followed"][0])  # in both graphs
    r = _run(["simulate", tmp_path / "a.csv", "--seeds", seed, "--model",
              f"calibrated:{model}", "--runs", "10"])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = _run(["simulate", tmp_path / "b.csv", "--seeds", seed, "--model", f"calibrated:{model}",
              "--runs", "10"])  # fmt: skip
    _refused(r, str(model), "another graph", "does not match", "calibrate on this graph")


@pytest.mark.parametrize(
    ("rows", "needles"),
    [
        ("a,1,0\nb,1,soon\n", ["line 3", "'time'", "'soon' is not a time", "expected seconds"]),
        ("a,1,2024-03-01 12:00\n", ["line 2", "has no UTC offset", "add Z or an offset"]),
        ("a,1,0\nb,1,2024-03-01T12:00:00Z\n",
         ["line 3", "is an ISO 8601 time but line 2 holds a number of seconds",
          "one kind per file"]),
        ("a,1,2024-03-01T12:00:00Z\nb,1,12\n",
         ["line 3", "is a number of seconds but line 2 holds an ISO 8601 time"]),
    ],
)  # fmt: skip
def test_cli_bad_and_mixed_times(small: Path, rows: str, needles: list[str]) -> None:
    (small / "t.csv").write_text("account,item,time\n" + rows)
    for cmd in (_calibrate(small, "t.csv"),
                ["backtest", small / "g.csv", "--actions", small / "t.csv"]):  # fmt: skip
        _refused(_run(cmd), "t.csv", *needles)


def test_cli_em_step_as_long_as_the_horizon(small: Path) -> None:
    r = _run(["calibrate", small / "g.csv", "--actions", small / "log.csv", "--method", "em",
              "--out", small / "m.toml", "--horizon", "1d", "--step", "1d"])  # fmt: skip
    _refused(r, "--step 1d must be shorter than --horizon 1d", "first step")
    r = _run(["backtest", small / "g.csv", "--actions", small / "log.csv", "--models",
              "ic:0.1,calibrated:em", "--horizon", "2d", "--step", "3d"])  # fmt: skip
    _refused(r, "--step 3d must be shorter than --horizon 2d")


# --- notes worth a word ------------------------------------------------------------------


def test_cli_em_notes_slow_cascades(tmp_path: Path) -> None:
    # a star: b..j follow a. Item 1: a at day 0, b at day 1.5 (one step later: parent a),
    # c..j 10 to 80 days later (no parent in the step before): 8 + a = 9 of 10 initiators.
    # Item 2, a year later, only moves the end of the data (its window is censored).
    (tmp_path / "g.csv").write_text(
        "follower,followed\n" + "".join(f"{x},a\n" for x in "bcdefghij")
    )
    rows = [("a", 1, 0.0), ("b", 1, 1.5 * DAY)]
    rows += [(x, 1, 10.0 * DAY * (i + 1)) for i, x in enumerate("cdefghij")]
    rows += [("a", 2, 1000.0 * DAY)]
    pl.DataFrame(rows, schema=["account", "item", "time"], orient="row").write_csv(
        tmp_path / "log.csv"
    )
    base = ["calibrate", tmp_path / "g.csv", "--actions", tmp_path / "log.csv", "--method", "em",
            "--out", tmp_path / "m.toml", "--bootstrap", "0"]  # fmt: skip
    r = _run(base)
    assert r.exit_code == 0, r.output
    note = ("note: with --step 1d, 90% of adopters have no parent in the previous step: the "
            "step-aware model sees little diffusion here; a longer --step or global-p fits "
            "such data better")  # fmt: skip
    assert note in r.stderr and note not in r.stdout
    assert "9 of them (90%) initiators with no parent in the previous step" in r.stdout
    r = _run([*base, "--json"])
    assert r.exit_code == 0 and note in r.stderr
    out = json.loads(r.stdout)  # stdout stays one JSON object
    assert (out["adoptions"], out["initiators"]) == (10, 9)
    assert _run([*base, "--quiet"]).stderr == ""
    # fast cascades: b..i a day after a, each with a parent one step earlier (j never
    # adopts: one failure): 1 initiator of 9, no note
    fast = [("a", 1, 0.0), *[(x, 1, 1.5 * DAY) for x in "bcdefghi"], ("a", 2, 1000.0 * DAY)]
    pl.DataFrame(fast, schema=["account", "item", "time"], orient="row").write_csv(
        tmp_path / "log.csv"
    )
    r = _run(base)
    assert r.exit_code == 0, r.output
    assert "note:" not in r.stderr
    assert "1 of them (11%) initiators" in r.stdout


def test_cli_warns_near_the_tipping_point(tmp_path: Path) -> None:
    # six accounts on a ring, each reaching the next two (k_in = k_out = 2): R = 2p.
    # Item 1: n0 at 0; n1 and n2 at 1 (parent n0 each, k = 1); n3 at 2 (parents n1, n2:
    # k = 2). Failures: n2 -> n4, n3 -> n4, n3 -> n5. n1 -> n2 is simultaneous: nothing.
    # L(p) = 2 log p + log(1 - (1 - p)^2) + 3 log(1 - p); L' = 0 reduces to
    # 7p^2 - 16p + 6 = 0, p = (8 - sqrt(22)) / 7 = 0.4728: R = 0.9456.
    names = [f"n{i}" for i in range(6)]
    follows = "".join(f"{names[(i + d) % 6]},{names[i]}\n" for i in range(6) for d in (1, 2))
    (tmp_path / "g.csv").write_text("follower,followed\n" + follows)
    rows = "n0,1,0\nn1,1,1\nn2,1,1\nn3,1,2\nn5,2,1000\n"  # item 2: censored, ends the data
    (tmp_path / "log.csv").write_text("account,item,time\n" + rows)
    base = ["calibrate", tmp_path / "g.csv", "--actions", tmp_path / "log.csv", "--method",
            "global-p", "--out", tmp_path / "m.toml", "--bootstrap", "0",
            "--horizon", "100s"]  # fmt: skip
    r = _run([*base, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["p"] == pytest.approx((8 - math.sqrt(22)) / 7, rel=1e-9)
    assert out["branching_factor"] == pytest.approx(2 * out["p"], rel=1e-9)
    r = _run(base)
    assert r.exit_code == 0, r.output
    assert (
        f"warning: branching factor R = {2 * out['p']:.2f} is within 20% of 1 (the tipping point)"
    ) in r.stdout
    # the same log on a ring reaching one account: successes n0 -> n1 and n2 -> n3 (n1 -> n2
    # is simultaneous), failure n3 -> n4: p = 2/3, R = p * 1 = 0.67, not within 20% of 1
    one = "".join(f"{names[(i + 1) % 6]},{names[i]}\n" for i in range(6))
    (tmp_path / "g1.csv").write_text("follower,followed\n" + one)
    r = _run([*base[:1], tmp_path / "g1.csv", *base[2:]])
    assert r.exit_code == 0, r.output
    assert "warning" not in r.stdout and "(subcritical)" in r.stdout
