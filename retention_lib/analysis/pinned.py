"""What the runner computes once before the page workers fork: pinned rows and aggregates.

A report builds several pages, each in a worker process forked from the runner, and every
build starts from the same two expensive set-ups of the same frames:

* the rows up to the report month's end (``rows_until(transactions, as_of)``): a copy of
  tens of millions of rows when the data goes on past the month (an export taken a few days
  into the next month);
* the transactions' customer codes (``customer_id`` factorised) and their
  per-customer-day table (:mod:`retention_lib.analysis.day_table`), the one pass over the
  raw rows that every lapse, purchase-day and window figure starts from.

The runner opens :func:`pinned_aggregates` (and :func:`pinned_rows` for the contacts)
around all the builds: the set-ups are computed now, in the runner, kept in this module's
stores per frame object, and the forked workers inherit them instead of each computing its
own.  The readers consult the stores through :func:`pinned_rows_until`,
:func:`pinned_customer_codes` and :func:`pinned_day_table`
(:func:`retention_lib.analysis.shared.rows_until`,
:func:`retention_lib.analysis.customer_days.customer_codes` and
:func:`~retention_lib.analysis.customer_days.customer_day_table`).

Frames are matched by identity (an entry holds its frame, so a recycled ``id`` never
matches another object) and must not be modified inside a block.  Blocks nest: on the same
arguments the outer block owns the entry.  Results are identical with or without a block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ._frames import as_timestamp, check_columns, codes_of_subset, rows_on_or_before
from .day_table import CustomerDayTable, build_day_table, day_table_until

__all__ = [
    "pinned_aggregates",
    "pinned_customer_codes",
    "pinned_day_table",
    "pinned_rows",
    "pinned_rows_until",
]

#: Rows kept by :func:`pinned_rows`, per (frame id, column, as_of).
_PINNED_ROWS: dict[tuple[int, str, pd.Timestamp], tuple[pd.DataFrame, pd.DataFrame]] = {}
#: Customer codes ``(frame, codes, uniques)`` and day tables ``(frame, table)`` kept by
#: :func:`pinned_aggregates`, per frame id.
_PINNED_CODES: dict[int, tuple[pd.DataFrame, np.ndarray, object]] = {}
_PINNED_DAYS: dict[int, tuple[pd.DataFrame, CustomerDayTable]] = {}


def pinned_rows_until(frame: pd.DataFrame, as_of: Any, column: str = "date"
                      ) -> pd.DataFrame | None:
    """The rows of ``frame`` up to ``as_of`` kept by an open :func:`pinned_rows`, or ``None``."""
    hit = _PINNED_ROWS.get((id(frame), column, pd.Timestamp(as_of)))
    return hit[1] if hit is not None and hit[0] is frame else None


def pinned_customer_codes(frame: pd.DataFrame) -> tuple[np.ndarray, object] | None:
    """``pd.factorize(frame["customer_id"], sort=True)`` kept by an open
    :func:`pinned_aggregates`, or ``None``."""
    hit = _PINNED_CODES.get(id(frame))
    return (hit[1], hit[2]) if hit is not None and hit[0] is frame else None


def pinned_day_table(frame: pd.DataFrame) -> CustomerDayTable | None:
    """The per-customer-day table of ``frame`` kept by an open :func:`pinned_aggregates`,
    or ``None``."""
    hit = _PINNED_DAYS.get(id(frame))
    return hit[1] if hit is not None and hit[0] is frame else None


@contextmanager
def pinned_rows(frame: pd.DataFrame, as_of: Any, *, column: str = "date") -> Iterator[None]:
    """Compute :func:`~retention_lib.analysis.shared.rows_until` of ``frame`` now and return
    that same frame from every call with these arguments until the block ends.

    A report's page builds each cut the tables at the report month's end; a run whose data
    goes on past it made one copy of the rows per build, in each worker process.  The
    runner opens this block before the workers fork: one copy, shared by all of them, and
    the set-ups remembered per frame object (the per-customer-day table) apply to it."""
    key = (id(frame), column, pd.Timestamp(as_of))
    if key in _PINNED_ROWS:  # nested with the same arguments: the outer block owns it
        yield
        return
    _PINNED_ROWS[key] = (frame, rows_on_or_before(frame, as_of, column=column))
    try:
        yield
    finally:
        _PINNED_ROWS.pop(key, None)


@contextmanager
def pinned_aggregates(transactions: pd.DataFrame, *, as_of: object | None = None
                      ) -> Iterator[None]:
    """Compute ``transactions``' customer codes and per-customer-day table now, and use them
    in every call on this frame until the block ends.

    :func:`retention_lib.analysis.customer_days.shared_customer_codes` shares work within
    one page build; this block shares it between the builds of a report (see the module's
    docstring): the one pass over the raw rows is made once, before the workers fork.

    With ``as_of`` (the report month's end), the rows up to it are pinned too
    (:func:`pinned_rows`: every build's ``rows_until(transactions, as_of)`` is that one
    frame) with their codes and day table, taken from the whole frame's without another
    pass.  Results are identical with or without the block; the frames must not be
    modified inside it.
    """
    check_columns(transactions)
    with ExitStack() as stack:
        stack.enter_context(_pinned_frame(transactions))
        if as_of is not None:
            as_of = as_timestamp(as_of, "as_of")
            stack.enter_context(pinned_rows(transactions, as_of))
            rows = pinned_rows_until(transactions, as_of)
            if rows is not transactions:
                stack.enter_context(_pinned_frame(rows, parent=transactions, as_of=as_of))
        yield


@contextmanager
def _pinned_frame(frame: pd.DataFrame, *, parent: pd.DataFrame | None = None,
                  as_of: pd.Timestamp | None = None) -> Iterator[None]:
    """Pin ``frame``'s codes and day table (:func:`pinned_aggregates`); ``frame`` being the
    rows of ``parent`` (pinned) up to ``as_of``: derived from ``parent``'s."""
    key = id(frame)
    if key in _PINNED_CODES:  # nested on the same frame: the outer block owns the entry
        yield
        return
    if parent is None:
        codes, uniques = pd.factorize(frame["customer_id"], sort=True)
        _PINNED_CODES[key] = (frame, codes, uniques)
        days = build_day_table(frame, codes, uniques)
    else:
        keep = (parent["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
        parent_codes, parent_uniques = pinned_customer_codes(parent)
        codes, uniques = codes_of_subset(parent_codes, parent_uniques, keep)
        _PINNED_CODES[key] = (frame, codes, uniques)
        days = day_table_until(pinned_day_table(parent), as_of, len(uniques))
        if days is None:  # dates with a time of day: the rows' own table
            days = build_day_table(frame, codes, uniques)
    try:
        _PINNED_DAYS[key] = (frame, days)
        yield
    finally:
        _PINNED_CODES.pop(key, None)
        _PINNED_DAYS.pop(key, None)
