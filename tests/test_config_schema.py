"""The campaign file's JSON Schema (``influence campaign --schema``) comes from the same
declaration as the reader: it names every key the reader accepts and no other, the
bundled configs validate against it, and its defaults are the reader's."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.campaign.config import CampaignConfig, ModelSpec
from pipeline.campaign.config_file import _KEYS, load_config
from pipeline.campaign.config_schema import campaign_schema
from pipeline.cli import app

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "configs").glob("*.toml"))
runner = CliRunner()


def _errors(value: Any, schema: dict[str, Any], where: str = "") -> list[str]:
    """A small JSON Schema check, enough for this schema's words (used with or without the
    ``jsonschema`` package): one message per violation."""
    types = {"string": str, "integer": int, "number": int | float, "boolean": bool,
             "array": list, "object": dict}  # fmt: skip
    t = schema.get("type")
    if t is not None and (
        not isinstance(value, types[t]) or (t in ("integer", "number") and value is True)
        or (t in ("integer", "number") and value is False)
    ):  # fmt: skip
        return [f"{where}: expected {t}, got {value!r}"]
    out: list[str] = []
    if "anyOf" in schema and all(_errors(value, s, where) for s in schema["anyOf"]):
        out.append(f"{where}: matches none of anyOf")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        for word, ok in (("minimum", lambda b: value >= b), ("maximum", lambda b: value <= b),
                         ("exclusiveMinimum", lambda b: value > b),
                         ("exclusiveMaximum", lambda b: value < b)):  # fmt: skip
            if word in schema and not (ok(schema[word]) and not math.isnan(value)):
                out.append(f"{where}: {value!r} fails {word} {schema[word]}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1e9):
            out.append(f"{where}: length of {value!r}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", 1e9):
            out.append(f"{where}: {len(value)} items")
        if schema.get("uniqueItems") and len({json.dumps(v) for v in value}) != len(value):
            out.append(f"{where}: repeated items")
        for i, v in enumerate(value):
            out += _errors(v, schema.get("items", {}), f"{where}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out += [f"{where}: missing {k}" for k in schema.get("required", []) if k not in value]
        if len(value) < schema.get("minProperties", 0):
            out.append(f"{where}: too few entries")
        for k, v in value.items():
            sub = props.get(k, schema.get("additionalProperties", True))
            if sub is False:
                out.append(f"{where}.{k}: not allowed")
            elif isinstance(sub, dict):
                out += _errors(v, sub, f"{where}.{k}")
    return out


def _validate(doc: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Violations of ``schema`` by ``doc``: by ``jsonschema`` when installed, and by the
    small check above (both must agree on whether there are any)."""
    mine = _errors(doc, schema)
    try:
        import jsonschema
    except ImportError:
        return mine
    theirs = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
    assert bool(theirs) == bool(mine), (theirs, mine)
    return theirs


def test_the_schema_is_a_draft_2020_12_schema() -> None:
    schema = campaign_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_the_bundled_configs_validate(path: Path) -> None:
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert _validate(doc, campaign_schema()) == []


def test_the_schema_names_every_key_the_reader_accepts_and_no_other() -> None:
    props = campaign_schema()["properties"]
    for section, keys in _KEYS.items():
        table = props if section == "" else props[section]["properties"]
        assert props.get(section, {}).get("additionalProperties", False) is False
        for key in keys:
            assert key in table, f"{section}.{key}"
            assert table[key].get("description"), f"{section}.{key} has no description"
    top = {k for k, v in props.items() if v.get("type") != "object"}
    assert top == set(_KEYS[""])
    assert {k for k in props if k not in top} == set(_KEYS) - {""}
    for section in set(_KEYS) - {""}:
        assert set(props[section]["properties"]) == set(_KEYS[section])


def test_the_schema_refuses_what_the_reader_refuses() -> None:
    doc = tomllib.loads(CONFIGS[0].read_text(encoding="utf-8"))
    schema = campaign_schema()
    for edit in (
        lambda d: d.update(runz=3),
        lambda d: d["seeding"].update(epsilon=1),
        lambda d: d["inputs"].update(duplicates="sum"),
        lambda d: d["grid"].update(models=["sir"]),
        lambda d: d.update(simulation={"brand_aware": 1}),
        lambda d: d.pop("output"),
        lambda d: d["grid"].pop("budget_shares"),
    ):
        bad = json.loads(json.dumps(doc))
        edit(bad)
        assert _validate(bad, schema), bad


def test_the_schema_defaults_are_the_readers(tmp_path: Path) -> None:
    for name in ("g.csv", "p.csv", "b.csv"):
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    path = tmp_path / "c.toml"
    path.write_text(
        'output = "out"\n[inputs]\ngraph = "g.csv"\nprofiles = "p.csv"\nbrands = "b.csv"\n'
        "[grid]\nk = [3]\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    props = campaign_schema()["properties"]
    checked = 0
    for f in dataclasses.fields(CampaignConfig):
        for key in f.metadata["keys"]:
            table = props if key.section == "" else props[key.section]["properties"]
            if "default" not in table[key.key] or key.kind in ("models", "duration"):
                continue
            value = getattr(cfg, f.name)
            assert table[key.key]["default"] == (list(value) if isinstance(value, tuple) else
                                                 value), key.name  # fmt: skip
            checked += 1
    assert checked >= 20
    assert props["grid"]["properties"]["models"]["default"] == ["medium"]
    assert cfg.models == (ModelSpec.of_preset("medium"),)
    assert props["ambassadors"]["properties"]["horizon"]["default"] == "365d"
    assert cfg.ambassador_horizon == 365 * 86_400


def test_campaign_schema_prints_it_and_needs_no_file() -> None:
    r = runner.invoke(app, ["campaign", "--schema"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == campaign_schema()
    r = runner.invoke(app, ["campaign"])
    assert r.exit_code == 2
    assert "give a campaign file" in r.output and len(r.output.strip().splitlines()) == 1
