"""Charts of a calibrated model: its sensitivity curve and its backtest's predictions.

:func:`sensitivity_chart` draws predicted / actual earned reach (a ratio, log scale)
against the multiple of the fitted value (log scale), with a rule at 1 (the model
reproduces the log). :func:`backtest_chart` draws each test item's predicted mean
earned reach (accounts) against the actual one, one colour per simulated row, on
symlog axes (``log(1 + x)``: zero stays on the chart) with the y = x diagonal. Both
are Vega-Lite specs (:mod:`~pipeline.report.vegalite`) over inline values; O(points).
"""

from __future__ import annotations

from typing import Any

from pipeline.report import vegalite as vl
from pipeline.report.chart_context import HEIGHT, WIDTH, palette
from pipeline.report.document import Figure

__all__ = ["backtest_chart", "sensitivity_chart"]


def _figure(kind: str, slug: str, label: str, title: str, note: str, spec: Any) -> Figure:
    """The model's figure of ``kind`` (id ``<kind>-<slug>``) drawing ``spec``."""
    full = f"{label}: {title}"
    return Figure(
        id=f"{kind}-{slug}",
        kind=kind,
        brand="",
        title=full,
        note=note,
        spec=vl.document(spec, full),
        attrs={"chart": kind, "model": label},
    )


def sensitivity_chart(
    slug: str,
    label: str,
    points: list[dict[str, Any]],
    parameter: str,
    items: str,
) -> Figure:
    """Predicted / actual earned reach (``bias``) against the multiple of the fitted
    value (``factor``); ``points`` may carry ``value`` (the parameter at that multiple,
    named ``parameter``). ``items``: how many items the ratios are over, as text."""
    factors = sorted({float(p["factor"]) for p in points})
    x = vl.channel(
        "factor:Q",
        title=f"multiple of the fitted {parameter}",
        scale={"type": "log"},
        axis={"values": factors, "format": "~g", "labelAngle": 0},
    )
    y = vl.channel(
        "bias:Q", title="predicted / actual earned reach", scale={"type": "log", "nice": False}
    )
    tips = [
        vl.tip("factor:Q", title="multiple", format="~g"),
        vl.tip("value:Q", title=parameter, format=".4~g"),
        vl.tip("bias:Q", title="predicted / actual", format=".3~g"),
    ]
    line = vl.unit(vl.mark("line", strokeWidth=2, color="#4e79a7"), x=x, y=y)
    dots = vl.unit(
        vl.mark("point", filled=True, opacity=1, size=50, color="#4e79a7"),
        x=x,
        y=y,
        tooltip=tips,
    )
    one = vl.unit(vl.mark("rule", color="#555", strokeDash=[4, 3]), y={"datum": 1})
    fitted = vl.unit(vl.mark("rule", color="#bbb"), x={"datum": 1})
    spec = vl.layer(one, fitted, line, dots, width=WIDTH, height=HEIGHT, values=points)
    return _figure(
        "sensitivity",
        slug,
        label,
        "earned reach predicted / actual at multiples of the fitted value",
        f"Each item of the action log ({items}) simulated from its initiators with the "
        f"fitted {parameter} times the multiple on the x axis; the y axis is the total "
        "predicted earned reach over the total that happened. On the dashed line (1) the "
        "model reproduces the log; the grey line marks the fitted value. A steep curve "
        "means reach hangs on the exact value.",
        spec,
    )


def _ticks(top: float) -> list[float]:
    """Ticks 0, 1, 2, 5, 10, 20, 50, ... up to ``top`` (symlog's own ticks skip the
    small values, where most items are)."""
    ticks = [0.0]
    scale = 1.0
    while scale <= top:
        ticks += [m * scale for m in (1.0, 2.0, 5.0) if m * scale <= top]
        scale *= 10.0
    return ticks


def backtest_chart(
    slug: str,
    label: str,
    points: list[dict[str, Any]],
    rows: list[str],
    file_name: str,
) -> Figure:
    """Each test item's predicted mean earned reach against the actual one (``points``:
    ``row``, ``item``, ``seeds``, ``actual``, ``predicted``, ``p05``, ``p95``), one colour
    per row of ``rows`` (in that order), symlog axes with the y = x diagonal."""
    top = max(
        [1.0, *(float(p["actual"]) for p in points), *(float(p["predicted"]) for p in points)]
    )
    scale = {"type": "symlog", "constant": 1, "domain": [0, top], "nice": False}
    axis = {"values": _ticks(top), "format": "~s", "labelAngle": 0, "labelOverlap": "greedy"}
    x = vl.channel("actual:Q", title="actual earned reach (accounts)", scale=scale, axis=axis)
    y = vl.channel(
        "predicted:Q", title="predicted mean earned reach (accounts)", scale=scale, axis=axis
    )
    colour = vl.channel(
        "row:N",
        title="model",
        scale={"domain": rows, "range": palette(len(rows))},
        legend={"symbolOpacity": 1, "orient": "bottom", "columns": 2, "labelLimit": 260},
    )
    tips = [
        vl.tip("row:N", title="model"),
        vl.tip("item:N"),
        vl.tip("seeds:Q", format=","),
        vl.tip("actual:Q", format=","),
        vl.tip("predicted:Q", title="predicted mean", format=",.1f"),
        vl.tip("p05:Q", title="5% of runs", format=",.0f"),
        vl.tip("p95:Q", title="95% of runs", format=",.0f"),
    ]
    dots = vl.unit(
        vl.mark("point", filled=True, opacity=0.55, size=28), x=x, y=y, color=colour, tooltip=tips
    )
    ends = [{"actual": 0.0, "predicted": 0.0}, {"actual": top, "predicted": top}]
    diagonal = vl.unit(vl.mark("line", color="#555", strokeDash=[4, 3]), x=x, y=y)
    spec = vl.layer(
        {"data": {"values": ends}, **diagonal},
        {"data": {"values": points}, **dots},
        width=WIDTH,
        height=WIDTH,
    )
    return _figure(
        "backtest",
        slug,
        label,
        "predicted against actual earned reach per test item",
        f"From {file_name}: one point per held-out test item and model (calibrated rows "
        "and presets; the baselines are in the table only). Both axes are log(1 + x), so "
        "items that earned nothing stay on the chart. Points on the dashed diagonal were "
        "forecast right; above it the model over-predicts.",
        spec,
    )
