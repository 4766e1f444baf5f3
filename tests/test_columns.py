"""One column-mapping syntax: parsing, checking TOML tables, renaming, and --columns."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.columns import (
    COLUMN_NAMES,
    EDGE_COLUMNS,
    apply_columns,
    check_columns,
    parse_columns,
)
from pipeline.errors import InputError
from pipeline.graph_io import load_graph, read_edge_table
from pipeline.interop import from_frame, read_graph
from pipeline.profiles import load_brands, load_profiles

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("source=a,target=b", {"source": "a", "target": "b"}),
        (" source = a , target=b ", {"source": "a", "target": "b"}),
        ("probability=p,weight=w", {"probability": "p", "weight": "w"}),
        ("source=my col", {"source": "my col"}),
        ('source="a,b",target="x=y"', {"source": "a,b", "target": "x=y"}),
        ('source = " padded ", target="say ""hi"""', {"source": " padded ", "target": 'say "hi"'}),
        ('"source"=a', {"source": "a"}),
    ],
)
def test_parse_columns_good(text: str, expected: dict[str, str]) -> None:
    assert parse_columns(text, allowed=EDGE_COLUMNS) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty; expected pairs such as source=a,target=b"),
        ("   ", "empty"),
        ("src=a", "unknown name 'src'; expected one of source, target, probability, weight"),
        ("source=a,source=b", "'source' given twice"),
        ("source=a,target=a", "column 'a' given for both 'source' and 'target'"),
        ("source", "'source' has no '='"),
        ("source=a=b", "more than one '='"),
        ("=a", "has no name before '='"),
        ("source=", "has no column name after '='"),
        ('source=""', "has no column name after '='"),
        ("source=a,,target=b", "an empty entry"),
        ("source=a,", "an empty entry"),
        ('source="a', "unclosed double quote"),
        ('source="a"b', "must be quoted whole"),
    ],
)
def test_parse_columns_bad(text: str, needle: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_columns(text, allowed=EDGE_COLUMNS)
    assert needle in str(exc.value)
    assert "\n" not in str(exc.value)
    assert str(exc.value).startswith("columns: ")
    assert exc.value.for_cli().startswith("--columns: ")


def test_parse_columns_names_its_flag() -> None:
    with pytest.raises(InputError, match=r"^--brand-columns: unknown name 'x'"):
        try:
            parse_columns("x=1", allowed=COLUMN_NAMES["brands"], flag="«brand_columns»")
        except InputError as exc:
            raise InputError(exc.for_cli()) from None


def test_check_columns() -> None:
    where = "c.toml: inputs.columns.graph"
    assert check_columns({"source": "a", "weight": "w"}, EDGE_COLUMNS, where) == {
        "source": "a",
        "weight": "w",
    }
    for mapping, needle in (
        ({"src": "a"}, "inputs.columns.graph: unknown name 'src'; expected one of source"),
        ({"source": 3}, "inputs.columns.graph.source: expected a column name"),
        ({"source": " "}, "inputs.columns.graph.source: expected a column name"),
        ({"source": "a", "target": "a"}, "column 'a' given for both"),
        ("source=a", "expected a table of name"),
    ):
        with pytest.raises(InputError) as exc:
            check_columns(mapping, EDGE_COLUMNS, where)
        assert needle in str(exc.value) and str(exc.value).startswith("c.toml: ")


def test_apply_columns_renames_swaps_and_drops_the_replaced_column() -> None:
    df = pl.DataFrame({"a": [1], "b": [2], "probability": [0.5], "p": [0.25]})
    out = apply_columns(df, {"source": "b", "target": "a", "probability": "p"}, where="f.csv")
    assert out.columns == ["target", "source", "probability"]
    assert out["probability"].to_list() == [0.25]
    swapped = apply_columns(df.select("a", "b"), {"a": "b", "b": "a"}, where="f.csv")
    assert swapped.columns == ["b", "a"] and swapped["a"].to_list() == [2]
    assert apply_columns(df, {}, where="f.csv") is df


def test_apply_columns_errors_name_file_column_and_columns_present() -> None:
    df = pl.DataFrame({"a": [1], "b": [2]})
    with pytest.raises(InputError) as exc:
        apply_columns(df, {"source": "who"}, where="f.csv")
    msg = str(exc.value)
    assert msg.startswith("f.csv: no column 'who'") and "'source'" in msg and "'a', 'b'" in msg
    with pytest.raises(InputError) as exc:
        apply_columns(df, {"source": "a"}, where="f.csv", required=["source", "target"])
    assert "f.csv: no column 'target'; the columns are 'a', 'b'" in str(exc.value)


# --------------------------------------------------------------- loaders


def test_edge_files_take_a_mapping(tmp_path: Path) -> None:
    p = tmp_path / "g.csv"
    p.write_text("x,whom,who,p\n0,b,a,0.5\n1,c,b,0.25\n")
    g = load_graph(
        p,
        edge_meaning="influences",
        columns={"source": "who", "target": "whom", "probability": "p"},
    )
    assert g.m == 2 and g.probability is not None
    assert sorted(g.probability.tolist()) == [0.25, 0.5]
    assert g.ids.to_list() == ["a", "b", "c"]
    # The mapping and source_col together; one endpoint named twice is refused.
    table, _ = read_edge_table(p, source_col="who", columns={"target": "whom"})
    assert table["source"].to_list() == ["a", "b"] and table["target"].to_list() == ["b", "c"]
    with pytest.raises(InputError, match="source column is given twice"):
        load_graph(p, source_col="who", columns={"source": "who"})
    with pytest.raises(InputError, match=r"g\.csv: no column 'q' \(given for 'weight'"):
        load_graph(p, columns={"weight": "q"})
    with pytest.raises(InputError, match="unknown name 'src'"):
        load_graph(p, columns={"src": "who"})
    # Whitespace SNAP text has no named columns.
    snap = tmp_path / "g.txt"
    snap.write_text("1 2\n2 3\n")
    with pytest.raises(InputError, match="source= in columns do not apply to SNAP"):
        load_graph(snap, columns={"source": "a"})


def test_frames_and_read_graph_take_a_mapping(tmp_path: Path) -> None:
    df = pl.DataFrame({"w": [1.0, 2.0], "to": [2, 3], "fr": [1, 2]})
    g = from_frame(df, edge_meaning="influences", columns={"source": "fr", "target": "to"})
    assert g.m == 2 and g.index_of([1]).tolist() == [0] and g.follower_count.tolist() == [1, 1, 0]
    p = tmp_path / "g.csv"
    p.write_text("1,2\n2,3\n")
    assert read_graph(p, header=True).m == 1
    assert read_graph(p).m == 2
    assert read_graph(p, columns={"source": "column_2", "target": "column_1"}).m == 2


def test_profiles_and_brands_take_a_mapping(tmp_path: Path) -> None:
    edges = tmp_path / "e.csv"
    edges.write_text("a,b\n1,2\n2,3\n")
    g = load_graph(edges)
    prof = tmp_path / "p.csv"
    prof.write_text("uid,name,fans,topics\n1,@one,500,food\n2,@two,900,travel\n")
    p = load_profiles(prof, g, columns={"id": "uid", "handle": "name", "followers": "fans"})
    assert p.table["handle"].to_list() == ["@one", "@two", "3"]
    assert p.table["followers"].to_list()[:2] == [500, 900]
    with pytest.raises(InputError, match="unknown name 'fan'"):
        load_profiles(prof, g, columns={"fan": "fans"})
    brands = tmp_path / "b.csv"
    brands.write_text("name,interests,money\nacme,food,100\n")
    b = load_brands(brands, columns={"brand": "name", "topics": "interests", "budget": "money"})
    assert b.names == ["acme"] and b.budget("acme") == 100.0
    with pytest.raises(InputError, match=r"b\.csv: no column 'cash'"):
        load_brands(brands, columns={"budget": "cash"})


# --------------------------------------------------------------- CLI


def test_cli_columns(tmp_path: Path) -> None:
    p = tmp_path / "g.csv"
    p.write_text("x,whom,who,p\n0,b,a,0.5\n1,c,b,0.25\n2,c,a,1\n")
    r = runner.invoke(
        app,
        ["info", str(p), "--json", "--edge-meaning", "influences",
         "--columns", "source=who, target=whom, probability=p"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert '"edges": 3' in r.stdout and '"has_probability": true' in r.stdout
    assert '"nodes": 3' in r.stdout
    r = runner.invoke(app, ["info", str(p), "--columns", "src=who"])
    assert r.exit_code == 2 and "--columns: unknown name 'src'" in r.output
    r = runner.invoke(app, ["info", str(p), "--columns", "source=who", "--source-col", "x"])
    assert r.exit_code == 2
    assert "given twice: --source-col 'x' and source='who' in --columns" in r.output
    r = runner.invoke(app, ["info", str(p), "--columns", "weight=nope"])
    assert r.exit_code == 2 and "no column 'nope'" in r.output and "Traceback" not in r.output
