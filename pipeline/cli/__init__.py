"""The ``influence`` command line: a thin Typer layer over the library.

Each command parses options, calls one library function, prints or writes the
result. User mistakes (:class:`~pipeline.errors.InputError`) become one line on
stderr and exit code 2, never a traceback. One module per command group:
:mod:`~pipeline.cli.graph` (info, generate, centrality), :mod:`~pipeline.cli.cascades`
(convert-cascades), :mod:`~pipeline.cli.calibrate` (calibrate), :mod:`~pipeline.cli.backtest`
(backtest), :mod:`~pipeline.cli.ambassadors` (ambassadors), :mod:`~pipeline.cli.reach`
(reach-rates), :mod:`~pipeline.cli.choose` (rank),
:mod:`~pipeline.cli.seed` (seed), :mod:`~pipeline.cli.spread`
(simulate, overlap),
:mod:`~pipeline.cli.campaign_cmd` (campaign),
:mod:`~pipeline.cli.results` (summarize, compare, export),
:mod:`~pipeline.cli.cross` (cross-model),
:mod:`~pipeline.cli.reports` (report); :mod:`~pipeline.cli.common` holds the app,
error handling and loading, :mod:`~pipeline.cli.options` the option types and
:mod:`~pipeline.cli.output` the printing. Importing the groups registers their commands, in the
order ``influence --help`` lists them.
"""

from importlib import import_module

from pipeline.cli.common import app, run
from pipeline.cli.output import cell_text

for _group in (
    "graph",
    "cascades",
    "calibrate",
    "backtest",
    "ambassadors",
    "reach",
    "choose",
    "seed",
    "spread",
    "campaign_cmd",
    "results",
    "cross",
    "reports",
):
    import_module(f"pipeline.cli.{_group}")

__all__ = ["app", "cell_text", "run"]
