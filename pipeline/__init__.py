"""influence-pipeline: choose influencers by simulating spread through a follower graph.

The front door (stable under semantic versioning; functions take and return account
IDs, never dense node indices)::

    import pipeline as ip

    g = ip.read_graph("data/follows.csv")            # or a networkx/igraph graph, a frame
    plan = ip.select_seeds(g, "imm", k=10)           # ordered seeds with marginal reach
    res = ip.simulate(g, plan["id"], runs=1000)      # cascades from those accounts
    ip.compare_seed_sets(g, plan["id"][:5], plan["id"])  # paired, common random numbers
    fit = ip.calibrate(g, "data/actions.csv")        # learn the model from an action log

Results print as a few lines (in a notebook, a small HTML table; :mod:`pipeline.reprs`),
``res.seeds`` are account IDs (``res.seed_nodes`` the dense indices), and
:func:`run_campaign` shows its progress inside Jupyter notebooks (``progress=True``
anywhere else; nothing is printed by default outside notebooks).

Submodules are the detailed layer: :mod:`pipeline.graph_io`, :mod:`pipeline.interop`,
:mod:`pipeline.profiles`, :mod:`pipeline.graph_io.centrality`, :mod:`pipeline.seeding.rank`,
:mod:`pipeline.diffusion`, :mod:`pipeline.seeding`, :mod:`pipeline.overlap`,
:mod:`pipeline.campaign`, :mod:`pipeline.aggregate`, :mod:`pipeline.report`,
:mod:`pipeline.schema`; :mod:`pipeline.defaults` holds the defaults the library and
the CLI share. Names are imported on first use, so ``import pipeline`` (and the CLI)
stay fast. docs/development.md ("Architecture") shows which folder holds each step.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any


def _version() -> str:
    """The installed distribution's version (importlib.metadata takes about 20 ms, so
    it is read on first use of ``pipeline.__version__``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("influence-pipeline")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+unknown"


#: public name -> the module that defines it
_WHERE: dict[str, str] = {
    "InputError": "pipeline.errors",
    "FollowerGraph": "pipeline.graph_io",
    "read_graph": "pipeline.interop",
    "from_networkx": "pipeline.interop",
    "to_networkx": "pipeline.interop",
    "load_profiles": "pipeline.profiles",
    "load_brands": "pipeline.profiles",
    "centrality": "pipeline.graph_io.centrality",
    "rank_candidates": "pipeline.seeding.rank",
    "register_strategy": "pipeline.seeding.registry",
    "select_seeds": "pipeline.api",
    "simulate": "pipeline.api",
    "compare_seed_sets": "pipeline.api",
    "compete": "pipeline.api",
    "audience_overlap": "pipeline.api",
    "read_actions": "pipeline.api_logs",
    "calibrate": "pipeline.api_logs",
    "backtest": "pipeline.api_logs",
    "rank_ambassadors": "pipeline.api_logs",
    "load_config": "pipeline.campaign",
    "run_campaign": "pipeline.api",
    "load_results": "pipeline.aggregate",
    "summarize": "pipeline.aggregate",
    "compare": "pipeline.aggregate",
    "verdicts": "pipeline.aggregate",
    "candidates": "pipeline.aggregate",
}

__all__ = [
    "FollowerGraph",
    "InputError",
    "__version__",
    "audience_overlap",
    "backtest",
    "calibrate",
    "candidates",
    "centrality",
    "compare",
    "compare_seed_sets",
    "compete",
    "from_networkx",
    "load_brands",
    "load_config",
    "load_profiles",
    "load_results",
    "rank_ambassadors",
    "rank_candidates",
    "read_actions",
    "read_graph",
    "register_strategy",
    "run_campaign",
    "select_seeds",
    "simulate",
    "summarize",
    "to_networkx",
    "verdicts",
]  # kept equal to _WHERE by a test

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports
    __version__: str
    from pipeline.aggregate import candidates, compare, load_results, summarize, verdicts
    from pipeline.api import (
        audience_overlap,
        compare_seed_sets,
        compete,
        run_campaign,
        select_seeds,
        simulate,
    )
    from pipeline.api_logs import backtest, calibrate, rank_ambassadors, read_actions
    from pipeline.campaign import load_config
    from pipeline.errors import InputError
    from pipeline.graph_io import FollowerGraph
    from pipeline.graph_io.centrality import centrality
    from pipeline.interop import from_networkx, read_graph, to_networkx
    from pipeline.profiles import load_brands, load_profiles
    from pipeline.seeding.rank import rank_candidates
    from pipeline.seeding.registry import register_strategy


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE) | {"__version__"})
