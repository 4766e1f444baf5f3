"""What every chart of one brand shares: colours, axes, sizes and the figure wrapper.

:class:`ChartContext` gives each strategy one colour on the whole page, puts
x-axis ticks on the grid's levels, facets by model when several models ran and
wraps a Vega-Lite spec (:mod:`~pipeline.report.vegalite`) into a
:class:`~pipeline.report.document.Figure` with its stable id and ``data-*`` attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipeline.report import vegalite as vl
from pipeline.report.document import Figure

__all__ = ["HEIGHT", "KIND", "NOUNS", "TIER_COLOURS", "WIDTH", "ChartContext", "palette"]

NOUNS = {
    "activated": "accounts activated (in-graph)",
    "exposed": "accounts exposed (in-graph)",
    "earned_activated": "accounts activated beyond the paid creators (in-graph)",
    "earned_exposed": "accounts exposed beyond the paid creators (in-graph)",
    "engagements": "engagements",
    "impressions": "impressions",
    "people": "people reached",
    "earned_engagements": "engagements beyond the creators' own posts",
    "earned_impressions": "impressions beyond the creators' own posts",
    "earned_people": "people reached beyond the creators' own posts",
}
#: The chart kind that draws each measure.
KIND = {"activated": "reach", "exposed": "exposed", "earned_activated": "earned",
        "earned_exposed": "earned", "engagements": "engagements", "people": "people",
        "impressions": "impressions", "earned_engagements": "earned",
        "earned_people": "earned", "earned_impressions": "earned"}  # fmt: skip

# Strategy colours (Tableau 10), assigned in the campaign's strategy order so a
# strategy has the same colour in every chart of the page.
_PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
#: Tiers from small to large audience: light to dark (viridis, reversed).
TIER_COLOURS = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
WIDTH, HEIGHT = 420, 260


def palette(n: int) -> list[str]:
    """Colours of ``n`` strategies in campaign order (Tableau 10, repeating after 10)."""
    return [_PALETTE[i % len(_PALETTE)] for i in range(n)]


@dataclass(frozen=True)
class ChartContext:
    """What every chart of one brand shares."""

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
        return WIDTH if len(self.models) == 1 else 300

    @property
    def x_title(self) -> str:
        """The x axis title of level charts."""
        return "budget (currency units)" if self.level == "budget" else "number of seeds (k)"

    def level_axis(self, df: pl.DataFrame) -> dict[str, Any]:
        """An x axis (its Vega-Lite properties) whose ticks sit on the grid's levels (the
        budgets or k), not on round numbers between them."""
        values = sorted({float(v) for v in df["level"].drop_nulls().to_list()})
        return {"format": ",~r" if self.level == "k" else ",.0f", "labelAngle": 0,
                "labelOverlap": "greedy", "values": values}  # fmt: skip

    def colour(self, only: Sequence[str] | None = None) -> dict[str, Any]:
        """The colour channel by strategy, the same colour for a strategy in every chart
        (``only``: the strategies drawn, when not all); opaque legend symbols (a faint
        confidence band would fade them otherwise)."""
        pairs = [
            (s, c)
            for s, c in zip(self.strategies, self.colours, strict=True)
            if only is None or s in only
        ]
        return vl.channel(
            "strategy:N",
            title="strategy",
            scale={"domain": [s for s, _ in pairs], "range": [c for _, c in pairs]},
            legend={"symbolOpacity": 1},
        )

    def figure(
        self,
        kind: str,
        title: str,
        note: str,
        spec: dict[str, Any],
        facet: bool = True,
        **attrs: str,
    ) -> Figure:
        """Wrap ``spec`` (a :func:`~pipeline.report.vegalite.layer` with its data, or any
        spec when not ``facet``) as the brand's figure of ``kind`` (id ``<kind>-<slug>``);
        with ``facet`` and several models, one panel per model side by side, each with its
        own y scale. ``attrs`` are added to the container's ``data-*`` attributes."""
        full = f"{self.brand}: {title}"
        if facet and len(self.models) > 1:
            panel = {k: v for k, v in spec.items() if k != "data"}
            spec = vl.facet(
                panel,
                vl.channel("model:N", title="model"),
                spec["data"]["values"],
                resolve={"scale": {"y": "independent"}},
            )  # each preset readable: high virality reaches ten times more
        return Figure(
            id=f"{kind}-{self.slug}",
            kind=kind,
            brand=self.brand,
            title=full,
            note=note,
            spec=vl.document(spec, full),
            wide=len(self.models) > 1,
            attrs={
                "chart": kind,
                "brand": self.brand,
                "level": self.level,
                "models": ",".join(self.models),
                **attrs,
            },
        )
