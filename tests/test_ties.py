"""Wins, ties and the undecided: the best strategy of a level against the runner-up on
their paired per-run differences, and how verdicts say it (with what each strategy
spends). The runs tables are written by hand so that each outcome happens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from pipeline.aggregate import (
    AUDIENCE_SCHEMA,
    CURVES_SCHEMA,
    RESULTS_FORMAT,
    SEEDS_SCHEMA,
    Results,
    level_outcomes,
    level_winners,
    summarize_runs,
    verdicts,
)
from pipeline.errors import InputError

# shared noise: run r of every strategy of a brand and model draws the same base
BASE = np.array([1000, 1400, 700, 1200, 900, 1100, 800, 1300], dtype=float)  # mean 1050
CLEAR = np.array([60, 40, 55, 45, 50, 65, 35, 50], dtype=float)  # +50, sd 10
SMALL = np.array([6, 4, 5, 5, 6, 4, 5, 5], dtype=float)  # +5: real, but within 2%
NOISY = np.array([150, -120, 130, -110, 90, -100, 140, -80], dtype=float)  # +12.5 ± 100


def _runs(cells: list[tuple[str, str, float | None, Any, float]], *, shuffle: bool = True):  # type: ignore[no-untyped-def]
    """(model, strategy, budget, engagements per run, cost) -> a runs table; rows of each
    cell in scrambled order, so that pairing by position instead of run would show."""
    frames = []
    rng = np.random.default_rng(0)
    for model, strategy, budget, values, cost in cells:
        v = np.asarray(values, dtype=float)
        run = np.arange(v.size)
        order = rng.permutation(v.size) if shuffle else run
        frames.append(
            pl.DataFrame(
                {
                    "brand": "b",
                    "model": model,
                    "strategy": strategy,
                    "budget": budget,
                    "k": None,
                    "run": run[order],
                    "engagements": v[order],
                    "activated": (v[order] // 10).astype(np.int64),
                    "exposed": (v[order] // 5).astype(np.int64),
                    "seeds_used": 3,
                    "cost_spent": cost,
                    "cpm": None,
                },
                schema_overrides={"k": pl.Int64, "cpm": pl.Float64, "budget": pl.Float64},
            )
        )
    return pl.concat(frames)


def _results(runs: pl.DataFrame, **manifest: Any) -> Results:
    m = {"format": RESULTS_FORMAT, "objective": {"used": "engagements"}, "currency": "$",
         **manifest}  # fmt: skip
    return Results(
        path=Path("/nowhere"), manifest=m, runs=runs.lazy(),
        seeds=pl.DataFrame(schema=SEEDS_SCHEMA), audience=pl.DataFrame(schema=AUDIENCE_SCHEMA),
        curves=pl.DataFrame(schema=CURVES_SCHEMA),
    )  # fmt: skip


def _three_budgets(model: str = "m", imm_cost: float = 4990.0, tie_leader: str = "imm") -> list:  # type: ignore[type-arg]
    """imm clearly ahead of micro at 1,000 and 2,500, a tie (+5 of ~3,150) at 5,000,
    where ``tie_leader`` is the one 5 ahead."""
    cells = []
    for budget, scale, extra in ((1000.0, 1, CLEAR), (2500.0, 2, 2 * CLEAR), (5000.0, 3, SMALL)):
        ahead = extra if budget < 5000 or tie_leader == "imm" else -extra
        cells += [
            (model, "micro", budget, scale * BASE, 0.82 * budget),
            (model, "imm", budget, scale * BASE + ahead, imm_cost * budget / 5000.0),
            (model, "macro", budget, scale * BASE - 200 * scale, 0.99 * budget),
        ]
    return cells


def _outcome(df: pl.DataFrame, budget: float) -> dict[str, Any]:
    rows = df.filter(pl.col("budget") == budget)
    assert rows.height == 1
    return rows.row(0, named=True)


def test_each_outcome_from_paired_runs() -> None:
    runs = _runs(
        [
            *_three_budgets(),
            ("m", "imm", 9000.0, BASE + NOISY, 9000.0),
            ("m", "micro", 9000.0, BASE, 8000.0),
            ("m", "imm", 7000.0, BASE, 7000.0),  # alone at its level
        ]
    )
    out = level_outcomes(runs, "engagements")
    assert out.columns == [
        "brand", "model", "budget", "k", "objective", "best", "runner_up", "best_mean",
        "runner_up_mean", "runs", "mean_diff", "diff_ci_low", "diff_ci_high", "margin", "outcome",
    ]  # fmt: skip
    win = _outcome(out, 1000.0)
    assert (win["best"], win["runner_up"], win["runs"], win["outcome"]) == (
        "imm",
        "micro",
        8,
        "win",
    )
    assert win["mean_diff"] == pytest.approx(50.0)
    assert win["margin"] == pytest.approx(0.02 * 1100.0)  # 2% of the larger mean
    # the paired interval, not the cells' own: those overlap by far (shared noise)
    s = summarize_runs(runs).filter(pl.col("budget") == 1000.0)
    imm = s.filter(pl.col("strategy") == "imm").row(0, named=True)
    micro = s.filter(pl.col("strategy") == "micro").row(0, named=True)
    assert imm["engagements_ci_low"] < micro["mean_engagements"] < imm["mean_engagements"]
    sd = float(np.std(CLEAR, ddof=1))
    half = 2.3646242516 * sd / np.sqrt(8)  # t(0.975, 7)
    assert win["diff_ci_low"] == pytest.approx(50.0 - half)
    assert win["diff_ci_high"] == pytest.approx(50.0 + half)
    tie = _outcome(out, 5000.0)
    assert tie["outcome"] == "tie" and tie["diff_ci_low"] > 0  # real, but too small to matter
    assert tie["diff_ci_high"] < tie["margin"]
    noisy = _outcome(out, 9000.0)
    assert noisy["outcome"] == "indistinguishable"
    assert noisy["diff_ci_low"] < 0 < noisy["margin"] < noisy["diff_ci_high"]
    alone = _outcome(out, 7000.0)
    assert (alone["outcome"], alone["runner_up"], alone["runs"]) == ("win", None, 0)
    # the margin decides: none makes the small real difference a win, 10% the clear one a tie
    assert _outcome(level_outcomes(runs, "engagements", tie_margin=0.0), 5000.0)["outcome"] == "win"
    wide = level_outcomes(runs, "engagements", tie_margin=0.1)
    assert _outcome(wide, 1000.0)["outcome"] == "tie"


def test_a_single_run_or_no_common_run_is_not_distinguishable() -> None:
    one = _runs([("m", "imm", 1.0, [500.0], 1.0), ("m", "micro", 1.0, [100.0], 1.0)])
    row = level_outcomes(one, "engagements").row(0, named=True)
    assert (row["runs"], row["diff_ci_low"], row["outcome"]) == (1, None, "indistinguishable")
    apart = one.with_columns(
        pl.when(pl.col("strategy") == "micro").then(7).otherwise(pl.col("run")).alias("run")
    )
    row = level_outcomes(apart, "engagements").row(0, named=True)
    assert (row["runs"], row["outcome"]) == (0, "indistinguishable")


@pytest.mark.parametrize("tie_leader", ["imm", "micro"])
def test_verdict_names_ties_and_spending(tie_leader: str) -> None:
    """The tie at $5,000 is named whether imm is 5 ahead there or 5 behind."""
    res = _results(_runs(_three_budgets(tie_leader=tie_leader)))
    v = verdicts(res).row(0, named=True)
    led = 3 if tie_leader == "imm" else 2
    gain = "+452" if tie_leader == "imm" else "+448"  # (250 + 500 + 605 or 595) / 3
    assert (v["best_strategy"], v["levels_won"], v["levels_led"], v["levels_tied"]) == (
        "imm", 2, led, 1)  # fmt: skip
    assert (v["levels_indistinguishable"], v["levels"], v["tie_margin"]) == (0, 3, 0.02)
    assert v["verdict"] == (
        "imm (optimized) gives the most engagements at 2 of 3 budgets (ties with micro at "
        f"$5,000), {gain} engagements over macro on average; of the $5,000 budget, imm spends "
        "$4,990, macro $4,950 and micro $4,100"
    )
    if tie_leader == "micro":
        return
    # the campaign's margin (manifest) and an explicit one
    assert verdicts(_results(_runs(_three_budgets()), tie_margin=0.0))["levels_won"][0] == 3
    loose = verdicts(res, tie_margin=0.1).row(0, named=True)
    assert (loose["levels_won"], loose["levels_tied"]) == (0, 3)
    assert loose["verdict"].startswith(
        "no strategy clearly gives the most engagements: imm (optimized) leads at 3 of 3 budgets "
        "(ties with micro at $1,000, $2,500 and $5,000), +452"
    )
    # a summary alone cannot judge ties: every lead counts, and the columns say unknown
    blind = verdicts(summarize_runs(res.runs)).row(0, named=True)
    assert (blind["levels_won"], blind["levels_tied"]) == (3, None)
    assert blind["verdict"].startswith("imm (optimized) gives the most engagements at 3 of 3 ")
    assert blind["verdict"].endswith("; of the 5,000 budget, imm spends 4,990, macro 4,950 and "
                                     "micro 4,100")  # fmt: skip
    # ... unless given the runs
    assert verdicts(summarize_runs(res.runs), runs=res.runs)["levels_tied"][0] == 1


def test_not_distinguishable_in_the_verdict() -> None:
    cells = [("m", "imm", b, BASE + NOISY, b) for b in (100.0, 200.0)]
    cells += [("m", "micro", b, BASE, b / 2) for b in (100.0, 200.0)]
    v = verdicts(_results(_runs(cells))).row(0, named=True)
    assert v["verdict"] == (
        "no strategy clearly gives the most engagements: imm (optimized) leads at 2 of 2 budgets "
        "(not distinguishable from micro at $100 and $200); no macro baseline to compare with; "
        "of the $200 budget, imm spends $200 and micro $100"
    )


def test_level_winners_carry_the_outcome() -> None:
    runs = _runs(_three_budgets())
    plain = level_winners(summarize_runs(runs), "engagements")
    assert "outcome" not in plain.columns and plain["strategy"].to_list() == ["imm"] * 3
    judged = level_winners(summarize_runs(runs), "engagements", runs=runs)
    assert judged["outcome"].to_list() == ["win", "win", "tie"]
    assert judged["runner_up"].to_list() == ["micro"] * 3


@pytest.mark.parametrize("bad", [-0.1, 1.0, float("nan"), True, "2%"])
def test_bad_tie_margins(bad: object) -> None:
    res = _results(_runs(_three_budgets()))
    with pytest.raises(InputError, match="tie_margin must be a number in"):
        verdicts(res, tie_margin=bad)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="tie_margin must be a number in"):
        level_outcomes(res, tie_margin=bad)  # type: ignore[arg-type]
    assert _results(_runs(_three_budgets()), tie_margin=bad).tie_margin == 0.02  # ignored


def test_the_campaign_file_carries_the_tie_margin(tmp_path: Path) -> None:
    from pipeline.campaign import load_config

    data = Path(__file__).resolve().parents[1] / "data"
    head = (
        f'output = "{tmp_path / "o"}"\n{{}}\n[inputs]\ngraph = "{data / "follows.csv"}"\n'
        f'profiles = "{data / "profiles.csv"}"\nbrands = "{data / "brands.csv"}"\n'
        "[grid]\nbudgets = [1000]\n"
    )
    (tmp_path / "c.toml").write_text(head.format("tie_margin = 0.05"))
    cfg = load_config(tmp_path / "c.toml")
    assert cfg.tie_margin == 0.05 and "tie_margin" not in cfg.settings()  # not a setting
    (tmp_path / "bad.toml").write_text(head.format("tie_margin = 1.5"))
    with pytest.raises(InputError, match=r"bad.toml: tie_margin: must be a number in \[0, 1\)"):
        load_config(tmp_path / "bad.toml")
