"""Default CPM per platform and the CPM of every account (pipeline.valuation)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.graph_io import load_graph
from pipeline.profiles import load_profiles
from pipeline.valuation import DEFAULT_CPM, cpm_per_account

TABLE = pl.DataFrame(
    {
        "cpm": [12.0, None, float("nan"), None, None, None],
        "platform": ["tiktok", "TikTok ", None, "mastodon", "youtube", "instagram"],
    }
)


def test_default_table_is_the_published_figures() -> None:
    assert DEFAULT_CPM == {"instagram": 6.11, "tiktok": 5.12, "youtube": 6.2, "*": 5.81}
    assert DEFAULT_CPM["*"] == pytest.approx(
        (DEFAULT_CPM["instagram"] + DEFAULT_CPM["tiktok"] + DEFAULT_CPM["youtube"]) / 3, abs=0.01
    )


def test_own_cpm_first_then_the_platform_table() -> None:
    got = cpm_per_account(TABLE)  # None: DEFAULT_CPM, "*" for unlisted and missing platforms
    assert got.dtype == np.float64 and got.shape == (6,)
    assert got.tolist() == [12.0, 5.12, 5.81, 5.81, 6.2, 6.11]
    assert cpm_per_account(TABLE, 3).tolist() == [12.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    got = cpm_per_account(TABLE, {" TIKTOK": 9.0, "*": 1.5})
    assert got.tolist() == [12.0, 9.0, 1.5, 1.5, 1.5, 1.5]
    got = cpm_per_account(TABLE, {"tiktok": 9.0})  # no "*": unknown
    assert got[:2].tolist() == [12.0, 9.0] and np.isnan(got[2:]).all()


def test_tables_without_the_columns_and_empty_tables() -> None:
    assert cpm_per_account(pl.DataFrame({"id": [1, 2]})).tolist() == [5.81, 5.81]
    assert cpm_per_account(pl.DataFrame({"cpm": [2.0, None]}), 4).tolist() == [2.0, 4.0]
    assert cpm_per_account(TABLE.head(0)).shape == (0,)


@pytest.mark.parametrize(
    ("default", "needle"),
    [
        (-1.0, "default_cpm: expected a number >= 0, got -1.0"),
        ({"tiktok": -2}, "default_cpm: tiktok: expected a number >= 0, got -2"),
        ({"*": math.inf}, "default_cpm: \\*: expected a number >= 0"),
        ({"youtube": "cheap"}, "default_cpm: youtube: expected a number >= 0, got 'cheap'"),
        (True, "expected a number"),
    ],
)
def test_bad_defaults_name_their_key(default: object, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        cpm_per_account(TABLE, default)  # type: ignore[arg-type]


def test_profiles_in_node_order(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text("follower,followed\na,b\nb,c\nc,a\nd,a\n")
    (tmp_path / "p.csv").write_text("id,cpm,platform\nb,,YouTube\nc,20,tiktok\n")
    prof = load_profiles(tmp_path / "p.csv", load_graph(tmp_path / "f.csv"))
    ids = prof.table["id"].to_list()
    got = dict(zip(ids, cpm_per_account(prof, {"youtube": 7.0, "*": 1.0}).tolist(), strict=True))
    assert got == {"a": 1.0, "b": 7.0, "c": 20.0, "d": 1.0}


def test_same_numbers_as_the_campaign_cell_cpm(tmp_path: Path) -> None:
    """The campaign's reach-weighted CPM of a cell is the weighted mean of these."""
    from pipeline.campaign import cell_cpm

    (tmp_path / "f.csv").write_text("follower,followed\na,b\nb,c\nc,a\nd,a\n")
    (tmp_path / "p.csv").write_text("id,cpm,platform\nb,,youtube\nc,20,tiktok\nd,,tiktok\n")
    prof = load_profiles(tmp_path / "p.csv", load_graph(tmp_path / "f.csv"))
    nodes, weights = np.array([0, 1, 2, 3]), np.array([1.0, 2.0, 3.0, 4.0])
    # (with no default the campaign leaves a CPM unknown; this module takes DEFAULT_CPM)
    for default in (4.0, {"tiktok": 6.0, "*": 2.0}):
        per = cpm_per_account(prof, default)[nodes]
        assert cell_cpm(prof, nodes, weights, default) == pytest.approx(
            float(np.average(per, weights=weights))
        )


def test_a_million_accounts() -> None:
    # the default table on a million rows (what it returns; its speed is not timed here)
    n = 1_000_000
    rng = np.random.default_rng(0)
    names = np.array(["instagram", "tiktok", "youtube", "other"])[rng.integers(0, 4, n)]
    big = pl.DataFrame({"cpm": pl.Series([None] * n, dtype=pl.Float64), "platform": names})
    got = cpm_per_account(big)
    assert got.shape == (n,) and np.isfinite(got).all()
    assert got[names == "other"].tolist() == [5.81] * int((names == "other").sum())
