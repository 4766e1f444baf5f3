"""Projection to platform units at every hop: hand-worked graphs (docs/projection.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.diffusion import simulate
from pipeline.errors import InputError
from pipeline.graph_io import from_edges
from pipeline.profiles import load_profiles
from pipeline.profiles.audience import DEFAULT_REACH_RATES, ReachRates, audience


def _world(tmp_path: Path, edges: list[tuple[str, str]], rows: list[dict]):
    names = sorted({x for e in edges for x in e})
    pos = {c: i for i, c in enumerate(names)}
    g = from_edges(np.array([pos[u] for u, _ in edges]), np.array([pos[v] for _, v in edges]),
                   pl.Series(names))  # fmt: skip
    pl.DataFrame(rows).write_csv(tmp_path / "profiles.csv")
    return g, load_profiles(tmp_path / "profiles.csv", g), pos


def test_the_creator_and_one_profiled_follower(tmp_path: Path) -> None:
    # s (1,000,000 platform followers, ER 2%) is followed in the graph by a and b; a is
    # profiled (5,000 platform followers, ER 5%) and has 100 in-graph followers.
    edges = [("s", "a"), ("s", "b")] + [("a", f"f{i:03d}") for i in range(100)]
    rows = [{"id": "s", "followers": 1_000_000, "engagement_rate": 0.02},
            {"id": "a", "followers": 5_000, "engagement_rate": 0.05}]  # fmt: skip
    g, prof, pos = _world(tmp_path, edges, rows)
    for p, rate, imp, eng in ((1.0, 1.0, 1_005_000, 20_250), (0.0, 1.0, 1_000_000, 20_000),
                              (1.0, 0.15, 150_750, 20_250)):  # fmt: skip
        rows4 = audience(prof, ReachRates(default=rate)).kernel_rows()
        res = simulate(g, [pos["s"]], "ic", p=p, runs=20, seed=1, projection=rows4)
        assert res.projected is not None
        assert np.allclose(res.projected[:, 0], imp) and np.allclose(res.projected[:, 1], eng)
        summary = res.summary()
        assert summary["projected_impressions"] == pytest.approx(imp)
        assert summary["projected_engagements"] == pytest.approx(eng)


def test_two_creators_sharing_followers_count_people_once(tmp_path: Path) -> None:
    # two creators, 10,000 platform followers and 100 in-graph followers each, 50 shared
    edges = [("c1", f"v{i:03d}") for i in range(100)] + [
        ("c2", f"v{i:03d}") for i in range(50, 150)
    ]
    rows = [{"id": "c1", "followers": 10_000}, {"id": "c2", "followers": 10_000}]
    g, prof, pos = _world(tmp_path, edges, rows)
    rows4 = audience(prof, ReachRates(default=1.0)).kernel_rows()
    res = simulate(g, [pos["c1"], pos["c2"]], "ic", p=0.0, runs=5, seed=0, projection=rows4)
    assert res.projected is not None
    assert np.allclose(res.projected[:, 0], 20_000)  # impressions
    assert np.allclose(res.projected[:, 2], 15_000)  # people: 150 accounts x 100 each
    # at a reach rate r each follower is reached with probability r (1 - (1 - r)^2 if shared)
    r = 0.2
    res = simulate(g, [pos["c1"], pos["c2"]], "ic", p=0.0, runs=3, seed=0,
                   projection=audience(prof, ReachRates(default=r)).kernel_rows())  # fmt: skip
    assert res.projected is not None
    want = 100 * (100 * r + 50 * (1 - (1 - r) ** 2))
    assert np.allclose(res.projected[:, 2], want)
    # the creators' own posts alone, seed by seed: c1 reaches 10,000 people, c2 adds the
    # 50 followers it does not share (5,000), the plan's marginal people in one pass
    from pipeline.diffusion.project_kernel import paid_people_prefix, paid_units

    seeds = np.array([pos["c1"], pos["c2"]], dtype=np.int32)
    prefix = paid_people_prefix(g.out_ptr, g.out_idx, seeds, rows4)
    assert np.allclose(prefix, [10_000, 15_000])
    imp, _, people = paid_units(g.out_ptr, g.out_idx, seeds, rows4)  # no ER: engagements NaN
    assert (imp, people) == pytest.approx((20_000, 15_000))


def test_people_prefix_is_each_prefix_on_its_own() -> None:
    from pipeline.diffusion.project_kernel import paid_people_prefix, paid_units

    rng = np.random.default_rng(3)
    n = 60
    src, dst = rng.integers(0, n, 400), rng.integers(0, n, 400)
    keep = src != dst
    g = from_edges(src[keep], dst[keep], pl.Series(np.arange(n)))
    proj = np.ascontiguousarray(rng.uniform(0.0, 1.0, (4, n)) * [[50], [5], [0.6], [30]])
    seeds = rng.choice(n, 8, replace=False).astype(np.int32)
    prefix = paid_people_prefix(g.out_ptr, g.out_idx, seeds, proj)
    each = [paid_units(g.out_ptr, g.out_idx, seeds[: i + 1], proj)[2] for i in range(8)]
    assert np.allclose(prefix, each, rtol=1e-12)
    assert (np.diff(prefix) >= -1e-9).all()  # a post never takes people away


def test_projection_leaves_the_cascades_alone_and_is_reproducible(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    src, dst = rng.integers(0, 300, 2000), rng.integers(0, 300, 2000)
    g = from_edges(src, dst, pl.Series([f"u{i}" for i in range(300)]))
    sizes = rng.integers(1_000, 2_000_000, 43)
    rows = [{"id": f"u{i}", "followers": int(f), "engagement_rate": 0.03}
            for i, f in zip(range(0, 300, 7), sizes, strict=True)]  # fmt: skip
    pl.DataFrame(rows).write_csv(tmp_path / "p.csv")
    prof = load_profiles(tmp_path / "p.csv", g)
    rows4 = audience(prof).kernel_rows()
    plain = simulate(g, [1, 2, 3], "wc", runs=300, seed=4)
    proj = simulate(g, [1, 2, 3], "wc", runs=300, seed=4, projection=rows4)
    again = simulate(g, [1, 2, 3], "wc", runs=300, seed=4, projection=rows4, threads=1)
    assert np.array_equal(plain.activated, proj.activated)
    assert proj.projected is not None and again.projected is not None
    assert np.array_equal(proj.projected, again.projected)  # any thread count
    imp, people = proj.projected[:, 0], proj.projected[:, 2]
    assert (people <= imp + 1e-6).all() and (people > 0).all()  # unique people <= impressions
    lt = simulate(g, [1, 2, 3], "lt", runs=50, seed=4, projection=rows4)
    assert lt.projected is not None and (lt.projected[:, 0] > 0).all()
    with pytest.raises(InputError, match="projection has shape"):
        simulate(g, [1], "wc", runs=2, projection=rows4[:, :5])


def test_audiences_of_unprofiled_accounts_and_reach_rates(tmp_path: Path) -> None:
    # profiled micro creators: 20,000 platform followers for 10 in-graph (ratio 2,000);
    # an unprofiled account with 10 in-graph followers is scaled by its tier's ratio
    edges = ([(f"c{j}", f"x{j}{i}") for j in range(3) for i in range(10)]
             + [("u", f"y{i}") for i in range(10)])  # fmt: skip
    rows = [{"id": f"c{j}", "followers": 20_000, "engagement_rate": 0.04, "platform": "Instagram"}
            for j in range(3)]  # fmt: skip
    _, prof, pos = _world(tmp_path, edges, rows)
    a = audience(prof, ReachRates.parse("instagram.micro=0.3,micro=0.2"))
    u = pos["u"]
    assert a.audience[u] == pytest.approx(10 * 2_000)  # nano ratio falls back; micro after
    assert a.engagement_rate[u] == pytest.approx(0.04)  # its tier's median
    assert a.reach[pos["c0"]] == pytest.approx(0.3) and a.reach[u] == pytest.approx(0.2)
    assert ReachRates().rate("", "macro") == DEFAULT_REACH_RATES["macro"] == 0.032
    for bad in ("1.5", "micro=x", "giant.micro=0.1,x"):
        with pytest.raises(InputError):
            ReachRates.parse(bad)


def test_cli_simulate_reports_projected_units(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app

    edges = [("s", "a"), ("s", "b")] + [("a", f"f{i:03d}") for i in range(100)]
    rows = [{"id": "s", "followers": 1_000_000, "engagement_rate": 0.02},
            {"id": "a", "followers": 5_000, "engagement_rate": 0.05}]  # fmt: skip
    pl.DataFrame({"follower": [v for _, v in edges], "followed": [u for u, _ in edges]}).write_csv(
        tmp_path / "g.csv"
    )
    pl.DataFrame(rows).write_csv(tmp_path / "p.csv")
    args = ["simulate", str(tmp_path / "g.csv"), "--seeds", "s", "--p", "1", "--runs", "10",
            "--profiles", str(tmp_path / "p.csv"), "--json"]  # fmt: skip
    r = CliRunner().invoke(app, [*args, "--reach-rate", "0.15"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["projected_impressions"] == pytest.approx(150_750)
    assert out["projected_engagements"] == pytest.approx(20_250)
    r = CliRunner().invoke(app, [*args, "--reach-rate", "1.5"])
    assert r.exit_code == 2 and "--reach-rate" in r.output
    r = CliRunner().invoke(app, ["simulate", str(tmp_path / "g.csv"), "--seeds", "s",
                                 "--reach-rate", "0.2"])  # fmt: skip
    assert r.exit_code == 2 and "needs --profiles" in r.output


def test_seed_prints_what_the_plan_buys() -> None:
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app

    root = Path(__file__).resolve().parents[1] / "data"
    args = ["seed", str(root / "follows.csv"), "--strategy", "macro", "--k", "3", "--profiles",
            str(root / "profiles.csv"), "--model", "medium", "--seed", "1"]  # fmt: skip
    r = CliRunner().invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    units = json.loads(r.stdout)["projected"]
    assert units["projected_people"] <= units["projected_impressions"]
    total = json.loads(r.stdout)["total_cost"]
    assert units["cost_per_engagement"] == pytest.approx(total / units["projected_engagements"])
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0 and "people" in r.output and "per engagement" in r.output


def test_reach_rates_hold_a_platform_rate_beside_its_tiers() -> None:
    want = ReachRates(None, {}, {"instagram": 0.12}, {("instagram", "micro"): 0.2})
    for text in ("instagram=0.12,instagram.micro=0.2", "instagram.micro=0.2,instagram=0.12"):
        assert ReachRates.parse(text) == want
    assert ReachRates.parse({"instagram": {"micro": 0.2, "*": 0.12}}) == want
    assert want.rate("instagram", "micro") == 0.2 and want.rate("instagram", "mega") == 0.12
    with pytest.raises(InputError, match="unknown tier"):
        ReachRates.parse({"instagram": {"giant": 0.2}})


def test_creator_evidence_by_hand() -> None:
    """Per creator of a plan: its own post's engagements and impressions, the people it
    adds to those above, and the best creator left out that costs no more (lowest cost per
    own engagement), worked by hand."""
    from pipeline.campaign.why import creator_evidence

    # 0 and 1 are the plan; 2, 3, 4 are left out; 5..9 are followers
    src = np.array([0, 0, 1, 1, 2, 3, 4])
    dst = np.array([5, 6, 6, 7, 8, 9, 9])
    g = from_edges(src, dst, pl.Series(np.arange(10)))
    proj = np.zeros((4, 10))
    proj[0, :5] = [1000, 800, 500, 400, 900]  # impressions of each own post
    proj[1, :5] = [100, 40, 50, 10, 90]  # engagements of each own post
    proj[2, :5] = 1.0  # every follower sees the post
    proj[3, :5] = 10.0  # each in-graph follower stands for 10 people
    cost = np.array([200.0, 100.0, 100.0, 10.0, 500.0, *[np.nan] * 5])
    pool = np.zeros(10, dtype=np.bool_)
    pool[:5] = True
    handles = pl.Series([f"@a{i}" for i in range(10)])
    ev = creator_evidence(g, np.array([0, 1]), proj, cost, pool, handles)
    assert list(ev["own_engagements"]) == [100, 40] and list(ev["own_impressions"]) == [1000, 800]
    # 0 reaches 5 and 6 (20 people); 1 adds 7 only (6 is shared): 10 more
    assert np.allclose(ev["marginal_people"], [20, 10])
    # left out: 2 costs 100 for 50 (2.0 per engagement), 3 costs 10 for 10 (1.0), 4 costs
    # 500 (more than either creator): 3 is the best one costing no more, for both
    assert ev["alternative"] == ["@a3", "@a3"]
    assert np.allclose(ev["alternative_cost_per_engagement"], [1.0, 1.0])
    cheap = cost.copy()
    cheap[3] = 150.0  # 3 now costs 15.0 per engagement: 2 is the best for both
    ev = creator_evidence(g, np.array([0, 1]), proj, cheap, pool, handles)
    assert ev["alternative"] == ["@a2", "@a2"]
    assert np.allclose(ev["alternative_cost_per_engagement"], [2.0, 2.0])


def test_the_audience_table_is_kept_per_reach_rates(tmp_path: Path) -> None:
    # computed once per profiles and reach rates (read-only), recomputed for other rates
    edges = [("c1", f"v{i}") for i in range(5)]
    _, prof, _ = _world(tmp_path, edges, [{"id": "c1", "followers": 10_000}])
    first = audience(prof, ReachRates(default=0.2, by_tier={"micro": 0.1}))
    assert audience(prof, ReachRates(default=0.2, by_tier={"micro": 0.1})) is first
    other = audience(prof, ReachRates(default=0.2, by_tier={"micro": 0.3}))
    assert other is not first and audience(prof, ReachRates(default=0.5)) is not first
    with pytest.raises(ValueError, match="read-only"):
        first.reach[0] = 1.0
