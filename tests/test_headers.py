"""An edge file's first row: header, size line or first edge; and SNAP-named delimited text."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.graph_io import load_graph, read_edge_table
from pipeline.graph_io.headers import choose_header, sniff_separator

runner = CliRunner()


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def pairs(m: int, seed: int = 0) -> str:
    """``m`` distinct integer edges (no self-loops), one ``a,b`` line each."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 5000, size=3 * m)
    b = rng.integers(1, 5000, size=3 * m)
    df = (
        pl.DataFrame({"a": a, "b": b})
        .filter(pl.col("a") != pl.col("b"))
        .unique(maintain_order=True)
    )
    df = df.head(m)
    assert df.height == m
    return "".join(f"{x},{y}\n" for x, y in df.iter_rows())


def test_headerless_csv_keeps_every_edge(tmp_path: Path) -> None:
    body = pairs(35_624)
    g = load_graph(write(tmp_path / "e.csv", body))
    assert g.report.rows == 35_624 and g.m == 35_624
    assert g.ids.dtype == pl.Int64
    assert g.report.header == "no header (first row holds IDs)"
    # --format csv on a .txt name: the same.
    g = load_graph(write(tmp_path / "e.txt", body), format="csv")
    assert g.m == 35_624


@pytest.mark.parametrize("sep", [",", "\t"])
def test_headerless_comma_or_tab_txt(tmp_path: Path, sep: str) -> None:
    body = pairs(35_624, seed=1).replace(",", sep)
    g = load_graph(write(tmp_path / "edges.txt", body))
    assert g.m == 35_624 and g.ids.dtype == pl.Int64
    first = body.split("\n", 1)[0].split(sep)
    # follows: row a,b is the edge b -> a
    b, a = g.index_of([int(first[1]), int(first[0])]).tolist()
    assert a in g.out_idx[g.out_ptr[b] : g.out_ptr[b + 1]].tolist()
    gz = tmp_path / "edges.edges.gz"
    gz.write_bytes(gzip.compress(("# a comment\n" + body).encode()))
    assert load_graph(gz).m == 35_624


def test_csv_with_a_header(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "h.csv", "src,dst\n674,48\n48,12\n12,674\n"))
    assert g.m == 3 and g.ids.to_list() == [12, 48, 674]
    assert g.report.header == "header: columns 'src', 'dst'"
    assert "; header: columns 'src', 'dst'" in str(g.report)
    # A header over integer IDs in a comma .txt file, with a probability column.
    p = write(tmp_path / "h.txt", "# SNAP-like\nsrc,dst,probability\n1,2,0.5\n2,3,0.25\n")
    g = load_graph(p)
    assert g.m == 2 and g.probability is not None and sorted(g.probability) == [0.25, 0.5]


def test_text_ids_with_a_header(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "t.csv", "follower,followed\nann,bob\nbob,cy\ncy,ann\n"))
    assert g.m == 3 and g.ids.to_list() == ["ann", "bob", "cy"]
    assert g.report.header.startswith("header: columns 'follower', 'followed'")
    # An integer column under a text first row is a header even when the other is text.
    g = load_graph(write(tmp_path / "u.csv", "user,tag\n1,food\n2,travel\n"))
    assert g.m == 2 and g.report.header == "header: columns 'user', 'tag'"


def test_text_ids_in_snap_named_text_have_no_header(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "t.txt", "ann,bob\nbob,cy\ncy,ann\n"))
    assert g.m == 3 and g.report.header.startswith("no header")
    g = load_graph(write(tmp_path / "w.txt", "ann bob\nbob cy\n"))
    assert g.m == 2


@pytest.mark.parametrize(("name", "sep"), [("s.csv", ","), ("s.txt", " "), ("s.tsv", "\t")])
def test_a_size_line_is_skipped(tmp_path: Path, name: str, sep: str) -> None:
    text = "4 3\n1 2\n2 3\n3 4\n".replace(" ", sep)
    g = load_graph(write(tmp_path / name, text))
    assert g.m == 3 and g.n == 4
    assert g.report.header == "size line '4 3' skipped (4 nodes, 3 edges)"
    # Counts that do not match: the first row is an edge.
    g = load_graph(write(tmp_path / name, "5 3\n1 2\n2 3\n3 4\n".replace(" ", sep)))
    assert g.m == 4 and g.report.header == "no header (first row holds IDs)"
    # Forced: the first row is an edge.
    assert load_graph(tmp_path / name, header=False).m == 4


def test_a_first_row_shorter_than_the_rows_below(tmp_path: Path) -> None:
    # A size line over rows with a probability column.
    g = load_graph(write(tmp_path / "s.csv", "4,3\n1,2,0.5\n2,3,0.1\n3,4,0.2\n"))
    assert g.m == 3 and g.report.header.startswith("size line '4 3' skipped")
    # A header naming the endpoints only: the third column is column_3.
    p = write(tmp_path / "h.csv", "src,dst\n1,2,0.5\n2,3,0.25\n")
    g = load_graph(p, columns={"probability": "column_3"})
    assert g.m == 2 and g.probability is not None and sorted(g.probability) == [0.25, 0.5]
    # A first edge without the third value.
    g = load_graph(write(tmp_path / "e.csv", "5,6\n1,2,0.5\n2,3,0.1\n"))
    assert g.m == 3 and g.report.header == "no header (first row holds IDs)"


def test_forced_header_and_forced_none(tmp_path: Path) -> None:
    ints = write(tmp_path / "i.csv", "1,2\n2,3\n3,1\n")
    g = load_graph(ints, header=True)
    assert g.m == 2 and g.report.header == "header: columns '1', '2' (as asked)"
    assert load_graph(ints).m == 3
    snap = write(tmp_path / "i.txt", "1 2\n2 3\n3 1\n")
    assert load_graph(snap, header=True).m == 2 and load_graph(snap).m == 3
    text = write(tmp_path / "t.csv", "a,b\n1,2\n2,3\n")
    assert load_graph(text).m == 2
    g = load_graph(text, header=False)
    assert g.m == 3 and g.ids.dtype == pl.String and g.report.header == "no header (as asked)"
    table, _ = read_edge_table(text, header=False)
    assert table["source"].to_list() == ["a", "1", "2"]


def test_named_columns_mean_a_header(tmp_path: Path) -> None:
    p = write(tmp_path / "n.csv", "x,y\n1,2\n2,3\n")
    assert load_graph(p, source_col="y", target_col="x").m == 2
    # Headerless columns are column_1, column_2, ...
    q = write(tmp_path / "q.csv", "1,2,7\n2,3,8\n")
    assert load_graph(q, source_col="column_3").m == 2
    with pytest.raises(InputError, match=r"no column 'x'.*'column_1', 'column_2', 'column_3'"):
        load_graph(q, source_col="x")


def test_headerless_errors_name_the_right_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"g\.csv: line 3, column 'column_1': missing node ID"):
        load_graph(write(tmp_path / "g.csv", "1,2\n2,3\n,4\n"))
    with pytest.raises(InputError, match=r"h\.txt: line 4, column 'column_1': missing node ID"):
        load_graph(write(tmp_path / "h.txt", "# c\n1,2\n\n,4\n"))
    with pytest.raises(InputError, match=r"k\.csv: line 4, column 'a': missing node ID"):
        load_graph(write(tmp_path / "k.csv", "a,b\n1,2\n\n,4\n"))


def test_byte_order_mark_is_not_an_id(tmp_path: Path) -> None:
    for name in ("b.csv", "b.txt", "c.txt"):
        text = "1,2\n2,3\n3,1\n" if name != "c.txt" else "1  2\n2 3\n3 1\n"
        p = tmp_path / name
        p.write_bytes(b"\xef\xbb\xbf" + text.encode())
        g = load_graph(p)
        assert g.m == 3 and g.ids.to_list() == [1, 2, 3], name


def test_sniff_separator() -> None:
    assert sniff_separator(b"# c\n1,2\n3,4\n") == ","
    assert sniff_separator(b"1\t2\n3\t4\n") == "\t"
    assert sniff_separator(b"1\t2 x\n3\t4\n") is None
    assert sniff_separator(b"1 2\n3,4\n") is None
    assert sniff_separator(b"# only\n") is None


def test_choose_header_rules() -> None:
    ints = [pl.Series(["1", "2"]), pl.Series(["2", "3"])]
    text = [pl.Series(["a", "b"]), pl.Series(["b", "c"])]
    one = dict(text_means_header=True)
    assert choose_header(["x", "y"], ints, header=None, **one).action == "header"
    assert choose_header(["7", "8"], ints, header=None, **one).action == "data"
    assert choose_header(["3", "2"], ints, header=None, **one).action == "size"
    assert choose_header(["3", "2", "9"], ints, header=None, **one).action == "data"
    assert choose_header(["x", "y"], text, header=None, **one).action == "header"
    assert choose_header(["x", "y"], text, header=None, text_means_header=False).action == "data"
    assert choose_header(["x", "y"], ints, header=False, **one).action == "data"
    assert choose_header(["1", "2"], ints, header=True, **one).action == "header"
    assert choose_header(["x", "y"], text, header=None, names=["y"], **one).action == "header"


# --------------------------------------------------------------- CLI


def test_cli_info_on_comma_pairs_txt(tmp_path: Path) -> None:
    p = write(tmp_path / "F.txt", pairs(35_624, seed=2))
    r = runner.invoke(app, ["info", str(p)])
    assert r.exit_code == 0, r.output
    assert "35,624" in r.stdout and "no header (first row holds IDs)" in r.stdout
    r = runner.invoke(app, ["info", str(p), "--json"])
    data = json.loads(r.stdout)
    assert data["edges"] == data["rows"] == 35_624
    r = runner.invoke(app, ["info", str(p), "--json", "--header"])
    assert json.loads(r.stdout)["rows"] == 35_623
    text = write(tmp_path / "t.csv", "a,b\n1,2\n2,3\n")
    r = runner.invoke(app, ["info", str(text), "--json", "--no-header"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["rows"] == 3
    assert json.loads(r.stdout)["header"] == "no header (as asked)"


def test_cli_header_flag_on_every_graph_command() -> None:
    for cmd in ("info", "centrality", "rank", "seed", "simulate", "overlap"):
        out = runner.invoke(app, [cmd, "--help"], env={"COLUMNS": "200"}).output
        assert "--header" in out and "--no-header" in out and "--columns" in out, cmd
