"""The project's packaging files stay in step with each other."""

from __future__ import annotations

import os
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


# --------------------------------------------------------------------------- the lock file

LOCK = ROOT / "requirements.lock"


def _lock_pins(path: Path) -> dict[str, str]:
    """Pins of the lock that apply to this interpreter and platform: name -> version."""
    from packaging.markers import Marker

    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith((" ", "#")):
            continue
        requirement, _, marker = line.partition(";")
        name, _, version = requirement.strip().partition("==")
        assert version, f"{path.name}: not an exact pin: {line!r}"
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        pins[_name(name)] = version.strip()
    return pins


def _declared_requirements() -> list[str]:
    project = _pyproject()
    return [*project["project"]["dependencies"],
            *project["project"]["optional-dependencies"]["test"],
            *project["build-system"]["requires"]]


def test_lock_pins_every_declared_dependency_within_its_range():
    from packaging.requirements import Requirement

    pins = _lock_pins(LOCK)
    problems = []
    for text in _declared_requirements():
        requirement = Requirement(text)
        name = _name(requirement.name)
        if name not in pins:
            problems.append(f"{name}: not in {LOCK.name}")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{name}=={pins[name]} is outside {requirement.specifier}")
    # the extras' own packages are pinned too (ibis-framework[duckdb] -> duckdb)
    problems += [f"{name}: not in {LOCK.name}" for name in ("duckdb", "pip")
                 if name not in pins]
    assert not problems, "requirements.lock is out of step with pyproject.toml (run `make " \
        "lock`):\n" + "\n".join(problems)


def test_installed_environment_is_the_lock():
    """The tests run in exactly the environment of the lock (`make venv` installs it)."""
    from importlib import metadata

    lock = Path(os.environ.get("RETENTION_LOCK_FILE", LOCK))
    differ = []
    for name, pinned in sorted(_lock_pins(lock).items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != pinned:
            differ.append(f"{name}: installed {installed}, locked {pinned}")
    assert not differ, (f"this environment is not the one {lock.name} pins (run `make venv`):\n"
                        + "\n".join(differ))
