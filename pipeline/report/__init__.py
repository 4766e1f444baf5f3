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
  SHA-256, graph size, models, runs, seed, grid), enough to reproduce it;
- per calibrated model of the grid (``calibrated:FILE``), its fit (fitted value and
  interval, branching factor, horizon, counts, fit window, action log), warnings (near
  the tipping point, ``brand_aware``, fitted on another graph), its sensitivity curve
  and, when ``<model stem>.backtest.json`` (``influence backtest ... --json``) sits
  beside the model, the backtest table and predicted-against-actual scatter.

Charts are Vega-Lite specifications built with Altair from inline values (no
pandas); the page inlines the Vega, Vega-Lite and vega-embed JavaScript that
``vl-convert-python`` bundles, so it loads nothing from the network. Every
chart's container has a stable ``id`` (``<kind>-<brand slug>``, e.g.
``reach-freshbite``; see :data:`CHART_KINDS`) and ``data-chart``,
``data-brand`` and ``data-strategies`` attributes; the candidates table has id
``candidates-<brand slug>``; a calibrated model's charts are ``sensitivity-<model
slug>`` and ``backtest-<model slug>`` (:data:`CALIBRATED_CHART_KINDS`). With
``format="png"`` every chart is rendered by vl-convert (offline) to ``<chart id>.png``.

Altair and vl-convert are the optional ``report`` extra
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
