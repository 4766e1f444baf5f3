"""Does a winner hold across models? :func:`robustness`, per brand, on the summary and
(given the runs) on whether its leads are clear (:mod:`pipeline.aggregate.outcomes`).
"""

from __future__ import annotations

import polars as pl

from pipeline.aggregate.outcomes import spend_clause
from pipeline.aggregate.results import METRIC_WORDS, Results
from pipeline.aggregate.winners import (
    Runs,
    _and,
    _check_objective,
    _plural,
    _source,
    _unit,
    _winners,
)
from pipeline.registry import family_of

__all__ = ["robustness"]


def _clarity(part: pl.DataFrame, best: str) -> str:
    """`` (of its 6 leads, 1 is a tie and 2 are not distinguishable)`` when some of the
    best's leads are not clear wins, else ""."""
    mine = part.filter(pl.col("strategy") == best)["outcome"]
    ties = int((mine == "tie").sum())
    unclear = int((mine == "indistinguishable").sum())
    bits = []
    if ties:
        bits.append(f"{ties} {_plural(ties, 'is a tie', 'are ties')}")
    if unclear:
        bits.append(f"{unclear} {_plural(unclear, 'is', 'are')} not distinguishable")
    n = mine.len()
    return f" (of its {n} {_plural(n, 'lead', 'leads')}, {_and(bits)})" if bits else ""


def robustness(
    source: Results | pl.DataFrame,
    objective: str | None = None,
    *,
    tie_margin: float | None = None,
    runs: Runs | None = None,
) -> pl.DataFrame:
    """Per brand, the strategy that leads the most (model, level) pairs, and under how
    many models it holds (leads every level of that model).

    Columns: brand, objective, best_strategy, family, wins (model x level pairs
    led), clear_wins (of those, clear wins: :func:`level_outcomes` at ``tie_margin``,
    given the runs of :class:`Results` or ``runs``; null without them), pairs,
    models_held, models, levels (per model, the most of any model), exceptions
    (``model: winner (n of L)`` for each model where it does not hold, ``; ``-joined),
    verdict (one sentence, e.g. "micro (micro) gives the most earned exposure at all
    3 budgets under 2 of 3 models (of its 7 leads, 1 is a tie); under high-virality,
    imm wins 3 of 3; of the $10,000 budget, micro spends $8,590, imm $9,100–9,800 and
    macro $9,985"; spending ranges over the models). O(runs + summary rows · log).
    """
    summary, _, objective, runs, margin, currency = _source(source, objective, runs, tie_margin)
    _check_objective(objective)
    winners = _winners(summary, objective, runs, margin)
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
        mine = summary.filter(pl.col("brand") == brand)
        per_cost = mine.group_by("strategy").agg(pl.col(f"{objective}_per_cost").mean())
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
        text += _clarity(part, best)
        if others:
            parts = []
            for m, top, n, L in others:
                mine_n = by_model[m].get(best, 0)
                if top == best:  # it leads there too, but not at every level
                    rest = ", ".join(x for x in sorted(by_model[m]) if x != best)
                    parts.append(f"under {m} it wins {mine_n} of {L} ({rest} the rest)")
                else:
                    parts.append(f"under {m}, {top} wins {n} of {L}")
            text += "; " + "; ".join(parts)
        spend = spend_clause(mine, best, currency)
        outcome = part.filter(pl.col("strategy") == best)["outcome"]
        rows.append(
            {
                "brand": brand,
                "objective": objective,
                "best_strategy": best,
                "family": family_of(best),
                "wins": totals[best],
                "clear_wins": None if runs is None else int((outcome == "win").sum()),
                "pairs": len(part),
                "models_held": len(held),
                "models": len(models),
                "levels": levels,
                "exceptions": "; ".join(f"{m}: {t} ({n} of {L})" for m, t, n, L in others),
                "verdict": text + (f"; {spend}" if spend else ""),
            }
        )
    schema = {"brand": pl.String, "objective": pl.String, "best_strategy": pl.String,
              "family": pl.String, "wins": pl.Int64, "clear_wins": pl.Int64, "pairs": pl.Int64,
              "models_held": pl.Int64, "models": pl.Int64, "levels": pl.Int64,
              "exceptions": pl.String, "verdict": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema).sort("brand")
