"""Any bytes fed to the loaders give a result or one clean InputError, never another
exception (issue 28's "no Traceback with any input"). Time-boxed: a few dozen examples
per loader, a deadline per example."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.graph_io import load_graph
from pipeline.profiles import load_brands, load_profiles

FUZZ = settings(max_examples=40, deadline=2000, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]

#: CSV-like text: IDs, separators, quotes, numbers, odd characters, short lines.
CELL = st.one_of(
    st.integers(-5, 10**20).map(str),
    st.sampled_from(["", " ", "a", "b", "NaN", "1e400", "-0", '"', '""', "x,y", "food:0.5",
                     "food:1;tech:2", "\ufeff", "é", "\x00", "0x1F", "inf", "007"]),
    st.text(max_size=6),
)  # fmt: skip
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=5), min_size=0, max_size=8)


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def _clean(fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(InputError):  # a clean error is fine; anything else fails
        fn(*args, **kwargs)


@FUZZ
@given(data=st.binary(max_size=200))
def test_edge_files_of_random_bytes(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / "edges.csv"
    path.write_bytes(data)
    _clean(load_graph, path)


@FUZZ
@given(rows=ROWS, header=st.booleans())
def test_edge_files_of_csv_like_text(tmp_path_factory, rows, header: bool) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / "edges.csv"
    path.write_bytes(_csv(["follower", "followed"] if header else [], rows))
    _clean(load_graph, path)


@FUZZ
@given(rows=ROWS)
def test_profiles_and_brands_of_csv_like_text(tmp_path_factory, rows) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("fuzz")
    edges = folder / "edges.csv"
    edges.write_text("follower,followed\n1,2\n2,3\n3,1\n")
    graph = load_graph(edges)
    prof = folder / "profiles.csv"
    prof.write_bytes(_csv(["id", "handle", "followers", "engagement_rate", "topics"], rows))
    _clean(load_profiles, prof, graph)
    brands = folder / "brands.csv"
    brands.write_bytes(_csv(["brand", "topics", "budget"], rows))
    _clean(load_brands, brands)


@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=120),
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "runs",
                        "seed",
                        "output",
                        "name",
                        "grid.models",
                        "grid.k",
                        "grid.budgets",
                        "objective",
                        "tie_margin",
                        "inputs.graph",
                    ]
                ),
                st.sampled_from(
                    [
                        "1",
                        "-1",
                        "1e9",
                        '"x"',
                        "[]",
                        "[1, 2]",
                        "true",
                        "{}",
                        '"\\u0000"',
                        "inf",
                        "nan",
                        '["medium"]',
                        "0.5",
                    ]
                ),
            ),
            max_size=6,
        ).map(lambda kv: "\n".join(f"{k} = {v}" for k, v in kv)),
    )
)
def test_campaign_files_of_random_text(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    from pipeline.campaign import load_config

    path = tmp_path_factory.mktemp("fuzz") / "c.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _clean(load_config, path)


#: Scalars a model file, a GML file or a networkx graph might hold.
VALUE = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.booleans(),
    st.complex_numbers(max_magnitude=2),
    st.none(),
)


@FUZZ
@given(
    data=st.binary(max_size=200),
    pairs=st.dictionaries(
        st.sampled_from(["format", "method", "p", "edge_file", "graph_sha256", "brand_aware",
                         "horizon_days", "p_ci", "label", "scale"]),
        st.one_of(st.integers(-3, 3).map(str), st.sampled_from(['"ic"', '"x.parquet"', "1.5",
                  "0.01", "true", "[0.1, 0.2]", '"influence-model/1"', '""', "nan"])),
        max_size=6,
    ),
)  # fmt: skip
def test_model_files_of_random_content(tmp_path_factory, data: bytes, pairs) -> None:  # type: ignore[no-untyped-def]
    """A calibrated model file of random bytes, or of plausible keys with odd values."""
    from pipeline.diffusion.model_file import read_model_file
    from pipeline.diffusion.model_ref import resolve
    from pipeline.graph_io import from_edges

    folder = tmp_path_factory.mktemp("fuzz")
    raw = folder / "raw.toml"
    raw.write_bytes(data)
    _clean(read_model_file, raw)
    keys = folder / "keys.toml"
    keys.write_text("".join(f"{k} = {v}\n" for k, v in pairs.items()))
    _clean(read_model_file, keys)
    import numpy as np
    import polars as pl

    g = from_edges(np.array([0, 1]), np.array([1, 2]), pl.Series(["a", "b", "c"]))
    _clean(resolve, f"calibrated:{keys}", graph=g)


@FUZZ
@given(
    nodes=st.lists(VALUE, min_size=1, max_size=5),
    edges=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), VALUE), max_size=6),
)
def test_gml_and_networkx_of_odd_values(tmp_path_factory, nodes, edges) -> None:  # type: ignore[no-untyped-def]
    """GML with odd node labels and edge probabilities, and networkx graphs with odd node
    names and attributes (2**70, NaN, complex, None, 1 beside "1")."""
    import networkx as nx

    from pipeline.interop import from_networkx, read_gml

    g = nx.DiGraph()
    for i, name in enumerate(nodes):
        with contextlib.suppress(TypeError):  # unhashable or unorderable: networkx's own
            g.add_node(name if name is not None else i)
    names = list(g.nodes)
    for u, v, p in edges:
        if names:
            g.add_edge(names[u % len(names)], names[v % len(names)], probability=p)
    _clean(from_networkx, g)
    lines = ["graph [", "  directed 1"]
    for i, name in enumerate(nodes):
        label = str(name).replace('"', "").replace("\n", " ")
        lines.append(f'  node [ id {i} label "{label}" ]')
    for u, v, p in edges:
        lines.append(f"  edge [ source {u % len(nodes)} target {v % len(nodes)} probability {p} ]")
    lines.append("]")
    path = tmp_path_factory.mktemp("fuzz") / "g.gml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    _clean(read_gml, path)
