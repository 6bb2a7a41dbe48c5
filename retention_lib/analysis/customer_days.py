"""The per-customer-day core: the one table the analyses read instead of raw transaction rows.

One entry per customer and calendar day with the day's net amount, its rows and whether it
holds a purchase (net amount > 0).  The churn history (lapse rules), early warning and its
back-test, the win-back queue, event windows, cohorts, the purchase cycle, value tiers, the
CLV checks and (when at hand) the per-customer summary and RFM read it: it is the smallest
table the lapse rules can be read from.

The seam
--------
:func:`customer_day_table` is the one call through which an analysis turns a transaction
frame into the per-customer-day table; the analyses read only its result
(:class:`~retention_lib.analysis.day_table.CustomerDayTable`) and never aggregate the raw
rows into days themselves.  Today its body runs the numpy pass of
:func:`retention_lib.analysis.day_table.build_day_table`; the transaction-level aggregation
can move under an engine (DuckDB or Spark through :mod:`retention_lib.analysis.engine`,
whose :func:`~retention_lib.analysis.engine_expressions.days_expr` computes the same table)
by changing that body alone.  The summary, RFM and value tiers still read the rows when the
table is not at hand yet (:func:`known_days_until` returns ``None``), a shortcut for speed
that gives the same figures.

Computed once per frame
-----------------------
Inside :func:`shared_customer_codes` (one page build) the customer codes and the table of
a frame are computed once; inside :func:`retention_lib.analysis.pinned.pinned_aggregates`
(a whole report, before the page workers fork) they are computed by the runner.  Outside
both, every call computes.  Results are identical either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

from ._frames import (
    as_timestamp,
    check_columns,
    codes_of_subset,
    contract_rows_until,
    dates_from_days,
    day_number,
    day_numbers,
    is_ibis_table,
    string_index,
)
from .day_table import CustomerDayTable, build_day_table, day_table_until
from .engine import customer_days_table
from .pinned import pinned_customer_codes, pinned_day_table

__all__ = [
    "customer_codes",
    "customer_day_table",
    "customer_days",
    "known_day_table",
    "known_days_until",
    "purchase_day_profile",
    "share_subset_codes",
    "shared_customer_codes",
]

#: Per open :func:`shared_customer_codes` block: ``{id(frame): (frame, codes, uniques)}`` and
#: ``{("days", id(frame)): (frame, table)}``.
_SHARED_CODES: list[dict[object, tuple]] = []


@contextmanager
def shared_customer_codes() -> Iterator[None]:
    """Factorise each transaction frame's ``customer_id`` once inside the ``with`` block.

    At 20M rows one factorisation of the pyarrow string ids costs ~0.7 s; a page build
    summarises the same frame several times (at the report date, at the previous month
    end, the calibration split, value tiers).  Inside the block, the functions of this
    package that group transactions by customer
    (:func:`retention_lib.analysis.summary.customer_summary`,
    :func:`retention_lib.analysis.clv.calibration_holdout_split`,
    :func:`retention_lib.analysis.clv.cumulative_transactions`,
    :func:`retention_lib.analysis.tiers.value_tiers`) factorise a frame they are handed once
    (matched by identity: the same DataFrame object; the frame is kept alive until the
    block ends) and derive the codes of any row subset from it, and the frame's
    per-customer-day table is built once.  The codes and sorted ids are exactly those of
    ``pandas.factorize(ids, sort=True)`` of the rows used, so results are identical with or
    without the block.
    """
    _SHARED_CODES.append({})
    try:
        yield
    finally:
        _SHARED_CODES.pop()


def customer_codes(
    frame: pd.DataFrame, keep: np.ndarray | None = None, rows: pd.DataFrame | None = None
) -> tuple[np.ndarray, object]:
    """``pd.factorize(rows["customer_id"], sort=True)`` for the rows ``keep`` of ``frame``.

    ``rows`` is ``frame`` filtered by ``keep`` (default: all rows, ``frame`` itself).
    Outside :func:`shared_customer_codes` (and a pinned frame) the ids of ``rows`` are
    factorised; inside, ``frame``'s factorisation is computed once per block and restricted
    to ``keep``: the sorted ids of a subset are the sorted ids present in it, in the same
    order.
    """
    if rows is None:
        rows = frame if keep is None else frame.loc[keep]
    hit = pinned_customer_codes(frame)
    if hit is None:
        if not _SHARED_CODES:
            return pd.factorize(rows["customer_id"], sort=True)
        cache = _SHARED_CODES[-1]
        entry = cache.get(id(frame))
        if entry is None or entry[0] is not frame:
            codes, uniques = pd.factorize(frame["customer_id"], sort=True)
            cache[id(frame)] = entry = (frame, codes, uniques)
        hit = entry[1], entry[2]
    return codes_of_subset(hit[0], hit[1], keep)


def share_subset_codes(parent: pd.DataFrame, keep: np.ndarray, child: pd.DataFrame) -> None:
    """Inside :func:`shared_customer_codes`, give ``child`` (= ``parent``'s rows ``keep``)
    codes derived from ``parent``'s factorisation instead of a factorisation of its own.
    Outside the block: nothing."""
    if not _SHARED_CODES or child is parent:
        return
    codes, uniques = customer_codes(parent, keep, child)
    _SHARED_CODES[-1][id(child)] = (child, codes, uniques)


def known_day_table(transactions: pd.DataFrame) -> CustomerDayTable | None:
    """The per-customer-day table of ``transactions`` if it was already computed (pinned, or
    in the open :func:`shared_customer_codes` block), else ``None``."""
    days = pinned_day_table(transactions)
    if days is None and _SHARED_CODES:
        hit = _SHARED_CODES[-1].get(("days", id(transactions)))
        if hit is not None and hit[0] is transactions:
            days = hit[1]
    return days


def customer_day_table(transactions: pd.DataFrame) -> CustomerDayTable:
    """The per-customer-day table of ``transactions``: the seam between the raw rows and
    the analyses (see the module's docstring).

    Every date counts (cut it with ``table.day <= day_number(as_of)``).  Computed once per
    frame inside :func:`shared_customer_codes` or
    :func:`retention_lib.analysis.pinned.pinned_aggregates`, else every call."""
    days = known_day_table(transactions)
    if days is None:
        days = build_day_table(transactions, *customer_codes(transactions))
        if _SHARED_CODES:
            _SHARED_CODES[-1][("days", id(transactions))] = (transactions, days)
    return days


def known_days_until(
    transactions: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[object, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The rows up to ``as_of`` as per-customer days, read from the per-customer-day table
    when it is already at hand and equals them (dates at midnight, no NaN amount):
    ``(uniques, code, day, net, rows)``, ``uniques`` the sorted ids up to ``as_of`` (as
    :func:`customer_codes` gives them) and per day its customer's position in them, the
    day, its net amount and its number of rows, sorted by code then day.  ``None``
    otherwise: the caller reads the rows."""
    days = known_day_table(transactions)
    if days is None or days.nan_amounts:
        return None
    upto = day_table_until(days, as_of)
    if upto is None:
        return None
    return upto.uniques, upto.code, upto.day, upto.net, upto.rows


def purchase_day_profile(
    transactions: pd.DataFrame, *, as_of: object
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """The order-free part of :func:`retention_lib.analysis.summary.customer_summary` with
    ``freq="D"``, faster.

    Returns the index of ``customer_summary`` (the customers with a purchase day up to
    ``as_of``) and, aligned with it, the last purchase day (days since 1970-01-01, int64),
    the number of purchase days (int64: ``frequency + 1``) and ``revenue_total`` (float64:
    every row, refunds included, summed per day as ``customer_summary`` does).  A
    purchase day is a day whose net amount is positive.  DataFrames only.
    """
    check_columns(transactions)
    as_of = as_timestamp(as_of, "as_of")
    view = known_days_until(transactions, as_of)
    if view is not None:  # the per-customer-day table, as customer_summary reads it
        uniques, cust, day, net, _ = view
    else:
        uniques, cust, day, net = _net_per_day_from_rows(transactions, as_of)
    n_cust = len(uniques)
    revenue_total = np.bincount(cust, weights=net, minlength=n_cust).astype(np.float64)
    bought = net > 0
    pc, pd_ = cust[bought], day[bought]
    n_days = np.bincount(pc, minlength=n_cust).astype(np.int64)
    last_day = np.zeros(n_cust, dtype=np.int64)
    if len(pc):
        ends = np.flatnonzero(np.r_[pc[1:] != pc[:-1], True])
        last_day[pc[ends]] = pd_[ends]
    present = n_days > 0
    return (string_index(uniques)[present], last_day[present], n_days[present],
            revenue_total[present])


def _net_per_day_from_rows(
    transactions: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[object, np.ndarray, np.ndarray, np.ndarray]:
    """``(uniques, code, day, net)`` of the rows up to ``as_of``, summed per customer and
    day (in ``np.unique``'s order of the sums), sorted by code then day."""
    keep = (transactions["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
    tx = contract_rows_until(transactions, as_of, keep)
    codes, uniques = customer_codes(transactions, keep, tx)
    day = day_numbers(tx["date"])
    amount = tx["amount"].to_numpy(dtype=np.float64)
    if not len(day):
        empty = np.zeros(0, dtype=np.int64)
        return uniques, empty, empty, np.zeros(0)
    d_min = int(day.min())
    span = int(day.max()) - d_min + 1
    keys, inverse = np.unique(codes.astype(np.int64) * span + (day - d_min),
                              return_inverse=True)
    net = np.bincount(inverse.ravel(), weights=amount)
    return uniques, keys // span, keys % span + d_min, net


def customer_days(transactions: pd.DataFrame, *, as_of: object | None = None) -> pd.DataFrame:
    """Aggregate transactions to one row per customer and calendar day.

    The lapse rules (a customer is lost after ``lapse_days`` without a purchase), the
    purchase-day counts of early warning and the acquisition cohorts all read this table
    rather than the raw rows; it is the smallest aggregate they share.

    Parameters
    ----------
    transactions
        ``customer_id`` (string), ``date`` (datetime64; the time of day is ignored),
        ``amount`` (float64, negative = refund).  Rows without an id or a date are left out.
        Or an Ibis table with these columns: computed by its backend
        (:func:`retention_lib.analysis.engine.customer_days_table`).
    as_of
        Last day included (default: every row).

    Returns
    -------
    pandas.DataFrame
        One row per (customer, day) with a transaction, sorted by ``customer_id`` then
        ``date``, on a default RangeIndex.  Columns:

        ============ ============== ================================================
        customer_id  string         the customer
        date         datetime64[ns] the calendar day (midnight)
        amount       float64        net amount of the day (refunds added; NaN as 0)
        rows         int64          transaction rows that day
        purchase     bool           the day's net amount is positive (a purchase day)
        ============ ============== ================================================

    Raises
    ------
    KeyError
        A required column is missing.
    """
    if is_ibis_table(transactions):
        return customer_days_table(transactions, as_of=as_of)
    check_columns(transactions)
    days = customer_day_table(transactions)
    keep = slice(None)
    if as_of is not None:
        last = day_number(as_timestamp(as_of, "as_of"))
        keep = days.day <= last
    ids = string_index(pd.Index(days.uniques))
    return pd.DataFrame({
        "customer_id": ids.take(days.code[keep]).array,
        "date": dates_from_days(days.day[keep]),
        "amount": days.net[keep],
        "rows": days.rows[keep],
        "purchase": days.bought[keep],
    })
