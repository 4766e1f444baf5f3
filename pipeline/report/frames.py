"""The report's data preparation: tables shaped for charts and pages, and text for people.

Level frames (a brand's summary restricted to budgets or to seed counts, with a
label per level), JSON-safe chart values, the campaign parameters table, the
candidates table with a reason per creator (:func:`pipeline.report.why.why`), and the
number formats the page uses. Polars in, polars or plain Python values out; no chart
specs, no HTML.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.aggregate import METRIC_WORDS, Results, candidates
from pipeline.errors import InputError
from pipeline.names import slug as name_slug
from pipeline.report.why import SEED_KEYS, WHY_LEGEND, gain_words, plan_seeds, why

__all__ = [
    "candidates_table",
    "chart_values",
    "finite",
    "fit_label",
    "level_frame",
    "level_labels",
    "level_text",
    "number_text",
    "ordered",
    "parameters",
    "significant",
    "slug",
]


def slug(text: str, taken: set[str]) -> str:
    """A lower-case id fragment of ``text`` ([a-z0-9-]), unique among ``taken``."""
    base = name_slug(text.lower(), keep="") or "brand"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    taken.add(out)
    return out


def chart_values(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN and infinities become null, as Vega expects). O(rows)."""
    floats = [c for c, t in df.schema.items() if t.is_float()]
    clean = df.with_columns(
        pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c) for c in floats
    )
    return clean.to_dicts()


def ordered(present: Iterable[str], preferred: Sequence[Any]) -> list[str]:
    """``present`` in the order of ``preferred``, then the rest sorted."""
    have = set(present)
    first = [p for p in preferred if isinstance(p, str) and p in have]
    return first + sorted(have - set(first))


def number_text(x: float | int | None, digits: int = 0) -> str:
    """``x`` with thousands separated and ``digits`` decimals; empty for None or NaN."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}f}"


def finite(v: Any) -> float | None:
    """``v`` as a finite float, or None (text, booleans, None, NaN, infinities): for
    values read from files people write."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


def significant(v: Any, digits: int = 4) -> str:
    """``v`` to ``digits`` significant digits, or "n/a" when it is not a finite number."""
    x = finite(v)
    return "n/a" if x is None else f"{x:.{digits}g}"


def level_text(x: float, digits: int = 2) -> str:
    """A budget or k for labels: thousands separated, at most ``digits`` decimals."""
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def level_frame(df: pl.DataFrame, level: str) -> pl.DataFrame:
    """``df`` restricted to the brand's level kind, with ``level`` (Float64) and
    ``level_label`` (text for axes and facets) columns."""
    if level == "budget":
        df = df.filter(pl.col("budget").is_not_null())
        value = pl.col("budget")
    else:
        df = df.filter(pl.col("budget").is_null() & pl.col("k").is_not_null())
        value = pl.col("k").cast(pl.Float64)
    labels = {v: level_text(v) for v in df.select(value).to_series().unique().to_list()}
    return df.with_columns(value.alias("level")).with_columns(
        pl.col("level").replace_strict(labels, return_dtype=pl.String).alias("level_label")
    )


def level_labels(df: pl.DataFrame) -> list[str]:
    """The level labels of ``df`` from the smallest level up."""
    return df.sort("level").get_column("level_label").unique(maintain_order=True).to_list()


def fit_label(relevance: float | None) -> str:
    """Brand fit in words: strong (>= 0.8), good (>= 0.5), fair (>= 0.3), weak."""
    if relevance is None or not math.isfinite(relevance):
        return "unknown"
    return ("strong" if relevance >= 0.8 else "good" if relevance >= 0.5
            else "fair" if relevance >= 0.3 else "weak")  # fmt: skip


def parameters(results: Results, baseline: str) -> tuple[tuple[str, str], ...]:
    """The manifest as (label, value) rows: enough to find the inputs and re-run."""
    m = results.manifest
    rows: list[tuple[str, str]] = []

    def add(label: str, value: Any) -> None:
        if value is None or value == "" or value == []:
            return
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, list):
            value = ", ".join(
                level_text(v, 6) if isinstance(v, int | float) else str(v) for v in value
            )
        elif isinstance(value, int | float):
            value = level_text(value, 6)
        rows.append((label, str(value)))

    def name(path: Any) -> str | None:  # no directories: the page may leave the machine
        return Path(str(path)).name if path else None

    add("campaign", m.get("name"))
    add("config", name(m.get("config")))
    if m.get("config"):
        add("reproduce", f"influence campaign {name(m['config'])}")
    add("results folder", results.path.name)
    add("fingerprint", m.get("fingerprint"))
    add("last updated", m.get("updated"))
    graph = m.get("graph") or {}
    inputs = m.get("inputs") or {}
    for label, spec in inputs.items():
        if isinstance(spec, dict):
            add(f"{label} file", name(spec.get("path")))
            add(f"{label} sha256", spec.get("sha256"))
    if isinstance(graph, dict):
        add("graph nodes", graph.get("nodes"))
        add("graph edges", graph.get("edges"))
    grid = m.get("grid") or {}
    models = []
    for spec in grid.get("models") or []:
        if isinstance(spec, dict):
            label = str(spec.get("label") or spec.get("name"))
            p = spec.get("p")
            models.append(f"{label} (p = {p:g})" if isinstance(p, int | float) else label)
        else:
            models.append(str(spec))
    add("models", models)
    add("brands", grid.get("brands"))
    add("strategies", grid.get("strategies"))
    add("budgets", grid.get("budgets"))
    add("budget shares", grid.get("budget_shares"))
    add("numbers of seeds (k)", grid.get("k"))
    add("baseline", baseline)
    add("cells", m.get("cells"))
    settings = m.get("settings") or {}
    for key, value in settings.items():
        add(key.replace("_", " "), value)
    return tuple(rows)


#: Evidence columns of the seeds table the candidates table adds to
#: :func:`pipeline.aggregate.candidates`.
_EVIDENCE = ("own_engagements", "own_impressions", "marginal_people", "alternative",
             "alternative_cost_per_engagement", "alternative_basis")  # fmt: skip


def candidates_table(results: Results, brand: str, top: int) -> tuple[pl.DataFrame | None, str]:
    """The best plan's ``top`` creators of ``brand`` with a ``reason`` column, and the
    table's caption; None and a sentence saying why when there is no such plan."""
    try:
        df = candidates(results, brand, top=top)
    except InputError as exc:
        return None, f"No candidates table: {exc}."
    first = df.row(0, named=True) if df.height else None
    if first is None:
        return None, "No candidates table: the best cell chose no seeds."
    level = (
        f"budget {level_text(first['budget'])}"
        if first["budget"] is not None
        else f"k = {first['k']}"
    )
    o = results.objective
    key = {c: first[c] for c in SEED_KEYS}
    extra = [c for c in _EVIDENCE if c not in df.columns]
    evidence = plan_seeds(results, key).select("rank", *extra)
    df = df.join(evidence, on="rank", how="left")
    df = df.with_columns(
        pl.Series(
            "reason",
            [why(r | {"marginal_gain": r["marginal_reach"]}, o, results.currency)
             for r in df.iter_rows(named=True)],
            pl.String,
        )
    )  # fmt: skip
    caption = (
        f"The creators of {first['strategy']}, the plan with the most "
        f"{METRIC_WORDS.get(o, o)} at {level} ({first['model']}), in seeding order. "
        f"{gain_words(o).capitalize()} added: the expected extra {gain_words(o)} given the "
        f"creators above. {WHY_LEGEND} Click a column header to sort."
    )
    return df, caption
