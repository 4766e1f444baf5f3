"""Campaign results: loading, summaries, paired comparisons, verdicts, candidates.

The results folder is written by hand with known numbers:

- brand ``acme`` (model ``wc``, budgets 100 and 200, 4 runs per cell) with
  macro, micro and imm; micro's runs file is written in reverse run order so
  that pairing by position instead of by run number would show.
- brand ``zeta`` (grid by k = 2 and 4, 1 run per cell), in a folder named
  ``brand=Z`` with a Null-typed ``budget`` column and Int64 ``steps``.
- an unfinished acme cell (budget 300) with companion files but no runs file,
  and hidden ``.<name>.parquet.<random>.tmp`` files that must be ignored.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from pipeline.aggregate import (
    AUDIENCE_SCHEMA,
    CURVES_SCHEMA,
    RUNS_SCHEMA,
    SEEDS_SCHEMA,
    Results,
    candidates,
    compare,
    compare_runs,
    load_results,
    summarize,
    summarize_runs,
    verdicts,
)
from pipeline.errors import InputError

KEY_COLS = ("cell", "brand", "model", "strategy", "budget", "k")

# (brand, strategy, budget, k) -> (activated per run, exposed per run, cost_spent, seeds_used)
ACME: dict[tuple[str, float], tuple[list[int], float, int]] = {
    ("macro", 100.0): ([100, 110, 120, 130], 90.0, 1),
    ("micro", 100.0): ([105, 115, 125, 135], 100.0, 4),
    ("imm", 100.0): ([100, 110, 100, 130], 80.0, 3),
    ("macro", 200.0): ([200, 220, 240, 260], 200.0, 2),
    ("micro", 200.0): ([210, 230, 250, 270], 0.0, 4),
    ("imm", 200.0): ([2301, 2321, 2341, 2361], 150.0, 3),
}
ZETA: dict[tuple[str, int], tuple[list[int], float, int]] = {
    ("macro", 2): ([50], 10.0, 2),
    ("micro", 2): ([40], 4.0, 2),
    ("imm", 2): ([45], 9.0, 2),
    ("macro", 4): ([60], 20.0, 4),
    ("micro", 4): ([80], 7.0, 4),
    ("imm", 4): ([65], 13.0, 4),
}
IMM_TIERS = ("mega", "micro", "nano", "mid")


def _exposed(strategy: str, activated: list[int]) -> list[int]:
    # micro reaches fewer non-activated followers: its exposed is 100 below 10x.
    return [10 * a - (100 if strategy == "micro" else 0) for a in activated]


def _key(brand: str, strategy: str, budget: float | None, k: int | None) -> dict[str, Any]:
    level = f"b{budget:g}" if budget is not None else f"k{k}"
    cell = f"{brand}-wc-{strategy}-{level}"
    return {"cell": cell, "brand": brand, "model": "wc", "strategy": strategy, "budget": budget}


def _frame(
    key: dict[str, Any], k: int | None, cols: dict[str, list[Any]], schema: dict[str, Any]
) -> pl.DataFrame:
    n = len(next(iter(cols.values())))
    data: dict[str, Any] = {c: [key[c]] * n for c in KEY_COLS if c != "k"}
    data["k"] = [k] * n
    data.update(cols)
    return pl.DataFrame(data, schema={c: schema[c] for c in data})


def _write(root: Path, table: str, folder: str, name: str, df: pl.DataFrame) -> None:
    d = root / table / f"brand={folder}"
    d.mkdir(parents=True, exist_ok=True)
    df.write_parquet(d / name)


def _write_cell(
    root: Path,
    folder: str,
    brand: str,
    strategy: str,
    budget: float | None,
    k: int | None,
    activated: list[int],
    cost: float,
    n_seeds: int,
    *,
    finished: bool = True,
) -> None:
    key = _key(brand, strategy, budget, k)
    name = f"{key['cell']}.parquet"
    runs = _frame(
        key,
        k,
        {
            "run": list(range(len(activated))),
            "activated": activated,
            "exposed": _exposed(strategy, activated),
            "steps": [3] * len(activated),
            "cost_spent": [cost] * len(activated),
            "seeds_used": [n_seeds] * len(activated),
        },
        RUNS_SCHEMA,
    )
    if brand == "acme":  # zeta's files have no cpm column (older writers): null EMV
        runs = runs.with_columns(
            pl.lit(20.0 if strategy == "micro" else 10.0).alias("cpm"),
            # platform units: 100 impressions per exposed account (zeta has none: null)
            (pl.col("exposed") * 100.0).alias("impressions"),
        )
    if strategy == "micro":
        runs = runs.reverse()
    if brand == "zeta":
        # A k-grid writer may leave budget untyped and use Int64 for steps.
        runs = runs.with_columns(pl.lit(None).alias("budget"), pl.col("steps").cast(pl.Int64))
    if finished:
        _write(root, "runs", folder, name, runs)
    ranks = list(range(n_seeds, 0, -1))  # written out of order on purpose
    seeds = _frame(
        key,
        k,
        {
            "rank": ranks,
            "id": [f"{strategy}-{r}" for r in ranks],
            "handle": [None if r == 2 else f"@{strategy}{r}" for r in ranks],
            "tier": [IMM_TIERS[r - 1] if strategy == "imm" else strategy for r in ranks],
            "cost": [10.0 * r for r in ranks],
            "followers": [1000 * r for r in ranks],
            "relevance": [0.5] * n_seeds,
            "marginal_gain": [100.0 / r for r in ranks],
            "cumulative_reach": [sum(100.0 / q for q in range(1, r + 1)) for r in ranks],
            "forced": [False] * n_seeds,
        },
        SEEDS_SCHEMA,
    )
    _write(root, "seeds", folder, name, seeds)
    mean = float(np.mean(activated))
    audience = _frame(
        key,
        k,
        {"tier": ["nano", "micro"], "expected_activated": [0.25 * mean, 0.75 * mean]},
        AUDIENCE_SCHEMA,
    ).with_columns(pl.lit(1000, pl.Int64).alias("accounts"))
    _write(root, "audience", folder, name, audience)
    curves = _frame(
        key,
        k,
        {"step": [0, 1], "mean_new": [float(n_seeds), mean - n_seeds], "mean_cumulative": [0, 0]},
        CURVES_SCHEMA,
    )
    _write(root, "curves", folder, name, curves)


def _build(root: Path, manifest: dict[str, Any] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if manifest is None:
        manifest = {"format": "influence-campaign/1", "fingerprint": "abc", "settings": {}}
    (root / "campaign.json").write_text(json.dumps(manifest))
    for (strategy, budget), (act, cost, n) in ACME.items():
        _write_cell(root, "acme", "acme", strategy, budget, None, act, cost, n)
    for (strategy, k), (act, cost, n) in ZETA.items():
        _write_cell(root, "Z", "zeta", strategy, None, k, act, cost, n)
    # Unfinished cell: companions but no runs file; a half-written runs file instead.
    _write_cell(root, "acme", "acme", "imm", 300.0, None, [9999] * 4, 300.0, 4, finished=False)
    bogus = pl.read_parquet(root / "runs" / "brand=acme" / "acme-wc-imm-b200.parquet")
    bogus = bogus.with_columns(
        pl.lit(300.0).alias("budget"), pl.lit("acme-wc-imm-b300").alias("cell")
    )
    bogus.write_parquet(root / "runs" / "brand=acme" / ".acme-wc-imm-b300.parquet.abc.tmp")
    seeds = pl.read_parquet(root / "seeds" / "brand=acme" / "acme-wc-imm-b300.parquet")
    seeds.write_parquet(root / "seeds" / "brand=acme" / ".x.parquet.abc.tmp")
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("results") / "out")


@pytest.fixture(scope="module")
def results(folder: Path) -> Results:
    return load_results(folder)


@pytest.fixture(scope="module")
def summary(results: Results) -> pl.DataFrame:
    return summarize(results)


def _row(df: pl.DataFrame, **where: Any) -> dict[str, Any]:
    sub = df.filter(**where)
    assert sub.height == 1, (where, sub)
    return sub.row(0, named=True)


def _ci(x: Sequence[float]) -> tuple[float, float | None, float | None]:
    """The oracle: Student's t interval from scipy (None for a single run)."""
    from scipy.stats import t

    a = np.asarray(x, dtype=float)
    if a.size < 2:
        return float(a.mean()), None, None
    half = t.ppf(0.975, a.size - 1) * a.std(ddof=1) / math.sqrt(a.size)
    return float(a.mean()), float(a.mean() - half), float(a.mean() + half)


# --------------------------------------------------------------------------- loading


def test_load_only_finished_cells(results: Results) -> None:
    runs = results.runs.collect()
    assert runs.height == 6 * 4 + 6 * 1
    assert runs.schema == pl.Schema(RUNS_SCHEMA)
    # The hidden .tmp runs file and the unfinished cell's companions are ignored.
    for table in (runs, results.seeds, results.audience, results.curves):
        assert 300.0 not in table["budget"].to_list()
        assert set(table["cell"]) == set(runs["cell"])
    assert results.seeds.height == sum(n for _, _, n in ACME.values()) + sum(
        n for _, _, n in ZETA.values()
    )
    # Brand comes from the column ("zeta"), not the folder name ("brand=Z").
    assert sorted(set(runs["brand"])) == ["acme", "zeta"]
    assert results.baseline == "macro"
    # a folder of an older format reads, says what it lacks, and is judged in-graph
    assert results.older and results.objective in ("activated", "earned_exposed")
    assert any("no platform units" in note for note in results.notes)


def test_load_errors(tmp_path: Path, folder: Path) -> None:
    with pytest.raises(InputError, match="no such results folder"):
        load_results(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="no such results folder"):
        load_results(tmp_path / "file")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"not a campaign results folder.*influence campaign"):
        load_results(empty)
    (empty / "campaign.json").write_text("{not json")
    with pytest.raises(InputError, match="not a campaign results folder"):
        load_results(empty)
    (empty / "campaign.json").write_text(json.dumps({"format": "influence-campaign/9"}))
    with pytest.raises(InputError, match="not a campaign results folder"):
        load_results(empty)
    (empty / "campaign.json").write_text(json.dumps(["influence-campaign/1"]))
    with pytest.raises(InputError, match="not a campaign results folder"):
        load_results(empty)
    # Only companions of an unfinished cell and a temporary runs file: nothing finished.
    (empty / "campaign.json").write_text(json.dumps({"format": "influence-campaign/1"}))
    shutil.copytree(folder / "seeds", empty / "seeds")
    (empty / "runs" / "brand=acme").mkdir(parents=True)
    shutil.copy(
        folder / "runs" / "brand=acme" / ".acme-wc-imm-b300.parquet.abc.tmp",
        empty / "runs" / "brand=acme",
    )
    with pytest.raises(InputError, match="no finished cells yet"):
        load_results(empty)


# --------------------------------------------------------------------------- summaries


def test_summarize_means_and_cis(summary: pl.DataFrame) -> None:
    assert summary.height == 12
    for (strategy, budget), (act, cost, n) in ACME.items():
        row = _row(summary, brand="acme", strategy=strategy, budget=budget)
        assert row["runs"] == 4
        for what, values in (("activated", act), ("exposed", _exposed(strategy, act))):
            mean, low, high = _ci(values)
            assert row[f"mean_{what}"] == pytest.approx(mean)
            assert row[f"{what}_ci_low"] == pytest.approx(low)
            assert row[f"{what}_ci_high"] == pytest.approx(high)
        assert row["cost_spent"] == cost
        assert row["seeds_used"] == n
        if cost == 0:
            assert row["activated_per_cost"] is None
            assert row["exposed_per_cost"] is None
        else:
            assert row["activated_per_cost"] == pytest.approx(np.mean(act) / cost)
            assert row["exposed_per_cost"] == pytest.approx(np.mean(_exposed(strategy, act)) / cost)
    # One run: zero-width interval.
    row = _row(summary, brand="zeta", strategy="micro", k=4)
    assert row["budget"] is None
    assert row["runs"] == 1
    assert row["mean_activated"] == 80.0  # one run: no interval, not a zero-wide one
    assert row["activated_ci_low"] is None and row["activated_ci_high"] is None


def test_summarize_sorted(summary: pl.DataFrame) -> None:
    keys = summary.select("brand", "budget", "k", "strategy").rows()
    assert keys[:3] == [("acme", 100.0, None, s) for s in ("imm", "macro", "micro")]
    assert keys[6:9] == [("zeta", None, 2, s) for s in ("imm", "macro", "micro")]


def test_summarize_tiers(summary: pl.DataFrame) -> None:
    imm = _row(summary, brand="acme", strategy="imm", budget=200.0)
    assert [imm[f"seeds_{t}"] for t in ("nano", "micro", "mid", "macro", "mega")] == [1, 1, 0, 0, 1]
    macro = _row(summary, brand="acme", strategy="macro", budget=100.0)
    assert [macro[f"seeds_{t}"] for t in ("nano", "micro", "mid", "macro", "mega")] == [
        0,
        0,
        0,
        1,
        0,
    ]
    assert summary["seeds_mid"].dtype == pl.Int64
    assert macro["reached_nano"] == pytest.approx(0.25 * 115)
    assert macro["reached_micro"] == pytest.approx(0.75 * 115)
    assert (macro["reached_mid"], macro["reached_macro"], macro["reached_mega"]) == (0.0, 0.0, 0.0)
    zeta = _row(summary, brand="zeta", strategy="imm", k=4)
    assert [zeta[f"seeds_{t}"] for t in ("nano", "micro", "mid", "macro", "mega")] == [
        1,
        1,
        1,
        0,
        1,
    ]
    assert zeta["reached_micro"] == pytest.approx(0.75 * 65)


def test_summarize_runs_accepts_dataframe(results: Results) -> None:
    lazy = summarize_runs(results.runs)
    eager = summarize_runs(results.runs.collect())
    assert lazy.equals(eager)


def test_valuation_columns(results: Results) -> None:
    s = summarize(results)
    micro = _row(s, brand="acme", strategy="micro", budget=100.0)
    mean_exposed = float(np.mean(_exposed("micro", [105, 115, 125, 135])))
    imp = 100.0 * mean_exposed  # EMV values impressions, never in-graph accounts
    assert micro["cpm"] == 20.0
    assert micro["mean_impressions"] == pytest.approx(imp)
    assert micro["emv"] == pytest.approx(imp * 20.0 / 1000)
    assert micro["emv_ci_low"] < micro["emv"] < micro["emv_ci_high"]
    assert micro["emv_per_cost"] == pytest.approx(imp * 20.0 / 1000 / 100.0)
    assert micro["cost_per_mille"] == pytest.approx(1000 * 100.0 / imp)
    assert micro["cost_per_exposure"] == pytest.approx(100.0 / mean_exposed)
    assert micro["cost_per_activation"] == pytest.approx(100.0 / 120.0)
    free = _row(s, brand="acme", strategy="micro", budget=200.0)  # cost 0: no ratio
    assert free["emv_per_cost"] is None and free["cost_per_activation"] == 0.0
    zeta = s.filter(pl.col("brand") == "zeta")
    assert zeta["cpm"].null_count() == zeta.height and zeta["emv"].null_count() == zeta.height
    d = _row(compare(results), brand="acme", strategy="micro", budget=100.0)
    base_exposed = float(np.mean(_exposed("macro", [100, 110, 120, 130])))
    assert d["emv"] == pytest.approx(100.0 * mean_exposed * 20.0 / 1000)
    assert d["baseline_emv"] == pytest.approx(100.0 * base_exposed * 10.0 / 1000)
    assert d["baseline_cost_per_activation"] == pytest.approx(90.0 / 115.0)


# --------------------------------------------------------------------------- comparisons


def test_emv_has_the_same_bits_in_every_process(results: Results) -> None:
    """EMV is ``mean_impressions x cpm x 0.001`` to the bit: polars evaluated ``x / 1000.0``
    sometimes as a division and sometimes as ``x * (1 / 1000.0)``, so a page's numbers
    changed in the last digit from one process to the next."""
    s = summarize(results).filter(pl.col("emv").is_not_null())
    assert s.height > 0
    want = s["mean_impressions"].to_numpy() * s["cpm"].to_numpy() * 0.001
    assert np.array_equal(s["emv"].to_numpy(), want)
    d = compare(results).filter(pl.col("emv").is_not_null())
    s = summarize(results).select("brand", "model", "strategy", "budget", "k", "cpm")
    d = d.join(s, on=["brand", "model", "strategy", "budget", "k"], nulls_equal=True)
    assert np.array_equal(
        d["emv"].to_numpy(), d["mean_impressions"].to_numpy() * d["cpm"].to_numpy() * 0.001
    )


def test_compare_paired(results: Results) -> None:
    diff = compare(results)
    metrics = ("activated", "exposed", "earned_activated", "earned_exposed", "engagements",
               "impressions", "people", "earned_engagements", "earned_impressions",
               "earned_people")  # fmt: skip
    assert diff.columns == [
        "brand",
        "model",
        "budget",
        "k",
        "strategy",
        "baseline",
        "runs",
        *(
            c
            for m in metrics
            for c in (f"mean_diff_{m}", f"diff_{m}_ci_low", f"diff_{m}_ci_high", f"win_share_{m}")
        ),
        "mean_activated",
        "baseline_mean_activated",
        *(c for m in metrics[1:] for c in (f"mean_{m}", f"baseline_mean_{m}")),
        "ratio",
        "emv",
        "baseline_emv",
        "cost_per_activation",
        "baseline_cost_per_activation",
    ]
    assert diff.height == 8
    assert set(diff["baseline"]) == {"macro"}
    # micro is +5 in every run (its file is in reverse order): paired CI has no width,
    # although the unpaired intervals of the two means overlap widely.
    micro = _row(diff, brand="acme", strategy="micro", budget=100.0)
    assert micro["runs"] == 4
    assert micro["mean_diff_activated"] == micro["diff_activated_ci_low"] == 5.0
    assert micro["diff_activated_ci_high"] == 5.0
    assert micro["win_share_activated"] == 1.0
    assert micro["mean_diff_exposed"] == micro["diff_exposed_ci_high"] == -50.0
    assert micro["win_share_exposed"] == 0.0
    assert micro["mean_activated"] == 120.0
    assert micro["baseline_mean_activated"] == 115.0
    assert micro["ratio"] == pytest.approx(120 / 115)
    s = summarize_runs(results.runs)
    m_micro = _row(s, brand="acme", strategy="micro", budget=100.0)
    m_macro = _row(s, brand="acme", strategy="macro", budget=100.0)
    assert m_micro["activated_ci_low"] < m_macro["activated_ci_high"]
    # imm vs macro at 100: diffs 0, 0, -20, 0 -> three ties count half each.
    imm = _row(diff, brand="acme", strategy="imm", budget=100.0)
    mean, low, high = _ci([0, 0, -20, 0])
    assert imm["mean_diff_activated"] == pytest.approx(mean)
    assert imm["diff_activated_ci_low"] == pytest.approx(low)
    assert imm["diff_activated_ci_high"] == pytest.approx(high)
    assert imm["win_share_activated"] == pytest.approx(0.375)
    assert imm["win_share_exposed"] == pytest.approx(0.375)
    # micro at 200: exposed diff 0 in every run -> all ties.
    assert _row(diff, brand="acme", strategy="micro", budget=200.0)["win_share_exposed"] == 0.5
    # The k grid pairs on null budgets.
    z = _row(diff, brand="zeta", strategy="micro", k=4)
    assert (z["runs"], z["mean_diff_activated"], z["diff_activated_ci_low"]) == (1, 20.0, None)


def test_compare_other_baseline(results: Results) -> None:
    diff = compare(results, "micro")
    assert set(diff["strategy"]) == {"imm", "macro"}
    row = _row(diff, brand="acme", strategy="macro", budget=100.0)
    assert row["mean_diff_activated"] == -5.0
    assert row["baseline"] == "micro"


def test_compare_baseline_from_manifest(tmp_path: Path, folder: Path) -> None:
    root = tmp_path / "out"
    shutil.copytree(folder, root)
    manifest = {"format": "influence-campaign/1", "fingerprint": "x", "baseline": "imm"}
    (root / "campaign.json").write_text(json.dumps(manifest))
    results = load_results(root)
    assert results.baseline == "imm"
    assert set(compare(results)["baseline"]) == {"imm"}


def test_compare_skips_groups_without_baseline(results: Results) -> None:
    runs = results.runs.filter(
        ~((pl.col("strategy") == "macro") & pl.col("budget").eq_missing(200.0))
    ).collect()
    diff = compare_runs(runs, "macro")
    assert diff.filter(pl.col("budget") == 200.0).height == 0
    assert diff.height == 6


def test_compare_errors(results: Results) -> None:
    with pytest.raises(InputError, match=r"'celf'.*imm, macro, micro"):
        compare(results, "celf")
    only_macro = results.runs.filter(pl.col("strategy") == "macro")
    with pytest.raises(InputError, match="nothing to compare"):
        compare_runs(only_macro, "macro")
    # macro only in zeta, the others only in acme: no group has both.
    disjoint = results.runs.filter(
        (pl.col("strategy") == "macro") == (pl.col("brand") == "zeta")
    ).collect()
    with pytest.raises(InputError, match="nothing to compare"):
        compare_runs(disjoint, "macro")


# --------------------------------------------------------------------------- verdicts


def test_verdicts(results: Results) -> None:
    v = verdicts(results)
    assert v.columns == [
        "brand",
        "model",
        "objective",
        "best_strategy",
        "family",
        "levels_won",
        "levels_led",
        "levels_tied",
        "levels_indistinguishable",
        "levels",
        "tie_margin",
        "mean_per_cost",
        "gain_vs_baseline",
        "verdict",
    ]
    acme = _row(v, brand="acme")
    # micro wins budget 100, imm budget 200; imm has the higher reach per cost.
    assert (acme["best_strategy"], acme["family"]) == ("imm", "optimized")
    # both leads are clear: micro is 5 ahead of macro in every run (margin 2.4), imm far
    assert (acme["levels_won"], acme["levels_led"], acme["levels_tied"], acme["levels"]) == (
        1, 1, 0, 2)  # fmt: skip
    assert acme["mean_per_cost"] == pytest.approx((110 / 80 + 2331 / 150) / 2)
    assert acme["gain_vs_baseline"] == pytest.approx(((110 - 115) + (2331 - 230)) / 2)
    assert acme["verdict"] == (
        "imm (optimized) gives the most activated accounts (in-graph) at 1 of 2 budgets, "
        "+1,048 accounts over macro on average; of the 200 budget, imm spends 150, macro 200 "
        "and micro 0"
    )
    zeta = _row(v, brand="zeta")
    # macro leads k=2, micro k=4, each on a single run: not distinguishable from the
    # runner-up (no interval); micro has the higher reach per cost.
    assert (zeta["best_strategy"], zeta["family"], zeta["levels_won"]) == ("micro", "micro", 0)
    assert (zeta["levels_led"], zeta["levels_indistinguishable"]) == (1, 1)
    assert zeta["gain_vs_baseline"] == pytest.approx(5.0)
    assert zeta["verdict"] == (
        "no strategy clearly gives the most activated accounts (in-graph): micro (micro) leads "
        "at 1 of 2 seed counts (not distinguishable from imm at 4 seeds), +5 accounts over "
        "macro on average; at 4 seeds, micro spends 7, macro 20 and imm 13"
    )


def test_verdicts_baseline_cases(results: Results) -> None:
    s = summarize_runs(results.runs)
    zeta = _row(verdicts(s, baseline="micro"), brand="zeta")
    assert zeta["gain_vs_baseline"] is None
    assert zeta["verdict"] == (  # a summary alone: every lead counts as a win
        "micro (micro) gives the most activated accounts (in-graph) at 1 of 2 seed counts; it "
        "is the micro baseline; at 4 seeds, micro spends 7, macro 20 and imm 13"
    )
    assert zeta["levels_tied"] is None and zeta["levels_won"] == 1
    no_macro = _row(verdicts(s.filter(pl.col("strategy") != "macro")), brand="zeta")
    assert no_macro["best_strategy"] == "micro"
    assert no_macro["gain_vs_baseline"] is None
    assert no_macro["verdict"].endswith(
        "; no macro baseline to compare with; at 4 seeds, micro spends 7 and imm 13"
    )
    with pytest.raises(InputError, match=r"'celf'.*imm, macro, micro"):
        verdicts(s, baseline="celf")


def test_verdicts_majority_and_ties() -> None:
    def summ(rows: list[tuple[str, float, float, float]]) -> pl.DataFrame:
        return pl.DataFrame(
            rows,
            schema={
                "strategy": pl.String,
                "budget": pl.Float64,
                "mean_activated": pl.Float64,
                "activated_per_cost": pl.Float64,
            },
            orient="row",
        ).with_columns(
            pl.lit("b").alias("brand"),
            pl.lit("ic p=0.05").alias("model"),
            pl.lit(None, pl.Int64).alias("k"),
        )

    # imm wins 2 of 3 levels although pagerank is cheaper per account.
    s = summ(
        [
            ("imm", 1.0, 1000.0, 1.0),
            ("pagerank", 1.0, 900.0, 9.0),
            ("macro", 1.0, 500.0, 0.5),
            ("imm", 2.0, 3000.0, 1.5),
            ("pagerank", 2.0, 3100.0, 15.0),
            ("macro", 2.0, 1500.0, 0.7),
            ("imm", 3.0, 5000.0, 1.6),
            ("pagerank", 3.0, 4000.0, 13.0),
            ("macro", 3.0, 2000.0, 0.6),
        ]
    )
    row = verdicts(s).row(0, named=True)
    assert (row["best_strategy"], row["levels_won"], row["levels"]) == ("imm", 2, 3)
    assert row["mean_per_cost"] == pytest.approx((1.0 + 1.5 + 1.6) / 3)
    assert row["gain_vs_baseline"] == pytest.approx((500 + 1500 + 3000) / 3)
    assert row["verdict"] == (
        "imm (optimized) gives the most activated accounts (in-graph) at 2 of 3 budgets, "
        "+1,667 accounts over macro on average"
    )
    # Equal wins and equal reach per cost: the name decides; below the baseline.
    s = summ(
        [
            ("degree-discount", 1.0, 100.0, 1.0),
            ("community", 1.0, 90.0, 1.0),
            ("macro", 1.0, 99.0, 1.0),
            ("degree-discount", 2.0, 150.0, 1.0),
            ("community", 2.0, 300.0, 1.0),
            ("macro", 2.0, 295.0, 1.0),
        ]
    )
    row = verdicts(s).row(0, named=True)
    assert (row["best_strategy"], row["family"]) == ("community", "heuristic")
    assert row["verdict"] == (
        "community (heuristic) gives the most activated accounts (in-graph) at 1 of 2 budgets, "
        "2 fewer accounts than macro on average"
    )


# --------------------------------------------------------------------------- candidates


def test_candidates_default_level(results: Results) -> None:
    c = candidates(results, "acme", top=2)
    assert c.columns == [
        "rank",
        "id",
        "handle",
        "tier",
        "cost",
        "relevance",
        "followers",
        "marginal_reach",
        "cumulative_reach",
        "overlap_above",
        "engagement_rate",
        "real_audience",
        "platform",
        "picked_in",
        "stability",
        "brand",
        "model",
        "strategy",
        "budget",
        "k",
    ]
    # Largest budget (200, not the unfinished 300): imm wins there.
    assert c["rank"].to_list() == [1, 2]
    assert c["id"].to_list() == ["imm-1", "imm-2"]
    assert c["handle"].to_list() == ["@imm1", None]
    assert c["tier"].to_list() == ["mega", "micro"]
    assert c["marginal_reach"].to_list() == [100.0, 50.0]
    assert c["cumulative_reach"].to_list() == [100.0, 150.0]
    assert set(c.select("brand", "model", "strategy", "budget", "k").rows()) == {
        ("acme", "wc", "imm", 200.0, None)
    }
    assert candidates(results, "acme")["rank"].to_list() == [1, 2, 3]


def test_candidates_chosen_level(results: Results) -> None:
    c = candidates(results, "acme", budget=100, model="wc")
    assert set(c["strategy"]) == {"micro"}
    assert c["id"].to_list() == ["micro-1", "micro-2", "micro-3", "micro-4"]
    z = candidates(results, "zeta")
    assert (set(z["strategy"]), set(z["k"])) == ({"micro"}, {4})
    assert z["budget"].null_count() == z.height == 4
    assert set(candidates(results, "zeta", k=2)["strategy"]) == {"macro"}


def test_candidates_errors(results: Results) -> None:
    with pytest.raises(InputError, match=r"unknown brand 'nope'.*acme, zeta"):
        candidates(results, "nope")
    with pytest.raises(InputError, match=r"unknown model 'lt'.*wc"):
        candidates(results, "acme", model="lt")
    with pytest.raises(InputError, match=r"no budget 300.*budgets: 100, 200"):
        candidates(results, "acme", budget=300)
    with pytest.raises(InputError, match=r"budgets: none"):
        candidates(results, "zeta", budget=100)
    with pytest.raises(InputError, match=r"no k 3.*2, 4"):
        candidates(results, "zeta", k=3)
    with pytest.raises(InputError, match="top must be at least 1"):
        candidates(results, "acme", top=0)
