"""``metrics.json``: the headline figures with the run's facts, as plain JSON.

:func:`write_metrics` adds to the headline figures of
:func:`retention_lib.runner.build.compute_metrics` the schema version, the period and its
dates, the language, the inputs' checksums, the package versions and the notebooks run, and
writes the file (NaN and infinities as ``null``).
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Mapping
from datetime import UTC, date, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from ..periods import is_partial

__all__ = [
    "METRICS_SCHEMA_VERSION",
    "VERSIONED_PACKAGES",
    "jsonable",
    "package_versions",
    "write_metrics",
]

METRICS_SCHEMA_VERSION = 1
VERSIONED_PACKAGES = (
    "retention_lib", "pandas", "numpy", "lifetimes", "papermill", "nbconvert", "matplotlib",
)


def package_versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for package in VERSIONED_PACKAGES:
        try:
            found[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            found[package] = None
    found["python"] = platform.python_version()
    return found


def jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars, dates and NaN to plain JSON values (NaN → null)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    if value != value:  # pandas NA / NaT
        return None
    return str(value)



def write_metrics(
    path: Path, headline: Mapping[str, Any], *, period: str, as_of: date,
    data_end: date | None, language: str, company_name: str, inputs: Mapping[str, Any],
    notebooks: list[dict[str, Any]],
) -> dict[str, Any]:
    """Write ``metrics.json`` at ``path``; returns its content.

    ``headline``: the figures of :func:`retention_lib.pages.monthly_metrics.report_metrics`;
    ``data_end`` ``None``: the data end is ``as_of`` (the period is not partial).
    """
    metrics = jsonable(
        {
            **headline,
            "schema_version": METRICS_SCHEMA_VERSION,
            "period": period,
            "as_of": as_of.isoformat(),
            "data_end": (data_end or as_of).isoformat(),
            "partial": data_end is not None and is_partial(period, data_end),
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "language": language,
            "company_name": company_name,
            "inputs": inputs,
            "versions": package_versions(),
            "notebooks": notebooks,
        }
    )
    path.write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
        encoding="utf-8",
    )
    return metrics
