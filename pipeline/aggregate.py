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
- :func:`verdicts`: per brand and model, the strategy that wins the most
  levels, with a one-sentence verdict. It is separate from :func:`compare`
  because it needs only the summary.
- :func:`candidates`: the ranked seed list behind the best strategy for a brand.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.errors import InputError
from pipeline.intervals import half_width_expr
from pipeline.profiles import TIER_NAMES
from pipeline.registry import FAMILIES, family_of
from pipeline.schema import (
    AUDIENCE_SCHEMA,
    COMPETITION_SCHEMA,
    CURVES_SCHEMA,
    KEY,
    OVERLAP_SCHEMA,
    READABLE_FORMATS,
    RESULTS_FORMAT,
    RUNS_SCHEMA,
    SEEDS_SCHEMA,
)

__all__ = [
    "AUDIENCE_SCHEMA",
    "COMPETITION_SCHEMA",
    "CURVES_SCHEMA",
    "FAMILIES",
    "KEY",
    "METRICS",
    "METRIC_WORDS",
    "OBJECTIVES",
    "OVERLAP_SCHEMA",
    "PROJECTED",
    "RESULTS_FORMAT",
    "RUNS_SCHEMA",
    "SEEDS_SCHEMA",
    "Results",
    "candidates",
    "compare",
    "compare_runs",
    "competition_summary",
    "level_winners",
    "load_results",
    "robustness",
    "summarize",
    "summarize_runs",
    "verdicts",
]

DEFAULT_BASELINE = "macro"

# One summary row per group; the cell id is unique per group in a sane campaign.
_GROUP = ["brand", "model", "strategy", "budget", "k"]
# A level of comparison: strategies compete within it.
_LEVEL = ["brand", "model", "budget", "k"]

#: What a run can be judged by: counts per run, the earned ones without the paid seeds.
METRICS: tuple[str, ...] = ("activated", "exposed", "earned_activated", "earned_exposed")
#: Plain words for each metric, as verdicts name them.
METRIC_WORDS: dict[str, str] = {
    "activated": "activated accounts",
    "exposed": "exposure",
    "earned_activated": "earned activations",
    "earned_exposed": "earned exposure",
    "projected_impressions": "projected impressions",
    "projected_engagements": "projected engagements",
}
DEFAULT_OBJECTIVE = "earned_exposed"
#: Platform units (pipeline.projection), summarised and compared like the counts.
PROJECTED: tuple[str, ...] = ("projected_impressions", "projected_engagements")
_MEASURES = METRICS + PROJECTED
#: What a verdict can judge by: the simulated counts and the platform units.
OBJECTIVES: tuple[str, ...] = _MEASURES


# Files are scanned with the widest integer type so that a writer using Int32
# where Int64 is documented (or the reverse) still reads; documented types are
# restored after the scan.
_CAST = pl.ScanCastOptions(integer_cast="upcast", float_cast="upcast")


@dataclass(frozen=True, eq=False)
class Results:
    """A campaign results folder, restricted to its finished cells.

    ``runs`` is lazy (it can hold millions of rows); the companion tables are
    small and eager. All four start with the :data:`KEY` columns.
    """

    path: Path
    manifest: dict[str, Any]
    runs: pl.LazyFrame
    seeds: pl.DataFrame
    audience: pl.DataFrame
    curves: pl.DataFrame
    overlap: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=OVERLAP_SCHEMA))
    competition: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=COMPETITION_SCHEMA)
    )

    @property
    def baseline(self) -> str:
        """The manifest's default baseline strategy, ``"macro"`` when absent."""
        value = self.manifest.get("baseline")
        return value if isinstance(value, str) and value else DEFAULT_BASELINE

    @property
    def currency(self) -> str:
        """The campaign's currency symbol (``[valuation] currency``), "" when none."""
        value = self.manifest.get("currency")
        return value if isinstance(value, str) else ""

    @property
    def objective(self) -> str:
        """What the campaign judges strategies by (:data:`METRICS`); ``activated`` for
        folders written before objectives existed."""
        value = self.manifest.get("settings", {}).get("objective")
        return value if value in OBJECTIVES else "activated"


# --------------------------------------------------------------------------- loading


def _parquet_files(folder: Path) -> dict[Path, Path]:
    """``relative path -> path`` of the finished ``*.parquet`` files under ``folder``.

    Hidden files (temporary writes) are skipped. O(files).
    """
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder): p
        for p in sorted(folder.rglob("*.parquet"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def _scan(files: Sequence[Path], schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """Lazy scan of ``files`` as ``schema`` (extra columns dropped; no hive partitioning)."""
    if not files:
        return pl.LazyFrame(schema=schema)
    wide = {c: (pl.Int64() if t.is_integer() else t) for c, t in schema.items()}
    lf = pl.scan_parquet(
        list(files),
        schema=wide,
        hive_partitioning=False,
        extra_columns="ignore",
        missing_columns="insert",  # e.g. ``cpm``, absent from folders of older versions
        cast_options=_CAST,
    )
    narrow = [pl.col(c).cast(t) for c, t in schema.items() if wide[c] != t]
    return lf.with_columns(narrow) if narrow else lf


def _read_manifest(path: Path) -> dict[str, Any]:
    not_results = (
        f"{path} is not a campaign results folder (no campaign.json); "
        "run `influence campaign CONFIG` first"
    )
    manifest_path = path / "campaign.json"
    if not manifest_path.is_file():
        raise InputError(not_results)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(not_results) from None
    if not isinstance(manifest, dict) or manifest.get("format") not in READABLE_FORMATS:
        raise InputError(not_results)
    return manifest


#: Columns a runs file must hold (``cpm`` and the earned counts came later and may be
#: missing; the earned counts are then derived as count minus ``seeds_used``).
_RUNS_REQUIRED = tuple(
    c
    for c in RUNS_SCHEMA
    if c not in ("cpm", "earned_activated", "earned_exposed", "certified_ratio", *PROJECTED)
)


def _check_runs_file(path: Path) -> None:
    """Refuse a runs file that is not Parquet or lacks a column, naming it (footer only)."""
    try:
        columns = pl.read_parquet_schema(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable Parquet runs table ({first})") from None
    missing = [c for c in _RUNS_REQUIRED if c not in columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; a runs table has "
            f"{', '.join(_RUNS_REQUIRED)}"
        )


def load_results(path: str | Path) -> Results:
    """Read the results folder written by ``influence campaign``.

    Only finished cells count: a cell is finished iff ``runs/.../<cell>.parquet``
    exists, and its seeds, audience and curves files are those at the same
    relative path. O(files) to list; the runs are scanned lazily, the companion
    tables read at once.

    Raises
    ------
    InputError
        If ``path`` is not a folder, has no ``campaign.json`` of format
        one of :data:`~pipeline.schema.READABLE_FORMATS`, or holds no finished cell.
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError(f"{root}: no such results folder")
    manifest = _read_manifest(root)
    runs_files = _parquet_files(root / "runs")
    if not runs_files:
        raise InputError(f"{root}: no finished cells yet; run `influence campaign CONFIG`")
    for path in runs_files.values():
        _check_runs_file(path)

    def companion(name: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        files = [p for rel, p in _parquet_files(root / name).items() if rel in runs_files]
        try:
            return _scan(files, schema).collect()
        except (pl.exceptions.PolarsError, OSError) as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{root / name}: cannot read the {name} tables: {msg}") from None

    contest_files = list(_parquet_files(root / "competition").values())
    try:
        competition = _scan(contest_files, COMPETITION_SCHEMA).collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{root / 'competition'}: cannot read the tables: {exc}") from None
    return Results(
        competition=competition,
        path=root,
        manifest=manifest,
        runs=_scan(list(runs_files.values()), RUNS_SCHEMA).with_columns(
            pl.coalesce("earned_activated", pl.col("activated") - pl.col("seeds_used")),
            pl.coalesce("earned_exposed", pl.col("exposed") - pl.col("seeds_used")),
        ),
        seeds=companion("seeds", SEEDS_SCHEMA),
        audience=companion("audience", AUDIENCE_SCHEMA),
        curves=companion("curves", CURVES_SCHEMA),
        overlap=companion("overlap", OVERLAP_SCHEMA),
    )


# --------------------------------------------------------------------------- summaries


def _mean_ci(col: str, name: str) -> list[pl.Expr]:
    """``mean_<name>``, ``<name>_ci_low``, ``<name>_ci_high``: mean ± t(0.975, n-1) sd/√n
    (ddof=1; :mod:`pipeline.intervals`).

    The interval is null for a single run (no spread to estimate).
    """
    x = pl.col(col).cast(pl.Float64)
    half = half_width_expr(x)
    return [
        x.mean().alias(f"mean_{name}"),
        (x.mean() - half).alias(f"{name}_ci_low"),
        (x.mean() + half).alias(f"{name}_ci_high"),
    ]


def _per_cost(mean: str) -> pl.Expr:
    """``mean / cost_spent``, null when the cost is 0, null or NaN."""
    cost = pl.col("cost_spent")
    ok = cost.is_not_null() & cost.is_not_nan() & (cost != 0)
    return pl.when(ok).then(pl.col(mean) / cost).otherwise(None)


def _cost_per(mean: str) -> pl.Expr:
    """``cost_spent / mean`` (currency units per account), null when the mean is 0."""
    m = pl.col(mean)
    return pl.when(m > 0).then(pl.col("cost_spent") / m).otherwise(None)


def _sort_levels(df: pl.DataFrame, last: str = "strategy") -> pl.DataFrame:
    return df.sort(["brand", "model", "budget", "k", last], nulls_last=True)


def summarize_runs(runs: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """One row per brand x model x strategy x budget x k from the per-run table.

    Columns: the group key, ``runs``; for each metric M of :data:`METRICS`
    (``activated``, ``exposed``, and the *earned* ``earned_activated`` and
    ``earned_exposed``, which leave out the contracted seeds themselves):
    ``mean_M``, ``M_ci_low``, ``M_ci_high`` (accounts, 95% Student-t interval
    mean ± t(0.975, n-1)·sd/√n with sd of ddof 1, null for one run), ``M_per_cost``
    (accounts per currency unit, null when nothing was spent) and ``cost_per_M``
    (currency units per account, null when the mean is 0). Also ``cost_spent``
    (currency units, fees plus per-creator overhead, mean over runs); ``seeds_used``
    (mean over runs); ``cpm`` (currency units per 1,000 impressions valuing the
    cell's exposures, null if unknown); ``emv`` (earned media value, ``mean_exposed
    x cpm / 1000``, currency units, in-graph); ``emv_per_cost``. Platform units
    (:mod:`pipeline.projection`, "projected"): ``mean_projected_impressions`` and
    ``mean_projected_engagements`` with their intervals, ``cost_per_engagement``,
    ``cost_per_mille`` (cost per 1,000 projected impressions) and
    ``projected_emv`` (projected impressions x cpm / 1000); ``certified_ratio`` (the
    optimizers' certified approximation ratio of the seeds, a lower bound with
    probability 1 - 1/n; null for the other strategies). Sorted by brand, model,
    budget, k, strategy (nulls last). One hash group-by, O(rows).
    """
    lf = runs.lazy()
    names = lf.collect_schema().names()
    if "earned_activated" not in names:
        lf = lf.with_columns((pl.col("activated") - pl.col("seeds_used")).alias("earned_activated"))
    if "earned_exposed" not in names:
        lf = lf.with_columns((pl.col("exposed") - pl.col("seeds_used")).alias("earned_exposed"))
    lf = lf.with_columns(
        pl.lit(None, pl.Float64).alias(c) for c in (*PROJECTED, "certified_ratio") if c not in names
    )
    out = (
        lf.group_by(_GROUP)
        .agg(
            pl.len().cast(pl.Int64).alias("runs"),
            *(e for m in _MEASURES for e in _mean_ci(m, m)),
            pl.col("cost_spent").mean(),
            pl.col("seeds_used").cast(pl.Float64).mean(),
            pl.col("cpm").mean(),
            pl.col("certified_ratio").mean(),
        )
        .with_columns(
            *(_per_cost(f"mean_{m}").alias(f"{m}_per_cost") for m in _MEASURES),
            *(_cost_per(f"mean_{m}").alias(f"cost_per_{m}") for m in METRICS),
            (pl.col("mean_exposed") * pl.col("cpm") / 1000.0).alias("emv"),
            _cost_per("mean_projected_engagements").alias("cost_per_engagement"),
            (_cost_per("mean_projected_impressions") * 1000.0).alias("cost_per_mille"),
            (pl.col("mean_projected_impressions") * pl.col("cpm") / 1000.0).alias("projected_emv"),
        )
        .with_columns(_per_cost("emv").alias("emv_per_cost"))
        .rename(
            {"cost_per_activated": "cost_per_activation", "cost_per_exposed": "cost_per_exposure"}
        )
        .collect()
    )
    return _sort_levels(out)


def summarize(results: Results) -> pl.DataFrame:
    """:func:`summarize_runs` plus seeds and reached accounts by tier.

    Extra columns: ``seeds_<tier>`` (Int64, number of seeds of that tier, 0
    when none) and ``reached_<tier>`` (Float64, mean accounts of that tier
    activated per run, 0.0 when absent) for each tier of
    :data:`~pipeline.profiles.TIER_NAMES`. O(rows of runs + seeds + audience).
    """
    summary = summarize_runs(results.runs)
    seeds = results.seeds.group_by(_GROUP).agg(
        (pl.col("tier") == t).sum().cast(pl.Int64).alias(f"seeds_{t}") for t in TIER_NAMES
    )
    reached = results.audience.group_by(_GROUP).agg(
        pl.col("expected_activated").filter(pl.col("tier") == t).sum().alias(f"reached_{t}")
        for t in TIER_NAMES
    )
    out = summary.join(seeds, on=_GROUP, how="left", nulls_equal=True).join(
        reached, on=_GROUP, how="left", nulls_equal=True
    )
    return out.with_columns(
        *(pl.col(f"seeds_{t}").fill_null(0) for t in TIER_NAMES),
        *(pl.col(f"reached_{t}").fill_null(0.0) for t in TIER_NAMES),
    )


# --------------------------------------------------------------------------- comparisons


def _strategies(runs: pl.LazyFrame) -> list[str]:
    return sorted(
        s for s in runs.select(pl.col("strategy").unique()).collect().to_series() if s is not None
    )


def compare_runs(runs: pl.LazyFrame | pl.DataFrame, baseline: str) -> pl.DataFrame:
    """Paired differences of every other strategy against ``baseline``.

    Run ``r`` of a strategy is paired with run ``r`` of the baseline at the
    same brand, model, budget and k; only runs present in both count. Columns:
    brand, model, budget, k, strategy, baseline, ``runs`` (pairs);
    ``mean_diff_activated``, ``diff_activated_ci_low``/``_high`` (accounts,
    mean ± t(0.975, n-1)·sd/√n of the per-run differences) and ``win_share_activated``
    (share of runs where the strategy activated more than the baseline, ties
    count half), the same four for ``exposed``, ``earned_activated`` and
    ``earned_exposed``; ``mean_M`` and ``baseline_mean_M`` for every metric; ``mean_activated`` and
    ``baseline_mean_activated`` (over the paired runs) and ``ratio`` of the two
    (null when the baseline's mean is 0); ``emv`` and ``baseline_emv`` (earned
    media value, currency units, null without a CPM) and ``cost_per_activation``
    and ``baseline_cost_per_activation`` (currency units per account; inf when
    nothing is activated). Groups without the baseline are
    skipped. Sorted like :func:`summarize_runs`. O(rows).

    Raises
    ------
    InputError
        If ``baseline`` is not among the strategies, or no group has both the
        baseline and another strategy.
    """
    lf = runs.lazy()
    present = _strategies(lf)
    if baseline not in present:
        raise InputError(
            f"unknown baseline strategy {baseline!r}; the results hold {', '.join(present)}"
        )
    if present == [baseline]:
        raise InputError(f"only the baseline strategy {baseline!r} was run; nothing to compare")
    pair = [*_LEVEL, "run"]
    names = lf.collect_schema().names()
    for m, raw in (("earned_activated", "activated"), ("earned_exposed", "exposed")):
        if m not in names:
            lf = lf.with_columns((pl.col(raw) - pl.col("seeds_used")).alias(m))
    lf = lf.with_columns(pl.lit(None, pl.Float64).alias(c) for c in PROJECTED if c not in names)
    base = lf.filter(pl.col("strategy") == baseline).select(
        *pair,
        *(pl.col(m).alias(f"_base_{m}") for m in _MEASURES),
        pl.col("cpm").alias("_base_cpm"),
        pl.col("cost_spent").alias("_base_cost"),
    )
    joined = (
        lf.filter(pl.col("strategy") != baseline)
        .select(*pair, "strategy", *_MEASURES, "cpm", "cost_spent")
        .join(base, on=pair, how="inner", nulls_equal=True)
        .with_columns((pl.col(m) - pl.col(f"_base_{m}")).alias(f"_d_{m}") for m in _MEASURES)
    )

    def win_share(col: str) -> pl.Expr:
        d = pl.col(col)
        return ((d > 0).cast(pl.Float64) + 0.5 * (d == 0).cast(pl.Float64)).mean()

    out = (
        joined.group_by([*_LEVEL, "strategy"])
        .agg(
            pl.len().cast(pl.Int64).alias("runs"),
            *(
                e
                for m in _MEASURES
                for e in (
                    *_mean_ci(f"_d_{m}", f"diff_{m}"),
                    win_share(f"_d_{m}").alias(f"win_share_{m}"),
                )
            ),
            *(pl.col(m).cast(pl.Float64).mean().alias(f"mean_{m}") for m in _MEASURES[1:]),
            *(
                pl.col(f"_base_{m}").cast(pl.Float64).mean().alias(f"baseline_mean_{m}")
                for m in _MEASURES[1:]
            ),
            pl.col("activated").cast(pl.Float64).mean().alias("mean_activated"),
            pl.col("_base_activated").cast(pl.Float64).mean().alias("baseline_mean_activated"),
            (pl.col("exposed").cast(pl.Float64).mean() * pl.col("cpm").first() / 1000.0).alias(
                "emv"
            ),
            (
                pl.col("_base_exposed").cast(pl.Float64).mean()
                * pl.col("_base_cpm").first()
                / 1000.0
            ).alias("baseline_emv"),
            (pl.col("cost_spent").first() / pl.col("activated").cast(pl.Float64).mean()).alias(
                "cost_per_activation"
            ),
            (
                pl.col("_base_cost").first() / pl.col("_base_activated").cast(pl.Float64).mean()
            ).alias("baseline_cost_per_activation"),
        )
        .with_columns(
            pl.lit(baseline).alias("baseline"),
            pl.when(pl.col("baseline_mean_activated") != 0)
            .then(pl.col("mean_activated") / pl.col("baseline_mean_activated"))
            .otherwise(None)
            .alias("ratio"),
        )
        .collect()
    )
    if out.height == 0:
        raise InputError(
            f"no brand, model and level has both the baseline {baseline!r} and another "
            "strategy with the same runs; nothing to compare"
        )
    columns = [*_LEVEL, "strategy", "baseline", "runs"]
    for what in _MEASURES:
        columns += [
            f"mean_diff_{what}",
            f"diff_{what}_ci_low",
            f"diff_{what}_ci_high",
            f"win_share_{what}",
        ]
    columns += [
        "mean_activated",
        "baseline_mean_activated",
        *(c for m in _MEASURES[1:] for c in (f"mean_{m}", f"baseline_mean_{m}")),
        "ratio",
        "emv",
        "baseline_emv",
        "cost_per_activation",
        "baseline_cost_per_activation",
    ]
    return _sort_levels(out.select(columns))


def compare(results: Results, baseline: str | None = None) -> pl.DataFrame:
    """:func:`compare_runs` on the results; ``baseline`` defaults to the manifest's
    (``"macro"`` when the manifest names none). For the winners, see :func:`verdicts`."""
    return compare_runs(results.runs, baseline or results.baseline)


def _check_objective(objective: str) -> str:
    if objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r}; expected one of {', '.join(OBJECTIVES)}"
        )
    return objective


def level_winners(summary: pl.DataFrame, objective: str = "activated") -> pl.DataFrame:
    """The winning row of each brand x model x level: highest ``mean_<objective>``,
    then highest ``<objective>_per_cost``, then strategy name."""
    mean, per = f"mean_{objective}", f"{objective}_per_cost"
    return (
        summary.sort(
            [*_LEVEL, mean, per, "strategy"],
            descending=[False, False, False, False, True, True, False],
            nulls_last=True,
        )
        .group_by(_LEVEL, maintain_order=True)
        .first()
    )


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _sentence(
    best: str,
    won: int,
    levels: int,
    unit: tuple[str, str],
    baseline: str,
    gain: float | None,
    words: str = "reach",
) -> str:
    """One English sentence for a verdict row; ``unit`` is (singular, plural) of a level."""
    family = family_of(best)
    text = f"{best} ({family}) gives the most {words} at {won} of {levels} {_plural(levels, *unit)}"
    if best == baseline:
        return text + f"; it is the {baseline} baseline"
    if gain is None:
        return text + f"; no {baseline} baseline to compare with"
    if gain >= 0:
        return text + f", {gain:+,.0f} accounts over {baseline} on average"
    return text + f", {-gain:,.0f} fewer accounts than {baseline} on average"


def _source(source: Results | pl.DataFrame, objective: str | None) -> tuple[pl.DataFrame, str, str]:
    """(summary, default baseline, objective) of a verdict's source."""
    if isinstance(source, Results):
        return summarize_runs(source.runs), source.baseline, objective or source.objective
    if objective is None:
        objective = (
            DEFAULT_OBJECTIVE if f"mean_{DEFAULT_OBJECTIVE}" in source.columns else "activated"
        )
    return source, DEFAULT_BASELINE, objective


def _unit(by_budget: bool, by_k: bool) -> tuple[str, str]:
    if by_budget:
        return ("budget", "budgets")
    return ("seed count", "seed counts") if by_k else ("level", "levels")


def verdicts(
    source: Results | pl.DataFrame, baseline: str | None = None, objective: str | None = None
) -> pl.DataFrame:
    """Per brand x model, the strategy that gives the most ``objective`` per budget.

    ``source`` is a :class:`Results` or the output of :func:`summarize_runs`
    (or :func:`summarize`). ``objective`` (:data:`METRICS`) defaults to the
    campaign's (``earned_exposed`` for a summary that has it, else
    ``activated``). At each level (budget or k) the strategy with the highest
    ``mean_<objective>`` wins (ties: higher ``<objective>_per_cost``, then
    name); the best strategy wins the most levels (ties: higher mean
    ``<objective>_per_cost`` over its levels, then name). ``baseline``
    defaults to the manifest's for :class:`Results`, else ``"macro"``.

    Columns: brand, model, objective, best_strategy, family (see
    :data:`FAMILIES`), levels_won, levels, mean_per_cost (accounts of the
    objective per currency unit of the best strategy, mean over levels),
    gain_vs_baseline (accounts of the objective, mean over the levels with both
    of best minus baseline; null when the best is the baseline or the baseline
    is missing), verdict (one sentence). O(summary rows · log).

    Raises
    ------
    InputError
        If ``baseline`` is given but was not run at all, or the objective is unknown.
    """
    summary, default, objective = _source(source, objective)
    _check_objective(objective)
    if baseline is not None and baseline not in summary["strategy"].to_list():
        present = sorted(set(summary["strategy"].drop_nulls().to_list()))
        raise InputError(
            f"unknown baseline strategy {baseline!r}; the results hold {', '.join(present)}"
        )
    base_name = baseline or default
    bm = ["brand", "model"]
    mean, per = f"mean_{objective}", f"{objective}_per_cost"

    winners = level_winners(summary, objective)
    levels = winners.group_by(bm).agg(
        pl.len().cast(pl.Int64).alias("levels"),
        pl.col("budget").is_not_null().all().alias("_by_budget"),
        pl.col("budget").is_null().all().alias("_by_k"),
    )
    won = winners.group_by([*bm, "strategy"]).agg(pl.len().cast(pl.Int64).alias("levels_won"))
    per_strategy = summary.group_by([*bm, "strategy"]).agg(
        pl.col(per).mean().alias("mean_per_cost")
    )
    best = (
        per_strategy.join(won, on=[*bm, "strategy"], how="left")
        .with_columns(pl.col("levels_won").fill_null(0))
        .sort(
            [*bm, "levels_won", "mean_per_cost", "strategy"],
            descending=[False, False, True, True, False],
            nulls_last=True,
        )
        .group_by(bm, maintain_order=True)
        .first()
        .rename({"strategy": "best_strategy"})
    )
    level_means = summary.select(*_LEVEL, "strategy", pl.col(mean).alias("_mean"))
    best_means = level_means.join(
        best.select(*bm, pl.col("best_strategy").alias("strategy")), on=[*bm, "strategy"]
    )
    base_means = level_means.filter(pl.col("strategy") == base_name).select(
        *_LEVEL, pl.col("_mean").alias("_base")
    )
    gains = (
        best_means.join(base_means, on=_LEVEL, nulls_equal=True)
        .group_by(bm)
        .agg((pl.col("_mean") - pl.col("_base")).mean().alias("gain_vs_baseline"))
    )
    families = {s: family_of(s) for s in best["best_strategy"].unique().drop_nulls().to_list()}
    out = (
        best.join(levels, on=bm)
        .join(gains, on=bm, how="left")
        .with_columns(
            pl.col("best_strategy")
            .replace_strict(families, default="other", return_dtype=pl.String)
            .alias("family"),
            pl.when(pl.col("best_strategy") == base_name)
            .then(None)
            .otherwise(pl.col("gain_vs_baseline"))
            .alias("gain_vs_baseline"),
        )
        .sort(bm)
    )
    sentences = [
        _sentence(
            row["best_strategy"],
            row["levels_won"],
            row["levels"],
            _unit(row["_by_budget"], row["_by_k"]),
            base_name,
            row["gain_vs_baseline"],
            METRIC_WORDS[objective],
        )
        for row in out.iter_rows(named=True)
    ]
    return out.with_columns(
        pl.Series("verdict", sentences, dtype=pl.String), pl.lit(objective).alias("objective")
    ).select(
        "brand",
        "model",
        "objective",
        "best_strategy",
        "family",
        "levels_won",
        "levels",
        "mean_per_cost",
        "gain_vs_baseline",
        "verdict",
    )


def robustness(source: Results | pl.DataFrame, objective: str | None = None) -> pl.DataFrame:
    """Per brand, the strategy that wins the most (model, level) pairs, and under how
    many models it holds (wins every level of that model).

    Columns: brand, objective, best_strategy, family, wins (model x level pairs
    won), pairs, models_held, models, levels (per model, the most of any model),
    exceptions (``model: winner (n of L)`` for each model where it does not hold,
    ``; ``-joined), verdict (one sentence, e.g. "micro (micro) gives the most earned
    exposure at all 3 budgets under 2 of 3 models; under high-virality, imm wins 3
    of 3"). O(summary rows · log).
    """
    summary, _, objective = _source(source, objective)
    _check_objective(objective)
    winners = level_winners(summary, objective)
    rows = []
    for (brand,), part in winners.group_by(["brand"], maintain_order=True):
        by_model: dict[str, dict[str, int]] = {}
        levels_of: dict[str, int] = {}
        for r in part.iter_rows(named=True):
            by_model.setdefault(r["model"], {})
            by_model[r["model"]][r["strategy"]] = by_model[r["model"]].get(r["strategy"], 0) + 1
            levels_of[r["model"]] = levels_of.get(r["model"], 0) + 1
        totals: dict[str, int] = {}
        for counts in by_model.values():
            for strat, c in counts.items():
                totals[strat] = totals.get(strat, 0) + c
        per_cost = (
            summary.filter(pl.col("brand") == brand)
            .group_by("strategy")
            .agg(pl.col(f"{objective}_per_cost").mean())
        )
        pc = dict(zip(per_cost["strategy"].to_list(), per_cost[f"{objective}_per_cost"].to_list(),
                      strict=True))  # fmt: skip
        best = sorted(totals, key=lambda x: (-totals[x], -(pc.get(x) or 0.0), x))[0]
        models = sorted(by_model)
        held = [m for m in models if by_model[m].get(best, 0) == levels_of[m]]
        others = []
        for m in models:
            if m in held:
                continue
            top = sorted(by_model[m], key=lambda x: (-by_model[m][x], x))[0]
            others.append((m, top, by_model[m][top], levels_of[m]))
        unit = _unit(bool(part["budget"].is_not_null().all()), bool(part["budget"].is_null().all()))
        levels = max(levels_of.values())
        words = METRIC_WORDS[objective]
        if len(held) == len(models):
            under = "the model" if len(models) == 1 else f"all {len(models)} models"
            scope = f"at every {unit[0]} under {under}"
        elif held:
            scope = (
                f"at all {levels} {_plural(levels, *unit)} under {len(held)} of {len(models)} "
                f"models ({', '.join(held)})"
            )
        else:
            scope = (
                f"at {totals[best]} of {len(part)} model x {unit[0]} pairs, "
                f"but at every {unit[0]} under no model"
            )
        text = f"{best} ({family_of(best)}) gives the most {words} {scope}"
        if others:
            parts = []
            for m, top, n, L in others:
                mine = by_model[m].get(best, 0)
                if top == best:  # it leads there too, but not at every level
                    rest = ", ".join(x for x in sorted(by_model[m]) if x != best)
                    parts.append(f"under {m} it wins {mine} of {L} ({rest} the rest)")
                else:
                    parts.append(f"under {m}, {top} wins {n} of {L}")
            text += "; " + "; ".join(parts)
        rows.append(
            {
                "brand": brand,
                "objective": objective,
                "best_strategy": best,
                "family": family_of(best),
                "wins": totals[best],
                "pairs": len(part),
                "models_held": len(held),
                "models": len(models),
                "levels": levels,
                "exceptions": "; ".join(f"{m}: {t} ({n} of {L})" for m, t, n, L in others),
                "verdict": text,
            }
        )
    schema = {"brand": pl.String, "objective": pl.String, "best_strategy": pl.String,
              "family": pl.String, "wins": pl.Int64, "pairs": pl.Int64, "models_held": pl.Int64,
              "models": pl.Int64, "levels": pl.Int64, "exceptions": pl.String,
              "verdict": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema).sort("brand")


# --------------------------------------------------------------------------- competition


def competition_summary(results: Results) -> pl.DataFrame:
    """Competing brands (the campaign's ``[competition]``): one row per contest and brand.

    Columns: brands, model, strategy, level, brand, budget, k, runs,
    ``mean_adopters`` with ``adopters_ci_low``/``_high`` (accounts, 95%),
    ``share`` (mean over runs of the brand's adopters / all adopters; runs
    with no adopter are left out), ``mean_alone`` (accounts it activates
    seeding alone, same random numbers), ``loss = mean_alone - mean_adopters``
    and ``loss_share = loss / mean_alone``. Empty when there was no
    competition. O(rows).
    """
    df = results.competition
    if df.height == 0:
        return df.clear().select("brands", "model", "strategy", "level", "brand", "budget", "k")
    total = pl.col("adopters").sum().over("contest", "run")
    out = (
        df.with_columns(
            pl.when(total > 0).then(pl.col("adopters") / total).otherwise(None).alias("_share")
        )
        .group_by("contest", "brands", "model", "strategy", "level", "brand", "budget", "k")
        .agg(
            pl.len().cast(pl.Int64).alias("runs"),
            *_mean_ci("adopters", "adopters"),
            pl.col("_share").mean().alias("share"),
            pl.col("alone").cast(pl.Float64).mean().alias("mean_alone"),
        )
        .with_columns((pl.col("mean_alone") - pl.col("mean_adopters")).alias("loss"))
        .with_columns(
            pl.when(pl.col("mean_alone") > 0)
            .then(pl.col("loss") / pl.col("mean_alone"))
            .otherwise(None)
            .alias("loss_share")
        )
        .sort("brands", "model", "level", "strategy", "brand")
    )
    return out.drop("contest")


# --------------------------------------------------------------------------- candidates


def _fmt(x: float) -> str:
    return f"{x:g}"


def candidates(
    results: Results,
    brand: str,
    top: int = 20,
    model: str | None = None,
    budget: float | None = None,
    k: int | None = None,
) -> pl.DataFrame:
    """The ranked seed list behind the best strategy for ``brand``.

    The model is ``model``, else the ``medium`` preset when the campaign ran it, else
    the config's first model; the level is
    ``budget`` (or ``k``), else the largest budget, or the largest k when the
    grid is by number of seeds; the strategy is the one with the highest mean of
    the campaign's objective (``mean_earned_exposed`` by default) at that level
    (ties as in :func:`verdicts`). Returns its first ``top`` seeds by rank with
    columns rank, id, handle, tier, cost (currency units: fee plus per-creator
    overhead), relevance, followers, marginal_reach (expected extra accounts
    given the seeds above, exposed under an exposure objective, else
    activated), cumulative_reach, overlap_above
    (share of its followers who already follow a seed ranked above), engagement_rate,
    real_audience and platform (null in folders written before they were recorded),
    brand, model, strategy, budget, k. O(rows of the brand's runs + seeds).

    Raises
    ------
    InputError
        If ``top`` < 1, or ``brand``, ``model``, ``budget`` or ``k`` is not in
        the results (the message lists the valid ones), or the chosen cell has
        no seeds table.
    """
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    brands = sorted(
        b
        for b in results.runs.select(pl.col("brand").unique()).collect().to_series()
        if b is not None
    )
    if brand not in brands:
        raise InputError(f"unknown brand {brand!r}; the results hold {', '.join(brands)}")
    summary = summarize_runs(results.runs.filter(pl.col("brand") == brand))
    models = sorted(summary["model"].unique().to_list())
    if model is None:
        # the default virality preset when the campaign ran it, else the config's first
        order = [m.get("label") for m in (results.manifest.get("grid") or {}).get("models", [])]
        listed = [m for m in order if m in models]
        model = "medium" if "medium" in models else (listed or models)[0]
    elif model not in models:
        raise InputError(
            f"unknown model {model!r} for brand {brand!r}; the results hold {', '.join(models)}"
        )
    summary = summary.filter(pl.col("model") == model)
    budgets = sorted(summary["budget"].drop_nulls().unique().to_list())
    ks = sorted(summary["k"].drop_nulls().unique().to_list())
    if budget is not None:
        match = [b for b in budgets if math.isclose(b, budget, rel_tol=1e-9, abs_tol=1e-9)]
        if not match:
            valid = ", ".join(map(_fmt, budgets)) or "none (the grid is by number of seeds)"
            raise InputError(
                f"no budget {_fmt(budget)} for brand {brand!r} and model {model!r}; "
                f"budgets: {valid}"
            )
        level = pl.col("budget") == match[0]
    elif k is not None:
        if k not in ks:
            valid = ", ".join(map(str, ks)) or "none (the grid is by budget)"
            raise InputError(
                f"no k {k} for brand {brand!r} and model {model!r}; numbers of seeds: {valid}"
            )
        level = pl.col("k") == k
    elif budgets:
        level = pl.col("budget") == budgets[-1]
    else:
        level = pl.col("budget").is_null() & (pl.col("k") == ks[-1])
    chosen = level_winners(summary.filter(level), results.objective).row(0, named=True)
    key = {c: chosen[c] for c in _GROUP}
    match_key = pl.all_horizontal(
        pl.col(c).is_null() if v is None else pl.col(c) == v for c, v in key.items()
    )
    seeds = results.seeds.filter(match_key)
    if seeds.height == 0:
        raise InputError(
            f"{results.path}: no seeds recorded for brand {brand!r}, model {model!r}, "
            f"strategy {key['strategy']!r}"
        )
    return (
        seeds.sort("rank")
        .head(top)
        .select(
            "rank",
            "id",
            "handle",
            "tier",
            "cost",
            "relevance",
            "followers",
            pl.col("marginal_gain").alias("marginal_reach"),
            "cumulative_reach",
            "overlap_above",
            "engagement_rate",
            "real_audience",
            "platform",
            "brand",
            "model",
            "strategy",
            "budget",
            "k",
        )
    )
