"""The one-page brief per brand at the top of `influence report`: its plan and creator
tables against pipeline.report.plan and the seeds table, the why per creator in the KPI's
units, the results' notes, no table wider than its box at 1440 and 1920 px, and the
printed PDF (every column, every creator, one page per brief, A4 and Letter)."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline.aggregate import load_results
from pipeline.campaign import run_campaign
from pipeline.report.plan import people, plans

pytest.importorskip("vl_convert", reason="the report extra (vl-convert-python) is not installed")

from pipeline.report import build_report, render_html, write_report
from pipeline.report.brief import largest, strategy_label
from pipeline.report.why import plan_seeds, why

pytestmark = pytest.mark.slow  # runs a demo campaign and renders pages (about a minute)

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PDFTOTEXT = shutil.which("pdftotext")
BROWSER = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)
PLAN_HEADS = ["budget", "recommended", "creators", "spend", "left unspent", "engagements",
              "people", "cost per engagement", "runner-up"]  # fmt: skip
CREATOR_HEADS = ["#", "creator, platform", "cost", "own-post people", "own-post engagements",
                 "cost per engagement", "why"]  # fmt: skip


def _demo_config(out: Path, runs: int = 100, extra: dict[str, str] | None = None) -> str:
    """configs/demo.toml with absolute inputs, the output in ``out`` and fewer runs, models
    and RR sets, and IMM at epsilon 0.3 (about 25 s instead of a minute; the demo's 0.1
    draws nine times the RR sets)."""
    text = (ROOT / "configs" / "demo.toml").read_text(encoding="utf-8")
    text = text.replace('"../data/', f'"{(ROOT / "data").as_posix()}/')
    subs = {
        "output": f'"{out.as_posix()}"',
        "runs": str(runs),
        "models": '["medium", "high-virality"]',
        "estimate_rr_sets": "2000",
    } | (extra or {})
    text = text.replace("[seeding]\n", "[seeding]\nepsilon = 0.3\n", 1)
    for key, value in subs.items():
        pattern = rf"(?m)^{key} = \[.*$" if value.startswith("[") else rf"(?m)^{key} = .*$"
        text, n = re.subn(pattern, f"{key} = {value}", text)
        assert n == 1 or key not in ("output", "runs"), key
    return text


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo campaign (4 brands, 4 strategies, 3 budgets) at 100 runs, 2 presets."""
    folder = tmp_path_factory.mktemp("demo")
    config = folder / "demo.toml"
    config.write_text(_demo_config(folder / "out"), encoding="utf-8")
    run_campaign(config)
    return folder / "out"


@pytest.fixture(scope="module")
def page(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("brief") / "report.html"
    write_report(demo, out)
    return out


def _cells(html: str, table_id: str) -> tuple[list[str], list[list[str]]]:
    """(heads, rows of cell texts) of the table ``table_id`` of a page."""
    m = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert m is not None, table_id
    heads = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", m.group(0), re.S)
    body = m.group(0).split("<tbody>")[1]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
            for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]  # fmt: skip
    return heads, rows


# --- content ---------------------------------------------------------------------------


def test_why_speaks_in_the_kpis_units() -> None:
    row = {"rank": 2, "marginal_gain": 9876.0, "marginal_people": 31234.0, "relevance": 0.8234,
           "overlap_above": 0.04, "cost": 4740.0, "own_engagements": 5000.0,
           "alternative": "@food_yuki_1864", "alternative_cost_per_engagement": 0.33}  # fmt: skip
    assert why(row, "engagements", "$") == (
        "adds about 9,900 engagements with reshares; own post $0.95 vs $0.33 for "
        "@food_yuki_1864; topic fit 0.82; 4% overlap"
    )
    # judged by people: the gain is the proxy's, said so; the cost per engagement is the same
    line = why(row, "people", "$")
    assert line.startswith("adds about 9,900 people with reshares (a proxy estimate); own post")
    assert "own post $0.95 vs $0.33" in line
    # in-graph: accounts, named as such
    assert why(row, "earned_exposed").startswith(
        "adds about 9,900 earned exposure (in-graph accounts); own post 0.95 vs 0.33"
    )
    first = why(row | {"rank": 1, "alternative": None}, "engagements", "€")
    assert first == (
        "adds about 9,900 engagements with reshares (first creator); own post €0.95 per "
        "engagement, no comparable creator left out; topic fit 0.82"
    )
    # a figure the results lack is left out, never shown as 0 or nan
    bare = why({"rank": 3, "marginal_gain": None, "cost": 100.0}, "engagements")
    assert bare == "" and "nan" not in why(row | {"relevance": float("nan")}, "engagements")


def test_brief_lists_the_plan_and_every_creator(demo: Path) -> None:
    res = load_results(demo)
    report = build_report(res, top=5)  # the candidates table is cut, the brief is not
    html = render_html(report)
    plan = plans(res)
    assert res.objective == "engagements"
    verdicts = html.index('id="verdicts"')
    for section in report.sections:
        brand, slug = section.brand, section.slug
        assert html.index(f'id="brief-{slug}"') < verdicts  # every brief before any detail
        mine = plan.filter(pl.col("brand") == brand).sort("budget")
        heads, rows = _cells(html, f"brief-plan-{slug}")
        assert heads == PLAN_HEADS and len(rows) == mine.height == 3
        for cells, r in zip(rows, mine.iter_rows(named=True), strict=True):
            assert cells[1] == strategy_label(r["plain"], r["strategy"])
            assert cells[2] == str(r["creators"])
            assert cells[5] == people(r["engagements"]) and cells[6] == people(r["people"])
            assert cells[7] == f"${r['cost_per_engagement']:,.2f}"
            assert r["runner_up"] is not None and f"{r['runner_up']}): " in cells[8]
            assert f"{people(r['runner_up_engagements'])} engagements" in cells[8]
        top = largest(mine)
        assert top is not None
        seeds = plan_seeds(res, top)
        heads, rows = _cells(html, f"brief-creators-{slug}")
        assert heads == CREATOR_HEADS
        assert len(rows) == seeds.height == top["creators"] > 5
        for cells, s in zip(rows, seeds.iter_rows(named=True), strict=True):
            assert cells[1] == f'{s["handle"]}<span class="sub">{s["platform"]}</span>'
            assert cells[2] == f"${s['cost']:,.0f}"
            assert cells[3] == people(s["marginal_people"])
            assert cells[4] == people(s["own_engagements"])  # both of its own post
            cpe = f"${s['cost'] / s['own_engagements']:,.2f}"
            assert cells[5] == cpe
            assert cells[6] == why(s, "engagements", "$")
            assert f"adds about {people(s['marginal_gain'])} engagements with reshares" in cells[6]
            assert f"own post {cpe}" in cells[6]  # the column's figure
            if s["alternative"] is not None:
                assert (
                    f" vs ${s['alternative_cost_per_engagement']:,.2f} for {s['alternative']}"
                ) in cells[6]
                assert (s["alternative_basis"] == "other tier") == ("(other tier)" in cells[6])
            if s["picked_in"] is not None and s["picked_in"] < s["resamples"]:
                assert cells[6].endswith(f"; picked in {s['picked_in']} of 5 re-runs")
        assert len(_cells(html, f"candidates-{slug}")[1]) == 5
    # the charts are behind a closed toggle, the EMV chart among them for every brand
    assert html.count('<details class="charts-toggle"') == 4
    assert '<details class="charts-toggle" open' not in html
    emv = [f.brand for f in report.figures if f.kind == "emv"]
    assert sorted(emv) == sorted(s.brand for s in report.sections)
    assert "adds about 1,100 exposure" not in html and "projected_" not in html


def test_another_objective_is_labelled_honestly(tmp_path: Path) -> None:
    extra = {"objective": '"people"', "strategies": '["macro", "imm"]', "models": '["medium"]',
             "brands": '["freshbite"]', "budget_shares": "[1.0]"}  # fmt: skip
    text = _demo_config(tmp_path / "out", runs=50, extra=extra)
    text = text.replace('# objective = "engagements"', 'objective = "people"')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    run_campaign(tmp_path / "p.toml")
    res = load_results(tmp_path / "out")
    assert res.objective == "people"
    html = render_html(build_report(res))
    heads, rows = _cells(html, "brief-creators-freshbite")
    assert "own-post engagements" in heads and "engagements added" not in heads
    best = plans(res).row(0, named=True)
    seeds = plan_seeds(res, best)
    for cells, s in zip(rows, seeds.iter_rows(named=True), strict=True):
        assert cells[4] == people(s["own_engagements"])
        assert cells[6].startswith(f"adds about {people(s['marginal_gain'])} ")
        assert "people with reshares (a proxy estimate)" in cells[6]
        if s["own_engagements"]:
            assert f"own post ${s['cost'] / s['own_engagements']:,.2f}" in cells[6]
    headline = html[html.index('id="brief-freshbite"') :]
    assert "people reached" in headline.split("</p>")[0]


def test_notes_come_first_and_are_text(demo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(demo, copy)
    manifest = json.loads((copy / "campaign.json").read_text(encoding="utf-8"))
    note = "engagements fell back to <b>activated</b>: no engagement_rate & co"
    manifest["objective"] = {"used": "activated", "note": note}
    (copy / "campaign.json").write_text(json.dumps(manifest), encoding="utf-8")
    html = render_html(build_report(copy))
    shown = "engagements fell back to &lt;b&gt;activated&lt;/b&gt;: no engagement_rate &amp; co"
    assert html.index(shown) < html.index('id="recommendations"')
    assert 'id="notes"' in html and "<b>activated</b>" not in html
    assert 'id="notes"' not in render_html(build_report(demo))


# --- in a browser, and printed ----------------------------------------------------------


def _driver(tmp_path: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--window-size=1440,1200",
                f"--user-data-dir={tmp_path / 'profile'}"):  # fmt: skip
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@BROWSER
def test_no_table_is_wider_than_its_box(page: Path, tmp_path: Path) -> None:
    pytest.importorskip("selenium", reason="selenium is in the test extra")
    driver = _driver(tmp_path)
    try:
        for width in (1440, 1920):
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 1200, "deviceScaleFactor": 1, "mobile": False},
            )
            driver.get(page.as_uri())
            # every table, those behind a toggle too
            driver.execute_script(
                "document.querySelectorAll('details').forEach(d => d.open = true)"
            )
            tables = driver.execute_script(
                "return Array.from(document.querySelectorAll('table'))"
                ".filter(t => t.offsetParent !== null)"
                ".map(t => [t.id || t.className, t.scrollWidth, t.parentElement.clientWidth,"
                " t.getBoundingClientRect().right, document.documentElement.clientWidth])"
            )
            ids = {t[0] for t in tables}
            for slug in ("freshbite", "wanderly", "pixelforge", "everyday"):
                assert {f"brief-plan-{slug}", f"brief-creators-{slug}", f"plan-{slug}",
                        f"candidates-{slug}"} <= ids  # fmt: skip
            wide = [t for t in tables if t[1] > t[2] or t[3] > t[4]]
            assert not wide, (width, wide)
    finally:
        driver.quit()


def _pages(pdf: Path) -> list[str]:
    """The text of each page of ``pdf`` (pdftotext -layout, one call per page)."""
    info = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    n = info.count("\f") + (0 if info.endswith("\f") else 1)
    return [
        subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                       capture_output=True, text=True, check=True).stdout
        for i in range(1, n + 1)
    ]  # fmt: skip


def _check_printed(pdf: Path, demo: Path) -> int:
    """Each brand's brief on one page of its own, consecutive, holding every plan and
    creator column and every creator of the plan; the number of pages."""
    pages = _pages(pdf)
    res = load_results(demo)
    plan = plans(res)
    at = []
    for brand in ("everyday", "freshbite", "pixelforge", "wanderly"):
        title = f"Brief for {brand}"
        where = [i for i, text in enumerate(pages) if title in text]
        assert len(where) == 1, (brand, where)
        text = pages[where[0]]
        for head in (*PLAN_HEADS, *CREATOR_HEADS):
            assert head in text, (brand, head)
        top = largest(plan.filter(pl.col("brand") == brand))
        assert top is not None
        for handle in plan_seeds(res, top)["handle"]:
            assert handle in text, (brand, handle)
        at.append(where[0])
    # one page each: the next brief starts on the very next page
    at.sort()
    assert at == list(range(at[0], at[0] + 4)), at
    return len(pages)


@BROWSER
@pytest.mark.skipif(PDFTOTEXT is None, reason="needs pdftotext (poppler-utils)")
def test_printed_brief_holds_every_column_on_one_page(
    page: Path, demo: Path, tmp_path: Path
) -> None:
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    assert pdf.read_bytes()[:5] == b"%PDF-"
    _check_printed(pdf, demo)  # Letter, Chromium's default


@BROWSER
@pytest.mark.skipif(PDFTOTEXT is None, reason="needs pdftotext (poppler-utils)")
def test_printed_brief_fits_an_a4_page(page: Path, demo: Path, tmp_path: Path) -> None:
    pytest.importorskip("selenium", reason="selenium is in the test extra")
    from selenium.webdriver.common.print_page_options import PrintOptions

    driver = _driver(tmp_path)
    try:
        driver.get(page.as_uri())
        options = PrintOptions()
        options.page_width, options.page_height = 21.0, 29.7  # cm
        pdf = tmp_path / "a4.pdf"
        pdf.write_bytes(base64.b64decode(driver.print_page(options)))
    finally:
        driver.quit()
    _check_printed(pdf, demo)


def test_headline_names_the_objective_once_and_every_kpi_beside_it() -> None:
    import polars as pl

    from pipeline.report.plan import headline

    base = {
        "brand": "b", "budget": 5000.0, "k": None, "strategy": "imm",
        "plain": "the optimized plan", "creators": 20, "cost": 4950.0, "left": 50.0,
        "value": 1300.0, "engagements": 29000.0, "people": 180000.0, "impressions": 181000.0,
        "earned_engagements": 24000.0, "earned_people": 130000.0,
        "earned_impressions": 131000.0, "cost_per_engagement": 0.17, "vs_baseline": None,
        "baseline": "macro", "models": 1, "holds": 1, "runner_up": "macro",
        "runner_up_creators": 2, "runner_up_cost": 4990.0, "runner_up_value": 800.0,
        "runner_up_engagements": 8500.0, "runner_up_people": 51000.0,
        "runner_up_impressions": 51500.0, "runner_up_cost_per_engagement": 0.59,
    }  # fmt: skip
    for objective, first in (
        ("engagements", "about 29,000 engagements (24,000 earned beyond their own posts)"),
        ("people", "about 180,000 people reached (130,000 earned beyond their own posts)"),
        ("earned_exposed", "about 1,300 earned exposure (in-graph accounts)"),
    ):
        row = base | {"objective": objective}
        if objective in ("engagements", "people"):
            row["value"] = row[objective]
        text = headline(pl.DataFrame([row]), "b", "$")
        assert f"(the optimized plan): {first}" in text, text
        runner = text.split("Runner-up:")[1]
        for unit in ("engagements", "people"):  # every KPI once, in both halves
            assert text.split("Runner-up:")[0].count(f" {unit}") >= 1
            assert runner.count(f" {unit},") + runner.count(f" {unit}.") <= 1, runner
        assert "$50.00 left unspent" in text and "$0.59 per engagement" in runner


def test_the_guarantee_sits_in_the_appendix_in_plain_words(demo: Path, page: Path) -> None:
    from pipeline.report import build_report

    report = build_report(demo)
    rows = [(k, v) for k, v in report.parameters if k.startswith("guarantee, ")]
    assert rows and all(v.startswith("provably at least ") for _, v in rows)
    # imm's certificate, or mixed's (IMM over paid creators and ambassadors)
    assert any("freshbite" in k and ("(imm)" in k or "(mixed)" in k) for k, _ in rows)
    html = page.read_text(encoding="utf-8")
    appendix = html.split('id="parameters"', 1)
    assert "certified at least" not in appendix[0]  # never before the appendix
    assert "provably at least" in appendix[1]
