"""Rendering a report as one self-contained HTML page, through a Jinja2 template.

The page is ``templates/report.html.j2`` rendered with autoescaping on, so every
brand name, handle, verdict and number reaches the page as text. Only three kinds
of value are marked safe, here and nowhere else: the template folder's own CSS
and JavaScript files, the Vega bundle from vl-convert (with ``</script`` broken
up) and the chart specs' JSON (:func:`script_json`). This module shapes the briefs
(through :mod:`~pipeline.report.brief`), the detailed plan and the candidates tables
into rows of display text and sort keys; the template lays them out, and its CSS
prints each brief on one page. Jinja2 is part of the ``report`` extra.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import polars as pl

from pipeline.aggregate import METRIC_WORDS
from pipeline.export import format_money, spreadsheet_safe
from pipeline.profiles import TIER_NAMES
from pipeline.report.brief import brief_creators, brief_plan, largest, level_name
from pipeline.report.calibrated_backtest import BACKTEST_HEADS, backtest_rows
from pipeline.report.document import (
    BrandSection,
    CalibratedSection,
    Report,
    vl_convert_module,
    vl_version,
)
from pipeline.report.frames import fit_label, number_text
from pipeline.report.plan import KPI_ORDER, people
from pipeline.report.why import gain_words

if TYPE_CHECKING:
    import jinja2

__all__ = ["GLOSSARY", "render_html", "script_json"]

#: The glossary under the briefs: (term, meaning).
GLOSSARY = (
    ("engagements", "likes, comments, shares and saves on the platform: those of the "
     "creators' own posts plus those of the shares they start (engagement rate x real "
     "followers, per post)"),
    ("people reached", "unique people on the platform who see a post (audiences that "
     "overlap are counted once)"),
    ("impressions", "views of the posts (followers who see a post, per post)"),
    ("earned", "beyond the creators' own posts: what the shares they start add"),
    ("cost", "what contracting a creator costs: the fee plus the per-creator overhead"),
    ("cost per engagement", "the plan's cost (fees plus overhead) over its engagements"),
    ("left unspent", "the part of the budget the plan does not spend"),
    ("own-post people added", "people a creator's own post reaches that no creator above reaches"),
    ("topic fit", "how well the creator's topics match the brand, from 0 to 1"),
    ("EMV", "earned media value: what the impressions would cost as ads (impressions x "
     "CPM / 1,000; the profiles' CPM, else the platform's default)"),
    ("in-graph", "counted in accounts of the simulated sample graph, not in people on the "
     "platform (for researchers)"),
    ("guarantee", "in the appendix: a lower bound, holding with probability at least 1 - "
     "1/(accounts in the graph), on how close an optimized plan is to the best plan "
     "possible with the same budget and creator cap"),
    ("virality presets", "low-virality, medium and high-virality: how far a post travels "
     "beyond the creator's followers (most real posts stop at the followers)"),
    ("the optimized plan", "creators chosen for what each adds to the others (IMM)"),
    ("holds under", "under how many of the virality presets the same plan wins"),
    ("runner-up", "the strategy second best at the same budget, judged the same way"),
)  # fmt: skip

# (header, column, kind, decimals) of the candidates table; kind says how a cell is shown;
# the header "added" is the objective's unit (``gain_words``).
_CANDIDATE_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("rank", "rank", "number", 0),
    ("handle", "handle", "text", 0),
    ("platform", "platform", "text", 0),
    ("tier", "tier", "tier", 0),
    ("followers", "followers", "number", 0),
    ("real audience", "real_audience", "percent", 0),
    ("engagement rate", "engagement_rate", "percent", 1),
    ("topic fit", "relevance", "fit", 2),
    ("cost", "cost", "money", 2),
    ("added", "marginal_reach", "number", 0),
    ("own-post people added", "marginal_people", "number", 0),
    ("overlap with creators above", "overlap_above", "percent", 0),
    ("why", "reason", "text", 0),
)
_TIER_ORDER = {t: i for i, t in enumerate(TIER_NAMES)}  # sort key of the tier column


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
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>`` and ``&``
    (which JSON has only inside strings) as the valid JSON escapes ``\\u003c``,
    ``\\u003e``, ``\\u0026``, so neither ``</script>`` nor ``<!--`` in a brand or
    handle can end or blank the block; and no NaN (not JSON)."""
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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


def _candidates(section: BrandSection, currency: str, objective: str) -> dict[str, Any] | None:
    """The candidates table as heads and rows of cells; None when there is none."""
    df = section.candidates
    if df is None:
        return None
    # leave out columns the campaign has no value for (e.g. platform without a platform column)
    columns = [c for c in _CANDIDATE_COLUMNS if c[1] not in df.columns or df[c[1]].null_count()
               < df.height or c[1] in ("rank", "handle")]  # fmt: skip
    heads = [
        (f"{gain_words(objective)} added" if label == "added" else label,
         "text" if kind == "text" else "number", col)
        for label, col, kind, _ in columns
    ]  # fmt: skip
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
    """One budget of the detailed plan table: (text, is a number) per column."""

    def money(x: float | None) -> str:
        return _money(x, currency)

    def whole(x: float | None) -> str:
        return "n/a" if x is None or not math.isfinite(x) else format_money(x, currency, True)

    def interval(x: float | None, low: float | None, high: float | None, show: Any) -> str:
        if x is None:
            return "n/a"
        return show(x) + (f" ({show(low)} to {show(high)})" if low is not None else "")

    o = r["objective"]
    earned = r.get(f"earned_{o}") if o in KPI_ORDER else None
    if r["vs_baseline"] is not None:
        versus = f"{r['vs_baseline']:+.0%} ({r['vs_baseline_low']:+.0%} to " \
                 f"{r['vs_baseline_high']:+.0%})"  # fmt: skip
    else:
        versus = "the baseline" if r["strategy"] == r["baseline"] else "n/a"
    return [
        (level_name(r, currency), True),
        (f"{r['plain']} ({r['strategy']})", False),
        (interval(r["value"], r["value_ci_low"], r["value_ci_high"], people), True),
        ("n/a" if earned is None else people(earned), True),
        (people(r["impressions"]), True),
        (money(r["cost_per_person"]), True),
        (money(r["cost_per_mille"]), True),
        (interval(r["emv"], r["emv_ci_low"], r["emv_ci_high"], whole), True),
        (versus, True),
        (f"{r['holds']} of {r['models']} models", True),
    ]


def _plan(section: BrandSection, currency: str) -> dict[str, Any] | None:
    """The plan per budget in detail (the objective with its interval, impressions, cost
    per person and per 1,000 impressions, EMV, the difference against the baseline and
    robustness); None when the brand has no plan rows."""
    df = section.plan
    if df is None or df.height == 0:
        return None
    o = df["objective"][0]
    words = METRIC_WORDS.get(o, o)
    heads = ("budget", "recommended", f"{words} (95% CI)",
             f"earned {o}" if o in KPI_ORDER else "earned", "impressions",
             "cost per person", "cost per 1,000 impressions", "EMV (95% CI)",
             f"{words} vs {df['baseline'][0]} (95% CI)", "holds under")  # fmt: skip
    return {
        "model": df["model"][0],
        "heads": heads,
        "rows": [_plan_row(r, currency) for r in df.sort("budget", "k").iter_rows(named=True)],
        "download": _download(df, f"plan-{section.slug}"),
    }


def _brief(s: BrandSection, currency: str, objective: str) -> dict[str, Any] | None:
    """The brand's one-page brief: its plan per budget and the recommended plan's
    creators (:mod:`~pipeline.report.brief`); None without plan rows."""
    plan = s.plan
    if plan is None or plan.height == 0:
        return None
    top = largest(plan)
    creators = None
    if top is not None and s.creators is not None:
        creators = brief_creators(s.creators, objective, currency, top)
    return {"plan": brief_plan(plan, currency), "creators": creators}


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
    specs = {f.id: f.spec for f in report.figures}
    across = report.across
    verdicts = [
        {"brand": r["brand"], "scope": "one plan, every model", "verdict": r["verdict"]}
        for r in (across.iter_rows(named=True) if across is not None else [])
        if (r["models"] or 0) > 1
    ] + [
        {"brand": r["brand"], "scope": r["model"], "verdict": r["verdict"]}
        for r in report.verdicts.iter_rows(named=True)
    ]
    sections = [
        {
            "brand": s.brand,
            "slug": s.slug,
            "headline": s.headline,
            "brief": _brief(s, report.currency, report.objective),
            "plan": _plan(s, report.currency),
            "verdicts": s.verdicts,
            "figures": s.figures,
            "notes": s.notes,
            "candidates": _candidates(s, report.currency, report.objective),
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
            objective=METRIC_WORDS.get(report.objective, report.objective),
            notes=report.notes,
            sections=sections,
            calibrated=[_calibrated(c) for c in report.calibrated],
            glossary=GLOSSARY,
            verdicts=verdicts,
            verdicts_download=_download(report.verdicts, "verdicts"),
            cross_model_download=(
                _download(report.cross_model, "cross-model")
                if report.cross_model is not None and report.cross_model.height
                else None
            ),
            plan_model=(
                report.cross_model["plan_model"][0]
                if report.cross_model is not None and report.cross_model.height
                else ""
            ),
            parameters=report.parameters,
            parameters_download=_download(params, "parameters"),
            css=Markup(_asset("report.css")),
            bundle=Markup(bundle),
            specs=Markup(script_json(specs)),
            embed_js=Markup(_asset("embed.js")),
            sort_js=Markup(_asset("sort.js")),
        )
    )
