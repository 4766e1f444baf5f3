"""Building a report: a results folder in, a :class:`~pipeline.report.document.Report` out.

Reads the campaign only through :mod:`pipeline.aggregate` (summaries, paired
differences, verdicts, the cross-model table, candidates) and :mod:`pipeline.report.plan`, and
assembles per brand its headline, plan table, the creators of its recommended plan
(the brief), verdicts, charts and candidates, then one section per calibrated model of
the grid (:mod:`~pipeline.report.calibrated`), and the results' notes.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline.aggregate import (
    Results,
    compare,
    cross_model,
    cross_model_verdicts,
    level_winners,
    load_results,
    summarize,
    verdicts,
)
from pipeline.aggregate.scenarios import scenario_lines, without_scenarios
from pipeline.errors import InputError
from pipeline.report.brief import largest
from pipeline.report.calibrated import calibrated_sections
from pipeline.report.chart_context import ChartContext, palette
from pipeline.report.charts import (
    diff_chart,
    efficiency_chart,
    emv_chart,
    reach_chart,
    robustness_chart,
)
from pipeline.report.document import BrandSection, Figure, Report, require_report_extra
from pipeline.report.frames import (
    candidates_table,
    level_frame,
    number_text,
    ordered,
    parameters,
    slug,
)
from pipeline.report.plan import KPI_ORDER, headline, plans
from pipeline.report.plan_charts import curve_chart, mix_chart, overlap_chart
from pipeline.report.regret_chart import regret_chart
from pipeline.report.why import SEED_KEYS, plan_seeds

#: In-graph counts drawn after the platform units (when not the objective).
IN_GRAPH = ("activated", "exposed")

__all__ = ["build_report"]


def build_report(
    results: Results | str | Path, baseline: str | None = None, top: int = 20
) -> Report:
    """Build the charts, tables and parameters of a campaign report.

    Parameters
    ----------
    results
        A :class:`~pipeline.aggregate.Results` or the path of a results folder.
    baseline
        Strategy the paired differences are taken against; default the
        campaign's (``macro`` when it names none). Given but not run:
        :class:`InputError`. Defaulted but not run: the page says so instead of
        showing the difference chart.
    top
        Rows of each brand's candidates table.

    Returns
    -------
    Report
        Render it with :func:`~pipeline.report.render_html`, or write it with
        :func:`~pipeline.report.write_report`.

    Raises
    ------
    InputError
        If vl-convert or Jinja2 is missing, the folder is not a campaign
        results folder (see :func:`~pipeline.aggregate.load_results`), the
        baseline is unknown, or ``top`` < 1.
    """
    require_report_extra()
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    res = results if isinstance(results, Results) else load_results(results)
    summary = without_scenarios(summarize(res))  # the scenarios: in the verdict lines
    extra = scenario_lines(res, baseline)  # ambassadors: cost per unit, cost scenarios
    verdict_df = verdicts(res, baseline)
    across = cross_model_verdicts(res)
    regrets = cross_model(res)
    plan_rows = plans(res)
    objective = res.objective
    base = baseline or res.baseline
    diff_note = None
    try:
        diffs: pl.DataFrame | None = without_scenarios(compare(res, baseline))
    except InputError as exc:
        if baseline is not None:
            raise
        diffs, diff_note = None, f"No paired differences: {exc}."
    grid = res.manifest.get("grid") or {}
    brands = ordered(summary["brand"].drop_nulls().unique(), grid.get("brands") or [])
    strategies = ordered(summary["strategy"].drop_nulls().unique(), grid.get("strategies") or [])
    colours = palette(len(strategies))
    runs = res.manifest.get("settings", {}).get("runs")
    taken: set[str] = set()
    sections = []
    for brand in brands:
        brand_slug = slug(brand, taken)
        mine = summary.filter(pl.col("brand") == brand)
        level = "budget" if mine["budget"].is_not_null().any() else "k"
        mine = level_frame(mine, level)
        models = sorted(mine["model"].unique().to_list())
        ctx = ChartContext(
            brand=brand,
            slug=brand_slug,
            level=level,
            strategies=strategies,
            colours=colours,
            models=models,
            runs=number_text(runs) if isinstance(runs, int) else "all",
        )
        drawn = [objective, *(m for m in KPI_ORDER if m != objective and _known(mine, m))]
        figures: list[Figure] = [reach_chart(ctx, mine, m) for m in drawn]
        figures.insert(1, robustness_chart(ctx, level_winners(mine, objective), objective))
        regret = regret_chart(ctx, level_frame(regrets.filter(pl.col("brand") == brand), level),
                              objective)  # fmt: skip
        if regret is not None:
            figures.insert(2, regret)
        notes: list[str] = []
        eff = efficiency_chart(ctx, mine, objective)
        if eff is None:
            notes.append("No reach per currency unit: no cost was spent (no cost data).")
        else:
            figures.append(eff)
        emv = emv_chart(ctx, mine)
        if emv is not None:
            figures.append(emv)
        brand_diffs = (
            level_frame(diffs.filter(pl.col("brand") == brand), level)
            if diffs is not None
            else None
        )
        if brand_diffs is not None and brand_diffs.height:
            figures.append(diff_chart(ctx, brand_diffs, base, objective))
        else:
            notes.append(diff_note or f"No paired differences against {base} for this brand.")
        figures.append(mix_chart(ctx, mine))
        mine_verdicts = verdict_df.filter(pl.col("brand") == brand)
        best = dict(
            zip(
                mine_verdicts["model"].to_list(),
                mine_verdicts["best_strategy"].to_list(),
                strict=True,
            )
        )
        curves = level_frame(res.curves.filter(pl.col("brand") == brand), level)
        curve, curve_note = curve_chart(ctx, curves, mine, best, base)
        if curve is not None:
            figures.append(curve)
        if curve_note:
            notes.append(curve_note)
        figures += [reach_chart(ctx, mine, m) for m in IN_GRAPH if m not in drawn]
        table, caption = candidates_table(res, brand, top)
        if table is not None and table.height:
            first = table.row(0, named=True)
            cell = res.overlap.filter(
                (pl.col("brand") == brand)
                & (pl.col("model") == first["model"])
                & (pl.col("strategy") == first["strategy"])
                & (
                    pl.col("budget").is_null()
                    if first["budget"] is None
                    else pl.col("budget") == first["budget"]
                )
                & (pl.col("k").is_null() if first["k"] is None else pl.col("k") == first["k"])
            )
            heat = overlap_chart(ctx, cell, table)
            if heat is not None:
                figures.append(heat)
            else:
                notes.append("No audience overlap chart: the results hold no overlap table.")
        brand_plan = plan_rows.filter(pl.col("brand") == brand) if plan_rows.height else None
        top_row = largest(brand_plan) if brand_plan is not None else None
        creators = None
        if top_row is not None:
            creators = plan_seeds(res, {c: top_row[c] for c in SEED_KEYS})
        sections.append(
            BrandSection(
                brand=brand,
                slug=brand_slug,
                level=level,
                figures=tuple(figures),
                notes=tuple(notes),
                verdicts=(
                    *(
                        f"One plan, every model: {r['verdict']}"
                        for r in across.filter(pl.col("brand") == brand).iter_rows(named=True)
                        if (r["models"] or 0) > 1
                    ),
                    *(f"{r['model']}: {r['verdict']}" for r in mine_verdicts.iter_rows(named=True)),
                    *(line[0].upper() + line[1:] for line in extra.get(brand, [])),
                ),
                candidates=table,
                candidates_caption=caption,
                headline=headline(plan_rows, brand, res.currency),
                plan=brand_plan,
                creators=creators,
            )
        )
    name = str(res.manifest.get("name") or res.path.name)
    return Report(
        title=f"Campaign report: {name}",
        results_path=res.path,
        baseline=base,
        parameters=parameters(res, base) + _guarantees(plan_rows, res.currency),
        verdicts=verdict_df,
        sections=tuple(sections),
        across=across,
        cross_model=regrets,
        currency=res.currency,
        calibrated=calibrated_sections(res.manifest),
        objective=objective,
        notes=tuple(res.notes),
    )


def _known(summary: pl.DataFrame, measure: str) -> bool:
    """Whether the summary holds a value of ``measure`` (platform units need profiles)."""
    column = f"mean_{measure}"
    return column in summary.columns and summary[column].null_count() < summary.height


def _guarantees(plan_rows: pl.DataFrame, currency: str) -> tuple[tuple[str, str], ...]:
    """The optimizers' certified ratios, in plain words, for the appendix: one row per
    recommended optimized plan (a worst-case bound, not the plan's expected quality)."""
    from pipeline.report.brief import level_name

    rows = []
    if "certified_ratio" not in plan_rows.columns:
        return ()
    for r in plan_rows.filter(pl.col("certified_ratio").is_not_null()).iter_rows(named=True):
        rows.append(
            (
                f"guarantee, {r['brand']} at {level_name(r, currency)} ({r['strategy']})",
                f"provably at least {r['certified_ratio']:.0%} of the best plan with the same "
                "budget and creator cap (a worst-case bound holding with probability at least "
                "1 - 1/accounts; plans usually do far better)",
            )
        )
    return tuple(rows)
