"""The documentation site (``mkdocs.yml``, ``docs/``) and the README hold together: every
page is in the nav, the README's links reach existing pages and headings, no page shows
a path of the machine it was made on, and the generated pages are what their generators
write today. ``mkdocs build --strict`` (in ``.ci/run``) checks the links between pages and
the API reference's docstrings; these checks are the fast ones."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
MKDOCS = ROOT / "mkdocs.yml"
#: Pages in docs/ that are deliberately not in the nav (none today).
NOT_IN_NAV: frozenset[str] = frozenset()


def nav_pages() -> list[str]:
    """The pages the nav of mkdocs.yml names, relative to docs/ (``- Title: page.md``)."""
    text = MKDOCS.read_text(encoding="utf-8")
    nav = text[text.index("\nnav:") : text.index("\nmarkdown_extensions:")]
    return re.findall(r"^\s*-\s+(?:[^:\n]+:\s+)?([\w./-]+\.md)\s*$", nav, re.M)


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def slug(heading: str) -> str:
    """The anchor Python-Markdown's toc gives ``heading`` (as mkdocs does)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its words
    text = re.sub(r"[^\w\s-]", "", text.strip().lower())
    return re.sub(r"[-\s]+", "-", text).strip("-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))
    return {slug(m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, re.M)}


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    listed = nav_pages()
    assert len(listed) == len(set(listed)), "a page is listed twice in mkdocs.yml's nav"
    missing = [p for p in listed if not (DOCS / p).is_file()]
    assert not missing, f"mkdocs.yml's nav names pages that do not exist: {missing}"
    left_out = [
        str(p.relative_to(DOCS))
        for p in pages()
        if str(p.relative_to(DOCS)) not in listed and str(p.relative_to(DOCS)) not in NOT_IN_NAV
    ]
    assert not left_out, f"docs pages missing from mkdocs.yml's nav: {left_out}"


def _links(text: str) -> list[str]:
    text = re.sub(r"(?ms)^```.*?^```", "", text)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_readme_links_reach_existing_pages_and_headings() -> None:
    broken = []
    for link in _links(README.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", link):
            continue  # a web address
        path, _, anchor = link.partition("#")
        target = ROOT / path if path else README
        missing = not target.exists()
        if missing or (anchor and target.suffix == ".md" and anchor not in anchors(target)):
            broken.append(link)
    assert not broken, f"README links to missing pages or headings: {broken}"


def test_the_readme_is_short_and_points_to_your_own_data_near_the_top() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert 120 <= len(lines) <= 250, len(lines)
    top = "\n".join(lines[:25])
    assert "](docs/your-data.md)" in top, "README: 'Run it on your own data' near the top"
    assert "](docs/index.md)" in top, "README: the documentation site near the top"


def test_the_readme_commands_are_the_ones_ci_runs() -> None:
    readme = README.read_text(encoding="utf-8")
    first = (
        "python3 -m venv .venv && .venv/bin/pip install -e . && "
        ".venv/bin/influence campaign configs/demo.toml"
    )
    second = (
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && "
        ".venv/bin/python -m pytest -q -n 2 --dist loadfile"
    )
    assert f"```bash\n{first}\n```" in readme
    assert f"```bash\n{second}\n```" in readme
    assert second in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


#: A path of the machine a page was made on: temporary folders, this workspace, homes.
MACHINE_PATH = re.compile(r"(?<![\w.])(/tmp/|/var/folders/|/work/|/home/|/root/|/Users/|[A-Z]:\\)")


@pytest.mark.parametrize(
    "page",
    [README, ROOT / "CHANGELOG.md", *pages()],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_page_shows_a_path_of_the_machine_it_was_made_on(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    found = [
        f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for m in MACHINE_PATH.finditer(text)
    ]
    assert not found, f"{page.relative_to(ROOT)} shows machine paths: {found}"


def _generator(name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_is_generated_from_the_app() -> None:
    # in a fresh interpreter: strategies other tests register would show in the help
    code = "import sys, gen_cli; sys.stdout.write(gen_cli.cli_reference())"
    fresh = subprocess.run(
        [sys.executable, "-c", code], cwd=DOCS, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(DOCS), "COLUMNS": "100"},
    )  # fmt: skip
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == fresh.stdout, (
        "docs/cli.md is stale: run `python docs/gen_cli.py`"
    )


def test_the_results_schema_page_is_generated_from_the_code() -> None:
    from pipeline.schema import schema_markdown

    assert (DOCS / "results-schema.md").read_text(encoding="utf-8") == schema_markdown(), (
        "docs/results-schema.md is stale: run `python -m pipeline.schema > docs/results-schema.md`"
    )


def test_the_changelog_page_includes_the_changelog() -> None:
    assert '--8<-- "CHANGELOG.md"' in (DOCS / "changelog.md").read_text(encoding="utf-8")


def test_the_performance_page_is_the_benchmark_record() -> None:
    # the Performance page is benchmarks/RESULTS.md itself, and every section the Scale
    # page takes from it is marked there, so neither page can drift from the record
    assert '--8<-- "benchmarks/RESULTS.md"' in (DOCS / "performance.md").read_text("utf-8")
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    scale = (DOCS / "scale.md").read_text(encoding="utf-8")
    sections = re.findall(r'--8<-- "benchmarks/RESULTS\.md:([\w-]+)"', scale)
    assert sections
    for name in sections:
        assert f"--8<-- [start:{name}]" in results and f"--8<-- [end:{name}]" in results


def _front_door() -> dict[str, str]:
    """``pipeline._WHERE`` read from the source (name -> module), without importing."""
    tree = ast.parse((ROOT / "pipeline" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "_WHERE":
            assert node.value is not None
            return dict(ast.literal_eval(node.value))
    raise AssertionError("pipeline/__init__.py lost _WHERE")


def test_every_front_door_name_is_in_the_api_reference() -> None:
    index = (DOCS / "api" / "index.md").read_text(encoding="utf-8")
    missing = [name for name in _front_door() if f"[`ip.{name}`]" not in index]
    assert not missing, f"docs/api/index.md does not list the front-door names {missing}"


def test_every_api_page_names_an_existing_module() -> None:
    targets = []
    for page in sorted((DOCS / "api").glob("*.md")):
        targets += re.findall(r"^::: ([\w.]+)\s*$", page.read_text(encoding="utf-8"), re.M)
    assert targets
    for target in targets:
        parts = target.split(".")
        # a module, or an object of a module: its file exists under pipeline/
        found = any(
            (ROOT.joinpath(*parts[:i]).with_suffix(".py")).is_file()
            or (ROOT.joinpath(*parts[:i]) / "__init__.py").is_file()
            for i in range(len(parts), 0, -1)
        )
        assert found, f"docs/api names {target}, which is not a module of pipeline/"
