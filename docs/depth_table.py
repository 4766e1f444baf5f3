"""Regenerates the depth tables of docs/presets.md (between ``<!-- depth-table:start -->``
and ``<!-- depth-table:end -->``): how deep the cascades of the creators the demo's plans
buy run under each virality preset.

Usage (the results folder of ``influence campaign configs/demo.toml``, about 40 s)::

    .venv/bin/influence campaign configs/demo.toml
    .venv/bin/python docs/depth_table.py results/demo

What it measures, with the campaign's own inputs, brand sender factors and audience
quality (``CampaignContext``): every distinct (brand, creator) that any plan of the results
folder buys (``seeds/<brand>/<cell>.parquet``, every model, strategy and budget; rows
whose ``plan_model`` differs from ``model`` are dropped when the column exists) is the
creator of ``--runs`` single-creator cascades per preset of
:data:`pipeline.diffusion.presets.PRESETS`, seeded exactly as
:func:`pipeline.diffusion.depth.depth_by_tier` seeds them (per brand, creators sorted by
ID as the seeds tables store it, as text; source ``i`` of a tier with
``SeedSequence([seed, i])``), so that function reproduces every share of the tier table
(``tests/test_presets_doc.py`` checks one). Per tier and per strategy: the share of
cascades ending at depth <= 1 (the last new activation at step 0 or 1), its Monte Carlo
standard error from the per-creator shares (``sqrt(sum p_i (1 - p_i) / runs) /
creators``), and the mean earned activations (accounts of the graph activated beyond the
creator); the same per tier for IC at the uniform p of ``SWEEP``. For contrast,
``--random`` random profiled accounts, each brand's factor in turn (the README's
measurement). Then, unless ``--no-real``, the bundled real Stack Exchange set
(``data/stackexchange-christianity``): every item seeded by its initiators, the presets
(plain, no brand factor) against models calibrated on the same log (partial-credit,
global-p) and the depth the real cascades reached. About four minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "presets.md"
START, END = "<!-- depth-table:start -->", "<!-- depth-table:end -->"
TIERS = ("nano", "micro", "mid", "macro", "mega")
SWEEP = (0.001, 0.0025, 0.005, 0.01, 0.025)  # IC p values of the "no single p" table
REAL = ROOT / "data" / "stackexchange-christianity"
HORIZON = 365 * 86400.0  # calibrate's default window


def bought_creators(results: Path) -> pl.DataFrame:
    """Distinct (brand, id, strategy) of every plan in ``results``, with the tier."""
    files = sorted((results / "seeds").glob("*/*.parquet"))
    if not files:
        sys.exit(f"{results}: no seeds/<brand>/<cell>.parquet; run `influence campaign` first")
    df = pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
    if "matched" in df.columns:  # a plan chosen under another model: not this cell's own
        df = df.filter(pl.col("matched"))
    return df.select("brand", "id", "strategy", pl.col("tier").cast(pl.String)).unique()


def per_source(graph, nodes, tiers, model, p, *, runs, seed, factor, quality):
    """Per creator: (share of depth <= 1, mean earned activations) of ``runs`` cascades,
    each tier's creators seeded as depth_by_tier / depth_profile seed them."""
    from pipeline.diffusion.simulate import simulate

    share = np.zeros(nodes.size)
    earned = np.zeros(nodes.size)
    for t in dict.fromkeys(tiers.tolist()):
        for i, j in enumerate(np.flatnonzero(tiers == t).tolist()):
            sub = int(np.random.SeedSequence([seed, i]).generate_state(1)[0])
            r = simulate(graph, [int(nodes[j])], model, runs=runs, seed=sub, p=p,
                         sender_factor=factor, quality=quality)  # fmt: skip
            share[j] = float((r.steps <= 1).mean())
            earned[j] = float((r.activated - 1).mean())
    return share, earned


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def num(x: float) -> str:
    return f"{x:,.2f}" if x < 10 else f"{x:,.0f}"


def demo_tables(results: Path, config: Path, runs: int, seed: int, n_random: int) -> list[str]:
    from pipeline.campaign.config_file import load_config
    from pipeline.campaign.context import prepare
    from pipeline.diffusion.depth import depth_profile
    from pipeline.diffusion.presets import PRESETS

    ctx = prepare(load_config(config))
    meta = json.loads((results / "campaign.json").read_text(encoding="utf-8"))
    for k, sha in ctx.inputs.items():
        if meta.get("inputs", {}).get(k, {}).get("sha256") not in (None, sha):
            print(f"warning: {results} was run on another {k} file than {config}", file=sys.stderr)
    g, prof, q = ctx.graph, ctx.profiles, ctx.quality()
    bought = bought_creators(results)
    pairs = bought.select("brand", "id", "tier").unique().sort("brand", "id")
    variants = {n: (ps.model, ps.p) for n, ps in PRESETS.items()}
    swept = {p: next((n for n, v in variants.items() if v == ("ic", p)), f"ic p = {p:g}")
             for p in SWEEP}  # fmt: skip
    variants |= {name: ("ic", p) for p, name in swept.items()}
    rows = []  # one per (brand, creator, preset or swept p)
    for brand in pairs["brand"].unique().sort().to_list():
        sub = pairs.filter(pl.col("brand") == brand)
        nodes = g.index_of(sub["id"]).astype(np.int64)
        tiers = prof.table["tier"].cast(pl.String).to_numpy()[nodes]
        factor = ctx.brand_arrays(brand)[1]
        for name, (model, p) in variants.items():
            share, earned = per_source(g, nodes, tiers, model, p, runs=runs, seed=seed,
                                       factor=factor, quality=q)  # fmt: skip
            rows.append(pl.DataFrame({
                "brand": brand, "id": sub["id"], "tier": tiers, "preset": name,
                "share": share, "earned": earned,
                "followers_in_graph": g.follower_count[nodes],
            }))  # fmt: skip
    per = pl.concat(rows)
    presets = list(PRESETS)

    def agg(df: pl.DataFrame, key: str) -> pl.DataFrame:
        return df.group_by(key, "preset").agg(
            pl.len().alias("creators"), pl.col("share").mean(), pl.col("earned").mean(),
            ((pl.col("share") * (1 - pl.col("share"))).sum() / runs).sqrt().truediv(pl.len())
            .alias("se"), pl.col("followers_in_graph").median().alias("followers"),
        )  # fmt: skip

    by_tier = agg(per, "tier")
    overall = agg(per.with_columns(pl.lit("all bought").alias("tier")), "tier")
    table = pl.concat([by_tier, overall])

    # random profiled accounts, the same draw for every brand (the README's measurement)
    rng = np.random.default_rng(seed)
    profiled = np.flatnonzero(prof.has_profile)
    rnd = np.sort(rng.choice(profiled, size=min(n_random, profiled.size), replace=False))
    rand = {}
    for name, ps in PRESETS.items():
        res = [depth_profile(g, ps.model, p=ps.p, sources=rnd, runs=runs, seed=seed,
                             sender_factor=ctx.brand_arrays(b)[1], quality=q)
               for b in pairs["brand"].unique().sort().to_list()]  # fmt: skip
        rand[name] = (np.mean([r["share_depth_le_1"] for r in res]),
                      np.mean([r["mean_size"] - 1 for r in res]))  # fmt: skip
    n_brands = pairs["brand"].n_unique()

    head = ["tier", "creators", "median followers in graph"]
    head += [f"depth <= 1, {p}" for p in presets] + [f"earned, {p}" for p in presets]
    out = ["| " + " | ".join(head) + " |", "|---|" + "--:|" * (len(head) - 1)]
    for tier in [*[t for t in TIERS if t in table["tier"].to_list()], "all bought"]:
        t = table.filter(pl.col("tier") == tier)
        cell = {r["preset"]: r for r in t.iter_rows(named=True)}
        first = cell[presets[0]]
        out.append("| " + " | ".join(
            [tier, f"{first['creators']:,}", f"{first['followers']:,.0f}"]
            + [pct(cell[p]["share"]) for p in presets] + [num(cell[p]["earned"]) for p in presets]
        ) + " |")  # fmt: skip
    med = float(np.median(g.follower_count[rnd]))
    out.append("| " + " | ".join(
        ["random profiled accounts", f"{rnd.size:,} x {n_brands} brands", f"{med:,.0f}"]
        + [pct(rand[p][0]) for p in presets] + [num(rand[p][1]) for p in presets]
    ) + " |")  # fmt: skip
    max_se = float(table["se"].max())

    strat = agg(per.join(bought.select("brand", "id", "strategy").unique(), on=["brand", "id"]),
                "strategy")  # fmt: skip
    s_head = ["strategy", "creators"] + [f"depth <= 1, {p}" for p in presets]
    s_out = ["| " + " | ".join(s_head) + " |", "|---|" + "--:|" * (len(s_head) - 1)]
    for s in bought["strategy"].unique().sort().to_list():
        cell = {r["preset"]: r for r in strat.filter(pl.col("strategy") == s).iter_rows(named=True)}
        s_out.append("| " + " | ".join(
            [s, f"{cell[presets[0]]['creators']:,}"] + [pct(cell[p]["share"]) for p in presets]
        ) + " |")  # fmt: skip
    max_se = max(max_se, float(strat["se"].max()))

    w_head = ["tier"] + [
        f"p = {p:g}" + (f" ({n})" if n in PRESETS else "") for p, n in swept.items()
    ]
    w_out = ["| " + " | ".join(w_head) + " |", "|---|" + "--:|" * (len(w_head) - 1)]
    for tier in [t for t in TIERS if t in table["tier"].to_list()]:
        cell = {r["preset"]: r for r in table.filter(pl.col("tier") == tier).iter_rows(named=True)}
        w_out.append("| " + " | ".join(
            [tier] + [f"{pct(cell[n]['share'])} ({num(cell[n]['earned'])})" for n in swept.values()]
        ) + " |")  # fmt: skip

    macro = per.filter((pl.col("tier") == "macro") & (pl.col("preset") == presets[0]))
    ids = ";".join(
        f"{b}:" + ",".join(str(i) for i in macro.filter(pl.col("brand") == b)["id"].to_list())
        for b in macro["brand"].unique().sort().to_list()
    )
    return [
        f"<!-- generated by docs/depth_table.py from {meta.get('config', config)} (campaign "
        f"fingerprint {meta.get('fingerprint')}): runs={runs}, seed={seed}; do not edit by "
        "hand -->",
        f"<!-- macro creators (brand:id), read by tests/test_presets_doc.py: {ids} -->",
        "",
        f"**From the creators the plans buy** ({per['id'].n_unique():,} distinct creators; "
        f"{overall['creators'][0]:,} brand-creator pairs, each simulated {runs:,} times "
        "with its brand's sender factor and the profiles' audience quality). *Depth <= 1*: "
        "share of cascades ending at depth <= 1; *earned*: mean accounts of the graph "
        "activated beyond the creator, per cascade:",
        "",
        *out,
        "",
        f"Largest standard error of a share above: {max_se:.4f}. The same shares by the "
        "strategy whose plans bought the creator (all tiers; a creator bought by several "
        "strategies counts in each):",
        "",
        *s_out,
        "",
        "IC at other uniform p, same creators, seeds and brand factors: depth <= 1 "
        "(earned per cascade):",
        "",
        *w_out,
    ]


def observed_depths(graph, cascades, items):
    """Per item: depth of the real cascade (initiators 0; an adopter 1 + the smallest depth
    of its in-neighbours that adopted strictly earlier in the window) and adopters."""
    depth_out = np.zeros(items.size, dtype=np.int64)
    size_out = np.zeros(items.size, dtype=np.int64)
    for k, it in enumerate(items.tolist()):
        a, b = cascades.item_ptr[it], cascades.item_ptr[it + 1]
        node, tm = cascades.node[a:b], cascades.time[a:b]
        keep = (node >= 0) & (tm <= cascades.start[it] + HORIZON)
        depth: dict[int, int] = {}
        first: dict[int, float] = {}
        for v, t in zip(node[keep].tolist(), tm[keep].tolist(), strict=True):  # time order
            if v in depth:
                continue
            lo, hi = graph.in_ptr[v], graph.in_ptr[v + 1]
            par = [depth[u] for u in graph.in_idx[lo:hi].tolist() if u in depth and first[u] < t]
            depth[v], first[v] = (1 + min(par) if par else 0), t
        depth_out[k] = max(depth.values())
        size_out[k] = len(depth)
    return depth_out, size_out


def real_table(runs: int, seed: int) -> list[str]:
    from pipeline.calibration import load_actions, place_on
    from pipeline.calibration.fit import calibrate
    from pipeline.calibration.outcomes import item_outcomes
    from pipeline.diffusion.model_ref import Model
    from pipeline.diffusion.presets import PRESETS
    from pipeline.diffusion.simulate import simulate
    from pipeline.graph_io import load_graph

    g = load_graph(REAL / "edges.txt")
    cas = place_on(load_actions(REAL / "actions.csv"), g)
    out = item_outcomes(g, cas, np.arange(cas.n_items), horizon=HORIZON, seeds="initiators")
    depth, size = observed_depths(g, cas, out.items)
    assert np.array_equal(size - out.earned, out.n_seeds), "initiators differ from item_outcomes"
    models: dict[str, tuple[object, float | None]] = {
        f"{n} ({ps.model}{'' if ps.p is None else f' p = {ps.p:g}'})": (ps.model, ps.p)
        for n, ps in PRESETS.items()
    }
    for method in ("partial-credit", "global-p"):
        cal = calibrate(g, cas, method, horizon=HORIZON, bootstrap=0, seed=seed)
        label = f"calibrated {method} ({cal.label.split(' ', 1)[1].replace('=', ' = ')})"
        models[label] = (Model("ic", edge_p=cal.edge_p, brand_aware=False, label=label,
                               source=method), None)  # fmt: skip
    lines = [
        "| cascades | depth <= 1 | earned per item |",
        "|---|--:|--:|",
        f"| observed ({out.items.size} items, 365-day window) | {pct(float((depth <= 1).mean()))} "
        f"| {num(float(out.earned.mean()))} |",
    ]
    for label, (model, p) in models.items():
        st, earned = [], []
        for i, seeds in enumerate(out.seeds):
            sub = int(np.random.SeedSequence([seed, i]).generate_state(1)[0])
            r = simulate(g, seeds, model, runs=runs, seed=sub, p=p)  # type: ignore[arg-type]
            st.append(r.steps)
            earned.append(r.activated - seeds.size)
        s = np.concatenate(st)
        lines.append(f"| {label} | {pct(float((s <= 1).mean()))} "
                     f"| {num(float(np.concatenate(earned).mean()))} |")  # fmt: skip
    n = out.items.size * runs
    return [
        "",
        f"**On a real graph** (`data/stackexchange-christianity`: {g.n:,} users, {g.m:,} "
        f"edges; every item seeded by its initiators, {out.n_seeds.mean():.1f} on average; "
        f"{runs} simulated cascades per item, standard error <= {0.5 / np.sqrt(n):.4f}; "
        "models fitted on the same log, in sample):",
        "",
        *lines,
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", type=Path, help="results folder of the demo campaign")
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "demo.toml")
    ap.add_argument("--runs", type=int, default=1000, help="cascades per creator")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--random", type=int, default=300, help="random profiled accounts")
    ap.add_argument("--real-runs", type=int, default=200, help="cascades per real item")
    ap.add_argument("--no-real", action="store_true", help="skip the Stack Exchange table")
    ap.add_argument("--doc", type=Path, default=DOC)
    a = ap.parse_args()
    t0 = time.perf_counter()
    block = demo_tables(a.results, a.config, a.runs, a.seed, a.random)
    if not a.no_real and (REAL / "actions.csv").is_file():
        block += real_table(a.real_runs, a.seed)
    text = a.doc.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r"\n.*?" + re.escape(END), re.S)
    if not pattern.search(text):
        sys.exit(f"{a.doc}: no {START} ... {END} block")
    new = START + "\n" + "\n".join(block) + "\n" + END
    a.doc.write_text(pattern.sub(lambda _m: new, text), encoding="utf-8")
    print(f"updated {a.doc} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
