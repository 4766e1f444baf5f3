"""Writing a :class:`~pipeline.calibration.fit.Calibration` as a calibrated model file,
and parsing durations (``365d``, ``12h``).

The file format is :mod:`pipeline.diffusion.model_file`'s: a TOML of the fitted values
and, for per-edge methods, a Parquet of edge probabilities beside it
(``MODEL.edges.parquet``). Both are written atomically, the Parquet first, so a TOML
never names a missing edge file. O(m).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pipeline import __version__
from pipeline.calibration.fit import GLOBAL_METHODS, PER_EDGE_METHODS, Calibration
from pipeline.diffusion.model_file import FORMAT, graph_sha256, toml_text
from pipeline.errors import InputError
from pipeline.export import atomic_path, write_table
from pipeline.graph_io import FollowerGraph

if TYPE_CHECKING:
    from pipeline.calibration.actions import ActionLog

__all__ = ["parse_duration", "save_calibration"]

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}


def parse_duration(text: str, what: str = "horizon") -> float:
    """``365d``, ``12h``, ``90m``, ``3600s``, ``2w`` (or a bare number of days) in seconds;
    InputError naming ``what`` otherwise. Must be positive."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?\d+)?)\s*([smhdw]?)\s*", str(text))
    if m is None:
        raise InputError(f"«{what}»: expected a duration such as 365d, 12h or 3600s, got {text!r}")
    value = float(m.group(1)) * _UNITS[m.group(2) or "d"]
    if not value > 0:
        raise InputError(f"«{what}» must be positive, got {text!r}")
    return value


def save_calibration(
    cal: Calibration,
    graph: FollowerGraph,
    log: ActionLog,
    out: str | Path,
    sensitivity: dict[str, Any] | None = None,
) -> tuple[Path, Path | None]:
    """Write ``cal`` to ``out`` (TOML) and, for per-edge methods, its edge Parquet
    beside it; ``sensitivity`` (:func:`pipeline.calibration.sensitivity.sensitivity`)
    is kept as ``sensitivity_factors``, ``sensitivity_bias``, ``sensitivity_items`` and
    ``offspring``. Returns both paths (the second None for global methods)."""
    out = Path(out)
    if out.suffix.lower() != ".toml":
        raise InputError(f"{out}: a calibrated model is a .toml file; name «out» MODEL.toml")
    edge_path: Path | None = None
    meta: dict[str, object] = {"format": FORMAT, "method": cal.method, "kind": "ic"}
    if cal.method in GLOBAL_METHODS:
        meta |= {"p": cal.value, "p_ci": list(cal.ci)}
    elif cal.method == "wc-scale":
        meta |= {"scale": cal.value, "scale_ci": list(cal.ci)}
    else:
        edge_path = out.with_name(out.stem + ".edges.parquet")
        meta |= {
            "prior_p": cal.prior_p,
            "prior_strength": cal.prior_strength,
            "shrink": cal.value,
            "shrink_ci": list(cal.ci),
            "edges_with_data": cal.edges_with_data,
            "edge_file": edge_path.name,
        }
    meta |= {
        "branching_factor": cal.branching_factor,
        "horizon_days": cal.horizon / 86400.0,
        "step_seconds": cal.step or None,
        "fit_window": list(cal.fit_window),
        "items": cal.items,
        "validation_items": cal.validation_items,
        "censored_items": cal.censored_items,
        "adoptions": cal.adoptions,
        "initiators": cal.initiators,
        "failures": cal.failures,
        "brand_aware": False,
        "actions_sha256": log.sha256,
        "actions_file": Path(log.path).name,
        "graph_sha256": graph_sha256(graph),
        "graph_nodes": graph.n,
        "graph_edges": graph.m,
        "created_by": f"influence {__version__}",
    }
    curve = sensitivity["curve"] if sensitivity is not None else []
    if sensitivity is not None and all(r["earned_bias"] is not None for r in curve):
        # (undefined when nothing was earned: then the curve is left out)
        meta |= {
            "sensitivity_items": sensitivity["items"],
            "sensitivity_factors": [float(r["factor"]) for r in curve],
            "sensitivity_bias": [float(r["earned_bias"]) for r in curve],
            "offspring": sensitivity["offspring"],
        }
    if edge_path is not None and cal.method in PER_EDGE_METHODS:
        src = graph.edge_sources
        table = pl.DataFrame(
            {
                "source": graph.ids.gather(src),
                "target": graph.ids.gather(graph.out_idx),
                "probability": cal.edge_p,
            }
        )
        write_table(table, edge_path, "parquet")
    comment = (
        "A calibrated diffusion model written by `influence calibrate`.\n"
        "Use it with --model calibrated:" + out.name + ' (or models = ["calibrated:..."]).\n'
        "brand_aware = false: used as fitted, no brand sender factor or audience-quality\n"
        "thinning on top; set it to true only knowing the calibration then no longer holds."
    )
    with atomic_path(out) as tmp:
        tmp.write_text(toml_text(meta, comment), encoding="utf-8")
    return out, edge_path
