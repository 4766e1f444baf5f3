"""The campaign driver with a progress display: :func:`run_campaign` is
:func:`pipeline.campaign.driver.run_campaign` plus a bar inside Jupyter notebooks (or
anywhere on request). ``pipeline.run_campaign`` and ``pipeline.api.run_campaign`` are
this function.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.campaign.config import CampaignConfig
    from pipeline.campaign.driver import CampaignProgress, CampaignReport

__all__ = ["run_campaign"]


def run_campaign(
    config: CampaignConfig | str | Path,
    *,
    executor: str = "local",
    address: str | None = None,
    workers: int | None = None,
    resume: bool = True,
    output: str | Path | None = None,
    progress: bool | Callable[[CampaignProgress], None] | None = None,
    prune: bool = False,
) -> CampaignReport:
    """Run every cell of a campaign and write its results folder: the arguments and the
    report are :func:`pipeline.campaign.driver.run_campaign`'s (``prune`` deletes the
    files of cells outside the current grid), but for ``progress``.

    ``progress``: None (the default) shows progress only inside a Jupyter notebook (one
    line with a bar, cells done of the total, runs per second and the last cell, updated
    in place); True shows it anywhere (outside a notebook a rich bar on stderr, or one
    line per cell when stderr is not a terminal); False never; a callable receives
    every :class:`~pipeline.campaign.driver.CampaignProgress` and nothing is shown.
    Outside notebooks nothing is printed unless asked.
    """
    from pipeline.campaign.driver import run_campaign as run
    from pipeline.reprs import CampaignProgressView, in_notebook

    def go(note: Callable[[CampaignProgress], None] | None) -> CampaignReport:
        return run(config, executor=executor, address=address, workers=workers,
                   resume=resume, output=output, progress=note, prune=prune)  # fmt: skip

    if progress is not None and not isinstance(progress, bool) and not callable(progress):
        raise InputError(f"progress must be True, False, None or a callable, got {progress!r}")
    if callable(progress):
        return go(progress)
    notebook = in_notebook()
    if not (notebook if progress is None else progress):
        return go(None)
    view = CampaignProgressView(notebook=notebook)
    t0 = time.perf_counter()
    status = "stopped by an error"
    try:
        report = go(view)
    except KeyboardInterrupt:
        status = "interrupted: finished cells are saved; run again to resume"
        raise
    else:
        took = time.perf_counter() - t0
        status = (f"done: {report.cells_run:,} cells run, {report.cells_skipped:,} already "
                  f"done, in {took:,.1f} s")  # fmt: skip
    finally:
        view.close(status)
    return report
