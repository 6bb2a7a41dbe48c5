"""Company history: did churn rise after each of the company's own events?

DESIGN.md rule 6. For every row of ``events`` (price change, assortment change, ...) the share
of customers who **stopped buying** in a window before the event is compared with the share in
a window after it.

Definitions
-----------
Windows (defaults 3 months each, calendar months from the event date D):
``before = (D - months_before, D]`` and ``after = (D, D + months_after]``.

For a window ``(a, b]``:

* **base** = customers active at ``a`` (ARCHITECTURE.md: last purchase in
  ``(a - lapse_days, a]``, no ``churned_on <= a``);
* **stopped** = customers of the base who **never bought again after** ``b``: their last
  purchase (as of ``as_of``, the end of the data) is on or before ``b`` and they are lost at
  ``as_of``; or their ``churned_on`` falls in ``(a, b]``. In words: of the customers we had
  at the start of the window, those who had made their final purchase by its end. This is
  the direct view of an event: the lapse-based ``lost_on`` of these customers lies
  ``lapse_days`` after their last purchase, so the official churn rate shows them about a
  year after the event. It counts the customers whose last purchase was shortly before ``a``
  too (still "active" by the lapse rule but already gone): a customer who drops out after an
  event has often made their last, rarer purchases before it, so a rule that only counted
  last purchases inside the window would hide the event's effect;
* **churn** = stopped / base;
* **revenue churn** = the stopped customers' net revenue in ``(a - lapse_days, a]`` divided by
  the net revenue of the whole base over the same days (ARCHITECTURE.md's revenue churn,
  applied to these windows).

``churn_change`` / ``revenue_churn_change`` = after minus before (in rate units: 0.05 = +5
points). **Significance**: Fisher's exact test (two-sided, :func:`scipy.stats.fisher_exact`)
on the 2 x 2 table stopped / not stopped x before / after; ``significant`` = ``p_value <
alpha`` (0.05). The two bases overlap (the same customer can be in both), so the p-value is
an indication, not a formal test.

Notes (never fatal; in the ``note`` column)
-------------------------------------------
* an event on or before the first transaction or on or after ``as_of``: "outside the data
  range", nothing measured (NaN);
* a before window that starts less than ``lapse_days`` after the first transaction: the base
  is counted on a shorter history ("partial history");
* an after window that ends after ``as_of``: "after window incomplete";
* fewer than ``lapse_days`` of data after the after window: customers who stopped may still
  come back, so "stopped" is counted only for those already lost ("provisional").

Expected churn
--------------
A planned repositioning may mean some churn is expected and needs no win-back. ``expected``
is true when ``events`` has a boolean ``expected`` column that says so, or the ``kind`` is in
``expected_kinds`` (default ``("repositioning",)``), or the ``kind`` or ``description``
contains one of ``expected_keywords`` (case-insensitive; default English, Russian and
Ukrainian stems of "repositioning").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact

from ..config import DEFAULT_SETTINGS
from ._frame_ids import first_row_of_code, index_in, rows_at, tx_days
from ._frames import as_day, day_number
from .churn import customer_status

__all__ = ["EVENT_COLUMNS", "event_impact", "stop_rate"]

#: Columns of :func:`event_impact`.
EVENT_COLUMNS = (
    "date",
    "kind",
    "description",
    "expected",
    "before_start",
    "after_end",
    "active_before",
    "stopped_before",
    "churn_before",
    "active_after",
    "stopped_after",
    "churn_after",
    "churn_change",
    "revenue_churn_before",
    "revenue_churn_after",
    "revenue_churn_change",
    "p_value",
    "significant",
    "verdict",
    "note",
)

_EXPECTED_KEYWORDS = ("reposition", "репозиц", "репозиціон", "planned churn")


class _Base:
    """Data shared by the windows of all events.

    Customer ids are matched once: the status at the end of the data fixes the order of the
    customers, every window maps its base onto it by position, and revenue is summed per
    integer code over the per-customer-day table
    (:func:`retention_lib.analysis.summary.customer_days`:
    each day's net amount), not over the raw rows.
    """

    def __init__(
        self,
        transactions: pd.DataFrame,
        as_of: pd.Timestamp,
        lapse_days: int,
        customers: pd.DataFrame | None,
    ) -> None:
        self.transactions = transactions
        # the per-customer-day table up to as_of, with the sorted ids of the whole frame (a
        # superset of those up to as_of, same order: the same sums per customer); shared
        # with early_warning and the churn history
        uniq, code, day, net, _ = tx_days(transactions)
        upto = day <= day_number(as_of)
        self.codes, self.days, self.net = code[upto], day[upto], net[upto]
        self.n_codes = len(uniq)
        self.as_of = as_of
        self.lapse = lapse_days
        self.customers = customers
        self.end_status = customer_status(
            transactions, as_of=as_of, lapse_days=lapse_days, customers=customers
        )
        self.end_status.index = self.end_status.index.astype(str)
        self.end_last = self.end_status["last_purchase"].to_numpy()
        self.end_lost = (self.end_status["status"] == "lost").to_numpy(bool)
        # transaction code of every customer of end_status (all have a purchase)
        self.end_code = index_in(pd.Index(self.end_status.index), pd.Index(uniq))
        self.churned_on = None
        if customers is not None and "churned_on" in customers.columns:
            col = customers["churned_on"]
            if isinstance(col.dtype, np.dtype) and col.dtype.kind == "M":
                # first row per id, NaT when absent (what set_index / reindex give)
                # (every id of end_status is in uniq: end_code finds it)
                rows = rows_at(first_row_of_code(customers, uniq), self.end_code)
                values = col.to_numpy()
                got = np.full(len(rows), np.datetime64("NaT"), dtype=values.dtype)
                got[rows >= 0] = values[rows[rows >= 0]]
                self.churned_on = got
            else:
                c = customers.set_index(customers["customer_id"].astype(str))["churned_on"]
                c = c[~c.index.duplicated()]
                self.churned_on = c.reindex(self.end_status.index).to_numpy()

    def window(self, a: pd.Timestamp, b: pd.Timestamp) -> tuple[int, int, float, float]:
        """(base, stopped, base revenue, stopped revenue) for the window (a, b]."""
        # up to a <= as_of the full table gives the same status as the one cut at as_of
        # (rows after ``a`` are ignored), and it shares the set-up of other churn calls
        source = self.transactions
        if a > self.as_of:  # status at a from the rows up to as_of only
            keep = (source["date"] <= self.as_of).to_numpy(dtype=bool, na_value=False)
            source = source.loc[keep, ["customer_id", "date", "amount"]]
        st = customer_status(source, as_of=a, lapse_days=self.lapse, customers=self.customers)
        active = (st["status"] == "active").to_numpy(dtype=bool, na_value=False)
        # every customer's position in end_status (hashed in pyarrow), then the base's
        pos = index_in(pd.Index(st.index.astype(str)), self.end_status.index)[active]
        n_base = int(active.sum())
        found = pos >= 0
        p = np.maximum(pos, 0)
        last = np.where(found, self.end_last[p], np.datetime64("NaT"))
        stopped = (last <= np.datetime64(b)) & found & self.end_lost[p]
        if self.churned_on is not None:
            co = np.where(found, self.churned_on[p], np.datetime64("NaT"))
            stopped = stopped | ((co > np.datetime64(a)) & (co <= np.datetime64(b)))
        lo = a - pd.Timedelta(days=self.lapse)
        dv = self.days
        sel = (dv > day_number(lo)) & (dv <= day_number(a))
        by_code = np.zeros(self.n_codes, dtype=np.float64)
        if sel.any():
            s = pd.Series(self.net[sel]).groupby(self.codes[sel]).sum()
            by_code[s.index.to_numpy(np.int64)] = s.to_numpy(np.float64)
        code = np.where(found, self.end_code[p], -1)
        rev = pd.Series(np.where(code >= 0, by_code[np.maximum(code, 0)], 0.0))
        return (
            n_base, int(stopped.sum()), float(rev.sum()), float(rev[stopped].sum())
        )


def stop_rate(
    transactions: pd.DataFrame,
    *,
    start: Any,
    end: Any,
    as_of: Any = None,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    customers: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Share of the customers active at ``start`` who stopped buying in (start, end].

    See the module docstring for the definitions.

    Returns
    -------
    dict
        ``active`` (int), ``stopped`` (int), ``churn`` (float, NaN when no one is active),
        ``revenue_start``, ``revenue_stopped``, ``revenue_churn`` (float).
    """
    data_end = transactions["date"].max() if as_of is None else as_of
    base = _Base(transactions, as_day(data_end, "as_of"), lapse_days, customers)
    n, k, r, rk = base.window(as_day(start, "start"), as_day(end, "end"))
    return {
        "active": n, "stopped": k, "churn": k / n if n else float("nan"),
        "revenue_start": r, "revenue_stopped": rk,
        "revenue_churn": rk / r if r > 0 else float("nan"),
    }


def _is_expected(
    events: pd.DataFrame, kinds: Iterable[str], keywords: Iterable[str]
) -> np.ndarray:
    kinds = {str(k).strip().casefold() for k in kinds}
    kind = events["kind"].astype(str).str.strip().str.casefold()
    text = kind
    if "description" in events.columns:
        text = kind + " " + events["description"].fillna("").astype(str).str.casefold()
    out = kind.isin(kinds).to_numpy(bool).copy()
    for word in keywords:
        out = out | text.str.contains(str(word).casefold(), regex=False).to_numpy(bool)
    if "expected" in events.columns:
        flag = events["expected"]
        if flag.dtype == object or pd.api.types.is_string_dtype(flag):
            flag = flag.astype(str).str.strip().str.casefold().isin(["true", "yes", "1"])
        out = out | flag.to_numpy(dtype=bool, na_value=False)
    return out


def _verdict(kind: str, change: float, p: float, expected: bool, alpha: float) -> str:
    if change != change:
        return "not measured"
    pts = f"{abs(100 * change):.1f} points"
    if p < alpha and change > 0:
        text = f"churn rose by {pts} after the {kind.replace('_', ' ')}"
        return text + (" (expected: planned)" if expected else "")
    if p < alpha and change < 0:
        return f"churn fell by {pts} after the {kind.replace('_', ' ')}"
    return f"no clear change ({'+' if change >= 0 else '-'}{pts}, could be chance)"


def event_impact(
    events: pd.DataFrame,
    *,
    transactions: pd.DataFrame,
    as_of: Any = None,
    customers: pd.DataFrame | None = None,
    months_before: int = 3,
    months_after: int = 3,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    alpha: float = 0.05,
    expected_kinds: Iterable[str] = ("repositioning",),
    expected_keywords: Iterable[str] = _EXPECTED_KEYWORDS,
) -> pd.DataFrame:
    """Churn and revenue churn before vs after each company event.

    Parameters
    ----------
    events
        ``date`` (datetime64), ``kind`` (str); optional ``description`` (str) and
        ``expected`` (bool).
    transactions
        ``customer_id``, ``date``, ``amount``.
    as_of
        End of the data (default: the last transaction date); rows after it are ignored.
    customers
        Optional, for ``churned_on``.
    months_before, months_after
        Window lengths in calendar months.
    lapse_days
        The activity rule.
    alpha
        Significance level of the Fisher test.
    expected_kinds, expected_keywords
        See "Expected churn" in the module docstring.

    Returns
    -------
    pandas.DataFrame
        RangeIndex, one row per event in date order. Columns :data:`EVENT_COLUMNS`:
        ``date``, ``before_start``, ``after_end`` (datetime64[ns]), ``kind``,
        ``description``, ``verdict``, ``note`` (str), ``expected``, ``significant`` (bool),
        ``active_before``, ``stopped_before``, ``active_after``, ``stopped_after`` (int64),
        rates, changes and ``p_value`` (float64; NaN when not measured). ``verdict`` and
        ``note`` are English; ``attrs`` (``data_start``, ``data_end``, ``lapse_days``,
        ``months_before``, ``months_after``, ``alpha``) let display code rebuild both in
        another language (:mod:`retention_lib.pages.diagnostics`).
    """
    for col in ("date", "kind"):
        if col not in events.columns:
            raise ValueError(
                f"events lacks required column {col!r}; it has {list(events.columns)}"
            )
    if months_before < 1 or months_after < 1:
        raise ValueError(
            f"months_before and months_after must be >= 1, got {months_before}, {months_after}"
        )
    data_end = as_day(transactions["date"].max() if as_of is None else as_of, "as_of")
    data_start = as_day(transactions["date"].min(), "first transaction date")
    ev = events.sort_values("date", kind="stable").reset_index(drop=True)
    expected = _is_expected(ev, expected_kinds, expected_keywords)
    base = _Base(transactions, data_end, lapse_days, customers)
    rows = [
        _event_row(rec, bool(expected[i]), base, data_start=data_start, data_end=data_end,
                   months_before=months_before, months_after=months_after,
                   lapse_days=lapse_days, alpha=alpha)
        for i, rec in ev.iterrows()
    ]
    out = _typed_event_frame(rows)
    out.attrs = {
        "data_start": data_start, "data_end": data_end, "lapse_days": int(lapse_days),
        "months_before": int(months_before), "months_after": int(months_after),
        "alpha": float(alpha),
    }
    return out


_NAN_FIELDS = ("churn_before", "churn_after", "churn_change", "revenue_churn_before",
               "revenue_churn_after", "revenue_churn_change", "p_value")
_COUNT_FIELDS = ("active_before", "stopped_before", "active_after", "stopped_after")


def _event_row(
    rec: pd.Series, expected: bool, base: _Base, *, data_start: pd.Timestamp,
    data_end: pd.Timestamp, months_before: int, months_after: int, lapse_days: int,
    alpha: float,
) -> dict[str, Any]:
    """One :func:`event_impact` row: the windows around the event ``rec`` compared."""
    d = rec["date"]
    row: dict[str, Any] = {
        "date": d,
        "kind": str(rec["kind"]),
        "description": "" if pd.isna(rec.get("description", "")) else
        str(rec.get("description", "")),
        "expected": expected,
    }
    nan_fields = dict.fromkeys(_NAN_FIELDS, float("nan"))
    zero_fields = dict.fromkeys(_COUNT_FIELDS, 0)
    if pd.isna(d):
        return {**row, **nan_fields, **zero_fields, "before_start": pd.NaT,
                "after_end": pd.NaT, "significant": False,
                "verdict": "not measured", "note": "event without a date"}
    d = pd.Timestamp(d).normalize()
    a0 = d - pd.DateOffset(months=months_before)
    b1 = d + pd.DateOffset(months=months_after)
    row.update(before_start=a0, after_end=b1)
    if d <= data_start or d >= data_end:
        return {**row, **nan_fields, **zero_fields, "significant": False,
                "verdict": "not measured",
                "note": f"outside the data range ({data_start:%Y-%m-%d} to "
                        f"{data_end:%Y-%m-%d}); not measured"}
    notes = _window_notes(a0, b1, data_start, data_end, lapse_days)
    nb, kb, rb, rkb = base.window(a0, d)
    na, ka, ra, rka = base.window(d, min(b1, data_end))
    cb = kb / nb if nb else float("nan")
    ca = ka / na if na else float("nan")
    rcb = rkb / rb if rb > 0 else float("nan")
    rca = rka / ra if ra > 0 else float("nan")
    if nb and na:
        p = float(fisher_exact([[kb, nb - kb], [ka, na - ka]])[1])
    else:
        p = float("nan")
    change = ca - cb
    row.update(
        active_before=nb, stopped_before=kb, churn_before=cb,
        active_after=na, stopped_after=ka, churn_after=ca, churn_change=change,
        revenue_churn_before=rcb, revenue_churn_after=rca,
        revenue_churn_change=rca - rcb, p_value=p,
        significant=bool(p < alpha),
        verdict=_verdict(row["kind"], change, p, row["expected"], alpha),
        note="; ".join(notes),
    )
    return row


def _window_notes(
    a0: pd.Timestamp, b1: pd.Timestamp, data_start: pd.Timestamp, data_end: pd.Timestamp,
    lapse_days: int,
) -> list[str]:
    """The caveats of the windows ``(a0, event]`` and ``(event, b1]``: partial history before,
    an incomplete or provisional window after."""
    notes = []
    if (a0 - data_start).days < lapse_days:
        notes.append(
            "partial history: the active base before the event is counted on "
            f"{max((a0 - data_start).days, 0)} days of data (fewer than {lapse_days})"
        )
    if b1 > data_end:
        notes.append(f"after window incomplete: the data end on {data_end:%Y-%m-%d}")
    elif (data_end - b1).days < lapse_days:
        notes.append(
            f"provisional: only {(data_end - b1).days} days of data after the window, "
            "so customers who stopped may still come back"
        )
    return notes


def _typed_event_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as the :data:`EVENT_COLUMNS` frame with its column dtypes."""
    out = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    for col in ("date", "before_start", "after_end"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    for col in _COUNT_FIELDS:
        out[col] = out[col].astype(np.int64)
    for col in ("expected", "significant"):
        out[col] = out[col].astype(bool)
    for col in ("kind", "description", "verdict", "note"):
        out[col] = out[col].astype(str)
    return out
