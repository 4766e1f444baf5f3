"""Campaign reports: one self-contained HTML page, or one PNG per chart, from a results folder.

``influence report RESULTS --out report.html`` reads a campaign results folder
(only through :mod:`pipeline.aggregate` and :mod:`pipeline.report.plan`) and writes a page
that a marketer can open offline and a reviewer can reproduce:

- first, what a reader should know about the folder (:attr:`Results.notes`: an
  objective that fell back to an in-graph measure, an older folder format);
- then **one brief per brand**, which prints on one A4 or Letter page
  (:mod:`~pipeline.report.brief`): the recommendation sentence
  (:func:`pipeline.report.plan.headline`, in the campaign's objective, engagements by
  default), the plan per budget (recommended strategy, creators, spend, budget left
  unspent, engagements, people, cost per engagement, and the runner-up with the same
  figures) and every creator of the recommended plan at the largest budget (handle,
  platform, cost, people and engagements it adds, cost per engagement, and why it is
  in, :func:`~pipeline.report.why.why`);
- the glossary and the verdicts;
- per brand, in detail: the plan with the objective's 95% interval, impressions, cost
  per person and per 1,000 impressions, EMV and the difference against the baseline;
  the verdicts; behind a toggle (closed; not printed) the charts: the objective and
  the other platform units (engagements, people, impressions) against the budget (or
  the number of seeds ``k``), one line per strategy with its 95% band, so crossovers
  (micro against macro) show; the winner at each budget under each virality model;
  the objective per currency unit; earned media value; the paired difference of
  every strategy against the baseline with its 95% interval (common random numbers,
  see :func:`pipeline.aggregate.compare`); the seed mix by tier; the reach curve over
  cascade steps of the best strategy and of the baseline; the in-graph counts
  (accounts activated and exposed); the audience overlap of the recommended plan;
  then the top candidates of the brand (:func:`pipeline.aggregate.candidates`) in a
  table sortable by clicking a column header;
- the campaign's parameters (config, inputs with their SHA-256, graph size, models,
  runs, seed, grid), enough to reproduce it;
- per calibrated model of the grid (``calibrated:FILE``), its fit (fitted value and
  interval, branching factor, horizon, counts, fit window, action log), warnings (near
  the tipping point, ``brand_aware``, fitted on another graph), its sensitivity curve
  and, when ``<model stem>.backtest.json`` (``influence backtest ... --json``) sits
  beside the model, the backtest table and predicted-against-actual scatter.

No table is wider than its box on a screen 1,440 px wide or more; on a phone tables
scroll in their box.

Charts are Vega-Lite specifications built as plain dicts from inline values
(:mod:`pipeline.report.vegalite`; no pandas, no schema objects); the page inlines the
Vega, Vega-Lite and vega-embed JavaScript that ``vl-convert-python`` bundles, so it
loads nothing from the network. Every
chart's container has a stable ``id`` (``<kind>-<brand slug>``, e.g.
``engagements-freshbite``; see :data:`CHART_KINDS`) and ``data-chart``,
``data-brand`` and ``data-strategies`` attributes; the brief of a brand is
``brief-<brand slug>`` with tables ``brief-plan-<brand slug>`` and
``brief-creators-<brand slug>``; the detailed plan table is ``plan-<brand slug>`` and
the candidates table ``candidates-<brand slug>``; a calibrated model's charts are
``sensitivity-<model slug>`` and ``backtest-<model slug>`` (:data:`CALIBRATED_CHART_KINDS`). With
``format="png"`` every chart is rendered by vl-convert (offline) to ``<chart id>.png``.

vl-convert and Jinja2 are the optional ``report`` extra
(``pip install 'influence-pipeline[report]'``).

The package, in the order a report is made:

- :mod:`~pipeline.report.document`: the built report (figures, sections) and the extras;
- :mod:`~pipeline.report.frames`: data preparation (level frames, parameters, candidates);
- :mod:`~pipeline.report.chart_context`: colours, axes and the figure wrapper of a brand;
- :mod:`~pipeline.report.charts`: charts against the budget (reach, efficiency, EMV,
  paired differences, winners);
- :mod:`~pipeline.report.plan_charts`: charts of one plan (seed mix, reach curve, overlap);
- :mod:`~pipeline.report.calibrated`, :mod:`~pipeline.report.calibrated_backtest` and
  :mod:`~pipeline.report.calibrated_charts`: the sections of calibrated models (the
  model file, its backtest file, their charts);
- :mod:`~pipeline.report.why` and :mod:`~pipeline.report.brief`: the creators of a plan
  with why each is in, and the brief's tables as text;
- :mod:`~pipeline.report.build`: :func:`build_report`;
- :mod:`~pipeline.report.render`: :func:`render_html` through the Jinja2 template in
  ``templates/`` (autoescaped);
- :mod:`~pipeline.report.write`: :func:`write_report`.
"""

from __future__ import annotations

from pipeline.report.build import build_report
from pipeline.report.document import (
    CALIBRATED_CHART_KINDS,
    CHART_KINDS,
    OPTIONAL_CHART_KINDS,
    REPORT_FORMATS,
    BrandSection,
    CalibratedSection,
    Figure,
    Report,
)
from pipeline.report.frames import fit_label
from pipeline.report.render import render_html, script_json
from pipeline.report.write import write_report

__all__ = [
    "CALIBRATED_CHART_KINDS",
    "CHART_KINDS",
    "OPTIONAL_CHART_KINDS",
    "REPORT_FORMATS",
    "BrandSection",
    "CalibratedSection",
    "Figure",
    "Report",
    "build_report",
    "fit_label",
    "render_html",
    "script_json",
    "write_report",
]
