"""The executive report's sections after its table of contents: the churn series, churn by
tier, manager and customers attribute, value tiers and RFM segments, exit reasons, the
customers lost and won back this month, and the definitions with the data quality.

Each ``section_*`` function renders one notebook cell of ``notebooks/monthly_report.ipynb``
as HTML from a :class:`~retention_lib.pages.monthly.MonthlyReport`, in the report's language.
"""

from __future__ import annotations

import math

import pandas as pd

from ..data.checks import UNASSIGNED
from ..i18n import Translator
from ..present import display as d
from ..present import plots
from ._numbers import as_float
from .monthly import MonthlyReport
from .monthly_steps import BREAKDOWN_ATTRIBUTES
from .monthly_verdict import action_text, reason_label, thresholds
from .page_html import heading, wrap

__all__ = [
    "section_churn_breakdown",
    "section_churn_series",
    "section_definitions",
    "section_exit_reasons",
    "section_lost_customers",
    "section_value_tiers",
]


#: Section code of :attr:`MonthlyReport.sections_off` → catalog key of its display name.
def _section_name(section: str, tr: Translator) -> str:
    return tr.label("sections", section)


def _off(report: MonthlyReport, section: str) -> str:
    return d.section_off(report.sections_off[section], _section_name(section, report.tr),
                         tr=report.tr)


def _date_cell(tr: Translator):
    return lambda v: tr.short_date(v)


def section_churn_series(report: MonthlyReport):
    """The trailing-12-month churn series with bands and company events."""
    tr = report.tr
    s = report.series
    fig = plots.plot_churn_series(
        s[["customer_churn", "revenue_churn", "partial_history"]],
        events=report.events,
        normal_max=report.settings.churn_normal_max,
        critical_min=report.settings.churn_critical_min,
        title=tr.t("series.title"),
        tr=tr,
    )
    peak = s["customer_churn"].idxmax() if s["customer_churn"].notna().any() else None
    alt = tr.t(
        "series.alt", first=tr.month(s.index[0]), last=tr.month(s.index[-1]),
        now=tr.percent(as_float(report.overall["customer_churn"])),
        peak="" if peak is None else tr.t(
            "series.alt_peak", rate=tr.percent(as_float(s.loc[peak, "customer_churn"])),
            month=tr.month(peak)),
        **thresholds(report),
    )
    parts = [heading("rl-churn-series", tr.t("headings.churn_series")),
             d.figure_html(fig, alt=alt)]
    if report.events is not None and len(report.events):
        ev = report.events[["date", "kind", "description"]] if "description" in \
            report.events.columns else report.events[["date", "kind"]]
        ev = ev.sort_values("date").reset_index(drop=True)
        ev = ev.assign(kind=[tr.label("event_kind", k) for k in ev["kind"]])
        ev = ev.rename(columns={c: tr.t(f"series.events_cols.{c}") for c in ev.columns})
        ev.insert(0, "#", range(1, len(ev) + 1))  # the numbers drawn on the chart
        parts.append(d.table_html(
            ev, caption=tr.t("series.events_caption"),
            formats={tr.t("series.events_cols.date"): _date_cell(tr)}, tr=tr,
        ))
    if "company events on the churn chart" in report.sections_off:
        parts.append(_off(report, "company events on the churn chart"))
    if bool(s["partial_history"].all()):  # e.g. a report in the data's first year
        parts.append(d.note_html(tr.t("series.partial_note_all")))
    elif bool(s["partial_history"].any()):
        parts.append(d.note_html(tr.t("series.partial_note",
                                      count=int(s["partial_history"].sum()))))
    return wrap(*parts)


def _group_items(table: pd.DataFrame, tr: Translator, label) -> str:
    return "; ".join(
        tr.t("breakdown.item", group=label(g), rate=tr.percent(as_float(r["churn_rate"])),
             lost=int(r["lost"]), active=int(r["active_at_start"]))
        for g, r in table.iterrows()
    )


def section_churn_breakdown(report: MonthlyReport):
    """Churn by value tier and by manager (bars with counts)."""
    tr, s = report.tr, report.settings
    overall = as_float(report.overall["customer_churn"])
    parts = [heading("rl-where-lost", tr.t("headings.where_lost"))]
    if report.tiers_missing:
        parts.append(d.paragraphs_html(
            [tr.t("history.tiers", date=tr.date(report.window_start),
                  data_start=tr.date(report.data_start))], css_class="rl-report rl-off"))
    else:
        by_tier = report.by_tier.rename(index=lambda t: tr.label("tier", t))
        fig = plots.plot_churn_by_group(
            by_tier, title=tr.t("breakdown.by_tier_title"),
            normal_max=s.churn_normal_max, critical_min=s.churn_critical_min,
            overall=overall, tr=tr,
        )
        alt = tr.t("breakdown.by_tier_alt", items=_group_items(by_tier, tr, str))
        parts.append(d.figure_html(fig, alt=alt))
    if report.by_manager is None:
        parts.append(_off(report, "churn by manager"))
    else:
        by_manager = report.by_manager.rename(index=lambda m: tr.label("manager", m))
        fig = plots.plot_churn_by_group(
            by_manager, title=tr.t("breakdown.by_manager_title"),
            normal_max=s.churn_normal_max, critical_min=s.churn_critical_min, overall=overall,
            tr=tr,
        )
        alt = tr.t("breakdown.by_manager_alt", items=_group_items(by_manager, tr, str))
        parts.append(d.figure_html(fig, alt=alt))
        far = by_manager.loc[
            (by_manager["churn_rate"] >= 1.5 * overall)
            & (by_manager["active_at_start"] >= 10)
        ] if not math.isnan(overall) else by_manager.iloc[0:0]
        if len(far):
            names = ", ".join(
                tr.t("breakdown.far_item", manager=m, rate=tr.percent(as_float(r["churn_rate"])),
                     lost=int(r["lost"]), active=int(r["active_at_start"]))
                for m, r in far.iterrows()
            )
            parts.append(d.paragraphs_html(
                [tr.t("breakdown.far", rate=tr.percent(overall), names=names)],
                css_class="rl-report",
            ))
    for column in BREAKDOWN_ATTRIBUTES:
        if column in report.by_attribute:
            parts.append(_attribute_html(report, column))
        elif f"churn by {column}" in report.sections_off:
            parts.append(_off(report, f"churn by {column}"))
    return wrap(*parts)


def _attribute_html(report: MonthlyReport, column: str) -> str:
    """The churn and revenue table of one customers attribute (segment, region)."""
    tr = report.tr
    t = report.by_attribute[column]
    names = ("active_now", "revenue", "revenue_share", "active_at_start", "lost",
             "churn_rate", "revenue_churn")
    cols = {c: tr.t(f"breakdown.cols.{c}") for c in names}
    group = tr.t(f"breakdown.cols.{column}")
    shown = t.rename(index=lambda g: tr.label("manager", g) if g == UNASSIGNED else g)
    return d.table_html(
        shown.rename_axis(group).rename(columns=cols),
        index=True,
        caption=tr.t(f"breakdown.caption.{column}", date=tr.date(report.as_of),
                     start=tr.date(report.window_start)),
        formats={cols["active_now"]: tr.number, cols["revenue"]: report.money,
                 cols["revenue_share"]: lambda v: tr.percent(v),
                 cols["active_at_start"]: tr.number, cols["lost"]: tr.number,
                 cols["churn_rate"]: lambda v: tr.percent(v),
                 cols["revenue_churn"]: lambda v: tr.percent(v)},
        tr=tr,
    )


def section_value_tiers(report: MonthlyReport):
    """Value tiers (customers and revenue share) and the RFM segment overview."""
    tr = report.tr
    parts = [heading("rl-who", tr.t("headings.who"))]
    t = report.tiers
    fig = plots.plot_tier_share(t, title=tr.t("tiers.chart_title"), tr=tr)
    alt = tr.t("tiers.alt", items="; ".join(
        tr.t("tiers.alt_item", tier=tr.label("tier", k),
             customers=tr.percent(r["customer_share"], 0),
             revenue=tr.percent(r["revenue_share"], 0))
        for k, r in t.iterrows()
    ))
    parts.append(d.figure_html(fig, alt=alt))
    cols = {c: tr.t(f"tiers.cols.{c}") for c in
            ("tier", "customers", "customer_share", "revenue", "revenue_share")}
    table = t.rename(index=lambda k: tr.label("tier", k)).rename_axis(cols["tier"])
    parts.append(d.table_html(
        table.rename(columns=cols),
        index=True,
        caption=tr.t("tiers.caption", count=report.active_now, date=tr.date(report.as_of)),
        formats={cols["customers"]: tr.number,
                 cols["customer_share"]: lambda v: tr.percent(v),
                 cols["revenue"]: report.money,
                 cols["revenue_share"]: lambda v: tr.percent(v)},
        tr=tr,
    ))
    window = report.as_of - pd.Timedelta(days=report.settings.tier_window_days)
    if report.data_start is not None and report.data_start > window + pd.Timedelta(days=1):
        parts.append(d.note_html(tr.t(
            "history.tiers_window", days=report.settings.tier_window_days,
            date=tr.date(report.as_of), data_start=tr.date(report.data_start),
            covered=(report.as_of - report.data_start).days + 1)))
    seg = report.segments
    fig = plots.plot_segment_overview(seg, title=tr.t("tiers.segments_title"), tr=tr)
    alt = tr.t("tiers.segments_alt", items="; ".join(
        tr.t("tiers.segments_alt_item", segment=tr.label("segment", k),
             customers=int(r["customers"]), share=tr.percent(r["revenue_share"], 0))
        for k, r in seg.iterrows()
    ))
    parts.append(d.figure_html(fig, alt=alt))
    ever = int(seg["customers"].sum())
    parts.append(d.note_html(tr.t("population.ever", count=ever, date=tr.date(report.as_of),
                                  active=report.active_now, lost=ever - report.active_now)))
    return wrap(*parts)


def section_exit_reasons(report: MonthlyReport):
    """Exit reasons: two Paretos, survey coverage and the recommended action per reason."""
    tr = report.tr
    head = heading("rl-reasons", tr.t("headings.reasons"))
    if report.reasons_table is None:
        return wrap(head, _off(report, "exit reasons"))
    c = report.coverage
    parts = [head]
    parts.append(d.paragraphs_html(
        [tr.t("reasons.coverage_text", surveyed=c["surveyed"], lost=c["lost"],
              coverage=tr.percent(c["coverage"], 0))],
        css_class="rl-report",
    ))
    if len(report.reasons_table) == 0:
        parts.append(d.note_html(tr.t("reasons.no_answers")))
        return wrap(*parts)
    bc = report.reasons_by_count["customers"].rename(index=lambda k: reason_label(k, tr))
    br = report.reasons_by_revenue["lost_revenue"].rename(
        index=lambda k: reason_label(k, tr))
    fig = plots.plot_reasons_pareto(
        report.reasons_by_count["customers"].rename(index=lambda k: tr.label("reason_short", k)),
        report.reasons_by_revenue["lost_revenue"].rename(
            index=lambda k: tr.label("reason_short", k)),
        title=tr.t("reasons.chart_title"), currency=report.currency, tr=tr,
    )
    alt = tr.t(
        "reasons.alt",
        by_count=", ".join(f"{k} {tr.number(int(v))}" for k, v in bc.items()),
        by_revenue=", ".join(f"{k} {report.money(float(v))}" for k, v in br.items()),
    )
    parts.append(d.figure_html(fig, alt=alt))
    table = report.reasons_table.sort_values("lost_revenue", ascending=False).reset_index()
    table["action"] = [action_text(c, a, tr) for c, a in zip(table["category"], table["action"],
                                                         strict=True)]
    table["category"] = table["category"].map(lambda k: reason_label(k, tr))
    cols = {c: tr.t(f"reasons.cols.{c}") for c in
            ("category", "customers", "count_share", "lost_revenue", "revenue_share", "action")}
    parts.append(d.table_html(
        table.rename(columns=cols),
        caption=tr.t("reasons.caption"),
        formats={cols["customers"]: tr.number,
                 cols["count_share"]: lambda v: tr.percent(v, 0),
                 cols["lost_revenue"]: report.money,
                 cols["revenue_share"]: lambda v: tr.percent(v, 0)},
        tr=tr,
    ))
    return wrap(*parts)


def section_lost_customers(report: MonthlyReport, *, top: int = 15):
    """The biggest customers lost this month (name, manager, tier, lost revenue) and the
    customers won back."""
    tr = report.tr
    month = report.month_name
    parts = [heading("rl-lost-won", tr.t("headings.lost_won", month=report.tr.month(
        report.as_of)))]
    lost = report.lost_month.head(top).reset_index()
    lost = lost.rename(columns={"index": "customer_id"})
    lost["name"] = lost["name"].fillna(lost["customer_id"])
    lost["manager"] = lost["manager"].map(lambda m: tr.label("manager", m))
    lost["tier"] = lost["tier"].map(lambda t: "" if pd.isna(t) else tr.label("tier", t))
    cols = {c: tr.t(f"lost.cols.{c}") for c in
            ("name", "manager", "tier", "last_purchase", "lost_revenue")}
    lost = lost[list(cols)].rename(columns=cols)
    parts.append(d.table_html(
        lost,
        caption=tr.t("lost.caption", month=month, top=top),
        formats={cols["last_purchase"]: _date_cell(tr), cols["lost_revenue"]: report.money},
        tr=tr,
    ))
    if len(report.lost_month) > top:
        parts.append(d.note_html(tr.t("lost.more", count=len(report.lost_month) - top,
                                      month=month)))
    won = report.won_month.reset_index().rename(columns={"index": "customer_id"})
    won["name"] = won["name"].fillna(won["customer_id"])
    won["manager"] = won["manager"].map(lambda m: tr.label("manager", m))
    won = won.sort_values("revenue_since_return", ascending=False).head(top)
    wcols = {c: tr.t(f"won.cols.{c}") for c in
             ("name", "manager", "returned_on", "gap_days", "revenue_since_return")}
    won = won[list(wcols)].rename(columns=wcols)
    parts.append(d.table_html(
        won, caption=tr.t("won.caption", month=month),
        formats={wcols["returned_on"]: _date_cell(tr), wcols["gap_days"]: tr.number,
                 wcols["revenue_since_return"]: report.money},
        tr=tr,
    ))
    return wrap(*parts)


def _definitions(report: MonthlyReport) -> dict[str, str]:
    s, tr = report.settings, report.tr
    args = {
        **thresholds(report),
        "lapse_days": s.lapse_days,
        "window_days": s.tier_window_days,
        "a_share": tr.percent(s.tier_a_share, 0),
        "b_share": tr.percent(s.tier_b_share, 0),
        "vip_share": tr.percent(s.vip_share, 0),
        "end": tr.date(report.as_of),
        "start": tr.date(report.window_start),
    }
    keys = ("active", "lost", "customer_churn", "revenue_churn", "zones", "series", "lost_won",
            "tiers", "rfm", "reasons")
    return {tr.t(f"definitions.{k}.term"): tr.t(f"definitions.{k}.text", **args) for k in keys}


def _quality_frame(report: MonthlyReport) -> pd.DataFrame:
    tr = report.tr
    q = report.quality
    if q is None:  # a report built by hand: English notes from the loader
        q = report.data_quality[["table", "rows_read", "rows_excluded", "rows_used", "notes"]]
    return q.assign(table=[tr.label("dq.tables", t) for t in q["table"]])


def section_definitions(report: MonthlyReport):
    """How every number is defined, rows read/excluded per table, sections switched off."""
    tr = report.tr
    parts = [heading("rl-definitions", tr.t("headings.definitions")),
             d.definitions_html(_definitions(report))]
    cols = {c: tr.t(f"dq.cols.{c}") for c in
            ("table", "rows_read", "rows_excluded", "rows_used", "notes")}
    dq = _quality_frame(report)[list(cols)].rename(columns=cols)
    parts.append(d.table_html(
        dq,
        caption=tr.t("dq.caption"),
        formats={cols["rows_read"]: tr.number, cols["rows_excluded"]: tr.number,
                 cols["rows_used"]: tr.number},
        tr=tr,
    ))
    if report.sections_off:
        parts.append(d.paragraphs_html(
            [tr.t("dq.left_out", section=_section_name(sec, tr),
                  file=d.needed_file(tbl, tr=tr))
             for sec, tbl in report.sections_off.items()],
            css_class="rl-report",
        ))
    parts.append(d.note_html(tr.t("dq.footer", date=tr.date(report.as_of),
                                  currency=report.currency)))
    return wrap(*parts)

