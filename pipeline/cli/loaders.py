"""The CLI's loaders of user tables that print what the load noticed: ``--profiles`` with
``--profile-columns`` (:func:`load_profiles_arg`). The edge file's is
:func:`pipeline.cli.common.load_graph_arg`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from pipeline.graph_io import FollowerGraph
    from pipeline.profiles import Profiles, TierThresholds

__all__ = ["load_profiles_arg", "projection_rows"]


@overload
def load_profiles_arg(
    path: Path,
    graph: FollowerGraph,
    columns: str | None = None,
    quiet: bool = False,
    thresholds: TierThresholds | None = None,
) -> Profiles: ...
@overload
def load_profiles_arg(
    path: None,
    graph: FollowerGraph,
    columns: str | None = None,
    quiet: bool = False,
    thresholds: TierThresholds | None = None,
) -> None: ...
def load_profiles_arg(
    path: Path | None,
    graph: FollowerGraph,
    columns: str | None = None,
    quiet: bool = False,
    thresholds: TierThresholds | None = None,
) -> Profiles | None:
    """The profiles of a command's ``--profiles`` and ``--profile-columns`` options, joined
    to ``graph`` (None without ``--profiles``); each of their notes (encoding, absent and
    unused columns, rows not in the graph) printed to stderr as a ``note:`` line unless
    ``quiet``."""
    if path is None:
        return None
    from pipeline.cli.output import err_console
    from pipeline.columns import COLUMN_NAMES, parse_columns
    from pipeline.profiles import load_profiles

    names = COLUMN_NAMES["profiles"]
    mapping = parse_columns(columns, allowed=names, flag="--profile-columns") if columns else None
    prof = load_profiles(path, graph, thresholds=thresholds, columns=mapping)
    for note in () if quiet else prof.notes:
        err_console.print(f"note: {note}", highlight=False, markup=False, soft_wrap=True)
    return prof


def projection_rows(
    prof: Profiles, reach_rate: str | None, quiet: bool
) -> tuple[NDArray[np.float64] | None, set[str]]:
    """The projection rows of ``prof`` at ``--reach-rate`` for the simulation kernels,
    or None when the profiles give no platform audience; and the KPIs that cannot be
    projected, each reason printed once as a ``note:`` line unless ``quiet``
    (:func:`pipeline.profiles.audience.unprojectable`)."""
    from pipeline.cli.output import err_console
    from pipeline.profiles.audience import ReachRates, audience, unprojectable

    lost = unprojectable(prof)
    for why in () if quiet else dict.fromkeys(lost.values()):
        kpis = ", ".join(k for k, w in lost.items() if w == why)
        err_console.print(f"note: {kpis} not projected: {why}", highlight=False, soft_wrap=True)
    rates = ReachRates.parse(reach_rate) if reach_rate is not None else None
    return (None if "people" in lost else audience(prof, rates).kernel_rows()), set(lost)
