"""Moved to :mod:`pipeline.seeding.rank`; this import path is kept for one release
(CHANGELOG.md)."""

from pipeline.seeding.rank import (
    REACH_METRICS,
    RankWeights,
    rank_candidates,
)

__all__ = [
    "REACH_METRICS",
    "RankWeights",
    "rank_candidates",
]
