"""Churn diagnostics: customers to save, back-test, event impact, win-back and economics.

:func:`build_diagnostics` computes, once, everything ``notebooks/churn_diagnostics.ipynb``
shows and returns a :class:`Diagnostics` (the computations, one function per part of the page,
are in :mod:`retention_lib.pages.diagnostics_figures`); the ``section_*`` functions of
:mod:`retention_lib.pages.diagnostics_sections` render one section each as
:class:`IPython.display.HTML` in the reader's language (one library call per notebook cell).
What other pages read of it is here: :func:`executive_save`, :func:`executive_winback` and
:func:`scenario_sentence` are the pieces of the executive report, :func:`diagnostics_metrics`
the ``at_risk`` / ``backtest`` / ``winback`` sections of ``metrics.json``, and
:func:`diagnostics_for` the cached build for other pages.

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
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..analysis import churn
from ..analysis.backtest import Backtest, backtest_metrics
from ..analysis.customer_days import shared_customer_codes
from ..analysis.signals import at_risk_list, at_risk_metrics, shared_inputs
from ..caching.memo import cached_build
from ..config import Settings
from ..i18n import Translator, get_translator
from ..present import display as d
from . import diagnostics_figures as figures
from .context import month_rows, resolve_period, settings_of
from .diagnostics_tables import lost_total, points, save_table, winback_table
from .page_html import heading, wrap

__all__ = [
    "Diagnostics",
    "build_diagnostics",
    "diagnostics_for",
    "diagnostics_metrics",
    "executive_save",
    "executive_winback",
    "scenario_sentence",
]

#: Rows of the executive report's save and win-back tables.
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
    """The work of :func:`build_diagnostics` (inside a shared churn history block): one
    step of :mod:`~retention_lib.pages.diagnostics_figures` per part of the page."""
    settings = settings_of(dataset, settings)
    tr = get_translator(lang or settings.language)
    period, (as_of, prev_end, _), tx = month_rows(dataset, period)
    tables = figures.optional_tables(dataset)
    lapse = settings.lapse_days

    note = ""
    if p_alive is None:
        p_alive, note = figures.p_alive_of(dataset, period, settings)
    early, markers_off = figures.save_figures(tx, as_of=as_of, tables=tables,
                                              settings=settings, p_alive=p_alive)
    backtest, backtest_off = figures.backtest_figures(tx, as_of=as_of, tables=tables,
                                                      lapse_days=lapse)
    impact = figures.event_figures(tx, tables=tables, lapse_days=lapse)
    queue, won_back, winback = figures.winback_figures(
        tx, as_of=as_of, previous_end=prev_end, tables=tables, settings=settings,
        p_alive=p_alive)
    scenario, save, from_data = figures.economics_figures(
        tx, as_of=as_of, tables=tables, settings=settings, early=early)
    return Diagnostics(
        period=period, as_of=as_of, previous_end=prev_end, company=settings.company_name,
        currency=settings.currency, settings=settings, early=early,
        at_risk=at_risk_list(early), markers_off=markers_off, backtest=backtest,
        backtest_off=backtest_off,
        impact=impact, queue=queue, won_back=won_back, winback=winback, scenario=scenario,
        save=save, margin_from_data=from_data, p_alive_used=p_alive is not None,
        p_alive_note=note, tr=tr, data_start=pd.Timestamp(tx["date"].min()).normalize(),
    )


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
    parts = [heading("rl-save", tr.t("diagnostics.headings.executive_save"))]
    if len(diag.at_risk):
        parts.append(d.paragraphs_html([
            tr.t("diagnostics.save.summary", count=len(diag.at_risk), active=len(diag.early),
                 value=diag.money(float(diag.at_risk["value_at_risk"].sum()))),
            tr.t("diagnostics.executive.save_intro", top=min(top, len(diag.at_risk))),
        ]))
        parts.append(save_table(diag.at_risk, top=top, tr=tr, money=diag.money))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.save.none")]))
    return wrap(*parts)


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
    parts = [heading("rl-winback", tr.t("diagnostics.headings.executive_winback"))]
    if len(q):
        parts.append(d.paragraphs_html([
            tr.t("diagnostics.winback.summary", count=len(q), months=months,
                 value=diag.money(float(q["lost_revenue"].sum())),
                 overdue=int(q["contact_overdue"].sum())),
            tr.t("diagnostics.executive.winback_intro", top=min(top, len(q))),
        ]))
        parts.append(winback_table(q, top=top, tr=tr, money=diag.money))
    else:
        parts.append(d.paragraphs_html([tr.t("diagnostics.winback.none", months=months)]))
    return wrap(*parts)


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
                    points=points(s["churn_cut_points"], tr),
                    revenue=diag.money(s["revenue_kept"]), total=diag.money(lost_total(s)))
    return tr.t("diagnostics.economics.verdict", points=points(s["churn_cut_points"], tr),
                revenue=diag.money(s["revenue_kept"]), total=diag.money(lost_total(s)),
                count=int(sv["customers"]),
                saved=diag.money(sv["revenue_saved"]))
