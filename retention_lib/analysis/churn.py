"""Churn: who is active, who is lost, churn rates, the trailing series, and win-backs.

The definitions are those of ``docs/ARCHITECTURE.md`` ("Churn definitions (used everywhere)"),
quoted here because every function of this module implements exactly them:

* A customer is **active at date d** when their last purchase on or before d is within
  ``lapse_days`` (default 365): ``d - lapse_days < last_purchase <= d``, and no explicit
  ``customers.churned_on <= d``.
* The customer becomes **lost on** ``lost_on = last_purchase + lapse_days`` (or ``churned_on``
  when given, which overrides).
* **Churn rate over a window (S, E]** (default: the 12 months ending at the report month end):
  ``lost / active_at_S``, where ``lost`` = customers active at S whose ``lost_on`` (computed
  from purchases up to E) falls in (S, E].
* **Revenue churn** over (S, E]: the lost customers' revenue in the ``lapse_days`` up to S
  divided by the revenue of all customers active at S over the same days.
* **Trailing-12-month series**: ``churn_rate`` for each month end M with S = M - 12 months.
* **Lost revenue** of a lost customer (for reasons, win-back): their revenue in the 365 days
  up to their last purchase.
* **Won back in (S, E]**: a purchase in (S, E] that comes after a gap of more than
  ``lapse_days`` since the customer's previous purchase (or after their ``churned_on``).
* ``churn_status(rate)``: ``rate <= 0.10`` normal, ``0.10 < rate < 0.20`` warning,
  ``rate >= 0.20`` critical, NaN -> ``"unknown"``.

Precisions this module adds (they follow from the rules above):

* A **purchase** is a transaction row with ``amount > 0``.  Refunds and cancellations
  (negative amounts) never make a customer active, but they are netted into every revenue
  figure (revenue = sum of all amounts, positive and negative).
* Dates are compared as calendar days (the data contract's dates are midnight); a time of day
  in an argument is ignored (floored to the day).
* ``lost_on`` is ``min(last_purchase + lapse_days, churned_on)``.  This is the only reading of
  "churned_on overrides" that agrees with the active rule (a customer is active at d exactly
  when ``last_purchase <= d < lost_on``): an explicit date earlier than the inferred one
  overrides it, while a ``churned_on`` later than the inferred date cannot keep alive a
  customer whom the active rule already calls lost.  A ``churned_on`` is final: purchases
  after it do not make the customer active again (they are counted by :func:`won_back`).
* The universe is the customers with at least one purchase (on or before the date in
  question).  Customers in ``customers`` who never bought are prospects, not churn candidates;
  customers in ``transactions`` missing from ``customers`` are kept (group ``"unassigned"``).
* Because ``lost_on`` is computed from purchases up to E, a customer who lapses inside the
  window and buys again before E is not counted as lost in (S, E] (they are a win-back).
* Window defaults: when ``end`` is the last day of a month, the default ``start`` is the last
  day of the month 12 months earlier (2025-02-28 -> 2024-02-29); otherwise
  ``end - 12 months``.

Implementation: one sorted array of (customer, day) keys per table, read from the
per-customer-day table (:func:`retention_lib.analysis.summary.customer_days`), never from the raw
rows; "last purchase on or before d" and "revenue in (a, b]" for every customer are a
``numpy.searchsorted`` each, so a 24-month series costs 48 binary searches over the
customers, not 24 passes over the data.  Building that history from the day table is the
one pass; callers asking several questions of the same frames wrap them in
:func:`shared_history` so it is built once.  Customer ids
are looked up in pyarrow when they are pyarrow strings (never as Python objects).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS
from ._churn_history import (
    HISTORIES,
    as_date,
    churn_window,
    day_number,
    days_to_datetime,
    grouped_history,
    history,
    is_month_end,
    rate_counts,
    return_events,
)

__all__ = [
    "RATE_COLUMNS",
    "churn_rate",
    "churn_series",
    "churn_status",
    "customer_status",
    "lost_customers",
    "shared_history",
    "won_back",
    "won_back_by_month",
]

#: Columns of :func:`churn_rate` (and, after ``partial_history``, of :func:`churn_series`).
RATE_COLUMNS = (
    "start",
    "end",
    "active_start",
    "lost",
    "customer_churn",
    "revenue_start",
    "revenue_lost",
    "revenue_churn",
    "status",
    "revenue_status",
)

_TOLERANCE = 1e-12


def _rate_frame(
    counts: dict[str, np.ndarray],
    starts: np.ndarray,
    ends: np.ndarray,
    *,
    normal_max: float,
    critical_min: float,
) -> pd.DataFrame:
    """The :data:`RATE_COLUMNS` frame (RangeIndex) from stacked counts."""
    active = counts["active_start"].round().astype(np.int64)
    lost = counts["lost"].round().astype(np.int64)
    rev_start = counts["revenue_start"].astype(np.float64)
    rev_lost = counts["revenue_lost"].astype(np.float64)
    customer_churn = np.full(len(active), np.nan)
    np.divide(lost, active, out=customer_churn, where=active > 0)
    revenue_churn = np.full(len(active), np.nan)
    np.divide(rev_lost, rev_start, out=revenue_churn, where=rev_start > 0)

    def status(rates: np.ndarray) -> np.ndarray:
        return np.array(
            [churn_status(r, normal_max=normal_max, critical_min=critical_min) for r in rates],
            dtype=object,
        )

    out = pd.DataFrame(
        {
            "start": starts.astype("datetime64[ns]"),
            "end": ends.astype("datetime64[ns]"),
            "active_start": active,
            "lost": lost,
            "customer_churn": customer_churn,
            "revenue_start": rev_start,
            "revenue_lost": rev_lost,
            "revenue_churn": revenue_churn,
            "status": status(customer_churn),
            "revenue_status": status(revenue_churn),
        }
    )
    out["status"] = out["status"].astype(str)
    out["revenue_status"] = out["revenue_status"].astype(str)
    return out


# ----------------------------------------------------------------------------- public API


@contextmanager
def shared_history() -> Iterator[None]:
    """Within the block, churn functions given the *same* frame objects share their set-up.

    Every public function of this module starts from the transactions' per-customer-day
    history (:class:`History`: the day table, then running sums per customer).  A caller that asks
    several questions of the same ``transactions`` (and ``customers``) objects, like
    :func:`retention_lib.pages.monthly.build_monthly`, wraps the calls in ``with
    shared_history():`` so the set-up is done once; results are identical.  Objects are
    matched by identity, so the frames must not be modified inside the block.  Blocks nest
    (the outermost one owns the memo); outside any block nothing is kept.

    Examples
    --------
    >>> with shared_history():  # doctest: +SKIP
    ...     rate = churn_rate(tx, end="2026-10-31")
    ...     series = churn_series(tx, end="2026-10-31")
    """
    with HISTORIES.block():
        yield



def churn_status(
    rate: float | None,
    *,
    normal_max: float = DEFAULT_SETTINGS.churn_normal_max,
    critical_min: float = DEFAULT_SETTINGS.churn_critical_min,
) -> str:
    """Classify a churn rate (DESIGN.md rule 5).

    ``rate <= normal_max`` -> ``"normal"``; ``normal_max < rate < critical_min`` ->
    ``"warning"``; ``rate >= critical_min`` -> ``"critical"``; NaN/None/NA -> ``"unknown"``.
    The comparisons allow an absolute tolerance of 1e-12, so a rate computed as
    ``0.1 + 0.2 - 0.2`` (0.10000000000000003) is still normal, while 0.1000001 is a warning.

    Parameters
    ----------
    rate
        A share between 0 and 1 (customer or revenue churn).
    normal_max, critical_min
        Thresholds; defaults from ``DEFAULT_SETTINGS``.

    Returns
    -------
    str
        One of ``"normal"``, ``"warning"``, ``"critical"``, ``"unknown"``.
    """
    if rate is None or rate is pd.NA:
        return "unknown"
    value = float(rate)
    if math.isnan(value):
        return "unknown"
    if value <= normal_max + _TOLERANCE:
        return "normal"
    if value >= critical_min - _TOLERANCE:
        return "critical"
    return "warning"


def customer_status(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Active/lost status of every customer who bought on or before ``as_of``.

    Parameters
    ----------
    transactions
        ``customer_id`` (string), ``date`` (datetime64), ``amount`` (float64; negative =
        refund). Rows after ``as_of`` are ignored.
    as_of
        The date the status refers to.
    lapse_days
        Inactivity after which a customer is lost.
    customers
        Optional; its ``churned_on`` column (datetime64, NaT = none) overrides the lapse rule.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string, sorted), one row per customer with a purchase
        (``amount > 0``) on or before ``as_of``. Columns: ``first_purchase``,
        ``last_purchase`` (datetime64[ns], purchases on or before ``as_of``), ``lost_on``
        (datetime64[ns]; NaT while active), ``status`` (``"active"``/``"lost"``),
        ``churned_explicitly`` (bool: ``churned_on <= as_of``).
    """
    hist = history(transactions, customers)
    day = day_number(as_date(as_of, "as_of"))
    last = hist.last_purchase(day)
    lost_on = hist.lost_on(last, lapse_days)
    keep = last >= 0
    is_lost = lost_on[keep] <= day
    first = hist.first_purchase()[keep]
    out = pd.DataFrame(
        {
            "first_purchase": days_to_datetime(first),
            "last_purchase": days_to_datetime(last[keep]),
            "lost_on": days_to_datetime(np.where(is_lost, lost_on[keep], 0), is_lost),
            "status": np.where(is_lost, "lost", "active"),
            "churned_explicitly": hist.churned[keep] <= day,
        },
        index=hist.ids[keep],
    )
    out["status"] = out["status"].astype(str)
    return out


def churn_rate(
    transactions: pd.DataFrame,
    *,
    start: Any = None,
    end: Any,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    customers: pd.DataFrame | None = None,
    by: str | pd.Series | None = None,
    total: bool = True,
    normal_max: float = DEFAULT_SETTINGS.churn_normal_max,
    critical_min: float = DEFAULT_SETTINGS.churn_critical_min,
) -> pd.DataFrame:
    """Customer and revenue churn over the window (start, end].

    Parameters
    ----------
    transactions
        ``customer_id``, ``date``, ``amount`` (see :func:`customer_status`).
    start, end
        The window (start, end]; ``start`` defaults to 12 months before ``end`` (month end to
        month end when ``end`` is a month end).
    lapse_days
        Inactivity after which a customer is lost.
    customers
        Optional: ``churned_on`` overrides the lapse rule; columns named by ``by``.
    by
        ``None``: one row, index ``"all"``. A column name of ``customers`` (``"manager"``,
        ``"segment"``, ...) or a Series indexed by ``customer_id`` (e.g. the tier column of
        ``value_tiers``): one row per group. Customers without a group (missing from
        ``customers``/the Series, or NaN) form the group ``"unassigned"``, never dropped.
        Groups are ordered by the categories of a categorical Series, else alphabetically,
        ``"unassigned"`` last. Every group with at least one customer who ever bought appears,
        even with no one active at ``start`` (then its rates are NaN, status ``"unknown"``).
    total
        With ``by``: append a last row ``"all"`` for the whole base (default True), so a
        group can be compared with the company. Counts of the group rows add up to it.
    normal_max, critical_min
        Thresholds of :func:`churn_status`.

    Returns
    -------
    pandas.DataFrame
        Index ``group`` (object). Columns: ``start``, ``end`` (datetime64[ns]),
        ``active_start`` (int64: active at ``start``), ``lost`` (int64: of those, lost in
        (start, end]), ``customer_churn`` (float64: lost / active_start, NaN when 0 active),
        ``revenue_start`` (float64: net revenue of the active customers in the ``lapse_days``
        up to ``start``), ``revenue_lost`` (the same for the lost ones), ``revenue_churn``
        (float64: revenue_lost / revenue_start, NaN when revenue_start <= 0), ``status`` and
        ``revenue_status`` (:func:`churn_status` of the two rates).
    """
    s, e = churn_window(start, end)
    hist, codes, labels, total, index = grouped_history(transactions, customers, by, total)
    counts = rate_counts(
        hist, s, e, lapse_days=lapse_days, codes=codes, n_groups=len(labels), total=total
    )
    n = len(index)
    out = _rate_frame(
        counts,
        np.repeat(np.datetime64(s.to_datetime64(), "ns"), n),
        np.repeat(np.datetime64(e.to_datetime64(), "ns"), n),
        normal_max=normal_max,
        critical_min=critical_min,
    )
    out.index = pd.Index(index, name="group", dtype=object)
    return out


def _month_ends(end: pd.Timestamp, months: int) -> pd.PeriodIndex:
    last = end.to_period("M")
    if not is_month_end(end):
        last -= 1
    return pd.period_range(end=last, periods=months, freq="M", name="month")


def churn_series(
    transactions: pd.DataFrame,
    *,
    end: Any,
    months: int = 24,
    window_months: int = 12,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    customers: pd.DataFrame | None = None,
    by: str | pd.Series | None = None,
    total: bool = True,
    normal_max: float = DEFAULT_SETTINGS.churn_normal_max,
    critical_min: float = DEFAULT_SETTINGS.churn_critical_min,
) -> pd.DataFrame:
    """Trailing churn month by month: :func:`churn_rate` for (M - window_months, M].

    Parameters
    ----------
    transactions, lapse_days, customers, by, total, normal_max, critical_min
        As in :func:`churn_rate`.
    end
        The last month of the series is the month of ``end`` when ``end`` is the last day
        of its month, else the month before (only complete months).
    months
        Number of month ends in the series.
    window_months
        Length of each window; S is the last day of the month ``window_months`` earlier.

    Returns
    -------
    pandas.DataFrame
        Without ``by``: index ``month`` (``PeriodIndex``, freq ``M``; the window ends on the
        last day of that month), one row per month, oldest first. With ``by``: a
        ``MultiIndex`` (``month``, ``group``). Columns: those of :func:`churn_rate` plus
        ``partial_history`` (bool): the window start is less than ``lapse_days`` after the
        first transaction in the data, so "active at S" is computed on a truncated
        history (the rates are computed on what is observed; charts should mark them).
    """
    if months < 1 or window_months < 1:
        raise ValueError(f"months and window_months must be >= 1, got {months}, {window_months}")
    e = as_date(end, "end")
    hist, codes, labels, total, index = grouped_history(transactions, customers, by, total)
    periods = _month_ends(e, months)
    parts: dict[str, list[np.ndarray]] = {}
    starts, ends, partial = [], [], []
    for period in periods:
        m_end = period.to_timestamp(how="end").normalize()
        s = (period - window_months).to_timestamp(how="end").normalize()
        counts = rate_counts(
            hist, s, m_end, lapse_days=lapse_days, codes=codes, n_groups=len(labels),
            total=total,
        )
        for name, values in counts.items():
            parts.setdefault(name, []).append(values)
        starts.append(np.datetime64(s.to_datetime64(), "ns"))
        ends.append(np.datetime64(m_end.to_datetime64(), "ns"))
        partial.append(day_number(s) - hist.first_day < lapse_days)
    k = len(index)
    out = _rate_frame(
        {name: np.concatenate(v) for name, v in parts.items()},
        np.repeat(np.array(starts), k),
        np.repeat(np.array(ends), k),
        normal_max=normal_max,
        critical_min=critical_min,
    )
    out["partial_history"] = np.repeat(np.array(partial, dtype=bool), k)
    if by is None:
        out.index = periods
        return out
    out.index = pd.MultiIndex.from_arrays(
        [periods.repeat(k), pd.Index(index * len(periods), dtype=object)],
        names=["month", "group"],
    )
    return out


def lost_customers(
    transactions: pd.DataFrame,
    *,
    start: Any = None,
    end: Any,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    customers: pd.DataFrame | None = None,
    revenue_days: int = 365,
) -> pd.DataFrame:
    """The customers lost in (start, end]: the numerator of :func:`churn_rate`.

    A customer is listed when active at ``start`` and their ``lost_on`` (from purchases up
    to ``end``) falls in (start, end].

    Parameters
    ----------
    transactions, start, end, lapse_days, customers
        As in :func:`churn_rate`.
    revenue_days
        Length of the "lost revenue" window before the last purchase (ARCHITECTURE.md: 365).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string, sorted). Columns: ``last_purchase``, ``lost_on``
        (datetime64[ns]), ``lost_revenue`` (float64: net revenue in the ``revenue_days`` up to
        and including the last purchase), ``lifetime_revenue`` (float64: net revenue of all
        transactions up to ``end``), ``churned_explicitly`` (bool: lost through
        ``churned_on``, i.e. ``churned_on`` is earlier than last purchase + lapse_days).
    """
    s, e = churn_window(start, end)
    hist = history(transactions, customers)
    s_day, e_day = day_number(s), day_number(e)
    idx = np.flatnonzero(hist.active(s_day, lapse_days) & ~hist.active(e_day, lapse_days))
    last_e = hist.last_purchase(e_day, codes=idx)
    lost_on = hist.lost_on(last_e, lapse_days, codes=idx)
    return pd.DataFrame(
        {
            "last_purchase": days_to_datetime(last_e),
            "lost_on": days_to_datetime(lost_on),
            "lost_revenue": hist.revenue(last_e - revenue_days, last_e, codes=idx),
            "lifetime_revenue": hist.revenue(hist.base, e_day, codes=idx),
            "churned_explicitly": hist.churned[idx] < last_e + lapse_days,
        },
        index=hist.ids[idx],
    )


def won_back(
    transactions: pd.DataFrame,
    *,
    start: Any = None,
    end: Any,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Customers won back in (start, end].

    A return is a purchase in (start, end] that follows the customer's previous purchase by
    more than ``lapse_days`` days, or the first purchase after their ``churned_on``. A
    first-ever purchase is a new customer, not a return. When a customer returned more than
    once in the window, the first return is reported.

    Parameters
    ----------
    transactions, start, end, lapse_days, customers
        As in :func:`churn_rate`.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string, sorted). Columns: ``returned_on`` (datetime64[ns]),
        ``gap_days`` (int64: days since the previous purchase), ``revenue_since_return``
        (float64: net revenue from ``returned_on`` through ``end``, both included).
    """
    s, e = churn_window(start, end)
    hist, ev = return_events(transactions, lapse_days, customers)
    s_day, e_day = day_number(s), day_number(e)
    ev = ev[(ev["day"] > s_day) & (ev["day"] <= e_day)].drop_duplicates("code", keep="first")
    code = ev["code"].to_numpy()
    rev = hist.revenue(ev["day"].to_numpy() - 1, e_day, codes=code)
    return pd.DataFrame(
        {
            "returned_on": days_to_datetime(ev["day"].to_numpy()),
            "gap_days": (ev["day"] - ev["previous"]).to_numpy(np.int64),
            "revenue_since_return": rev,
        },
        index=hist.ids[code],
    )


def won_back_by_month(
    transactions: pd.DataFrame,
    *,
    end: Any,
    months: int = 24,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Won-back customers per calendar month (DESIGN.md rule 9: counted per period).

    Parameters
    ----------
    transactions, lapse_days, customers
        As in :func:`churn_rate`.
    end, months
        The ``months`` complete months up to ``end`` (as in :func:`churn_series`).

    Returns
    -------
    pandas.DataFrame
        Index ``month`` (``PeriodIndex``, freq ``M``; every month, zero when nobody returned).
        Columns: ``customers`` (int64: customers with a return in the month, each once),
        ``revenue`` (float64: their net revenue from the return day to the end of that month).
    """
    periods = _month_ends(as_date(end, "end"), months)
    hist, ev = return_events(transactions, lapse_days, customers)
    month = pd.PeriodIndex(days_to_datetime(ev["day"].to_numpy()), freq="M")
    ev = ev.assign(month=month)
    ev = ev[ev["month"].isin(periods)].drop_duplicates(["code", "month"], keep="first")
    if len(ev):
        m_end = pd.PeriodIndex(ev["month"]).to_timestamp(how="end").normalize()
        hi = m_end.to_numpy().astype("datetime64[D]").astype(np.int64)
        lo = ev["day"].to_numpy() - 1
        # revenue over (lo, hi] per event: two lookups of the running revenue per customer
        rel = np.clip(np.c_[lo, hi] - hist.base, 0, hist.width - 1)
        codes = ev["code"].to_numpy()
        count = np.searchsorted(hist.row_keys, codes[:, None] * hist.width + rel, "right")
        has = count > hist.block_start[codes][:, None]
        cum = np.where(has, hist.row_cum[np.clip(count - 1, 0, None)], 0.0)
        ev = ev.assign(revenue=cum[:, 1] - cum[:, 0])
    else:
        ev = ev.assign(revenue=np.zeros(0))
    grouped = ev.groupby("month", observed=True).agg(
        customers=("code", "size"), revenue=("revenue", "sum")
    )
    out = pd.DataFrame(index=periods)
    out["customers"] = grouped["customers"].reindex(periods, fill_value=0).astype(np.int64)
    out["revenue"] = grouped["revenue"].reindex(periods, fill_value=0.0).astype(np.float64)
    return out
