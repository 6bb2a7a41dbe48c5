"""The per-customer-day table as arrays: its type, how it is built from rows, how it is cut.

Pure computation: nothing here is remembered.  Where the analyses get the table (computed
once per frame and shared) is :mod:`retention_lib.analysis.customer_days`; what the runner
computes before its page workers fork is :mod:`retention_lib.analysis.pinned`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._frames import NS_PER_DAY, day_number

__all__ = ["CustomerDayTable", "build_day_table", "day_table_until"]


@dataclass(frozen=True)
class CustomerDayTable:
    """The per-customer-day table of a transaction frame, as arrays.

    One entry per (customer, calendar day) holding at least one row with an id and a date,
    sorted by customer code, then day.  Every date counts (no ``as_of``): entries up to a
    day are ``self.day <= day``.
    """

    uniques: object  # the sorted distinct ids: pd.factorize(ids, sort=True)[1]
    code: np.ndarray  # int64 customer code (position in uniques) per entry, ascending
    day: np.ndarray  # int64 days since 1970-01-01, ascending within a customer
    net: np.ndarray  # float64 net amount of the day: its rows added in row order, NaN as 0
    rows: np.ndarray  # int64 transaction rows of the day
    bought: np.ndarray  # bool: the day's net amount is > 0 (a purchase day)
    midnight: bool = True  # every date is at midnight (as the loader gives them)
    nan_amounts: bool = False  # some amount is NaN (counted as 0 in net)

    def __len__(self) -> int:
        return len(self.code)


def build_day_table(transactions: pd.DataFrame, codes: np.ndarray,
                    uniques: object) -> CustomerDayTable:
    """One pass over the rows of ``transactions`` (``customer_id``, ``date``, ``amount``):
    the per-customer-day table.  ``codes, uniques`` are ``pd.factorize(transactions[
    "customer_id"], sort=True)``; rows without an id or a date belong to no customer-day."""
    dates = transactions["date"]
    if not (isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M"):
        dates = pd.to_datetime(dates)
    stamp = dates.to_numpy(dtype="datetime64[ns]")
    amount = pd.to_numeric(transactions["amount"]).to_numpy(dtype=np.float64)
    valid = (np.asarray(codes) >= 0) & ~np.isnat(stamp)
    if not valid.all():  # rows without an id or a date belong to no customer-day
        codes, stamp, amount = np.asarray(codes)[valid], stamp[valid], amount[valid]
    day = stamp.astype("datetime64[D]").astype(np.int64)
    midnight = not (stamp.astype(np.int64) - day * NS_PER_DAY).any()
    empty = np.zeros(0, dtype=np.int64)
    if len(day) == 0:
        return CustomerDayTable(uniques, empty, empty, np.zeros(0), empty,
                                np.zeros(0, dtype=bool))
    lo = int(day.min())
    span = int(day.max()) - lo + 1
    keys = np.asarray(codes, dtype=np.int64) * span + (day - lo)
    # a stable sort keeps each day's rows in row order: its net amount adds them in that order
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    new = np.empty(len(keys), dtype=bool)
    new[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    entry = np.cumsum(new) - 1
    amount = amount[order]
    net = np.bincount(entry, weights=np.nan_to_num(amount, nan=0.0))
    rows = np.bincount(entry).astype(np.int64)
    bought = net > 0  # a day whose net amount is not positive is not a purchase
    first = keys[new]
    return CustomerDayTable(uniques, first // span, first % span + lo, net, rows, bought,
                            midnight, bool(np.isnan(amount).any()))


def day_table_until(days: CustomerDayTable, as_of: pd.Timestamp,
                    n_cust: int | None = None) -> CustomerDayTable | None:
    """The per-customer-day table of the rows up to ``as_of``, from the whole frame's
    ``days`` (codes renumbered among the customers up to then: ``n_cust`` of them, a
    check, when given); ``None`` when the days cannot say which rows those are (dates with
    a time of day)."""
    if not days.midnight:
        return None
    sel = days.day <= day_number(as_of)
    code = days.code[sel]
    present = np.zeros(len(days.uniques), dtype=bool)
    present[code] = True
    if n_cust is not None and int(present.sum()) != n_cust:  # pragma: no cover - a check
        return None
    uniques = days.uniques
    if not present.all():
        code = (np.cumsum(present) - 1)[code]
        uniques = uniques[present]
    return CustomerDayTable(uniques, code, days.day[sel], days.net[sel], days.rows[sel],
                            days.bought[sel], True, days.nan_amounts)
