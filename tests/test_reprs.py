"""Results in a notebook: a few lines of repr, an escaped HTML summary, account IDs on
the public attributes, and campaign progress shown in notebooks (or when asked) only."""

from __future__ import annotations

import dataclasses
import sys
import types
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import pipeline as ip
from pipeline.campaign import driver
from pipeline.campaign.driver import CampaignProgress, CampaignReport
from pipeline.diffusion import SimulationResult
from pipeline.diffusion import simulate as simulate_idx
from pipeline.errors import InputError
from pipeline.graph_io import from_edges, load_graph
from pipeline.reprs import Described, clean, ids_text, in_notebook
from pipeline.seeding import select_seeds as select_idx

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ["<b>x", "a&b", 'c"d', "new\nline", "[bold]e[/bold]", "f", "g", "h"]


@pytest.fixture(scope="module")
def g():
    return load_graph(ROOT / "data" / "follows.csv")


@pytest.fixture(scope="module")
def hostile():
    """Eight accounts with IDs that are markup, entities, quotes and control characters."""
    src = np.array([0, 0, 1, 1, 2, 3, 4, 5, 6, 0])
    dst = np.array([1, 2, 2, 3, 4, 5, 6, 7, 7, 7])
    return from_edges(src, dst, pl.Series(HOSTILE), probability=np.full(10, 0.5))


class _Checker(HTMLParser):
    """Fails on a closing tag that does not match the open one; records all text."""

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _valid_html(markup: str) -> str:
    """Parse ``markup``, check its tags are balanced and the only tags are the
    summary's own, and return its text (entities decoded)."""
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    assert checker.stack == [], f"unclosed {checker.stack}"
    assert "<b>x" not in markup and "<b>" in markup  # our title only
    return "".join(checker.text)


def test_simulation_repr_is_a_few_lines_for_1000_runs(g) -> None:
    res = ip.simulate(g, [1336, 1755, 4308], runs=1000, seed=1, attribution=True)
    text = repr(res)
    assert len(text.splitlines()) <= 15 and len(text) < 1500
    assert text.startswith("SimulationResult: 1,000 runs of wc from 3 seeds")
    assert "1336, 1755, 4308" in text and "95% CI" in text
    assert str(res) == text
    html = res._repr_html_()
    assert "1336, 1755, 4308" in _valid_html(html) and html.count("<tr>") <= 15


def test_overlap_repr_is_a_few_lines(g) -> None:
    ov = ip.audience_overlap(g, [1336, 1755, 4308, 8160], runs=1000)
    text = repr(ov)
    assert len(text.splitlines()) <= 15 and len(text) < 1500
    assert "4 candidates" in text and "redundancy" in text
    shown = _valid_html(ov._repr_html_())
    assert "mean_exposed" in shown and "8160" in shown  # the per-candidate table
    assert "8,160" not in shown  # IDs are not formatted as numbers


def test_html_escapes_user_data_and_text_keeps_one_line_per_row(hostile) -> None:
    res = ip.simulate(hostile, ["<b>x", "new\nline"], model="ic", p=0.5, runs=50)
    ov = ip.audience_overlap(hostile, HOSTILE[:5], model="ic", p=0.5, runs=50)
    plan = select_idx(hostile, "degree-discount", k=3, model="ic", p=0.5)
    for obj, ids in ((res, HOSTILE[0:4:3]), (ov, HOSTILE[:5]), (plan, plan.ids.to_list())):
        html_text = obj._repr_html_()
        shown = _valid_html(html_text)
        text = repr(obj)
        assert all(line.startswith(("  ", type(obj).__name__)) for line in text.splitlines())
        for account in ids:
            assert clean(account) in text  # literal, control characters escaped
            assert escape(clean(account)) in html_text and clean(account) in shown
    assert "new\\nline" in repr(res) and "[bold]e[/bold]" in repr(ov)
    assert "&lt;b&gt;x" in ov._repr_html_() and "a&amp;b" in ov._repr_html_()


def test_public_seeds_are_account_ids_and_indices_stay_available(g) -> None:
    res = ip.simulate(g, ["1755", 1336, 1755], runs=20)
    assert res.seeds.to_list() == [1755, 1336]  # duplicates dropped, order kept
    assert res.seed_nodes.tolist() == g.index_of([1755, 1336]).tolist()
    assert res.seeds.to_list() == g.ids.gather(res.seed_nodes).to_list()
    assert res.attribution_table is not None
    idx = simulate_idx(g, g.index_of([1336]), "wc", runs=20)
    assert idx.with_ids(g).seeds.to_list() == [1336]
    bare = dataclasses.replace(idx, seed_ids=None)
    with pytest.raises(AttributeError, match="seed_nodes holds"):
        _ = bare.seeds
    assert "nodes 1335" in repr(bare)  # still shown, as indices, and says so
    ov = ip.audience_overlap(g, [1336, 1755], runs=20)
    assert ov.joint.seeds.to_list() == [1336, 1755]


def test_legacy_seeds_keyword_is_read_as_dense_indices() -> None:
    one = np.zeros(2, dtype=np.int64)
    res = SimulationResult(model="ic", runs=2, seed=0, max_steps=None, seeds=np.array([4, 2]),
                           activated=one, exposed=one, steps=one.astype(np.int32),
                           new_per_step=np.zeros((2, 1), dtype=np.int32))  # fmt: skip
    assert res.seed_nodes.tolist() == [4, 2] and res.seed_ids is None
    assert "exposed    not counted" in repr(res)


def test_seed_set_exposes_the_graphs_account_ids(g, hostile) -> None:
    plan = select_idx(g, "imm", k=12, seed=3)
    assert plan.ids.to_list() == g.ids.gather(plan.nodes).to_list()
    assert plan.ids.to_list() == plan.to_polars()["id"].to_list()
    text = repr(plan)
    assert len(text.splitlines()) <= 15 and "(+4 more)" in text
    assert "first 10 of 12 seeds" in _valid_html(plan._repr_html_())
    odd = select_idx(hostile, "degree-discount", k=2, model="ic", p=0.5)
    assert odd.ids.to_list() == [HOSTILE[i] for i in odd.nodes.tolist()]


def test_default_description_and_a_repr_that_never_raises() -> None:
    @dataclasses.dataclass(frozen=True, repr=False)
    class Big(Described):
        name: str
        values: np.ndarray
        table: pl.DataFrame

    big = Big("<i>", np.zeros((1000, 50)), pl.DataFrame({"a": range(500)}))
    assert repr(big).splitlines() == ["Big", "  name    <i>", "  values  float64 1,000 x 50",
                                      "  table   DataFrame 500 x 1"]  # fmt: skip
    assert "&lt;i&gt;" in big._repr_html_()

    class Broken(Described):
        def _describe(self) -> Any:
            raise RuntimeError("boom")

    assert repr(Broken()) == "<Broken (not described: RuntimeError)>"
    assert "&lt;Broken" in Broken()._repr_html_()
    assert clean("a\x1b]0;x\x07b") == "a\\x1b]0;x\\x07b"
    assert ids_text(range(20), limit=3) == "0, 1, 2, … (+17 more)"


def _fake_ipython(monkeypatch: pytest.MonkeyPatch, shell: str) -> list[str]:
    """Install a stand-in IPython whose shell class is ``shell``; returns the list the
    display calls append their HTML to (new displays and in-place updates alike)."""
    shown: list[str] = []
    shell_cls = type(shell, (), {})

    class HTML:
        def __init__(self, data: str) -> None:
            self.data = data

    class Handle:
        def update(self, obj: HTML) -> None:
            shown.append(obj.data)

    def display(obj: HTML, display_id: bool = False) -> Handle:
        shown.append(obj.data)
        return Handle()

    top = types.ModuleType("IPython")
    top.get_ipython = lambda: shell_cls()  # type: ignore[attr-defined]
    disp = types.ModuleType("IPython.display")
    disp.HTML, disp.display = HTML, display  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", top)
    monkeypatch.setitem(sys.modules, "IPython.display", disp)
    return shown


def test_in_notebook_only_in_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not in_notebook()
    _fake_ipython(monkeypatch, "TerminalInteractiveShell")
    assert not in_notebook()
    _fake_ipython(monkeypatch, "ZMQInteractiveShell")
    assert in_notebook()


@pytest.fixture
def fake_driver(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    """Replace the campaign driver with one that reports progress for 3 cells."""
    got: list[Any] = []

    def run(config: Any, *, progress: Any = None, **_: Any) -> CampaignReport:
        got.append(progress)
        if config == "interrupt":
            raise KeyboardInterrupt
        if progress is not None:
            progress(CampaignProgress(0, 0, 0, "reading [bold]graph[/bold]"))
            progress(CampaignProgress(1, 3, 0, "running"))
            progress(CampaignProgress(2, 3, 100, "brand <b>x / imm"))
            progress(CampaignProgress(3, 3, 200, "brand <b>x / degree"))
        return CampaignReport(tmp_path, "f", 3, 2, 1, 200, 0.1)

    monkeypatch.setattr(driver, "run_campaign", run)
    return got


def test_campaign_is_silent_outside_notebooks_by_default(
    fake_driver: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert ip.run_campaign("c.toml").cells_run == 2
    mine = fake_driver.append
    ip.run_campaign("c.toml", progress=mine)
    assert fake_driver[0] is None and fake_driver[1] is mine  # a callable is passed on
    assert capsys.readouterr() == ("", "")
    with pytest.raises(InputError, match="progress must be"):
        ip.run_campaign("c.toml", progress="yes")  # type: ignore[arg-type]


def test_campaign_progress_when_asked_prints_literal_lines(
    fake_driver: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    ip.run_campaign("c.toml", progress=True)  # stderr is not a terminal here: plain lines
    err = capsys.readouterr().err
    assert "reading [bold]graph[/bold]" in err and "[3/3] brand <b>x / degree" in err
    assert "done: 2 cells run, 1 already done" in err


def test_campaign_progress_in_a_notebook_updates_one_display(
    fake_driver: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _fake_ipython(monkeypatch, "ZMQInteractiveShell")
    ip.run_campaign("c.toml")  # no progress argument: shown because it is a notebook
    assert capsys.readouterr() == ("", "")
    assert shown and all(_valid_html_fragment(s) for s in shown)
    assert '<progress value="3" max="3">' in shown[-1] and "done: 2 cells run" in shown[-1]
    assert any("brand &lt;b&gt;x" in s for s in shown)
    shown.clear()
    with pytest.raises(KeyboardInterrupt):
        ip.run_campaign("interrupt")
    assert shown == []  # nothing was shown before the interrupt: nothing to update
    ip.run_campaign("c.toml", progress=False)
    assert shown == []


def _valid_html_fragment(markup: str) -> bool:
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    return checker.stack == [] and "<b>" not in markup
