"""pipeline.report.vegalite: the report's Vega-Lite specs as plain dicts, their keys in the
order the page's bytes depend on (the page embeds ``json.dumps`` of each spec)."""

from __future__ import annotations

import json

import pytest

from pipeline.report import vegalite as vl


def test_channels_and_marks_write_their_keys_in_a_fixed_order() -> None:
    x = vl.channel("level:Q", title=None, axis={"values": [1.0], "labelAngle": 0}, sort=["b"])
    assert json.dumps(x) == (
        '{"axis": {"labelAngle": 0, "values": [1.0]}, "field": "level", "sort": ["b"], '
        '"title": null, "type": "quantitative"}'
    )
    assert vl.tip("runs:Q", format=",") == {"field": "runs", "format": ",", "type": "quantitative"}
    assert vl.tip("strategy:N") == {"field": "strategy", "type": "nominal"}  # no null title
    assert list(vl.mark("point", size=40, filled=True, opacity=1)) == [
        "type", "filled", "opacity", "size"
    ]  # fmt: skip
    view = vl.unit(vl.mark("line"), y=vl.channel("b:Q"), x=x, color=vl.channel("s:N"))
    assert list(view) == ["mark", "encoding"] and list(view["encoding"]) == ["color", "x", "y"]
    with pytest.raises(KeyError):
        vl.channel("when:T")  # only nominal and quantitative fields are drawn


def test_documents_put_the_view_first_and_the_schema_last() -> None:
    rows = [{"a": 1, "b": 2.5}]
    view = vl.unit(vl.mark("point"), x=vl.channel("a:Q"))
    layered = vl.layer(view, width=300, height=200, values=rows)
    doc = vl.document(layered, "t")
    assert list(doc) == [
        "config", "layer", "background", "data", "height", "title", "width", "$schema"
    ]  # fmt: skip
    assert doc["config"] == {"view": {"continuousWidth": 300, "continuousHeight": 300}}
    assert doc["$schema"] == f"https://vega.github.io/schema/vega-lite/v{vl.VEGA_LITE_VERSION}.json"
    assert doc["data"]["values"] is rows  # stored as given, not copied
    panels = vl.facet(vl.layer(view, width=1, height=2), vl.channel("m:N"), rows,
                      resolve={"scale": {"y": "independent"}})  # fmt: skip
    assert list(vl.document(panels, "t")) == [
        "config", "data", "facet", "spec", "background", "resolve", "title", "$schema"
    ]  # fmt: skip
    assert list(panels["spec"]) == ["layer", "height", "width"]
    single = {"data": {"values": rows}, **view, "height": 2, "width": 1}
    assert list(vl.document(single, "t")) == [
        "config", "data", "mark", "background", "encoding", "height", "title", "width", "$schema"
    ]  # fmt: skip
