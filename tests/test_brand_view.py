"""One brand view from the profiles (:func:`pipeline.profiles.brand_view`): its arrays are
the rule's (relevance, sender factor, audience quality, brand-fit pool), computed once and
kept read-only on the profiles, and every entry point (the library layer, seeding)
takes its kernel inputs from it, so the same profiles give the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

import pipeline as ip
from pipeline.diffusion import compete as run_compete
from pipeline.diffusion import simulate as run_simulate
from pipeline.diffusion import wc_probabilities
from pipeline.errors import InputError
from pipeline.overlap import audience_overlap as run_overlap
from pipeline.profiles import (
    BrandView,
    brand_sender_factor,
    brand_view,
    default_profiles,
    fit_pool,
    relevance,
)
from pipeline.seeding import edge_values, make_problem
from pipeline.testing import small_world

BRAND = "acme"


def test_the_view_holds_the_rule_arrays_computed_once() -> None:
    _, prof, brands = small_world()
    view = brand_view(prof, brands, BRAND)
    assert isinstance(view, BrandView) and view.brand == BRAND
    assert view is brand_view(prof, brands, BRAND)  # kept on the profiles
    assert view.relevance is relevance(prof, brands, BRAND)  # one brand-array cache
    assert view.sender_factor is brand_sender_factor(prof, brands, BRAND)
    assert view.quality is not None
    assert np.array_equal(view.quality, prof.real_audience) and (view.quality < 1).any()
    assert view.pool is None and view.min_relevance is None
    for arr in (view.relevance, view.sender_factor, view.quality):
        assert arr is not None and not arr.flags.writeable
    assert brand_view(prof, brands, BRAND, brand_aware=False).sender_factor is None
    fit = brand_view(prof, brands, BRAND, min_relevance=0.3)
    assert fit.min_relevance == 0.3 and fit.pool is not None and not fit.pool.flags.writeable
    assert np.array_equal(fit.pool, fit_pool(prof, brands, BRAND, 0.3)[1])
    alone = brand_view(prof)  # no brand: the profiles' audience quality only
    assert alone.relevance is None and alone.sender_factor is None and alone.pool is None
    assert alone.quality is view.quality
    assert alone.kernel_options() == {"sender_factor": None, "quality": view.quality}


def test_quality_is_none_when_every_follower_is_real() -> None:
    g, _, _ = small_world()
    assert brand_view(default_profiles(g)).quality is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"brand": BRAND, "brands": None}, "needs the brands table"),
        ({"brand": "nope"}, "unknown brand 'nope'"),
        ({"brand": None, "min_relevance": 0.2}, "min_relevance needs a brand"),
        ({"min_relevance": 2.0}, "min_relevance must be in"),
        ({"min_relevance": 1.0}, "leaves no candidate"),
    ],
)
def test_bad_requests_are_refused(kwargs: dict[str, object], message: str) -> None:
    _, prof, brands = small_world()
    args = {"brands": brands, "brand": BRAND, **kwargs}
    with pytest.raises(InputError, match=message):
        brand_view(prof, **args)  # type: ignore[arg-type]


def test_seeding_takes_the_view() -> None:
    g, prof, brands = small_world()
    problem = make_problem(g, k=3, model="wc", profiles=prof, brands=brands, brand=BRAND,
                           min_relevance=0.2)  # fmt: skip
    view = brand_view(prof, brands, BRAND, min_relevance=0.2)
    assert problem.relevance is view.relevance
    assert view.pool is not None and not (problem.eligible & ~view.pool).any()
    values, _ = edge_values(g, "wc", sender_factor=view.sender_factor, quality=view.quality)
    assert np.array_equal(problem.values, values)
    # the rule spelled out: min(1, p f_u) q_u
    src = g.edge_sources
    assert view.sender_factor is not None and view.quality is not None
    by_hand = np.minimum(1.0, wc_probabilities(g) * view.sender_factor[src])
    assert np.allclose(problem.values, by_hand * view.quality[src], rtol=1e-6)


def test_the_library_layer_takes_profiles_brands_and_brand() -> None:
    g, prof, brands = small_world()
    ids = g.ids.head(4).to_list()
    nodes = g.index_of(ids)
    view = brand_view(prof, brands, BRAND)
    kw = {"runs": 200, "seed": 3}
    lib = ip.simulate(g, ids, "wc", profiles=prof, brands=brands, brand=BRAND, **kw)
    ref = run_simulate(g, nodes, "wc", sender_factor=view.sender_factor, quality=view.quality,
                       **kw)  # fmt: skip
    assert np.array_equal(lib.exposed, ref.exposed) and np.array_equal(lib.activated, ref.activated)
    bare = ip.simulate(g, ids, "wc", **kw)
    assert not np.array_equal(lib.exposed, bare.exposed)
    over = ip.audience_overlap(g, ids, "wc", profiles=prof, brands=brands, brand=BRAND, **kw)
    ref_o = run_overlap(g, nodes, "wc", sender_factor=view.sender_factor, quality=view.quality,
                        **kw)  # fmt: skip
    assert np.array_equal(over.exposed, ref_o.exposed)
    assert over.summary()["unique_reach"] == ref.summary()["mean_exposed"]
    seeds = {BRAND: ids[:2], "other": ids[2:]}
    with pytest.raises(InputError, match="unknown brand 'other'"):  # brand-aware: in brands
        ip.compete(g, seeds, "wc", profiles=prof, brands=brands, **kw)
    comp = ip.compete(g, seeds, "wc", profiles=prof, **kw)  # quality only
    ref_c = run_compete(g, {BRAND: nodes[:2], "other": nodes[2:]}, "wc", quality=view.quality,
                        **kw)  # fmt: skip
    assert np.array_equal(comp.adopters, ref_c.adopters)


def test_the_library_layer_refuses_mixed_inputs() -> None:
    g, prof, brands = small_world()
    ids = g.ids.head(2).to_list()
    with pytest.raises(InputError, match="give profiles= or quality="):
        ip.simulate(g, ids, "wc", profiles=prof, quality=np.ones(g.n), runs=5)
    with pytest.raises(InputError, match="needs profiles= and brands="):
        ip.audience_overlap(g, ids, "wc", brand=BRAND, runs=5)
    with pytest.raises(InputError, match="brands= needs profiles="):
        ip.compete(g, {"a": ids[:1], "b": ids[1:]}, "wc", brands=brands, runs=5)
    with pytest.raises(InputError, match="of a graph of 120 accounts"):
        ip.simulate(g, ids, "wc", profiles=small_world(120)[1], runs=5)
