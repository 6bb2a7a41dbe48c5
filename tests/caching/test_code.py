"""Tests of retention_lib.caching.code: the caches' keys see every source file.

The keys are only as good as the list of files they hash: a module moved out of the folders
the dataset cache hashes, or a new kind of source file, would make a key blind to an edit
(an old dataset or page read after the code changed). The files are found by walking
folders, and these tests hold the walk against the package as it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from retention_lib.caching import code
from retention_lib.caching.code import LOADER_CODE, PACKAGE_ROOT, code_digest, code_files

SOURCE = {".py", ".yaml", ".json", ".j2", ".tpl", ".css"}


def test_the_package_digest_covers_every_source_file():
    on_disk = {p for p in PACKAGE_ROOT.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    covered = set(code_files())
    assert {p for p in on_disk if p.suffix in SOURCE} <= covered
    unknown = sorted(str(p.relative_to(PACKAGE_ROOT)) for p in on_disk
                     if p.suffix not in SOURCE | {".pyc"})
    assert not unknown, f"files of a kind the digest does not read: {unknown}"


def _module_file(module: str) -> Path | None:
    path = PACKAGE_ROOT.parent / Path(*module.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _imported_files(path: Path) -> set[Path]:
    module = ".".join(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    package = module.rpartition(".")[0] if path.name != "__init__.py" else module
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                for candidate in (f"{target}.{alias.name}", target):
                    if (hit := _module_file(candidate)) is not None:
                        found.add(hit)
                        break
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""])
            for name in names:
                if name.startswith("retention_lib") and (hit := _module_file(name)):
                    found.add(hit)
    return found


def test_the_dataset_cache_key_covers_all_the_loader_runs():
    """Every module that ``load_dataset`` can reach is hashed into the dataset cache's key."""
    start = PACKAGE_ROOT / "data" / "io.py"
    seen, todo = set(), [start]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(_imported_files(path) - seen)
    covered = set(code_files(LOADER_CODE))
    blind = sorted(str(p.relative_to(PACKAGE_ROOT)) for p in seen - covered
                   if p.name != "__init__.py" or p.read_text().strip().count("\n") > 3)
    assert len(seen) > 10  # the walk really follows the loader's imports
    assert not blind, f"the loader imports modules its cache key does not hash: {blind}"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "io.py").write_text("A = 1\n")
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "churn.py").write_text("B = 1\n")
    monkeypatch.setattr(code, "PACKAGE_ROOT", tmp_path)
    code_digest.cache_clear()
    yield tmp_path
    code_digest.cache_clear()


def test_an_edit_moves_the_key(tree):
    before = code_digest(("data",))
    (tree / "data" / "io.py").write_text("A = 2\n")
    code_digest.cache_clear()
    assert code_digest(("data",)) != before


def test_a_new_or_moved_file_moves_the_key_without_being_listed(tree):
    before_data, before_all = code_digest(("data",)), code_digest()
    (tree / "analysis" / "churn.py").rename(tree / "data" / "churn.py")
    code_digest.cache_clear()
    assert code_digest(("data",)) != before_data  # moved in: now covered
    assert code_digest() != before_all  # the path is part of the key


def test_files_outside_the_parts_do_not_move_the_loader_key(tree):
    before = code_digest(("data",))
    (tree / "analysis" / "churn.py").write_text("B = 2\n")
    code_digest.cache_clear()
    assert code_digest(("data",)) == before
