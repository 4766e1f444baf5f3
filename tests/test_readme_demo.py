"""The quoted output of the README and the docs pages must be what the commands print
today. Two kinds of block, each between ``<!-- kind:name -->`` and ``<!-- /kind:name -->``
in any of :data:`PAGES` (a name may be quoted on several pages):

- ``tour:NAME``: a fenced block of commands (``$ influence ...``, ``$ head -N FILE``),
  each followed by what it prints; every command is rerun on the bundled data.
- ``demo:NAME``: what the demo campaign (``influence campaign configs/demo.toml``) and the
  commands that read its results folder print, and the report's recommendation sentence
  and plan per KPI (:func:`quotes`).

Every command runs in a copy of the repository root (``data/`` and ``configs/demo.toml``
copied) with the relative arguments the page shows, so no quote holds a path of the
machine it was made on. Run-to-run noise (timings, the order in which cells finish) is
masked before comparing.

``python tests/test_readme_demo.py`` reruns everything, rewrites every quoted block, the
Python API guide's printed output and, when Chromium is installed, the screenshots and
printed PDF of the report in ``docs/``.
"""

from __future__ import annotations

import os
import re
import shlex
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
DOCS = ROOT / "docs"
#: The files that quote output.
PAGES = (README, DOCS / "tour.md", DOCS / "campaigns.md", DOCS / "your-data.md")
API_GUIDE = DOCS / "python-api.md"
SHOWN = "results/demo"  # the folder the quoted commands name
#: The demo blocks :func:`quotes` makes; each is quoted on at least one page.
DEMO_BLOCKS = (
    "campaign", "resume", "summarize", "compare", "candidates", "headlines", "kpis", "report",
)  # fmt: skip


def block(name: str) -> re.Pattern[str]:
    """The generated block ``demo:name``."""
    return re.compile(rf"(<!-- demo:{name} -->\n)(.*?)(<!-- /demo:{name} -->)", re.S)


def tour_block(name: str) -> re.Pattern[str]:
    """The tour block ``tour:name``: commands (``$ influence ...``) and their output."""
    return re.compile(rf"(<!-- tour:{name} -->\n)(.*?)(<!-- /tour:{name} -->)", re.S)


def names(text: str, kind: str) -> list[str]:
    """The names of the ``kind`` blocks of ``text``, in page order."""
    return re.findall(rf"<!-- {kind}:([\w-]+) -->", text)


def mask(text: str) -> str:
    """``text`` without what changes from run to run: timings, speeds, the order in which
    cells finish."""
    # cells finish in an order that depends on the threads: progress lines keep counts only
    text = re.sub(r"(?m)^(\[\d+/\d+\]) .*$", r"\1 ...", text)
    return re.sub(r"simulations in [\d.]+ s", "simulations in N s", text)


def mirror(where: Path) -> Path:
    """``where`` as a copy of the repository root: ``data/`` (4 MB) and
    ``configs/demo.toml`` copied, so its relative paths name ``where/data`` and
    ``where/results``, and a path a command resolves stays under ``where`` (a link to
    the real ``data/`` would resolve to this checkout's absolute path)."""
    where.mkdir(parents=True, exist_ok=True)
    if not (where / "data").exists():
        shutil.copytree(ROOT / "data", where / "data")
    (where / "configs").mkdir(exist_ok=True)
    shutil.copy(ROOT / "configs" / "demo.toml", where / "configs" / "demo.toml")
    return where


def cli(args: list[str], cwd: Path) -> str:
    """What ``influence ARGS`` prints in ``cwd`` (stdout and stderr as they interleave, 120
    columns, no colour), whatever its exit code (a quoted error exits 2); a path under
    ``cwd`` is shown relative to it, as a user in that folder would name it."""
    env = os.environ | {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, check=False,
    )  # fmt: skip
    assert run.returncode in (0, 2), f"influence {' '.join(args)} failed:\n{run.stdout}"
    text = run.stdout.replace(f"{cwd.resolve()}/", "").replace(f"{cwd}/", "")
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def run_demo(where: Path) -> tuple[Path, str, str]:
    """The demo campaign run twice in the copy ``where`` of the repository root: the
    results folder, what the first run printed and what the second (which resumes)
    printed."""
    mirror(where)
    first = cli(["campaign", "configs/demo.toml"], where)
    return where / SHOWN, first, cli(["campaign", "configs/demo.toml"], where)


def _table(text: str, rows: int) -> list[str]:
    """The first ``rows`` rows of the first table in ``text`` (title, header and rule
    kept), then ``...`` when rows were left out."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if "───" in line)
    body = [x for x in lines[rule + 1 :] if x.strip()]
    kept = lines[: rule + 1] + body[:rows]
    return kept + (["..."] if len(body) > rows else [])


def quotes(out: Path, printed: str, again: str) -> dict[str, str]:
    """Every demo block, from the results folder ``out`` (``results/demo`` in the copy of
    the repository root the demo ran in)."""
    from pipeline.aggregate import load_results
    from pipeline.report.plan import headline, plans

    where = out.parents[1]
    # a long temporary folder (pytest-xdist's popen-gwN/) wraps the line naming the results
    printed, again = (
        re.sub(r"results in\s+results/", "results in results/", x) for x in (printed, again)
    )
    lines = printed.splitlines()
    progress = [x for x in lines if x.startswith("[")]
    # what comes before the first cell (loading, notes, with their wrapped lines) and after
    first = lines.index(progress[0]) if progress else len(lines)
    head = lines[:first]
    tail = [x for x in lines[first:] if not x.startswith("[")]
    campaign = [*head, *progress[:2], "...", *progress[-1:], *tail]
    summary = cli(["summarize", SHOWN], where)
    compare = cli(["compare", SHOWN], where)
    verdict = [x for x in compare.splitlines() if re.match(r"^\S+: |^  under ", x)]
    top = ["export", "candidates", SHOWN, "--brand", "freshbite", "--top", "5"]
    cands = cli(top, where)
    report = ["report", SHOWN, "--out", "report.html"]
    wrote = cli(report, where)
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
        "candidates": fence(" ".join(top), cands.rstrip().splitlines()),
        "headlines": "\n".join(sentences),
        "kpis": kpi_table(res),
        "report": fence(" ".join(report), wrote.rstrip().splitlines()),
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


def run_tour(quoted: str, where: Path) -> str:
    """The fenced block ``quoted`` with every command (``$ influence ...`` or ``$ head -N
    FILE``) rerun in ``where`` (a copy of the repository root), its output below it."""
    mirror(where)
    parts = []
    for line in quoted.splitlines():
        if line.startswith("$ influence "):
            parts.append(line + "\n" + cli(shlex.split(line)[2:], where))
        elif line.startswith("$ head "):
            _, _, count, name = shlex.split(line)
            # utf-8-sig: the byte-order mark of a CSV written for Excel shows as nothing
            with open(where / name, encoding="utf-8-sig") as f:
                head = [next(f) for _ in range(int(count.lstrip("-")))]
            parts.append(line + "\n" + "".join(head))
    return "```text\n" + "\n".join(parts) + "```\n"


def tours(text: str, where: Path) -> dict[str, str]:
    """Every tour block of ``text`` rerun in ``where``, in page order (a block may read
    what an earlier one wrote)."""
    out = {}
    for name in names(text, "tour"):
        found = tour_block(name).search(text)
        assert found is not None
        out[name] = run_tour(found.group(2), where)
    return out


def _pages() -> dict[Path, str]:
    return {page: page.read_text(encoding="utf-8") for page in PAGES}


def _where(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_every_page_quotes_blocks_and_every_demo_block_is_quoted() -> None:
    pages = _pages()
    for page, text in pages.items():
        for kind in ("tour", "demo"):
            for name in names(text, kind):
                opened = text.count(f"<!-- {kind}:{name} -->")
                assert opened == text.count(f"<!-- /{kind}:{name} -->"), (_where(page), name)
    quoted = {n for text in pages.values() for n in names(text, "demo")}
    assert quoted == set(DEMO_BLOCKS), f"demo blocks quoted nowhere: {set(DEMO_BLOCKS) - quoted}"
    assert names(pages[README], "tour") and names(pages[README], "demo"), "README's short tour"


def test_the_tour_quotes_are_what_the_commands_print(tmp_path: Path) -> None:
    for page, text in _pages().items():
        for name, body in tours(text, tmp_path).items():
            found = tour_block(name).search(text)
            assert found is not None
            assert found.group(2) == body, (
                f"{_where(page)}'s tour:{name} block is stale: run `python "
                "tests/test_readme_demo.py`"
            )


def rewrite(text: str, blocks: dict[str, str], pattern_of: Callable[[str], re.Pattern[str]]) -> str:
    """``text`` with each of ``blocks`` it quotes replaced."""
    for name, body in blocks.items():
        text = pattern_of(name).sub(lambda m, b=body: m.group(1) + b + m.group(3), text)
    return text


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    return run_demo(tmp_path_factory.mktemp("root"))


def test_the_demo_quotes_are_what_the_demo_prints_today(demo: tuple[Path, str, str]) -> None:
    out, printed, again = demo
    blocks = quotes(out, printed, again)
    for page, text in _pages().items():
        for name in names(text, "demo"):
            found = block(name).search(text)
            assert found is not None
            assert mask(found.group(2)) == mask(blocks[name]), (
                f"{_where(page)}'s demo:{name} block is stale: run `python "
                "tests/test_readme_demo.py`"
            )


def _screenshots(where: Path) -> None:
    """docs/report.png (1440 px), docs/report-390.png and docs/report.pdf (Letter), of the
    report :func:`quotes` wrote into ``where``."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium not found: screenshots left as they are")
        return
    page = where / "report.html"
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    for args in (
        [f"--screenshot={DOCS / 'report.png'}", "--window-size=1440,2200"],
        [f"--screenshot={DOCS / 'report-390.png'}", "--window-size=390,1600"],
        [f"--print-to-pdf={DOCS / 'report.pdf'}", "--no-pdf-header-footer"],
    ):
        subprocess.run([*base, *args, page.as_uri()], check=True, capture_output=True)


def api_example(text: str) -> str:
    """The Python API guide ``text`` with its example's printed output rerun from the
    repository root (tests/test_api.py checks it)."""
    import contextlib
    import io

    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    head, after = text.split("```python\n", 1)
    shown = after.split("```text\n", 1)[1].split("```", 1)[0]
    buf = io.StringIO()
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(code, str(API_GUIDE), "exec"), {})
    finally:
        os.chdir(cwd)
    return (
        head + "```python\n" + after.replace("```text\n" + shown, "```text\n" + buf.getvalue(), 1)
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        out, printed, again = run_demo(Path(tmp) / "root")
        blocks = quotes(out, printed, again)
        for page, text in _pages().items():
            text = rewrite(text, blocks, block)
            text = rewrite(text, tours(text, Path(tmp) / "tour"), tour_block)
            page.write_text(text, encoding="utf-8")
        API_GUIDE.write_text(api_example(API_GUIDE.read_text(encoding="utf-8")), encoding="utf-8")
        _screenshots(out.parents[1])
    print("README.md, docs/ quotes and screenshots rewritten")
