"""The package's docstrings keep their examples: pytest runs them (``--doctest-modules``
over ``pipeline/``, set in pyproject.toml), and this checks that they are still there
and that the doctest run is configured, so a lost example or setting fails."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
WITH_EXAMPLES = sorted(
    ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py")
    if ">>> " in p.read_text(encoding="utf-8")
)


def test_the_examples_are_found() -> None:
    assert len(WITH_EXAMPLES) >= 6, WITH_EXAMPLES


def test_pytest_runs_the_package_doctests() -> None:
    import tomllib

    opts = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["pytest"]
    options = opts["ini_options"]
    assert "pipeline" in options["testpaths"] and "--doctest-modules" in options["addopts"]


def test_every_module_with_examples_has_doctest_items() -> None:
    finder = doctest.DocTestFinder()
    for name in WITH_EXAMPLES:
        tests = finder.find(importlib.import_module(name))
        assert sum(len(t.examples) for t in tests) > 0, f"{name}: no example found by doctest"
