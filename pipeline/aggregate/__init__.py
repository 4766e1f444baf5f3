"""Reading a campaign results folder and turning it into summaries and verdicts.

``influence campaign CONFIG`` writes one folder per campaign, laid out and with
the columns documented in :mod:`pipeline.schema` (``docs/results-schema.md``):
``campaign.json``, then ``runs``, ``seeds``, ``audience``, ``curves`` and
``overlap`` with one Parquet file per cell under a folder per brand, and
``competition``.

A *cell* is one brand x model x strategy x level, where the level is a
``budget`` (currency units) or a number of seeds ``k`` (the other is null). A
cell is finished iff its runs file exists; companion files of unfinished cells
and the hidden ``.<name>.parquet.<random>.tmp`` files of interrupted writes are
ignored. The brand is read from the ``brand`` column, never from the folder
name.

- :func:`load_results` reads the folder into :class:`Results`.
- :func:`summarize_runs` / :func:`summarize`: mean reach per cell with 95%
  normal confidence intervals, reach per currency unit, seeds and reach by tier.
- :func:`compare_runs` / :func:`compare`: paired differences against a baseline
  strategy. Run ``r`` of every strategy of a brand and model shares its random
  numbers, so the difference is taken run by run, which removes the shared
  noise (common random numbers).
- :func:`level_outcomes`: per level, the best strategy against the runner-up,
  on their paired per-run difference: a clear ``win``, a ``tie`` (the 95%
  interval within ``tie_margin``, default 2%, of the larger mean) or
  ``indistinguishable``.
- :func:`verdicts`: per brand and model, the strategy that wins the most
  levels clearly, with a one-sentence verdict naming its ties and what each
  strategy spends at the largest level (for people chosen on the weighted-exposure
  stand-in, :func:`proxy_note`: "optimised through a weighted-exposure proxy; figures
  simulated").
- :func:`cross_model` / :func:`cross_model_verdicts`: every strategy's one plan
  (chosen under the plan model) under every model, with its regret against the
  best plan chosen for each model, and per brand whether the leading plan holds.
- :func:`trade_offs`: per level and other KPI, whether another plan gives clearly
  more of it than the recommended one (paired interval beyond the tie margin).
- :func:`candidates`: the ranked seed list behind the best strategy for a brand.

The package:

- :mod:`~pipeline.aggregate.results`: the measures and :func:`load_results`;
- :mod:`~pipeline.aggregate.summaries`: :func:`summarize_runs`, :func:`summarize`,
  :func:`competition_summary`;
- :mod:`~pipeline.aggregate.comparisons`: :func:`compare_runs`, :func:`compare`;
- :mod:`~pipeline.aggregate.outcomes`: :func:`level_outcomes` and the sentence
  pieces (money, levels, spending);
- :mod:`~pipeline.aggregate.winners`: :func:`level_winners`, :func:`verdicts`;
- :mod:`~pipeline.aggregate.cross_model`: :func:`cross_model`, :func:`cross_model_verdicts`;
- :mod:`~pipeline.aggregate.tradeoffs`: :func:`trade_offs`;
- :mod:`~pipeline.aggregate.shortlist`: :func:`candidates`.
"""

from __future__ import annotations

from pipeline.aggregate.comparisons import compare, compare_runs
from pipeline.aggregate.cross_model import CROSS_MODEL_SCHEMA, cross_model, cross_model_verdicts
from pipeline.aggregate.outcomes import DEFAULT_TIE_MARGIN, OUTCOMES, level_outcomes
from pipeline.aggregate.results import (
    DEFAULT_BASELINE,
    DEFAULT_OBJECTIVE,
    METRIC_WORDS,
    METRICS,
    OBJECTIVES,
    PROJECTED,
    Results,
    load_results,
)
from pipeline.aggregate.shortlist import candidates
from pipeline.aggregate.summaries import competition_summary, summarize, summarize_runs
from pipeline.aggregate.tradeoffs import TRADE_OFF_SCHEMA, trade_offs
from pipeline.aggregate.winners import level_winners, proxy_note, verdicts
from pipeline.schema import (
    AUDIENCE_SCHEMA,
    COMPETITION_SCHEMA,
    CURVES_SCHEMA,
    KEY,
    OVERLAP_SCHEMA,
    RESULTS_FORMAT,
    RUNS_SCHEMA,
    SEEDS_SCHEMA,
)
from pipeline.seeding.registry import FAMILIES

__all__ = [
    "AUDIENCE_SCHEMA",
    "COMPETITION_SCHEMA",
    "CROSS_MODEL_SCHEMA",
    "CURVES_SCHEMA",
    "DEFAULT_BASELINE",
    "DEFAULT_OBJECTIVE",
    "DEFAULT_TIE_MARGIN",
    "FAMILIES",
    "KEY",
    "METRICS",
    "METRIC_WORDS",
    "OBJECTIVES",
    "OUTCOMES",
    "OVERLAP_SCHEMA",
    "PROJECTED",
    "RESULTS_FORMAT",
    "RUNS_SCHEMA",
    "SEEDS_SCHEMA",
    "TRADE_OFF_SCHEMA",
    "Results",
    "candidates",
    "compare",
    "compare_runs",
    "competition_summary",
    "cross_model",
    "cross_model_verdicts",
    "level_outcomes",
    "level_winners",
    "load_results",
    "proxy_note",
    "summarize",
    "summarize_runs",
    "trade_offs",
    "verdicts",
]
