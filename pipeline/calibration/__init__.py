"""Calibration data: action logs (who adopted which item, when) and cascades on a graph.

- :mod:`~pipeline.calibration.actions`: :func:`load_actions` reads and checks an action log
  into an :class:`ActionLog`; :func:`place_on` maps it onto a follower graph as
  :class:`Cascades` (one CSR block per item). O(rows log rows).
- :mod:`~pipeline.calibration.formats`: public research cascade files (FOREST, MS-HGAT,
  Inf-VAE) into an action table, O(file size).
- :mod:`~pipeline.calibration.credit`: :func:`influence_credit`, each account's
  influence credit read off the log (credit distribution: who moved people), one
  reverse-time pass per item.
"""

from __future__ import annotations

from pipeline.calibration.actions import (
    ACTION_COLUMNS,
    ActionLog,
    Cascades,
    graph_nodes,
    load_actions,
    place_on,
    sort_by_item,
)
from pipeline.calibration.credit import Credit, influence_credit, mean_parent_delay
from pipeline.calibration.formats import (
    RESEARCH_FORMATS,
    convert_cascades,
    read_research_cascades,
)

__all__ = [
    "ACTION_COLUMNS",
    "RESEARCH_FORMATS",
    "ActionLog",
    "Cascades",
    "Credit",
    "convert_cascades",
    "graph_nodes",
    "influence_credit",
    "load_actions",
    "mean_parent_delay",
    "place_on",
    "read_research_cascades",
    "sort_by_item",
]
