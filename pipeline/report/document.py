"""What a built report is: its figures, brand and calibrated-model sections, and the extras.

:class:`Report` holds everything :mod:`~pipeline.report.render` and the PNG
writer need; :func:`require_report_extra` and :func:`vl_convert_module` check or
import the ``report`` extra, or raise :class:`~pipeline.errors.InputError` with the
install hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

from pipeline.errors import InputError
from pipeline.report.vegalite import VEGA_LITE_VERSION

__all__ = [
    "CALIBRATED_CHART_KINDS",
    "CHART_KINDS",
    "INSTALL_HINT",
    "OPTIONAL_CHART_KINDS",
    "REPORT_FORMATS",
    "BrandSection",
    "CalibratedSection",
    "Figure",
    "Report",
    "require_report_extra",
    "vl_convert_module",
    "vl_version",
]

#: Chart kinds of a campaign judged by engagements whose results hold the platform units,
#: in page order; a chart's element id is ``<kind>-<brand slug>``. The objective's chart
#: comes first (``engagements``, ``people``, ``impressions``; ``earned`` for an earned
#: objective; ``reach`` for activated and ``exposed`` for exposed accounts), then the
#: robustness chart and the other platform units (when the results hold them), and the
#: in-graph counts (``reach``: accounts activated, ``exposed``) come last.
CHART_KINDS: tuple[str, ...] = (
    "engagements", "robustness", "people", "impressions", "efficiency", "diff", "mix",
    "curve", "overlap", "reach", "exposed",
)  # fmt: skip
#: Charts of a calibrated model's section (id ``<kind>-<model slug>``), when its files
#: hold the data: the sensitivity curve, and the backtest's predicted against actual.
CALIBRATED_CHART_KINDS: tuple[str, ...] = ("sensitivity", "backtest")
#: Charts drawn only when the data allow: ``emv`` needs a CPM (the profiles', the
#: config's or the platform's default) and impressions.
#: ``regret`` needs a campaign of several models written with plan models (format 4).
OPTIONAL_CHART_KINDS: tuple[str, ...] = ("emv", "regret")
REPORT_FORMATS: tuple[str, ...] = ("html", "png")
INSTALL_HINT = "pip install 'influence-pipeline[report]'"


@dataclass(frozen=True, eq=False)
class Figure:
    """One chart of the report.

    ``id`` is the element id of its container in the HTML page and the stem of
    its PNG file; ``attrs`` become ``data-*`` attributes of that container.
    ``spec`` is its Vega-Lite spec, a JSON-ready dict
    (:func:`~pipeline.report.vegalite.document`).
    """

    id: str
    kind: str
    brand: str
    title: str
    note: str
    spec: dict[str, Any]
    wide: bool = False  # takes a whole row of the page (side-by-side models)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class BrandSection:
    """One brand: its brief (headline, plan, creators), charts, candidates and verdicts."""

    brand: str
    slug: str
    level: str  # "budget" or "k"
    figures: tuple[Figure, ...]
    notes: tuple[str, ...]
    verdicts: tuple[str, ...]
    candidates: pl.DataFrame | None
    candidates_caption: str
    headline: str = ""  # the sentence a manager can forward (pipeline.report.plan.headline)
    plan: pl.DataFrame | None = None  # one row per budget (pipeline.report.plan.plans)
    creators: pl.DataFrame | None = None  # seeds of the plan at the largest budget, all


@dataclass(frozen=True, eq=False)
class CalibratedSection:
    """A calibrated model of the campaign: its fit, warnings, charts and backtest.

    ``error`` is the one line shown instead when the model file cannot be read at
    report time. ``facts`` are (term, value) rows of the fit; ``backtest`` the rows of
    ``<model stem>.backtest.json`` (:func:`pipeline.report.calibrated.backtest_frame`)."""

    label: str  # as the results name it: calibrated:<file name>
    slug: str
    file_name: str
    error: str = ""
    facts: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    backtest: pl.DataFrame | None = None
    backtest_caption: str = ""
    backtest_how: str = ""  # how to make (or refresh) the backtest file, before the command
    backtest_command: str = ""  # the ``influence backtest ... --json > <stem>.backtest.json``


@dataclass(frozen=True, eq=False)
class Report:
    """A built report: everything :func:`~pipeline.report.render_html` and the PNG
    writer need."""

    title: str
    results_path: Path
    baseline: str
    parameters: tuple[tuple[str, str], ...]
    verdicts: pl.DataFrame
    sections: tuple[BrandSection, ...]
    #: per brand, whether the leading plan holds under every model
    #: (:func:`pipeline.aggregate.cross_model_verdicts`)
    across: pl.DataFrame | None = None
    #: every plan under every model (:func:`pipeline.aggregate.cross_model`); None or
    #: empty for older folders
    cross_model: pl.DataFrame | None = None
    currency: str = ""  # the campaign's [valuation] currency
    calibrated: tuple[CalibratedSection, ...] = ()  # one per calibrated model of the grid
    objective: str = "activated"  # what the plans are judged by (Results.objective)
    notes: tuple[str, ...] = ()  # what a reader should know first (Results.notes)

    @property
    def figures(self) -> list[Figure]:
        """Every chart in page order: brand by brand, then the calibrated models'."""
        return [f for s in self.sections for f in s.figures] + [
            f for c in self.calibrated for f in c.figures
        ]


def require_report_extra() -> None:
    """Check that vl-convert and Jinja2 (the ``report`` extra) import, or say how to
    install them."""
    try:
        import jinja2  # noqa: F401
        import vl_convert  # noqa: F401
    except ImportError:
        raise InputError(f"the report needs vl-convert and Jinja2: {INSTALL_HINT}") from None


def vl_convert_module() -> ModuleType:
    """Import vl-convert, or say how to install it."""
    try:
        import vl_convert
    except ImportError:
        raise InputError(f"the report needs vl-convert: {INSTALL_HINT}") from None
    return vl_convert


def vl_version() -> str | None:
    """The Vega-Lite version of the specs (:data:`~pipeline.report.vegalite.VEGA_LITE_VERSION`)
    in vl-convert's spelling (``"6.4"``), or None (vl-convert's newest) when vl-convert
    does not bundle it."""
    vlc = vl_convert_module()
    version = ".".join(VEGA_LITE_VERSION.split(".")[:2])
    return version if version in vlc.get_vegalite_versions() else None
