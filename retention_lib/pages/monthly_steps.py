"""The steps of :func:`~retention_lib.pages.monthly.build_monthly`: each computes one group of
the executive report's figures (see :class:`~retention_lib.pages.monthly.MonthlyReport`) from
the month's transactions, read through one :class:`Month`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import periods
from ..analysis import churn, reasons
from ..analysis._churn_history import lookup
from ..analysis.managers import has_managers
from ..config import Settings
from ..data.checks import UNASSIGNED
from ._numbers import as_float
from .customer_tables import TIER_ORDER, rfm_scores, segment_order, share_table, tiers_at

__all__ = [
    "BREAKDOWN_ATTRIBUTES",
    "Month",
    "attribute_table",
    "attribute_tables",
    "churn_by_tier_and_manager",
    "churn_figures",
    "coverage_numbers",
    "exit_reasons",
    "group_table",
    "lost_and_won",
    "previous_month_figures",
    "ranked_reasons",
    "reason_table",
    "tier_and_segment_shares",
]


@dataclass(frozen=True)
class Month:
    """What every step of :func:`~retention_lib.pages.monthly.build_monthly` reads: the period,
    its days (see :class:`~retention_lib.pages.monthly.MonthlyReport`), the transactions up to
    ``as_of``, the customers table (or ``None``) and the settings."""

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


def group_table(rates: pd.DataFrame) -> pd.DataFrame:
    """``churn_rate(by=...)`` → index group; ``churn_rate``, ``revenue_churn``, ``lost``,
    ``active_at_start``, ``status`` (see ``MonthlyReport.by_tier``)."""
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


def attribute_table(rates: pd.DataFrame, customers: pd.DataFrame, column: str,
                     revenue_active: pd.Series) -> pd.DataFrame:
    """Churn (from ``churn_rate(by=column)``) and the active customers' revenue per value of
    ``customers[column]`` (see ``MonthlyReport.by_attribute``)."""
    c = customers.drop_duplicates("customer_id", keep="last")
    labels = c[column].astype("string").str.strip()
    labels = pd.Series(labels.where(labels != "").to_numpy(),
                       index=c["customer_id"].astype(str))
    group = labels.reindex(revenue_active.index.astype(str)).fillna(UNASSIGNED)
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


def ranked_reasons(dataset, lost12: pd.DataFrame, *, as_of: pd.Timestamp, settings: Settings):
    """Ranked reasons of the customers lost in the window; ``None``s without surveys."""
    surveys = dataset.surveys
    surveys = surveys.loc[surveys["date"] <= as_of]
    ranked = reasons.rank_reasons(surveys, lost=lost12, keywords=settings.reason_keywords)
    coverage = reasons.survey_coverage(surveys, lost=lost12)
    return ranked, coverage


def churn_figures(month: Month) -> dict[str, Any]:
    """``overall`` and ``previous`` (churn now and a month earlier) and the 24-month
    ``series``; a partial month's last point is the window ending at the data end."""
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


def churn_by_tier_and_manager(month: Month, tiers_start: pd.DataFrame) -> dict[str, Any]:
    """``by_tier`` (value tiers at the window start) and ``by_manager`` (``None`` without a
    manager column), worst manager first."""
    tx, as_of, common = month.tx, month.as_of, month.churn_options
    tier_labels = pd.Series(
        pd.Categorical(tiers_start["tier"], categories=list(TIER_ORDER)),
        index=tiers_start.index,
    )
    by_tier = group_table(churn.churn_rate(tx, end=as_of, by=tier_labels, **common))
    by_manager = None
    if has_managers(month.customers):
        by_manager = group_table(churn.churn_rate(tx, end=as_of, by="manager", **common))
        by_manager = by_manager.sort_values(["churn_rate", "active_at_start"],
                                            ascending=[False, False])
    return {"by_tier": by_tier, "by_manager": by_manager}


def lost_and_won(
    month: Month, status_now: pd.DataFrame, info: pd.DataFrame, tiers_start: pd.DataFrame,
) -> dict[str, Any]:
    """``active_now`` and the customers lost (``lost_month``) and won back (``won_month``)
    during the month, with name, manager (and tier for the lost)."""
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


def previous_month_figures(month: Month) -> dict[str, Any]:
    """The previous month's figures, for the changes on the KPI tiles."""
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


def tier_and_segment_shares(
    dataset, month: Month, status_now: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``(tiers of the active customers, {"tiers": ..., "segments": ...})``: the value tiers
    of the customers active at ``as_of`` and the RFM segments of every customer ever seen,
    with their shares of customers and revenue."""
    tiers_now = tiers_at(dataset, as_of=month.as_of, settings=month.settings)
    active_ids = status_now.index[status_now["status"] == "active"]
    tiers_active = tiers_now.loc[lookup(tiers_now.index, active_ids) >= 0]
    tiers_table = share_table(tiers_active["tier"], tiers_active["revenue"], list(TIER_ORDER))
    rfm_now = rfm_scores(month.tx, as_of=month.as_of)
    seg_rev = tiers_now["revenue"].reindex(rfm_now.index).fillna(0.0)
    segments = share_table(rfm_now["segment"], seg_rev, segment_order())
    return tiers_active, {"tiers": tiers_table, "segments": segments}


def attribute_tables(
    month: Month, tiers_active: pd.DataFrame, sections_off: dict[str, str],
) -> dict[str, pd.DataFrame]:
    """Churn by each of :data:`BREAKDOWN_ATTRIBUTES` the customers table has; the others
    are added to ``sections_off``."""
    customers = month.customers
    by_attribute: dict[str, pd.DataFrame] = {}
    for column in BREAKDOWN_ATTRIBUTES:
        if customers is not None and column in customers.columns:
            by_attribute[column] = attribute_table(
                churn.churn_rate(month.tx, end=month.as_of, by=column, **month.churn_options),
                customers, column, tiers_active["revenue"])
        else:
            sections_off[f"churn by {column}"] = (
                "customers" if customers is None else f"customers.{column}")
    return by_attribute


def exit_reasons(dataset, month: Month, sections_off: dict[str, str]) -> dict[str, Any]:
    """The exit reasons of the customers lost in the window (``reasons_table``, by count, by
    revenue) and the survey ``coverage``; ``None``s and a section off without surveys."""
    out: dict[str, Any] = dict.fromkeys(
        ("reasons_by_count", "reasons_by_revenue", "reasons_table", "coverage"))
    if not dataset.has("surveys"):
        sections_off["exit reasons"] = "surveys"
        return out
    lost12 = churn.lost_customers(month.tx, end=month.as_of,
                                  lapse_days=month.settings.lapse_days,
                                  customers=month.customers)
    ranked, cov = ranked_reasons(dataset, lost12, as_of=month.as_of, settings=month.settings)
    table = reason_table(ranked)
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
    out["coverage"] = coverage_numbers(cov)
    return out


def reason_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """:func:`~retention_lib.analysis.reasons.rank_reasons` → index category; customers,
    count_share (of the surveyed lost customers), lost_revenue, revenue_share, action."""
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


def coverage_numbers(cov: dict[str, Any]) -> dict[str, Any]:
    """:func:`~retention_lib.analysis.reasons.survey_coverage` as plain numbers."""
    return {"lost": int(cov["lost"]), "surveyed": int(cov["surveyed"]),
            "coverage": as_float(cov["coverage"])}

