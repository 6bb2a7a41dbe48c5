"""What the caches' keys know of the code: digests of the package's own source files.

A cached result is only as good as the code that made it, so both caches put a digest of
source files into their keys: :mod:`retention_lib.caching.memo` (pages built once per run)
the whole package, :mod:`retention_lib.caching.cache` (the loaded dataset) the loading code.
Files are found by walking folders, never listed by name, so a module that is added, moved
or renamed inside a covered folder is covered without anyone remembering to list it
(``tests/caching/test_code.py`` checks that the loader's digest covers every module the
loader imports).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["LOADER_CODE", "PACKAGE_ROOT", "code_digest", "code_files"]

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# What loading a dataset runs: the data layer, the settings, the caches themselves.
LOADER_CODE = ("data", "caching", "config.py", "periods.py")
_SOURCE_SUFFIXES = {".py", ".yaml", ".json", ".j2", ".tpl", ".css"}


def code_files(parts: tuple[str, ...] = (".",)) -> list[Path]:
    """Source files under ``parts`` (folders or files relative to the package root), sorted."""
    found: set[Path] = set()
    for part in parts:
        path = PACKAGE_ROOT / part
        candidates = path.rglob("*") if path.is_dir() else [path]
        found.update(p for p in candidates
                     if p.is_file() and p.suffix in _SOURCE_SUFFIXES
                     and "__pycache__" not in p.parts)
    return sorted(found)


@functools.cache
def code_digest(parts: tuple[str, ...] = (".",)) -> str:
    """SHA-256 of the files of :func:`code_files` (paths and contents), once per process."""
    digest = hashlib.sha256()
    for path in code_files(parts):
        digest.update(str(path.relative_to(PACKAGE_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
