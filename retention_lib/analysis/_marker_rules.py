"""The early-warning markers, one function each, on the active customers' windows.

:func:`active_customers` reads the per-customer-day table up to the report date ``T`` and
returns the customers active at ``T`` with their recent and baseline windows
(:class:`CustomerWindows`); each marker function then returns the customers on whom the marker
fired (a bool array in output order) and their facts (output position -> figures). The rules
are those of :mod:`retention_lib.analysis.signals`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._checks import require
from ._frame_ids import first_row_of_code, month_numbers, normalized_in, positions, rows_at, tx_days
from ._frames import day_number

__all__ = [
    "MONTH_DAYS",
    "CustomerWindows",
    "Fired",
    "active_customers",
    "complaints_up",
    "competitor_interest",
    "contacts_down",
    "count_at",
    "day_values",
    "days_since_purchase",
    "in_window",
    "low_p_alive",
    "mean_at",
    "norm_kinds",
    "not_using",
    "orders_down",
    "overdue",
    "signal_windows",
    "sum_at",
]

MONTH_DAYS = 30.4375

#: What a marker function returns: fired (bool per output row) and facts per fired row.
Fired = tuple[np.ndarray, dict[int, dict[str, Any]]]


@dataclass(frozen=True)
class CustomerWindows:
    """The customers active at ``T`` (output order) and the figures every marker reads."""

    index: pd.Index  # customer ids, output order
    uniq: pd.Index  # sorted distinct transaction ids (codes)
    act_codes: np.ndarray  # code of each output row
    pos_of_code: np.ndarray  # output position per code (-1: not active; last slot: missing)
    T: pd.Timestamp
    r_start: pd.Timestamp  # recent window (r_start, T]
    b_start: pd.Timestamp  # baseline window (b_start, r_start]
    b_from: pd.Series  # per customer: baseline start, max(b_start, first purchase - 1 day)
    scale: np.ndarray  # expected count in R = count in B x scale
    b_months: np.ndarray  # baseline length in whole months
    history_ok: np.ndarray
    first: pd.Series
    last: pd.Series
    recent_days: int
    # the customer-days up to T: day number, net amount, output position
    e_day: np.ndarray
    e_net: np.ndarray
    t_pos: np.ndarray
    # the purchase days up to T: customer code, day number, output position
    d_code: np.ndarray
    d_day: np.ndarray
    d_pos: np.ndarray
    date_dtype: Any

    @property
    def n(self) -> int:
        return len(self.index)


def active_customers(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None,
    T: pd.Timestamp,
    *,
    lapse_days: int,
    recent_days: int,
    baseline_days: int,
    min_history_days: int,
) -> CustomerWindows:
    """The customers active at ``T`` and their windows, from the per-customer-day table.

    Customer ids are factorized once (sorted, as a groupby would order them) and every
    per-customer figure is computed on integer positions (see
    :func:`retention_lib.analysis._frame_ids.positions`). The sorted ids of the whole frame
    are a superset of those up to T, in the same order, so positions and the output are the
    same as with the ids up to T only."""
    uniq, e_code, e_day, e_net, e_bought = tx_days(transactions)
    upto = e_day <= day_number(T)
    if not upto.all():
        e_code, e_day, e_net, e_bought = e_code[upto], e_day[upto], e_net[upto], e_bought[upto]
    # distinct (customer, purchase day) pairs, sorted by customer then day
    d_code, d_day = e_code[e_bought], e_day[e_bought]
    date_dtype = transactions["date"].dtype
    if not (isinstance(date_dtype, np.dtype) and date_dtype.kind == "M"):
        date_dtype = np.dtype("datetime64[ns]")
    starts = np.flatnonzero(np.r_[True, d_code[1:] != d_code[:-1]]) if len(d_code) else (
        np.zeros(0, dtype=np.int64))
    ends = np.r_[starts[1:], len(d_code)] - 1 if len(d_code) else np.zeros(0, dtype=np.int64)
    buyers = d_code[starts]  # codes of customers with a purchase, ascending = sorted ids
    first_all = day_values(d_day[starts], date_dtype)
    last_all = day_values(d_day[ends], date_dtype)
    active = last_all > np.datetime64(T - pd.Timedelta(days=lapse_days))
    if customers is not None and "churned_on" in customers.columns:
        # churned_on of the first row per id (as set_index / drop duplicates / reindex)
        rows = rows_at(first_row_of_code(customers, uniq), buyers)
        gone = (customers["churned_on"] <= T).to_numpy(dtype=bool, na_value=False)
        active &= ~np.where(rows >= 0, gone[np.maximum(rows, 0)] if len(gone) else False,
                            False)
    act_codes = buyers[active]
    index = pd.Index(uniq[act_codes], name="customer_id", dtype="string")
    first = pd.Series(first_all[active], index=index)
    n = len(index)
    # position in ``index`` of every tx code (-1: not an active customer)
    pos_of_code = np.full(len(uniq) + 1, -1, dtype=np.int64)  # last slot: missing id
    pos_of_code[act_codes] = np.arange(n, dtype=np.int64)

    r_start = T - pd.Timedelta(days=recent_days)
    b_start = r_start - pd.Timedelta(days=baseline_days)
    # baseline length per customer: (max(b_start, first - 1 day), r_start]
    b_from = (first - pd.Timedelta(days=1)).clip(lower=b_start)
    b_len = ((r_start - b_from).dt.days).to_numpy(np.float64)
    b_len = np.where(b_len > 0, b_len, np.nan)
    # baseline length in whole months (at least 1; 0 without a baseline), rounded half to
    # even like round() (np.rint)
    with np.errstate(invalid="ignore"):
        b_months = np.where(np.isnan(b_len), 0,
                            np.maximum(1, np.rint(b_len / MONTH_DAYS))).astype(np.int64)
    return CustomerWindows(
        index=index, uniq=uniq, act_codes=act_codes, pos_of_code=pos_of_code, T=T,
        r_start=r_start, b_start=b_start, b_from=b_from, scale=recent_days / b_len,
        b_months=b_months,
        history_ok=(first <= T - pd.Timedelta(days=min_history_days)).to_numpy(bool),
        first=first, last=pd.Series(last_all[active], index=index), recent_days=recent_days,
        e_day=e_day, e_net=e_net, t_pos=pos_of_code[e_code],
        d_code=d_code, d_day=d_day, d_pos=pos_of_code[d_code], date_dtype=date_dtype,
    )


def orders_down(
    w: CustomerWindows, *, drop_ratio: float, min_expected: float, orders_rule: str
) -> Fired:
    """Orders (and, by ``orders_rule``, net revenue) in R below ``drop_ratio`` x expected."""
    n = w.n
    d_dates = day_values(w.d_day, w.date_dtype)
    in_r = d_dates > np.datetime64(w.r_start)
    in_b = (d_dates > np.datetime64(w.b_start)) & (d_dates <= np.datetime64(w.r_start))
    orders_r = count_at(w.d_pos, in_r, n)
    orders_b = count_at(w.d_pos, in_b, n)
    exp_orders = orders_b * w.scale
    r_day, b_day = day_number(w.r_start), day_number(w.b_start)
    t_r = w.e_day > r_day
    t_b = (w.e_day > b_day) & (w.e_day <= r_day)
    rev_r = sum_at(w.e_net, w.t_pos, t_r, n)
    rev_b = sum_at(w.e_net, w.t_pos, t_b, n)
    exp_rev = rev_b * w.scale
    judged = w.history_ok & (exp_orders >= min_expected)
    o_down = judged & (orders_r < drop_ratio * exp_orders)
    r_down = judged & (exp_rev > 0) & (rev_r < drop_ratio * exp_rev)
    fired = {
        "both": o_down & r_down, "orders": o_down, "revenue": r_down,
        "either": o_down | r_down,
    }[orders_rule]
    facts = {}
    for i in np.flatnonzero(fired):
        facts[i] = {
            "orders_drop": float(1 - orders_r[i] / exp_orders[i]) if o_down[i] else None,
            "revenue_drop": float(1 - rev_r[i] / exp_rev[i]) if r_down[i] else None,
            "baseline_months": int(w.b_months[i]),
        }
    return fired, facts


def days_since_purchase(w: CustomerWindows) -> np.ndarray:
    """Days from each customer's last purchase to ``T`` (int64)."""
    return (w.T - w.last).dt.days.to_numpy(np.int64)


def overdue(
    w: CustomerWindows, days_since: np.ndarray, *, overdue_factor: float, min_intervals: int,
    min_overdue_days: int,
) -> Fired:
    """Days since the last purchase over ``overdue_factor`` x the median interval."""
    n = w.n
    same = (w.d_code[1:] == w.d_code[:-1]) & (w.d_pos[1:] >= 0)
    gaps = np.diff(w.d_day)[same].astype(np.float64)
    g_pos = w.d_pos[1:][same]
    med = np.full(n, np.nan)
    n_int = np.bincount(g_pos, minlength=n)
    if len(gaps):
        by = pd.Series(gaps).groupby(g_pos).median()
        med[by.index.to_numpy()] = by.to_numpy(np.float64)
    judged = w.history_ok & (n_int >= min_intervals)
    fired = judged & (days_since > overdue_factor * med) & (days_since > min_overdue_days)
    facts = {i: {"days": int(days_since[i]), "interval": int(round(med[i]))}
             for i in np.flatnonzero(fired)}
    return fired, facts


def _engaged_contacts(contacts: pd.DataFrame) -> np.ndarray:
    """Contacts the customer answered or started (every contact without either column)."""
    engaged = np.zeros(len(contacts), dtype=bool)
    has_rule = False
    if "answered" in contacts.columns:
        engaged |= contacts["answered"].to_numpy(dtype=bool, na_value=False)
        has_rule = True
    if "direction" in contacts.columns:
        engaged |= normalized_in(contacts, "direction", {"inbound"})
        has_rule = True
    if not has_rule:
        engaged[:] = True
    return engaged


def contacts_down(
    w: CustomerWindows, contacts: pd.DataFrame, *, drop_ratio: float, min_expected: float
) -> Fired:
    """Engaged contacts in R below ``drop_ratio`` x expected."""
    require(contacts, ("customer_id", "date"), "contacts")
    n = w.n
    engaged = _engaged_contacts(contacts)
    # only the engaged contacts of B or R are read: R = (r_start, T], B = the rest
    c_rows = np.flatnonzero(engaged & in_window(contacts["date"], w.b_start, w.T))
    c_pos = positions(contacts, "customer_id", w.uniq, w.pos_of_code, c_rows)
    c_date = contacts["date"].iloc[c_rows]
    c_r = (c_date > w.r_start).to_numpy(bool, na_value=False)
    c_b = ~c_r
    con_r = count_at(c_pos, c_r, n)
    # the contact baseline starts where the customer's purchase baseline starts
    b_from_v = w.b_from.to_numpy()
    c_b_keep = c_b & (c_pos >= 0)
    c_b_keep[c_b_keep] = c_date.to_numpy()[c_b_keep] > b_from_v[c_pos[c_b_keep]]
    exp_con = count_at(c_pos, c_b_keep, n) * w.scale
    judged = w.history_ok & (exp_con >= min_expected)
    fired = judged & (con_r < drop_ratio * exp_con)
    facts = {}
    for i in np.flatnonzero(fired):
        facts[i] = {
            "recent": int(con_r[i]), "expected": round(float(exp_con[i]), 1),
            "recent_days": int(w.recent_days), "baseline_months": int(w.b_months[i]),
        }
    return fired, facts


def signal_windows(
    w: CustomerWindows, signals: pd.DataFrame
) -> tuple[np.ndarray, pd.Series, np.ndarray, np.ndarray]:
    """Output position, date, in-R and in-B of every signal row."""
    require(signals, ("customer_id", "date", "kind"), "signals")
    s_pos = positions(signals, "customer_id", w.uniq, w.pos_of_code)
    s_date = signals["date"]
    s_r = ((s_date > w.r_start) & (s_date <= w.T)).to_numpy(bool, na_value=False)
    s_b = ((s_date > w.b_start) & (s_date <= w.r_start)).to_numpy(bool, na_value=False)
    return s_pos, s_date, s_r, s_b


def complaints_up(
    w: CustomerWindows, signals: pd.DataFrame,
    rows: tuple[np.ndarray, pd.Series, np.ndarray, np.ndarray], *,
    complaint_kinds: Iterable[str], complaint_factor: float,
) -> Fired:
    """At least one complaint in R and more than ``complaint_factor`` x expected."""
    s_pos, _, s_r, s_b = rows
    n = w.n
    is_c = normalized_in(signals, "kind", norm_kinds(complaint_kinds))
    comp_r = count_at(s_pos, is_c & s_r, n)
    exp_comp = np.nan_to_num(count_at(s_pos, is_c & s_b, n) * w.scale)
    fired = w.history_ok & (comp_r >= 1) & (comp_r > complaint_factor * exp_comp)
    facts = {}
    for i in np.flatnonzero(fired):
        facts[i] = {
            "recent": int(comp_r[i]), "usual": round(float(exp_comp[i]), 1),
            "recent_days": int(w.recent_days),
        }
    return fired, facts


def competitor_interest(
    w: CustomerWindows, signals: pd.DataFrame,
    rows: tuple[np.ndarray, pd.Series, np.ndarray, np.ndarray], *,
    competitor_kinds: Iterable[str],
) -> Fired:
    """At least one competitor-interest signal in R."""
    s_pos, s_date, s_r, _ = rows
    is_k = normalized_in(signals, "kind", norm_kinds(competitor_kinds))
    sel = is_k & s_r & (s_pos >= 0)
    latest = s_date[sel].groupby(s_pos[sel]).max()
    has = np.zeros(w.n, dtype=bool)
    has[latest.index.to_numpy()] = latest.notna().to_numpy(bool)
    fired = w.history_ok & has
    facts = {i: {"date": pd.Timestamp(latest.loc[i])} for i in np.flatnonzero(fired)}
    return fired, facts


def not_using(
    w: CustomerWindows, usage: pd.DataFrame, *, usage_ratio: float, baseline_days: int
) -> Fired:
    """Mean active units over the recent complete months below ``usage_ratio`` x baseline."""
    require(usage, ("customer_id", "period", "active_units"), "usage")
    n = w.n
    last_month = (w.T + pd.Timedelta(days=1)).to_period("M") - 1  # last complete month
    k_r = max(1, int(round(w.recent_days / MONTH_DAYS)))
    k_b = max(1, int(round(baseline_days / MONTH_DAYS)))
    # only the usage rows of the k_b + k_r months are read (by month ordinal)
    month = month_numbers(usage, "period")
    if month is None:
        month = usage["period"].dt.to_period("M").array.asi8  # NaT: smallest int64
    lm = last_month.ordinal
    u_rows = np.flatnonzero((month > lm - k_r - k_b) & (month <= lm))
    u_pos = positions(usage, "customer_id", w.uniq, w.pos_of_code, u_rows)
    units = usage["active_units"].to_numpy(np.float64)[u_rows]
    u_r = month[u_rows] > lm - k_r
    u_b = ~u_r
    mean_r = mean_at(units, u_pos, u_r, n)
    mean_b = mean_at(units, u_pos, u_b, n)
    judged = w.history_ok & (mean_b > 0) & ~np.isnan(mean_r)
    with np.errstate(invalid="ignore"):
        fired = judged & (mean_r < usage_ratio * mean_b)
    facts = {i: {"drop": float(1 - mean_r[i] / mean_b[i]), "baseline_months": int(k_b)}
             for i in np.flatnonzero(fired)}
    return fired, facts


def low_p_alive(w: CustomerWindows, p_alive: pd.Series, *, p_alive_threshold: float) -> Fired:
    """Probability of being alive below ``p_alive_threshold``."""
    pa = pd.Series(p_alive, dtype=np.float64)
    pa.index = pa.index.astype(str)
    pa = pa[~pa.index.duplicated()].reindex(w.index).to_numpy(np.float64)
    fired = w.history_ok & (pa < p_alive_threshold)
    facts = {i: {"p_alive": float(pa[i])} for i in np.flatnonzero(fired)}
    return fired, facts


# ----------------------------------------------------------------------------- helpers


def norm_kinds(kinds: Iterable[str]) -> set[str]:
    if isinstance(kinds, str):
        kinds = (kinds,)
    return {str(k).strip().casefold() for k in kinds}


def in_window(dates: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
    """``(dates > lo) & (dates <= hi)`` as a bool array (missing: ``False``); on the numpy
    datetime values when the column holds them."""
    if isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M":
        v = dates.to_numpy()
        return (v > lo.to_datetime64()) & (v <= hi.to_datetime64())
    return ((dates > lo) & (dates <= hi)).to_numpy(dtype=bool, na_value=False)


def day_values(days: np.ndarray, dtype: Any) -> np.ndarray:
    """Day numbers (since 1970-01-01) as midnight datetimes of ``dtype``."""
    return days.astype("datetime64[D]").astype(dtype)


def count_at(pos: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Rows per output position where ``mask`` holds (float64, length ``n``)."""
    keep = mask & (pos >= 0)
    return np.bincount(pos[keep], minlength=n).astype(np.float64)


def sum_at(values: np.ndarray, pos: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` per output position where ``mask`` holds (0 for none; NaN skipped).

    A pandas groupby sum over the rows in their order, so the figures are the same as
    grouping by the customer id strings."""
    keep = mask & (pos >= 0)
    out = np.zeros(n, dtype=np.float64)
    if keep.any():
        s = pd.Series(values[keep]).groupby(pos[keep]).sum()
        out[s.index.to_numpy(np.int64)] = s.to_numpy(np.float64)
    return out


def mean_at(values: np.ndarray, pos: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Mean of ``values`` per output position where ``mask`` holds (NaN for none)."""
    keep = mask & (pos >= 0)
    out = np.full(n, np.nan)
    if keep.any():
        s = pd.Series(values[keep]).groupby(pos[keep]).mean()
        out[s.index.to_numpy(np.int64)] = s.to_numpy(np.float64)
    return out
