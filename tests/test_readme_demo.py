"""The README quotes the demo campaign (`influence campaign configs/demo.toml`): its
verdicts, tables, candidate list, the recommendation sentence per brand and the plan per
KPI; and the tour's commands (generate, info, centrality, rank, seed, simulate) with
what they print. The quotes must be what the commands print today; run-to-run noise (timings, the
results folder's path) is masked before comparing.

``python tests/test_readme_demo.py`` reruns the demo, rewrites every quoted block of the
README and, when Chromium is installed, the screenshots and printed PDF in ``docs/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the demo campaign twice (minutes)

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHOWN = "results/demo"  # the folder the README's commands name


def block(name: str) -> re.Pattern[str]:
    """The README's generated block ``name``."""
    return re.compile(rf"(<!-- demo:{name} -->\n)(.*?)(<!-- /demo:{name} -->)", re.S)


def mask(text: str, out: Path | None = None) -> str:
    """``text`` without what changes from run to run: timings, speeds, the folder, the
    order in which cells finish."""
    if out is not None:
        text = text.replace(str(out), SHOWN)
    # cells finish in an order that depends on the threads: progress lines keep counts only
    text = re.sub(r"(?m)^(\[\d+/\d+\]) .*$", r"\1 ...", text)
    text = re.sub(r"simulations in [\d.]+ s", "simulations in N s", text)
    return re.sub(r"results in \S*results/demo", "results in results/demo", text)


def cli(args: list[str], cwd: Path = ROOT) -> str:
    """What ``influence ARGS`` prints (stdout and stderr as they interleave, 120 columns,
    no colour)."""
    env = os.environ | {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, check=True,
    )  # fmt: skip
    return "".join(line.rstrip() + "\n" for line in run.stdout.splitlines())


def run_demo(where: Path) -> tuple[Path, str, str]:
    """The demo campaign into ``where`` (the bundled config, its output moved), run
    twice: the results folder, what the first run printed and what the second (which
    resumes) printed."""
    text = (ROOT / "configs" / "demo.toml").read_text(encoding="utf-8")
    text = text.replace('"../data/', f'"{ROOT / "data"}/').replace(
        'output = "../results/demo"', f'output = "{where / "demo"}"'
    )
    cfg = where / "demo.toml"
    cfg.write_text(text, encoding="utf-8")
    first = cli(["campaign", str(cfg)])
    return where / "demo", first, cli(["campaign", str(cfg)])


def _table(text: str, rows: int) -> list[str]:
    """The first ``rows`` rows of the first table in ``text`` (title, header and rule
    kept), then ``...`` when rows were left out."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if "───" in line)
    body = [x for x in lines[rule + 1 :] if x.strip()]
    kept = lines[: rule + 1] + body[:rows]
    return kept + (["..."] if len(body) > rows else [])


def quotes(out: Path, printed: str, again: str) -> dict[str, str]:
    """Every generated block of the README, from the results folder ``out``."""
    from pipeline.aggregate import load_results
    from pipeline.report.plan import headline, plans

    # the demo's config names the bundled data by absolute path: quote it as data/...
    printed, again = (x.replace(str(out), SHOWN).replace(f"{ROOT}/", "") for x in (printed, again))
    lines = printed.splitlines()
    progress = [x for x in lines if x.startswith("[")]
    # what comes before the first cell (loading, notes, with their wrapped lines) and after
    first = lines.index(progress[0]) if progress else len(lines)
    head = lines[:first]
    tail = [x for x in lines[first:] if not x.startswith("[")]
    campaign = [*head, *progress[:2], "...", *progress[-1:], *tail]
    summary = cli(["summarize", str(out)])
    compare = cli(["compare", str(out)])
    verdict = [x for x in compare.splitlines() if re.match(r"^\S+: |^  under ", x)]
    cands = cli(["export", "candidates", str(out), "--brand", "freshbite", "--top", "5"])
    res = load_results(out)
    rows = plans(res)
    brands = ("freshbite", "wanderly", "pixelforge", "everyday")
    sentences = [f"> **{b}.** {headline(rows, b, res.currency)}\n" for b in brands]

    def fence(cmd: str, body: list[str]) -> str:
        return "```text\n$ influence " + cmd + "\n" + "\n".join(body) + "\n```\n"

    return {
        "campaign": fence("campaign configs/demo.toml", campaign),
        "resume": fence("campaign configs/demo.toml", [*again.splitlines()[:7], "..."]),
        "summarize": fence(f"summarize {SHOWN}", _table(summary, 12)),
        "compare": fence(f"compare {SHOWN}", [*_table(compare, 9), *verdict]),
        "candidates": fence(
            f"export candidates {SHOWN} --brand freshbite --top 5", cands.rstrip().splitlines()
        ),
        "headlines": "\n".join(sentences),
        "kpis": kpi_table(res),
    }


#: The KPIs the README's table names a winner for: (results column, words).
WINNER_KPIS = (
    ("engagements", "engagements"),
    ("impressions", "impressions"),
    ("people", "people"),
    ("earned_exposed", "earned exposure"),
)


def kpi_winners(summary: object) -> object:
    """Per model, brand and budget of a ``summarize`` table, the strategy with the highest
    mean of each of :data:`WINNER_KPIS` (one column per KPI)."""
    import polars

    assert isinstance(summary, polars.DataFrame)
    return (
        summary.group_by(["model", "brand", "budget"], maintain_order=True)
        .agg(
            polars.col("strategy").sort_by(f"mean_{kpi}", descending=True).first().alias(kpi)
            for kpi, _ in WINNER_KPIS
        )
        .sort("model", "brand", "budget")
    )


def kpi_sentence(winners: object, currency: str, reference: str = "medium") -> str:
    """Who wins each KPI, in words, from :func:`kpi_winners`: under ``reference``, at how
    many budgets an optimized strategy gives the most of each KPI, with every exception
    named; then the same count over every model."""
    import polars

    from pipeline.seeding.registry import FAMILIES

    assert isinstance(winners, polars.DataFrame)

    def optimized(name: str) -> bool:
        return FAMILIES.get(name) == "optimized"

    def tally(part: polars.DataFrame) -> list[tuple[str, int, list[dict[str, object]]]]:
        out = []
        for kpi, words in WINNER_KPIS:
            lost = [r for r in part.iter_rows(named=True) if not optimized(r[kpi])]
            out.append((words, part.height - len(lost), [r | {"kpi": kpi} for r in lost]))
        return out

    def listed(items: list[str]) -> str:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    ref = winners.filter(polars.col("model") == reference)
    names = sorted({r[k] for r in ref.iter_rows(named=True) for k, _ in WINNER_KPIS
                    if optimized(r[k])})  # fmt: skip
    who = f"an optimized plan ({' or '.join(names)})" if names else "an optimized plan"
    wins, losses = [], []
    for words, n, lost in tally(ref):
        wins.append((words, n))
        where: dict[tuple[str, str], list[str]] = {}  # (strategy, brand) -> budgets
        for r in lost:
            key = (str(r[str(r["kpi"])]), str(r["brand"]))
            where.setdefault(key, []).append(f"{currency}{r['budget']:,.0f}")
        for (name, brand), budgets in where.items():
            losses.append(f"{name} gives the most {words} at {brand} {listed(budgets)}")
    every = [w for w, n in wins if n == ref.height]
    some = [f"the most {w} at {n} of {ref.height}" for w, n in wins if n < ref.height]
    parts = []
    if every:
        parts.append(f"the most {listed(every)} at every budget of every brand ({ref.height} "
                     f"of {ref.height})")  # fmt: skip
    text = f"Under `{reference}`, {who} gives {listed(parts + some)}"
    text += f"; {listed(losses)}" if losses else ""
    models = winners["model"].n_unique()
    if models > 1:
        counts = []
        for words, n, lost in tally(winners):
            others = sorted({str(r[str(r["kpi"])]) for r in lost})
            counts.append(f"{words} in {n}" + (f" ({' and '.join(others)} in the other "
                                               f"{len(lost)})" if lost else ""))  # fmt: skip
        text += (f". Over all {models} presets ({winners.height} brand x budget x preset "
                 f"cells) it gives the most {listed(counts)}")  # fmt: skip
    return text + "."


def kpi_table(res: object) -> str:
    """Markdown: per brand and budget under ``medium``, the recommended plan (the default
    KPI, engagements), which of macro and micro gives more of each KPI and which
    strategy gives the most of each; then :func:`kpi_sentence`, the README's claim about
    who wins, from the same numbers."""
    import polars

    from pipeline.aggregate import Results, summarize
    from pipeline.report.plan import people

    assert isinstance(res, Results)
    every = summarize(res)
    won = kpi_winners(every)
    assert isinstance(won, polars.DataFrame)
    s = every.filter(polars.col("model") == "medium")
    kpis = " / ".join(words for _, words in WINNER_KPIS)
    out = [
        "| brand | budget | recommended (engagements) | creators | spend | left | "
        f"engagements | people | per engagement | macro vs micro: {kpis} | most: {kpis} |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    cur = res.currency
    for (brand, budget), part in s.sort("brand", "budget").group_by(
        ["brand", "budget"], maintain_order=True
    ):
        best = part.sort("mean_engagements", descending=True).row(0, named=True)
        by = {r["strategy"]: r for r in part.iter_rows(named=True)}
        duel = []
        for m, _ in WINNER_KPIS:
            a, b = by["macro"][f"mean_{m}"], by["micro"][f"mean_{m}"]
            duel.append("macro" if a > b else "micro")
        top = won.filter(
            (polars.col("model") == "medium")
            & (polars.col("brand") == brand)
            & (polars.col("budget") == budget)
        ).row(0, named=True)
        most = [str(top[m]) for m, _ in WINNER_KPIS]
        out.append(
            f"| {brand} | {cur}{budget:,.0f} | {best['strategy']} | {best['seeds_used']:.0f} | "
            f"{cur}{best['cost_spent']:,.0f} | {cur}{budget - best['cost_spent']:,.0f} | "
            f"{people(best['mean_engagements'])} | {people(best['mean_people'])} | "
            f"{cur}{best['cost_per_engagement']:.2f} | {' / '.join(duel)} | {' / '.join(most)} |"
        )
    return "\n".join(out) + "\n\n" + kpi_sentence(won, cur) + "\n"


def tour_block(name: str) -> re.Pattern[str]:
    """The README tour's block ``name``: commands (``$ influence ...``) and their output."""
    return re.compile(rf"(<!-- tour:{name} -->\n)(.*?)(<!-- /tour:{name} -->)", re.S)


TOURS = ("make", "seeds", "simulate")


def run_tour(quoted: str, where: Path) -> str:
    """The fenced block ``quoted`` with every ``$ influence ...`` command rerun in
    ``where`` (which sees the bundled ``data/``), its output below it."""
    import shlex

    if not (where / "data").exists():
        (where / "data").symlink_to(ROOT / "data")
    commands = [x for x in quoted.splitlines() if x.startswith("$ influence ")]
    parts = [x + "\n" + cli(shlex.split(x)[2:], cwd=where) for x in commands]
    return "```text\n" + "\n".join(parts) + "```\n"


def tours(readme: str, where: Path) -> dict[str, str]:
    out = {}
    for name in TOURS:
        found = tour_block(name).search(readme)
        assert found is not None, f"README.md lost its tour:{name} block"
        out[name] = run_tour(found.group(2), where)
    return out


def test_the_readme_tour_is_what_the_commands_print(tmp_path: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    for name, body in tours(readme, tmp_path).items():
        found = tour_block(name).search(readme)
        assert found is not None
        assert found.group(2) == body, (
            f"README.md's tour:{name} block is stale: run `python tests/test_readme_demo.py`"
        )


def rewrite(text: str, blocks: dict[str, str], pattern_of: Callable[[str], re.Pattern[str]]) -> str:
    for name, body in blocks.items():
        pattern = pattern_of(name)
        assert pattern.search(text), f"README.md lost its {name} block"
        text = pattern.sub(lambda m, b=body: m.group(1) + b + m.group(3), text)
    return text


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    return run_demo(tmp_path_factory.mktemp("demo"))


def test_the_readme_quotes_the_demo_as_it_runs_today(demo: tuple[Path, str, str]) -> None:
    out, printed, again = demo
    readme = README.read_text(encoding="utf-8")
    for name, body in quotes(out, printed, again).items():
        found = block(name).search(readme)
        assert found is not None, f"README.md lost its demo:{name} block"
        assert mask(found.group(2)) == mask(body, out), (
            f"README.md's demo:{name} block is stale: run `python tests/test_readme_demo.py`"
        )


def _screenshots(out: Path, work: Path) -> None:
    """docs/report.png (1440 px), docs/report-390.png and docs/report.pdf (Letter)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium not found: screenshots left as they are")
        return
    page = work / "report.html"
    cli(["report", str(out), "--out", str(page)])
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    docs = ROOT / "docs"
    for args in (
        [f"--screenshot={docs / 'report.png'}", "--window-size=1440,2200"],
        [f"--screenshot={docs / 'report-390.png'}", "--window-size=390,1600"],
        [f"--print-to-pdf={docs / 'report.pdf'}", "--no-pdf-header-footer"],
    ):
        subprocess.run([*base, *args, page.as_uri()], check=True, capture_output=True)


def api_example(readme: str) -> str:
    """``readme`` with the Python API example's printed output rerun (tests/test_api.py
    checks it)."""
    import contextlib
    import io

    head, section = readme.split("## Python API", 1)
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    buf = io.StringIO()
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    return head + "## Python API" + section.replace(shown, buf.getvalue(), 1)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        out, printed, again = run_demo(Path(tmp))
        blocks = quotes(out, printed, again)
        text = rewrite(README.read_text(encoding="utf-8"), blocks, block)
        work = Path(tmp) / "tour"
        work.mkdir()
        text = rewrite(text, tours(text, work), tour_block)
        README.write_text(api_example(text), encoding="utf-8")
        _screenshots(out, Path(tmp))
    print("README.md and docs/ screenshots rewritten")
