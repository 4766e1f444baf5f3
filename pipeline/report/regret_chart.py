"""The cross-model chart of a brand: every strategy's one plan under every model.

Each cell is a plan chosen under the plan model (rows: strategies; columns: the model
it is simulated under; one panel per level) coloured and labelled by its regret
(:func:`pipeline.aggregate.cross_model`): the share of the best achievable under that
model it gives up. A row that stays pale is a plan that holds whatever the virality.
"""

from __future__ import annotations

import polars as pl

from pipeline.aggregate import METRIC_WORDS
from pipeline.report import vegalite as vl
from pipeline.report.chart_context import ChartContext
from pipeline.report.document import Figure
from pipeline.report.frames import chart_values, level_labels

__all__ = ["regret_chart"]


def regret_chart(ctx: ChartContext, table: pl.DataFrame, objective: str) -> Figure | None:
    """The regret heat map of one brand's rows of :func:`~pipeline.aggregate.cross_model`
    (with ``level`` and ``level_label`` from :func:`~pipeline.report.frames.level_frame`);
    None when there is one model or no row. O(rows)."""
    if table.height == 0 or table["model"].n_unique() < 2:
        return None
    plan = str(table["plan_model"][0])
    data = table.with_columns(
        pl.col("regret").clip(lower_bound=0.0).alias("shown"),
        pl.when(pl.col("regret").is_null())
        .then(pl.lit("n/a"))
        .when(pl.col("regret").abs() < 0.005)
        .then(pl.lit("0%"))
        .otherwise((pl.col("regret") * 100).round(0).cast(pl.Int64).cast(pl.String) + "%")
        .alias("text"),
        (pl.col("best_strategy") + " for " + pl.col("best_plan_model")).alias("best"),
    )
    models = [m for m in ctx.models if m in set(data["model"].to_list())] or sorted(
        set(data["model"].to_list())
    )
    x = vl.channel("model:N", title="simulated under", sort=models, axis={"labelAngle": 0})
    y = vl.channel("strategy:N", title=f"plan chosen for {plan}", sort=ctx.strategies)
    words = METRIC_WORDS.get(objective, objective)
    tips = [
        vl.tip("strategy:N"),
        vl.tip("model:N", title="simulated under"),
        vl.tip("level_label:N", title=ctx.level),
        vl.tip("mean:Q", title=words, format=",.0f"),
        vl.tip("best:N", title="best achievable"),
        vl.tip("best_mean:Q", title=f"its {words}", format=",.0f"),
        vl.tip("regret:Q", title="regret", format=".1%"),
    ]
    cells = vl.unit(
        vl.mark("rect", stroke="white", strokeWidth=2),
        x=x,
        y=y,
        color=vl.channel(
            "shown:Q",
            title="regret",
            scale={"scheme": "oranges", "domain": [0, 0.5], "clamp": True},
            legend={"format": "%"},
        ),
        tooltip=tips,
    )
    text = vl.unit(vl.mark("text", fontSize=11), x=x, y=y, text=vl.channel("text:N"))
    layered = vl.layer(
        cells,
        text,
        width=max(150, 70 * len(models)),
        height=max(60, 26 * data["strategy"].n_unique()),
    )
    spec = vl.facet(
        layered,
        vl.channel("level_label:N", title=ctx.x_title, sort=level_labels(data)),
        chart_values(data),
    )
    return ctx.figure(
        "regret",
        f"one plan per strategy, chosen for {plan}, under every virality model",
        f"The share of the best achievable {words} under each model that a plan chosen for "
        f"{plan} gives up (0% = as good as the best plan chosen for that model; negative "
        "values are shown as 0 and mean it did better, within noise).",
        spec,
        facet=False,
        strategies=",".join(s for s in ctx.strategies if s in set(data["strategy"])),
    )
