"""The contact-discipline page's sections, one HTML block per notebook cell.

``notebooks/contact_discipline.ipynb`` calls one ``section_*`` function per cell on the
:class:`~retention_lib.pages.discipline.ContactDiscipline` the registry built: header,
contents, KPIs, compliance by manager and by tier, overdue key accounts, manager fit, the
contact plan, never-disappear, the funnel, the full compliance table and the definitions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import periods
from ..analysis import funnel
from ..present import cadence_plots, plots
from ..present import display as d
from .discipline import ContactDiscipline
from .discipline_format import (
    ROW_CSS,
    column_label,
    compliance_rows,
    date_format,
    int_format,
    manager_label,
    percent_format,
    section_off_html,
)
from .page_html import wrap

__all__ = [
    "DISCIPLINE_SECTIONS",
    "section_compliance_by_manager",
    "section_compliance_by_tier",
    "section_compliance_table",
    "section_contact_plan",
    "section_contents",
    "section_definitions",
    "section_funnel",
    "section_header",
    "section_kpis",
    "section_manager_fit",
    "section_never_disappear",
    "section_overdue_key_accounts",
]

#: Page sections in reading order: (anchor id, catalog key of the heading).
DISCIPLINE_SECTIONS = (
    ("rl-d-kpis", "discipline.headings.kpis"),
    ("rl-d-by-manager", "discipline.headings.by_manager"),
    ("rl-d-by-tier", "discipline.headings.by_tier"),
    ("rl-d-overdue-key", "discipline.headings.overdue_key"),
    ("rl-d-manager-fit", "discipline.headings.manager_fit"),
    ("rl-d-plan", "discipline.headings.plan"),
    ("rl-d-never", "discipline.headings.never"),
    ("rl-d-funnel", "discipline.headings.funnel"),
    ("rl-d-table", "discipline.headings.table"),
    ("rl-d-definitions", "discipline.headings.definitions"),
)
_ANCHOR = {key.rsplit(".", 1)[1]: anchor for anchor, key in DISCIPLINE_SECTIONS}


# --------------------------------------------------------------------------- helpers
def _h2(report: ContactDiscipline, name: str, **kwargs: Any) -> str:
    text = report.tr.t(f"discipline.headings.{name}", **kwargs)
    return (f'<div class="rl-report"><h2 id="{d.escape(_ANCHOR[name])}">'
            f"{d.escape(text)}</h2></div>")


def _note(text: str) -> str:
    return f'<div class="rl-report">{d.note_html(text)}</div>'


def _tiers_text(report: ContactDiscipline) -> str:
    tr = report.tr
    return ", ".join(tr.label("tier", t) for t in report.settings.key_tiers)



# --------------------------------------------------------------------------- sections
def section_header(report: ContactDiscipline):
    """Styles (once) and the title: company, period, "data as of", subtitle."""
    tr = report.tr
    return wrap(
        d.style_block(), ROW_CSS,
        d.title_html(company=report.company, period_label=report.period_label,
                     as_of=tr.date(report.as_of), subtitle=tr.t("discipline.subtitle"),
                     tr=tr, partial=periods.ends_early(report.as_of)),
    )


def section_contents(report: ContactDiscipline):
    """A short table of contents linking to the section headings."""
    tr = report.tr
    tiers = _tiers_text(report)
    items = "".join(  # extra keyword arguments are ignored by headings without {tiers}
        f'<li><a href="#{d.escape(a)}">{d.escape(tr.t(k, tiers=tiers))}</a></li>'
        for a, k in DISCIPLINE_SECTIONS
    )
    title = d.escape(tr.t("discipline.contents"))
    return wrap(
        f'<div class="rl-report"><nav class="rl-toc" aria-label="{title}">'
        f'<p class="rl-toc-title">{title}</p><ol>{items}</ol></nav></div>'
    )


def section_kpis(report: ContactDiscipline):
    """KPI tiles: share within cadence, overdue customers, overdue key accounts, forgotten
    lost customers, flagged managers."""
    tr = report.tr
    if report.compliance is None:
        return wrap(_h2(report, "kpis"), section_off_html(report, "compliance"))
    comp = report.compliance
    n = len(comp)
    over = int((comp["status"] == "overdue").sum())
    soon = int((comp["status"] == "due soon").sum())
    key = 0 if report.overdue_key is None else len(report.overdue_key)
    forgotten = 0 if report.never is None else len(report.never)
    tiers = _tiers_text(report)
    tiles = [
        d.Kpi(tr.t("discipline.kpi.within"),
              tr.percent((n - over) / n if n else None, decimals=0),
              tr.t("discipline.kpi.within_detail", within=n - over, total=n)),
        d.Kpi(tr.t("discipline.kpi.overdue"), tr.number(over),
              tr.t("discipline.kpi.overdue_detail", due_soon=soon,
                   count=int(comp.attrs.get("due_soon_days", 7)))),
        d.Kpi(tr.t("discipline.kpi.key", tiers=tiers), tr.number(key),
              tr.t("discipline.kpi.key_detail")),
        d.Kpi(tr.t("discipline.kpi.forgotten"), tr.number(forgotten),
              tr.t("discipline.kpi.forgotten_detail")),
    ]
    if report.fit is not None:
        names = ", ".join(manager_label(tr, m) for m in report.flagged)
        tiles.append(d.Kpi(tr.t("discipline.kpi.flagged"), tr.number(len(report.flagged)),
                           names or tr.t("discipline.kpi.flagged_none")))
    return wrap(_h2(report, "kpis"), d.kpi_tiles(tiles, tr=tr))


def _worst_text(report: ContactDiscipline, by: str, key: Any, n: int = 3) -> str:
    ok = report.overdue_key
    if ok is None or not len(ok):
        return ""
    rows = ok.loc[(ok[by].astype(object) == key).to_numpy(bool)].head(n)
    tr = report.tr
    return "; ".join(
        tr.t("discipline.worst_item", name=str(r.name), tier=tr.label("tier", r.tier),
             days=int(r.days_overdue))
        for r in rows.itertuples()
    )


def _summary_table(report: ContactDiscipline, summary: pd.DataFrame, by: str,
                   caption: str) -> str:
    tr = report.tr
    label = (lambda v: manager_label(tr, v)) if by == "manager" else (lambda v: tr.label("tier", v))
    t = pd.DataFrame({
        column_label(tr, by): [label(k) for k in summary.index],
        column_label(tr, "customers"): summary["customers"].to_numpy(),
        column_label(tr, "within_n"): summary["within_cadence"].to_numpy(),
        column_label(tr, "within_share"): summary["share_within"].to_numpy(),
        column_label(tr, "due_soon"): summary["due_soon"].to_numpy(),
        column_label(tr, "overdue"): summary["overdue"].to_numpy(),
        column_label(tr, "attempts"): summary["attempts"].to_numpy(),
        column_label(tr, "worst"): [_worst_text(report, by, k) for k in summary.index],
    })
    ints = ("customers", "within_n", "due_soon", "overdue", "attempts")
    formats = {column_label(tr, c): int_format(tr) for c in ints}
    formats[column_label(tr, "within_share")] = percent_format(tr)
    return d.table_html(t, caption=caption, formats=formats, tr=tr)


def section_compliance_by_manager(report: ContactDiscipline):
    """Per-manager compliance: stacked-bar chart and table (worst first)."""
    tr = report.tr
    if report.by_manager is None:
        off = "by_manager" if "by_manager" in report.sections_off else "compliance"
        return wrap(_h2(report, "by_manager"), section_off_html(report, off))
    s = report.by_manager
    if len(s):
        alt = tr.t("discipline.alt.compliance", manager=manager_label(tr, s.index[0]),
                   share=tr.percent(float(s["share_within"].iloc[0]), decimals=0))
    else:
        alt = tr.t("discipline.note.no_customers")
    shown = s.set_axis([manager_label(tr, m) for m in s.index])
    fig = cadence_plots.plot_compliance(shown, tr=tr)
    return wrap(
        _h2(report, "by_manager"),
        d.figure_html(fig, alt=alt),
        _summary_table(report, s, "manager", tr.t("discipline.caption.by_manager")),
        _note(tr.t("discipline.note.attempts")),
    )


def _rules_text(report: ContactDiscipline) -> str:
    tr = report.tr
    items = []
    for tier, r in report.settings.cadence.items():
        name = tr.t("discipline.tier.lost") if tier == "lost" else tr.label("tier", tier)
        if r.call_days and r.meeting_days:
            items.append(tr.t("discipline.rule.call_meeting", tier=name, call=int(r.call_days),
                              meeting=int(r.meeting_days)))
        elif r.call_days:
            items.append(tr.t("discipline.rule.call", tier=name, call=int(r.call_days)))
        elif r.meeting_days:
            items.append(tr.t("discipline.rule.meeting", tier=name,
                              meeting=int(r.meeting_days)))
    return "; ".join(items)


def section_compliance_by_tier(report: ContactDiscipline):
    """Compliance per value tier (table) and the required rhythm per tier."""
    tr = report.tr
    if report.by_tier is None:
        return wrap(_h2(report, "by_tier"), section_off_html(report, "compliance"))
    notes = [tr.t("discipline.note.rules", rules=_rules_text(report))]
    if report.settings.cadence_scale_by_cycle:
        lo, hi = report.settings.cadence_cycle_bounds
        notes.append(tr.t("discipline.note.scaled", lo=float(lo), hi=float(hi)))
    return wrap(
        _h2(report, "by_tier"),
        _summary_table(report, report.by_tier, "tier", tr.t("discipline.caption.by_tier")),
        *(_note(n) for n in notes),
    )




def section_overdue_key_accounts(report: ContactDiscipline, *, max_rows: int = 25):
    """The most overdue key accounts (``settings.key_tiers``: VIP and A), with manager."""
    tr = report.tr
    tiers = _tiers_text(report)
    if report.overdue_key is None:
        return wrap(_h2(report, "overdue_key", tiers=tiers),
                     section_off_html(report, "compliance"))
    return wrap(_h2(report, "overdue_key", tiers=tiers), compliance_rows(
        report, report.overdue_key, caption=tr.t("lists.caption.overdue_key"),
        max_rows=max_rows), _note(_overdue_key_note(report)))


def _overdue_key_note(report: ContactDiscipline) -> str:
    """How the overdue key accounts are ordered, and what "no meeting yet" means."""
    start = None if report.compliance is None else report.compliance.attrs.get("log_start")
    tr = report.tr
    return tr.t("lists.note.overdue_key",
                start=tr.date(start) if start is not None and not pd.isna(start) else "—")


def section_compliance_table(report: ContactDiscipline, *, max_rows: int = 400):
    """Every active customer's compliance; overdue rows tinted and marked ■ (icon + word)."""
    tr = report.tr
    if report.compliance is None:
        return wrap(_h2(report, "table"), section_off_html(report, "compliance"))
    return wrap(
        _h2(report, "table"),
        _note(tr.t("lists.note.table")),
        compliance_rows(report, report.compliance, caption=tr.t("discipline.caption.table"),
                         max_rows=max_rows),
    )


def section_contact_plan(report: ContactDiscipline):
    """Next month's plan per manager: calls, meetings, keep-in-touch contacts due."""
    tr = report.tr
    if report.plan is None:
        return wrap(_h2(report, "plan"), section_off_html(report, "plan"))
    plan = report.plan
    end = plan.attrs.get("period_end", report.as_of + pd.offsets.MonthEnd(1))
    if plan.empty:
        return wrap(_h2(report, "plan"), _note(tr.t("discipline.note.plan_empty")))
    man = plan["manager"].astype(object)
    counts = (
        pd.crosstab(man, plan["action"].astype(object))
        .reindex(columns=["call", "meeting", "keep in touch"], fill_value=0)
    )
    late = plan["status"].isin(["overdue", "never"]).to_numpy(dtype=bool)
    active = (plan["action"] != "keep in touch").to_numpy(dtype=bool)
    late_tasks = pd.Series(late, index=plan.index).groupby(man.to_numpy()).sum()
    late_customers = (plan.loc[late & active].groupby(man[late & active].to_numpy())
                      ["customer_id"].nunique())
    t = pd.DataFrame({
        column_label(tr, "manager"): [manager_label(tr, m) for m in counts.index],
        column_label(tr, "calls"): counts["call"].to_numpy(),
        column_label(tr, "meetings"): counts["meeting"].to_numpy(),
        column_label(tr, "keep_in_touch"): counts["keep in touch"].to_numpy(),
        tr.t("lists.col.overdue_customers"):
            late_customers.reindex(counts.index, fill_value=0).to_numpy(dtype=np.int64),
        tr.t("lists.col.overdue_tasks"):
            late_tasks.reindex(counts.index, fill_value=0).to_numpy(dtype=np.int64),
    })
    formats = {c: int_format(tr) for c in t.columns[1:]}
    days = plan.attrs.get("spread_days") or 10
    return wrap(
        _h2(report, "plan"),
        _note(tr.t("lists.note.plan", start=tr.date(report.as_of + pd.Timedelta(days=1)),
                   end=tr.date(end), days=int(days))),
        d.table_html(t, caption=tr.t("discipline.caption.plan"), formats=formats, tr=tr),
    )


def section_never_disappear(report: ContactDiscipline, *, max_rows: int = 30):
    """Lost customers nobody contacted within the never-disappear rhythm, by former value."""
    tr = report.tr
    if report.never is None:
        return wrap(_h2(report, "never"), section_off_html(report, "never"))
    days = int(report.never.attrs.get("lost_days", 365))
    total = len(report.never)
    nv = report.never.iloc[:max_rows]  # format only the rows shown
    t = pd.DataFrame({
        column_label(tr, "customer"): nv["name"].to_numpy(),
        column_label(tr, "manager"): [manager_label(tr, m) for m in nv["manager"].astype(object)],
        column_label(tr, "last_purchase"): [date_format(tr)(x) for x in nv["last_purchase"]],
        column_label(tr, "lost_on"): [date_format(tr)(x) for x in nv["lost_on"]],
        column_label(tr, "last_contact"): [date_format(tr, never=True)(x)
                                           for x in nv["last_contact"]],
        column_label(tr, "former_value"): nv["former_value"].to_numpy(),
    })
    return wrap(
        _h2(report, "never"),
        _note(tr.t("discipline.note.never", days=days, count=total)),
        d.table_html(t, caption=tr.t("discipline.caption.never"), max_rows=max_rows,
                     formats={column_label(tr, "former_value"): report.money}, tr=tr,
                     total_rows=total),
    )


def section_funnel(report: ContactDiscipline):
    """Funnel chart, conversions over 12 months, and the funnel per manager."""
    tr = report.tr
    if report.funnel_counts is None:
        raise ValueError("this report was built with with_funnel=False; build it with the "
                         "funnel to show the funnel section")
    c = report.funnel_counts
    stage = lambda s: tr.label("discipline.stage", s)  # noqa: E731
    alt = tr.t("discipline.alt.funnel", stages=", ".join(
        tr.t("discipline.alt.funnel_item", stage=stage(s), count=int(r))
        for s, r in zip(c.index, c["reached"], strict=True)))
    conv = report.conversions
    ct = pd.DataFrame({
        column_label(tr, "start_stage"): [stage(s) for s in conv.index],
        column_label(tr, "customers"): conv["customers"].to_numpy(),
        column_label(tr, "advanced"): conv["advanced"].to_numpy(),
        column_label(tr, "same"): conv["same"].to_numpy(),
        column_label(tr, "fell_back"): conv["fell_back"].to_numpy(),
        column_label(tr, "lost"): conv["lost"].to_numpy(),
        column_label(tr, "advance_rate"): conv["advance_rate"].to_numpy(),
    })
    cformats = {col: int_format(tr) for col in ct.columns[1:-1]}
    cformats[column_label(tr, "advance_rate")] = percent_format(tr)
    fm = report.funnel_by_manager
    by_manager = ""
    if fm is not None:
        mt = pd.DataFrame({column_label(tr, "manager"): [manager_label(tr, m) for m in fm.index]})
        mt[column_label(tr, "customers")] = fm["customers"].to_numpy()
        for s in funnel.STAGES:
            mt[stage(s)] = fm[s].to_numpy()
        by_manager = d.table_html(mt, caption=tr.t("discipline.caption.funnel_by_manager"),
                                  formats={col: int_format(tr) for col in mt.columns[1:]}, tr=tr)
    s = report.settings
    return wrap(
        _h2(report, "funnel"),
        d.figure_html(cadence_plots.plot_funnel(c, tr=tr), alt=alt),
        d.table_html(ct, caption=tr.t("discipline.caption.conversions"), formats=cformats,
                     tr=tr),
        by_manager,
        _note(tr.t("discipline.note.funnel", months=int(s.funnel_regular_months),
                   factor=float(s.funnel_expansion_factor), tiers=_tiers_text(report))),
    )


def section_manager_fit(report: ContactDiscipline):
    """Churn and compliance per manager next to the company, with the binomial flag."""
    tr = report.tr
    if report.fit is None:
        return wrap(_h2(report, "manager_fit"), section_off_html(report, "manager_fit"))
    fit = report.fit
    rate = fit.attrs["company_rate"]
    shown = fit.loc[fit["customers"] > 0]
    chart = pd.DataFrame({
        "churn_rate": shown["churn_rate"].to_numpy(),
        "lost": shown["lost"].to_numpy(),
        "active_at_start": shown["customers"].to_numpy(),
    }, index=[f"{manager_label(tr, m)}{' ⚑' if f else ''}"
              for m, f in zip(shown.index, shown["flagged"], strict=True)])
    fig = plots.plot_churn_by_group(
        chart, title=tr.t("discipline.plots.fit_title"), overall=rate,
        normal_max=report.settings.churn_normal_max,
        critical_min=report.settings.churn_critical_min, tr=tr,
    )
    flagged = report.flagged
    alt = (tr.t("discipline.alt.fit_flagged", rate=tr.percent(rate),
                managers=", ".join(manager_label(tr, m) for m in flagged))
           if flagged else tr.t("discipline.alt.fit_none", rate=tr.percent(rate)))
    c = lambda k: column_label(tr, k)  # noqa: E731
    t = pd.DataFrame({
        c("flag"): [tr.t("discipline.flag") if f else "" for f in fit["flagged"]],
        c("manager"): [manager_label(tr, m) for m in fit.index],
        c("customers_start"): fit["customers"].to_numpy(),
        c("lost"): fit["lost"].to_numpy(),
        c("churn"): [tr.percent(x) for x in fit["churn_rate"]],
        c("company_churn"): [tr.percent(rate)] * len(fit),
        c("p_value"): ["" if pd.isna(p) else tr.number(float(p), decimals=3)
                       for p in fit["p_value"]],
        c("active_now"): fit["compliance_customers"].to_numpy(),
        c("within_share"): [tr.percent(None if pd.isna(x) else float(x), decimals=0)
                            for x in fit["compliance_share"]],
    })
    return wrap(
        _h2(report, "manager_fit"),
        d.figure_html(fig, alt=alt),
        d.table_html(t, caption=tr.t("discipline.caption.fit"),
                     row_classes=["rl-flag" if f else "" for f in fit["flagged"]],
                     formats={c(k): int_format(tr) for k in ("customers_start", "lost",
                                                       "active_now")}, tr=tr),
        _note(tr.t("discipline.note.fit", rate=tr.percent(rate),
                   alpha=float(fit.attrs["alpha"]))),
    )


def section_definitions(report: ContactDiscipline):
    """Definitions, contacts data quality and sections left out."""
    tr = report.tr
    s = report.settings
    req = ("discipline.def.requirement_text_meeting_call" if s.meeting_counts_as_call
           else "discipline.def.requirement_text")
    due = int(report.compliance.attrs.get("due_soon_days", s.cadence_due_soon_days)
              if report.compliance is not None else s.cadence_due_soon_days)
    defs = [
        (tr.t("discipline.def.contact"), tr.t("discipline.def.contact_text")),
        (tr.t("discipline.def.requirement"), tr.t(req)),
        (tr.t("discipline.def.days_overdue"), tr.t("lists.def.days_overdue_text")),
        (tr.t("discipline.def.due_soon"), tr.t("discipline.def.due_soon_text", count=due)),
        (tr.t("discipline.def.within"), tr.t("discipline.def.within_text")),
        (tr.t("discipline.def.former_value"), tr.t("discipline.def.former_value_text")),
        (tr.t("discipline.def.manager_churn"), tr.t("discipline.def.manager_churn_text")),
    ]
    parts = [_h2(report, "definitions"), d.definitions_html(defs)]
    q = report.contact_quality
    if q is not None:
        parts.append(d.paragraphs_html([tr.t(
            "discipline.dq", rows=int(q["rows"]), attempts=int(q["attempts"]),
            unknown=int(q["unknown_customer"]), no_manager=int(q["no_manager"]))],
            css_class="rl-report"))
    if report.sections_off:
        parts.append(d.paragraphs_html(
            [tr.t("discipline.left_out", section=tr.t(f"discipline.sections.{sec}"),
                  file=d.needed_file(tbl, tr=tr))
             for sec, tbl in report.sections_off.items()], css_class="rl-report"))
    parts.append(_note(tr.t("discipline.note.data_until", date=tr.date(report.as_of))))
    return wrap(*parts)
