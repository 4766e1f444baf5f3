"""Charts of one plan: the seed mix by tier, the reach curve over steps, audience overlap.

Builders as in :mod:`~pipeline.report.charts`: a brand's chart context and
tables in, a :class:`~pipeline.report.document.Figure` (or None) out.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.profiles import TIER_NAMES
from pipeline.report.chart_context import HEIGHT, TIER_COLOURS, ChartContext
from pipeline.report.document import Figure
from pipeline.report.frames import chart_values, level_labels, level_text

__all__ = ["curve_chart", "mix_chart", "overlap_chart"]


def overlap_chart(ctx: ChartContext, pairs: pl.DataFrame, seeds: pl.DataFrame) -> Figure | None:
    """Heatmap of the recommended plan's pairwise follower overlap (creators in seeding
    order); None when the results hold no overlap table for that cell."""
    alt = ctx.alt
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
    chart = (
        alt.Chart(alt.Data(values=chart_values(data)))
        .mark_rect()
        .encode(
            x=alt.X("creator:N", sort=order, title=None, axis=alt.Axis(labelAngle=-60)),
            y=alt.Y("other:N", sort=order, title=None),
            color=alt.Color(
                "follower_overlap:Q",
                title="shared followers",
                scale=alt.Scale(domain=[0, 1], scheme="blues"),
                legend=alt.Legend(format=".0%"),
            ),
            tooltip=[
                alt.Tooltip("creator:N"),
                alt.Tooltip("other:N"),
                alt.Tooltip("follower_overlap:Q", title="shared followers", format=".0%"),
            ],
        )
        .properties(width=side, height=side)
    )
    return ctx.figure(
        "overlap",
        "audience overlap of the recommended plan",
        "Share of the smaller audience that also follows the other creator (followers in "
        "the graph). Dark cells are creators who largely reach the same people.",
        chart,
        facet=False,
    )


def mix_chart(ctx: ChartContext, df: pl.DataFrame) -> Figure:
    """Seeds of each tier per strategy, one panel per level (and per model when several)."""
    alt = ctx.alt
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
        "x": alt.X("strategy:N", title=None, sort=ctx.strategies, axis=alt.Axis(labelAngle=-30)),
        "y": alt.Y("sum(seeds):Q", title="seeds"),
        "color": alt.Color(
            "tier:N",
            title="tier",
            sort=list(TIER_NAMES),
            scale=alt.Scale(domain=list(TIER_NAMES), range=list(TIER_COLOURS)),
        ),
        "order": alt.Order("tier_order:Q", sort="ascending"),
        "tooltip": [
            alt.Tooltip("strategy:N"),
            alt.Tooltip("level_label:N", title=ctx.level),
            alt.Tooltip("tier:N"),
            alt.Tooltip("seeds:Q", format=","),
        ],
        "column": alt.Column("level_label:N", title=ctx.x_title, sort=labels),
    }
    if len(ctx.models) > 1:
        encode["row"] = alt.Row("model:N", title="model")
    width = max(60, min(160, 14 * len(ctx.strategies) * 2))
    chart = (
        alt.Chart(alt.Data(values=chart_values(long)))
        .mark_bar()
        .encode(**encode)
        .properties(width=width, height=HEIGHT - 40)
    )
    # Facetted already (one column per level): no model facet on top.
    return ctx.figure(
        "mix",
        "seed mix by tier",
        "Number of seeds of each tier that each strategy chose at each level.",
        chart,
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
    alt = ctx.alt
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
    x = alt.X("step:Q", title="cascade step", axis=alt.Axis(tickMinStep=1))
    y = alt.Y("mean_cumulative:Q", title="mean cumulative accounts activated (in-graph)")
    tooltip = [
        alt.Tooltip("strategy:N"),
        alt.Tooltip("role:N"),
        alt.Tooltip("step:Q"),
        alt.Tooltip("mean_cumulative:Q", title="cumulative", format=",.0f"),
        alt.Tooltip("mean_new:Q", title="new this step", format=",.0f"),
    ]
    dash = alt.StrokeDash(
        "role:N",
        title="role",
        scale=alt.Scale(domain=["best", "baseline"], range=[[1, 0], [5, 4]]),
    )
    line = (
        alt.Chart()
        .mark_line(strokeWidth=2)
        .encode(x=x, y=y, color=ctx.colour(only=drawn), strokeDash=dash)
    )
    points = (
        alt.Chart()
        .mark_point(filled=True, opacity=1, size=25)
        .encode(x=x, y=y, color=ctx.colour(only=drawn), tooltip=tooltip)
    )
    chart = alt.layer(line, points, data=alt.Data(values=chart_values(data))).properties(
        width=ctx.width, height=HEIGHT
    )
    fig = ctx.figure(
        "curve",
        "reach over cascade steps, best strategy",
        f"Mean cumulative accounts activated after each step for the best strategy, "
        f"{'; '.join(described)} (solid), and the {baseline} baseline (dashed). In-graph: "
        "accounts of the simulated sample graph.",
        chart,
        strategies=",".join(strategies),
    )
    return fig, None
