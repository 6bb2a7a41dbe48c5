"""The contact plan of the next period: who must be called or met by when, per manager, on
working days (:func:`contact_plan`, :func:`spread_due_dates`, :func:`working_days`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..data.checks import UNASSIGNED
from ._discipline_inputs import as_date, manager_names
from .cadence import TIER_ORDER

__all__ = ["PLAN_COLUMNS", "contact_plan", "spread_due_dates", "working_days"]

#: Output columns of :func:`contact_plan`, in order.
PLAN_COLUMNS: tuple[str, ...] = (
    "manager", "customer_id", "name", "tier", "action", "due_by", "days_overdue",
    "last_done", "every_days", "status", "value", "priority",
)


def working_days(start: Any, end: Any, *, holidays: Iterable[Any] = ()) -> pd.DatetimeIndex:
    """Monday-to-Friday days from ``start`` to ``end`` (both included), without ``holidays``.

    Returns
    -------
    pandas.DatetimeIndex
        The working days in order (empty when ``end < start``).
    """
    days = pd.bdate_range(as_date(start, "start"), as_date(end, "end"))
    if holidays:
        days = days.difference(pd.DatetimeIndex([as_date(h, "holiday") for h in holidays]))
    return pd.DatetimeIndex(days)


def spread_due_dates(
    plan: pd.DataFrame,
    *,
    start: Any,
    end: Any,
    spread_days: int = 10,
    holidays: Iterable[Any] = (),
) -> pd.Series:
    """Working-day due dates for a contact plan, the backlog spread over the first days.

    Rules, per manager (``plan`` rows in their priority order, as :func:`contact_plan`
    orders them before scheduling):

    * a task due on ``start`` (the backlog: overdue, never done, or due on the period's first
      day) is spread evenly over the first ``W = min(spread_days, working days)`` working
      days: the k-th of the manager's ``B`` backlog tasks (k = 0, 1, ...) is due on working
      day ``floor(k * W / B)`` -- the most valuable first, about ``B / W`` a day;
    * any other task is due on its date when that is a working day; a day off moves to the
      nearest working day, the earlier one on a tie (Saturday -> Friday, Sunday -> Monday, so
      Fridays do not collect the whole weekend), within the period.

    Parameters
    ----------
    plan
        Needs ``manager`` and ``due_by`` (datetime64).
    start, end
        First and last day of the plan period.
    spread_days
        Working days over which the backlog is spread (default 10: two weeks).
    holidays
        Days that are not working days.

    Returns
    -------
    pandas.Series
        datetime64[ns], index as ``plan``: the scheduled due date of every row, always a
        working day between ``start`` and ``end`` (when the period has one).
    """
    start, end = as_date(start, "start"), as_date(end, "end")
    if spread_days < 1:
        raise ValueError(f"spread_days must be >= 1, got {spread_days}")
    wdays = working_days(start, end, holidays=holidays)
    due = pd.to_datetime(plan["due_by"]).dt.normalize()
    if len(wdays) == 0 or len(plan) == 0:
        return due.astype("datetime64[ns]")
    wd = wdays.to_numpy(dtype="datetime64[ns]")
    d = due.to_numpy(dtype="datetime64[ns]")
    # the nearest working day (the earlier on a tie), within the period's working days
    after = np.clip(np.searchsorted(wd, d, side="left"), 0, len(wd) - 1)
    before = np.clip(np.searchsorted(wd, d, side="right") - 1, 0, len(wd) - 1)
    gap_before = np.abs(d - wd[before])
    gap_after = np.abs(wd[after] - d)
    out = np.where(gap_after < gap_before, wd[after], wd[before])
    backlog = d <= np.datetime64(start, "ns")
    width = min(int(spread_days), len(wd))
    managers = plan["manager"].astype(object).fillna(UNASSIGNED).to_numpy()
    for m in pd.unique(managers[backlog]):
        rows = np.flatnonzero(backlog & (managers == m))
        k = np.arange(len(rows))
        out[rows] = wd[(k * width) // len(rows)]
    return pd.Series(out, index=plan.index, dtype="datetime64[ns]")


def contact_plan(
    compliance: pd.DataFrame,
    *,
    as_of: Any | None = None,
    period_end: Any | None = None,
    lost: pd.DataFrame | None = None,
    spread_days: int | None = 10,
    holidays: Iterable[Any] = (),
) -> pd.DataFrame:
    """Who must be called or met by when in the next period, per manager.

    For each requirement of each customer the natural due date is ``last + required``
    (never contacted: due at once). Requirements due on or before ``period_end`` are listed,
    one row per customer and action; a VIP called weekly appears once, with
    ``every_days = 7`` saying how often to repeat. Lost customers from
    :func:`never_disappear` whose ``due_by`` falls in the period are added with tier
    ``"lost"`` and action ``"keep in touch"``.

    Due dates are working days (:func:`spread_due_dates`): what is overdue, never done or
    due on the first day is spread over the first ``spread_days`` working days of the
    period, the most valuable first (keep-in-touch contacts of lost customers, due once a
    year, over all the period's working days), and a day off moves to the nearest working
    day (Saturday to Friday, Sunday to Monday). With
    ``spread_days=None`` the natural dates are kept (overdue: the period's first day).

    Parameters
    ----------
    compliance
        :func:`compliance_table` output.
    as_of
        Report date (default ``compliance.attrs["as_of"]``).
    period_end
        Last day of the plan period (default: the same day one month after ``as_of``;
        with a month-end ``as_of``, the end of the next month).
    lost
        Optional :func:`never_disappear` output.
    spread_days, holidays
        Scheduling on working days (see above).

    Returns
    -------
    pandas.DataFrame
        RangeIndex; columns :data:`PLAN_COLUMNS`: ``manager``, ``customer_id``, ``name``,
        ``tier``, ``action`` (``"call"``/``"meeting"``/``"keep in touch"``; string),
        ``due_by`` (datetime64[ns]), ``days_overdue`` (int64, of that requirement; 0 when it
        was never done), ``last_done`` (datetime64[ns], NaT = never), ``every_days``
        (Int64), ``status`` (string: ``"overdue"``, ``"never"`` -- no such contact in the
        log, past the required interval --, or ``"due"``), ``value`` (float64: the
        customer's tier-window revenue; for lost customers their former value), ``priority``
        (int64: 1, 2, ... per manager and action in the order tier, money at stake, value,
        id -- the order the backlog is scheduled in). Ordered by
        manager, ``due_by``, tier (VIP, A, B, C, lost), money at stake (value x days
        overdue) descending, value descending, customer id. A customer counted overdue on
        the compliance page has at least one ``overdue`` or ``never`` row here.
    """
    if as_of is None:
        as_of = compliance.attrs.get("as_of")
        if as_of is None:
            raise ValueError("contact_plan needs as_of (compliance.attrs has none)")
    as_of = as_date(as_of, "as_of")
    if period_end is None:
        end = as_of + pd.offsets.MonthEnd(1) if as_of.is_month_end else as_of + pd.DateOffset(
            months=1
        )
        period_end = pd.Timestamp(end)
    period_end = as_date(period_end, "period_end")
    first_day = as_of + pd.Timedelta(days=1)
    parts = _requirement_rows(compliance, as_of, first_day)
    if lost is not None and len(lost):
        parts.append(_keep_in_touch_rows(lost, as_of, first_day))
    parts = [p.loc[(p["due_by"] <= period_end).to_numpy()] for p in parts]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_plan()
    plan = _prioritized(_typed(pd.concat(parts, ignore_index=True)))
    if spread_days is not None:
        plan = _scheduled(plan, first_day, period_end, spread_days=spread_days,
                          holidays=holidays)
    # ... then by date within each manager, priority kept within a day
    order = np.lexsort((np.arange(len(plan)), plan["due_by"].to_numpy(),
                        _sort_codes(plan["manager"])))
    plan = plan.iloc[order].reset_index(drop=True)
    plan.attrs = {"as_of": as_of, "period_end": period_end,
                  "spread_days": spread_days}
    return plan[list(PLAN_COLUMNS)]


def _requirement_rows(
    compliance: pd.DataFrame, as_of: pd.Timestamp, first_day: pd.Timestamp
) -> list[pd.DataFrame]:
    """One row per customer and call/meeting requirement, due on ``last + required`` (overdue
    or never done: ``first_day``)."""
    parts = []
    value_all = (compliance["value"].to_numpy(dtype="float64", na_value=0.0)
                 if "value" in compliance.columns else np.zeros(len(compliance)))
    for kind, last_col in (("call", "last_call"), ("meeting", "last_meeting")):
        req = compliance[f"{kind}_required_days"].astype("Float64")
        has = req.notna().to_numpy()
        sub = compliance.loc[has]
        r = req[has].astype("float64")
        last = sub[last_col]
        due = last + pd.to_timedelta(r.to_numpy(), unit="D")
        over = (as_of - due).dt.days
        due = due.fillna(first_day).where(due > as_of, first_day)
        over = over.fillna(0).clip(lower=0).astype(np.int64)
        col = f"{kind}_status"
        kstat = (sub[col].astype(object).to_numpy() if col in sub.columns
                 else np.where(over > 0, "overdue", ""))
        status = np.where(kstat == "never", "never",
                          np.where(over.to_numpy() > 0, "overdue", "due"))
        parts.append(pd.DataFrame(
            {
                "manager": sub["manager"].to_numpy(),
                "customer_id": sub.index.astype(str),
                "name": sub["name"].to_numpy(),
                "tier": sub["tier"].to_numpy(),
                "action": kind,
                "due_by": due.to_numpy(),
                "days_overdue": over.to_numpy(),
                "last_done": last.to_numpy(),
                "every_days": r.to_numpy(),
                "status": status,
                "value": value_all[has],
            }
        ))
    return parts


def _keep_in_touch_rows(
    lost: pd.DataFrame, as_of: pd.Timestamp, first_day: pd.Timestamp
) -> pd.DataFrame:
    """One ``keep in touch`` row per forgotten lost customer (tier ``lost``)."""
    lost_days = int(lost.attrs.get("lost_days", 365))
    due = lost["due_by"].where(lost["due_by"] > as_of, first_day)
    over = ((lost["days_since_contact"] - lost_days).clip(lower=0).fillna(0)
            .to_numpy(dtype=np.int64))
    return pd.DataFrame(
        {
            "manager": manager_names(lost["manager"]).to_numpy(),
            "customer_id": lost.index.astype(str),
            "name": lost["name"].to_numpy(),
            "tier": "lost",
            "action": "keep in touch",
            "due_by": due.to_numpy(),
            "days_overdue": over,
            "last_done": lost["last_contact"].to_numpy(),
            "every_days": float(lost_days),
            "status": np.where(lost["last_contact"].isna().to_numpy(), "never",
                               np.where(over > 0, "overdue", "due")),
            "value": lost["former_value"].to_numpy(dtype="float64", na_value=0.0),
        }
    )


def _typed(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan columns in their output dtypes."""
    for col in ("manager", "customer_id", "name", "tier", "action", "status"):
        plan[col] = plan[col].astype("string")
    plan["due_by"] = plan["due_by"].astype("datetime64[ns]")
    plan["last_done"] = plan["last_done"].astype("datetime64[ns]")
    plan["every_days"] = plan["every_days"].round().astype("Int64")
    plan["days_overdue"] = plan["days_overdue"].astype(np.int64)
    plan["value"] = plan["value"].astype("float64")
    return plan


def _prioritized(plan: pd.DataFrame) -> pd.DataFrame:
    """Rows in priority order (manager, tier, money at stake, value, id) for the scheduling,
    with ``priority`` 1, 2, ... per manager and action."""
    rank = {t: i for i, t in enumerate((*TIER_ORDER, "lost"))}
    tcodes, tiers = pd.factorize(plan["tier"])
    tr = np.array([rank.get(t, len(rank)) for t in tiers] + [len(rank)])[tcodes]
    value = np.nan_to_num(plan["value"].to_numpy(dtype="float64"))
    stake = np.clip(value, 0, None) * plan["days_overdue"].to_numpy(dtype="float64")
    mgr = _sort_codes(plan["manager"])
    cid = _sort_codes(plan["customer_id"])
    plan = plan.iloc[np.lexsort((cid, -value, -stake, tr, mgr))].reset_index(drop=True)
    plan["priority"] = (plan.groupby(["manager", "action"], sort=False).cumcount() + 1
                        ).astype(np.int64)
    return plan


def _scheduled(
    plan: pd.DataFrame,
    first_day: pd.Timestamp,
    period_end: pd.Timestamp,
    *,
    spread_days: int,
    holidays: Iterable[Any],
) -> pd.DataFrame:
    """``plan`` with working-day due dates (:func:`spread_due_dates`); the yearly
    keep-in-touch contacts are then spread again over all the period's working days."""
    plan["due_by"] = spread_due_dates(plan, start=first_day, end=period_end,
                                      spread_days=spread_days, holidays=holidays)
    lost_rows = (plan["action"] == "keep in touch").to_numpy(dtype=bool)
    if lost_rows.any():  # a yearly contact: its backlog over the whole period
        plan.loc[lost_rows, "due_by"] = spread_due_dates(
            plan.loc[lost_rows], start=first_day, end=period_end,
            spread_days=max(len(working_days(first_day, period_end, holidays=holidays)),
                            1),
            holidays=holidays).to_numpy()
    return plan


def _sort_codes(values: pd.Series) -> np.ndarray:
    """Integer codes that sort like the (non-missing) string values: a cheap lexsort key."""
    return pd.factorize(values, sort=True)[0]


def _empty_plan() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "manager": pd.array([], dtype="string"),
            "customer_id": pd.array([], dtype="string"),
            "name": pd.array([], dtype="string"),
            "tier": pd.array([], dtype="string"),
            "action": pd.array([], dtype="string"),
            "due_by": pd.Series([], dtype="datetime64[ns]"),
            "days_overdue": pd.Series([], dtype=np.int64),
            "last_done": pd.Series([], dtype="datetime64[ns]"),
            "every_days": pd.array([], dtype="Int64"),
            "status": pd.array([], dtype="string"),
            "value": pd.Series([], dtype="float64"),
            "priority": pd.Series([], dtype=np.int64),
        }
    )
