"""The headline figures of ``metrics.json``: :func:`report_metrics` (the executive report's
figures and one section per deeper analysis, JSON-serialisable)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..config import Settings
from ._numbers import as_float, json_number
from .monthly import MonthlyReport, build_monthly

__all__ = ["report_metrics"]


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
    # here, not at module level: these pages import lifetimes (~2 s), which a plain import of
    # this module does not need
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
    """Every field of :func:`report_metrics` but the deeper analyses' sections."""
    now, prev = as_float(r.overall["customer_churn"]), as_float(r.previous["customer_churn"])
    change = round((now - prev) * 100, 6) if not (math.isnan(now) or math.isnan(prev)) else None
    return {
        "period": r.period,
        "as_of": r.as_of.date().isoformat(),
        "data_end": r.data_end.date().isoformat() if r.data_end is not None else None,
        "partial": bool(r.partial),
        "history": _history(r),
        "company": r.company,
        "currency": r.currency,
        "customers": _customers(r),
        "customer_churn": json_number(now),
        "revenue_churn": json_number(as_float(r.overall["revenue_churn"])),
        "status": str(r.overall["status"]),
        "revenue_status": str(r.overall["revenue_status"]),
        "thresholds": {
            "normal_max": r.settings.churn_normal_max,
            "critical_min": r.settings.churn_critical_min,
        },
        "previous": {
            "period": str(pd.Period(r.period, freq="M") - 1),
            "customer_churn": json_number(prev),
            "revenue_churn": json_number(as_float(r.previous["revenue_churn"])),
            "status": str(r.previous["status"]),
        },
        "change_points": change,
        "top_reasons_by_count": _top_reasons(r.reasons_by_count, "customers"),
        "top_reasons_by_revenue": _top_reasons(r.reasons_by_revenue, "lost_revenue"),
        "survey_coverage": (
            None if r.coverage is None else {
                "lost": r.coverage["lost"],
                "surveyed": r.coverage["surveyed"],
                "coverage": json_number(r.coverage["coverage"]),
            }
        ),
        "tiers": {
            str(t): {
                "customers": int(row["customers"]),
                "revenue": float(row["revenue"]),
                "revenue_share": json_number(float(row["revenue_share"])),
            }
            for t, row in r.tiers.iterrows()
        },
        "sections_off": dict(r.sections_off),
        "breakdowns": _breakdowns(r),
        "data_quality": dataset.to_metrics(as_of=r.as_of),
        "language": r.tr.lang,
    }


def _history(r: MonthlyReport) -> dict[str, Any]:
    """``history``: the days the data cover against the days the annual churn needs."""
    return {
        "data_start": r.data_start.date().isoformat() if r.data_start is not None else None,
        "window_start": r.window_start.date().isoformat(),
        "needed_from": r.history_needed.date().isoformat(),
        "short_history": bool(r.short_history),
        "tiers_missing": bool(r.tiers_missing),
    }


def _customers(r: MonthlyReport) -> dict[str, Any]:
    """``customers``: active, ever seen, lost and won back (counts and revenue)."""
    return {
        "active": int(r.active_now),
        # RFM and CLV cover every customer who ever bought (active and lost)
        "ever_seen": int(r.segments["customers"].sum()),
        "active_at_window_start": int(r.overall["active_start"]),
        "lost_12m": int(r.overall["lost"]),
        "lost_this_month": len(r.lost_month),
        "lost_this_month_revenue": float(r.lost_month["lost_revenue"].sum()),
        "won_back_this_month": len(r.won_month),
        "won_back_this_month_revenue": float(r.won_month["revenue_since_return"].sum()),
    }


def _top_reasons(frame: pd.DataFrame | None, col: str) -> list[dict[str, Any]]:
    """The first three exit reasons of ``frame`` with their ``col`` and share."""
    if frame is None:
        return []
    return [
        {"category": str(cat), col: json_number(
            int(row[col]) if col == "customers" else float(row[col])),
         "share": json_number(float(row["share"]))}
        for cat, row in frame.head(3).iterrows()
    ]


def _breakdowns(r: MonthlyReport) -> dict[str, Any]:
    """``breakdowns``: churn and revenue per value of each customers attribute."""
    return {
        column: {
            str(g): {
                "active_now": int(row["active_now"]),
                "revenue_12m": float(row["revenue"]),
                "active_at_start": int(row["active_at_start"]),
                "lost": int(row["lost"]),
                "customer_churn": json_number(float(row["churn_rate"])),
                "revenue_churn": json_number(float(row["revenue_churn"])),
            }
            for g, row in table.iterrows()
        }
        for column, table in r.by_attribute.items()
    }
