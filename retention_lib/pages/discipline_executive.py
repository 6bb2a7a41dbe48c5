"""The contact-discipline block of the executive report and this month's actions.

:func:`executive_section` / :func:`executive_block` give the short "contact discipline"
block (compliance by manager, the top overdue key accounts, a link to the full page);
:func:`executive_actions` derives this month's actions (who does what, for which customers
and how much money) that the executive report lists.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..analysis import cadence
from ..config import Settings
from ..data.checks import UNASSIGNED
from ..present import display as d
from . import discipline_calllists
from .discipline import ContactDiscipline, executive_report
from .discipline_format import (
    ROW_CSS,
    column_label,
    compliance_rows,
    int_format,
    manager_label,
    percent_format,
    section_off_html,
)

__all__ = [
    "ACTION_KINDS",
    "executive_actions",
    "executive_block",
    "executive_section",
]


# --------------------------------------------------------------------------- this month's actions
#: Kinds of executive action, in the order they are listed.
ACTION_KINDS = ("review_manager", "overdue_key", "save", "win_back", "call_lists")


def executive_actions(
    report: ContactDiscipline, *, at_risk: pd.DataFrame | None = None,
    queue: pd.DataFrame | None = None, top: int | None = None, max_actions: int = 5,
) -> list[dict[str, Any]]:
    """This month's actions for the executive page, derived from the data: who does what,
    for which customers and how much money.

    Rules, in order (at most ``max_actions``):

    1. ``review_manager`` -- owner: the director -- for each manager flagged by manager fit
       (highest churn first, at most two): their churn against the company's, and their
       customers at risk (``at_risk``), biggest value at risk first.
    2. ``overdue_key`` -- owner: the manager with the most money at stake among the overdue
       key accounts (:func:`cadence.at_stake`: 12-month revenue x days overdue; VIP first):
       that manager's overdue VIP/A customers in the overdue-key order; money = their
       12-month revenue.
    3. ``save`` -- owner: the manager with the most value at risk among the director's top
       ``top`` customers to save (default
       :data:`~retention_lib.pages.discipline_calllists.DIRECTOR_TOP`): those customers;
       money = value at risk.
    4. ``win_back`` -- owner: the manager with the most expected recoverable revenue among the
       top ``top`` of the win-back queue: those customers; money = expected revenue.
    5. ``call_lists`` -- owner: the director: the whole save and win-back lists, by manager
       in the workbooks.

    Ties between managers go to the name first in sort order. An empty list, a missing
    table or a nobody-flagged fit simply leave the action out.

    Returns
    -------
    list of dict
        One dict per action: ``kind`` (:data:`ACTION_KINDS`), ``owner`` (a manager code or
        ``"director"``), ``customers`` (list of names, in order), ``count`` (int: customers
        concerned), ``money`` (float), ``money_kind`` (``"at_risk"``, ``"revenue"``,
        ``"expected"``) and the figures of the sentence (``manager``, ``rate``,
        ``company_rate``, ``lost``, ``customers_start``; ``total``, ``vip``; ``top``;
        ``save``, ``save_money``, ``winback``, ``winback_money``, ``managers``: the
        number of named managers, 0 when nobody is named).  Customers without a named
        manager make the director the owner of their action.
    """
    top = discipline_calllists.DIRECTOR_TOP if top is None else int(top)
    at_risk = report.at_risk if at_risk is None else at_risk
    queue = report.queue if queue is None else queue
    out = _review_manager_actions(report.fit, at_risk)
    ok = report.overdue_key
    if ok is not None and len(ok):
        out.append(_overdue_key_action(ok))
    out += _target_actions(at_risk, queue, top=top)
    if (at_risk is not None and len(at_risk)) or (queue is not None and len(queue)):
        out.append(_call_lists_action(at_risk, queue))
    return out[:max_actions]


def _owner_of(frame: pd.DataFrame, money: np.ndarray) -> str:
    """The named manager with the most ``money`` among ``frame``'s customers (ties: the name
    first in sort order); ``"director"`` when nobody is named."""
    # customers without a named manager ("unassigned", or a file with no manager
    # column at all) are the director's to hand out, never a person called "unassigned"
    by = pd.Series(money, index=frame["manager"].astype(str).to_numpy()).groupby(
        level=0).sum()
    by = by.drop(index=[m for m in by.index if m.strip() in ("", UNASSIGNED)])
    if by.empty:
        return "director"
    best = by.max()
    return sorted(str(m) for m in by.index[by == best])[0]


def _mine_of(frame: pd.DataFrame, owner: str) -> pd.DataFrame:
    """The rows of ``frame`` that are ``owner``'s."""
    if owner == "director":  # nobody named: the director's list is all of it
        return frame
    return frame.loc[(frame["manager"].astype(str) == owner).to_numpy()]


def _review_manager_actions(
    fit: pd.DataFrame | None, at_risk: pd.DataFrame | None,
) -> list[dict[str, Any]]:
    """Rule 1: a review for each flagged manager, highest churn first, at most two."""
    out: list[dict[str, Any]] = []
    if fit is None or not len(fit):
        return out
    flagged = fit.loc[fit["flagged"].to_numpy(dtype=bool)]
    flagged = flagged.iloc[np.lexsort((np.asarray(flagged.index.astype(str)),
                                       -flagged["churn_rate"].to_numpy(dtype=float)))]
    for m, row in list(flagged.iterrows())[:2]:
        mine = (at_risk.loc[(at_risk["manager"].astype(str) == str(m)).to_numpy()]
                if at_risk is not None and len(at_risk) else None)
        out.append({
            "kind": "review_manager", "owner": "director", "manager": str(m),
            "rate": float(row["churn_rate"]),
            "company_rate": float(fit.attrs.get("company_rate", float("nan"))),
            "lost": int(row["lost"]), "customers_start": int(row["customers"]),
            "customers": [] if mine is None else mine["name"].astype(str).tolist(),
            "count": 0 if mine is None else len(mine),
            "money": 0.0 if mine is None else float(mine["value_at_risk"].sum()),
            "money_kind": "at_risk",
        })
    return out


def _overdue_key_action(ok: pd.DataFrame) -> dict[str, Any]:
    """Rule 2: the overdue key accounts of the manager with the most money at stake."""
    m = _owner_of(ok, cadence.at_stake(ok))
    mine = _mine_of(ok, m)
    return {
        "kind": "overdue_key", "owner": m, "customers": mine["name"].astype(str).tolist(),
        "count": len(mine), "total": len(ok), "vip": int((mine["tier"] == "VIP").sum()),
        "money": float(mine["value"].sum()) if "value" in mine.columns else 0.0,
        "money_kind": "revenue",
    }


def _target_actions(
    at_risk: pd.DataFrame | None, queue: pd.DataFrame | None, *, top: int,
) -> list[dict[str, Any]]:
    """Rules 3 and 4: the director's top ``top`` customers to save and to win back, for the
    manager with the most money among them."""
    out: list[dict[str, Any]] = []
    for kind, frame, col, money_kind in (("save", at_risk, "value_at_risk", "at_risk"),
                                         ("win_back", queue, "expected_revenue", "expected")):
        if frame is None or not len(frame):
            continue
        head = frame.head(top)
        m = _owner_of(head, head[col].to_numpy(dtype=float))
        mine = _mine_of(head, m)
        out.append({
            "kind": kind, "owner": m, "customers": mine["name"].astype(str).tolist(),
            "count": len(mine), "top": len(head), "money": float(mine[col].sum()),
            "money_kind": money_kind,
        })
    return out


def _call_lists_action(
    at_risk: pd.DataFrame | None, queue: pd.DataFrame | None,
) -> dict[str, Any]:
    """Rule 5: the whole save and win-back lists, by manager in the workbooks."""
    n_save = 0 if at_risk is None else len(at_risk)
    n_wb = 0 if queue is None else len(queue)
    managers_ = set()
    for frame in (at_risk, queue):
        if frame is not None:
            managers_ |= {m for m in frame["manager"].astype(str)
                          if m.strip() not in ("", UNASSIGNED)}
    return {
        "kind": "call_lists", "owner": "director", "customers": [],
        "count": n_save + n_wb, "save": n_save,
        "save_money": 0.0 if at_risk is None else float(at_risk["value_at_risk"].sum()),
        "winback": n_wb,
        "winback_money": 0.0 if queue is None else float(queue["expected_revenue"].sum()),
        "managers": len(managers_),
        "money": (0.0 if at_risk is None else float(at_risk["value_at_risk"].sum()))
        + (0.0 if queue is None else float(queue["expected_revenue"].sum())),
        "money_kind": "at_stake",
    }


# --------------------------------------------------------------------------- executive
def executive_section(report: ContactDiscipline, *, link: str = "contact_discipline.html",
                      top: int = 5) -> str:
    """HTML for the executive report: compliance % by manager, the top overdue key accounts
    (name, tier, manager) and a link to the full page; in the report's language.

    The heading is ``<h2 id="rl-contact-discipline">`` (for a table of contents). Returns a
    plain HTML string (wrap with :func:`retention_lib.present.display.html`); without contacts, the
    section-off sentence.
    """
    tr = report.tr
    head = (ROW_CSS + '<div class="rl-report"><h2 id="rl-contact-discipline">'
            f'{d.escape(tr.t("discipline.headings.executive"))}</h2></div>')
    if report.compliance is None:
        return head + section_off_html(report, "compliance")
    if report.by_manager is None:  # no manager column: the key accounts overdue only
        parts = [head, section_off_html(report, "by_manager")]
        if report.overdue_key is not None and len(report.overdue_key):
            parts.append(compliance_rows(report, report.overdue_key,
                                          caption=tr.t("discipline.caption.executive_key"),
                                          max_rows=top))
        return "".join(parts)
    s = report.by_manager
    flagged = set(report.flagged)
    t = pd.DataFrame({
        column_label(tr, "manager"): [manager_label(tr, m) for m in s.index],
        column_label(tr, "customers"): s["customers"].to_numpy(),
        column_label(tr, "within_share"): s["share_within"].to_numpy(),
        column_label(tr, "overdue"): s["overdue"].to_numpy(),
        column_label(tr, "flag"): [tr.t("discipline.flag_exec") if m in flagged else ""
                           for m in s.index],
    })
    formats = {column_label(tr, "customers"): int_format(tr),
               column_label(tr, "overdue"): int_format(tr),
               column_label(tr, "within_share"): percent_format(tr)}
    parts = [head, d.table_html(t, caption=tr.t("discipline.caption.executive"),
                                formats=formats, tr=tr)]
    if report.overdue_key is not None and len(report.overdue_key):
        parts.append(compliance_rows(report, report.overdue_key,
                                      caption=tr.t("lists.caption.executive_key"),
                                      max_rows=top, compact=True))
    anchor = f'<a href="{d.escape(link)}">{d.escape(tr.t("discipline.note.link"))}</a>'
    marker = "\x00LINK\x00"
    text = d.escape(tr.t("discipline.note.details", link=marker)).replace(
        d.escape(marker), anchor)
    parts.append(f'<div class="rl-report"><p class="rl-note">{text}</p></div>')
    return "".join(parts)


def executive_block(
    dataset, *, period: str = "", settings: Settings | None = None, lang: str | None = None
):
    """One-call notebook cell for the executive report: builds the contact-discipline tables
    (without the funnel) and returns :func:`executive_section` as a displayable HTML object,
    in ``lang`` (default ``settings.language``)."""
    report = executive_report(dataset, period=period, settings=settings, lang=lang)
    return d.html(executive_section(report))
