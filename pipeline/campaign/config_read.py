"""Reading one value of a campaign file: :class:`Reader` over the parsed TOML document,
whose every error is one line naming the file and key (``file: section.key: expected
...``), and the basic kinds of :class:`~pipeline.campaign.config_spec.Key` (text,
choice, integer, number, boolean, file, names), each a reader and its JSON Schema.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.campaign.config_spec import MISSING, Key
from pipeline.errors import InputError

__all__ = ["BASIC_KINDS", "Kind", "Reader", "or_list"]


def or_list(names: Sequence[str]) -> str:
    """``a, b or c``: how messages list the choices."""
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


@dataclass(frozen=True)
class Kind:
    """How a kind of key is read (``read(reader, key, default)``: the field's value; its
    default, MISSING if none, when the key is absent) and described in the JSON Schema
    (``schema(key)``: the schema of the key's value)."""

    read: Callable[[Reader, Key, Any], Any]
    schema: Callable[[Key], dict[str, Any]]


class Reader:
    """Typed access to a parsed TOML document with errors naming file and key.

    ``path`` is the campaign file as the user named it (messages show it); relative
    paths in the file are resolved against its folder. :meth:`value` reads a field of
    the declaration once (a field's reader may ask for the fields it depends on)."""

    def __init__(
        self,
        path: Path,
        doc: dict[str, Any],
        fields: Sequence[dataclasses.Field[Any]] = (),
        kinds: Mapping[str, Kind] | None = None,
    ) -> None:
        self.path = path
        self.doc = doc
        self.fields = {f.name: f for f in fields}
        self.kinds = kinds or {}
        self.values: dict[str, Any] = {}

    def fail(self, key: str, message: str) -> InputError:
        """The one-line error ``file: key: message``."""
        return InputError(f"{self.path}: {key}: {message}")

    def value(self, name: str) -> Any:
        """The value of the declared field ``name``, read and checked on first use."""
        if name not in self.values:
            f = self.fields[name]
            keys = f.metadata.get("keys", ())
            default = f.default
            if f.default_factory is not MISSING:
                default = f.default_factory()
            read = f.metadata.get("read")
            self.values[name] = self.kinds[read].read(self, keys[0], default) if read else default
        return self.values[name]

    def raw(self, key: str) -> Any:
        """The value at ``section.key`` as parsed, None when absent."""
        node: Any = self.doc
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def text(self, key: str, default: str | None = None) -> str | None:
        v = self.raw(key)
        if v is None:
            return default
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, f"expected a non-empty string, got {v!r}")
        if "\x00" in v:  # no file name, brand or label can hold one
            raise self.fail(key, f"contains a NUL character: {v!r}")
        return v

    def integer(self, key: str, default: int | None, minimum: int) -> int | None:
        v = self.raw(key)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise self.fail(key, f"expected an integer >= {minimum}, got {v!r}")
        return v

    def boolean(self, key: str, default: bool | None) -> bool | None:
        v = self.raw(key)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise self.fail(key, f"expected true or false, got {v!r}")
        return v

    def array(self, key: str) -> list[Any] | None:
        v = self.raw(key)
        if v is None:
            return None
        if not isinstance(v, list) or not v:
            raise self.fail(key, f"expected a non-empty array, got {v!r}")
        return v

    def names(self, key: str) -> tuple[str, ...] | None:
        """A non-empty array of distinct non-empty strings; None when absent."""
        arr = self.array(key)
        if arr is None:
            return None
        if not all(isinstance(x, str) and x for x in arr):
            raise self.fail(key, f"expected an array of names, got {arr!r}")
        if len(set(arr)) != len(arr):
            raise self.fail(key, f"repeated entries in {arr!r}")
        return tuple(arr)

    def file(self, key: str, required: bool = True) -> Path | None:
        v = self.text(key)
        if v is None:
            if required:
                raise self.fail(key, "missing; expected the path of a file")
            return None
        p = (self.path.parent / v).resolve()
        if not p.is_file():
            raise self.fail(key, f"no such file {v!r} (looked for {p})")
        return p


def _number_phrase(key: Key) -> str:
    lo, hi = key.minimum, key.maximum
    if lo is not None and hi is not None:
        o, c = ("(", ")") if key.exclusive else ("[", "]")
        return f"a number in {o}{lo:g}, {hi:g}{c}"
    unit = f" ({key.unit})" if key.unit else ""
    return f"a number >= {lo:g}{unit}" if lo is not None else f"a number{unit}"


def _number(r: Reader, key: Key, default: Any) -> Any:
    v = r.raw(key.name)
    if v is None:
        return default
    ok = not isinstance(v, bool) and isinstance(v, int | float)
    ok = ok and not (isinstance(v, float) and not math.isfinite(v))
    lo, hi = key.minimum, key.maximum
    if ok and lo is not None:
        ok = v > lo if key.exclusive else v >= lo
    if ok and hi is not None:
        ok = v < hi if key.exclusive else v <= hi
    if ok:
        try:
            return float(v)
        except OverflowError:  # an integer beyond any float
            pass
    raise r.fail(key.name, f"expected {_number_phrase(key)}, got {v!r}")


def _number_schema(key: Key) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "number"}
    if key.minimum is not None:
        out["exclusiveMinimum" if key.exclusive else "minimum"] = key.minimum
    if key.maximum is not None:
        out["exclusiveMaximum" if key.exclusive else "maximum"] = key.maximum
    return out


def _choice(r: Reader, key: Key, default: Any) -> Any:
    v = r.text(key.name, default)
    if v is not None and v not in key.choices:
        raise r.fail(key.name, f"expected {key.expected or or_list(key.choices)}, got {v!r}")
    return v


def _file(r: Reader, key: Key, default: Any) -> Path | None:
    return r.file(key.name, required=key.required)


def _names(r: Reader, key: Key, default: Any) -> Any:
    got = r.names(key.name)
    return default if got is None else got


def _names_schema(key: Key) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "string", "minLength": 1}
    if key.choices:  # said by the schema; the field's reader checks them
        item = {"enum": list(key.choices)}
    return {"type": "array", "items": item, "minItems": 1, "uniqueItems": True}


_STRING = {"type": "string", "minLength": 1}

#: The kinds every declaration may use (see :class:`~pipeline.campaign.config_spec.Key`).
BASIC_KINDS: dict[str, Kind] = {
    "text": Kind(lambda r, k, d: r.text(k.name, d), lambda k: dict(_STRING)),
    "choice": Kind(_choice, lambda k: {"type": "string", "enum": list(k.choices)}),
    "integer": Kind(
        lambda r, k, d: r.integer(k.name, d, int(k.minimum or 0)),
        lambda k: {"type": "integer", "minimum": int(k.minimum or 0)},
    ),
    "number": Kind(_number, _number_schema),
    "boolean": Kind(lambda r, k, d: r.boolean(k.name, d), lambda k: {"type": "boolean"}),
    "file": Kind(_file, lambda k: dict(_STRING)),
    "names": Kind(_names, _names_schema),
}
