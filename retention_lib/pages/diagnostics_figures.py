"""The computations behind the churn-diagnostics page, one function per part of the page.

:func:`retention_lib.pages.diagnostics.build_diagnostics` calls them in this order on the
transactions up to the report date and gathers their results in a
:class:`~retention_lib.pages.diagnostics.Diagnostics`: customers to save
(:func:`save_figures`), the back-test (:func:`backtest_figures`), event impact
(:func:`event_figures`), the win-back queue and returns (:func:`winback_figures`) and the
retention economics (:func:`economics_figures`). The definitions of every figure are in
:mod:`retention_lib.pages.diagnostics`. Each function returns plain frames, dicts and
numbers (English codes), nothing translated.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..analysis import churn, tiers
from ..analysis.backtest import Backtest, backtest_date, backtest_markers
from ..analysis.economics import retention_scenario, save_top_value
from ..analysis.events import event_impact
from ..analysis.signals import MARKERS, early_warning
from ..analysis.winback import winback_metrics, winback_queue, won_back_by_month
from ..config import Settings
from . import clv_core

__all__ = [
    "OPTIONAL_TABLES",
    "backtest_figures",
    "economics_figures",
    "event_figures",
    "extra_setting",
    "margin_rate",
    "optional_tables",
    "p_alive_of",
    "save_figures",
    "winback_figures",
]

#: The dataset's tables that switch on parts of the page (``None`` when absent).
OPTIONAL_TABLES = ("customers", "contacts", "signals", "usage", "surveys", "events")

_EXTRA_DEFAULTS = {
    "margin_rate": 0.25,
    "acquisition_cost_multiplier": 5.0,
    "churn_cut_points": 0.05,
    "save_rate": 0.3,
    "save_top": 15,
}

#: The table an early-warning marker needs (a marker switched off names it).
_MARKER_TABLE = {"contacts_down": "contacts", "complaints_up": "signals",
                 "competitor_interest": "signals", "not_using": "usage",
                 "low_p_alive": "p_alive"}


def optional_tables(dataset) -> dict[str, pd.DataFrame | None]:
    """Each of :data:`OPTIONAL_TABLES`: the dataset's table, or ``None`` when it has none."""
    return {name: (getattr(dataset, name) if dataset.has(name) else None)
            for name in OPTIONAL_TABLES}


def extra_setting(settings: Settings, key: str) -> Any:
    """``settings.extra[key]``, else the page's default for it."""
    return settings.extra.get(key, _EXTRA_DEFAULTS[key])


def p_alive_of(dataset, period: str, settings: Settings) -> tuple[pd.Series | None, str]:
    """The CLV helper's probability of being alive, or ``None`` and why not."""
    try:
        series = clv_core.p_alive_series(dataset, period=period, settings=settings)
    except (ImportError, AttributeError):
        return None, "missing"
    return (series, "") if series is not None else (None, "unreliable")


def margin_rate(tx: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> tuple[float, bool]:
    """Margin / amount of the last 365 days when the transactions carry a margin (and
    ``True``), else ``settings.extra["margin_rate"]`` (and ``False``: an assumption)."""
    if "margin" in tx.columns:
        last = tx.loc[(tx["date"] > as_of - pd.Timedelta(days=365)).to_numpy(bool)]
        amount = float(last["amount"].sum())
        if last["margin"].notna().any() and amount > 0:
            return min(max(float(last["margin"].sum()) / amount, 0.0), 1.0), True
    return float(extra_setting(settings, "margin_rate")), False


def save_figures(
    tx: pd.DataFrame, *, as_of: pd.Timestamp, tables: dict[str, Any], settings: Settings,
    p_alive: pd.Series | None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Customers to save: the early-warning frame of every active customer at ``as_of``
    (value tiers from the settings) and the markers switched off for lack of data (marker →
    the table it needs)."""
    value_tiers = tiers.value_tiers(
        tx, as_of=as_of, window_days=settings.tier_window_days, a_share=settings.tier_a_share,
        b_share=settings.tier_b_share, vip_share=settings.vip_share, vip_ids=settings.vip_ids,
    )
    early = early_warning(
        tx, as_of=as_of, customers=tables["customers"], contacts=tables["contacts"],
        signals=tables["signals"], usage=tables["usage"], tiers=value_tiers, p_alive=p_alive,
        lapse_days=settings.lapse_days,
    )
    markers_off = {m: _MARKER_TABLE[m] for m, why in early.attrs["markers_off"].items()
                   if why != "not requested"}
    return early, markers_off


def backtest_figures(
    tx: pd.DataFrame, *, as_of: pd.Timestamp, tables: dict[str, Any], lapse_days: int,
) -> tuple[Backtest | None, dict[str, Any] | None]:
    """The back-test of the markers (all but ``low_p_alive``), or ``None`` when the data are
    too short; and why it was left out when its follow-up is shorter than ``lapse_days``
    (else ``None``)."""
    try:
        at = backtest_date(tx, lapse_days=lapse_days)
        backtest = backtest_markers(
            tx, at=at, customers=tables["customers"], contacts=tables["contacts"],
            signals=tables["signals"], usage=tables["usage"], lapse_days=lapse_days,
            data_end=as_of, markers=[m for m in MARKERS if m != "low_p_alive"],
        )
    except ValueError:  # data too short for a back-test: reported, not fatal
        return None, None
    if backtest.provisional:
        # fewer than lapse_days of data after the horizon: "stopped buying" cannot be told
        # from "not yet back", so the back-test is left out with the reason, not shown
        return None, {"reason": "follow_up_too_short", "at": backtest.at.date().isoformat(),
                      "horizon_end": backtest.horizon_end.date().isoformat(),
                      "follow_up_days": int(backtest.follow_up_days),
                      "needed_days": int(lapse_days)}
    return backtest, None


def event_figures(
    tx: pd.DataFrame, *, tables: dict[str, Any], lapse_days: int,
) -> pd.DataFrame | None:
    """Churn before vs after each company event, or ``None`` without an ``events`` table."""
    if tables["events"] is None:
        return None
    return event_impact(tables["events"], transactions=tx, customers=tables["customers"],
                        lapse_days=lapse_days)


def winback_figures(
    tx: pd.DataFrame, *, as_of: pd.Timestamp, previous_end: pd.Timestamp,
    tables: dict[str, Any], settings: Settings, p_alive: pd.Series | None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The win-back queue at ``as_of``, the customers won back per month over 12 months and
    the win-back metrics of the report month (``previous_end`` to ``as_of``)."""
    cust, lapse = tables["customers"], settings.lapse_days
    lost_rule = settings.cadence.get("lost")
    queue = winback_queue(
        tx, as_of=as_of, customers=cust, surveys=tables["surveys"], contacts=tables["contacts"],
        p_alive=p_alive, lapse_days=lapse,
        contact_every_days=None if lost_rule is None else lost_rule.call_days,
        reason_keywords=settings.reason_keywords,
    )
    won_back = won_back_by_month(tx, end=as_of, months=12, lapse_days=lapse, customers=cust)
    winback = winback_metrics(queue, tx, start=previous_end, end=as_of, lapse_days=lapse,
                              customers=cust)
    return queue, won_back, winback


def economics_figures(
    tx: pd.DataFrame, *, as_of: pd.Timestamp, tables: dict[str, Any], settings: Settings,
    early: pd.DataFrame,
) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """What retention is worth: the churn-cut scenario, the value of saving the top of the
    at-risk list (``early``), and whether the margin rate came from the data."""
    cust, lapse = tables["customers"], settings.lapse_days
    rate = churn.churn_rate(tx, end=as_of, lapse_days=lapse, customers=cust).loc["all"]
    churn_now = float(rate["customer_churn"])
    margin, from_data = margin_rate(tx, as_of, settings)
    lost12 = churn.lost_customers(tx, end=as_of, lapse_days=lapse, customers=cust)
    scenario = retention_scenario(
        customers=int(rate["active_start"]), avg_revenue=0.0, margin_rate=margin,
        lost_customers=len(lost12), lost_revenue=float(lost12["lost_revenue"].sum()),
        churn_rate=0.0 if math.isnan(churn_now) else churn_now,
        churn_cut_points=float(extra_setting(settings, "churn_cut_points")),
        acquisition_cost_multiplier=float(extra_setting(settings, "acquisition_cost_multiplier")),
        currency=settings.currency,
    )
    save = save_top_value(early, top=int(extra_setting(settings, "save_top")),
                          save_rate=float(extra_setting(settings, "save_rate")),
                          margin_rate=margin, currency=settings.currency)
    return scenario, save, from_data
