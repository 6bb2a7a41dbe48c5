"""The churn history: per-customer purchase days and running revenue, and churn groups.

What every function of :mod:`retention_lib.analysis.churn` starts from (see that module's
docstring for the definitions): one sorted array of (customer, day) keys per table, read from
the per-customer-day table (:func:`retention_lib.analysis.summary.customer_days`), so "last
purchase on or before d" and "revenue in (a, b]" for every customer are a ``numpy.searchsorted``
each. Also the grouping of customers behind ``churn_rate(by=...)``, the per-group counts of one
window, the lost revenue and the return (win-back) events read from the same history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..caching.frames import FrameMemo
from ..data.checks import UNASSIGNED
from ._checks import require
from .customer_days import customer_day_table

__all__ = [
    "HISTORIES",
    "NEVER",
    "TOTAL",
    "History",
    "arrow_strings",
    "as_date",
    "build_history",
    "churn_window",
    "day_number",
    "days_to_datetime",
    "group_labels",
    "grouped_history",
    "groups",
    "history",
    "is_month_end",
    "lookup",
    "lost_revenue",
    "months_before",
    "rate_counts",
    "return_events",
]

TOTAL = "all"
NEVER = np.iinfo(np.int64).max // 4  # "no churned_on" in day arithmetic


def arrow_strings(values: Any) -> pa.Array | None:
    """The pyarrow array behind a pyarrow-backed string Series/Index, else ``None``."""
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pa.array(values.array).cast(pa.large_string())
    return None


def lookup(values: Any, keys: Any) -> np.ndarray:
    """Position in ``keys`` (unique labels) of every element of ``values``; -1 when absent.

    The same as ``pd.Index(keys).get_indexer(values)``, hashed in pyarrow when both are
    pyarrow strings (pandas would build Python objects for every label).
    """
    va, ka = arrow_strings(values), arrow_strings(keys)
    if va is not None and ka is not None:
        pos = pc.index_in(va, value_set=ka, skip_nulls=True)
        return pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.Index(keys).get_indexer(pd.Index(values)).astype(np.int64)


def as_date(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={value!r} is not a date: {exc}") from None
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    if ts.tzinfo is not None:
        raise ValueError(f"{name}={value!r} must be tz-naive (dates are local calendar days)")
    return ts.normalize()


def day_number(ts: pd.Timestamp) -> int:
    return int(np.datetime64(ts, "D").astype(np.int64))


def days_to_datetime(days: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    out = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    if valid is not None:
        out = np.where(valid, out, np.datetime64("NaT", "ns"))
    return out


def is_month_end(ts: pd.Timestamp) -> bool:
    return (ts + pd.Timedelta(days=1)).day == 1


def months_before(ts: pd.Timestamp, months: int) -> pd.Timestamp:
    """``ts`` minus ``months`` months, month end to month end when ``ts`` is a month end."""
    if is_month_end(ts):
        return (ts.to_period("M") - months).to_timestamp(how="end").normalize()
    return (ts - pd.DateOffset(months=months)).normalize()


def churn_window(start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    e = as_date(end, "end")
    s = months_before(e, 12) if start is None else as_date(start, "start")
    if not s < e:
        raise ValueError(f"start ({s.date()}) must be before end ({e.date()})")
    return s, e


@dataclass(frozen=True)
class History:
    """Sorted per-customer purchase days and revenue prefix sums (see module docstring)."""

    ids: pd.Index  # customer ids, sorted; position = customer code
    base: int  # day number of relative day 0
    width: int  # key = code * width + relative day
    purchase_keys: np.ndarray  # unique (customer, purchase day) keys, sorted
    row_keys: np.ndarray  # (customer, day) key of every customer-day, sorted
    row_cum: np.ndarray  # per-customer running net revenue along row_keys
    block_start: np.ndarray  # first position of each customer in row_keys
    churned: np.ndarray  # churned_on as day number, NEVER when absent
    first_day: int  # first transaction day in the data
    cache: dict = field(default_factory=dict)  # active-at-day and active-at-S arrays

    @property
    def n(self) -> int:
        return len(self.ids)

    def _rel(self, day: int) -> int:
        return int(min(max(day - self.base, 0), self.width - 1))

    def last_purchase(self, day: int, codes: np.ndarray | None = None) -> np.ndarray:
        """Day of the last purchase on or before ``day`` (-1 when none).

        For every customer, or only for the customer codes ``codes`` (sorted ascending).
        """
        if codes is None:
            codes = np.arange(self.n, dtype=np.int64)
        if len(self.purchase_keys) == 0:
            return np.full(len(codes), -1, dtype=np.int64)
        pos = np.searchsorted(self.purchase_keys, codes * self.width + self._rel(day), "right")
        pos -= 1
        key = self.purchase_keys[np.clip(pos, 0, None)]
        ok = (pos >= 0) & (key // self.width == codes)
        return np.where(ok, key % self.width + self.base, -1)

    def first_purchase(self) -> np.ndarray:
        codes = np.arange(self.n, dtype=np.int64)
        if len(self.purchase_keys) == 0:
            return np.full(self.n, -1, dtype=np.int64)
        pos = np.searchsorted(self.purchase_keys, codes * self.width, "left")
        key = self.purchase_keys[np.clip(pos, 0, len(self.purchase_keys) - 1)]
        ok = (pos < len(self.purchase_keys)) & (key // self.width == codes)
        return np.where(ok, key % self.width + self.base, -1)

    def _cum_at(self, rel: np.ndarray, codes: np.ndarray) -> np.ndarray:
        count = np.searchsorted(self.row_keys, codes * self.width + rel, "right")
        has = count > self.block_start[codes]
        return np.where(has, self.row_cum[np.clip(count - 1, 0, None)], 0.0)

    def revenue(
        self, lo: int | np.ndarray, hi: int | np.ndarray, codes: np.ndarray | None = None
    ) -> np.ndarray:
        """Net revenue over the days (lo, hi] per customer (or per code of ``codes``).

        ``lo`` and ``hi`` are scalars or arrays aligned with the customers (``codes``).
        """
        if codes is None:
            codes = np.arange(self.n, dtype=np.int64)
        shape = (len(codes),)
        rel_lo = np.clip(np.asarray(lo, dtype=np.int64) - self.base, 0, self.width - 1)
        rel_hi = np.clip(np.asarray(hi, dtype=np.int64) - self.base, 0, self.width - 1)
        rel_lo = np.broadcast_to(rel_lo, shape)
        rel_hi = np.broadcast_to(rel_hi, shape)
        return self._cum_at(rel_hi, codes) - self._cum_at(rel_lo, codes)

    def active(self, day: int, lapse_days: int) -> np.ndarray:
        """Boolean per customer: active at ``day`` (cached per day and lapse)."""
        key = (day, lapse_days)
        if key not in self.cache:
            last = self.last_purchase(day)
            self.cache[key] = (last >= 0) & (last > day - lapse_days) & (self.churned > day)
        return self.cache[key]

    def lost_on(
        self, last: np.ndarray, lapse_days: int, codes: np.ndarray | None = None
    ) -> np.ndarray:
        """``min(last + lapse_days, churned_on)`` for customers with a purchase, else -1."""
        churned = self.churned if codes is None else self.churned[codes]
        return np.where(last >= 0, np.minimum(last + lapse_days, churned), -1)


#: Histories reused inside :func:`shared_history` blocks (see :mod:`retention_lib.analysis.shared`).
HISTORIES = FrameMemo("retention_lib_churn_shared_history")


def history(transactions: pd.DataFrame, customers: pd.DataFrame | None) -> History:
    # remembered per transactions object; the entry holds the customers object too, so its
    # id stays unique while the block lasts
    owner, hist = HISTORIES.get(
        transactions, ("history", id(customers)),
        lambda: (customers, build_history(transactions, customers)),
    )
    return hist if owner is customers else build_history(transactions, customers)


def build_history(transactions: pd.DataFrame, customers: pd.DataFrame | None) -> History:
    require(transactions, ("customer_id", "date", "amount"), "transactions")
    if len(transactions) == 0:
        raise ValueError("transactions is empty: churn needs at least one transaction")
    ids = transactions["customer_id"]
    dates = pd.to_datetime(transactions["date"])
    amounts = pd.to_numeric(transactions["amount"]).to_numpy(dtype=np.float64)
    for col, bad in (
        ("customer_id", ids.isna().to_numpy()),
        ("date", dates.isna().to_numpy()),
        ("amount", np.isnan(amounts)),
    ):
        if bad.any():
            rows = np.flatnonzero(bad)[:5].tolist()
            raise ValueError(
                f"transactions.{col} has {int(bad.sum())} missing value(s) "
                f"(first row positions {rows}); clean the data with load_dataset first"
            )
    # the per-customer-day table (retention_lib.analysis.summary.customer_days): shared with early
    # warning and the cohorts, computed once per frame inside a build or a report
    days = customer_day_table(transactions)
    uniques = days.uniques
    base = int(days.day.min()) - 1
    rel = days.day - base
    width = int(rel.max()) + 2
    row_keys = days.code * width + rel
    row_cum = pd.Series(days.net).groupby(days.code, sort=False).cumsum().to_numpy(np.float64)
    block_start = np.searchsorted(row_keys, np.arange(len(uniques), dtype=np.int64) * width)
    purchase_keys = row_keys[days.bought]  # distinct and sorted, as the table is

    churned = np.full(len(uniques), NEVER, dtype=np.int64)
    index = pd.Index(uniques, name="customer_id")
    if customers is not None:
        require(customers, ("customer_id",), "customers")
        dup = customers["customer_id"].duplicated()
        if dup.any():
            raise ValueError(
                f"customers.customer_id has {int(dup.sum())} duplicate(s), e.g. "
                f"{customers.loc[dup, 'customer_id'].head(3).tolist()}"
            )
        if "churned_on" in customers.columns:
            co = pd.to_datetime(customers["churned_on"]).to_numpy()
            pos = lookup(index, customers["customer_id"])  # row of each customer, -1 = none
            found = np.flatnonzero(pos >= 0)
            co = co[pos[found]]
            have = ~np.isnat(co)
            churned[found[have]] = co[have].astype("datetime64[D]").astype(np.int64)
    return History(
        ids=index,
        base=base,
        width=width,
        purchase_keys=purchase_keys,
        row_keys=row_keys,
        row_cum=row_cum,
        block_start=block_start,
        churned=churned,
        first_day=base + 1,
    )


def groups(
    hist: History, by: str | pd.Series | None, customers: pd.DataFrame | None
) -> tuple[np.ndarray, list[str]]:
    """Group code per customer and the group labels (``"unassigned"`` for no group)."""
    if by is None:
        return np.zeros(hist.n, dtype=np.int64), [TOTAL]
    if isinstance(by, str):
        if customers is None:
            raise ValueError(f"by={by!r} names a column of customers, but customers is None")
        if by not in customers.columns:
            raise ValueError(
                f"by={by!r} is not a column of customers; choose one of "
                f"{[c for c in customers.columns if c != 'customer_id']}"
            )
        labels = pd.Series(customers[by].to_numpy(), index=pd.Index(customers["customer_id"]))
    elif isinstance(by, pd.Series):
        if by.index.has_duplicates:
            raise ValueError("by: the Series index (customer_id) has duplicates")
        labels = by.set_axis(by.index.astype(str))
    else:
        raise TypeError(
            f"by must be None, a column name of customers or a Series indexed by customer_id; "
            f"got {type(by).__name__}"
        )
    if isinstance(labels.dtype, pd.CategoricalDtype):
        order = [str(c) for c in labels.cat.categories]
    else:
        order = sorted({str(v) for v in labels.dropna().unique()})
    # Label of every customer of hist: factorize the (few distinct) labels once, then look
    # each customer up; -1 = no label (missing from labels, or NaN) -> "unassigned".
    label_codes, uniques = pd.factorize(labels)
    pos = lookup(hist.ids, labels.index)
    if len(label_codes):
        value_code = np.where(pos >= 0, label_codes[np.clip(pos, 0, None)], -1)
    else:  # no labels at all (e.g. tiers at a date before the data start): all unassigned
        value_code = np.full(len(pos), -1, dtype=np.int64)
    texts = [str(v) for v in pd.Index(uniques).astype(object)] + [UNASSIGNED]
    present = np.bincount(value_code + 1, minlength=len(texts) + 1)  # slot 0 = no label
    used = {texts[i - 1] if i else UNASSIGNED for i in np.flatnonzero(present)}
    order = [g for g in order if g != UNASSIGNED]
    order = [g for g in order if g in used]
    if UNASSIGNED in used:
        order.append(UNASSIGNED)
    position = {g: i for i, g in enumerate(order)}
    text_code = np.array([position.get(t, -1) for t in texts], dtype=np.int64)
    codes = text_code[value_code]  # value_code -1 picks the last slot: UNASSIGNED
    return codes, order


def rate_counts(
    hist: History,
    s: pd.Timestamp,
    e: pd.Timestamp,
    *,
    lapse_days: int,
    codes: np.ndarray,
    n_groups: int,
    total: bool,
) -> dict[str, np.ndarray]:
    """Per group (plus the total when ``total``): active, lost, revenue_start, revenue_lost."""
    s_day, e_day = day_number(s), day_number(e)
    # Active at S and lost_on (from purchases up to E) <= E is "active at S and not active
    # at E": lost_on <= E  <=>  no purchase in (E - lapse, E] or churned_on <= E.
    key = ("start", s_day, lapse_days)  # the same S recurs across calls: cache per history
    if key not in hist.cache:
        idx = np.flatnonzero(hist.active(s_day, lapse_days))
        hist.cache[key] = (idx, hist.revenue(s_day - lapse_days, s_day, codes=idx))
    idx, rev = hist.cache[key]
    lost = ~hist.active(e_day, lapse_days)[idx]
    group = codes[idx]
    cols = {
        "active_start": np.bincount(group, minlength=n_groups).astype(np.float64),
        "lost": np.bincount(group, weights=lost, minlength=n_groups),
        "revenue_start": np.bincount(group, weights=rev, minlength=n_groups),
        "revenue_lost": np.bincount(group, weights=np.where(lost, rev, 0.0), minlength=n_groups),
    }
    if total:
        cols = {name: np.append(v, v.sum()) for name, v in cols.items()}
    return cols


def group_labels(labels: list[str], total: bool) -> list[str]:
    if total:
        if TOTAL in labels:
            raise ValueError(f"a group is named {TOTAL!r}, which clashes with the total row")
        return [*labels, TOTAL]
    return list(labels)


def grouped_history(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None,
    by: str | pd.Series | None,
    total: bool,
) -> tuple[History, np.ndarray, list[str], bool, list[str]]:
    """History, group codes, group labels, whether a total row is added, and the row labels.

    The shared set-up of :func:`churn_rate` and :func:`churn_series`: a total row only
    with ``by``.
    """
    hist = history(transactions, customers)
    codes, labels = groups(hist, by, customers)
    total = total and by is not None
    return hist, codes, labels, total, group_labels(labels, total)


def lost_revenue(
    transactions: pd.DataFrame, customers: pd.DataFrame | None, ids: Any, last_purchase: Any,
    *, days: int = 365,
) -> np.ndarray:
    """Net revenue of each of ``ids`` in the ``days`` up to and including its
    ``last_purchase`` (ARCHITECTURE's "lost revenue", as :func:`lost_customers` gives it),
    read from the churn history; 0 for an id without transactions or a missing date."""
    hist = history(transactions, customers)
    codes = lookup(ids, hist.ids)
    last = np.asarray(last_purchase, dtype="datetime64[ns]")
    ok = (codes >= 0) & ~np.isnat(last)
    out = np.zeros(len(codes), dtype=np.float64)
    if ok.any():
        day = last[ok].astype("datetime64[D]").astype(np.int64)
        out[ok] = hist.revenue(day - days, day, codes=codes[ok])
    return out


def return_events(
    transactions: pd.DataFrame, lapse_days: int, customers: pd.DataFrame | None
) -> tuple[History, pd.DataFrame]:
    """Every return (win-back) purchase day: columns code, day, previous (day ints)."""
    hist = history(transactions, customers)
    keys = hist.purchase_keys
    code = keys // hist.width
    day = keys % hist.width + hist.base
    same = np.r_[False, code[1:] == code[:-1]]
    prev = np.r_[-1, day[:-1]]
    churned = hist.churned[code]
    gap_return = same & (day - prev > lapse_days)
    churn_return = same & (prev <= churned) & (churned < day)
    is_return = gap_return | churn_return
    events = pd.DataFrame({"code": code[is_return], "day": day[is_return],
                           "previous": prev[is_return]})
    return hist, events
