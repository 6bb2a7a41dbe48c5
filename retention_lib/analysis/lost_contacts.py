"""Never disappear (DESIGN.md rule 9): lost customers whom nobody has contacted within the
"lost" cadence (any answered contact counts: news or an offer, not a sales call)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS, CadenceRule
from ._churn_history import lost_revenue
from ._discipline_inputs import as_date, coded_positions, require_columns, string_ids
from ._frames import day_number, money_key
from .cadence import book_from
from .contacts_log import check_contacts, last_date
from .customer_days import customer_day_table

__all__ = ["never_disappear"]


def never_disappear(
    contacts: pd.DataFrame | None,
    *,
    status: pd.DataFrame,
    transactions: pd.DataFrame,
    as_of: Any,
    customers: pd.DataFrame | None = None,
    lost_days: int | None = None,
    cadence: Mapping[str, CadenceRule] = DEFAULT_SETTINGS.cadence,
) -> pd.DataFrame:
    """Lost customers whom nobody has contacted within the "lost" cadence.

    Parameters
    ----------
    contacts
        Contacts table (``customer_id``, ``date``, ``channel``, optional ``answered``), or
        None (then every lost customer is listed). Any answered contact counts.
    status
        :func:`retention_lib.analysis.churn.customer_status` output (``status``, ``lost_on``,
        ``last_purchase``).
    transactions
        ``customer_id``, ``date``, ``amount``: for the former value.
    as_of
        Report date.
    customers
        Optional ``customer_id``, ``name``, ``manager``.
    lost_days
        Required contact rhythm of lost customers; default ``cadence["lost"].call_days``
        (365), or 365 when that is not set.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string): lost customers with no answered contact in the last
        ``lost_days`` days up to ``as_of``, ordered by ``former_value`` descending, then id.
        Columns ``name``, ``manager`` (string), ``last_purchase``, ``lost_on``,
        ``last_contact`` (datetime64[ns], NaT = never), ``days_since_contact`` (float64, NaN
        = never), ``due_by`` (datetime64[ns]: ``last_contact + lost_days``, or ``as_of``
        when never contacted), ``former_value`` (float64: net revenue in the 365 days up to
        and including the last purchase, the ARCHITECTURE "lost revenue").
    """
    as_of = as_date(as_of, "as_of")
    require_columns(status, ("status",), "status")
    if lost_days is None:
        rule = cadence.get("lost")
        lost_days = rule.call_days if rule is not None and rule.call_days else 365
    lost = status.loc[(status["status"] == "lost").to_numpy(dtype=bool)]
    ids = string_ids(lost.index)
    book = book_from(ids, lost, tiers=None, customers=customers)
    if contacts is not None and len(contacts):
        cont = check_contacts(contacts, as_of)
        pos = cont.positions(ids)
        last_contact = pd.Series(last_date(pos, cont.date, cont.contact, len(ids)), index=ids)
    else:
        last_contact = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    days = (as_of - last_contact).dt.days.astype("float64")
    forgotten = (days.isna() | (days > lost_days)).to_numpy(dtype=bool)

    require_columns(transactions, ("customer_id", "date", "amount"), "transactions")
    if "last_purchase" in lost.columns:
        last_p = pd.Series(lost["last_purchase"].to_numpy(), index=ids).astype("datetime64[ns]")
    else:  # the last transaction day on or before as_of, from the per-customer-day table
        tdays = customer_day_table(transactions)
        date_ok = tdays.day <= day_number(as_of)
        tpos = np.where(date_ok, coded_positions(tdays.code, tdays.uniques, ids), -1)
        d = tdays.day.astype("datetime64[D]").astype("datetime64[ns]")
        last_p = pd.Series(last_date(tpos, d, date_ok, len(ids)), index=ids)
    # the ARCHITECTURE "lost revenue", as churn.lost_customers reads it
    former = pd.Series(lost_revenue(transactions, customers, ids, last_p.to_numpy()), index=ids)
    lost_on = (
        pd.Series(lost["lost_on"].to_numpy(), index=ids).astype("datetime64[ns]")
        if "lost_on" in lost.columns
        else pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    )
    due = (last_contact + pd.Timedelta(days=lost_days)).fillna(as_of)
    out = pd.DataFrame(
        {
            "name": book["name"],
            "manager": book["manager"],
            "last_purchase": last_p,
            "lost_on": lost_on,
            "last_contact": last_contact,
            "days_since_contact": days,
            "due_by": due.astype("datetime64[ns]"),
            "former_value": former.astype("float64"),
        },
        index=ids,
    ).loc[forgotten]
    order = np.lexsort((out.index.astype(str), -money_key(out["former_value"])))
    out = out.iloc[order]
    out.attrs = {"as_of": as_of, "lost_days": int(lost_days)}
    return out
