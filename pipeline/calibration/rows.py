"""What a backtest scores and on which items: the rows (``--models``) and the split.

``--models`` names rows: ``ic:P`` and ``wc`` (presets), ``calibrated`` (every method
but ``em``, fitted on the training items), ``calibrated:METHOD`` and
``calibrated:FILE.toml`` (a saved model, scored as it is). :func:`split_items` cuts the
items, in order of first adoption, by count into train, validation and test. O(1) /
O(items).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pipeline.calibration.fit import METHODS
from pipeline.errors import InputError

__all__ = ["DEFAULT_MODELS", "RowSpec", "parse_models", "split_items"]

DEFAULT_MODELS = "ic:0.01,ic:0.025,wc,calibrated"


@dataclass(frozen=True)
class RowSpec:
    """A row to score: ``kind`` preset (``ic`` p or ``wc``), calibrated (a method) or
    file (a saved calibrated model)."""

    name: str
    kind: str
    p: float | None = None
    method: str | None = None


def parse_models(text: str) -> list[RowSpec]:
    """``ic:0.01,ic:0.025,wc,calibrated`` -> rows. ``calibrated`` stands for every
    method but ``em`` (which needs a step: name it ``calibrated:em``); ``calibrated:M``
    names one method."""
    rows: list[RowSpec] = []
    for tok in (t.strip() for t in text.split(",")):
        if not tok:
            continue
        if tok == "wc":
            rows.append(RowSpec("wc", "preset"))
        elif tok.startswith("ic:"):
            try:
                p = float(tok[3:])
            except ValueError:
                p = -1.0
            if not 0.0 <= p <= 1.0:
                raise InputError(f"«models»: {tok!r}: expected ic:P with P in [0, 1]")
            rows.append(RowSpec(f"ic p={p:g}", "preset", p=p))
        elif tok == "calibrated":
            rows += [RowSpec(m, "calibrated", method=m) for m in METHODS if m != "em"]
        elif tok.startswith("calibrated:") and tok[11:] in METHODS:
            rows.append(RowSpec(tok[11:], "calibrated", method=tok[11:]))
        elif tok.startswith("calibrated:") and tok[11:]:
            rows.append(RowSpec(tok, "file"))  # a saved model, scored as it is
        else:
            raise InputError(
                f"«models»: unknown model {tok!r}; expected ic:P, wc, calibrated or "
                f"calibrated:METHOD ({', '.join(METHODS)})"
            )
    names = [r.name for r in rows]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"«models» names {', '.join(map(repr, twice))} more than once")
    if not rows:
        raise InputError("«models» names no model")
    return rows


def split_items(
    n: int, split: tuple[float, float, float], origin: float | None = None
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:
    """Train, validation and test item positions among ``n`` ordered items. The test
    block starts at ``origin`` (a share of n; default ``train + validation``)."""
    tr, va, te = split
    if min(split) < 0 or abs(sum(split) - 1.0) > 1e-6 or tr <= 0 or te <= 0:
        raise InputError(
            f"«split» must be three shares (train, validation, test) summing to 1 with "
            f"train and test > 0, got {','.join(f'{s:g}' for s in split)}"
        )
    start = tr + va if origin is None else origin
    t0 = round(start * n)
    t1 = min(n, round((start + te) * n))
    v0 = max(0, t0 - round(va * n))
    idx = np.arange(n, dtype=np.int32)
    test = idx[t0:t1]
    if test.size == 0:
        raise InputError(
            f"the split leaves no test item ({n} items); give more data or change «split»"
        )
    if v0 == 0:
        raise InputError(f"the split leaves no training item ({n} items); change «split»")
    return idx[:v0], idx[v0:t0], test
