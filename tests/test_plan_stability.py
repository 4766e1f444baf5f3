"""A chosen plan's stability: its selection re-run on bootstrap resamples of its RR pool."""

from __future__ import annotations

import numpy as np
import pytest
from worlds import small

from pipeline.errors import InputError
from pipeline.seeding import make_problem, select_seeds
from pipeline.seeding.imm import imm
from pipeline.seeding.plan_stability import plan_bootstrap, reselect


def test_reselect_on_the_pool_gives_imms_plan() -> None:
    g, prof, _ = small()
    for kw in ({"k": 6}, {"budget": 3000.0}, {"budget": 3000.0, "max_creators": 4}):
        problem = make_problem(g, model="wc", profiles=prof, seed=2, **kw)  # type: ignore[arg-type]
        res = imm(problem, epsilon=0.3)
        assert res.index is not None
        assert reselect(problem, res.index).tolist() == res.seeds.tolist()


def test_imm_plans_carry_their_stability_and_others_do_not() -> None:
    g, prof, _ = small()
    kw = {"k": 8, "model": "wc", "profiles": prof, "seed": 4, "estimate_rr_sets": 3000}
    s = select_seeds(g, "imm", epsilon=0.3, **kw)  # type: ignore[arg-type]
    boot = s.info["stability"]
    df = s.to_polars()
    picked = df["picked_in"].to_list()
    assert len(picked) == len(s) and all(0 <= x <= 5 for x in picked)
    assert boot.stability.resamples == 5 and len(boot.values) == 5
    lo, mid, hi = boot.spread
    assert 0 < lo <= mid <= hi
    assert not set(boot.stability.stand_ins.tolist()) & set(s.nodes.tolist())
    # the strongest creator is picked in every re-run
    assert picked[0] == 5
    again = select_seeds(g, "imm", epsilon=0.3, **kw)  # type: ignore[arg-type]
    assert again.to_polars()["picked_in"].to_list() == picked  # reproducible
    off = select_seeds(g, "imm", epsilon=0.3, resamples=0, **kw)  # type: ignore[arg-type]
    assert "stability" not in off.info and off.to_polars()["picked_in"].null_count() == len(off)
    macro = select_seeds(g, "macro", **kw)  # type: ignore[arg-type]
    assert macro.to_polars()["picked_in"].null_count() == len(macro)
    with pytest.raises(InputError, match="resamples must be"):
        select_seeds(g, "imm", resamples=-1, **kw)  # type: ignore[arg-type]


def test_stand_ins_and_values_follow_the_pool() -> None:
    g, prof, _ = small()
    problem = make_problem(g, model="ic", p=0.05, profiles=prof, seed=3, k=5)
    res = imm(problem, epsilon=0.5)
    assert res.index is not None
    boot = plan_bootstrap(problem, res.index, res.seeds, lambda p: float(len(p)), resamples=4,
                          seed=9)  # fmt: skip
    assert boot.values == (5.0, 5.0, 5.0, 5.0) and boot.spread == (5.0, 5.0, 5.0)
    text = boot.stand_ins_text(g.ids)
    counts = boot.stability.stand_in_counts
    assert (text == "") == (len(counts) == 0)
    # every re-run picks 5: the plan's picks and the stand-ins' add up to 4 x 5
    assert int(boot.stability.picked_in.sum() + counts.sum()) == 20
    assert np.array_equal(
        plan_bootstrap(problem, res.index, res.seeds, lambda p: 0.0, resamples=4, seed=9)
        .stability.picked_in, boot.stability.picked_in,
    )  # fmt: skip


def test_robust_plans_rerun_saturate_on_resampled_pools() -> None:
    g, prof, _ = small()
    kw = {"k": 5, "model": "wc", "profiles": prof, "seed": 6, "estimate_rr_sets": 2000}
    models = {"ic": "ic:0.05", "wc": "wc"}
    s = select_seeds(g, "robust", epsilon=0.3, models=models, resamples=3, **kw)  # type: ignore[arg-type]
    boot = s.info["stability"]
    assert boot.stability.resamples == 3 and "_rerun_plans" not in s.info
    picked = s.to_polars()["picked_in"].to_list()
    assert all(0 <= x <= 3 for x in picked) and max(picked) == 3
    again = select_seeds(g, "robust", epsilon=0.3, models=models, resamples=3, **kw)  # type: ignore[arg-type]
    assert again.to_polars()["picked_in"].to_list() == picked
