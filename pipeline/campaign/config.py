# ruff: noqa: RUF009  (setting() is dataclasses.field with the declaration as metadata)
"""A campaign's settings as typed, frozen dataclasses (:class:`CampaignConfig`,
:class:`ModelSpec`), declared once: each field of :class:`CampaignConfig` names the
campaign-file keys that fill it and whether it is in the results fingerprint
(:mod:`pipeline.campaign.config_spec`).

The TOML file that fills them is read by :mod:`pipeline.campaign.config_file`; its JSON
Schema is made by :mod:`pipeline.campaign.config_schema`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import defaults
from pipeline.campaign.config_models import MODELS, ModelSpec
from pipeline.campaign.config_spec import (
    MISSING,
    Fingerprint,
    Key,
    setting,
    settings_of,
    unfingerprinted,
)
from pipeline.profiles.tiers import TIER_NAMES, TierThresholds

__all__ = [
    "EXECUTORS",
    "FAULT_ENV",
    "GRAPH_FORMATS",
    "MODELS",
    "OVERLAP_SEEDS",
    "TABLES",
    "UNFINGERPRINTED",
    "CampaignConfig",
    "ModelSpec",
]

EXECUTORS = ("local", "ray")
#: The graph formats ``[inputs] format`` names (default: from the file's extension).
GRAPH_FORMATS = ("csv", "tsv", "parquet", "snap", "graphml", "gml")
TABLES = ("seeds", "audience", "curves", "overlap", "runs")  # "runs" last: marks a cell done
#: Pairwise follower overlap is kept for a plan's first creators only (k x k pairs).
OVERLAP_SEEDS = 40
#: Test hook: ``kill-driver-after:N`` ends the process after N cells are written;
#: ``kill-worker-once:PATH`` makes the first Ray task to find no PATH create it and die.
FAULT_ENV = "INFLUENCE_FAULT"


def _calibrated_digests(c: CampaignConfig) -> dict[str, str | None]:
    return {m.label: m.digest for m in c.models if m.calibrated is not None}


def _edges_set(c: CampaignConfig) -> bool:  # older folders: no "edges" at the defaults
    return c.duplicates != "max" or c.undirected


_GRID = "the grid: each cell is named by its "
_TEXT, _INT, _NUM, _BOOL, _FILE, _NAMES = "text", "integer", "number", "boolean", "file", "names"
_MONEY = "currency units"
#: the ambassador settings count only with an action log: older folders keep their fingerprint
_LOGGED: dict[str, Any] = {"group": "ambassadors", "when": lambda c: c.actions is not None}


@dataclass(frozen=True, kw_only=True)
class CampaignConfig:
    """A validated campaign scenario; see ``configs/demo.toml`` for the file format.

    Declared once, in the file's order: each field names the file keys that fill it
    (:class:`~pipeline.campaign.config_spec.Key`: kind, bounds, description) and is in the
    results fingerprint (:meth:`settings`) unless it says why not; the reader, the
    defaults, the JSON Schema and the fingerprint all come from these declarations.

    Paths are absolute (the file's relative paths are resolved against its
    folder). ``budgets`` are currency units; ``budget_shares`` are fractions
    of each brand's budget in the brands table. ``brands`` None = all brands.
    """

    path: Path = setting(unfingerprinted="where the file is")
    # ---------------------------------------------------------------- top level
    name: str = setting(
        MISSING, Key("name", "name", "What the campaign is called (default: the file's stem)."),
        unfingerprinted="what the campaign is called",
    )  # fmt: skip
    output: Path = setting(
        MISSING, Key("output", "output", "The results folder, relative to this file (created; "
                     "re-runs resume it).", required=True),
        unfingerprinted="where the results go",
    )  # fmt: skip
    seed: int = setting(defaults.SEED, Key("seed", _INT, "Same seed, same numbers.", 0))
    runs: int = setting(defaults.RUNS, Key("runs", _INT, "Monte Carlo runs per cell.", 1))
    baseline: str = setting(
        "macro", Key("baseline", "baseline", "The strategy `influence compare` measures the "
                     "others against (one of grid.strategies)."),
        unfingerprinted="display: what compare measures against",
    )  # fmt: skip
    objective: str = setting(
        defaults.OBJECTIVE,
        Key("objective", "objective", "What seeding maximises and verdicts compare."),
    )
    tie_margin: float | None = setting(
        None, Key("tie_margin", "tie_margin", "Share of the larger mean within which two "
                  "strategies tie (verdicts), in [0, 1); default 0.02."),
        unfingerprinted="display: how verdicts call ties",
    )  # fmt: skip
    # ---------------------------------------------------------------- [inputs]
    graph: Path = setting(
        MISSING, Key("inputs.graph", _FILE, "The follower graph's edge file (CSV, TSV, Parquet, "
                     "SNAP, GraphML or GML).", required=True),
        unfingerprinted="hashed by content (the manifest's inputs)",
    )  # fmt: skip
    graph_format: str | None = setting(
        None, Key("inputs.format", "choice", "The graph file's format (default: from its "
                  "extension).", choices=GRAPH_FORMATS),
    )  # fmt: skip
    edge_meaning: str = setting(
        "follows", Key("inputs.edge_meaning", "edge_meaning", "Row a,b: 'follows' (a follows "
                       "b, so b's posts reach a) or 'influences' (a's posts reach b); default "
                       "follows for edge files, influences for GraphML and GML.",
                       choices=("follows", "influences"), expected="'follows' or 'influences'"),
    )  # fmt: skip
    source_col: str | None = setting(None, Key("inputs.source_col", _TEXT, "Source column."))
    target_col: str | None = setting(None, Key("inputs.target_col", _TEXT, "Target column."))
    header: bool | None = setting(  # None: detect (in the settings only when set)
        None, Key("inputs.header", _BOOL, "Whether the edge file's first row is a header "
                  "(default: detected)."),
        fingerprint=Fingerprint(when=lambda c: c.header is not None),
    )  # fmt: skip
    #: table (graph, profiles, brands, actions) -> canonical column name -> the file's column
    columns: dict[str, dict[str, str]] = setting(
        MISSING, Key("inputs.columns", "columns", "[inputs.columns.<table>]: canonical column "
                     "name = the file's column (pipeline.columns)."),
        factory=dict,
        fingerprint=Fingerprint(
            value=lambda c: {k: dict(sorted(v.items())) for k, v in c.columns.items() if v},
            when=lambda c: any(c.columns.values()),
        ),
    )  # fmt: skip
    duplicates: str = setting(
        "max", Key("inputs.duplicates", "choice", "Rows naming one edge: keep the max "
                   "probability, combine them (noisy-or) or count them.",
                   choices=("max", "noisy-or", "count")),
        fingerprint=Fingerprint(group="edges", when=_edges_set),
    )  # fmt: skip
    undirected: bool = setting(
        False, Key("inputs.undirected", _BOOL, "Read each edge row both ways."),
        fingerprint=Fingerprint(group="edges", when=_edges_set),
    )  # fmt: skip
    profiles: Path = setting(
        MISSING, Key("inputs.profiles", _FILE, "The accounts' profiles table.", required=True),
        unfingerprinted="hashed by content",
    )  # fmt: skip
    brands_file: Path = setting(
        MISSING, Key("inputs.brands", _FILE, "The brands table (topics, budgets).",
                     required=True),
        unfingerprinted="hashed by content",
    )  # fmt: skip
    actions: Path | None = setting(
        None, Key("inputs.actions", "actions", "The brands' action log (who engaged with which "
                  "brand item, when): where ambassadors are found (docs/ambassadors.md)."),
        unfingerprinted="hashed by content; with it, the ambassador settings enter the "
        "fingerprint",
    )  # fmt: skip
    # ---------------------------------------------------------------- [grid]
    brands: tuple[str, ...] | None = setting(
        None, Key("grid.brands", _NAMES, "The brands to plan for (default: every brand)."),
        unfingerprinted=_GRID + "brand",
    )  # fmt: skip
    #: the calibrated models' digests are settings; every model's label names its cells
    models: tuple[ModelSpec, ...] = setting(
        (ModelSpec("ic", 0.025, "medium"),),
        Key("grid.models", "models", "Diffusion models: presets, names, { name = \"ic\", "
            "p = 0.05 } or calibrated:FILE.", default=["medium"]),
        fingerprint=Fingerprint("calibrated_models", value=_calibrated_digests,
                                when=lambda c: bool(_calibrated_digests(c))),
    )  # fmt: skip
    plan_model: ModelSpec | None = setting(  # None: plan()'s default
        None, Key("grid.plan_model", "plan_model", "The model every strategy's plan is chosen "
                  "under (a label of grid.models; default: the first calibrated, else medium, "
                  "else the first)."),
        fingerprint=Fingerprint(value=lambda c: c.plan().label),
    )  # fmt: skip
    strategies: tuple[str, ...] = setting(
        ("random", "macro", "micro", "imm"),
        Key("grid.strategies", "strategies", "Seeding strategies to compare (name@0.5x: an "
            "ambassador strategy at a multiple of the ambassador cost)."),
        unfingerprinted=_GRID + "strategy",
    )  # fmt: skip
    budgets: tuple[float, ...] = setting(
        (), Key("grid.budgets", "budgets", "Budgets to plan at (currency units)."),
        unfingerprinted=_GRID + "budget",
    )  # fmt: skip
    budget_shares: tuple[float, ...] = setting(
        (), Key("grid.budget_shares", "budget_shares", "Budgets as fractions in (0, 1] of "
                "each brand's budget in the brands table."),
        unfingerprinted="the grid: resolved to budgets, which name the cells",
    )  # fmt: skip
    k: tuple[int, ...] = setting(
        (), Key("grid.k", "k", "Numbers of seeds to plan (instead of budgets)."),
        unfingerprinted=_GRID + "seed count",
    )  # fmt: skip
    # ---------------------------------------------------------------- [simulation]
    max_steps: int | None = setting(
        None, Key("simulation.max_steps", _INT, "Horizon in steps (default: until the cascade "
                  "stops).", 0),
    )  # fmt: skip
    brand_aware: bool = setting(
        True, Key("simulation.brand_aware", _BOOL, "Engagement and topic relevance scale each "
                  "sender's pull."),
    )  # fmt: skip
    # ---------------------------------------------------------------- [seeding]
    epsilon: float = setting(
        defaults.EPSILON, Key("seeding.epsilon", _NUM, "IMM / OPIM-C accuracy.", 0, 1, True)
    )
    celf_runs: int = setting(
        defaults.CELF_RUNS, Key("seeding.celf_runs", _INT, "Runs per CELF marginal gain.", 1)
    )
    estimate_rr_sets: int = setting(  # a campaign's own default, below the library's
        20_000, Key("seeding.estimate_rr_sets", _INT, "RR sets behind each seed's marginal-"
                    "reach estimate.", 1),
    )  # fmt: skip
    resamples: int = setting(
        defaults.RESAMPLES, Key("seeding.resamples", _INT, "Bootstrap re-runs of an RR plan's "
                                "selection (imm, opim).", 0),
    )  # fmt: skip
    min_relevance: float = setting(
        defaults.MIN_RELEVANCE, Key("seeding.min_relevance", _NUM, "Brand fit: every strategy "
                                    "picks among accounts at or above it.", 0, 1),
    )  # fmt: skip
    max_creators: int | None = setting(
        None, Key("seeding.max_creators", _INT, "Contracts a team can run per campaign.", 1)
    )
    tier_thresholds: tuple[int, int, int, int] | None = setting(
        None, Key("seeding.tier_thresholds", "tier_thresholds", "Lower follower bounds of the "
                  "micro, mid, macro and mega tiers."),
        fingerprint=Fingerprint(value=lambda c: list(c.tier_thresholds or TierThresholds().bounds)),
    )  # fmt: skip
    creators: Any = setting(  # a pipeline.profiles.CreatorFilter
        None,
        Key("seeding.platforms", _NAMES, "Only creators on these platforms."),
        Key("seeding.tiers", _NAMES, "Only creators of these tiers.", choices=TIER_NAMES),
        Key("seeding.min_followers", _NUM, "Only creators with this many followers or more.", 0),
        Key("seeding.max_followers", _NUM, "Only creators with at most this many followers.", 0),
        read="creators",
        fingerprint=Fingerprint(value=lambda c: c.creators.settings(),
                                when=lambda c: c.creators is not None and c.creators.active),
    )  # fmt: skip
    # ---------------------------------------------------------------- [costs]
    per_creator: float = setting(
        0.0, Key("costs.per_creator", _NUM, "Briefing, contract, product and shipping per "
                 "creator, on top of the fee.", 0, unit=_MONEY),
    )  # fmt: skip
    cost_fixed: float | None = setting(
        None, Key("costs.fixed", _NUM, "Fee model for profiles without a cost: fee = fixed + "
                  "per_follower x followers.", 0, unit=_MONEY),
    )  # fmt: skip
    cost_per_follower: float | None = setting(
        None, Key("costs.per_follower", _NUM, "The fee model's cost per follower.", 0,
                  unit=_MONEY),
    )  # fmt: skip
    ambassador_cost: float = setting(
        defaults.AMBASSADOR_COST, Key("costs.ambassador", _NUM, "What enlisting one ambassador "
                                      "costs (a gift and its shipping).", 0, unit=_MONEY),
        fingerprint=Fingerprint("cost", **_LOGGED),
    )  # fmt: skip
    # ---------------------------------------------------------------- [ambassadors]
    ambassador_horizon: float = setting(  # seconds
        365 * 86_400.0, Key("ambassadors.horizon", "duration", "How far back the action log "
                            "counts (365d, 12h, 3600s, 2w; a bare number is days).",
                            default="365d"),
        fingerprint=Fingerprint("horizon", **_LOGGED),
    )  # fmt: skip
    ambassador_min_actions: int = setting(
        1, Key("ambassadors.min_actions", _INT, "Actions within the horizon that make an "
               "account an ambassador.", 1),
        fingerprint=Fingerprint("min_actions", **_LOGGED),
    )  # fmt: skip
    ambassador_max_followers: int | None = setting(
        defaults.AMBASSADOR_MAX_FOLLOWERS,
        Key("ambassadors.max_followers", _INT, "Profiled accounts with this many followers or "
            "more are creators, not ambassadors.", 1),
        fingerprint=Fingerprint("max_followers", **_LOGGED),
    )  # fmt: skip
    ambassador_decay: bool = setting(
        False, Key("ambassadors.decay", _BOOL, "Weigh older actions less."),
        fingerprint=Fingerprint("decay", **_LOGGED),
    )  # fmt: skip
    cost_scenarios: tuple[float, ...] = setting(
        defaults.AMBASSADOR_COST_SCENARIOS,
        Key("ambassadors.cost_scenarios", "cost_scenarios", "Multiples of the ambassador cost "
            "also planned at (mixed@0.5x)."),
        unfingerprinted="the grid: each scenario is a strategy name (mixed@0.5x)",
    )  # fmt: skip
    # ---------------------------------------------------------------- [valuation]
    default_cpm: float | dict[str, float] | None = setting(
        None, Key("valuation.default_cpm", "default_cpm", "CPM (currency per 1,000 "
                  "impressions) where a profile has none: one number or one per platform."),
        fingerprint=Fingerprint(value="resolved_cpm"),
    )  # fmt: skip
    currency: str | None = setting(
        None, Key("valuation.currency", "currency", "Symbol shown before money ($, EUR)."),
        unfingerprinted="display: the symbol before money",
    )  # fmt: skip
    # ---------------------------------------------------------------- [projection]
    reach_rate: Any = setting(  # a pipeline.profiles.audience.ReachRates; None: the defaults
        None, Key("projection.reach_rate", "reach_rate", "Share of followers who see a post: "
                  "one rate, or tables by tier, platform, platform x tier."),
        fingerprint=Fingerprint(value="resolved_reach_rates"),
    )  # fmt: skip
    # ---------------------------------------------------------------- [competition]
    competition: tuple[str, ...] = setting(
        (), Key("competition.brands", "competition", "Brands that compete for the same "
                "audience (two or more of grid.brands)."),
        unfingerprinted="the grid: each contest is named by its brands",
    )  # fmt: skip

    def scenarios(self) -> list[str]:
        """The cost-scenario strategies (``mixed@0.5x``) the grid adds under the plan
        model, for the listed strategies that enlist ambassadors."""
        from pipeline.campaign.config_ambassadors import scenario_names

        return scenario_names(self.strategies, self.cost_scenarios)

    def plan(self) -> ModelSpec:
        """The model every strategy's one plan is chosen under (``[grid] plan_model``;
        default: the first calibrated model listed, else the ``medium`` preset if listed,
        else the first model). Each plan is then evaluated under every model; strategies
        whose plan depends on the model (imm, opim, celf) are also re-chosen under each
        other model, as the best achievable there (docs/verdicts.md)."""
        if self.plan_model is not None:
            return self.plan_model
        for m in self.models:
            if m.calibrated is not None:
                return m
        for m in self.models:
            if m.preset == "medium":
                return m
        return self.models[0]

    def reach_rates(self) -> Any:
        """The :class:`~pipeline.profiles.audience.ReachRates` of ``[projection]``."""
        from pipeline.profiles.audience import ReachRates

        return self.reach_rate if self.reach_rate is not None else ReachRates()

    def costs(self) -> Any:
        """The :class:`pipeline.valuation.costs.CostModel` of ``[costs]``."""
        from pipeline.valuation.costs import CostModel

        return CostModel(self.per_creator, self.cost_fixed, self.cost_per_follower)

    def columns_of(self, table: str) -> dict[str, str]:
        """The column mapping of ``table`` (graph, profiles, brands, actions); {} if none."""
        return dict(self.columns.get(table, {}))

    def resolved_reach_rates(self) -> dict[str, float]:
        """The reach-rate table the projection uses, defaults resolved (``tier.<t>`` for
        every tier, ``platform.<p>`` and ``<p>.<t>`` as set), so a change of the code's
        :data:`~pipeline.profiles.audience.DEFAULT_REACH_RATES` changes the settings."""
        from pipeline.campaign.config_values import resolved_reach_rates

        return resolved_reach_rates(self.reach_rates())

    def resolved_cpm(self) -> float | dict[str, float]:
        """The default CPM the cells' EMV uses where a profile has none: ``[valuation]
        default_cpm`` as given, else the code's :data:`~pipeline.valuation.DEFAULT_CPM`
        by platform (so a change of those defaults changes the fingerprint)."""
        from pipeline.campaign.config_values import resolved_cpm

        return resolved_cpm(self.default_cpm)

    def settings(self) -> dict[str, Any]:
        """What determines each cell's numbers besides the grid and the inputs' content:
        every field not declared unfingerprinted, as its :class:`Fingerprint` says. Some
        appear only when set (``header``, ``edges``, ...), so that results written before
        they existed keep their fingerprint; values the code defaults (``reach_rate``,
        ``default_cpm``, ``tier_thresholds``) are stored resolved, so that a results
        folder does not resume under changed defaults."""
        return settings_of(self)


#: The fields of :class:`CampaignConfig` that are not in :meth:`CampaignConfig.settings`
#: (the results fingerprint), and why; every other field is (a deny-list). A test changes
#: each other field and checks that the settings change.
UNFINGERPRINTED: dict[str, str] = unfingerprinted(CampaignConfig)
