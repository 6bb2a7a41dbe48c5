"""Report periods and the data end: the one place that says up to which day a report measures.

The rule (DESIGN.md, "The data end")
------------------------------------
* The **data end** is the last date present in the data (:attr:`retention_lib.data.io.Dataset.
  data_end`: the latest date of transactions, contacts, surveys, signals and usage periods),
  or the ``data_end`` the user gives (YAML ``data_end:``, CLI ``--data-end``).
* A report for the month ``YYYY-MM`` measures everything up to
  ``as_of = min(last day of the month, data end)`` (:func:`report_as_of`) and never past it:
  a day without data is not a day without purchases.  When ``as_of`` falls before the month's
  last day the month is **partial** (:func:`is_partial`) and every page says "data up to
  <date>".
* The **default period** (:func:`last_complete_month`) is the last month the data fully
  cover, with a tolerance of :data:`TRAILING_DAYS` trailing days without data (weekends,
  holidays): a month counts as covered when the data end on one of its last
  ``TRAILING_DAYS + 1`` days (data ending on Friday the 29th, or on the 28th of a 31-day
  month, cover it).  That month is then reported up to the data end (and marked partial when
  it falls before the month's last day).  With fewer days the month before is the default;
  ``--period`` still reports the partial month and says so.

Functions take plain dates (``datetime.date``, ``pandas.Timestamp`` or ISO strings) and a
period string ``YYYY-MM``; timestamps returned are midnight.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = [
    "DATA_END_ENV",
    "TRAILING_DAYS",
    "ends_early",
    "is_partial",
    "last_complete_month",
    "month_end",
    "previous_month_end",
    "report_as_of",
    "window_start",
]

#: Trailing days without data a month may have and still count as covered by the data
#: (for the default period only): data ending within the last 3 days of a month cover it.
TRAILING_DAYS = 3

#: Environment variable through which the report runner hands ``--data-end`` to the notebook
#: kernels (read by :func:`retention_lib.pages.context.notebook_settings`).
DATA_END_ENV = "RETENTION_DATA_END"

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _day(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} {value!r} is not a date (expected YYYY-MM-DD): {exc}") from None
    if pd.isna(ts):
        raise ValueError(f"{name} is missing (NaT)")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def month_end(period: str) -> pd.Timestamp:
    """The last day of the month ``period`` (``YYYY-MM``), midnight.

    Raises
    ------
    ValueError
        ``period`` is not ``YYYY-MM``.
    """
    if not _PERIOD.match(str(period)):
        raise ValueError(f"period {period!r} is not a month; use YYYY-MM, e.g. 2026-10")
    return pd.Period(str(period), freq="M").to_timestamp(how="start") + pd.offsets.MonthEnd(0)


def report_as_of(period: str, data_end: Any = None) -> pd.Timestamp:
    """``min(last day of period, data_end)``: the day a report for ``period`` measures up to.

    ``data_end`` ``None``: the month's last day (no data end known).

    Raises
    ------
    ValueError
        ``period`` is not ``YYYY-MM``, or it starts after ``data_end`` (nothing of the month
        is in the data; give ``data_end`` in the config when the data cover it).
    """
    end = month_end(period)
    if data_end is None:
        return end
    last = _day(data_end, "data_end")
    if last < end.replace(day=1):
        raise ValueError(
            f"period {period} starts after the data end {last.date().isoformat()}: the data "
            f"hold nothing of it (choose a month up to {last:%Y-%m}, or set data_end in the "
            "config when the data cover later days)"
        )
    return min(end, last)


def previous_month_end(period: str, data_end: Any = None, *, months: int = 1) -> pd.Timestamp:
    """The last day of the month ``months`` before ``period``, never after ``data_end``."""
    return report_as_of(str(pd.Period(str(period), freq="M") - months), data_end)


def window_start(as_of: Any, *, months: int = 12) -> pd.Timestamp:
    """The start S of the ``months``-month window (S, as_of]: the month end ``months`` earlier
    when ``as_of`` is a month end, else the same day ``months`` months earlier (the rule of
    :func:`retention_lib.analysis.churn.churn_rate`)."""
    day = _day(as_of, "as_of")
    if (day + pd.Timedelta(days=1)).day == 1:
        return (day.to_period("M") - months).to_timestamp(how="end").normalize()
    return (day - pd.DateOffset(months=months)).normalize()


def is_partial(period: str, data_end: Any) -> bool:
    """Whether the data end before the last day of ``period`` (the month is partial)."""
    if data_end is None:
        return False
    return _day(data_end, "data_end") < month_end(period)


def ends_early(as_of: Any) -> bool:
    """Whether a report date falls before the last day of its month (a partial month: the
    report date of a whole month is always the month's last day)."""
    day = _day(as_of, "as_of")
    return (day + pd.Timedelta(days=1)).day != 1


def last_complete_month(data_end: Any, *, trailing_days: int = TRAILING_DAYS) -> str:
    """The default report period: the last month the data fully cover (``YYYY-MM``).

    The month of ``data_end`` counts when at most ``trailing_days`` days of it follow the
    data end (weekends, holidays); otherwise the month before.  ``2026-10-31`` →
    ``"2026-10"``; ``2026-10-29`` → ``"2026-10"`` (two trailing days); ``2010-12-09`` →
    ``"2010-11"``.  The caller checks that the month is within the data.
    """
    if trailing_days < 0:
        raise ValueError(f"trailing_days must be >= 0, got {trailing_days}")
    end = _day(data_end, "data_end")
    month = end.to_period("M")
    if (month_end(str(month)) - end).days > trailing_days:
        month -= 1
    return str(month)
