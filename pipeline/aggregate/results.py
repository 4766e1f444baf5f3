"""The measures a campaign is judged by, and reading a results folder into :class:`Results`.

The folder's layout and columns are :mod:`pipeline.schema`'s; a cell is finished iff
its runs file exists, and is read iff it is in the manifest's current grid
(``grid.cell_keys``; folders written before it was recorded: every cell). Reading is
lazy (Parquet scans) and O(files) before any query.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from pipeline import defaults
from pipeline.errors import InputError
from pipeline.measures import (
    MEASURES,
    METRIC_WORDS,
    METRICS,
    OBJECTIVES,
    PROJECTED,
    TIE_MARGIN,
)
from pipeline.schema import (
    AUDIENCE_SCHEMA,
    COMPETITION_SCHEMA,
    CURVES_SCHEMA,
    OVERLAP_SCHEMA,
    READABLE_FORMATS,
    RUNS_SCHEMA,
    SEEDS_SCHEMA,
)

__all__ = [
    "DEFAULT_BASELINE",
    "DEFAULT_OBJECTIVE",
    "DEFAULT_TIE_MARGIN",
    "IN_MEMORY_ROWS",
    "MEASURES",
    "METRICS",
    "METRIC_WORDS",
    "OBJECTIVES",
    "PROJECTED",
    "SCENARIO",
    "Results",
    "load_results",
    "without_scenarios",
]


#: A cost-scenario strategy name: ``<strategy>@<multiple>x``.
SCENARIO = r"^([a-z][a-z0-9-]*)@([0-9.]+)x$"


Frame = TypeVar("Frame", pl.LazyFrame, pl.DataFrame)


def without_scenarios(frame: Frame) -> Frame:
    """``frame`` without the rows of cost-scenario strategies. Column-wise."""
    return frame.filter(~pl.col("strategy").str.contains(SCENARIO))


DEFAULT_BASELINE = "macro"
DEFAULT_TIE_MARGIN = TIE_MARGIN

# One summary row per group; the cell id is unique per group in a sane campaign.
GROUP_KEYS = ["brand", "model", "strategy", "budget", "k"]
# A level of comparison: strategies compete within it.
LEVEL_KEYS = ["brand", "model", "budget", "k"]

DEFAULT_OBJECTIVE = defaults.OBJECTIVE


# Files are scanned with the widest integer type so that a writer using Int32
# where Int64 is documented (or the reverse) still reads; documented types are
# restored after the scan.
_CAST = pl.ScanCastOptions(integer_cast="upcast", float_cast="upcast")


#: Runs tables up to this many rows (about 160 MB) are read once and kept in memory.
IN_MEMORY_ROWS = 500_000


@dataclass(frozen=True, eq=False)
class Results:
    """A campaign results folder, restricted to its finished cells.

    ``runs`` is lazy (it can hold millions of rows): a folder of at most
    :data:`IN_MEMORY_ROWS` runs is read once and held in memory (a report summarises it
    dozens of times), a larger one is scanned from its files at each use. The companion
    tables are small and eager. All four start with the :data:`KEY` columns and hold the
    *matched* cells only: each strategy's plan for the cell's model (the per-model
    verdicts read these). ``every_run`` holds every finished cell's runs, plans
    evaluated under models they were not chosen for included
    (:mod:`pipeline.aggregate.cross_model`).
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
    every_run: pl.LazyFrame | None = None  # None: same as ``runs``
    #: finished cells (and contests) in the folder but outside the current grid: ignored
    ignored: int = 0

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
        """What the campaign judges strategies by (:data:`OBJECTIVES`): the configured
        objective, or the in-graph measure it fell back to (:attr:`notes`); ``activated``
        for folders written before objectives existed."""
        used = self.manifest.get("objective", {})
        value = used.get("used") if isinstance(used, dict) else None
        if value not in OBJECTIVES:
            value = self.manifest.get("settings", {}).get("objective")
        if value not in OBJECTIVES or (value in PROJECTED and self.older):
            return "activated" if value not in METRICS else value
        return str(value)

    @property
    def tie_margin(self) -> float:
        """The share of the larger mean within which two strategies tie in verdicts
        (:func:`~pipeline.aggregate.outcomes.level_outcomes`): the manifest's
        ``tie_margin`` (top level, else in ``settings``), else 0.02."""
        for where in (self.manifest, self.manifest.get("settings", {})):
            value = where.get("tie_margin") if isinstance(where, dict) else None
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and 0.0 <= float(value) < 1.0:  # type: ignore[arg-type]
                return float(value)  # type: ignore[arg-type]
        return DEFAULT_TIE_MARGIN

    @property
    def older(self) -> bool:
        """Whether the folder predates the platform units (format 1 or 2)."""
        return self.manifest.get("format") in ("influence-campaign/1", "influence-campaign/2")

    @property
    def plan_model(self) -> str | None:
        """The model every strategy's one plan was chosen under (the manifest's
        ``grid.plan_model``); None for folders written before plans were evaluated
        under every model (format 3 or older)."""
        grid = self.manifest.get("grid")
        value = grid.get("plan_model") if isinstance(grid, dict) else None
        return value if isinstance(value, str) else None

    @property
    def notes(self) -> list[str]:
        """What a reader should know about this folder, one line each: an objective that
        fell back to an in-graph measure, platform units missing from an older folder."""
        out = []
        used = self.manifest.get("objective", {})
        if isinstance(used, dict) and used.get("note"):
            out.append(str(used["note"]))
        if self.older:
            out.append(
                f"{self.path} was written by an older version ({self.manifest.get('format')}):"
                " it has no platform units (impressions, engagements, people); judging by "
                f"{self.objective.replace('_', ' ')}; rerun the campaign to get them"
            )
        if self.ignored:
            out.append(
                f"{self.ignored} finished cell(s) or contest(s) in {self.path} are outside "
                "the campaign's current grid and ignored; `influence campaign --prune` "
                "deletes them"
            )
        return out


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
        glob=False,  # paths, never patterns: a '[' in a folder name is literal
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


#: Columns a runs file must hold (``cpm``, the earned counts, ``optimised`` and others
#: came later and may be missing: they read as null, and the earned counts are derived
#: as count minus ``seeds_used``).
_RUNS_REQUIRED = tuple(
    c
    for c in RUNS_SCHEMA
    if c
    not in (
        "cpm", "earned_activated", "earned_exposed", "certified_ratio", "robust_ratio",
        "robust_ratio_low", "stable_share", "rerun_low", "rerun_high", "stand_ins", "plan_model",
        "matched", "optimised", *PROJECTED,
    )
)  # fmt: skip


def _check_runs_file(path: Path) -> None:
    """Refuse a runs file that is not Parquet or lacks a column, naming it (footer only)."""
    try:
        with path.open("rb") as f:  # a file, not a pattern: '[' in a folder is literal
            columns = pl.read_parquet_schema(f)
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable Parquet runs table ({first})") from None
    missing = [c for c in _RUNS_REQUIRED if c not in columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; a runs table has "
            f"{', '.join(_RUNS_REQUIRED)}"
        )


def _current(manifest: dict[str, Any]) -> tuple[set[Path] | None, set[str] | None]:
    """The manifest's current grid: runs files relative to ``runs/`` and contest keys;
    None for folders written before the grid was recorded (every file counts)."""
    grid = manifest.get("grid")
    cells = grid.get("cell_keys") if isinstance(grid, dict) else None
    contests = grid.get("contest_keys") if isinstance(grid, dict) else None
    return (
        {Path(f"{k}.parquet") for k in cells if isinstance(k, str)}
        if isinstance(cells, list)
        else None,
        {k for k in contests if isinstance(k, str)} if isinstance(contests, list) else None,
    )


def load_results(path: str | Path) -> Results:
    """Read the results folder written by ``influence campaign``.

    Only finished cells of the current grid count: a cell is finished iff
    ``runs/.../<cell>.parquet`` exists, and its seeds, audience and curves files are
    those at the same relative path; cells (and contests) the manifest's grid does not
    list, left by an earlier grid, are ignored (:attr:`Results.ignored` counts them).
    O(files) to list; the runs are scanned lazily, the companion tables read at once.

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
    current, current_contests = _current(manifest)
    runs_files = _parquet_files(root / "runs")
    ignored = 0
    if current is not None:
        ignored = sum(rel not in current for rel in runs_files)
        runs_files = {rel: p for rel, p in runs_files.items() if rel in current}
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
    if current_contests is not None:
        ignored += sum(p.stem not in current_contests for p in contest_files)
        contest_files = [p for p in contest_files if p.stem in current_contests]
    try:
        competition = _scan(contest_files, COMPETITION_SCHEMA).collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{root / 'competition'}: cannot read the tables: {exc}") from None
    every = _scan(list(runs_files.values()), RUNS_SCHEMA)
    try:
        if every.select(pl.len()).collect().item() <= IN_MEMORY_ROWS:  # from the footers
            every = every.collect().lazy()
    except (pl.exceptions.PolarsError, OSError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{root / 'runs'}: cannot read the runs tables: {msg}") from None
    every = every.with_columns(
        pl.coalesce("earned_activated", pl.col("activated") - pl.col("seeds_used")),
        pl.coalesce("earned_exposed", pl.col("exposed") - pl.col("seeds_used")),
        *_plan_columns(),
    )

    def matched(name: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        return companion(name, schema).with_columns(*_plan_columns()).filter("matched")

    return Results(
        competition=competition,
        path=root,
        manifest=manifest,
        runs=every.filter("matched"),
        every_run=every,
        seeds=matched("seeds", SEEDS_SCHEMA),
        audience=matched("audience", AUDIENCE_SCHEMA),
        curves=matched("curves", CURVES_SCHEMA),
        overlap=matched("overlap", OVERLAP_SCHEMA),
        ignored=ignored,
    )


def _plan_columns() -> tuple[pl.Expr, pl.Expr]:
    """Cells of folders older than format 4 were chosen under their own model."""
    return (
        pl.coalesce("plan_model", "model").alias("plan_model"),
        pl.col("matched").fill_null(True),
    )
