"""The monthly executive report's figures: :class:`MonthlyReport` and :func:`build_monthly`.

:func:`build_monthly` computes, once, everything ``notebooks/monthly_report.ipynb`` shows (its
steps are in :mod:`~retention_lib.pages.monthly_steps`) and returns a :class:`MonthlyReport`.
The rest of the page reads it: :mod:`~retention_lib.pages.monthly_verdict` turns it into plain
words, :mod:`~retention_lib.pages.monthly_metrics` gives the JSON-serialisable headline figures
of ``metrics.json``, and the ``section_*`` functions of
:mod:`~retention_lib.pages.monthly_first_page` and :mod:`~retention_lib.pages.monthly_sections`
render one section each as HTML (one library call per notebook cell).
:mod:`~retention_lib.pages.customer_base` does the same for ``notebooks/customer_base.ipynb``.

Definitions used by the report (every one is printed in its "definitions" section)
-------------------------------------------------------------------------------
Period, as of
    The report month ``YYYY-MM``; ``as_of`` is its last day.  Only data up to ``as_of`` is
    used, so an older month can be reported from newer data.
Annual churn (customer / revenue)
    :func:`retention_lib.analysis.churn.churn_rate` over the 12 months ending at ``as_of``.
    "Previous month" is the same figure for the 12 months ending at the previous month end.
Lost this month
    Customers active at the previous month end whose ``lost_on`` falls in the report month
    (:func:`retention_lib.analysis.churn.lost_customers` over (previous month end, as_of]); their
    revenue is the lost revenue (365 days up to the last purchase).
Won back this month
    :func:`retention_lib.analysis.churn.won_back` over the report month; their revenue is the net
    revenue from the return through ``as_of``.
Churn by tier
    Tiers are those at the *start* of the 12-month window (customers lost during the window
    have no revenue at its end, so tiers at the end would put every lost customer in C).
Exit reasons
    Surveys of the customers lost in the 12-month window, ranked by count and by lost
    revenue; coverage = lost customers with a survey / lost customers.

Language
--------
Every word shown comes from the message catalog of ``settings.language`` (en, ru, uk) through
``report.tr`` (:class:`retention_lib.i18n.Translator`); numbers, money, percentages and dates
are formatted by locale (babel).  The computed tables hold English *codes* (statuses, tiers,
segments, reason categories) and are identical in every language; only the ``section_*`` and
``base_*`` functions translate.  Amounts are shown in whole currency units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import i18n, periods
from ..analysis import churn
from ..caching.memo import cached_build
from ..config import DEFAULT_SETTINGS, Settings
from ..i18n import Translator, get_translator
from ..present.quality_notes import quality_table
from .context import data_end, month_rows, settings_of
from .customer_tables import customer_info, tiers_at
from .monthly_steps import (
    Month,
    attribute_tables,
    churn_by_tier_and_manager,
    churn_figures,
    exit_reasons,
    lost_and_won,
    previous_month_figures,
    tier_and_segment_shares,
)

__all__ = ["MonthlyReport", "build_monthly", "format_money"]


def format_money(
    value: float, currency: str = DEFAULT_SETTINGS.currency, *, lang: str = "en"
) -> str:
    """An amount in whole currency units, by locale (babel, see :mod:`retention_lib.i18n`).

    ``41200.4, "EUR"`` → ``"€41,200"``; ``lang="ru"``: ``"41 200 €"``; a currency without a
    symbol in the locale shows its code: ``"CHF 12"``; NaN → ``"n/a"`` (``"н/д"``).
    """
    return i18n.format_money(value, currency, lang=lang, decimals=0)



@dataclass
class MonthlyReport:
    """Everything the executive report shows, computed once by :func:`build_monthly`.

    Attributes (tables are new frames; amounts in ``currency``)
    ----------
    period, period_label, as_of, previous_end, window_start
        ``"2026-10"``, ``"October 2026"``, the day measured up to (the month's last day, or
        the data end when it comes first: :func:`retention_lib.periods.report_as_of`), the
        previous month's last day, the start S of the 12-month window (S, as_of].
    data_end, data_start, partial
        The last day the data cover, the first transaction date, and whether the month is
        partial (``as_of`` before its last day).
    company, currency, settings
        Display name, ISO currency code, the settings used.
    overall, previous
        One row each (Series) of :func:`churn.churn_rate` now and one month earlier:
        ``active_start``, ``lost``, ``customer_churn``, ``revenue_churn``, ``status``,
        ``revenue_status``, ...
    series
        Index month end (``datetime64``), columns ``customer_churn``, ``revenue_churn``,
        ``status``, ``active_start``, ``lost``, ``partial_history``: at least 24 months.
    by_tier, by_manager
        Index group; columns ``churn_rate``, ``revenue_churn``, ``lost``,
        ``active_at_start``, ``status`` (``by_manager`` is ``None`` without customers).
    active_now
        Customers active at ``as_of``.
    lost_month
        Customers lost in the report month: index customer_id; columns ``name``,
        ``manager``, ``tier`` (at window start), ``last_purchase``, ``lost_on``,
        ``lost_revenue``; sorted by ``lost_revenue`` descending.
    won_month
        Customers won back in the report month: index customer_id; ``name``, ``manager``,
        ``returned_on``, ``gap_days``, ``revenue_since_return``.
    tiers
        Index tier (VIP, A, B, C); ``customers``, ``customer_share``, ``revenue``,
        ``revenue_share`` (trailing-window revenue at ``as_of``).
    segments
        Index RFM segment; ``customers``, ``customer_share``, ``revenue``, ``revenue_share``.
    reasons_by_count, reasons_by_revenue
        Index category; ``customers`` / ``lost_revenue`` and ``share``, descending; ``None``
        without surveys.
    reasons_table
        Index category; ``customers``, ``count_share``, ``lost_revenue``, ``revenue_share``,
        ``action``; ``None`` without surveys.
    coverage
        ``{"lost": n, "surveyed": n, "coverage": share}`` or ``None``.
    events
        Company events (``date``, ``kind``, ``description``) or ``None``.
    data_quality
        :meth:`Dataset.data_quality`.
    sections_off
        Section code (English, e.g. ``"exit reasons"``) → the missing table that would
        switch it on, or ``"<table>.<column>"`` for a missing column
        (``"customers.manager"``).
    by_attribute
        ``"segment"`` / ``"region"`` (those the customers table has) → a frame indexed by
        the attribute's value: ``active_now`` (int: customers active at ``as_of``),
        ``revenue`` (float: their net revenue over the tier window, 12 months by default),
        ``revenue_share`` (float), ``active_at_start`` (int: active 12 months earlier),
        ``lost`` (int: of those, lost since), ``churn_rate``, ``revenue_churn`` (float; NaN
        with nobody active at the start).  Customers without a value are ``"unassigned"``.
    quality
        :func:`retention_lib.present.quality_notes.quality_table` in the report's language.
    tr
        The :class:`~retention_lib.i18n.Translator` of ``settings.language``.
    """

    period: str
    period_label: str
    as_of: pd.Timestamp
    previous_end: pd.Timestamp
    window_start: pd.Timestamp
    company: str
    currency: str
    settings: Settings
    overall: pd.Series
    previous: pd.Series
    series: pd.DataFrame
    by_tier: pd.DataFrame
    by_manager: pd.DataFrame | None
    active_now: int
    lost_month: pd.DataFrame
    won_month: pd.DataFrame
    tiers: pd.DataFrame
    segments: pd.DataFrame
    reasons_by_count: pd.DataFrame | None
    reasons_by_revenue: pd.DataFrame | None
    reasons_table: pd.DataFrame | None
    coverage: dict[str, Any] | None
    events: pd.DataFrame | None
    data_quality: pd.DataFrame
    sections_off: dict[str, str] = field(default_factory=dict)
    quality: pd.DataFrame | None = None
    tr: Translator = field(default_factory=lambda: get_translator("en"))
    #: Retention-economics sentence for the verdict (:func:`diagnostics.scenario_sentence`).
    scenario: str = ""
    by_attribute: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: The previous month's key figures, for the changes on the KPI tiles: ``active``
    #: (customers active at ``previous_end``), ``lost``, ``lost_revenue``, ``won``,
    #: ``won_revenue`` (the month ending at ``previous_end``); empty when not computed.
    previous_month: dict[str, Any] = field(default_factory=dict)
    #: The last day the data cover (:attr:`retention_lib.data.io.Dataset.data_end`); ``None``:
    #: the month's last day.
    data_end: pd.Timestamp | None = None
    #: The first transaction date (the start of the history every window is measured on).
    data_start: pd.Timestamp | None = None

    @property
    def partial(self) -> bool:
        """Whether the data end before the month's last day (``as_of`` < month end)."""
        return self.as_of < periods.month_end(self.period)

    @property
    def history_needed(self) -> pd.Timestamp:
        """The first day the annual churn needs: ``lapse_days`` before the window start S
        (who was active at S)."""
        return self.window_start - pd.Timedelta(days=self.settings.lapse_days)

    @property
    def short_history(self) -> bool:
        """Whether the data start after :attr:`history_needed` (the headline churn is then
        measured on a shorter history than its definition needs)."""
        return self.data_start is not None and self.data_start > self.history_needed

    @property
    def tiers_missing(self) -> bool:
        """Whether the data start after the window start S: no tiers "a year ago"."""
        return self.data_start is not None and self.data_start > self.window_start

    def history_sentences(self) -> list[str]:
        """Plain sentences on what the data do not cover: the partial month, the history the
        annual churn needs (empty when the data cover both)."""
        tr = self.tr
        out = []
        if self.partial:
            out.append(tr.t("history.partial", date=tr.date(self.as_of),
                            month=self.period_label))
        if self.short_history:
            out.append(tr.t("history.churn_window", need=tr.date(self.history_needed),
                            lapse=self.settings.lapse_days, start=tr.date(self.window_start),
                            data_start=tr.date(self.data_start)))
        return out

    @property
    def month_name(self) -> str:
        """The report month's name in the report's language, e.g. ``"October"``."""
        return self.tr.month_name(self.as_of)

    def money(self, value: float) -> str:
        """Format an amount in the report's currency and language (whole units)."""
        return self.tr.money(value, self.currency)


@cached_build("monthly")
def build_monthly(
    dataset, *, period: str, settings: Settings | None = None, lang: str | None = None
) -> MonthlyReport:
    """Compute every figure and table of the executive report for ``period``.

    Parameters
    ----------
    dataset
        A :class:`retention_lib.data.io.Dataset` (only ``transactions`` is required).
    period
        ``"YYYY-MM"``; data after the month's last day is ignored.
    settings
        Defaults to ``dataset.settings``.
    lang
        Report language (en, ru, uk); default ``settings.language``.  Only the words change:
        every figure and table is the same in every language.

    Returns
    -------
    MonthlyReport
        See its attributes.
    """
    # here, not at module level: diagnostics imports lifetimes (~2 s), which a plain import of
    # this module does not need
    from .diagnostics import scenario_sentence

    settings = settings_of(dataset, settings)
    tr = get_translator(lang or settings.language)
    period, (as_of, prev_end, start), tx = month_rows(dataset, period)
    month = Month(period=period, as_of=as_of, previous_end=prev_end, window_start=start,
                  tx=tx, customers=dataset.customers, settings=settings)
    sections_off: dict[str, str] = {}
    # tx is this function's own frame: every churn call below shares one sorted history
    with churn.shared_history():
        figures = churn_figures(month)
        info = customer_info(dataset)
        tiers_start = tiers_at(dataset, as_of=start, settings=settings)
        figures.update(churn_by_tier_and_manager(month, tiers_start))
        status_now = churn.customer_status(tx, as_of=as_of, lapse_days=settings.lapse_days,
                                           customers=month.customers)
        figures.update(lost_and_won(month, status_now, info, tiers_start))
        figures["previous_month"] = previous_month_figures(month)
        tiers_active, shares = tier_and_segment_shares(dataset, month, status_now)
        figures.update(shares)
        figures["by_attribute"] = attribute_tables(month, tiers_active, sections_off)
        figures.update(exit_reasons(dataset, month, sections_off))
    if not dataset.has("customers"):
        sections_off["churn by manager"] = "customers"
    elif figures["by_manager"] is None:  # a customers table without a manager column
        sections_off["churn by manager"] = "customers.manager"
    events = None
    if dataset.has("events"):
        events = dataset.events.loc[dataset.events["date"] <= as_of].copy()
    else:
        sections_off["company events on the churn chart"] = "events"

    return MonthlyReport(
        period=period,
        period_label=tr.month(as_of),
        as_of=as_of,
        data_end=data_end(dataset),
        data_start=pd.Timestamp(tx["date"].min()).normalize(),
        previous_end=prev_end,
        window_start=start,
        company=settings.company_name,
        currency=settings.currency,
        settings=settings,
        events=events,
        data_quality=dataset.data_quality(),
        sections_off=sections_off,
        quality=quality_table(dataset, tr=tr),
        tr=tr,
        scenario=scenario_sentence(dataset, period=period, settings=settings, lang=tr.lang),
        **figures,
    )
