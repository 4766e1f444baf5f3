"""`influence report`: the page's content against the aggregates, its rendering in a real
browser (offline, one line per strategy, sortable table), PNG export, k grids and errors."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.aggregate import candidates, compare, load_results, summarize, verdicts
from pipeline.campaign import run_campaign
from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.synth import generate, write_synthetic

pytest.importorskip("vl_convert", reason="the report extra (vl-convert-python) is not installed")

from pipeline.report import CHART_KINDS, build_report, write_report

runner = CliRunner()
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STRATEGIES = ["random", "macro", "micro", "imm"]

CAMPAIGN = """
name = "report-test"
output = "{output}"
seed = 11
runs = 200
baseline = "macro"

[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"

[grid]
brands = ["freshbite", "pixelforge"]
models = ["wc"]
strategies = ["random", "macro", "micro", "imm"]
budgets = [300, 1500]

[seeding]
estimate_rr_sets = 2000
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report_data")
    write_synthetic(generate(nodes=2000, seed=3), folder)
    return folder


def _campaign(data: Path, out: Path, text: str, name: str) -> Path:
    path = data / name
    path.write_text(text.replace("{output}", out.as_posix()))
    run_campaign(path)
    return out


@pytest.fixture(scope="module")
def results(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 brands x 4 strategies x 2 budgets, model wc, 200 runs (a few seconds)."""
    return _campaign(data, tmp_path_factory.mktemp("report") / "out", CAMPAIGN, "c.toml")


@pytest.fixture(scope="module")
def page(results: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of ``results``, written through the CLI."""
    out = tmp_path_factory.mktemp("page") / "report.html"
    r = runner.invoke(app, ["report", str(results), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert str(out) in r.output
    return out


def _specs(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="report-specs">(.*?)</script>', html, re.S)
    assert m is not None
    specs: dict[str, Any] = json.loads(m.group(1))
    return specs


def _values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline rows of a spec (its top-level ``data.values``)."""
    rows: list[dict[str, Any]] = spec.get("data", {}).get("values", [])
    return rows


# --- content ---------------------------------------------------------------------------


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_page_holds_every_chart_table_verdict_and_parameter(results: Path, page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    res = load_results(results)
    specs = _specs(html)
    for slug in ("freshbite", "pixelforge"):
        for kind in CHART_KINDS:
            assert f'id="{kind}-{slug}"' in html
            assert f"{kind}-{slug}" in specs
        assert f'id="candidates-{slug}"' in html
    reach = re.search(r'<div class="chart" id="reach-freshbite"[^>]*>', html)
    assert reach is not None
    assert 'data-strategies="random,macro,micro,imm"' in reach.group(0)
    assert 'data-level="budget"' in reach.group(0)
    for sentence in verdicts(res)["verdict"]:
        assert sentence in html
    manifest = res.manifest
    # the page may be forwarded: it names files, never the folders they sit in
    for path in (manifest["inputs"]["graph"]["path"], manifest["config"], str(results)):
        assert str(Path(path).parent) not in html, path
    for needle in (
        manifest["inputs"]["graph"]["sha256"],
        manifest["inputs"]["profiles"]["sha256"],
        Path(manifest["inputs"]["graph"]["path"]).name,
        f"{manifest['graph']['nodes']:,}",
        f"{manifest['graph']['edges']:,}",
        "influence campaign",
        "random, macro, micro, imm",
    ):
        assert needle in html, needle


def test_chart_values_are_the_aggregates(results: Path, page: Path) -> None:
    """The points drawn are summarize's means and CIs and compare's paired differences."""
    specs = _specs(page.read_text(encoding="utf-8"))
    res = load_results(results)
    summary = summarize(res).filter(pl.col("brand") == "pixelforge")
    drawn = {(v["strategy"], v["budget"]): v for v in _values(specs["reach-pixelforge"])}
    assert len(drawn) == summary.height == 8
    for row in summary.iter_rows(named=True):
        v = drawn[(row["strategy"], row["budget"])]
        assert v["mean_activated"] == pytest.approx(row["mean_activated"])
        assert v["activated_ci_low"] == pytest.approx(row["activated_ci_low"])
        assert v["activated_ci_high"] == pytest.approx(row["activated_ci_high"])
    diffs = compare(res).filter(pl.col("brand") == "pixelforge")
    drawn_d = {(v["strategy"], v["budget"]): v for v in _values(specs["diff-pixelforge"])}
    assert {s for s, _ in drawn_d} == {"random", "micro", "imm"}  # not the baseline
    for row in diffs.iter_rows(named=True):
        v = drawn_d[(row["strategy"], row["budget"])]
        assert v["mean_diff_activated"] == pytest.approx(row["mean_diff_activated"])
        assert v["diff_activated_ci_high"] == pytest.approx(row["diff_activated_ci_high"])
    # The seed mix adds up to the seeds of each cell.
    mix = pl.DataFrame(_values(specs["mix-pixelforge"]))
    totals = mix.group_by("strategy", "level").agg(pl.col("seeds").sum())
    expected = summary.select(
        "strategy",
        pl.col("budget").alias("level"),
        pl.sum_horizontal(pl.col("^seeds_(nano|micro|mid|macro|mega)$")).alias("seeds"),
    )
    joined = totals.join(expected, on=["strategy", "level"])
    assert joined.height == 8 and (joined["seeds"] == joined["seeds_right"]).all()
    # The curve is the verdict's best strategy (solid) and the baseline at the top budget.
    best = verdicts(res).filter(pl.col("brand") == "pixelforge")["best_strategy"][0]
    curve = pl.DataFrame(_values(specs["curve-pixelforge"]))
    assert set(curve["strategy"]) == {best, "macro"} - ({"macro"} if best == "macro" else set())
    assert set(curve["level"]) == {1500.0}


def test_baseline_option_changes_the_differences(results: Path) -> None:
    report = build_report(results, baseline="random")
    diff = next(f for f in report.figures if f.id == "diff-freshbite")
    assert diff.attrs["baseline"] == "random"
    assert {v["strategy"] for v in _values(diff.spec)} == {"macro", "micro", "imm"}


def test_script_blocks_cannot_be_closed_by_data(results: Path) -> None:
    from pipeline.report import script_json as _script_json

    text = _script_json({"handle": "</script><script>alert(1)</script>", "x": None})
    assert "</script" not in text and json.loads(text)["handle"].startswith("</script>")


# --- errors ----------------------------------------------------------------------------


def test_empty_and_foreign_folders_exit_2_with_a_clear_message(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "campaign.json").write_text('{"format": "something-else/3"}')
    (foreign / "notes.csv").write_text("a,b\n1,2\n")
    out = tmp_path / "r.html"
    for folder in (empty, foreign, tmp_path / "missing"):
        r = runner.invoke(app, ["report", str(folder), "--out", str(out)])
        assert r.exit_code == 2, r.output
        assert isinstance(r.exception, SystemExit)  # no traceback
        assert "error:" in r.output and str(folder) in r.output
        assert "results folder" in r.output
        assert not out.exists()


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_bad_options_exit_2(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    r = runner.invoke(app, ["report", str(results), "--out", str(out), "--baseline", "nope"])
    assert r.exit_code == 2 and "unknown baseline strategy 'nope'" in r.output
    r = runner.invoke(app, ["report", str(results), "--out", str(out), "--out-format", "pdf"])
    assert r.exit_code == 2 and "pdf" in r.output and "html" in r.output
    r = runner.invoke(app, ["report", str(results), "--out", str(tmp_path / "no" / "r.html")])
    assert r.exit_code == 2 and "does not exist" in r.output
    assert not out.exists()


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_report_to_stdout_and_to_a_full_disk(
    results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = runner.invoke(app, ["report", str(results), "--out", "-", "-q"])
    assert r.exit_code == 0, r.output
    assert r.stdout.lstrip().lower().startswith("<!doctype html>") and r.stderr == ""
    r = runner.invoke(app, ["report", str(results), "--out", "-", "--out-format", "png"])
    assert r.exit_code == 2 and "html format only" in r.output
    out = tmp_path / "r.html"
    out.write_text("old")
    import builtins

    import pipeline.export.files as export

    class Full:  # a text file on a disk that fills at the first write
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.f = builtins.open(*args, **kwargs)  # noqa: SIM115 - closed in __exit__

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()

        def write(self, text: str) -> int:
            self.f.write(text[:100])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "open", Full, raising=False)
    r = runner.invoke(app, ["report", str(results), "--out", str(out)])
    monkeypatch.undo()
    assert r.exit_code == 2, r.output
    assert "r.html: could not be written (No space left on device); the old file is unchanged" in (
        " ".join(r.output.split())
    )
    assert out.read_text() == "old" and not list(tmp_path.glob(".*.tmp"))


def test_the_report_needs_no_altair(results: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.report import render_html

    monkeypatch.setitem(sys.modules, "altair", None)  # import altair -> ImportError
    html = render_html(build_report(results))
    assert 'id="reach-freshbite"' in html and "reach-freshbite" in _specs(html)


def test_missing_vl_convert_says_how_to_install(
    results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import vl_convert -> ImportError
    with pytest.raises(InputError, match=r"influence-pipeline\[report\]"):
        build_report(results)
    r = runner.invoke(app, ["report", str(results), "--out", str(tmp_path / "r.html")])
    assert r.exit_code == 2
    assert "pip install 'influence-pipeline[report]'" in r.output  # not eaten as markup


# --- PNG and k grids -------------------------------------------------------------------


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_png_writes_one_image_per_chart(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "slides"  # no extension: a folder, created
    r = runner.invoke(app, ["report", str(results), "--out", str(out), "--out-format", "png"])
    assert r.exit_code == 0, r.output
    files = sorted(out.glob("*.png"))
    kinds = (*CHART_KINDS, "emv")  # emv: a CPM by platform by default; one model: no regret
    expected = {f"{kind}-{b}.png" for kind in kinds for b in ("freshbite", "pixelforge")}
    assert {f.name for f in files} == expected
    for f in files:
        head = f.read_bytes()[:24]
        assert head[:8] == PNG_SIGNATURE
        width = int.from_bytes(head[16:20], "big")
        assert width > 300 and f.stat().st_size > 5_000
    assert not list(out.glob(".*"))  # no temporary files left


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_k_grid_campaign(data: Path, tmp_path: Path) -> None:
    text = (
        CAMPAIGN.replace('["freshbite", "pixelforge"]', '["freshbite"]')
        .replace('["random", "macro", "micro", "imm"]', '["random", "macro", "micro"]')
        .replace("budgets = [300, 1500]", "k = [2, 5]")
        .replace("runs = 200", "runs = 100")
    )
    results = _campaign(data, tmp_path / "kout", text, "k.toml")
    out = tmp_path / "k.html"
    paths = write_report(results, out)
    assert paths == [out]
    html = out.read_text(encoding="utf-8")
    specs = _specs(html)
    assert 'id="reach-freshbite"' in html and 'data-level="k"' in html
    reach = specs["reach-freshbite"]
    assert "number of seeds (k)" in json.dumps(reach)
    assert sorted({v["level"] for v in _values(reach)}) == [2.0, 5.0]
    assert 'id="candidates-freshbite"' in html and "k = 5" in html
    # PNGs beside a file name: its stem prefixes each chart id.
    pngs = write_report(results, tmp_path / "deck.png", format="png")
    assert pngs[0] == tmp_path / "deck-engagements-freshbite.png"  # the objective first
    assert all(p.read_bytes()[:8] == PNG_SIGNATURE for p in pngs)


# --- in a real browser -----------------------------------------------------------------


def _browser(tmp_path: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,2400",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(arg)
    # Every request the page makes is in the performance log (Network events).
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)
@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_page_renders_offline_in_chromium(page: Path, tmp_path: Path) -> None:
    pytest.importorskip("selenium", reason="selenium is in the test extra")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    html = page.read_text(encoding="utf-8")
    # Nothing is loaded from elsewhere: every script is inline, and outside the scripts
    # (whose code holds URL strings of its own) no tag or style points anywhere.
    scripts = list(re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I))
    assert len(scripts) == 4 and not any("src" in m.group(1) for m in scripts)
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S | re.I)
    assert not re.search(r"<(link|img|iframe|object|embed)\b", markup, re.I)
    assert not re.search(r"https?:|@import|url\(", markup, re.I)

    driver = _browser(tmp_path)
    try:
        driver.get(page.as_uri())
        charts = driver.find_elements(By.CSS_SELECTOR, "div.chart")
        assert len(charts) == 2 * (len(CHART_KINDS) + 1)  # emv; one model: no regret chart
        # the charts sit behind a toggle, closed: the brief comes first
        toggles = driver.find_elements(By.CSS_SELECTOR, "details.charts-toggle")
        assert len(toggles) == 2 and not any(t.get_attribute("open") for t in toggles)
        assert not driver.find_element(By.ID, "reach-freshbite").is_displayed()
        toggles[0].find_element(By.TAG_NAME, "summary").click()
        assert driver.find_element(By.ID, "reach-freshbite").is_displayed()
        WebDriverWait(driver, 20).until(
            lambda d: all(
                c.get_attribute("data-rendered") and c.find_elements(By.CSS_SELECTOR, "svg.marks")
                for c in charts
            )
        )
        assert {c.get_attribute("data-rendered") for c in charts} == {"true"}

        for slug in ("freshbite", "pixelforge"):
            for kind in ("reach", "exposed"):
                chart = driver.find_element(By.ID, f"{kind}-{slug}")
                assert chart.get_attribute("data-strategies") == ",".join(STRATEGIES)
                lines = chart.find_elements(By.CSS_SELECTOR, "g.mark-line.role-mark path")
                assert len(lines) == len(STRATEGIES), (kind, slug)
                colours = {line.get_attribute("stroke") for line in lines}
                assert len(colours) == len(STRATEGIES)  # one line per strategy
                bands = chart.find_elements(By.CSS_SELECTOR, "g.mark-area.role-mark path")
                assert len(bands) == len(STRATEGIES)

        table = driver.find_element(By.ID, "candidates-freshbite")
        rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert len(rows) > 3

        def column(name: str) -> list[str]:
            heads = [h.get_attribute("data-column") for h in table.find_elements(By.TAG_NAME, "th")]
            j = heads.index(name) + 1
            cells = table.find_elements(By.CSS_SELECTOR, f"tbody tr td:nth-child({j})")
            return [str(c.get_attribute("data-sort")) for c in cells]

        ranks = [int(x) for x in column("rank")]
        assert ranks == sorted(ranks)  # seeding order first
        cost_header = table.find_element(By.CSS_SELECTOR, 'th[data-column="cost"]')
        cost_header.click()
        costs = [float(x) for x in column("cost")]
        assert costs == sorted(costs) and costs != [float(x) for x in sorted(ranks)]
        assert cost_header.get_attribute("aria-sort") == "ascending"
        cost_header.click()
        assert [float(x) for x in column("cost")] == sorted(costs, reverse=True)
        table.find_element(By.CSS_SELECTOR, 'th[data-column="handle"]').click()
        handles = column("handle")
        assert handles == sorted(handles, key=str.lower) or handles == sorted(handles)

        # No request left the machine: the file itself, in-page data/blob URLs and the
        # browser's own chrome:// and chrome-untrusted:// pages (its start tab) are all
        # there is.
        urls = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        assert page.as_uri() in urls
        local = ("file", "data", "blob", "about", "chrome", "chrome-untrusted")
        assert [u for u in urls if u.split(":", 1)[0] not in local] == []
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors

        shot = tmp_path / "report.png"
        assert driver.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == PNG_SIGNATURE and shot.stat().st_size > 50_000

        # A phone (390 px): nothing is wider than the screen; every chart still draws.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
        )
        driver.get(page.as_uri())
        WebDriverWait(driver, 20).until(
            lambda d: all(
                c.get_attribute("data-rendered") == "true"
                for c in d.find_elements(By.CSS_SELECTOR, "div.chart")
            )
        )
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, width
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, width
        for c in driver.find_elements(By.CSS_SELECTOR, "div.chart svg.marks"):
            box = c.rect
            assert 0 < box["width"] <= 390 and box["height"] > 0, box
    finally:
        driver.quit()


def test_emv_chart_when_a_cpm_is_known(data: Path, tmp_path: Path) -> None:
    text = CAMPAIGN.replace('"random", "macro", "micro", "imm"', '"macro", "micro"')
    out = _campaign(data, tmp_path / "out", text + "[valuation]\ndefault_cpm = 12.5\n", "v.toml")
    report = build_report(out)
    emv = [f for f in report.figures if f.kind == "emv"]
    assert [f.id for f in emv] == ["emv-freshbite", "emv-pixelforge"]
    rows = _values(emv[0].spec)
    summary = summarize(load_results(out)).filter(pl.col("brand") == "freshbite")
    assert summary["cpm"].to_list() == pytest.approx([12.5] * summary.height)
    expected = dict(zip(summary["strategy"] + summary["budget"].cast(pl.String),
                        summary["mean_impressions"] * 12.5 / 1000, strict=True))  # fmt: skip
    got = {r["strategy"] + str(float(r["level"])): r["emv"] for r in rows}
    assert got == pytest.approx(expected)


# --- the plan per budget and the first screen ---------------------------------------------


def test_plan_rows_are_the_winners_with_platform_units(results: Path) -> None:
    from pipeline.report.plan import headline, people, plans

    res = load_results(results)
    plan = plans(res)
    summary = summarize(res)
    o = res.objective
    assert plan.height == 4  # 2 brands x 2 budgets
    for r in plan.iter_rows(named=True):
        cells = summary.filter((pl.col("brand") == r["brand"]) & (pl.col("budget") == r["budget"]))
        best = cells.sort(f"mean_{o}", descending=True).row(0, named=True)
        assert r["strategy"] == best["strategy"]  # the objective's winner
        assert r["impressions"] == pytest.approx(best["mean_impressions"])
        assert r["cost_per_engagement"] == pytest.approx(
            best["cost_spent"] / best["mean_engagements"]
        )
        assert r["creators"] == round(best["seeds_used"]) and (r["holds"], r["models"]) == (1, 1)
        top = cells.sort("mean_impressions", descending=True).row(0, named=True)
        assert r["most_impressions"] == top["strategy"]
    line = headline(plan, "freshbite")
    top_level = plan.filter(pl.col("brand") == "freshbite").sort("budget").row(1, named=True)
    assert line.startswith(f"At 1,500, work with these {top_level['creators']} creators")
    assert f"about {people(top_level['engagements'])} engagements" in line
    assert f"about {people(top_level['people'])} people reached" in line
    assert people(41_234) == "41,000" and people(1_873) == "1,900" and people(57.4) == "57"


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_first_screen_says_the_plan_and_escapes_user_text(data: Path, tmp_path: Path) -> None:
    """Recommendations first, per brand; a handle holding markup is shown as text."""
    prof = pl.read_csv(data / "profiles.csv")
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    prof.with_columns(pl.lit(evil).alias("handle")).write_csv(data / "evil.csv")
    text = CAMPAIGN.replace("profiles.csv", "evil.csv").replace('"pixelforge"', '"wanderly"')
    out = _campaign(data, tmp_path / "e", text, "evil.toml")
    page = tmp_path / "e.html"
    write_report(out, page)
    html = page.read_text(encoding="utf-8")
    body = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S | re.I)
    assert "<img" not in body and "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    first = body.index('id="recommendations"')
    brief = body.index('id="brief-freshbite"')
    assert first < brief < body.index('id="verdicts"') < body.index('id="brand-freshbite"')
    # the brief's creator table holds the handle as text, and the plan tables their heads
    creators = body[body.index('id="brief-creators-freshbite"') : body.index('id="verdicts"')]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in creators
    assert 'id="plan-freshbite"' in body and "cost per 1,000 impressions" in body
    assert "left unspent" in body[brief:] and "What the words mean" in body


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_downloads_hold_the_tables_and_neutralise_formulas(results: Path, tmp_path: Path) -> None:
    from urllib.parse import unquote

    from pipeline.export import spreadsheet_safe

    page = tmp_path / "d.html"
    write_report(results, page)
    html = page.read_text(encoding="utf-8")
    links = dict(
        re.findall(r'<a download="([^"]+)" href="data:text/csv;charset=utf-8,([^"]+)"', html)
    )
    assert {"plan-freshbite.csv", "candidates-freshbite.csv"} <= set(links)
    text = unquote(links["candidates-freshbite.csv"].replace("&amp;", "&"))
    assert text.startswith("\ufeff")  # Excel reads UTF-8
    got = pl.read_csv(text[1:].encode())
    want = candidates(load_results(results), "freshbite")
    assert got.height == want.height and got["id"].cast(pl.String).to_list() == want["id"].to_list()
    assert got["reason"].str.contains("topic fit").all()
    assert got["reason"].str.contains(" engagements").all()
    plan = pl.read_csv(unquote(links["plan-freshbite.csv"].replace("&amp;", "&"))[1:].encode())
    assert plan.height == 2 and set(plan["brand"]) == {"freshbite"}
    safe = spreadsheet_safe(
        pl.DataFrame({"h": ["=HYPERLINK(1)", "+1", "@x", "-2", "ok"], "n": [1] * 5})
    )
    assert safe["h"].to_list() == ["'=HYPERLINK(1)", "+1", "@x", "-2", "ok"]
    assert spreadsheet_safe(pl.DataFrame({"h": ["@SUM(A1)", "-2+3"]}))["h"].to_list() == [
        "'@SUM(A1)", "'-2+3"
    ]  # fmt: skip
    assert safe["n"].to_list() == [1] * 5


def test_ticks_sit_on_the_budgets_and_legends_list_what_is_drawn(results: Path) -> None:
    report = build_report(results)

    def find(node: Any, key: str) -> list[Any]:
        out = []
        if isinstance(node, dict):
            for k, v in node.items():
                out += [v] if k == key else []
                out += find(v, key)
        elif isinstance(node, list):
            for v in node:
                out += find(v, key)
        return out

    for fig in report.figures:
        spec = fig.spec
        if fig.kind in ("earned", "reach", "exposed", "efficiency"):
            values = [a.get("values") for a in find(spec, "axis") if isinstance(a, dict)]
            assert [300.0, 1500.0] in values, (fig.id, values)
        if fig.kind == "curve":
            drawn = {v["strategy"] for v in _values(spec)}
            domains = [s.get("domain") for s in find(spec, "scale") if isinstance(s, dict)]
            colour = [d for d in domains if d and set(d) & set(STRATEGIES)]
            assert colour and all(set(d) <= drawn for d in colour), (domains, drawn)
        if fig.kind == "robustness":
            cells = _values(spec)
            assert {c["level_label"] for c in cells} and all(c["strategy"] for c in cells)


def test_overlap_heatmap_is_the_plans_follower_overlap(results: Path, data: Path) -> None:
    from pipeline.graph_io import load_graph
    from pipeline.overlap import follower_overlap

    res = load_results(results)
    report = build_report(res)
    fig = next(f for f in report.figures if f.id == "overlap-freshbite")
    cells = pl.DataFrame(_values(fig.spec))
    plan = candidates(res, "freshbite")
    g = load_graph(data / "follows.csv")
    m = follower_overlap(g, g.index_of(plan["id"].to_list()[:40]))
    for r in cells.iter_rows(named=True):
        assert r["follower_overlap"] == pytest.approx(m[r["rank_a"] - 1, r["rank_b"] - 1])
    k = min(plan.height, 40)
    assert cells.height == k * (k - 1)  # both triangles, no diagonal


@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)
@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_downloads_and_hostile_handles_in_chromium(data: Path, tmp_path: Path) -> None:
    """In the browser: each download link saves a CSV whose rows are the table's; a handle
    holding markup is shown as text and runs nothing."""
    pytest.importorskip("selenium", reason="selenium is in the test extra")
    import time

    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    prof = pl.read_csv(data / "profiles.csv")
    prof.with_columns(pl.lit(evil).alias("handle")).write_csv(data / "evil2.csv")
    text = CAMPAIGN.replace("profiles.csv", "evil2.csv").replace(', "pixelforge"', "")
    out = _campaign(data, tmp_path / "e", text, "evil2.toml")
    page = tmp_path / "e.html"
    write_report(out, page)
    downloads = tmp_path / "dl"
    downloads.mkdir()
    driver = _browser(tmp_path)
    try:
        driver.execute_cdp_cmd(
            "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        driver.get(page.as_uri())
        WebDriverWait(driver, 20).until(
            lambda d: all(
                c.get_attribute("data-rendered")
                for c in d.find_elements(By.CSS_SELECTOR, "div.chart")
            )
        )
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text  # noqa: B018 - nothing ran
        cell = driver.find_element(
            By.CSS_SELECTOR, "#candidates-freshbite tbody tr td:nth-child(2)"
        )
        assert cell.text == evil  # shown as text
        assert not driver.find_elements(By.CSS_SELECTOR, "main img")
        links = driver.find_elements(By.CSS_SELECTOR, "p.download a")
        assert {a.get_attribute("download") for a in links} >= {
            "plan-freshbite.csv", "candidates-freshbite.csv"
        }  # fmt: skip
        for a in links:
            driver.execute_script("arguments[0].scrollIntoView(); arguments[0].click();", a)
        deadline = time.time() + 20
        want = {"plan-freshbite.csv", "candidates-freshbite.csv"}
        while time.time() < deadline and not want <= {p.name for p in downloads.iterdir()}:
            time.sleep(0.2)
    finally:
        driver.quit()
    got = pl.read_csv(downloads / "candidates-freshbite.csv")
    want_rows = candidates(load_results(out), "freshbite")
    assert got.height == want_rows.height
    assert got["id"].cast(pl.String).to_list() == want_rows["id"].to_list()
    assert set(got["handle"]) == {evil}  # the text itself, not neutralised (it starts with <)
    assert pl.read_csv(downloads / "plan-freshbite.csv").height == 2


@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)
@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_a_brand_named_with_an_html_comment_draws_every_chart(data: Path, tmp_path: Path) -> None:
    """A ``<!--`` (and ``</script>``) in a brand, a handle and a topic once blanked every
    chart (the embedded JSON stopped parsing): now every chart draws; and specs that
    cannot be read show "could not be drawn" in each box instead of nothing."""
    pytest.importorskip("selenium", reason="selenium is in the test extra")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    brand = "fresh<!--bite</script>"
    (data / "brands-c.csv").write_text(
        (data / "brands.csv").read_text().replace("freshbite,", '"fresh<!--bite</script>",')
    )
    prof = pl.read_csv(data / "profiles.csv")
    prof.with_columns(pl.lit("<!--x").alias("handle")).write_csv(data / "prof-c.csv")
    text = (
        CAMPAIGN.replace('"freshbite", "pixelforge"', '"fresh<!--bite</script>"')
        .replace("brands.csv", "brands-c.csv")
        .replace("profiles.csv", "prof-c.csv")
    )
    out = _campaign(data, tmp_path / "c", text, "comment.toml")
    page = tmp_path / "c.html"
    write_report(out, page)
    html = page.read_text()
    assert brand in html or "fresh&lt;!--bite&lt;/script&gt;" in html
    broken = tmp_path / "broken.html"
    start = html.index('id="report-specs"')
    body = html.index(">", start) + 1
    broken.write_text(html[:body] + "{not json" + html[body:])
    driver = _browser(tmp_path)
    try:
        for target, want in ((page, {"true"}), (broken, {"error"})):
            driver.get(target.as_uri())
            WebDriverWait(driver, 20).until(
                lambda d: all(
                    c.get_attribute("data-rendered")
                    for c in d.find_elements(By.CSS_SELECTOR, "div.chart")
                )
            )
            charts = driver.find_elements(By.CSS_SELECTOR, "div.chart")
            assert charts and {c.get_attribute("data-rendered") for c in charts} == want
        boxes = driver.find_elements(By.CSS_SELECTOR, "div.chart")
        text_of = driver.execute_script("return arguments[0].textContent", boxes[0])
        assert text_of.startswith("This chart could not be drawn")
    finally:
        driver.quit()


# --- calibrated models ------------------------------------------------------------------

CAL_FACTORS = [0.25, 0.5, 1.0, 2.0, 4.0]
CAL_BIAS = [0.125, 0.375, 0.8125, 2.5, 11.5]
HOSTILE = '<img src=x onerror=alert(3)>"&.csv'
SECRET = "/very/secret-folder/models/cal.toml"  # a backtest row named by its full path
BACKTEST_JSON = {
    "test_items": 3,
    "horizon_days": 30.0,
    "models": [
        {
            "model": f"calibrated:{SECRET}",
            "kind": "calibrated",
            "earned_bias": 1.234,
            "earned_wape": 0.5,
            "msle": 0.4567,
            "spearman": 0.61,
            "coverage90": 0.875,
            "coverage95": 0.9,
            "ci": {"earned_bias": [0.987, 1.567]},
        },
        {
            "model": "ic p=0.025",
            "kind": "preset",
            "earned_bias": 42.5,
            "earned_wape": 40.0,
            "msle": 9.876,
            "spearman": 0.33,
            "coverage90": 0.125,
            "coverage95": 0.25,
            "ci": {"earned_bias": [30.1, 55.2]},
        },
        {
            "model": "baseline: seeds x median ratio",
            "kind": "baseline",
            "earned_bias": 2.5,
            "earned_wape": 1.5,
            "msle": 1.111,
            "spearman": -0.1,
            "coverage90": None,
            "coverage95": None,
            "ci": {"earned_bias": [1.5, 3.5]},
        },
    ],
    "items": {
        "item": ["post-a", "post-b", "post-c"],
        "seeds": [1, 2, 1],
        "actual": [0, 3, 10],
        f"calibrated:{SECRET} mean": [0.5, 2.5, 12.0],
        f"calibrated:{SECRET} p05": [0.0, 0.0, 4.0],
        f"calibrated:{SECRET} p95": [2.0, 7.0, 25.0],
        "ic p=0.025 mean": [30.0, 120.0, 400.0],
        "ic p=0.025 p05": [5.0, 40.0, 200.0],
        "ic p=0.025 p95": [80.0, 300.0, 700.0],
        "baseline: seeds x median ratio mean": [1.0, 2.0, 1.0],
    },
}


def _model_file(path: Path, **extra: Any) -> Path:
    from pipeline.diffusion.model_file import FORMAT, toml_text

    meta = {
        "format": FORMAT, "method": "global-p", "p": 0.02, "p_ci": [0.015, 0.025],
        "branching_factor": 0.9, "horizon_days": 30.0, "fit_window": [0.0, 2_592_000.0],
        "items": 40, "censored_items": 2, "adoptions": 400, "initiators": 100,
        "failures": 9000, "brand_aware": False, "actions_sha256": "a" * 64,
        "actions_file": "log.csv", "graph_sha256": "0" * 64, "graph_nodes": 2000,
        "graph_edges": 9999, "sensitivity_items": 40, "sensitivity_factors": CAL_FACTORS,
        "sensitivity_bias": CAL_BIAS,
    } | extra  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(toml_text(meta), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def calibrated(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A campaign with two hand-written calibrated models and a preset: cal.toml (R 0.9,
    another graph's digest, a backtest beside it) and right.toml (this graph's digest,
    brand_aware, hostile text in its action log's name, no backtest)."""
    from pipeline.diffusion.model_file import graph_sha256
    from pipeline.graph_io import load_graph

    models = data / "models"
    _model_file(models / "cal.toml")
    (models / "cal.backtest.json").write_text(json.dumps(BACKTEST_JSON), encoding="utf-8")
    digest = graph_sha256(load_graph(data / "follows.csv"))
    _model_file(models / "right.toml", graph_sha256=digest, branching_factor=0.5,
                brand_aware=True, actions_file=HOSTILE, p=0.01, p_ci=[0.008, 0.012])  # fmt: skip
    text = (
        CAMPAIGN.replace(
            'models = ["wc"]',
            'models = ["calibrated:models/cal.toml", "calibrated:models/right.toml", "medium"]',
        )
        .replace('"random", "macro", "micro", "imm"', '"macro", "micro"')
        .replace('["freshbite", "pixelforge"]', '["freshbite"]')
        .replace("budgets = [300, 1500]", "budgets = [300]")
        .replace("runs = 200", "runs = 40")
    )
    return _campaign(data, tmp_path_factory.mktemp("cal") / "out", text, "cal.toml")


def _all_values(node: Any) -> list[dict[str, Any]]:
    """Every inline row of a spec, its layers' included."""
    if isinstance(node, list):
        return [v for x in node for v in _all_values(x)]
    if not isinstance(node, dict):
        return []
    rows = _values(node) if "data" in node or "datasets" in node else []
    return rows + [v for k, x in node.items() if k not in ("data", "datasets")
                   for v in _all_values(x)]  # fmt: skip


def _section_html(html: str, key: str) -> str:
    m = re.search(rf'<section class="calibrated" id="calibrated-{key}".*?</section>', html, re.S)
    assert m is not None, key
    return m.group(0)


def test_calibrated_sections_show_fit_warnings_and_backtest(
    calibrated: Path, data: Path, tmp_path: Path
) -> None:
    from pipeline.diffusion.model_file import graph_sha256
    from pipeline.graph_io import load_graph

    manifest = load_results(calibrated).manifest
    assert manifest["graph"]["edge_set_sha256"] == graph_sha256(load_graph(data / "follows.csv"))
    page = tmp_path / "cal.html"
    write_report(calibrated, page)
    html = page.read_text(encoding="utf-8")
    assert html.count('<section class="calibrated"') == 2  # once per model, not per brand
    assert html.index('id="brand-freshbite"') < html.index('id="calibrated-cal"')
    assert html.index('id="calibrated-right"') < html.index('id="parameters"')
    cal = _section_html(html, "cal")
    assert "Calibrated model: calibrated:cal@" in cal  # calibrated:<stem>@<hash8>
    assert "p = 0.02 (95% interval 0.015 to 0.025)" in cal
    assert "R = 0.90" in cal and "near the tipping point" in cal
    assert "Fitted on another graph" in cal and "000000000000..." in cal
    assert "Used as fitted" in cal and "log.csv" in cal and "30 days" in cal
    assert "100 of them (25%) initiators" in cal
    # the backtest table: every row, this model marked, intervals and n/a coverage
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", cal.split('class="backtest"')[1], re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in rows if "<td" in r]
    assert cells == [
        ["calibrated:cal.toml (this model)", "calibrated", "1.23 (0.987 to 1.57)", "0.457",
         "0.61", "88%"],
        ["ic p=0.025", "preset", "42.5 (30.1 to 55.2)", "9.88", "0.33", "12%"],
        ["baseline: seeds x median ratio", "baseline", "2.5 (1.5 to 3.5)", "1.11", "-0.1",
         "n/a"],
    ]  # fmt: skip
    assert '<tr class="this-model">' in cal
    assert "secret-folder" not in html  # row names lose their folders, downloads too
    assert "cal.backtest.json" in cal and "influence backtest" in cal
    # the charts: the file's sensitivity curve, the backtest's per-item predictions
    specs = _specs(html)
    sens = _values(specs["sensitivity-cal"])
    assert [v["factor"] for v in sens] == CAL_FACTORS
    assert [v["bias"] for v in sens] == CAL_BIAS
    assert [v["value"] for v in sens] == pytest.approx([f * 0.02 for f in CAL_FACTORS])
    assert 'id="sensitivity-cal"' in cal and 'id="backtest-cal"' in cal
    points = [v for v in _all_values(specs["backtest-cal"]) if "row" in v]
    got = {(v["row"], v["item"]): (v["actual"], v["predicted"]) for v in points}
    items = BACKTEST_JSON["items"]
    assert isinstance(items, dict)
    want = {
        (row, item): (actual, mean)
        for row, key in (("calibrated:cal.toml", f"calibrated:{SECRET}"),
                         ("ic p=0.025", "ic p=0.025"))
        for item, actual, mean in zip(items["item"], items["actual"], items[f"{key} mean"],
                                      strict=True)
    }  # fmt: skip
    assert got == want  # no baseline point
    assert "symlog" in json.dumps(specs["backtest-cal"])


def test_a_model_on_this_graph_has_no_mismatch_and_its_text_is_escaped(
    calibrated: Path, tmp_path: Path
) -> None:
    page = tmp_path / "cal.html"
    write_report(calibrated, page)
    html = page.read_text(encoding="utf-8")
    right = _section_html(html, "right")
    assert "edge-set digests match" in right
    assert "another graph" not in right and "could not be made" not in right
    assert "tipping point" not in right and "R = 0.50 (subcritical)" in right
    assert "p = 0.01 (95% interval 0.008 to 0.012)" in right
    assert "brand_aware = true" in right and "calibration no longer holds" in right
    assert "Used as fitted" not in right
    assert "No backtest beside the model" in right and "right.backtest.json" in right
    assert "sensitivity-right" in _specs(html) and "backtest-right" not in _specs(html)
    body = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S | re.I)
    assert "<img" not in body and "onerror=alert(3)&gt;&#34;&amp;.csv" in right


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_missing_changed_and_old_manifests_say_so(calibrated: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(calibrated, copy)
    manifest = json.loads((copy / "campaign.json").read_text(encoding="utf-8"))
    del manifest["graph"]["edge_set_sha256"]  # written before the digest was recorded
    specs = manifest["grid"]["models"]
    specs[0]["digest"] = "f" * 64  # the file the campaign ran with was another
    specs[1]["calibrated"] = str(tmp_path / "gone" / "right.toml")
    (copy / "campaign.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = build_report(copy)
    cal, right = report.calibrated
    assert any("could not be made" in w for w in cal.warnings)
    assert any("changed since the campaign ran" in w for w in cal.warnings)
    assert right.error.startswith("The model file right.toml could not be read at report time")
    assert not right.figures and right.backtest is None
    from pipeline.report import render_html

    html = render_html(report)
    section = _section_html(html, "right")
    assert section.count("<p") == 1 and str(tmp_path) not in html
    # an unreadable one, and a garbled backtest, say so too
    bad = tmp_path / "bad.toml"
    bad.write_text("format = [unclosed\n")
    specs[1]["calibrated"] = str(bad)
    garbled = tmp_path / "cal.toml"
    shutil.copy(Path(specs[0]["calibrated"]), garbled)
    (tmp_path / "cal.backtest.json").write_text("{not json")
    specs[0]["calibrated"] = str(garbled)
    (copy / "campaign.json").write_text(json.dumps(manifest), encoding="utf-8")
    cal, right = build_report(copy).calibrated
    assert "not valid TOML" in right.error and str(tmp_path) not in right.error
    assert any("cal.backtest.json could not be read" in w for w in cal.warnings)
    assert cal.backtest is None and [f.kind for f in cal.figures] == ["sensitivity"]


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_every_chart_is_valid_vega_lite(results: Path, calibrated: Path) -> None:
    """The specs are written as plain dicts (pipeline.report.vegalite), never validated at
    report time: each one, of every kind, validates against the Vega-Lite JSON schema
    (the copy Altair bundles, when the test extra installed it)."""
    jsonschema = pytest.importorskip("jsonschema")
    bundled = pytest.importorskip("altair.vegalite.v6.schema.core")
    schema = bundled.load_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    figures = build_report(results).figures + build_report(calibrated).figures
    assert {f.kind for f in figures} >= {*CHART_KINDS, "emv", "regret", "sensitivity", "backtest"}
    for fig in figures:
        errors = [e.message for e in validator.iter_errors(fig.spec)]
        assert not errors, (fig.id, errors[:3])


def test_no_calibrated_section_without_calibrated_models(results: Path, page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert 'class="calibrated"' not in html and "Calibrated model" not in html
    assert build_report(results).calibrated == ()
    assert "edge_set_sha256" in load_results(results).manifest["graph"]
