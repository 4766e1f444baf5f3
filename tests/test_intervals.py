"""The 95% interval's half-width: the polars list form equals the numpy form, and its
quantile is scipy's Student-t quantile."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.intervals import half_width, half_width_list, t975, t975_expr

VALUE = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(VALUE, max_size=40), min_size=1, max_size=12))
def test_list_half_width_is_the_numpy_half_width(rows: list[list[float | None]]) -> None:
    df = pl.DataFrame({"v": rows}, schema={"v": pl.List(pl.Float64)})
    by_list = df.select(half_width_list(pl.col("v")).alias("h"))["h"]
    for row, got in zip(rows, by_list.to_list(), strict=True):
        kept = np.array([x for x in row if x is not None], dtype=np.float64)
        if kept.size < 2:
            assert got is None
        else:
            assert math.isclose(got, float(half_width(kept)), rel_tol=1e-9, abs_tol=1e-9)


def test_the_quantile_expression_is_the_table_and_the_expansion() -> None:
    from scipy.stats import t

    dfs = [0.0, 0.5, *range(1, 80), 1000.0]
    got = pl.select(t975_expr(pl.lit(pl.Series(dfs, dtype=pl.Float64))).alias("q"))["q"]
    for d, q in zip(dfs, got.to_list(), strict=True):
        if d < 1:
            assert q is None
        else:
            assert q == t975(int(d))
            assert math.isclose(q, float(t.ppf(0.975, d)), rel_tol=1e-6)
