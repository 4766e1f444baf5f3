"""Campaign reports: one self-contained HTML page, or one PNG per chart, from a results folder.

``influence report RESULTS --out report.html`` reads a campaign results folder
(only through :mod:`pipeline.aggregate`) and writes a page that a marketer can
open offline and a reviewer can reproduce:

- per brand, the robustness verdict (under how many models the winner holds),
  then expected *earned* reach (the campaign's objective when it is an earned one,
  else earned exposure: accounts beyond the paid creators), accounts activated and
  accounts exposed against the budget (or the number of seeds ``k``): one line
  per strategy with its 95% confidence band, so crossovers (micro against macro)
  show;
- reach per currency unit against the budget;
- the paired difference of every strategy against the baseline, with its 95%
  interval (common random numbers, see :func:`pipeline.aggregate.compare`);
- the seed mix by tier (nano ... mega) of every strategy and budget;
- the reach curve over cascade steps of the best strategy (per
  :func:`pipeline.aggregate.verdicts`) and of the baseline, at the largest level;
- the top candidates of the brand (:func:`pipeline.aggregate.candidates`) in a
  table sortable by clicking a column header;
- the verdict sentences and the campaign's parameters (config, inputs with their
  SHA-256, graph size, models, runs, seed, grid), enough to reproduce it.

Charts are Vega-Lite specifications built with Altair from inline values (no
pandas); the page inlines the Vega, Vega-Lite and vega-embed JavaScript that
``vl-convert-python`` bundles, so it loads nothing from the network. Every
chart's container has a stable ``id`` (``<kind>-<brand slug>``, e.g.
``reach-freshbite``; see :data:`CHART_KINDS`) and ``data-chart``,
``data-brand`` and ``data-strategies`` attributes; the candidates table has id
``candidates-<brand slug>``. With ``format="png"`` every chart is rendered by
vl-convert (offline) to ``<chart id>.png``.

Altair and vl-convert are the optional ``report`` extra
(``pip install 'influence-pipeline[report]'``).
"""

from __future__ import annotations

import html
import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import polars as pl

from pipeline.aggregate import (
    METRIC_WORDS,
    Results,
    candidates,
    compare,
    level_winners,
    load_results,
    robustness,
    summarize,
    verdicts,
)
from pipeline.errors import InputError
from pipeline.export import (
    atomic_path,
    ensure_folder,
    format_money,
    open_atomic_text,
    spreadsheet_safe,
)
from pipeline.plan import PLAIN_NAMES, headline, people, plans
from pipeline.profiles import TIER_NAMES

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "CHART_KINDS",
    "OPTIONAL_CHART_KINDS",
    "REPORT_FORMATS",
    "BrandSection",
    "Figure",
    "Report",
    "build_report",
    "render_html",
    "write_report",
]

#: Chart kinds, in page order; a chart's element id is ``<kind>-<brand slug>``.
CHART_KINDS: tuple[str, ...] = (
    "earned", "robustness", "reach", "exposed", "efficiency", "diff", "mix", "curve",
    "overlap",
)  # fmt: skip
_NOUNS = {
    "activated": "accounts activated",
    "exposed": "accounts exposed",
    "earned_activated": "accounts activated beyond the paid creators",
    "earned_exposed": "accounts exposed beyond the paid creators",
}
_KIND = {"activated": "reach", "exposed": "exposed", "earned_activated": "earned",
         "earned_exposed": "earned"}  # fmt: skip
#: Charts drawn only when the data allow: ``emv`` needs a CPM (profiles or the config).
OPTIONAL_CHART_KINDS: tuple[str, ...] = ("emv",)
REPORT_FORMATS: tuple[str, ...] = ("html", "png")
INSTALL_HINT = "pip install 'influence-pipeline[report]'"

# Strategy colours (Tableau 10), assigned in the campaign's strategy order so a
# strategy has the same colour in every chart of the page.
_PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
# Tiers from small to large audience: light to dark (viridis, reversed).
_TIER_COLOURS = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
_WIDTH, _HEIGHT = 420, 260


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True, eq=False)
class Figure:
    """One chart of the report.

    ``id`` is the element id of its container in the HTML page and the stem of
    its PNG file; ``attrs`` become ``data-*`` attributes of that container.
    ``chart`` is an Altair chart (its Vega-Lite spec is ``chart.to_dict()``).
    """

    id: str
    kind: str
    brand: str
    title: str
    note: str
    chart: alt.TopLevelMixin
    wide: bool = False  # takes a whole row of the page (side-by-side models)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class BrandSection:
    """The charts, candidates table and verdicts of one brand."""

    brand: str
    slug: str
    level: str  # "budget" or "k"
    figures: tuple[Figure, ...]
    notes: tuple[str, ...]
    verdicts: tuple[str, ...]
    candidates: pl.DataFrame | None
    candidates_caption: str
    headline: str = ""  # the sentence a manager can forward (pipeline.plan.headline)
    plan: pl.DataFrame | None = None  # one row per budget (pipeline.plan.plans)


@dataclass(frozen=True, eq=False)
class Report:
    """A built report: everything :func:`render_html` and the PNG writer need."""

    title: str
    results_path: Path
    baseline: str
    parameters: tuple[tuple[str, str], ...]
    verdicts: pl.DataFrame
    sections: tuple[BrandSection, ...]
    robustness: pl.DataFrame | None = None  # per brand, across models (aggregate.robustness)
    currency: str = ""  # the campaign's [valuation] currency

    @property
    def figures(self) -> list[Figure]:
        """Every chart, brand by brand in page order."""
        return [f for s in self.sections for f in s.figures]


# --------------------------------------------------------------------------- helpers


def _altair() -> ModuleType:
    """Import Altair (and check vl-convert), or say how to install them."""
    try:
        import altair
        import vl_convert  # noqa: F401
    except ImportError:
        raise InputError(f"the report needs Altair and vl-convert: {INSTALL_HINT}") from None
    return altair


def _vl_convert() -> ModuleType:
    try:
        import vl_convert
    except ImportError:
        raise InputError(f"the report needs vl-convert: {INSTALL_HINT}") from None
    return vl_convert


def _vl_version() -> str | None:
    """The Vega-Lite version of Altair's schema in vl-convert's spelling (``"6.4"``),
    or None (vl-convert's newest) when vl-convert does not bundle it."""
    import altair

    vlc = _vl_convert()
    parts = str(altair.SCHEMA_VERSION).lstrip("v").split(".")
    version = ".".join(parts[:2])
    return version if version in vlc.get_vegalite_versions() else None


def _slug(text: str, taken: set[str]) -> str:
    """A lower-case id fragment of ``text`` ([a-z0-9-]), unique among ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "brand"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _values(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN and infinities become null, as Vega expects)."""
    floats = [c for c, t in df.schema.items() if t.is_float()]
    clean = df.with_columns(
        pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c) for c in floats
    )
    return clean.to_dicts()


def _ordered(present: Iterable[str], preferred: Sequence[Any]) -> list[str]:
    """``present`` in the order of ``preferred``, then the rest sorted."""
    have = set(present)
    first = [p for p in preferred if isinstance(p, str) and p in have]
    return first + sorted(have - set(first))


def _num(x: float | int | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}f}"


def _level_text(x: float, digits: int = 2) -> str:
    """A budget or k for labels: thousands separated, at most ``digits`` decimals."""
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _level_frame(df: pl.DataFrame, level: str) -> pl.DataFrame:
    """``df`` restricted to the brand's level kind, with ``level`` (Float64) and
    ``level_label`` (text for axes and facets) columns."""
    if level == "budget":
        df = df.filter(pl.col("budget").is_not_null())
        value = pl.col("budget")
    else:
        df = df.filter(pl.col("budget").is_null() & pl.col("k").is_not_null())
        value = pl.col("k").cast(pl.Float64)
    labels = {v: _level_text(v) for v in df.select(value).to_series().unique().to_list()}
    return df.with_columns(value.alias("level")).with_columns(
        pl.col("level").replace_strict(labels, return_dtype=pl.String).alias("level_label")
    )


def _level_labels(df: pl.DataFrame) -> list[str]:
    return df.sort("level").get_column("level_label").unique(maintain_order=True).to_list()


# --------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class _Ctx:
    """What every chart of one brand shares."""

    alt: ModuleType
    brand: str
    slug: str
    level: str
    strategies: list[str]
    colours: list[str]
    models: list[str]
    runs: str

    @property
    def width(self) -> int:
        """Plot width; narrower per model when the models are side by side."""
        return _WIDTH if len(self.models) == 1 else 300

    @property
    def x_title(self) -> str:
        return "budget (currency units)" if self.level == "budget" else "number of seeds (k)"

    def level_axis(self, df: pl.DataFrame) -> Any:
        """An x axis whose ticks sit on the grid's levels (the budgets or k), not on
        round numbers between them."""
        values = sorted({float(v) for v in df["level"].drop_nulls().to_list()})
        return self.alt.Axis(values=values, format=",~r" if self.level == "k" else ",.0f",
                             labelAngle=0, labelOverlap="greedy")  # fmt: skip

    def colour(self, only: Sequence[str] | None = None) -> Any:
        """Colour by strategy, the same colour for a strategy in every chart (``only``:
        the strategies drawn, when not all); opaque legend symbols (a faint confidence
        band would fade them otherwise)."""
        pairs = [
            (s, c)
            for s, c in zip(self.strategies, self.colours, strict=True)
            if only is None or s in only
        ]
        return self.alt.Color(
            "strategy:N",
            title="strategy",
            scale=self.alt.Scale(domain=[s for s, _ in pairs], range=[c for _, c in pairs]),
            legend=self.alt.Legend(symbolOpacity=1),
        )

    def figure(
        self, kind: str, title: str, note: str, chart: Any, facet: bool = True, **attrs: str
    ) -> Figure:
        full = f"{self.brand}: {title}"
        if facet and len(self.models) > 1:
            chart = chart.facet(column=self.alt.Column("model:N", title="model"))
        chart = chart.properties(title=full, background="white")
        return Figure(
            id=f"{kind}-{self.slug}",
            kind=kind,
            brand=self.brand,
            title=full,
            note=note,
            chart=chart,
            wide=len(self.models) > 1,
            attrs={
                "chart": kind,
                "brand": self.brand,
                "level": self.level,
                "models": ",".join(self.models),
                **attrs,
            },
        )


def _reach_chart(ctx: _Ctx, df: pl.DataFrame, measure: str) -> Figure:
    alt = ctx.alt
    noun = _NOUNS[measure]
    x = alt.X("level:Q", title=ctx.x_title, axis=ctx.level_axis(df))
    tooltip = [
        alt.Tooltip("strategy:N"),
        alt.Tooltip("model:N"),
        alt.Tooltip("level:Q", title=ctx.level, format=","),
        alt.Tooltip(f"mean_{measure}:Q", title=f"mean {noun}", format=",.0f"),
        alt.Tooltip(f"{measure}_ci_low:Q", title="95% CI low", format=",.0f"),
        alt.Tooltip(f"{measure}_ci_high:Q", title="95% CI high", format=",.0f"),
        alt.Tooltip("runs:Q", format=","),
    ]
    band = (
        alt.Chart()
        .mark_area(opacity=0.2)
        .encode(
            x=x,
            y=alt.Y(f"{measure}_ci_low:Q", title=f"expected {noun}"),
            y2=f"{measure}_ci_high:Q",
            color=ctx.colour(),
        )
    )
    line = (
        alt.Chart()
        .mark_line(strokeWidth=2)
        .encode(x=x, y=f"mean_{measure}:Q", color=ctx.colour(), detail="strategy:N")
    )
    points = (
        alt.Chart()
        .mark_point(filled=True, opacity=1, size=40)
        .encode(x=x, y=f"mean_{measure}:Q", color=ctx.colour(), tooltip=tooltip)
    )
    chart = alt.layer(band, line, points, data=alt.Data(values=_values(df))).properties(
        width=ctx.width, height=_HEIGHT
    )
    where = "budget" if ctx.level == "budget" else "number of seeds"
    return ctx.figure(
        _KIND[measure],
        f"expected {noun} by {where}",
        f"Mean over {ctx.runs} runs per point; the band is the 95% confidence interval "
        "of the mean. Where two lines cross, the better strategy changes with the "
        f"{where}.",
        chart,
        strategies=",".join(s for s in ctx.strategies if s in set(df["strategy"])),
        measure=measure,
    )


def _level_line_chart(
    ctx: _Ctx,
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
    alt = ctx.alt
    if column not in df.columns:
        return None
    df = df.filter(pl.col(column).is_not_null() & pl.col(column).is_not_nan())
    if df.height == 0:
        return None
    x = alt.X("level:Q", title=ctx.x_title, axis=ctx.level_axis(df))
    y = alt.Y(f"{column}:Q", title=y_title)
    tips = [
        alt.Tooltip("strategy:N"),
        alt.Tooltip("level:Q", title=ctx.level, format=","),
        *(alt.Tooltip(f"{c}:Q", title=t, format=f) for c, t, f in tooltip),
    ]
    line = alt.Chart().mark_line(strokeWidth=2).encode(x=x, y=y, color=ctx.colour())
    points = (
        alt.Chart()
        .mark_point(filled=True, opacity=1, size=40)
        .encode(x=x, y=y, color=ctx.colour(), tooltip=tips)
    )
    chart = alt.layer(line, points, data=alt.Data(values=_values(df))).properties(
        width=ctx.width, height=_HEIGHT
    )
    present = set(df["strategy"])
    return ctx.figure(
        kind, title, note, chart, strategies=",".join(s for s in ctx.strategies if s in present)
    )


def _efficiency_chart(ctx: _Ctx, df: pl.DataFrame, measure: str = "activated") -> Figure | None:
    return _level_line_chart(
        ctx,
        df,
        f"{measure}_per_cost",
        f"{_NOUNS[measure]} per currency unit",
        [
            (f"{measure}_per_cost", "per unit", ",.3f"),
            ("activated_per_cost", "activated per unit", ",.3f"),
            ("cost_spent", "cost spent (fees and overhead)", ",.0f"),
            ("seeds_used", "creators", ",.0f"),
        ],
        "efficiency",
        "reach per currency unit",
        f"Mean {_NOUNS[measure]} divided by the mean cost spent (fees plus per-creator "
        "overhead, currency units).",
    )


def _emv_chart(ctx: _Ctx, df: pl.DataFrame) -> Figure | None:
    """Earned media value (exposures x CPM / 1000) against the level, when a CPM is known."""
    return _level_line_chart(
        ctx,
        df,
        "emv",
        "earned media value (currency units)",
        [("emv", "EMV", ",.0f"), ("cpm", "CPM", ",.2f"), ("cost_spent", "cost spent", ",.0f")],
        "emv",
        "earned media value",
        "Mean accounts exposed x the cell's CPM / 1,000: what the same impressions would "
        "cost as ads. Compare with the budget on the x axis.",
    )


def _diff_chart(ctx: _Ctx, df: pl.DataFrame, baseline: str, measure: str = "activated") -> Figure:
    alt = ctx.alt
    m = measure
    labels = _level_labels(df)
    x = alt.X("level_label:N", title=ctx.x_title, sort=labels, axis=alt.Axis(labelAngle=0))
    others = [s for s in ctx.strategies if s != baseline]
    offset = alt.XOffset("strategy:N", sort=others)
    tooltip = [
        alt.Tooltip("strategy:N"),
        alt.Tooltip("level_label:N", title=ctx.level),
        alt.Tooltip(f"mean_diff_{m}:Q", title=f"minus {baseline}", format="+,.1f"),
        alt.Tooltip(f"diff_{m}_ci_low:Q", title="95% CI low", format="+,.1f"),
        alt.Tooltip(f"diff_{m}_ci_high:Q", title="95% CI high", format="+,.1f"),
        alt.Tooltip(f"win_share_{m}:Q", title="share of runs won", format=".0%"),
        alt.Tooltip("runs:Q", title="paired runs", format=","),
    ]
    intervals = (
        alt.Chart()
        .mark_rule(strokeWidth=2)
        .encode(
            x=x,
            xOffset=offset,
            y=alt.Y(
                f"diff_{m}_ci_low:Q",
                title=f"{_NOUNS[m]} minus {baseline}",
            ),
            y2=f"diff_{m}_ci_high:Q",
            color=ctx.colour(only=others),
        )
    )
    points = (
        alt.Chart()
        .mark_point(filled=True, opacity=1, size=60)
        .encode(
            x=x,
            xOffset=offset,
            y=f"mean_diff_{m}:Q",
            color=ctx.colour(only=others),
            tooltip=tooltip,
        )
    )
    zero = alt.Chart().mark_rule(color="#555", strokeDash=[4, 3]).encode(y=alt.datum(0))
    chart = alt.layer(zero, intervals, points, data=alt.Data(values=_values(df))).properties(
        width=ctx.width, height=_HEIGHT
    )
    return ctx.figure(
        "diff",
        f"paired difference against {baseline}",
        f"Mean per-run difference in {_NOUNS[m]} against {baseline} (run r of each "
        "strategy shares its random numbers with run r of the baseline) with its 95% "
        "interval; above the dashed line the strategy beats the baseline.",
        chart,
        strategies=",".join(s for s in others if s in set(df["strategy"])),
        baseline=baseline,
    )


def _robustness_chart(ctx: _Ctx, winners: pl.DataFrame, objective: str) -> Figure:
    """The winning strategy at each level (x) under each model (y): where the colour of a
    column changes, the verdict depends on the model."""
    alt = ctx.alt
    labels = _level_labels(winners)
    x = alt.X("level_label:N", title=ctx.x_title, sort=labels, axis=alt.Axis(labelAngle=0))
    y = alt.Y("model:N", title="virality model", sort=ctx.models)
    tips = [alt.Tooltip("model:N"), alt.Tooltip("level_label:N", title=ctx.level),
            alt.Tooltip("strategy:N", title="winner"),
            alt.Tooltip(f"mean_{objective}:Q", title=METRIC_WORDS.get(objective, objective),
                        format=",.0f")]  # fmt: skip
    cells = (
        alt.Chart()
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(x=x, y=y, color=ctx.colour(only=sorted(set(winners["strategy"]))), tooltip=tips)
    )
    text = (
        alt.Chart().mark_text(color="white", fontWeight="bold").encode(x=x, y=y, text="strategy:N")
    )
    chart = alt.layer(cells, text, data=alt.Data(values=_values(winners))).properties(
        width=max(240, 110 * len(labels)), height=max(60, 44 * len(ctx.models))
    )
    return ctx.figure(
        "robustness",
        "the winner at each budget under each virality model",
        f"The strategy with the most {METRIC_WORDS.get(objective, objective)} in each cell; a "
        "column of one colour is a verdict that holds whatever the virality.",
        chart,
        facet=False,
        strategies=",".join(s for s in ctx.strategies if s in set(winners["strategy"])),
    )


def _overlap_chart(ctx: _Ctx, pairs: pl.DataFrame, seeds: pl.DataFrame) -> Figure | None:
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
        alt.Chart(alt.Data(values=_values(data)))
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


def _mix_chart(ctx: _Ctx, df: pl.DataFrame) -> Figure:
    alt = ctx.alt
    labels = _level_labels(df)
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
            scale=alt.Scale(domain=list(TIER_NAMES), range=list(_TIER_COLOURS)),
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
        alt.Chart(alt.Data(values=_values(long)))
        .mark_bar()
        .encode(**encode)
        .properties(width=width, height=_HEIGHT - 40)
    )
    # Facetted already (one column per level): no model facet on top.
    full = f"{ctx.brand}: seed mix by tier"
    return Figure(
        id=f"mix-{ctx.slug}",
        kind="mix",
        brand=ctx.brand,
        title=full,
        note="Number of seeds of each tier that each strategy chose at each level.",
        chart=chart.properties(title=full, background="white"),
        wide=len(ctx.models) > 1,
        attrs={
            "chart": "mix",
            "brand": ctx.brand,
            "level": ctx.level,
            "models": ",".join(ctx.models),
            "strategies": ",".join(s for s in ctx.strategies if s in set(df["strategy"])),
        },
    )


def _curve_chart(
    ctx: _Ctx,
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
            described.append(f"{strategy} ({model}) at {ctx.level} {_level_text(float(top))}")
    if not frames:
        return None, "No reach curve: the results hold no curves for the best strategy."
    data = pl.concat(frames).select(
        "model", "strategy", "role", "level", "step", "mean_new", "mean_cumulative"
    )
    strategies = [s for s in ctx.strategies if s in set(data["strategy"])]
    drawn = strategies  # the legend lists only what is drawn
    x = alt.X("step:Q", title="cascade step", axis=alt.Axis(tickMinStep=1))
    y = alt.Y("mean_cumulative:Q", title="mean cumulative accounts activated")
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
    chart = alt.layer(line, points, data=alt.Data(values=_values(data))).properties(
        width=ctx.width, height=_HEIGHT
    )
    fig = ctx.figure(
        "curve",
        "reach over cascade steps, best strategy",
        f"Mean cumulative accounts activated after each step for the best strategy, "
        f"{'; '.join(described)} (solid), and the {baseline} baseline (dashed).",
        chart,
        strategies=",".join(strategies),
    )
    return fig, None


# --------------------------------------------------------------------------- building


def _parameters(results: Results, baseline: str) -> tuple[tuple[str, str], ...]:
    """The manifest as (label, value) rows: enough to find the inputs and re-run."""
    m = results.manifest
    rows: list[tuple[str, str]] = []

    def add(label: str, value: Any) -> None:
        if value is None or value == "" or value == []:
            return
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, list):
            value = ", ".join(
                _level_text(v, 6) if isinstance(v, int | float) else str(v) for v in value
            )
        elif isinstance(value, int | float):
            value = _level_text(value, 6)
        rows.append((label, str(value)))

    def name(path: Any) -> str | None:  # no directories: the page may leave the machine
        return Path(str(path)).name if path else None

    add("campaign", m.get("name"))
    add("config", name(m.get("config")))
    if m.get("config"):
        add("reproduce", f"influence campaign {name(m['config'])}")
    add("results folder", results.path.name)
    add("fingerprint", m.get("fingerprint"))
    add("last updated", m.get("updated"))
    graph = m.get("graph") or {}
    inputs = m.get("inputs") or {}
    for label, spec in inputs.items():
        if isinstance(spec, dict):
            add(f"{label} file", name(spec.get("path")))
            add(f"{label} sha256", spec.get("sha256"))
    if isinstance(graph, dict):
        add("graph nodes", graph.get("nodes"))
        add("graph edges", graph.get("edges"))
    grid = m.get("grid") or {}
    models = []
    for spec in grid.get("models") or []:
        if isinstance(spec, dict):
            label = str(spec.get("label") or spec.get("name"))
            p = spec.get("p")
            models.append(f"{label} (p = {p:g})" if isinstance(p, int | float) else label)
        else:
            models.append(str(spec))
    add("models", models)
    add("brands", grid.get("brands"))
    add("strategies", grid.get("strategies"))
    add("budgets", grid.get("budgets"))
    add("budget shares", grid.get("budget_shares"))
    add("numbers of seeds (k)", grid.get("k"))
    add("baseline", baseline)
    add("cells", m.get("cells"))
    settings = m.get("settings") or {}
    for key, value in settings.items():
        add(key.replace("_", " "), value)
    return tuple(rows)


def _candidates_table(results: Results, brand: str, top: int) -> tuple[pl.DataFrame | None, str]:
    try:
        df = candidates(results, brand, top=top)
    except InputError as exc:
        return None, f"No candidates table: {exc}."
    first = df.row(0, named=True) if df.height else None
    if first is None:
        return None, "No candidates table: the best cell chose no seeds."
    level = (
        f"budget {_level_text(first['budget'])}"
        if first["budget"] is not None
        else f"k = {first['k']}"
    )
    o = results.objective
    unit = "activations" if o in ("activated", "earned_activated") else "exposure"
    df = df.with_columns(
        pl.Series("reason", [_reason(r, unit) for r in df.iter_rows(named=True)], pl.String)
    )
    caption = (
        f"The creators of {first['strategy']}, the plan with the most "
        f"{METRIC_WORDS.get(o, o)} at {level} ({first['model']}), in seeding order. Marginal "
        f"reach: expected extra {unit} given the creators above. Click a column header "
        "to sort."
    )
    return df, caption


def build_report(
    results: Results | str | Path, baseline: str | None = None, top: int = 20
) -> Report:
    """Build the charts, tables and parameters of a campaign report.

    Parameters
    ----------
    results
        A :class:`~pipeline.aggregate.Results` or the path of a results folder.
    baseline
        Strategy the paired differences are taken against; default the
        campaign's (``macro`` when it names none). Given but not run:
        :class:`InputError`. Defaulted but not run: the page says so instead of
        showing the difference chart.
    top
        Rows of each brand's candidates table.

    Returns
    -------
    Report
        Render it with :func:`render_html`, or write it with :func:`write_report`.

    Raises
    ------
    InputError
        If Altair or vl-convert is missing, the folder is not a campaign
        results folder (see :func:`~pipeline.aggregate.load_results`), the
        baseline is unknown, or ``top`` < 1.
    """
    alt = _altair()
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    res = results if isinstance(results, Results) else load_results(results)
    summary = summarize(res)
    verdict_df = verdicts(res, baseline)
    robust = robustness(res)
    plan_rows = plans(res)
    objective = res.objective
    earned = objective if objective.startswith("earned") else "earned_exposed"
    base = baseline or res.baseline
    diff_note = None
    try:
        diffs: pl.DataFrame | None = compare(res, baseline)
    except InputError as exc:
        if baseline is not None:
            raise
        diffs, diff_note = None, f"No paired differences: {exc}."
    grid = res.manifest.get("grid") or {}
    brands = _ordered(summary["brand"].drop_nulls().unique(), grid.get("brands") or [])
    strategies = _ordered(summary["strategy"].drop_nulls().unique(), grid.get("strategies") or [])
    colours = [_PALETTE[i % len(_PALETTE)] for i in range(len(strategies))]
    runs = res.manifest.get("settings", {}).get("runs")
    taken: set[str] = set()
    sections = []
    for brand in brands:
        slug = _slug(brand, taken)
        mine = summary.filter(pl.col("brand") == brand)
        level = "budget" if mine["budget"].is_not_null().any() else "k"
        mine = _level_frame(mine, level)
        models = sorted(mine["model"].unique().to_list())
        ctx = _Ctx(
            alt=alt,
            brand=brand,
            slug=slug,
            level=level,
            strategies=strategies,
            colours=colours,
            models=models,
            runs=_num(runs) if isinstance(runs, int) else "all",
        )
        figures: list[Figure] = [_reach_chart(ctx, mine, earned)]
        figures.append(_robustness_chart(ctx, level_winners(mine, objective), objective))
        figures.append(_reach_chart(ctx, mine, "activated"))
        figures.append(_reach_chart(ctx, mine, "exposed"))
        notes: list[str] = []
        eff = _efficiency_chart(ctx, mine, objective)
        if eff is None:
            notes.append("No reach per currency unit: no cost was spent (no cost data).")
        else:
            figures.append(eff)
        emv = _emv_chart(ctx, mine)
        if emv is not None:
            figures.append(emv)
        brand_diffs = (
            _level_frame(diffs.filter(pl.col("brand") == brand), level)
            if diffs is not None
            else None
        )
        if brand_diffs is not None and brand_diffs.height:
            figures.append(_diff_chart(ctx, brand_diffs, base, objective))
        else:
            notes.append(diff_note or f"No paired differences against {base} for this brand.")
        figures.append(_mix_chart(ctx, mine))
        mine_verdicts = verdict_df.filter(pl.col("brand") == brand)
        best = dict(
            zip(
                mine_verdicts["model"].to_list(),
                mine_verdicts["best_strategy"].to_list(),
                strict=True,
            )
        )
        curves = _level_frame(res.curves.filter(pl.col("brand") == brand), level)
        curve, curve_note = _curve_chart(ctx, curves, mine, best, base)
        if curve is not None:
            figures.append(curve)
        if curve_note:
            notes.append(curve_note)
        table, caption = _candidates_table(res, brand, top)
        if table is not None and table.height:
            first = table.row(0, named=True)
            cell = res.overlap.filter(
                (pl.col("brand") == brand)
                & (pl.col("model") == first["model"])
                & (pl.col("strategy") == first["strategy"])
                & (
                    pl.col("budget").is_null()
                    if first["budget"] is None
                    else pl.col("budget") == first["budget"]
                )
                & (pl.col("k").is_null() if first["k"] is None else pl.col("k") == first["k"])
            )
            heat = _overlap_chart(ctx, cell, table)
            if heat is not None:
                figures.append(heat)
            else:
                notes.append("No audience overlap chart: the results hold no overlap table.")
        sections.append(
            BrandSection(
                brand=brand,
                slug=slug,
                level=level,
                figures=tuple(figures),
                notes=tuple(notes),
                verdicts=(
                    *(
                        f"Across models: {r['verdict']}"
                        for r in robust.filter(pl.col("brand") == brand).iter_rows(named=True)
                        if r["models"] > 1
                    ),
                    *(f"{r['model']}: {r['verdict']}" for r in mine_verdicts.iter_rows(named=True)),
                ),
                candidates=table,
                candidates_caption=caption,
                headline=headline(plan_rows, brand, res.currency),
                plan=plan_rows.filter(pl.col("brand") == brand) if plan_rows.height else None,
            )
        )
    name = str(res.manifest.get("name") or res.path.name)
    return Report(
        title=f"Campaign report: {name}",
        results_path=res.path,
        baseline=base,
        parameters=_parameters(res, base),
        verdicts=verdict_df,
        sections=tuple(sections),
        robustness=robust,
        currency=res.currency,
    )


# --------------------------------------------------------------------------- HTML

_CSS = """
:root { color-scheme: light; --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0; background: #f6f7f9; overflow-wrap: anywhere; }
header, main { max-width: 1320px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 32px 0 8px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lead, p.note, caption { color: var(--muted); }
nav a { margin-right: 14px; display: inline-block; }
ul.verdicts li { margin: 2px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(560px, 100%), 1fr));
          gap: 16px; }
figure.card { background: #fff; border: 1px solid var(--line); border-radius: 6px;
              margin: 0; padding: 12px; overflow-x: auto; min-width: 0; }
figure.card.wide { grid-column: 1 / -1; }
figure.card p.note { font-size: 13px; margin: 6px 0 0; }
.chart { min-height: 120px; max-width: 100%; }
/* charts shrink to their card: the SVG keeps its aspect ratio */
.chart svg, .chart canvas { max-width: 100%; height: auto; }
.scroll { overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; background: #fff; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left;
         overflow-wrap: normal; }
table.candidates td:not(:last-child) { white-space: nowrap; }
table.candidates td:last-child { min-width: 18em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
caption { caption-side: top; text-align: left; padding: 4px 0; font-size: 13px; }
table.sortable th { cursor: pointer; user-select: none; background: #eef1f5; }
table.sortable th::after { content: " \\2195"; color: #9aa5b1; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; color: var(--ink); }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; color: var(--ink); }
table.params td:first-child { color: var(--muted); white-space: nowrap; }
table.params td:last-child { font-family: ui-monospace, Menlo, Consolas, monospace;
                             word-break: break-all; }
details.appendix summary, details.glossary summary { cursor: pointer; color: var(--muted); }
p.headline, ul.headlines li { font-size: 16px; }
p.download { margin: 4px 0 12px; font-size: 13px; }
ul.headlines li { margin: 6px 0; }
details.glossary dt { font-weight: 600; }
details.glossary dd { margin: 0 0 6px 16px; color: var(--muted); }
table.plan td, table.plan th { font-size: 13px; }
table.plan th { min-width: 6.5em; vertical-align: bottom; }
table.plan td:nth-child(2), table.plan td:last-child { min-width: 12em; }
@media (max-width: 700px) {
  header, main { padding: 0 12px; }
  .charts { grid-template-columns: 1fr; }
  h1 { font-size: 22px; }
  th, td { padding: 3px 6px; }
}
@media print {
  body { background: #fff; font-size: 12px; }
  nav { display: none; }
  header, main { max-width: none; padding: 0; }
  table.sortable th::after { content: none; }
  table.sortable th { cursor: auto; }
  figure.card, tr, .plan { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .scroll { overflow: visible; }
  details.appendix { break-before: auto; }
  details.appendix > *:not(summary) { display: block; }
  p.download { display: none; }
}
"""

# Click (or Enter on) a header to sort by that column; again to reverse. Cells
# carry their raw value in data-sort; numeric columns compare as numbers.
_SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.querySelectorAll("thead th");
  heads.forEach(function (th, col) {
    function sortBy() {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var numeric = th.getAttribute("data-type") === "number";
      function key(row) {
        var v = row.cells[col].getAttribute("data-sort");
        if (!numeric) { return v || ""; }
        var x = parseFloat(v);
        return isNaN(x) ? -Infinity : x;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var c = numeric ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y));
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sortBy);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(); }
    });
  });
});
"""

# Render every chart as SVG into its container; mark the container when done so
# that tests (and people) can tell a rendered chart from a failed one.
_EMBED_JS = """
(function () {
  var specs = JSON.parse(document.getElementById("report-specs").textContent);
  Object.keys(specs).forEach(function (id) {
    var el = document.getElementById(id);
    vegaEmbed(el, specs[id], {renderer: "svg", actions: false})
      .then(function () { el.setAttribute("data-rendered", "true"); })
      .catch(function (err) {
        el.setAttribute("data-rendered", "error");
        el.textContent = "This chart could not be drawn: " + err;
      });
  });
})();
"""

# (header, column, type, decimals) of the candidates table.
_CANDIDATE_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("rank", "rank", "number", 0),
    ("handle", "handle", "text", 0),
    ("platform", "platform", "text", 0),
    ("tier", "tier", "tier", 0),
    ("followers", "followers", "number", 0),
    ("real audience", "real_audience", "percent", 0),
    ("engagement rate", "engagement_rate", "percent", 1),
    ("brand fit", "relevance", "fit", 2),
    ("cost", "cost", "money", 2),
    ("marginal reach", "marginal_reach", "number", 0),
    ("cumulative reach", "cumulative_reach", "number", 0),
    ("overlap with creators above", "overlap_above", "percent", 0),
    ("why", "reason", "text", 0),
)


def fit_label(relevance: float | None) -> str:
    """Brand fit in words: strong (>= 0.8), good (>= 0.5), fair (>= 0.3), weak."""
    if relevance is None or not math.isfinite(relevance):
        return "unknown"
    return ("strong" if relevance >= 0.8 else "good" if relevance >= 0.5
            else "fair" if relevance >= 0.3 else "weak")  # fmt: skip


def _reason(row: dict[str, Any], unit: str) -> str:
    """One line on why a creator is in the plan."""
    gain = row.get("marginal_reach") or 0.0
    first = "adds the most" if row.get("rank") == 1 else f"adds about {people(gain)}"
    text = f"{fit_label(row.get('relevance'))} brand fit; {first} {unit}"
    text += " of any creator" if row.get("rank") == 1 else " beyond the creators above"
    overlap = row.get("overlap_above")
    if overlap is not None and math.isfinite(overlap) and row.get("rank") != 1:
        text += f"; {overlap:.0%} of its followers already follow a creator above"
    return text


def _attr(text: object) -> str:
    return html.escape(str(text), quote=True)


def _script_json(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: no ``</script>`` can
    close it early, and no NaN (not JSON)."""
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _candidates_html(section: BrandSection) -> str:
    df = section.candidates
    if df is None:
        return f'<p class="note">{html.escape(section.candidates_caption)}</p>'
    tier_rank = {t: i for i, t in enumerate(TIER_NAMES)}
    # columns the campaign has no value for (e.g. platform without a platform column)
    columns = [c for c in _CANDIDATE_COLUMNS if c[1] not in df.columns or df[c[1]].null_count()
               < df.height or c[1] in ("rank", "handle")]  # fmt: skip
    heads = "".join(
        f'<th scope="col" tabindex="0" data-type="{"text" if kind == "text" else "number"}" '
        f'data-column="{col}">{html.escape(label)}</th>'
        for label, col, kind, _ in columns
    )
    body = []
    for row in df.iter_rows(named=True):
        cells = []
        for _, col, kind, digits in columns:
            value = row.get(col)
            if kind == "text":
                cells.append(
                    f'<td data-sort="{_attr(value or "")}">{html.escape(str(value or ""))}</td>'
                )
            elif kind == "tier":
                order = tier_rank.get(str(value), len(TIER_NAMES))
                cells.append(f'<td data-sort="{order}">{html.escape(str(value or ""))}</td>')
            elif kind == "money":
                raw = "" if value is None else repr(value)
                cells.append(f'<td class="num" data-sort="{raw}">{_money(value)}</td>')
            elif kind == "percent":
                shown = "" if value is None else f"{100 * value:.{digits}f}%"
                raw = "" if value is None else repr(value)
                cells.append(f'<td class="num" data-sort="{raw}">{shown}</td>')
            elif kind == "fit":
                shown = "" if value is None else f"{fit_label(value)} ({value:.{digits}f})"
                raw = "" if value is None else repr(value)
                cells.append(f'<td data-sort="{raw}">{html.escape(shown)}</td>')
            else:
                raw = "" if value is None else str(value) if isinstance(value, int) else repr(value)
                cells.append(f'<td class="num" data-sort="{raw}">{_num(value, digits)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table class="sortable candidates" id="candidates-{section.slug}" '
        f'data-brand="{_attr(section.brand)}">'
        f"<caption>{html.escape(section.candidates_caption)}</caption>"
        f"<thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        + _download_html(df, f"candidates-{section.slug}")
    )


def _download_html(df: pl.DataFrame, name: str) -> str:
    """A CSV download of ``df`` as a data URI (UTF-8 with BOM, so Excel reads accents;
    formula-like text neutralised): the page stays self-contained and offline."""
    from urllib.parse import quote

    text = "\ufeff" + spreadsheet_safe(df).write_csv()
    uri = "data:text/csv;charset=utf-8," + quote(text)
    return (
        f'<p class="download"><a download="{_attr(name)}.csv" href="{_attr(uri)}" '
        f'data-table="{_attr(name)}">Download CSV ({df.height} rows)</a></p>'
    )


_CURRENCY = [""]  # the report being rendered's currency symbol


def _money(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return format_money(x, _CURRENCY[0])


def _plan_html(section: BrandSection) -> str:
    """The plan per budget: recommendation, platform units (projected), robustness and
    the runner-up's trade-off. Every figure is escaped text."""
    df = section.plan
    if df is None or df.height == 0:
        return ""
    heads = ["budget", "recommended", "creators", "cost", "projected impressions",
             "projected engagements", "cost per engagement", "cost per 1,000 impressions",
             "projected EMV (95% CI)", "earned exposure (95% CI)", "holds under",
             "runner-up"]  # fmt: skip
    body = []
    for r in df.iter_rows(named=True):
        level = _num(r["budget"]) if r["budget"] is not None else f"k = {r['k']}"
        runner = ""
        if r["runner_up"] is not None:
            runner = (
                f"{PLAIN_NAMES.get(r['runner_up'], r['runner_up'])} ({r['runner_up']}): "
                f"{r['runner_up_creators']} creators, "
                f"{people(r['runner_up_impressions'])} impressions, "
                f"{_money(r['runner_up_cost_per_engagement'])} per engagement"
            )
        cells = [
            (level, True),
            (
                f"{r['plain']} ({r['strategy']})"
                + (
                    f", certified at least {r['certified_ratio']:.0%} of the best plan"
                    if r.get("certified_ratio") is not None
                    else ""
                ),
                False,
            ),
            (str(r["creators"]), True),
            (_money(r["cost"]), True),
            (people(r["impressions"]), True),
            (people(r["engagements"]), True),
            (_money(r["cost_per_engagement"]), True),
            (_money(r["cost_per_mille"]), True),
            (
                _money(r["emv"])
                + (
                    f" ({_money(r['emv_ci_low'])} to {_money(r['emv_ci_high'])})"
                    if r.get("emv_ci_low") is not None
                    else ""
                ),
                True,
            ),
            (
                f"{_num(r['earned'])} ({_num(r['earned_ci_low'])} to {_num(r['earned_ci_high'])})",
                True,
            ),
            (f"{r['holds']} of {r['models']} models", True),
            (runner, False),
        ]
        body.append(
            "<tr>"
            + "".join(
                f'<td class="num">{html.escape(c)}</td>' if num else f"<td>{html.escape(c)}</td>"
                for c, num in cells
            )
            + "</tr>"
        )
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in heads)
    model = df["model"][0]
    return (
        f'<div class="scroll plan"><table class="plan" id="plan-{section.slug}">'
        f"<caption>The plan per budget under the {html.escape(model)} virality preset; "
        "projected figures are scaled from the simulated sample to the creators' real "
        "platform audiences.</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        + _download_html(df, f"plan-{section.slug}")
    )


_GLOSSARY = (
    ("certified", "a lower bound, holding with probability at least 1 - 1/(accounts in the "
     "graph), on how close an optimized plan is to the best plan possible with the same "
     "budget and creator cap"),
    ("earned exposure", "people who see the post beyond the creators the brand pays"),
    ("projected", "scaled from the simulated sample of the platform to the creators' real "
     "audiences (impressions = earned exposure x the plan's real platform followers per "
     "simulated follower)"),
    ("engagements", "projected impressions x the creators' engagement rate"),
    ("cost per engagement", "what the plan costs (fees plus per-creator overhead) per "
     "projected engagement"),
    ("EMV", "earned media value: what the projected impressions would cost as ads "
     "(impressions x CPM / 1,000)"),
    ("virality presets", "low-virality, medium and high-virality: how far a post travels "
     "beyond the creator's followers (most real posts stop at the followers)"),
    ("the optimized plan", "creators chosen for the audience each adds to the others (IMM)"),
    ("holds under", "under how many of the virality presets the same plan wins"),
)  # fmt: skip


def _glossary_html() -> str:
    items = "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(d)}</dd>" for t, d in _GLOSSARY)
    return (
        '<details class="glossary"><summary>What the words mean</summary>'
        f"<dl>{items}</dl></details>"
    )


def _figure_html(fig: Figure) -> str:
    attrs = "".join(f' data-{k}="{_attr(v)}"' for k, v in fig.attrs.items())
    card = "card wide" if fig.wide else "card"
    return (
        f'<figure class="{card}"><div class="chart" id="{fig.id}"{attrs} '
        f'role="img" aria-label="{_attr(fig.title)}"></div>'
        f'<p class="note">{html.escape(fig.note)}</p></figure>'
    )


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (Vega JavaScript inlined, no network)."""
    _CURRENCY[0] = report.currency
    vlc = _vl_convert()
    # A "</script" inside the bundle's strings would end the element early.
    bundle = vlc.javascript_bundle(vl_version=_vl_version()).replace("</script", "<\\/script")
    specs = {f.id: f.chart.to_dict() for f in report.figures}
    nav = "".join(f'<a href="#brand-{s.slug}">{html.escape(s.brand)}</a>' for s in report.sections)
    across = report.robustness
    verdict_items = "".join(
        f"<li><strong>{html.escape(r['brand'])}</strong> (across models): "
        f"{html.escape(r['verdict'])}</li>"
        for r in (across.iter_rows(named=True) if across is not None else [])
        if r["models"] > 1
    ) + "".join(
        f"<li><strong>{html.escape(r['brand'])}</strong> ({html.escape(r['model'])}): "
        f"{html.escape(r['verdict'])}</li>"
        for r in report.verdicts.iter_rows(named=True)
    )
    heads = "".join(
        f'<li><a href="#brand-{s.slug}"><strong>{html.escape(s.brand)}</strong></a>: '
        f"{html.escape(s.headline)}</li>"
        for s in report.sections
        if s.headline
    )
    sections = []
    for s in report.sections:
        notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in s.notes)
        verdict = "".join(f"<li>{html.escape(v)}</li>" for v in s.verdicts)
        sections.append(
            f'<section class="brand" id="brand-{s.slug}" data-brand="{_attr(s.brand)}">'
            f"<h2>{html.escape(s.brand)}</h2>"
            f'<p class="headline">{html.escape(s.headline)}</p>{_plan_html(s)}'
            f'<ul class="verdicts">{verdict}</ul>'
            f'<div class="charts">{"".join(_figure_html(f) for f in s.figures)}</div>'
            f"{notes}<h3>Top candidates</h3>{_candidates_html(s)}</section>"
        )
    params = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in report.parameters
    )
    title = html.escape(report.title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="influence-pipeline report">
<title>{title}</title>
<style>{_CSS}</style>
<script>{bundle}</script>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="lead">Expected reach of each seeding strategy, from the campaign results
<code>{html.escape(report.results_path.name)}</code>. Differences are against the
<strong>{html.escape(report.baseline)}</strong> baseline.</p>
<nav>{nav}<a href="#parameters">parameters</a></nav>
</header>
<main>
<h2 id="recommendations">Recommendations</h2>
<ul class="headlines">{heads}</ul>
{_glossary_html()}
<h2 id="verdicts">Verdicts</h2>
<ul class="verdicts">{verdict_items}</ul>
{_download_html(report.verdicts, "verdicts")}
{"".join(sections)}
<h2 id="parameters">Campaign parameters</h2>
<details class="appendix" id="appendix"><summary>Technical parameters (to reproduce the
campaign: seeds, accuracy settings, input file names and their SHA-256)</summary>
<div class="scroll"><table class="params"><tbody>{params}</tbody></table></div>
{
        _download_html(
            pl.DataFrame(list(report.parameters), schema=["parameter", "value"], orient="row"),
            "parameters",
        )
    }
</details>
</main>
<script type="application/json" id="report-specs">{_script_json(specs)}</script>
<script>{_EMBED_JS}</script>
<script>{_SORT_JS}</script>
</body>
</html>
"""


# --------------------------------------------------------------------------- writing


def _png_targets(out: Path, figures: Sequence[Figure]) -> list[Path]:
    """Where the PNGs go: inside ``out`` when it is a folder (existing, or a name
    without an extension, created), else beside it as ``<stem>-<chart id>.png``."""
    if out.is_dir() or not out.suffix:
        ensure_folder(out)
        return [out / f"{f.id}.png" for f in figures]
    return [out.parent / f"{out.stem}-{f.id}.png" for f in figures]


def write_report(
    results_path: str | Path,
    out: str | Path,
    format: str = "html",
    baseline: str | None = None,
    top: int = 20,
) -> list[Path]:
    """Build the report of a results folder and write it; return the files written.

    ``format="html"``: one self-contained page at ``out``. ``format="png"``: one
    PNG per chart (2x scale, rendered offline by vl-convert), named
    ``<chart id>.png`` inside ``out`` when ``out`` is a folder or has no
    extension (the folder is created), else ``<out stem>-<chart id>.png``
    beside ``out``. Every file is written atomically.

    Raises
    ------
    InputError
        If ``format`` is unknown, the output folder does not exist, or for the
        reasons of :func:`build_report`.
    """
    if format not in REPORT_FORMATS:
        raise InputError(
            f"unknown report format {format!r}; expected {' or '.join(REPORT_FORMATS)}"
        )
    target = Path(out)
    if str(out) == "-" and format != "html":
        raise InputError("«out» - (standard output) takes the html format only")
    if format == "html" and target.is_dir():
        raise InputError(f"{target} is a folder; give the HTML file to write, e.g. report.html")
    report = build_report(results_path, baseline=baseline, top=top)
    if format == "html":
        page = render_html(report)
        if str(out) == "-":
            sys.stdout.write(page)
            sys.stdout.flush()
            return [target]
        with open_atomic_text(target) as fh:
            fh.write(page)
        return [target]
    vlc = _vl_convert()
    version = _vl_version()
    paths = _png_targets(target, report.figures)
    for fig, path in zip(report.figures, paths, strict=True):
        png = vlc.vegalite_to_png(fig.chart.to_dict(), vl_version=version, scale=2)
        with atomic_path(path) as tmp:
            tmp.write_bytes(png)
    return paths
