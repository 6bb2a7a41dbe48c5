"""Per-customer aggregates of raw transactions: the transaction-level aggregation.

Three tables, all vectorised (integer codes, ``numpy.bincount``, one sort) and never looping
over customers in Python:

* :func:`customer_days` -- one row per customer and calendar day: the day's net amount, its
  rows, whether it holds a purchase.  The churn history (lapse rules), early warning and
  its back-test, the win-back queue, event windows, cohorts, the purchase cycle and value
  tiers read it instead of the raw rows; it is the smallest table the lapse rules can be
  read from.  Computed once per frame inside a page build (:func:`shared_customer_codes`)
  or a whole report (:func:`pinned_aggregates`, before the page workers fork).
* :func:`customer_summary` -- one row per customer (lifetimes' R/F/M/T and revenues), for
  RFM and CLV; read from the per-customer-day table when it is at hand.
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
in that backend through :mod:`retention_lib.analysis.engine` (same definitions, same output frame),
and only the result is loaded into pandas.  ``engine.summarize_files`` /
``engine.read_transactions`` build such a table over big files.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .shared import pinned_rows, rows_until

__all__ = [
    "customer_days",
    "customer_summary",
    "monthly_revenue",
    "pinned_aggregates",
    "shared_customer_codes",
    "SUMMARY_COLUMNS",
    "SUPPORTED_FREQS",
]

#: Output columns of :func:`customer_summary`, in order.
SUMMARY_COLUMNS = (
    "first_purchase",
    "last_purchase",
    "n_transactions",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "revenue_total",
    "revenue_window",
)

#: Period lengths understood by :func:`customer_summary`.
SUPPORTED_FREQS = ("D", "W")

_REQUIRED = ("customer_id", "date", "amount")
# 1970-01-01 is a Thursday: day d belongs to the Monday-to-Sunday week (d + 3) // 7.
_WEEK_SHIFT = 3
_NS_PER_DAY = 86_400 * 10**9


def _check_columns(transactions: pd.DataFrame, required: tuple[str, ...] = _REQUIRED) -> None:
    missing = [c for c in required if c not in transactions.columns]
    if missing:
        raise KeyError(
            f"transactions lack column(s) {missing}; required: {list(required)}, "
            f"found: {list(transactions.columns)}"
        )


def _is_ibis_table(obj: object) -> bool:
    """True for an Ibis table expression (checked without importing ibis)."""
    return type(obj).__module__.startswith("ibis.") and hasattr(obj, "to_pyarrow")


def _as_timestamp(value: object, name: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    if ts.tzinfo is not None:
        raise ValueError(f"{name} must be tz-naive (as the data contract), got {value!r}")
    return ts


def _as_day(value: object, name: str) -> pd.Timestamp:
    """``value`` as a midnight Timestamp; ValueError naming ``name`` if it is no date or NaT."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={value!r} is not a date: {exc}") from None
    if pd.isna(ts):
        raise ValueError(f"{name} is missing (got {value!r})")
    return ts.normalize()


def _day_number(ts: object) -> int:
    """Days since 1970-01-01 of the calendar day of ``ts`` (a Timestamp or date)."""
    return int((pd.Timestamp(ts).normalize() - pd.Timestamp(0)).days)


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 (floored) of a datetime Series, as int64."""
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _dates_from_days(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def _run_ends(starts: np.ndarray, n: int) -> np.ndarray:
    """Last position of each run of a sorted array, given the runs' first positions."""
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:] - 1
    ends[-1:] = n - 1
    return ends


def _filtered(
    transactions: pd.DataFrame, as_of: pd.Timestamp, keep: np.ndarray | None = None
) -> pd.DataFrame:
    if keep is None:
        keep = (transactions["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
    if keep.all():  # already filtered (the usual case): no copy of the rows
        return transactions.loc[:, list(_REQUIRED)]
    return transactions.loc[keep, list(_REQUIRED)]


_SHARED_CODES: list[dict[int, tuple[pd.DataFrame, np.ndarray, object]]] = []


@contextmanager
def shared_customer_codes() -> Iterator[None]:
    """Factorise each transaction frame's ``customer_id`` once inside the ``with`` block.

    At 20M rows one factorisation of the pyarrow string ids costs ~0.7 s; a page build
    summarises the same frame several times (at the report date, at the previous month
    end, the calibration split, value tiers).  Inside the block, the functions of this
    package that group transactions by customer (:func:`customer_summary`,
    :func:`retention_lib.analysis.clv.calibration_holdout_split`,
    :func:`retention_lib.analysis.clv.cumulative_transactions`,
    :func:`retention_lib.analysis.tiers.value_tiers`) factorise a frame they are handed once
    (matched by identity: the same DataFrame object; the frame is kept alive until the
    block ends) and derive the codes of any row subset from it.  The codes and sorted ids
    are exactly those of ``pandas.factorize(ids, sort=True)`` of the rows used, so results
    are identical with or without the block.
    """
    _SHARED_CODES.append({})
    try:
        yield
    finally:
        _SHARED_CODES.pop()


def _customer_codes(
    frame: pd.DataFrame, keep: np.ndarray | None = None, rows: pd.DataFrame | None = None
) -> tuple[np.ndarray, object]:
    """``pd.factorize(rows["customer_id"], sort=True)`` for the rows ``keep`` of ``frame``.

    ``rows`` is ``frame`` filtered by ``keep`` (default: all rows, ``frame`` itself).
    Outside :func:`shared_customer_codes` the ids of ``rows`` are factorised as before;
    inside, ``frame``'s factorisation is computed once per block and restricted to ``keep``:
    the sorted ids of a subset are the sorted ids present in it, in the same order.
    """
    if rows is None:
        rows = frame if keep is None else frame.loc[keep]
    hit = _PINNED.get(id(frame))
    if hit is None or hit[0] is not frame:
        if not _SHARED_CODES:
            return pd.factorize(rows["customer_id"], sort=True)
        cache = _SHARED_CODES[-1]
        hit = cache.get(id(frame))
        if hit is None or hit[0] is not frame:
            codes, uniques = pd.factorize(frame["customer_id"], sort=True)
            cache[id(frame)] = hit = (frame, codes, uniques)
    codes, uniques = hit[1], hit[2]
    if keep is None or bool(keep.all()):
        return codes, uniques
    sub = codes[keep]
    present = np.zeros(len(uniques), dtype=bool)
    present[sub] = True
    if present.all():
        return sub, uniques
    remap = np.cumsum(present) - 1
    return remap[sub], uniques[present]


def _share_subset(parent: pd.DataFrame, keep: np.ndarray, child: pd.DataFrame) -> None:
    """Inside :func:`shared_customer_codes`, give ``child`` (= ``parent``'s rows ``keep``)
    codes derived from ``parent``'s factorisation instead of a factorisation of its own.
    Outside the block: nothing."""
    if not _SHARED_CODES or child is parent:
        return
    codes, uniques = _customer_codes(parent, keep, child)
    _SHARED_CODES[-1][id(child)] = (child, codes, uniques)


#: Codes and day tables computed by :func:`pinned_aggregates`, per frame id (the entry holds
#: the frame, so a recycled id never matches another object).
_PINNED: dict[int, tuple[pd.DataFrame, np.ndarray, object]] = {}
_PINNED_DAYS: dict[int, tuple[pd.DataFrame, _Days]] = {}


@dataclass(frozen=True)
class _Days:
    """The per-customer-day table of a transaction frame, as arrays (:func:`_days`).

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


def _build_days(transactions: pd.DataFrame) -> _Days:
    codes, uniques = _customer_codes(transactions)
    dates = transactions["date"]
    if not (isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M"):
        dates = pd.to_datetime(dates)
    stamp = dates.to_numpy(dtype="datetime64[ns]")
    amount = pd.to_numeric(transactions["amount"]).to_numpy(dtype=np.float64)
    valid = (np.asarray(codes) >= 0) & ~np.isnat(stamp)
    if not valid.all():  # rows without an id or a date belong to no customer-day
        codes, stamp, amount = np.asarray(codes)[valid], stamp[valid], amount[valid]
    day = stamp.astype("datetime64[D]").astype(np.int64)
    midnight = not (stamp.astype(np.int64) - day * _NS_PER_DAY).any()
    empty = np.zeros(0, dtype=np.int64)
    if len(day) == 0:
        return _Days(uniques, empty, empty, np.zeros(0), empty, np.zeros(0, dtype=bool))
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
    return _Days(uniques, first // span, first % span + lo, net, rows, bought, midnight,
                 bool(np.isnan(amount).any()))


def _known_days(transactions: pd.DataFrame) -> _Days | None:
    """The per-customer-day table of ``transactions`` if it was already computed (pinned, or
    in the open :func:`shared_customer_codes` block), else ``None``."""
    hit = _PINNED_DAYS.get(id(transactions))
    if hit is None and _SHARED_CODES:
        hit = _SHARED_CODES[-1].get(("days", id(transactions)))
    return hit[1] if hit is not None and hit[0] is transactions else None


def _days(transactions: pd.DataFrame) -> _Days:
    """The per-customer-day table of ``transactions`` (:class:`_Days`).

    Computed once per frame inside :func:`shared_customer_codes` or
    :func:`pinned_aggregates`, else every call."""
    days = _known_days(transactions)
    if days is None:
        days = _build_days(transactions)
        if _SHARED_CODES:
            _SHARED_CODES[-1][("days", id(transactions))] = (transactions, days)
    return days


@contextmanager
def pinned_aggregates(transactions: pd.DataFrame, *, as_of: object | None = None
                      ) -> Iterator[None]:
    """Compute ``transactions``' customer codes and per-customer-day table now, and use them
    in every call on this frame until the block ends.

    :func:`shared_customer_codes` shares work within one page build; a report builds
    several pages, in worker processes forked from the runner.  The runner opens this block
    around all of them, so the one pass over the raw rows that every lapse, purchase-day
    and window figure starts from (:func:`customer_days`) is made once, before the workers
    fork, and they inherit it.

    With ``as_of`` (the report month's end), the rows up to it are pinned too
    (:func:`retention_lib.analysis.shared.pinned_rows`: every build's ``rows_until(transactions,
    as_of)`` is that one frame) with their codes and day table, taken from the whole
    frame's without another pass.  Results are identical with or without the block; the
    frames must not be modified inside it.
    """
    _check_columns(transactions)
    with ExitStack() as stack:
        stack.enter_context(_pinned(transactions))
        if as_of is not None:
            as_of = _as_timestamp(as_of, "as_of")
            stack.enter_context(pinned_rows(transactions, as_of))
            rows = rows_until(transactions, as_of)
            if rows is not transactions:
                stack.enter_context(_pinned(rows, parent=transactions, as_of=as_of))
        yield


@contextmanager
def _pinned(frame: pd.DataFrame, *, parent: pd.DataFrame | None = None,
            as_of: pd.Timestamp | None = None) -> Iterator[None]:
    """Pin ``frame``'s codes and day table (:func:`pinned_aggregates`); ``frame`` being the
    rows of ``parent`` (pinned) up to ``as_of``: derived from ``parent``'s."""
    key = id(frame)
    if key in _PINNED:  # nested on the same frame: the outer block owns the entry
        yield
        return
    if parent is None:
        codes, uniques = pd.factorize(frame["customer_id"], sort=True)
        _PINNED[key] = (frame, codes, uniques)
        days = _build_days(frame)
    else:
        keep = (parent["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
        codes, uniques = _customer_codes(parent, keep, frame)
        _PINNED[key] = (frame, codes, uniques)
        days = _days_until(_days(parent), as_of, len(uniques))
        if days is None:  # dates with a time of day: the rows' own table
            days = _build_days(frame)
    try:
        _PINNED_DAYS[key] = (frame, days)
        yield
    finally:
        _PINNED.pop(key, None)
        _PINNED_DAYS.pop(key, None)


def _days_until(days: _Days, as_of: pd.Timestamp, n_cust: int | None = None) -> _Days | None:
    """The per-customer-day table of the rows up to ``as_of``, from the whole frame's
    ``days`` (codes renumbered among the customers up to then: ``n_cust`` of them, a
    check, when given); ``None`` when the days cannot say which rows those are (dates with
    a time of day)."""
    if not days.midnight:
        return None
    sel = days.day <= _day_number(as_of)
    code = days.code[sel]
    present = np.zeros(len(days.uniques), dtype=bool)
    present[code] = True
    if n_cust is not None and int(present.sum()) != n_cust:  # pragma: no cover - a check
        return None
    uniques = days.uniques
    if not present.all():
        code = (np.cumsum(present) - 1)[code]
        uniques = uniques[present]
    return _Days(uniques, code, days.day[sel], days.net[sel], days.rows[sel],
                 days.bought[sel], True, days.nan_amounts)


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
    if _is_ibis_table(transactions):
        from .engine import customer_days_table

        return customer_days_table(transactions, as_of=as_of)
    _check_columns(transactions)
    days = _days(transactions)
    keep = slice(None)
    if as_of is not None:
        last = _day_number(_as_timestamp(as_of, "as_of"))
        keep = days.day <= last
    ids = _string_index(pd.Index(days.uniques))
    return pd.DataFrame({
        "customer_id": ids.take(days.code[keep]).array,
        "date": _dates_from_days(days.day[keep]),
        "amount": days.net[keep],
        "rows": days.rows[keep],
        "purchase": days.bought[keep],
    })


def _money_key(values: object) -> np.ndarray:
    """Money as a sort key: rounded to a millionth, so amounts equal to the cent tie (and
    the next key decides) whichever order their rows or days were added in."""
    return np.round(np.asarray(values, dtype=np.float64), 6)


def _string_index(uniques: pd.Index) -> pd.Index:
    """The customer ids as a ``string``-dtype Index named ``customer_id``.

    Cast directly when they already are pyarrow strings (the loader's ``str`` dtype); the
    detour through Python objects costs a second per million customers.
    """
    dtype = getattr(uniques, "dtype", None)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pd.Index(uniques.astype("string"), name="customer_id")
    return pd.Index(pd.array(np.asarray(uniques, dtype=object), dtype="string"),
                    name="customer_id")


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
        table with these columns: computed by its backend (:mod:`retention_lib.analysis.engine`).
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
        ``freq`` is not one of :data:`SUPPORTED_FREQS`, or ``as_of`` is not a date.
    """
    if _is_ibis_table(transactions):
        from .engine import summarize_table

        return summarize_table(transactions, as_of=as_of, freq=freq, window_days=window_days,
                               purchases_only=purchases_only)
    _check_columns(transactions)
    if freq not in SUPPORTED_FREQS:
        raise ValueError(f"freq={freq!r} is not supported; choose one of {list(SUPPORTED_FREQS)}")
    as_of = _as_timestamp(as_of, "as_of")
    as_of_day = np.int64(_day_number(as_of))
    window_start = as_of - pd.Timedelta(days=window_days)
    view = _day_view(transactions, as_of)
    if view is not None:
        # the per-customer-day table, already sorted by (customer, day): its days are the
        # rows' days, with the day's net amount (the sums differ from adding the rows one by
        # one in the last bits only)
        uniques, cust_s, day_s, amount_s, rows_s = view
        n_cust = len(uniques)
        n_rows = np.bincount(cust_s, weights=rows_s, minlength=n_cust).astype(np.int64)
        revenue_total = np.bincount(cust_s, weights=amount_s, minlength=n_cust)
        in_window = day_s > _day_number(window_start)
        revenue_window = np.bincount(cust_s[in_window], weights=amount_s[in_window],
                                     minlength=n_cust)
    else:
        keep = (transactions["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
        tx = _filtered(transactions, as_of, keep)
        codes, uniques = _customer_codes(transactions, keep, tx)
        n_cust = len(uniques)
        amount = tx["amount"].to_numpy(dtype=np.float64)
        day = _day_numbers(tx["date"])
        # One sort of the rows by (customer, day) serves everything: day order is also
        # period order, so each customer's periods are contiguous runs of the sorted rows.
        n_rows = np.bincount(codes, minlength=n_cust)
        d_min = int(day.min()) if len(day) else 0
        d_span = (int(day.max()) - d_min + 1) if len(day) else 1
        order = np.argsort(codes.astype(np.int64) * d_span + (day - d_min))
        cust_s = codes[order]
        day_s = day[order]
        amount_s = amount[order]
        in_window = (tx["date"] > window_start).to_numpy(dtype=bool)
        revenue_total = np.bincount(codes, weights=amount, minlength=n_cust)
        revenue_window = np.bincount(codes[in_window], weights=amount[in_window],
                                     minlength=n_cust)
    index = _string_index(uniques)
    no_purchase = 0
    if purchases_only:
        cust_s, day_s, amount_s = _purchase_days(cust_s, day_s, amount_s)
        present = np.unique(cust_s)  # customers with a purchase day, ascending codes
        no_purchase = n_cust - len(present)
        if no_purchase:
            remap = np.full(n_cust, -1, dtype=np.int64)
            remap[present] = np.arange(len(present))
            cust_s = remap[cust_s]
            index = index[present]
            n_rows, revenue_total = n_rows[present], revenue_total[present]
            revenue_window = revenue_window[present]
            n_cust = len(present)
    if freq == "D":
        period_s, as_of_period = day_s, as_of_day
    else:  # "W": Monday-to-Sunday weeks, as pandas' W-SUN periods used by lifetimes
        period_s = (day_s + _WEEK_SHIFT) // 7
        as_of_period = (as_of_day + _WEEK_SHIFT) // 7

    new_cust = np.ones(len(cust_s), dtype=bool)
    new_cust[1:] = cust_s[1:] != cust_s[:-1]
    cust_starts = np.flatnonzero(new_cust)
    cust_ends = _run_ends(cust_starts, len(cust_s))
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
    ends = _run_ends(starts, len(pcust))
    n_periods = ends - starts + 1
    first_period = pper[starts]
    last_period = pper[ends]
    repeat_sum = np.bincount(pcust[~is_first], weights=psum[~is_first], minlength=n_cust)

    frequency = (n_periods - 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_sum / np.maximum(frequency, 1), 0.0)

    out = pd.DataFrame(
        {
            "first_purchase": _dates_from_days(first_day),
            "last_purchase": _dates_from_days(last_day),
            "n_transactions": n_rows.astype(np.int64),
            "frequency": frequency,
            "recency": (last_period - first_period).astype(np.float64),
            "T": (as_of_period - first_period).astype(np.float64),
            "monetary_value": monetary.astype(np.float64),
            "revenue_total": revenue_total.astype(np.float64),
            "revenue_window": revenue_window.astype(np.float64),
        },
        index=index,
    )
    out.attrs = {"as_of": as_of, "freq": freq, "window_days": window_days,
                 "purchases_only": bool(purchases_only), "no_purchase": int(no_purchase)}
    return out


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


def _day_view(
    transactions: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[object, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The rows up to ``as_of`` as per-customer days, read from the per-customer-day table
    when it is already at hand and equals them (dates at midnight, no NaN amount):
    ``(uniques, code, day, net, rows)``, ``uniques`` the sorted ids up to ``as_of`` (as
    :func:`_customer_codes` gives them) and per day its customer's position in them, the
    day, its net amount and its number of rows, sorted by code then day.  ``None``
    otherwise: the caller reads the rows."""
    days = _known_days(transactions)
    if days is None or days.nan_amounts:
        return None
    upto = _days_until(days, as_of)
    if upto is None:
        return None
    return upto.uniques, upto.code, upto.day, upto.net, upto.rows


def _day_profile(
    transactions: pd.DataFrame, *, as_of: object
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """The order-free part of :func:`customer_summary` with ``freq="D"``, faster.

    Returns the index of :func:`customer_summary` (the customers with a purchase day up to
    ``as_of``) and, aligned with it, the last purchase day (days since 1970-01-01, int64),
    the number of purchase days (int64: ``frequency + 1``) and ``revenue_total`` (float64:
    every row, refunds included, summed per day as :func:`customer_summary` does).  A
    purchase day is a day whose net amount is positive.  DataFrames only.
    """
    _check_columns(transactions)
    as_of = _as_timestamp(as_of, "as_of")
    view = _day_view(transactions, as_of)
    if view is not None:  # the per-customer-day table, as customer_summary reads it
        uniques, cust, day, net, _ = view
    else:
        keep = (transactions["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
        tx = _filtered(transactions, as_of, keep)
        codes, uniques = _customer_codes(transactions, keep, tx)
        day = _day_numbers(tx["date"])
        amount = tx["amount"].to_numpy(dtype=np.float64)
        if len(day):
            d_min = int(day.min())
            span = int(day.max()) - d_min + 1
            keys, inverse = np.unique(codes.astype(np.int64) * span + (day - d_min),
                                      return_inverse=True)
            net = np.bincount(inverse.ravel(), weights=amount)
            cust, day = keys // span, keys % span + d_min
        else:
            cust = day = np.zeros(0, dtype=np.int64)
            net = np.zeros(0)
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
    return (_string_index(uniques)[present], last_day[present], n_days[present],
            revenue_total[present])


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
        table with these columns (computed by its backend, :mod:`retention_lib.analysis.engine`).
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
    if _is_ibis_table(transactions):
        from .engine import monthly_matrix, monthly_revenue_table

        long = monthly_revenue_table(transactions, as_of=as_of, start=start)
        return monthly_matrix(long, as_of=as_of, start=start)
    _check_columns(transactions)
    tx = transactions.loc[:, list(_REQUIRED)]
    if as_of is not None:
        tx = _filtered(tx, _as_timestamp(as_of, "as_of"))
    if start is not None:
        start_ts = _as_timestamp(start, "start")
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
    index = _string_index(uniques)
    return pd.DataFrame(values, index=index, columns=columns)
