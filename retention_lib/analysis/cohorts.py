"""Acquisition-cohort retention and RFM segment migration.

* :func:`cohort_retention` — monthly acquisition cohorts × months since acquisition, the share
  of each cohort that bought in that month.
* :func:`cohort_sizes` — customers per acquisition cohort (the denominators).
* :func:`segment_migration` — how many customers moved from each RFM segment at the previous
  month end to each segment now.

Definitions
-----------
A **purchase** is a transaction with ``amount > 0`` (refunds and cancellations are not
purchases).  A customer's **acquisition month** is the calendar month of their first purchase.
Customers without any purchase up to ``as_of`` (only refunds) belong to no cohort.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS
from . import rfm
from ._frames import day_number
from .customer_days import customer_day_table, share_subset_codes

__all__ = [
    "NEW_CUSTOMER",
    "cohort_retention",
    "cohort_sizes",
    "cohort_retention_from_pairs",
    "cohort_sizes_from_pairs",
    "previous_month_end",
    "purchase_months",
    "rfm_segment_order",
    "segment_migration",
    "segment_migration_from_rfm",
]

#: Row label in :func:`segment_migration` for customers without a purchase at the previous
#: month end.
NEW_CUSTOMER = "(new since last month)"


def previous_month_end(as_of: pd.Timestamp | str) -> pd.Timestamp:
    """The last day of the calendar month before the month of ``as_of`` (midnight)."""
    ts = pd.Timestamp(as_of)
    return (ts.to_period("M") - 1).to_timestamp(how="start") + pd.offsets.MonthEnd(0)


def purchase_months(
    transactions: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (customer, purchase month) pairs of the purchases up to ``as_of``.

    Returns ``(first, offset)``, one entry per pair: the customer's acquisition month and
    the months since it. Months are numbered ``year * 12 + month - 1``. Customers are
    integer codes (never strings: an arrow string column turned into Python objects costs
    seconds at scale), and the arrays are sorted by customer, then month.
    """
    for col in ("customer_id", "date", "amount"):
        if col not in transactions.columns:
            raise KeyError(
                f"transactions has no column {col!r}; required: customer_id, date, amount"
            )
    # the purchase days of the per-customer-day table (retention_lib.analysis.customer_days,
    # shared with the churn history), sorted by customer, then day: months follow in order
    days = customer_day_table(transactions)
    keep = days.bought & (days.day <= day_number(as_of))
    code = days.code[keep]
    month = days.day[keep].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    month += 1970 * 12
    if len(month) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    new_pair = np.r_[True, (code[1:] != code[:-1]) | (month[1:] != month[:-1])]
    cust, month = code[new_pair], month[new_pair]  # distinct (customer, month), in order
    new_cust = np.r_[True, cust[1:] != cust[:-1]]
    first = month[new_cust][np.cumsum(new_cust) - 1]
    return first, month - first


def _cohort_range(as_of: pd.Timestamp, months: int) -> pd.PeriodIndex:
    if months < 1:
        raise ValueError(f"months must be >= 1, got {months}")
    end = as_of.to_period("M")
    return pd.period_range(end=end, periods=months, freq="M")


def _cohort_numbers(cohorts: pd.PeriodIndex) -> np.ndarray:
    """``year * 12 + month - 1`` of each cohort month."""
    return (cohorts.year * 12 + cohorts.month - 1).to_numpy(dtype=np.int64)


def _sizes(first: np.ndarray, offset: np.ndarray, cohorts: pd.PeriodIndex) -> np.ndarray:
    """Customers acquired in each cohort month (each customer has one offset-0 pair)."""
    acquired = first[offset == 0]
    numbers = _cohort_numbers(cohorts)
    pos = np.searchsorted(numbers, acquired)
    ok = (pos < len(numbers)) & (numbers[np.clip(pos, 0, len(numbers) - 1)] == acquired)
    return np.bincount(pos[ok], minlength=len(numbers)).astype(np.int64)


def cohort_sizes(
    transactions: pd.DataFrame, *, as_of: pd.Timestamp | str, months: int = 12
) -> pd.Series:
    """Customers acquired in each of the ``months`` calendar months ending with ``as_of``.

    Returns
    -------
    pandas.Series
        Index ``cohort`` (``datetime64[ns]``, first day of the acquisition month, oldest
        first, ``months`` rows), values ``int64`` customer counts (0 for a month without new
        customers).  Name ``customers``.
    """
    as_of = pd.Timestamp(as_of)
    return cohort_sizes_from_pairs(purchase_months(transactions, as_of), as_of=as_of, months=months)


def cohort_sizes_from_pairs(
    pairs: tuple[np.ndarray, np.ndarray], *, as_of: pd.Timestamp, months: int
) -> pd.Series:
    """:func:`cohort_sizes` from :func:`purchase_months` (shared with the retention)."""
    first, offset = pairs
    cohorts = _cohort_range(as_of, months)
    return pd.Series(
        _sizes(first, offset, cohorts),
        index=cohorts.to_timestamp(how="start").rename("cohort"),
        name="customers",
    )


def cohort_retention(
    transactions: pd.DataFrame, *, as_of: pd.Timestamp | str, months: int = 12
) -> pd.DataFrame:
    """Monthly acquisition-cohort retention matrix.

    Parameters
    ----------
    transactions
        Normalised transactions (``customer_id`` str, ``date`` datetime64, ``amount`` float).
        Rows after ``as_of`` are ignored; only purchases (``amount > 0``) count.
    as_of
        Report date; its calendar month is the last cohort and the last observed month.
    months
        Number of acquisition cohorts (calendar months ending with the ``as_of`` month).

    Returns
    -------
    pandas.DataFrame
        Index ``cohort`` (``datetime64[ns]``, first day of the acquisition month, oldest first,
        ``months`` rows); columns ``0 .. months - 1`` (``int``, months since acquisition);
        values ``float64``: the share of the cohort's customers with at least one purchase in
        that month (column 0 is 1.0 by construction).  Cells not yet observable at ``as_of``
        and rows of empty cohorts are NaN.
    """
    as_of = pd.Timestamp(as_of)
    pairs = purchase_months(transactions, as_of)
    return cohort_retention_from_pairs(pairs, as_of=as_of, months=months)


def cohort_retention_from_pairs(
    pairs: tuple[np.ndarray, np.ndarray], *, as_of: pd.Timestamp, months: int
) -> pd.DataFrame:
    """:func:`cohort_retention` from :func:`purchase_months` (shared with the sizes)."""
    first, offset = pairs
    cohorts = _cohort_range(as_of, months)
    sizes = _sizes(first, offset, cohorts)
    # customers with a purchase in (cohort, months since acquisition): one pair each
    row = first - _cohort_numbers(cohorts)[0]
    inside = (row >= 0) & (row < months) & (offset < months)
    counts = np.bincount(
        row[inside] * months + offset[inside], minlength=months * months
    ).reshape(months, months)
    end = as_of.to_period("M")
    ages = np.array([(end - c).n for c in cohorts])
    observable = np.arange(months)[None, :] <= ages[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts / sizes[:, None]
    values = np.where(observable & (sizes > 0)[:, None], share, np.nan)
    out = pd.DataFrame(
        values.astype("float64"),
        index=cohorts.to_timestamp(how="start").rename("cohort"),
        columns=pd.Index(range(months), name="months_since_acquisition"),
    )
    return out


def segment_migration(
    transactions: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
) -> pd.DataFrame:
    """RFM segment at the previous month end × RFM segment now, as customer counts.

    Both RFM tables are computed with :func:`retention_lib.analysis.rfm.rfm_table` from the
    transactions up to each date, so a customer's scores are relative to the customer base
    at that date.

    Parameters
    ----------
    transactions
        Normalised transactions.
    as_of
        Report date (normally a month end).  The comparison date is the last day of the
        previous calendar month (:func:`previous_month_end`).
    lapse_days
        Passed on to ``rfm_table`` when it accepts it.

    Returns
    -------
    pandas.DataFrame
        Index ``previous_segment`` (``str``: segment names, plus :data:`NEW_CUSTOMER` for
        customers without a purchase at the previous month end); columns ``segment`` (``str``:
        segment now); values ``int64`` customer counts.  Rows and columns are ordered by the
        segment order of ``rfm.RFM_SEGMENTS`` when available, and segments with no customer
        on either side are left out.
    """
    as_of = pd.Timestamp(as_of)
    now_tbl = _rfm(rfm, transactions, as_of, lapse_days)
    return segment_migration_from_rfm(now_tbl, transactions, as_of=as_of, lapse_days=lapse_days)


def segment_migration_from_rfm(
    now_tbl: pd.DataFrame, transactions: pd.DataFrame, *, as_of: pd.Timestamp, lapse_days: int
) -> pd.DataFrame:
    """:func:`segment_migration` given the RFM table now (a caller that has it already,
    :func:`retention_lib.pages.customer_base.build_customer_base`, saves computing it twice)."""
    prev = previous_month_end(as_of)
    keep = (transactions["date"] <= prev).to_numpy(dtype=bool, na_value=False)
    before = transactions.loc[keep]
    share_subset_codes(transactions, keep, before)  # inside shared_customer_codes: no new pass
    prev_tbl = _rfm(rfm, before, prev, lapse_days)
    now_seg = now_tbl["segment"].astype("str")
    prev_seg = prev_tbl["segment"].astype("str").reindex(now_seg.index).fillna(NEW_CUSTOMER)
    frame = pd.DataFrame({"previous_segment": prev_seg.to_numpy(), "segment": now_seg.to_numpy()})
    table = pd.crosstab(frame["previous_segment"], frame["segment"]).astype("int64")
    order = rfm_segment_order(rfm)
    rows = [s for s in order if s in table.index] + sorted(
        s for s in table.index if s not in order and s != NEW_CUSTOMER
    )
    if NEW_CUSTOMER in table.index:
        rows.append(NEW_CUSTOMER)
    cols = [s for s in order if s in table.columns] + sorted(
        s for s in table.columns if s not in order
    )
    table = table.reindex(index=rows, columns=cols, fill_value=0)
    table.index.name = "previous_segment"
    table.columns.name = "segment"
    return table


def _rfm(rfm_module, transactions: pd.DataFrame, as_of: pd.Timestamp, lapse_days: int):
    params = inspect.signature(rfm_module.rfm_table).parameters
    kw = {"as_of": as_of}
    if "lapse_days" in params:
        kw["lapse_days"] = lapse_days
    tbl = rfm_module.rfm_table(transactions, **kw)
    if "customer_id" in tbl.columns:
        tbl = tbl.set_index("customer_id")
    return tbl


def rfm_segment_order(rfm_module) -> list[str]:
    """The RFM segment names in ``rfm_module.RFM_SEGMENTS`` order (empty without it)."""
    segs = getattr(rfm_module, "RFM_SEGMENTS", None)
    if segs is None:
        return []
    if isinstance(segs, pd.DataFrame):
        if "priority" in segs.columns:
            segs = segs.sort_values("priority")
        return list(dict.fromkeys(str(s) for s in segs["segment"]))
    if isinstance(segs, dict):
        return [str(s) for s in segs]
    out = []
    for s in segs:
        name = getattr(s, "name", s)
        if isinstance(s, tuple | list):
            name = s[0]
        out.append(str(name))
    return out
