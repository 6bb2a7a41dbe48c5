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
    :func:`retention_lib.churn.churn_rate` over the 12 months ending at ``as_of``.
    "Previous month" is the same figure for the 12 months ending at the previous month end.
Lost this month
    Customers active at the previous month end whose ``lost_on`` falls in the report month
    (:func:`retention_lib.churn.lost_customers` over (previous month end, as_of]); their
    revenue is the lost revenue (365 days up to the last purchase).
Won back this month
    :func:`retention_lib.churn.won_back` over the report month; their revenue is the net
    revenue from the return through ``as_of``.
Churn by tier
    Tiers are those at the *start* of the 12-month window (customers lost during the window
    have no revenue at its end, so tiers at the end would put every lost customer in C).
Exit reasons
    Surveys of the customers lost in the 12-month window, ranked by count and by lost
    revenue; coverage = lost customers with a survey / lost customers.
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import display as d
from .config import DEFAULT_SETTINGS, Settings, load_settings

__all__ = [
    "CustomerBase",
    "MonthlyReport",
    "REASON_LABELS",
    "base_abc_xyz",
    "base_cohorts",
    "base_header",
    "base_migration",
    "base_rfm",
    "build_customer_base",
    "build_monthly",
    "format_money",
    "notebook_settings",
    "report_metrics",
    "resolve_period",
    "section_churn_breakdown",
    "section_churn_series",
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
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "RUB": "₽", "UAH": "₴"}


# --------------------------------------------------------------------------- helpers


def format_money(value: float, currency: str = DEFAULT_SETTINGS.currency) -> str:
    """``41200.4, "EUR"`` → ``"€41,200"``; unknown currencies get their code: ``"CHF 41,200"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sym = _CURRENCY_SYMBOLS.get(currency.upper())
    sign = "-" if value < 0 else ""
    body = f"{abs(value):,.0f}"
    return f"{sign}{sym}{body}" if sym else f"{sign}{currency} {body}"


def _pct(rate: float | None, decimals: int = 1) -> str:
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "n/a"
    return f"{rate * 100:.{decimals}f} %"


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


def _month_end(period: str) -> pd.Timestamp:
    if not _PERIOD.match(str(period)):
        raise ValueError(f"period {period!r} is not a month; use YYYY-MM, e.g. 2026-10")
    p = pd.Period(str(period), freq="M")
    return p.to_timestamp(how="start") + pd.offsets.MonthEnd(0)


def _call(func, frame, **kwargs):
    """Call ``func(frame, **kwargs)`` passing only the keywords it accepts."""
    params = inspect.signature(func).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return func(frame, **kwargs)
    return func(frame, **{k: v for k, v in kwargs.items() if k in params})


def resolve_period(
    transactions: pd.DataFrame, period: str = "", *, today: Any = None
) -> str:
    """The report period: ``period`` when given (checked), else the last complete month.

    The last complete month is the latest calendar month that holds a transaction and has
    ended by ``today`` (default: the last transaction date, so the month counts as complete
    only when its last day holds a transaction).  Pass the data's report date
    (``dataset.as_of``, today by default) so that data ending on Friday 30 October still
    reports October once October is over.
    """
    if period:
        _month_end(period)
        return str(pd.Period(period, freq="M"))
    last = pd.Timestamp(transactions["date"].max())
    if pd.isna(last):
        raise ValueError("transactions hold no dates; pass period='YYYY-MM'")
    ref = last if today is None else max(pd.Timestamp(today).normalize(), last)
    month = last.to_period("M")
    if ref < _month_end(str(month)):
        month -= 1
    return str(month)


def notebook_settings(
    config_path: str = "", *, company_name: str = "", language: str = ""
) -> Settings:
    """Settings for a notebook run: the YAML at ``config_path`` (or the defaults) with the
    notebook's ``company_name`` and ``language`` parameters applied when non-empty."""
    settings = load_settings(config_path or None)
    changes: dict[str, Any] = {}
    if company_name:
        changes["company_name"] = company_name
    if language:
        changes["language"] = language
    return settings.replace(**changes) if changes else settings


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
    from . import tiers

    kw = {
        "as_of": as_of,
        "window_days": settings.tier_window_days,
        "a_share": settings.tier_a_share,
        "b_share": settings.tier_b_share,
        "vip_share": settings.vip_share,
        "vip_ids": settings.vip_ids,
    }
    out = _call(tiers.value_tiers, dataset.transactions, **kw)
    if "customer_id" in out.columns:
        out = out.set_index("customer_id")
    rev = next((c for c in ("revenue", "revenue_window", "window_revenue") if c in out), None)
    res = pd.DataFrame({"tier": out["tier"].astype(str)}, index=out.index)
    res["revenue"] = out[rev].astype(float) if rev else float("nan")
    return res


def _rfm(transactions: pd.DataFrame, *, as_of: pd.Timestamp, settings: Settings):
    """rfm_table at ``as_of``: index customer_id, columns R, F, M (int), segment (str),
    monetary (float)."""
    from . import rfm

    out = _call(rfm.rfm_table, transactions, as_of=as_of, lapse_days=settings.lapse_days)
    if "customer_id" in out.columns:
        out = out.set_index("customer_id")
    pick = {}
    for short, cands in {
        "R": ("R", "r_score", "r"),
        "F": ("F", "f_score", "f"),
        "M": ("M", "m_score", "m"),
    }.items():
        pick[short] = next(c for c in cands if c in out.columns)
    money = next(
        (c for c in ("monetary", "monetary_value", "revenue", "revenue_total") if c in out), None
    )
    res = pd.DataFrame(
        {k: out[v].astype("int64") for k, v in pick.items()}, index=out.index
    )
    res["segment"] = out["segment"].astype(str)
    res["monetary"] = out[money].astype(float) if money else float("nan")
    return res


def _segment_order() -> list[str]:
    from . import rfm
    from .cohorts import _segment_order as order

    return order(rfm)


# --------------------------------------------------------------------------- the report


@dataclass
class MonthlyReport:
    """Everything the executive report shows, computed once by :func:`build_monthly`.

    Attributes (tables are new frames; amounts in ``currency``)
    ----------
    period, period_label, as_of, previous_end, window_start
        ``"2026-10"``, ``"October 2026"``, the month's last day, the previous month's last
        day, the start S of the 12-month window (S, as_of].
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
        Section name → the missing table that would switch it on.
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

    @property
    def month_name(self) -> str:
        """The report month's name, e.g. ``"October"``."""
        return self.as_of.strftime("%B")

    def money(self, value: float) -> str:
        """Format an amount in the report's currency."""
        return format_money(value, self.currency)


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
    from . import reasons

    surveys = dataset.surveys
    surveys = surveys.loc[surveys["date"] <= as_of]
    lost_rev = lost12["lost_revenue"]
    kw = {
        "lost": lost12,
        "lost_customers": lost12,
        "lost_revenue": lost_rev,
        "as_of": as_of,
        "keywords": settings.reason_keywords,
        "reason_keywords": settings.reason_keywords,
        "settings": settings,
    }
    ranked = _call(reasons.rank_reasons, surveys, **kw)
    coverage = _call(reasons.survey_coverage, surveys, **kw)
    return ranked, coverage


def build_monthly(dataset, *, period: str, settings: Settings | None = None) -> MonthlyReport:
    """Compute every figure and table of the executive report for ``period``.

    Parameters
    ----------
    dataset
        A :class:`retention_lib.io.Dataset` (only ``transactions`` is required).
    period
        ``"YYYY-MM"``; data after the month's last day is ignored.
    settings
        Defaults to ``dataset.settings``.

    Returns
    -------
    MonthlyReport
        See its attributes.
    """
    from . import churn

    settings = settings or getattr(dataset, "settings", None) or DEFAULT_SETTINGS
    period = resolve_period(dataset.transactions, period, today=getattr(dataset, "as_of", None))
    as_of = _month_end(period)
    prev_end = _month_end(str(pd.Period(period, freq="M") - 1))
    start = _month_end(str(pd.Period(period, freq="M") - 12))
    tx = dataset.transactions
    tx = tx.loc[tx["date"] <= as_of]
    if tx.empty:
        raise ValueError(f"period {period}: no transactions on or before {as_of.date()}")
    customers = dataset.customers
    common = {
        "lapse_days": settings.lapse_days,
        "customers": customers,
        "normal_max": settings.churn_normal_max,
        "critical_min": settings.churn_critical_min,
    }
    overall = churn.churn_rate(tx, end=as_of, **common).loc["all"]
    previous = churn.churn_rate(tx, end=prev_end, **common).loc["all"]
    series = churn.churn_series(tx, end=as_of, months=24, **common)
    series = series.set_axis(series.index.to_timestamp(how="start") + pd.offsets.MonthEnd(0))
    series.index.name = "month_end"

    info = _customer_info(dataset)
    tiers_start = _tiers(dataset, as_of=start, settings=settings)
    tier_labels = pd.Series(
        pd.Categorical(tiers_start["tier"], categories=list(TIER_ORDER)),
        index=tiers_start.index,
    )
    by_tier = _group_table(churn.churn_rate(tx, end=as_of, by=tier_labels, **common))
    by_manager = None
    if customers is not None and "manager" in customers.columns:
        by_manager = _group_table(churn.churn_rate(tx, end=as_of, by="manager", **common))
        by_manager = by_manager.sort_values(["churn_rate", "active_at_start"],
                                            ascending=[False, False])

    status_now = churn.customer_status(tx, as_of=as_of, lapse_days=settings.lapse_days,
                                       customers=customers)
    active_now = int((status_now["status"] == "active").sum())

    lost_m = churn.lost_customers(tx, start=prev_end, end=as_of, lapse_days=settings.lapse_days,
                                  customers=customers)
    lost_month = lost_m.join(info, how="left").join(tiers_start["tier"], how="left")
    lost_month["manager"] = lost_month["manager"].fillna("unassigned")
    lost_month = lost_month[
        ["name", "manager", "tier", "last_purchase", "lost_on", "lost_revenue"]
    ].sort_values("lost_revenue", ascending=False, kind="stable")
    won = churn.won_back(tx, start=prev_end, end=as_of, lapse_days=settings.lapse_days,
                         customers=customers)
    won_month = won.join(info, how="left")
    won_month["manager"] = won_month["manager"].fillna("unassigned")
    won_month = won_month[["name", "manager", "returned_on", "gap_days", "revenue_since_return"]]

    tiers_now = _tiers(dataset, as_of=as_of, settings=settings)
    active_ids = status_now.index[status_now["status"] == "active"]
    tiers_active = tiers_now.loc[tiers_now.index.isin(active_ids)]
    tiers_table = _share_table(tiers_active["tier"], tiers_active["revenue"], list(TIER_ORDER))
    rfm_now = _rfm(tx, as_of=as_of, settings=settings)
    seg_rev = tiers_now["revenue"].reindex(rfm_now.index).fillna(0.0)
    segments = _share_table(rfm_now["segment"], seg_rev, _segment_order())

    sections_off: dict[str, str] = {}
    reasons_by_count = reasons_by_revenue = reasons_table = None
    coverage = None
    if dataset.has("surveys"):
        lost12 = churn.lost_customers(tx, end=as_of, lapse_days=settings.lapse_days,
                                      customers=customers)
        ranked, cov = _reasons(dataset, lost12, as_of=as_of, settings=settings)
        reasons_table = _normalise_ranked(ranked)
        reasons_by_count = (
            reasons_table[["customers", "count_share"]]
            .rename(columns={"count_share": "share"})
            .sort_values("customers", ascending=False, kind="stable")
        )
        reasons_by_revenue = (
            reasons_table[["lost_revenue", "revenue_share"]]
            .rename(columns={"revenue_share": "share"})
            .sort_values("lost_revenue", ascending=False, kind="stable")
        )
        coverage = _normalise_coverage(cov)
    else:
        sections_off["exit reasons"] = "surveys"
    if not dataset.has("customers"):
        sections_off["churn by manager"] = "customers"
    events = None
    if dataset.has("events"):
        events = dataset.events.loc[dataset.events["date"] <= as_of].copy()
    else:
        sections_off["company events on the churn chart"] = "events"

    return MonthlyReport(
        period=period,
        period_label=as_of.strftime("%B %Y"),
        as_of=as_of,
        previous_end=prev_end,
        window_start=start,
        company=settings.company_name,
        currency=settings.currency,
        settings=settings,
        overall=overall,
        previous=previous,
        series=series,
        by_tier=by_tier,
        by_manager=by_manager,
        active_now=active_now,
        lost_month=lost_month,
        won_month=won_month,
        tiers=tiers_table,
        segments=segments,
        reasons_by_count=reasons_by_count,
        reasons_by_revenue=reasons_by_revenue,
        reasons_table=reasons_table,
        coverage=coverage,
        events=events,
        data_quality=dataset.data_quality(),
        sections_off=sections_off,
    )


def _normalise_ranked(ranked: pd.DataFrame) -> pd.DataFrame:
    """rank_reasons output → index category; customers, count_share, lost_revenue,
    revenue_share, action."""
    from . import reasons

    r = ranked.copy()
    if "category" in r.columns:
        r = r.set_index("category")
    count = next(c for c in ("customers", "count", "n_customers", "lost") if c in r.columns)
    rev = next(c for c in ("lost_revenue", "revenue") if c in r.columns)
    out = pd.DataFrame(
        {
            "customers": r[count].astype("int64"),
            "lost_revenue": r[rev].astype(float),
        },
        index=pd.Index([str(i) for i in r.index], name="category"),
    )
    tc, tr = out["customers"].sum(), out["lost_revenue"].clip(lower=0).sum()
    if "count_share" in r.columns:  # rank_reasons: of the surveyed lost customers
        out["count_share"] = r["count_share"].astype(float).to_numpy()
    else:
        out["count_share"] = out["customers"] / tc if tc else float("nan")
    if "revenue_share" in r.columns:
        out["revenue_share"] = r["revenue_share"].astype(float).to_numpy()
    else:
        out["revenue_share"] = out["lost_revenue"].clip(lower=0) / tr if tr else float("nan")
    actions = getattr(reasons, "RECOMMENDED_ACTIONS", {})
    if "action" in r.columns:
        out["action"] = r["action"].astype(str).to_numpy()
    else:
        out["action"] = [str(actions.get(c, "")) for c in out.index]
    return out[["customers", "count_share", "lost_revenue", "revenue_share", "action"]]


def _normalise_coverage(cov: Any) -> dict[str, Any]:
    if isinstance(cov, pd.DataFrame):
        cov = cov.iloc[-1].to_dict()
    elif isinstance(cov, pd.Series):
        cov = cov.to_dict()
    cov = dict(cov)
    lost = int(cov.get("lost", cov.get("n_lost", 0)) or 0)
    surveyed = int(cov.get("surveyed", cov.get("n_surveyed", 0)) or 0)
    share = cov.get("coverage", surveyed / lost if lost else float("nan"))
    return {"lost": lost, "surveyed": surveyed, "coverage": _float(share)}


# --------------------------------------------------------------------------- verdict


def _zone_phrase(status: str, settings: Settings) -> str:
    lo = f"{settings.churn_normal_max * 100:g} %"
    hi = f"{settings.churn_critical_min * 100:g} %"
    return {
        "normal": f"normal zone (at or below {lo}): keep watching and analysing",
        "warning": f"warning zone (above {lo}): act",
        "critical": f"critical zone ({hi} or more): act urgently",
        "unknown": "not measurable yet (no customers active a year ago)",
    }[status]


#: Plain-language names of the reason categories of :mod:`retention_lib.reasons`.
REASON_LABELS = {
    "price": "price",
    "assortment": "assortment / product",
    "service": "service quality",
    "no_value": "unmet expectations / no value",
    "competitor": "competitor offer",
    "uncontrollable": "uncontrollable (moved, closed)",
    "unknown": "unknown",
}


def _reason_label(category: str) -> str:
    return REASON_LABELS.get(str(category), str(category).replace("_", " "))


def _first_sentence(text: str) -> str:
    text = str(text).strip()
    cut = text.find(". ")
    return text[: cut + 1] if cut >= 0 else text


def verdict_sentences(report: MonthlyReport) -> list[str]:
    """The verdict in plain words, one sentence per item.

    Example::

        Annual customer churn is 14.2 % — warning zone (above 10 %): act.
        Revenue churn is 9.8 % (normal zone).
        Up 0.6 points on last month (13.6 % at the end of September).
        23 customers were lost in October (€41,200 of annual revenue) and 4 won back (€3,100).
        The costliest exit reason is service quality (38 % of lost revenue): admit the fault …
    """
    s = report.settings
    o, p = report.overall, report.previous
    rate, status = _float(o["customer_churn"]), str(o["status"])
    out = [f"Annual customer churn is {_pct(rate)} — {_zone_phrase(status, s)}."]
    rev, rev_status = _float(o["revenue_churn"]), str(o["revenue_status"])
    out.append(f"Revenue churn is {_pct(rev)} ({rev_status} zone).")
    prev = _float(p["customer_churn"])
    prev_name = report.previous_end.strftime("%B")
    if math.isnan(rate) or math.isnan(prev):
        out.append("No comparison with last month is possible yet.")
    else:
        diff = round((rate - prev) * 100, 1)
        if diff > 0:
            out.append(f"Up {diff:.1f} points on last month ({_pct(prev)} at the end of "
                       f"{prev_name}).")
        elif diff < 0:
            out.append(f"Down {-diff:.1f} points on last month ({_pct(prev)} at the end of "
                       f"{prev_name}).")
        else:
            out.append(f"Unchanged on last month ({_pct(prev)} at the end of {prev_name}).")
    n_lost, n_won = len(report.lost_month), len(report.won_month)
    lost_rev = float(report.lost_month["lost_revenue"].sum())
    won_rev = float(report.won_month["revenue_since_return"].sum())
    cust = "customer was" if n_lost == 1 else "customers were"
    out.append(
        f"{n_lost} {cust} lost in {report.month_name} ({report.money(lost_rev)} of annual "
        f"revenue) and {n_won} won back ({report.money(won_rev)})."
    )
    if report.reasons_by_revenue is not None and len(report.reasons_by_revenue):
        top = report.reasons_by_revenue.index[0]
        share = _float(report.reasons_by_revenue["share"].iloc[0])
        action = _first_sentence(report.reasons_table.loc[top, "action"]).rstrip(".")
        action = action[:1].lower() + action[1:] if action else "see the actions table"
        out.append(
            f"The costliest exit reason is {_reason_label(top)} ({_pct(share, 0)} of lost "
            f"revenue): {action}."
        )
    elif report.reasons_by_revenue is not None:
        out.append("No lost customer answered the exit survey in the last 12 months.")
    else:
        out.append("Exit reasons are unknown: add surveys.csv to rank them.")
    return out


# --------------------------------------------------------------------------- metrics


def report_metrics(dataset, *, period: str, settings: Settings | None = None) -> dict[str, Any]:
    """The headline figures of ``metrics.json`` (JSON-serialisable: NaN → ``None``).

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
        ({section: table}), ``data_quality`` (:meth:`Dataset.to_metrics`).
    """
    r = build_monthly(dataset, period=period, settings=settings)
    return _metrics_from_report(r, dataset)


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
        "company": r.company,
        "currency": r.currency,
        "customers": {
            "active": int(r.active_now),
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
        "data_quality": dataset.to_metrics(),
    }


# --------------------------------------------------------------------------- sections


def _wrap(*parts: str):
    return d.html("".join(parts))


def _off(report: MonthlyReport, section: str) -> str:
    return d.section_off(report.sections_off[section], section)


def section_header(report: MonthlyReport):
    """Styles (once) and the title: company, period, "data as of"."""
    return _wrap(
        d.style_block(),
        d.title_html(
            company=report.company,
            period_label=report.period_label,
            as_of=report.as_of.strftime("%d %B %Y"),
            subtitle="monthly executive report",
        ),
    )


def section_verdict(report: MonthlyReport):
    """The verdict in plain words, with the status badges."""
    o = report.overall
    badges = (
        f'<p>Customer churn {d.status_badge(str(o["status"]))} &nbsp; '
        f'Revenue churn {d.status_badge(str(o["revenue_status"]))}</p>'
    )
    body = "".join(f"<p>{d.escape(s)}</p>" for s in verdict_sentences(report))
    return _wrap(
        '<div class="rl-report">', "<h2>Verdict</h2>",
        f'<div class="rl-verdict">{badges}{body}</div></div>',
    )


def section_kpis(report: MonthlyReport):
    """KPI tiles: churn now, revenue churn, active customers, lost/won back this month."""
    o, p = report.overall, report.previous
    now, prev = _float(o["customer_churn"]), _float(p["customer_churn"])
    change = "" if math.isnan(now) or math.isnan(prev) else (
        f"{(now - prev) * 100:+.1f} pts vs {report.previous_end.strftime('%B')}"
    )
    rprev = _float(p["revenue_churn"])
    rnow = _float(o["revenue_churn"])
    rchange = "" if math.isnan(rnow) or math.isnan(rprev) else (
        f"{(rnow - rprev) * 100:+.1f} pts vs {report.previous_end.strftime('%B')}"
    )
    month = report.month_name
    tiles = [
        d.Kpi("Customer churn, last 12 months", _pct(now), change, str(o["status"])),
        d.Kpi("Revenue churn, last 12 months", _pct(rnow), rchange, str(o["revenue_status"])),
        d.Kpi("Active customers", f"{report.active_now:,}",
              f"{int(o['lost']):,} of {int(o['active_start']):,} lost over 12 months"),
        d.Kpi(f"Lost in {month}", f"{len(report.lost_month):,}",
              f"{report.money(float(report.lost_month['lost_revenue'].sum()))} annual revenue"),
        d.Kpi(f"Won back in {month}", f"{len(report.won_month):,}",
              f"{report.money(float(report.won_month['revenue_since_return'].sum()))} "
              "bought since"),
    ]
    if report.coverage is not None:
        c = report.coverage
        tiles.append(d.Kpi("Exit-survey coverage", _pct(c["coverage"], 0),
                           f"{c['surveyed']:,} of {c['lost']:,} lost customers answered"))
    return _wrap(d.kpi_tiles(tiles))


def section_churn_series(report: MonthlyReport):
    """The trailing-12-month churn series with bands and company events."""
    from . import plots

    s = report.series
    fig = plots.plot_churn_series(
        s[["customer_churn", "revenue_churn", "partial_history"]],
        events=report.events,
        normal_max=report.settings.churn_normal_max,
        critical_min=report.settings.churn_critical_min,
        title="Annual churn, month by month (each point: the 12 months up to that month)",
    )
    first, last = s.index[0].strftime("%B %Y"), s.index[-1].strftime("%B %Y")
    peak = s["customer_churn"].idxmax() if s["customer_churn"].notna().any() else None
    alt = (
        f"Line chart of trailing-12-month customer and revenue churn from {first} to {last}; "
        f"now {_pct(_float(report.overall['customer_churn']))}"
        + (f", highest {_pct(_float(s.loc[peak, 'customer_churn']))} in "
           f"{peak.strftime('%B %Y')}" if peak is not None else "")
        + ". Shaded bands mark normal (up to 10 %), warning and critical (20 % or more)."
    )
    parts = ['<div class="rl-report"><h2>Churn over time</h2></div>', d.figure_html(fig, alt=alt)]
    if report.events is not None and len(report.events):
        ev = report.events.assign(date=report.events["date"].dt.strftime("%Y-%m-%d"))
        ev = ev.rename(columns={"date": "date", "kind": "kind", "description": "what changed"})
        ev["kind"] = ev["kind"].astype(str).str.replace("_", " ")
        parts.append(d.table_html(ev, caption="Company events marked on the chart"))
    if "company events on the churn chart" in report.sections_off:
        parts.append(_off(report, "company events on the churn chart"))
    if bool(s["partial_history"].any()):
        n = int(s["partial_history"].sum())
        parts.append(d.note_html(
            f"The first {n} months of the series start less than a year after the first "
            "transaction in the data: they count only customers whose earlier purchases "
            "are in the data."
        ))
    return _wrap(*parts)


def section_churn_breakdown(report: MonthlyReport):
    """Churn by value tier and by manager (bars with counts)."""
    from . import plots

    s = report.settings
    overall = _float(report.overall["customer_churn"])
    parts = ['<div class="rl-report"><h2>Where customers are lost</h2></div>']
    fig = plots.plot_churn_by_group(
        report.by_tier, title="Churn by value tier (tier a year ago)",
        normal_max=s.churn_normal_max, critical_min=s.churn_critical_min, overall=overall,
    )
    alt = "Bar chart of 12-month churn per value tier: " + "; ".join(
        f"{t} {_pct(_float(r['churn_rate']))} ({int(r['lost'])} of {int(r['active_at_start'])})"
        for t, r in report.by_tier.iterrows()
    )
    parts.append(d.figure_html(fig, alt=alt))
    if report.by_manager is None:
        parts.append(_off(report, "churn by manager"))
    else:
        fig = plots.plot_churn_by_group(
            report.by_manager, title="Churn by account manager",
            normal_max=s.churn_normal_max, critical_min=s.churn_critical_min, overall=overall,
        )
        alt = "Bar chart of 12-month churn per account manager: " + "; ".join(
            f"{m} {_pct(_float(r['churn_rate']))} ({int(r['lost'])} of "
            f"{int(r['active_at_start'])})"
            for m, r in report.by_manager.iterrows()
        )
        parts.append(d.figure_html(fig, alt=alt))
        far = report.by_manager.loc[
            (report.by_manager["churn_rate"] >= 1.5 * overall)
            & (report.by_manager["active_at_start"] >= 10)
        ] if not math.isnan(overall) else report.by_manager.iloc[0:0]
        if len(far):
            names = ", ".join(
                f"{m} ({_pct(_float(r['churn_rate']))}, {int(r['lost'])} of "
                f"{int(r['active_at_start'])} customers)" for m, r in far.iterrows()
            )
            parts.append(d.paragraphs_html(
                [f"Far above the company's {_pct(overall)}: {names}. Review these "
                 "relationships; a change of account manager can help."],
                css_class="rl-report",
            ))
    return _wrap(*parts)


def section_value_tiers(report: MonthlyReport):
    """Value tiers (customers and revenue share) and the RFM segment overview."""
    from . import plots

    parts = ['<div class="rl-report"><h2>Who the customers are</h2></div>']
    t = report.tiers
    fig = plots.plot_tier_share(t, title="Value tiers: share of customers and of revenue")
    alt = "Bar chart of value tiers: " + "; ".join(
        f"{k}: {r['customer_share']:.0%} of customers, {r['revenue_share']:.0%} of revenue"
        for k, r in t.iterrows()
    )
    parts.append(d.figure_html(fig, alt=alt))
    money = report.money
    parts.append(d.table_html(
        t.rename_axis("tier").rename(columns={
            "customer_share": "share of customers", "revenue": "revenue, last 12 months",
            "revenue_share": "share of revenue"}),
        index=True,
        caption=f"Value tiers of the {report.active_now:,} active customers on "
        f"{report.as_of:%d %B %Y}",
        formats={"customers": "{:,}", "share of customers": "{:.1%}",
                 "revenue, last 12 months": money, "share of revenue": "{:.1%}"},
    ))
    seg = report.segments
    fig = plots.plot_segment_overview(seg, title="RFM segments: customers and revenue share")
    alt = "Bar charts of RFM segments: " + "; ".join(
        f"{k}: {int(r['customers'])} customers, {r['revenue_share']:.0%} of revenue"
        for k, r in seg.iterrows()
    )
    parts.append(d.figure_html(fig, alt=alt))
    return _wrap(*parts)


def section_exit_reasons(report: MonthlyReport):
    """Exit reasons: two Paretos, survey coverage and the recommended action per reason."""
    from . import plots

    head = '<div class="rl-report"><h2>Why customers left</h2></div>'
    if report.reasons_table is None:
        return _wrap(head, _off(report, "exit reasons"))
    c = report.coverage
    parts = [head]
    parts.append(d.paragraphs_html(
        [f"{c['surveyed']:,} of the {c['lost']:,} customers lost in the last 12 months "
         f"answered the exit survey (coverage {_pct(c['coverage'], 0)}). A customer who "
         "gave several reasons counts once per reason, and their lost revenue is split "
         "equally among those reasons."],
        css_class="rl-report",
    ))
    if len(report.reasons_table) == 0:
        parts.append(d.note_html("No answers in the last 12 months."))
        return _wrap(*parts)
    bc = report.reasons_by_count["customers"].rename(index=_reason_label)
    br = report.reasons_by_revenue["lost_revenue"].rename(index=_reason_label)
    fig = plots.plot_reasons_pareto(bc, br, title="Exit reasons: by count and by lost revenue")
    alt = (
        "Two Pareto bar charts of exit reasons. By count: "
        + ", ".join(f"{k} {int(v)}" for k, v in bc.items())
        + ". By lost revenue: "
        + ", ".join(f"{k} {report.money(float(v))}" for k, v in br.items())
        + "."
    )
    parts.append(d.figure_html(fig, alt=alt))
    table = report.reasons_table.sort_values("lost_revenue", ascending=False).reset_index()
    table["category"] = table["category"].map(_reason_label)
    table = table.rename(columns={
        "category": "reason", "customers": "customers",
        "count_share": "share of answering customers",
        "lost_revenue": "lost annual revenue", "revenue_share": "share of lost revenue",
        "action": "recommended action",
    })
    parts.append(d.table_html(
        table,
        caption="Exit reasons, costliest first, with the recommended response",
        formats={"customers": "{:,}", "share of answering customers": "{:.0%}",
                 "lost annual revenue": report.money, "share of lost revenue": "{:.0%}"},
    ))
    return _wrap(*parts)


def section_lost_customers(report: MonthlyReport, *, top: int = 25):
    """The biggest customers lost this month (name, manager, tier, lost revenue) and the
    customers won back."""
    month = report.month_name
    parts = [f'<div class="rl-report"><h2>Customers lost and won back in {d.escape(month)}'
             "</h2></div>"]
    lost = report.lost_month.head(top).reset_index()
    lost = lost.rename(columns={"index": "customer_id"})
    lost["name"] = lost["name"].fillna(lost["customer_id"])
    lost = lost[["name", "manager", "tier", "last_purchase", "lost_revenue"]].rename(
        columns={"tier": "tier a year ago", "last_purchase": "last purchase",
                 "lost_revenue": "annual revenue lost"}
    )
    parts.append(d.table_html(
        lost,
        caption=f"Biggest customers lost in {month} (top {top} by annual revenue)",
        formats={"last purchase": lambda v: pd.Timestamp(v).strftime("%Y-%m-%d"),
                 "annual revenue lost": report.money},
    ))
    if len(report.lost_month) > top:
        parts.append(d.note_html(
            f"{len(report.lost_month) - top:,} more customers with smaller annual revenue "
            f"were lost in {month}."
        ))
    won = report.won_month.reset_index().rename(columns={"index": "customer_id"})
    won["name"] = won["name"].fillna(won["customer_id"])
    won = won.sort_values("revenue_since_return", ascending=False).head(top)
    won = won[["name", "manager", "returned_on", "gap_days", "revenue_since_return"]].rename(
        columns={"returned_on": "returned on", "gap_days": "days away",
                 "revenue_since_return": "bought since return"}
    )
    parts.append(d.table_html(
        won, caption=f"Customers won back in {month}",
        formats={"returned on": lambda v: pd.Timestamp(v).strftime("%Y-%m-%d"),
                 "days away": "{:,}", "bought since return": report.money},
    ))
    return _wrap(*parts)


def _definitions(report: MonthlyReport) -> dict[str, str]:
    s = report.settings
    lo, hi = f"{s.churn_normal_max * 100:g} %", f"{s.churn_critical_min * 100:g} %"
    return {
        "Active customer": (
            f"bought at least once in the last {s.lapse_days} days (refunds do not count as "
            "purchases) and has no recorded end date."
        ),
        "Lost customer": (
            f"{s.lapse_days} days without a purchase; lost on the day the gap reaches "
            f"{s.lapse_days} days (or on the contract end date in the customer table)."
        ),
        "Customer churn (annual)": (
            f"customers lost during the 12 months up to {report.as_of:%d %B %Y}, divided by "
            f"the customers active on {report.window_start:%d %B %Y}."
        ),
        "Revenue churn (annual)": (
            "the revenue of those lost customers over the year before the window, divided by "
            "the revenue of all customers active at the window start over the same year."
        ),
        "Status zones": (
            f"normal: churn at or below {lo} (watch and analyse); warning: above {lo} "
            f"(act); critical: {hi} or more (act urgently)."
        ),
        "Churn series": "each point is the annual churn of the 12 months ending that month.",
        "Lost / won back this month": (
            "lost: active at the previous month end and lost during the month, with their "
            "revenue over the 365 days up to their last purchase. Won back: a purchase this "
            f"month after more than {s.lapse_days} days without one, with what they bought "
            "since."
        ),
        "Value tiers": (
            f"customers ranked by revenue over the last {s.tier_window_days} days: A up to "
            f"{s.tier_a_share * 100:g} % of cumulative revenue, B up to "
            f"{s.tier_b_share * 100:g} %, C the rest; VIP = the top {s.vip_share * 100:g} % "
            "of customers, taken from A. Churn by tier uses each customer's tier a year ago."
        ),
        "RFM segments": (
            "recency, frequency and monetary value scored 1–5 (5 best, quintiles of the "
            "customer base), combined into named segments."
        ),
        "Exit reasons": (
            "survey answers of customers lost in the last 12 months, grouped into categories; "
            "lost revenue = the customer's revenue in the 365 days up to their last purchase. "
            "Coverage = lost customers who answered / all lost customers."
        ),
    }


def section_definitions(report: MonthlyReport):
    """How every number is defined, rows read/excluded per table, sections switched off."""
    parts = ['<div class="rl-report"><h2>Definitions and data quality</h2></div>',
             d.definitions_html(_definitions(report))]
    dq = report.data_quality.rename(columns={
        "rows_read": "rows read", "rows_excluded": "rows excluded", "rows_used": "rows used",
        "notes": "notes (why rows were excluded, warnings)",
    })
    parts.append(d.table_html(
        dq[["table", "rows read", "rows excluded", "rows used",
            "notes (why rows were excluded, warnings)"]],
        caption="Input data: rows read, excluded and used per table",
        formats={"rows read": "{:,}", "rows excluded": "{:,}", "rows used": "{:,}"},
    ))
    if report.sections_off:
        parts.append(d.paragraphs_html(
            [f"Left out for lack of data: {sec} (needs {tbl}.csv)."
             for sec, tbl in report.sections_off.items()],
            css_class="rl-report",
        ))
    parts.append(d.note_html(
        f"Figures use data up to {report.as_of:%d %B %Y}. Amounts are net of refunds, in "
        f"{report.currency}."
    ))
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
        Index tier (VIP, A, B, C); columns X, Y, Z (and any other class); customer counts.
    cohorts, cohort_sizes
        :func:`cohorts.cohort_retention` and :func:`cohorts.cohort_sizes` (12 cohorts).
    migration
        :func:`cohorts.segment_migration`.
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


def build_customer_base(
    dataset, *, period: str, settings: Settings | None = None, cohort_months: int = 12
) -> CustomerBase:
    """Compute the customer-base tables for ``period`` (data up to the month's last day)."""
    from . import cohorts, tiers

    settings = settings or getattr(dataset, "settings", None) or DEFAULT_SETTINGS
    period = resolve_period(dataset.transactions, period, today=getattr(dataset, "as_of", None))
    as_of = _month_end(period)
    tx = dataset.transactions.loc[dataset.transactions["date"] <= as_of]
    rfm = _rfm(tx, as_of=as_of, settings=settings)
    tier_now = _tiers(dataset, as_of=as_of, settings=settings)
    rev = tier_now["revenue"].reindex(rfm.index).fillna(0.0)
    segs = _share_table(rfm["segment"], rev, _segment_order())
    means = rfm.groupby("segment")[["R", "F", "M"]].mean()
    segs = segs.join(means.rename(columns=lambda c: f"mean_{c}"))
    xyz = _call(tiers.xyz_classes, tx, as_of=as_of, x_max=settings.xyz_x_max,
                y_max=settings.xyz_y_max)
    if "customer_id" in xyz.columns:
        xyz = xyz.set_index("customer_id")
    xyz_col = next(c for c in ("xyz", "xyz_class", "class") if c in xyz.columns)
    both = tier_now[["tier"]].join(xyz[xyz_col].rename("xyz"), how="inner")
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
        cohorts=cohorts.cohort_retention(tx, as_of=as_of, months=cohort_months),
        cohort_sizes=cohorts.cohort_sizes(tx, as_of=as_of, months=cohort_months),
        migration=cohorts.segment_migration(tx, as_of=as_of, lapse_days=settings.lapse_days),
    )


def base_header(base: CustomerBase):
    """Styles and the title of the customer-base page."""
    return _wrap(
        d.style_block(),
        d.title_html(company=base.company, period_label=base.as_of.strftime("%B %Y"),
                     as_of=base.as_of.strftime("%d %B %Y"),
                     subtitle="customer base (for analysts)"),
    )


def base_rfm(base: CustomerBase):
    """RFM segment table and the R × F heatmaps (counts and mean monetary value)."""
    from . import plots

    parts = ['<div class="rl-report"><h2>RFM segments</h2></div>']
    parts.append(d.table_html(
        base.segments.rename_axis("segment"), index=True,
        caption="RFM segments: customers, revenue of the last 12 months, mean scores",
        formats={"customers": "{:,}", "customer_share": "{:.1%}",
                 "revenue": lambda v: format_money(v, base.settings.currency),
                 "revenue_share": "{:.1%}", "mean_R": "{:.2f}", "mean_F": "{:.2f}",
                 "mean_M": "{:.2f}"},
    ))
    fig = plots.plot_rfm_heatmap(base.rfm, value="customers")
    parts.append(d.figure_html(
        fig, alt="Heatmap of customer counts by recency score (rows) and frequency score "
        f"(columns), {len(base.rfm):,} customers in total."))
    fig = plots.plot_rfm_heatmap(base.rfm, value="monetary")
    parts.append(d.figure_html(
        fig, alt="Heatmap of mean monetary value by recency score (rows) and frequency score "
        "(columns)."))
    return _wrap(*parts)


def base_abc_xyz(base: CustomerBase):
    """ABC (value tier) × XYZ (demand stability) matrix."""
    from . import plots

    fig = plots.plot_abc_xyz(base.abc_xyz)
    alt = "Heatmap of customers by value tier and demand stability: " + "; ".join(
        f"{t}/{c} {int(base.abc_xyz.loc[t, c])}" for t in base.abc_xyz.index
        for c in base.abc_xyz.columns
    )
    s = base.settings
    return _wrap(
        '<div class="rl-report"><h2>Value tier × demand stability (ABC × XYZ)</h2></div>',
        d.figure_html(fig, alt=alt),
        d.note_html(
            f"XYZ by the coefficient of variation of monthly revenue: X up to {s.xyz_x_max:g}, "
            f"Y up to {s.xyz_y_max:g}, Z above."
        ),
    )


def base_cohorts(base: CustomerBase):
    """Monthly acquisition-cohort retention heatmap."""
    from . import plots

    fig = plots.plot_cohort_retention(base.cohorts, sizes=base.cohort_sizes)
    alt = (
        f"Heatmap of the {len(base.cohorts)} most recent monthly acquisition cohorts: share "
        "of each cohort buying again in each month since the first purchase."
    )
    return _wrap(
        '<div class="rl-report"><h2>Acquisition cohorts</h2></div>',
        d.figure_html(fig, alt=alt),
        d.note_html("A purchase is a transaction with a positive amount; month 0 is the month "
                    "of the first purchase (100 % by definition)."),
    )


def base_migration(base: CustomerBase):
    """RFM segment migration since the previous month end (heatmap and table)."""
    from . import plots

    m = base.migration
    moved = int(m.to_numpy().sum() - sum(
        m.loc[s, s] for s in m.index if s in m.columns))
    fig = plots.plot_segment_migration(m)
    alt = (f"Heatmap of customers by RFM segment at the previous month end (rows) and now "
           f"(columns); {moved:,} customers changed segment.")
    return _wrap(
        '<div class="rl-report"><h2>Segment migration since last month</h2></div>',
        d.figure_html(fig, alt=alt),
        d.table_html(m.rename_axis("previous segment \\ now"), index=True,
                     caption="Customers per segment: previous month end (rows) → now (columns)"),
    )
