"""The monthly executive report: headline figures, verdict, metrics and the report's sections.

:func:`build_monthly` computes, once, everything ``notebooks/monthly_report.ipynb`` shows and
returns a :class:`MonthlyReport`; :func:`verdict_sentences` turns it into plain words;
:func:`report_metrics` gives the JSON-serialisable headline figures of ``metrics.json``.  The
``section_*`` functions render one section each as HTML (one library call per notebook cell).
:func:`build_customer_base` and the ``base_*`` functions do the same for
``notebooks/customer_base.ipynb``.

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

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import i18n, periods
from ..analysis.managers import has_managers
from ..analysis.shared import rows_until
from ..caching.memo import cached_build
from ..config import DEFAULT_SETTINGS, Settings
from ..i18n import Translator, get_translator
from ..present import display as d
from .context import data_end, report_days, resolve_period

__all__ = [
    "CustomerBase",
    "MonthlyReport",
    "REASON_LABELS",
    "base_abc_xyz",
    "base_cohorts",
    "base_header",
    "base_migration",
    "base_rfm",
    "base_contents",
    "build_customer_base",
    "build_monthly",
    "format_money",
    "report_metrics",
    "section_actions",
    "section_churn_breakdown",
    "section_churn_series",
    "section_contents",
    "section_definitions",
    "section_exit_reasons",
    "section_header",
    "section_kpis",
    "section_lost_customers",
    "section_value_tiers",
    "section_verdict",
    "verdict_sentences",
]

TIER_ORDER = ("VIP", "A", "B", "C")


# --------------------------------------------------------------------------- helpers


def format_money(
    value: float, currency: str = DEFAULT_SETTINGS.currency, *, lang: str = "en"
) -> str:
    """An amount in whole currency units, by locale (babel, see :mod:`retention_lib.i18n`).

    ``41200.4, "EUR"`` → ``"€41,200"``; ``lang="ru"``: ``"41 200 €"``; a currency without a
    symbol in the locale shows its code: ``"CHF 12"``; NaN → ``"n/a"`` (``"н/д"``).
    """
    return i18n.format_money(value, currency, lang=lang, decimals=0)


def _nan_to_none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float | int) and not isinstance(value, bool):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else value
    return value


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")



# --------------------------------------------------------------------------- analyses glue


def _customer_info(dataset) -> pd.DataFrame:
    """Index customer_id → name, manager (strings; ids for missing names)."""
    cust = dataset.customers
    if cust is None:
        return pd.DataFrame(columns=["name", "manager"], index=pd.Index([], name="customer_id"))
    cols = [c for c in ("name", "manager") if c in cust.columns]
    info = cust.drop_duplicates("customer_id").set_index("customer_id")[cols]
    if "name" not in info:
        info = info.assign(name=pd.NA)
    if "manager" not in info:
        info = info.assign(manager="unassigned")
    return info[["name", "manager"]]


def _tiers(dataset, *, as_of: pd.Timestamp, settings: Settings) -> pd.DataFrame:
    """value_tiers at ``as_of``: index customer_id, columns ``tier`` (str), ``revenue``."""
    from ..analysis import tiers

    out = tiers.value_tiers(
        dataset.transactions, as_of=as_of, window_days=settings.tier_window_days,
        a_share=settings.tier_a_share, b_share=settings.tier_b_share,
        vip_share=settings.vip_share, vip_ids=settings.vip_ids,
    )
    res = pd.DataFrame({"tier": out["tier"].astype(str)}, index=out.index)
    res["revenue"] = out["revenue"].astype(float)
    return res


def _rfm_raw(transactions: pd.DataFrame, *, as_of: pd.Timestamp):
    """:func:`rfm.rfm_table` at ``as_of`` (index customer_id)."""
    from ..analysis import rfm

    return rfm.rfm_table(transactions, as_of=as_of)


def _rfm(transactions: pd.DataFrame, *, as_of: pd.Timestamp, raw: pd.DataFrame | None = None):
    """rfm_table at ``as_of``: index customer_id, columns R, F, M (int), segment (str),
    monetary (float).  ``raw``: the :func:`_rfm_raw` table when the caller has it."""
    out = _rfm_raw(transactions, as_of=as_of) if raw is None else raw
    res = pd.DataFrame({k: out[k].astype("int64") for k in ("R", "F", "M")}, index=out.index)
    res["segment"] = out["segment"].astype(str)
    res["monetary"] = out["monetary"].astype(float)
    return res


def _segment_order() -> list[str]:
    from ..analysis import rfm
    from ..analysis.cohorts import rfm_segment_order as order

    return order(rfm)


# --------------------------------------------------------------------------- the report


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


def _group_table(rates: pd.DataFrame) -> pd.DataFrame:
    rows = rates.drop(index="all", errors="ignore")
    rows = rows.loc[rows["active_start"] > 0]  # groups with nobody to lose say nothing
    return pd.DataFrame(
        {
            "churn_rate": rows["customer_churn"].astype(float),
            "revenue_churn": rows["revenue_churn"].astype(float),
            "lost": rows["lost"].astype("int64"),
            "active_at_start": rows["active_start"].astype("int64"),
            "status": rows["status"].astype(str),
        },
        index=pd.Index([str(i) for i in rows.index], name="group"),
    )


#: Optional customers columns that get a churn and revenue breakdown on the executive page.
BREAKDOWN_ATTRIBUTES = ("segment", "region")
_UNASSIGNED = "unassigned"  # churn.UNASSIGNED: customers without a value


def _attribute_table(rates: pd.DataFrame, customers: pd.DataFrame, column: str,
                     revenue_active: pd.Series) -> pd.DataFrame:
    """Churn (from ``churn_rate(by=column)``) and the active customers' revenue per value of
    ``customers[column]`` (see :attr:`MonthlyReport.by_attribute`)."""
    c = customers.drop_duplicates("customer_id", keep="last")
    labels = c[column].astype("string").str.strip()
    labels = pd.Series(labels.where(labels != "").to_numpy(),
                       index=c["customer_id"].astype(str))
    group = labels.reindex(revenue_active.index.astype(str)).fillna(_UNASSIGNED)
    rev = pd.DataFrame({"group": group.to_numpy(object),
                        "revenue": revenue_active.to_numpy(float)})
    g = rev.groupby("group", sort=True).agg(active_now=("revenue", "size"),
                                            revenue=("revenue", "sum"))
    rows = rates.drop(index="all", errors="ignore")
    index = [str(i) for i in rows.index]
    index += [i for i in g.index if i not in index]
    out = pd.DataFrame(index=pd.Index(index, name="group"))
    out["active_now"] = g["active_now"].reindex(out.index).fillna(0).astype("int64")
    out["revenue"] = g["revenue"].reindex(out.index).fillna(0.0).astype(float)
    total = out["revenue"].clip(lower=0).sum()
    out["revenue_share"] = (out["revenue"].clip(lower=0) / total) if total else float("nan")
    r = rows.set_axis([str(i) for i in rows.index]).reindex(out.index)
    out["active_at_start"] = r["active_start"].fillna(0).astype("int64")
    out["lost"] = r["lost"].fillna(0).astype("int64")
    out["churn_rate"] = r["customer_churn"].astype(float)
    out["revenue_churn"] = r["revenue_churn"].astype(float)
    return out


def _share_table(labels: pd.Series, revenue: pd.Series, order: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({"label": labels.astype(str), "revenue": revenue.astype(float)})
    g = frame.groupby("label", sort=False).agg(customers=("revenue", "size"),
                                                revenue=("revenue", "sum"))
    present = [o for o in order if o in g.index] + sorted(i for i in g.index if i not in order)
    g = g.reindex(present)
    g["customers"] = g["customers"].astype("int64")
    total_c = g["customers"].sum()
    total_r = g["revenue"].clip(lower=0).sum()
    g["customer_share"] = g["customers"] / total_c if total_c else float("nan")
    g["revenue_share"] = g["revenue"].clip(lower=0) / total_r if total_r else float("nan")
    return g[["customers", "customer_share", "revenue", "revenue_share"]]


def _reasons(dataset, lost12: pd.DataFrame, *, as_of: pd.Timestamp, settings: Settings):
    """Ranked reasons of the customers lost in the window; ``None``s without surveys."""
    from ..analysis import reasons

    surveys = dataset.surveys
    surveys = surveys.loc[surveys["date"] <= as_of]
    ranked = reasons.rank_reasons(surveys, lost=lost12, keywords=settings.reason_keywords)
    coverage = reasons.survey_coverage(surveys, lost=lost12)
    return ranked, coverage


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
    from ..analysis import churn
    from ..present.quality_notes import quality_table

    settings = settings or getattr(dataset, "settings", None) or DEFAULT_SETTINGS
    tr = get_translator(lang or settings.language)
    period = resolve_period(dataset, period)
    as_of, prev_end, start = report_days(dataset, period)
    tx = rows_until(dataset.transactions, as_of)
    if tx.empty:
        raise ValueError(f"period {period}: no transactions on or before {as_of.date()}")
    month = _Month(period=period, as_of=as_of, previous_end=prev_end, window_start=start,
                   tx=tx, customers=dataset.customers, settings=settings)
    sections_off: dict[str, str] = {}
    # tx is this function's own frame: every churn call below shares one sorted history
    with churn.shared_history():
        figures = _churn_figures(month)
        info = _customer_info(dataset)
        tiers_start = _tiers(dataset, as_of=start, settings=settings)
        figures.update(_churn_by_tier_and_manager(month, tiers_start))
        status_now = churn.customer_status(tx, as_of=as_of, lapse_days=settings.lapse_days,
                                           customers=month.customers)
        figures.update(_lost_and_won(month, status_now, info, tiers_start))
        figures["previous_month"] = _previous_month(month)
        tiers_active, shares = _tier_and_segment_shares(dataset, month, status_now)
        figures.update(shares)
        figures["by_attribute"] = _attribute_tables(month, tiers_active, sections_off)
        figures.update(_exit_reasons(dataset, month, sections_off))
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
        scenario=_scenario(dataset, period=period, settings=settings, lang=tr.lang),
        **figures,
    )


@dataclass(frozen=True)
class _Month:
    """What every step of :func:`build_monthly` reads: the period, its days (see
    :class:`MonthlyReport`), the transactions up to ``as_of``, the customers table (or
    ``None``) and the settings."""

    period: str
    as_of: pd.Timestamp
    previous_end: pd.Timestamp
    window_start: pd.Timestamp
    tx: pd.DataFrame
    customers: pd.DataFrame | None
    settings: Settings

    @property
    def churn_options(self) -> dict[str, Any]:
        """The keywords of every :func:`~retention_lib.analysis.churn.churn_rate` call."""
        s = self.settings
        return {"lapse_days": s.lapse_days, "customers": self.customers,
                "normal_max": s.churn_normal_max, "critical_min": s.churn_critical_min}


def _churn_figures(month: _Month) -> dict[str, Any]:
    """``overall`` and ``previous`` (churn now and a month earlier) and the 24-month
    ``series``; a partial month's last point is the window ending at the data end."""
    from ..analysis import churn

    tx, as_of, common = month.tx, month.as_of, month.churn_options
    overall = churn.churn_rate(tx, end=as_of, **common).loc["all"]
    previous = churn.churn_rate(tx, end=month.previous_end, **common).loc["all"]
    series = churn.churn_series(tx, end=as_of, months=24, **common)
    series = series.set_axis(series.index.to_timestamp(how="start") + pd.offsets.MonthEnd(0))
    series.index.name = "month_end"
    if as_of < periods.month_end(month.period):
        # a partial month: its point is the window ending at the data end (the headline)
        point = {c: overall[c] for c in series.columns if c in overall.index}
        if "partial_history" in series.columns:
            point["partial_history"] = bool(
                month.window_start - pd.Timedelta(days=month.settings.lapse_days)
                < tx["date"].min())
        series = pd.concat([series.iloc[1:], pd.DataFrame([point], index=pd.DatetimeIndex(
            [as_of], name="month_end"))]).astype(series.dtypes.to_dict())
    return {"overall": overall, "previous": previous, "series": series}


def _churn_by_tier_and_manager(month: _Month, tiers_start: pd.DataFrame) -> dict[str, Any]:
    """``by_tier`` (value tiers at the window start) and ``by_manager`` (``None`` without a
    manager column), worst manager first."""
    from ..analysis import churn

    tx, as_of, common = month.tx, month.as_of, month.churn_options
    tier_labels = pd.Series(
        pd.Categorical(tiers_start["tier"], categories=list(TIER_ORDER)),
        index=tiers_start.index,
    )
    by_tier = _group_table(churn.churn_rate(tx, end=as_of, by=tier_labels, **common))
    by_manager = None
    if has_managers(month.customers):
        by_manager = _group_table(churn.churn_rate(tx, end=as_of, by="manager", **common))
        by_manager = by_manager.sort_values(["churn_rate", "active_at_start"],
                                            ascending=[False, False])
    return {"by_tier": by_tier, "by_manager": by_manager}


def _lost_and_won(
    month: _Month, status_now: pd.DataFrame, info: pd.DataFrame, tiers_start: pd.DataFrame,
) -> dict[str, Any]:
    """``active_now`` and the customers lost (``lost_month``) and won back (``won_month``)
    during the month, with name, manager (and tier for the lost)."""
    from ..analysis import churn

    tx, settings, customers = month.tx, month.settings, month.customers
    start, end = month.previous_end, month.as_of
    lost_m = churn.lost_customers(tx, start=start, end=end, lapse_days=settings.lapse_days,
                                  customers=customers)
    lost_month = lost_m.join(info, how="left").join(tiers_start["tier"], how="left")
    lost_month["manager"] = lost_month["manager"].fillna("unassigned")
    lost_month = lost_month[
        ["name", "manager", "tier", "last_purchase", "lost_on", "lost_revenue"]
    ].sort_values("lost_revenue", ascending=False, kind="stable")
    won = churn.won_back(tx, start=start, end=end, lapse_days=settings.lapse_days,
                         customers=customers)
    won_month = won.join(info, how="left")
    won_month["manager"] = won_month["manager"].fillna("unassigned")
    won_month = won_month[
        ["name", "manager", "returned_on", "gap_days", "revenue_since_return"]
    ]
    return {"active_now": int((status_now["status"] == "active").sum()),
            "lost_month": lost_month, "won_month": won_month}


def _previous_month(month: _Month) -> dict[str, Any]:
    """The previous month's figures, for the changes on the KPI tiles."""
    from ..analysis import churn

    tx, lapse, customers = month.tx, month.settings.lapse_days, month.customers
    prev_end = month.previous_end
    prev2_end = periods.month_end(str(pd.Period(month.period, freq="M") - 2))
    status_prev = churn.customer_status(tx, as_of=prev_end, lapse_days=lapse,
                                        customers=customers)
    lost_p = churn.lost_customers(tx, start=prev2_end, end=prev_end, lapse_days=lapse,
                                  customers=customers)
    won_p = churn.won_back(tx, start=prev2_end, end=prev_end, lapse_days=lapse,
                           customers=customers)
    return {
        "active": int((status_prev["status"] == "active").sum()),
        "lost": len(lost_p), "lost_revenue": float(lost_p["lost_revenue"].sum()),
        "won": len(won_p), "won_revenue": float(won_p["revenue_since_return"].sum()),
    }


def _tier_and_segment_shares(
    dataset, month: _Month, status_now: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``(tiers of the active customers, {"tiers": ..., "segments": ...})``: the value tiers
    of the customers active at ``as_of`` and the RFM segments of every customer ever seen,
    with their shares of customers and revenue."""
    from ..analysis._churn_history import lookup

    tiers_now = _tiers(dataset, as_of=month.as_of, settings=month.settings)
    active_ids = status_now.index[status_now["status"] == "active"]
    tiers_active = tiers_now.loc[lookup(tiers_now.index, active_ids) >= 0]
    tiers_table = _share_table(tiers_active["tier"], tiers_active["revenue"], list(TIER_ORDER))
    rfm_now = _rfm(month.tx, as_of=month.as_of)
    seg_rev = tiers_now["revenue"].reindex(rfm_now.index).fillna(0.0)
    segments = _share_table(rfm_now["segment"], seg_rev, _segment_order())
    return tiers_active, {"tiers": tiers_table, "segments": segments}


def _attribute_tables(
    month: _Month, tiers_active: pd.DataFrame, sections_off: dict[str, str],
) -> dict[str, pd.DataFrame]:
    """Churn by each of :data:`BREAKDOWN_ATTRIBUTES` the customers table has; the others
    are added to ``sections_off``."""
    from ..analysis import churn

    customers = month.customers
    by_attribute: dict[str, pd.DataFrame] = {}
    for column in BREAKDOWN_ATTRIBUTES:
        if customers is not None and column in customers.columns:
            by_attribute[column] = _attribute_table(
                churn.churn_rate(month.tx, end=month.as_of, by=column, **month.churn_options),
                customers, column, tiers_active["revenue"])
        else:
            sections_off[f"churn by {column}"] = (
                "customers" if customers is None else f"customers.{column}")
    return by_attribute


def _exit_reasons(dataset, month: _Month, sections_off: dict[str, str]) -> dict[str, Any]:
    """The exit reasons of the customers lost in the window (``reasons_table``, by count, by
    revenue) and the survey ``coverage``; ``None``s and a section off without surveys."""
    from ..analysis import churn

    out: dict[str, Any] = dict.fromkeys(
        ("reasons_by_count", "reasons_by_revenue", "reasons_table", "coverage"))
    if not dataset.has("surveys"):
        sections_off["exit reasons"] = "surveys"
        return out
    lost12 = churn.lost_customers(month.tx, end=month.as_of,
                                  lapse_days=month.settings.lapse_days,
                                  customers=month.customers)
    ranked, cov = _reasons(dataset, lost12, as_of=month.as_of, settings=month.settings)
    table = _reason_table(ranked)
    out["reasons_table"] = table
    out["reasons_by_count"] = (
        table[["customers", "count_share"]]
        .rename(columns={"count_share": "share"})
        .sort_values("customers", ascending=False, kind="stable")
    )
    out["reasons_by_revenue"] = (
        table[["lost_revenue", "revenue_share"]]
        .rename(columns={"revenue_share": "share"})
        .sort_values("lost_revenue", ascending=False, kind="stable")
    )
    out["coverage"] = _coverage(cov)
    return out


def _scenario(dataset, *, period: str, settings: Settings, lang: str) -> str:
    """The retention-economics sentence (cached with the diagnostics it comes from)."""
    from . import diagnostics

    return diagnostics.scenario_sentence(dataset, period=period, settings=settings, lang=lang)


def _reason_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """:func:`~retention_lib.analysis.reasons.rank_reasons` → index category; customers,
    count_share (of the surveyed lost customers), lost_revenue, revenue_share, action."""
    from ..analysis import reasons

    r = ranked.set_index("category")
    out = pd.DataFrame(
        {
            "customers": r["customers"].astype("int64").to_numpy(),
            "count_share": r["count_share"].astype(float).to_numpy(),
            "lost_revenue": r["lost_revenue"].astype(float).to_numpy(),
            "revenue_share": r["revenue_share"].astype(float).to_numpy(),
        },
        index=pd.Index([str(i) for i in r.index], name="category"),
    )
    # English; shown translated
    out["action"] = [str(reasons.RECOMMENDED_ACTIONS.get(c, "")) for c in out.index]
    return out


def _coverage(cov: dict[str, Any]) -> dict[str, Any]:
    """:func:`~retention_lib.analysis.reasons.survey_coverage` as plain numbers."""
    return {"lost": int(cov["lost"]), "surveyed": int(cov["surveyed"]),
            "coverage": _float(cov["coverage"])}


# --------------------------------------------------------------------------- verdict


def _thresholds(report: MonthlyReport) -> dict[str, str]:
    s, tr = report.settings, report.tr
    return {"lo": tr.percent(s.churn_normal_max, 0), "hi": tr.percent(s.churn_critical_min, 0)}


def _zone_phrase(status: str, report: MonthlyReport) -> str:
    return report.tr.t(f"verdict.zone.{status}", **_thresholds(report))


#: English display names of the reason categories of :mod:`retention_lib.analysis.reasons` (the
#: catalog's ``reason.*``; kept for callers of the English API).
REASON_LABELS = {
    c: get_translator("en").t(f"reason.{c}")
    for c in ("price", "assortment", "service", "no_value", "competitor", "uncontrollable",
              "unknown")
}


def _reason_label(category: str, tr: Translator | None = None) -> str:
    tr = tr or get_translator("en")
    key = f"reason.{i18n.code_key(category)}"
    return tr.t(key) if tr.has(key) else str(category).replace("_", " ")


def _action(category: str, english: str, tr: Translator) -> str:
    """The recommended action of ``category`` in ``tr``'s language (catalog ``action.*``);
    a category the catalog does not know keeps the action text it came with."""
    key = f"action.{i18n.code_key(category)}"
    return tr.t(key) if tr.has(key) else english


def _first_sentence(text: str) -> str:
    text = str(text).strip()
    cut = text.find(". ")
    return text[: cut + 1] if cut >= 0 else text


def verdict_sentences(report: MonthlyReport) -> list[str]:
    """The verdict in plain words, one sentence per item, in the report's language.

    Example (English)::

        Annual customer churn is 14.2 % — warning zone (above 10 %): act.
        Up 0.6 points on last month (13.6 % at the end of September).
        Revenue churn is 9.8 % (normal zone).
        23 customers were lost in October (€41,200 of annual revenue) and 4 won back (€3,100).
        The costliest exit reason is service quality (38 % of lost revenue): admit the fault …
    """
    tr = report.tr
    o, p = report.overall, report.previous
    rate, status = _float(o["customer_churn"]), str(o["status"])
    out = [tr.t("verdict.churn", rate=tr.percent(rate), zone=_zone_phrase(status, report))]
    rev, rev_status = _float(o["revenue_churn"]), str(o["revenue_status"])
    prev = _float(p["customer_churn"])
    prev_month = tr.month_name(report.previous_end, genitive=True)
    if math.isnan(rate) or math.isnan(prev):
        out.append(tr.t("verdict.no_comparison"))
    else:
        diff = round((rate - prev) * 100, 1)
        key = "verdict.up" if diff > 0 else ("verdict.down" if diff < 0 else "verdict.unchanged")
        out.append(tr.t(key, diff=tr.number(abs(diff), decimals=1), prev=tr.percent(prev),
                        prev_month=prev_month))
    # the change follows the customer-churn sentence it belongs to, then what the data do not
    # cover (partial month, shorter history), before revenue churn
    out.extend(report.history_sentences())
    out.append(tr.t(f"verdict.revenue.{rev_status}", rate=tr.percent(rev)))
    n_lost, n_won = len(report.lost_month), len(report.won_month)
    lost_rev = float(report.lost_month["lost_revenue"].sum())
    won_rev = float(report.won_month["revenue_since_return"].sum())
    out.append(tr.t(
        "verdict.lost_won", count=n_lost, month=report.month_name,
        lost_revenue=report.money(lost_rev), won=n_won, won_revenue=report.money(won_rev),
    ))
    if report.reasons_by_revenue is not None and len(report.reasons_by_revenue):
        top = report.reasons_by_revenue.index[0]
        share = _float(report.reasons_by_revenue["share"].iloc[0])
        action = _first_sentence(
            _action(top, report.reasons_table.loc[top, "action"], tr)
        ).rstrip(".")
        action = action[:1].lower() + action[1:] if action else tr.t("verdict.see_actions")
        out.append(tr.t("verdict.top_reason", reason=_reason_label(top, tr),
                        share=tr.percent(share, 0), action=action))
    elif report.reasons_by_revenue is not None:
        out.append(tr.t("verdict.no_answers"))
    else:
        out.append(tr.t("verdict.no_surveys"))
    if report.scenario:
        out.append(report.scenario)
    return out


# --------------------------------------------------------------------------- metrics


def report_metrics(
    dataset, *, period: str, settings: Settings | None = None, contact_discipline=None
) -> dict[str, Any]:
    """The headline figures of ``metrics.json`` (JSON-serialisable: NaN → ``None``).

    ``contact_discipline``: an already built :class:`discipline.ContactDiscipline` for the
    same period (the runner builds one for the call lists); otherwise one is built here.

    Returns
    -------
    dict
        ``period`` (``YYYY-MM``), ``as_of`` (ISO date), ``company``, ``currency``,
        ``customers`` ({``active``, ``active_at_window_start``, ``lost_12m``,
        ``lost_this_month``, ``lost_this_month_revenue``, ``won_back_this_month``,
        ``won_back_this_month_revenue``}), ``customer_churn``, ``revenue_churn``,
        ``status``, ``revenue_status``, ``thresholds`` ({normal_max, critical_min}),
        ``previous`` ({period, customer_churn, revenue_churn, status}),
        ``change_points`` (customer churn now − previous, in percentage points),
        ``top_reasons_by_count`` ([{category, customers, share}], up to 3),
        ``top_reasons_by_revenue`` ([{category, lost_revenue, share}], up to 3),
        ``survey_coverage`` ({lost, surveyed, coverage} or ``None``), ``tiers``
        ({tier: {customers, revenue, revenue_share}}), ``sections_off``
        ({section: table or "table.column"}), ``breakdowns`` ({"segment"/"region": {value:
        {active_now, revenue_12m, active_at_start, lost, customer_churn, revenue_churn}}},
        the attributes the customers table has), ``data_quality``
        (:meth:`Dataset.to_metrics`), ``language``
        (the report language: the only field that differs between languages, every other
        value is a number, a date or an English code); and one section per deeper analysis:
        ``compliance`` (:func:`discipline.discipline_metrics_section`, ``None`` without
        contacts), ``at_risk``, ``backtest``, ``winback``
        (:func:`diagnostics.diagnostics_metrics`), ``clv``
        (:func:`clv_core.clv_metrics_section`: model, parameters, expected revenue over the
        next 12 months; ``None`` without transactions).
    """
    from . import clv_core, diagnostics, discipline

    r = build_monthly(dataset, period=period, settings=settings)
    metrics = _metrics_from_report(r, dataset)
    if contact_discipline is None:
        metrics["compliance"] = discipline.discipline_metrics_section(
            dataset, period=r.period, settings=r.settings
        )
    else:
        metrics["compliance"] = discipline.discipline_metrics(contact_discipline)
    metrics.update(diagnostics.diagnostics_metrics(dataset, period=r.period, settings=r.settings))
    metrics["clv"] = clv_core.clv_metrics_section(dataset, period=r.period, settings=r.settings)
    return metrics


def _metrics_from_report(r: MonthlyReport, dataset) -> dict[str, Any]:
    def top(frame: pd.DataFrame | None, col: str) -> list[dict[str, Any]]:
        if frame is None:
            return []
        return [
            {"category": str(cat), col: _nan_to_none(
                int(row[col]) if col == "customers" else float(row[col])),
             "share": _nan_to_none(float(row["share"]))}
            for cat, row in frame.head(3).iterrows()
        ]

    now, prev = _float(r.overall["customer_churn"]), _float(r.previous["customer_churn"])
    change = round((now - prev) * 100, 6) if not (math.isnan(now) or math.isnan(prev)) else None
    return {
        "period": r.period,
        "as_of": r.as_of.date().isoformat(),
        "data_end": r.data_end.date().isoformat() if r.data_end is not None else None,
        "partial": bool(r.partial),
        "history": {
            "data_start": r.data_start.date().isoformat() if r.data_start is not None else None,
            "window_start": r.window_start.date().isoformat(),
            "needed_from": r.history_needed.date().isoformat(),
            "short_history": bool(r.short_history),
            "tiers_missing": bool(r.tiers_missing),
        },
        "company": r.company,
        "currency": r.currency,
        "customers": {
            "active": int(r.active_now),
            # RFM and CLV cover every customer who ever bought (active and lost)
            "ever_seen": int(r.segments["customers"].sum()),
            "active_at_window_start": int(r.overall["active_start"]),
            "lost_12m": int(r.overall["lost"]),
            "lost_this_month": len(r.lost_month),
            "lost_this_month_revenue": float(r.lost_month["lost_revenue"].sum()),
            "won_back_this_month": len(r.won_month),
            "won_back_this_month_revenue": float(r.won_month["revenue_since_return"].sum()),
        },
        "customer_churn": _nan_to_none(now),
        "revenue_churn": _nan_to_none(_float(r.overall["revenue_churn"])),
        "status": str(r.overall["status"]),
        "revenue_status": str(r.overall["revenue_status"]),
        "thresholds": {
            "normal_max": r.settings.churn_normal_max,
            "critical_min": r.settings.churn_critical_min,
        },
        "previous": {
            "period": str(pd.Period(r.period, freq="M") - 1),
            "customer_churn": _nan_to_none(prev),
            "revenue_churn": _nan_to_none(_float(r.previous["revenue_churn"])),
            "status": str(r.previous["status"]),
        },
        "change_points": change,
        "top_reasons_by_count": top(r.reasons_by_count, "customers"),
        "top_reasons_by_revenue": top(r.reasons_by_revenue, "lost_revenue"),
        "survey_coverage": (
            None if r.coverage is None else {
                "lost": r.coverage["lost"],
                "surveyed": r.coverage["surveyed"],
                "coverage": _nan_to_none(r.coverage["coverage"]),
            }
        ),
        "tiers": {
            str(t): {
                "customers": int(row["customers"]),
                "revenue": float(row["revenue"]),
                "revenue_share": _nan_to_none(float(row["revenue_share"])),
            }
            for t, row in r.tiers.iterrows()
        },
        "sections_off": dict(r.sections_off),
        "breakdowns": {
            column: {
                str(g): {
                    "active_now": int(row["active_now"]),
                    "revenue_12m": float(row["revenue"]),
                    "active_at_start": int(row["active_at_start"]),
                    "lost": int(row["lost"]),
                    "customer_churn": _nan_to_none(float(row["churn_rate"])),
                    "revenue_churn": _nan_to_none(float(row["revenue_churn"])),
                }
                for g, row in table.iterrows()
            }
            for column, table in r.by_attribute.items()
        },
        "data_quality": dataset.to_metrics(as_of=r.as_of),
        "language": r.tr.lang,
    }


# --------------------------------------------------------------------------- sections


def _wrap(*parts: str):
    return d.html("".join(parts))


#: Section code of :attr:`MonthlyReport.sections_off` → catalog key of its display name.
def _section_name(section: str, tr: Translator) -> str:
    return tr.label("sections", section)


def _off(report: MonthlyReport, section: str) -> str:
    return d.section_off(report.sections_off[section], _section_name(section, report.tr),
                         tr=report.tr)


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

#: Customer-base sections: (anchor id, catalog key of the heading).
BASE_SECTIONS = (
    ("rl-rfm", "base.headings.rfm"),
    ("rl-abc-xyz", "base.headings.abc_xyz"),
    ("rl-cohorts", "base.headings.cohorts"),
    ("rl-migration", "base.headings.migration"),
)


def _heading(anchor: str, text: str) -> str:
    return f'<div class="rl-report"><h2 id="{d.escape(anchor)}">{d.escape(text)}</h2></div>'


def _contents(tr: Translator, sections, *, month: str) -> str:
    items = "".join(
        f'<li><a href="#{d.escape(a)}">{d.escape(tr.t(k, month=month))}</a></li>'
        for a, k in sections
    )
    return (
        f'<div class="rl-report"><nav class="rl-toc" aria-label="{d.escape(tr.t("toc.title"))}">'
        f'<p class="rl-toc-title">{d.escape(tr.t("toc.title"))}</p><ol>{items}</ol></nav></div>'
    )


def section_header(report: MonthlyReport):
    """Styles (once) and the title: company, period, "data as of"."""
    tr = report.tr
    return _wrap(
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
    return _wrap(
        '<div class="rl-report">',
        f'<h2 id="rl-verdict">{d.escape(tr.t("headings.verdict"))}</h2>',
        f'<div class="rl-verdict">{badges}{body}</div></div>',
    )


def section_actions(report: MonthlyReport, *, dataset, settings: Settings | None = None):
    """"This month's actions": 3-5 actions derived from the data, each with its owner (a
    named manager or the director), the customers concerned and the money
    (:func:`retention_lib.pages.discipline_executive.executive_actions`): the flagged manager,
    the overdue VIP/A customers, the top customers to save and to win back, the call lists.

    Reads the contact-discipline report (without the funnel) and the churn diagnostics of
    the same period -- the very calls of the executive blocks below, so a report run
    computes them once. Without a contacts table the overdue key accounts are left out;
    heading id ``rl-actions``.
    """
    from . import diagnostics as dx
    from . import discipline, discipline_executive

    tr = report.tr
    settings = settings or getattr(dataset, "settings", None) or report.settings
    contact = discipline.executive_report(dataset, period=report.period, settings=settings,
                                          lang=tr.lang)
    diag = dx.diagnostics_for(dataset, period=report.period, settings=settings, lang=tr.lang)
    actions = discipline_executive.executive_actions(contact, at_risk=diag.at_risk,
                                                     queue=diag.queue)
    parts = [_heading("rl-actions", tr.t("lists.exec.heading"))]
    if not actions:
        parts.append(d.paragraphs_html([tr.t("lists.exec.none")], css_class="rl-report"))
        return _wrap(*parts)
    items = "".join(_action_item(a, report) for a in actions)
    parts.append(f'<div class="rl-report"><p class="rl-note">'
                 f'{d.escape(tr.t("lists.exec.intro"))}</p>'
                 f'<ol class="rl-actions">{items}</ol></div>')
    return _wrap(*parts)


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
    return _wrap(_contents(report.tr, MONTHLY_SECTIONS[3:], month=report.tr.month(report.as_of)))


def section_kpis(report: MonthlyReport):
    """KPI tiles: churn now, revenue churn, active customers, lost/won back this month."""
    tr = report.tr
    o, p = report.overall, report.previous
    prev_month = tr.month_name(report.previous_end, genitive=True)

    def change(now: float, before: float) -> str:
        if math.isnan(now) or math.isnan(before):
            return ""
        return tr.t("kpi.change", points=tr.points((now - before) * 100), prev_month=prev_month)

    now, prev = _float(o["customer_churn"]), _float(p["customer_churn"])
    rnow, rprev = _float(o["revenue_churn"]), _float(p["revenue_churn"])
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
    return _wrap(
        _heading("rl-kpis", tr.t("headings.kpis")),
        d.kpi_tiles(tiles, tr=tr),
    )


def _date_cell(tr: Translator):
    return lambda v: tr.short_date(v)


def section_churn_series(report: MonthlyReport):
    """The trailing-12-month churn series with bands and company events."""
    from ..present import plots

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
        now=tr.percent(_float(report.overall["customer_churn"])),
        peak="" if peak is None else tr.t(
            "series.alt_peak", rate=tr.percent(_float(s.loc[peak, "customer_churn"])),
            month=tr.month(peak)),
        **_thresholds(report),
    )
    parts = [_heading("rl-churn-series", tr.t("headings.churn_series")),
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
    return _wrap(*parts)


def _group_items(table: pd.DataFrame, tr: Translator, label) -> str:
    return "; ".join(
        tr.t("breakdown.item", group=label(g), rate=tr.percent(_float(r["churn_rate"])),
             lost=int(r["lost"]), active=int(r["active_at_start"]))
        for g, r in table.iterrows()
    )


def section_churn_breakdown(report: MonthlyReport):
    """Churn by value tier and by manager (bars with counts)."""
    from ..present import plots

    tr, s = report.tr, report.settings
    overall = _float(report.overall["customer_churn"])
    parts = [_heading("rl-where-lost", tr.t("headings.where_lost"))]
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
                tr.t("breakdown.far_item", manager=m, rate=tr.percent(_float(r["churn_rate"])),
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
    return _wrap(*parts)


def _attribute_html(report: MonthlyReport, column: str) -> str:
    """The churn and revenue table of one customers attribute (segment, region)."""
    tr = report.tr
    t = report.by_attribute[column]
    names = ("active_now", "revenue", "revenue_share", "active_at_start", "lost",
             "churn_rate", "revenue_churn")
    cols = {c: tr.t(f"breakdown.cols.{c}") for c in names}
    group = tr.t(f"breakdown.cols.{column}")
    shown = t.rename(index=lambda g: tr.label("manager", g) if g == _UNASSIGNED else g)
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
    from ..present import plots

    tr = report.tr
    parts = [_heading("rl-who", tr.t("headings.who"))]
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
    return _wrap(*parts)


def section_exit_reasons(report: MonthlyReport):
    """Exit reasons: two Paretos, survey coverage and the recommended action per reason."""
    from ..present import plots

    tr = report.tr
    head = _heading("rl-reasons", tr.t("headings.reasons"))
    if report.reasons_table is None:
        return _wrap(head, _off(report, "exit reasons"))
    c = report.coverage
    parts = [head]
    parts.append(d.paragraphs_html(
        [tr.t("reasons.coverage_text", surveyed=c["surveyed"], lost=c["lost"],
              coverage=tr.percent(c["coverage"], 0))],
        css_class="rl-report",
    ))
    if len(report.reasons_table) == 0:
        parts.append(d.note_html(tr.t("reasons.no_answers")))
        return _wrap(*parts)
    bc = report.reasons_by_count["customers"].rename(index=lambda k: _reason_label(k, tr))
    br = report.reasons_by_revenue["lost_revenue"].rename(
        index=lambda k: _reason_label(k, tr))
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
    table["action"] = [_action(c, a, tr) for c, a in zip(table["category"], table["action"],
                                                         strict=True)]
    table["category"] = table["category"].map(lambda k: _reason_label(k, tr))
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
    return _wrap(*parts)


def section_lost_customers(report: MonthlyReport, *, top: int = 15):
    """The biggest customers lost this month (name, manager, tier, lost revenue) and the
    customers won back."""
    tr = report.tr
    month = report.month_name
    parts = [_heading("rl-lost-won", tr.t("headings.lost_won", month=report.tr.month(
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
    return _wrap(*parts)


def _definitions(report: MonthlyReport) -> dict[str, str]:
    s, tr = report.settings, report.tr
    args = {
        **_thresholds(report),
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
    parts = [_heading("rl-definitions", tr.t("headings.definitions")),
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
    return _wrap(*parts)


# --------------------------------------------------------------------------- customer base


@dataclass
class CustomerBase:
    """Tables of ``notebooks/customer_base.ipynb`` (see :func:`build_customer_base`).

    Attributes
    ----------
    period, as_of, company, settings
        As in :class:`MonthlyReport`.
    rfm
        Index customer_id; ``R``, ``F``, ``M`` (int 1..5), ``segment`` (str), ``monetary``.
    segments
        Index segment; ``customers``, ``customer_share``, ``revenue``, ``revenue_share``,
        ``mean_R``, ``mean_F``, ``mean_M``.
    abc_xyz
        Index tier (VIP, A, B, C); columns X, Y, Z (and any other class); customer counts
        of the customers **active** at ``as_of`` (the set the executive page's value
        tiers count; lost customers have no current tier).
    cohorts, cohort_sizes
        :func:`cohorts.cohort_retention` and :func:`cohorts.cohort_sizes` (12 cohorts).
    migration
        :func:`cohorts.segment_migration`.
    tr
        The :class:`~retention_lib.i18n.Translator` of the page's language.
    active, ever
        Customers active at ``as_of`` and every customer with a purchase up to ``as_of``
        (RFM and the migration cover ``ever``, ABC × XYZ covers ``active``).
    """

    period: str
    as_of: pd.Timestamp
    company: str
    settings: Settings
    rfm: pd.DataFrame
    segments: pd.DataFrame
    abc_xyz: pd.DataFrame
    cohorts: pd.DataFrame
    cohort_sizes: pd.Series
    migration: pd.DataFrame
    tr: Translator = field(default_factory=lambda: get_translator("en"))
    active: int = 0
    ever: int = 0


@cached_build("customer_base")
def build_customer_base(
    dataset, *, period: str, settings: Settings | None = None, cohort_months: int = 12,
    lang: str | None = None,
) -> CustomerBase:
    """Compute the customer-base tables for ``period`` (data up to the month's last day).

    ``lang`` (en, ru, uk; default ``settings.language``) only chooses the words shown.
    """
    from ..analysis.customer_days import shared_customer_codes

    with shared_customer_codes():  # customer ids factorised once for every table
        return _build_customer_base(dataset, period=period, settings=settings,
                                    cohort_months=cohort_months, lang=lang)


def _build_customer_base(
    dataset, *, period: str, settings: Settings | None, cohort_months: int, lang: str | None
) -> CustomerBase:
    from ..analysis import churn, cohorts, tiers
    from ..analysis.customer_days import share_subset_codes

    settings = settings or getattr(dataset, "settings", None) or DEFAULT_SETTINGS
    tr = get_translator(lang or settings.language)
    period = resolve_period(dataset, period)
    as_of = periods.report_as_of(period, data_end(dataset))
    all_tx = dataset.transactions
    tx = rows_until(all_tx, as_of)  # all_tx itself when no row is later (no copy)
    if tx is not all_tx:  # value tiers read all_tx, the rest tx: one pass
        share_subset_codes(all_tx, (all_tx["date"] <= as_of).to_numpy(dtype=bool), tx)
    rfm_raw = _rfm_raw(tx, as_of=as_of)  # also the "now" of the migration
    pairs = cohorts.purchase_months(tx, as_of)  # one pass for the cohort matrix and sizes
    rfm = _rfm(tx, as_of=as_of, raw=rfm_raw)
    tier_now = _tiers(dataset, as_of=as_of, settings=settings)
    rev = tier_now["revenue"].reindex(rfm.index).fillna(0.0)
    segs = _share_table(rfm["segment"], rev, _segment_order())
    means = rfm.groupby("segment")[["R", "F", "M"]].mean()
    segs = segs.join(means.rename(columns=lambda c: f"mean_{c}"))
    xyz = tiers.xyz_classes(tx, as_of=as_of, x_max=settings.xyz_x_max,
                            y_max=settings.xyz_y_max)
    # one label, one set: value tiers are those of the customers active at as_of (the
    # executive page's tier table); RFM and the migration cover every customer ever seen
    status = churn.customer_status(tx, as_of=as_of, lapse_days=settings.lapse_days,
                                   customers=dataset.customers)
    active_ids = status.index[status["status"] == "active"]
    tier_active = tier_now.loc[tier_now.index.isin(active_ids)]
    both = tier_active[["tier"]].join(xyz["xyz"], how="inner")
    mat = pd.crosstab(both["tier"], both["xyz"])
    mat = mat.reindex(index=[t for t in TIER_ORDER if t in mat.index]
                      + [t for t in mat.index if t not in TIER_ORDER])
    mat = mat.reindex(columns=[c for c in ("X", "Y", "Z") if c in mat.columns]
                      + [c for c in mat.columns if c not in ("X", "Y", "Z")])
    return CustomerBase(
        period=period,
        as_of=as_of,
        company=settings.company_name,
        settings=settings,
        rfm=rfm,
        segments=segs,
        abc_xyz=mat.astype("int64"),
        cohorts=cohorts.cohort_retention_from_pairs(pairs, as_of=as_of, months=cohort_months),
        cohort_sizes=cohorts.cohort_sizes_from_pairs(pairs, as_of=as_of, months=cohort_months),
        migration=cohorts.segment_migration_from_rfm(rfm_raw, tx, as_of=as_of,
                                                     lapse_days=settings.lapse_days),
        tr=tr,
        active=len(active_ids),
        ever=len(rfm),
    )


def base_header(base: CustomerBase):
    """Styles and the title of the customer-base page."""
    tr = base.tr
    return _wrap(
        d.style_block(),
        d.title_html(company=base.company, period_label=tr.month(base.as_of),
                     as_of=tr.date(base.as_of), subtitle=tr.t("title.base_subtitle"), tr=tr,
                     partial=periods.ends_early(base.as_of)),
    )


def base_contents(base: CustomerBase):
    """A short table of contents of the customer-base page."""
    return _wrap(_contents(base.tr, BASE_SECTIONS, month=base.tr.month(base.as_of)))


def base_rfm(base: CustomerBase):
    """RFM segment table and the R × F heatmaps (counts and mean monetary value)."""
    from ..present import plots

    tr = base.tr
    parts = [_heading("rl-rfm", tr.t("base.headings.rfm"))]
    cols = {c: tr.t(f"base.rfm.cols.{c}") for c in
            ("segment", "customers", "customer_share", "revenue", "revenue_share",
             "mean_R", "mean_F", "mean_M")}
    seg = base.segments.rename(index=lambda s: tr.label("segment", s))
    parts.append(d.table_html(
        seg.rename_axis(cols["segment"]).rename(columns=cols), index=True,
        caption=tr.t("base.rfm.caption") + " " + _population_ever(tr, base),
        formats={cols["customers"]: tr.number,
                 cols["customer_share"]: lambda v: tr.percent(v),
                 cols["revenue"]: lambda v: tr.money(v, base.settings.currency),
                 cols["revenue_share"]: lambda v: tr.percent(v),
                 cols["mean_R"]: lambda v: tr.number(v, decimals=2),
                 cols["mean_F"]: lambda v: tr.number(v, decimals=2),
                 cols["mean_M"]: lambda v: tr.number(v, decimals=2)},
        tr=tr,
    ))
    fig = plots.plot_rfm_heatmap(base.rfm, value="customers", tr=tr)
    parts.append(d.figure_html(fig, alt=tr.t("base.rfm.alt_customers", count=len(base.rfm))))
    fig = plots.plot_rfm_heatmap(base.rfm, value="monetary", currency=base.settings.currency,
                                 tr=tr)
    parts.append(d.figure_html(fig, alt=tr.t("base.rfm.alt_monetary")))
    return _wrap(*parts)


def _population_ever(tr: Translator, base: CustomerBase) -> str:
    return tr.t("population.ever", count=base.ever, date=tr.date(base.as_of),
                active=base.active, lost=base.ever - base.active)


def base_abc_xyz(base: CustomerBase):
    """ABC (value tier) × XYZ (demand stability) matrix."""
    from ..present import plots

    tr = base.tr
    fig = plots.plot_abc_xyz(base.abc_xyz, title=tr.t("base.abc_xyz.chart_title"), tr=tr)
    alt = tr.t("base.abc_xyz.alt", items="; ".join(
        f"{tr.label('tier', t)}/{c} {tr.number(int(base.abc_xyz.loc[t, c]))}"
        for t in base.abc_xyz.index for c in base.abc_xyz.columns
    ))
    s = base.settings
    return _wrap(
        _heading("rl-abc-xyz", tr.t("base.headings.abc_xyz")),
        d.note_html(tr.t("population.active", count=base.active, date=tr.date(base.as_of),
                         lapse_days=s.lapse_days)),
        d.figure_html(fig, alt=alt),
        d.note_html(tr.t("base.abc_xyz.note", x_max=tr.number(s.xyz_x_max, decimals=None),
                         y_max=tr.number(s.xyz_y_max, decimals=None))),
    )


def base_cohorts(base: CustomerBase):
    """Monthly acquisition-cohort retention heatmap."""
    from ..present import plots

    tr = base.tr
    fig = plots.plot_cohort_retention(base.cohorts, sizes=base.cohort_sizes,
                                      title=tr.t("base.cohorts.chart_title"), tr=tr)
    return _wrap(
        _heading("rl-cohorts", tr.t("base.headings.cohorts")),
        d.figure_html(fig, alt=tr.t("base.cohorts.alt", count=len(base.cohorts))),
        d.note_html(tr.t("base.cohorts.note", full=tr.percent(1.0, 0))),
        # the diagonal's last cells are the month of a partial as_of: counted to the data end
        d.note_html(tr.t("base.cohorts.partial", month=tr.month(base.as_of),
                         date=tr.date(base.as_of)))
        if periods.ends_early(base.as_of) else "",
    )


def base_migration(base: CustomerBase):
    """RFM segment migration since the previous month end (heatmap and table)."""
    from ..present import plots

    tr = base.tr
    m = base.migration
    moved = int(m.to_numpy().sum() - sum(
        m.loc[s, s] for s in m.index if s in m.columns))
    fig = plots.plot_segment_migration(m, title=tr.t("base.migration.chart_title"), tr=tr)
    table = m.rename(index=lambda s: tr.label("segment", s),
                     columns=lambda s: tr.label("segment", s))
    table.columns.name = None
    return _wrap(
        _heading("rl-migration", tr.t("base.headings.migration")),
        d.figure_html(fig, alt=tr.t("base.migration.alt", count=moved)),
        d.table_html(table.rename_axis(tr.t("base.migration.corner")), index=True,
                     caption=tr.t("base.migration.caption") + " "
                     + _population_ever(tr, base),
                     formats={c: tr.number for c in table.columns}, tr=tr),
    )
