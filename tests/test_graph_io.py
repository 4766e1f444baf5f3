"""Follower-graph ingestion: formats, edge meaning, ID mapping, merging, bad input."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.graph_io import (
    FollowerGraph,
    dense_ids,
    detect_format,
    from_edges,
    load_graph,
    read_edge_table,
    read_id_list,
)
from pipeline.graph_io.readers import _snap_fast

# Row (a, b): "a follows b" by default. Three nodes, a chain plus one extra follow.
ROWS = [("a", "b"), ("b", "c"), ("a", "c")]


def edge_set(g: FollowerGraph) -> set[tuple[object, object]]:
    """Edges as (external source, external target) pairs, from the out-CSR."""
    ids = g.ids.to_list()
    return {(ids[u], ids[v]) for u, v in zip(g.edge_sources, g.out_idx, strict=True)}


def check_consistent(g: FollowerGraph) -> None:
    """Out-CSR, in-CSR, in_eid and the igraph graph describe the same edges."""
    n, m = g.n, g.m
    assert g.out_ptr.dtype == np.int64 and g.out_idx.dtype == np.int32
    assert g.in_ptr.dtype == np.int64 and g.in_idx.dtype == np.int32
    assert g.in_eid.dtype == np.int64
    assert g.out_ptr[0] == 0 and g.out_ptr[-1] == m and g.in_ptr[-1] == m
    assert len(g.out_ptr) == len(g.in_ptr) == n + 1
    src = g.edge_sources
    # Edges sorted by (source, target), no duplicates, no self-loops.
    key = src.astype(np.int64) * n + g.out_idx
    assert np.all(np.diff(key) > 0)
    assert not np.any(src == g.out_idx)
    # In-CSR slot s of node v is edge in_eid[s]: target v, source in_idx[s].
    for v in range(n):
        slots = slice(g.in_ptr[v], g.in_ptr[v + 1])
        eids = g.in_eid[slots]
        assert np.all(g.out_idx[eids] == v)
        assert np.array_equal(src[eids], g.in_idx[slots])
    assert sorted(g.in_eid.tolist()) == list(range(m))
    # igraph: edge id e is CSR edge e.
    assert g.graph.is_directed() and g.graph.vcount() == n and g.graph.ecount() == m
    assert g.graph.get_edgelist() == list(zip(src.tolist(), g.out_idx.tolist(), strict=True))


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- formats


def _write_format(tmp_path: Path, fmt: str) -> Path:
    header, body = "follower,followed\n", "".join(f"{a},{b}\n" for a, b in ROWS)
    if fmt == "csv":
        return write(tmp_path / "g.csv", header + body)
    if fmt == "tsv":
        return write(tmp_path / "g.tsv", (header + body).replace(",", "\t"))
    if fmt == "parquet":
        p = tmp_path / "g.parquet"
        pl.DataFrame(
            {"follower": [a for a, _ in ROWS], "followed": [b for _, b in ROWS]}
        ).write_parquet(p)
        return p
    if fmt == "snap":
        text = "# Directed graph\n# FromNodeId\tToNodeId\n" + body.replace(",", "\t")
        return write(tmp_path / "g.txt", text)
    if fmt == "csv.gz":
        p = tmp_path / "g.csv.gz"
        p.write_bytes(gzip.compress((header + body).encode()))
        return p
    if fmt == "snap.gz":
        p = tmp_path / "g.txt.gz"
        p.write_bytes(gzip.compress(("# comment\n" + body.replace(",", " ")).encode()))
        return p
    raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "snap", "csv.gz", "snap.gz"])
def test_each_format_loads_the_same_graph(tmp_path: Path, fmt: str) -> None:
    g = load_graph(_write_format(tmp_path, fmt))
    assert g.ids.to_list() == ["a", "b", "c"]
    # follows: a follows b => b -> a.
    assert edge_set(g) == {("b", "a"), ("c", "b"), ("c", "a")}
    assert g.report.rows == 3 and g.report.edges == 3 and g.report.nodes == 3
    check_consistent(g)


def test_detect_format() -> None:
    assert detect_format("x.csv") == "csv"
    assert detect_format("x.CSV.gz") == "csv"
    assert detect_format("a.b/x.tsv") == "tsv"
    assert detect_format("x.tab") == "tsv"
    assert detect_format("x.parquet") == "parquet"
    assert detect_format("soc-Epinions1.txt.gz") == "snap"
    assert detect_format("x.edges") == "snap"


def test_snap_variants(tmp_path: Path) -> None:
    # Multiple blanks, blank lines, CRLF, a third column: the careful parser.
    p = write(tmp_path / "g.txt", "# c\r\n1   2 0.5\r\n\r\n  2\t3\r\n#x\n3 1\n")
    g = load_graph(p, edge_meaning="influences")
    assert g.ids.dtype == pl.Int64
    assert edge_set(g) == {(1, 2), (2, 3), (3, 1)}
    # Text IDs in SNAP stay text; quotes are part of an ID.
    g = load_graph(write(tmp_path / "h.txt", 'u1 u2\nu2 10\n"q u1\n'), edge_meaning="influences")
    assert edge_set(g) == {("u1", "u2"), ("u2", "10"), ('"q', "u1")}


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ("# Directed graph: x.txt\n# FromNodeId\tToNodeId\n1\t2\n2\t3\n3\t1\n", True),
        ("1 2\r\n2 3\r\n3 1\r\n", True),
        ("1 2 9\n2 3 9\n3 1 9\n", True),
        ("1 2\n# mid-file comment\n2 3\n3 1\n", False),
        ("1 2\n\n2 3\n3 1\n", False),
        ("1  2\n2 3\n3 1\n", False),
        ("1 2\n2\t3\n3 1\n", False),
    ],
)
def test_snap_fast_and_careful_parsers_agree(tmp_path: Path, text: str, fast: bool) -> None:
    assert (_snap_fast(text.encode()) is not None) == fast
    g = load_graph(write(tmp_path / "g.txt", text), edge_meaning="influences")
    assert g.ids.to_list() == [1, 2, 3]
    assert edge_set(g) == {(1, 2), (2, 3), (3, 1)}


def test_explicit_format_overrides_suffix(tmp_path: Path) -> None:
    p = write(tmp_path / "edges.dat", "1 2\n2 3\n")
    g = load_graph(p, format="snap")
    assert edge_set(g) == {(2, 1), (3, 2)}


def test_named_columns(tmp_path: Path) -> None:
    p = write(
        tmp_path / "g.csv",
        "row,x,dst,src,probability\n0,q,b,a,0.5\n1,q,c,b,0.25\n",
    )
    g = load_graph(p, source_col="src", target_col="dst", edge_meaning="influences")
    assert edge_set(g) == {("a", "b"), ("b", "c")}
    assert g.probability is not None
    assert g.probability.tolist() == [0.5, 0.25]
    # Only one named: the other is the first remaining column.
    table, fmt = read_edge_table(p, target_col="dst")
    assert fmt == "csv"
    # 'row' is numeric, 'dst' text: both read as text.
    assert table["source"].to_list() == ["0", "1"] and table["target"].to_list() == ["b", "c"]


# ------------------------------------------------------------------ edge meaning


@pytest.mark.parametrize("meaning", ["follows", "influences"])
def test_edge_meaning_direction_three_nodes(tmp_path: Path, meaning: str) -> None:
    p = write(tmp_path / "g.csv", "a_col,b_col\n1,2\n2,3\n")
    g = load_graph(p, edge_meaning=meaning)  # type: ignore[arg-type]
    assert g.ids.to_list() == [1, 2, 3]
    if meaning == "follows":
        # 1 follows 2 and 2 follows 3: influence flows 2 -> 1 and 3 -> 2.
        expected = [(1, 0), (2, 1)]
        assert g.out_ptr.tolist() == [0, 0, 1, 2]
        assert g.out_idx.tolist() == [0, 1]
        assert g.in_ptr.tolist() == [0, 1, 2, 2]
        assert g.in_idx.tolist() == [1, 2]
        assert g.in_eid.tolist() == [0, 1]
        assert g.follower_count.tolist() == [0, 1, 1]
        assert g.following_count.tolist() == [1, 1, 0]
    else:
        expected = [(0, 1), (1, 2)]
        assert g.out_ptr.tolist() == [0, 1, 2, 2]
        assert g.out_idx.tolist() == [1, 2]
        assert g.in_ptr.tolist() == [0, 0, 1, 2]
        assert g.in_idx.tolist() == [0, 1]
        assert g.in_eid.tolist() == [0, 1]
    assert g.graph.get_edgelist() == expected
    check_consistent(g)


def test_unknown_edge_meaning(tmp_path: Path) -> None:
    p = write(tmp_path / "g.csv", "a,b\n1,2\n")
    with pytest.raises(InputError, match="unknown edge meaning 'likes'"):
        load_graph(p, edge_meaning="likes")  # type: ignore[arg-type]


# ------------------------------------------------------------------ IDs


def test_integer_and_string_ids(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "i.csv", "s,t\n10,-5\n7,10\n"), edge_meaning="influences")
    assert g.ids.dtype == pl.Int64 and g.ids.to_list() == [-5, 7, 10]
    assert edge_set(g) == {(10, -5), (7, 10)}
    g = load_graph(write(tmp_path / "s.csv", "s,t\nbob,al\nzed,bob\n"), edge_meaning="influences")
    assert g.ids.dtype == pl.String and g.ids.to_list() == ["al", "bob", "zed"]
    # One column numeric, the other text: all text.
    g = load_graph(write(tmp_path / "m.csv", "s,t\n1,x\n2,1\n"), edge_meaning="influences")
    assert g.ids.dtype == pl.String and edge_set(g) == {("1", "x"), ("2", "1")}
    nodes = g.nodes
    assert nodes.columns == ["node", "id", "followers_in_graph", "following_in_graph"]
    assert nodes["id"].to_list() == ["1", "2", "x"]


def test_parquet_mixed_integer_widths_stay_integers(tmp_path: Path) -> None:
    p = tmp_path / "g.parquet"
    pl.DataFrame(
        {"s": pl.Series([1, 2], dtype=pl.Int32), "t": pl.Series([2, 3], dtype=pl.Int64)}
    ).write_parquet(p)
    g = load_graph(p, edge_meaning="influences")
    assert g.ids.dtype.is_integer() and g.ids.to_list() == [1, 2, 3]


def test_ids_that_turn_to_text_late_in_the_file(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i + 1}\n" for i in range(12_000)) + "x,0\n"
    g = load_graph(write(tmp_path / "g.csv", "s,t\n" + rows), edge_meaning="influences")
    assert g.ids.dtype == pl.String and ("x", "0") in edge_set(g)
    assert g.m == 12_001


def test_index_of(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "g.csv", "s,t\n5,42\n42,7\n"))
    assert g.index_of([42, 5]).tolist() == [2, 0]
    assert g.index_of(["42", "7"]).tolist() == [2, 1]  # text finds integer IDs
    assert g.index_of(pl.Series([7])).tolist() == [1]
    assert g.index_of(np.array([5, 7])).tolist() == [0, 1]
    assert g.index_of([]).tolist() == []
    for bad, shown in ((["99"], "'99'"), ([99], "99"), (["u1"], "'u1'"), ([42.5], "42.5")):
        with pytest.raises(InputError, match="unknown seed ID") as exc:
            g.index_of(bad, what="seed ID")
        assert shown in str(exc.value) and "g.csv" in str(exc.value)
    s = load_graph(write(tmp_path / "s.csv", "s,t\n42,u1\n"))
    assert s.index_of([42, "u1"]).tolist() == [0, 1]  # int finds text "42"
    with pytest.raises(InputError, match=r"unknown node ID\(s\) 'nope': not in the graph"):
        s.index_of(["nope"])


id_values = st.one_of(
    st.lists(st.integers(-(10**12), 10**12), min_size=2, max_size=12, unique=True),
    st.lists(
        st.text(alphabet="abcxyz_019", min_size=1, max_size=6),
        min_size=2,
        max_size=12,
        unique=True,
    ),
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=60),
    st.sampled_from([pl.Int64, pl.Int32, pl.UInt64, pl.UInt32, pl.Int16]),
    st.integers(0, 300),
)
def test_integer_ids_map_to_their_rank_among_the_sorted_ids(
    raw: list[int], dtype: pl.DataType, spread: int
) -> None:
    # compact ranges take the lookup-in-place path, wide ones the binary search: both
    # give the sorted unique IDs in the column's type and each value's index among them
    lo = min(raw)
    values = [lo + (x - lo) % (spread + 1) for x in raw] if spread else raw
    info = np.iinfo(np.dtype(str(dtype).lower()))
    values = [min(max(x, int(info.min)), int(info.max)) for x in values]
    series = pl.Series("id", values).cast(dtype)
    ids, codes = dense_ids(series)
    unique = np.unique(np.array(values))
    assert ids.dtype == dtype and ids.to_list() == unique.tolist()
    assert codes.dtype == np.int64 and codes.tolist() == np.searchsorted(unique, values).tolist()


@settings(max_examples=60, deadline=None)
@given(data=st.data(), pool=id_values, meaning=st.sampled_from(["follows", "influences"]))
def test_id_mapping_round_trip(data: st.DataObject, pool: list[object], meaning: str) -> None:
    k = len(pool)
    pairs = data.draw(
        st.lists(
            st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), min_size=1, max_size=40
        ).filter(lambda ps: any(a != b for a, b in ps))
    )
    rows = [(pool[a], pool[b]) for a, b in pairs]
    table = pl.DataFrame({"a": [r[0] for r in rows], "b": [r[1] for r in rows]})
    ids, codes = dense_ids(pl.concat([table["a"], table["b"]]))
    m = len(rows)
    a, b = codes[:m], codes[m:]
    src, dst = (b, a) if meaning == "follows" else (a, b)
    g = from_edges(src, dst, ids)
    expected = {(y, x) if meaning == "follows" else (x, y) for x, y in rows if x != y}
    assert edge_set(g) == expected
    assert g.report.self_loops_dropped == sum(x == y for x, y in rows)
    assert g.report.duplicates_merged == m - g.report.self_loops_dropped - len(expected)
    assert g.ids.to_list() == sorted({x for r in rows for x in r})
    # index_of round trips, and text finds integer IDs.
    everyone = g.ids.to_list()
    assert g.index_of(everyone).tolist() == list(range(g.n))
    assert g.index_of([str(v) for v in everyone]).tolist() == list(range(g.n))
    check_consistent(g)


# ------------------------------------------------------------------ merge, loops, values


def test_duplicates_merged_with_max_values_and_self_loops_dropped(tmp_path: Path) -> None:
    p = write(
        tmp_path / "g.csv",
        "src,dst,probability,weight\n"
        "a,b,0.1,3\n"
        "a,b,0.4,1\n"  # duplicate: keep max p (0.4) and max w (3)
        "c,c,0.9,9\n"  # self-loop
        "b,c,0.2,0.5\n"
        "a,b,0.3,2\n",  # duplicate again
    )
    g = load_graph(p, edge_meaning="influences")
    assert g.report.rows == 5
    assert g.report.duplicates_merged == 2
    assert g.report.self_loops_dropped == 1
    assert g.report.edges == 2 and g.m == 2
    assert "2 duplicate edges merged" in str(g.report)
    assert "1 self-loops dropped" in str(g.report)
    assert edge_set(g) == {("a", "b"), ("b", "c")}
    assert g.probability is not None and g.weight is not None
    assert g.probability.dtype == np.float32 and g.weight.dtype == np.float32
    assert g.probability.tolist() == pytest.approx([0.4, 0.2])
    assert g.weight.tolist() == pytest.approx([3.0, 0.5])
    check_consistent(g)


def test_no_value_columns_gives_none(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "g.csv", "a,b\n1,2\n"))
    assert g.probability is None and g.weight is None


def test_weight_only(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "g.tsv", "a\tb\tweight\n1\t2\t2.5\n2\t1\t1\n"))
    assert g.probability is None and g.weight is not None
    # follows: rows (1,2),(2,1) become 2->1 (w 2.5) and 1->2 (w 1); edge order is (src, dst).
    assert g.weight.tolist() == [1.0, 2.5]


def test_to_networkx_agrees(tmp_path: Path) -> None:
    p = write(tmp_path / "g.csv", "a,b,probability\nx,y,0.5\ny,z,0.25\nz,x,1\nx,x,0.1\n")
    g = load_graph(p)
    h = g.to_networkx()
    assert isinstance(h, nx.DiGraph)
    assert set(h.nodes) == {"x", "y", "z"}
    assert set(h.edges) == edge_set(g) == {("y", "x"), ("z", "y"), ("x", "z")}
    assert h.edges["y", "x"]["probability"] == 0.5
    assert h.edges["x", "z"]["probability"] == 1.0


def test_from_edges_rejects_bad_arrays() -> None:
    ids = pl.Series(["a", "b"])
    with pytest.raises(InputError, match="target node index 2 is out of range"):
        from_edges(np.array([0]), np.array([2]), ids)
    with pytest.raises(InputError, match="same length"):
        from_edges(np.array([0, 1]), np.array([1]), ids)
    with pytest.raises(InputError, match="1 probability values for 2 edges"):
        from_edges(np.array([0, 1]), np.array([1, 0]), ids, probability=np.array([0.5]))


# ------------------------------------------------------------------ bad input


def _raises(path: Path, *needles: str, **kw: object) -> str:
    with pytest.raises(InputError) as exc:
        load_graph(path, **kw)  # type: ignore[arg-type]
    msg = str(exc.value)
    assert "\n" not in msg, msg
    assert path.name in msg, msg
    for needle in needles:
        assert needle in msg, (needle, msg)
    return msg


def test_missing_or_misnamed_columns(tmp_path: Path) -> None:
    p = write(tmp_path / "g.csv", "follower,followed\n1,2\n")
    _raises(p, "no column 'src'", "(source_col)", "'follower', 'followed'", source_col="src")
    _raises(p, "no column 'dst'", "(target_col)", target_col="dst")
    _raises(p, "different columns", source_col="follower", target_col="follower")
    one = write(tmp_path / "one.csv", "follower|followed\n1|2\n")  # (';' is detected)
    _raises(one, "expected at least two columns", "separator")
    snap = write(tmp_path / "g.txt", "1 2\n")
    with pytest.raises(InputError, match="do not apply to SNAP"):
        load_graph(snap, source_col="a")


def test_unreadable_or_missing_file(tmp_path: Path) -> None:
    _raises(tmp_path / "nope.csv", "no such file")
    _raises(tmp_path / "nope.parquet", "no such file")
    d = tmp_path / "dir.csv"
    d.mkdir()
    _raises(d, "cannot read")
    bad_gz = tmp_path / "g.csv.gz"
    bad_gz.write_bytes(b"not gzip at all")
    _raises(bad_gz, "not a readable gzip file")
    bad_pq = write(tmp_path / "g.parquet", "this is not parquet")
    _raises(bad_pq, "not a readable Parquet file")
    if os.geteuid() != 0:  # root reads anything
        locked = write(tmp_path / "locked.csv", "a,b\n1,2\n")
        locked.chmod(0)
        try:
            _raises(locked, "cannot read")
        finally:
            locked.chmod(0o644)


def test_non_numeric_probability_names_line(tmp_path: Path) -> None:
    p = write(tmp_path / "g.csv", "a,b,probability\n1,2,0.5\n2,3,high\n")
    _raises(p, "line 3", "column 'probability'", "expected a number in [0, 1]", "'high'")


def test_probability_outside_unit_interval_names_line(tmp_path: Path) -> None:
    p = write(tmp_path / "g.csv", "a,b,probability\n1,2,0.5\n2,3,0.1\n3,1,1.5\n")
    _raises(p, "line 4", "column 'probability'", "[0, 1]", "got 1.5")
    p = write(tmp_path / "h.csv", "a,b,probability\n1,2,-0.1\n")
    _raises(p, "line 2", "got -0.1")
    p = write(tmp_path / "n.csv", "a,b,probability\n1,2,0.5\n2,3,\n")
    _raises(p, "line 3", "missing value")
    p = write(tmp_path / "nan.csv", "a,b,probability\n1,2,NaN\n")
    _raises(p, "line 2", "got nan")


def test_negative_weight(tmp_path: Path) -> None:
    p = write(tmp_path / "g.tsv", "a\tb\tweight\n1\t2\t1\n2\t3\t-2\n")
    _raises(p, "line 3", "column 'weight'", "expected a number >= 0", "got -2")


def test_parquet_bad_value_names_row(tmp_path: Path) -> None:
    p = tmp_path / "g.parquet"
    pl.DataFrame({"a": [1, 2], "b": [2, 3], "probability": [0.5, 2.0]}).write_parquet(p)
    _raises(p, "row 2", "column 'probability'")


def test_bad_node_ids(tmp_path: Path) -> None:
    _raises(write(tmp_path / "g.csv", "a,b\n1,2\n,3\n"), "line 3", "column 'a'", "missing node ID")
    _raises(write(tmp_path / "f.csv", "a,b\n1.5,2\n"), "column 'a'", "decimal numbers")


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "g.csv", "a,b\n1,2\n\n2,3\n\n"))
    assert g.m == 2 and g.report.rows == 2
    p = write(tmp_path / "h.csv", "a,b,probability\n\n1,2,0.5\n\n2,3,7\n")
    _raises(p, "line 5", "got 7")


def test_empty_graph(tmp_path: Path) -> None:
    _raises(write(tmp_path / "empty.csv", ""), "the file is empty")
    _raises(write(tmp_path / "header.csv", "follower,followed\n"), "no edges", "after the header")
    _raises(write(tmp_path / "comments.txt", "# nothing\n# here\n"), "no edges")
    _raises(write(tmp_path / "loops.csv", "a,b\n1,1\n2,2\n"), "every edge is a self-loop")
    p = tmp_path / "empty.parquet"
    pl.DataFrame({"a": [], "b": []}, schema={"a": pl.Int64, "b": pl.Int64}).write_parquet(p)
    _raises(p, "no edges")


def test_malformed_snap_line(tmp_path: Path) -> None:
    p = write(tmp_path / "g.txt", "# header\n1 2\n2 3\n4\n")
    _raises(p, "line 4", "expected two whitespace-separated node IDs")
    gz = tmp_path / "g.txt.gz"
    gz.write_bytes(gzip.compress(b"1\t2\n\n3\n"))
    _raises(gz, "line 3")


def test_unknown_format(tmp_path: Path) -> None:
    p = write(tmp_path / "g.xlsx", "a,b\n1,2\n")
    _raises(p, "unknown edge-file extension '.xlsx'", "pass format")
    _raises(write(tmp_path / "noext", "1 2\n"), "cannot tell the format", "pass format")
    _raises(write(tmp_path / "g2.csv", "a,b\n1,2\n"), "unknown edge format 'xml'", format="xml")


# ------------------------------------------------------------------ ID lists


def test_read_id_list(tmp_path: Path) -> None:
    assert read_id_list(write(tmp_path / "a.csv", "name,id\nx,7\ny,9\n")) == [7, 9]
    assert read_id_list(write(tmp_path / "b.csv", "handle,score\nu1,3\nu2,4\n")) == ["u1", "u2"]
    p = tmp_path / "c.parquet"
    pl.DataFrame({"id": ["a", "b"]}).write_parquet(p)
    assert read_id_list(p) == ["a", "b"]
    assert read_id_list(write(tmp_path / "d.txt", "# seeds\n 42 \n\nu7\n")) == ["42", "u7"]
    for name, text, needle in (
        ("e.txt", "", "no IDs; expected one ID per line"),
        ("f.txt", "# only a comment\n", "no IDs"),
        ("g.csv", "id\n", "no IDs"),
        ("h.csv", "", "the file is empty"),
        ("i.csv", "id\n1\n\n", None),
        ("k.csv", "first\n\n1\n\n", None),
        ("l.csv", "first,b\n\n,1\n", "line 3: missing ID"),
        ("j.csv", "id,x\n1,2\n,3\n", "line 3: missing ID"),
    ):
        p = write(tmp_path / name, text)
        if needle is None:
            assert read_id_list(p) == [1]
            continue
        with pytest.raises(InputError) as exc:
            read_id_list(p)
        assert name in str(exc.value) and needle in str(exc.value), str(exc.value)
    with pytest.raises(InputError, match=r"missing\.txt: no such file"):
        read_id_list(tmp_path / "missing.txt")


def test_id_list_sniffs_parquet_and_refuses_binary(tmp_path: Path) -> None:
    p = tmp_path / "seeds.ids"  # Parquet under a name that says nothing
    pl.DataFrame({"id": [1336, 1755]}).write_parquet(p)
    assert read_id_list(p) == [1336, 1755]
    b = tmp_path / "seeds.bin"
    b.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match=r"seeds\.bin: a binary file; expected one ID per line"):
        read_id_list(b)


@pytest.mark.parametrize("fmt", ["csv", "snap", "parquet"])
def test_ids_beyond_int64_are_kept_as_text(tmp_path: Path, fmt: str) -> None:
    big = 99999999999999999999  # 20 digits: more than Int64 holds
    if fmt == "parquet":
        p = tmp_path / "e.parquet"
        u64 = 18446744073709551615
        schema = {"source": pl.UInt64, "target": pl.UInt64}
        pl.DataFrame({"source": [1, 2, u64], "target": [2, 3, 1]}, schema=schema).write_parquet(p)
        big = u64
    elif fmt == "csv":
        p = write(tmp_path / "e.csv", f"source,target\n1,2\n2,3\n{big},1\n")
    else:
        p = write(tmp_path / "e.txt", f"1 2\n2 3\n{big} 1\n")
    g = load_graph(p)
    assert g.n == 4 and g.m == 3
    assert str(big) in {str(x) for x in g.ids.to_list()}
