"""The executive report's first page: title, verdict, KPI tiles, this month's actions and the
table of contents of the sections below (:mod:`~retention_lib.pages.monthly_sections`).

Each ``section_*`` function renders one notebook cell of ``notebooks/monthly_report.ipynb``
as HTML from a :class:`~retention_lib.pages.monthly.MonthlyReport`, in the report's language.
"""

from __future__ import annotations

import math
from typing import Any

from ..config import Settings
from ..present import display as d
from ._numbers import as_float
from .monthly import MonthlyReport
from .monthly_verdict import verdict_sentences
from .page_html import contents_html, heading, wrap

__all__ = [
    "MONTHLY_SECTIONS",
    "section_actions",
    "section_contents",
    "section_header",
    "section_kpis",
    "section_verdict",
]

#: Executive-report sections in reading order: (anchor id, catalog key of the heading).
MONTHLY_SECTIONS = (
    ("rl-verdict", "headings.verdict"),
    ("rl-kpis", "headings.kpis"),
    ("rl-actions", "lists.exec.heading"),
    ("rl-churn-series", "headings.churn_series"),
    ("rl-where-lost", "headings.where_lost"),
    ("rl-who", "headings.who"),
    ("rl-reasons", "headings.reasons"),
    ("rl-lost-won", "headings.lost_won"),
    ("rl-contact-discipline", "discipline.headings.executive"),
    ("rl-save", "diagnostics.headings.executive_save"),
    ("rl-winback", "diagnostics.headings.executive_winback"),
    ("rl-clv", "clv.executive.heading"),
    ("rl-definitions", "headings.definitions"),
)


def section_header(report: MonthlyReport):
    """Styles (once) and the title: company, period, "data as of"."""
    tr = report.tr
    return wrap(
        d.style_block(),
        d.title_html(
            company=report.company,
            period_label=report.period_label,
            as_of=tr.date(report.as_of),
            subtitle=tr.t("title.monthly_subtitle"),
            tr=tr,
            partial=report.partial,
        ),
    )


def section_verdict(report: MonthlyReport):
    """The verdict in plain words, with the status badges (icon + word + colour)."""
    tr, o = report.tr, report.overall
    badges = (
        f'<p class="rl-badges">{d.escape(tr.t("verdict.badge_customer"))} '
        f'{d.status_badge(str(o["status"]), tr=tr)} &nbsp; '
        f'{d.escape(tr.t("verdict.badge_revenue"))} '
        f'{d.status_badge(str(o["revenue_status"]), tr=tr)}</p>'
    )
    body = "".join(f"<p>{d.escape(s)}</p>" for s in verdict_sentences(report))
    return wrap(
        '<div class="rl-report">',
        f'<h2 id="rl-verdict">{d.escape(tr.t("headings.verdict"))}</h2>',
        f'<div class="rl-verdict">{badges}{body}</div></div>',
    )


def section_actions(report: MonthlyReport, *, dataset, settings: Settings | None = None):
    """"This month's actions": 3-5 actions derived from the data, each with its owner (a
    named manager or the director), the customers concerned and the money
    (:func:`retention_lib.pages.discipline_executive.executive_actions`): the flagged
    manager, the overdue VIP/A customers, the top customers to save and to win back, the call lists.

    Reads the contact-discipline report (without the funnel) and the churn diagnostics of
    the same period -- the very calls of the executive blocks below, so a report run
    computes them once. Without a contacts table the overdue key accounts are left out;
    heading id ``rl-actions``.
    """
    # here, not at module level: diagnostics (and discipline, through it) import lifetimes
    # (~2 s), which a plain import of this module does not need
    from . import diagnostics, discipline, discipline_executive

    tr = report.tr
    settings = settings or getattr(dataset, "settings", None) or report.settings
    contact = discipline.executive_report(dataset, period=report.period, settings=settings,
                                          lang=tr.lang)
    diag = diagnostics.diagnostics_for(dataset, period=report.period, settings=settings,
                                       lang=tr.lang)
    actions = discipline_executive.executive_actions(contact, at_risk=diag.at_risk,
                                                     queue=diag.queue)
    parts = [heading("rl-actions", tr.t("lists.exec.heading"))]
    if not actions:
        parts.append(d.paragraphs_html([tr.t("lists.exec.none")], css_class="rl-report"))
        return wrap(*parts)
    items = "".join(_action_item(a, report) for a in actions)
    parts.append(f'<div class="rl-report"><p class="rl-note">'
                 f'{d.escape(tr.t("lists.exec.intro"))}</p>'
                 f'<ol class="rl-actions">{items}</ol></div>')
    return wrap(*parts)


def _action_item(action: dict[str, Any], report: MonthlyReport) -> str:
    """One action as an HTML list item: owner, what to do, customers, money."""
    tr = report.tr
    kind, owner = action["kind"], action["owner"]
    who = tr.t("lists.exec.director") if owner == "director" else tr.label("manager", owner)
    if kind == "review_manager":
        text = tr.t("lists.exec.review_manager", manager=tr.label("manager", action["manager"]),
                    rate=tr.percent(action["rate"]), company=tr.percent(action["company_rate"]),
                    lost=action["lost"], customers=action["customers_start"])
    elif kind in ("overdue_key", "save", "win_back") and owner == "director":
        # nobody is named as these customers' manager: the director assigns them
        text = tr.t(f"lists.exec.{kind}_unowned", total=action.get("total", 0))
    elif kind == "overdue_key":
        text = tr.t("lists.exec.overdue_key", count=action["count"], total=action["total"],
                    vip=action["vip"])
    elif kind in ("save", "win_back"):
        text = tr.t(f"lists.exec.{kind}", count=action["count"], top=action["top"])
    else:
        text = tr.t("lists.exec.call_lists", save=action["save"],
                    save_money=report.money(action["save_money"]), winback=action["winback"],
                    winback_money=report.money(action["winback_money"]),
                    managers=action["managers"])
    details = []
    names = list(action.get("customers", []))
    if names:
        shown = ", ".join(names[:3])
        more = len(names) - 3
        details.append(tr.t("lists.exec.customers_more", names=shown, more=more) if more > 0
                       else tr.t("lists.exec.customers", names=shown))
    if action["money_kind"] in ("at_risk", "revenue", "expected") and (
            names or action["money"]):
        details.append(tr.t(f"lists.exec.money_{action['money_kind']}",
                            money=report.money(action["money"])))
    detail = (f'<br><span class="rl-action-detail">{d.escape(" · ".join(details))}</span>'
              if details else "")
    return (f'<li><strong>{d.escape(who)}</strong>: {d.escape(text)}{detail}</li>')


def section_contents(report: MonthlyReport):
    """A short table of contents: links to the sections below the first page (verdict, key
    figures and this month's actions come first, above it)."""
    return wrap(contents_html(report.tr, MONTHLY_SECTIONS[3:], month=report.tr.month(report.as_of)))


def section_kpis(report: MonthlyReport):
    """KPI tiles: churn now, revenue churn, active customers, lost/won back this month."""
    tr = report.tr
    o, p = report.overall, report.previous
    prev_month = tr.month_name(report.previous_end, genitive=True)

    def change(now: float, before: float) -> str:
        if math.isnan(now) or math.isnan(before):
            return ""
        return tr.t("kpi.change", points=tr.points((now - before) * 100), prev_month=prev_month)

    now, prev = as_float(o["customer_churn"]), as_float(p["customer_churn"])
    rnow, rprev = as_float(o["revenue_churn"]), as_float(p["revenue_churn"])
    month = report.month_name
    def caveat(text: str) -> str:
        if not report.short_history:
            return text
        note = tr.t("history.tile", data_start=tr.date(report.data_start))
        return f"{text} · {note}" if text else note

    pm = report.previous_month

    def count_change(now: int, key: str) -> str:
        if key not in pm:
            return ""
        before = int(pm[key])
        diff = now - before
        sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
        return tr.t("lists.exec.change_count", diff=f"{sign}{tr.number(abs(diff))}",
                    prev=tr.number(before))

    def joined(*parts: str) -> str:
        return "; ".join(p for p in parts if p)

    lost_n, won_n = len(report.lost_month), len(report.won_month)
    tiles = [
        d.Kpi(tr.t("kpi.customer_churn"), tr.percent(now), caveat(change(now, prev)),
              str(o["status"])),
        d.Kpi(tr.t("kpi.revenue_churn"), tr.percent(rnow), caveat(change(rnow, rprev)),
              str(o["revenue_status"])),
        d.Kpi(tr.t("kpi.active"), tr.number(report.active_now),
              joined(count_change(report.active_now, "active"),
                     tr.t("kpi.active_detail", lost=int(o["lost"]),
                          active=int(o["active_start"])))),
        d.Kpi(tr.t("kpi.lost_month", month=month), tr.number(lost_n),
              joined(count_change(lost_n, "lost"), tr.t(
                  "kpi.lost_detail",
                  money=report.money(float(report.lost_month["lost_revenue"].sum()))))),
        d.Kpi(tr.t("kpi.won_month", month=month), tr.number(won_n),
              joined(count_change(won_n, "won"), tr.t(
                  "kpi.won_detail",
                  money=report.money(float(report.won_month["revenue_since_return"].sum()))))),
    ]
    if report.coverage is not None:
        c = report.coverage
        tiles.append(d.Kpi(tr.t("kpi.coverage"), tr.percent(c["coverage"], 0),
                           tr.t("kpi.coverage_detail", surveyed=c["surveyed"], lost=c["lost"])))
    return wrap(
        heading("rl-kpis", tr.t("headings.kpis")),
        d.kpi_tiles(tiles, tr=tr),
    )
