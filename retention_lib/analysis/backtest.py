"""Back-test of the early-warning markers: do flagged customers really leave more often?

Method
------
1. **Flag at T using only what was known at T.** Every table is cut to dates ``<= T``
   (transactions, contacts, signals by ``date``; usage by ``period``; a ``churned_on`` later
   than T is blanked, since it was not known yet; ``p_alive`` must be computed by the caller
   on data up to T). :func:`retention_lib.analysis.signals.early_warning` then runs at ``as_of=T``.
2. **Who is judged.** The customers active at T whose history is long enough for a baseline
   (``history == "ok"``). Active customers with "not enough history" are not judged by the
   markers and are left out of the figures (their number is reported as ``not_judged``).
3. **What counts as churn in the horizon.** Under the 365-day lapse rule nobody is "lost"
   within 90 days, so the back-test uses the direct view of leaving: a judged customer
   **churned in the horizon** when they made their last purchase on or before
   ``T + horizon_days`` and never bought again up to the end of the data (``data_end``),
   or when their ``churned_on`` falls in ``(T, T + horizon_days]``. When the follow-up after
   the horizon, ``data_end - (T + horizon_days)``, is at least ``lapse_days``, every such
   customer is lost by the ARCHITECTURE.md definition (their ``lost_on`` is on or before
   ``data_end``); with a shorter follow-up the figures are ``provisional`` (some may still
   come back). The default ``at`` is the latest date with a complete follow-up:
   ``data_end - horizon_days - lapse_days``.
4. **Figures.** ``churn_rate_flagged`` = churned flagged / flagged; ``churn_rate_unflagged``
   likewise; ``lift`` = their ratio; ``precision`` = churned flagged / flagged (the same as
   ``churn_rate_flagged``); ``recall`` = churned flagged / churned; ``base_rate`` = churned /
   judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS
from ._frame_ids import first_row_of_code, index_in, rows_at, tx_days
from ._frames import as_day, day_number
from .signals import HISTORY_OK, MARKERS, early_warning

__all__ = [
    "Backtest",
    "backtest_date",
    "backtest_markers",
    "backtest_metrics",
    "truncate_tables",
]


@dataclass
class Backtest:
    """Result of :func:`backtest_markers`.

    Attributes
    ----------
    at, horizon_end, data_end
        T, ``T + horizon_days`` and the last date of the data.
    horizon_days, follow_up_days, lapse_days
        Horizon length; days of data after the horizon; the lapse rule used.
    provisional
        ``follow_up_days < lapse_days`` (see the module docstring).
    active, judged, not_judged
        Customers active at T; of those with enough history; without.
    flagged, churned, flagged_churned, unflagged_churned
        Counts among the judged customers.
    churn_rate_flagged, churn_rate_unflagged, base_rate, lift, precision, recall
        See the module docstring (NaN when a denominator is 0).
    markers_on, markers_off
        From :func:`~retention_lib.analysis.signals.early_warning`.
    by_marker
        Index ``marker`` (the markers that were on); columns ``fired`` (int64),
        ``churned`` (int64: of those), ``churn_rate`` (float64), ``lift`` (float64: churn
        rate when fired / when not fired), ``recall`` (float64).
    customers
        The judged customers: the :func:`early_warning` frame at T plus ``churned`` (bool).
    """

    at: pd.Timestamp
    horizon_end: pd.Timestamp
    data_end: pd.Timestamp
    horizon_days: int
    follow_up_days: int
    lapse_days: int
    provisional: bool
    active: int
    judged: int
    not_judged: int
    flagged: int
    churned: int
    flagged_churned: int
    unflagged_churned: int
    churn_rate_flagged: float
    churn_rate_unflagged: float
    base_rate: float
    lift: float
    precision: float
    recall: float
    markers_on: list[str] = field(default_factory=list)
    markers_off: dict[str, str] = field(default_factory=dict)
    by_marker: pd.DataFrame = field(default_factory=pd.DataFrame)
    customers: pd.DataFrame = field(default_factory=pd.DataFrame)

    def sentence(self) -> str:
        """The result in one plain sentence."""
        def pct(x: float) -> str:
            return "n/a" if x != x else f"{100 * x:.1f} %"

        lift = "n/a" if self.lift != self.lift else f"{self.lift:.1f}"
        text = (
            f"Flagging at {self.at:%Y-%m-%d}: {self.flagged:,} of {self.judged:,} customers "
            f"were flagged; {pct(self.churn_rate_flagged)} of them stopped buying within "
            f"{self.horizon_days} days, against {pct(self.churn_rate_unflagged)} of the others "
            f"({lift} times as often). The flags caught {pct(self.recall)} of the customers "
            "who left."
        )
        if self.provisional:
            text += (
                f" Provisional: only {self.follow_up_days} days of data after the horizon "
                f"(fewer than {self.lapse_days})."
            )
        return text


def _div(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")


def truncate_tables(
    at: Any,
    *,
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    signals: pd.DataFrame | None = None,
    usage: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame | None]:
    """The tables as they were known at ``at`` (new frames; inputs untouched).

    Rows dated after ``at`` are dropped (``usage`` by ``period``); ``customers.churned_on``
    after ``at`` becomes NaT. ``None`` tables stay ``None``.

    Returns
    -------
    dict
        Keys ``transactions``, ``customers``, ``contacts``, ``signals``, ``usage``.
    """
    T = as_day(at, "at")

    def cut(frame: pd.DataFrame | None, column: str) -> pd.DataFrame | None:
        if frame is None:
            return None
        keep = (frame[column] <= T).to_numpy(dtype=bool, na_value=False)
        return frame.loc[keep]  # a new frame (copy-on-write): no extra copy needed

    cust = None
    if customers is not None:
        cust = customers.copy()
        if "churned_on" in cust.columns:
            cust["churned_on"] = cust["churned_on"].where(cust["churned_on"] <= T)
    return {
        "transactions": cut(transactions, "date"),
        "customers": cust,
        "contacts": cut(contacts, "date"),
        "signals": cut(signals, "date"),
        "usage": cut(usage, "period"),
    }


def backtest_markers(
    transactions: pd.DataFrame,
    *,
    at: Any = None,
    horizon_days: int = 90,
    customers: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    signals: pd.DataFrame | None = None,
    usage: pd.DataFrame | None = None,
    p_alive: pd.Series | None = None,
    markers: Iterable[str] | None = None,
    data_end: Any = None,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    **marker_options: Any,
) -> Backtest:
    """Flag customers at ``at`` with data up to ``at``; measure who left in the horizon.

    Parameters
    ----------
    transactions, customers, contacts, signals, usage
        The full tables (as for :func:`~retention_lib.analysis.signals.early_warning`); they are cut
        to ``at`` here.
    at
        The back-test date T; default ``data_end - horizon_days - lapse_days``.
    horizon_days
        Length of the horizon after T.
    p_alive
        Optional probability of being alive at T (computed on data up to T by the caller).
    markers
        Markers to use (default all; e.g. ``("orders_down", "overdue")`` for orders only).
    data_end
        End of the data (default: the last transaction date).
    lapse_days
        Activity rule and follow-up requirement.
    **marker_options
        Passed to :func:`early_warning` (``recent_days``, ``drop_ratio``, ``weights``, ...).

    Returns
    -------
    Backtest
        See :class:`Backtest` and the module docstring.

    Raises
    ------
    ValueError
        ``at`` is not before ``data_end``, or ``horizon_days`` is not positive.
    """
    T, h_end, end = _backtest_window(transactions, at=at, horizon_days=horizon_days,
                                     lapse_days=lapse_days, data_end=data_end)
    # early_warning reads only transactions, contacts and signals dated on or before T,
    # usage months up to the last complete month before T, value tiers at T and customers'
    # ``churned_on <= T`` (a later end date counts as none), i.e. exactly what
    # truncate_tables would keep: every table is passed whole (no copy of millions of rows,
    # and inside ``signals.shared_inputs`` the same frames as the report-date run, so their
    # id set-ups are shared).
    early = early_warning(
        transactions, as_of=T, customers=customers,
        contacts=contacts, signals=signals, usage=usage,
        p_alive=p_alive, markers=markers, lapse_days=lapse_days, **marker_options,
    )
    ok = (early["history"] == HISTORY_OK).to_numpy(bool)
    judged = early[ok]
    churned = _churned_in_horizon(transactions, customers, judged.index, T, h_end, end)
    flagged = judged["flagged"].to_numpy(bool)

    n_f, n_u = int(flagged.sum()), int((~flagged).sum())
    c_f, c_u = int((churned & flagged).sum()), int((churned & ~flagged).sum())
    rate_f, rate_u = _div(c_f, n_f), _div(c_u, n_u)
    by_marker = _by_marker(judged, churned, early.attrs["markers_on"])
    follow = int((end - h_end).days)
    return Backtest(
        at=T,
        horizon_end=h_end,
        data_end=end,
        horizon_days=int(horizon_days),
        follow_up_days=follow,
        lapse_days=int(lapse_days),
        provisional=follow < lapse_days,
        active=int(len(early)),
        judged=int(ok.sum()),
        not_judged=int((~ok).sum()),
        flagged=n_f,
        churned=int(churned.sum()),
        flagged_churned=c_f,
        unflagged_churned=c_u,
        churn_rate_flagged=rate_f,
        churn_rate_unflagged=rate_u,
        base_rate=_div(int(churned.sum()), int(ok.sum())),
        lift=_div(rate_f, rate_u) if rate_f == rate_f else float("nan"),
        precision=rate_f,
        recall=_div(c_f, int(churned.sum())),
        markers_on=list(early.attrs["markers_on"]),
        markers_off=dict(early.attrs["markers_off"]),
        by_marker=by_marker,
        customers=judged.assign(churned=churned),
    )


def _backtest_window(
    transactions: pd.DataFrame, *, at: Any, horizon_days: int, lapse_days: int, data_end: Any
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """``(T, horizon end, data end)`` of :func:`backtest_markers`, checked."""
    if horizon_days <= 0:
        raise ValueError(f"horizon_days must be positive, got {horizon_days}")
    end = (
        as_day(transactions["date"].max(), "data_end") if data_end is None
        else as_day(data_end, "data_end")
    )
    T = end - pd.Timedelta(days=horizon_days + lapse_days) if at is None else as_day(at, "at")
    if T >= end:
        raise ValueError(f"at={T:%Y-%m-%d} must be before the end of the data {end:%Y-%m-%d}")
    h_end = T + pd.Timedelta(days=horizon_days)
    return T, h_end, end


def _churned_in_horizon(
    transactions: pd.DataFrame, customers: pd.DataFrame | None, ids: pd.Index,
    T: pd.Timestamp, h_end: pd.Timestamp, end: pd.Timestamp,
) -> np.ndarray:
    """Per customer of ``ids``: no purchase after ``h_end`` up to ``end``, or an explicit
    ``churned_on`` in ``(T, h_end]``."""
    # the future: last purchase day up to data_end, from the per-customer-day table that
    # early_warning read (customer codes: the sorted ids, no string grouping); explicit
    # ends in (T, T + horizon]
    uniq, e_code, e_day, _, e_bought = tx_days(transactions)
    sel = e_bought & (e_day <= day_number(end))
    b_code, b_day = e_code[sel], e_day[sel]  # sorted by code, then day
    runs_end = np.flatnonzero(np.r_[b_code[1:] != b_code[:-1], True]) if len(b_code) else (
        np.zeros(0, dtype=np.int64))
    last_code = np.full(len(uniq), np.iinfo(np.int64).max, dtype=np.int64)  # max: none
    last_code[b_code[runs_end]] = b_day[runs_end]
    where = index_in(pd.Index(ids.astype(str)), pd.Index(uniq))
    last = np.where(where >= 0, last_code[np.maximum(where, 0)], np.iinfo(np.int64).max)
    churned = last <= day_number(h_end)
    if customers is not None and "churned_on" in customers.columns:
        # churned_on of the first row per id (as set_index / drop duplicates / reindex)
        rows = rows_at(first_row_of_code(customers, uniq), where)
        c = customers["churned_on"]
        ended = ((c > T) & (c <= h_end)).to_numpy(dtype=bool, na_value=False)
        if len(ended):
            churned |= np.where(rows >= 0, ended[np.maximum(rows, 0)], False)
    return churned


def _by_marker(judged: pd.DataFrame, churned: np.ndarray, markers_on: Iterable[str]
               ) -> pd.DataFrame:
    """Per marker switched on: fired, churned among them, churn rate, lift, recall."""
    rows = []
    for m in markers_on:
        fired = judged[m].to_numpy(bool)
        k, ck = int(fired.sum()), int((churned & fired).sum())
        rest = _div(int((churned & ~fired).sum()), int((~fired).sum()))
        rows.append(
            {
                "marker": m, "fired": k, "churned": ck, "churn_rate": _div(ck, k),
                "lift": _div(_div(ck, k), rest) if rest == rest else float("nan"),
                "recall": _div(ck, int(churned.sum())),
            }
        )
    return pd.DataFrame(
        rows, columns=["marker", "fired", "churned", "churn_rate", "lift", "recall"]
    ).set_index("marker")


def backtest_date(
    transactions: pd.DataFrame,
    *,
    horizon_days: int = 90,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    min_history_days: int = 365,
) -> pd.Timestamp:
    """A back-test date for ``transactions``: the default of :func:`backtest_markers`
    (``data_end - horizon_days - lapse_days``, full follow-up) when it leaves at least
    ``min_history_days`` of data before it; otherwise ``data_start + min_history_days``
    (the result is then provisional), but never later than ``data_end - horizon_days - 1``.
    On short data such as CDNOW (18 months) this gives a usable, provisional back-test."""
    start = as_day(transactions["date"].min(), "data start")
    end = as_day(transactions["date"].max(), "data end")
    full = end - pd.Timedelta(days=horizon_days + lapse_days)
    if (full - start).days >= min_history_days:
        return full
    return min(start + pd.Timedelta(days=min_history_days),
               end - pd.Timedelta(days=horizon_days + 1))


def backtest_metrics(result: Backtest) -> dict[str, Any]:
    """The ``backtest`` section of ``metrics.json`` (plain JSON types; NaN -> None)."""

    def num(x: float) -> float | None:
        return None if x != x else round(float(x), 6)

    return {
        "at": f"{result.at:%Y-%m-%d}",
        "horizon_days": result.horizon_days,
        "follow_up_days": result.follow_up_days,
        "provisional": bool(result.provisional),
        "judged": result.judged,
        "flagged": result.flagged,
        "churned": result.churned,
        "lift": num(result.lift),
        "precision": num(result.precision),
        "recall": num(result.recall),
        "churn_rate_flagged": num(result.churn_rate_flagged),
        "churn_rate_unflagged": num(result.churn_rate_unflagged),
        "markers_on": list(result.markers_on),
        "markers": list(MARKERS),
    }
