"""A brand's ambassadors found in its own action log: the accounts whose posts moved
people, ranked by influence credit (:mod:`pipeline.calibration.credit`), with what a
community manager needs to judge them (items, initiations, followers, a reason).

Candidates are the accounts that acted on the brand's items (the log's ``brand`` rows,
or the items whose IDs match a glob), profiled or not; profiles add each account's
handle, platform followers and topic relevance for display, never excluding anyone.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.calibration.credit import influence_credit
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

if TYPE_CHECKING:
    from pipeline.calibration.actions import Cascades
    from pipeline.profiles import Profiles

__all__ = [
    "AMBASSADOR_COLUMNS",
    "item_positions",
    "rank_ambassadors",
    "reason_expr",
    "validate_ranking",
    "validation_verdict",
]

#: The columns of :func:`rank_ambassadors`, in order (``handle`` and
#: ``profile_followers`` only with profiles).
AMBASSADOR_COLUMNS: tuple[str, ...] = (
    "rank", "id", "credit", "items", "initiated", "per_initiation", "followers", "reason",
)  # fmt: skip


def item_positions(cascades: Cascades, pattern: str | None) -> NDArray[np.int64]:
    """Positions of the items whose ID matches the glob ``pattern`` (``*``, ``?``,
    ``[...]``; every item when None); InputError when none does. O(items)."""
    if pattern is None:
        return np.arange(cascades.n_items, dtype=np.int64)
    regex = fnmatch.translate(pattern)  # Python's: (?s:...)\Z; polars (Rust) wants ^...$
    regex = "^" + (regex[: -len("\\Z")] + "$" if regex.endswith("\\Z") else regex)
    try:
        hit = cascades.items.cast(pl.String).str.contains(regex).fill_null(False)
    except pl.exceptions.PolarsError:
        raise InputError(f"--items {pattern!r}: not a glob this tool can read") from None
    pos = hit.arg_true().to_numpy().astype(np.int64)
    if pos.size == 0:
        shown = ", ".join(map(repr, cascades.items.cast(pl.String).head(3).to_list()))
        raise InputError(f"--items {pattern!r} matches no item ID (they look like {shown})")
    return pos


def reason_expr() -> pl.Expr:
    """Why an account ranks where it does, in threads and people, from the columns items,
    initiated, per_initiation and followers: "started 6 of 40 items; 3.1 people followed
    each time; 1200 followers in the graph". Column-wise."""
    tail = pl.format("{} followers in the graph", pl.col("followers"))
    started = pl.format(
        "started {} of {} items; {} people followed each time; ",
        pl.col("initiated"), pl.col("items"), pl.col("per_initiation").round(1),
    )  # fmt: skip
    acted = pl.format("acted on {} items; ", pl.col("items"))
    return pl.concat_str([pl.when(pl.col("initiated") > 0).then(started).otherwise(acted), tail])


def rank_ambassadors(
    graph: FollowerGraph,
    cascades: Cascades,
    *,
    horizon: float,
    decay: bool = False,
    items: NDArray[np.integer] | None = None,
    min_actions: int = 1,
    top: int | None = None,
    profiles: Profiles | None = None,
    relevance: NDArray[np.floating] | None = None,
) -> pl.DataFrame:
    """The candidates (accounts with at least ``min_actions`` in-graph adoptions among
    ``items``) ranked by influence credit, best first (ties: fewer followers first, then
    ID): :data:`AMBASSADOR_COLUMNS`, plus ``handle`` and ``profile_followers`` with
    ``profiles`` and ``relevance`` (the brand's topic fit per node, shown for profiled
    accounts, null otherwise; it never excludes anyone) with ``relevance``.
    ``per_initiation`` is the credit earned per item the account started (null when it
    started none); ``followers`` its in-graph followers. O(log + n)."""
    if min_actions < 1:
        raise InputError(f"--min-actions must be at least 1, got {min_actions}")
    cr = influence_credit(graph, cascades, horizon=horizon, decay=decay, items=items)
    nodes = np.flatnonzero(cr.items >= min_actions)
    if nodes.size == 0:
        raise InputError(
            f"no account has {min_actions} or more adoptions of the selected items in the "
            "graph; lower --min-actions or check the log's accounts against the graph"
        )
    per = cr.per_initiation()[nodes]
    df = pl.DataFrame(
        {
            "node": nodes.astype(np.int64),
            "id": graph.ids.gather(nodes),
            "credit": cr.credit[nodes],
            "items": cr.items[nodes],
            "initiated": cr.initiated[nodes],
            "per_initiation": pl.Series(per).fill_nan(None),
            "followers": np.diff(graph.out_ptr)[nodes].astype(np.int64),
        }
    ).sort(["credit", "followers", "id"], descending=[True, False, False])
    if top is not None:
        if top < 1:
            raise InputError(f"--top must be at least 1, got {top}")
        df = df.head(top)
    df = df.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))
    df = df.with_columns(reason_expr().alias("reason"))
    cols = list(AMBASSADOR_COLUMNS)
    if profiles is not None:
        t = profiles.table.select(
            "node", "handle", pl.when(pl.col("has_profile")).then(pl.col("followers"))
            .alias("profile_followers"),
        )  # fmt: skip
        df = df.join(t.with_columns(pl.col("node").cast(pl.Int64)), on="node", how="left")
        cols[2:2] = ["handle", "profile_followers"]
        if relevance is not None:
            fit = np.where(profiles.has_profile, np.asarray(relevance, np.float64), np.nan)
            df = df.with_columns(
                pl.Series("relevance", fit[df["node"].to_numpy()]).fill_nan(None).round(3)
            )
            cols.insert(4, "relevance")
    return df.select(cols)


def _later_value(
    flat: NDArray[np.int32],
    group: NDArray[np.int64],
    value: NDArray[np.float64],
    chosen: NDArray[np.int64],
    n: int,
) -> tuple[NDArray[np.float64], int]:
    """Values of the later items some ``chosen`` account initiated, and how many of the
    chosen accounts initiated one; ``flat`` holds every item's initiators, ``group`` the
    item of each. Column-wise."""
    mark = np.zeros(n, dtype=bool)
    mark[chosen] = True
    hit = mark[flat]
    return value[np.unique(group[hit])], int(np.unique(flat[hit]).size)


def validate_ranking(
    graph: FollowerGraph,
    cascades: Cascades,
    *,
    horizon: float,
    holdout: float = 0.2,
    top: int = 50,
    decay: bool = False,
    items: NDArray[np.integer] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
) -> pl.DataFrame:
    """Does credit find the accounts that move people next? Ranks on the items before
    the last ``holdout`` share (by first adoption), then, for the top ``top`` accounts by
    credit, by in-graph followers and by follows-direction PageRank, takes the later
    items they initiated and each one's adopters beyond its initiators per initiator.
    One row per ranking: ranking, top, accounts (of the top with a later initiation),
    later_items, per_initiator (mean), per_initiator_low and _high (95%, ``bootstrap`` resamples of
    items, ``seed``). O(log + n + bootstrap x items)."""
    from pipeline.calibration.outcomes import item_outcomes
    from pipeline.graph_io.centrality import follows_pagerank

    if not 0.0 < holdout < 1.0:
        raise InputError(f"--holdout must be in (0, 1), got {holdout:g}")
    pos = np.arange(cascades.n_items, dtype=np.int64) if items is None else np.asarray(items)
    cut = round(pos.size * (1.0 - holdout))
    early, later = pos[:cut], pos[cut:]
    if early.size == 0 or later.size == 0:
        raise InputError(
            f"--holdout {holdout:g} of {pos.size} items leaves no item to rank on or to check"
        )
    credit = influence_credit(graph, cascades, horizon=horizon, decay=decay, items=early)
    out = item_outcomes(graph, cascades, later, horizon=horizon, seeds="initiators")
    value = out.earned / np.maximum(out.n_seeds, 1)
    flat = np.concatenate(out.seeds) if out.seeds else np.zeros(0, dtype=np.int32)
    group = np.repeat(np.arange(len(out.seeds)), out.n_seeds)  # built once, not per ranking
    rankings = {
        "credit": credit.credit,
        "followers": np.diff(graph.out_ptr).astype(np.float64),
        "pagerank": follows_pagerank(graph),
    }
    acted = credit.items > 0
    rng = np.random.default_rng(seed)
    rows = []
    for name, score in rankings.items():  # three rankings
        order = np.lexsort((np.arange(graph.n), -score))
        chosen = order[acted[order]][:top] if name == "credit" else order[:top]
        vals, accounts = _later_value(flat, group, value, chosen, graph.n)
        mean = float(vals.mean()) if vals.size else float("nan")
        lo = hi = float("nan")
        if vals.size:
            means = vals[rng.integers(0, vals.size, size=(bootstrap, vals.size))].mean(axis=1)
            lo, hi = (float(x) for x in np.quantile(means, [0.025, 0.975]))
        rows.append((name, top, accounts, int(vals.size), mean, lo, hi))
    return pl.DataFrame(
        rows,
        schema=[
            "ranking",
            "top",
            "accounts",
            "later_items",
            "per_initiator",
            "per_initiator_low",
            "per_initiator_high",
        ],
        orient="row",
    )


def validation_verdict(table: pl.DataFrame) -> str:
    """Whether the credit ranking is worth showing: it wins when its later items earned
    more per initiator than both other rankings' and its interval clears their means."""
    r = {row["ranking"]: row for row in table.iter_rows(named=True)}
    c = r["credit"]
    others = [r["followers"], r["pagerank"]]
    if c["later_items"] == 0:
        return "credit cannot be checked: its top accounts initiated no later item"
    fig = ", ".join(
        f"{o['per_initiator']:.2f} by {o['ranking']}"
        if o["later_items"]
        else f"no later item started by the top {o['top']} by {o['ranking']}"
        for o in others
    )
    ci = f"95% CI {c['per_initiator_low']:.2f} to {c['per_initiator_high']:.2f}"
    if all(c["per_initiator_low"] > o["per_initiator"] for o in others if o["later_items"]):
        return (
            f"credit wins: the later items its top {c['top']} started earned "
            f"{c['per_initiator']:.2f} adopters per initiator ({ci}), against {fig}"
        )
    return (
        f"credit does not clearly win: {c['per_initiator']:.2f} adopters per initiator "
        f"({ci}) against {fig}; rank by it with care"
    )
