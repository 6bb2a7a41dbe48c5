"""Win-back: the queue of lost customers worth calling, and the customers won back.

DESIGN.md rule 9: the sooner, the better; lost customers are ranked by recency of loss,
former value, the fixability of their reason and their probability of being alive; the queue
shows when each was last contacted (lost customers still get a yearly contact).

Queue
-----
The customers **lost in the last** ``within_days`` (default 730): lost at ``as_of``
(:func:`retention_lib.analysis.churn.customer_status`, so a customer who has come back is not
listed)
with ``lost_on`` in ``(as_of - within_days, as_of]``, including customers who started buying
inside that period. Former value = ``lost_revenue``: the net revenue in the 365 days up to
and including the last purchase (ARCHITECTURE.md "lost revenue").

Expected recoverable revenue (the queue's order)
------------------------------------------------
Each lost customer is worth what they brought, times the chance of winning them back::

    expected_revenue = max(lost_revenue, 0) * chance
    chance           = recency * reason_chance[reason_category]

* ``recency`` = ``1 - days_since_lost / within_days``: the sooner, the better (lost
  yesterday: ~1; lost ``within_days`` ago: 0, when the customer leaves the queue);
* ``reason_chance`` (:data:`REASON_CHANCE`): 1 for a reason we can fix (price, assortment,
  service, no value, competitor), 0.5 when the reason is unknown (no survey answer: the first
  call finds it out), 0 when it is out of our hands (moved, closed). Several answers: the
  category first in :data:`retention_lib.analysis.reasons.PRIORITY` counts (an uncontrollable cause
  makes the rest moot).

``chance`` is in [0, 1] (column ``score``); the factors multiply, as independent chances do,
so there are no weights to add up. A customer lost yesterday for a fixable reason keeps the
whole former revenue (€524 stays €524), one lost a year ago for an unknown reason keeps a
quarter (€62,947 -> about €15,700): money at stake decides, recency and reason discount it.

The probability of being alive (``p_alive``, BG/NBD) is shown beside (column ``p_alive``)
but by default does not discount the money (``use_p_alive=False``): for a customer who has
already lapsed, BG/NBD gives 1 to anyone who bought only once (no repeat purchase to judge
by) and nearly 0 to a regular buyer who stopped -- multiplying by it put €524 one-off buyers
above €62,947 key accounts (on the sample, P(alive) 1.0 against 0.08). ``use_p_alive=True``
multiplies the chance by it (a customer missing from the Series: 0.5).

Won back
--------
:func:`won_back_by_month` is :func:`retention_lib.analysis.churn.won_back_by_month` (a purchase
after a
gap of more than ``lapse_days``, counted per month with its revenue), re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS
from ._churn_history import lost_revenue
from ._frame_ids import factorized, isin
from ._frames import as_day, money_key
from .churn import customer_status, won_back, won_back_by_month
from .reasons import PRIORITY, RECOMMENDED_ACTIONS, categorize_reasons

__all__ = [
    "QUEUE_COLUMNS",
    "REASON_CHANCE",
    "winback_metrics",
    "winback_queue",
    "won_back_by_month",
]

#: Chance of a win-back by exit-reason category (module docstring); any other category: 1.
REASON_CHANCE: dict[str, float] = {
    "price": 1.0, "assortment": 1.0, "service": 1.0, "no_value": 1.0, "competitor": 1.0,
    "unknown": 0.5, "uncontrollable": 0.0,
}

#: Columns of :func:`winback_queue`.
QUEUE_COLUMNS = (
    "name",
    "manager",
    "last_purchase",
    "lost_on",
    "days_since_lost",
    "lost_revenue",
    "reason",
    "reason_category",
    "fixable",
    "action",
    "last_contact",
    "contact_overdue",
    "p_alive",
    "score",
    "expected_revenue",
)

_LOST_REVENUE_DAYS = 365
_NO_REASON = "unknown"


def _as_str(ids: pd.Series) -> pd.Series:
    """``ids`` as strings (``astype(str)`` unless they already are a string dtype)."""
    return ids if isinstance(ids.dtype, pd.StringDtype) else ids.astype(str)


def _reasons(
    surveys: pd.DataFrame | None, ids: pd.Index, keywords: Mapping[str, Iterable[str]] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per customer of ``ids``: (category, reason text) of their decisive survey answer."""
    cat = np.full(len(ids), _NO_REASON, dtype=object)
    text = np.full(len(ids), "", dtype=object)
    if surveys is None or len(ids) == 0:
        return cat, text
    sid = surveys["customer_id"].astype(str)
    sel = isin(sid, ids.astype(str))
    if not sel.any():
        return cat, text
    answers = pd.DataFrame(
        {
            "customer_id": sid.to_numpy()[sel],
            "reason": surveys["reason"].astype(object).to_numpy()[sel],
            "category": categorize_reasons(surveys["reason"][sel], keywords=keywords).to_numpy(),
        }
    )
    prio = {c: i for i, c in enumerate(PRIORITY)}
    answers["_p"] = answers["category"].map(prio)
    best = answers.sort_values(["customer_id", "_p"], kind="stable").drop_duplicates(
        "customer_id"
    )
    best = best.set_index("customer_id").reindex(ids.astype(str))
    has = best["category"].notna().to_numpy()
    cat[has] = best["category"].to_numpy(dtype=object)[has]
    text[has] = best["reason"].fillna("").astype(str).to_numpy(dtype=object)[has]
    return cat, text


def winback_queue(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    customers: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    p_alive: pd.Series | None = None,
    within_days: int = 730,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    contact_every_days: int | None = DEFAULT_SETTINGS.cadence["lost"].call_days,
    reason_chance: Mapping[str, float] | None = None,
    use_p_alive: bool = False,
    reason_keywords: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Lost customers ranked for a win-back effort (see the module docstring).

    Parameters
    ----------
    transactions
        ``customer_id``, ``date``, ``amount``.
    as_of
        Report date.
    customers
        Optional: ``name``, ``manager``, ``churned_on``.
    surveys
        Optional: ``customer_id``, ``reason`` (exit survey answers; dates ignored).
    contacts
        Optional: ``customer_id``, ``date``; gives ``last_contact`` (any contact up to
        ``as_of``).
    p_alive
        Optional Series (0..1) indexed by ``customer_id``: shown in the ``p_alive``
        column; part of the chance only with ``use_p_alive`` (module docstring).
    within_days
        How far back losses are listed.
    lapse_days
        The lost rule.
    contact_every_days
        Lost customers should be contacted at least this often (default: the ``lost``
        cadence, 365 days); ``contact_overdue`` is true when the last contact is older or
        missing. ``None``: never overdue.
    reason_chance
        Chances per reason category merged over :data:`REASON_CHANCE` (each in [0, 1]).
    use_p_alive
        Multiply the chance by ``p_alive`` (default False, see the module docstring).
    reason_keywords
        Extra keyword stems per reason category (``Settings.reason_keywords``).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string), ordered by ``expected_revenue`` descending, then
        ``lost_revenue`` descending, then id. Columns :data:`QUEUE_COLUMNS`: ``name``, ``manager``
        (str), ``last_purchase``, ``lost_on`` (datetime64[ns]), ``days_since_lost``
        (int64), ``lost_revenue`` (float64: former value), ``reason`` (str: the survey
        answer, ``""`` when none), ``reason_category`` (str), ``fixable`` (bool: not
        uncontrollable), ``action`` (str:
        :data:`~retention_lib.analysis.reasons.RECOMMENDED_ACTIONS`
        of the category), ``last_contact`` (datetime64[ns], NaT = never), ``contact_overdue``
        (bool), ``p_alive`` (float64, NaN when not given), ``score`` (float64 in [0, 1]:
        the chance of winning the customer back), ``expected_revenue`` (float64:
        ``max(lost_revenue, 0) * score``). ``attrs["reason_chance"]``: the chances used;
        ``attrs["p_alive_used"]``: whether ``p_alive`` is part of the chance.
    """
    T = as_day(as_of, "as_of")
    if within_days <= 0:
        raise ValueError(f"within_days must be positive, got {within_days}")
    chances = _reason_chances(reason_chance)
    lost = _recently_lost(transactions, customers, T, within_days=within_days,
                          lapse_days=lapse_days)
    ids = pd.Index(lost.index.astype(str), name="customer_id", dtype="string")
    n = len(ids)
    since = (T - lost["lost_on"]).dt.days.to_numpy(np.int64)
    recency = np.clip(1.0 - since / within_days, 0.0, 1.0)
    cat, text = _reasons(surveys, ids, reason_keywords)
    reason_factor = np.array([chances.get(c, 1.0) for c in cat], dtype=np.float64)
    pa, alive = _p_alive_columns(p_alive, ids, use_p_alive)
    score = recency * reason_factor * alive if n else np.zeros(0)
    expected = np.clip(lost["lost_revenue"].to_numpy(np.float64), 0.0, None) * score
    name, manager = _names_and_managers(customers, ids)
    last_contact = _last_contacts(contacts, ids, T)
    if contact_every_days is None:
        overdue = np.zeros(n, dtype=bool)
    else:
        overdue = (
            last_contact.isna() | (last_contact <= T - pd.Timedelta(days=contact_every_days))
        ).to_numpy(bool)

    out = _queue_frame(ids, lost, {
        "name": name, "manager": manager, "days_since_lost": since, "reason": text,
        "reason_category": cat, "last_contact": last_contact.to_numpy(),
        "contact_overdue": overdue, "p_alive": pa, "score": score, "expected_revenue": expected,
    })
    out.attrs = {"reason_chance": chances, "p_alive_used": p_alive is not None and use_p_alive,
                 "within_days": within_days, "as_of": T}
    return out


def _queue_frame(ids: pd.Index, lost: pd.DataFrame, cols: Mapping[str, Any]) -> pd.DataFrame:
    """The :data:`QUEUE_COLUMNS` frame of the lost customers ``ids``, ordered by expected
    revenue, lost revenue, then id (``attrs`` left to the caller)."""
    cat = cols["reason_category"]
    out = pd.DataFrame(
        {
            "name": cols["name"],
            "manager": cols["manager"],
            "last_purchase": lost["last_purchase"].to_numpy(),
            "lost_on": lost["lost_on"].to_numpy(),
            "days_since_lost": cols["days_since_lost"],
            "lost_revenue": lost["lost_revenue"].to_numpy(np.float64),
            "reason": cols["reason"],
            "reason_category": cat,
            "fixable": np.array([c != "uncontrollable" for c in cat], dtype=bool),
            "action": np.array([RECOMMENDED_ACTIONS[c] for c in cat], dtype=object),
            "last_contact": cols["last_contact"],
            "contact_overdue": cols["contact_overdue"],
            "p_alive": cols["p_alive"],
            "score": np.asarray(cols["score"], dtype=np.float64),
            "expected_revenue": np.asarray(cols["expected_revenue"], dtype=np.float64),
        },
        index=ids,
    )
    for col in ("name", "manager", "reason", "reason_category", "action"):
        out[col] = out[col].astype(str)
    order = np.lexsort(
        (np.asarray(ids.astype(str)), -money_key(out["lost_revenue"]),
         -money_key(out["expected_revenue"]))
    )
    return out.iloc[order]


def _reason_chances(reason_chance: Mapping[str, float] | None) -> dict[str, float]:
    """:data:`REASON_CHANCE` with ``reason_chance`` merged over it, checked."""
    chances = dict(REASON_CHANCE)
    if reason_chance:
        chances.update({str(k): float(v) for k, v in reason_chance.items()})
    bad = {k: v for k, v in chances.items() if not 0.0 <= v <= 1.0}
    if bad:
        raise ValueError(f"reason chances must be between 0 and 1, got {bad}")
    return chances


def _recently_lost(
    transactions: pd.DataFrame, customers: pd.DataFrame | None, T: pd.Timestamp, *,
    within_days: int, lapse_days: int,
) -> pd.DataFrame:
    """The :func:`~retention_lib.analysis.churn.customer_status` rows of the customers lost
    in the last ``within_days`` (string index), with their ``lost_revenue``."""
    status = customer_status(transactions, as_of=T, lapse_days=lapse_days, customers=customers)
    lost = status[
        (status["status"] == "lost")
        & (status["lost_on"] > T - pd.Timedelta(days=within_days))
    ].copy()
    lost.index = lost.index.astype(str)
    # net revenue per lost customer, from the churn history customer_status just used
    lost["lost_revenue"] = lost_revenue(
        transactions, customers, pd.Index(lost.index), lost["last_purchase"].to_numpy(),
        days=_LOST_REVENUE_DAYS,
    )
    return lost


def _p_alive_columns(
    p_alive: pd.Series | None, ids: pd.Index, use_p_alive: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``p_alive`` per customer of ``ids`` (NaN when not given) and the chance factor it
    contributes (1 unless ``use_p_alive``; a missing value counts 0.5)."""
    n = len(ids)
    pa = np.full(n, np.nan)
    alive = np.ones(n)
    if p_alive is not None:
        s = pd.Series(p_alive, dtype=np.float64)
        s.index = s.index.astype(str)
        pa = s[~s.index.duplicated()].reindex(ids.astype(str)).to_numpy(np.float64)
        if use_p_alive:
            alive = np.clip(np.where(np.isnan(pa), 0.5, pa), 0.0, 1.0)
    return pa, alive


def _names_and_managers(
    customers: pd.DataFrame | None, ids: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """``name`` (default: the id) and ``manager`` (default ``"unassigned"``) of ``ids``."""
    name = np.asarray(ids.astype(str), dtype=object)
    manager = np.full(len(ids), "unassigned", dtype=object)
    if customers is not None:
        c = customers.set_index(customers["customer_id"].astype(str))
        c = c[~c.index.duplicated()].reindex(ids.astype(str))
        if "name" in c.columns:
            name = np.where(c["name"].isna().to_numpy(), name, c["name"].astype(object))
        if "manager" in c.columns:
            manager = np.where(
                c["manager"].isna().to_numpy(), manager, c["manager"].astype(object)
            )
    return name, manager


def _last_contacts(contacts: pd.DataFrame | None, ids: pd.Index, T: pd.Timestamp) -> pd.Series:
    """Date of the last contact up to ``T`` of each of ``ids`` (NaT: never)."""
    last_contact = pd.Series(pd.NaT, index=ids.astype(str), dtype="datetime64[ns]")
    if contacts is not None:
        keep = (contacts["date"] <= T).to_numpy(dtype=bool, na_value=False)
        # grouped on integer codes of the ids, then matched once per distinct id
        c_codes, c_uniq = factorized(contacts, "customer_id")  # shared with early_warning
        keep = keep & (c_codes >= 0)
        lc = contacts["date"][keep].groupby(c_codes[keep]).max()
        lc.index = pd.Index(c_uniq).take(lc.index.to_numpy(np.int64)).astype(str)
        last_contact = lc.reindex(ids.astype(str)).astype("datetime64[ns]")
    return last_contact


def winback_metrics(
    queue: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    start: Any,
    end: Any,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    customers: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The ``winback`` section of ``metrics.json``.

    Parameters
    ----------
    queue
        The :func:`winback_queue` frame.
    transactions, lapse_days, customers
        As in :func:`retention_lib.analysis.churn.won_back`.
    start, end
        The report period (start, end], e.g. the last day of the previous month and the last
        day of the report month.

    Returns
    -------
    dict
        ``queue_size`` (int), ``queue_lost_revenue`` (float), ``contact_overdue`` (int),
        ``won_back`` (int: customers won back in the period), ``won_back_revenue`` (float:
        their net revenue from the return to ``end``), ``queue_expected_revenue`` (float:
        the sum of ``expected_revenue``).
    """
    wb = won_back(transactions, start=start, end=end, lapse_days=lapse_days,
                  customers=customers)
    return {
        "queue_size": int(len(queue)),
        "queue_lost_revenue": float(queue["lost_revenue"].sum()),
        "queue_expected_revenue": float(queue["expected_revenue"].sum())
        if "expected_revenue" in queue.columns else 0.0,
        "contact_overdue": int(queue["contact_overdue"].sum()),
        "won_back": int(len(wb)),
        "won_back_revenue": float(wb["revenue_since_return"].sum()),
    }
