"""Action logs (load_actions, place_on), research cascade formats and convert-cascades."""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from pipeline.calibration import (
    convert_cascades,
    load_actions,
    place_on,
    read_research_cascades,
)
from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph, from_edges

ANDROID = Path("/work/shared/datasets/stackexchange/android/cascades.txt")
runner = CliRunner()


def _write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text)
    return p


def _graph(ids: list[object]) -> FollowerGraph:
    """A path graph over ``ids`` (sorted, as the loader keeps them)."""
    s = pl.Series("id", sorted(ids))  # type: ignore[type-var]
    n = s.len()
    return from_edges(np.arange(n - 1), np.arange(1, n), s)


# ---------------------------------------------------------------- loading


LOG = "account,item,time\n3,20,7\n1,10,5\n2,10,2\n1,20,7\n"


def test_csv_and_parquet_load_alike_sorted_by_item_then_time(tmp_path: Path) -> None:
    csv = _write(tmp_path, "log.csv", LOG)
    log = load_actions(csv)
    expected = pl.DataFrame(
        {"account": [2, 1, 1, 3], "item": [10, 10, 20, 20], "time": [2.0, 5.0, 7.0, 7.0]}
    )
    assert_frame_equal(log.table, expected)
    assert log.time_kind == "seconds" and log.rows == 4 and log.duplicates_dropped == 0
    assert log.sha256 == hashlib.sha256(csv.read_bytes()).hexdigest()
    pq = tmp_path / "log.parquet"
    pl.read_csv(csv).write_parquet(pq)
    assert_frame_equal(load_actions(pq).table, expected)
    gz = tmp_path / "log.csv.gz"
    gz.write_bytes(gzip.compress(csv.read_bytes()))
    assert_frame_equal(load_actions(gz).table, expected)


def test_text_ids_stay_text_and_duplicates_keep_the_earliest(tmp_path: Path) -> None:
    p = _write(tmp_path, "log.csv", "account,item,time\nb,x,9\na,x,3\nb,x,4\n\nb,x,1.5\nc,y,0\n")
    log = load_actions(p)
    assert log.rows == 5 and log.duplicates_dropped == 2
    assert log.table.schema == pl.Schema(
        {"account": pl.String, "item": pl.String, "time": pl.Float64}
    )
    # y starts at 0, x at 1.5: y first
    assert log.table.rows() == [("c", "y", 0.0), ("b", "x", 1.5), ("a", "x", 3.0)]


def test_iso_times_with_offsets_become_unix_seconds(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "log.csv",
        "account,item,time\n"
        "a,1,2024-03-01T12:00:00+01:00\n"
        "b,1,2024-03-01T11:00:30Z\n"
        "c,2,2024-03-01 06:00:00.5-05:00\n"
        "d,2,2024-03-01T12:00+0100\n",
    )
    log = load_actions(p)
    assert log.time_kind == "iso"
    noon_cet = datetime(2024, 3, 1, 11, 0, tzinfo=UTC).timestamp()
    assert noon_cet == 1709290800
    got = dict(zip(log.table["account"], log.table["time"], strict=True))
    assert got == {"a": 1709290800.0, "b": 1709290830.0, "c": 1709290800.5, "d": 1709290800.0}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("a,1,5\nb,1,2024-03-01T12:00:00Z\n", ["line 3", "'2024-03-01T12:00:00Z'", "one kind"]),
        ("a,1,2024-03-01T12:00:00Z\nb,1,7\n", ["line 3", "'7'", "one kind"]),
        ("a,1,2024-03-01T12:00:00Z\nb,1,2024-03-01T12:00:00\n", ["line 3", "no UTC offset"]),
        ("a,1,5\n\nb,1,soon\n", ["line 4", "'soon'", "not a time"]),
        ("a,1,2024-02-30T12:00:00Z\n", ["line 2", "not a time"]),
        ("a,1,5\nb,1,inf\n", ["line 3", "'inf'", "finite"]),
        ("a,1,5\n,1,6\n", ["line 3", "'account'", "missing value"]),
        ("a,1,5\nb,1,\n", ["line 3", "'time'", "missing value"]),
    ],
)
def test_bad_times_and_values_are_refused_naming_the_line(
    tmp_path: Path, body: str, words: list[str]
) -> None:
    p = _write(tmp_path, "log.csv", "account,item,time\n" + body)
    with pytest.raises(InputError) as exc:
        load_actions(p)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(p))
    for w in words:
        assert w in msg, (w, msg)


def test_empty_missing_and_unknown_files_are_refused(tmp_path: Path) -> None:
    for text in ("account,item,time\n", ""):
        with pytest.raises(InputError, match="empty"):
            load_actions(_write(tmp_path, "e.csv", text))
    with pytest.raises(InputError, match=r"no column 'time'.*'account', 'item', 'when'"):
        load_actions(_write(tmp_path, "c.csv", "account,item,when\na,1,2\n"))
    with pytest.raises(InputError, match="no such file"):
        load_actions(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="extension"):
        load_actions(_write(tmp_path, "log.json", "[]"))


def test_seed_column_is_parsed_as_boolean(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "log.csv",
        "account,item,time,seed\na,1,1,TRUE\nb,1,2,no\nc,1,3,1\nd,1,4,0\ne,1,5,Yes\nf,1,6,\n",
    )
    seed = load_actions(p).table["seed"]
    assert seed.dtype == pl.Boolean
    assert seed.to_list() == [True, False, True, False, True, False]
    bad = _write(tmp_path, "bad.csv", "account,item,time,seed\na,1,1,true\nb,1,2,maybe\n")
    with pytest.raises(InputError, match=r"line 3, column 'seed'.*'maybe'"):
        load_actions(bad)


def test_column_mapping_renames_and_names_missing_columns(tmp_path: Path) -> None:
    p = _write(tmp_path, "log.csv", "user,post,ts,account\nu1,p1,5,zzz\nu2,p1,3,zzz\n")
    log = load_actions(p, columns={"account": "user", "item": "post", "time": "ts"})
    assert log.table.columns == ["account", "item", "time"]
    assert log.table["account"].to_list() == ["u2", "u1"]
    with pytest.raises(InputError, match=r"no column 'who'.*'user', 'post', 'ts'"):
        load_actions(p, columns={"account": "who"})
    bad = _write(tmp_path, "bad.csv", "user,post,ts\nu1,p1,later\n")
    with pytest.raises(InputError, match="column 'ts'"):
        load_actions(bad, columns={"account": "user", "item": "post", "time": "ts"})


# ---------------------------------------------------------------- place_on


def test_place_on_integer_graph_with_text_log_ids(tmp_path: Path) -> None:
    p = _write(tmp_path, "log.csv", "account,item,time\n20,a,1\nzz,a,2\n10,a,3\n99,b,4\nzz,b,5\n")
    log = load_actions(p)
    assert log.table["account"].dtype == pl.String
    c = place_on(log, _graph([10, 20, 30]))
    assert c.n_items == 2 and c.items.to_list() == ["a", "b"]
    assert c.item_ptr.tolist() == [0, 3, 5]
    assert c.node.tolist() == [1, -1, 0, -1, -1]
    assert c.account.to_list() == ["20", "zz", "10", "99", "zz"]
    assert c.missing_accounts == 2 and c.missing_rows == 3
    assert c.start.tolist() == [1.0, 4.0] and c.seed is None and c.via is None


def test_place_on_text_graph_with_integer_log_ids(tmp_path: Path) -> None:
    p = _write(tmp_path, "log.csv", "account,item,time,via\n7,1,1,\n5,1,2,7\n6,1,3,8\n")
    log = load_actions(p)
    assert log.table["account"].dtype == pl.Int64
    c = place_on(log, _graph(["5", "7", "x"]))
    assert c.node.tolist() == [1, 0, -1]
    # empty: not recorded (-1); 8 is recorded but outside the graph (-2)
    assert c.via is not None and c.via.tolist() == [-1, 1, -2] and c.unknown_via == 1
    assert c.missing_accounts == 1 and c.missing_rows == 1


def test_item_order_ties_on_first_time_broken_by_item_id(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "log.csv",
        "account,item,time\n2,30,5\n1,30,5\n3,20,5\n1,20,9\n2,10,6\n1,10,8\n",
    )
    c = place_on(load_actions(p), _graph([1, 2, 3]))
    assert c.items.to_list() == [20, 30, 10]
    assert c.item_ptr.tolist() == [0, 2, 4, 6]
    assert c.account.to_list() == [3, 1, 1, 2, 2, 1]  # within 30: a tie at 5, by account
    assert c.time.tolist() == [5.0, 9.0, 5.0, 5.0, 6.0, 8.0]
    assert c.start.tolist() == [5.0, 5.0, 6.0]
    assert c.node.dtype == np.int32 and c.item_ptr.dtype == np.int64


def test_brand_filter(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "log.csv",
        "account,item,time,brand,seed\n1,1,1,Go,yes\n2,2,2,Yum,no\n3,1,3,Yum,no\n1,2,0,Go,no\n",
    )
    log = load_actions(p)
    g = _graph([1, 2, 3])
    c = place_on(log, g, brand="Yum")
    # item 1 starts at 3 for Yum (its Go row at 1 is dropped), item 2 at 2
    assert c.items.to_list() == [2, 1] and c.account.to_list() == [2, 3]
    assert c.seed is not None and c.seed.tolist() == [False, False]
    assert place_on(log, g).n_items == 2
    with pytest.raises(InputError, match=r"no row has brand 'Nope'.*'Go', 'Yum'"):
        place_on(log, g, brand="Nope")
    plain = load_actions(_write(tmp_path, "plain.csv", "account,item,time\n1,1,1\n"))
    with pytest.raises(InputError, match="no 'brand' column"):
        place_on(plain, g, brand="Yum")


# ---------------------------------------------------------------- research formats


def test_forest_format(tmp_path: Path) -> None:
    p = _write(tmp_path, "c.txt", "\n5 10,7 12.5,\r\n\n  9 3  \n")
    df = read_research_cascades(p, "forest")
    expected = pl.DataFrame({"account": [5, 7, 9], "item": [0, 0, 1], "time": [10.0, 12.5, 3.0]})
    assert_frame_equal(df, expected)


def test_mshgat_format(tmp_path: Path) -> None:
    p = _write(tmp_path, "c.txt", "r1 u1 100,u2 150,u3 170,\nr2 u4 5,\n")
    df = read_research_cascades(p, "mshgat")
    expected = pl.DataFrame(
        {
            "account": ["r1", "u1", "u2", "u3", "r2", "u4"],
            "item": [0, 0, 0, 0, 1, 1],
            "time": [100.0, 100.0, 150.0, 170.0, 5.0, 5.0],
        }
    )
    assert_frame_equal(df, expected)


def test_infvae_format(tmp_path: Path) -> None:
    p = _write(tmp_path, "c.txt", "s 1 10 2 20\n\n\t8  3 5\n")
    df = read_research_cascades(p, "infvae")
    expected = pl.DataFrame(
        {
            "account": ["s", "1", "2", "8", "3"],
            "item": [0, 0, 0, 1, 1],
            "time": [10.0, 10.0, 20.0, 5.0, 5.0],
        }
    )
    assert_frame_equal(df, expected)


@pytest.mark.parametrize(
    ("fmt", "text", "words"),
    [
        ("forest", "a 1,b 2\nc 3,d,e 4\n", ["line 2, chunk 2", "'d'"]),
        ("forest", "a 1,,b 2\n", ["line 1, chunk 2"]),
        ("forest", "\na 1,b x\n", ["line 2, chunk 2", "'x'", "number"]),
        ("mshgat", "a b 1,c 2\na 1,c 2\n", ["line 2, chunk 1", "root user time"]),
        ("infvae", "s a 1 b\n", ["line 1", "odd number"]),
        ("infvae", "s a 1 b nope\n", ["line 1, chunk 2", "'nope'"]),
        ("forest", "\n\n", ["no cascades"]),
    ],
)
def test_malformed_research_files_name_line_and_chunk(
    tmp_path: Path, fmt: str, text: str, words: list[str]
) -> None:
    p = _write(tmp_path, "c.txt", text)
    with pytest.raises(InputError) as exc:
        read_research_cascades(p, fmt)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(p))
    for w in words:
        assert w in msg, (w, msg)


def test_id_map_and_parquet_output(tmp_path: Path) -> None:
    p = _write(tmp_path, "c.txt", "7 1,8 2\n9 3\n")
    m = _write(tmp_path, "map.csv", "account,id\nalice,7\nbob,8\ncarol,9\n")
    out = tmp_path / "log.parquet"
    df = convert_cascades(p, "forest", out, id_map=m)
    assert df["account"].to_list() == ["alice", "bob", "carol"]
    assert_frame_equal(pl.read_parquet(out), df)
    short = _write(tmp_path, "short.csv", "id,account\n7,alice\n")
    with pytest.raises(InputError, match=r"line 1: user '8' is not in the ID map"):
        read_research_cascades(p, "forest", id_map=short)
    with pytest.raises(InputError, match=r"\.csv or \.parquet"):
        convert_cascades(p, "forest", tmp_path / "log.json")


@pytest.mark.skipif(not ANDROID.exists(), reason="the shared Stack Exchange data is absent")
def test_android_cascades_match_the_dataset_readme() -> None:
    df = read_research_cascades(ANDROID, "mshgat")
    assert df["item"].n_unique() == 679 and df.height == 29_022
    assert df.unique(["account", "item"]).height == 29_022  # no repeat within a cascade
    assert df["account"].dtype == pl.Int64


# ---------------------------------------------------------------- CLI


def test_cli_convert_cascades(tmp_path: Path) -> None:
    p = _write(tmp_path, "c.txt", "r u 1,v 2,\nr w 3,\n")
    out = tmp_path / "log.csv"
    r = runner.invoke(app, ["convert-cascades", str(p), "--format", "mshgat", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "2 items, 5 adoptions, 4 distinct accounts" in " ".join(r.stderr.split())
    log = load_actions(out)
    assert log.rows == 5 and log.table["item"].to_list() == [0, 0, 0, 1, 1]
    quiet = runner.invoke(
        app, ["convert-cascades", str(p), "--format", "mshgat", "-o", str(out), "-q"]
    )
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_cli_convert_cascades_bad_input_exits_2(tmp_path: Path) -> None:
    p = _write(tmp_path, "c.txt", "r u 1,v two,\n")
    out = tmp_path / "log.csv"
    r = runner.invoke(app, ["convert-cascades", str(p), "--format", "mshgat", "--out", str(out)])
    assert r.exit_code == 2
    assert "line 1, chunk 2" in r.stderr and "Traceback" not in r.output
    assert not out.exists()
    r = runner.invoke(
        app, ["convert-cascades", str(p), "--format", "forest", "--out", str(tmp_path / "x.txt")]
    )
    assert r.exit_code == 2 and "--out" in r.stderr
