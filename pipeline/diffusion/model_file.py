"""Calibrated model files: a TOML of fitted values, plus a Parquet of edge probabilities.

``influence calibrate`` writes them; ``--model calibrated:FILE`` (and
``model="calibrated:FILE"`` in the library and campaign files) reads them. The TOML
holds ``format``, ``method``, the fitted value and its interval (``p``/``p_ci``,
``scale``/``scale_ci`` or ``shrink``/``shrink_ci`` with ``prior_p``), the branching
factor, horizon, fit window, counts, ``brand_aware`` and two SHA-256 digests: of the
action log's bytes and of the graph's normalised edge set (:func:`graph_sha256`).
Per-edge methods add ``edge_file``, a Parquet beside the TOML with columns ``source``,
``target`` (external IDs, influence direction: source's posts reach target) and
``probability``, in the graph's edge order; such a model loads only on a graph with
the same edge-set digest. Global models (global-p, em, wc-scale) load on any graph,
with a note when the digest differs. O(m) to load or hash.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

__all__ = ["FORMAT", "ModelFile", "graph_sha256", "read_model_file", "toml_text"]

FORMAT = "influence-calibrated-model/1"
_KINDS = {
    "global-p": "ic",
    "em": "ic",
    "wc-scale": "wc-scale",
    "bernoulli": "edges",
    "partial-credit": "edges",
}


def graph_sha256(graph: FollowerGraph) -> str:
    """SHA-256 of the graph's normalised edge set: edges in influence direction after
    merging duplicates and dropping self-loops, sorted by (source, target) ID, as the
    little-endian int64 IDs (integer IDs) or as ``source\\ttarget\\n`` UTF-8 lines. O(m)."""
    src = graph.edge_sources
    dst = graph.out_idx
    h = hashlib.sha256()
    if graph.ids.dtype.is_integer():
        ids = graph.ids.cast(pl.Int64).to_numpy()
        h.update(b"int64\n")
        h.update(
            np.ascontiguousarray(np.stack([ids[src], ids[dst]], axis=1), dtype="<i8").tobytes()
        )
    else:
        lines = pl.DataFrame({"s": graph.ids.gather(src), "t": graph.ids.gather(dst)}).select(
            pl.concat_str([pl.col("s"), pl.col("t")], separator="\t")
        )
        h.update(b"text\n")
        h.update(("\n".join(lines.to_series().to_list()) + "\n").encode())
    return h.hexdigest()


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v} to TOML")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def toml_text(meta: dict[str, Any], comment: str = "") -> str:
    """``meta`` (flat: numbers, text, booleans, lists) as TOML, keys in order; None skipped."""
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    return head + "".join(f"{k} = {_toml_value(v)}\n" for k, v in meta.items() if v is not None)


@dataclass(frozen=True)
class ModelFile:
    """A calibrated model file, read and checked."""

    path: Path
    meta: dict[str, Any]

    @property
    def method(self) -> str:
        return str(self.meta["method"])

    @property
    def brand_aware(self) -> bool:
        return bool(self.meta.get("brand_aware", False))

    @property
    def label(self) -> str:
        return f"calibrated:{self.path}"

    def probabilities(
        self, graph: FollowerGraph
    ) -> tuple[float | None, NDArray[np.float32] | None, str | None]:
        """``(p, edge probabilities, note)`` of this model on ``graph``: a uniform p
        (global-p, em) or per-edge probabilities (wc-scale, per-edge methods), and a note
        when a global model was fitted on another graph. O(m)."""
        same = self.meta.get("graph_sha256") == graph_sha256(graph)
        note = (
            None
            if same
            else (
                f"{self.path}: fitted on another graph (edge-set digest differs); "
                f"its {self.method} parameters are used as they are"
            )
        )
        kind = _KINDS[self.method]
        if kind == "ic":
            return float(self.meta["p"]), None, note
        if kind == "wc-scale":
            indeg = np.diff(graph.in_ptr).astype(np.float64)
            c = float(self.meta["scale"])
            return None, np.minimum(1.0, c / indeg[graph.out_idx]).astype(np.float32), note
        if not same:
            raise InputError(
                f"{self.path}: a per-edge ({self.method}) model of another graph: its edge-set "
                f"digest {str(self.meta.get('graph_sha256'))[:12]}... does not match this "
                f"graph's {graph_sha256(graph)[:12]}...; calibrate on this graph"
            )
        edge_path = self.path.parent / str(self.meta["edge_file"])
        try:
            col = pl.read_parquet(edge_path, columns=["probability"], glob=False)["probability"]
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise InputError(
                f"{edge_path}: cannot read the model's edge probabilities: {exc}"
            ) from None
        p = col.cast(pl.Float32).to_numpy()
        if p.shape[0] != graph.m or not np.all((p >= 0) & (p <= 1)):
            raise InputError(
                f"{edge_path}: expected {graph.m} probabilities in [0, 1] (one per edge), got "
                f"{p.shape[0]}"
            )
        return None, p, None


def read_model_file(path: str | Path) -> ModelFile:
    """Read and check a calibrated model TOML (see the module docstring)."""
    p = Path(path)
    try:
        meta = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: no such calibrated model file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the calibrated model: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: not valid TOML: {exc}") from None
    if meta.get("format") != FORMAT:
        raise InputError(
            f"{p}: not a calibrated model file (expected format = {FORMAT!r}; "
            f"write one with `influence calibrate`)"
        )
    method = meta.get("method")
    if not isinstance(method, str) or method not in _KINDS:
        raise InputError(f"{p}: key 'method': expected one of {', '.join(_KINDS)}, got {method!r}")
    need = {"ic": ("p",), "wc-scale": ("scale",), "edges": ("edge_file", "graph_sha256")}[
        _KINDS[method]
    ]
    for key in need:
        if key not in meta:
            raise InputError(f"{p}: key {key!r} is missing (a {method} model needs it)")
    edge_file = meta.get("edge_file")
    if edge_file is not None and (
        not isinstance(edge_file, str)
        or not edge_file.endswith(".parquet")
        or Path(edge_file).name != edge_file
    ):
        raise InputError(
            f"{p}: key 'edge_file': expected the name of a .parquet file beside the model, "
            f"got {edge_file!r}"
        )
    for key in ("p", "scale"):
        if key in meta:
            v = meta[key]
            ok = (
                isinstance(v, int | float)
                and not isinstance(v, bool)
                and math.isfinite(v)
                and v >= 0
            )
            if not ok or (key == "p" and v > 1):
                bound = " and <= 1" if key == "p" else ""
                raise InputError(f"{p}: key {key!r}: expected a number >= 0{bound}, got {v!r}")
    if not isinstance(meta.get("brand_aware", False), bool):
        raise InputError(f"{p}: key 'brand_aware': expected true or false")
    return ModelFile(p, meta)
