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
per-customer-day table (:mod:`retention_lib.analysis.customer_days`), never from the raw
rows; "last purchase on or before d" and "revenue in (a, b]" for every customer are a
``numpy.searchsorted`` each, so a 24-month series costs 48 binary searches over the
customers, not 24 passes over the data.  Building that history from the day table is the
one pass; callers asking several questions of the same frames wrap them in
:func:`shared_history` so it is built once.  Customer ids
are looked up in pyarrow when they are pyarrow strings (never as Python objects).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import DEFAULT_SETTINGS
from .customer_days import customer_day_table
from .shared import FrameMemo

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

UNASSIGNED = "unassigned"
TOTAL = "all"
_TOLERANCE = 1e-12
_NEVER = np.iinfo(np.int64).max // 4  # "no churned_on" in day arithmetic


# ----------------------------------------------------------------------------- helpers


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{name} lacks required column(s) {missing}; it has {list(frame.columns)}"
        )


def _arrow_strings(values: Any) -> pa.Array | None:
    """The pyarrow array behind a pyarrow-backed string Series/Index, else ``None``."""
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pa.array(values.array).cast(pa.large_string())
    return None


def _lookup(values: Any, keys: Any) -> np.ndarray:
    """Position in ``keys`` (unique labels) of every element of ``values``; -1 when absent.

    The same as ``pd.Index(keys).get_indexer(values)``, hashed in pyarrow when both are
    pyarrow strings (pandas would build Python objects for every label).
    """
    va, ka = _arrow_strings(values), _arrow_strings(keys)
    if va is not None and ka is not None:
        pos = pc.index_in(va, value_set=ka, skip_nulls=True)
        return pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.Index(keys).get_indexer(pd.Index(values)).astype(np.int64)


def _timestamp(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={value!r} is not a date: {exc}") from None
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    if ts.tzinfo is not None:
        raise ValueError(f"{name}={value!r} must be tz-naive (dates are local calendar days)")
    return ts.normalize()


def _day(ts: pd.Timestamp) -> int:
    return int(np.datetime64(ts, "D").astype(np.int64))


def _days_to_datetime(days: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    out = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    if valid is not None:
        out = np.where(valid, out, np.datetime64("NaT", "ns"))
    return out


def _is_month_end(ts: pd.Timestamp) -> bool:
    return (ts + pd.Timedelta(days=1)).day == 1


def _months_before(ts: pd.Timestamp, months: int) -> pd.Timestamp:
    """``ts`` minus ``months`` months, month end to month end when ``ts`` is a month end."""
    if _is_month_end(ts):
        return (ts.to_period("M") - months).to_timestamp(how="end").normalize()
    return (ts - pd.DateOffset(months=months)).normalize()


def _window(start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    e = _timestamp(end, "end")
    s = _months_before(e, 12) if start is None else _timestamp(start, "start")
    if not s < e:
        raise ValueError(f"start ({s.date()}) must be before end ({e.date()})")
    return s, e


@dataclass(frozen=True)
class _History:
    """Sorted per-customer purchase days and revenue prefix sums (see module docstring)."""

    ids: pd.Index  # customer ids, sorted; position = customer code
    base: int  # day number of relative day 0
    width: int  # key = code * width + relative day
    purchase_keys: np.ndarray  # unique (customer, purchase day) keys, sorted
    row_keys: np.ndarray  # (customer, day) key of every customer-day, sorted
    row_cum: np.ndarray  # per-customer running net revenue along row_keys
    block_start: np.ndarray  # first position of each customer in row_keys
    churned: np.ndarray  # churned_on as day number, _NEVER when absent
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
_SHARED = FrameMemo("retention_lib_churn_shared_history")


@contextmanager
def shared_history() -> Iterator[None]:
    """Within the block, churn functions given the *same* frame objects share their set-up.

    Every public function of this module starts from the transactions' per-customer-day
    history (:class:`_History`: the day table, then running sums per customer).  A caller that asks
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
    with _SHARED.block():
        yield


def _history(transactions: pd.DataFrame, customers: pd.DataFrame | None) -> _History:
    # remembered per transactions object; the entry holds the customers object too, so its
    # id stays unique while the block lasts
    owner, hist = _SHARED.get(
        transactions, ("history", id(customers)),
        lambda: (customers, _build_history(transactions, customers)),
    )
    return hist if owner is customers else _build_history(transactions, customers)


def _build_history(transactions: pd.DataFrame, customers: pd.DataFrame | None) -> _History:
    _require(transactions, ("customer_id", "date", "amount"), "transactions")
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
    # the per-customer-day table (retention_lib.analysis.customer_days): shared with early
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

    churned = np.full(len(uniques), _NEVER, dtype=np.int64)
    index = pd.Index(uniques, name="customer_id")
    if customers is not None:
        _require(customers, ("customer_id",), "customers")
        dup = customers["customer_id"].duplicated()
        if dup.any():
            raise ValueError(
                f"customers.customer_id has {int(dup.sum())} duplicate(s), e.g. "
                f"{customers.loc[dup, 'customer_id'].head(3).tolist()}"
            )
        if "churned_on" in customers.columns:
            co = pd.to_datetime(customers["churned_on"]).to_numpy()
            pos = _lookup(index, customers["customer_id"])  # row of each customer, -1 = none
            found = np.flatnonzero(pos >= 0)
            co = co[pos[found]]
            have = ~np.isnat(co)
            churned[found[have]] = co[have].astype("datetime64[D]").astype(np.int64)
    return _History(
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


def _groups(
    hist: _History, by: str | pd.Series | None, customers: pd.DataFrame | None
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
    pos = _lookup(hist.ids, labels.index)
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


def _rate_counts(
    hist: _History,
    s: pd.Timestamp,
    e: pd.Timestamp,
    *,
    lapse_days: int,
    codes: np.ndarray,
    n_groups: int,
    total: bool,
) -> dict[str, np.ndarray]:
    """Per group (plus the total when ``total``): active, lost, revenue_start, revenue_lost."""
    s_day, e_day = _day(s), _day(e)
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


def _group_labels(labels: list[str], total: bool) -> list[str]:
    if total:
        if TOTAL in labels:
            raise ValueError(f"a group is named {TOTAL!r}, which clashes with the total row")
        return [*labels, TOTAL]
    return list(labels)


def _grouped_history(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None,
    by: str | pd.Series | None,
    total: bool,
) -> tuple[_History, np.ndarray, list[str], bool, list[str]]:
    """History, group codes, group labels, whether a total row is added, and the row labels.

    The shared set-up of :func:`churn_rate` and :func:`churn_series`: a total row only
    with ``by``.
    """
    hist = _history(transactions, customers)
    codes, labels = _groups(hist, by, customers)
    total = total and by is not None
    return hist, codes, labels, total, _group_labels(labels, total)


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
    hist = _history(transactions, customers)
    day = _day(_timestamp(as_of, "as_of"))
    last = hist.last_purchase(day)
    lost_on = hist.lost_on(last, lapse_days)
    keep = last >= 0
    is_lost = lost_on[keep] <= day
    first = hist.first_purchase()[keep]
    out = pd.DataFrame(
        {
            "first_purchase": _days_to_datetime(first),
            "last_purchase": _days_to_datetime(last[keep]),
            "lost_on": _days_to_datetime(np.where(is_lost, lost_on[keep], 0), is_lost),
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
    s, e = _window(start, end)
    hist, codes, labels, total, index = _grouped_history(transactions, customers, by, total)
    counts = _rate_counts(
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
    if not _is_month_end(end):
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
    e = _timestamp(end, "end")
    hist, codes, labels, total, index = _grouped_history(transactions, customers, by, total)
    periods = _month_ends(e, months)
    parts: dict[str, list[np.ndarray]] = {}
    starts, ends, partial = [], [], []
    for period in periods:
        m_end = period.to_timestamp(how="end").normalize()
        s = (period - window_months).to_timestamp(how="end").normalize()
        counts = _rate_counts(
            hist, s, m_end, lapse_days=lapse_days, codes=codes, n_groups=len(labels),
            total=total,
        )
        for name, values in counts.items():
            parts.setdefault(name, []).append(values)
        starts.append(np.datetime64(s.to_datetime64(), "ns"))
        ends.append(np.datetime64(m_end.to_datetime64(), "ns"))
        partial.append(_day(s) - hist.first_day < lapse_days)
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
    s, e = _window(start, end)
    hist = _history(transactions, customers)
    s_day, e_day = _day(s), _day(e)
    idx = np.flatnonzero(hist.active(s_day, lapse_days) & ~hist.active(e_day, lapse_days))
    last_e = hist.last_purchase(e_day, codes=idx)
    lost_on = hist.lost_on(last_e, lapse_days, codes=idx)
    return pd.DataFrame(
        {
            "last_purchase": _days_to_datetime(last_e),
            "lost_on": _days_to_datetime(lost_on),
            "lost_revenue": hist.revenue(last_e - revenue_days, last_e, codes=idx),
            "lifetime_revenue": hist.revenue(hist.base, e_day, codes=idx),
            "churned_explicitly": hist.churned[idx] < last_e + lapse_days,
        },
        index=hist.ids[idx],
    )


def _lost_revenue(
    transactions: pd.DataFrame, customers: pd.DataFrame | None, ids: Any, last_purchase: Any,
    *, days: int = 365,
) -> np.ndarray:
    """Net revenue of each of ``ids`` in the ``days`` up to and including its
    ``last_purchase`` (ARCHITECTURE's "lost revenue", as :func:`lost_customers` gives it),
    read from the churn history; 0 for an id without transactions or a missing date."""
    hist = _history(transactions, customers)
    codes = _lookup(ids, hist.ids)
    last = np.asarray(last_purchase, dtype="datetime64[ns]")
    ok = (codes >= 0) & ~np.isnat(last)
    out = np.zeros(len(codes), dtype=np.float64)
    if ok.any():
        day = last[ok].astype("datetime64[D]").astype(np.int64)
        out[ok] = hist.revenue(day - days, day, codes=codes[ok])
    return out


def _return_events(
    transactions: pd.DataFrame, lapse_days: int, customers: pd.DataFrame | None
) -> tuple[_History, pd.DataFrame]:
    """Every return (win-back) purchase day: columns code, day, previous (day ints)."""
    hist = _history(transactions, customers)
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
    s, e = _window(start, end)
    hist, ev = _return_events(transactions, lapse_days, customers)
    s_day, e_day = _day(s), _day(e)
    ev = ev[(ev["day"] > s_day) & (ev["day"] <= e_day)].drop_duplicates("code", keep="first")
    code = ev["code"].to_numpy()
    rev = hist.revenue(ev["day"].to_numpy() - 1, e_day, codes=code)
    return pd.DataFrame(
        {
            "returned_on": _days_to_datetime(ev["day"].to_numpy()),
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
    periods = _month_ends(_timestamp(end, "end"), months)
    hist, ev = _return_events(transactions, lapse_days, customers)
    month = pd.PeriodIndex(_days_to_datetime(ev["day"].to_numpy()), freq="M")
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
