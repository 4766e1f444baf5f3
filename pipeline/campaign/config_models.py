"""The ``grid.models`` key of a campaign file: presets, named models with ``p``, and
calibrated model files (``calibrated:FILE``, relative to the campaign file)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.campaign.config import MODELS, CampaignConfig, ModelSpec
from pipeline.errors import InputError

__all__ = ["models_of", "or_list", "plan_model_of"]


def or_list(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def models_of(r: Any) -> tuple[ModelSpec, ...]:
    arr = r.array("grid.models")
    if arr is None:
        return CampaignConfig.models
    from pipeline.diffusion.presets import PRESETS

    out: list[ModelSpec] = []
    for x in arr:
        if isinstance(x, str) and x.startswith("calibrated:"):
            spec = _calibrated(r, x[len("calibrated:") :])
            if any(m.label == spec.label for m in out):
                raise r.fail("grid.models", f"model {spec.label!r} listed twice")
            out.append(spec)
            continue
        if isinstance(x, str) and x in PRESETS:
            spec = ModelSpec.of_preset(x)
            if spec in out:
                raise r.fail("grid.models", f"model {spec.label!r} listed twice")
            out.append(spec)
            continue
        if isinstance(x, str):
            name, p = x, None
        elif isinstance(x, dict) and set(x) <= {"name", "p"} and isinstance(x.get("name"), str):
            name, p = x["name"], x.get("p")
        else:
            raise r.fail(
                "grid.models", f"expected model names or {{ name = ..., p = ... }}, got {x!r}"
            )
        if name not in MODELS:
            raise r.fail(
                "grid.models",
                f"unknown model {name!r}; expected a preset ({or_list(list(PRESETS))}) "
                f"or a model ({or_list(MODELS)})",
            )
        if p is not None and (
            name != "ic" or isinstance(p, bool) or not isinstance(p, int | float) or not 0 < p <= 1
        ):
            raise r.fail("grid.models", f"p applies to ic only and must be in (0, 1], got {x!r}")
        spec = ModelSpec(name, None if p is None else float(p))
        if spec in out:
            raise r.fail("grid.models", f"model {spec.label!r} listed twice")
        out.append(spec)
    return tuple(out)


def _calibrated(r: Any, where: str) -> ModelSpec:
    """``calibrated:FILE`` (relative to the campaign file): checked now, placed on the
    graph when the campaign loads it."""
    import hashlib

    from pipeline.diffusion.model_file import read_model_file

    path = (r.path.parent / where).resolve()
    try:
        mf = read_model_file(path)
    except InputError as exc:
        raise r.fail("grid.models", str(exc)) from None
    h = hashlib.sha256(path.read_bytes())
    if "edge_file" in mf.meta:
        edges = path.parent / str(mf.meta["edge_file"])
        if not edges.is_file():
            raise r.fail("grid.models", f"{edges}: the model's edge file is missing")
        h.update(edges.read_bytes())
    return ModelSpec("ic", None, None, str(path), h.hexdigest())


def plan_model_of(r: Any, models: tuple[ModelSpec, ...]) -> ModelSpec | None:
    """``grid.plan_model``: the model every strategy's one plan is chosen under (a label
    of ``grid.models``, e.g. ``"medium"`` or ``"calibrated:android.json"``, the file name
    of a calibrated model); None when
    absent (:meth:`CampaignConfig.plan` then picks the default)."""
    v = r.raw("grid.plan_model")
    if v is None:
        return None
    labels = [m.label for m in models]
    for m in models:
        # a calibrated model also by its file name (its label before labels had a hash)
        named = f"calibrated:{Path(m.calibrated).name}" if m.calibrated else None
        if isinstance(v, str) and v in (m.label, m.ref, m.name if m.p is None else None, named):
            return m
    raise r.fail("grid.plan_model", f"{v!r} is not one of grid.models; expected {or_list(labels)}")
