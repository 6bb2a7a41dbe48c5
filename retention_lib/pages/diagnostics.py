"""Churn diagnostics: customers to save, back-test, event impact, win-back and economics.

:func:`build_diagnostics` computes, once, everything ``notebooks/churn_diagnostics.ipynb``
shows and returns a :class:`Diagnostics`; the ``section_*`` functions render one section each
as :class:`IPython.display.HTML` in the reader's language (one library call per notebook
cell). :func:`executive_save`, :func:`executive_winback` and :func:`scenario_sentence` are the
pieces of the executive report, :func:`diagnostics_metrics` the ``at_risk`` / ``backtest`` /
``winback`` sections of ``metrics.json``.

Definitions (each is printed in the "definitions" section)
----------------------------------------------------------
Report date
    ``as_of`` = the last day of ``period``; only data up to it is used.
Customers to save
    :func:`retention_lib.analysis.signals.early_warning` at ``as_of`` on every table present
    (markers
    of a missing table are switched off and named), value tiers at ``as_of`` from the
    settings, and the probability of being alive from
    ``retention_lib.pages.clv_core.p_alive_series`` when that function exists and the model is
    reliable (else the ``low_p_alive`` marker is off and the report says why). The list is
    :func:`~retention_lib.analysis.signals.at_risk_list`: flagged customers by value at risk.
Back-test
    :func:`retention_lib.analysis.backtest.backtest_markers` at
    :func:`~retention_lib.analysis.backtest.backtest_date` of the data up to ``as_of`` (horizon 90
    days), with every marker except ``low_p_alive`` (a probability computed at the back-test
    date would need a second model fit; it is left out of the back-test).
Event impact
    :func:`retention_lib.analysis.events.event_impact` with data up to ``as_of`` (3 months before /
    after).
Win-back queue
    :func:`retention_lib.analysis.winback.winback_queue` at ``as_of`` (losses in the last 730 days,
    yearly contact rule from ``settings.cadence["lost"]``), ordered by expected recoverable
    revenue (former revenue x recency x reason chance; ``p_alive`` shown beside, not
    multiplied: see :mod:`retention_lib.analysis.winback`). Won back per month:
    :func:`retention_lib.analysis.winback.won_back_by_month` over the 12 months ending at ``as_of``.
Economics
    :func:`retention_lib.analysis.economics.retention_scenario` with: customers = the churn base
    (customers active 12 months before ``as_of``); the revenue of a customer kept = the
    average revenue the customers lost in those 12 months brought in their last year
    (:func:`retention_lib.analysis.churn.lost_customers`, ``lost_revenue``: issue 18, point 8; the
    average active customer's revenue overstated it, the leavers being smaller); margin rate
    = sum of ``margin`` / sum of ``amount`` of the last 12 months when the transactions carry
    a margin, else ``settings.extra["margin_rate"]`` (default 0.25, printed as an
    assumption); churn = the 12-month customer churn at ``as_of``; cut =
    ``settings.extra["churn_cut_points"]`` (0.05); acquisition cost multiplier =
    ``settings.extra["acquisition_cost_multiplier"]`` (5). Saving the top:
    :func:`retention_lib.analysis.economics.save_top_value` of the top
    ``settings.extra["save_top"]`` (15) at-risk customers with
    ``settings.extra["save_rate"]`` (0.3).

Computing once
--------------
:func:`build_diagnostics` is a :func:`~retention_lib.caching.memo.cached_build` builder with
``per_dataset=True``: its result is kept per run (the report runner's cache) or per dataset
object, period and settings (an analyst's session). The executive pieces and
:func:`diagnostics_metrics` take an optional prebuilt ``diagnostics=`` and otherwise use
that cache, so calling them one after another in the monthly notebook computes everything
once. A different ``lang`` reuses the same figures with another translator. Inside one build
the churn set-up of the transactions is shared by every churn call
(:func:`retention_lib.analysis.churn.shared_history`) and the id columns of the contacts, signals
and
usage are factorized once (:func:`retention_lib.analysis.signals.shared_inputs`); the figures are
the
same as without them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import periods
from ..analysis.backtest import Backtest, backtest_date, backtest_markers, backtest_metrics
from ..analysis.shared import rows_until
from ..analysis.signals import (
    DEFAULT_WEIGHTS,
    HISTORY_OK,
    MARKERS,
    at_risk_list,
    at_risk_metrics,
    early_warning,
    marker_label,
    marker_sentences,
    shared_inputs,
)
from ..caching.memo import cached_build
from ..config import DEFAULT_SETTINGS, Settings
from ..i18n import Translator, code_key, get_translator
from ..present import display as d
from . import clv_core
from .context import report_days, resolve_period, settings_of

__all__ = [
    "DIAGNOSTICS_SECTIONS",
    "Diagnostics",
    "build_diagnostics",
    "diagnostics_for",
    "diagnostics_metrics",
    "executive_save",
    "executive_winback",
    "advice_legend",
    "scenario_sentence",
    "section_backtest",
    "section_definitions",
    "section_economics",
    "section_events",
    "section_header",
    "section_save",
    "section_winback",
    "section_won_back",
    "winback_formula",
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

_EXTRA_DEFAULTS = {
    "margin_rate": 0.25,
    "acquisition_cost_multiplier": 5.0,
    "churn_cut_points": 0.05,
    "save_rate": 0.3,
    "save_top": 15,
}
_TOP = 15


@dataclass
class Diagnostics:
    """Everything the churn-diagnostics page shows, computed once by :func:`build_diagnostics`.

    Attributes (tables are new frames; amounts in ``currency``; data hold English codes)
    ----------
    period, as_of, previous_end
        ``"2026-10"``, the month's last day, the previous month's last day.
    company, currency, settings
        Display name, ISO currency code, the settings used.
    early
        :func:`~retention_lib.analysis.signals.early_warning` frame of every active customer.
    at_risk
        :func:`~retention_lib.analysis.signals.at_risk_list`: flagged customers by value at risk.
    markers_off
        Marker → reason code for the markers switched off for lack of data (``contacts``,
        ``signals``, ``usage``, ``p_alive``); markers not requested are not listed.
    backtest
        :class:`~retention_lib.analysis.backtest.Backtest`, or ``None`` when the data are too short.
    backtest_off
        Why the back-test was left out when there are fewer than ``lapse_days`` of data
        after its horizon (``reason``, ``at``, ``horizon_end``, ``follow_up_days``,
        ``needed_days``); ``None`` otherwise.
    impact
        :func:`~retention_lib.analysis.events.event_impact` frame, or ``None`` without ``events``.
    queue
        :func:`~retention_lib.analysis.winback.winback_queue` frame.
    won_back
        :func:`~retention_lib.analysis.winback.won_back_by_month` over the 12 months to ``as_of``:
        index ``month`` (Period), ``customers``, ``revenue``.
    winback
        :func:`~retention_lib.analysis.winback.winback_metrics` of the report month.
    scenario, save
        :func:`~retention_lib.analysis.economics.retention_scenario` and
        :func:`~retention_lib.analysis.economics.save_top_value` dicts.
    margin_from_data
        Whether the margin rate came from the transactions (else it is an assumption).
    p_alive_used, p_alive_note
        Whether the probability of being alive was used; otherwise ``"missing"`` (no CLV
        function) or ``"unreliable"`` (the model said no), ``""`` when used or passed in.
    tr
        :class:`~retention_lib.i18n.Translator` of the page's language.
    """

    period: str
    as_of: pd.Timestamp
    previous_end: pd.Timestamp
    company: str
    currency: str
    settings: Settings
    early: pd.DataFrame
    at_risk: pd.DataFrame
    markers_off: dict[str, str]
    backtest: Backtest | None
    impact: pd.DataFrame | None
    queue: pd.DataFrame
    won_back: pd.DataFrame
    winback: dict[str, Any]
    scenario: dict[str, Any]
    save: dict[str, Any]
    margin_from_data: bool
    p_alive_used: bool = False
    p_alive_note: str = ""
    tr: Translator = field(default_factory=lambda: get_translator("en"))
    backtest_off: dict[str, Any] | None = None
    #: The first transaction date (what the history-dependent sections can measure from).
    data_start: pd.Timestamp | None = None

    def money(self, value: float) -> str:
        """An amount in the page's currency and language (whole units)."""
        return self.tr.money(value, self.currency)


# --------------------------------------------------------------------------- building


def _extra(settings: Settings, key: str) -> Any:
    return settings.extra.get(key, _EXTRA_DEFAULTS[key])


def _p_alive(dataset, period: str, settings: Settings) -> tuple[pd.Series | None, str]:
    """The CLV helper's probability of being alive, or ``None`` and why not."""
    try:
        series = clv_core.p_alive_series(dataset, period=period, settings=settings)
    except (ImportError, AttributeError):
        return None, "missing"
    return (series, "") if series is not None else (None, "unreliable")


def _margin_rate(tx: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> tuple[float, bool]:
    if "margin" in tx.columns:
        last = tx.loc[(tx["date"] > as_of - pd.Timedelta(days=365)).to_numpy(bool)]
        amount = float(last["amount"].sum())
        if last["margin"].notna().any() and amount > 0:
            return min(max(float(last["margin"].sum()) / amount, 0.0), 1.0), True
    return float(_extra(settings, "margin_rate")), False


@cached_build("diagnostics", per_dataset=True)
def build_diagnostics(
    dataset,
    *,
    period: str = "",
    settings: Settings | None = None,
    lang: str | None = None,
    p_alive: pd.Series | None = None,
) -> Diagnostics:
    """Compute every table of the churn-diagnostics page for ``period`` (see module doc).

    Parameters
    ----------
    dataset
        A :class:`retention_lib.data.io.Dataset` (only ``transactions`` is required; ``customers``,
        ``contacts``, ``signals``, ``usage``, ``surveys``, ``events`` switch on their parts).
    period
        ``"YYYY-MM"``; empty: the last complete month.
    settings
        Defaults to ``dataset.settings``; ``settings.extra`` may hold ``margin_rate``,
        ``acquisition_cost_multiplier``, ``churn_cut_points``, ``save_rate``, ``save_top``.
    lang
        en, ru or uk (default ``settings.language``): only the words change.
    p_alive
        Probability of being alive at ``as_of`` (Series indexed by ``customer_id``); default:
        ``retention_lib.pages.clv_core.p_alive_series`` when it exists.

    Returns
    -------
    Diagnostics
    """
    from ..analysis import churn
    from ..analysis.customer_days import shared_customer_codes

    # the churn set-up (ids sorted per customer and day) is shared by every churn call
    # below that is given the same ``tx`` / customers objects; the transaction ids are
    # factorized once (value tiers, both early-warning runs, the back-test's future) and
    # the id columns of contacts / signals / usage and customers are factorized and matched
    # to them once for both early-warning runs (report date and back-test date); results
    # are identical
    with churn.shared_history(), shared_customer_codes(), shared_inputs():
        return _build_diagnostics(dataset, period=period, settings=settings, lang=lang,
                                  p_alive=p_alive)


def _build_diagnostics(
    dataset, *, period: str, settings: Settings | None, lang: str | None,
    p_alive: pd.Series | None,
) -> Diagnostics:
    """The work of :func:`build_diagnostics` (inside a shared churn history block)."""
    from ..analysis import churn, tiers
    from ..analysis.economics import retention_scenario, save_top_value
    from ..analysis.events import event_impact
    from ..analysis.winback import winback_metrics, winback_queue, won_back_by_month

    settings = settings or getattr(dataset, "settings", None) or DEFAULT_SETTINGS
    tr = get_translator(lang or settings.language)
    period = resolve_period(dataset, period)
    as_of, prev_end, _ = report_days(dataset, period)
    tx = rows_until(dataset.transactions, as_of)
    if tx.empty:
        raise ValueError(f"period {period}: no transactions on or before {as_of.date()}")
    get = {name: (getattr(dataset, name) if dataset.has(name) else None)
           for name in ("customers", "contacts", "signals", "usage", "surveys", "events")}
    cust = get["customers"]
    lapse = settings.lapse_days

    note = ""
    given = p_alive is not None
    if not given:
        p_alive, note = _p_alive(dataset, period, settings)
    value_tiers = tiers.value_tiers(
        tx, as_of=as_of, window_days=settings.tier_window_days, a_share=settings.tier_a_share,
        b_share=settings.tier_b_share, vip_share=settings.vip_share, vip_ids=settings.vip_ids,
    )
    early = early_warning(
        tx, as_of=as_of, customers=cust, contacts=get["contacts"], signals=get["signals"],
        usage=get["usage"], tiers=value_tiers, p_alive=p_alive, lapse_days=lapse,
    )
    off_codes = {"contacts_down": "contacts", "complaints_up": "signals",
                 "competitor_interest": "signals", "not_using": "usage",
                 "low_p_alive": "p_alive"}
    markers_off = {m: off_codes[m] for m, why in early.attrs["markers_off"].items()
                   if why != "not requested"}

    backtest, backtest_off = None, None
    try:
        at = backtest_date(tx, lapse_days=lapse)
        backtest = backtest_markers(
            tx, at=at, customers=cust, contacts=get["contacts"], signals=get["signals"],
            usage=get["usage"], lapse_days=lapse, data_end=as_of,
            markers=[m for m in MARKERS if m != "low_p_alive"],
        )
    except ValueError:  # data too short for a back-test: reported, not fatal
        backtest = None
    if backtest is not None and backtest.provisional:
        # fewer than lapse_days of data after the horizon: "stopped buying" cannot be told
        # from "not yet back", so the back-test is left out with the reason, not shown
        backtest_off = {"reason": "follow_up_too_short", "at": backtest.at.date().isoformat(),
                        "horizon_end": backtest.horizon_end.date().isoformat(),
                        "follow_up_days": int(backtest.follow_up_days),
                        "needed_days": int(lapse)}
        backtest = None

    impact = None
    if get["events"] is not None:
        impact = event_impact(get["events"], transactions=tx, customers=cust, lapse_days=lapse)

    lost_rule = settings.cadence.get("lost")
    queue = winback_queue(
        tx, as_of=as_of, customers=cust, surveys=get["surveys"], contacts=get["contacts"],
        p_alive=p_alive, lapse_days=lapse,
        contact_every_days=None if lost_rule is None else lost_rule.call_days,
        reason_keywords=settings.reason_keywords,
    )
    won_back = won_back_by_month(tx, end=as_of, months=12, lapse_days=lapse, customers=cust)
    winback = winback_metrics(queue, tx, start=prev_end, end=as_of, lapse_days=lapse,
                              customers=cust)

    rate = churn.churn_rate(tx, end=as_of, lapse_days=lapse, customers=cust).loc["all"]
    churn_now = float(rate["customer_churn"])
    margin_rate, from_data = _margin_rate(tx, as_of, settings)
    lost12 = churn.lost_customers(tx, end=as_of, lapse_days=lapse, customers=cust)
    scenario = retention_scenario(
        customers=int(rate["active_start"]), avg_revenue=0.0, margin_rate=margin_rate,
        lost_customers=len(lost12), lost_revenue=float(lost12["lost_revenue"].sum()),
        churn_rate=0.0 if math.isnan(churn_now) else churn_now,
        churn_cut_points=float(_extra(settings, "churn_cut_points")),
        acquisition_cost_multiplier=float(_extra(settings, "acquisition_cost_multiplier")),
        currency=settings.currency,
    )
    save = save_top_value(early, top=int(_extra(settings, "save_top")),
                          save_rate=float(_extra(settings, "save_rate")),
                          margin_rate=margin_rate, currency=settings.currency)

    diag = Diagnostics(
        period=period, as_of=as_of, previous_end=prev_end, company=settings.company_name,
        currency=settings.currency, settings=settings, early=early,
        at_risk=at_risk_list(early), markers_off=markers_off, backtest=backtest,
        backtest_off=backtest_off,
        impact=impact, queue=queue, won_back=won_back, winback=winback, scenario=scenario,
        save=save, margin_from_data=from_data, p_alive_used=p_alive is not None,
        p_alive_note=note, tr=tr, data_start=pd.Timestamp(tx["date"].min()).normalize(),
    )
    return diag


def _diagnostics(
    dataset, *, period: str, settings: Settings | None, lang: str | None,
    diagnostics: Diagnostics | None,
) -> Diagnostics:
    """A prebuilt or cached :class:`Diagnostics` in ``lang`` (built when needed)."""
    settings = settings_of(dataset, settings)
    diag = diagnostics
    if diag is None:
        # built in the settings' language whatever ``lang`` is (only the words differ): one
        # build per dataset and period, under the run-cache key of the report runner's call
        # (which may have run in a worker process)
        diag = build_diagnostics(dataset, period=resolve_period(dataset, period),
                                 settings=settings, lang=settings.language)
    want = lang or settings.language
    return diag if diag.tr.lang == want else dataclasses.replace(diag,
                                                                 tr=get_translator(want))


def diagnostics_for(
    dataset, *, period: str, settings: Settings | None = None, lang: str | None = None,
) -> Diagnostics:
    """The churn diagnostics of ``period`` in ``lang``, built once per run: the cached
    report of the executive blocks (:func:`executive_save`, :func:`executive_winback`),
    for other pages that read it (the executive page's actions)."""
    return _diagnostics(dataset, period=period, settings=settings, lang=lang,
                        diagnostics=None)


# --------------------------------------------------------------------------- metrics


def _num(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return None if math.isnan(v) or math.isinf(v) else v


def diagnostics_metrics(
    dataset, *, period: str, settings: Settings | None = None,
    diagnostics: Diagnostics | None = None,
) -> dict[str, Any]:
    """The ``economics``, ``at_risk``, ``backtest`` and ``winback`` sections of
    ``metrics.json``.

    Returns
    -------
    dict
        ``economics``: ``churn_cut_points`` (the cut applied, a share), ``churn_rate``,
        ``churn_base`` (int: customers active 12 months ago), ``customers_kept``,
        ``revenue_kept``, ``margin_kept``, ``margin_rate`` (float), ``margin_from_data``
        (bool), ``lost_customers_12m`` (int), ``lost_revenue_12m`` (float: the lost
        customers' revenue in their last year, what ``revenue_kept`` is drawn from),
        ``revenue_per_customer_kept`` (float), ``basis`` (``"lost"``);
        ``at_risk``: ``customers_flagged`` (int), ``value_at_risk`` (float), ``active``,
        ``not_enough_history`` (int), ``markers_off`` (sorted list of marker codes);
        ``backtest``: ``lift``, ``precision``, ``recall`` (float or ``None``),
        ``horizon_days`` (int), ``as_of`` (ISO date), ``provisional`` (bool), ``judged``,
        ``flagged`` (int) -- or ``None`` when the data are too short;
        ``winback``: ``queue_size``, ``contact_overdue`` (int), ``queue_lost_revenue``
        (float), ``won_back_this_month`` (int), ``won_back_this_month_revenue`` (float).
        Identical in every language (plain numbers, dates and English codes).
    """
    diag = _diagnostics(dataset, period=period, settings=settings, lang=None,
                        diagnostics=diagnostics)
    ar = at_risk_metrics(diag.early)
    bt = None
    if diag.backtest is not None:
        m = backtest_metrics(diag.backtest)
        bt = {
            "lift": _num(m["lift"]), "precision": _num(m["precision"]),
            "recall": _num(m["recall"]), "horizon_days": int(m["horizon_days"]),
            "as_of": m["at"], "provisional": bool(m["provisional"]),
            "judged": int(m["judged"]), "flagged": int(m["flagged"]),
        }
    w = diag.winback
    s = diag.scenario
    return {
        "economics": {
            "churn_cut_points": float(s["churn_cut_points"]),
            "churn_rate": float(s["churn_rate"]),
            "churn_base": int(s["customers"]),
            "customers_kept": float(s["customers_kept"]),
            "revenue_kept": float(s["revenue_kept"]),
            "margin_kept": float(s["margin_kept"]),
            "margin_rate": float(diag.save["margin_rate"]),
            "margin_from_data": bool(diag.margin_from_data),
            "lost_customers_12m": s["lost_customers"],
            "lost_revenue_12m": _num(s["lost_revenue_12m"]),
            "revenue_per_customer_kept": float(s["revenue_per_customer"]),
            "basis": s["basis"],
        },
        "at_risk": {
            "customers_flagged": int(ar["flagged"]),
            "value_at_risk": float(ar["value_at_risk"]),
            "active": int(ar["active_customers"]),
            "not_enough_history": int(ar["not_enough_history"]),
            "markers_off": sorted(diag.markers_off),
        },
        "backtest": bt,
        "backtest_left_out": diag.backtest_off,
        "winback": {
            "queue_size": int(w["queue_size"]),
            "contact_overdue": int(w["contact_overdue"]),
            "queue_lost_revenue": float(w["queue_lost_revenue"]),
            "won_back_this_month": int(w["won_back"]),
            "won_back_this_month_revenue": float(w["won_back_revenue"]),
        },
    }


# --------------------------------------------------------------------------- display helpers


def _wrap(*parts: str):
    return d.html("".join(parts))


def _heading(anchor: str, text: str) -> str:
    return f'<div class="rl-report"><h2 id="{d.escape(anchor)}">{d.escape(text)}</h2></div>'


def _list_html(title: str, items: Iterable[str]) -> str:
    body = "".join(f"<li>{d.escape(i)}</li>" for i in items)
    return (f'<div class="rl-report"><p class="rl-note"><strong>{d.escape(title)}</strong></p>'
            f'<ul class="rl-note">{body}</ul></div>')


def _date_or(tr: Translator, empty: str):
    return lambda v: empty if pd.isna(v) else tr.short_date(v)


def _action(category: str, english: str, tr: Translator) -> str:
    key = f"action.{code_key(category)}"
    return tr.t(key) if tr.has(key) else english


def _save_table(diag: Diagnostics, top: int) -> str:
    tr = diag.tr
    rows = diag.at_risk.head(top)
    cols = {c: tr.t(f"diagnostics.save.cols.{c}") for c in
            ("name", "manager", "tier", "revenue_12m", "risk", "value_at_risk", "markers")}
    frame = pd.DataFrame({
        cols["name"]: rows["name"].astype(str).to_numpy(),
        cols["manager"]: [tr.label("manager", m) for m in rows["manager"]],
        cols["tier"]: [tr.label("tier", t) if t else "" for t in rows["tier"]],
        cols["revenue_12m"]: rows["revenue_12m"].to_numpy(float),
        cols["risk"]: rows["risk_score"].to_numpy(float),
        cols["value_at_risk"]: rows["value_at_risk"].to_numpy(float),
        cols["markers"]: ["; ".join(marker_sentences(f, tr=tr)) for f in rows["marker_facts"]],
    })
    return d.table_html(
        frame, caption=tr.t("diagnostics.save.caption", top=top),
        formats={cols["revenue_12m"]: diag.money, cols["value_at_risk"]: diag.money,
                 cols["risk"]: lambda v: tr.percent(v, 0)},
        tr=tr,
    )


def _winback_table(diag: Diagnostics, top: int) -> str:
    """The top of the win-back queue by expected recoverable revenue, then the advice once
    per exit reason shown (a legend), the gesture for any win-back and how the expected
    revenue is computed."""
    tr = diag.tr
    q = diag.queue.head(top)
    cols = {c: tr.t(f"diagnostics.winback.cols.{c}") for c in
            ("name", "manager", "lost_on", "lost_revenue", "reason", "last_contact")}
    cols["chance"] = tr.t("lists.winback.cols.chance")
    cols["expected"] = tr.t("lists.winback.cols.expected_revenue")
    frame = pd.DataFrame({
        cols["name"]: q["name"].astype(str).to_numpy(),
        cols["manager"]: [tr.label("manager", m) for m in q["manager"]],
        cols["lost_on"]: q["lost_on"].to_numpy(),
        cols["lost_revenue"]: q["lost_revenue"].to_numpy(float),
        cols["reason"]: [tr.label("reason", c) for c in q["reason_category"]],
        cols["chance"]: q["score"].to_numpy(float),
        cols["expected"]: q["expected_revenue"].to_numpy(float),
        cols["last_contact"]: q["last_contact"].to_numpy(),
    })
    table = d.table_html(
        frame, caption=tr.t("lists.winback.caption", top=min(top, len(q))),
        formats={cols["lost_on"]: _date_or(tr, ""), cols["lost_revenue"]: diag.money,
                 cols["last_contact"]: _date_or(tr, tr.t("diagnostics.winback.never")),
                 cols["chance"]: lambda v: tr.percent(v, 0),
                 cols["expected"]: diag.money},
        tr=tr,
    )
    return table + advice_legend(q["reason_category"], tr=tr) + d.note_html(
        winback_formula(diag.queue, tr=tr))


def advice_legend(categories: Iterable[str], *, tr: Translator) -> str:
    """What to do, once per exit reason (in the order the reasons first appear), and the
    gesture that goes with any win-back: an HTML definition list.

    The advice follows the source articles reason by reason (catalog ``action.<category>``,
    ``action.any``)."""
    seen = list(dict.fromkeys(str(c) for c in categories))
    if not seen:
        return ""
    items = [(tr.label("reason", c), _action(c, "", tr)) for c in seen]
    items.append((tr.t("lists.winback.any_reason"), tr.t("action.any")))
    return (f'<div class="rl-report"><p class="rl-note"><strong>'
            f'{d.escape(tr.t("lists.winback.advice_title"))}</strong></p></div>'
            + d.definitions_html(items))


def winback_formula(queue: pd.DataFrame, *, tr: Translator) -> str:
    """One sentence: how the chance and the expected recoverable revenue are computed, with
    the queue's own window and reason chances."""
    from ..analysis.winback import REASON_CHANCE

    ch = dict(queue.attrs.get("reason_chance", REASON_CHANCE))
    pct = lambda v: tr.percent(float(v), 0)  # noqa: E731
    chances = tr.t("lists.winback.chances", fixable=pct(ch.get("price", 1.0)),
                   unknown=pct(ch.get("unknown", 0.5)),
                   uncontrollable=pct(ch.get("uncontrollable", 0.0)))
    alive = tr.t("lists.winback.alive") if queue.attrs.get("p_alive_used") else ""
    return tr.t("lists.winback.formula", days=int(queue.attrs.get("within_days", 730)),
                chances=chances, alive=alive)


# --------------------------------------------------------------------------- sections


def section_header(diag: Diagnostics):
    """Styles (once), the title (company, period, data as of) and the table of contents."""
    tr = diag.tr
    items = "".join(
        f'<li><a href="#{d.escape(a)}">{d.escape(tr.t(k))}</a></li>'
        for a, k in DIAGNOSTICS_SECTIONS
    )
    toc = tr.t("diagnostics.toc_title")
    return _wrap(
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
    parts = [_heading("rl-dx-save", tr.t("diagnostics.headings.save"))]
    n = len(diag.at_risk)
    if n:
        parts.append(d.paragraphs_html([tr.t(
            "diagnostics.save.summary", count=n, active=len(diag.early),
            value=diag.money(float(diag.at_risk["value_at_risk"].sum())))]))
        parts.append(_save_table(diag, top))
        if n > top:
            parts.append(d.note_html(tr.t("lists.save_more", count=n - top)))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.save.none")]))
    parts.extend(_save_notes(diag))
    if len(diag.early):
        from ..present.diagnostics_plots import plot_marker_counts

        on = diag.early.attrs.get("markers_on", list(MARKERS))
        counts = {m: int(diag.early[m].sum()) for m in on}
        best = max(counts, key=counts.get) if counts else None
        alt = tr.t("diagnostics.save.chart_alt",
                   top=marker_label(best, tr=tr) if best else "-",
                   count=counts.get(best, 0) if best else 0)
        parts.append(d.figure_html(plot_marker_counts(diag.early, tr=tr), alt=alt))
    return _wrap(*parts)


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
    parts = [_heading("rl-dx-backtest", tr.t("diagnostics.headings.backtest"))]
    bt = diag.backtest
    if bt is None and diag.backtest_off is not None:
        off = diag.backtest_off
        parts.append(d.paragraphs_html([tr.t(
            "diagnostics.backtest.left_out", date=tr.date(pd.Timestamp(off["at"])),
            horizon=tr.date(pd.Timestamp(off["horizon_end"])), needed=off["needed_days"],
            days=off["follow_up_days"])]))
        return _wrap(*parts)
    if bt is None:
        parts.append(d.paragraphs_html([tr.t("diagnostics.backtest.no_lift",
                                             date=tr.date(diag.as_of))]))
        return _wrap(*parts)
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
    from ..present.diagnostics_plots import plot_backtest

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
    return _wrap(*parts)


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
    parts = [_heading("rl-dx-events", tr.t("diagnostics.headings.events"))]
    if diag.impact is None:
        parts.append(d.section_off("events", tr.t("diagnostics.headings.events"), tr=tr))
        return _wrap(*parts)
    imp = diag.impact
    from ..present.diagnostics_plots import plot_event_impact

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
        formats={c["date"]: _date_or(tr, ""), c["churn_before"]: pct, c["churn_after"]: pct,
                 c["churn_change"]: lambda v: tr.points(100 * v),
                 c["revenue_churn_before"]: pct, c["revenue_churn_after"]: pct},
        tr=tr,
    ))
    notes = _event_notes(imp, tr)
    if notes:
        parts.append(d.paragraphs_html(notes, css_class="rl-note"))
    parts.append(d.note_html(tr.t("diagnostics.events.explain")))
    return _wrap(*parts)


def section_winback(diag: Diagnostics, *, top: int = 25):
    """Customers to win back: the queue by win-back score, with the exit reason, the
    recommended action, the last contact and the owner manager."""
    tr = diag.tr
    parts = [_heading("rl-dx-winback", tr.t("diagnostics.headings.winback"))]
    q = diag.queue
    months = int(round(q.attrs.get("within_days", 730) / 30.4375))
    if len(q):
        parts.append(d.paragraphs_html([tr.t(
            "diagnostics.winback.summary", count=len(q), months=months,
            value=diag.money(float(q["lost_revenue"].sum())),
            overdue=int(q["contact_overdue"].sum()))]))
        parts.append(_winback_table(diag, top))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.winback.none", months=months)]))
    return _wrap(*parts)


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
    return _wrap(
        _heading("rl-dx-won-back", tr.t("diagnostics.headings.won_back")),
        d.paragraphs_html(sentences),
        d.table_html(table, caption=tr.t("diagnostics.won_back.caption"),
                     formats={cols["customers"]: tr.number, cols["revenue"]: diag.money},
                     tr=tr),
    )


def _points(value: float, tr: Translator) -> str:
    return tr.t("common.points", value=tr.number(100 * value, decimals=1))


def _lost_total(scenario: dict[str, Any]) -> float:
    """The lost customers' revenue the scenario is drawn from (0 when not given)."""
    total = scenario.get("lost_revenue_12m")
    return 0.0 if total is None or math.isnan(total) else max(float(total), 0.0)


def section_economics(diag: Diagnostics):
    """What retention is worth: the 12-month value of cutting churn and of saving the top
    of the at-risk list, with the assumptions printed next to the numbers."""
    tr = diag.tr
    s, sv = diag.scenario, diag.save
    parts = [_heading("rl-dx-economics", tr.t("diagnostics.headings.economics"))]
    margin_key = "a_margin" if diag.margin_from_data else "a_margin_default"
    if s["churn_cut_points"] > 0:
        parts.append(d.paragraphs_html([
            tr.t("diagnostics.economics.scenario", rate=tr.percent(s["churn_rate"]),
                 new_rate=tr.percent(s["new_churn_rate"]),
                 points=_points(s["churn_cut_points"], tr),
                 kept=int(round(s["customers_kept"])), customers=int(s["customers"]),
                 revenue=diag.money(s["revenue_kept"]), margin=diag.money(s["margin_kept"])),
            tr.t("diagnostics.economics.replacement",
                 multiplier=tr.number(s["acquisition_cost_multiplier"], decimals=None)),
        ]))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.economics.no_churn")]))
    parts.append(_list_html(tr.t("diagnostics.economics.assumptions"), [
        tr.t("diagnostics.economics.a_customers", value=tr.number(int(s["customers"]))),
        tr.t("diagnostics.economics.a_avg_revenue", value=diag.money(s["revenue_per_customer"]),
             lost=tr.number(int(s["lost_customers"] or 0)),
             total=diag.money(_lost_total(s))),
        tr.t(f"diagnostics.economics.{margin_key}", value=tr.percent(sv["margin_rate"], 0)),
        tr.t("diagnostics.economics.a_churn", value=tr.percent(s["churn_rate"])),
        tr.t("diagnostics.economics.a_cut", value=_points(s["churn_cut_points"], tr)),
        tr.t("diagnostics.economics.a_multiplier",
             value=tr.number(s["acquisition_cost_multiplier"], decimals=None)),
    ]))
    if sv["customers"]:
        parts.append(d.paragraphs_html([tr.t(
            "diagnostics.economics.save", count=int(sv["customers"]),
            revenue=diag.money(sv["revenue_saved"]), margin=diag.money(sv["margin_saved"]))]))
        parts.append(_list_html(tr.t("diagnostics.economics.assumptions"), [
            tr.t("diagnostics.economics.a_top_revenue", value=diag.money(sv["revenue_12m"])),
            tr.t("diagnostics.economics.a_value_at_risk", value=diag.money(sv["value_at_risk"])),
            tr.t("diagnostics.economics.a_save_rate", value=tr.percent(sv["save_rate"], 0)),
            tr.t(f"diagnostics.economics.{margin_key}", value=tr.percent(sv["margin_rate"], 0)),
        ]))
    return _wrap(*parts)


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
    return _wrap(_heading("rl-dx-definitions", tr.t("diagnostics.headings.definitions")),
                 d.definitions_html(defs))


# --------------------------------------------------------------------------- executive report


def executive_save(
    dataset, *, period: str, settings: Settings | None = None, lang: str | None = None,
    diagnostics: Diagnostics | None = None, top: int = _TOP,
):
    """"Customers to save this month" for the executive report: the top ``top`` (15) at-risk
    customers by value at risk with their warning signs and manager (heading id
    ``rl-save``)."""
    diag = _diagnostics(dataset, period=period, settings=settings, lang=lang,
                        diagnostics=diagnostics)
    tr = diag.tr
    parts = [_heading("rl-save", tr.t("diagnostics.headings.executive_save"))]
    if len(diag.at_risk):
        parts.append(d.paragraphs_html([
            tr.t("diagnostics.save.summary", count=len(diag.at_risk), active=len(diag.early),
                 value=diag.money(float(diag.at_risk["value_at_risk"].sum()))),
            tr.t("diagnostics.executive.save_intro", top=min(top, len(diag.at_risk))),
        ]))
        parts.append(_save_table(diag, top))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.save.none")]))
    return _wrap(*parts)


def executive_winback(
    dataset, *, period: str, settings: Settings | None = None, lang: str | None = None,
    diagnostics: Diagnostics | None = None, top: int = _TOP,
):
    """"Customers to win back" for the executive report: the top ``top`` (15) of the win-back
    queue with reason, recommended action, last contact and manager (heading id
    ``rl-winback``)."""
    diag = _diagnostics(dataset, period=period, settings=settings, lang=lang,
                        diagnostics=diagnostics)
    tr = diag.tr
    q = diag.queue
    months = int(round(q.attrs.get("within_days", 730) / 30.4375))
    parts = [_heading("rl-winback", tr.t("diagnostics.headings.executive_winback"))]
    if len(q):
        parts.append(d.paragraphs_html([
            tr.t("diagnostics.winback.summary", count=len(q), months=months,
                 value=diag.money(float(q["lost_revenue"].sum())),
                 overdue=int(q["contact_overdue"].sum())),
            tr.t("diagnostics.executive.winback_intro", top=min(top, len(q))),
        ]))
        parts.append(_winback_table(diag, top))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.winback.none", months=months)]))
    return _wrap(*parts)


def scenario_sentence(
    dataset, *, period: str, settings: Settings | None = None, lang: str | None = None,
    diagnostics: Diagnostics | None = None,
) -> str:
    """One plain sentence for the verdict: what cutting churn by the configured points and
    saving the top of the at-risk list are worth over 12 months."""
    diag = _diagnostics(dataset, period=period, settings=settings, lang=lang,
                        diagnostics=diagnostics)
    tr, s, sv = diag.tr, diag.scenario, diag.save
    if s["churn_cut_points"] <= 0:
        return tr.t("diagnostics.economics.no_churn")
    if int(sv["customers"]) == 0:  # nobody at risk: say only what cutting churn is worth
        return tr.t("diagnostics.economics.verdict_no_save",
                    points=_points(s["churn_cut_points"], tr),
                    revenue=diag.money(s["revenue_kept"]), total=diag.money(_lost_total(s)))
    return tr.t("diagnostics.economics.verdict", points=_points(s["churn_cut_points"], tr),
                revenue=diag.money(s["revenue_kept"]), total=diag.money(_lost_total(s)),
                count=int(sv["customers"]),
                saved=diag.money(sv["revenue_saved"]))
