"""A subscription business (monthly bills until the customer cancels): the shape a
buy-till-you-die model is not meant for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "SUBSCRIPTION_PLANS",
    "generate_subscription",
    "write_subscription",
]


#: Monthly plan prices of :func:`generate_subscription` (EUR).
SUBSCRIPTION_PLANS = (29.0, 59.0, 99.0)


_SUBSCRIPTION_REASONS = ("too expensive", "found a cheaper competitor", "support too slow",
                         "closed the business", "no longer needed")


def generate_subscription(
    *, customers: int = 300, seed: int = 20261130, end: str = "2026-10-31", months: int = 24
) -> dict[str, pd.DataFrame]:
    """A subscription business: monthly billing until the customer cancels.

    The shape a buy-till-you-die model (BG/NBD) is not meant for: every customer pays the
    price of their plan on the day of the month they signed up, every month, from their
    signup to their cancellation; nobody buys between two bills.  Customers sign up evenly
    over the ``months`` up to ``end``; each month an active customer cancels with a
    probability of 3 % (so about 30 % a year); a cancellation is written as
    ``customers.churned_on`` (the day after the last bill's month ends) and about half of
    the cancelled customers answer an exit survey.

    Parameters
    ----------
    customers
        Number of customers (at least 10).
    seed
        Seed of ``numpy.random.default_rng``; the same arguments give the same tables.
    end
        Last day of the data (``YYYY-MM-DD``).
    months
        Length of the history in months (at least 2).

    Returns
    -------
    dict of str to DataFrame
        ``transactions`` (customer_id, date, amount: one row per bill), ``customers``
        (customer_id, name, segment, signup_date, churned_on: empty while subscribed) and
        ``surveys`` (customer_id, date, reason), dates as ``YYYY-MM-DD`` strings, sorted by
        customer then date, default RangeIndex.
    """
    if customers < 10 or months < 2:
        raise ValueError(f"customers must be >= 10 and months >= 2, got {customers}, {months}")
    rng = np.random.default_rng(seed)
    end_ts = pd.Timestamp(end)
    start = end_ts - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    span = (end_ts - start).days
    tx_rows: list[tuple[str, pd.Timestamp, float]] = []
    cust_rows: list[dict[str, object]] = []
    survey_rows: list[tuple[str, pd.Timestamp, str]] = []
    width = len(str(customers))
    for i in range(customers):
        cid = f"S{i + 1:0{width}d}"
        signup = start + pd.Timedelta(days=int(span * i / customers))
        plan = float(SUBSCRIPTION_PLANS[int(rng.integers(len(SUBSCRIPTION_PLANS)))])
        churned_on = None
        k = 0
        while True:
            bill = signup + pd.DateOffset(months=k)
            if bill > end_ts:
                break
            tx_rows.append((cid, bill, plan))
            if rng.random() < 0.03:
                churned_on = bill + pd.DateOffset(months=1)
                break
            k += 1
        if churned_on is not None and churned_on > end_ts:
            churned_on = None
        cust_rows.append({
            "customer_id": cid, "name": f"Subscriber {i + 1}",
            "segment": "B2B" if plan >= 99 else "B2C",
            "signup_date": signup.strftime("%Y-%m-%d"),
            "churned_on": "" if churned_on is None else churned_on.strftime("%Y-%m-%d"),
        })
        if churned_on is not None and rng.random() < 0.5:
            reason = _SUBSCRIPTION_REASONS[int(rng.integers(len(_SUBSCRIPTION_REASONS)))]
            survey_rows.append((cid, churned_on, reason))
    tx = pd.DataFrame(tx_rows, columns=["customer_id", "date", "amount"])
    tx["date"] = tx["date"].dt.strftime("%Y-%m-%d")
    surveys = pd.DataFrame(survey_rows, columns=["customer_id", "date", "reason"])
    surveys["date"] = pd.to_datetime(surveys["date"]).dt.strftime("%Y-%m-%d")
    return {"transactions": tx, "customers": pd.DataFrame(cust_rows), "surveys": surveys}


def write_subscription(out: str | Path, **kwargs: object) -> dict[str, int]:
    """Write :func:`generate_subscription` as CSV files ``<table>.csv`` into ``out``.

    Returns
    -------
    dict of str to int
        Rows written per table.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate_subscription(**kwargs)  # type: ignore[arg-type]
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    return {name: len(frame) for name, frame in tables.items()}
