"""A user's own files (issue 28, "silent wrong answers"): spaces after commas, header rows,
missing or renamed profile columns, marketers' exports (encodings, ';' CSVs, duplicate
headers), topic cells, profile rows not in the graph and leading-zero IDs. Each case is
read right or refused in one line naming the file, line, column or flag; plus fuzz tests
of the action-log and ID-list loaders (a result or one InputError, never a traceback)."""

from __future__ import annotations

import contextlib
import gzip
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.calibration.actions import load_actions
from pipeline.cli import app
from pipeline.columns import COLUMN_NAMES, parse_columns
from pipeline.errors import InputError
from pipeline.graph_io import load_graph, read_id_list
from pipeline.graph_io.text import typed_ids
from pipeline.profiles import fit_pool, load_brands, load_profiles, relevance

runner = CliRunner()
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(fn, *args, **kw) -> str:  # type: ignore[no-untyped-def]
    """The one-line message of the InputError ``fn(*args, **kw)`` raises."""
    with pytest.raises(InputError) as exc:
        fn(*args, **kw)
    msg = str(exc.value)
    assert "\n" not in msg, msg
    return msg


@pytest.fixture
def graph(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_graph(write(tmp_path / "g.csv", "follower,followed\n1,2\n2,3\n3,1\n4,1\n"))


# ------------------------------------------------------------------ 1. whitespace


def test_spaces_after_commas_in_edge_files_are_stripped(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "e.csv", "follower, followed\n1, 2\n2, 3\n 3 ,1\n"))
    assert g.ids.dtype == pl.Int64 and g.ids.to_list() == [1, 2, 3] and g.m == 3
    assert "header: columns 'follower', 'followed'" in g.report.header
    assert "surrounding spaces stripped from 4 cells" in str(g.report)  # ' followed' too
    g = load_graph(write(tmp_path / "t.csv", "a, b\nann, bob\nbob, cy\n"))
    assert g.ids.to_list() == ["ann", "bob", "cy"]
    g = load_graph(write(tmp_path / "h.csv", "1, 2\n2, 3\n"))  # headerless
    assert g.ids.to_list() == [1, 2, 3] and g.m == 2
    assert "spaces stripped from 2 cells" in g.report.header  # the first row's too
    clean = load_graph(write(tmp_path / "c.csv", "a,b\n1,2\n"))
    assert "stripped" not in str(clean.report)


def test_info_says_spaces_were_stripped(tmp_path: Path) -> None:
    p = write(tmp_path / "e.csv", "a, b\n1, 2\n2, 3\n")
    r = runner.invoke(app, ["info", str(p), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["header"] == (
        "header: columns 'a', 'b'; surrounding spaces stripped from 3 cells"
    )


def test_spaces_in_profiles_brands_id_lists_and_logs(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    prof = load_profiles(
        write(tmp_path / "p.csv", "id, followers, topics\n1, 500, food\n 2 ,700, travel\n"), graph
    )
    t = prof.table.filter(pl.col("has_profile"))
    assert t["id"].to_list() == [1, 2] and t["followers"].to_list() == [500, 700]
    assert any("spaces stripped" in n for n in prof.notes)
    assert any("column names" in n for n in prof.notes)
    b = load_brands(write(tmp_path / "b.csv", " brand , topics , budget\n Yum , food , 100\n"))
    assert b.names == ["Yum"] and b.budget("Yum") == 100.0
    assert read_id_list(write(tmp_path / "ids.csv", "id\n 1 \n2 \n")) == [1, 2]
    assert read_id_list(write(tmp_path / "ids.txt", " 7 \n 8\n")) == [7, 8]
    log = load_actions(write(tmp_path / "log.csv", "account, item, time\n 1, a, 5\n2 ,a, 6\n"))
    assert log.table["account"].to_list() == [1, 2] and log.table["account"].dtype == pl.Int64
    assert any("spaces stripped" in n for n in log.notes)


# ------------------------------------------------------------------ 2. header rows


def test_size_line_and_headerless_edges(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "g.txt", "3 2\n1 2\n2 3\n"))
    assert g.n == 3 and g.m == 2 and "size line '3 2' skipped" in g.report.header
    g = load_graph(write(tmp_path / "h.csv", "5,6\n6,7\n"))
    assert g.m == 2 and g.report.header.startswith("no header")


def test_headerless_profiles_brands_and_logs_are_refused_clearly(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    msg = refused(load_profiles, write(tmp_path / "p.csv", "12,45,food\n2,3,travel\n"), graph)
    assert "p.csv: the first row does not look like a header" in msg
    assert "expected column names (id, handle, followers" in msg and "found '12', '45'" in msg
    msg = refused(load_brands, write(tmp_path / "b.csv", "Yum,food,100\n"))
    assert "b.csv: the first row does not look like a header" in msg and "'100'" in msg
    msg = refused(load_actions, write(tmp_path / "l.csv", "1,a,5\n2,a,6\n"))
    assert "l.csv: the first row does not look like a header" in msg
    assert "account, item, time" in msg


def test_id_lists_detect_their_header(tmp_path: Path) -> None:
    assert read_id_list(write(tmp_path / "a.csv", "12\n45\n")) == [12, 45]  # first ID kept
    assert read_id_list(write(tmp_path / "b.csv", "id\n12\n45\n")) == [12, 45]
    assert read_id_list(write(tmp_path / "c.csv", "seeds\n12\n45\n")) == [12, 45]
    assert read_id_list(write(tmp_path / "d.csv", "alice\nbob\n")) == ["alice", "bob"]
    assert read_id_list(write(tmp_path / "e.csv", "handle\nalice\nbob\n")) == ["alice", "bob"]
    assert read_id_list(write(tmp_path / "f.csv", "name,ID\nx,7\ny,9\n")) == [7, 9]
    assert read_id_list(write(tmp_path / "g.txt", "id\n7\n9\n")) == [7, 9]
    assert read_id_list(write(tmp_path / "h.csv", "12;x\n45;y\n")) == [12, 45]  # ';' detected


# ------------------------------------------------------------------ 3. profile columns


def test_absent_and_unused_profile_columns_are_reported(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    p = write(tmp_path / "p.csv", "username,follower_count,er,bio\n1,500,0.1,x\n2,700,0.2,y\n")
    prof = load_profiles(p, graph, columns={"id": "username"})
    absent = next(n for n in prof.notes if "columns absent (each optional): " in n)
    assert "followers (audience size" in absent and "topics (topic weights" in absent
    assert "handle (" in absent and "id (" not in absent
    unused = next(n for n in prof.notes if "columns not used" in n)
    assert "'follower_count' (followers?)" in unused and "'er' (engagement_rate?)" in unused
    assert "'bio'" in unused and "followers=follower_count,engagement_rate=er" in unused
    assert prof.table["followers"].to_list()[:2] != [500, 700]  # not used: in-graph followers
    full = load_profiles(
        p, graph, columns={"id": "username", "followers": "follower_count", "engagement_rate": "er"}
    )
    t = full.table.filter(pl.col("has_profile"))
    assert t["followers"].to_list() == [500, 700] and t["engagement_rate"].to_list() == [0.1, 0.2]
    assert not any("(followers?)" in n for n in full.notes)
    msg = refused(load_profiles, p, graph)
    assert "no 'id' column" in msg and "'username', 'follower_count'" in msg
    assert "e.g. id=username" in msg


def test_no_topics_column_never_says_check_the_topic_names(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    prof = load_profiles(write(tmp_path / "p.csv", "id,followers\n1,500\n2,700\n"), graph)
    brands = load_brands(write(tmp_path / "b.csv", "brand,topics,budget\nYum,food,100\n"))
    msg = refused(fit_pool, prof, brands, "Yum", 0.1)
    assert "no topics column" in msg and "check the topic names" not in msg
    prof = load_profiles(write(tmp_path / "q.csv", "id,topics\n1,travel\n2,tech\n"), graph)
    msg = refused(fit_pool, prof, brands, "Yum", 0.1)
    assert "'food'" in msg and "'tech'" in msg and "check the topic names" in msg


def test_profile_columns_on_the_command_line(tmp_path: Path) -> None:
    edges = write(tmp_path / "e.csv", "follower,followed\n1,2\n2,3\n3,1\n4,1\n")
    prof = write(
        tmp_path / "p.csv",
        "username,follower_count,topics,cost\n1,500,food,10\n2,700,food,20\n99,5,food,1\n",
    )
    brands = write(tmp_path / "b.csv", "brand,topics,budget\nYum,food,100\n")
    args = ["rank", str(edges), "--profiles", str(prof), "-b", str(brands), "--min-relevance", "0"]
    r = runner.invoke(app, [*args, "--profile-columns", "id=username,followers=follower_count"])
    assert r.exit_code == 0, r.output
    assert "1 of 3 profile rows name accounts not in the graph, e.g. 99" in r.stderr
    assert "columns not used" not in r.stderr
    r = runner.invoke(app, [*args, "--profile-columns", "username=id"])
    assert r.exit_code == 2
    assert "--profile-columns: unknown name 'username'" in r.stderr
    assert "the part comes first: id=username" in r.stderr


def test_flipped_mapping_pairs_say_which_way_round() -> None:
    with pytest.raises(InputError, match=r"the part comes first: followers=follower_count"):
        parse_columns("follower_count=followers", allowed=COLUMN_NAMES["profiles"])


# ------------------------------------------------------------------ 4. encodings, ';', headers


def test_latin1_and_windows_1252_files_are_read_with_a_note(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    p = write(tmp_path / "p.csv", "id,handle\n1,Café\n2,Zoë €\n".encode("cp1252"))
    prof = load_profiles(p, graph)
    assert prof.table["handle"].to_list()[:2] == ["Café", "Zoë €"]
    assert any("not UTF-8 (byte 0xE9 on line 2): read as Windows-1252" in n for n in prof.notes)
    b = load_brands(
        write(tmp_path / "b.csv", "brand,topics,budget\nCafé,food,1\n".encode("latin-1"))
    )
    assert b.names == ["Café"] and any("Windows-1252" in n for n in b.notes)
    g = load_graph(write(tmp_path / "e.csv", "a,b\nJosé,Ana\n".encode("latin-1")))
    assert "José" in g.ids.to_list() and "read as Windows-1252" in g.report.header
    utf16 = write(tmp_path / "u.csv", "\ufeffid,handle\n1,Ünï\n".encode("utf-16-le"))
    utf16.write_bytes(b"\xff\xfe" + utf16.read_bytes()[2:])
    prof = load_profiles(utf16, graph)
    assert prof.table["handle"][0] == "Ünï" and any("UTF-16" in n for n in prof.notes)


def test_text_in_no_known_encoding_is_refused_naming_it(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    p = write(tmp_path / "p.csv", b"id,handle\n1,ok\n2,\xe9\x81\n")
    msg = refused(load_profiles, p, graph)
    assert "p.csv: line 3: not UTF-8 (byte 0xE9) nor Windows-1252/Latin-1" in msg
    assert "save the file as UTF-8" in msg


def test_semicolon_separated_excel_files(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    g = load_graph(write(tmp_path / "e.csv", "a;b;probability\n1;2;0,5\n2;3;0,25\n"))
    assert g.m == 2 and sorted(g.probability.tolist()) == [0.25, 0.5]  # type: ignore[union-attr]
    assert "';'-separated" in g.report.header and "decimal commas" in g.report.header
    prof = load_profiles(
        write(
            tmp_path / "p.csv",
            'id;followers;engagement_rate;topics\n1;500;0,05;"food:0,7, travel:0,3"\n',
        ),
        graph,
    )
    t = prof.table.filter(pl.col("has_profile"))
    assert t["engagement_rate"].to_list() == [0.05]
    w = dict(prof.topics.select("topic", "weight").iter_rows())
    assert w == pytest.approx({"food": 0.7, "travel": 0.3})
    b = load_brands(write(tmp_path / "b.csv", "brand;topics;budget\nYum;food;1500,5\n"))
    assert b.budget("Yum") == 1500.5 and any("';'-separated" in n for n in b.notes)
    log = load_actions(write(tmp_path / "l.csv", "account;item;time\n1;a;5\n2;a;6\n"))
    assert log.table.height == 2
    assert read_id_list(write(tmp_path / "i.csv", "id;name\n7;x\n")) == [7]


@pytest.mark.parametrize(
    ("loader", "name", "text"),
    [
        ("profiles", "p.csv", "id,followers,followers\n1,2,3\n"),
        ("brands", "b.csv", "brand,topics,budget,topics\nYum,food,1,x\n"),
        ("edges", "e.csv", "a,b,a\n1,2,3\n"),
        ("actions", "l.csv", "account,item,time,item\n1,a,5,b\n"),
        ("ids", "i.csv", "id,id\n1,2\n"),
    ],
)
def test_duplicate_header_names_are_refused_naming_both(
    tmp_path: Path,
    graph,
    loader: str,
    name: str,
    text: str,  # type: ignore[no-untyped-def]
) -> None:
    p = write(tmp_path / name, text)
    fn = {
        "profiles": lambda: load_profiles(p, graph),
        "brands": lambda: load_brands(p),
        "edges": lambda: load_graph(p),
        "actions": lambda: load_actions(p),
        "ids": lambda: read_id_list(p),
    }[loader]
    msg = refused(fn)
    assert f"{name}: line 1: the header names column" in msg and "both" in msg
    cols = {"profiles": "2 and column 3", "brands": "2 and column 4", "edges": "1 and column 3",
            "actions": "2 and column 4", "ids": "1 and column 2"}[loader]  # fmt: skip
    assert f"column {cols}" in msg


# ------------------------------------------------------------------ 5. topics


def test_topic_cells_weights_separators_and_names(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    prof = load_profiles(
        write(
            tmp_path / "p.csv",
            "id,topics\n"
            "1,food=0.9;Travel:0.1\n"
            "2,Food & Drink\n"
            '3,"Food, Fitness"\n'
            "4,  FOOD   &  drink ; tech = 3\n",
        ),
        graph,
    )
    by = {
        node: dict(zip(t["topic"], t["weight"], strict=True))
        for (node,), t in prof.topics.group_by("node", maintain_order=True)
    }
    ids = prof.table["id"].to_list()
    topics = {ids[n]: w for n, w in by.items()}
    assert topics[1] == pytest.approx({"food": 0.9, "travel": 0.1})
    assert topics[2] == {"food & drink": 1.0}
    assert topics[3] == {"food": 0.5, "fitness": 0.5}
    assert topics[4] == pytest.approx({"food & drink": 0.25, "tech": 0.75})
    brands = load_brands(
        write(tmp_path / "b.csv", 'brand,topics,budget\nYum,"FOOD & Drink = 2, Fitness",10\n')
    )
    assert dict(brands.topics.select("topic", "weight").iter_rows()) == pytest.approx(
        {"food & drink": 2 / 3, "fitness": 1 / 3}
    )
    rel = relevance(prof, brands, "Yum")
    assert rel[ids.index(2)] > 0 and rel[ids.index(4)] > 0  # same names in both tables


def test_unparseable_topic_weights_name_the_file_line(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    p = write(tmp_path / "p.csv", "id,topics\n1,food\n\n2,food:lots\n")
    msg = refused(load_profiles, p, graph)
    assert "p.csv: line 4, column 'topics'" in msg and "'food:lots'" in msg
    assert "weight 'lots' is not a number >= 0" in msg
    msg = refused(load_brands, write(tmp_path / "b.csv", "brand,topics,budget\nYum,=2,1\n"))
    assert "b.csv: line 2, column 'topics'" in msg and "no topic name" in msg
    msg = refused(load_profiles, write(tmp_path / "q.csv", "id,topics\n1,a:1:2\n"), graph)
    assert "line 2" in msg and "'a:1:2'" in msg


def test_min_relevance_zero_says_why_every_score_is_zero(tmp_path: Path) -> None:
    edges = write(tmp_path / "e.csv", "follower,followed\n1,2\n2,3\n3,1\n")
    prof = write(tmp_path / "p.csv", "id,topics,cost\n1,tech,5\n2,tech,5\n")
    brands = write(tmp_path / "b.csv", "brand,topics,budget\nYum,food,100\n")
    r = runner.invoke(
        app,
        ["rank", str(edges), "--profiles", str(prof), "-b", str(brands), "--min-relevance", "0"],
    )
    assert r.exit_code == 0, r.output
    assert "every score is 0" in r.stderr and "brand 'Yum' matches no topic" in r.stderr


# ------------------------------------------------------------------ 6. unmatched profile rows


def test_unmatched_profile_rows_are_counted_and_named(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    p = write(tmp_path / "p.csv", "id,followers\n1,10\n77,10\n88,10\n2,10\n")
    prof = load_profiles(p, graph)
    assert prof.unmatched == 2
    assert f"{p}: 2 of 4 profile rows name accounts not in the graph, e.g. 77, 88" in prof.notes[-1]
    none = load_profiles(write(tmp_path / "q.csv", "id\n77\n88\n"), graph)
    assert "none of the 2 profile rows names an account of the graph" in none.notes[-1]
    assert "graph IDs such as 1, 2, 3" in none.notes[-1]


def test_seed_and_simulate_print_unmatched_rows(tmp_path: Path) -> None:
    edges = write(tmp_path / "e.csv", "follower,followed\n1,2\n2,3\n3,1\n4,1\n")
    prof = write(tmp_path / "p.csv", "id,followers,cost\n1,500,5\n2,700,5\nzz,9,1\n")
    r = runner.invoke(
        app, ["seed", str(edges), "--strategy", "macro", "--k", "1", "--profiles", str(prof)]
    )
    assert r.exit_code == 0, r.output
    assert "1 of 3 profile rows name accounts not in the graph, e.g. 'zz'" in r.stderr
    r = runner.invoke(
        app,
        ["simulate", str(edges), "--seeds", "1", "--runs", "20", "--profiles", str(prof)],
    )
    assert r.exit_code == 0, r.output
    assert "1 of 3 profile rows name accounts not in the graph" in r.stderr


def test_campaign_reports_unmatched_rows(tmp_path: Path) -> None:
    from pipeline.campaign import load_config, prepare
    from pipeline.synth import generate, write_synthetic

    write_synthetic(generate(nodes=300, seed=3), tmp_path)
    profiles = pl.read_csv(tmp_path / "profiles.csv")
    extra = profiles.head(2).with_columns(pl.Series("id", [10**9, 10**9 + 1]))
    pl.concat([profiles, extra]).write_csv(tmp_path / "profiles.csv")
    (tmp_path / "c.toml").write_text(
        'name = "t"\noutput = "out"\nruns = 10\n[inputs]\ngraph = "follows.csv"\n'
        'profiles = "profiles.csv"\nbrands = "brands.csv"\n[grid]\nmodels = ["wc"]\n'
        'strategies = ["macro"]\nbudgets = [1000]\n'
    )
    said: list[str] = []
    prepare(load_config(tmp_path / "c.toml"), progress=said.append)
    assert any(
        f"2 of {profiles.height + 2:,} profile rows name accounts not in the graph" in s
        and s.startswith("note: ")
        for s in said
    ), said


# ------------------------------------------------------------------ 7. leading-zero IDs


def test_typed_ids_rule() -> None:
    def kind(*values: str) -> pl.DataType:
        return typed_ids(pl.Series(values, dtype=pl.String))[0][0].dtype

    assert kind("0", "7", "-7", "9223372036854775807") == pl.Int64
    for odd in ("007", "+7", "-0", "00", "9223372036854775808", "7.0", "1e3", "x"):
        assert kind("7", odd) == pl.String, odd
    (a, b), note = typed_ids(pl.Series(["1", "2"]), pl.Series(["007", "3"]))
    assert a.dtype == b.dtype == pl.String and "'007' is not a plain integer" in note


def test_leading_zero_ids_are_distinct_accounts_everywhere(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "e.csv", "a,b\n007,7\n7,8\n"))
    assert g.ids.dtype == pl.String and g.ids.to_list() == ["007", "7", "8"] and g.n == 3
    assert "'007' and '7' are different accounts" in g.report.header
    snap = load_graph(write(tmp_path / "e.txt", "007 7\n7 8\n"))
    assert snap.ids.to_list() == ["007", "7", "8"]
    prof = load_profiles(write(tmp_path / "p.csv", "id,followers\n007,5\n7,6\n"), g)
    assert prof.unmatched == 0
    t = prof.table.filter(pl.col("has_profile")).sort("id")
    assert t["id"].to_list() == ["007", "7"] and t["followers"].to_list() == [5, 6]
    ints = load_graph(write(tmp_path / "i.csv", "a,b\n7,8\n8,9\n"))
    prof = load_profiles(write(tmp_path / "q.csv", "id,followers\n007,5\n7,6\n"), ints)
    assert prof.unmatched == 1 and "e.g. '007'" in prof.notes[-1]  # 007 is not account 7
    assert read_id_list(write(tmp_path / "s.txt", "007\n7\n")) == ["007", "7"]
    assert read_id_list(write(tmp_path / "s.csv", "id\n7\n8\n")) == [7, 8]
    log = load_actions(write(tmp_path / "l.csv", "account,item,time,via\n007,a,1,\n7,a,2,007\n"))
    assert log.table["account"].to_list() == ["007", "7"] and log.table["via"][1] == "007"
    assert any("'007' and '7' are different accounts" in n for n in log.notes)


def test_decimal_numbers_are_not_ids(tmp_path: Path, graph) -> None:  # type: ignore[no-untyped-def]
    msg = refused(load_graph, write(tmp_path / "e.csv", "a,b\n1,2\n2.5,3\n"))
    assert "line 3, column 'a'" in msg and "decimal numbers" in msg
    msg = refused(load_profiles, write(tmp_path / "p.csv", "id\n1\n2.0\n"), graph)
    assert "line 3, column 'id'" in msg and "decimal numbers" in msg


# ------------------------------------------------------------------ fuzz: logs and ID lists

CELL = st.one_of(
    st.integers(-5, 10**20).map(str),
    st.sampled_from(["", " ", "a", "007", "+7", "-0", '"', '""', "x;y", "1.5", "NaN", "inf",
                     "2024-03-01T12:00:00Z", "2024-03-01", "true", "no", "\ufeff", "é", "\x00",
                     "\xe9", " 7 "]),
    st.text(max_size=6),
)  # fmt: skip
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=6), min_size=0, max_size=8)


def _clean(fn, *args, **kw) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(InputError):  # a clean error is fine; anything else fails
        fn(*args, **kw)


def _text(header: list[str], rows: list[list[str]], sep: str, encoding: str) -> bytes:
    lines = [sep.join(header)] if header else []
    lines += [sep.join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding, "replace")


@FUZZ
@given(
    rows=ROWS,
    header=st.sampled_from([["account", "item", "time"], ["account", "item", "time", "seed",
                           "via", "brand"], ["a", "b"], []]),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]),
    name=st.sampled_from(["log.csv", "log.tsv", "log.csv.gz"]),
)  # fmt: skip
def test_action_logs_of_csv_like_text(tmp_path_factory, rows, header, sep, encoding, name) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / name
    data = _text(header, rows, sep, encoding)
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    _clean(load_actions, path)
    _clean(load_actions, path, columns={"account": "a", "item": "b", "time": "c"})


@FUZZ
@given(data=st.binary(max_size=200), name=st.sampled_from(["log.csv", "log.parquet"]))
def test_action_logs_of_random_bytes(tmp_path_factory, data: bytes, name: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    _clean(load_actions, path)


@FUZZ
@given(
    rows=ROWS,
    header=st.sampled_from([["id"], ["name", "id"], ["handle"], []]),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
    name=st.sampled_from(["ids.csv", "ids.tsv", "ids.txt", "ids"]),
)
def test_id_lists_of_csv_like_text(tmp_path_factory, rows, header, sep, encoding, name) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(_text(header, rows, sep, encoding))
    _clean(read_id_list, path)


@FUZZ
@given(data=st.binary(max_size=200), name=st.sampled_from(["ids.csv", "ids.txt", "ids.json"]))
def test_id_lists_of_random_bytes(tmp_path_factory, data: bytes, name: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    _clean(read_id_list, path)
