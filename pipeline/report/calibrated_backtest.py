"""A calibrated model's backtest file, ``<model stem>.backtest.json``, for the report.

``influence backtest GRAPH --actions LOG --models ...,calibrated:MODEL.toml --json >
MODEL.backtest.json`` prints one JSON object: ``models`` (rows: ``model``, ``kind``
preset, calibrated or baseline, ``earned_bias`` = predicted / actual total earned reach,
``msle``, ``spearman``, ``coverage90`` and ``ci``, metric -> [low, high]),
``test_items``, ``horizon_days`` and ``items`` (per test item its actual earned reach in
accounts and each row's ``<row> mean``, ``<row> p05``, ``<row> p95``; as rows, or as
columns of lists). This module reads it into the table's frame, the page's text rows and
the scatter's points. Row names lose their folders (``calibrated:/a/m.toml`` ->
``calibrated:m.toml``): the page may leave the machine. Each value is checked; a
malformed one shows as n/a. O(items x rows).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.report.frames import finite, level_text, number_text, significant

__all__ = [
    "BACKTEST_HEADS",
    "backtest_caption",
    "backtest_frame",
    "backtest_rows",
    "load_backtest",
    "scatter_points",
]

#: Columns of the backtest table on the page.
BACKTEST_HEADS = (
    "model",
    "kind",
    "earned bias (95% interval)",
    "msle",
    "spearman",
    "in 90% range",
)
_SCHEMA = {
    "model": pl.String,
    "kind": pl.String,
    "earned_bias": pl.Float64,
    "bias_ci_low": pl.Float64,
    "bias_ci_high": pl.Float64,
    "msle": pl.Float64,
    "spearman": pl.Float64,
    "coverage90": pl.Float64,
    "this_model": pl.Boolean,
    "source": pl.String,
}


def load_backtest(path: Path) -> dict[str, Any]:
    """The JSON object of ``path``; OSError or ValueError (with a reason) otherwise."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ValueError("not the object `influence backtest --json` prints")
    return data


def row_name(name: str) -> str:
    """A row name without folders (``calibrated:/a/b/m.toml`` -> ``calibrated:m.toml``)."""
    if name.startswith("calibrated:"):
        return "calibrated:" + re.split(r"[/\\]", name[len("calibrated:") :])[-1]
    return name


def backtest_frame(data: dict[str, Any], file_name: str) -> pl.DataFrame:
    """The rows (``models``) of a backtest in file order (best msle first): display name,
    kind, earned bias with its 95% interval, msle, spearman, coverage90, whether the row
    scores the model file ``file_name`` (``this_model``), and the row's name in the file
    (``source``, which may hold folders: not for the page). O(rows)."""
    out = []
    for r in data.get("models") or []:
        if not isinstance(r, dict) or "model" not in r:
            continue
        ci = r.get("ci")
        bias_ci = ci.get("earned_bias") if isinstance(ci, dict) else None
        low, high = bias_ci if isinstance(bias_ci, list) and len(bias_ci) == 2 else (None, None)
        name = row_name(str(r["model"]))
        out.append(
            {
                "model": name,
                "kind": str(r.get("kind") or ""),
                "earned_bias": finite(r.get("earned_bias")),
                "bias_ci_low": finite(low),
                "bias_ci_high": finite(high),
                "msle": finite(r.get("msle")),
                "spearman": finite(r.get("spearman")),
                "coverage90": finite(r.get("coverage90")),
                "this_model": name == f"calibrated:{file_name}",
                "source": str(r["model"]),
            }
        )
    return pl.DataFrame(out, schema=_SCHEMA, orient="row")


def backtest_rows(df: pl.DataFrame) -> list[dict[str, Any]]:
    """The backtest table as text: per row ``cells`` ((text, is a number) per column of
    :data:`BACKTEST_HEADS`) and ``this`` (the row scores the section's model file)."""
    rows = []
    for r in df.iter_rows(named=True):
        bias = significant(r["earned_bias"], 3)
        if r["bias_ci_low"] is not None and r["bias_ci_high"] is not None:
            bias += f" ({significant(r['bias_ci_low'], 3)} to {significant(r['bias_ci_high'], 3)})"
        c90 = "n/a" if r["coverage90"] is None else f"{r['coverage90']:.0%}"
        cells = [
            (r["model"] + (" (this model)" if r["this_model"] else ""), False),
            (r["kind"], False),
            (bias, True),
            (significant(r["msle"], 3), True),
            (significant(r["spearman"], 2), True),
            (c90, True),
        ]
        rows.append({"cells": cells, "this": r["this_model"]})
    return rows


def _item_rows(items: Any) -> list[dict[str, Any]]:
    """Per-item rows of the backtest's ``items``: a list of rows, or columns of lists."""
    if isinstance(items, list):
        return [r for r in items if isinstance(r, dict)]
    if not isinstance(items, dict):
        return []
    cols = {k: v for k, v in items.items() if isinstance(v, list)}
    n = len(cols.get("actual", []))
    return [{k: v[i] for k, v in cols.items() if i < len(v)} for i in range(n)]


def scatter_points(df: pl.DataFrame, items: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """One point per test item and simulated row (kind preset or calibrated): ``row``,
    ``item``, ``seeds``, ``actual``, ``predicted`` (mean), ``p05``, ``p95``; and the rows
    with a point, in table order."""
    simulated = df.filter(pl.col("kind").is_in(["preset", "calibrated"]))
    rows = _item_rows(items)
    points: list[dict[str, Any]] = []
    drawn: list[str] = []
    for name, source in zip(simulated["model"], simulated["source"], strict=True):
        before = len(points)
        for it in rows:
            actual, mean = finite(it.get("actual")), finite(it.get(f"{source} mean"))
            if actual is None or mean is None or actual < 0 or mean < 0:
                continue
            points.append(
                {
                    "row": name,
                    "item": str(it.get("item")),
                    "seeds": finite(it.get("seeds")),
                    "actual": actual,
                    "predicted": mean,
                    "p05": finite(it.get(f"{source} p05")),
                    "p95": finite(it.get(f"{source} p95")),
                }
            )
        if len(points) > before:
            drawn.append(name)
    return points, drawn


def backtest_caption(data: dict[str, Any], file_name: str) -> str:
    """What the backtest table shows and how to read its columns."""
    n = finite(data.get("test_items"))
    horizon = finite(data.get("horizon_days"))
    return (
        f"From {file_name}: earned reach on "
        f"{number_text(round(n)) + ' ' if n is not None else ''}held-out test items"
        + (f" ({level_text(horizon, 2)}-day horizon)" if horizon else "")
        + ", best msle first. Earned bias: total predicted over total actual earned reach "
        "(1 is right) with its 95% interval over items; msle: mean squared error of "
        "log2(1 + earned reach); spearman: rank correlation of predicted and actual; in 90% "
        "range: share of items inside the 5-95% range of the simulations (n/a for "
        "baselines). Rows named by a method are refitted on the backtest's training items; "
        "calibrated:FILE rows score a saved file as it is."
    )
