"""Vega-Lite specs as plain dicts: channels, marks, layers, facets and the top-level document.

The report's charts are JSON objects the page embeds and vl-convert renders; these
helpers build them directly (no schema objects, no validation at report time). The
keys come in a fixed order so the page's bytes stay stable from run to run: inside
channels, marks (after ``type``) and encodings, alphabetical; at the top level, the
view keys first (:func:`document`). Values are stored as given, not copied. O(size of
the spec).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "SCHEMA_URL",
    "VEGA_LITE_VERSION",
    "channel",
    "document",
    "facet",
    "layer",
    "mark",
    "tip",
    "unit",
]

#: The Vega-Lite version the specs are written for (``$schema``; vl-convert renders it).
VEGA_LITE_VERSION = "6.4.1"
SCHEMA_URL = f"https://vega.github.io/schema/vega-lite/v{VEGA_LITE_VERSION}.json"
_TYPES = {"N": "nominal", "Q": "quantitative"}


def _alphabetical(props: dict[str, Any]) -> dict[str, Any]:
    """``props`` with its keys, and those of its dict values, in alphabetical order."""
    return {k: _alphabetical(v) if isinstance(v, dict) else v for k, v in sorted(props.items())}


def channel(shorthand: str, **props: Any) -> dict[str, Any]:
    """An encoding channel on a field: ``shorthand`` is ``"<field>:N"`` (nominal) or
    ``"<field>:Q"`` (quantitative); ``props`` (``title``, ``axis``, ``scale``, ...) are
    written as given, a None as null. Returns the channel definition dict."""
    name, code = shorthand.rsplit(":", 1)
    return _alphabetical({"field": name, "type": _TYPES[code], **props})


def tip(shorthand: str, title: str | None = None, format: str | None = None) -> dict[str, Any]:
    """One tooltip entry (a :func:`channel`): the field's name as its title unless
    ``title`` is given, its d3 ``format`` when given."""
    props = {k: v for k, v in (("title", title), ("format", format)) if v is not None}
    return channel(shorthand, **props)


def mark(kind: str, **props: Any) -> dict[str, Any]:
    """A mark definition: ``{"type": kind}`` then ``props`` (opacity, size, colour...)."""
    return {"type": kind, **dict(sorted(props.items()))}


def unit(
    mark_def: dict[str, Any], **encoding: dict[str, Any] | list[dict[str, Any]]
) -> dict[str, Any]:
    """A single-view spec of one mark: the :func:`mark` and its channels by name
    (``x``, ``y``, ``color``; ``tooltip``, a list of :func:`tip`). Returns
    ``{"mark", "encoding"}``."""
    return {"mark": mark_def, "encoding": dict(sorted(encoding.items()))}


def layer(
    *views: dict[str, Any], width: int, height: int, values: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Views (:func:`unit`) drawn over each other in a ``width`` x ``height`` plot;
    ``values``: the inline rows they share, when given. Returns the layer spec."""
    props: dict[str, Any] = {"height": height, "width": width}
    if values is not None:
        props["data"] = {"values": values}
    return {"layer": list(views), **dict(sorted(props.items()))}


def facet(
    spec: dict[str, Any],
    column: dict[str, Any],
    values: list[dict[str, Any]],
    resolve: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``spec`` repeated side by side, one panel per value of the ``column`` channel,
    over the inline rows ``values``; ``resolve``: e.g. independent scales per panel.
    Returns the facet spec."""
    out = {"data": {"values": values}, "facet": {"column": column}, "spec": spec}
    if resolve is not None:
        out["resolve"] = resolve
    return out


def document(spec: dict[str, Any], title: str) -> dict[str, Any]:
    """The complete Vega-Lite document of ``spec`` (:func:`layer`, :func:`facet`, or a
    :func:`unit` with ``data``, ``width`` and ``height``) titled ``title`` on a white
    background. Key order: the default view size, the spec's view keys (``layer``;
    ``data``, ``facet``, ``spec``; or ``data``, ``mark``), its other properties in
    alphabetical order, then ``$schema``."""
    if "layer" in spec:
        lead: tuple[str, ...] = ("layer",)
    elif "facet" in spec:
        lead = ("data", "facet", "spec")
    else:
        lead = ("data", "mark")
    props = {k: v for k, v in spec.items() if k not in lead}
    props |= {"background": "white", "title": title}
    return {
        "config": {"view": {"continuousWidth": 300, "continuousHeight": 300}},
        **{k: spec[k] for k in lead},
        **dict(sorted(props.items())),
        "$schema": SCHEMA_URL,
    }
