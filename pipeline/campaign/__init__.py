"""Campaign batches: a TOML scenario, its grid of cells, two executors, resumable results.

A campaign (:class:`CampaignConfig`, from a TOML file) names the inputs, the
models, the seeding strategies and a grid of budgets (or seed counts). Its
grid is brand x model x strategy x budget (or k); each *cell* selects seeds
with :func:`pipeline.seeding.select_seeds` and simulates them with
:func:`pipeline.diffusion.simulate`. Every cell of one brand and model
simulates with the same run keys (common random numbers), so run ``r`` of
two strategies saw the same live-edge graph and their difference is paired.

:func:`run_campaign` writes a results folder (:data:`RESULTS_FORMAT`, layout and
columns in :mod:`pipeline.schema`)::

    OUT/campaign.json                  manifest: settings, inputs' hashes, fingerprint
    OUT/runs/BRAND/CELL.parquet        one row per run (written last: marks the cell done)
    OUT/seeds/BRAND/CELL.parquet       one row per chosen seed
    OUT/audience/BRAND/CELL.parquet    expected activated accounts per tier
    OUT/curves/BRAND/CELL.parquet      mean new and cumulative activations per step
    OUT/overlap/BRAND/CELL.parquet     follower overlap of the plan's first creators, pairwise
    OUT/integrity/BRAND/CELL.json      each table's rows, bytes and SHA-256 (written last)
    OUT/campaign.lock                  held while a campaign writes the folder

where BRAND is :func:`pipeline.schema.brand_folder` (``brand-<slug>-<hash>``).

Every file is written atomically, so a killed run leaves finished cells and
hidden temporary files only; re-running skips finished cells whose integrity record
verifies (a damaged cell is recomputed, saying which and why) and ends with exactly
the files of an uninterrupted run. Readers see only the manifest's current grid; cells
of an earlier grid stay on disk until ``prune``. A second campaign on a folder in use is
refused (the lock). The local and Ray executors run
the same :func:`run_cell` and give identical files for the same seed.

The package, in the order a campaign runs:

- :mod:`~pipeline.campaign.config`: the settings (frozen dataclasses);
- :mod:`~pipeline.campaign.config_file`: reading and checking the TOML file;
- :mod:`~pipeline.campaign.grid`: cells and contests;
- :mod:`~pipeline.campaign.context`: the inputs every cell shares;
- :mod:`~pipeline.campaign.cell`: one cell's seeds, simulation and tables, one contest;
- :mod:`~pipeline.campaign.store`: the results folder (paths, manifest, atomic writes);
- :mod:`~pipeline.campaign.integrity`, :mod:`~pipeline.campaign.lock`,
  :mod:`~pipeline.campaign.relabel`: per-cell records, the folder lock, older labels;
- :mod:`~pipeline.campaign.ray_connect`: reaching a Ray cluster within a timeout;
- :mod:`~pipeline.campaign.executors`: local threads and Ray;
- :mod:`~pipeline.campaign.driver`: :func:`~pipeline.campaign.driver.run_campaign`.

The :func:`run_campaign` exported here (and as ``pipeline.run_campaign``) is
:func:`pipeline.campaign.notebook.run_campaign`: the driver's, plus a progress display inside
notebooks (or anywhere with ``progress=True``); a callable ``progress`` is passed on.
"""

from __future__ import annotations

from pipeline.campaign.cell import CellTables, cell_cpm, run_cell, run_contest
from pipeline.campaign.config import EXECUTORS, FAULT_ENV, OVERLAP_SEEDS, CampaignConfig, ModelSpec
from pipeline.campaign.config_file import load_config
from pipeline.campaign.context import CampaignContext, prepare
from pipeline.campaign.driver import CampaignProgress, CampaignReport
from pipeline.campaign.executors import local_workers
from pipeline.campaign.grid import Cell, Contest, cells_of, contests_of
from pipeline.campaign.notebook import run_campaign  # the driver plus a progress display
from pipeline.campaign.store import cell_path, contest_path, is_done
from pipeline.schema import RESULTS_FORMAT

__all__ = [
    "EXECUTORS",
    "FAULT_ENV",
    "OVERLAP_SEEDS",
    "RESULTS_FORMAT",
    "CampaignConfig",
    "CampaignContext",
    "CampaignProgress",
    "CampaignReport",
    "Cell",
    "CellTables",
    "Contest",
    "ModelSpec",
    "cell_cpm",
    "cell_path",
    "cells_of",
    "contest_path",
    "contests_of",
    "is_done",
    "load_config",
    "local_workers",
    "prepare",
    "run_campaign",
    "run_cell",
    "run_contest",
]
