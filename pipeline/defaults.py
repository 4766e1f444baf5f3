"""The defaults every entry point shares: library functions and CLI options read them here.

Change a default in this one place and the Python API, the ``influence`` commands and
their ``--help`` texts all follow. Campaign files have their own keys (see
:mod:`pipeline.campaign.config`), which start from the same values where they mean the
same thing.
"""

from __future__ import annotations

__all__ = [
    "AMBASSADOR_COST",
    "AMBASSADOR_COST_SCENARIOS",
    "AMBASSADOR_MAX_FOLLOWERS",
    "BACKTEST_RUNS",
    "CELF_RUNS",
    "EPSILON",
    "ESTIMATE_RR_SETS",
    "MIN_RELEVANCE",
    "MODEL",
    "OBJECTIVE",
    "OVERLAP_RUNS",
    "RESAMPLES",
    "RUNS",
    "SEED",
]

#: The diffusion model when none is named: weighted cascade (p = 1 / in-degree), which
#: needs no probability from the user.
MODEL = "wc"
#: What seeding maximises and verdicts compare: projected engagements (likes, comments,
#: shares on the platform, the creators' own posts included; see
#: :mod:`pipeline.profiles.kpis`), or the in-graph measure of the same event when the
#: profiles cannot project it.
OBJECTIVE = "engagements"
#: Monte Carlo runs per simulation.
RUNS = 1000
#: Monte Carlo runs of an audience-overlap estimate (one cascade per candidate per run).
OVERLAP_RUNS = 200
#: Simulations per test item and row of a backtest (spread over the bootstrap refits).
BACKTEST_RUNS = 200
#: The random seed: the same seed gives the same numbers.
SEED = 0
#: IMM / OPIM-C accuracy: a (1 - 1/e - epsilon) approximation with high probability.
EPSILON = 0.1
#: Monte Carlo runs per marginal-gain estimate in CELF.
CELF_RUNS = 200
#: RR sets drawn to estimate the reach of a non-RR strategy's seed list.
ESTIMATE_RR_SETS = 100_000
#: Bootstrap re-runs of an RR-pool plan's selection (imm, opim): "picked in 5 of 5".
RESAMPLES = 5
#: What enlisting one ambassador costs, in currency units: a gift and its shipping
#: (ambassadors are not paid a fee; :mod:`pipeline.seeding.ambassadors`).
AMBASSADOR_COST = 25.0
#: Profiled accounts with this many platform followers or more are creators (hired at fee
#: + overhead), not ambassadors enlisted for a gift: the nano tier's upper bound.
AMBASSADOR_MAX_FOLLOWERS = 10_000
#: Multiples of the ambassador cost a campaign also plans at, since that cost decides
#: cost-per-engagement comparisons (``[ambassadors] cost_scenarios``).
AMBASSADOR_COST_SCENARIOS = (0.5, 2.0)
#: Brand-fit threshold: accounts below this cosine topic relevance are not candidates.
MIN_RELEVANCE = 0.3
