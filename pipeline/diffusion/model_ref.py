"""Which diffusion model a call means: one value type, :class:`Model`, and one
:func:`resolve` used by every entry point (library, CLI, campaign files).

Accepted spellings (``--model`` is free text checked here):

- ``ic``, ``wc``, ``tv``, ``lt``: the models of :mod:`pipeline.diffusion.models`
  (``ic`` with ``p``, or with the graph's ``probability`` column);
- ``ic:P``: IC with uniform probability P (the same as ``ic`` with ``p=P``);
- a virality preset: ``low-virality``, ``medium``, ``high-virality``
  (:mod:`pipeline.diffusion.presets`);
- ``calibrated:FILE``: a model written by ``influence calibrate``
  (:mod:`pipeline.diffusion.model_file`), used as fitted: no brand sender factor and
  no audience-quality thinning on top unless the file sets ``brand_aware = true``;
- nothing: IC when ``p`` is given or the graph carries probabilities, else
  :data:`pipeline.defaults.MODEL`.

A preset or a calibrated model with ``p`` is refused (they fix their own
parameters). O(1), or O(m) for a calibrated model on a graph.

Labels name a model in results (and in a campaign's cell keys), so two models never
share one: ``ic p=P`` writes P exactly (:func:`p_text`: ``ic p=0.01000001`` and ``ic
p=0.01`` stay apart), and a campaign's calibrated model is ``calibrated:<stem>@<8 hex
of its content's SHA-256>`` (:func:`calibrated_label`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pipeline import defaults
from pipeline.errors import InputError
from pipeline.graph_io import FollowerGraph

__all__ = ["Model", "calibrated_label", "p_text", "resolve"]

_BASIC = ("ic", "wc", "tv", "lt")


@dataclass(frozen=True, eq=False)
class Model:
    """A resolved diffusion model.

    ``kind`` is what the kernels run (ic, wc, tv, lt); ``p`` IC's uniform probability;
    ``edge_p`` per-edge probabilities (a calibrated model on a given graph, run as
    IC); ``label`` how results name it; ``brand_aware`` whether a brand's sender factor
    and audience quality apply on top (False for a calibrated model unless its file
    says otherwise); ``note`` something the user should be told (e.g. a global model
    fitted on another graph)."""

    kind: str
    p: float | None = None
    label: str = ""
    edge_p: NDArray[np.float32] | None = None
    brand_aware: bool = True
    source: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        return self.label or self.kind

    @property
    def calibrated(self) -> bool:
        return self.source is not None


def p_text(p: float) -> str:
    """``p`` as a label writes it: the shortest text that reads back as exactly ``p``
    (Python's ``repr``), without a trailing ``.0``: ``0.025``, ``0.01000001``, ``1e-05``,
    ``1``. Values of 6 significant digits or fewer read as ``f"{p:g}"`` did."""
    text = repr(float(p))
    return text[:-2] if text.endswith(".0") else text


def calibrated_label(path: str, digest: str | None) -> str:
    """A calibrated model's label in a campaign: ``calibrated:<file stem>@<first 8 hex
    of digest>`` (``digest``: SHA-256 of the model file and its edge file), so two
    files of one name, or a refit, never share a label; ``calibrated:<file name>``
    without a digest."""
    name = Path(path)
    return f"calibrated:{name.stem}@{digest[:8]}" if digest else f"calibrated:{name.name}"


def _p_of(text: str) -> float:
    try:
        p = float(text)
    except ValueError:
        p = float("nan")
    if not 0.0 <= p <= 1.0:
        raise InputError(f"«model» ic:P needs P in [0, 1], got {text!r}")
    return p


def resolve(
    model: str | Model | None, p: float | None = None, graph: FollowerGraph | None = None
) -> Model:
    """The :class:`Model` meant by ``model`` (and ``p``) on ``graph`` (module docstring).

    ``graph`` is needed for calibrated models (their edge probabilities are placed on
    it); without one, a calibrated per-edge model cannot be resolved."""
    from pipeline.diffusion.presets import PRESETS

    if isinstance(model, Model):
        if p is not None and model.calibrated and p != model.p:
            raise InputError(
                f"«p» cannot be combined with the calibrated model {model.label!r}: it fixes p"
            )
        if p is not None and model.kind != "ic":
            raise InputError(f"p applies to the ic model only, not {model.label!r}")
        return model
    if model is None:
        name = (
            "ic"
            if p is not None or getattr(graph, "probability", None) is not None
            else defaults.MODEL
        )
        return Model(name, p, name)
    if not isinstance(model, str) or not model.strip():
        raise InputError(f"«model» must be a model name, got {model!r}")
    text = model.strip()
    if text in _BASIC:
        if p is not None and text != "ic":
            raise InputError(f"p applies to the ic model only, not {text!r}")
        return Model(text, p, text)
    if text.startswith("ic:"):
        if p is not None:
            raise InputError(f"«model» {text!r} fixes p; do not pass «p» too")
        q = _p_of(text[3:])
        return Model("ic", q, f"ic p={p_text(q)}")
    if text in PRESETS:
        if p is not None:
            raise InputError(f"«p» applies to «model» ic, not to the preset {text!r}")
        ps = PRESETS[text]
        return Model(ps.model, ps.p, ps.name)
    if text.startswith("calibrated:"):
        if p is not None:
            raise InputError("«p» cannot be combined with a calibrated «model»: the file fixes it")
        from pipeline.diffusion.model_file import read_model_file

        mf = read_model_file(text[len("calibrated:") :])
        if graph is None:
            raise InputError(f"{text}: a calibrated model needs the graph to place it on")
        fitted_p, edge_p, note = mf.probabilities(graph)
        if mf.brand_aware:
            note = (
                f"{mf.path}: brand_aware = true: a brand's sender factor and audience quality "
                "apply on top of the calibrated probabilities, so the calibration no longer holds"
            )
        return Model("ic", fitted_p, mf.label, edge_p, mf.brand_aware, str(mf.path), note)
    names = ", ".join((*_BASIC, "ic:P", *PRESETS, "calibrated:FILE"))
    raise InputError(f"unknown «model» {text!r}; expected one of {names}")
