"""A campaign's settings as typed, frozen dataclasses (:class:`CampaignConfig`, :class:`ModelSpec`).

The TOML file that fills them is read by :mod:`pipeline.campaign.config_file`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import defaults
from pipeline.profiles import DEFAULT_MIN_RELEVANCE
from pipeline.profiles.tiers import TierThresholds

__all__ = [
    "EXECUTORS",
    "FAULT_ENV",
    "MODELS",
    "OVERLAP_SEEDS",
    "TABLES",
    "UNFINGERPRINTED",
    "CampaignConfig",
    "ModelSpec",
]

EXECUTORS = ("local", "ray")
MODELS = ("ic", "wc", "tv", "lt")
TABLES = ("seeds", "audience", "curves", "overlap", "runs")  # "runs" last: marks a cell done
#: Pairwise follower overlap is kept for a plan's first creators only (k x k pairs).
OVERLAP_SEEDS = 40
#: Test hook: ``kill-driver-after:N`` ends the process after N cells are written;
#: ``kill-worker-once:PATH`` makes the first Ray task to find no PATH create it and die.
FAULT_ENV = "INFLUENCE_FAULT"


@dataclass(frozen=True)
class ModelSpec:
    """A diffusion model of the grid: ``name`` (ic, wc, tv, lt), IC's uniform ``p``, and
    the virality preset it came from (:mod:`pipeline.diffusion.presets`), if any; or a
    calibrated model file (``calibrated``: its absolute path, ``digest``: SHA-256 of the
    file and its edge file, so a resumed campaign notices a refit)."""

    name: str
    p: float | None = None
    preset: str | None = None
    calibrated: str | None = None
    digest: str | None = None

    @property
    def label(self) -> str:
        """How results name the model (part of cell keys): exact ``p``, and
        ``calibrated:<stem>@<hash8>`` (:mod:`pipeline.diffusion.model_ref`)."""
        from pipeline.diffusion.model_ref import calibrated_label, p_text

        if self.calibrated is not None:
            return calibrated_label(self.calibrated, self.digest)
        if self.preset is not None:
            return self.preset
        return self.name if self.p is None else f"{self.name} p={p_text(self.p)}"

    @property
    def ref(self) -> str:
        """The spelling :func:`pipeline.diffusion.model_ref.resolve` reads."""
        if self.calibrated is not None:
            return f"calibrated:{self.calibrated}"
        if self.preset is not None:
            return self.preset
        return self.name if self.p is None else f"ic:{self.p!r}"

    @classmethod
    def of_preset(cls, name: str) -> ModelSpec:
        from pipeline.diffusion.presets import preset

        ps = preset(name)
        return cls(ps.model, ps.p, ps.name)


#: The fields of :class:`CampaignConfig` that are not in :meth:`CampaignConfig.settings`
#: (the results fingerprint), and why; every other field is. A test changes each other
#: field and checks that the settings change, so a new setting cannot be left out.
UNFINGERPRINTED: dict[str, str] = {
    "path": "where the file is",
    "name": "what the campaign is called",
    "output": "where the results go",
    "graph": "hashed by content (the manifest's inputs)",
    "profiles": "hashed by content",
    "brands_file": "hashed by content",
    "actions": "hashed by content; with it, the ambassador settings enter the fingerprint",
    "brands": "the grid: each cell is named by its brand",
    "models": "the grid: each cell is named by its model label (calibrated digests: settings)",
    "strategies": "the grid: each cell is named by its strategy",
    "budgets": "the grid: each cell is named by its budget",
    "budget_shares": "the grid: resolved to budgets, which name the cells",
    "k": "the grid: each cell is named by its seed count",
    "competition": "the grid: each contest is named by its brands",
    "cost_scenarios": "the grid: each scenario is a strategy name (mixed@0.5x)",
    "baseline": "display: what compare measures against",
    "currency": "display: the symbol before money",
    "tie_margin": "display: how verdicts call ties",
}


@dataclass(frozen=True)
class CampaignConfig:
    """A validated campaign scenario; see ``configs/demo.toml`` for the file format.

    Paths are absolute (the file's relative paths are resolved against its
    folder). ``budgets`` are currency units; ``budget_shares`` are fractions
    of each brand's budget in the brands table. ``brands`` None = all brands.
    """

    path: Path
    name: str
    output: Path
    graph: Path
    profiles: Path
    brands_file: Path
    graph_format: str | None = None
    edge_meaning: str = "follows"
    source_col: str | None = None
    target_col: str | None = None
    header: bool | None = None  # the edge file's first row is a header; None: detect
    duplicates: str = "max"  # rows naming one edge: max, noisy-or or count
    undirected: bool = False  # each edge row read both ways
    #: ``[inputs.columns.<table>]``: table (graph, profiles, brands, actions) ->
    #: canonical column name -> the file's column (see :mod:`pipeline.columns`)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    brands: tuple[str, ...] | None = None
    models: tuple[ModelSpec, ...] = (ModelSpec("ic", 0.025, "medium"),)
    strategies: tuple[str, ...] = ("random", "macro", "micro", "imm")
    budgets: tuple[float, ...] = ()
    budget_shares: tuple[float, ...] = ()
    k: tuple[int, ...] = ()
    runs: int = defaults.RUNS
    seed: int = 0
    max_steps: int | None = None
    brand_aware: bool = True
    epsilon: float = defaults.EPSILON
    celf_runs: int = defaults.CELF_RUNS
    estimate_rr_sets: int = 20_000
    resamples: int = defaults.RESAMPLES  # bootstrap re-runs of an RR plan's selection
    baseline: str = "macro"
    default_cpm: float | dict[str, float] | None = None
    competition: tuple[str, ...] = ()
    objective: str = defaults.OBJECTIVE
    #: ``[projection] reach_rate``: the share of followers who see a post
    #: (a :class:`pipeline.profiles.audience.ReachRates`; None = the defaults)
    reach_rate: Any = None
    min_relevance: float = DEFAULT_MIN_RELEVANCE
    max_creators: int | None = None
    creators: Any = None  # a pipeline.profiles.CreatorFilter ([seeding] platforms, tiers, ...)
    tier_thresholds: tuple[int, int, int, int] | None = None
    per_creator: float = 0.0
    cost_fixed: float | None = None
    cost_per_follower: float | None = None
    currency: str | None = None  # shown before money in reports and tables; not a setting
    #: share of the larger mean within which two strategies tie (verdicts; not a setting)
    tie_margin: float | None = None
    #: ``[grid] plan_model``: the model plans are chosen under; None = :meth:`plan`'s default
    plan_model: ModelSpec | None = None
    #: ``[inputs] actions``: the brands' action log (ambassadors; docs/ambassadors.md)
    actions: Path | None = None
    ambassador_cost: float = defaults.AMBASSADOR_COST  # ``[costs] ambassador``
    ambassador_horizon: float = 365 * 86_400.0  # ``[ambassadors] horizon``, seconds
    ambassador_min_actions: int = 1  # ``[ambassadors] min_actions``
    ambassador_decay: bool = False  # ``[ambassadors] decay``
    #: ``[ambassadors] max_followers``: profiled accounts with more are creators, not ambassadors
    ambassador_max_followers: int | None = defaults.AMBASSADOR_MAX_FOLLOWERS
    #: ``[ambassadors] cost_scenarios``: multiples of the ambassador cost also planned at
    cost_scenarios: tuple[float, ...] = defaults.AMBASSADOR_COST_SCENARIOS

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
        """The reach-rate table the projection uses, defaults resolved: ``tier.<t>`` for
        every tier (an account on a platform without its own rate), ``platform.<p>`` and
        ``<p>.<t>`` as set. It fixes every account's rate (:meth:`ReachRates.rate`), so
        a change of the code's :data:`~pipeline.profiles.audience.DEFAULT_REACH_RATES`
        changes the settings (and the results fingerprint)."""
        from pipeline.profiles import TIER_NAMES

        rates = self.reach_rates()
        given = rates.settings()
        # a platform no table names (accounts without one included) falls to its tier
        unnamed = "\0" + "".join(sorted({p for p, _ in rates.by_platform_tier}
                                         | set(rates.by_platform)))  # fmt: skip
        out = {f"tier.{t}": float(rates.rate(unnamed, t)) for t in TIER_NAMES}
        return out | {k: v for k, v in given.items() if k != "default" and k not in out}

    def resolved_cpm(self) -> float | dict[str, float]:
        """The default CPM the cells' EMV uses where a profile has none: ``[valuation]
        default_cpm`` as given, else the code's :data:`~pipeline.valuation.DEFAULT_CPM`
        by platform (so a change of those defaults changes the fingerprint)."""
        from pipeline.valuation import DEFAULT_CPM

        if self.default_cpm is None:
            return dict(sorted(DEFAULT_CPM.items()))
        if isinstance(self.default_cpm, dict):
            return dict(sorted(self.default_cpm.items()))
        return self.default_cpm

    def settings(self) -> dict[str, Any]:
        """What determines each cell's numbers besides the grid and the inputs' content.

        ``header``, ``columns`` and ``edges`` appear only when set, so that results written
        before they existed keep their fingerprint. Values the code defaults
        (``reach_rate``, ``default_cpm``, ``tier_thresholds``) are stored resolved, so
        that a results folder does not resume under changed defaults."""
        extra: dict[str, Any] = {}
        if self.header is not None:
            extra["header"] = self.header
        if self.duplicates != "max" or self.undirected:
            extra["edges"] = {"duplicates": self.duplicates, "undirected": self.undirected}
        if any(self.columns.values()):
            extra["columns"] = {k: dict(sorted(v.items())) for k, v in self.columns.items() if v}
        if self.creators is not None and self.creators.active:
            extra["creators"] = self.creators.settings()
        extra["tier_thresholds"] = list(self.tier_thresholds or TierThresholds().bounds)
        if self.actions is not None:  # only then: older folders keep their fingerprint
            extra["ambassadors"] = {
                "cost": self.ambassador_cost, "horizon": self.ambassador_horizon,
                "min_actions": self.ambassador_min_actions, "decay": self.ambassador_decay,
                "max_followers": self.ambassador_max_followers,
            }  # fmt: skip
        calibrated = {m.label: m.digest for m in self.models if m.calibrated is not None}
        if calibrated:
            extra["calibrated_models"] = calibrated
        return extra | {
            "runs": self.runs,
            "seed": self.seed,
            "max_steps": self.max_steps,
            "brand_aware": self.brand_aware,
            "epsilon": self.epsilon,
            "celf_runs": self.celf_runs,
            "estimate_rr_sets": self.estimate_rr_sets,
            "resamples": self.resamples,
            "edge_meaning": self.edge_meaning,
            "graph_format": self.graph_format,
            "source_col": self.source_col,
            "target_col": self.target_col,
            "default_cpm": self.resolved_cpm(),
            "objective": self.objective,
            "plan_model": self.plan().label,
            "reach_rate": self.resolved_reach_rates(),
            "min_relevance": self.min_relevance,
            "max_creators": self.max_creators,
            "per_creator": self.per_creator,
            "cost_fixed": self.cost_fixed,
            "cost_per_follower": self.cost_per_follower,
        }
