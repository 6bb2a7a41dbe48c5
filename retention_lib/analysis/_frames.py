"""Small generic helpers of the analyses: dates as day numbers, checked arguments, id indexes.

Shared by the per-customer-day core (:mod:`~retention_lib.analysis.customer_days`,
:mod:`~retention_lib.analysis.pinned`), the per-customer summary, the Ibis engine and the
analyses above them.  Nothing here remembers anything or imports another module of the
package; the constants of the summary's output contract live here so that the pandas path
(:mod:`~retention_lib.analysis.summary`) and the engine
(:mod:`~retention_lib.analysis.engine`) share them without importing each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NS_PER_DAY",
    "REQUIRED_COLUMNS",
    "SUMMARY_COLUMNS",
    "SUPPORTED_FREQS",
    "WEEK_SHIFT",
    "as_day",
    "as_timestamp",
    "check_columns",
    "codes_of_subset",
    "contract_rows_until",
    "dates_from_days",
    "day_number",
    "day_numbers",
    "is_ibis_table",
    "money_key",
    "rows_on_or_before",
    "run_ends",
    "string_index",
]

#: The transaction columns every aggregation reads (the data contract's names).
REQUIRED_COLUMNS = ("customer_id", "date", "amount")

#: Output columns of :func:`retention_lib.analysis.summary.customer_summary`, in order.
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

#: Period lengths understood by :func:`retention_lib.analysis.summary.customer_summary`.
SUPPORTED_FREQS = ("D", "W")

#: 1970-01-01 is a Thursday: day d belongs to the Monday-to-Sunday week (d + 3) // 7.
WEEK_SHIFT = 3

#: Nanoseconds in a day.
NS_PER_DAY = 86_400 * 10**9


def check_columns(transactions: pd.DataFrame,
                  required: tuple[str, ...] = REQUIRED_COLUMNS) -> None:
    """KeyError naming the missing and the found columns when one of ``required`` lacks."""
    missing = [c for c in required if c not in transactions.columns]
    if missing:
        raise KeyError(
            f"transactions lack column(s) {missing}; required: {list(required)}, "
            f"found: {list(transactions.columns)}"
        )


def is_ibis_table(obj: object) -> bool:
    """True for an Ibis table expression (checked without importing ibis)."""
    return type(obj).__module__.startswith("ibis.") and hasattr(obj, "to_pyarrow")


def as_timestamp(value: object, name: str) -> pd.Timestamp:
    """``value`` as a tz-naive Timestamp; ValueError naming ``name`` if it is NaT or tz-aware."""
    ts = pd.Timestamp(value)
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    if ts.tzinfo is not None:
        raise ValueError(f"{name} must be tz-naive (as the data contract), got {value!r}")
    return ts


def as_day(value: object, name: str) -> pd.Timestamp:
    """``value`` as a midnight Timestamp; ValueError naming ``name`` if it is no date or NaT."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={value!r} is not a date: {exc}") from None
    if pd.isna(ts):
        raise ValueError(f"{name} is missing (got {value!r})")
    return ts.normalize()


def day_number(ts: object) -> int:
    """Days since 1970-01-01 of the calendar day of ``ts`` (a Timestamp or date)."""
    return int((pd.Timestamp(ts).normalize() - pd.Timestamp(0)).days)


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 (floored) of a datetime Series, as int64."""
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def dates_from_days(days: np.ndarray) -> np.ndarray:
    """Midnight ``datetime64[ns]`` dates of day numbers (days since 1970-01-01)."""
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def run_ends(starts: np.ndarray, n: int) -> np.ndarray:
    """Last position of each run of a sorted array, given the runs' first positions."""
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:] - 1
    ends[-1:] = n - 1
    return ends


def money_key(values: object) -> np.ndarray:
    """Money as a sort key: rounded to a millionth, so amounts equal to the cent tie (and
    the next key decides) whichever order their rows or days were added in."""
    return np.round(np.asarray(values, dtype=np.float64), 6)


def string_index(uniques: pd.Index) -> pd.Index:
    """The customer ids as a ``string``-dtype Index named ``customer_id``.

    Cast directly when they already are pyarrow strings (the loader's ``str`` dtype); the
    detour through Python objects costs a second per million customers.
    """
    dtype = getattr(uniques, "dtype", None)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pd.Index(uniques.astype("string"), name="customer_id")
    return pd.Index(pd.array(np.asarray(uniques, dtype=object), dtype="string"),
                    name="customer_id")


def rows_on_or_before(frame: pd.DataFrame, as_of: Any, *, column: str = "date") -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is on or before ``as_of``: ``frame`` itself
    (no copy) when that is every row, else a filtered copy."""
    keep = (frame[column] <= as_of).to_numpy(dtype=bool, na_value=False)
    return frame if keep.all() else frame.loc[keep]


def contract_rows_until(
    transactions: pd.DataFrame, as_of: pd.Timestamp, keep: np.ndarray | None = None
) -> pd.DataFrame:
    """The :data:`REQUIRED_COLUMNS` of the rows dated on or before ``as_of`` (``keep``: that
    row mask, when the caller has it); no copy of the rows when every row is kept."""
    if keep is None:
        keep = (transactions["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
    if keep.all():  # already filtered (the usual case): no copy of the rows
        return transactions.loc[:, list(REQUIRED_COLUMNS)]
    return transactions.loc[keep, list(REQUIRED_COLUMNS)]


def codes_of_subset(
    codes: np.ndarray, uniques: Any, keep: np.ndarray | None
) -> tuple[np.ndarray, Any]:
    """``pd.factorize(ids[keep], sort=True)`` from ``(codes, uniques) = pd.factorize(ids,
    sort=True)``: the sorted ids of a subset are the sorted ids present in it, in the same
    order, so the subset's codes are its rows' codes renumbered among those present."""
    if keep is None or bool(keep.all()):
        return codes, uniques
    sub = codes[keep]
    present = np.zeros(len(uniques), dtype=bool)
    present[sub] = True
    if present.all():
        return sub, uniques
    remap = np.cumsum(present) - 1
    return remap[sub], uniques[present]
