"""Rows up to the report date without a copy when none is later, and text columns as codes.

:func:`rows_until` returns the frame itself when no row is after ``as_of`` and the one copy
pinned by the runner (:func:`retention_lib.analysis.pinned.pinned_rows`) when there is one;
:func:`text_codes` factorizes a text column (the loader's categoricals without a pass over
the strings).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._frames import rows_on_or_before
from .pinned import pinned_rows_until

__all__ = ["rows_until", "text_codes"]


def rows_until(frame: pd.DataFrame, as_of: Any, *, column: str = "date") -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is on or before ``as_of``.

    ``frame`` itself when that is every row: the usual monthly run, whose data ends in the
    report month, then makes no copy of a table of tens of millions of rows (at 21M
    transactions a copy is ~1.2 GB, at 37M contacts ~1.5 GB).  Otherwise a filtered copy,
    the same object on every call inside :func:`retention_lib.analysis.pinned.pinned_rows`.
    Either way the result must not be modified (the analyses never modify their inputs).
    """
    pinned = pinned_rows_until(frame, as_of, column)
    if pinned is not None:
        return pinned
    return rows_on_or_before(frame, as_of, column=column)


def text_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (int64, -1 for missing) and the distinct values of a text column.

    A categorical column (the loader's compact dtypes, ``io.CATEGORICAL_COLUMNS``) gives its
    own codes and categories, so no string is made per row (at 37M contacts converting a
    categorical back to strings takes seconds and gigabytes); any other column is
    ``pd.factorize``-d as strings.  Code order differs between the two; callers only map
    codes through the distinct values.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        return values.cat.codes.to_numpy().astype(np.int64), pd.Index(cats.astype("str"))
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("string")
    codes, distinct = pd.factorize(values)
    return np.asarray(codes, dtype=np.int64), pd.Index(distinct)
