"""The calibrated models of a campaign, for the report: their fit, warnings and backtest.

For each ``calibrated:FILE`` of the campaign's grid (the manifest's ``grid.models``),
:func:`calibrated_sections` reads the model TOML (:mod:`pipeline.diffusion.model_file`)
and, when it exists, ``<model stem>.backtest.json`` beside it
(:mod:`~pipeline.report.calibrated_backtest`) into a
:class:`~pipeline.report.document.CalibratedSection`: the fit in words (fitted value and
95% interval, branching factor R, horizon in days, counts, fit window in the log's
seconds), warnings (R within 20% of 1, ``brand_aware``, an edge-set digest other than the
campaign graph's, a file changed since the campaign ran), the sensitivity curve, and the
backtest's table and scatter. A missing or unreadable model file gives a one-line
section. Each value of the files is checked before use: a malformed one is left out,
never a crash. The page names files, never their folders (it may leave the machine).
O(model and edge file bytes + backtest items x rows).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.diffusion.model_file import read_model_file
from pipeline.errors import InputError
from pipeline.report.calibrated_backtest import (
    backtest_caption,
    backtest_frame,
    load_backtest,
    scatter_points,
)
from pipeline.report.calibrated_charts import backtest_chart, sensitivity_chart
from pipeline.report.document import CalibratedSection, Figure
from pipeline.report.frames import finite, level_text, number_text, significant, slug

__all__ = ["NEAR_CRITICAL", "calibrated_sections", "fit_facts"]

#: R within this distance of 1 is "near the tipping point" (as ``influence calibrate`` says).
NEAR_CRITICAL = 0.2
_PARAMETER = {
    "global-p": "p",
    "em": "p",
    "wc-scale": "scale",
    "bernoulli": "shrink",
    "partial-credit": "shrink",
}
_METHOD_WORDS = {
    "global-p": "one independent-cascade probability p for every edge (maximum likelihood)",
    "em": "one independent-cascade probability p, step-aware (expectation-maximisation)",
    "wc-scale": "weighted cascade scaled by one c: p = min(1, c / in-degree of the follower)",
    "bernoulli": "a probability per edge (successes over trials, Beta prior) times one "
    "fitted shrink factor",
    "partial-credit": "a probability per edge (partial credit over the parents, Beta "
    "prior) times one fitted shrink factor",
}
_UNIX_2000, _UNIX_2100 = 946_684_800.0, 4_102_444_800.0


def _count(v: Any) -> str:
    x = finite(v)
    return "?" if x is None else number_text(round(x))


def _clock(v: Any) -> str | None:
    """The fit window [start, end] (seconds on the log's clock) in words."""
    if not isinstance(v, list) or len(v) != 2:
        return None
    a, b = finite(v[0]), finite(v[1])
    if a is None or b is None:
        return None
    text = (
        f"{number_text(a)} to {number_text(b)} seconds on the log's clock "
        f"({level_text((b - a) / 86400, 1)} days)"
    )
    if _UNIX_2000 <= a <= b < _UNIX_2100:  # plausibly Unix time (ISO 8601 logs are)
        day = [datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d") for t in (a, b)]
        text += f"; as Unix time, {day[0]} to {day[1]} UTC"
    return text


def _own_bias(meta: dict[str, Any]) -> float | None:
    """The sensitivity ratio at the fitted value itself (multiple 1), if the file has it."""
    factors, bias = meta.get("sensitivity_factors"), meta.get("sensitivity_bias")
    if not isinstance(factors, list) or not isinstance(bias, list) or len(factors) != len(bias):
        return None
    return next((finite(b) for f, b in zip(factors, bias, strict=True) if finite(f) == 1.0), None)


def fit_facts(meta: dict[str, Any], method: str) -> list[tuple[str, str]]:
    """The fit as (term, value) rows: method, fitted value and interval, edge prior, R,
    horizon, counts, reach on its own log, fit window, action log, graph size."""
    facts = [("method", f"{method}: {_METHOD_WORDS.get(method, method)}")]
    name = _PARAMETER.get(method, "value")
    value = finite(meta.get(name))
    if value is not None:
        ci = meta.get(f"{name}_ci")
        interval = " (no interval in the file)"
        if isinstance(ci, list) and len(ci) == 2 and all(finite(x) is not None for x in ci):
            interval = f" (95% interval {significant(ci[0])} to {significant(ci[1])})"
        facts.append(("fitted value", f"{name} = {significant(value)}{interval}"))
    if finite(meta.get("prior_p")) is not None:
        prior = f"Beta prior mean {significant(meta['prior_p'])}"
        if finite(meta.get("prior_strength")) is not None:
            prior += f", strength {significant(meta['prior_strength'])}"
        if finite(meta.get("edges_with_data")) is not None:
            prior += f"; {_count(meta['edges_with_data'])} edges with data"
        facts.append(("edge probabilities", prior))
    r = finite(meta.get("branching_factor"))
    if r is not None:
        text = f"R = {r:.2f} ({'supercritical' if r > 1 else 'subcritical'})"
        if finite(meta.get("offspring")) is not None:
            text += f"; simulated mean offspring {meta['offspring']:.2f}"
        facts.append(("branching factor", text))
    horizon = finite(meta.get("horizon_days"))
    if horizon is not None:
        facts.append(("horizon", f"{level_text(horizon, 2)} days after each item's first adoption"))
    if finite(meta.get("items")) is not None:
        text = f"{_count(meta['items'])} items"
        if finite(meta.get("censored_items")) is not None:
            text += f" ({_count(meta['censored_items'])} censored, left out)"
        adoptions, initiators = finite(meta.get("adoptions")), finite(meta.get("initiators"))
        if adoptions is not None:
            text += f"; {_count(adoptions)} adoptions in the graph"
            if initiators is not None and adoptions > 0:
                text += (
                    f", {_count(initiators)} of them ({initiators / adoptions:.0%}) initiators "
                    "with no earlier-adopting neighbour"
                )
        if finite(meta.get("failures")) is not None:
            text += f"; {_count(meta['failures'])} failed exposures"
        facts.append(("fitted on", text))
    own = _own_bias(meta)
    if own is not None:
        n = finite(meta.get("sensitivity_items"))
        items = f"{_count(n)} items" if n is not None else "items"
        facts.append(
            (
                "reach on its own log",
                f"predicted / actual earned reach {own:.2f} at the fitted value, over the "
                f"log's {items} with a complete window",
            )
        )
    window = _clock(meta.get("fit_window"))
    if window:
        facts.append(("fit window", window))
    log = meta.get("actions_file")
    if isinstance(log, str) and log:
        digest = meta.get("actions_sha256")
        sha = f" (SHA-256 {digest})" if isinstance(digest, str) else ""
        facts.append(("action log", Path(log).name + sha))
    if finite(meta.get("graph_nodes")) is not None and finite(meta.get("graph_edges")) is not None:
        size = f"{_count(meta['graph_nodes'])} accounts, {_count(meta['graph_edges'])} edges"
        facts.append(("graph it was fitted on", size))
    return facts


def _graph_check(meta: dict[str, Any], manifest: dict[str, Any], method: str) -> tuple[str, bool]:
    """The graph check in words, and whether it is a warning."""
    mine = meta.get("graph_sha256")
    graph = manifest.get("graph")
    theirs = graph.get("edge_set_sha256") if isinstance(graph, dict) else None
    if not isinstance(mine, str) or not mine:
        return (
            "The model file records no graph digest: whether it was fitted on this campaign's "
            "graph cannot be checked.",
            True,
        )
    if not isinstance(theirs, str):
        return (
            "The graph check could not be made: these results were written before campaigns "
            "recorded their graph's edge-set digest. Run the campaign again (finished cells "
            "are reused) to record it.",
            True,
        )
    if mine == theirs:
        return "fitted on this campaign's graph (edge-set digests match)", False
    return (
        f"Fitted on another graph: the model's edge-set digest {mine[:12]}... differs from "
        f"this campaign graph's {theirs[:12]}...; its {method} parameters were used as they "
        "are, so its reach figures are not what the action log supports on this graph.",
        True,
    )


def _changed(path: Path, meta: dict[str, Any], digest: Any) -> str | None:
    """A warning when the model file (and its edge file) are not the ones the campaign
    ran with (the manifest's ``digest``, as :mod:`pipeline.campaign.config_models` makes it)."""
    if not isinstance(digest, str):
        return None
    try:
        h = hashlib.sha256(path.read_bytes())
        if "edge_file" in meta:
            h.update((path.parent / str(meta["edge_file"])).read_bytes())
    except OSError:
        return f"{path.name} or its edge file could not be read to check it is the campaign's."
    if h.hexdigest() == digest:
        return None
    return (
        f"{path.name} changed since the campaign ran (its SHA-256 differs from the one in the "
        "results): the fit shown here is not the one the results used. Rerun the campaign "
        "to use it."
    )


def _sensitivity(
    meta: dict[str, Any], label: str, key: str, method: str
) -> tuple[Figure | None, str]:
    """The sensitivity chart (or None) and a note on what was (not) drawn."""
    factors, bias = meta.get("sensitivity_factors"), meta.get("sensitivity_bias")
    if factors is None and bias is None:
        return (
            None,
            "No sensitivity curve: the model file holds none (`influence calibrate` writes one).",
        )
    if not (isinstance(factors, list) and isinstance(bias, list) and len(factors) == len(bias)):
        return None, "No sensitivity curve: its multiples and ratios in the file do not pair up."
    parameter = _PARAMETER.get(method, "value")
    fitted = finite(meta.get(parameter))
    points = [
        {"factor": f, "bias": b, "value": None if fitted is None else f * fitted}
        for f, b in ((finite(f), finite(b)) for f, b in zip(factors, bias, strict=True))
        if f is not None and b is not None and f > 0 and b > 0
    ]
    left = len(factors) - len(points)
    note = f"{left} multiple(s) with no positive ratio are not drawn (log scale)." if left else ""
    if not points:
        return None, f"No sensitivity curve: the file holds no positive ratio. {note}".strip()
    n = finite(meta.get("sensitivity_items"))
    items = f"{_count(n)} items" if n is not None else "its items"
    return sensitivity_chart(key, label, points, parameter, items), note


def _command(path: Path, meta: dict[str, Any], manifest: dict[str, Any], same: bool) -> str:
    """The ``influence backtest`` command that writes the backtest file beside the model
    (the campaign graph's file name when the model was fitted on it, else GRAPH)."""
    graph_in = (manifest.get("inputs") or {}).get("graph") or {}
    graph = Path(str(graph_in["path"])).name if same and graph_in.get("path") else "GRAPH"
    log = meta.get("actions_file")
    log_name = Path(log).name if isinstance(log, str) and log else "LOG"
    return (
        f"influence backtest {graph} --actions {log_name} --models "
        f"ic:0.01,ic:0.025,wc,calibrated,calibrated:{path.name} --json > "
        f"{path.stem}.backtest.json"
    )


def _section(spec: dict[str, Any], manifest: dict[str, Any], taken: set[str]) -> CalibratedSection:
    path = Path(str(spec["calibrated"]))
    label = str(spec.get("label") or f"calibrated:{path.name}")
    key = slug(path.stem if any(c.isascii() and c.isalnum() for c in path.stem) else "model", taken)
    try:
        model = read_model_file(path)
    except (InputError, OSError, ValueError) as exc:
        reason = str(exc).replace(str(path), path.name)
        return CalibratedSection(
            label,
            key,
            path.name,
            error=f"The model file {path.name} could not be read at report time ({reason}); "
            f"the results of {label} are in the brand sections above.",
        )
    meta, method = model.meta, model.method
    facts = fit_facts(meta, method)
    warnings: list[str] = []
    r = finite(meta.get("branching_factor"))
    if r is not None and abs(r - 1.0) <= NEAR_CRITICAL:
        warnings.append(
            f"Branching factor R = {r:.2f} is within 20% of 1: near the tipping point. Small "
            "changes of the fitted value change reach many times over; treat this model's "
            "forecasts as fragile."
        )
    check, bad = _graph_check(meta, manifest, method)
    if bad:
        warnings.append(check)
    else:
        facts.append(("graph check", check))
    changed = _changed(path, meta, spec.get("digest"))
    if changed:
        warnings.append(changed)
    notes: list[str] = []
    if model.brand_aware:
        warnings.append(
            "brand_aware = true: the brand sender factor and audience-quality thinning were "
            "applied on top of the fitted values, so the calibration no longer holds for this "
            "model's reach figures."
        )
    else:
        notes.append(
            "Used as fitted: no brand sender factor (engagement, topic relevance) and no "
            "audience-quality thinning on top, since the action log already reflects them "
            "(set brand_aware = true in the file to apply them anyway)."
        )
    figures: list[Figure] = []
    chart, note = _sensitivity(meta, label, key, method)
    if chart is not None:
        figures.append(chart)
    if note:
        notes.append(note)
    command = _command(path, meta, manifest, not bad)
    stem = path.stem
    how = (
        "No backtest beside the model. To score it against held-out cascades of its action "
        f"log, run this in the model's folder (it writes {stem}.backtest.json, which the "
        "next report shows here):"
    )
    backtest, caption = None, ""
    bt_path = path.with_name(f"{stem}.backtest.json")
    if bt_path.is_file():
        try:
            data = load_backtest(bt_path)
        except (OSError, ValueError) as exc:
            warnings.append(f"{bt_path.name} could not be read: {exc}.")
        else:
            backtest = backtest_frame(data, path.name)
            caption = backtest_caption(data, bt_path.name)
            points, drawn = scatter_points(backtest, data.get("items"))
            if points:
                figures.append(backtest_chart(key, label, points, drawn, bt_path.name))
            how = "Made with this command in the model's folder; rerun it after a refit:"
            if bt_path.stat().st_mtime < path.stat().st_mtime:
                warnings.append(
                    f"{bt_path.name} is older than {path.name}: it may score an earlier fit; "
                    "rerun the backtest."
                )
    return CalibratedSection(
        label=label,
        slug=key,
        file_name=path.name,
        facts=tuple(facts),
        warnings=tuple(warnings),
        notes=tuple(notes),
        figures=tuple(figures),
        backtest=backtest,
        backtest_caption=caption,
        backtest_how=how,
        backtest_command=command,
    )


def calibrated_sections(manifest: dict[str, Any]) -> tuple[CalibratedSection, ...]:
    """One section per calibrated model of the campaign's grid, in grid order; none for a
    campaign without calibrated models."""
    grid = manifest.get("grid")
    specs = grid.get("models") if isinstance(grid, dict) else None
    taken: set[str] = set()
    return tuple(
        _section(spec, manifest, taken)
        for spec in specs or []
        if isinstance(spec, dict) and spec.get("calibrated")
    )
