"""Charts of one plan: the seed mix by tier, the reach curve over steps, audience overlap.

Builders as in :mod:`~pipeline.report.charts`: a brand's chart context and
tables in, a :class:`~pipeline.report.document.Figure` (or None) out.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.profiles import TIER_NAMES
from pipeline.report import vegalite as vl
from pipeline.report.chart_context import HEIGHT, TIER_COLOURS, ChartContext
from pipeline.report.document import Figure
from pipeline.report.frames import chart_values, level_labels, level_text

__all__ = ["curve_chart", "mix_chart", "overlap_chart"]


def overlap_chart(ctx: ChartContext, pairs: pl.DataFrame, seeds: pl.DataFrame) -> Figure | None:
    """Heatmap of the recommended plan's pairwise follower overlap (creators in seeding
    order); None when the results hold no overlap table for that cell."""
    if pairs.height == 0 or seeds.height < 2:
        return None
    names = seeds.select(pl.col("rank").cast(pl.Int32), "handle")
    both = pl.concat(
        [pairs, pairs.rename({"rank_a": "rank_b", "rank_b": "rank_a"}).select(pairs.columns)]
    )
    data = (
        both.join(names.rename({"rank": "rank_a", "handle": "a"}), on="rank_a")
        .join(names.rename({"rank": "rank_b", "handle": "b"}), on="rank_b")
        .with_columns(
            pl.format("{}. {}", "rank_a", "a").alias("creator"),
            pl.format("{}. {}", "rank_b", "b").alias("other"),
        )
        .select("rank_a", "rank_b", "creator", "other", "follower_overlap")
    )
    order = data.sort("rank_a").get_column("creator").unique(maintain_order=True).to_list()
    side = max(160, min(560, 16 * len(order)))
    heat = vl.unit(
        vl.mark("rect"),
        x=vl.channel("creator:N", sort=order, title=None, axis={"labelAngle": -60}),
        y=vl.channel("other:N", sort=order, title=None),
        color=vl.channel(
            "follower_overlap:Q",
            title="shared followers",
            scale={"domain": [0, 1], "scheme": "blues"},
            legend={"format": ".0%"},
        ),
        tooltip=[
            vl.tip("creator:N"),
            vl.tip("other:N"),
            vl.tip("follower_overlap:Q", title="shared followers", format=".0%"),
        ],
    )
    spec = {"data": {"values": chart_values(data)}, **heat, "height": side, "width": side}
    return ctx.figure(
        "overlap",
        "audience overlap of the recommended plan",
        "Share of the smaller audience that also follows the other creator (followers in "
        "the graph). Dark cells are creators who largely reach the same people.",
        spec,
        facet=False,
    )


def mix_chart(ctx: ChartContext, df: pl.DataFrame) -> Figure:
    """Seeds of each tier per strategy, one panel per level (and per model when several)."""
    labels = level_labels(df)
    long = (
        df.select("model", "strategy", "level", "level_label", *(f"seeds_{t}" for t in TIER_NAMES))
        .unpivot(
            index=["model", "strategy", "level", "level_label"],
            variable_name="tier",
            value_name="seeds",
        )
        .with_columns(
            pl.col("tier").str.strip_prefix("seeds_"),
        )
        .with_columns(
            pl.col("tier")
            .replace_strict({t: i for i, t in enumerate(TIER_NAMES)}, return_dtype=pl.Int64)
            .alias("tier_order")
        )
    )
    encode: dict[str, Any] = {
        "x": vl.channel("strategy:N", title=None, sort=ctx.strategies, axis={"labelAngle": -30}),
        "y": vl.channel("seeds:Q", aggregate="sum", title="seeds"),
        "color": vl.channel(
            "tier:N",
            title="tier",
            sort=list(TIER_NAMES),
            scale={"domain": list(TIER_NAMES), "range": list(TIER_COLOURS)},
        ),
        "order": vl.channel("tier_order:Q", sort="ascending"),
        "tooltip": [
            vl.tip("strategy:N"),
            vl.tip("level_label:N", title=ctx.level),
            vl.tip("tier:N"),
            vl.tip("seeds:Q", format=","),
        ],
        "column": vl.channel("level_label:N", title=ctx.x_title, sort=labels),
    }
    if len(ctx.models) > 1:
        encode["row"] = vl.channel("model:N", title="model")
    width = max(60, min(160, 14 * len(ctx.strategies) * 2))
    bars = vl.unit(vl.mark("bar"), **encode)
    spec = {"data": {"values": chart_values(long)}, **bars, "height": HEIGHT - 40, "width": width}
    # Facetted already (one column per level): no model facet on top.
    return ctx.figure(
        "mix",
        "seed mix by tier",
        "Number of seeds of each tier that each strategy chose at each level.",
        spec,
        facet=False,
        strategies=",".join(s for s in ctx.strategies if s in set(df["strategy"])),
    )


def curve_chart(
    ctx: ChartContext,
    curves: pl.DataFrame,
    summary: pl.DataFrame,
    best: dict[str, str],
    baseline: str,
) -> tuple[Figure | None, str | None]:
    """The reach curve of the best strategy per model (and of the baseline) at the
    largest level; None and a note when the curves table has none of them."""
    frames = []
    described = []
    for model in ctx.models:
        strategy = best.get(model)
        if strategy is None:
            continue
        at = summary.filter(pl.col("model") == model)
        if at.height == 0:
            continue
        top = at.select(pl.col("level").max()).item()
        shown = [strategy] + ([baseline] if baseline != strategy else [])
        part = curves.filter(
            (pl.col("model") == model) & (pl.col("level") == top) & pl.col("strategy").is_in(shown)
        ).with_columns(
            pl.when(pl.col("strategy") == strategy)
            .then(pl.lit("best"))
            .otherwise(pl.lit("baseline"))
            .alias("role")
        )
        if part.height:
            frames.append(part)
            described.append(f"{strategy} ({model}) at {ctx.level} {level_text(float(top))}")
    if not frames:
        return None, "No reach curve: the results hold no curves for the best strategy."
    data = pl.concat(frames).select(
        "model", "strategy", "role", "level", "step", "mean_new", "mean_cumulative"
    )
    strategies = [s for s in ctx.strategies if s in set(data["strategy"])]
    drawn = strategies  # the legend lists only what is drawn
    x = vl.channel("step:Q", title="cascade step", axis={"tickMinStep": 1})
    y = vl.channel("mean_cumulative:Q", title="mean cumulative accounts activated (in-graph)")
    tooltip = [
        vl.tip("strategy:N"),
        vl.tip("role:N"),
        vl.tip("step:Q"),
        vl.tip("mean_cumulative:Q", title="cumulative", format=",.0f"),
        vl.tip("mean_new:Q", title="new this step", format=",.0f"),
    ]
    dash = vl.channel(
        "role:N",
        title="role",
        scale={"domain": ["best", "baseline"], "range": [[1, 0], [5, 4]]},
    )
    line = vl.unit(
        vl.mark("line", strokeWidth=2), x=x, y=y, color=ctx.colour(only=drawn), strokeDash=dash
    )
    points = vl.unit(
        vl.mark("point", filled=True, opacity=1, size=25),
        x=x,
        y=y,
        color=ctx.colour(only=drawn),
        tooltip=tooltip,
    )
    spec = vl.layer(line, points, width=ctx.width, height=HEIGHT, values=chart_values(data))
    fig = ctx.figure(
        "curve",
        "reach over cascade steps, best strategy",
        f"Mean cumulative accounts activated after each step for the best strategy, "
        f"{'; '.join(described)} (solid), and the {baseline} baseline (dashed). In-graph: "
        "accounts of the simulated sample graph.",
        spec,
        strategies=",".join(strategies),
    )
    return fig, None
