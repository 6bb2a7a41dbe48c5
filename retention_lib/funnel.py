"""Customer development funnel (DESIGN.md rule 4): is the base developed, not just kept?

Stages, in order (:data:`STAGES`), evaluated at a date ``d`` for every customer **active**
at ``d`` (:func:`retention_lib.churn.customer_status`):

1. ``first purchase``: at least one purchase day (a day with a row of ``amount > 0``).
2. ``repeat``: at least two purchase days.
3. ``regular``: purchases in at least ``regular_months`` (default 6) of the 12 calendar months
   ending with the month of ``d``.
4. ``expanded``: a customer of at least 365 days (first purchase <= d − 365 days) who,
   in the 365 days up to ``d`` (``(d − 365, d]``), bought more distinct categories than in
   their first year (``[first, first + 365)``; only when ``transactions`` has a
   ``category`` column), **or** whose net revenue there is at least
   ``expansion_factor`` (1.5) × their first-year net revenue (first-year revenue > 0).
   The two windows may overlap for customers of less than two years.
5. ``key account``: tier in ``key_tiers`` (VIP or A of
   :func:`retention_lib.tiers.value_tiers`).

A customer's stage is the **highest stage whose condition holds** (a VIP who buys in only
four months is a key account); ``reached`` counts in :func:`funnel_counts` are "at this stage
or beyond".

Conversions over a period (start, end]: the stage at ``start`` of every customer active then
(plus ``new`` for customers whose first purchase falls in the period and who are active at
``end``) against the stage at ``end`` (``lost`` when no longer active).

The report reads these options from :class:`~retention_lib.config.Settings` (YAML
``contact_discipline:``): ``funnel_regular_months`` (6), ``funnel_expansion_factor`` (1.5),
``key_tiers`` (("VIP", "A")).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .churn import customer_status
from .config import DEFAULT_SETTINGS

__all__ = [
    "STAGES",
    "conversion_summary",
    "funnel_by_manager",
    "funnel_counts",
    "funnel_stages",
    "funnel_transitions",
]

STAGES: tuple[str, ...] = ("first purchase", "repeat", "regular", "expanded", "key account")
UNASSIGNED = "unassigned"


def _ts(value: Any, name: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return ts.normalize()


def _ids(values: Any) -> pd.Index:
    return pd.Index(pd.array([str(v) for v in values], dtype="string"), name="customer_id")


def _managers(ids: pd.Index, customers: pd.DataFrame | None) -> pd.Series:
    manager = pd.Series(pd.NA, index=ids, dtype="string")
    if customers is not None and "manager" in customers.columns and len(customers):
        c = customers.drop_duplicates("customer_id", keep="last")
        manager = pd.Series(
            c["manager"].astype("string").to_numpy(), index=_ids(c["customer_id"])
        ).reindex(ids)
    manager = manager.str.strip()
    return manager.mask(manager.isna() | (manager == ""), UNASSIGNED).astype("string")


def _month_number(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)


def funnel_stages(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    tiers: pd.DataFrame | pd.Series | None,
    customers: pd.DataFrame | None = None,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    regular_months: int = 6,
    expansion_factor: float = 1.5,
    key_tiers: Sequence[str] = ("VIP", "A"),
) -> pd.DataFrame:
    """Funnel stage of every customer active at ``as_of`` (definitions in the module doc).

    Parameters
    ----------
    transactions
        ``customer_id``, ``date``, ``amount``; optional ``category``.
    as_of
        The date the stages refer to.
    tiers
        ``value_tiers`` output at ``as_of`` (index ``customer_id``, column ``tier``) or the
        tier Series; None: nobody is a key account.
    customers
        Optional: ``churned_on`` (status) and ``manager``.
    lapse_days, regular_months, expansion_factor, key_tiers
        See the module definitions.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string, sorted), active customers. Columns
        ``purchase_days`` (int64), ``purchase_months`` (int64, months with a purchase among
        the last 12), ``expanded`` (bool), ``key_account`` (bool), ``stage`` (string, one
        of :data:`STAGES`), ``manager`` (string, ``"unassigned"`` when unknown).
    """
    as_of = _ts(as_of, "as_of")
    for col in ("customer_id", "date", "amount"):
        if col not in transactions.columns:
            raise KeyError(
                f"transactions lack column {col!r}; required: ['customer_id', 'date', "
                f"'amount'], found: {list(transactions.columns)}"
            )
    status = customer_status(
        transactions, as_of=as_of, lapse_days=lapse_days, customers=customers
    )
    active = status.loc[(status["status"] == "active").to_numpy(dtype=bool)]
    ids = _ids(active.index)
    first = pd.Series(active["first_purchase"].to_numpy(), index=ids)

    cols = ["customer_id", "date", "amount"]
    has_cat = "category" in transactions.columns
    if has_cat:
        cols.append("category")
    tx = transactions.loc[
        (transactions["date"] <= as_of).to_numpy(dtype=bool, na_value=False), cols
    ]
    tx = tx.assign(customer_id=tx["customer_id"].astype("string"))
    tx = tx.loc[tx["customer_id"].isin(ids).to_numpy(dtype=bool)]
    buy = tx.loc[(tx["amount"] > 0).to_numpy(dtype=bool)]

    days = buy.assign(day=buy["date"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    purchase_days = days.groupby("customer_id").size().reindex(ids, fill_value=0)

    month = _month_number(buy["date"])
    as_of_month = int(np.datetime64(as_of, "M").astype(np.int64))
    recent = month > as_of_month - 12
    months = (
        pd.DataFrame({"customer_id": buy["customer_id"].to_numpy()[recent],
                      "m": month[recent]})
        .drop_duplicates()
        .groupby("customer_id")
        .size()
        .reindex(ids, fill_value=0)
    )

    f = first.reindex(tx["customer_id"].to_numpy()).to_numpy(dtype="datetime64[ns]")
    d = tx["date"].to_numpy(dtype="datetime64[ns]")
    year = np.timedelta64(365, "D")
    in_first = (d >= f) & (d < f + year)
    in_last = d > np.datetime64(as_of) - year
    amount = tx["amount"].to_numpy(dtype="float64")
    cid = tx["customer_id"].to_numpy(dtype=object)
    rev_first = pd.Series(amount[in_first]).groupby(cid[in_first]).sum()
    rev_last = pd.Series(amount[in_last]).groupby(cid[in_last]).sum()
    rev_first = rev_first.reindex(ids.astype(object), fill_value=0.0).to_numpy()
    rev_last = rev_last.reindex(ids.astype(object), fill_value=0.0).to_numpy()
    tenure_ok = (first <= as_of - pd.Timedelta(days=365)).to_numpy(dtype=bool)
    more_volume = (rev_first > 0) & (rev_last >= expansion_factor * rev_first)
    more_cats = np.zeros(len(ids), dtype=bool)
    if has_cat:
        pos = (amount > 0) & tx["category"].notna().to_numpy(dtype=bool)
        cat = tx["category"].astype("string").to_numpy(dtype=object, na_value="")

        def n_cats(mask: np.ndarray) -> np.ndarray:
            m = mask & pos
            frame = pd.DataFrame({"c": cid[m], "k": cat[m]}).drop_duplicates()
            return frame.groupby("c").size().reindex(ids.astype(object), fill_value=0).to_numpy()

        more_cats = n_cats(in_last) > n_cats(in_first)
    expanded = tenure_ok & (more_volume | more_cats)

    if tiers is None:
        key = np.zeros(len(ids), dtype=bool)
    else:
        t = tiers["tier"] if isinstance(tiers, pd.DataFrame) else tiers
        t = pd.Series(t.astype("string").to_numpy(), index=_ids(t.index)).reindex(ids)
        key = t.isin(list(key_tiers)).to_numpy(dtype=bool)

    pdays = purchase_days.to_numpy(dtype=np.int64)
    pmonths = months.to_numpy(dtype=np.int64)
    rank = np.where(pdays >= 1, 0, -1)
    rank = np.where(pdays >= 2, 1, rank)
    rank = np.where(pmonths >= regular_months, 2, rank)
    rank = np.where(expanded, 3, rank)
    rank = np.where(key, 4, rank)
    rank = np.maximum(rank, 0)  # active customers always have a purchase day
    out = pd.DataFrame(
        {
            "purchase_days": pdays,
            "purchase_months": pmonths,
            "expanded": expanded,
            "key_account": key,
            "stage": pd.array(np.asarray(STAGES, dtype=object)[rank], dtype="string"),
            "manager": _managers(ids, customers).to_numpy(),
        },
        index=ids,
    )
    out["manager"] = out["manager"].astype("string")
    out.attrs = {"as_of": as_of}
    return out


def funnel_counts(stages: pd.DataFrame) -> pd.DataFrame:
    """Customers per funnel stage.

    Returns
    -------
    pandas.DataFrame
        Index ``stage`` (the five :data:`STAGES` in order). Columns ``at_stage`` (int64:
        customers whose stage it is), ``reached`` (int64: at this stage or beyond),
        ``share`` (float64: reached / all customers, NaN when there are none).
    """
    at = stages["stage"].astype(object).value_counts().reindex(list(STAGES), fill_value=0)
    at = at.to_numpy(dtype=np.int64)
    reached = at[::-1].cumsum()[::-1]
    total = int(at.sum())
    return pd.DataFrame(
        {
            "at_stage": at,
            "reached": reached,
            "share": reached / total if total else np.full(len(at), np.nan),
        },
        index=pd.Index(list(STAGES), name="stage"),
    )


def funnel_by_manager(stages: pd.DataFrame) -> pd.DataFrame:
    """Customers per manager who reached each stage ("at this stage or beyond").

    Returns
    -------
    pandas.DataFrame
        Index ``manager`` (sorted, ``"unassigned"`` last). Columns ``customers`` then one
        int64 column per stage of :data:`STAGES` (reached counts).
    """
    rank = {s: i for i, s in enumerate(STAGES)}
    r = stages["stage"].astype(object).map(rank).to_numpy(dtype=int)
    man = stages["manager"].astype(object).to_numpy()
    data = {"manager": man}
    for i, s in enumerate(STAGES):
        data[s] = (r >= i).astype(np.int64)
    out = pd.DataFrame(data).groupby("manager").sum()
    out.insert(0, "customers", out[STAGES[0]])
    order = sorted(out.index, key=lambda m: (m == UNASSIGNED, str(m)))
    out = out.loc[order].astype(np.int64)
    out.index.name = "manager"
    return out


def funnel_transitions(
    transactions: pd.DataFrame,
    *,
    start: Any,
    end: Any,
    tiers_start: pd.DataFrame | pd.Series | None,
    tiers_end: pd.DataFrame | pd.Series | None,
    customers: pd.DataFrame | None = None,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
    regular_months: int = 6,
    expansion_factor: float = 1.5,
    key_tiers: Sequence[str] = ("VIP", "A"),
) -> pd.DataFrame:
    """Stage at ``start`` vs stage at ``end`` for every customer in play over (start, end].

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string, sorted): customers active at ``start``, plus those
        whose first purchase is in (start, end] and who are active at ``end``. Columns
        ``start_stage`` (string: a stage or ``"new"``), ``end_stage`` (string: a stage or
        ``"lost"``), ``manager`` (string, from ``customers``).
    """
    s, e = _ts(start, "start"), _ts(end, "end")
    if not s < e:
        raise ValueError(f"start must be before end, got start={s.date()}, end={e.date()}")
    kw = dict(
        customers=customers, lapse_days=lapse_days, regular_months=regular_months,
        expansion_factor=expansion_factor, key_tiers=key_tiers,
    )
    at_s = funnel_stages(transactions, as_of=s, tiers=tiers_start, **kw)
    at_e = funnel_stages(transactions, as_of=e, tiers=tiers_end, **kw)
    status_e = customer_status(transactions, as_of=e, lapse_days=lapse_days, customers=customers)
    first = pd.Series(status_e["first_purchase"].to_numpy(), index=_ids(status_e.index))
    new = at_e.index[(first.reindex(at_e.index) > s).to_numpy(dtype=bool)]
    ids = at_s.index.union(new).sort_values()
    start_stage = at_s["stage"].reindex(ids).fillna("new")
    end_stage = at_e["stage"].reindex(ids).fillna("lost")
    out = pd.DataFrame(
        {
            "start_stage": start_stage.astype("string").to_numpy(),
            "end_stage": end_stage.astype("string").to_numpy(),
            "manager": _managers(ids, customers).to_numpy(),
        },
        index=pd.Index(ids, name="customer_id"),
    )
    for c in out.columns:
        out[c] = out[c].astype("string")
    out.attrs = {"start": s, "end": e}
    return out


def conversion_summary(transitions: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Conversions over the period per start stage (optionally per manager).

    "new" customers count as advanced when they end beyond ``first purchase``.

    Returns
    -------
    pandas.DataFrame
        Index ``start_stage`` (``"new"`` then :data:`STAGES`, only those present), or
        (``by``, ``start_stage``) when ``by`` is given. Columns ``customers``, ``advanced``
        (ended at a higher stage), ``same``, ``fell_back`` (ended lower, still active),
        ``lost`` (int64) and ``advance_rate`` (float64, advanced / customers).
    """
    order = ("new", *STAGES)
    rank = {s: i for i, s in enumerate(STAGES)}
    rank["new"] = 0  # a new customer advanced when beyond "first purchase"
    s = transitions["start_stage"].astype(object)
    e = transitions["end_stage"].astype(object)
    sr = s.map(rank).to_numpy(dtype=int)
    lost = (e == "lost").to_numpy()
    er = e.map(rank).fillna(-1).to_numpy(dtype=int)
    frame = pd.DataFrame(
        {
            "start_stage": s.to_numpy(),
            "customers": 1,
            "advanced": (~lost & (er > sr)).astype(np.int64),
            "same": (~lost & (er == sr)).astype(np.int64),
            "fell_back": (~lost & (er < sr)).astype(np.int64),
            "lost": lost.astype(np.int64),
        }
    )
    keys = ["start_stage"]
    if by is not None:
        frame.insert(0, by, transitions[by].astype(object).to_numpy())
        keys = [by, "start_stage"]
    out = frame.groupby(keys).sum().astype(np.int64)
    pos = {st: i for i, st in enumerate(order)}
    if by is None:
        out = out.iloc[np.argsort([pos[k] for k in out.index], kind="stable")]
    else:
        out = out.iloc[
            sorted(
                range(len(out)),
                key=lambda i: (out.index[i][0] == UNASSIGNED, str(out.index[i][0]),
                               pos[out.index[i][1]]),
            )
        ]
    out["advance_rate"] = (out["advanced"] / out["customers"]).astype("float64")
    return out
