"""Value tiers (ABC with VIP) by revenue share, and XYZ classes by demand stability.

Definitions
-----------
**ABC / VIP.** Customers are ranked by net revenue in the trailing window
``(as_of − window_days, as_of]`` (default 365 days), highest first; equal revenues are
ordered by ``customer_id`` so the ranking is deterministic. ``revenue_share`` is a customer's
revenue divided by the total revenue of the customers with positive revenue, and
``cumulative_share`` the share held by the customer and everyone ranked above. A customer
is **A** when the share held by the customers ranked *above* them is below ``a_share``
(80 %): the customer who crosses the 80 % line is still A, and the first customer is always
A. **B** likewise up to ``b_share`` (95 %), **C** the rest. Customers with zero or negative
window revenue are always C (their ``cumulative_share`` is 1). Comparisons use a 1e-9
tolerance so that a customer whose predecessors hold exactly 80 % is B, not A by rounding.
**VIP** = the top ``vip_share`` (5 %) of the customers with positive revenue, rounded down
but at least one (none when ``vip_share`` is 0), taken from A in rank order; or, when
``vip_ids`` are given, exactly those customers (whatever their revenue).

**XYZ.** Over the last ``months`` (12) *complete* calendar months up to ``as_of`` (the month
of ``as_of`` counts only when ``as_of`` is its last day), the customer's monthly net
revenue, months without purchases counted as 0: ``cv`` = population standard deviation /
mean. **X**: ``cv <= x_max`` (0.5, stable), **Y**: ``cv <= y_max`` (1.0), **Z**: above, or
mean revenue zero or negative (``cv`` is then NaN).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS
from ._frames import (
    as_timestamp,
    check_columns,
    contract_rows_until,
    day_number,
    money_key,
    string_index,
)
from .customer_days import customer_codes, known_days_until
from .summary import monthly_revenue

__all__ = ["TIERS", "XYZ_CLASSES", "value_tiers", "value_tiers_aligned", "xyz_classes"]

#: Tier categories, in order (VIP < A < B < C).
TIERS = ("VIP", "A", "B", "C")
#: XYZ classes, in order.
XYZ_CLASSES = ("X", "Y", "Z")

_TOL = 1e-9


def _sorted_ids(ids: pd.Series) -> pd.Index:
    """Distinct ids, sorted, as a ``string``-dtype Index named ``customer_id``.

    pyarrow strings are deduplicated and sorted in pyarrow (same code-point order as
    Python's); other dtypes go through Python objects as before.
    """
    if isinstance(ids.dtype, pd.StringDtype) and ids.dtype.storage == "pyarrow":
        uniq = pd.Index(ids.unique()).sort_values()
        return pd.Index(uniq.astype("string"), name="customer_id")
    return pd.Index(
        pd.array(np.sort(np.asarray(ids.unique(), dtype=object)), dtype="string"),
        name="customer_id",
    )


def value_tiers(
    transactions: pd.DataFrame,
    *,
    as_of: object,
    window_days: int = DEFAULT_SETTINGS.tier_window_days,
    a_share: float = DEFAULT_SETTINGS.tier_a_share,
    b_share: float = DEFAULT_SETTINGS.tier_b_share,
    vip_share: float = DEFAULT_SETTINGS.vip_share,
    vip_ids: Iterable[str] = DEFAULT_SETTINGS.vip_ids,
    potential: pd.Series | None = None,
) -> pd.DataFrame:
    """ABC value tier with VIP per customer, by net revenue in a trailing window.

    Parameters
    ----------
    transactions
        ``customer_id`` (string), ``date`` (datetime64), ``amount`` (float64, negative =
        refund). Rows after ``as_of`` are left out.
    as_of
        Report date; the window is ``(as_of − window_days, as_of]``.
    window_days, a_share, b_share, vip_share, vip_ids
        See the module docstring; defaults from :data:`DEFAULT_SETTINGS`.
    potential
        Optional Series indexed by ``customer_id`` (e.g. predicted 12-month CLV), copied to
        the ``potential`` column; customers it lacks get NaN.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string), every customer with a transaction up to ``as_of``,
        ordered by ``rank``. Columns: ``revenue`` (float64, window net revenue),
        ``revenue_share`` (float64), ``cumulative_share`` (float64; both NaN when no customer
        has positive revenue), ``rank`` (int64, 1 = highest revenue), ``tier`` (ordered
        Categorical ``VIP < A < B < C``), ``potential`` (float64). ``attrs["vip_ids_not_found"]``
        lists the ``vip_ids`` without any transaction up to ``as_of``.
    """
    return value_tiers_aligned(transactions, as_of=as_of, window_days=window_days, a_share=a_share,
                               b_share=b_share, vip_share=vip_share, vip_ids=vip_ids,
                               potential=potential)[0]


def value_tiers_aligned(
    transactions: pd.DataFrame,
    *,
    as_of: object,
    window_days: int,
    a_share: float,
    b_share: float,
    vip_share: float,
    vip_ids: Iterable[str],
    potential: pd.Series | None,
) -> tuple[pd.DataFrame, np.ndarray, pd.Index]:
    """:func:`value_tiers`, its rank order and the sorted ids.

    Returns ``(tiers, order, sorted_ids)``: ``tiers`` is the output of :func:`value_tiers`,
    ``sorted_ids`` the customers in ``customer_id`` order (the index of
    :func:`retention_lib.analysis.summary.customer_summary` on the same rows) and ``order`` the
    positions in ``sorted_ids`` of ``tiers``' rows, so callers can align the tiers with a
    summary without a look-up of the string ids.
    """
    check_columns(transactions)
    if not 0 < a_share < b_share <= 1:
        raise ValueError(
            f"tier shares must satisfy 0 < a_share < b_share <= 1, got a_share={a_share}, "
            f"b_share={b_share}"
        )
    if not 0 <= vip_share <= 1:
        raise ValueError(f"vip_share must be between 0 and 1, got {vip_share}")
    revenue, uniques = _window_revenue(transactions, as_timestamp(as_of, "as_of"), window_days)
    sorted_ids = string_index(uniques)

    # Rank: revenue descending (equal to the cent: a tie), then customer_id ascending
    # (uniques are sorted: code order).
    order = np.lexsort((np.arange(len(uniques)), -money_key(revenue)))
    revenue = revenue[order]
    index = pd.Index(sorted_ids.take(order), name="customer_id")
    n_ids = len(index)
    positive = revenue > 0
    share, cumulative, tier = _abc_tiers(revenue, positive, a_share, b_share)
    is_vip, not_found = _vip_rows(index, positive, tier, vip_share, vip_ids)
    tier[is_vip] = "VIP"
    out = pd.DataFrame(
        {
            "revenue": revenue,
            "revenue_share": share,
            "cumulative_share": cumulative,
            "rank": np.arange(1, n_ids + 1, dtype=np.int64),
            "tier": pd.Categorical(tier, categories=list(TIERS), ordered=True),
            "potential": _potential_column(potential, index, sorted_ids, order),
        },
        index=index,
    )
    out.attrs["vip_ids_not_found"] = not_found
    return out, order, sorted_ids


def _window_revenue(
    transactions: pd.DataFrame, as_of_ts: pd.Timestamp, window_days: int
) -> tuple[np.ndarray, Any]:
    """Net revenue in ``(as_of - window_days, as_of]`` per customer code, and the sorted
    distinct ids of the transactions up to ``as_of`` (the codes' labels)."""
    window_start = as_of_ts - pd.Timedelta(days=window_days)
    view = known_days_until(transactions, as_of_ts)
    if view is not None:  # the per-customer-day table, when at hand (as customer_summary)
        uniques, code, day, net, _ = view
        in_window = day > day_number(window_start)
        revenue = np.bincount(code[in_window], weights=net[in_window], minlength=len(uniques))
    else:
        keep = (transactions["date"] <= as_of_ts).to_numpy(dtype=bool, na_value=False)
        tx = contract_rows_until(transactions, as_of_ts, keep)
        in_window = (tx["date"] > window_start).to_numpy(dtype=bool)
        codes, uniques = customer_codes(transactions, keep, tx)
        amount = tx["amount"].to_numpy(dtype=np.float64)
        revenue = np.bincount(codes[in_window], weights=amount[in_window],
                              minlength=len(uniques))
    return revenue, uniques


def _abc_tiers(
    revenue: np.ndarray, positive: np.ndarray, a_share: float, b_share: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Revenue share, cumulative share and the A/B/C tier of customers in rank order."""
    n_ids = len(revenue)
    total = revenue[positive].sum()
    if total > 0:
        share = revenue / total
        running = np.cumsum(np.where(positive, revenue, 0.0))
        cumulative = np.where(positive, np.minimum(running / total, 1.0), 1.0)
        before = (running - np.where(positive, revenue, 0.0)) / total
    else:
        share = np.full(n_ids, np.nan)
        cumulative = np.full(n_ids, np.nan)
        before = np.full(n_ids, np.inf)
    tier = np.where(
        positive & (before < a_share - _TOL),
        "A",
        np.where(positive & (before < b_share - _TOL), "B", "C"),
    ).astype(object)
    return share, cumulative, tier


def _vip_rows(
    index: pd.Index, positive: np.ndarray, tier: np.ndarray, vip_share: float,
    vip_ids: Iterable[str],
) -> tuple[np.ndarray, list[str]]:
    """Which customers (rank order) are VIP, and the ``vip_ids`` without a transaction."""
    vip_list = [str(v) for v in vip_ids]
    not_found: list[str] = []
    if vip_list:
        ids = np.asarray(index, dtype=object)
        is_vip = np.isin(ids, vip_list)
        known = set(ids.tolist())
        not_found = [v for v in vip_list if v not in known]
    else:
        n_positive = int(positive.sum())
        n_vip = 0 if vip_share == 0 or n_positive == 0 else max(1, int(vip_share * n_positive))
        n_vip = min(n_vip, int((tier == "A").sum()))
        is_vip = np.zeros(len(index), dtype=bool)
        is_vip[:n_vip] = True  # A customers are the first rows in rank order
    return is_vip, not_found


def _potential_column(
    potential: pd.Series | None, index: pd.Index, sorted_ids: pd.Index, order: np.ndarray
) -> np.ndarray:
    """``potential`` per customer in rank order (NaN when not given or unknown)."""
    if potential is None:
        return np.full(len(index), np.nan)
    pot_series = pd.Series(potential, dtype="float64")
    pot_series.index = pot_series.index.astype("string")
    if pot_series.index.equals(sorted_ids):  # e.g. a prediction per summary row
        return pot_series.to_numpy(dtype=np.float64)[order]
    return pot_series.reindex(index).to_numpy(dtype=np.float64)


def xyz_classes(
    transactions: pd.DataFrame,
    *,
    as_of: object,
    months: int = 12,
    x_max: float = DEFAULT_SETTINGS.xyz_x_max,
    y_max: float = DEFAULT_SETTINGS.xyz_y_max,
) -> pd.DataFrame:
    """XYZ class per customer by the coefficient of variation of monthly revenue.

    Parameters
    ----------
    transactions
        ``customer_id`` (string), ``date`` (datetime64), ``amount`` (float64).
    as_of
        Report date; the last complete month on or before it ends the window.
    months
        Number of complete calendar months in the window.
    x_max, y_max
        Upper ``cv`` limits of X and Y (inclusive); defaults from :data:`DEFAULT_SETTINGS`.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string, sorted): every customer with a transaction up to
        ``as_of``. Columns: ``mean_monthly``, ``std_monthly`` (population, ddof=0),
        ``cv`` (float64, NaN when the mean is <= 0), ``xyz`` (ordered Categorical X < Y < Z).
        ``attrs["months"]`` is the monthly ``PeriodIndex`` used.
    """
    check_columns(transactions)
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    if not 0 <= x_max <= y_max:
        raise ValueError(f"need 0 <= x_max <= y_max, got x_max={x_max}, y_max={y_max}")
    as_of_ts = as_timestamp(as_of, "as_of")
    as_of_month = as_of_ts.to_period("M")
    complete = (as_of_ts.normalize() + pd.Timedelta(days=1)).to_period("M") != as_of_month
    last = as_of_month if complete else as_of_month - 1
    first = last - (months - 1)
    window = pd.period_range(first, last, freq="M", name="month")
    view = None
    if isinstance(transactions["customer_id"].dtype, pd.StringDtype):  # ids sort as strings
        view = known_days_until(transactions, as_of_ts)
    if view is not None:
        # the customer × month matrix from the per-customer-day table: no pass over the rows
        uniques, code, day, net, _ = view
        customers = string_index(uniques)
        month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        lo, n_months = first.ordinal, len(window)
        inw = (month >= lo) & (month <= last.ordinal)
        values = np.bincount(code[inw] * n_months + (month[inw] - lo), weights=net[inw],
                             minlength=len(customers) * n_months
                             ).reshape(len(customers), n_months)
    else:
        tx = contract_rows_until(transactions, as_of_ts)
        matrix = monthly_revenue(
            tx, as_of=last.end_time.normalize(), start=first.start_time
        ).reindex(columns=window, fill_value=0.0)
        customers = _sorted_ids(tx["customer_id"])
        values = matrix.reindex(customers, fill_value=0.0).to_numpy(dtype=np.float64)
    mean = values.mean(axis=1) if values.size else np.zeros(len(customers))
    std = values.std(axis=1, ddof=0) if values.size else np.zeros(len(customers))
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean > 0, std / np.where(mean > 0, mean, 1.0), np.nan)
    cls = np.where(
        mean > 0, np.where(cv <= x_max, "X", np.where(cv <= y_max, "Y", "Z")), "Z"
    )
    out = pd.DataFrame(
        {
            "mean_monthly": mean,
            "std_monthly": std,
            "cv": cv,
            "xyz": pd.Categorical(cls, categories=list(XYZ_CLASSES), ordered=True),
        },
        index=customers,
    )
    out.attrs["months"] = window
    return out
