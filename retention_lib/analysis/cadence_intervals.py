"""Required contact intervals: the tier's rule (``Settings.cadence``), optionally scaled by
each customer's own purchase cycle (:func:`purchase_cycle`, :func:`required_intervals`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS, CadenceRule
from ._discipline_inputs import as_date, require_columns, string_ids
from ._frames import day_number
from .customer_days import customer_day_table

__all__ = ["purchase_cycle", "required_intervals"]


def purchase_cycle(transactions: pd.DataFrame, *, as_of: Any) -> pd.Series:
    """Each customer's typical purchase interval: the median gap between purchase days.

    Parameters
    ----------
    transactions
        ``customer_id``, ``date``, ``amount``. A purchase day is a day with a row of
        ``amount > 0`` on or before ``as_of``.

    Returns
    -------
    pandas.Series
        float64 days, index ``customer_id`` (string), name ``cycle_days``; NaN for customers
        with fewer than two purchase days.
    """
    require_columns(transactions, ("customer_id", "date", "amount"), "transactions")
    as_of = as_date(as_of, "as_of")
    # the purchase days of the per-customer-day table
    # (retention_lib.analysis.summary.customer_days),
    # sorted by customer then day: gaps are differences of neighbours
    days = customer_day_table(transactions)
    keep = days.bought & (days.day <= day_number(as_of))
    code, day = days.code[keep], days.day[keep]
    buyers = np.unique(code)  # sorted, as the ids
    same = code[1:] == code[:-1]
    gap = pd.Series(np.diff(day)[same].astype(np.float64))
    med = gap.groupby(np.searchsorted(buyers, code[1:][same])).median()
    values = np.full(len(buyers), np.nan)
    values[med.index.to_numpy(np.int64)] = med.to_numpy(np.float64)
    uniques = days.uniques
    ids = string_ids(uniques[buyers] if len(buyers) else uniques[:0])
    # ids of another dtype than strings sort differently as strings
    return pd.Series(values, index=ids, name="cycle_days").sort_index()


def required_intervals(
    book: pd.DataFrame,
    *,
    cadence: Mapping[str, CadenceRule] = DEFAULT_SETTINGS.cadence,
    cycle: pd.Series | None = None,
    cycle_bounds: tuple[float, float] = (0.5, 2.0),
) -> pd.DataFrame:
    """Required days between calls and between meetings for every customer of the book.

    Purchase-cycle scaling (off unless ``cycle`` is given): a customer who buys every
    ``c`` days, in a tier whose customers buy every ``m`` days (the median of the defined
    cycles of the tier), gets the factor ``f = clip(c / m, lo, hi)`` with
    ``(lo, hi) = cycle_bounds``, and ``required = max(1, round(base * f))``, i.e.
    ``clip(base * c / m, base * lo, base * hi)``. A weekly buyer in a tier of monthly buyers
    is called more often (down to half the base interval), a twice-a-year buyer less often
    (at most twice the base). Customers without a cycle (one purchase day) or in a tier
    without any cycle keep ``f = 1``.

    Parameters
    ----------
    book
        :func:`~retention_lib.analysis.cadence.active_book` output (needs ``tier``).
    cadence
        Tier → :class:`~retention_lib.config.CadenceRule`. A tier missing from it has no
        requirement.
    cycle
        Optional :func:`purchase_cycle` output (days, index ``customer_id``).
    cycle_bounds
        ``(lo, hi)`` bounds of the factor, ``0 < lo <= 1 <= hi``.

    Returns
    -------
    pandas.DataFrame
        Index as ``book``. Columns ``call_required_days``, ``meeting_required_days`` (Int64,
        NA = no requirement) and ``cycle_factor`` (float64, 1.0 without scaling).
    """
    require_columns(book, ("tier",), "book")
    lo, hi = cycle_bounds
    if not 0 < lo <= 1 <= hi:
        raise ValueError(f"cycle_bounds must satisfy 0 < lo <= 1 <= hi, got {cycle_bounds}")
    tier = book["tier"].astype("string")
    factor = pd.Series(1.0, index=book.index)
    if cycle is not None:
        c = pd.Series(cycle.to_numpy(dtype="float64"), index=string_ids(cycle.index))
        c = c.reindex(book.index)
        med = c.groupby(tier.to_numpy()).transform("median")
        ratio = (c / med).where((med > 0) & c.notna(), 1.0)
        factor = ratio.clip(lo, hi).astype("float64")
    out = pd.DataFrame(index=book.index)
    codes, uniques = pd.factorize(tier)  # a handful of tiers: look each rule up once
    for kind in ("call", "meeting"):
        days = [getattr(cadence.get(t, CadenceRule()), f"{kind}_days") for t in uniques]
        days.append(getattr(cadence.get(pd.NA, CadenceRule()), f"{kind}_days"))  # code -1
        base = pd.Series(
            pd.array(days, dtype="Float64")[codes], index=book.index
        )
        req = (base * factor).round().clip(lower=1)
        out[f"{kind}_required_days"] = req.astype("Int64")
    out["cycle_factor"] = factor.to_numpy(dtype="float64")
    return out
