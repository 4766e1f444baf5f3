"""Audience overlap: exact follower overlaps, exact simulated overlaps, CLI errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.diffusion import build_model, run_keys, simulate
from pipeline.diffusion.rng import LT_SALT, hash2, unit
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph, from_edges
from pipeline.overlap import (
    audience_overlap,
    follower_overlap,
    overlap_with_above,
    shared_followers,
)

runner = CliRunner()


def _graph(edges: list[tuple[str, str]], names: str) -> FollowerGraph:
    """Influence-direction edges ``u -> v`` (v follows u) between one-letter nodes."""
    pos = {c: i for i, c in enumerate(names)}
    src = np.array([pos[u] for u, _ in edges])
    dst = np.array([pos[v] for _, v in edges])
    return from_edges(src, dst, pl.Series(list(names)))


@pytest.fixture()
def hubs() -> FollowerGraph:
    # F_a = {x, y, z, w}, F_b = {y, z}, F_c = {z, w, v}, F_d = {} (d only follows a).
    edges = [("a", f) for f in "xyzw"] + [("b", "y"), ("b", "z")]
    edges += [("c", f) for f in "zwv"] + [("a", "d")]
    return _graph(edges, "abcdxyzwv")


def test_follower_overlap_by_hand(hubs: FollowerGraph) -> None:
    # F_a now also holds d: F_a = {x, y, z, w, d} (5 followers).
    nodes = [0, 1, 2, 3]  # a, b, c, d
    shared = shared_followers(hubs, nodes)
    assert shared.tolist() == [
        [5, 2, 2, 0],  # a&b = {y, z}, a&c = {z, w}
        [2, 2, 1, 0],  # b&c = {z}
        [2, 1, 3, 0],
        [0, 0, 0, 0],
    ]
    ov = follower_overlap(hubs, nodes)
    expected = [
        [1.0, 2 / 2, 2 / 3, 0.0],  # b's 2 followers both follow a
        [1.0, 1.0, 1 / 2, 0.0],
        [2 / 3, 1 / 2, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],  # no followers: 0, also on the diagonal
    ]
    assert ov == pytest.approx(np.array(expected))


def test_overlap_with_above_by_hand(hubs: FollowerGraph) -> None:
    # Ranked c, b, a, d: c first -> 0; b's {y, z} meets {z, w, v} in z -> 1/2;
    # a's {x, y, z, w, d} meets {z, w, v, y} in y, z, w -> 3/5; d has no followers -> 0.
    got = overlap_with_above(hubs, np.array([2, 1, 0, 3]))
    assert got.dtype == np.float64
    assert got.tolist() == pytest.approx([0.0, 0.5, 0.6, 0.0])
    # A node listed twice: every follower is covered the second time.
    assert overlap_with_above(hubs, [1, 1]).tolist() == [0.0, 1.0]
    assert overlap_with_above(hubs, []).shape == (0,)
    with pytest.raises(InputError, match="out of range"):
        overlap_with_above(hubs, [0, 99])
    with pytest.raises(InputError, match="integer node indices"):
        overlap_with_above(hubs, np.array([0.5]))


@pytest.fixture()
def twins() -> FollowerGraph:
    # a and b have the same followers ({x}) and x follows both back; x reaches y.
    # A separate component: c -> d -> e.
    return _graph(
        [("a", "x"), ("b", "x"), ("x", "a"), ("x", "b"), ("x", "y"), ("c", "d"), ("d", "e")],
        "abxycde",
    )


def test_identical_audiences_add_no_reach(twins: FollowerGraph) -> None:
    a, b, c = twins.index_of(["a", "b", "c"])
    res = audience_overlap(twins, [a, b], "ic", p=1.0, runs=20, seed=4)
    # Either twin alone activates and exposes {a, b, x, y}; together the same 4.
    assert res.mean_exposed.tolist() == [4.0, 4.0]
    s = res.summary()
    assert (s["unique_reach"], s["sum_individual"], s["redundancy"]) == (4.0, 8.0, 0.5)
    assert (s["unique_reach_activated"], s["redundancy_activated"]) == (4.0, 0.5)
    pairs = res.pairs()
    assert pairs.row(0, named=True) == {
        "id_a": "a",
        "id_b": "b",
        "followers_a": 1,
        "followers_b": 1,
        "shared_followers": 1,
        "follower_overlap": 1.0,
        "exposed_overlap": 1.0,
        "shared_exposed": 4.0,
    }
    # Disjoint reach: c's cascade {c, d, e} meets neither twin's.
    res3 = audience_overlap(twins, [a, b, c], "ic", p=1.0, runs=20, seed=4)
    ov = res3.exposed_overlap
    assert ov[0, 1] == 1.0 and ov[0, 2] == 0.0 and ov[1, 2] == 0.0
    s3 = res3.summary()
    assert (s3["unique_reach"], s3["sum_individual"]) == (7.0, 11.0)
    assert s3["redundancy"] == pytest.approx(1 - 7 / 11)
    cand = res3.per_candidate()
    assert cand.columns == ["id", "followers", "mean_exposed", "mean_activated", "overlap_above"]
    assert cand["overlap_above"].to_list() == [0.0, 1.0, 0.0]
    assert cand["mean_activated"].to_list() == [4.0, 4.0, 3.0]


def test_no_spread_overlap_is_the_follower_overlap(twins: FollowerGraph) -> None:
    # p = 0: each candidate exposes itself and its followers: E_a = {a, x}, E_b = {b, x}.
    a, b = twins.index_of(["a", "b"])
    res = audience_overlap(twins, [a, b], "ic", p=0.0, runs=5)
    assert res.mean_exposed.tolist() == [2.0, 2.0]
    assert res.exposed_overlap[0, 1] == 0.5 and res.shared_exposed[0, 1] == 1.0
    assert res.summary()["unique_reach"] == 3.0


def test_repeated_too_few_or_too_many_candidates_are_refused(twins: FollowerGraph) -> None:
    a = int(twins.index_of(["a"])[0])
    with pytest.raises(InputError, match="candidate 'a' is listed more than once"):
        audience_overlap(twins, [a, a], "ic", p=1.0, runs=5)
    with pytest.raises(InputError, match="at least 2 candidates"):
        audience_overlap(twins, [a], "ic", p=1.0, runs=5)
    big = from_edges(np.zeros(70, dtype=np.int64), np.arange(1, 71), pl.Series(range(71)))
    with pytest.raises(InputError, match="at most 64 candidates, got 65"):
        audience_overlap(big, np.arange(65), "wc", runs=5)
    with pytest.raises(InputError, match="runs must be"):
        audience_overlap(twins, [0, 1], "wc", runs=0)


@pytest.fixture(scope="module")
def random_graph() -> FollowerGraph:
    rng = np.random.default_rng(11)
    n, m = 120, 900
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    src[:40] = 0  # one hub, so audiences overlap
    return from_edges(src, dst, pl.Series([f"u{i}" for i in range(n)]))


CASES = [
    ("ic", {"p": 0.15}),
    ("ic", {"p": 1.0}),
    ("wc", {}),
    ("wc", {"max_steps": 1}),
    ("tv", {}),
    ("lt", {}),
    ("lt", {"max_steps": 2}),
    ("ic", {"p": 0.2, "brand": True}),
    ("lt", {"brand": True}),
]


def _kwargs(g: FollowerGraph, kw: dict[str, object]) -> dict[str, object]:
    out = dict(kw)
    if out.pop("brand", False):
        out["sender_factor"] = np.random.default_rng(2).uniform(0.1, 4.0, g.n)
    return out


@pytest.mark.parametrize(("model", "kw"), CASES)
def test_each_candidate_alone_is_exactly_simulate(
    random_graph: FollowerGraph, model: str, kw: dict[str, object]
) -> None:
    g = random_graph
    cands = [0, 3, 7, 50]
    kwargs = _kwargs(g, kw)
    res = audience_overlap(g, cands, model, runs=150, seed=9, **kwargs)  # type: ignore[arg-type]
    for i, u in enumerate(cands):
        alone = simulate(g, [u], model, runs=150, seed=9, **kwargs)  # type: ignore[arg-type]
        assert np.array_equal(res.exposed[:, i], alone.exposed)
        assert np.array_equal(res.activated[:, i], alone.activated)
        assert res.mean_exposed[i] == alone.summary()["mean_exposed"]
    joint = simulate(g, cands, model, runs=150, seed=9, **kwargs)  # type: ignore[arg-type]
    assert res.summary()["unique_reach"] == joint.summary()["mean_exposed"]
    if model == "lt":
        return
    # Cascades: the joint cascade is the union of the single ones in every run, so
    # |E_a ∩ E_b| = |E_a| + |E_b| - |E_{a,b}| run by run (inclusion-exclusion).
    assert np.array_equal(res.union_exposed, joint.exposed)
    for i in range(len(cands)):
        for j in range(i + 1, len(cands)):
            pair = simulate(g, [cands[i], cands[j]], model, runs=150, seed=9, **kwargs)  # type: ignore[arg-type]
            inter = res.exposed[:, i] + res.exposed[:, j] - pair.exposed
            assert res.shared_exposed[i, j] == inter.sum() / 150
            assert res.shared_exposed[j, i] == res.shared_exposed[i, j]


def _lt_reference(g: FollowerGraph, seed: int, runs: int, cands: list[int]) -> np.ndarray:
    """Summed |E_a ∩ E_b| with the kernels' LT thresholds, by a slow fixed-point loop."""
    w = build_model(g, "lt").weight
    assert w is not None
    src = g.edge_sources
    total = np.zeros((len(cands), len(cands)), dtype=np.int64)
    for key in run_keys(seed, runs):
        tkey = key ^ LT_SALT
        theta = [unit(np.uint64(hash2(tkey, np.uint64(v)))) for v in range(g.n)]
        sets = []
        for s in cands:
            active = {s}
            changed = True
            while changed:
                changed = False
                acc = np.zeros(g.n)
                for e in range(g.m):
                    if src[e] in active:
                        acc[g.out_idx[e]] += w[e]
                for v in range(g.n):
                    if v not in active and acc[v] > theta[v]:
                        active.add(v)
                        changed = True
            exposed = set(active)
            for u in active:
                exposed.update(g.out_idx[g.out_ptr[u] : g.out_ptr[u + 1]].tolist())
            sets.append(exposed)
        for i in range(len(cands)):
            for j in range(len(cands)):
                total[i, j] += len(sets[i] & sets[j])
    return total


def test_lt_shared_exposure_matches_a_slow_reference() -> None:
    rng = np.random.default_rng(5)
    n, m = 30, 110
    g = from_edges(rng.integers(0, n, m), rng.integers(0, n, m), pl.Series(range(n)))
    cands = [0, 1, 2]
    res = audience_overlap(g, cands, "lt", runs=12, seed=3)
    assert np.array_equal(res.shared_exposed * 12, _lt_reference(g, 3, 12, cands))


def test_same_seed_same_numbers_for_any_thread_count(random_graph: FollowerGraph) -> None:
    a = audience_overlap(random_graph, [0, 3, 7], "wc", runs=64, seed=1)
    b = audience_overlap(random_graph, [0, 3, 7], "wc", runs=64, seed=1, threads=1)
    c = audience_overlap(random_graph, [0, 3, 7], "wc", runs=64, seed=2)
    assert np.array_equal(a.exposed, b.exposed)
    assert np.array_equal(a.shared_exposed, b.shared_exposed)
    assert not np.array_equal(a.exposed, c.exposed)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    # follows file: "x,a" = x follows a. Same shape as `twins`, plus a brand.
    (tmp_path / "f.csv").write_text("follower,followed\nx,a\nx,b\na,x\nb,x\ny,x\nd,c\ne,d\n")
    (tmp_path / "ids.txt").write_text("# candidates\na\nc\n")
    (tmp_path / "p.csv").write_text(
        "id,handle,followers,engagement_rate,cost,topics\n"
        "a,@a,1000,0.02,10,food\nb,@b,1000,0.04,10,food\n"
    )
    (tmp_path / "b.csv").write_text("brand,topics,budget\nYum,food,100\n")
    return {
        "edges": tmp_path / "f.csv",
        "ids": tmp_path / "ids.txt",
        "profiles": tmp_path / "p.csv",
        "brands": tmp_path / "b.csv",
        "dir": tmp_path,
    }


def test_cli_overlap_prints_tables_and_unique_reach(files: dict[str, Path]) -> None:
    args = ["overlap", str(files["edges"]), "--model", "ic", "--p", "1", "--runs", "10"]
    r = runner.invoke(app, [*args, "--ids", "a,b,c"])
    assert r.exit_code == 0, r.output
    assert "unique reach 7.0 exposed (7.0 activated) when all 3 seed together vs 11.0" in (r.stdout)
    assert "redundancy 36.4%" in r.stdout and "pairs" in r.stdout
    j = runner.invoke(app, [*args, "--ids", "a,b", "--json"])
    data = json.loads(j.stdout)
    assert (data["unique_reach"], data["sum_individual"], data["redundancy"]) == (4.0, 8.0, 0.5)
    assert data["pairs"][0]["exposed_overlap"] == 1.0
    assert [c["id"] for c in data["per_candidate"]] == ["a", "b"]
    out = files["dir"] / "pairs.csv"
    w = runner.invoke(app, [*args, "--seeds-file", str(files["ids"]), "-o", str(out)])
    assert w.exit_code == 0, w.output
    assert pl.read_csv(out)["follower_overlap"].to_list() == [0.0]
    brand = ["--brand", "Yum", "--profiles", str(files["profiles"])]
    b = runner.invoke(
        app, [*args, "--ids", "a,b", *brand, "--brands", str(files["brands"]), "--json"]
    )
    assert b.exit_code == 0, b.output
    assert json.loads(b.stdout)["brand"] == "Yum"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ids", "a,zz"], "unknown candidate ID(s) 'zz'"),
        (["--ids", "a"], "at least 2 candidate IDs, got 1"),
        (["--ids", "a,a"], "candidate 'a' is listed more than once"),
        (["--ids", "a,b", "--seeds-file", "{ids}"], "exactly one of --ids or --seeds-file"),
        ([], "exactly one of --ids or --seeds-file"),
        (["--ids", "a,b", "--p", "2"], "--p must be in [0, 1]"),
        (["--ids", "a,b", "--runs", "0"], "--runs must be >= 1"),
        (["--ids", "a,b", "--brand", "Yum"], "--brand needs --profiles and --brands"),
        (["--ids", "a,b", "--model", "wc", "--p", "0.5"], "p applies to the ic model only"),
        (["--seeds-file", "{dir}/none.txt"], "no such file"),
    ],
)
def test_cli_overlap_errors_exit_2(files: dict[str, Path], extra: list[str], message: str) -> None:
    fmt = {k: str(v) for k, v in files.items()}
    r = runner.invoke(
        app, ["overlap", str(files["edges"]), "--runs", "5", *[a.format(**fmt) for a in extra]]
    )
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output
