"""The package's layers, read from the imports of its source (nothing is imported).

cli → runner → pages → present → analysis → data → foundation (config, periods, i18n,
caching). A module may import its own subpackage and any layer below its own, never one
above; and no two modules import each other, directly or round a circle, counting the
imports written inside functions too (those are the ones that hide a circle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "retention_lib"

# Lower number = lower layer. The foundation's modules and subpackage share one level.
LAYERS = {
    "config": 0, "periods": 0, "i18n": 0, "caching": 0,
    "data": 1,
    "analysis": 2,
    "present": 3,
    "pages": 4,
    "runner": 5,
    "cli": 6,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports, anywhere in the file."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("retention_lib"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("retention_lib"):
                target = node.module
            else:
                continue
            for alias in node.names:  # `from pkg import module` imports the module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _exists(candidate) else target)
    return {name for name in found if name != module}


def _exists(module: str) -> bool:
    path = PACKAGE.parent / Path(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) == 1:
        return None  # the package itself: its __init__ re-exports the public API lazily
    return LAYERS[parts[1]]


SOURCES = sorted(PACKAGE.rglob("*.py"))
GRAPH = {_module_name(p): _imports(p) for p in SOURCES}


def test_every_module_is_in_a_layer():
    unplaced = sorted({m.split(".")[1] for m in GRAPH if "." in m} - set(LAYERS))
    assert not unplaced, f"outside every layer: {unplaced}; add them to LAYERS"


def _upward(module: str, graph: dict[str, set[str]]) -> list[str]:
    own = _layer(module)
    if own is None:
        return []
    return sorted(t for t in graph[module] if (layer := _layer(t)) is not None and layer > own)


def _module_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles among modules; a subpackage's ``__init__`` (docstring only) is not a module."""
    edges = {m: {t for t in ts if t in graph and not _is_package(t)}
             for m, ts in graph.items()}
    return _cycles(edges)


def _is_package(module: str) -> bool:
    return module.count(".") == 0 or (
        PACKAGE.parent / Path(*module.split(".")) / "__init__.py").is_file()


@pytest.mark.parametrize("module", sorted(GRAPH), ids=sorted(GRAPH))
def test_imports_point_down(module):
    upward = _upward(module, GRAPH)
    assert not upward, f"{module} (layer {_layer(module)}) imports a higher layer: {upward}"


def test_no_import_cycles():
    cycles = _module_cycles(GRAPH)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                out.append(sorted([v, *group]))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_checks_can_fail():
    """An analysis importing a page, and two modules importing each other, are caught."""
    wrong = {"retention_lib.analysis.churn": {"retention_lib.pages.monthly",
                                              "retention_lib.data.io"},
             "retention_lib.pages.monthly": {"retention_lib.analysis.churn"},
             "retention_lib.data.io": set()}
    assert _upward("retention_lib.analysis.churn", wrong) == ["retention_lib.pages.monthly"]
    assert _upward("retention_lib.pages.monthly", wrong) == []
    assert _module_cycles(wrong) == [["retention_lib.analysis.churn",
                                      "retention_lib.pages.monthly"]]


def test_imports_are_read_from_function_bodies_too():
    """The runner imports the pages inside a function: the graph has those imports too."""
    found = {m: ts for m, ts in GRAPH.items() if m.startswith("retention_lib.runner.")}
    assert any("retention_lib.pages.monthly" in ts or "retention_lib.pages.registry" in ts
               for ts in found.values())


def _third_party_importers(package: str) -> set[str]:
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom)
                     and not node.level else [])
            if any(n == package or n.startswith(package + ".") for n in names):
                found.add(str(path.relative_to(PACKAGE)))
    return found


def test_lifetimes_is_imported_in_one_module():
    """DESIGN.md: lifetimes (archived since 2020) is used in one place, behind our own
    input preparation; everything else asks the CLV model."""
    assert _third_party_importers("lifetimes") == {"analysis/clv_fitters.py"}
