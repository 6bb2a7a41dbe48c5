"""Measure the package's structure: the figures issue 19 is judged by.

Usage: ``python scripts/measure_structure.py [PACKAGE_DIR]`` (default ``retention_lib``).
Prints, from the source alone (``ast``, nothing imported):

* modules and lines; modules over 400 and 800 lines;
* functions over 60 and 120 lines (a function's own lines, nested ones included);
* private names used across modules: ``from x import _name`` or ``module._name`` where
  ``module`` is another module of the package (an underscore *module* inside a subpackage is
  shared by design and does not count, its underscore *names* do);
* imports inside functions;
* import cycles among modules (module-level imports; strongly connected groups);
* cache stores: module-level dicts/OrderedDicts/``FrameMemo``s whose name says cache, memo
  or pinned, and ``lru_cache``/``cache`` decorators;
* modules to open to follow one page build: the modules the runner's build step reaches
  (any import, at any depth) that are not analyses or data: orchestration, pages and
  presentation.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path


def _modules(root: Path) -> dict[str, Path]:
    pkg = root.name
    out = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    assert pkg in out
    return out


def _resolve(module: str, is_pkg: bool, level: int, target: str | None) -> str:
    base = module.split(".")
    if not is_pkg:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _imports(name: str, path: Path, mods: dict[str, Path]):
    """Yield (imported module, names, inside_function, node)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node

    def in_function(node):
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return True
        return False

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in mods:
                    yield alias.name, [], in_function(node), node
        elif isinstance(node, ast.ImportFrom):
            target = (_resolve(name, is_pkg, node.level, node.module) if node.level
                      else node.module)
            if target not in mods:
                continue
            # `from pkg import module` imports the module
            plain = []
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in mods:
                    yield sub, [], in_function(node), node
                else:
                    plain.append(alias.name)
            if plain:
                yield target, plain, in_function(node), node
    return tree


def measure(root: Path) -> dict:
    mods = _modules(root)
    lines = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in mods.items()}
    funcs = []
    graph = defaultdict(set)        # module-level imports
    graph_all = defaultdict(set)    # any import
    private = []
    inner_imports = 0
    caches = []
    cached_builds = []
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                funcs.append((node.end_lineno - node.lineno + 1, f"{mod}.{node.name}"))
                for dec in node.decorator_list:
                    d = dec.func if isinstance(dec, ast.Call) else dec
                    dname = d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "")
                    if dname in ("lru_cache", "cache"):
                        caches.append(f"{mod}.{node.name} (@{dname})")
                    elif dname == "cached_build":
                        cached_builds.append(f"{mod}.{node.name}")
        for stmt in tree.body:
            targets = []
            if isinstance(stmt, ast.Assign):
                targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
                value = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                targets, value = [stmt.target.id], stmt.value
            for t in targets:
                low = t.lower()
                frame_memo = (isinstance(value, ast.Call)
                              and getattr(value.func, "id", "") in ("FrameMemo", "FramePins"))
                if frame_memo or any(w in low for w in ("cache", "memo", "pinned")) and isinstance(
                        value, (ast.Dict, ast.Call)):
                    if isinstance(value, ast.Call):
                        f = value.func
                        fname = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                        if fname not in ("dict", "OrderedDict", "FrameMemo", "FramePins",
                                         "WeakValueDictionary", "WeakKeyDictionary",
                                         "defaultdict"):
                            continue
                    caches.append(f"{mod}.{t}")
        aliases = {}
        for target, names, inner, node in _imports(mod, path, mods):
            if inner:
                inner_imports += 1
            graph_all[mod].add(target)
            if not inner and target != mod:
                graph[mod].add(target)
            if target == mod:
                continue
            for n in names:
                if n.startswith("_") and not n.startswith("__"):
                    private.append(f"{mod} <- {target}.{n}")
            if not names:
                asname = node.names[0].asname if isinstance(node, ast.Import) else None
                for alias in node.names:
                    full = (f"{target}" if isinstance(node, ast.Import) else target)
                    aliases[alias.asname or alias.name.split(".")[-1]] = full
                del asname
        # a module imported by name when first needed (the page registry's `_page("clv")`,
        # `import_module("retention_lib.x")`): an import inside a function too
        subpackage = mod.rpartition(".")[0] if not path.name == "__init__.py" else mod
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
                    "_page", "import_module") and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                name = node.args[0].value
                target = name if name in mods else f"{subpackage}.{name}"
                if target in mods:
                    graph_all[mod].add(target)
                    inner_imports += 1
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__") and aliases[node.value.id] != mod):
                private.append(f"{mod} <- {aliases[node.value.id]}.{node.attr}")
    # import cycles: Tarjan on module-level imports, ignoring package __init__ re-exports
    pkg = root.name
    edges = {m: {t for t in graph[m]
                 if t != pkg and not (t in mods and mods[t].name == "__init__.py")}
             for m in mods}
    cycles = _scc(edges)
    edges_all = {m: {t for t in graph_all[m] if t != m and t != pkg
                     and not (t in mods and mods[t].name == "__init__.py")} for m in mods}
    return {"mods": mods, "lines": lines, "funcs": funcs, "private": private,
            "inner_imports": inner_imports, "cycles": cycles, "caches": caches,
            "cached_builds": cached_builds,
            "cycles_all": _scc(edges_all), "graph_all": edges_all}


def _scc(edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def main(argv):
    root = Path(argv[0] if argv else "retention_lib")
    m = measure(root)
    py = {k: v for k, v in m["lines"].items()}
    print(f"modules: {len(py)} ({sum(py.values()):,} lines)")
    big = sorted(((n, k) for k, n in py.items()), reverse=True)
    print(f"modules over 400 lines: {sum(n > 400 for n, _ in big)}; over 600: "
          f"{sum(n > 600 for n, _ in big)}; over 800: {sum(n > 800 for n, _ in big)}")
    print("  largest: " + ", ".join(f"{k} {n}" for n, k in big[:8]))
    funcs = sorted(m["funcs"], reverse=True)
    print(f"functions over 60 lines: {sum(n > 60 for n, _ in funcs)}; over 100: "
          f"{sum(n > 100 for n, _ in funcs)}; over 120: {sum(n > 120 for n, _ in funcs)}")
    print("  longest: " + ", ".join(f"{k} {n}" for n, k in funcs[:8]))
    mods_priv = {p.split(" <- ")[0] for p in m["private"]}
    print(f"private names used across modules: {len(m['private'])} uses in "
          f"{len(mods_priv)} modules")
    for p in m["private"][:200]:
        print("   ", p)
    print(f"cache stores: {len(m['caches'])}: " + ", ".join(m["caches"]))
    print(f"page builds stored by cached_build: {len(m['cached_builds'])}: "
          + ", ".join(m["cached_builds"]))
    print(f"imports inside functions: {m['inner_imports']}")
    print(f"import cycles (module level): {len(m['cycles'])}: " +
          "; ".join(" <-> ".join(c) for c in m["cycles"]))
    cyc = m["cycles_all"]
    print(f"import cycles counting imports inside functions: {len(cyc)}: " +
          "; ".join(" <-> ".join(c) for c in cyc))
    build = _page_build_modules(m, root.name)
    print(f"modules to open to follow one page build: {len(build)}: " + ", ".join(build))


# Following one page's build and publication (the CLV page): start at the runner, follow
# every import, but from the runner and from the page registry only into the CLV page's own
# modules (a reader looks that entry up and opens nothing else); analyses, data and the
# foundation are what a page is built *from*, not how it is built, and are not counted.
# Another page's module: in the flat layout monthly/diagnostics/discipline; in pages/ any
# module not named clv* and not shared by every page (context, registry, html helpers).
_FLAT_OTHER_PAGES = {"monthly", "diagnostics", "discipline"}
_SHARED_PAGE_MODULES = {"context", "registry", "page_html", "_numbers"}
_BELOW = ("analysis", "data", "caching", "locales", "config", "periods", "i18n")


def _page_build_modules(m, pkg):
    graph = m["graph_all"]
    start = [k for k in m["mods"] if k.startswith(f"{pkg}.runner.") or k == f"{pkg}.report"]

    def is_other_page(mod):
        parts = mod.split(".")
        leaf = parts[-1]
        if len(parts) == 2:
            return leaf in _FLAT_OTHER_PAGES
        return (parts[1] == "pages" and not leaf.startswith("clv")
                and leaf not in _SHARED_PAGE_MODULES)

    seen, todo = set(), list(start)
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        dispatcher = ".runner." in mod or mod.endswith(".registry") or mod == f"{pkg}.report"
        for target in graph.get(mod, ()):
            if dispatcher and is_other_page(target):
                continue
            todo.append(target)
    keep = []
    for mod in sorted(seen):
        parts = mod.split(".")[1:]
        if not parts or parts[0] in _BELOW or parts[-1] in _FLAT_BELOW:
            continue
        keep.append(mod)
    return keep


# The same, for the flat layout before the architecture step (module names without a layer).
_FLAT_BELOW = {"summary", "engine", "rfm", "tiers", "cohorts", "churn", "reasons", "clv",
               "signals", "backtest", "winback", "events", "economics", "cadence", "funnel",
               "managers", "calllists", "io", "schema", "sample", "cdnow", "config", "periods",
               "i18n", "shared", "memo", "cache"}

if __name__ == "__main__":
    main(sys.argv[1:])
