"""Retention economics: what a cut in churn, or saving the top at-risk customers, is worth.

DESIGN.md rule 11: acquiring a customer costs 5-10 times more than keeping one; the report
turns the company's own figures into that scenario, with the assumptions printed next to the
numbers. All figures are over 12 months and deliberately simple (no discounting, no
second-order effects such as referrals).

Formulas
--------
:func:`retention_scenario`

* ``cut`` = ``min(churn_cut_points, churn_rate)`` (churn cannot fall below 0);
* ``customers_kept`` = ``customers x cut`` (customers who would have left and stay), with
  ``customers`` the churn base: the customers active at the start of the 12 months;
* ``revenue_kept`` = ``customers_kept x revenue per customer kept``.  From the customers
  actually lost (``lost_customers`` and ``lost_revenue`` given, the report's way): the
  revenue per customer kept is ``lost_revenue / lost_customers``, the average revenue the
  customers lost in the 12 months brought in their last year (the assumption: the customers
  a cut keeps are like those who left).  Then ``revenue_kept = lost_revenue x cut /
  churn_rate`` can never exceed ``lost_revenue``: cutting 5 of 13 points keeps 5/13 of what
  was lost.  Without them, ``avg_revenue`` (e.g. the average active customer's revenue,
  which overstates the value when the customers who leave are the small ones);
* ``margin_kept`` = ``revenue_kept x margin_rate``;
* with a ``retention_cost`` per customer: ``acquisition_cost`` = ``retention_cost x
  acquisition_cost_multiplier`` per new customer, ``replacement_cost`` =
  ``customers_kept x acquisition_cost`` (what winning the same number of new customers would
  cost), ``retention_spend`` = ``customers_kept x retention_cost``; without it those are NaN.

:func:`save_top_value` (on the :func:`retention_lib.analysis.signals.early_warning` frame)

* the ``top`` flagged customers by value at risk;
* ``value_at_risk`` = the sum of their ``revenue_12m x risk_score``: the 12-month revenue
  expected to leave with them if nothing is done;
* ``revenue_saved`` = ``save_rate x value_at_risk``: a save campaign that prevents
  ``save_rate`` of those losses; ``margin_saved`` = ``revenue_saved x margin_rate``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["format_money", "retention_scenario", "save_top_value"]


def format_money(value: float, currency: str = "") -> str:
    """``12345.6`` -> ``"12,346"`` (with ``" EUR"`` appended when ``currency`` is given)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    text = f"{value:,.0f}"
    return f"{text} {currency}" if currency else text


def _check_rate(value: float, name: str) -> float:
    value = float(value)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a share between 0 and 1, got {value}")
    return value


# retention_scenario is long only by its signature and its docstring (the output contract);
# its body is about 45 lines.
def retention_scenario(
    *,
    customers: int,
    avg_revenue: float,
    margin_rate: float,
    churn_rate: float,
    churn_cut_points: float = 0.05,
    acquisition_cost_multiplier: float = 5.0,
    retention_cost: float | None = None,
    currency: str = "",
    lost_customers: int | None = None,
    lost_revenue: float | None = None,
) -> dict[str, Any]:
    """The 12-month value of cutting churn by ``churn_cut_points`` (see module docstring).

    Parameters
    ----------
    customers
        Active customers at the start of the 12 months (the churn base).
    avg_revenue
        Average 12-month revenue per customer; used only without ``lost_customers`` /
        ``lost_revenue``.
    margin_rate
        Gross margin as a share of revenue (0..1).
    churn_rate
        Current annual customer churn (0..1).
    churn_cut_points
        The cut, as a share (0.05 = 5 points).
    acquisition_cost_multiplier
        Cost of acquiring a customer / cost of retaining one (DESIGN.md: 5-10).
    retention_cost
        Optional cost of retaining one customer for a year (same currency).
    currency
        Appended to the amounts of the sentence.
    lost_customers, lost_revenue
        The customers lost in the 12 months and their revenue in their last year
        (:func:`retention_lib.analysis.churn.lost_customers`, column ``lost_revenue``, summed).
        Given together: the revenue per customer kept is ``lost_revenue / lost_customers``.

    Returns
    -------
    dict
        ``basis`` (``"lost"``: from the lost customers' revenue; ``"average"``: from
        ``avg_revenue``), ``revenue_per_customer`` (the revenue of one customer kept),
        ``lost_customers`` (int or None), ``lost_revenue_12m`` (float, NaN without it),
        ``customers``, ``churn_rate``, ``churn_cut_points`` (the cut applied),
        ``new_churn_rate``, ``customers_kept`` (float), ``revenue_kept``, ``margin_kept``,
        ``acquisition_cost``, ``replacement_cost``, ``retention_spend`` (float, NaN without
        ``retention_cost``), ``acquisition_cost_multiplier``, ``sentence`` (str: the result
        with its assumptions).

    Raises
    ------
    ValueError
        A rate outside [0, 1], negative customers or revenue, a multiplier below 1.
    """
    if customers < 0 or avg_revenue < 0:
        raise ValueError(
            f"customers and avg_revenue must be >= 0, got {customers}, {avg_revenue}"
        )
    margin_rate = _check_rate(margin_rate, "margin_rate")
    churn_rate = _check_rate(churn_rate, "churn_rate")
    cut_asked = _check_rate(churn_cut_points, "churn_cut_points")
    if acquisition_cost_multiplier < 1:
        raise ValueError(
            f"acquisition_cost_multiplier must be >= 1, got {acquisition_cost_multiplier}"
        )
    basis, per_customer = _revenue_per_customer(customers, avg_revenue, lost_customers,
                                                lost_revenue)
    cut = min(cut_asked, churn_rate)
    kept = customers * cut
    revenue = kept * per_customer
    margin = revenue * margin_rate
    nan = float("nan")
    acq = nan if retention_cost is None else retention_cost * acquisition_cost_multiplier
    replace = nan if retention_cost is None else kept * acq
    spend = nan if retention_cost is None else kept * retention_cost
    sentence = _scenario_sentence(
        customers=customers, churn_rate=churn_rate, cut=cut, kept=kept, revenue=revenue,
        margin=margin, margin_rate=margin_rate, replace=replace, retention_cost=retention_cost,
        acquisition_cost_multiplier=acquisition_cost_multiplier, basis=basis,
        per_customer=per_customer, avg_revenue=avg_revenue, lost_customers=lost_customers,
        lost_revenue=lost_revenue, currency=currency,
    )
    return {
        "basis": basis,
        "revenue_per_customer": per_customer,
        "lost_customers": None if lost_customers is None else int(lost_customers),
        "lost_revenue_12m": nan if lost_revenue is None else float(lost_revenue),
        "customers": int(customers),
        "churn_rate": churn_rate,
        "churn_cut_points": cut,
        "new_churn_rate": churn_rate - cut,
        "customers_kept": kept,
        "revenue_kept": revenue,
        "margin_kept": margin,
        "acquisition_cost": acq,
        "replacement_cost": replace,
        "retention_spend": spend,
        "acquisition_cost_multiplier": float(acquisition_cost_multiplier),
        "sentence": sentence,
    }



def _revenue_per_customer(
    customers: int, avg_revenue: float, lost_customers: int | None, lost_revenue: float | None
) -> tuple[str, float]:
    """``(basis, revenue of one customer kept)``: from the customers lost (``"lost"``), else
    the average revenue (``"average"``)."""
    if (lost_customers is None) != (lost_revenue is None):
        raise ValueError("lost_customers and lost_revenue go together: give both or neither")
    if lost_customers is None:
        return "average", float(avg_revenue)
    if lost_customers < 0 or lost_customers > customers:
        raise ValueError(f"lost_customers must be between 0 and customers ({customers}), "
                         f"got {lost_customers}")
    # a net-negative lost revenue (refunds only) keeps nothing, never a negative amount
    return "lost", (max(float(lost_revenue), 0.0) / lost_customers if lost_customers else 0.0)


def _scenario_sentence(
    *,
    customers: int,
    churn_rate: float,
    cut: float,
    kept: float,
    revenue: float,
    margin: float,
    margin_rate: float,
    replace: float,
    retention_cost: float | None,
    acquisition_cost_multiplier: float,
    basis: str,
    per_customer: float,
    avg_revenue: float,
    lost_customers: int | None,
    lost_revenue: float | None,
    currency: str,
) -> str:
    """The scenario's result in one English paragraph, with its assumptions."""
    sentence = (
        f"Cutting customer churn from {100 * churn_rate:.1f} % to "
        f"{100 * (churn_rate - cut):.1f} % ({100 * cut:.1f} points) keeps about "
        f"{kept:,.0f} of {customers:,} customers a year, worth {format_money(revenue, currency)} "
        f"of revenue and {format_money(margin, currency)} of margin over 12 months."
    )
    if retention_cost is not None:
        sentence += (
            f" Replacing them with new customers would cost about "
            f"{format_money(replace, currency)} ({acquisition_cost_multiplier:g} times the "
            f"{format_money(retention_cost, currency)} it costs to keep one)."
        )
    if basis == "lost":
        sentence += (
            f" Assumptions: each customer kept brings what the {lost_customers:,} customers "
            f"lost in the 12 months brought on average in their last year, "
            f"{format_money(per_customer, currency)} "
            f"({format_money(float(lost_revenue), currency)} in all); "
            f"{customers:,} customers active at the start of the 12 months, margin "
        )
    else:
        sentence += (
            f" Assumptions: {customers:,} active customers, average revenue "
            f"{format_money(avg_revenue, currency)} per customer a year, margin "
        )
    sentence += (
        f"{100 * margin_rate:.0f} %, current churn {100 * churn_rate:.1f} %; "
        f"acquiring a customer costs {acquisition_cost_multiplier:g} times keeping one."
    )
    return sentence


def save_top_value(
    at_risk: pd.DataFrame,
    *,
    top: int = 15,
    save_rate: float = 0.3,
    margin_rate: float,
    currency: str = "",
) -> dict[str, Any]:
    """The 12-month value of saving the top of the at-risk list (see module docstring).

    Parameters
    ----------
    at_risk
        The :func:`~retention_lib.analysis.signals.early_warning` or
        :func:`~retention_lib.analysis.signals.at_risk_list` frame: ``value_at_risk``,
        ``revenue_12m`` (float64); ``flagged`` (bool) when present (only flagged rows count).
    top
        How many customers, by value at risk.
    save_rate
        Share of the expected losses a save campaign prevents (0..1).
    margin_rate
        Gross margin as a share of revenue.
    currency
        Appended to the amounts of the sentence.

    Returns
    -------
    dict
        ``customers`` (int: how many were taken, at most ``top``), ``revenue_12m`` (their
        trailing revenue), ``value_at_risk``, ``revenue_saved``, ``margin_saved`` (float),
        ``save_rate``, ``margin_rate``, ``sentence`` (str).
    """
    save_rate = _check_rate(save_rate, "save_rate")
    margin_rate = _check_rate(margin_rate, "margin_rate")
    for col in ("value_at_risk", "revenue_12m"):
        if col not in at_risk.columns:
            raise ValueError(
                f"at_risk lacks required column {col!r}; it has {list(at_risk.columns)}"
            )
    frame = at_risk
    if "flagged" in frame.columns:
        frame = frame[frame["flagged"].to_numpy(bool)]
    frame = frame.sort_values("value_at_risk", ascending=False, kind="stable").iloc[:top]
    var = float(frame["value_at_risk"].sum())
    saved = save_rate * var
    margin = saved * margin_rate
    n = int(len(frame))
    sentence = (
        f"Saving the top {n} customers at risk is worth about "
        f"{format_money(saved, currency)} of revenue and {format_money(margin, currency)} of "
        f"margin over 12 months. Assumptions: they bring "
        f"{format_money(float(frame['revenue_12m'].sum()), currency)} a year, of which "
        f"{format_money(var, currency)} is expected to leave (revenue x risk score); a save "
        f"campaign keeps {100 * save_rate:.0f} % of that; margin {100 * margin_rate:.0f} %."
    )
    return {
        "customers": n,
        "revenue_12m": float(frame["revenue_12m"].sum()),
        "value_at_risk": var,
        "revenue_saved": saved,
        "margin_saved": margin,
        "save_rate": save_rate,
        "margin_rate": margin_rate,
        "sentence": sentence,
    }
