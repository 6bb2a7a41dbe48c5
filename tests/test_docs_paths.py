"""Every ``retention_lib.…`` path and ``retention_lib/…`` file the documents name exists.

Modules move (issue 19 moved all of them): a README or architecture page that names a
module, function or file that is no longer there sends a reader into a dead end.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ["README.md", "docs/ARCHITECTURE.md", "reports/README.md", "benchmarks/README.md",
             "data/sample/README.md", *sorted(str(p.relative_to(ROOT))
                                              for p in (ROOT / "notebooks").glob("*.ipynb"))]
DOTTED = re.compile(r"(?<![\w/])retention_lib(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
FILES = re.compile(r"(?<![\w.])(?:retention_lib|tests|benchmarks|scripts)/[\w/.-]+\.(?:py|yaml)")
# `analysis/churn.py`: a module named by its path inside the package
PACKAGE_FILES = re.compile(r"(?<![\w./])((?:data|analysis|present|pages|runner|caching)/\w+\.py)")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


@pytest.mark.parametrize("document", DOCUMENTS)
def test_named_paths_exist(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    dotted = sorted({m.rstrip(".") for m in DOTTED.findall(text)})
    missing = [d for d in dotted if not _resolves(d)]
    files = sorted(set(FILES.findall(text)))
    missing += [f for f in files if not (ROOT / f).exists()]
    inside = sorted(set(PACKAGE_FILES.findall(text)))
    missing += [f for f in inside if not (ROOT / "retention_lib" / f).exists()]
    assert not missing, f"{document} names what does not exist: {missing}"


def test_the_check_can_fail():
    assert _resolves("retention_lib.analysis.churn.churn_rate")
    assert not _resolves("retention_lib.churn.churn_rate")
    assert not _resolves("retention_lib.analysis.churn.no_such_function")


def test_the_architecture_page_names_every_module():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    package = ROOT / "retention_lib"
    modules = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                     if p.name != "__init__.py")
    unnamed = [m for m in modules if f"`{m}`" not in text]
    assert not unnamed, f"docs/ARCHITECTURE.md does not name: {unnamed}"
