"""The package's import graph has no circles: every import a module makes (deferred ones
inside functions included; ``if TYPE_CHECKING:`` blocks excluded, they never run), read
off the source with an AST walk, forms a directed acyclic graph, but for the edges listed
in ALLOWED with their reason."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"

#: Edges kept on purpose, and why (each closes a circle the test would otherwise flag).
ALLOWED: dict[tuple[str, str], str] = {
    ("pipeline.graph_io.graph", "pipeline.interop"): (
        "FollowerGraph.to_networkx, a documented convenience that delegates to interop"
    ),
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _edges(mods: dict[str, Path]) -> dict[str, set[str]]:
    def owner(name: str) -> str | None:  # the module an imported name lives in
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets = [f"{base}.{a.name}" for a in node.names]
            for t in targets:
                found = owner(t) if t.startswith("pipeline") else None
                if found and found != mod and (mod, found) not in ALLOWED:
                    edges[mod].add(found)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``edges`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(edges[m]):
            if state.get(n) == 1:
                return [*path[path.index(n) :], n]
            if n not in state and (found := visit(n)) is not None:
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (found := visit(m)) is not None:
            return found
    return None


def test_the_package_has_no_import_circles() -> None:
    mods = _modules()
    assert "pipeline.campaign.store" in mods and "pipeline" in mods
    circle = _cycle(_edges(mods))
    assert circle is None, "import circle: " + " -> ".join(circle or [])


def test_the_allowed_edges_exist_and_say_why() -> None:
    mods = _modules()
    every = _edges({**mods})  # without ALLOWED's edges
    for (a, b), why in ALLOWED.items():
        assert a in mods and b in mods and why.strip()
        assert b not in every[a]  # filtered, so still present in the source:
        assert f"from {b} import" in mods[a].read_text(encoding="utf-8")


def test_the_walker_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


#: The steps, lowest first: a module may import its own step and any step below it,
#: never one above ("no upward imports"). Step of a module: its first name under
#: ``pipeline`` (``pipeline.seeding.imm`` is in ``seeding``); ``pipeline`` itself (the
#: lazy front door) is the top.
LAYERS: tuple[tuple[str, ...], ...] = (
    # shared foundations: errors, defaults, names, columns, table files, results schema
    (
        "errors",
        "defaults",
        "names",
        "columns",
        "measures",
        "intervals",
        "memory",
        "reprs",
        "export",
        "schema_columns",
        "schema",
    ),
    ("graph_io",),  # the follower graph, its readers and centralities
    ("interop",),  # graphs from other tools and files, into a FollowerGraph
    ("profiles",),  # creators, brands, audiences, tiers
    ("valuation",),  # people, engagements and money per activation
    ("diffusion",),  # cascade models and simulation
    ("overlap", "calibration"),  # audience overlap; learning models from action logs
    ("seeding",),  # strategies that choose seeds
    ("campaign",),  # the grid of cells and its results folder
    ("aggregate",),  # statistics and verdicts over results
    ("report",),  # the HTML report and the brief
    ("synth", "testing", "api", "api_logs"),  # synthetic data, test helpers, the ID layer
    ("cli", "entry", "__main__", "costs", "plan", "rank", "pipeline"),  # CLI, shims, root
)

#: Upward edges kept on purpose, and why.
UPWARD: dict[tuple[str, str], str] = {
    ("pipeline.calibration.save", "pipeline"): "the package version, written into saved models",
}


def _step(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "pipeline"


def test_no_module_imports_a_step_above_its_own() -> None:
    level = {name: i for i, names in enumerate(LAYERS) for name in names}
    mods = _modules()
    unplaced = sorted({_step(m) for m in mods} - set(level))
    assert not unplaced, f"steps missing from LAYERS: {unplaced}"
    upward = [
        f"{a} -> {b}"
        for a, targets in _edges(mods).items()
        for b in sorted(targets)
        if level[_step(b)] > level[_step(a)] and (a, b) not in UPWARD
    ]
    assert not upward, "upward imports:\n" + "\n".join(sorted(upward))


def test_the_upward_exceptions_exist_and_say_why() -> None:
    edges = _edges(_modules())
    for (a, b), why in UPWARD.items():
        assert why.strip() and b in edges[a], (a, b)
