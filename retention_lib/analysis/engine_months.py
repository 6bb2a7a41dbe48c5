"""Months since 1970-01 as the backends return them: explicit conversions and bound checks.

A backend may hand back a month column as integers, dates, timestamps in any unit (with or
without a time zone) or strings; :func:`months_since_epoch` converts each type explicitly,
and :func:`check_month_bounds` refuses months outside the bounds asked for (a backend whose
date arithmetic is wrong fails loudly).  Used by :mod:`retention_lib.analysis.engine`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._frames import as_timestamp

__all__ = ["check_month_bounds", "month_number", "months_since_epoch"]


def months_since_epoch(column: Any) -> np.ndarray:
    """Months since 1970-01 (int64) of a month column, whatever type a backend returns.

    Accepts a pyarrow ``Array``/``ChunkedArray`` of integers (already months since 1970-01,
    as :func:`~retention_lib.analysis.engine_expressions.monthly_expr` computes them),
    ``date32``/``date64``, ``timestamp`` in any unit (``s``, ``ms``, ``us``, ``ns``; with a
    time zone, the month of the local wall-clock time), or strings (``"1997-01"``,
    ``"1997-01-01"``, ``"1997-01-01 00:00:00"``).  The
    conversion is explicit per type, so it never depends on what unit a backend (or a
    pyarrow/NumPy release) happens to pick.  Nulls are an error.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = (column.combine_chunks() if column.num_chunks
                  else pa.array([], type=column.type))
    if column.null_count:
        raise ValueError(f"the backend returned {column.null_count} empty month value(s)")
    kind = column.type
    if pa.types.is_integer(kind):
        return column.to_numpy(zero_copy_only=False).astype(np.int64)
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:
            column = pc.local_timestamp(column)
        values = column.to_numpy(zero_copy_only=False)  # datetime64[<unit>], unit kept
    elif pa.types.is_date(kind):
        values = column.to_numpy(zero_copy_only=False)  # datetime64[D] or [ms]
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or (
            hasattr(pa.types, "is_string_view") and pa.types.is_string_view(kind)):
        text = pd.Series(column.to_pylist(), dtype="string")
        values = pd.to_datetime(text, format="ISO8601").to_numpy()
    else:
        raise TypeError(f"cannot read months from a column of type {kind}")
    return values.astype("datetime64[M]").astype(np.int64)


def month_number(bound: object, name: str) -> int:
    """Months since 1970-01 of the date ``bound`` (ValueError naming ``name`` if none)."""
    return int(as_timestamp(bound, name).to_numpy().astype("datetime64[M]").astype(np.int64))


def check_month_bounds(months: np.ndarray, *, as_of: object | None,
                        start: object | None) -> None:
    """Refuse months outside the requested bounds: a backend that computed them wrongly
    must fail loudly rather than hand back a matrix 170 years wide."""
    if not len(months):
        return
    checks = []
    if as_of is not None:
        checks.append(("as_of", as_of, months > month_number(as_of, "as_of")))
    if start is not None:
        checks.append(("start", start, months < month_number(start, "start")))
    for name, bound, bad in checks:
        if bad.any():
            first = np.datetime64(int(months[bad][0]), "M")
            raise RuntimeError(
                f"the backend returned month {first} outside the requested {name} "
                f"{as_timestamp(bound, name).date()} ({int(bad.sum())} row(s)): its date "
                "arithmetic is wrong for this column type; please report the backend "
                "and its version")
