"""Customer development funnel (DESIGN.md rule 4): is the base developed, not just kept?

Stages, in order (:data:`STAGES`), evaluated at a date ``d`` for every customer **active**
at ``d`` (:func:`retention_lib.analysis.churn.customer_status`):

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
   :func:`retention_lib.analysis.tiers.value_tiers`).

A customer's stage is the **highest stage whose condition holds** (a VIP who buys in only
four months is a key account); ``reached`` counts in :func:`funnel_counts` are "at this stage
or beyond".

Conversions over a period (start, end]: the stage at ``start`` of every customer active then
(plus ``new`` for customers whose first purchase falls in the period and who are active at
``end``) against the stage at ``end`` (``lost`` when no longer active).

The report reads these options from :class:`~retention_lib.config.Settings` (YAML
``contact_discipline:``): ``funnel_regular_months`` (6), ``funnel_expansion_factor`` (1.5),
``key_tiers`` (("VIP", "A")).

Implementation (scale): the transactions are coded once (:class:`_Prepared`: customer ids
to integer codes in sorted-id order, days, months, category codes, and the row orders by
(customer, day) and (customer, category)); the stages at a date are then numpy passes over
those arrays (distinct days/months/categories by change points along the sorted orders,
revenue by pandas' group sum over integer codes in table order, hence bit-identical to the
former string ``groupby``). :func:`funnel_transitions` prepares once for both dates, and
the report (:func:`stages_and_transitions`) reuses the end stages and the
:func:`~retention_lib.analysis.churn.customer_status` it already has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS
from ..data.checks import UNASSIGNED
from ._discipline_inputs import as_date, factorized
from ._frames import day_number
from .churn import customer_status
from .customer_days import customer_day_table
from .shared import text_codes

__all__ = [
    "STAGES",
    "conversion_summary",
    "funnel_by_manager",
    "funnel_counts",
    "funnel_stages",
    "funnel_transitions",
    "stages_and_transitions",
]

STAGES: tuple[str, ...] = ("first purchase", "repeat", "regular", "expanded", "key account")


def _ids(values: Any) -> pd.Index:
    """Customer ids as a ``string`` Index named ``customer_id`` (``str(v)`` of each value)."""
    if isinstance(values, pd.Index | pd.Series) and isinstance(values.dtype, pd.StringDtype):
        return pd.Index(values.astype("string").array, name="customer_id")
    return pd.Index(pd.array([str(v) for v in values], dtype="string"), name="customer_id")


def _require(transactions: pd.DataFrame) -> None:
    for col in ("customer_id", "date", "amount"):
        if col not in transactions.columns:
            raise KeyError(
                f"transactions lack column {col!r}; required: ['customer_id', 'date', "
                f"'amount'], found: {list(transactions.columns)}"
            )


@dataclass(frozen=True)
class _Prepared:
    """Transactions coded once: every stage date is then a few numpy passes.

    ``ids`` are the sorted distinct customer ids (as in ``customer_status``'s index).
    Purchase days and months and the revenue sums are read from the per-customer-day table
    (``e_*``, :func:`retention_lib.analysis.summary.customer_days`); only the categories bought need
    the rows (``code``, ``ns``, ``cat``, in transaction order).
    """

    ids: pd.Index  # sorted distinct customer ids, original dtype
    sids: pd.Index  # the same as a "string" Index named customer_id
    code: np.ndarray  # int64 position in ids per row
    ns: np.ndarray  # int64 nanoseconds per row
    valid: np.ndarray  # bool: date not NaT
    amount: np.ndarray  # float64 per row
    cat: np.ndarray | None  # int64 category code per row, -1 when missing; None: no column
    manager: pd.api.extensions.ExtensionArray  # string per id, "unassigned" when unknown
    cat_key: np.ndarray | None  # int64 (customer, category) key per row
    cat_order: np.ndarray | None  # rows sorted by cat_key
    e_code: np.ndarray  # int64 position in ids per customer-day, ascending
    e_day: np.ndarray  # int64 day number per customer-day, ascending within a customer
    e_month: np.ndarray  # int64 month number per customer-day
    e_net: np.ndarray  # float64 net amount per customer-day
    e_bought: np.ndarray  # bool: the customer-day holds a purchase


def _manager_of(sids: pd.Index, customers: pd.DataFrame | None) -> pd.Series:
    manager = pd.Series(pd.NA, index=sids, dtype="string")
    if customers is not None and "manager" in customers.columns and len(customers):
        c = customers.drop_duplicates("customer_id", keep="last")
        manager = pd.Series(
            c["manager"].astype("string").to_numpy(), index=_ids(c["customer_id"])
        ).reindex(sids)
    manager = manager.str.strip()
    return manager.mask(manager.isna() | (manager == ""), UNASSIGNED).astype("string")


def _managers(ids: pd.Index, customers: pd.DataFrame | None) -> pd.Series:
    return _manager_of(ids, customers)


def _prepare(transactions: pd.DataFrame, customers: pd.DataFrame | None) -> _Prepared:
    codes, uniques = factorized(transactions)  # shared with the cadence inside a build
    ids = pd.Index(uniques)
    order = ids.argsort()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    code = np.where(codes >= 0, rank[np.clip(codes, 0, None)], -1).astype(np.int64)
    ids = ids.take(order)
    ids.name = "customer_id"
    sids = _ids(ids)
    dates = transactions["date"].to_numpy(dtype="datetime64[ns]")
    valid = ~np.isnat(dates)
    cat = cat_key = cat_order = None
    if "category" in transactions.columns:
        k = transactions["category"]
        ccodes, cats = text_codes(k)
        cat = np.where(k.notna().to_numpy(dtype=bool), ccodes, -1).astype(np.int64)
        cat_key = code * (len(cats) + 1) + (cat + 1)
        cat_order = np.argsort(cat_key, kind="stable")
    valid &= code >= 0
    days = customer_day_table(transactions)  # its ids: the sorted distinct ids, as ids
    e_code = days.code
    if len(days.uniques) != len(ids) or not pd.Index(days.uniques).equals(ids):
        # pragma: no cover - both are the sorted distinct ids
        e_code = ids.get_indexer(pd.Index(days.uniques))[e_code]
    return _Prepared(
        ids=ids, sids=sids, code=code, ns=dates.astype(np.int64), valid=valid,
        amount=transactions["amount"].to_numpy(dtype="float64"), cat=cat,
        manager=_manager_of(sids, customers).array, cat_key=cat_key, cat_order=cat_order,
        e_code=e_code, e_day=days.day,
        e_month=days.day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64),
        e_net=days.net, e_bought=days.bought,
    )


def _distinct_count(
    key: np.ndarray, order: np.ndarray, mask: np.ndarray, slot: np.ndarray, n: int
) -> np.ndarray:
    """Distinct ``key`` values among the rows of ``mask``, counted per ``slot`` (0..n-1).

    ``order`` sorts ``key``; ``key`` determines the slot (it includes the customer code).
    """
    rows = order[mask[order]]
    k = key[rows]
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return np.bincount(slot[rows[first]], minlength=n).astype(np.int64)


def _group_sum(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Per-group sums (pandas' compensated summation, rows in order), 0 for empty groups."""
    return (
        pd.Series(values).groupby(group).sum()
        .reindex(np.arange(n), fill_value=0.0).to_numpy(dtype="float64")
    )


@dataclass(frozen=True)
class _Stages:
    frame: pd.DataFrame
    pos: np.ndarray  # position in _Prepared.ids of each row of frame
    rank: np.ndarray  # stage number (index into STAGES) of each row
    first: np.ndarray  # first purchase (datetime64[ns]) of each row


def _stages_at(
    prep: _Prepared,
    status: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    tiers: pd.DataFrame | pd.Series | None,
    regular_months: int,
    expansion_factor: float,
    key_tiers: Sequence[str],
) -> _Stages:
    is_active = (status["status"] == "active").to_numpy(dtype=bool)
    active = status.loc[is_active]
    if status.index.equals(prep.ids):  # the usual case: no string lookups
        pos = np.flatnonzero(is_active)
    else:
        pos = prep.ids.get_indexer(active.index)
    if (pos < 0).any():
        raise ValueError("customer_status lists customers that are not in the transactions")
    n = len(pos)
    first = active["first_purchase"].to_numpy(dtype="datetime64[ns]")
    slot_of = np.full(len(prep.ids), -1, dtype=np.int64)
    slot_of[pos] = np.arange(n, dtype=np.int64)

    # purchase days, purchase months and revenue from the per-customer-day table
    as_day = day_number(as_of)
    e_slot = slot_of[prep.e_code]  # output row of each customer-day, or -1
    e_use = (prep.e_day <= as_day) & (e_slot >= 0)
    e_buy = e_use & prep.e_bought
    purchase_days = np.bincount(e_slot[e_buy], minlength=n).astype(np.int64)
    as_of_month = int(np.datetime64(as_of, "M").astype(np.int64))
    recent = np.flatnonzero(e_buy & (prep.e_month > as_of_month - 12))
    r_code, r_month = prep.e_code[recent], prep.e_month[recent]  # by customer, then month
    new_month = np.ones(len(recent), dtype=bool)
    new_month[1:] = (r_code[1:] != r_code[:-1]) | (r_month[1:] != r_month[:-1])
    purchase_months = np.bincount(e_slot[recent[new_month]], minlength=n).astype(np.int64)

    sel = np.flatnonzero(e_use)
    slot = e_slot[sel]
    amount = prep.e_net[sel]
    f = first.astype("datetime64[D]").astype(np.int64)[slot]
    d = prep.e_day[sel]
    in_first = (d >= f) & (d < f + 365)
    in_last = d > as_day - 365
    rev_first = _group_sum(amount[in_first], slot[in_first], n)
    rev_last = _group_sum(amount[in_last], slot[in_last], n)
    tenure_ok = first <= np.datetime64(as_of - pd.Timedelta(days=365), "ns")
    more_volume = (rev_first > 0) & (rev_last >= expansion_factor * rev_first)
    more_cats = np.zeros(n, dtype=bool)
    if prep.cat is not None:
        # categories are per row: the purchases with a category up to as_of, in the first
        # year and in the last year
        as_ns = np.datetime64(as_of, "ns").astype(np.int64)
        year = np.timedelta64(365, "D").astype("timedelta64[ns]").astype(np.int64)
        row_slot = slot_of[np.clip(prep.code, 0, None)]  # output row of each row, or -1
        ok = (prep.valid & (prep.ns <= as_ns) & (row_slot >= 0) & (prep.amount > 0)
              & (prep.cat >= 0))
        rows = np.flatnonzero(ok)
        r_ns = prep.ns[rows]
        r_first = first.astype(np.int64)[row_slot[rows]]
        ok_first = np.zeros(len(ok), dtype=bool)
        ok_last = np.zeros(len(ok), dtype=bool)
        ok_first[rows] = (r_ns >= r_first) & (r_ns < r_first + year)
        ok_last[rows] = r_ns > as_ns - year
        more_cats = (_distinct_count(prep.cat_key, prep.cat_order, ok_last, row_slot, n)
                     > _distinct_count(prep.cat_key, prep.cat_order, ok_first, row_slot, n))
    expanded = tenure_ok & (more_volume | more_cats)

    key = np.zeros(n, dtype=bool)
    if tiers is not None:
        t = tiers["tier"] if isinstance(tiers, pd.DataFrame) else tiers
        is_key = t.astype("string").isin(list(key_tiers)).to_numpy(dtype=bool)
        # only the key-tier customers are looked up (tiers has one row per customer)
        where = prep.sids.get_indexer(_ids(t.index[is_key]))
        flag = np.zeros(len(prep.ids), dtype=bool)
        flag[where[where >= 0]] = True
        key = flag[pos]

    rank = np.where(purchase_days >= 1, 0, -1)
    rank = np.where(purchase_days >= 2, 1, rank)
    rank = np.where(purchase_months >= regular_months, 2, rank)
    rank = np.where(expanded, 3, rank)
    rank = np.where(key, 4, rank)
    rank = np.maximum(rank, 0)  # active customers always have a purchase day
    out = pd.DataFrame(
        {
            "purchase_days": purchase_days,
            "purchase_months": purchase_months,
            "expanded": expanded,
            "key_account": key,
            "stage": _labels(rank, STAGES),
            "manager": prep.manager.take(pos),
        },
        index=prep.sids.take(pos),
    )
    out.attrs = {"as_of": as_of}
    return _Stages(frame=out, pos=pos, rank=rank, first=first)


def _labels(codes: np.ndarray, labels: Sequence[str]) -> pd.api.extensions.ExtensionArray:
    """``labels[code]`` for each code, as a ``string`` array."""
    return pd.Categorical.from_codes(codes, categories=list(labels)).astype("string")


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

    Notes
    -----
    Implementation: customer ids are coded to integers once (:func:`_prepare`); every
    count is a ``numpy`` pass over those codes (no string grouping or lookups per row).
    """
    as_of = as_date(as_of, "as_of")
    _require(transactions)
    status = customer_status(
        transactions, as_of=as_of, lapse_days=lapse_days, customers=customers
    )
    prep = _prepare(transactions, customers)
    return _stages_at(
        prep, status, as_of=as_of, tiers=tiers, regular_months=regular_months,
        expansion_factor=expansion_factor, key_tiers=key_tiers,
    ).frame


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
    return stages_and_transitions(
        transactions, start=start, end=end, tiers_start=tiers_start, tiers_end=tiers_end,
        customers=customers, lapse_days=lapse_days, regular_months=regular_months,
        expansion_factor=expansion_factor, key_tiers=key_tiers,
    )[1]


def stages_and_transitions(
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
    status_end: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(funnel_stages at end, funnel_transitions)`` from one pass of preparation.

    ``status_end``: ``customer_status(transactions, as_of=end, lapse_days=lapse_days,
    customers=customers)`` when the caller already has it (it is not recomputed).
    """
    s, e = as_date(start, "start"), as_date(end, "end")
    if not s < e:
        raise ValueError(f"start must be before end, got start={s.date()}, end={e.date()}")
    _require(transactions)
    kw = dict(regular_months=regular_months, expansion_factor=expansion_factor,
              key_tiers=key_tiers)
    prep = _prepare(transactions, customers)
    status_s = customer_status(transactions, as_of=s, lapse_days=lapse_days,
                               customers=customers)
    if status_end is None:
        status_end = customer_status(transactions, as_of=e, lapse_days=lapse_days,
                                     customers=customers)
    at_s = _stages_at(prep, status_s, as_of=s, tiers=tiers_start, **kw)
    at_e = _stages_at(prep, status_end, as_of=e, tiers=tiers_end, **kw)
    new = at_e.pos[at_e.first > np.datetime64(s, "ns")]
    pos = np.union1d(at_s.pos, new)
    ids = prep.sids.take(pos)
    if not ids.is_monotonic_increasing:  # codes follow the ids' own order (e.g. numbers)
        order = ids.argsort()
        pos, ids = pos[order], ids.take(order)

    def stage_of(at: _Stages, missing: str) -> pd.api.extensions.ExtensionArray:
        slot = np.full(len(prep.ids), -1, dtype=np.int64)
        slot[at.pos] = at.rank
        r = slot[pos]
        return _labels(np.where(r >= 0, r, len(STAGES)), (*STAGES, missing))

    out = pd.DataFrame(
        {
            "start_stage": stage_of(at_s, "new"),
            "end_stage": stage_of(at_e, "lost"),
            "manager": prep.manager.take(pos),
        },
        index=pd.Index(ids, name="customer_id"),
    )
    out.attrs = {"start": s, "end": e}
    return at_e.frame, out


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
