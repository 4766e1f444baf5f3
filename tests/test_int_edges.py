"""The streaming integer reader (pipeline.graph_io.int_edges) against the general one:
on every file of its kind the same graph and the same load report; on anything else
it declines (None) and load_graph's answer is the general reader's."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.graph_io import build, int_edges, load_graph
from pipeline.graph_io.graph import FollowerGraph

ARRAYS = ("out_ptr", "out_idx", "in_ptr", "in_idx", "in_eid", "multiplicity")


def general(path: Path, **kw: object) -> FollowerGraph:
    """load_graph with the streaming reader switched off."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(build, "_STREAM_MIN_BYTES", 1 << 62)
        return load_graph(path, **kw)  # type: ignore[arg-type]


def streamed(path: Path, fmt: str, **kw: object) -> FollowerGraph | None:
    return int_edges.read_int_graph(
        path, fmt, edge_meaning=str(kw.get("edge_meaning", "follows")),
        header=kw.get("header"),  # type: ignore[arg-type]
        duplicates=str(kw.get("duplicates", "max")), min_bytes=0,
    )  # fmt: skip


def assert_same(a: FollowerGraph, b: FollowerGraph) -> None:
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert a.ids.dtype == b.ids.dtype and a.ids.equals(b.ids)
    assert a.probability is None and b.probability is None
    assert a.report == b.report


ids_compact = st.integers(0, 40)
ids_sparse = st.integers(0, 10**18 - 1)


@st.composite
def int_files(draw: st.DrawFn) -> tuple[str, bytes, dict[str, object]]:
    """A file of the streaming reader's kind: (suffix, bytes, load_graph options)."""
    pool = draw(st.sampled_from([ids_compact, ids_sparse]))
    rows = draw(st.lists(st.tuples(pool, pool), min_size=1, max_size=60))
    fmt = draw(st.sampled_from(["csv", "tsv", "snap"]))
    sep = {"csv": draw(st.sampled_from([",", ";"])), "tsv": "\t"}.get(
        fmt, draw(st.sampled_from([" ", "\t", ","]))
    )
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = ""
    if fmt == "snap" and draw(st.booleans()):
        text += "# Directed graph\n# Nodes: 9\n"
    header = draw(st.sampled_from([None, None, True, False]))
    if header is not False and draw(st.booleans()):
        text += f"follower{sep}followed{end}"
        header = None if header is None else True
    elif header is True:
        rows = [(7, 8), *rows]
    text += end.join(f"{a}{sep}{b}" for a, b in rows)
    if draw(st.booleans()):
        text += end
    opts: dict[str, object] = {
        "edge_meaning": draw(st.sampled_from(["follows", "influences"])),
        "duplicates": draw(st.sampled_from(["max", "noisy-or", "count"])),
        "header": header,
    }
    suffix = {"csv": ".csv", "tsv": ".tsv", "snap": ".txt"}[fmt]
    data = text.encode()
    if draw(st.booleans()):
        suffix, data = suffix + ".gz", gzip.compress(data)
    return suffix, data, opts


@settings(max_examples=150, deadline=None)
@given(
    case=int_files(),
    chunk=st.sampled_from([32, 64, 1 << 16]),
    head=st.sampled_from([24, 1 << 16]),
)
def test_streamed_graph_is_the_general_readers(
    tmp_path_factory: pytest.TempPathFactory,
    case: tuple[str, bytes, dict[str, object]],
    chunk: int,
    head: int,
) -> None:
    suffix, data, opts = case
    path = tmp_path_factory.mktemp("ie") / f"edges{suffix}"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(int_edges, "CHUNK_BYTES", chunk)
        m.setattr(int_edges, "HEAD_BYTES", head)
        try:
            got = streamed(path, int_edges_format(suffix), **opts)
        except InputError as exc:
            got, error = None, str(exc)  # (every row a self-loop)
        else:
            error = ""
    try:
        want = general(path, **opts)
    except InputError as exc:
        assert got is None and error in ("", str(exc))
        return
    assert not error
    if got is None:
        # Declining is allowed only where the stream cannot decide: a head that does not
        # show the file's end (it may hold a cut line), a line longer than a chunk, a
        # possible size line.
        text = gzip.decompress(data) if suffix.endswith(".gz") else data
        lines = [x for x in text.decode().splitlines() if not x.startswith("#")]
        first = lines[1 if want.report.header.startswith("header") else 0]
        size_like = str(want.report.rows - 1) in first.replace(";", " ").replace(",", " ").split()
        assert head <= len(text) or chunk == 32 or size_like
        return
    assert_same(got, want)


def int_edges_format(suffix: str) -> str:
    return {".csv": "csv", ".tsv": "tsv", ".txt": "snap"}[suffix.removesuffix(".gz")]


def test_clean_files_are_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    edges = rng.integers(0, 3000, size=(20_000, 2))
    body = "\n".join(f"{a},{b}" for a, b in edges)
    for name, text in (("h.csv", "follower,followed\n" + body), ("n.csv", body + "\n")):
        path = tmp_path / name
        path.write_text(text)
        with monkeypatch.context() as m:
            m.setattr(int_edges, "CHUNK_BYTES", 4096)
            got = streamed(path, "csv")
        assert got is not None
        assert_same(got, general(path))
    # load_graph takes the stream for a file at or above the threshold
    calls: list[object] = []
    real = int_edges.read_int_graph
    monkeypatch.setattr(build, "_STREAM_MIN_BYTES", 0)

    def spy(*args: object, **kw: object) -> FollowerGraph | None:
        calls.append(args)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(int_edges, "read_int_graph", spy)
    assert_same(load_graph(tmp_path / "h.csv"), general(tmp_path / "h.csv"))
    assert calls


def test_threshold_is_the_modules() -> None:
    assert build._STREAM_MIN_BYTES == int_edges.MIN_BYTES


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n\n3,4\n",  # a blank line
        "a,b\n1,2\n03,4\n",  # a leading zero: '03' and '3' are different accounts
        "a,b\n1,2\n+3,4\n",  # a sign
        "a,b\n1,2\n-3,4\n",
        "a,b\n1,2\n3,4,5\n",  # a third column
        'a,b\n1,2\n"3",4\n',  # a quote
        "a,b\n1,2\n3, 4\n",  # a space
        "a,b\n1,2\n3,1234567890123456789\n",  # 19 digits
        "a,b\n1,2\n3,x\n",  # text
        "a,b\n1,2\n# note\n3,4\n",  # a comment below the top
        "3,2\n1,2\n2,3\n",  # a size line: 3 nodes, 2 edges
        "\ufeffa,b\n1,2\n",  # a byte-order mark
        "a,b,p\n1,2,0.5\n",  # a probability column
    ],
)
def test_declines_and_load_graph_gives_the_general_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = tmp_path / "e.csv"
    path.write_text(text, encoding="utf-8")
    assert streamed(path, "csv") is None
    monkeypatch.setattr(build, "_STREAM_MIN_BYTES", 0)
    try:
        got: FollowerGraph | str = load_graph(path)
    except InputError as exc:
        got = str(exc)
    try:
        want: FollowerGraph | str = general(path)
    except InputError as exc:
        want = str(exc)
    if isinstance(want, str):
        assert got == want
    else:
        assert isinstance(got, FollowerGraph)
        assert_same(got, want)


def test_only_self_loops_is_the_general_readers_error(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("a,b\n1,1\n2,2\n")
    with pytest.raises(InputError) as streamed_error:
        streamed(path, "csv")
    with pytest.raises(InputError) as general_error:
        general(path)
    assert str(streamed_error.value) == str(general_error.value)


def test_gzip_is_streamed_and_damaged_or_missing_files_declined(tmp_path: Path) -> None:
    for name in ("e.csv.gz", "g.csv"):  # gzip named so, or not
        path = tmp_path / name
        path.write_bytes(gzip.compress(b"a,b\n1,2\n2,3\n"))
        got = streamed(path, "csv")
        assert got is not None
        assert_same(got, general(path))
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(b"a,b\n1,2\n" * 5000)[:-40])  # a damaged stream
    assert streamed(cut, "csv") is None
    with pytest.raises(InputError):
        general(cut)
    not_gzip = tmp_path / "n.csv.gz"
    not_gzip.write_bytes(b"a,b\n1,2\n")
    assert streamed(not_gzip, "csv") is None
    assert streamed(tmp_path / "missing.csv", "csv") is None
    assert streamed(tmp_path / "e.parquet", "parquet") is None
