"""The project's packaging files stay in step with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    """Normalised distribution name: 'jupyter_client==8' → 'jupyter-client'."""
    name = re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_names_every_runtime_dependency():
    deps = {_name(d) for d in _pyproject()["project"]["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    missing = sorted(deps - conda)
    assert not missing, f"environment.yml lacks runtime dependencies of pyproject.toml: {missing}"
    assert {"pip": ["-e ."]} in env["dependencies"], "environment.yml must install the project"


def test_jupyter_execution_family_is_pinned_identically():
    family = {"papermill", "nbclient", "ipykernel", "jupyter-client"}
    py = {
        _name(d): d.split("==")[1]
        for d in _pyproject()["project"]["dependencies"]
        if _name(d) in family
    }
    assert set(py) == family and all(py.values()), py
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = {
        _name(d): d.split("=")[-1]
        for d in env["dependencies"]
        if isinstance(d, str) and _name(d) in family
    }
    assert pins == py


def test_console_script_points_at_cli():
    assert _pyproject()["project"]["scripts"]["retention"] == "retention_lib.cli:main"
