"""The contact-discipline call lists: next month's tasks per manager, written as workbooks.

:func:`call_list_tasks` lists every task (the contact plan's calls, meetings and
keep-in-touch contacts, and -- with :func:`~retention_lib.pages.discipline.with_targets` --
the customers to save and to win back) in the report's language;
:func:`write_report_call_lists` / :func:`write_call_lists_for` write one Excel workbook and
one CSV per manager (:mod:`retention_lib.analysis.calllists` does the safe writing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import contact_planning
from ..analysis.calllists import (
    Sheet,
    call_list_filename,
    csv_separator,
    write_safe_csv,
    write_workbook,
)
from ..analysis.signals import marker_sentences
from ..config import Settings
from ..data.checks import UNASSIGNED
from ..i18n import Translator
from .diagnostics import diagnostics_for
from .discipline import ContactDiscipline, executive_report, with_targets

__all__ = [
    "DIRECTOR_TOP",
    "SHEET_COLUMNS",
    "TASKS",
    "TASK_COLUMNS",
    "call_list_headers",
    "call_list_tasks",
    "cadence_key",
    "write_call_lists_for",
    "write_report_call_lists",
]


#: Columns of :func:`call_list_tasks` (and of the CSV call lists), in order.
TASK_COLUMNS = ("task", "priority", "director_target", "due_by", "name", "customer_id",
                "tier", "value", "value_at_risk", "chance", "expected_revenue", "status",
                "days_overdue", "last_done", "every_days", "lost_on", "risk_markers",
                "exit_reason", "action", "manager")
#: Kinds of task, one workbook sheet each, in order (sheet names: ``lists.sheet.<kind>``).
TASKS = ("call", "meeting", "keep in touch", "save", "win back")
#: Columns of each sheet (headers ``lists.col.<column>``; ``last_done`` per sheet below).
SHEET_COLUMNS: dict[str, tuple[str, ...]] = {
    "call": ("priority", "due_by", "name", "customer_id", "tier", "value", "status",
             "days_overdue", "last_done", "every_days", "risk_markers", "action"),
    "meeting": ("priority", "due_by", "name", "customer_id", "tier", "value", "status",
                "days_overdue", "last_done", "every_days", "risk_markers", "action"),
    "keep in touch": ("priority", "due_by", "name", "customer_id", "value", "status",
                      "last_done", "lost_on", "exit_reason", "action"),
    "save": ("priority", "director_target", "due_by", "name", "customer_id", "tier", "value",
             "value_at_risk", "risk_markers", "last_done", "action"),
    "win back": ("priority", "director_target", "due_by", "name", "customer_id", "value",
                 "chance", "expected_revenue", "lost_on", "exit_reason", "last_done",
                 "action"),
}
_LAST_DONE_HEADER = {"save": "last_purchase", "win back": "last_contact"}
_VALUE_HEADER = {"keep in touch": "former_value", "win back": "former_value"}
#: How many save and win-back targets the director sees on the executive page.
DIRECTOR_TOP = 15


def _task_action(tr: Translator, task: str, status: str, days: int, every: Any,
                 category: str = "", in_queue: bool = False) -> str:
    if task in ("call", "meeting"):
        every = "" if every is None or pd.isna(every) else int(every)
        state = status if status in ("overdue", "never") else "due"
        return tr.t(f"lists.action.{task}_{state}", days=int(days), every=every)
    if task == "keep in touch":
        if in_queue:
            return tr.t("lists.action.keep_in_touch_winback")
        base = tr.t("lists.action.keep_in_touch")
        return f"{base} {_advice(tr, category)}" if category else base
    if task == "save":
        return tr.t("lists.action.save")
    return f"{_advice(tr, category)} {tr.t('action.any')}"


def _advice(tr: Translator, category: str) -> str:
    """The advice for an exit-reason category (``action.<category>``; an unknown code gets
    the advice for an unknown reason: find it out first)."""
    key = f"action.{category}"
    return tr.t(key) if category and tr.has(key) else tr.t("action.unknown")


def call_list_tasks(report: ContactDiscipline) -> pd.DataFrame:
    """Every task of next month's call lists, in the report's language, one row per task.

    Tasks: the contact plan's calls, meetings and keep-in-touch contacts
    (:func:`contact_planning.contact_plan`), and -- when the report carries them
    (:func:`~retention_lib.pages.discipline.with_targets`) -- every customer to save (the
    at-risk list, by value at risk) and every lost customer to win back (the queue, by
    expected recoverable revenue).

    * ``priority``: calls, meetings, keep in touch: 1, 2, ... per manager and task in the
      plan's order (tier, money at stake = value x days overdue, value); save and win back:
      the company-wide rank of the director's lists, ``director_target`` true for the first
      :data:`DIRECTOR_TOP` (the rows of the executive page).
    * ``due_by``: working days (:func:`contact_planning.spread_due_dates`): the plan's dates;
      customers to save spread over the first 10 working days of the month, lost customers to
      win back over all its working days, top priority first.
    * ``risk_markers``: the warning signs (plain words) of every customer of the at-risk
      list, on each of their rows; ``exit_reason`` the survey category of lost customers;
      ``action`` what to do (for lost customers the advice for their exit reason,
      ``action.<category>``; a keep-in-touch contact of a customer in the win-back list
      says that the win-back call covers it, so the counts stay those of the page).
    * ``value``: revenue of the tier window (12 months) for active customers, former annual
      revenue for lost ones; ``value_at_risk``, ``chance``, ``expected_revenue`` from the
      at-risk list and the win-back queue.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TASK_COLUMNS`: codes in ``task`` (:data:`TASKS`), ``manager`` and
        ``status`` (``overdue``/``never``/``due``, ``""`` for save and win back); the other
        text columns translated. Rows by manager, task (in :data:`TASKS` order), due date,
        priority. Empty (with the columns) without a plan and targets.
    """
    tr = report.tr
    markers: dict[str, str] = {}
    ar = report.at_risk
    if ar is not None and len(ar):
        markers = {str(i): "; ".join(marker_sentences(f, tr=tr))
                   for i, f in zip(ar.index, ar["marker_facts"], strict=True)}
    reasons: dict[str, str] = {}
    q = report.queue
    if q is not None and len(q):
        reasons = dict(zip(q.index.astype(str), q["reason_category"].astype(str), strict=True))
    start = report.as_of + pd.Timedelta(days=1)
    end = report.as_of + pd.offsets.MonthEnd(1)
    plan = report.plan
    parts: list[pd.DataFrame] = []
    if plan is not None and len(plan):
        end = pd.Timestamp(plan.attrs.get("period_end", end))
        parts.append(_plan_tasks(report, markers=markers, reasons=reasons))
    if ar is not None and len(ar):
        parts.append(_save_tasks(report, markers=markers, start=start))
    if q is not None and len(q):
        parts.append(_winback_tasks(report, start=start))
    if not parts:
        return pd.DataFrame({c: [] for c in TASK_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    for col in ("due_by", "last_done", "lost_on"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    out["manager"] = out["manager"].replace({"": UNASSIGNED, "nan": UNASSIGNED})
    _spread_target_dates(out, plan=plan, start=start, end=end)
    out = _in_list_order(out)
    out.attrs = {"start": start, "end": end}
    return out[list(TASK_COLUMNS)]


def _plan_tasks(
    report: ContactDiscipline, *, markers: dict[str, str], reasons: dict[str, str],
) -> pd.DataFrame:
    """The contact plan's calls, meetings and keep-in-touch contacts as task rows
    (``markers``: warning signs per customer; ``reasons``: exit reason of the queued lost)."""
    tr, plan = report.tr, report.plan
    ids = plan["customer_id"].astype(str).to_numpy()
    tasks = plan["action"].astype(str).to_numpy()
    status = plan["status"].astype(str).to_numpy()
    lost = tasks == "keep in touch"
    cat = np.array([reasons.get(i, "") if lk else "" for i, lk in zip(ids, lost,
                                                                       strict=True)],
                   dtype=object)
    queued = np.array([lk and i in reasons for i, lk in zip(ids, lost, strict=True)],
                      dtype=bool)
    lost_on = pd.Series(pd.NaT, index=range(len(ids)), dtype="datetime64[ns]")
    if report.never is not None and len(report.never) and lost.any():
        lo = report.never["lost_on"]
        lo = pd.Series(lo.to_numpy(), index=report.never.index.astype(str))
        lost_on = pd.Series(lo.reindex(ids).to_numpy(), dtype="datetime64[ns]")
        lost_on[~lost] = pd.NaT
    return pd.DataFrame({
        "task": tasks,
        "priority": plan["priority"].to_numpy(np.int64),
        "director_target": False,
        "due_by": plan["due_by"].to_numpy(),
        "name": plan["name"].astype(str).to_numpy(),
        "customer_id": ids,
        "tier": plan["tier"].astype(str).to_numpy(),
        "value": plan["value"].to_numpy(np.float64),
        "value_at_risk": np.nan,
        "chance": np.nan,
        "expected_revenue": np.nan,
        "status": status,
        "days_overdue": plan["days_overdue"].to_numpy(np.int64),
        "last_done": plan["last_done"].to_numpy(),
        "every_days": plan["every_days"].to_numpy(dtype="float64", na_value=np.nan),
        "lost_on": lost_on.to_numpy(),
        "risk_markers": [markers.get(i, "") for i in ids],
        "exit_reason": [tr.label("reason", c) if c else "" for c in cat],
        "action": [_task_action(tr, t, st, dd, ev, c, qd) for t, st, dd, ev, c, qd in zip(
            tasks, status, plan["days_overdue"], plan["every_days"].astype(object), cat,
            queued, strict=True)],
        "manager": plan["manager"].astype(str).to_numpy(),
    })


def _save_tasks(
    report: ContactDiscipline, *, markers: dict[str, str], start: pd.Timestamp,
) -> pd.DataFrame:
    """Every customer of the at-risk list as a ``save`` task, ranked by value at risk."""
    tr, ar = report.tr, report.at_risk
    rank = np.arange(1, len(ar) + 1)
    return pd.DataFrame({
        "task": "save",
        "priority": rank,
        "director_target": rank <= DIRECTOR_TOP,
        "due_by": start,
        "name": ar["name"].astype(str).to_numpy(),
        "customer_id": ar.index.astype(str),
        "tier": ar["tier"].astype(str).to_numpy(),
        "value": ar["revenue_12m"].to_numpy(np.float64),
        "value_at_risk": ar["value_at_risk"].to_numpy(np.float64),
        "chance": np.nan,
        "expected_revenue": np.nan,
        "status": "",
        "days_overdue": 0,
        "last_done": ar["last_purchase"].to_numpy(),
        "every_days": np.nan,
        "lost_on": pd.NaT,
        "risk_markers": [markers.get(str(i), "") for i in ar.index],
        "exit_reason": "",
        "action": _task_action(tr, "save", "", 0, None),
        "manager": ar["manager"].astype(str).to_numpy(),
    })


def _winback_tasks(report: ContactDiscipline, *, start: pd.Timestamp) -> pd.DataFrame:
    """Every lost customer of the win-back queue as a ``win back`` task, in queue order."""
    tr, q = report.tr, report.queue
    rank = np.arange(1, len(q) + 1)
    cats = q["reason_category"].astype(str).to_numpy()
    return pd.DataFrame({
        "task": "win back",
        "priority": rank,
        "director_target": rank <= DIRECTOR_TOP,
        "due_by": start,
        "name": q["name"].astype(str).to_numpy(),
        "customer_id": q.index.astype(str),
        "tier": "lost",
        "value": q["lost_revenue"].to_numpy(np.float64),
        "value_at_risk": np.nan,
        "chance": q["score"].to_numpy(np.float64),
        "expected_revenue": q["expected_revenue"].to_numpy(np.float64),
        "status": "",
        "days_overdue": 0,
        "last_done": q["last_contact"].to_numpy(),
        "every_days": np.nan,
        "lost_on": q["lost_on"].to_numpy(),
        "risk_markers": "",
        "exit_reason": [tr.label("reason", c) for c in cats],
        "action": [_task_action(tr, "win back", "", 0, None, c) for c in cats],
        "manager": q["manager"].astype(str).to_numpy(),
    })


def _spread_target_dates(
    out: pd.DataFrame, *, plan: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp,
) -> None:
    """Set ``due_by`` of the save and win-back tasks (in place): the director's order first,
    customers to save over the plan's first working days (10 by default), the win-back calls
    over every working day of the month."""
    targets = out["task"].isin(["save", "win back"]).to_numpy()
    if not targets.any():
        return
    sub = out.loc[targets].sort_values(["manager", "task", "priority"], kind="stable")
    key = sub.assign(manager=sub["manager"].astype(str) + "\x00" + sub["task"])
    days = int((plan.attrs.get("spread_days") if plan is not None else None) or 10)
    save = (sub["task"] == "save").to_numpy(dtype=bool)
    # customers to save within the first days; the win-back calls over the month
    n_days = len(contact_planning.working_days(start, end))
    for rows, width in ((save, days), (~save, max(n_days, 1))):
        if rows.any():
            out.loc[sub.index[rows], "due_by"] = contact_planning.spread_due_dates(
                key.loc[rows], start=start, end=end, spread_days=width).to_numpy()


def _in_list_order(out: pd.DataFrame) -> pd.DataFrame:
    """The tasks by manager, task (:data:`TASKS` order), due date and priority, with the
    columns' final types and roundings."""
    kind = out["task"].map({t: i for i, t in enumerate(TASKS)}).to_numpy()
    order = np.lexsort((out["priority"].to_numpy(), out["due_by"].to_numpy(), kind,
                        pd.factorize(out["manager"], sort=True)[0]))
    out = out.iloc[order].reset_index(drop=True)
    out["every_days"] = out["every_days"].astype("Float64").round().astype("Int64")
    out["days_overdue"] = out["days_overdue"].astype(np.int64)
    out["director_target"] = out["director_target"].astype(bool)
    for col in ("value", "value_at_risk", "expected_revenue"):
        out[col] = out[col].astype("float64").round(2)
    out["chance"] = out["chance"].astype("float64").round(4)
    return out


def _shown_tasks(tasks: pd.DataFrame, tr: Translator) -> pd.DataFrame:
    """``tasks`` with the codes shown in the report's language (task, status, tier,
    manager, the director's mark)."""
    t = tasks.copy()
    never = {"call": "never_call", "meeting": "never_meeting", "keep in touch": "never_contact"}
    t["status"] = [
        "" if not s else tr.t("lists.status." + (never.get(k, "never_contact") if s == "never"
                                                   else s))
        for k, s in zip(tasks["task"], tasks["status"], strict=True)]
    t["tier"] = [tr.t("discipline.tier.lost") if x == "lost" else (tr.label("tier", x) if x
                                                                     else "")
                 for x in tasks["tier"]]
    t["manager"] = [tr.label("manager", m) for m in tasks["manager"]]
    t["director_target"] = [tr.t("lists.director_target") if x else ""
                            for x in tasks["director_target"]]
    t["task"] = [tr.t(f"lists.sheet.{cadence_key(x)}") for x in tasks["task"]]
    for col in ("name", "customer_id", "tier", "manager", "status", "task", "risk_markers",
                "exit_reason", "action", "director_target"):
        t[col] = t[col].astype(object).astype("string")
    return t


def cadence_key(task: str) -> str:
    """Catalog key part of a task code: ``"keep in touch"`` -> ``"keep_in_touch"``."""
    return task.replace(" ", "_")


def call_list_headers(tr: Translator, kind: str | None = None) -> dict[str, str]:
    out = {c: tr.t(f"lists.col.{c}") for c in TASK_COLUMNS}
    if kind in _LAST_DONE_HEADER:
        out["last_done"] = tr.t(f"lists.col.{_LAST_DONE_HEADER[kind]}")
    if kind in _VALUE_HEADER:
        out["value"] = tr.t(f"lists.col.{_VALUE_HEADER[kind]}")
    return out


def write_report_call_lists(report: ContactDiscipline, out_dir: str | Path) -> dict[str, Path]:
    """Write each manager's call list: an Excel workbook and a CSV beside it.

    ``call_list_<manager>.xlsx`` has one sheet per kind of task (:data:`TASKS`: calls,
    meetings, keep in touch, save, win back; columns :data:`SHEET_COLUMNS`, every sheet
    present, an empty one with its header), frozen header, widths, real date cells
    (``yyyy-mm-dd`` in English, ``dd.mm.yyyy`` in Russian and Ukrainian), amounts as numbers.
    ``call_list_<manager>.csv`` holds the same tasks in one table (:data:`TASK_COLUMNS`,
    the task in the first column) with the separator of the report's language (``;`` for
    ru and uk, ``,`` for en: :func:`retention_lib.analysis.calllists.csv_separator`), UTF-8 with
    BOM,
    formula-safe (:mod:`retention_lib.analysis.calllists`). Everything a reader sees is in the
    report's language; file names and the returned keys keep the manager codes.

    Returns
    -------
    dict
        Manager code -> path of the workbook (the CSV has the same stem), managers sorted.
        Nothing is written without a contacts table.
    """
    if report.plan is None:
        return {}
    tr = report.tr
    tasks = call_list_tasks(report)
    if tasks.empty:
        return {}
    shown = _shown_tasks(tasks, tr)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sep = csv_separator(tr.lang)
    date_format = "yyyy-mm-dd" if tr.lang == "en" else "dd.mm.yyyy"
    taken_x: set[str] = set()
    taken_c: set[str] = set()
    written: dict[str, Path] = {}
    codes = tasks["manager"].astype(str).to_numpy()
    for manager in sorted(set(codes)):
        rows = shown.loc[codes == manager]
        kinds = tasks.loc[codes == manager, "task"].to_numpy()
        sheets = []
        for kind in TASKS:
            cols = list(SHEET_COLUMNS[kind])
            sheets.append(Sheet(
                title=tr.t(f"lists.sheet.{cadence_key(kind)}"),
                frame=rows.loc[kinds == kind, cols].reset_index(drop=True),
                headers=call_list_headers(tr, kind),
                money=("value", "value_at_risk", "expected_revenue"),
                percent=("chance",),
            ))
        xlsx = out_dir / call_list_filename(manager, taken=taken_x, suffix=".xlsx")
        write_workbook(sheets, xlsx, date_format=date_format)
        csv_cols = ["task", *[c for c in TASK_COLUMNS if c not in ("task", "manager")],
                    "manager"]
        write_safe_csv(rows[csv_cols].reset_index(drop=True),
                       out_dir / call_list_filename(manager, taken=taken_c, suffix=".csv"),
                       headers=call_list_headers(tr), sep=sep)
        written[manager] = xlsx
    return written


def write_call_lists_for(
    dataset, *, period: str, settings: Settings | None = None, out_dir: str | Path,
    lang: str | None = None,
) -> dict[str, Path]:
    """Dataset-level :func:`write_report_call_lists` for the runner (no funnel computed),
    with the save and win-back targets of :func:`retention_lib.pages.diagnostics.build_diagnostics`.

    Returns manager code -> workbook path; ``{}`` without a contacts table.
    """
    if getattr(dataset, "contacts", None) is None:
        return {}
    report = executive_report(dataset, period=period, settings=settings, lang=lang)
    diag = diagnostics_for(dataset, period=report.period, settings=settings, lang=lang)
    return write_report_call_lists(with_targets(report, diag), out_dir)
