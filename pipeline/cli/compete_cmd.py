"""``influence simulate --compete``: competing brands on one graph (the command's body,
kept apart from :mod:`pipeline.cli.spread` to keep each module small)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.cli.common import load_graph_arg, spinner
from pipeline.cli.loaders import load_profiles_arg
from pipeline.cli.options import id_list, resolve_model_option
from pipeline.cli.output import emit_table, print_json
from pipeline.errors import InputError

__all__ = ["simulate_competition"]


def simulate_competition(
    graph: Path,
    specs: list[str],
    model_opt: str | None,
    p: float | None,
    runs: int,
    seed: int,
    max_steps: int | None,
    profiles: Path | None,
    brands: Path | None,
    json_out: bool,
    out: Path | None,
    load_opts: tuple[Any, ...],
    quiet: bool,
) -> None:
    """``influence simulate --compete BRAND=IDS ...``: brands seeding one graph at once
    (:func:`pipeline.api.compete`: with --profiles their audience quality discounts every
    brand's spread, with --brands too each brand is brand-aware); ``load_opts`` are the
    edge-file and profile options of the command line."""
    from pipeline.api import compete
    from pipeline.profiles import brand_view, load_brands

    seeds_by_brand: dict[str, list[object]] = {}
    for spec in specs:
        name, sep, ids = spec.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--compete {spec!r}: expected BRAND=ID,ID,...")
        name = name.strip()
        if name in seeds_by_brand:
            raise InputError(f"--compete: brand {name!r} given twice")
        seeds_by_brand[name] = id_list(ids)
        if not seeds_by_brand[name]:
            raise InputError(f"--compete {spec!r}: brand {name!r} has no seed IDs")
    if len(seeds_by_brand) < 2:
        raise InputError("--compete needs two or more brands (repeat the option)")
    if brands is not None and profiles is None:
        raise InputError("brand-aware competition needs both --profiles and --brands")
    b = load_brands(brands) if brands is not None else None
    if b is not None:
        for name in seeds_by_brand:
            b.check(name)
    quiet = quiet or json_out
    fmt, meaning, source_col, target_col, header, columns, profile_cols, dup, undirected = load_opts
    g = load_graph_arg(graph, fmt, meaning, source_col, target_col, quiet, header, columns, dup,
                       undirected)  # fmt: skip
    model = resolve_model_option(model_opt, p, g)
    p = model.p
    for k, v in seeds_by_brand.items():  # unknown IDs are refused before the profiles load
        g.index_of(v, what=f"seed ID of {k}")
    prof = load_profiles_arg(profiles, g, profile_cols, quiet)
    with spinner(f"simulating {runs:,} competitive runs", quiet):
        result = compete(g, seeds_by_brand, model, runs=runs, seed=seed, p=p,
                         max_steps=max_steps, profiles=prof, brands=b)  # fmt: skip
    summary = result.summary()
    if out is not None:
        emit_table(result.to_polars(), out, None, "runs", quiet)
    if json_out:
        quality = prof is not None and brand_view(prof).quality is not None
        payload = {"graph": str(graph), "model": model, "runs": runs, "seed": seed,
                   "brand_aware": b is not None, "audience_quality": quality,
                   "brands": summary.to_dicts()}  # fmt: skip
        print_json(payload)
        return
    emit_table(summary, None, None, f"competition ({model}, {runs:,} runs, seed {seed})", quiet)
