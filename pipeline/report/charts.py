"""Charts against the budget (or k): reach, efficiency, EMV, paired differences, winners.

Each builder takes a brand's :class:`~pipeline.report.chart_context.ChartContext`
and its level frame (:func:`~pipeline.report.frames.level_frame`) and returns a
:class:`~pipeline.report.document.Figure` (or None when the data hold nothing to
draw). Vega-Lite specs (:mod:`~pipeline.report.vegalite`) over inline values.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.aggregate import METRIC_WORDS, METRICS
from pipeline.report import vegalite as vl
from pipeline.report.chart_context import HEIGHT, KIND, NOUNS, ChartContext
from pipeline.report.document import Figure
from pipeline.report.frames import chart_values, level_labels

__all__ = [
    "IN_GRAPH_NOTE",
    "diff_chart",
    "efficiency_chart",
    "emv_chart",
    "reach_chart",
    "robustness_chart",
]

#: What an in-graph count is, under its charts.
IN_GRAPH_NOTE = " In-graph: accounts of the simulated sample graph, not people on the platform."


def _points(
    ctx: ChartContext, x: dict[str, Any], y: dict[str, Any], tooltip: list[dict[str, Any]]
) -> dict[str, Any]:
    """The filled points of a level chart, coloured by strategy, carrying its tooltip."""
    return vl.unit(
        vl.mark("point", filled=True, opacity=1, size=40),
        x=x,
        y=y,
        color=ctx.colour(),
        tooltip=tooltip,
    )


def reach_chart(ctx: ChartContext, df: pl.DataFrame, measure: str) -> Figure:
    """Mean ``measure`` per strategy against the level, with its 95% band."""
    noun = NOUNS[measure]
    x = vl.channel("level:Q", title=ctx.x_title, axis=ctx.level_axis(df))
    tooltip = [
        vl.tip("strategy:N"),
        vl.tip("model:N"),
        vl.tip("level:Q", title=ctx.level, format=","),
        vl.tip(f"mean_{measure}:Q", title=f"mean {noun}", format=",.0f"),
        vl.tip(f"{measure}_ci_low:Q", title="95% CI low", format=",.0f"),
        vl.tip(f"{measure}_ci_high:Q", title="95% CI high", format=",.0f"),
        vl.tip("runs:Q", format=","),
    ]
    mean = vl.channel(f"mean_{measure}:Q")
    band = vl.unit(
        vl.mark("area", opacity=0.2),
        x=x,
        y=vl.channel(f"{measure}_ci_low:Q", title=f"expected {noun}"),
        y2={"field": f"{measure}_ci_high"},
        color=ctx.colour(),
    )
    line = vl.unit(
        vl.mark("line", strokeWidth=2),
        x=x,
        y=mean,
        color=ctx.colour(),
        detail=vl.channel("strategy:N"),
    )
    points = _points(ctx, x, mean, tooltip)
    spec = vl.layer(band, line, points, width=ctx.width, height=HEIGHT, values=chart_values(df))
    where = "budget" if ctx.level == "budget" else "number of seeds"
    return ctx.figure(
        KIND[measure],
        f"expected {noun} by {where}",
        f"Mean over {ctx.runs} runs per point; the band is the 95% confidence interval "
        "of the mean. Where two lines cross, the better strategy changes with the "
        f"{where}." + (IN_GRAPH_NOTE if measure in METRICS else ""),
        spec,
        strategies=",".join(s for s in ctx.strategies if s in set(df["strategy"])),
        measure=measure,
    )


def _level_line_chart(
    ctx: ChartContext,
    df: pl.DataFrame,
    column: str,
    y_title: str,
    tooltip: list[tuple[str, str, str]],
    kind: str,
    title: str,
    note: str,
) -> Figure | None:
    """One line per strategy of ``column`` against the level; None when it has no value.

    ``tooltip``: (column, title, d3 format) beside the strategy and the level.
    """
    if column not in df.columns:
        return None
    df = df.filter(pl.col(column).is_not_null() & pl.col(column).is_not_nan())
    if df.height == 0:
        return None
    x = vl.channel("level:Q", title=ctx.x_title, axis=ctx.level_axis(df))
    y = vl.channel(f"{column}:Q", title=y_title)
    tips = [
        vl.tip("strategy:N"),
        vl.tip("level:Q", title=ctx.level, format=","),
        *(vl.tip(f"{c}:Q", title=t, format=f) for c, t, f in tooltip),
    ]
    line = vl.unit(vl.mark("line", strokeWidth=2), x=x, y=y, color=ctx.colour())
    points = _points(ctx, x, y, tips)
    spec = vl.layer(line, points, width=ctx.width, height=HEIGHT, values=chart_values(df))
    present = set(df["strategy"])
    return ctx.figure(
        kind, title, note, spec, strategies=",".join(s for s in ctx.strategies if s in present)
    )


def efficiency_chart(
    ctx: ChartContext, df: pl.DataFrame, measure: str = "activated"
) -> Figure | None:
    """Mean ``measure`` per currency unit spent against the level; None without costs."""
    return _level_line_chart(
        ctx,
        df,
        f"{measure}_per_cost",
        f"{NOUNS[measure]} per currency unit",
        [
            (f"{measure}_per_cost", "per unit", ",.3f"),
            ("activated_per_cost", "activated per unit", ",.3f"),
            ("cost_spent", "cost spent (fees and overhead)", ",.0f"),
            ("seeds_used", "creators", ",.0f"),
        ],
        "efficiency",
        f"{NOUNS[measure]} per currency unit",
        f"Mean {NOUNS[measure]} divided by the mean cost spent (fees plus per-creator "
        "overhead, currency units).",
    )


def emv_chart(ctx: ChartContext, df: pl.DataFrame) -> Figure | None:
    """Earned media value (impressions x CPM / 1000) against the level, when a CPM and
    impressions are known."""
    return _level_line_chart(
        ctx,
        df,
        "emv",
        "earned media value (currency units)",
        [("emv", "EMV", ",.0f"), ("cpm", "CPM", ",.2f"), ("cost_spent", "cost spent", ",.0f")],
        "emv",
        "earned media value",
        "Mean impressions x the cell's CPM / 1,000 (the profiles' CPM, else the "
        "platform's default): what the same impressions would cost as ads. Compare with "
        "the budget on the x axis.",
    )


def diff_chart(
    ctx: ChartContext, df: pl.DataFrame, baseline: str, measure: str = "activated"
) -> Figure:
    """Paired difference of each strategy against ``baseline`` per level, 95% interval."""
    m = measure
    labels = level_labels(df)
    x = vl.channel("level_label:N", title=ctx.x_title, sort=labels, axis={"labelAngle": 0})
    others = [s for s in ctx.strategies if s != baseline]
    offset = vl.channel("strategy:N", sort=others)
    tooltip = [
        vl.tip("strategy:N"),
        vl.tip("level_label:N", title=ctx.level),
        vl.tip(f"mean_diff_{m}:Q", title=f"minus {baseline}", format="+,.1f"),
        vl.tip(f"diff_{m}_ci_low:Q", title="95% CI low", format="+,.1f"),
        vl.tip(f"diff_{m}_ci_high:Q", title="95% CI high", format="+,.1f"),
        vl.tip(f"win_share_{m}:Q", title="share of runs won", format=".0%"),
        vl.tip("runs:Q", title="paired runs", format=","),
    ]
    intervals = vl.unit(
        vl.mark("rule", strokeWidth=2),
        x=x,
        xOffset=offset,
        y=vl.channel(f"diff_{m}_ci_low:Q", title=f"{NOUNS[m]} minus {baseline}"),
        y2={"field": f"diff_{m}_ci_high"},
        color=ctx.colour(only=others),
    )
    points = vl.unit(
        vl.mark("point", filled=True, opacity=1, size=60),
        x=x,
        xOffset=offset,
        y=vl.channel(f"mean_diff_{m}:Q"),
        color=ctx.colour(only=others),
        tooltip=tooltip,
    )
    zero = vl.unit(vl.mark("rule", color="#555", strokeDash=[4, 3]), y={"datum": 0})
    spec = vl.layer(
        zero, intervals, points, width=ctx.width, height=HEIGHT, values=chart_values(df)
    )
    return ctx.figure(
        "diff",
        f"paired difference against {baseline}",
        f"Mean per-run difference in {NOUNS[m]} against {baseline} (run r of each "
        "strategy shares its random numbers with run r of the baseline) with its 95% "
        "interval; above the dashed line the strategy beats the baseline.",
        spec,
        strategies=",".join(s for s in others if s in set(df["strategy"])),
        baseline=baseline,
    )


def robustness_chart(ctx: ChartContext, winners: pl.DataFrame, objective: str) -> Figure:
    """The winning strategy at each level (x) under each model (y): where the colour of a
    column changes, the verdict depends on the model."""
    labels = level_labels(winners)
    x = vl.channel("level_label:N", title=ctx.x_title, sort=labels, axis={"labelAngle": 0})
    y = vl.channel("model:N", title="virality model", sort=ctx.models)
    tips = [vl.tip("model:N"), vl.tip("level_label:N", title=ctx.level),
            vl.tip("strategy:N", title="winner"),
            vl.tip(f"mean_{objective}:Q", title=METRIC_WORDS.get(objective, objective),
                   format=",.0f")]  # fmt: skip
    cells = vl.unit(
        vl.mark("rect", stroke="white", strokeWidth=2),
        x=x,
        y=y,
        color=ctx.colour(only=sorted(set(winners["strategy"]))),
        tooltip=tips,
    )
    text = vl.unit(
        vl.mark("text", color="white", fontWeight="bold"),
        x=x,
        y=y,
        text=vl.channel("strategy:N"),
    )
    spec = vl.layer(
        cells,
        text,
        width=max(240, 110 * len(labels)),
        height=max(60, 44 * len(ctx.models)),
        values=chart_values(winners),
    )
    return ctx.figure(
        "robustness",
        "the winner at each budget under each virality model",
        f"The strategy with the most {METRIC_WORDS.get(objective, objective)} in each cell; a "
        "column of one colour is a verdict that holds whatever the virality.",
        spec,
        facet=False,
        strategies=",".join(s for s in ctx.strategies if s in set(winners["strategy"])),
    )
