"""A diffusion model of a campaign's grid (:class:`ModelSpec`), and the ``grid.models`` and
``grid.plan_model`` keys of a campaign file: presets, named models with ``p``, and
calibrated model files (``calibrated:FILE``, relative to the campaign file)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.campaign.config_read import Kind, or_list
from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.campaign.config_read import Reader
    from pipeline.campaign.config_spec import Key

__all__ = ["MODELS", "MODEL_KINDS", "ModelSpec", "or_list"]

MODELS = ("ic", "wc", "tv", "lt")


@dataclass(frozen=True)
class ModelSpec:
    """A diffusion model of the grid: ``name`` (ic, wc, tv, lt), IC's uniform ``p``, and
    the virality preset it came from (:mod:`pipeline.diffusion.presets`), if any; or a
    calibrated model file (``calibrated``: its absolute path, ``digest``: SHA-256 of the
    file and its edge file, so a resumed campaign notices a refit)."""

    name: str
    p: float | None = None
    preset: str | None = None
    calibrated: str | None = None
    digest: str | None = None

    @property
    def label(self) -> str:
        """How results name the model (part of cell keys): exact ``p``, and
        ``calibrated:<stem>@<hash8>`` (:mod:`pipeline.diffusion.model_ref`)."""
        from pipeline.diffusion.model_ref import calibrated_label, p_text

        if self.calibrated is not None:
            return calibrated_label(self.calibrated, self.digest)
        if self.preset is not None:
            return self.preset
        return self.name if self.p is None else f"{self.name} p={p_text(self.p)}"

    @property
    def ref(self) -> str:
        """The spelling :func:`pipeline.diffusion.model_ref.resolve` reads."""
        if self.calibrated is not None:
            return f"calibrated:{self.calibrated}"
        if self.preset is not None:
            return self.preset
        return self.name if self.p is None else f"ic:{self.p!r}"

    @classmethod
    def of_preset(cls, name: str) -> ModelSpec:
        """The model of a virality preset (``low-virality``, ``medium``, ...)."""
        from pipeline.diffusion.presets import preset

        ps = preset(name)
        return cls(ps.model, ps.p, ps.name)


def _models(r: Reader, key: Key, default: Any) -> tuple[ModelSpec, ...]:
    arr = r.array(key.name)
    if arr is None:
        return tuple(default)
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


def _calibrated(r: Reader, where: str) -> ModelSpec:
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


def _plan_model(r: Reader, key: Key, default: Any) -> ModelSpec | None:
    """``grid.plan_model``: the model every strategy's one plan is chosen under (a label
    of ``grid.models``, e.g. ``"medium"`` or ``"calibrated:android.json"``, the file name
    of a calibrated model); None when absent (``CampaignConfig.plan`` then picks the
    default)."""
    v = r.raw(key.name)
    if v is None:
        return None
    models: tuple[ModelSpec, ...] = r.value("models")
    labels = [m.label for m in models]
    for m in models:
        # a calibrated model also by its file name (its label before labels had a hash)
        named = f"calibrated:{Path(m.calibrated).name}" if m.calibrated else None
        if isinstance(v, str) and v in (m.label, m.ref, m.name if m.p is None else None, named):
            return m
    raise r.fail("grid.plan_model", f"{v!r} is not one of grid.models; expected {or_list(labels)}")


def _models_schema(key: Key) -> dict[str, Any]:
    from pipeline.diffusion.presets import PRESETS

    table = {
        "type": "object",
        "properties": {
            "name": {"enum": list(MODELS)},
            "p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        },
        "required": ["name"],
        "additionalProperties": False,
    }
    named = {"type": "string", "enum": [*PRESETS, *MODELS]}
    calibrated = {"type": "string", "pattern": "^calibrated:.+"}
    return {"type": "array", "items": {"anyOf": [named, calibrated, table]}, "minItems": 1}


#: The readers of ``grid.models`` and ``grid.plan_model``.
MODEL_KINDS: dict[str, Kind] = {
    "models": Kind(_models, _models_schema),
    "plan_model": Kind(_plan_model, lambda k: {"type": "string", "minLength": 1}),
}
