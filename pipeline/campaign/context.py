"""What every cell of a campaign shares: the loaded graph, profiles, brands and models.

:func:`prepare` reads the inputs once (and hashes them for the manifest), so a
cell only selects seeds and simulates.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipeline.campaign.config import CampaignConfig, ModelSpec
from pipeline.campaign.config_file import or_list
from pipeline.diffusion.model_ref import Model, resolve
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph
from pipeline.interop import read_graph
from pipeline.memory import check_memory
from pipeline.profiles import (
    TIER_NAMES,
    Brands,
    BrandView,
    Profiles,
    TierThresholds,
    brand_view,
    load_brands,
    load_profiles,
)

__all__ = ["CampaignContext", "prepare"]


@dataclass(frozen=True, eq=False)
class CampaignContext:
    """Everything a cell needs, loaded once: graph, profiles, brands and the settings.

    Picklable; the Ray executor puts it in the object store once, and the
    graph's NumPy arrays are then shared zero-copy by the workers.
    """

    config: CampaignConfig
    graph: FollowerGraph
    profiles: Profiles
    brands: Brands
    fingerprint: str
    inputs: dict[str, str] = field(default_factory=dict)
    #: brand -> its :class:`~pipeline.seeding.ambassadors.AmbassadorPool` (``[inputs]
    #: actions``); empty without a log
    pools: dict[str, Any] = field(default_factory=dict)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    _lock: Any = field(default_factory=threading.RLock, repr=False)

    def view(self, brand: str) -> BrandView:
        """The :class:`~pipeline.profiles.BrandView` of ``brand`` with the campaign's
        ``brand_aware`` (its relevance, sender factor and audience quality are the arrays
        the cells' seeding uses): computed once and kept by the profiles (the one
        brand-array cache). The brand-fit pool is the seeding's (:func:`prepare` checks
        it for every brand)."""
        return brand_view(self.profiles, self.brands, brand, brand_aware=self.config.brand_aware)

    def brand_arrays(self, brand: str) -> tuple[Any, Any]:
        """(relevance, sender factor or None) of ``brand``, from :meth:`view`."""
        view = self.view(brand)
        return view.relevance, view.sender_factor

    def model(self, spec: ModelSpec) -> Model:
        """The grid model ``spec`` resolved on the graph (a calibrated model's edge
        probabilities placed once per process).

        ``tv``'s trivalency draw is placed too, from the model seed ``derive_seed(seed,
        "model", label)`` (:func:`pipeline.diffusion.models.tv_model`): every cell of the
        model selects, simulates and competes on that one draw (the same in every
        process), and another campaign seed draws another."""
        from pipeline.campaign.grid import derive_seed
        from pipeline.diffusion.models import tv_model

        with self._lock:
            key = ("model", spec)
            if key not in self._cache:
                try:
                    model = resolve(spec.ref, graph=self.graph)
                except InputError as exc:
                    raise InputError(f"{self.config.path}: grid.models: {exc}") from None
                if model.kind == "tv" and model.edge_p is None:
                    seed = derive_seed(self.config.seed, "model", spec.label)
                    model = tv_model(self.graph, seed, model.label or spec.label)
                self._cache[key] = model
            return self._cache[key]

    def tier_codes(self) -> Any:
        """Index in :data:`~pipeline.profiles.TIER_NAMES` of every node's tier (int64), once."""
        with self._lock:
            return self._tier_codes()

    def _tier_codes(self) -> Any:
        if "tiers" not in self._cache:
            tiers = self.profiles.table["tier"].cast(pl.String)
            codes = tiers.replace_strict(list(TIER_NAMES), list(range(len(TIER_NAMES))), default=0)
            self._cache["tiers"] = codes.cast(pl.Int64).to_numpy()
        return self._cache["tiers"]

    def rr_cache(self, threads: int = 1) -> Any:
        """The per-process cache of RR sets (reach estimates, IMM's pools and robust's
        per-model pools, shared by every strategy and level of a brand and model; see
        :meth:`pipeline.seeding.ReachEstimator.build`), with room for the contexts
        ``threads`` cell threads work on at once."""
        from pipeline.seeding.estimate import SharedCache

        with self._lock:
            cache = self._cache.setdefault("rr-sets", {})
            models = max(1, len(self.config.models))
            for name, room in (("estimates", 1), ("imm", 1), ("models", models)):
                entry = cache.setdefault(name, SharedCache((threads + 1) * room))
                entry.capacity = max(entry.capacity, (threads + 1) * room)
            return cache

    @property
    def objective(self) -> tuple[str, str | None]:
        """(what seeding maximises and verdicts compare, a note when the configured KPI
        fell back to an in-graph measure; :func:`pipeline.profiles.kpis.kpi_objective`)."""
        from pipeline.profiles.kpis import kpi_objective

        with self._lock:
            if "objective" not in self._cache:
                self._cache["objective"] = kpi_objective(self.profiles, self.config.objective)
            return self._cache["objective"]

    def projection(self) -> Any:
        """The 4 x n projection rows of every account (:meth:`Audience.kernel_rows`, the
        campaign's ``[projection] reach_rate``), built once per process. O(n)."""
        from pipeline.profiles.audience import audience

        with self._lock:
            if "projection" not in self._cache:
                aud = audience(self.profiles, self.config.reach_rates(), self.profiles.thresholds)
                rows = aud.kernel_rows()
                rows.setflags(write=False)
                self._cache["projection"] = rows
            return self._cache["projection"]

    def simulations(self) -> Any:
        """The per-process :class:`~pipeline.campaign.sim_memo.SimulationMemo`: a cell
        whose seeds, brand and model another cell already simulated takes that result."""
        from pipeline.campaign.sim_memo import SimulationMemo

        with self._lock:
            if "simulations" not in self._cache:
                self._cache["simulations"] = SimulationMemo()
            return self._cache["simulations"]

    def shared(self, name: str, make: Callable[[], Any]) -> Any:
        """A per-process object kept under ``name``, made once by ``make`` (not pickled:
        each Ray worker makes its own)."""
        with self._lock:
            if name not in self._cache:
                self._cache[name] = make()
            return self._cache[name]

    def put(self, name: str, value: Any) -> None:
        """Keep ``value`` under ``name`` for :meth:`shared` (replacing any)."""
        with self._lock:
            self._cache[name] = value

    def quality(self) -> Any:
        """Audience quality per node (profiles' ``real_audience``), None when all are 1
        (:attr:`BrandView.quality <pipeline.profiles.BrandView.quality>`)."""
        return brand_view(self.profiles).quality

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = {}
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _lock=threading.RLock())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextmanager
def _keys_named(table: str) -> Iterator[None]:
    """Loader errors naming the campaign file's keys where they name parameters
    (``«columns»`` -> ``inputs.columns.graph``), not the command-line flags."""
    keys = {"columns": f"inputs.columns.{table}", "source_col": "inputs.source_col",
            "target_col": "inputs.target_col", "header": "inputs.header",
            "duplicates": "inputs.duplicates", "undirected": "inputs.undirected"}  # fmt: skip
    try:
        yield
    except InputError as exc:
        text = re.sub(r"«(\w+)»", lambda m: keys.get(m.group(1), m.group(0)), exc.args[0])
        raise InputError(text) from None


def prepare(
    config: CampaignConfig, progress: Callable[[str], None] | None = None
) -> CampaignContext:
    """Load the inputs of ``config`` and check the grid against them.

    Raises InputError for an unknown brand or a budget that buys no
    influencer (below the cheapest candidate's cost). O(input size).
    """
    say = progress or (lambda _msg: None)
    from pipeline.diffusion.simulate import simulation_bytes

    check_memory(  # each cell's simulation; checked before anything loads
        simulation_bytes(config.runs, projection=True),
        f"{config.path}: runs = {config.runs:,}: each cell's simulation",
        hint="use fewer runs",
    )
    say(f"loading {config.graph.name}")
    with _keys_named("graph"):
        graph = read_graph(  # the library's one reader (GraphML and GML included)
            config.graph,
            format=config.graph_format,
            edge_meaning=config.edge_meaning,  # type: ignore[arg-type]
            source_col=config.source_col,
            target_col=config.target_col,
            header=config.header,
            duplicates=config.duplicates,
            undirected=config.undirected,
            columns=config.columns_of("graph"),
        )
    say(f"loading {config.profiles.name}")
    with _keys_named("profiles"):
        thresholds = TierThresholds(*config.tier_thresholds) if config.tier_thresholds else None
        profiles = load_profiles(
            config.profiles, graph, thresholds=thresholds, columns=config.columns_of("profiles")
        )
    from pipeline.profiles.kpis import kpi_objective

    _, objective_note = kpi_objective(profiles, config.objective)
    for note in (*profiles.notes, *([objective_note] if objective_note else [])):
        say(f"note: {note}")  # (absent and unused columns, rows not in the graph, ...)
    with _keys_named("brands"):
        brands = load_brands(config.brands_file, columns=config.columns_of("brands"))
    for note in brands.notes:
        say(f"note: {note}")
    for b in config.brands or ():
        if b not in brands.names:
            raise InputError(
                f"{config.path}: grid.brands: unknown brand {b!r}; {config.brands_file.name} "
                f"has {or_list(brands.names)}"
            )
    for spec in config.models:  # a calibrated model of another graph fails here, not mid-run
        if spec.calibrated is not None:
            try:
                model = resolve(spec.ref, graph=graph)
            except InputError as exc:
                raise InputError(f"{config.path}: grid.models: {exc}") from None
            if model.note:
                say(f"note: {model.note}")
    for b in config.competition:
        if b not in brands.names:
            raise InputError(
                f"{config.path}: competition.brands: unknown brand {b!r}; "
                f"{config.brands_file.name} has {or_list(brands.names)}"
            )
    try:
        cost = config.costs().of_profiles(profiles)
    except InputError as exc:
        raise InputError(f"{config.path}: costs: {exc}") from None
    known = profiles.has_profile & np.isfinite(cost)
    if (config.budgets or config.budget_shares) and not known.any():
        raise InputError(
            f"{config.profiles}: no influencer has a cost; budgets in {config.path} need a "
            f"'cost' column or a cost model ([costs] fixed and per_follower)"
        )
    for brand in config.brands or brands.names:
        try:  # the cells' own view (kept by the profiles), so its pool is checked here
            pool = brand_view(profiles, brands, brand, brand_aware=config.brand_aware,
                              min_relevance=config.min_relevance).pool  # fmt: skip
        except InputError as exc:
            raise InputError(f"{config.path}: seeding.min_relevance: {exc}") from None
        assert pool is not None
        ok = pool & np.isfinite(cost)
        if not ok.any() or not (config.budgets or config.budget_shares):
            continue
        cheapest = int(np.flatnonzero(ok)[np.argmin(cost[ok])])
        floor = float(cost[cheapest])
        who = profiles.table["handle"][cheapest] or str(graph.ids[cheapest])
        for amount in config.budgets:
            if amount < floor:
                raise InputError(
                    f"{config.path}: grid.budgets: {amount:,.2f} is below the cheapest "
                    f"{brand} candidate's cost ({who} costs {floor:,.2f} with overhead); "
                    "no seed could be bought"
                )
        for sh in config.budget_shares:
            if sh * brands.budget(brand) < floor:
                raise InputError(
                    f"{config.path}: grid.budget_shares: {sh:g} of {brand}'s budget "
                    f"({brands.budget(brand):,.2f}) is {sh * brands.budget(brand):,.2f}, below "
                    f"the cheapest candidate's cost ({who} costs {floor:,.2f} with overhead)"
                )
    pools = _pools(config, graph, profiles, brands, say) if config.actions is not None else {}
    say("hashing inputs")
    inputs = {
        "graph": _sha256(config.graph),
        "profiles": _sha256(config.profiles),
        "brands": _sha256(config.brands_file),
    }
    if config.actions is not None:
        inputs["actions"] = _sha256(config.actions)
    blob = json.dumps({"settings": config.settings(), "inputs": inputs}, sort_keys=True)
    fingerprint = hashlib.sha256(blob.encode()).hexdigest()[:16]
    return CampaignContext(config, graph, profiles, brands, fingerprint, inputs, pools)


def _pools(
    config: CampaignConfig,
    graph: FollowerGraph,
    profiles: Profiles,
    brands: Brands,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Each grid brand's ambassadors from ``[inputs] actions``: its rows of the log's
    ``brand`` column (every row when the log has none), credited within the horizon,
    without the profiled accounts of ``max_followers`` or more (creators).
    A brand without rows gets no candidate (a note); no grid brand with rows is an
    error naming the log's brands. O(log + brands x n)."""
    from pipeline.calibration.actions import load_actions, place_on
    from pipeline.seeding.ambassadors import AmbassadorPool

    assert config.actions is not None
    say(f"loading {config.actions.name}")
    with _keys_named("actions"):
        log = load_actions(config.actions, columns=config.columns_of("actions"))
    names = list(config.brands) if config.brands is not None else brands.names
    by_brand = "brand" in log.table.columns
    if not by_brand:
        say(f"note: {config.actions.name} has no 'brand' column: every brand's ambassadors "
            "come from all its items")  # fmt: skip
    logged = set(log.table["brand"].drop_nulls().to_list()) if by_brand else set(names)
    if not logged & set(names):
        raise InputError(
            f"{config.actions}: no row names a brand of the campaign ({or_list(names)}); "
            f"the log's brands are {or_list(sorted(logged)[:10])}"
        )
    pools: dict[str, Any] = {}
    for brand in names:
        if brand not in logged:
            say(f"note: {config.actions.name} has no row for {brand}: it has no ambassadors")
            pools[brand] = AmbassadorPool(
                np.zeros(graph.n), np.zeros(graph.n, dtype=np.bool_), config.ambassador_cost
            )
            continue
        cascades = place_on(log, graph, brand=brand if by_brand else None)
        pool = AmbassadorPool.from_log(
            graph, cascades, horizon=config.ambassador_horizon, decay=config.ambassador_decay,
            min_actions=config.ambassador_min_actions, cost=config.ambassador_cost,
        )  # fmt: skip
        cap = config.ambassador_max_followers
        pools[brand] = pool if cap is None else pool.creators_out(profiles, cap)
        if not by_brand:  # one log for all: credit once
            pools = dict.fromkeys(names, pools[brand])
            break
    return pools
