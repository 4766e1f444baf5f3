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

__all__ = ["AMBASSADOR_COLUMNS", "item_positions", "rank_ambassadors", "reason_expr"]

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
) -> pl.DataFrame:
    """The candidates (accounts with at least ``min_actions`` in-graph adoptions among
    ``items``) ranked by influence credit, best first (ties: fewer followers first, then
    ID): :data:`AMBASSADOR_COLUMNS`, plus ``handle`` and ``profile_followers`` with
    ``profiles``. ``per_initiation`` is the credit earned per item the account started
    (null when it started none); ``followers`` its in-graph followers. O(log + n)."""
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
    return df.select(cols)
