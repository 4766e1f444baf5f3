"""The one-page brief of a brand, the part of the report a manager forwards.

Per brand: the recommendation sentence (:func:`pipeline.report.plan.headline`), the plan per
budget (:func:`brief_plan`: the recommended strategy, its creators, spend, budget left
unspent, engagements, people and cost per engagement, and the runner-up with the same
figures) and every creator of the recommended plan at the largest budget
(:func:`brief_creators`: handle, platform, cost, the people its own post adds, its own
post's engagements and their cost per engagement (one basis, said in the headers) and a
line on why, :func:`pipeline.report.why.why`). A strategy is named in plain words with
its code (:func:`strategy_label`). Cells are
display text with a flag for numbers; the template lays them out, one printed page per
brand. Counts have two significant figures (:func:`pipeline.report.plan.people`).
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from pipeline.aggregate import METRIC_WORDS
from pipeline.export import format_money
from pipeline.report.plan import people
from pipeline.report.why import OWN_POST_HEADS, WHY_LEGEND, why
from pipeline.seeding.registry import plain_name

__all__ = ["brief_creators", "brief_plan", "largest", "level_name", "strategy_label"]

Cell = tuple[str, bool]  # display text, is a number (right-aligned)


def _money(x: float | None, currency: str, whole: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return format_money(x, currency, whole=whole)


def _count(x: float | None) -> str:
    return "n/a" if x is None else people(x)


def largest(plan: pl.DataFrame) -> dict[str, Any] | None:
    """The plan row of the largest level (the one :func:`pipeline.report.plan.headline` speaks
    of); None for no rows."""
    if plan.height == 0:
        return None
    return plan.sort(["budget", "k"], nulls_last=True).row(plan.height - 1, named=True)


def level_name(r: dict[str, Any], currency: str) -> str:
    """A plan row's level: its budget as money, or ``k = 5``."""
    if r["budget"] is not None:
        return _money(r["budget"], currency, whole=float(r["budget"]).is_integer())
    return f"k = {r['k']}"


def strategy_label(plain: str, code: str, *more: str) -> str:
    """A strategy's plain name with its code (and ``more`` figures) in one pair of
    parentheses: ``the optimized plan (imm)``; a plain name that ends in a parenthesis
    takes the code inside it, ``the robust plan (the best worst case over the virality
    models; robust)``, never ``...models) (robust)``."""
    inner = ", ".join((code, *more))
    if plain.endswith(")"):
        return f"{plain[:-1]}; {inner})"
    return f"{plain} ({inner})"


def _shown_objective(objective: str) -> bool:
    """Whether the plan table needs a column for the objective (not one it shows)."""
    return objective not in ("engagements", "people")


def brief_plan(plan: pl.DataFrame, currency: str) -> dict[str, Any] | None:
    """The brief's plan per budget: heads and rows of cells; None without plan rows."""
    if plan.height == 0:
        return None
    o = plan["objective"][0]
    extra = _shown_objective(o)
    heads = ["budget", "recommended", "creators", "spend", "left unspent"]
    heads += [METRIC_WORDS.get(o, o)] if extra else []
    heads += ["engagements", "people", "cost per engagement", "runner-up"]
    rows = []
    for r in plan.sort(["budget", "k"], nulls_last=True).iter_rows(named=True):
        runner = "none"
        if r["runner_up"] is not None:
            name = plain_name(r["runner_up"])
            figures = [
                f"{r['runner_up_creators']} creators",
                f"{_money(r['runner_up_cost'], currency, whole=True)} spent",
                *([f"{_count(r['runner_up_value'])} {METRIC_WORDS.get(o, o)}"] if extra else []),
                f"{_count(r['runner_up_engagements'])} engagements",
                f"{_count(r['runner_up_people'])} people",
                f"{_money(r['runner_up_cost_per_engagement'], currency)} per engagement",
            ]
            runner = f"{strategy_label(name, r['runner_up'])}: " + ", ".join(figures)
        left = "" if r["left"] is None else _money(r["left"], currency, whole=True)
        row: list[Cell] = [
            (level_name(r, currency), True),
            (strategy_label(r["plain"], r["strategy"]), False),
            (str(r["creators"]), True),
            (_money(r["cost"], currency, whole=True), True),
            (left, True),
        ]
        row += [(_count(r["value"]), True)] if extra else []
        row += [
            (_count(r["engagements"]), True),
            (_count(r["people"]), True),
            (_money(r["cost_per_engagement"], currency), True),
            (runner, False),
        ]
        rows.append(row)
    return {"heads": heads, "rows": rows, "model": plan["model"][0]}


def brief_creators(
    seeds: pl.DataFrame, objective: str, currency: str, top: dict[str, Any]
) -> dict[str, Any] | None:
    """Every creator of the recommended plan ``top`` (a plan row) from its ``seeds``, in
    seeding order: heads, rows of cells (text, is a number, a second line: the creator's
    platform under its handle) and a caption; None without seeds."""
    if seeds.height == 0:
        return None
    people_head, engagements_head, cpe_head = OWN_POST_HEADS
    heads = ["#", "creator, platform", "cost", people_head, engagements_head, cpe_head, "why"]
    rows = []
    for s in seeds.iter_rows(named=True):
        engagements = s.get("own_engagements")
        cost = s.get("cost")
        cpe = cost / engagements if cost is not None and engagements else None
        rows.append(
            [
                (str(s["rank"]), True, ""),
                (str(s.get("handle") or s.get("id") or ""), False, str(s.get("platform") or "")),
                (_money(cost, currency, whole=True), True, ""),
                (_count(s.get("marginal_people")), True, ""),
                (_count(engagements), True, ""),
                (_money(cpe, currency), True, ""),
                (why(s, objective, currency), False, ""),
            ]
        )
    at = level_name(top, currency)
    caption = (
        f"The {seeds.height} creators of {top['plain']} at {at} ({top['model']}), in the "
        "order chosen. Cost: fee plus overhead. Own-post people (those the creators above "
        "do not reach) and engagements leave reshares out; cost per engagement is over "
        f"them. {WHY_LEGEND}"
    )  # fmt: skip
    return {"heads": heads, "rows": rows, "caption": caption}
