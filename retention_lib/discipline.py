"""The contact-discipline report: compliance, contact plan, never-disappear, funnel, manager fit.

:func:`build_contact_discipline` computes, once, everything
``notebooks/contact_discipline.ipynb`` shows and returns a :class:`ContactDiscipline`;
the ``section_*`` functions render one section each as HTML (one library call per notebook
cell); :func:`discipline_metrics` gives the ``compliance`` section of ``metrics.json``;
:func:`write_report_call_lists` writes the per-manager call lists; :func:`executive_section`
is the short "contact discipline" block for the executive report.

Definitions: :mod:`retention_lib.cadence` (compliance, plan, never disappear),
:mod:`retention_lib.funnel` (stages), :mod:`retention_lib.managers` (manager fit).
Report-level choices made here:

* ``as_of`` is the last day of the report month; contacts dated after it are left out (so an
  older month can be reported from newer data; the loader already refuses contacts after the
  data's own report date).
* Tiers are :func:`retention_lib.tiers.value_tiers` at ``as_of`` (settings' tier options);
  the funnel conversions compare the 12 months ending at ``as_of`` (tiers at both ends).
* Manager fit uses :func:`retention_lib.churn.churn_rate` by manager over the same 12 months.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import cadence, cadence_plots, funnel, managers, plots
from . import display as d
from .calllists import write_call_lists
from .config import DEFAULT_SETTINGS, Settings

__all__ = [
    "ContactDiscipline",
    "ROW_CSS",
    "STATUS_TEXT",
    "build_contact_discipline",
    "discipline_metrics",
    "executive_block",
    "executive_section",
    "section_compliance_by_manager",
    "section_compliance_by_tier",
    "section_compliance_table",
    "section_contact_plan",
    "section_definitions",
    "section_funnel",
    "section_header",
    "section_kpis",
    "section_manager_fit",
    "section_never_disappear",
    "section_overdue_key_accounts",
    "write_report_call_lists",
]

#: Compliance status → text shown in tables (icon + word: never colour alone).
STATUS_TEXT = {"overdue": "■ overdue", "due soon": "▲ due soon", "ok": "● ok"}
#: Extra styles: overdue / due-soon rows tinted (the status cell also carries icon + word).
ROW_CSS = (
    "<style>.rl-table tr.rl-overdue td { background: #ffebee; }"
    ".rl-table tr.rl-due td { background: #fff8e1; }"
    ".rl-table tr.rl-flag td { background: #ffebee; font-weight: bold; }</style>"
)
_ROW_CLASS = {"overdue": "rl-overdue", "due soon": "rl-due", "ok": ""}
_CALL_LIST_COLUMNS = ("manager", "tier", "customer_id", "name", "action", "due_by",
                      "days_overdue", "last_done", "every_days")


@dataclass
class ContactDiscipline:
    """Everything the contact-discipline report shows (see :func:`build_contact_discipline`).

    Attributes
    ----------
    period, period_label, as_of, company, currency, settings
        As in :class:`retention_lib.monthly.MonthlyReport`.
    compliance
        :func:`cadence.compliance_table` (``None`` without contacts).
    by_manager, by_tier
        :func:`cadence.compliance_summary` (``None`` without contacts).
    overdue_key
        :func:`cadence.worst_overdue` of VIP/A, all rows (``None`` without contacts).
    plan
        :func:`cadence.contact_plan` for the month after ``as_of`` incl. never-disappear.
    never
        :func:`cadence.never_disappear` (``None`` without contacts).
    contact_quality
        :func:`cadence.contact_quality` (``None`` without contacts).
    stages, funnel_counts, funnel_by_manager, conversions, conversions_by_manager
        Funnel tables (:mod:`retention_lib.funnel`), always present.
    fit
        :func:`managers.manager_fit` (``None`` without a customers table).
    sections_off
        Section → the missing table that would switch it on.
    """

    period: str
    period_label: str
    as_of: pd.Timestamp
    company: str
    currency: str
    settings: Settings
    compliance: pd.DataFrame | None
    by_manager: pd.DataFrame | None
    by_tier: pd.DataFrame | None
    overdue_key: pd.DataFrame | None
    plan: pd.DataFrame | None
    never: pd.DataFrame | None
    contact_quality: dict[str, int] | None
    stages: pd.DataFrame
    funnel_counts: pd.DataFrame
    funnel_by_manager: pd.DataFrame
    conversions: pd.DataFrame
    conversions_by_manager: pd.DataFrame
    fit: pd.DataFrame | None
    sections_off: dict[str, str] = field(default_factory=dict)

    def money(self, value: float) -> str:
        """Format an amount in the report's currency."""
        from .monthly import format_money

        return format_money(value, self.currency)

    @property
    def flagged(self) -> list[str]:
        """Managers flagged by manager fit (sorted)."""
        return [] if self.fit is None else managers.flagged_managers(self.fit)


def _tiers_at(tx: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> pd.DataFrame:
    from .tiers import value_tiers

    return value_tiers(
        tx, as_of=as_of, window_days=settings.tier_window_days, a_share=settings.tier_a_share,
        b_share=settings.tier_b_share, vip_share=settings.vip_share, vip_ids=settings.vip_ids,
    )


def build_contact_discipline(
    dataset, *, period: str = "", settings: Settings | None = None, due_soon_days: int = 7
) -> ContactDiscipline:
    """Compute every table of the contact-discipline report for ``period``.

    Parameters
    ----------
    dataset
        A :class:`retention_lib.io.Dataset` (``transactions`` required; ``contacts``
        switches on compliance, plan and never-disappear; ``customers`` names and managers).
    period
        ``"YYYY-MM"``; empty = the last complete month
        (:func:`retention_lib.monthly.resolve_period`).
    settings
        Defaults to ``dataset.settings``.
    due_soon_days
        Passed to :func:`cadence.compliance_table`.
    """
    from .churn import churn_rate, customer_status
    from .monthly import _month_end, resolve_period

    settings = settings or getattr(dataset, "settings", None) or DEFAULT_SETTINGS
    period = resolve_period(dataset.transactions, period, today=getattr(dataset, "as_of", None))
    as_of = _month_end(period)
    tx = dataset.transactions.loc[(dataset.transactions["date"] <= as_of).to_numpy(bool)]
    if tx.empty:
        raise ValueError(f"period {period}: no transactions on or before {as_of.date()}")
    customers = dataset.customers
    tiers_now = _tiers_at(tx, as_of, settings)
    status = customer_status(tx, as_of=as_of, lapse_days=settings.lapse_days,
                             customers=customers)
    sections_off: dict[str, str] = {}

    compliance = by_manager = by_tier = overdue_key = plan = never = quality = None
    contacts = dataset.contacts
    if contacts is not None:
        contacts = contacts.loc[(contacts["date"] <= as_of).to_numpy(bool)]
        book = cadence.active_book(status, tiers=tiers_now, customers=customers)
        compliance = cadence.compliance_table(
            contacts, book=book, as_of=as_of, cadence=settings.cadence,
            due_soon_days=due_soon_days,
        )
        by_manager = cadence.compliance_summary(compliance, by="manager")
        by_tier = cadence.compliance_summary(compliance, by="tier")
        overdue_key = cadence.worst_overdue(compliance, n=None)
        never = cadence.never_disappear(
            contacts, status=status, transactions=tx, as_of=as_of, customers=customers,
            cadence=settings.cadence,
        )
        plan = cadence.contact_plan(compliance, as_of=as_of, lost=never)
        known = set(tx["customer_id"].astype(str))
        if customers is not None:
            known |= set(customers["customer_id"].astype(str))
        quality = cadence.contact_quality(dataset.contacts, known_customers=known)
    else:
        for sec in ("cadence compliance", "contact plan and call lists", "never disappear"):
            sections_off[sec] = "contacts"

    fkw = {"customers": customers, "lapse_days": settings.lapse_days}
    stages = funnel.funnel_stages(tx, as_of=as_of, tiers=tiers_now, **fkw)
    start = _month_end(str(pd.Period(period, freq="M") - 12))
    if (tx["date"] <= start).any():
        transitions = funnel.funnel_transitions(
            tx, start=start, end=as_of, tiers_start=_tiers_at(tx, start, settings),
            tiers_end=tiers_now, **fkw,
        )
    else:  # less than a year of data: everyone is new
        transitions = funnel.funnel_transitions(
            tx, start=tx["date"].min() - pd.Timedelta(days=1), end=as_of, tiers_start=None,
            tiers_end=tiers_now, **fkw,
        )
    fit = None
    if customers is not None and "manager" in customers.columns:
        rates = churn_rate(tx, end=as_of, by="manager", **fkw)
        fit = managers.manager_fit(rates, compliance=by_manager)
    else:
        sections_off["manager fit"] = "customers"

    return ContactDiscipline(
        period=period,
        period_label=as_of.strftime("%B %Y"),
        as_of=as_of,
        company=settings.company_name,
        currency=settings.currency,
        settings=settings,
        compliance=compliance,
        by_manager=by_manager,
        by_tier=by_tier,
        overdue_key=overdue_key,
        plan=plan,
        never=never,
        contact_quality=quality,
        stages=stages,
        funnel_counts=funnel.funnel_counts(stages),
        funnel_by_manager=funnel.funnel_by_manager(stages),
        conversions=funnel.conversion_summary(transitions),
        conversions_by_manager=funnel.conversion_summary(transitions, by="manager"),
        fit=fit,
        sections_off=sections_off,
    )


# --------------------------------------------------------------------------- outputs
def discipline_metrics(report: ContactDiscipline) -> dict[str, Any] | None:
    """The ``compliance`` section of ``metrics.json``; ``None`` without a contacts table.

    Returns
    -------
    dict or None
        :func:`cadence.compliance_metrics` (``overall``, ``by_manager``,
        ``flagged_managers``) plus ``contacts_quality`` (:func:`cadence.contact_quality`),
        ``never_disappear`` (count of forgotten lost customers) and ``as_of`` (ISO date).
    """
    if report.compliance is None:
        return None
    out = cadence.compliance_metrics(report.compliance, flagged_managers=report.flagged)
    out["contacts_quality"] = dict(report.contact_quality or {})
    out["never_disappear"] = 0 if report.never is None else len(report.never)
    out["as_of"] = report.as_of.date().isoformat()
    return out


def write_report_call_lists(report: ContactDiscipline, out_dir: str | Path) -> dict[str, Path]:
    """Write one Excel-safe CSV per manager (``call_list_<manager>.csv``) into ``out_dir``.

    Nothing is written without a contacts table. See :mod:`retention_lib.calllists`.
    """
    if report.plan is None:
        return {}
    return write_call_lists(report.plan, out_dir=out_dir, columns=_CALL_LIST_COLUMNS)


# --------------------------------------------------------------------------- sections
def _wrap(*parts: str):
    return d.html("".join(parts))


def _h2(text: str) -> str:
    return d.heading_html(text, level=2)


def _off(report: ContactDiscipline, section: str) -> str:
    return d.section_off(report.sections_off[section], section)


def _note(text: str) -> str:
    return f'<div class="rl-report">{d.note_html(text)}</div>'


def _pct(x: float) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:.0%}"


def _date(x: Any) -> str:
    return "" if x is None or pd.isna(x) else pd.Timestamp(x).strftime("%Y-%m-%d")


def _days(x: Any) -> str:
    return "never" if x is None or pd.isna(x) else f"{int(x):,}"


def section_header(report: ContactDiscipline):
    """Styles (once) and the title."""
    return _wrap(
        d.style_block(), ROW_CSS,
        d.title_html(company=report.company, period_label=report.period_label,
                     as_of=report.as_of.strftime("%d %B %Y"), subtitle="contact discipline"),
    )


def section_kpis(report: ContactDiscipline):
    """KPI tiles: share within cadence, overdue customers, overdue VIP/A, flagged managers."""
    if report.compliance is None:
        return _wrap(_off(report, "cadence compliance"))
    comp = report.compliance
    n = len(comp)
    over = int((comp["status"] == "overdue").sum())
    key = 0 if report.overdue_key is None else len(report.overdue_key)
    forgotten = 0 if report.never is None else len(report.never)
    tiles = [
        d.Kpi("Active customers within contact cadence", _pct((n - over) / n if n else None),
              f"{n - over:,} of {n:,} active customers"),
        d.Kpi("Overdue customers", f"{over:,}",
              f"{int((comp['status'] == 'due soon').sum()):,} more due within "
              f"{comp.attrs.get('due_soon_days', 7)} days"),
        d.Kpi("Overdue VIP and A customers", f"{key:,}", "the most valuable accounts"),
        d.Kpi("Lost customers nobody contacted", f"{forgotten:,}",
              "no contact within the never-disappear rhythm"),
    ]
    if report.fit is not None:
        tiles.append(d.Kpi("Managers flagged by manager fit", f"{len(report.flagged):,}",
                           ", ".join(report.flagged) or "none"))
    return _wrap(_h2("Contact discipline at a glance"), d.kpi_tiles(tiles))


def _summary_table(summary: pd.DataFrame, by: str, caption: str) -> str:
    t = summary.reset_index().rename(columns={
        by: by, "share_within": "within cadence", "within_cadence": "within (n)",
        "due_soon": "due soon", "worst_overdue": "most overdue VIP/A customers",
    })
    return d.table_html(
        t[[by, "customers", "within (n)", "within cadence", "due soon", "overdue", "attempts",
           "most overdue VIP/A customers"]],
        caption=caption,
        formats={"within cadence": _pct, "customers": "{:,}", "within (n)": "{:,}",
                 "due soon": "{:,}", "overdue": "{:,}", "attempts": "{:,}"},
    )


def section_compliance_by_manager(report: ContactDiscipline):
    """Per-manager compliance: stacked-bar chart and table (worst first)."""
    if report.by_manager is None:
        return _wrap(_h2("Compliance by manager"), _off(report, "cadence compliance"))
    s = report.by_manager
    worst = s.index[0] if len(s) else ""
    alt = (
        "Share of each manager's active customers contacted within cadence, due soon and "
        f"overdue. Lowest: {worst} with {_pct(s['share_within'].iloc[0])} within cadence."
        if len(s) else "No active customers."
    )
    fig = cadence_plots.plot_compliance(s, title="Contact cadence compliance by manager")
    return _wrap(
        _h2("Compliance by manager"),
        d.figure_html(fig, alt=alt),
        _summary_table(s, "manager", "Compliance by manager (lowest share within cadence "
                                     "first); attempts = unanswered contacts"),
    )


def section_compliance_by_tier(report: ContactDiscipline):
    """Compliance per value tier (table)."""
    if report.by_tier is None:
        return _wrap(_h2("Compliance by tier"), _off(report, "cadence compliance"))
    rules = "; ".join(
        f"{t}: call every {r.call_days or '–'} d"
        + (f", meeting every {r.meeting_days} d" if r.meeting_days else "")
        for t, r in report.settings.cadence.items()
    )
    return _wrap(
        _h2("Compliance by tier"),
        _summary_table(report.by_tier, "tier", "Compliance by value tier"),
        _note(f"Required rhythm: {rules}."),
    )


def section_overdue_key_accounts(report: ContactDiscipline, *, max_rows: int = 25):
    """The most overdue VIP and A customers, with their manager."""
    if report.overdue_key is None:
        return _wrap(_h2("Overdue VIP and A customers"), _off(report, "cadence compliance"))
    return _wrap(_h2("Overdue VIP and A customers"), _compliance_rows(
        report.overdue_key, caption="VIP and A customers past their contact rhythm, most "
        "overdue first", max_rows=max_rows))


def _compliance_rows(comp: pd.DataFrame, *, caption: str, max_rows: int | None) -> str:
    t = pd.DataFrame({
        "status": [STATUS_TEXT.get(s, s) for s in comp["status"].astype(object)],
        "customer": comp["name"].to_numpy(),
        "tier": comp["tier"].to_numpy(),
        "manager": comp["manager"].to_numpy(),
        "last call": [_date(x) for x in comp["last_call"]],
        "days since call": [_days(x) for x in comp["days_since_call"]],
        "call every (d)": comp["call_required_days"].to_numpy(),
        "last meeting": [_date(x) for x in comp["last_meeting"]],
        "days since meeting": [
            "" if pd.isna(r) else _days(x)
            for x, r in zip(comp["days_since_meeting"], comp["meeting_required_days"],
                            strict=True)
        ],
        "meeting every (d)": comp["meeting_required_days"].to_numpy(),
        "days overdue": comp["days_overdue"].to_numpy(),
        "attempts": comp["attempts"].to_numpy(),
    })
    shown = t if max_rows is None else t.head(max_rows)
    classes = [_ROW_CLASS.get(s, "") for s in comp["status"].astype(object)][: len(shown)]
    return d.table_html(
        t, caption=caption, max_rows=max_rows, row_classes=classes,
        formats={"call every (d)": lambda v: "" if pd.isna(v) else f"{int(v)}",
                 "meeting every (d)": lambda v: "" if pd.isna(v) else f"{int(v)}",
                 "days overdue": "{:,}", "attempts": "{:,}"},
    )


def section_compliance_table(report: ContactDiscipline, *, max_rows: int = 400):
    """Every active customer's compliance; overdue rows tinted and marked ■ overdue."""
    if report.compliance is None:
        return _wrap(_h2("Compliance per customer"), _off(report, "cadence compliance"))
    comp = report.compliance
    return _wrap(
        _h2("Compliance per customer"),
        _note("■ overdue (tinted red), ▲ due soon (tinted amber), ● ok. Ordered by tier, "
                    "then days overdue. \"never\" = no answered contact of that kind in the "
                    "contact log; attempts = unanswered contacts in the last required "
                    "interval. The full list is in the per-manager call lists."),
        _compliance_rows(comp, caption="Contact cadence per active customer",
                         max_rows=max_rows),
    )


def section_contact_plan(report: ContactDiscipline):
    """Next month's plan per manager: calls, meetings, keep-in-touch contacts due."""
    if report.plan is None:
        return _wrap(_h2("Contact plan for next month"),
                     _off(report, "contact plan and call lists"))
    plan = report.plan
    end = plan.attrs.get("period_end", report.as_of + pd.offsets.MonthEnd(1))
    if plan.empty:
        return _wrap(_h2("Contact plan for next month"), _note("Nothing falls due."))
    counts = (
        pd.crosstab(plan["manager"].astype(object), plan["action"].astype(object))
        .reindex(columns=["call", "meeting", "keep in touch"], fill_value=0)
    )
    counts["overdue now"] = (
        plan.assign(o=plan["days_overdue"] > 0).groupby(plan["manager"].astype(object))["o"]
        .sum().reindex(counts.index).astype(int)
    )
    counts.index.name = "manager"
    return _wrap(
        _h2("Contact plan for next month"),
        _note(f"Contacts that fall due between {report.as_of + pd.Timedelta(days=1):%d %B}"
                    f" and {pd.Timestamp(end):%d %B %Y}, per manager. Each manager's full list "
                    "(who, what, by when, ordered by tier and days overdue) is in "
                    "call_lists/call_list_<manager>.csv next to this report."),
        d.table_html(counts.reset_index(), caption="Contacts due next month per manager",
                     formats={c: "{:,}" for c in counts.columns}),
    )


def section_never_disappear(report: ContactDiscipline, *, max_rows: int = 30):
    """Lost customers nobody contacted within the never-disappear rhythm, by former value."""
    if report.never is None:
        return _wrap(_h2("Never disappear"), _off(report, "never disappear"))
    nv = report.never
    days = nv.attrs.get("lost_days", 365)
    t = pd.DataFrame({
        "customer": nv["name"].to_numpy(),
        "manager": nv["manager"].to_numpy(),
        "last purchase": [_date(x) for x in nv["last_purchase"]],
        "lost on": [_date(x) for x in nv["lost_on"]],
        "last contact": [_date(x) or "never" for x in nv["last_contact"]],
        "former annual value": nv["former_value"].to_numpy(),
    })
    return _wrap(
        _h2("Never disappear"),
        _note(f"Lost customers should hear from us at least every {days} days (market "
                    f"news, an offer). {len(nv):,} lost customers have had no answered contact "
                    "of any kind within that time; highest former value first."),
        d.table_html(t, caption="Lost customers nobody has contacted", max_rows=max_rows,
                     formats={"former annual value": report.money}),
    )


def section_funnel(report: ContactDiscipline):
    """Funnel chart, conversions over 12 months, and the funnel per manager."""
    c = report.funnel_counts
    alt = "Customer development funnel: " + ", ".join(
        f"{s} {int(r):,}" for s, r in zip(c.index, c["reached"], strict=True)
    ) + " active customers reached each stage."
    conv = report.conversions.reset_index().rename(columns={
        "start_stage": "stage 12 months ago", "fell_back": "fell back",
        "advance_rate": "advanced (%)"})
    conv["advanced (%)"] = conv["advanced (%)"].map(_pct)
    return _wrap(
        _h2("Customer development funnel"),
        d.figure_html(cadence_plots.plot_funnel(c), alt=alt),
        d.table_html(conv, caption="Where customers went over the last 12 months "
                     "(\"new\" = first purchase in the period)"),
        d.table_html(report.funnel_by_manager.reset_index(),
                     caption="Active customers per manager who reached each stage"),
        _note("Stages: first purchase; repeat = 2+ purchase days; regular = purchases "
                    "in 6+ of the last 12 months; expanded = more categories than in the "
                    "first year or 1.5x the first year's revenue; key account = tier VIP or A. "
                    "A customer counts at the highest stage reached."),
    )


def section_manager_fit(report: ContactDiscipline):
    """Churn and compliance per manager next to the company, with the binomial flag."""
    if report.fit is None:
        return _wrap(_h2("Manager fit"), _off(report, "manager fit"))
    fit = report.fit
    rate = fit.attrs["company_rate"]
    shown = fit.loc[fit["customers"] > 0]
    chart = pd.DataFrame({
        "churn_rate": shown["churn_rate"].to_numpy(),
        "lost": shown["lost"].to_numpy(),
        "active_at_start": shown["customers"].to_numpy(),
    }, index=[f"{m}{' ⚑' if f else ''}" for m, f in zip(shown.index, shown["flagged"],
                                                      strict=True)])
    fig = plots.plot_churn_by_group(
        chart, title="Customer churn by manager, last 12 months", overall=rate,
        normal_max=report.settings.churn_normal_max,
        critical_min=report.settings.churn_critical_min,
    )
    flagged = report.flagged
    alt = (f"Customer churn per manager against the company's {rate:.1%}. "
           + (f"Flagged: {', '.join(flagged)}." if flagged else "No manager is flagged."))
    t = pd.DataFrame({
        "flag": ["⚑ flagged" if f else "" for f in fit["flagged"]],
        "manager": fit.index.astype(str),
        "customers (12 months ago)": fit["customers"].to_numpy(),
        "lost": fit["lost"].to_numpy(),
        "churn": fit["churn_rate"].map(_pct).to_numpy(),
        "company churn": [_pct(rate)] * len(fit),
        "p-value": fit["p_value"].map(lambda p: "" if pd.isna(p) else f"{p:.3f}").to_numpy(),
        "active customers now": fit["compliance_customers"].to_numpy(),
        "within cadence": fit["compliance_share"].map(_pct).to_numpy(),
    })
    return _wrap(
        _h2("Manager fit"),
        d.figure_html(fig, alt=alt),
        d.table_html(t, caption="Churn and contact discipline per manager",
                     row_classes=["rl-flag" if f else "" for f in fit["flagged"]],
                     formats={"customers (12 months ago)": "{:,}", "lost": "{:,}"}),
        _note(
            f"⚑ flagged = churn significantly above the company's {rate:.1%} (one-sided exact "
            f"binomial test, p < {fit.attrs['alpha']}). With few customers a high rate can be "
            "chance, so the customer count is shown and small books are rarely flagged. A "
            "flag is a reason to look at the relationships, e.g. to change the account "
            "manager, not a verdict."),
    )


def section_definitions(report: ContactDiscipline):
    """Definitions, contacts data quality and sections left out."""
    defs = {
        "Contact": "An answered call, meeting or visit. Unanswered contacts (answered = "
                   "false) are attempts, counted separately; contacts with unknown answer "
                   "count as contacts. Emails and messages do not satisfy the cadence of "
                   "active customers.",
        "Call / meeting requirement": "A call requirement is met by a call; a meeting "
                                      "requirement by a meeting or a visit.",
        "Days overdue": "Days since the last call (meeting) minus the required interval, the "
                        "larger of the two; a customer never contacted is timed from their "
                        "first purchase or the start of the contact log, whichever is later.",
        "Due soon": "Not overdue, but a requirement falls due within 7 days.",
        "Within cadence": "Not overdue (ok or due soon).",
        "Former annual value": "Net revenue in the 365 days up to the last purchase.",
        "Manager churn": "Customers active 12 months ago who were lost since, per the "
                         "manager responsible in the customers table.",
    }
    parts = [_h2("Definitions and data quality"), d.definitions_html(defs)]
    q = report.contact_quality
    if q is not None:
        parts.append(d.paragraphs_html([
            f"Contacts read: {q['rows']:,}; unanswered attempts: {q['attempts']:,}; rows for "
            f"customers not in the data: {q['unknown_customer']:,} (left out of compliance); "
            f"rows without a manager: {q['no_manager']:,}.",
        ], css_class="rl-report"))
    if report.sections_off:
        parts.append(d.paragraphs_html(
            [f"Left out for lack of data: {sec} (needs {tbl}.csv)."
             for sec, tbl in report.sections_off.items()], css_class="rl-report"))
    parts.append(_note(f"Figures use data up to {report.as_of:%d %B %Y}."))
    return _wrap(*parts)


def executive_section(report: ContactDiscipline, *, link: str = "contact_discipline.html",
                      top: int = 5) -> str:
    """HTML for the executive report: compliance % by manager and the top overdue VIP/A.

    Returns a plain HTML string (wrap with :func:`retention_lib.display.html`); without
    contacts, the section-off sentence.
    """
    head = ROW_CSS + d.heading_html("Contact discipline")
    if report.by_manager is None:
        return head + _off(report, "cadence compliance")
    s = report.by_manager
    t = pd.DataFrame({
        "manager": s.index.astype(str),
        "active customers": s["customers"].to_numpy(),
        "within cadence": s["share_within"].map(_pct).to_numpy(),
        "overdue": s["overdue"].to_numpy(),
        "flag": ["⚑ churn above company" if m in report.flagged else "" for m in s.index],
    })
    parts = [head, d.table_html(t, caption="Share of active customers contacted within "
                                           "their cadence, by manager",
                                formats={"active customers": "{:,}", "overdue": "{:,}"})]
    if report.overdue_key is not None and len(report.overdue_key):
        parts.append(_compliance_rows(report.overdue_key, caption="Most overdue VIP and A "
                                      "customers", max_rows=top))
    parts.append(f'<div class="rl-report"><p class="rl-note">Details: '
                 f'<a href="{d.escape(link)}">contact discipline report</a>.</p></div>')
    return "".join(parts)


def executive_block(dataset, *, period: str = "", settings: Settings | None = None):
    """One-call notebook cell for the executive report: builds the contact-discipline tables
    and returns :func:`executive_section` as a displayable HTML object."""
    report = build_contact_discipline(dataset, period=period, settings=settings)
    return d.html(executive_section(report))
