"""Audience tiers (nano, micro, mid, macro, mega) and the follower thresholds between them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipeline.errors import InputError

__all__ = ["TIER_NAMES", "TierThresholds"]


TIER_NAMES: tuple[str, ...] = ("nano", "micro", "mid", "macro", "mega")


@dataclass(frozen=True)
class TierThresholds:
    """Lower bounds (followers, inclusive) of the micro, mid, macro and mega tiers.

    Defaults: nano < 10k <= micro < 100k <= mid < 500k <= macro < 1M <= mega.
    """

    micro: int = 10_000
    mid: int = 100_000
    macro: int = 500_000
    mega: int = 1_000_000

    def __post_init__(self) -> None:
        b = self.bounds
        if b[0] <= 0 or any(x >= y for x, y in itertools.pairwise(b)):
            raise InputError(
                f"tier thresholds must be positive and increasing (micro < mid < macro < mega); "
                f"got {', '.join(f'{x:,}' for x in b)}"
            )

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        return (self.micro, self.mid, self.macro, self.mega)

    @classmethod
    def parse(cls, text: str) -> TierThresholds:
        """From ``"10000,100000,500000,1000000"`` (micro, mid, macro, mega lower bounds)."""
        parts = [p.strip().replace("_", "") for p in text.split(",")]
        try:
            values = [int(float(p)) for p in parts]
        except ValueError:
            raise InputError(
                f"tier thresholds {text!r}: expected four integers micro,mid,macro,mega"
            ) from None
        if len(values) != 4:
            raise InputError(
                f"tier thresholds {text!r}: expected four integers micro,mid,macro,mega"
            )
        return cls(*values)

    def expr(self, followers: pl.Expr) -> pl.Expr:
        """A polars expression giving the tier name (Enum) of a follower count."""
        b = self.bounds
        return (
            pl.when(followers.is_null())
            .then(None)
            .when(followers < b[0])
            .then(pl.lit("nano"))
            .when(followers < b[1])
            .then(pl.lit("micro"))
            .when(followers < b[2])
            .then(pl.lit("mid"))
            .when(followers < b[3])
            .then(pl.lit("macro"))
            .otherwise(pl.lit("mega"))
            .cast(pl.Enum(TIER_NAMES))
        )

    def assign(self, followers: Sequence[float] | NDArray[np.number]) -> list[str]:
        """Tier names of follower counts (``nano`` ... ``mega``)."""
        s = pl.Series("f", np.asarray(followers))
        return pl.select(self.expr(pl.lit(s))).to_series().cast(pl.String).to_list()
