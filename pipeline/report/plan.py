"""The plan per budget: what a campaign recommends, in words a marketer can forward.

:func:`plans` turns a campaign's results into one row per brand and level (budget or k):
the recommended strategy under the reference model (the campaign's plan model, under
which every plan is chosen; for older folders the ``medium`` virality preset when the
campaign ran it, else its first model) judged by the campaign's objective (a
platform KPI by default: engagements), how many creators it contracts and what it
leaves unspent, its engagements, people and impressions (``docs/projection.md``: the
creators' own posts plus the cascade's, and the earned part), cost per engagement and
per person, cost per 1,000 impressions, EMV, under how many of the campaign's models
the same strategy wins that level, and the runner-up with its trade-off.
:func:`headline` writes the one sentence per brand, for the brand's
largest level. Both read only :mod:`pipeline.aggregate`'s tables. O(summary rows).
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from pipeline.aggregate import METRIC_WORDS, Results, compare, proxy_note, summarize, trade_offs
from pipeline.aggregate.scenarios import without_scenarios
from pipeline.aggregate.winners import unit_of
from pipeline.errors import InputError
from pipeline.export import format_money
from pipeline.seeding.registry import plain_name

__all__ = ["KPI_ORDER", "headline", "people", "plans"]

REFERENCE_MODEL = "medium"


def people(x: float | None) -> str:
    """A count for people: two significant figures from 100 up ("41,000"), else whole."""
    if x is None or not math.isfinite(x):
        return "unknown"
    if abs(x) >= 100:
        digits = math.floor(math.log10(abs(x))) - 1
        return f"{round(x, -digits):,.0f}"
    return f"{x:,.0f}"


def _held(results: Results, objective: str) -> dict[tuple[Any, ...], int] | None:
    """(brand, budget, k, strategy) -> under how many models the strategy's plan, chosen
    under the plan model, is the best of the plans chosen under it or within the tie
    margin of the best (by means); None for folders without cross-model cells."""
    from pipeline.aggregate import cross_model

    table = cross_model(results, objective)
    if table.height == 0:
        return None
    level = ["brand", "budget", "k", "model"]
    top = pl.col("mean").max().over(level)
    ok = table.with_columns((pl.col("mean") >= top - results.tie_margin * top.abs()).alias("_ok"))
    counts = ok.group_by("brand", "budget", "k", "strategy").agg(pl.col("_ok").sum())
    return {(b, bu, k, s): int(n) for b, bu, k, s, n in counts.iter_rows()}


def _reference(models: list[str], manifest: dict[str, Any]) -> str:
    if REFERENCE_MODEL in models:
        return REFERENCE_MODEL
    order = [m.get("label") for m in (manifest.get("grid") or {}).get("models", [])]
    listed = [m for m in order if m in models]
    return (listed or sorted(models))[0]


#: The platform KPIs a plan row reports, in the order a trade-off line names them.
KPI_ORDER: tuple[str, ...] = ("engagements", "people", "impressions")


def _others(objective: str) -> list[str]:
    """The KPIs a trade-off line shows beside ``objective``: the other two platform KPIs
    (all three when the objective is an in-graph measure)."""
    return [k for k in KPI_ORDER if k != objective.removeprefix("earned_")][:2]


def plans(results: Results) -> pl.DataFrame:
    """One row per brand and level: the recommendation and its runner-up.

    Columns: brand, model (the reference model), level (``budget`` or ``k``), budget, k,
    objective (what the plan is judged by, :attr:`Results.objective`), strategy, plain
    (its plain name), creators, cost, left (budget minus cost, null for a k level),
    certified_ratio (the optimizers' certified approximation ratio, null for the
    others), value with value_ci_low and value_ci_high (mean of the objective and its
    95% interval, in its unit), engagements, people, impressions (the platform KPIs,
    paid plus earned) and earned_engagements, earned_people, earned_impressions (beyond
    the creators' own posts), cost_per_engagement, cost_per_person, cost_per_mille, emv
    with emv_ci_low and emv_ci_high (from the 95% interval of impressions; null without a
    CPM), holds (models under which its plan, chosen under the plan model, stays the
    best of the plans chosen there or within the tie margin of it; for older folders,
    models under which the same strategy wins this level), models,
    runner_up with runner_up_creators, runner_up_cost, runner_up_value and the
    runner-up's engagements, people, impressions and cost_per_engagement (prefix
    ``runner_up_``), lead (objective, recommended minus runner-up), vs_baseline,
    vs_baseline_low, vs_baseline_high (relative difference against the campaign's
    baseline strategy in the objective, paired 95% interval divided by the baseline's
    mean; null when the plan is the baseline), and for each KPI K the strategy with the
    most of it (most_K, most_K_value, most_K_cost_per_engagement) with most_K_shown (its
    paired difference from the plan is a clear win, :func:`pipeline.aggregate.trade_offs`:
    only then does a trade-off line name it), most_K_diff, most_K_diff_ci_low and
    most_K_diff_ci_high (it minus the plan, per run, 95%); optimised (what the plan's
    strategy maximised, e.g. ``people (weighted-exposure proxy)``). O(summary rows).
    """
    o = results.objective
    summary = without_scenarios(summarize(results))  # cost scenarios: their own lines
    models = sorted(summary["model"].unique().to_list())
    ref = (
        results.plan_model if results.plan_model in models else _reference(models, results.manifest)
    )
    held = _held(results, o)
    mean = f"mean_{o}"
    ranked = summary.sort(
        ["brand", "model", "budget", "k", mean], descending=[False, False, False, False, True],
        nulls_last=True,
    )  # fmt: skip
    level = ["brand", "budget", "k"]
    firsts = ranked.group_by([*level, "model"], maintain_order=True).agg(
        pl.col("strategy").first().alias("winner")
    )
    base = results.baseline
    try:
        diffs = compare(results).filter(pl.col("model") == ref)
    except InputError:  # no baseline to compare with: no relative figure
        diffs = None
    offs = {
        (t["brand"], t["budget"], t["k"], t["kpi"]): t
        for t in trade_offs(results).filter(pl.col("model") == ref).iter_rows(named=True)
    }
    rows = []
    for key, part in ranked.filter(pl.col("model") == ref).group_by(level, maintain_order=True):
        brand, budget, k = key
        best = part.row(0, named=True)
        second = part.row(1, named=True) if part.height > 1 else None
        winners = firsts.filter(
            (pl.col("brand") == brand)
            & (pl.col("budget").is_null() if budget is None else pl.col("budget") == budget)
            & (pl.col("k").is_null() if k is None else pl.col("k") == k)
        )
        holds = int((winners["winner"] == best["strategy"]).sum())
        if held is not None:  # the plan chosen under ref, judged under every model
            holds = held.get((brand, budget, k, best["strategy"]), 0)
        tops: dict[str, dict[str, Any] | None] = {}
        for kpi in KPI_ORDER:
            col = f"mean_{kpi}"
            known = part.filter(pl.col(col).is_not_null())
            tops[kpi] = (
                known.sort(col, descending=True).row(0, named=True) if known.height else None
            )
        rel = (None, None, None)
        if diffs is not None and best["strategy"] != base:
            d = diffs.filter(
                (pl.col("brand") == brand)
                & (pl.col("strategy") == best["strategy"])
                & (pl.col("budget").is_null() if budget is None else pl.col("budget") == budget)
                & (pl.col("k").is_null() if k is None else pl.col("k") == k)
            )
            if d.height:
                r = d.row(0, named=True)
                b = r.get(f"baseline_mean_{o}")
                if b:
                    rel = (r[f"mean_diff_{o}"] / b, r[f"diff_{o}_ci_low"] / b,
                           r[f"diff_{o}_ci_high"] / b)  # fmt: skip
        row: dict[str, Any] = {
            "brand": brand, "model": ref, "level": "budget" if budget is not None else "k",
            "budget": budget, "k": k, "objective": o, "strategy": best["strategy"],
            "plain": plain_name(best["strategy"]),
            "creators": round(best["seeds_used"]), "cost": best["cost_spent"],
            "left": None if budget is None else budget - best["cost_spent"],
            "certified_ratio": best.get("certified_ratio"), "optimised": best.get("optimised"),
            "value": best[mean], "value_ci_low": best[f"{o}_ci_low"],
            "value_ci_high": best[f"{o}_ci_high"],
        }  # fmt: skip
        for kpi in (*KPI_ORDER, *(f"earned_{x}" for x in KPI_ORDER)):
            row[kpi] = best[f"mean_{kpi}"]
        row |= {
            "cost_per_engagement": best["cost_per_engagement"],
            "cost_per_person": best["cost_per_person"],
            "cost_per_mille": best["cost_per_mille"], "emv": best["emv"],
            "emv_ci_low": best["emv_ci_low"], "emv_ci_high": best["emv_ci_high"],
            "holds": holds, "models": winners.height,
            "runner_up": None if second is None else second["strategy"],
            "runner_up_creators": None if second is None else round(second["seeds_used"]),
            "runner_up_cost": None if second is None else second["cost_spent"],
            "runner_up_value": None if second is None else second[mean],
        }  # fmt: skip
        for kpi in (*KPI_ORDER, "cost_per_engagement"):
            col = kpi if kpi.startswith("cost") else f"mean_{kpi}"
            row[f"runner_up_{kpi}"] = None if second is None else second[col]
        row |= {
            "lead": None if second is None else best[mean] - second[mean],
            "vs_baseline": rel[0], "vs_baseline_low": rel[1], "vs_baseline_high": rel[2],
            "baseline": base,
        }  # fmt: skip
        for kpi, top in tops.items():
            row[f"most_{kpi}"] = top and top["strategy"]
            row[f"most_{kpi}_value"] = top and top[f"mean_{kpi}"]
            row[f"most_{kpi}_cost_per_engagement"] = top and top["cost_per_engagement"]
            t = offs.get((brand, budget, k, kpi))
            agree = (t is not None and top is not None and t["most"] == top["strategy"]
                     and t["strategy"] == best["strategy"])  # fmt: skip
            row[f"most_{kpi}_shown"] = bool(agree and t["shown"])  # type: ignore[index]
            for end in ("diff", "diff_ci_low", "diff_ci_high"):
                src = "mean_diff" if end == "diff" else end
                row[f"most_{kpi}_{end}"] = t[src] if agree else None  # type: ignore[index]
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)


def _amount(x: float | None, kpi: str) -> str:
    """ "about 41,000 engagements" (two significant figures), or "unknown engagements"."""
    return f"about {people(x)} {unit_of(kpi)}" if x is not None else f"unknown {unit_of(kpi)}"


def headline(plan_rows: pl.DataFrame, brand: str, currency: str = "") -> str:
    """One sentence for ``brand`` at its largest level, in the plan's objective, e.g.
    "At 5,000, work with these 14 creators (the optimized plan): about 1,900 engagements
    (1,100 earned beyond their own posts), about 41,000 people reached, 2.60 per
    engagement, 120 left unspent; that beats the largest on-topic accounts by 18% in
    engagements (95% CI +12% to +24%) and holds under 2 of 3 virality models.
    Runner-up: ... (micro, 16 creators, 4,979): about 18,000 engagements, ..." The
    runner-up's figures and the trade-off (who has the most of the other two KPIs, when
    not this plan and clearly more: paired interval beyond the tie margin, with how much
    more) name every KPI. A plan chosen for people on the weighted-exposure stand-in says
    so once after its value. O(rows)."""
    part = plan_rows.filter(pl.col("brand") == brand)
    if part.height == 0:
        return f"No plan for {brand}."
    r = part.sort(["budget", "k"], nulls_last=True).row(part.height - 1, named=True)
    o = r["objective"]

    def money(x: float) -> str:
        return format_money(x, currency, whole=float(x).is_integer())

    b = r["budget"]
    at = f"At {money(b)}" if b is not None else f"With {r['k']} seeds"
    if o in KPI_ORDER:
        earned = r.get(f"earned_{o}")
        value = (
            _amount(r["value"], o)
            + (" reached" if o == "people" else "")
            + (f" ({people(earned)} earned beyond their own posts)" if earned is not None else "")
        )
        note = proxy_note(r.get("optimised"))
        value += f" {note}" if note else ""
    else:  # an in-graph measure: accounts of the sample graph, named as such
        value = f"about {people(r['value'])} {METRIC_WORDS[o]}"
    text = f"{at}, work with these {r['creators']} creators ({r['plain']}): {value}"
    for kpi in _others(o):
        if r.get(kpi) is not None:
            text += f", {_amount(r[kpi], kpi)}{' reached' if kpi == 'people' else ''}"
    cpe = r.get("cost_per_engagement")
    if cpe is not None and math.isfinite(cpe):
        text += f", {format_money(cpe, currency)} per engagement"
    if r.get("left") is not None and r["left"] > 0.005:
        text += f", {format_money(r['left'], currency)} left unspent"
    if r["vs_baseline"] is not None:
        word = "beats" if r["vs_baseline"] >= 0 else "trails"
        text += (
            f"; that {word} {plain_name(r['baseline'])} by "
            f"{abs(r['vs_baseline']):.0%} in {METRIC_WORDS[o]} (95% CI "
            f"{r['vs_baseline_low']:+.0%} to {r['vs_baseline_high']:+.0%})"
        )
    elif r["strategy"] == r["baseline"]:
        text += f"; it is the {r['baseline']} baseline itself"
    if r["models"] > 1:
        text += f" and holds under {r['holds']} of {r['models']} virality models"
    if r.get("runner_up") is not None:
        ru = r["runner_up"]
        figures = (
            [] if o in KPI_ORDER else [f"about {people(r['runner_up_value'])} {METRIC_WORDS[o]}"]
        )
        figures += [
            _amount(r[f"runner_up_{kpi}"], kpi)
            for kpi in ([o, *_others(o)] if o in KPI_ORDER else _others(o))
            if r.get(f"runner_up_{kpi}") is not None
        ]
        cpe = r.get("runner_up_cost_per_engagement")
        if cpe is not None and math.isfinite(cpe):
            figures.append(f"{format_money(cpe, currency)} per engagement")
        text += (
            f". Runner-up: {plain_name(ru)} ({ru}, {r['runner_up_creators']} creators"
            + (f", {money(r['runner_up_cost'])}" if r.get("runner_up_cost") is not None else "")
            + ("): " + ", ".join(figures) if figures else ")")
        )
    others = []
    for kpi in _others(o):
        top = r.get(f"most_{kpi}")
        if top in (None, r["strategy"]) or not r.get(f"most_{kpi}_shown"):
            continue  # the same plan, or not clearly more than this plan's (a tie, noise)
        extra = ""
        cpe = r.get(f"most_{kpi}_cost_per_engagement")
        if kpi == "engagements" and cpe is not None and math.isfinite(cpe):
            extra = f" at {format_money(cpe, currency)} each"
        d, lo, hi = (r.get(f"most_{kpi}_{e}") for e in ("diff", "diff_ci_low", "diff_ci_high"))
        more = f", +{people(d)} more than this plan" if d is not None else ""
        if more and lo is not None and hi is not None:
            more += f", 95% CI +{people(lo)} to +{people(hi)}"
        others.append(
            f"for the most {METRIC_WORDS[kpi]}, {plain_name(top)} "
            f"({top}, {_amount(r[f'most_{kpi}_value'], kpi)}{more}{extra})"
        )
    return text + (". Trade-off: " + "; ".join(others) if others else "") + "."
