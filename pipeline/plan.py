"""The plan per budget: what a campaign recommends, in words a marketer can forward.

:func:`plans` turns a campaign's results into one row per brand and level (budget or k):
the recommended strategy under the reference model (the ``medium`` virality preset when
the campaign ran it, else its first model), how many creators it contracts, its
projected impressions and engagements (:mod:`pipeline.projection`), cost per engagement,
cost per 1,000 impressions, projected EMV, its earned reach with a 95% interval, under
how many of the campaign's models the same strategy wins that level, and the runner-up
with its trade-off. :func:`headline` writes the one sentence per brand, for the brand's
largest level. Both read only :mod:`pipeline.aggregate`'s tables. O(summary rows).
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from pipeline.aggregate import METRIC_WORDS, Results, compare, summarize
from pipeline.errors import InputError
from pipeline.export import format_money

__all__ = ["PLAIN_NAMES", "headline", "people", "plans"]

#: Strategies in plain words.
PLAIN_NAMES: dict[str, str] = {
    "imm": "the optimized plan",
    "opim": "the optimized plan (OPIM-C)",
    "celf": "the optimized plan (CELF)",
    "macro": "the largest on-topic accounts",
    "macro-any": "the largest accounts of any topic",
    "micro": "the most engaging on-topic micro creators",
    "random": "creators picked at random",
    "pagerank": "the most central accounts",
    "degree-discount": "the best-connected accounts",
    "community": "creators spread over communities",
}
REFERENCE_MODEL = "medium"


def people(x: float | None) -> str:
    """A count for people: two significant figures from 100 up ("41,000"), else whole."""
    if x is None or not math.isfinite(x):
        return "unknown"
    if abs(x) >= 100:
        digits = math.floor(math.log10(abs(x))) - 1
        return f"{round(x, -digits):,.0f}"
    return f"{x:,.0f}"


def _reference(models: list[str], manifest: dict[str, Any]) -> str:
    if REFERENCE_MODEL in models:
        return REFERENCE_MODEL
    order = [m.get("label") for m in (manifest.get("grid") or {}).get("models", [])]
    listed = [m for m in order if m in models]
    return (listed or sorted(models))[0]


def _emv(row: dict[str, Any], column: str) -> float | None:
    """Projected EMV at an interval end of the projected impressions (cpm x / 1000)."""
    x, cpm = row.get(column), row.get("cpm")
    return None if x is None or cpm is None else x * cpm / 1000.0


def plans(results: Results) -> pl.DataFrame:
    """One row per brand and level: the recommendation and its runner-up.

    Columns: brand, model (the reference model), level (``budget`` or ``k``), budget, k,
    strategy, plain (its plain name), creators, cost, certified_ratio (the optimizers'
    certified approximation ratio, null for the others), earned (mean of the objective),
    earned_ci_low, earned_ci_high, impressions, engagements, cost_per_engagement,
    cost_per_mille, emv with emv_ci_low and emv_ci_high (projected, from the 95% interval
    of projected impressions; null without a CPM), holds (models under which the
    same strategy wins this level), models, runner_up, runner_up_creators,
    runner_up_impressions, runner_up_cost_per_engagement, lead (objective, recommended
    minus runner-up), and vs_baseline, vs_baseline_low, vs_baseline_high (relative
    difference against the campaign's baseline strategy in the objective, paired 95%
    interval divided by the baseline's mean; null when the plan is the baseline).
    """
    o = results.objective
    summary = summarize(results)
    models = sorted(summary["model"].unique().to_list())
    ref = _reference(models, results.manifest)
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
        tops = {}
        for col in ("mean_projected_impressions", "mean_projected_engagements"):
            known = part.filter(pl.col(col).is_not_null())
            tops[col] = (
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
                b = (
                    r.get(f"baseline_mean_{o}")
                    if o != "activated"
                    else r["baseline_mean_activated"]
                )
                if b:
                    rel = (r[f"mean_diff_{o}"] / b, r[f"diff_{o}_ci_low"] / b,
                           r[f"diff_{o}_ci_high"] / b)  # fmt: skip
        rows.append(
            {
                "brand": brand, "model": ref, "level": "budget" if budget is not None else "k",
                "budget": budget, "k": k, "strategy": best["strategy"],
                "plain": PLAIN_NAMES.get(best["strategy"], best["strategy"]),
                "creators": round(best["seeds_used"]), "cost": best["cost_spent"],
                "certified_ratio": best.get("certified_ratio"),
                "earned": best[mean], "earned_ci_low": best[f"{o}_ci_low"],
                "earned_ci_high": best[f"{o}_ci_high"],
                "impressions": best["mean_projected_impressions"],
                "engagements": best["mean_projected_engagements"],
                "cost_per_engagement": best["cost_per_engagement"],
                "cost_per_mille": best["cost_per_mille"], "emv": best["projected_emv"],
                "emv_ci_low": _emv(best, "projected_impressions_ci_low"),
                "emv_ci_high": _emv(best, "projected_impressions_ci_high"),
                "holds": holds, "models": winners.height,
                "runner_up": None if second is None else second["strategy"],
                "runner_up_creators": None if second is None else round(second["seeds_used"]),
                "runner_up_impressions": None if second is None
                else second["mean_projected_impressions"],
                "runner_up_cost_per_engagement": None if second is None
                else second["cost_per_engagement"],
                "lead": None if second is None else best[mean] - second[mean],
                "vs_baseline": rel[0], "vs_baseline_low": rel[1], "vs_baseline_high": rel[2],
                "baseline": base, "objective": o,
                "most_impressions": (t := tops["mean_projected_impressions"]) and t["strategy"],
                "most_impressions_value": t and t["mean_projected_impressions"],
                "most_engagements": (u := tops["mean_projected_engagements"]) and u["strategy"],
                "most_engagements_value": u and u["mean_projected_engagements"],
                "most_engagements_cpe": u and u["cost_per_engagement"],
            }
        )  # fmt: skip
    return pl.DataFrame(rows, infer_schema_length=None)


def headline(plan_rows: pl.DataFrame, brand: str, currency: str = "") -> str:
    """One sentence for ``brand`` at its largest level, e.g. "At 5,000, work with these
    14 creators (the optimized plan): about 41,000 people see the post (projected), 1,900
    engage, 2.60 per engagement; that beats the largest on-topic accounts by 18% (95% CI
    12% to 24%) and holds under 2 of 3 virality models." """
    part = plan_rows.filter(pl.col("brand") == brand)
    if part.height == 0:
        return f"No plan for {brand}."
    r = part.sort(["budget", "k"], nulls_last=True).row(part.height - 1, named=True)
    b = r["budget"]
    budget = "" if b is None else format_money(b, currency, whole=float(b).is_integer())
    at = f"At {budget}" if r["budget"] is not None else f"With {r['k']} seeds"
    text = (
        f"{at}, work with these {r['creators']} creators ({r['plain']}): "
        f"about {people(r['impressions'])} people see the post (projected), "
        f"{people(r['engagements'])} engage"
    )
    if r["cost_per_engagement"] is not None and math.isfinite(r["cost_per_engagement"]):
        text += f", {format_money(r['cost_per_engagement'], currency)} per engagement"
    if r["vs_baseline"] is not None:
        word = "beats" if r["vs_baseline"] >= 0 else "trails"
        text += (
            f"; that {word} {PLAIN_NAMES.get(r['baseline'], r['baseline'])} by "
            f"{abs(r['vs_baseline']):.0%} in {METRIC_WORDS[r['objective']]} (95% CI "
            f"{r['vs_baseline_low']:+.0%} to {r['vs_baseline_high']:+.0%})"
        )
    elif r["strategy"] == r["baseline"]:
        text += f"; it is the {r['baseline']} baseline itself"
    if r["models"] > 1:
        text += f" and holds under {r['holds']} of {r['models']} virality models"
    others = []
    if r["most_impressions"] not in (None, r["strategy"]):
        others.append(
            f"for the most people reached, {PLAIN_NAMES.get(r['most_impressions'], '')} "
            f"({r['most_impressions']}, about {people(r['most_impressions_value'])})"
        )
    if r["most_engagements"] not in (None, r["strategy"]):
        cpe = r["most_engagements_cpe"]
        each = (
            f" at {format_money(cpe, currency)} each"
            if cpe is not None and math.isfinite(cpe)
            else ""
        )
        others.append(
            f"for the most engagements, {PLAIN_NAMES.get(r['most_engagements'], '')} "
            f"({r['most_engagements']}, about {people(r['most_engagements_value'])}{each})"
        )
    return text + (". Trade-off: " + "; ".join(others) if others else "") + "."
