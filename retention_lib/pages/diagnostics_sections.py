"""The sections of the churn-diagnostics page (``notebooks/churn_diagnostics.ipynb``).

Each ``section_*`` function renders one section of a
:class:`~retention_lib.pages.diagnostics.Diagnostics` (built by
:func:`~retention_lib.pages.diagnostics.build_diagnostics`) as
:class:`IPython.display.HTML` in the reader's language: one library call per notebook cell,
in the order of :data:`DIAGNOSTICS_SECTIONS`.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import periods
from ..analysis.signals import DEFAULT_WEIGHTS, HISTORY_OK, MARKERS, marker_label
from ..i18n import Translator
from ..present import display as d
from ..present.diagnostics_plots import plot_backtest, plot_event_impact, plot_marker_counts
from .diagnostics import Diagnostics
from .diagnostics_tables import (
    date_or,
    list_html,
    lost_total,
    points,
    save_table,
    winback_formula,
    winback_table,
)
from .page_html import heading, wrap

__all__ = [
    "DIAGNOSTICS_SECTIONS",
    "section_backtest",
    "section_definitions",
    "section_economics",
    "section_events",
    "section_header",
    "section_save",
    "section_winback",
    "section_won_back",
]


#: Sections of the diagnostics page in reading order: (anchor id, catalog key of heading).
DIAGNOSTICS_SECTIONS = (
    ("rl-dx-save", "diagnostics.headings.save"),
    ("rl-dx-backtest", "diagnostics.headings.backtest"),
    ("rl-dx-events", "diagnostics.headings.events"),
    ("rl-dx-winback", "diagnostics.headings.winback"),
    ("rl-dx-won-back", "diagnostics.headings.won_back"),
    ("rl-dx-economics", "diagnostics.headings.economics"),
    ("rl-dx-definitions", "diagnostics.headings.definitions"),
)


def section_header(diag: Diagnostics):
    """Styles (once), the title (company, period, data as of) and the table of contents."""
    tr = diag.tr
    items = "".join(
        f'<li><a href="#{d.escape(a)}">{d.escape(tr.t(k))}</a></li>'
        for a, k in DIAGNOSTICS_SECTIONS
    )
    toc = tr.t("diagnostics.toc_title")
    return wrap(
        d.style_block(),
        d.title_html(company=diag.company, period_label=tr.month(diag.as_of),
                     as_of=tr.date(diag.as_of), subtitle=tr.t("diagnostics.subtitle"), tr=tr,
                     partial=periods.ends_early(diag.as_of)),
        f'<div class="rl-report"><nav class="rl-toc" aria-label="{d.escape(toc)}">'
        f'<p class="rl-toc-title">{d.escape(toc)}</p><ol>{items}</ol></nav></div>',
    )


def section_save(diag: Diagnostics, *, top: int = 25):
    """Customers to save: the at-risk list by value at risk, with their warning signs in
    plain words, which markers are off and why, and a chart of how often each fired."""
    tr = diag.tr
    parts = [heading("rl-dx-save", tr.t("diagnostics.headings.save"))]
    n = len(diag.at_risk)
    if n:
        parts.append(d.paragraphs_html([tr.t(
            "diagnostics.save.summary", count=n, active=len(diag.early),
            value=diag.money(float(diag.at_risk["value_at_risk"].sum())))]))
        parts.append(save_table(diag.at_risk, top=top, tr=tr, money=diag.money))
        if n > top:
            parts.append(d.note_html(tr.t("lists.save_more", count=n - top)))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.save.none")]))
    parts.extend(_save_notes(diag))
    if len(diag.early):
        on = diag.early.attrs.get("markers_on", list(MARKERS))
        counts = {m: int(diag.early[m].sum()) for m in on}
        best = max(counts, key=counts.get) if counts else None
        alt = tr.t("diagnostics.save.chart_alt",
                   top=marker_label(best, tr=tr) if best else "-",
                   count=counts.get(best, 0) if best else 0)
        parts.append(d.figure_html(plot_marker_counts(diag.early, tr=tr), alt=alt))
    return wrap(*parts)


def _save_notes(diag: Diagnostics) -> list[str]:
    tr = diag.tr
    out = []
    if diag.markers_off:
        listed = "; ".join(
            f"{marker_label(m, tr=tr)} ({tr.t(f'diagnostics.off_reason.{why}')})"
            for m, why in diag.markers_off.items()
        )
        out.append(d.note_html(tr.t("diagnostics.save.markers_off", list=listed)))
    if diag.p_alive_note:
        out.append(d.note_html(tr.t(
            "diagnostics.p_alive_unavailable",
            reason=tr.t(f"diagnostics.p_alive_{diag.p_alive_note}"))))
    short = int((diag.early["history"] != HISTORY_OK).sum())
    if short:
        days = int(diag.early.attrs.get("recent_days", 90)) + 90
        out.append(d.note_html(tr.t("diagnostics.save.short_history", count=short, days=days)))
    return out


def section_backtest(diag: Diagnostics):
    """How well the warning signs work: lift, precision and recall of the back-test, in
    plain words, with a chart and the figures per warning sign."""
    tr = diag.tr
    parts = [heading("rl-dx-backtest", tr.t("diagnostics.headings.backtest"))]
    bt = diag.backtest
    if bt is None and diag.backtest_off is not None:
        off = diag.backtest_off
        parts.append(d.paragraphs_html([tr.t(
            "diagnostics.backtest.left_out", date=tr.date(pd.Timestamp(off["at"])),
            horizon=tr.date(pd.Timestamp(off["horizon_end"])), needed=off["needed_days"],
            days=off["follow_up_days"])]))
        return wrap(*parts)
    if bt is None:
        parts.append(d.paragraphs_html([tr.t("diagnostics.backtest.no_lift",
                                             date=tr.date(diag.as_of))]))
        return wrap(*parts)
    sentences = []
    if math.isnan(bt.lift):
        sentences.append(tr.t("diagnostics.backtest.no_lift", date=tr.date(bt.at)))
    else:
        sentences.append(tr.t(
            "diagnostics.backtest.sentence", date=tr.date(bt.at), flagged=bt.flagged,
            judged=bt.judged, days=bt.horizon_days,
            rate_flagged=tr.percent(bt.churn_rate_flagged, 0),
            rate_unflagged=tr.percent(bt.churn_rate_unflagged, 0),
            lift=tr.number(bt.lift, decimals=1)))
        sentences.append(tr.t(
            "diagnostics.backtest.precision_recall", precision=tr.percent(bt.precision, 0),
            per_ten=int(round(10 * bt.precision)), recall=tr.percent(bt.recall, 0)))
    if bt.provisional:
        sentences.append(tr.t("diagnostics.backtest.provisional", days=bt.follow_up_days))
    parts.append(d.paragraphs_html(sentences))
    parts.append(d.figure_html(plot_backtest(bt, tr=tr), alt=tr.t(
        "diagnostics.backtest.chart_alt", days=bt.horizon_days,
        rate_flagged=tr.percent(bt.churn_rate_flagged, 0),
        rate_unflagged=tr.percent(bt.churn_rate_unflagged, 0))))
    bm = bt.by_marker
    cols = {c: tr.t(f"diagnostics.backtest.cols.{c}") for c in
            ("marker", "fired", "churned", "churn_rate", "lift", "recall")}
    table = pd.DataFrame({
        cols["marker"]: [marker_label(m, tr=tr) for m in bm.index],
        cols["fired"]: bm["fired"].to_numpy(),
        cols["churned"]: bm["churned"].to_numpy(),
        cols["churn_rate"]: bm["churn_rate"].to_numpy(float),
        cols["lift"]: bm["lift"].to_numpy(float),
        cols["recall"]: bm["recall"].to_numpy(float),
    })
    parts.append(d.table_html(
        table, caption=tr.t("diagnostics.backtest.caption"),
        formats={cols["fired"]: tr.number, cols["churned"]: tr.number,
                 cols["churn_rate"]: lambda v: tr.percent(v, 0),
                 cols["lift"]: lambda v: tr.number(v, decimals=1),
                 cols["recall"]: lambda v: tr.percent(v, 0)},
        tr=tr,
    ))
    parts.append(d.note_html(tr.t("diagnostics.backtest.explain")))
    return wrap(*parts)


def _significance(row: pd.Series, tr: Translator) -> str:
    change, p = float(row["churn_change"]), float(row["p_value"])
    if math.isnan(change) or math.isnan(p):
        text = tr.t("diagnostics.events.not_measured")
    elif row["significant"] and change > 0:
        text = tr.t("diagnostics.events.significant_up", p=tr.number(p, decimals=3))
    elif row["significant"] and change < 0:
        text = tr.t("diagnostics.events.significant_down", p=tr.number(p, decimals=3))
    else:
        text = tr.t("diagnostics.events.not_significant", p=tr.number(p, decimals=3))
    if row["expected"]:
        text = f"{text}; {tr.t('diagnostics.events.expected')}"
    return text


def _event_notes(impact: pd.DataFrame, tr: Translator) -> list[str]:
    """The notes of :func:`~retention_lib.analysis.events.event_impact`, rebuilt in ``tr``'s
    language
    from the frame and its ``attrs`` (same rules as the English ``note`` column)."""
    a = impact.attrs
    start, end, lapse = a.get("data_start"), a.get("data_end"), a.get("lapse_days", 365)
    if start is None or end is None:
        return []
    out = []
    for _, r in impact.iterrows():
        dt = r["date"]
        if pd.isna(dt):
            continue
        day = tr.short_date(dt)
        if dt <= start or dt >= end:
            out.append(tr.t("diagnostics.events.outside", date=day, start=tr.short_date(start),
                            end=tr.short_date(end)))
            continue
        if (r["before_start"] - start).days < lapse:
            out.append(tr.t("diagnostics.events.partial", date=day,
                            days=max((r["before_start"] - start).days, 0)))
        if r["after_end"] > end:
            out.append(tr.t("diagnostics.events.incomplete", date=day, end=tr.short_date(end)))
        elif (end - r["after_end"]).days < lapse:
            out.append(tr.t("diagnostics.events.provisional", date=day,
                            days=int((end - r["after_end"]).days)))
    return out


def section_events(diag: Diagnostics):
    """Company events: churn and revenue churn before vs after each event (table + chart),
    the significance in words, expected churn marked, out-of-range events reported."""
    tr = diag.tr
    parts = [heading("rl-dx-events", tr.t("diagnostics.headings.events"))]
    if diag.impact is None:
        parts.append(d.section_off("events", tr.t("diagnostics.headings.events"), tr=tr))
        return wrap(*parts)
    imp = diag.impact
    parts.append(d.figure_html(plot_event_impact(imp, tr=tr),
                               alt=tr.t("diagnostics.events.chart_alt")))
    c = {k: tr.t(f"diagnostics.events.cols.{k}") for k in
         ("date", "kind", "description", "churn_before", "churn_after", "churn_change",
          "revenue_churn_before", "revenue_churn_after", "significance")}
    table = pd.DataFrame({
        c["date"]: imp["date"].to_numpy(),
        c["kind"]: [tr.label("event_kind", k) for k in imp["kind"]],
        c["description"]: imp["description"].to_numpy(),
        c["churn_before"]: imp["churn_before"].to_numpy(float),
        c["churn_after"]: imp["churn_after"].to_numpy(float),
        c["churn_change"]: imp["churn_change"].to_numpy(float),
        c["revenue_churn_before"]: imp["revenue_churn_before"].to_numpy(float),
        c["revenue_churn_after"]: imp["revenue_churn_after"].to_numpy(float),
        c["significance"]: [_significance(r, tr) for _, r in imp.iterrows()],
    })
    pct = lambda v: tr.percent(v, 1)  # noqa: E731
    parts.append(d.table_html(
        table,
        caption=tr.t("diagnostics.events.caption", before=imp.attrs.get("months_before", 3),
                     after=imp.attrs.get("months_after", 3)),
        formats={c["date"]: date_or(tr, ""), c["churn_before"]: pct, c["churn_after"]: pct,
                 c["churn_change"]: lambda v: tr.points(100 * v),
                 c["revenue_churn_before"]: pct, c["revenue_churn_after"]: pct},
        tr=tr,
    ))
    notes = _event_notes(imp, tr)
    if notes:
        parts.append(d.paragraphs_html(notes, css_class="rl-note"))
    parts.append(d.note_html(tr.t("diagnostics.events.explain")))
    return wrap(*parts)


def section_winback(diag: Diagnostics, *, top: int = 25):
    """Customers to win back: the queue by win-back score, with the exit reason, the
    recommended action, the last contact and the owner manager."""
    tr = diag.tr
    parts = [heading("rl-dx-winback", tr.t("diagnostics.headings.winback"))]
    q = diag.queue
    months = int(round(q.attrs.get("within_days", 730) / 30.4375))
    if len(q):
        parts.append(d.paragraphs_html([tr.t(
            "diagnostics.winback.summary", count=len(q), months=months,
            value=diag.money(float(q["lost_revenue"].sum())),
            overdue=int(q["contact_overdue"].sum()))]))
        parts.append(winback_table(q, top=top, tr=tr, money=diag.money))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.winback.none", months=months)]))
    return wrap(*parts)


def section_won_back(diag: Diagnostics):
    """Customers won back per month (12 months), with their revenue."""
    tr = diag.tr
    wb = diag.won_back
    cols = {c: tr.t(f"diagnostics.won_back.cols.{c}") for c in ("month", "customers", "revenue")}
    table = pd.DataFrame({
        cols["month"]: [tr.month(p.to_timestamp()) for p in wb.index],
        cols["customers"]: wb["customers"].to_numpy(),
        cols["revenue"]: wb["revenue"].to_numpy(float),
    })
    w = diag.winback
    sentences = [tr.t("diagnostics.won_back.summary", month=tr.month(diag.as_of),
                      count=int(w["won_back"]), revenue=diag.money(float(w["won_back_revenue"])))]
    if diag.data_start is not None and len(wb):
        # a return needs a gap of more than lapse_days: none can be seen before this day
        first = diag.data_start + pd.Timedelta(days=diag.settings.lapse_days + 1)
        if first > wb.index[0].to_timestamp(how="start"):
            sentences.append(tr.t("diagnostics.won_back.needs_history",
                                  lapse=diag.settings.lapse_days,
                                  start=tr.date(diag.data_start), date=tr.date(first)))
    return wrap(
        heading("rl-dx-won-back", tr.t("diagnostics.headings.won_back")),
        d.paragraphs_html(sentences),
        d.table_html(table, caption=tr.t("diagnostics.won_back.caption"),
                     formats={cols["customers"]: tr.number, cols["revenue"]: diag.money},
                     tr=tr),
    )



def section_economics(diag: Diagnostics):
    """What retention is worth: the 12-month value of cutting churn and of saving the top
    of the at-risk list, with the assumptions printed next to the numbers."""
    tr = diag.tr
    s, sv = diag.scenario, diag.save
    parts = [heading("rl-dx-economics", tr.t("diagnostics.headings.economics"))]
    margin_key = "a_margin" if diag.margin_from_data else "a_margin_default"
    if s["churn_cut_points"] > 0:
        parts.append(d.paragraphs_html([
            tr.t("diagnostics.economics.scenario", rate=tr.percent(s["churn_rate"]),
                 new_rate=tr.percent(s["new_churn_rate"]),
                 points=points(s["churn_cut_points"], tr),
                 kept=int(round(s["customers_kept"])), customers=int(s["customers"]),
                 revenue=diag.money(s["revenue_kept"]), margin=diag.money(s["margin_kept"])),
            tr.t("diagnostics.economics.replacement",
                 multiplier=tr.number(s["acquisition_cost_multiplier"], decimals=None)),
        ]))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.economics.no_churn")]))
    parts.append(list_html(tr.t("diagnostics.economics.assumptions"), [
        tr.t("diagnostics.economics.a_customers", value=tr.number(int(s["customers"]))),
        tr.t("diagnostics.economics.a_avg_revenue", value=diag.money(s["revenue_per_customer"]),
             lost=tr.number(int(s["lost_customers"] or 0)),
             total=diag.money(lost_total(s))),
        tr.t(f"diagnostics.economics.{margin_key}", value=tr.percent(sv["margin_rate"], 0)),
        tr.t("diagnostics.economics.a_churn", value=tr.percent(s["churn_rate"])),
        tr.t("diagnostics.economics.a_cut", value=points(s["churn_cut_points"], tr)),
        tr.t("diagnostics.economics.a_multiplier",
             value=tr.number(s["acquisition_cost_multiplier"], decimals=None)),
    ]))
    if sv["customers"]:
        parts.append(d.paragraphs_html([tr.t(
            "diagnostics.economics.save", count=int(sv["customers"]),
            revenue=diag.money(sv["revenue_saved"]), margin=diag.money(sv["margin_saved"]))]))
        parts.append(list_html(tr.t("diagnostics.economics.assumptions"), [
            tr.t("diagnostics.economics.a_top_revenue", value=diag.money(sv["revenue_12m"])),
            tr.t("diagnostics.economics.a_value_at_risk", value=diag.money(sv["value_at_risk"])),
            tr.t("diagnostics.economics.a_save_rate", value=tr.percent(sv["save_rate"], 0)),
            tr.t(f"diagnostics.economics.{margin_key}", value=tr.percent(sv["margin_rate"], 0)),
        ]))
    return wrap(*parts)


def section_definitions(diag: Diagnostics):
    """How every figure of the page is defined (in the reader's language)."""
    tr = diag.tr
    attrs = diag.early.attrs
    weights = ", ".join(f"{marker_label(m, tr=tr)} {tr.number(w, decimals=2)}"
                        for m, w in DEFAULT_WEIGHTS.items())
    horizon = diag.backtest.horizon_days if diag.backtest is not None else 90
    before = diag.impact.attrs.get("months_before", 3) if diag.impact is not None else 3
    after = diag.impact.attrs.get("months_after", 3) if diag.impact is not None else 3
    args = {
        "markers": {"days": int(attrs.get("recent_days", 90))},
        "risk": {"threshold": tr.percent(0.35, 0), "weights": weights},
        "value_at_risk": {},
        "history": {"days": int(attrs.get("recent_days", 90)) + 90},
        "backtest": {"days": horizon},
        "lost": {"lapse_days": diag.settings.lapse_days},
        "won_back": {"lapse_days": diag.settings.lapse_days},
        "events": {"before": before, "after": after},
    }
    defs = {tr.t(f"diagnostics.definitions.{k}.term"): tr.t(f"diagnostics.definitions.{k}.text",
                                                            **a)
            for k, a in args.items()}
    defs[tr.t("lists.winback.cols.expected_revenue")] = winback_formula(diag.queue, tr=tr)
    return wrap(heading("rl-dx-definitions", tr.t("diagnostics.headings.definitions")),
                 d.definitions_html(defs))

