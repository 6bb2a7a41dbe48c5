"""Number helpers of the executive-report modules: NaN-safe floats and JSON-safe numbers."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["as_float", "json_number"]


def json_number(value: Any) -> Any:
    """``value`` with NaN and infinities as ``None`` (JSON has neither); other values as
    they are."""
    if value is None:
        return None
    if isinstance(value, float | int) and not isinstance(value, bool):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else value
    return value


def as_float(value: Any) -> float:
    """``float(value)``, NaN when it is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
