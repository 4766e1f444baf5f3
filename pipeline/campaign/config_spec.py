"""How a campaign setting is declared, once, as field metadata of
:class:`~pipeline.campaign.config.CampaignConfig`: the campaign-file keys that fill it
(:class:`Key`: section, how the value is read and checked, its description), and whether
it enters the results fingerprint (:class:`Fingerprint`, or a reason it does not).

From that one declaration come the file reader (:mod:`pipeline.campaign.config_file`),
the JSON Schema (:mod:`pipeline.campaign.config_schema`) and the settings that
fingerprint a results folder (:func:`settings_of`): every field is fingerprinted unless
its declaration says why not (a deny-list), so a new setting cannot be left out silently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import MISSING, dataclass
from typing import Any

__all__ = [
    "MISSING",
    "Fingerprint",
    "Key",
    "fingerprinted",
    "keys_of",
    "sections_of",
    "setting",
    "settings_of",
    "unfingerprinted",
]


@dataclass(frozen=True)
class Key:
    """One key of a campaign file.

    ``name`` is ``section.key`` (a bare ``key`` at the top level). ``kind`` names how the
    value is read, checked and described in the schema: ``text``, ``choice`` (one of
    ``choices``), ``integer`` (>= ``minimum``), ``number`` (a finite number within
    ``minimum``/``maximum``, both excluded if ``exclusive``; ``unit`` is said in the
    message), ``boolean``, ``file`` (a path relative to the campaign file), ``names`` (a
    non-empty array of distinct strings), or a reader of its own (registered by
    :mod:`pipeline.campaign.config_file`). ``default`` is the value as the file would
    spell it, for the schema; left None, the field's default is shown when it has a
    JSON spelling. ``required``: the file must give it. ``doc`` says what the key means and
    in which units."""

    name: str
    kind: str
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive: bool = False
    unit: str | None = None
    choices: tuple[str, ...] = ()
    #: how the message of a ``choice`` spells the choices (default: ``a, b or c``)
    expected: str | None = None
    default: Any = None
    required: bool = False

    @property
    def section(self) -> str:
        """The table the key is in; "" for the top level."""
        return self.name.rpartition(".")[0]

    @property
    def key(self) -> str:
        """The key's name within its section."""
        return self.name.rpartition(".")[2]


@dataclass(frozen=True)
class Fingerprint:
    """How a field enters :func:`settings_of`: under ``name`` (default: the field's),
    inside the table ``group`` if given; as ``value`` (a method name of the config or a
    function of it; default: the field's value); only ``when`` it holds, so that results
    written before the setting existed keep their fingerprint."""

    name: str | None = None
    group: str | None = None
    value: str | Callable[[Any], Any] | None = None
    when: Callable[[Any], bool] | None = None


def setting(
    default: Any = MISSING,
    *keys: Key,
    factory: Any = MISSING,
    read: str | None = None,
    fingerprint: Fingerprint | None = None,
    unfingerprinted: str | None = None,
) -> Any:
    """A :func:`dataclasses.field` declaring a campaign setting: its default (MISSING:
    none; or ``factory``), the file ``keys`` that fill it, the reader (``read``; default:
    its first key's kind) and how it is fingerprinted, or why it is not
    (``unfingerprinted``: the reason)."""
    if fingerprint is not None and unfingerprinted is not None:
        raise ValueError("a setting is fingerprinted or not, not both")
    meta = {
        "keys": keys,
        "read": read or (keys[0].kind if keys else None),
        "fingerprint": fingerprint,
        "unfingerprinted": unfingerprinted,
    }
    if factory is not MISSING:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def unfingerprinted(cls: Any) -> dict[str, str]:
    """The fields of ``cls`` left out of the fingerprint, with the reason of each."""
    return {
        f.name: f.metadata["unfingerprinted"]
        for f in dataclasses.fields(cls)
        if f.metadata.get("unfingerprinted")
    }


def fingerprinted(cls: Any) -> tuple[str, ...]:
    """The fields of ``cls`` in its fingerprint: all those not declared left out."""
    out = unfingerprinted(cls)
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in out)


def keys_of(cls: Any) -> dict[str, Key]:
    """Every file key of ``cls`` (``section.key`` -> :class:`Key`), in declaration order."""
    return {k.name: k for f in dataclasses.fields(cls) for k in f.metadata.get("keys", ())}


def sections_of(cls: Any) -> dict[str, tuple[str, ...]]:
    """The keys each section may hold ("" = top level first), in declaration order."""
    out: dict[str, list[str]] = {"": []}
    for k in keys_of(cls).values():
        out.setdefault(k.section, []).append(k.key)
    return {s: tuple(v) for s, v in out.items()}


def settings_of(obj: Any) -> dict[str, Any]:
    """What determines each cell's numbers besides the grid and the inputs' content: every
    fingerprinted field of ``obj`` as its :class:`Fingerprint` says (tuples as lists)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        if f.metadata.get("unfingerprinted"):
            continue
        fp = f.metadata.get("fingerprint") or Fingerprint()
        if fp.when is not None and not fp.when(obj):
            continue
        if isinstance(fp.value, str):
            value = getattr(obj, fp.value)()
        else:
            value = fp.value(obj) if fp.value is not None else getattr(obj, f.name)
        value = list(value) if isinstance(value, tuple) else value
        (out.setdefault(fp.group, {}) if fp.group else out)[fp.name or f.name] = value
    return out
