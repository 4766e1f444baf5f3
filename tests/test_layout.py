"""The house rules of pipeline/: every module says what it owns, exports a list, stays small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "pipeline").rglob("*.py"))
MAX_LINES = 400


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_has_a_docstring_an_all_and_stays_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"{path.name}: no module docstring"
    if path.name != "__main__.py":
        names = {t.id for n in tree.body if isinstance(n, ast.Assign | ast.AnnAssign)
                 for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                 if isinstance(t, ast.Name)}  # fmt: skip
        assert "__all__" in names, f"{path.name}: no __all__"
    lines = len(text.splitlines())
    assert lines <= MAX_LINES, f"{path.name}: {lines} lines; split it by concept"
