"""Formatting shared by the contact-discipline page and its executive block.

Status icons and words, row tints, column headings, the number / date / manager formats and
the compliance rows table (:func:`compliance_rows`) used by both
:mod:`~retention_lib.pages.discipline_sections` and
:mod:`~retention_lib.pages.discipline_executive`; every word from the catalog's
``discipline.*`` / ``lists.*`` keys in the report's language.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..i18n import Translator
from ..present import display as d
from .discipline import ContactDiscipline

__all__ = [
    "ROW_CLASS",
    "ROW_CSS",
    "STATUS_ICON",
    "channel_text",
    "column_label",
    "compliance_rows",
    "date_format",
    "int_format",
    "manager_label",
    "percent_format",
    "section_off_html",
    "status_text",
]

#: Compliance status → icon shown before the translated word (never colour alone).
STATUS_ICON = {"overdue": "■", "due soon": "▲", "ok": "●"}
#: Extra styles: overdue / due-soon rows tinted (the status cell also carries icon + word).
ROW_CSS = (
    "<style>.rl-table tr.rl-overdue td { background: #ffebee; }"
    ".rl-table tr.rl-due td { background: #fff8e1; }"
    ".rl-table tr.rl-flag td { background: #ffebee; font-weight: bold; }</style>"
)
ROW_CLASS = {"overdue": "rl-overdue", "due soon": "rl-due", "ok": ""}


def status_text(status: str, tr: Translator) -> str:
    """Icon and translated word of a compliance status: ``"■ overdue"``, ``"■ просрочен"``."""
    return f"{STATUS_ICON.get(status, '')} {tr.label('discipline.status', status)}".strip()


def section_off_html(report: ContactDiscipline, section: str) -> str:
    tr = report.tr
    return d.section_off(report.sections_off[section], tr.t(f"discipline.sections.{section}"),
                         tr=tr)


def percent_format(tr: Translator):
    return lambda x: tr.percent(None if x is None or pd.isna(x) else float(x), decimals=0)


def date_format(tr: Translator, never: bool = False):
    def fmt(x: Any) -> str:
        if x is None or pd.isna(x):
            return tr.t("discipline.never") if never else ""
        return tr.short_date(x)
    return fmt


def int_format(tr: Translator):
    return lambda v: "" if v is None or pd.isna(v) else tr.number(int(v))


def manager_label(tr: Translator, m: Any) -> str:
    return tr.label("manager", m)


def column_label(tr: Translator, key: str) -> str:
    return tr.t(f"discipline.col.{key}")


def channel_text(tr: Translator, kind: str, status: Any, days: Any) -> str:
    """A requirement's status in words with its icon: ``"■ 12 d overdue"``,
    ``"■ no meeting yet"``, ``"▲ due soon"``, ``"● ok"``; ``""`` without a rule."""
    status = "" if status is None or pd.isna(status) else str(status)
    if status == "overdue":
        return tr.t("lists.channel.overdue", days=int(days))
    if status == "never":
        return tr.t(f"lists.channel.never_{kind}")
    return status_text(status, tr) if status else ""


def compliance_rows(report: ContactDiscipline, comp: pd.DataFrame, *, caption: str,
                     max_rows: int | None, compact: bool = False) -> str:
    tr = report.tr
    c = lambda k: column_label(tr, k)  # noqa: E731
    total = len(comp)
    if max_rows is not None:  # format only the rows shown (1M+ customers at scale)
        comp = comp.iloc[:max_rows]
    if "call_status" not in comp.columns:  # a table from before the per-channel statuses
        comp = comp.assign(call_status="", meeting_status="", call_days_overdue=0,
                           meeting_days_overdue=0, value=float("nan"))
    t = pd.DataFrame({
        c("status"): [status_text(s, tr) for s in comp["status"].astype(object)],
        c("customer"): comp["name"].to_numpy(),
        c("tier"): [tr.label("tier", x) for x in comp["tier"].astype(object)],
        c("manager"): [manager_label(tr, m) for m in comp["manager"].astype(object)],
        tr.t("lists.col.value"): comp["value"].to_numpy(dtype="float64"),
        tr.t("lists.col.call"): [
            channel_text(tr, "call", st, dd)
            for st, dd in zip(comp["call_status"], comp["call_days_overdue"], strict=True)],
        c("last_call"): [date_format(tr, never=True)(x) for x in comp["last_call"]],
        c("call_every"): comp["call_required_days"].to_numpy(),
        tr.t("lists.col.meeting"): [
            channel_text(tr, "meeting", st, dd)
            for st, dd in zip(comp["meeting_status"], comp["meeting_days_overdue"],
                              strict=True)],
        c("last_meeting"): [
            "" if pd.isna(r) else date_format(tr, never=True)(x)
            for x, r in zip(comp["last_meeting"], comp["meeting_required_days"], strict=True)
        ],
        c("meeting_every"): comp["meeting_required_days"].to_numpy(),
        c("attempts"): comp["attempts"].to_numpy(),
    })
    if compact:  # the executive page: who, how much, and the two statuses
        t = t.drop(columns=[c(k) for k in ("last_call", "call_every", "last_meeting",
                                           "meeting_every", "attempts")])
    shown = len(t) if max_rows is None else min(max_rows, len(t))
    classes = [ROW_CLASS.get(s, "") for s in comp["status"].astype(object)][:shown]
    formats = {c(k): int_format(tr) for k in ("call_every", "meeting_every", "attempts")
               if c(k) in t.columns}
    formats[tr.t("lists.col.value")] = (
        lambda v: "" if v is None or pd.isna(v) else report.money(float(v)))
    return d.table_html(t, caption=caption, max_rows=max_rows, row_classes=classes,
                        formats=formats, tr=tr, total_rows=total)
