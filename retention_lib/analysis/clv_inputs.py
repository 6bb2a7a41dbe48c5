"""The inputs of the CLV models, checked: a customer summary as float arrays in the model's
time unit (:func:`model_arrays`), its unique histories (:func:`group_rows`), horizons
(:func:`parse_horizon`); and whether the data are regular billing, which the purchase models
are not meant for (:func:`billing_regularity`).

Regular billing: BG/NBD and Pareto/NBD describe customers who buy at random moments ("buy
till you die"); a subscription billed every month is not that. :func:`billing_regularity`
measures, among customers with at least :data:`REGULAR_MIN_PURCHASES` purchase days, the
share whose gaps between purchase days have a coefficient of variation at most
:data:`REGULAR_CV_MAX` (0.1: monthly bills on the same day of the month have about 0.03; the
sample distributor about 0.6).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .customer_days import customer_day_table as _day_table  # the per-customer-day table

__all__ = [
    "DAYS_PER_MONTH",
    "REGULAR_CV_MAX",
    "REGULAR_MIN_PURCHASES",
    "REGULAR_SHARE_MIN",
    "TIME_UNITS",
    "billing_regularity",
    "check_choice",
    "group_rows",
    "lifetimes_frame",
    "model_arrays",
    "parse_horizon",
]

#: Model time units → length in days.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0}
#: Average month length in days (used for ``"12M"`` horizons and CLV months).
DAYS_PER_MONTH = 365.25 / 12
#: Gaps between purchase days with a coefficient of variation at most this are "regular".
REGULAR_CV_MAX = 0.1
#: Customers need at least this many purchase days to be judged regular or not.
REGULAR_MIN_PURCHASES = 4
#: At least this share of the judged customers regular: the data are regular billing.
REGULAR_SHARE_MIN = 0.5

_REQUIRED = ("frequency", "recency", "T")

def check_choice(value: str, name: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not supported; choose one of {list(allowed)}")
    return value


def parse_horizon(horizon: str) -> tuple[float, str, str]:
    """``"12M"`` → (days, label ``"12m"``)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([DWMdwm])\s*", str(horizon))
    if not m:
        raise ValueError(
            f"horizon={horizon!r} is not understood; write a number and a unit, one of "
            "['D', 'W', 'M'] (days, weeks, months), e.g. '12M' or '39W'"
        )
    n, unit = float(m.group(1)), m.group(2).upper()
    days = n * {"D": 1.0, "W": 7.0, "M": DAYS_PER_MONTH}[unit]
    label = f"{int(n) if n.is_integer() else n}{unit.lower()}"
    return days, label, unit


def lifetimes_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """Map our/lifetimes column names; accept the ``_cal`` columns of a calibration split."""
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"summary must be a pandas DataFrame, got {type(summary).__name__}")
    cols = summary.columns
    if all(c not in cols for c in _REQUIRED) and all(f"{c}_cal" in cols for c in _REQUIRED):
        mapping = {f"{c}_cal": c for c in (*_REQUIRED, "monetary_value")}
        return summary.rename(columns=mapping)
    missing = [c for c in _REQUIRED if c not in cols]
    if missing:
        raise KeyError(
            f"summary lacks column(s) {missing}; required: {list(_REQUIRED)} (lifetimes' "
            f"names; optional: 'monetary_value'), found: {list(cols)}"
        )
    return summary


def _first_ids(index: pd.Index, mask: np.ndarray, k: int = 5) -> list[Any]:
    return [index[i] for i in np.flatnonzero(mask)[:k]]


def model_arrays(
    summary: pd.DataFrame, *, time_unit: str, input_unit: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Validated float arrays x, t_x, T (in ``time_unit``) and monetary value (or None)."""
    frame = lifetimes_frame(summary)
    src = input_unit or frame.attrs.get("freq") or summary.attrs.get("freq") or time_unit
    src = check_choice(str(src), "input_unit", tuple(TIME_UNITS))
    factor = TIME_UNITS[src] / TIME_UNITS[time_unit]
    out = {}
    for col in (*_REQUIRED, "monetary_value"):
        if col not in frame.columns:
            continue
        try:
            out[col] = pd.to_numeric(frame[col]).to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            raise ValueError(
                f"column {col!r} must be numeric, got dtype {frame[col].dtype}") from None
    x, rec, age = out["frequency"], out["recency"] * factor, out["T"] * factor
    idx = frame.index
    checks = [
        ("frequency", ~np.isfinite(x), "is missing or infinite"),
        ("recency", ~np.isfinite(rec), "is missing or infinite"),
        ("T", ~np.isfinite(age), "is missing or infinite"),
        ("frequency", np.isfinite(x) & ((x < 0) | (x != np.round(x))),
         "must be a whole number >= 0"),
        ("recency", rec < 0, "must be >= 0"),
        ("recency", rec > age + 1e-9, "must be <= T"),
        ("recency", (x == 0) & (rec != 0), "must be 0 when frequency is 0"),
    ]
    for col, bad, what in checks:
        if bad.any():
            raise ValueError(
                f"column {col!r} {what}: {int(bad.sum())} row(s), first customer(s) "
                f"{_first_ids(idx, bad)}"
            )
    return x, rec, age, out.get("monetary_value")


def group_rows(*cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique rows of the given equal-length columns.

    Returns ``(inverse, first, counts)``: ``inverse[i]`` is the group of row ``i``,
    ``first[g]`` the first row of group ``g`` and ``counts[g]`` its size.
    """
    n = len(cols[0])
    key = np.zeros(n, dtype=np.int64)
    n_keys = 1
    for col in cols:
        codes, uniques = pd.factorize(col)
        key, keys = pd.factorize(key * len(uniques) + codes)
        n_keys = len(keys)
    first = np.full(n_keys, n, dtype=np.int64)
    np.minimum.at(first, key, np.arange(n, dtype=np.int64))
    return key, first, np.bincount(key, minlength=n_keys)

def billing_regularity(transactions: pd.DataFrame, *, as_of: object) -> dict[str, Any]:
    """How many customers buy at regular intervals (billing), from their purchase days.

    A purchase day is a customer's calendar day whose net amount is positive.  A customer
    with at least :data:`REGULAR_MIN_PURCHASES` purchase days up to ``as_of`` is *judged*;
    a judged customer is *regular* when the gaps (in days) between consecutive purchase
    days have a coefficient of variation (standard deviation / mean, population) at most
    :data:`REGULAR_CV_MAX`.

    Parameters
    ----------
    transactions
        ``customer_id``, ``date``, ``amount`` (one row per transaction).
    as_of
        Last day counted.

    Returns
    -------
    dict
        ``judged`` (int), ``regular`` (int), ``regular_share`` (float: regular / judged,
        NaN when nobody is judged), ``median_gap_days`` (float: median over the judged
        customers of their mean gap; NaN when nobody is judged).
    """
    days = _day_table(transactions)
    last = int(np.datetime64(pd.Timestamp(as_of).normalize().to_datetime64(), "D")
               .astype(np.int64))
    keep = (days.day <= last) & (days.net > 0)
    code, day = days.code[keep], days.day[keep].astype(np.float64)
    if len(code) < 2:
        return {"judged": 0, "regular": 0, "regular_share": math.nan,
                "median_gap_days": math.nan}
    same = code[1:] == code[:-1]
    gap, who = (day[1:] - day[:-1])[same], code[1:][same]
    n_cust = int(code.max()) + 1
    n = np.bincount(who, minlength=n_cust)
    total = np.bincount(who, weights=gap, minlength=n_cust)
    squares = np.bincount(who, weights=gap * gap, minlength=n_cust)
    judged = n >= REGULAR_MIN_PURCHASES - 1
    if not judged.any():
        return {"judged": 0, "regular": 0, "regular_share": math.nan,
                "median_gap_days": math.nan}
    mean = total[judged] / n[judged]
    var = np.maximum(squares[judged] / n[judged] - mean * mean, 0.0)
    cv = np.sqrt(var) / mean
    regular = int((cv <= REGULAR_CV_MAX).sum())
    return {"judged": int(judged.sum()), "regular": regular,
            "regular_share": regular / int(judged.sum()),
            "median_gap_days": float(np.median(mean))}
