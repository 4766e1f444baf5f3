"""Rendering a report as one self-contained HTML page, through a Jinja2 template.

The page is ``templates/report.html.j2`` rendered with autoescaping on, so every
brand name, handle, verdict and number reaches the page as text. Only three kinds
of value are marked safe, here and nowhere else: the template folder's own CSS
and JavaScript files, the Vega bundle from vl-convert (with ``</script`` broken
up) and the chart specs' JSON (:func:`script_json`). This module shapes the plan
and candidates tables into rows of display text and sort keys; the template
lays them out. Jinja2 comes with Altair (the ``report`` extra).
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import polars as pl

from pipeline.export import format_money, spreadsheet_safe
from pipeline.plan import PLAIN_NAMES, people
from pipeline.profiles import TIER_NAMES
from pipeline.report.calibrated_backtest import BACKTEST_HEADS, backtest_rows
from pipeline.report.document import (
    BrandSection,
    CalibratedSection,
    Report,
    vl_convert_module,
    vl_version,
)
from pipeline.report.frames import fit_label, number_text

if TYPE_CHECKING:
    import jinja2

__all__ = ["GLOSSARY", "render_html", "script_json"]

#: The glossary under the recommendations: (term, meaning).
GLOSSARY = (
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

# (header, column, kind, decimals) of the candidates table; kind says how a cell is shown.
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
_TIER_ORDER = {t: i for i, t in enumerate(TIER_NAMES)}  # sort key of the tier column
_PLAN_HEADS = (
    "budget", "recommended", "creators", "cost", "projected impressions",
    "projected engagements", "cost per engagement", "cost per 1,000 impressions",
    "projected EMV (95% CI)", "earned exposure (95% CI)", "holds under", "runner-up",
)  # fmt: skip


@cache
def _environment() -> jinja2.Environment:
    """The template environment: autoescaping everywhere, undefined names are errors."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _asset(name: str) -> str:
    """A file of the template folder (CSS or JavaScript), as text."""
    return files("pipeline.report").joinpath("templates", name).read_text(encoding="utf-8")


def script_json(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: no ``</script>`` can
    close it early, and no NaN (not JSON)."""
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _money(x: float | None, currency: str) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return format_money(x, currency)


def _download(df: pl.DataFrame, name: str) -> dict[str, Any]:
    """A CSV download of ``df`` as a data URI (UTF-8 with BOM, so Excel reads accents;
    formula-like text neutralised): the page stays self-contained and offline."""
    text = "\ufeff" + spreadsheet_safe(df).write_csv()
    return {"name": name, "href": "data:text/csv;charset=utf-8," + quote(text), "rows": df.height}


def _raw(value: Any) -> str:
    """A cell's sort key: the exact number (repr keeps every digit), empty for None."""
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else repr(value)


def _candidate_cell(value: Any, kind: str, digits: int, currency: str) -> dict[str, Any]:
    """One candidates cell: displayed text, sort key and whether it is a number."""
    if kind == "text":
        return {"text": str(value or ""), "sort": str(value or ""), "num": False}
    if kind == "tier":
        order = _TIER_ORDER.get(str(value), len(TIER_NAMES))
        return {"text": str(value or ""), "sort": str(order), "num": False}
    if kind == "money":
        return {"text": _money(value, currency), "sort": _raw(value), "num": True}
    if kind == "percent":
        shown = "" if value is None else f"{100 * value:.{digits}f}%"
        return {"text": shown, "sort": _raw(value), "num": True}
    if kind == "fit":
        shown = "" if value is None else f"{fit_label(value)} ({value:.{digits}f})"
        return {"text": shown, "sort": _raw(value), "num": False}
    return {"text": number_text(value, digits), "sort": _raw(value), "num": True}


def _candidates(section: BrandSection, currency: str) -> dict[str, Any] | None:
    """The candidates table as heads and rows of cells; None when there is none."""
    df = section.candidates
    if df is None:
        return None
    # leave out columns the campaign has no value for (e.g. platform without a platform column)
    columns = [c for c in _CANDIDATE_COLUMNS if c[1] not in df.columns or df[c[1]].null_count()
               < df.height or c[1] in ("rank", "handle")]  # fmt: skip
    heads = [
        (label, "text" if kind == "text" else "number", col) for label, col, kind, _ in columns
    ]
    rows = [
        [_candidate_cell(row.get(c), kind, digits, currency) for _, c, kind, digits in columns]
        for row in df.iter_rows(named=True)
    ]
    return {
        "caption": section.candidates_caption,
        "heads": heads,
        "rows": rows,
        "download": _download(df, f"candidates-{section.slug}"),
    }


def _plan_row(r: dict[str, Any], currency: str) -> list[tuple[str, bool]]:
    """One budget of the plan table: (text, is a number) per column of ``_PLAN_HEADS``."""

    def money(x: float | None) -> str:
        return _money(x, currency)

    runner = ""
    if r["runner_up"] is not None:
        runner = (
            f"{PLAIN_NAMES.get(r['runner_up'], r['runner_up'])} ({r['runner_up']}): "
            f"{r['runner_up_creators']} creators, "
            f"{people(r['runner_up_impressions'])} impressions, "
            f"{money(r['runner_up_cost_per_engagement'])} per engagement"
        )
    certified = (
        f", certified at least {r['certified_ratio']:.0%} of the best plan"
        if r.get("certified_ratio") is not None
        else ""
    )
    emv_ci = (
        f" ({money(r['emv_ci_low'])} to {money(r['emv_ci_high'])})"
        if r.get("emv_ci_low") is not None
        else ""
    )
    earned = (
        f"{number_text(r['earned'])} "
        f"({number_text(r['earned_ci_low'])} to {number_text(r['earned_ci_high'])})"
    )
    return [
        (number_text(r["budget"]) if r["budget"] is not None else f"k = {r['k']}", True),
        (f"{r['plain']} ({r['strategy']}){certified}", False),
        (str(r["creators"]), True),
        (money(r["cost"]), True),
        (people(r["impressions"]), True),
        (people(r["engagements"]), True),
        (money(r["cost_per_engagement"]), True),
        (money(r["cost_per_mille"]), True),
        (money(r["emv"]) + emv_ci, True),
        (earned, True),
        (f"{r['holds']} of {r['models']} models", True),
        (runner, False),
    ]


def _plan(section: BrandSection, currency: str) -> dict[str, Any] | None:
    """The plan per budget (recommendation, projected platform units, robustness, the
    runner-up's trade-off); None when the brand has no plan rows."""
    df = section.plan
    if df is None or df.height == 0:
        return None
    return {
        "model": df["model"][0],
        "heads": _PLAN_HEADS,
        "rows": [_plan_row(r, currency) for r in df.iter_rows(named=True)],
        "download": _download(df, f"plan-{section.slug}"),
    }


def _calibrated(c: CalibratedSection) -> dict[str, Any]:
    """A calibrated model's section: its texts, figures and backtest table as text."""
    df = c.backtest
    backtest = None
    if df is not None:
        backtest = {
            "caption": c.backtest_caption,
            "heads": BACKTEST_HEADS,
            "rows": backtest_rows(df),
            "download": _download(df.drop("source"), f"backtest-{c.slug}"),
        }
    return {
        "label": c.label,
        "slug": c.slug,
        "error": c.error,
        "facts": c.facts,
        "warnings": c.warnings,
        "notes": c.notes,
        "figures": c.figures,
        "backtest": backtest,
        "backtest_how": c.backtest_how,
        "backtest_command": c.backtest_command,
    }


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (Vega JavaScript inlined, no network).

    O(size of the tables and chart data); the Vega bundle adds about 1 MB.
    """
    from markupsafe import Markup

    vlc = vl_convert_module()
    # A "</script" inside the bundle's strings would end the element early.
    bundle = vlc.javascript_bundle(vl_version=vl_version()).replace("</script", "<\\/script")
    specs = {f.id: f.chart.to_dict() for f in report.figures}
    across = report.robustness
    verdicts = [
        {"brand": r["brand"], "scope": "across models", "verdict": r["verdict"]}
        for r in (across.iter_rows(named=True) if across is not None else [])
        if r["models"] > 1
    ] + [
        {"brand": r["brand"], "scope": r["model"], "verdict": r["verdict"]}
        for r in report.verdicts.iter_rows(named=True)
    ]
    sections = [
        {
            "brand": s.brand,
            "slug": s.slug,
            "headline": s.headline,
            "plan": _plan(s, report.currency),
            "verdicts": s.verdicts,
            "figures": s.figures,
            "notes": s.notes,
            "candidates": _candidates(s, report.currency),
            "candidates_caption": s.candidates_caption,
        }
        for s in report.sections
    ]
    params = pl.DataFrame(list(report.parameters), schema=["parameter", "value"], orient="row")
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=report.title,
            results_name=report.results_path.name,
            baseline=report.baseline,
            sections=sections,
            calibrated=[_calibrated(c) for c in report.calibrated],
            glossary=GLOSSARY,
            verdicts=verdicts,
            verdicts_download=_download(report.verdicts, "verdicts"),
            parameters=report.parameters,
            parameters_download=_download(params, "parameters"),
            css=Markup(_asset("report.css")),
            bundle=Markup(bundle),
            specs=Markup(script_json(specs)),
            embed_js=Markup(_asset("embed.js")),
            sort_js=Markup(_asset("sort.js")),
        )
    )
