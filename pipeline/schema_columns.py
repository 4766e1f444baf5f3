"""The columns of the results folder's two largest tables, ``runs`` and ``seeds``, and the
cell key every cell table starts with (:mod:`pipeline.schema` assembles the tables and
documents them from these definitions).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

__all__ = ["KEY_COLUMNS", "RUNS_COLUMNS", "SEEDS_COLUMNS", "Column"]


@dataclass(frozen=True)
class Column:
    """One documented column: name, polars type, unit ("" when none) and meaning."""

    name: str
    dtype: pl.DataType
    unit: str
    meaning: str


#: The cell key, first in every cell table.
KEY_COLUMNS: tuple[Column, ...] = (
    Column("cell", pl.String(), "", "the cell's id: readable part + hash of its coordinates"),
    Column("brand", pl.String(), "", "the brand, exactly as named in the brands file"),
    Column("model", pl.String(), "", "model label (`wc`, `ic p=0.0125`, `calibrated:m@1a2b3c4d`)"),
    Column(
        "plan_model",
        pl.String(),
        "",
        "the model the plan was chosen under (`model` is the one it is simulated under)",
    ),
    Column(
        "matched",
        pl.Boolean(),
        "",
        "the plan is the strategy's plan for `model` (chosen under it, or not depending "
        "on it); false: a plan chosen under `plan_model`, evaluated under another model",
    ),
    Column("strategy", pl.String(), "", "seeding strategy (`imm`, `macro`, `micro`, ...)"),
    Column("budget", pl.Float64(), "currency", "the level's budget; null for a seed-count level"),
    Column("k", pl.Int64(), "creators", "the level's seed count; null for a budget level"),
)

#: The ``runs`` table: one row per cell and simulation run.
RUNS_COLUMNS: tuple[Column, ...] = (
    *KEY_COLUMNS,
    Column(
        "run",
        pl.Int64(),
        "",
        "simulation run 0..runs-1; run r of every strategy of "
        "a brand and model shares its random numbers",
    ),
    Column("activated", pl.Int64(), "accounts", "accounts activated, seeds included"),
    Column(
        "exposed",
        pl.Int64(),
        "accounts",
        "accounts activated or following an activated one (real follows only)",
    ),
    Column("steps", pl.Int32(), "steps", "cascade steps until no account activated"),
    Column(
        "cost_spent",
        pl.Float64(),
        "currency",
        "what the plan costs: fees plus per-creator overhead",
    ),
    Column("seeds_used", pl.Int64(), "creators", "creators in the plan"),
    Column(
        "cpm",
        pl.Float64(),
        "currency per 1,000 impressions",
        "the CPM valuing the cell's impressions (EMV); null when unknown",
    ),
    Column("earned_activated", pl.Int64(), "accounts", "activated minus seeds_used"),
    Column("earned_exposed", pl.Int64(), "accounts", "exposed minus seeds_used"),
    *(
        Column(
            name,
            pl.Float64(),
            unit,
            f"{what}{extra}, projected to the platform at every hop (docs/projection.md)",
        )
        for kpi, unit, what in (
            ("impressions", "impressions", "views of the creators' and the cascade's posts"),
            ("engagements", "engagements", "likes, comments and shares of those posts"),
            ("people", "people", "unique people who see at least one of those posts"),
        )
        for name, extra in (
            (kpi, ""),
            (f"earned_{kpi}", ", without the creators' own posts"),
        )
    ),
    Column(
        "certified_ratio",
        pl.Float64(),
        "ratio 0-1",
        "the plan's certified approximation ratio (OPIM-C, IMM); null otherwise",
    ),
    Column(
        "robust_ratio",
        pl.Float64(),
        "ratio 0-1",
        "robust plans: the worst ratio, over the campaign's models, of the plan's value "
        "to the best known plan's, on independent RR sets; null otherwise",
    ),
    Column(
        "robust_ratio_low",
        pl.Float64(),
        "ratio 0-1",
        "robust plans: a lower bound of robust_ratio holding for every model at once "
        "with probability 95%; null otherwise",
    ),
    Column(
        "stable_share",
        pl.Float64(),
        "share 0-1",
        "plans chosen on RR sets: share of the plan's creators picked in every "
        "bootstrap re-run of the selection; null otherwise",
    ),
    Column(
        "rerun_low",
        pl.Float64(),
        "the objective's unit",
        "the lowest estimated value of the re-run plans (independent estimate)",
    ),
    Column(
        "rerun_high",
        pl.Float64(),
        "the objective's unit",
        "the highest estimated value of the re-run plans",
    ),
    Column(
        "stand_ins",
        pl.String(),
        "",
        "creators (handles) the re-runs picked instead, with counts: `@a (3 of 5), ...`",
    ),
    Column(
        "optimised",
        pl.String(),
        "",
        "what the strategy maximised to choose the plan: the objective itself "
        "(`engagements`, `impressions`, `people`, `activated`, `exposed`, ...), a stand-in "
        "for it (`people (weighted-exposure proxy)`: imm, opim and robust choose for people "
        "on weighted exposure RR sets; the row's figures are simulated either way), or "
        "`nothing: a heuristic ranking`; null for a strategy of your own and in folders "
        "written before it was recorded",
    ),
)

#: The ``seeds`` table: one row per creator of a cell's plan, in selection order.
SEEDS_COLUMNS: tuple[Column, ...] = (
    *KEY_COLUMNS,
    Column("rank", pl.Int32(), "", "1-based position in the plan, in selection order"),
    Column("id", pl.String(), "", "account ID as in the graph and profiles"),
    Column("handle", pl.String(), "", "the profile's handle"),
    Column("tier", pl.String(), "", "nano, micro, mid, macro or mega (by followers)"),
    Column("cost", pl.Float64(), "currency", "contracting the creator: fee plus overhead"),
    Column(
        "role",
        pl.String(),
        "",
        "creator (hired: fee plus overhead) or ambassador (enlisted from the action log at "
        "the ambassador cost); null in folders of older versions",
    ),
    Column("followers", pl.Int64(), "accounts", "the profile's follower count"),
    Column("relevance", pl.Float64(), "score 0-1", "fit of the creator's topics to the brand"),
    Column(
        "marginal_gain",
        pl.Float64(),
        "the objective's unit",
        "expected objective added to the creators ranked above (engagements, impressions "
        "or people for a KPI, else in-graph accounts)",
    ),
    Column(
        "cumulative_reach",
        pl.Float64(),
        "the objective's unit",
        "running sum of marginal_gain, raised where it falls below what those seeds alone "
        "are worth (their count, or their own posts for a KPI)",
    ),
    Column(
        "cumulative_stderr",
        pl.Float64(),
        "the objective's unit",
        "standard error of cumulative_reach",
    ),
    Column("cumulative_cost", pl.Float64(), "currency", "running sum of cost"),
    Column("forced", pl.Boolean(), "", "a must-include of the campaign"),
    Column(
        "picked_in",
        pl.Int32(),
        "re-runs",
        "plans chosen on RR sets (imm, opim): in how many bootstrap re-runs of the "
        "selection it was picked; null otherwise",
    ),
    Column("resamples", pl.Int32(), "re-runs", "the bootstrap re-runs behind picked_in"),
    Column(
        "overlap_above",
        pl.Float64(),
        "share 0-1",
        "share of the creator's followers who follow a creator ranked above",
    ),
    Column("engagement_rate", pl.Float64(), "share 0-1", "the profile's engagement rate"),
    Column(
        "real_audience",
        pl.Float64(),
        "share 0-1",
        "share of the creator's followers that are real accounts",
    ),
    Column("platform", pl.String(), "", "the profile's platform"),
    Column(
        "own_engagements",
        pl.Float64(),
        "engagements",
        "engagements of the creator's own post (ER x real share x audience)",
    ),
    Column(
        "own_impressions",
        pl.Float64(),
        "impressions",
        "impressions of the creator's own post (reach rate x real share x audience)",
    ),
    Column(
        "marginal_people",
        pl.Float64(),
        "people",
        "people its own post adds to those the creators ranked above reach",
    ),
    Column(
        "alternative",
        pl.String(),
        "",
        "the handle of the best candidate not chosen that costs no more "
        "(lowest cost per own engagement); null when none",
    ),
    Column(
        "alternative_cost_per_engagement",
        pl.Float64(),
        "currency per engagement",
        "that candidate's cost per engagement of its own post",
    ),
)
