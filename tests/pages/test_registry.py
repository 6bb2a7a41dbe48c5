"""Tests of retention_lib.pages.registry: one entry per notebook, each page's one build call."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from retention_lib.pages import registry

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def _setup_cell(name: str) -> str:
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    return "".join(cells[1]["source"])


def test_one_entry_per_notebook():
    assert sorted(registry.PAGES) == NAMES


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_each_notebook_builds_its_page_through_its_own_entry(name):
    """The setup cell makes the very call the runner makes (the run cache then hands the
    kernel the page the runner built): ``registry.build("<its own name>", ...)``, once."""
    calls = re.findall(r'registry\.build\(\s*"([^"]+)"', _setup_cell(name))
    assert calls == [name]


def test_an_unknown_notebook_is_refused_with_the_known_ones():
    with pytest.raises(KeyError, match="no page for notebook 'churn'; known: monthly_report"):
        registry.build("churn", None, period="2026-10", settings=None)


def test_importing_the_registry_imports_no_page():
    """A kernel imports the registry and needs one page: the others are not imported until
    built (importing all five cost each kernel's start 0.1-0.2 s)."""
    code = ("import sys, retention_lib.pages.registry; "
            "print(sorted(m for m in sys.modules if m.startswith('retention_lib.pages.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['retention_lib.pages.registry']"


def test_build_calls_the_builder_of_the_page(monkeypatch):
    from retention_lib.pages import clv_report

    seen = {}

    def fake(dataset, *, period, settings):
        seen.update(dataset=dataset, period=period, settings=settings)
        return "page"

    monkeypatch.setattr(clv_report, "build_clv_page", fake)
    assert registry.build("clv", "ds", period="2026-10", settings="s") == "page"
    assert seen == {"dataset": "ds", "period": "2026-10", "settings": "s"}
