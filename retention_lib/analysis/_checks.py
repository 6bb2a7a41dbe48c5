"""Checks of the input frames an analysis is given: required columns present."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["require"]


def require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{name} lacks required column(s) {missing}; it has {list(frame.columns)}"
        )
