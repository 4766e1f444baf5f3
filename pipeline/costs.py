"""Moved to :mod:`pipeline.valuation.costs`; this import path is kept for one release
(CHANGELOG.md)."""

from pipeline.valuation.costs import (
    CostModel,
)

__all__ = [
    "CostModel",
]
