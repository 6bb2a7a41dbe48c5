"""Per-customer aggregates of raw transactions: the summary (R/F/M/T) and the month matrix.

Two tables, both vectorised (integer codes, ``numpy.bincount``, one sort) and never looping
over customers in Python:

* :func:`customer_summary` -- one row per customer (lifetimes' R/F/M/T and revenues), for
  RFM and CLV; read from the per-customer-day table
  (:mod:`retention_lib.analysis.customer_days`) when it is at hand.
* :func:`monthly_revenue` -- the customer × month revenue matrix (XYZ classes).

Definitions
-----------
Only transactions dated on or before the report date ``as_of`` count. Amounts are net:
refunds (negative amounts) are added to the purchases, never dropped. A **purchase day** is a
customer's calendar day whose net amount is positive (DESIGN.md: a day whose net amount is
not positive is not a purchase; issue 18, point 7): a refund-only day, or a day whose
purchase was cancelled the same day, is not a purchase anywhere -- not in the day table's
``purchase`` flag (the lapse rules, cohorts, cycles), not in :func:`customer_summary`'s
frequency, recency, T and monetary value (the CLV inputs), not in RFM.  Purchase days are
grouped into *periods* of ``freq`` (``"D"``: calendar days; ``"W"``: calendar weeks Monday to
Sunday, pandas' ``W-SUN``), and their net amounts within one period are summed.  A customer
without any purchase day (refunds only) has no row in :func:`customer_summary`; the number
left out is in ``attrs["no_purchase"]``.  ``customer_summary(..., purchases_only=False)``
keeps ``lifetimes``' behaviour instead: a period counts when it holds any transaction row
(a refund-only day counts as a period; a customer who bought and returned everything on the
next day has frequency 1 and a negative monetary value).

* **frequency**: number of *repeat* periods = distinct periods with a transaction − 1.
* **recency**: age of the customer at the last period = last period − first period, in
  ``freq`` units (days or weeks).
* **T**: age of the customer at the report date = period of ``as_of`` − first period.
* **monetary_value**: mean net amount per repeat period (the first period excluded),
  0 when frequency is 0.
* **revenue_total**: net amount of all transactions up to ``as_of``;
  **revenue_window**: net amount in the ``window_days`` up to and including ``as_of``,
  i.e. dates in ``(as_of − window_days, as_of]``.

With ``purchases_only=False``, frequency, recency, T and monetary_value are exactly those of
``lifetimes.utils.summary_data_from_transaction_data(..., freq=freq,
observation_period_end=as_of)`` (tested on CDNOW to 1e-9); on data without non-positive
days the two options agree.  Either way the output feeds the
``lifetimes`` fitters directly. One deliberate difference: rows dated after ``as_of`` are
always dropped, whereas ``lifetimes`` keeps rows later in the same period as ``as_of`` (it
compares period starts).

The per-customer-day table ignores the time of day; the loader gives dates at midnight,
and :func:`customer_summary` reads the table only when every date is at midnight (else the
rows, so a row later on ``as_of``'s day than ``as_of`` stays out).  Sums per day are added
before the sums per customer, so revenues equal the row-by-row sums to about 1e-15 relative,
not bit for bit.

Scale
-----
:func:`customer_summary` and :func:`monthly_revenue` also accept an Ibis table instead of a
DataFrame (DuckDB over Parquet/CSV files, PySpark, a warehouse): the aggregation then runs
in that backend through :mod:`retention_lib.analysis.engine` (same definitions, same output
frame), and only the result is loaded into pandas.  ``engine.summarize_files`` /
``engine.read_transactions`` build such a table over big files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._frames import (
    REQUIRED_COLUMNS,
    SUPPORTED_FREQS,
    WEEK_SHIFT,
    as_timestamp,
    check_columns,
    contract_rows_until,
    dates_from_days,
    day_number,
    day_numbers,
    is_ibis_table,
    run_ends,
    string_index,
)
from .customer_days import customer_codes, known_days_until
from .engine import monthly_matrix, monthly_revenue_table, summarize_table

__all__ = ["customer_summary", "monthly_revenue"]


def customer_summary(
    transactions: pd.DataFrame,
    *,
    as_of: object,
    freq: str = "D",
    window_days: int = 365,
    purchases_only: bool = True,
) -> pd.DataFrame:
    """Aggregate transactions to one row per customer (lifetimes-compatible RFM summary).

    Parameters
    ----------
    transactions
        One row per transaction: ``customer_id`` (string), ``date`` (datetime64, tz-naive),
        ``amount`` (float64, negative = refund). Other columns are ignored.  Or an Ibis
        table with these columns: computed by its backend
        (:mod:`retention_lib.analysis.engine`).
    as_of
        Report date; rows dated after it are left out.
    freq
        Period length for frequency/recency/T: ``"D"`` (days) or ``"W"`` (weeks Mon–Sun).
    window_days
        Length of the trailing window for ``revenue_window``.
    purchases_only
        ``True`` (default): only purchase days (net amount > 0) make periods; customers
        without one are left out (counted in ``attrs["no_purchase"]``).  ``False``:
        ``lifetimes``' behaviour, every day with a transaction row makes a period.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string dtype, sorted), one row per customer with at least one
        purchase day (with ``purchases_only=False``: transaction) on or before ``as_of``.
        Columns:

        ============== ============== ===============================================
        first_purchase datetime64[ns] the first purchase day (or transaction day)
        last_purchase  datetime64[ns] the last purchase day (or transaction day)
        n_transactions int64          number of transaction rows (refunds included)
        frequency      float64        repeat periods (distinct periods − 1)
        recency        float64        last period − first period, in ``freq`` units
        T              float64        period of ``as_of`` − first period
        monetary_value float64        mean net amount per repeat period (0 if none)
        revenue_total  float64        net amount up to ``as_of`` (refunds included)
        revenue_window float64        net amount in ``(as_of − window_days, as_of]``
        ============== ============== ===============================================

        ``attrs`` holds ``as_of``, ``freq``, ``window_days``, ``purchases_only`` and
        ``no_purchase`` (int: customers left out for having no purchase day).

    Raises
    ------
    KeyError
        A required column is missing.
    ValueError
        ``freq`` is not one of :data:`~retention_lib.analysis._frames.SUPPORTED_FREQS`, or
        ``as_of`` is not a date.
    """
    if is_ibis_table(transactions):
        return summarize_table(transactions, as_of=as_of, freq=freq, window_days=window_days,
                               purchases_only=purchases_only)
    check_columns(transactions)
    if freq not in SUPPORTED_FREQS:
        raise ValueError(f"freq={freq!r} is not supported; choose one of {list(SUPPORTED_FREQS)}")
    as_of = as_timestamp(as_of, "as_of")
    window_start = as_of - pd.Timedelta(days=window_days)
    days = _known_sorted_days(transactions, as_of, window_start)
    if days is None:
        days = _sorted_rows(transactions, as_of, window_start)
    no_purchase = 0
    if purchases_only:
        days, no_purchase = _purchase_days_only(days)
    out = _period_figures(days, freq=freq, as_of_day=np.int64(day_number(as_of)))
    out.attrs = {"as_of": as_of, "freq": freq, "window_days": window_days,
                 "purchases_only": bool(purchases_only), "no_purchase": int(no_purchase)}
    return out


@dataclass(frozen=True)
class _SortedDays:
    """Rows (or per-customer days) up to ``as_of`` sorted by (customer, day), with the
    per-customer totals :func:`customer_summary` reports."""

    index: pd.Index  # the customer ids (string_index), in code order
    cust: np.ndarray  # customer code per entry, ascending
    day: np.ndarray  # day number per entry, ascending within a customer
    amount: np.ndarray  # net amount per entry
    n_rows: np.ndarray  # per customer: transaction rows
    revenue_total: np.ndarray  # per customer: net amount up to as_of
    revenue_window: np.ndarray  # per customer: net amount in (window_start, as_of]


def _known_sorted_days(transactions: pd.DataFrame, as_of: pd.Timestamp,
                       window_start: pd.Timestamp) -> _SortedDays | None:
    """The per-customer-day table up to ``as_of`` when it is at hand, else ``None``.

    Already sorted by (customer, day): its days are the rows' days, with the day's net
    amount (the sums differ from adding the rows one by one in the last bits only)."""
    view = known_days_until(transactions, as_of)
    if view is None:
        return None
    uniques, cust_s, day_s, amount_s, rows_s = view
    n_cust = len(uniques)
    n_rows = np.bincount(cust_s, weights=rows_s, minlength=n_cust).astype(np.int64)
    revenue_total = np.bincount(cust_s, weights=amount_s, minlength=n_cust)
    in_window = day_s > day_number(window_start)
    revenue_window = np.bincount(cust_s[in_window], weights=amount_s[in_window],
                                 minlength=n_cust)
    return _SortedDays(string_index(uniques), cust_s, day_s, amount_s, n_rows,
                       revenue_total, revenue_window)


def _sorted_rows(transactions: pd.DataFrame, as_of: pd.Timestamp,
                 window_start: pd.Timestamp) -> _SortedDays:
    """The rows up to ``as_of`` sorted by (customer, day).

    One sort of the rows by (customer, day) serves everything: day order is also period
    order, so each customer's periods are contiguous runs of the sorted rows."""
    keep = (transactions["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
    tx = contract_rows_until(transactions, as_of, keep)
    codes, uniques = customer_codes(transactions, keep, tx)
    n_cust = len(uniques)
    amount = tx["amount"].to_numpy(dtype=np.float64)
    day = day_numbers(tx["date"])
    n_rows = np.bincount(codes, minlength=n_cust)
    d_min = int(day.min()) if len(day) else 0
    d_span = (int(day.max()) - d_min + 1) if len(day) else 1
    order = np.argsort(codes.astype(np.int64) * d_span + (day - d_min))
    in_window = (tx["date"] > window_start).to_numpy(dtype=bool)
    revenue_total = np.bincount(codes, weights=amount, minlength=n_cust)
    revenue_window = np.bincount(codes[in_window], weights=amount[in_window],
                                 minlength=n_cust)
    return _SortedDays(string_index(uniques), codes[order], day[order], amount[order],
                       n_rows, revenue_total, revenue_window)


def _purchase_days_only(days: _SortedDays) -> tuple[_SortedDays, int]:
    """``days`` reduced to the purchase days, and the customers without one left out:
    ``(those days, the number left out)``."""
    n_cust = len(days.index)
    cust_s, day_s, amount_s = _purchase_days(days.cust, days.day, days.amount)
    present = np.unique(cust_s)  # customers with a purchase day, ascending codes
    no_purchase = n_cust - len(present)
    if not no_purchase:
        return _SortedDays(days.index, cust_s, day_s, amount_s, days.n_rows,
                           days.revenue_total, days.revenue_window), 0
    remap = np.full(n_cust, -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    return _SortedDays(days.index[present], remap[cust_s], day_s, amount_s,
                       days.n_rows[present], days.revenue_total[present],
                       days.revenue_window[present]), no_purchase


def _period_figures(days: _SortedDays, *, freq: str, as_of_day: np.int64) -> pd.DataFrame:
    """The summary's columns (without ``attrs``) from the sorted days: the days grouped into
    periods of ``freq``, and per customer its first and last period and repeat revenue."""
    cust_s, day_s, amount_s = days.cust, days.day, days.amount
    n_cust = len(days.index)
    if freq == "D":
        period_s, as_of_period = day_s, as_of_day
    else:  # "W": Monday-to-Sunday weeks, as pandas' W-SUN periods used by lifetimes
        period_s = (day_s + WEEK_SHIFT) // 7
        as_of_period = (as_of_day + WEEK_SHIFT) // 7

    new_cust = np.ones(len(cust_s), dtype=bool)
    new_cust[1:] = cust_s[1:] != cust_s[:-1]
    cust_starts = np.flatnonzero(new_cust)
    cust_ends = run_ends(cust_starts, len(cust_s))
    first_day = day_s[cust_starts]
    last_day = day_s[cust_ends]

    new_period = new_cust.copy()
    new_period[1:] |= period_s[1:] != period_s[:-1]
    pair_id = np.cumsum(new_period) - 1
    psum = np.bincount(pair_id, weights=amount_s) if len(pair_id) else np.zeros(0)
    pcust = cust_s[new_period]
    pper = period_s[new_period]
    is_first = new_cust[new_period]
    starts = np.flatnonzero(is_first)
    ends = run_ends(starts, len(pcust))
    n_periods = ends - starts + 1
    first_period = pper[starts]
    last_period = pper[ends]
    repeat_sum = np.bincount(pcust[~is_first], weights=psum[~is_first], minlength=n_cust)

    frequency = (n_periods - 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_sum / np.maximum(frequency, 1), 0.0)

    return pd.DataFrame(
        {
            "first_purchase": dates_from_days(first_day),
            "last_purchase": dates_from_days(last_day),
            "n_transactions": days.n_rows.astype(np.int64),
            "frequency": frequency,
            "recency": (last_period - first_period).astype(np.float64),
            "T": (as_of_period - first_period).astype(np.float64),
            "monetary_value": monetary.astype(np.float64),
            "revenue_total": days.revenue_total.astype(np.float64),
            "revenue_window": days.revenue_window.astype(np.float64),
        },
        index=days.index,
    )


def _purchase_days(
    cust: np.ndarray, day: np.ndarray, amount: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The purchase days of rows (or days) sorted by (customer, day): one entry per
    (customer, day) whose net amount is positive, with that net amount."""
    if len(cust) == 0:
        return cust, day, amount
    new = np.r_[True, (cust[1:] != cust[:-1]) | (day[1:] != day[:-1])]
    net = np.bincount(np.cumsum(new) - 1, weights=amount)
    keep = net > 0
    return cust[new][keep], day[new][keep], net[keep]


def monthly_revenue(
    transactions: pd.DataFrame,
    *,
    as_of: object | None = None,
    start: object | None = None,
) -> pd.DataFrame:
    """Customer × calendar-month matrix of net revenue.

    Parameters
    ----------
    transactions
        ``customer_id`` (string), ``date`` (datetime64), ``amount`` (float64); or an Ibis
        table with these columns (computed by its backend,
        :mod:`retention_lib.analysis.engine`).
    as_of
        Last date included (default: the latest transaction date). The last column is the
        month of ``as_of`` (possibly incomplete).
    start
        First date included (default: the earliest transaction date). The first column is
        the month of ``start``; rows dated before ``start`` are left out.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string dtype, sorted): customers with at least one
        transaction in ``[start, as_of]``. Columns: a monthly ``PeriodIndex`` named
        ``month`` covering every month from ``start`` to ``as_of`` (no gaps). Values:
        float64 net revenue, 0.0 for months without transactions.
    """
    if is_ibis_table(transactions):
        long = monthly_revenue_table(transactions, as_of=as_of, start=start)
        return monthly_matrix(long, as_of=as_of, start=start)
    check_columns(transactions)
    tx = transactions.loc[:, list(REQUIRED_COLUMNS)]
    if as_of is not None:
        tx = contract_rows_until(tx, as_timestamp(as_of, "as_of"))
    if start is not None:
        start_ts = as_timestamp(start, "start")
        tx = tx.loc[(tx["date"] >= start_ts).to_numpy(dtype=bool, na_value=False)]
    months = tx["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    first_m = (
        int(pd.Timestamp(start).to_numpy().astype("datetime64[M]").astype(np.int64))
        if start is not None
        else (int(months.min()) if len(months) else None)
    )
    last_m = (
        int(pd.Timestamp(as_of).to_numpy().astype("datetime64[M]").astype(np.int64))
        if as_of is not None
        else (int(months.max()) if len(months) else None)
    )
    if first_m is None or last_m is None:
        columns = pd.PeriodIndex([], freq="M", name="month")
        empty_index = pd.Index(pd.array([], dtype="string"), name="customer_id")
        return pd.DataFrame(index=empty_index, columns=columns, dtype=np.float64)
    n_months = max(last_m - first_m + 1, 0)
    codes, uniques = pd.factorize(tx["customer_id"], sort=True)
    flat = codes.astype(np.int64) * n_months + (months - first_m)
    values = np.bincount(
        flat, weights=tx["amount"].to_numpy(dtype=np.float64), minlength=len(uniques) * n_months
    ).reshape(len(uniques), n_months)
    columns = pd.period_range(
        pd.Period(np.datetime64(first_m, "M"), freq="M"), periods=n_months, freq="M", name="month"
    )
    index = string_index(uniques)
    return pd.DataFrame(values, index=index, columns=columns)
