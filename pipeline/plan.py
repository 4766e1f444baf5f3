"""Moved to :mod:`pipeline.report.plan`; this import path is kept for one release
(CHANGELOG.md)."""

from pipeline.report.plan import (
    KPI_ORDER,
    headline,
    people,
    plans,
)

__all__ = [
    "KPI_ORDER",
    "headline",
    "people",
    "plans",
]
